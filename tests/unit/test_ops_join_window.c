/* test_ops_join_window.c - the window join (ops/join_window.c) on hand-built jobs: Flink's
 * documented window-join example through two TUMBLE TVFs (INNER, LEFT, RIGHT, FULL, SEMI, ANTI),
 * late rows, state freed, and a randomized run against a nested-loop oracle per window (seed
 * printed on a mismatch) at batch sizes 1, 7 and 1024. Helpers: join_harness.h. */
#include <stdlib.h>

#include "join_harness.h"
#include "ops/ops.h"
#include "ops_harness.h"
#include "unit.h"

/* ---- Flink's example: LeftTable / RightTable (row_time, num, id), TUMBLE 5 minutes ---- */

static const char *const f_in[3] = {"row_time", "num", "id"};
static const sl_type f_in_types[3] = {
    {.id = T_TIMESTAMP, .prec = 3}, {.id = T_INT}, {.id = T_STRING}};
static const char *const f_tvf[6] = {"row_time",     "num",        "id",
                                     "window_start", "window_end", "window_time"};
static const sl_type f_tvf_types[6] = {{.id = T_TIMESTAMP, .prec = 3},
                                       {.id = T_INT},
                                       {.id = T_STRING},
                                       {.id = T_TIMESTAMP, .prec = 3},
                                       {.id = T_TIMESTAMP, .prec = 3},
                                       {.id = T_TIMESTAMP, .prec = 3}};
static const char *const f_out[12] = {"row_time",   "num",           "id",          "window_start",
                                      "window_end", "window_time",   "row_time0",   "num0",
                                      "id0",        "window_start0", "window_end0", "window_time0"};
static sl_type f_out_types[12];

#define MIN_MS 60000
static int64_t t0(void) { return days_from_civil(2020, 4, 15) * 86400000 + 12 * 3600000; }

typedef struct wj_run {
  sl_job *j;
  th_src *src[2];
  sl_op *op;
  jt_cap *c;
} wj_run;

static bool flink_open(wj_run *x, int type, bool null_aware) {
  memset(x, 0, sizeof *x);
  for (int i = 0; i < 12; i++) f_out_types[i] = f_tvf_types[i % 6];
  x->j = job_new();
  x->j->batch_rows = 1024;
  job_add_source(x->j, "LeftTable", ON_ERROR_DLQ, NULL);
  job_add_source(x->j, "RightTable", ON_ERROR_DLQ, NULL);
  x->j->sources[0].late = x->j->sources[1].late = LATE_DROP;
  static const int num[1] = {1};
  join_spec s = {.type = type, .lkeys = num, .rkeys = num, .nkeys = 1, .null_aware = null_aware};
  s.left = s.right = (op_cols){6, f_tvf, f_tvf_types};
  bool semi = type == JOIN_SEMI || type == JOIN_ANTI;
  sl_error e = {0};
  x->op =
      op_window_join_new(x->j, &s, 3, 4, 3, 4, (op_cols){semi ? 6 : 12, f_out, f_out_types}, &e);
  if (!x->op) {
    fprintf(stderr, "op_window_join_new: %s\n", e.msg);
    job_free(x->j);
    return false;
  }
  job_add_op(x->j, x->op);
  window_spec w = {.kind = WIN_TUMBLE, .time_col = 0, .size = 5 * MIN_MS};
  for (int p = 0; p < 2; p++) {
    x->src[p] = th_src_new(x->j, 3, f_in, f_in_types);
    sl_op *tvf = op_window_tvf_new(x->j, &w, (op_cols){6, f_tvf, f_tvf_types}, &e);
    job_add_op(x->j, tvf);
    op_connect(&x->src[p]->base, tvf);
    op_connect(tvf, x->op);
  }
  x->c = jt_new(x->j, x->op);
  /* as Flink shows them: L_Num, L_Id, R_Num, R_Id, window_start, window_end (COALESCE), or the
   * left row for SEMI/ANTI */
  static const int pairs[6][2] = {{1, -1}, {2, -1}, {7, -1}, {8, -1}, {3, 9}, {4, 10}};
  static const int left[6][2] = {{0, -1}, {1, -1}, {2, -1}, {3, -1}, {4, -1}, {5, -1}};
  memcpy(x->c->proj, semi ? left : pairs, sizeof pairs);
  x->c->nproj = 6;
  return true;
}

static void flink_row(wj_run *x, int p, int minute, int num, const char *id) {
  sl_value row[3] = {value_int(t0() + minute * MIN_MS), value_int(num), value_str(id, strlen(id))};
  th_add(x->src[p], RK_INSERT, (uint64_t)minute, row);
  x->src[p]->b.pos[x->src[p]->b.nrows - 1].source = (uint32_t)p;
}

#define W1 "2020-04-15 12:00:00.000|2020-04-15 12:05:00.000"
#define W2 "2020-04-15 12:05:00.000|2020-04-15 12:10:00.000"
#define WM1 "WM(1586952299999)"

static void flink_case(int type, bool null_aware, const char *first, const char *second) {
  wj_run x;
  if (!flink_open(&x, type, null_aware)) {
    CHECK(0);
    return;
  }
  flink_row(&x, 0, 2, 1, "L1");
  flink_row(&x, 0, 6, 2, "L2");
  flink_row(&x, 0, 3, 3, "L3");
  flink_row(&x, 1, 1, 2, "R2");
  flink_row(&x, 1, 4, 3, "R3");
  flink_row(&x, 1, 5, 4, "R4");
  sl_error e = {0};
  int64_t wm = t0() + 5 * MIN_MS - 1; /* [12:00, 12:05) closes */
  for (int p = 0; p < 2; p++) CHECK(th_wm(x.src[p], wm, &e) == SL_OK);
  CHECK(x.op->state_rows == 2); /* L2 and R4 wait for [12:05, 12:10) */
  sl_buf d = {0};
  x.op->vt->describe(x.op, &d);
  CHECK(strstr(buf_cstr(&d), "num = num, windows window_start = window_start AND window_end = "
                             "window_end") != NULL);
  buf_free(&d);
  CHECK_OWN(jt_events(x.c, 0), first);
  int from = x.c->n;
  flink_row(&x, 0, 3, 9, "L9"); /* late: [12:00, 12:05) was joined */
  for (int p = 0; p < 2; p++) CHECK(th_end(x.src[p], &e) == SL_OK);
  CHECK_OWN(jt_events(x.c, from), second);
  CHECK(x.j->sources[0].late_rows == 1 && x.j->sources[0].late_dropped == 1);
  CHECK(x.c->ends == 1);
  CHECK(x.op->mem.bytes == 0 && x.op->state_rows == 0);
  job_free(x.j);
}

TEST(window_join_flink_documented_example) {
  flink_case(JOIN_FULL, false,
             "+I|1|L1|NULL|NULL|" W1 "; +I|3|L3|3|R3|" W1 "; +I|NULL|NULL|2|R2|" W1 "; " WM1,
             "+I|2|L2|NULL|NULL|" W2 "; +I|NULL|NULL|4|R4|" W2 "; WM(inf)");
  flink_case(JOIN_INNER, false, "+I|3|L3|3|R3|" W1 "; " WM1, "WM(inf)");
  flink_case(JOIN_LEFT, false, "+I|1|L1|NULL|NULL|" W1 "; +I|3|L3|3|R3|" W1 "; " WM1,
             "+I|2|L2|NULL|NULL|" W2 "; WM(inf)");
  flink_case(JOIN_RIGHT, false, "+I|3|L3|3|R3|" W1 "; +I|NULL|NULL|2|R2|" W1 "; " WM1,
             "+I|NULL|NULL|4|R4|" W2 "; WM(inf)");
  flink_case(JOIN_SEMI, false,
             "+I|2020-04-15 12:03:00.000|3|L3|" W1 "|2020-04-15 12:04:59.999; " WM1, "WM(inf)");
  for (int na = 0; na < 2; na++) /* NOT EXISTS, NOT IN */
    flink_case(JOIN_ANTI, na,
               "+I|2020-04-15 12:02:00.000|1|L1|" W1 "|2020-04-15 12:04:59.999; " WM1,
               "+I|2020-04-15 12:06:00.000|2|L2|" W2 "|2020-04-15 12:09:59.999; WM(inf)");
}

/* ---- random windows against a nested-loop join per window ---- */

static const char *const g_l[4] = {"k", "ws", "we", "lv"};
static const char *const g_r[4] = {"k", "ws", "we", "rv"};
static const sl_type g_types[4] = {
    {.id = T_BIGINT}, {.id = T_BIGINT}, {.id = T_BIGINT}, {.id = T_STRING}};
static const char *const g_out[8] = {"k", "ws", "we", "lv", "k0", "ws0", "we0", "rv"};
static const sl_type g_out_types[8] = {{.id = T_BIGINT}, {.id = T_BIGINT}, {.id = T_BIGINT},
                                       {.id = T_STRING}, {.id = T_BIGINT}, {.id = T_BIGINT},
                                       {.id = T_BIGINT}, {.id = T_STRING}};

typedef struct grow {
  int side;
  int64_t k, ws, we; /* k < 0: NULL */
  char v[16];
  bool late;
} grow;

static void g_put(sl_value *row, const grow *g) {
  row[0] = g && g->k >= 0 ? value_int(g->k) : value_null();
  row[1] = g ? value_int(g->ws) : value_null();
  row[2] = g ? value_int(g->we) : value_null();
  row[3] = g ? value_str(g->v, strlen(g->v)) : value_null();
}

static char *g_fmt(const grow *l, const grow *r, bool semi) {
  sl_value row[8];
  g_put(row, l);
  g_put(row + 4, r);
  return jt_fmt(row, g_out_types, semi ? 4 : 8, NULL, 0);
}

/* What the join emits for the rows that were not late, window by window. */
static int g_oracle(const grow *g, int n, int type, bool null_aware, char ***out) {
  char **o = malloc(sizeof(char *) * (size_t)(n * n + n + 1));
  int no = 0;
  bool semi = type == JOIN_SEMI || type == JOIN_ANTI;
  for (int i = 0; i < n; i++) {
    const grow *x = &g[i];
    if (x->late) continue;
    int side = x->side;
    bool m = false, rnull = false, rany = false;
    for (int k = 0; k < n; k++) {
      const grow *y = &g[k];
      if (y->late || y->side == side || y->ws != x->ws || y->we != x->we) continue;
      if (side == 0) {
        rany = true;
        if (y->k < 0) rnull = true;
      }
      if (x->k < 0 || x->k != y->k) continue;
      m = true;
      if (side == 0 && !semi) o[no++] = g_fmt(x, y, false);
    }
    if (side == 0) {
      bool emit = type == JOIN_SEMI   ? m
                  : type == JOIN_ANTI ? !m && !(null_aware && (rnull || (x->k < 0 && rany)))
                                      : (type == JOIN_LEFT || type == JOIN_FULL) && !m;
      if (emit) o[no++] = g_fmt(x, NULL, semi);
    } else if ((type == JOIN_RIGHT || type == JOIN_FULL) && !m) {
      o[no++] = g_fmt(NULL, x, false);
    }
  }
  *out = o;
  return no;
}

typedef struct g_run {
  sl_job *j;
  th_src *src[2];
  sl_op *op;
  jt_cap *c;
} g_run;

static bool g_open(g_run *x, int type, bool null_aware, int batch_rows) {
  bool semi = type == JOIN_SEMI || type == JOIN_ANTI;
  x->j = job_new();
  x->j->batch_rows = batch_rows;
  for (int p = 0; p < 2; p++) {
    job_add_source(x->j, p ? "r" : "l", ON_ERROR_DLQ, NULL);
    x->j->sources[p].late = LATE_DROP;
  }
  x->src[0] = th_src_new(x->j, 4, g_l, g_types);
  x->src[1] = th_src_new(x->j, 4, g_r, g_types);
  static const int key0[1] = {0};
  join_spec s = {.type = type, .lkeys = key0, .rkeys = key0, .nkeys = 1, .null_aware = null_aware};
  s.left = (op_cols){4, g_l, g_types};
  s.right = (op_cols){4, g_r, g_types};
  sl_error e = {0};
  x->op = op_window_join_new(x->j, &s, 1, 2, 1, 2, (op_cols){semi ? 4 : 8, g_out, g_out_types}, &e);
  if (!x->op) {
    job_free(x->j);
    return false;
  }
  job_add_op(x->j, x->op);
  op_connect(&x->src[0]->base, x->op);
  op_connect(&x->src[1]->base, x->op);
  x->c = jt_new(x->j, x->op);
  x->c->tcols[0] = 2; /* window_end: a window is emitted before the watermark passes it */
  x->c->tcols[1] = semi ? -1 : 6;
  return true;
}

/* snap_step >= 0: the state is snapshot at that step and restored into a fresh job that takes
 * the rest of the input. */
static void window_random(uint64_t seed, int batch_rows, int snap_step) {
  jt_rng = seed;
  int type = (int)jt_rnd_in(JOIN_INNER, JOIN_ANTI);
  bool null_aware = type == JOIN_ANTI && (jt_rnd() & 1);
  g_run x, old = {0};
  if (!g_open(&x, type, null_aware, batch_rows)) {
    CHECK(0);
    return;
  }
  sl_error e = {0};
  th_src **src = x.src;
  grow *g = calloc(1500, sizeof *g);
  int n = 0;
  int64_t pwm[2] = {WM_NONE, WM_NONE}, wm = WM_NONE, clock[2] = {0, 0};
  uint64_t late[2] = {0, 0};
  for (int step = 0; step < 100 && n < 1400; step++) {
    if (step == snap_step) {
      sl_buf snap = {0};
      CHECK(x.op->vt->snapshot(x.op, &snap, &e) == SL_OK);
      old = x;
      if (!g_open(&x, type, null_aware, batch_rows)) {
        CHECK(0);
        return;
      }
      sl_status st = x.op->vt->restore(x.op, snap.data, snap.len, &e);
      if (st) fprintf(stderr, "seed %llu: restore: %s\n", (unsigned long long)seed, e.msg);
      CHECK(st == SL_OK);
      CHECK(x.op->state_rows == old.op->state_rows);
      buf_free(&snap);
    }
    int p = (int)(jt_rnd() & 1);
    if (jt_rnd() % 4 == 0) {
      int64_t w = clock[p] - jt_rnd_in(0, 5);
      CHECK(th_wm(src[p], w, &e) == SL_OK);
      if (w > pwm[p]) pwm[p] = w;
      int64_t m = pwm[0] < pwm[1] ? pwm[0] : pwm[1];
      if (m > wm) wm = m;
      continue;
    }
    int nr = (int)jt_rnd_in(1, 12);
    for (int r = 0; r < nr; r++) {
      grow *gr = &g[n];
      gr->side = p;
      gr->k = jt_rnd() % 12 == 0 ? -1 : jt_rnd_in(0, 3);
      clock[p] += jt_rnd_in(0, 1);
      int64_t t = clock[p] + jt_rnd_in(-8, 8);
      gr->ws = floor_div(t, 10) * 10 - 10 * jt_rnd_in(0, 1); /* two starts per end */
      gr->we = floor_div(t, 10) * 10 + 10;
      gr->late = wm != WM_NONE && gr->we - 1 <= wm;
      if (gr->late) late[p]++;
      snprintf(gr->v, sizeof gr->v, "%c%d", p ? 'r' : 'l', n);
      sl_value row[4];
      g_put(row, gr);
      th_add(src[p], RK_INSERT, (uint64_t)n + 1, row);
      src[p]->b.pos[src[p]->b.nrows - 1].source = (uint32_t)p;
      if (src[p]->b.nrows >= batch_rows) CHECK(th_flush(src[p], &e) == SL_OK);
      n++;
    }
    CHECK(th_flush(src[p], &e) == SL_OK);
  }
  CHECK(th_end(src[0], &e) == SL_OK && th_end(src[1], &e) == SL_OK);
  char **want;
  int nw = g_oracle(g, n, type, null_aware, &want);
  char **got = calloc((size_t)x.c->n + (old.c ? (size_t)old.c->n : 0) + 1, sizeof(char *));
  int ng = 0;
  int64_t last_end = INT64_MIN;
  bool ordered = true;
  for (int k = 0; k < 2; k++) {
    const jt_cap *c = k ? x.c : old.c;
    for (int i = 0; c && i < c->n; i++) {
      if (c->ev[i][0] == 'W') continue;
      got[ng++] = c->ev[i];
      /* windows in window_end order: the end is field 3 (or 7 for a right-only row) */
      const char *q = c->ev[i];
      for (int bars = 0; bars < 3 && q; bars++) q = strchr(q + 1, '|');
      int64_t end = q && strncmp(q + 1, "NULL", 4) ? atoll(q + 1) : INT64_MIN;
      if (end == INT64_MIN) {
        for (int bars = 0; bars < 4 && q; bars++) q = strchr(q + 1, '|');
        if (q) end = atoll(q + 1);
      }
      if (end < last_end) ordered = false;
      last_end = end;
    }
    if (c) CHECK(c->behind == 0 && c->wm_back == 0);
  }
  CHECK(same_sorted(got, ng, want, nw, seed, "window join"));
  CHECK(ordered);
  for (int p = 0; p < 2; p++)
    CHECK(x.j->sources[p].late_rows + (old.j ? old.j->sources[p].late_rows : 0) == late[p]);
  CHECK(x.op->mem.bytes == 0 && x.op->state_rows == 0);
  for (int i = 0; i < nw; i++) free(want[i]);
  free(want);
  free(got);
  free(g);
  job_free(x.j);
  if (old.j) job_free(old.j); /* with its windows still open: freed with the job */
}

TEST(window_join_against_a_nested_loop_oracle) {
  uint64_t base = 4321;
  const char *env = getenv("SLUICE_TEST_SEED");
  if (env) base = strtoull(env, NULL, 10);
  static const int sizes[3] = {1, 7, 1024};
  for (uint64_t s = base; s < base + 60; s++)
    for (int b = 0; b < 3; b++) window_random(s, sizes[b], -1);
}

TEST(window_join_snapshot_restore_continues_the_run) {
  for (uint64_t s = 900; s < 930; s++) window_random(s, 7, (int)(s % 40) + 3);
}
