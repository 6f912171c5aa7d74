/* test_ops_window.c - ops/window_*.c on hand-built jobs: a feeder pushes batches with row
 * positions and delivers watermarks, a capturing sink records every row (kind and values as
 * text) and signal. Window TVF rows and window aggregation results are checked against a naive
 * per-window recomputation over random input (the seed is printed on failure). */
#include <stdlib.h>

#include "ops/ops.h"
#include "unit.h"

/* ---- a feeder and a capturing sink ---- */

typedef struct cap_op {
  sl_op base;
  char **rows;
  int n, cap;
  int64_t last_wm;
  int ends, nwm;
} cap_op;

static sl_status cap_push(sl_op *op, int port, const sl_batch *b, sl_error *e) {
  cap_op *c = (cap_op *)op;
  const sl_op *in = op->in[port];
  for (int r = 0; r < b->nrows; r++) {
    sl_buf t = {0};
    buf_puts(&t, rowkind_short(b->kind[r]));
    const sl_value *row = batch_row(b, r);
    for (int i = 0; i < in->ncols; i++) {
      buf_putc(&t, '|');
      value_format(&row[i], in->types[i], &t);
    }
    if (c->n == c->cap) {
      c->cap = c->cap ? c->cap * 2 : 64;
      c->rows = realloc(c->rows, sizeof(char *) * (size_t)c->cap);
    }
    c->rows[c->n++] = xstrdup(buf_cstr(&t));
    buf_free(&t);
  }
  return SL_OK;
}
static sl_status cap_signal(sl_op *op, int port, const sl_signal *s, sl_error *e) {
  cap_op *c = (cap_op *)op;
  if (s->kind == SIG_WATERMARK) c->last_wm = s->ts, c->nwm++;
  if (s->kind == SIG_END) c->ends++;
  return op_signal_default(op, port, s, e);
}
static void cap_clear(cap_op *c) {
  for (int i = 0; i < c->n; i++) free(c->rows[i]);
  c->n = 0;
}
static void cap_free(sl_op *op) {
  cap_op *c = (cap_op *)op;
  cap_clear(c);
  free(c->rows);
  free(c);
}
static const op_vt cap_vt = {
    .kind = "Capture", .push = cap_push, .signal = cap_signal, .free = cap_free};
static cap_op *cap_new(sl_job *j, sl_op *from) {
  cap_op *c = calloc(1, sizeof *c);
  op_init(&c->base, &cap_vt, j, "capture");
  c->last_wm = WM_NONE;
  job_add_op(j, &c->base);
  op_connect(from, &c->base);
  return c;
}

static void plain_free(sl_op *op) { free(op); }
static const op_vt feed_vt = {.kind = "Feeder", .free = plain_free};
static sl_op *feed_new(sl_job *j, int ncols, const char *const *names, const sl_type *types) {
  sl_op *op = calloc(1, sizeof *op);
  op_init(op, &feed_vt, j, "feeder");
  op->ncols = ncols;
  op->cols = names;
  op->types = types;
  job_add_op(j, op);
  return op;
}
static sl_status feed_wm(sl_op *f, int64_t ts, sl_error *e) {
  sl_signal s = {SIG_WATERMARK, ts, 0};
  return op_signal_emit(f, &s, e);
}
static sl_status feed_end(sl_op *f, sl_error *e) { return op_end_source(f, e); }

static uint64_t rng_state;
static uint64_t rnd(void) { /* splitmix64 */
  uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
static int64_t rnd_in(int64_t lo, int64_t hi) {
  return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1));
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool same_rows(char **a, int na, char **b, int nb, bool sorted, uint64_t seed) {
  if (sorted) {
    qsort(a, (size_t)na, sizeof(char *), cmp_str);
    qsort(b, (size_t)nb, sizeof(char *), cmp_str);
  }
  for (int i = 0; i < na || i < nb; i++) {
    const char *x = i < na ? a[i] : "(none)", *y = i < nb ? b[i] : "(none)";
    if (strcmp(x, y)) {
      fprintf(stderr, "seed %llu: row %d: got %s, want %s\n", (unsigned long long)seed, i, x, y);
      return false;
    }
  }
  return true;
}

static char *fmt_line(const char *kind, const sl_value *v, const sl_type *t, int n) {
  sl_buf b = {0};
  buf_puts(&b, kind);
  for (int i = 0; i < n; i++) {
    buf_putc(&b, '|');
    value_format(&v[i], t[i], &b);
  }
  char *s = xstrdup(buf_cstr(&b));
  buf_free(&b);
  return s;
}

/* ---- the window TVF ---- */

static void tvf_case(uint64_t seed, int batch_rows) {
  rng_state = seed;
  window_spec w = {0};
  w.kind = (int)rnd_in(WIN_TUMBLE, WIN_CUMULATE);
  w.time_col = 1;
  w.size = rnd_in(1, 12);
  w.slide = rnd_in(1, 12);
  w.step = rnd_in(1, 4);
  if (w.kind == WIN_CUMULATE) w.size = w.step * rnd_in(1, 4);
  w.offset = rnd_in(-5, 5);
  static const char *const in_names[2] = {"k", "ts"};
  static const sl_type in_types[2] = {{T_BIGINT, 0, 0, 0, 0}, {T_TIMESTAMP, 3, 0, 0, 0}};
  static const char *const out_names[5] = {"k", "ts", "window_start", "window_end", "window_time"};
  static const sl_type out_types[5] = {{T_BIGINT, 0, 0, 0, 0},
                                       {T_TIMESTAMP, 3, 0, 0, 0},
                                       {T_TIMESTAMP, 3, 0, 0, 0},
                                       {T_TIMESTAMP, 3, 0, 0, 0},
                                       {T_TIMESTAMP, 3, 0, 0, 0}};
  sl_job *j = job_new();
  j->batch_rows = batch_rows;
  sl_error e = {0};
  sl_op *f = feed_new(j, 2, in_names, in_types);
  sl_op *t = op_window_tvf_new(j, &w, (op_cols){5, out_names, out_types}, &e);
  CHECK(t != NULL);
  job_add_op(j, t);
  op_connect(f, t);
  cap_op *c = cap_new(j, t);
  char **want = NULL;
  int nwant = 0, capw = 0;
  sl_batch b;
  batch_init(&b, 2, 16);
  for (int round = 0; round < 20; round++) {
    b.nrows = (int)rnd_in(0, 16);
    for (int r = 0; r < b.nrows; r++) {
      sl_value *row = batch_row(&b, r);
      row[0] = value_int(rnd_in(0, 3));
      row[1] = value_int(rnd_in(-40, 40));
      b.pos[r] = (sl_rowpos){0, 0, (uint64_t)(round * 16 + r + 1)};
      b.kind[r] = RK_INSERT;
      /* naive: every window of the kind, by enumeration, in Flink's order */
      int64_t ts = row[1].u.i;
      int64_t lo = -200, hi = 200;
      int64_t every = w.kind == WIN_HOP ? w.slide : w.kind == WIN_CUMULATE ? w.step : w.size;
      int64_t list[64][2];
      int nl = 0;
      for (int64_t k = lo; k <= hi; k++) {
        int64_t start, end;
        if (w.kind == WIN_CUMULATE) {
          start = floor_div(ts - w.offset, w.size) * w.size + w.offset;
          end = start + k * every;
          if (k < 1 || end > start + w.size) continue;
        } else {
          start = w.offset + k * every;
          end = start + w.size;
        }
        if (start <= ts && ts < end && nl < 64) list[nl][0] = start, list[nl++][1] = end;
      }
      for (int i = 0; i < nl; i++) {
        int x = w.kind == WIN_HOP ? nl - 1 - i : i;
        sl_value v[5] = {row[0], row[1], value_int(list[x][0]), value_int(list[x][1]),
                         value_int(list[x][1] - 1)};
        if (nwant == capw) want = realloc(want, sizeof(char *) * (size_t)(capw = capw * 2 + 64));
        want[nwant++] = fmt_line("+I", v, out_types, 5);
      }
    }
    CHECK(op_emit(f, &b, &e) == SL_OK);
    CHECK(feed_wm(f, round, &e) == SL_OK && c->last_wm == round); /* passes unchanged */
  }
  CHECK(feed_end(f, &e) == SL_OK);
  CHECK(c->ends == 1);
  CHECK(same_rows(c->rows, c->n, want, nwant, false, seed));
  for (int i = 0; i < nwant; i++) free(want[i]);
  free(want);
  batch_free(&b);
  job_free(j);
}

TEST(window_tvf_rows_per_window_against_enumeration) {
  for (uint64_t seed = 1; seed <= 300; seed++) tvf_case(seed, seed % 2 ? 1 : 1024);
}

TEST(window_tvf_rejects_bad_specs_and_null_time) {
  sl_error e = {0};
  sl_job *j = job_new();
  static const char *const names[5] = {"k", "ts", "window_start", "window_end", "window_time"};
  static const sl_type types[5] = {{T_BIGINT, 0, 0, 0, 0},
                                   {T_TIMESTAMP, 3, 0, 0, 0},
                                   {T_TIMESTAMP, 3, 0, 0, 0},
                                   {T_TIMESTAMP, 3, 0, 0, 0},
                                   {T_TIMESTAMP, 3, 0, 0, 0}};
  window_spec bad = {.kind = WIN_CUMULATE, .time_col = 1, .size = 10, .step = 3};
  CHECK(op_window_tvf_new(j, &bad, (op_cols){5, names, types}, &e) == NULL);
  CHECK(strstr(e.msg, "multiple") != NULL);
  window_spec sess = {.kind = WIN_SESSION, .time_col = 1, .gap = 10};
  CHECK(op_window_tvf_new(j, &sess, (op_cols){5, names, types}, &e) == NULL);
  window_spec tum = {.kind = WIN_TUMBLE, .time_col = 1, .size = 10};
  sl_op *f = feed_new(j, 2, names, types);
  sl_op *t = op_window_tvf_new(j, &tum, (op_cols){5, names, types}, &e);
  job_add_op(j, t);
  op_connect(f, t);
  cap_op *c = cap_new(j, t);
  job_add_source(j, "s", ON_ERROR_SKIP, NULL);
  sl_batch b;
  batch_init(&b, 2, 4);
  b.nrows = 2;
  batch_row(&b, 0)[0] = value_int(1);
  batch_row(&b, 0)[1] = value_null();
  batch_row(&b, 1)[0] = value_int(2);
  batch_row(&b, 1)[1] = value_int(-1);
  CHECK(op_emit(f, &b, &e) == SL_OK);
  CHECK(c->n == 1 && j->sources[0].skipped == 1);
  CHECK_STR(c->rows[0], "+I|2|1969-12-31 23:59:59.999|1969-12-31 23:59:59.990|1970-01-01 "
                        "00:00:00.000|1969-12-31 23:59:59.999");
  batch_free(&b);
  job_free(j);
}
