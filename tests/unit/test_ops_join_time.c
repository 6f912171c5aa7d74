/* test_ops_join_time.c - the interval join (ops/join_interval.c) on hand-built jobs: two
 * feeders into ports 0 and 1, a capture that records rows (as text) and watermarks in order
 * (join_harness.h). Inclusive bounds (positive, negative, mixed, empty), every join type with
 * padded rows at the freeing watermark, late rows on each side (counters and the dead-letter
 * file), state freed, the held-back watermark, snapshot/restore, and random input against a
 * naive oracle and the batch join (seed printed on a mismatch) at batch sizes 1, 7 and 1024.
 * The window join's tests are in test_ops_join_window.c. */
#include <stdlib.h>
#include <unistd.h>

#include "join_harness.h"
#include "ops/ops.h"
#include "ops_harness.h"
#include "unit.h"

/* ---- the interval join fixture: left (k, lt, lv), right (k, rt, rv) ---- */

static const char *const l_names[3] = {"k", "lt", "lv"};
static const char *const r_names[3] = {"k", "rt", "rv"};
static const sl_type side_types[3] = {{.id = T_BIGINT}, {.id = T_BIGINT}, {.id = T_STRING}};
static const char *const o_names[6] = {"k", "lt", "lv", "k0", "rt", "rv"};
static const sl_type o_types[6] = {{.id = T_BIGINT}, {.id = T_BIGINT}, {.id = T_STRING},
                                   {.id = T_BIGINT}, {.id = T_BIGINT}, {.id = T_STRING}};
static const int key0[1] = {0};

typedef struct ij_run {
  sl_job *j;
  th_src *src[2];
  sl_op *op;
  jt_cap *c;
  uint64_t line;
} ij_run;

static bool ij_open(ij_run *x, int type, int64_t lower, int64_t upper, int batch_rows,
                    late_mode late, const char *dlq) {
  memset(x, 0, sizeof *x);
  x->j = job_new();
  x->j->batch_rows = batch_rows;
  for (int p = 0; p < 2; p++) {
    job_add_source(x->j, p ? "right" : "left", ON_ERROR_DLQ, dlq);
    x->j->sources[p].late = late;
  }
  x->src[0] = th_src_new(x->j, 3, l_names, side_types);
  x->src[1] = th_src_new(x->j, 3, r_names, side_types);
  join_spec s = {.type = type, .lkeys = key0, .rkeys = key0, .nkeys = 1};
  s.left = (op_cols){3, l_names, side_types};
  s.right = (op_cols){3, r_names, side_types};
  sl_error e = {0};
  x->op = op_interval_join_new(x->j, &s, 1, 1, lower, upper, (op_cols){6, o_names, o_types}, &e);
  if (!x->op) {
    fprintf(stderr, "op_interval_join_new: %s\n", e.msg);
    job_free(x->j);
    return false;
  }
  job_add_op(x->j, x->op);
  op_connect(&x->src[0]->base, x->op);
  op_connect(&x->src[1]->base, x->op);
  x->c = jt_new(x->j, x->op);
  x->c->tcols[0] = 1;
  x->c->tcols[1] = 4;
  return true;
}

/* A row on side p (k < 0: NULL key; t == INT64_MIN: NULL time). */
static void ij_row(ij_run *x, int p, int64_t k, int64_t t, const char *v) {
  sl_value row[3] = {k < 0 ? value_null() : value_int(k),
                     t == INT64_MIN ? value_null() : value_int(t), value_str(v, strlen(v))};
  th_src *s = x->src[p];
  th_add(s, RK_INSERT, ++x->line, row);
  s->b.pos[s->b.nrows - 1].source = (uint32_t)p;
}

static void ij_flush(ij_run *x) {
  sl_error e = {0};
  for (int p = 0; p < 2; p++) CHECK(th_flush(x->src[p], &e) == SL_OK);
}

static void ij_wm(ij_run *x, int64_t l, int64_t r) {
  sl_error e = {0};
  CHECK(th_wm(x->src[0], l, &e) == SL_OK);
  CHECK(th_wm(x->src[1], r, &e) == SL_OK);
}

static void ij_end(ij_run *x) {
  sl_error e = {0};
  CHECK(th_end(x->src[0], &e) == SL_OK);
  CHECK(th_end(x->src[1], &e) == SL_OK);
  CHECK(x->c->ends == 1);
  CHECK(x->op->mem.bytes == 0); /* every row freed */
  CHECK(x->op->state_rows == 0);
}

TEST(interval_join_bounds_are_inclusive) {
  ij_run x;
  if (!ij_open(&x, JOIN_INNER, -5, 10, 1024, LATE_DROP, NULL)) {
    CHECK(0);
    return;
  }
  ij_row(&x, 0, 1, 100, "a");
  ij_row(&x, 0, 2, 100, "e");
  ij_flush(&x);
  ij_row(&x, 1, 1, 94, "w");
  ij_row(&x, 1, 1, 95, "x");
  ij_row(&x, 1, 1, 110, "y");
  ij_row(&x, 1, 1, 111, "z");
  ij_row(&x, 1, 3, 100, "q");
  ij_flush(&x);
  CHECK_OWN(jt_rows(x.c), "+I|1|100|a|1|110|y; +I|1|100|a|1|95|x");
  sl_buf d = {0};
  x.op->vt->describe(x.op, &d);
  CHECK_STR(buf_cstr(&d), "INNER, k = k, rt BETWEEN lt - 5 ms AND lt + 10 ms, watermark held back "
                          "by 10 ms");
  buf_free(&d);
  CHECK(strstr(x.op->vt->keeps, "rows") != NULL);
  ij_end(&x);
  CHECK(x.c->nrows == 2);
  job_free(x.j);
}

/* The right times a left row at 100 pairs with, whichever side arrives first: "lo..hi (n)". */
static void bounds_case(int64_t lower, int64_t upper, const char *want) {
  for (int right_first = 0; right_first < 2; right_first++) {
    ij_run x;
    if (!ij_open(&x, JOIN_INNER, lower, upper, 7, LATE_DROP, NULL)) {
      CHECK(0);
      return;
    }
    for (int k = 0; k < 2; k++) {
      if ((right_first ? 1 - k : k) == 0)
        ij_row(&x, 0, 1, 100, "a");
      else
        for (int64_t u = 80; u <= 120; u++) ij_row(&x, 1, 1, u, "r");
      ij_flush(&x);
    }
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    int n = 0;
    for (int i = 0; i < x.c->n; i++) {
      const char *q = x.c->ev[i]; /* "+I|1|100|a|1|<rt>|r" */
      for (int bars = 0; bars < 5 && q; bars++) q = strchr(q + 1, '|');
      if (!q) continue;
      int64_t rt = atoll(q + 1);
      lo = rt < lo ? rt : lo;
      hi = rt > hi ? rt : hi;
      n++;
    }
    char got[64];
    snprintf(got, sizeof got, "%lld..%lld (%d)", (long long)lo, (long long)hi, n);
    CHECK_STR(got, want);
    ij_end(&x);
    job_free(x.j);
  }
}

TEST(interval_join_positive_negative_and_mixed_bounds) {
  bounds_case(-5, 10, "95..110 (16)");
  bounds_case(5, 10, "105..110 (6)");
  bounds_case(-10, -5, "90..95 (6)");
  bounds_case(0, 0, "100..100 (1)");
  bounds_case(-20, 20, "80..120 (41)");
}

/* Every type on one script: pairs when the second row arrives, padded rows when the watermark
 * frees an unmatched row (before the watermark, held back by max(upper, -lower, 0) = 10). */
static void types_case(int type, const char *want) {
  ij_run x;
  if (!ij_open(&x, type, -5, 10, 1024, LATE_DROP, NULL)) {
    CHECK(0);
    return;
  }
  ij_row(&x, 0, 1, 100, "a");
  ij_row(&x, 0, 2, 100, "b");
  ij_row(&x, 0, -1, 100, "n"); /* NULL key: padded at once in an outer join */
  ij_flush(&x);
  ij_row(&x, 1, 1, 105, "x");
  ij_row(&x, 1, 3, 200, "y");
  ij_row(&x, 1, 4, INT64_MIN, "m"); /* NULL time */
  ij_flush(&x);
  ij_wm(&x, 50, 50);
  CHECK(x.op->state_rows == 4);
  /* the left rows (t + 10 < 111) and x (105 + 5 < 111) expire: padded if unmatched. Rows are
   * freed with their bucket (of bounds 110..110 on the right, 110..111 on the left: the first
   * buckets are narrow and widen while they take few rows), so the left rows go at 112 */
  ij_wm(&x, 111, 111);
  CHECK(x.op->state_rows == 3);
  ij_end(&x);
  CHECK_OWN(jt_events(x.c, 0), want);
  CHECK(x.c->behind == 0 && x.c->wm_back == 0);
  job_free(x.j);
}

TEST(interval_join_types_emit_padded_rows_when_the_watermark_frees_them) {
  types_case(JOIN_INNER, "+I|1|100|a|1|105|x; WM(40); WM(101); WM(inf)");
  types_case(JOIN_LEFT, "+I|NULL|100|n|NULL|NULL|NULL; +I|1|100|a|1|105|x; WM(40); "
                        "+I|2|100|b|NULL|NULL|NULL; WM(101); WM(inf)");
  types_case(JOIN_RIGHT, "+I|1|100|a|1|105|x; +I|NULL|NULL|NULL|4|NULL|m; WM(40); WM(101); "
                         "+I|NULL|NULL|NULL|3|200|y; WM(inf)");
  types_case(JOIN_FULL, "+I|NULL|100|n|NULL|NULL|NULL; +I|1|100|a|1|105|x; "
                        "+I|NULL|NULL|NULL|4|NULL|m; WM(40); +I|2|100|b|NULL|NULL|NULL; WM(101); "
                        "+I|NULL|NULL|NULL|3|200|y; WM(inf)");
}

TEST(interval_join_with_an_empty_interval_matches_nothing) {
  ij_run x;
  if (!ij_open(&x, JOIN_FULL, 10, 5, 1024, LATE_DROP, NULL)) {
    CHECK(0);
    return;
  }
  ij_row(&x, 0, 1, 100, "a");
  ij_row(&x, 1, 1, 107, "x");
  ij_flush(&x);
  CHECK(x.op->state_rows == 0 && x.op->mem.bytes == 0);
  CHECK_OWN(jt_rows(x.c), "+I|1|100|a|NULL|NULL|NULL; +I|NULL|NULL|NULL|1|107|x");
  ij_end(&x);
  job_free(x.j);
}

TEST(interval_join_holds_the_watermark_back) {
  static const struct {
    int64_t lower, upper, want;
  } c[] = {{-20, 10, 30}, {-5, 10, 40}, {5, 10, 40}, {-10, -5, 40}, {3, 4, 46}, {-4, -3, 46}};
  for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
    ij_run x;
    if (!ij_open(&x, JOIN_INNER, c[i].lower, c[i].upper, 1024, LATE_DROP, NULL)) {
      CHECK(0);
      continue;
    }
    ij_wm(&x, 50, 70);
    CHECK(x.c->last_wm == c[i].want);
    ij_wm(&x, 40, 60); /* never backwards */
    CHECK(x.c->last_wm == c[i].want && x.c->wm_back == 0);
    ij_end(&x);
    CHECK(x.c->last_wm == WM_INFINITY);
    job_free(x.j);
  }
}

/* lower -5, upper 10 at watermark 200: kept right rows have u >= 195, kept left rows t >= 190.
 * A left row is late below t = 185 (t + 10 < 200 - 5), a right row below u = 185 (u + 5 < 200 -
 * 10); rows between are joined with the kept rows but not kept. */
TEST(interval_join_late_rows_on_each_side) {
  char path[] = "/tmp/sluice_ijoin_dlqXXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  close(fd);
  ij_run x;
  if (!ij_open(&x, JOIN_FULL, -5, 10, 7, LATE_DLQ, path)) {
    CHECK(0);
    return;
  }
  ij_row(&x, 0, 1, 190, "l3");
  ij_row(&x, 1, 1, 195, "r1");
  ij_flush(&x);
  int from = x.c->n;
  ij_wm(&x, 200, 200);
  CHECK(x.op->state_rows == 2); /* both still kept */
  ij_row(&x, 0, 1, 185, "l1");  /* joins r1 */
  ij_row(&x, 0, 1, 184, "l2");  /* late */
  ij_row(&x, 1, 1, 185, "r2");  /* joins l3 */
  ij_row(&x, 1, 1, 184, "r3");  /* late */
  ij_row(&x, 1, 2, 186, "r4");  /* not late, matches nothing: padded at once (not kept) */
  ij_flush(&x);
  CHECK(x.op->state_rows == 2);
  CHECK_OWN(jt_events(x.c, from), "WM(190); +I|1|185|l1|1|195|r1; +I|1|190|l3|1|185|r2; "
                                  "+I|NULL|NULL|NULL|2|186|r4");
  CHECK(x.j->sources[0].late_rows == 1 && x.j->sources[0].late_dead_lettered == 1);
  CHECK(x.j->sources[1].late_rows == 1 && x.j->sources[1].late_dead_lettered == 1);
  ij_end(&x);
  sl_error e = {0};
  CHECK(job_dlq_flush(x.j, &e) == SL_OK);
  size_t len;
  char *text = file_read_all(path, &len, &e);
  CHECK(text != NULL);
  if (text) {
    CHECK(strstr(text, "\"stage\":\"late\"") != NULL);
    CHECK(strstr(text, "late: interval join left row at 184: the right rows it could match, "
                       "[179, 194], were already freed at watermark 200") != NULL);
    CHECK(strstr(text, "late: interval join right row at 184: the left rows it could match, "
                       "[174, 189], were already freed at watermark 200") != NULL);
    CHECK(strstr(text, "\\\"lv\\\":\\\"l2\\\"") != NULL); /* the row as JSON */
    free(text);
  }
  job_free(x.j);
  unlink(path);
}

/* ---- the interval join against a naive oracle ---- */

typedef struct orow {
  int side;
  int64_t k, t; /* -1 / INT64_MIN: NULL */
  char v[16];
  bool kept, freed, matched;
  int64_t bound;
} orow;

typedef struct oracle {
  int type;
  int64_t lower, upper;
  orow *rows;
  int n;
  int64_t wm, pwm[2];
  char **out;
  int nout, cap;
  uint64_t late[2];
} oracle;

static void o_emit(oracle *o, const orow *l, const orow *r) {
  sl_value row[6];
  for (int p = 0; p < 2; p++) {
    const orow *x = p ? r : l;
    row[3 * p] = x && x->k >= 0 ? value_int(x->k) : value_null();
    row[3 * p + 1] = x && x->t != INT64_MIN ? value_int(x->t) : value_null();
    row[3 * p + 2] = x ? value_str(x->v, strlen(x->v)) : value_null();
  }
  if (o->nout == o->cap)
    o->out = realloc(o->out, sizeof(char *) * (size_t)(o->cap = o->cap * 2 + 64));
  o->out[o->nout++] = jt_fmt(row, o_types, 6, NULL, 0);
}

static bool o_outer(const oracle *o, int p) {
  return o->type == JOIN_FULL || o->type == (p ? JOIN_RIGHT : JOIN_LEFT);
}

static bool o_pair(const oracle *o, const orow *l, const orow *r) {
  return l->k >= 0 && l->k == r->k && l->t != INT64_MIN && r->t != INT64_MIN &&
         l->t + o->lower <= r->t && r->t <= l->t + o->upper;
}

/* A row arrives: the operator's rules written out over every row seen. */
static void o_row(oracle *o, int i) {
  orow *x = &o->rows[i];
  int p = x->side;
  if (x->k < 0 || x->t == INT64_MIN) {
    if (o_outer(o, p)) o_emit(o, p ? NULL : x, p ? x : NULL);
    return;
  }
  x->bound = p ? x->t - o->lower : x->t + o->upper;
  int64_t slack = p ? (o->upper > 0 ? o->upper : 0) : (o->lower < 0 ? -o->lower : 0);
  if (o->wm != WM_NONE && x->bound + slack < o->wm) {
    o->late[p]++;
    return;
  }
  bool m = false;
  for (int k = i - 1; k >= 0; k--) {
    orow *y = &o->rows[k];
    if (y->side == p || !y->kept || y->freed) continue;
    const orow *l = p ? y : x, *r = p ? x : y;
    if (!o_pair(o, l, r)) continue;
    o_emit(o, l, r);
    m = y->matched = true;
  }
  if (o->wm == WM_NONE || x->bound >= o->wm) {
    x->kept = true;
    x->matched = m;
  } else if (o_outer(o, p) && !m) {
    o_emit(o, p ? NULL : x, p ? x : NULL);
  }
}

static void o_wm(oracle *o, int p, int64_t ts) {
  if (ts > o->pwm[p]) o->pwm[p] = ts;
  int64_t w = o->pwm[0] < o->pwm[1] ? o->pwm[0] : o->pwm[1];
  if (w == WM_NONE || (o->wm != WM_NONE && w <= o->wm)) return;
  for (int i = 0; i < o->n; i++) {
    orow *x = &o->rows[i];
    if (!x->kept || x->freed || (x->bound >= w && w != WM_INFINITY)) continue;
    x->freed = true;
    if (o_outer(o, x->side) && !x->matched) o_emit(o, x->side ? NULL : x, x->side ? x : NULL);
  }
  o->wm = w;
}

/* The batch join of every row (for input without late rows). */
static int batch_join(const oracle *o, char ***out) {
  oracle b = *o;
  b.out = NULL;
  b.nout = b.cap = 0;
  for (int i = 0; i < o->n; i++) {
    const orow *l = &o->rows[i];
    if (l->side) continue;
    bool m = false;
    for (int k = 0; k < o->n; k++)
      if (o->rows[k].side && o_pair(o, l, &o->rows[k])) o_emit(&b, l, &o->rows[k]), m = true;
    if (!m && o_outer(o, 0)) o_emit(&b, l, NULL);
  }
  for (int k = 0; k < o->n; k++) {
    const orow *r = &o->rows[k];
    if (!r->side) continue;
    bool m = false;
    for (int i = 0; i < o->n && !m; i++)
      if (!o->rows[i].side && o_pair(o, &o->rows[i], r)) m = true;
    if (!m && o_outer(o, 1)) o_emit(&b, NULL, r);
  }
  *out = b.out;
  return b.nout;
}

/* snap_step >= 0: at that step the operator's state is snapshot and restored into a fresh job
 * that takes the rest of the input; the two runs' rows together must be the oracle's. */
static void interval_random(uint64_t seed, int batch_rows, bool with_late, int snap_step) {
  jt_rng = seed;
  oracle o = {0};
  o.type = (int)jt_rnd_in(JOIN_INNER, JOIN_FULL);
  o.lower = jt_rnd_in(-8, 8);
  o.upper = o.lower + jt_rnd_in(0, 12);
  o.wm = o.pwm[0] = o.pwm[1] = WM_NONE;
  ij_run x, old = {0};
  if (!ij_open(&x, o.type, o.lower, o.upper, batch_rows, LATE_DROP, NULL)) {
    CHECK(0);
    return;
  }
  o.rows = calloc(2000, sizeof(orow));
  int64_t clock[2] = {0, 0};
  for (int step = 0; step < 120 && o.n < 1900; step++) {
    if (step == snap_step) {
      sl_buf snap = {0};
      sl_error e = {0};
      CHECK(x.op->vt->snapshot(x.op, &snap, &e) == SL_OK);
      old = x;
      if (!ij_open(&x, o.type, o.lower, o.upper, batch_rows, LATE_DROP, NULL)) {
        CHECK(0);
        return;
      }
      x.line = old.line;
      sl_status st = x.op->vt->restore(x.op, snap.data, snap.len, &e);
      if (st) fprintf(stderr, "seed %llu: restore: %s\n", (unsigned long long)seed, e.msg);
      CHECK(st == SL_OK);
      CHECK(x.op->state_rows == old.op->state_rows);
      buf_free(&snap);
    }
    int p = (int)(jt_rnd() & 1);
    if (jt_rnd() % 4 == 0) { /* a watermark on side p */
      int64_t w = clock[p] - jt_rnd_in(0, 3);
      sl_error e = {0};
      CHECK(th_wm(x.src[p], w, &e) == SL_OK);
      o_wm(&o, p, w);
      continue;
    }
    int nr = (int)jt_rnd_in(1, 12);
    for (int r = 0; r < nr; r++) {
      orow *y = &o.rows[o.n];
      y->side = p;
      y->k = jt_rnd() % 15 == 0 ? -1 : jt_rnd_in(0, 3);
      clock[p] += jt_rnd_in(0, 2);
      y->t = clock[p] + jt_rnd_in(0, 6);
      if (with_late && jt_rnd() % 6 == 0) y->t = clock[p] - jt_rnd_in(0, 30);
      if (jt_rnd() % 40 == 0) y->t = INT64_MIN;
      snprintf(y->v, sizeof y->v, "%c%d", p ? 'r' : 'l', o.n);
      ij_row(&x, p, y->k, y->t, y->v);
      if (x.src[p]->b.nrows >= batch_rows) ij_flush(&x);
      o_row(&o, o.n++);
    }
    ij_flush(&x);
  }
  ij_end(&x);
  o_wm(&o, 0, WM_INFINITY);
  o_wm(&o, 1, WM_INFINITY);
  char **got = calloc((size_t)x.c->n + (old.c ? (size_t)old.c->n : 0) + 1, sizeof(char *));
  int ng = 0;
  for (int k = 0; k < 2; k++) {
    const jt_cap *c = k ? x.c : old.c;
    for (int i = 0; c && i < c->n; i++)
      if (c->ev[i][0] != 'W') got[ng++] = c->ev[i];
  }
  CHECK(same_sorted(got, ng, o.out, o.nout, seed, "interval oracle"));
  for (int p = 0; p < 2; p++)
    CHECK(x.j->sources[p].late_rows + (old.j ? old.j->sources[p].late_rows : 0) == o.late[p]);
  CHECK(x.c->wm_back == 0);
  if (!with_late) {
    char **b;
    int nb = batch_join(&o, &b);
    CHECK(same_sorted(got, ng, b, nb, seed, "batch join"));
    CHECK(o.late[0] + o.late[1] == 0);
    /* the held-back watermark: no joined row is late downstream */
    CHECK(x.c->behind == 0 && (!old.c || old.c->behind == 0));
    for (int i = 0; i < nb; i++) free(b[i]);
    free(b);
  }
  free(got);
  for (int i = 0; i < o.nout; i++) free(o.out[i]);
  free(o.out);
  free(o.rows);
  job_free(x.j);
  if (old.j) job_free(old.j); /* with its rows still kept: freed with the job */
}

TEST(interval_join_against_a_naive_oracle) {
  uint64_t base = 1234;
  const char *env = getenv("SLUICE_TEST_SEED");
  if (env) base = strtoull(env, NULL, 10);
  static const int sizes[3] = {1, 7, 1024};
  for (uint64_t s = base; s < base + 60; s++)
    for (int b = 0; b < 3; b++) {
      interval_random(s, sizes[b], false, -1);
      interval_random(s, sizes[b], true, -1);
    }
}

TEST(interval_join_snapshot_restore_continues_the_run) {
  for (uint64_t s = 77; s < 107; s++) interval_random(s, 7, s & 1, (int)(s % 50) + 5);
  /* a damaged stream, and a restore into an instance that already holds rows, are errors */
  ij_run x, y;
  if (!ij_open(&x, JOIN_LEFT, -5, 5, 7, LATE_DROP, NULL)) {
    CHECK(0);
    return;
  }
  ij_row(&x, 0, 1, 10, "a");
  ij_flush(&x);
  sl_buf snap = {0};
  sl_error e = {0};
  CHECK(x.op->vt->snapshot(x.op, &snap, &e) == SL_OK);
  CHECK(x.op->vt->restore(x.op, snap.data, snap.len, &e) != SL_OK);
  if (ij_open(&y, JOIN_LEFT, -5, 5, 7, LATE_DROP, NULL)) {
    snap.data[snap.len / 2] ^= 0x40;
    CHECK(y.op->vt->restore(y.op, snap.data, snap.len, &e) != SL_OK);
    snap.data[snap.len / 2] ^= 0x40;
    CHECK(y.op->vt->restore(y.op, snap.data, snap.len, &e) == SL_OK);
    CHECK(y.op->state_rows == 1);
    ij_end(&y);
    CHECK_OWN(jt_rows(y.c), "+I|1|10|a|NULL|NULL|NULL");
    job_free(y.j);
  }
  buf_free(&snap);
  job_free(x.j);
}

/* Many rows over a long run: rows are kept in buckets by bound, freed whole as the watermark
 * passes them, and found through a key table whose chains may lead into freed buckets (keys
 * recur after their old rows were freed; rows come out of order; the table is rebuilt as it
 * grows). The joined rows are the batch join's, the state stays bounded while the run goes on,
 * and everything is freed at the end (ASan sees any link followed into a freed bucket). */
TEST(interval_join_frees_buckets_as_the_watermark_passes) {
  for (int batch = 0; batch < 2; batch++) {
    ij_run x;
    if (!ij_open(&x, JOIN_INNER, -3, 3, batch ? 1024 : 7, LATE_DROP, NULL)) {
      CHECK(0);
      return;
    }
    enum { N = 12000, KEYS = 37 };
    int64_t want = 0, peak_rows = 0;
    size_t peak_bytes = 0;
    for (int i = 0; i < N; i++) {
      int64_t tl = i, tr = i + (i % 5) - 2; /* the right side a little out of order */
      ij_row(&x, 0, i % KEYS, tl, "l");
      ij_row(&x, 1, i % KEYS, tr, "r");
      for (int j = i - 12; j <= i + 12; j++) /* right rows j of the same key within 3 of tl */
        if (j >= 0 && j < N && j % KEYS == i % KEYS && (j + (j % 5) - 2) - tl >= -3 &&
            (j + (j % 5) - 2) - tl <= 3)
          want++;
      if (i % 50 == 49) {
        ij_flush(&x);
        ij_wm(&x, i - 10, i - 10);
        if (x.op->state_rows > peak_rows) peak_rows = x.op->state_rows;
        if (x.op->mem.bytes > peak_bytes) peak_bytes = x.op->mem.bytes;
      }
    }
    ij_flush(&x);
    /* 24,000 rows went in; about 30 are alive at a time, a bucket holds up to a few thousand */
    CHECK(peak_rows > 0 && peak_rows < 8000);
    CHECK(peak_bytes < 4u << 20);
    ij_end(&x);
    int64_t got = 0;
    for (int i = 0; i < x.c->n; i++)
      if (x.c->ev[i][0] != 'W') got++;
    CHECK(got == want);
    CHECK(x.c->behind == 0 && x.c->wm_back == 0);
    job_free(x.j);
  }
}
