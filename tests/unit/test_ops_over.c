/* test_ops_over.c - ops/ OVER aggregation on hand-built jobs (ops_harness.h): RANGE and ROWS
 * frames with ties and UNBOUNDED, out-of-order rows released by the watermark in time order,
 * late rows, state freed, random inputs against a naive frame computation (seed printed), and
 * a snapshot mid-stream restored into a fresh operator giving the same remainder. */
#include <stdlib.h>

#include "ops_harness.h"
#include "unit.h"

static void check_events(th_cap *c, int from, const char *want, int line) {
  char *got = th_cap_join(c, from);
  if (strcmp(got, want) != 0) {
    fprintf(stderr, "line %d:\n got: %s\nwant: %s\n", line, got, want);
    unit_failures++;
  }
  free(got);
}
#define EVENTS(c, from, want) check_events(c, from, want, __LINE__)

/* input (k BIGINT, ts BIGINT as the time, v BIGINT, s STRING); out + COUNT(*), SUM(v), MIN(v),
 * MAX(v) */
static const char *const o_names[] = {"k", "ts", "v", "s", "cnt", "sm", "mn", "mx"};
static const sl_type o_types[] = {
    {T_BIGINT, 0, 0, 0, 0}, {T_BIGINT, 0, 0, 0, 0}, {T_BIGINT, 0, 0, 0, 0}, {T_STRING, 0, 0, 0, 0},
    {T_BIGINT, 0, 0, 0, 0}, {T_BIGINT, 0, 0, 0, 0}, {T_BIGINT, 0, 0, 0, 0}, {T_BIGINT, 0, 0, 0, 0}};
static const agg_spec o_aggs[] = {
    {AGG_COUNT_STAR, -1, -1, false, {T_BIGINT, 0, 0, 0, 0}, {T_BIGINT, 0, 0, 0, 0}, NULL, 0},
    {AGG_SUM, 2, -1, false, {T_BIGINT, 0, 0, 0, 0}, {T_BIGINT, 0, 0, 0, 0}, NULL, 0},
    {AGG_MIN, 2, -1, false, {T_BIGINT, 0, 0, 0, 0}, {T_BIGINT, 0, 0, 0, 0}, NULL, 0},
    {AGG_MAX, 2, -1, false, {T_BIGINT, 0, 0, 0, 0}, {T_BIGINT, 0, 0, 0, 0}, NULL, 0}};
static const int o_part[] = {0};

static void addo(th_src *s, int64_t k, int64_t ts, int64_t v, const char *str) {
  sl_value r[4] = {value_int(k), value_int(ts), value_int(v), value_str(str, strlen(str))};
  th_add(s, RK_INSERT, (uint64_t)ts, r);
}

static sl_op *over_new_ttl(sl_job *j, int frame, int64_t preceding, int64_t ttl) {
  sl_error e = {0};
  sl_op *o = op_over_new(j, o_part, 1, 1, frame, preceding, o_aggs, 4, ttl,
                         (op_cols){8, o_names, o_types}, &e);
  CHECK(o != NULL);
  return o;
}

static sl_op *over_new(sl_job *j, int frame, int64_t preceding) {
  return over_new_ttl(j, frame, preceding, 0);
}

TEST(over_range_frames_share_ties_and_slide) {
  sl_job *j = job_new();
  sl_error e = {0};
  th_src *s = th_src_new(j, 4, o_names, o_types);
  sl_op *o = over_new(j, OVER_RANGE, 10);
  CHECK(!o->updating);
  th_cap *c = th_wire(j, s, o);
  addo(s, 1, 5, 10, "b");
  addo(s, 1, 1, 1, "a"); /* out of order: comes out first */
  addo(s, 1, 5, 20, "c");
  addo(s, 2, 3, 7, "x");
  addo(s, 1, 12, 2, "d");
  addo(s, 1, 20, 3, "e");
  CHECK(th_wm(s, 4, &e) == SL_OK);
  EVENTS(c, 0, "+I(1, 1, 1, a, 1, 1, 1, 1); +I(2, 3, 7, x, 1, 7, 7, 7); WM(4)");
  CHECK(th_wm(s, 30, &e) == SL_OK);
  EVENTS(c, 3,
         "+I(1, 5, 10, b, 3, 31, 1, 20); +I(1, 5, 20, c, 3, 31, 1, 20); " /* ties see each other */
         "+I(1, 12, 2, d, 3, 32, 2, 20); "                                /* [2, 12]: 5, 5, 12 */
         "+I(1, 20, 3, e, 2, 5, 2, 3); WM(30)");                          /* [10, 20]: 12, 20 */
  CHECK(th_end(s, &e) == SL_OK);
  CHECK(o->mem.bytes == 0); /* every frame has passed */
  job_free(j);
}

TEST(over_rows_frames_and_unbounded) {
  sl_error e = {0};
  for (int kind = 0; kind < 3; kind++) {
    sl_job *j = job_new();
    th_src *s = th_src_new(j, 4, o_names, o_types);
    sl_op *o = kind == 0   ? over_new(j, OVER_ROWS, 1)
               : kind == 1 ? over_new(j, OVER_ROWS, -1)
                           : over_new(j, OVER_RANGE, -1);
    th_cap *c = th_wire(j, s, o);
    addo(s, 1, 5, 10, "a");
    addo(s, 1, 5, 20, "b");
    addo(s, 1, 7, 30, "c");
    addo(s, 1, 2, 40, "d");
    CHECK(th_end(s, &e) == SL_OK);
    if (kind == 0) /* the previous row and itself, in (time, arrival) order */
      EVENTS(c, 0,
             "+I(1, 2, 40, d, 1, 40, 40, 40); +I(1, 5, 10, a, 2, 50, 10, 40); "
             "+I(1, 5, 20, b, 2, 30, 10, 20); +I(1, 7, 30, c, 2, 50, 20, 30); WM(inf); END");
    if (kind == 1)
      EVENTS(c, 0,
             "+I(1, 2, 40, d, 1, 40, 40, 40); +I(1, 5, 10, a, 2, 50, 10, 40); "
             "+I(1, 5, 20, b, 3, 70, 10, 40); +I(1, 7, 30, c, 4, 100, 10, 40); WM(inf); END");
    if (kind == 2) /* RANGE UNBOUNDED: ties share */
      EVENTS(c, 0,
             "+I(1, 2, 40, d, 1, 40, 40, 40); +I(1, 5, 10, a, 3, 70, 10, 40); "
             "+I(1, 5, 20, b, 3, 70, 10, 40); +I(1, 7, 30, c, 4, 100, 10, 40); WM(inf); END");
    job_free(j);
  }
}

TEST(over_late_rows_go_to_job_late) {
  sl_job *j = job_new();
  sl_error e = {0};
  int src = job_add_source(j, "events", ON_ERROR_SKIP, NULL);
  j->sources[src].late = LATE_DROP;
  th_src *s = th_src_new(j, 4, o_names, o_types);
  sl_op *o = over_new(j, OVER_RANGE, 5);
  th_cap *c = th_wire(j, s, o);
  addo(s, 1, 5, 1, "a");
  CHECK(th_wm(s, 5, &e) == SL_OK);
  addo(s, 1, 5, 2, "late"); /* at the watermark: late */
  addo(s, 1, 3, 2, "late");
  addo(s, 1, 6, 3, "ok");
  CHECK(th_end(s, &e) == SL_OK);
  CHECK(j->sources[src].late_rows == 2 && j->sources[src].late_dropped == 2);
  EVENTS(c, 0, "+I(1, 5, 1, a, 1, 1, 1, 1); WM(5); +I(1, 6, 3, ok, 2, 4, 1, 3); WM(inf); END");
  job_free(j);
}

/* ---- random rows against a naive frame computation ---- */

typedef struct orow {
  int64_t k, ts, v;
  int seq;
  bool late;
} orow;

static int cmp_orow(const void *a, const void *b) {
  const orow *x = a, *y = b;
  if (x->ts != y->ts) return x->ts < y->ts ? -1 : 1;
  return x->seq - y->seq;
}

static char *naive_over(orow *rows, int n, int frame, int64_t preceding) {
  orow *ok = calloc((size_t)n + 1, sizeof(orow));
  int m = 0;
  for (int i = 0; i < n; i++)
    if (!rows[i].late) ok[m++] = rows[i];
  qsort(ok, (size_t)m, sizeof(orow), cmp_orow);
  char **out = calloc((size_t)m + 1, sizeof(char *));
  for (int i = 0; i < m; i++) {
    int64_t cnt = 0, sum = 0, mn = INT64_MAX, mx = INT64_MIN;
    int before = 0; /* ROWS: rows of the partition before i */
    for (int q = i - 1; q >= 0; q--) {
      if (ok[q].k != ok[i].k) continue;
      if (frame == OVER_ROWS && preceding >= 0 && before >= preceding) break;
      before++;
    }
    for (int q = 0; q < m; q++) {
      if (ok[q].k != ok[i].k) continue;
      bool in;
      if (frame == OVER_RANGE)
        in = ok[q].ts <= ok[i].ts && (preceding < 0 || ok[q].ts >= ok[i].ts - preceding);
      else {
        int pos = 0; /* q's index among the partition's rows up to i */
        in = q <= i;
        if (in) {
          for (int z = q + 1; z <= i; z++)
            if (ok[z].k == ok[i].k) pos++;
          in = pos <= before;
        }
      }
      if (!in) continue;
      cnt++;
      sum += ok[q].v;
      if (ok[q].v < mn) mn = ok[q].v;
      if (ok[q].v > mx) mx = ok[q].v;
    }
    char buf[200];
    snprintf(buf, sizeof buf, "+I(%lld, %lld, %lld, r%d, %lld, %lld, %lld, %lld)",
             (long long)ok[i].k, (long long)ok[i].ts, (long long)ok[i].v, ok[i].seq, (long long)cnt,
             (long long)sum, (long long)mn, (long long)mx);
    out[i] = strdup(buf);
  }
  char *s = th_join_sorted(out, m);
  for (int i = 0; i < m; i++) free(out[i]);
  free(out);
  free(ok);
  return s;
}

static void random_over(unsigned seed, int frame, int64_t preceding, int batch_rows) {
  srand(seed);
  sl_job *j = job_new();
  j->batch_rows = batch_rows;
  sl_error e = {0};
  int src = job_add_source(j, "events", ON_ERROR_SKIP, NULL);
  j->sources[src].late = LATE_DROP;
  th_src *s = th_src_new(j, 4, o_names, o_types);
  sl_op *o = over_new(j, frame, preceding);
  th_cap *c = th_wire(j, s, o);
  int n = 300, late = 0;
  orow *rows = calloc((size_t)n, sizeof(orow));
  int64_t maxts = 0, wm = WM_NONE;
  char names[300][16];
  for (int i = 0; i < n; i++) {
    orow *r = &rows[i];
    r->k = rand() % 3;
    r->ts = maxts + rand() % 6 - 3;    /* out of order by up to 3 */
    if (rand() % 25 == 0) r->ts -= 10; /* sometimes late */
    if (r->ts > maxts) maxts = r->ts;
    r->v = rand() % 50;
    r->seq = i;
    r->late = wm != WM_NONE && r->ts <= wm;
    late += r->late;
    snprintf(names[i], sizeof names[i], "r%d", i);
    addo(s, r->k, r->ts, r->v, names[i]);
    if (rand() % 4 == 0) {
      CHECK(th_flush(s, &e) == SL_OK);
      if (maxts - 4 > wm || wm == WM_NONE) {
        wm = maxts - 4;
        CHECK(th_wm(s, wm, &e) == SL_OK);
      }
    }
    if (rand() % 3 == 0) maxts++;
  }
  CHECK(th_end(s, &e) == SL_OK);
  char **got = calloc((size_t)c->n + 1, sizeof(char *));
  int m = 0;
  for (int i = 0; i < c->n; i++)
    if (c->ev[i][0] == '+') got[m++] = c->ev[i];
  char *g = th_join_sorted(got, m), *want = naive_over(rows, n, frame, preceding);
  if (strcmp(g, want) != 0 || (int)j->sources[src].late_rows != late) {
    fprintf(stderr,
            "random over (seed %u, frame %d, preceding %lld): late %d/%d\n got: %s\nwant: %s\n",
            seed, frame, (long long)preceding, (int)j->sources[src].late_rows, late, g, want);
    unit_failures++;
  }
  /* rows come out in time order */
  int64_t last = INT64_MIN;
  for (int i = 0; i < c->n; i++) {
    long long k, ts;
    if (sscanf(c->ev[i], "+I(%lld, %lld", &k, &ts) != 2) continue;
    CHECK(ts >= last || !strncmp(c->ev[i - 1], "WM", 2));
    last = ts;
  }
  if (preceding >= 0 && frame == OVER_RANGE) CHECK(o->mem.bytes == 0);
  free(g);
  free(want);
  free(got);
  free(rows);
  job_free(j);
}

TEST(over_random_rows_match_a_naive_frame_computation) {
  unsigned seed = (unsigned)(getenv("SLUICE_SEED") ? atoi(getenv("SLUICE_SEED")) : 99);
  fprintf(stderr, "over random seed %u\n", seed);
  static const int batches[] = {1, 7, 1024};
  static const int64_t pre[] = {0, 1, 3, 8, -1};
  for (int i = 0; i < 20; i++)
    random_over(seed + (unsigned)i, i % 2 ? OVER_ROWS : OVER_RANGE, pre[(i / 2) % 5],
                batches[i % 3]);
}

TEST(over_snapshot_restore_continues_identically) {
  for (int frame = OVER_ROWS; frame <= OVER_RANGE; frame++) {
    sl_error e = {0};
    sl_job *j1 = job_new(), *j2 = job_new();
    for (int r = 0; r < 2; r++) { /* the late row below goes to its source's policy */
      sl_job *j = r ? j2 : j1;
      int src = job_add_source(j, "events", ON_ERROR_SKIP, NULL);
      j->sources[src].late = LATE_DROP;
    }
    th_src *s1 = th_src_new(j1, 4, o_names, o_types), *s2 = th_src_new(j2, 4, o_names, o_types);
    sl_op *o1 = over_new(j1, frame, 4), *o2 = over_new(j2, frame, 4);
    th_cap *c1 = th_wire(j1, s1, o1), *c2 = th_wire(j2, s2, o2);
    addo(s1, 1, 1, 5, "a");
    addo(s1, 1, 3, 6, "b");
    addo(s1, 2, 2, 7, "c");
    addo(s1, 1, 9, 8, "d"); /* waits */
    CHECK(th_wm(s1, 3, &e) == SL_OK);
    int mark = c1->n;
    sl_buf snap = {0};
    CHECK(o1->vt->snapshot(o1, &snap, &e) == SL_OK);
    CHECK(o2->vt->restore(o2, snap.data, snap.len, &e) == SL_OK);
    CHECK(o2->wm == 3 && o2->mem.bytes > 0);
    for (int r = 0; r < 2; r++) {
      th_src *s = r ? s2 : s1;
      addo(s, 1, 5, 1, "e");
      addo(s, 2, 4, 2, "f");
      addo(s, 1, 2, 2, "late");
      CHECK(th_wm(s, 6, &e) == SL_OK);
      addo(s, 1, 8, 3, "g");
      CHECK(th_end(s, &e) == SL_OK);
    }
    char *a = th_cap_join(c1, mark), *b = th_cap_join(c2, 0);
    CHECK_STR(a, b);
    CHECK(strstr(a, "+I(1, 9, 8, d") != NULL);
    CHECK(j1->sources[0].late_rows == 1 && j2->sources[0].late_rows == 1);
    free(a);
    free(b);
    snap.data[snap.len / 3] ^= 1;
    sl_job *j3 = job_new();
    th_src *s3 = th_src_new(j3, 4, o_names, o_types);
    sl_op *o3 = over_new(j3, frame, 4);
    th_wire(j3, s3, o3);
    CHECK(o3->vt->restore(o3, snap.data, snap.len, &e) == SL_ERUNTIME);
    buf_free(&snap);
    job_free(j1);
    job_free(j2);
    job_free(j3);
  }
}

/* State TTL: a partition no row reached for the TTL is forgotten (an UNBOUNDED RANGE frame
 * restarts, a ROWS 1 PRECEDING frame's kept row is freed); one kept busy stays; the expired count
 * is in explain and in the snapshot. */
TEST(over_state_ttl_forgets_idle_partitions) {
  for (int frame = OVER_ROWS; frame <= OVER_RANGE; frame++) {
    sl_job *j = job_new();
    sl_error e = {0};
    th_src *s = th_src_new(j, 4, o_names, o_types);
    sl_op *o = over_new_ttl(j, frame, frame == OVER_ROWS ? 1 : -1, 30);
    th_cap *c = th_wire(j, s, o);
    addo(s, 1, 1, 5, "a");
    addo(s, 1, 2, 6, "b");
    addo(s, 2, 2, 1, "x");
    CHECK(th_wm(s, 2, &e) == SL_OK);
    int64_t t0 = loop_now_ms(), ts = 3;
    while (loop_now_ms() - t0 < 100) { /* 2 stays in use, 1 does not */
      addo(s, 2, ts, 1, "x");
      CHECK(th_wm(s, ts++, &e) == SL_OK);
      loop_poll(j->loop, 5);
    }
    int n = c->n;
    addo(s, 1, ts, 7, "c"); /* forgotten: its frame starts again */
    addo(s, 2, ts, 1, "y"); /* kept: its frame goes on */
    CHECK(th_wm(s, ts, &e) == SL_OK);
    char *got = th_cap_join(c, n);
    CHECK(strstr(got, ", 7, c, 1, 7, 7, 7)") != NULL);
    CHECK(strstr(got, ", 1, y, 1, ") == NULL);
    free(got);
    while (loop_now_ms() - t0 < 3000 && o->mem.bytes > 0) loop_poll(j->loop, 10);
    CHECK(o->mem.bytes == 0); /* and then every partition, kept rows too */
    sl_buf d = {0}, snap = {0};
    o->vt->describe(o, &d);
    unsigned long long expired = 0;
    const char *p = strstr(buf_cstr(&d), "state ttl 30 ms, ");
    CHECK(p && sscanf(p, "state ttl 30 ms, %llu partitions expired", &expired) == 1 &&
          expired >= 3);
    CHECK(o->vt->snapshot(o, &snap, &e) == SL_OK);
    sl_job *j2 = job_new();
    th_src *s2 = th_src_new(j2, 4, o_names, o_types);
    sl_op *o2 = over_new_ttl(j2, frame, frame == OVER_ROWS ? 1 : -1, 30);
    th_wire(j2, s2, o2);
    CHECK(o2->vt->restore(o2, snap.data, snap.len, &e) == SL_OK);
    sl_buf d2 = {0};
    o2->vt->describe(o2, &d2);
    CHECK_STR(buf_cstr(&d2), buf_cstr(&d));
    buf_free(&d);
    buf_free(&d2);
    buf_free(&snap);
    job_free(j);
    job_free(j2);
  }
}
