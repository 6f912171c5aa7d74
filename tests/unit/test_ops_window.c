/* test_ops_window.c - ops/window_*.c on hand-built jobs: a feeder pushes batches with row
 * positions and delivers watermarks, a capturing sink records every row (kind and values as
 * text) and signal. Window TVF rows and window aggregation results are checked against a naive
 * per-window recomputation over random input (the seed is printed on failure). */
#include <stdlib.h>
#include <unistd.h>

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
    if (na > 1) qsort(a, (size_t)na, sizeof(char *), cmp_str);
    if (nb > 1) qsort(b, (size_t)nb, sizeof(char *), cmp_str);
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
  window_spec sess = {.kind = WIN_SESSION, .time_col = 1, .gap = 0};
  CHECK(op_window_tvf_new(j, &sess, (op_cols){5, names, types}, &e) == NULL);
  CHECK(strstr(e.msg, "positive gap") != NULL);
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

/* ---- window aggregation against a naive model ----
 * Input: k BIGINT, s STRING, v BIGINT, ts TIMESTAMP(3); GROUP BY k, s with COUNT(*), SUM(v),
 * MAX(v). Rows arrive out of order; watermarks trail the largest time seen. */

static const char *const agg_in_names[4] = {"k", "s", "v", "ts"};
static const sl_type agg_in_types[4] = {{T_BIGINT, 0, 0, 0, 0},
                                        {T_STRING, 0, 0, 0, 0},
                                        {T_BIGINT, 0, 0, 0, 0},
                                        {T_TIMESTAMP, 3, 0, 0, 0}};
static const char *const agg_out_names[8] = {
    "k", "s", "cnt", "total", "top", "window_start", "window_end", "window_time"};
static const sl_type agg_out_types[8] = {{T_BIGINT, 0, 0, 0, 0},    {T_STRING, 0, 0, 0, 0},
                                         {T_BIGINT, 0, 0, 0, 0},    {T_BIGINT, 0, 0, 0, 0},
                                         {T_BIGINT, 0, 0, 0, 0},    {T_TIMESTAMP, 3, 0, 0, 0},
                                         {T_TIMESTAMP, 3, 0, 0, 0}, {T_TIMESTAMP, 3, 0, 0, 0}};
static const int agg_keys[2] = {0, 1};
static const char *const key_strs[3] = {"a", "bb", ""};

static void agg_specs(agg_spec *a) {
  memset(a, 0, sizeof(agg_spec) * 3);
  a[0] = (agg_spec){.kind = AGG_COUNT_STAR, .arg = -1, .filter = -1, .type = agg_in_types[0]};
  a[1] = (agg_spec){.kind = AGG_SUM,
                    .arg = 2,
                    .filter = -1,
                    .arg_type = agg_in_types[2],
                    .type = agg_in_types[2]};
  a[2] = (agg_spec){.kind = AGG_MAX,
                    .arg = 2,
                    .filter = -1,
                    .arg_type = agg_in_types[2],
                    .type = agg_in_types[2]};
}

typedef struct in_row {
  int64_t k, v, ts;
  int s;
} in_row;

/* One step of a script: a row, or a watermark (is_wm). */
typedef struct step {
  bool is_wm;
  int64_t wm;
  in_row r;
} step;

typedef struct agg_run {
  sl_job *j;
  sl_op *f, *w;
  cap_op *c;
  sl_batch b;
} agg_run;

static sl_op *agg_op_new(sl_job *j, const window_spec *w, const window_emit *em) {
  agg_spec specs[3];
  agg_specs(specs);
  sl_error e = {0};
  sl_op *op = op_window_agg_new(j, w, agg_keys, 2, specs, 3, em,
                                (op_cols){8, agg_out_names, agg_out_types}, &e);
  if (!op) fprintf(stderr, "op_window_agg_new: %s\n", e.msg);
  return op;
}

static void run_open(agg_run *r, const window_spec *w, const window_emit *em, int batch_rows,
                     late_mode late, int64_t lateness, const char *dlq) {
  r->j = job_new();
  r->j->batch_rows = batch_rows;
  job_add_source(r->j, "events", ON_ERROR_DLQ, dlq);
  r->j->sources[0].late = late;
  r->j->sources[0].allowed_lateness = lateness;
  r->f = feed_new(r->j, 4, agg_in_names, agg_in_types);
  r->w = agg_op_new(r->j, w, em);
  job_add_op(r->j, r->w);
  op_connect(r->f, r->w);
  r->c = cap_new(r->j, r->w);
  batch_init(&r->b, 4, 64);
}

static void run_close(agg_run *r) {
  batch_free(&r->b);
  job_free(r->j);
}

static uint64_t line_no;
/* Pushes rows [from, to) of the script in batches of up to `per` rows; watermarks between. */
static void run_steps(agg_run *r, const step *s, int from, int to, int per) {
  sl_error e = {0};
  for (int i = from; i < to;) {
    if (s[i].is_wm) {
      CHECK(feed_wm(r->f, s[i].wm, &e) == SL_OK);
      i++;
      continue;
    }
    r->b.nrows = 0;
    while (i < to && !s[i].is_wm && r->b.nrows < per) {
      sl_value *row = batch_row(&r->b, r->b.nrows);
      const char *ks = key_strs[s[i].r.s];
      row[0] = value_int(s[i].r.k);
      row[1] = value_str(arena_strndup(&r->b.arena, ks, strlen(ks)), strlen(ks));
      row[2] = value_int(s[i].r.v);
      row[3] = value_int(s[i].r.ts);
      r->b.kind[r->b.nrows] = RK_INSERT;
      r->b.pos[r->b.nrows++] = (sl_rowpos){0, 0, ++line_no};
      i++;
    }
    sl_status st = op_emit(r->f, &r->b, &e);
    if (st) fprintf(stderr, "push: %s\n", e.msg);
    CHECK(st == SL_OK);
    batch_clear(&r->b); /* the strings' memory is reused: the operator must have copied */
    for (int x = 0; x < 4; x++) (void)arena_strndup(&r->b.arena, "XXXXXXXX", 8);
    batch_clear(&r->b);
  }
}

/* The windows containing ts (TUMBLE/HOP/CUMULATE), by enumeration. */
static int windows_of(const window_spec *w, int64_t ts, int64_t (*out)[2]) {
  int n = 0;
  int64_t every = w->kind == WIN_HOP ? w->slide : w->kind == WIN_CUMULATE ? w->step : w->size;
  int64_t base = floor_div(ts - w->offset, every);
  for (int64_t k = base - 200; k <= base + 2; k++) {
    int64_t start, end;
    if (w->kind == WIN_CUMULATE) {
      start = floor_div(ts - w->offset, w->size) * w->size + w->offset;
      end = start + (k - base + 200) * every;
      if (end <= start || end > start + w->size) continue;
    } else {
      start = w->offset + k * every;
      end = start + w->size;
    }
    if (start <= ts && ts < end && n < 256) out[n][0] = start, out[n++][1] = end;
  }
  return n;
}

typedef struct group {
  int64_t k, start, end, cnt, sum, max;
  int s;
} group;

static char *group_line(const char *kind, const group *g) {
  const char *ks = key_strs[g->s];
  sl_value v[8] = {value_int(g->k),   value_str(ks, strlen(ks)), value_int(g->cnt),
                   value_int(g->sum), value_int(g->max),         value_int(g->start),
                   value_int(g->end), value_int(g->end - 1)};
  return fmt_line(kind, v, agg_out_types, 8);
}

static void group_add(group **gs, int *n, int *cap, const in_row *r, int64_t start, int64_t end) {
  for (int i = 0; i < *n; i++) {
    group *g = &(*gs)[i];
    if (g->k == r->k && g->s == r->s && g->start == start && g->end == end) {
      g->cnt++, g->sum += r->v;
      if (r->v > g->max) g->max = r->v;
      return;
    }
  }
  if (*n == *cap) *gs = realloc(*gs, sizeof(group) * (size_t)(*cap = *cap * 2 + 64));
  (*gs)[(*n)++] = (group){r->k, start, end, 1, r->v, r->v, r->s};
}

/* A random script: rows out of order within `disorder`, some far behind, watermarks trailing
 * the largest time by `bound`. */
static int make_script(step *s, int max) {
  int n = 0;
  int64_t t = rnd_in(-60, 20), maxts = INT64_MIN, wm = INT64_MIN;
  int64_t disorder = rnd_in(0, 8), bound = rnd_in(0, 6);
  int nkeys = (int)rnd_in(1, 5);
  while (n < max - 1) {
    t += rnd_in(0, 3);
    in_row r = {rnd_in(0, nkeys - 1), rnd_in(-50, 50), t - rnd_in(0, disorder), (int)rnd_in(0, 2)};
    if (rnd() % 15 == 0) r.ts = t - rnd_in(0, 40); /* likely late */
    s[n++] = (step){false, 0, r};
    if (r.ts > maxts) maxts = r.ts;
    if (rnd() % 4 == 0 && maxts - bound > wm && n < max) {
      wm = maxts - bound;
      s[n++] = (step){true, wm, {0, 0, 0, 0}};
    }
  }
  return n;
}

/* The naive model of a sliced window aggregation: late rows (earliest window fired) counted,
 * the others grouped per window; also how many rows have been emitted after each step. */
static int naive_sliced(const window_spec *w, const step *s, int n, group **gs, int *ngs,
                        int *emitted_after, int64_t *late) {
  int cap = 0;
  *ngs = 0;
  *late = 0;
  int64_t wm = WM_NONE, (*ws)[2] = malloc(sizeof(int64_t) * 2 * 256);
  for (int i = 0; i < n; i++) {
    if (s[i].is_wm) {
      wm = s[i].wm;
      continue;
    }
    int nw = windows_of(w, s[i].r.ts, ws);
    int64_t e0 = INT64_MAX;
    for (int x = 0; x < nw; x++)
      if (ws[x][1] < e0) e0 = ws[x][1];
    if (wm != WM_NONE && wm >= e0 - 1) {
      (*late)++;
      continue;
    }
    for (int x = 0; x < nw; x++) group_add(gs, ngs, &cap, &s[i].r, ws[x][0], ws[x][1]);
  }
  /* rows emitted after step i: groups whose window fired by the watermark then */
  wm = WM_NONE;
  for (int i = 0; i < n; i++) {
    if (s[i].is_wm) wm = s[i].wm;
    int c = 0;
    for (int g = 0; g < *ngs; g++)
      if (wm != WM_NONE && wm >= (*gs)[g].end - 1) c++;
    emitted_after[i] = c;
  }
  free(ws);
  return 0;
}

/* The naive model of SESSION windows: per key the open sessions, merged as rows touch them,
 * fired (appended to gs) as the watermark passes their end - 1. */
static void naive_session(const window_spec *w, const step *s, int n, group **gs, int *ngs,
                          int *emitted_after, int64_t *late) {
  group *open = NULL;
  int nopen = 0, capo = 0, cap = 0;
  *ngs = 0;
  *late = 0;
  int64_t wm = WM_NONE;
  for (int i = 0; i < n; i++) {
    if (s[i].is_wm) {
      wm = s[i].wm;
      for (int g = 0; g < nopen;)
        if (wm >= open[g].end - 1) {
          if (*ngs == cap) *gs = realloc(*gs, sizeof(group) * (size_t)(cap = cap * 2 + 64));
          (*gs)[(*ngs)++] = open[g];
          open[g] = open[--nopen];
        } else {
          g++;
        }
      emitted_after[i] = *ngs;
      continue;
    }
    const in_row *r = &s[i].r;
    group m = {r->k, r->ts, r->ts + w->gap, 1, r->v, r->v, r->s};
    bool any = false;
    for (int g = 0; g < nopen; g++) {
      group *o = &open[g];
      if (o->k == r->k && o->s == r->s && o->start <= r->ts + w->gap && r->ts <= o->end) any = true;
    }
    if (!any && wm != WM_NONE && wm >= m.end - 1) {
      (*late)++;
      emitted_after[i] = *ngs;
      continue;
    }
    for (int g = 0; g < nopen;) {
      group *o = &open[g];
      if (o->k == r->k && o->s == r->s && o->start <= m.end && m.start <= o->end) {
        m.start = o->start < m.start ? o->start : m.start;
        m.end = o->end > m.end ? o->end : m.end;
        m.cnt += o->cnt, m.sum += o->sum;
        if (o->max > m.max) m.max = o->max;
        open[g] = open[--nopen];
        g = 0; /* the merged session may now touch another */
      } else {
        g++;
      }
    }
    if (nopen == capo) open = realloc(open, sizeof(group) * (size_t)(capo = capo * 2 + 16));
    open[nopen++] = m;
    emitted_after[i] = *ngs;
  }
  for (int g = 0; g < nopen; g++) { /* +infinity */
    if (*ngs == cap) *gs = realloc(*gs, sizeof(group) * (size_t)(cap = cap * 2 + 64));
    (*gs)[(*ngs)++] = open[g];
  }
  free(open);
}

static void random_spec(window_spec *w, int kind) {
  memset(w, 0, sizeof *w);
  w->kind = kind;
  w->time_col = 3;
  w->size = rnd_in(1, 12);
  w->slide = rnd_in(1, 12);
  w->step = rnd_in(1, 4);
  if (kind == WIN_CUMULATE) w->size = w->step * rnd_in(1, 4);
  if (kind == WIN_HOP && rnd() % 3 == 0) w->size = 10, w->slide = 4; /* gcd slice 2 */
  w->offset = rnd_in(-5, 5);
  w->gap = rnd_in(1, 8);
}

static void agg_case(uint64_t seed, int kind, int batch_rows) {
  rng_state = seed * 7919 + (uint64_t)kind;
  window_spec w;
  random_spec(&w, kind);
  static step s[400];
  int n = make_script(s, (int)rnd_in(1, 400));
  group *gs = NULL;
  int ngs = 0;
  int64_t late = 0;
  int *emitted = malloc(sizeof(int) * (size_t)n);
  if (kind == WIN_SESSION)
    naive_session(&w, s, n, &gs, &ngs, emitted, &late);
  else
    naive_sliced(&w, s, n, &gs, &ngs, emitted, &late);
  agg_run r;
  run_open(&r, &w, NULL, batch_rows, LATE_DROP, 0, NULL);
  int per = (int)rnd_in(1, 64);
  bool ok = true;
  for (int i = 0; i < n && ok; i++) {
    run_steps(&r, s, i, i + 1, per);
    if (s[i].is_wm && r.c->n != emitted[i]) {
      fprintf(stderr, "seed %llu kind %d: %d rows after step %d, want %d\n",
              (unsigned long long)seed, kind, r.c->n, i, emitted[i]);
      ok = false;
    }
  }
  CHECK(ok);
  sl_error e = {0};
  CHECK(feed_end(r.f, &e) == SL_OK);
  CHECK(r.c->ends == 1 && r.c->last_wm == WM_INFINITY);
  char **want = malloc(sizeof(char *) * (size_t)(ngs + 1));
  for (int g = 0; g < ngs; g++) want[g] = group_line("+I", &gs[g]);
  if (!same_rows(r.c->rows, r.c->n, want, ngs, true, seed)) {
    fprintf(stderr, "  kind %d size %lld slide %lld step %lld offset %lld gap %lld\n", kind,
            (long long)w.size, (long long)w.slide, (long long)w.step, (long long)w.offset,
            (long long)w.gap);
    CHECK(false);
  }
  if (r.j->sources[0].late_rows != (uint64_t)late)
    fprintf(stderr, "seed %llu late %lld got %llu\n", (unsigned long long)seed, (long long)late,
            (unsigned long long)r.j->sources[0].late_rows);
  CHECK(r.j->sources[0].late_rows == (uint64_t)late);
  CHECK(r.j->sources[0].late_dropped == (uint64_t)late);
  CHECK(r.w->mem.bytes == 0); /* every window closed: all state freed */
  for (int g = 0; g < ngs; g++) free(want[g]);
  free(want);
  free(gs);
  free(emitted);
  run_close(&r);
}

TEST(window_agg_tumble_against_naive) {
  for (uint64_t seed = 1; seed <= 150; seed++) agg_case(seed, WIN_TUMBLE, seed % 2 ? 1 : 1024);
}
TEST(window_agg_hop_against_naive) {
  for (uint64_t seed = 1; seed <= 150; seed++) agg_case(seed, WIN_HOP, seed % 2 ? 1 : 1024);
}
TEST(window_agg_cumulate_against_naive) {
  for (uint64_t seed = 1; seed <= 150; seed++) agg_case(seed, WIN_CUMULATE, seed % 2 ? 1 : 1024);
}
TEST(window_agg_session_against_naive) {
  for (uint64_t seed = 1; seed <= 150; seed++) agg_case(seed, WIN_SESSION, seed % 2 ? 1 : 1024);
}

/* Snapshot mid-stream, restore into a fresh instance (a fresh job), go on: the output of both
 * halves is the output of an uninterrupted run. */
static void snap_case(uint64_t seed, int kind) {
  rng_state = seed * 104729 + (uint64_t)kind;
  window_spec w;
  random_spec(&w, kind);
  static step s[300];
  int n = make_script(s, (int)rnd_in(2, 300));
  int cut = (int)rnd_in(0, n);
  int batch = seed % 2 ? 1 : 1024;
  sl_error e = {0};
  agg_run a, b, c;
  run_open(&a, &w, NULL, batch, LATE_DROP, 0, NULL);
  run_steps(&a, s, 0, n, 16);
  CHECK(feed_end(a.f, &e) == SL_OK);
  run_open(&b, &w, NULL, batch, LATE_DROP, 0, NULL);
  run_steps(&b, s, 0, cut, 16);
  sl_buf snap = {0};
  CHECK(b.w->vt->snapshot(b.w, &snap, &e) == SL_OK);
  run_open(&c, &w, NULL, batch, LATE_DROP, 0, NULL);
  sl_status st = c.w->vt->restore(c.w, snap.data, snap.len, &e);
  if (st) fprintf(stderr, "seed %llu: restore: %s\n", (unsigned long long)seed, e.msg);
  CHECK(st == SL_OK);
  CHECK(c.w->mem.bytes > 0 || b.w->mem.bytes == 0);
  run_steps(&c, s, cut, n, 16);
  CHECK(feed_end(c.f, &e) == SL_OK);
  char **both = malloc(sizeof(char *) * (size_t)(b.c->n + c.c->n + 1));
  int nb = 0;
  for (int i = 0; i < b.c->n; i++) both[nb++] = b.c->rows[i];
  for (int i = 0; i < c.c->n; i++) both[nb++] = c.c->rows[i];
  CHECK(same_rows(both, nb, a.c->rows, a.c->n, true, seed));
  CHECK(b.j->sources[0].late_rows + c.j->sources[0].late_rows == a.j->sources[0].late_rows);
  /* a damaged stream is refused */
  agg_run d;
  run_open(&d, &w, NULL, batch, LATE_DROP, 0, NULL);
  snap.data[snap.len / 2] ^= 0x10;
  CHECK(d.w->vt->restore(d.w, snap.data, snap.len, &e) != SL_OK);
  run_close(&d);
  free(both);
  buf_free(&snap);
  run_close(&a);
  run_close(&b);
  run_close(&c);
}

TEST(window_agg_snapshot_restore_continues_the_run) {
  for (uint64_t seed = 1; seed <= 60; seed++)
    for (int kind = WIN_TUMBLE; kind <= WIN_SESSION; kind++) snap_case(seed, kind);
}

static const step *one_row(step *s, int64_t k, int key, int64_t v, int64_t ts) {
  *s = (step){false, 0, {k, v, ts, key}};
  return s;
}
static const step *one_wm(step *s, int64_t wm) {
  *s = (step){true, wm, {0, 0, 0, 0}};
  return s;
}

TEST(window_agg_late_rows_go_to_the_dead_letter_file) {
  char path[] = "/tmp/sluice_window_dlqXXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  close(fd);
  window_spec w = {.kind = WIN_TUMBLE, .time_col = 3, .size = 60000};
  agg_run r;
  run_open(&r, &w, NULL, 1024, LATE_DLQ, 0, path);
  int64_t t0 = days_from_civil(2024, 1, 1) * 86400000 + 10 * 3600000; /* 10:00 */
  step s;
  run_steps(&r, one_row(&s, 1, 0, 5, t0 + 30000), 0, 1, 8);
  run_steps(&r, one_wm(&s, t0 + 65000), 0, 1, 8);
  CHECK(r.c->n == 1);
  run_steps(&r, one_row(&s, 1, 0, 7, t0 + 40000), 0, 1, 8); /* its window was emitted */
  run_steps(&r, one_row(&s, 1, 0, 9, t0 + 70000), 0, 1, 8); /* on time */
  sl_error e = {0};
  CHECK(feed_end(r.f, &e) == SL_OK);
  CHECK(job_dlq_flush(r.j, &e) == SL_OK);
  CHECK(r.c->n == 2);
  CHECK_STR(r.c->rows[0], "+I|1|a|1|5|5|2024-01-01 10:00:00.000|2024-01-01 10:01:00.000|2024-01-01 "
                          "10:00:59.999");
  CHECK(r.j->sources[0].late_rows == 1 && r.j->sources[0].late_dead_lettered == 1);
  size_t len;
  char *text = file_read_all(path, &len, &e);
  CHECK(text != NULL);
  if (text) {
    CHECK(strstr(text, "\"stage\":\"late\"") != NULL);
    CHECK(strstr(text, "late: window [2024-01-01 10:00:00.000, 10:01:00.000) already emitted at "
                       "watermark 2024-01-01 10:01:05.000") != NULL);
    CHECK(strstr(text, "\\\"v\\\":7") != NULL); /* the row as JSON */
    free(text);
  }
  CHECK(r.w->mem.bytes == 0);
  run_close(&r);
  unlink(path);
}

TEST(window_agg_late_update_corrects_emitted_windows) {
  char path[] = "/tmp/sluice_window_dlqXXXXXX";
  int fd = mkstemp(path);
  close(fd);
  window_spec w = {.kind = WIN_HOP, .time_col = 3, .size = 10, .slide = 5};
  agg_run r;
  run_open(&r, &w, NULL, 1, LATE_UPDATE, 20, path);
  CHECK(r.w->updating);
  step s;
  run_steps(&r, one_row(&s, 1, 0, 5, 6), 0, 1, 8);
  run_steps(&r, one_wm(&s, 14), 0, 1, 8); /* fires [0,10) and [5,15) */
  CHECK(r.c->n == 2);
  cap_clear(r.c);
  run_steps(&r, one_row(&s, 1, 0, 7, 8), 0, 1, 8);  /* late, both windows kept: corrections */
  run_steps(&r, one_row(&s, 2, 1, 1, 12), 0, 1, 8); /* late for [5,15), on time for [10,20) */
  CHECK(r.c->n == 5);
  if (r.c->n == 5) {
    CHECK_STR(r.c->rows[0],
              "-U|1|a|1|5|5|1970-01-01 00:00:00.000|1970-01-01 00:00:00.010|1970-01-01 "
              "00:00:00.009");
    CHECK_STR(r.c->rows[1],
              "+U|1|a|2|12|7|1970-01-01 00:00:00.000|1970-01-01 00:00:00.010|1970-01-01 "
              "00:00:00.009");
    CHECK_STR(r.c->rows[2],
              "-U|1|a|1|5|5|1970-01-01 00:00:00.005|1970-01-01 00:00:00.015|1970-01-01 "
              "00:00:00.014");
    CHECK_STR(r.c->rows[3],
              "+U|1|a|2|12|7|1970-01-01 00:00:00.005|1970-01-01 00:00:00.015|1970-01-01 "
              "00:00:00.014");
    CHECK_STR(r.c->rows[4],
              "+I|2|bb|1|1|1|1970-01-01 00:00:00.005|1970-01-01 00:00:00.015|1970-01-01 "
              "00:00:00.014");
  }
  CHECK(r.j->sources[0].late_updates == 2 && r.j->sources[0].late_dead_lettered == 0);
  cap_clear(r.c);
  run_steps(&r, one_wm(&s, 30), 0, 1, 8); /* [10,20) fires; [0,10) is past its lateness */
  run_steps(&r, one_row(&s, 1, 0, 1, 9), 0, 1, 8);
  CHECK(r.j->sources[0].late_dead_lettered == 1 && r.j->sources[0].late_rows == 3);
  sl_error e = {0};
  CHECK(feed_end(r.f, &e) == SL_OK);
  CHECK(r.c->n == 1); /* [10,20): key 2 only */
  CHECK(r.w->mem.bytes == 0);
  run_close(&r);
  unlink(path);
}

TEST(window_agg_early_firing_emits_changes_only) {
  window_spec w = {.kind = WIN_TUMBLE, .time_col = 3, .size = 1000};
  window_emit em = {.early_fire_ms = 5};
  agg_run r;
  run_open(&r, &w, &em, 1024, LATE_DROP, 0, NULL);
  CHECK(r.w->updating);
  step s;
  run_steps(&r, one_row(&s, 1, 0, 5, 1), 0, 1, 8);
  int64_t t0 = loop_now_ms();
  while (r.c->n == 0 && loop_now_ms() - t0 < 2000) loop_poll(r.j->loop, 50);
  CHECK(r.c->n == 1);
  if (r.c->n == 1)
    CHECK_STR(r.c->rows[0],
              "+I|1|a|1|5|5|1970-01-01 00:00:00.000|1970-01-01 00:00:01.000|1970-01-01 "
              "00:00:00.999");
  t0 = loop_now_ms();
  while (loop_now_ms() - t0 < 40) loop_poll(r.j->loop, 10);
  CHECK(r.c->n == 1); /* unchanged: nothing */
  run_steps(&r, one_row(&s, 1, 0, 6, 2), 0, 1, 8);
  t0 = loop_now_ms();
  while (r.c->n < 3 && loop_now_ms() - t0 < 2000) loop_poll(r.j->loop, 50);
  CHECK(r.c->n == 3);
  if (r.c->n == 3) {
    CHECK(r.c->rows[1][0] == '-' && strstr(r.c->rows[1], "|1|5|5|") != NULL);
    CHECK(r.c->rows[2][0] == '+' && r.c->rows[2][1] == 'U' && strstr(r.c->rows[2], "|2|11|6|"));
  }
  run_steps(&r, one_wm(&s, 999), 0, 1, 8);
  CHECK(r.c->n == 3); /* the final result is the one already emitted */
  run_steps(&r, one_row(&s, 1, 0, 1, 1500), 0, 1, 8);
  run_steps(&r, one_wm(&s, 2500), 0, 1, 8); /* closed before any early emission: +I */
  CHECK(r.c->n == 4 && r.c->rows[3][0] == '+' && r.c->rows[3][1] == 'I');
  sl_error e = {0};
  CHECK(feed_end(r.f, &e) == SL_OK);
  CHECK(r.w->mem.bytes == 0);
  run_close(&r);
}
