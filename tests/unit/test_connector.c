/* test_connector.c - unit tests of the filesystem connector's internals: record framing (JSON
 * lines, CSV with quoted line breaks and comments), the bounded reader over a pipe with a tiny
 * window (records cut by the window end are completed, never split), durations and sizes, and
 * partition paths. */
#include <stdlib.h>
#include <unistd.h>

#include "connector/connector.h"
#include "connector/fs.h"
#include "unit.h"

static size_t frame(const fs_framing *f, const char *s) { return fs_frame(f, s, strlen(s)); }

TEST(fs_frame_json_lines) {
  fs_framing j = {0, ',', false, false};
  CHECK(frame(&j, "") == 0);
  CHECK(frame(&j, "{\"a\":1}") == 0); /* no line break yet: not whole */
  CHECK(frame(&j, "{\"a\":1}\n{\"a\"") == 8);
  CHECK(frame(&j, "{}\n{}\n") == 6);
}

TEST(fs_frame_csv_quotes) {
  fs_framing c = {'"', ',', true, false};
  CHECK(frame(&c, "a,b\nc,d\n") == 8);
  CHECK(frame(&c, "a,\"x\ny\"\n") == 8);         /* a line break inside quotes */
  CHECK(frame(&c, "a,b\nc,\"x\ny") == 4);        /* the second record is still open */
  CHECK(frame(&c, "a,\"x\"\"") == 0);            /* a doubled quote may follow */
  CHECK(frame(&c, "a,\"x\"\"\n\"\n") == 9);      /* "x""<nl>" */
  CHECK(frame(&c, "ab\"c\nd\n") == 7);           /* a quote inside a field is text */
  CHECK(fs_frame(&c, "\"a\"x,\"b\nc", 10) == 8); /* bad after the quote: to the line break */
  CHECK(frame(&c, "\"a\"\r\nb\n") == 7);         /* CRLF after a closing quote */
  fs_framing cm = {'"', ',', true, true};
  CHECK(frame(&cm, "# it's \"odd\nx\n") == 14); /* a comment line is whole */
  fs_framing nq = {0, ',', true, false};
  CHECK(frame(&nq, "a,\"b\nc\n") == 7);
}

/* Reads everything from a pipe (or, mapped, from a file) with a window of `win` bytes; returns
 * the records joined by '|' as the source sees them (only whole ones, the last at EOF). */
static char *read_all_from(const char *data, size_t win, size_t max, int *toolong, bool mapped) {
  int fds[2];
  if (mapped) {
    char path[] = "/tmp/sluice-test-reader-XXXXXX";
    fds[0] = mkstemp(path);
    if (fds[0] < 0) return NULL;
    unlink(path);
    fds[1] = dup(fds[0]);
  } else if (pipe(fds) != 0) {
    return NULL;
  }
  ssize_t w = write(fds[1], data, strlen(data));
  (void)w;
  close(fds[1]);
  fs_framing c = {'"', ',', true, false};
  fs_reader r;
  fs_reader_init(&r, fds[0], mapped, 0, &c, win, max);
  r.final = true;
  if (mapped) {
    fs_reader_map(&r, (off_t)strlen(data));
    r.win = win; /* small windows, to cross every boundary */
  }
  sl_buf out = {0};
  *toolong = 0;
  for (;;) {
    size_t n = fs_reader_ready(&r);
    if (n) {
      size_t k = 1; /* the first whole record (or the rest, at EOF) */
      while (k < n && fs_frame(&c, r.buf + r.pos, k) != k) k++;
      buf_put(&out, r.buf + r.pos, k);
      buf_putc(&out, '|');
      r.pos += k;
      continue;
    }
    fs_fill fl = fs_reader_fill(&r);
    if (fl == FS_FILL_EOF) break;
    if (fl == FS_FILL_TOOLONG) {
      (*toolong)++;
      bool found;
      r.pos = r.len;
      while (fs_reader_skip_line(&r, &found), !found)
        if (fs_reader_fill(&r) == FS_FILL_EOF) break;
    }
    if (fl == FS_FILL_ERROR) break;
  }
  fs_reader_free(&r);
  close(fds[0]);
  buf_cstr(&out);
  return out.data;
}

static char *read_all(const char *data, size_t win, size_t max, int *toolong) {
  int tl2 = 0;
  char *a = read_all_from(data, win, max, toolong, false);
  char *b = read_all_from(data, win, max, &tl2, true);
  CHECK(a && b && !strcmp(a, b)); /* copied and mapped windows see the same records */
  CHECK(*toolong == tl2);
  free(b);
  return a;
}

TEST(fs_reader_window) {
  int tl;
  char *s = read_all("a,1\nbb,\"2\n2\"\nccc,3\nlast", 4, 64, &tl);
  CHECK_STR(s, "a,1\n|bb,\"2\n2\"\n|ccc,3\n|last|");
  CHECK(tl == 0);
  free(s);
  /* a record longer than the cap is reported and skipped to its line break */
  s = read_all("a\nbbbbbbbbbbbbbbbbbbbbbbbb\nc\n", 4, 8, &tl);
  CHECK_STR(s, "a\n|c\n|");
  CHECK(tl == 1);
  free(s);
}

TEST(fs_durations_sizes) {
  int64_t v = 0;
  CHECK(opt_parse_duration("1s", &v) == SL_OK && v == 1000);
  CHECK(opt_parse_duration("500 ms", &v) == SL_OK && v == 500);
  CHECK(opt_parse_duration("10 min", &v) == SL_OK && v == 600000);
  CHECK(opt_parse_duration("250", &v) == SL_OK && v == 250);
  CHECK(opt_parse_duration("1 fortnight", &v) != SL_OK);
  CHECK(opt_parse_duration("s", &v) != SL_OK);
  CHECK(opt_parse_size("128MB", &v) == SL_OK && v == 128 << 20);
  CHECK(opt_parse_size("1 kb", &v) == SL_OK && v == 1024);
  CHECK(opt_parse_size("100", &v) == SL_OK && v == 100);
}

TEST(fs_partition_paths) {
  sl_buf b = {0};
  fs_partition_escape("a/b=c%d", 7, &b);
  CHECK_STR(buf_cstr(&b), "a%2Fb%3Dc%25d");
  buf_free(&b);
  sl_arena a;
  arena_init(&a, 256);
  const char *names[] = {"dt", "country"};
  const char *vals[2];
  CHECK(fs_partition_parse("dt=2024-01-02/country=a%2Fb/part-0", 2, names, vals,
                           FS_DEFAULT_PARTITION, &a));
  CHECK_STR(vals[0], "2024-01-02");
  CHECK_STR(vals[1], "a/b");
  CHECK(fs_partition_parse("dt=x/country=__DEFAULT_PARTITION__/f", 2, names, vals,
                           FS_DEFAULT_PARTITION, &a));
  CHECK(vals[1] == NULL);
  CHECK(!fs_partition_parse("dt=x/f", 2, names, vals, FS_DEFAULT_PARTITION, &a));
  arena_free(&a);
}

/* ---- datagen ---- */

typedef struct dg_cap {
  sl_op base;
  sl_value *rows; /* ncols per row, strings copied */
  char **strs;
  int n, cap, ncols;
} dg_cap;

static sl_status dg_cap_push(sl_op *op, int port, const sl_batch *b, sl_error *e) {
  dg_cap *c = (dg_cap *)op;
  for (int r = 0; r < b->nrows; r++) {
    if (c->n == c->cap) {
      c->cap = c->cap ? c->cap * 2 : 1024;
      c->rows = realloc(c->rows, sizeof(sl_value) * (size_t)(c->cap * c->ncols));
    }
    memcpy(c->rows + (size_t)c->n * (size_t)c->ncols, batch_row(b, r),
           sizeof(sl_value) * (size_t)c->ncols);
    for (int k = 0; k < c->ncols; k++) { /* strings die with the batch: keep their hash */
      sl_value *v = &c->rows[(size_t)c->n * (size_t)c->ncols + (size_t)k];
      if (v->null || op->in[0]->types[k].id != T_STRING) continue;
      uint64_t h = 1469598103934665603ULL;
      for (uint32_t i = 0; i < v->len; i++) h = (h ^ (unsigned char)v->u.s[i]) * 1099511628211ULL;
      v->u.i = (int64_t)h;
    }
    c->n++;
  }
  return SL_OK;
}
static void dg_cap_free(sl_op *op) {
  free(((dg_cap *)op)->rows);
  free(op);
}
static const op_vt dg_cap_vt = {.kind = "Cap", .push = dg_cap_push, .free = dg_cap_free};

static const char *const dg_names[4] = {"id", "k", "s", "price"};
static const sl_type dg_types[4] = {
    {T_BIGINT, 0, 0, 0, 0}, {T_INT, 0, 0, 0, 0}, {T_STRING, 0, 0, 0, 0}, {T_DECIMAL, 6, 2, 0, 0}};

/* Runs a datagen table of dg_names/dg_types with the options to its end; NULL and e set when
 * the source refuses the options. */
static dg_cap *dg_run(const opt_kv *kv, int nkv, const bool *needed, int batch, sl_error *e) {
  sl_job *j = job_new();
  j->batch_rows = batch;
  conn_ctx c = {.job = j,
                .table = "g",
                .schema = {4, dg_names, dg_types, needed, 0},
                .opts = {kv, nkv},
                .source_index = job_add_source(j, "g", ON_ERROR_DLQ, "/dev/null")};
  sl_op *src = conn_datagen.source_new(&c, e);
  if (!src) {
    job_free(j);
    return NULL;
  }
  src->ncols = 4;
  src->cols = dg_names;
  src->types = dg_types;
  job_add_op(j, src);
  dg_cap *cap = calloc(1, sizeof *cap);
  op_init(&cap->base, &dg_cap_vt, j, "cap");
  cap->ncols = 4;
  job_add_op(j, &cap->base);
  op_connect(src, &cap->base);
  CHECK(job_run(j, e) == SL_OK);
  /* hand the capture over: detach it from the job before freeing the job */
  dg_cap *out = malloc(sizeof *out);
  *out = *cap;
  cap->rows = NULL;
  job_free(j);
  return out;
}
static void dg_cap_done(dg_cap *c) {
  if (!c) return;
  free(c->rows);
  free(c);
}

static const opt_kv dg_base[] = {{"connector", "datagen"},      {"rows-per-second", "unlimited"},
                                 {"number-of-rows", "20000"},   {"fields.id.kind", "sequence"},
                                 {"fields.id.start", "10"},     {"fields.id.end", "1000000"},
                                 {"fields.k.min", "-3"},        {"fields.k.max", "3"},
                                 {"fields.k.null-rate", "0.1"}, {"fields.s.length", "20"},
                                 {"fields.price.min", "1.50"},  {"fields.price.max", "2.00"}};
#define DG_NBASE ((int)(sizeof dg_base / sizeof dg_base[0]))

TEST(datagen_values_bounds_nulls_and_determinism) {
  sl_error e = {0};
  dg_cap *a = dg_run(dg_base, DG_NBASE, NULL, 1024, &e);
  CHECK(a && a->n == 20000);
  if (!a) return;
  int nulls = 0, seen[7] = {0}, price_lo = 0, price_hi = 0;
  bool ok = true;
  for (int r = 0; r < a->n; r++) {
    sl_value *v = a->rows + (size_t)r * 4;
    ok = ok && !v[0].null && v[0].u.i == 10 + r;
    if (v[1].null)
      nulls++;
    else if (v[1].u.i < -3 || v[1].u.i > 3)
      ok = false;
    else
      seen[v[1].u.i + 3]++;
    ok = ok && !v[2].null && v[2].len == 20;
    __int128 p = value_dec(&v[3]);
    ok = ok && p >= 150 && p <= 200;
    price_lo += p == 150;
    price_hi += p == 200;
  }
  CHECK(ok);
  CHECK(nulls > 1700 && nulls < 2300);                                 /* 10% of 20000 */
  for (int i = 0; i < 7; i++) CHECK(seen[i] > 2200 && seen[i] < 2950); /* ~2570 each */
  CHECK(price_lo > 100 && price_hi > 100);                             /* both ends reached */
  /* the same options: the same rows, at another batch size and reading two columns only */
  static const bool only_k[4] = {false, true, false, false};
  dg_cap *b = dg_run(dg_base, DG_NBASE, only_k, 7, &e);
  CHECK(b && b->n == 20000);
  bool same = b != NULL;
  for (int r = 0; b && r < b->n; r++) {
    const sl_value *x = a->rows + (size_t)r * 4 + 1, *y = b->rows + (size_t)r * 4 + 1;
    same = same && x->null == y->null && (x->null || x->u.i == y->u.i);
    same = same && b->rows[(size_t)r * 4].null; /* columns not needed are not generated */
  }
  CHECK(same);
  /* another seed: other values */
  opt_kv seeded[DG_NBASE + 1];
  memcpy(seeded, dg_base, sizeof dg_base);
  seeded[DG_NBASE] = (opt_kv){"seed", "1"};
  dg_cap *c = dg_run(seeded, DG_NBASE + 1, NULL, 1024, &e);
  int differ = 0;
  for (int r = 0; c && r < c->n; r++)
    differ += a->rows[(size_t)r * 4 + 2].u.i != c->rows[(size_t)r * 4 + 2].u.i;
  CHECK(c && differ > 19900);
  dg_cap_done(a);
  dg_cap_done(b);
  dg_cap_done(c);
}

TEST(datagen_sequence_end_bounds_the_source_and_pacing) {
  sl_error e = {0};
  opt_kv kv[DG_NBASE];
  memcpy(kv, dg_base, sizeof dg_base);
  kv[1] = (opt_kv){"rows-per-second", "400"};
  kv[2] = (opt_kv){"seed", "3"};           /* no 'number-of-rows' */
  kv[5] = (opt_kv){"fields.id.end", "59"}; /* 50 rows: the sequence ends the source */
  int64_t t0 = loop_now_ms();
  dg_cap *a = dg_run(kv, DG_NBASE, NULL, 1024, &e);
  int64_t took = loop_now_ms() - t0;
  CHECK(a && a->n == 50);
  CHECK(a && a->rows[49 * 4].u.i == 59);
  CHECK(took >= 100 && took < 2000); /* 50 rows at 400 per second: about 125 ms */
  dg_cap_done(a);
}

TEST(datagen_option_errors) {
  sl_error e = {0};
  opt_kv kv[DG_NBASE + 1];
  memcpy(kv, dg_base, sizeof dg_base);
  kv[11] = (opt_kv){"fields.price.max", "1.00"};
  CHECK(dg_run(kv, DG_NBASE, NULL, 1024, &e) == NULL);
  CHECK(strstr(e.msg, "'fields.price.min' is above 'fields.price.max'") != NULL);
  memcpy(kv, dg_base, sizeof dg_base);
  kv[8] = (opt_kv){"fields.k.null-rate", "1.5"};
  CHECK(dg_run(kv, DG_NBASE, NULL, 1024, &e) == NULL);
  CHECK(strstr(e.msg, "a fraction between 0 and 1") != NULL);
  memcpy(kv, dg_base, sizeof dg_base);
  kv[6] = (opt_kv){"fields.k.min", "99999999999"};
  CHECK(dg_run(kv, DG_NBASE, NULL, 1024, &e) == NULL);
  CHECK(strstr(e.msg, "is not an INT") != NULL);
  memcpy(kv, dg_base, sizeof dg_base);
  kv[4] = (opt_kv){"fields.id.start", "2000000"};
  CHECK(dg_run(kv, DG_NBASE, NULL, 1024, &e) == NULL);
  CHECK(strstr(e.msg, "'fields.id.end' is before 'fields.id.start'") != NULL);
}
