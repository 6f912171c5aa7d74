/* test_ops_rank.c - ops/ Rank (top-N, deduplication, window top-N) on hand-built jobs
 * (ops_harness.h): changelogs row by row, random inputs with retractions (seed printed)
 * materialised and compared with a naive top-N, batch mode, late rows, state freed, and a
 * snapshot mid-stream restored into a fresh operator giving the same remainder. */
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

/* rows (p BIGINT, o BIGINT, v STRING) */
static const char *const in_names[] = {"p", "o", "v"};
static const sl_type in_types[] = {
    {T_BIGINT, 0, 0, 0, 0}, {T_BIGINT, 0, 0, 0, 0}, {T_STRING, 0, 0, 0, 0}};
static const char *const rn_names[] = {"p", "o", "v", "rn"};
static const sl_type rn_types[] = {
    {T_BIGINT, 0, 0, 0, 0}, {T_BIGINT, 0, 0, 0, 0}, {T_STRING, 0, 0, 0, 0}, {T_BIGINT, 0, 0, 0, 0}};
static const int part0[] = {0};

static void add3(th_src *s, int kind, int64_t p, int64_t o, const char *v) {
  sl_value r[3] = {value_int(p), o < 0 ? value_null() : value_int(o), value_str(v, strlen(v))};
  th_add(s, kind, 1, r);
}

static sl_op *rank_new(sl_job *j, int64_t limit, bool rn, bool desc, bool batch) {
  sl_error e = {0};
  sort_key o = {1, desc, !desc};
  op_cols out = rn ? (op_cols){4, rn_names, rn_types} : (op_cols){3, in_names, in_types};
  sl_op *k = op_rank_new(j, part0, 1, &o, 1, limit, rn, -1, batch, false, 0, out, &e);
  CHECK(k != NULL);
  return k;
}

TEST(rank_top2_with_row_number) {
  sl_job *j = job_new();
  sl_error e = {0};
  th_src *s = th_src_new(j, 3, in_names, in_types);
  sl_op *k = rank_new(j, 2, true, false, false);
  th_cap *c = th_wire(j, s, k);
  CHECK(k->updating);
  add3(s, RK_INSERT, 1, 50, "a");
  add3(s, RK_INSERT, 1, 40, "b"); /* takes rank 1: a moves to 2 */
  add3(s, RK_INSERT, 1, 45, "c"); /* rank 2: a drops out */
  add3(s, RK_INSERT, 1, 45, "d"); /* a tie after c: rank 3, nothing */
  add3(s, RK_INSERT, 2, 10, "x");
  CHECK(th_flush(s, &e) == SL_OK);
  EVENTS(c, 0,
         "+I(1, 50, a, 1); -U(1, 50, a, 1); +U(1, 40, b, 1); +I(1, 50, a, 2); "
         "-U(1, 50, a, 2); +U(1, 45, c, 2); +I(2, 10, x, 1)");
  job_free(j);
}

TEST(rank_top2_without_row_number_deletes_the_row_pushed_out) {
  sl_job *j = job_new();
  sl_error e = {0};
  th_src *s = th_src_new(j, 3, in_names, in_types);
  sl_op *k = rank_new(j, 2, false, true, false); /* ORDER BY o DESC */
  th_cap *c = th_wire(j, s, k);
  add3(s, RK_INSERT, 1, 5, "a");
  add3(s, RK_INSERT, 1, 7, "b");
  add3(s, RK_INSERT, 1, 6, "c");
  add3(s, RK_INSERT, 1, 1, "d");
  CHECK(th_flush(s, &e) == SL_OK);
  EVENTS(c, 0, "+I(1, 5, a); +I(1, 7, b); -D(1, 5, a); +I(1, 6, c)");
  CHECK(k->mem.bytes > 0);
  job_free(j);
}

TEST(rank_retraction_moves_the_next_row_up) {
  sl_job *j = job_new();
  sl_error e = {0};
  th_src *s = th_src_new(j, 3, in_names, in_types);
  s->base.updating = true;
  sl_op *k = rank_new(j, 2, true, false, false);
  th_cap *c = th_wire(j, s, k);
  add3(s, RK_INSERT, 1, 1, "a");
  add3(s, RK_INSERT, 1, 2, "b");
  add3(s, RK_INSERT, 1, 3, "c"); /* kept, outside the top 2 */
  CHECK(th_flush(s, &e) == SL_OK);
  int n = c->n;
  add3(s, RK_DELETE, 1, 1, "a");
  CHECK(th_flush(s, &e) == SL_OK);
  EVENTS(c, n, "-U(1, 1, a, 1); +U(1, 2, b, 1); -U(1, 2, b, 2); +U(1, 3, c, 2)");
  n = c->n;
  add3(s, RK_UPDATE_BEFORE, 1, 3, "c");
  add3(s, RK_UPDATE_BEFORE, 1, 9, "zz"); /* never seen: nothing */
  CHECK(th_flush(s, &e) == SL_OK);
  EVENTS(c, n, "-D(1, 3, c, 2)");
  n = c->n;
  add3(s, RK_DELETE, 1, 2, "b");
  CHECK(th_flush(s, &e) == SL_OK);
  EVENTS(c, n, "-D(1, 2, b, 1)");
  CHECK(k->mem.bytes == 0); /* the partition is gone */
  job_free(j);
}

/* ---- random inputs against a naive top-N ---- */

typedef struct nrow {
  int64_t p, o;
  char v[2];
  uint64_t seq;
  bool live;
} nrow;

static int cmp_nrow_asc(const nrow *a, const nrow *b) {
  if (a->p != b->p) return a->p < b->p ? -1 : 1;
  if (a->o != b->o) return a->o < b->o ? -1 : 1; /* NULL (-1) first */
  return a->seq < b->seq ? -1 : 1;
}
static int qs_nrow(const void *a, const void *b) { return cmp_nrow_asc(a, b); }

static char *naive_topn(nrow *rows, int n, int64_t limit, bool rn) {
  nrow *live = calloc((size_t)n + 1, sizeof(nrow));
  int m = 0;
  for (int i = 0; i < n; i++)
    if (rows[i].live) live[m++] = rows[i];
  qsort(live, (size_t)m, sizeof(nrow), qs_nrow);
  char **out = calloc((size_t)m + 1, sizeof(char *));
  int k = 0;
  for (int i = 0; i < m; i++) {
    int64_t r = 1;
    while (i - r >= 0 && live[i - r].p == live[i].p) r++;
    if (r > limit) continue;
    char buf[128], o[24];
    if (live[i].o < 0)
      snprintf(o, sizeof o, "NULL");
    else
      snprintf(o, sizeof o, "%lld", (long long)live[i].o);
    if (rn)
      snprintf(buf, sizeof buf, "(%lld, %s, %s, %lld)", (long long)live[i].p, o, live[i].v,
               (long long)r);
    else
      snprintf(buf, sizeof buf, "(%lld, %s, %s)", (long long)live[i].p, o, live[i].v);
    out[k++] = strdup(buf);
  }
  char *s = th_join_sorted(out, k);
  for (int i = 0; i < k; i++) free(out[i]);
  free(out);
  free(live);
  return s;
}

static void random_topn(unsigned seed, int64_t limit, bool rn, bool updating, int batch_rows) {
  srand(seed);
  sl_job *j = job_new();
  j->batch_rows = batch_rows;
  sl_error e = {0};
  th_src *s = th_src_new(j, 3, in_names, in_types);
  s->base.updating = updating;
  sl_op *k = rank_new(j, limit, rn, false, false);
  th_cap *c = th_wire(j, s, k);
  int n = 0, total = 400;
  nrow *rows = calloc((size_t)total, sizeof(nrow));
  static const char *vs[] = {"a", "b", "c"};
  for (int i = 0; i < total; i++) {
    if (updating && n > 0 && rand() % 3 == 0) { /* retract a live row (the earliest copy) */
      int t = rand() % n;
      if (rows[t].live) {
        for (int q = 0; q < n; q++)
          if (rows[q].live && rows[q].p == rows[t].p && rows[q].o == rows[t].o &&
              !strcmp(rows[q].v, rows[t].v)) {
            rows[q].live = false;
            break;
          }
        add3(s, rand() % 2 ? RK_DELETE : RK_UPDATE_BEFORE, rows[t].p, rows[t].o, rows[t].v);
      }
    } else {
      nrow *r = &rows[n];
      r->p = rand() % 4;
      r->o = rand() % 8 - 1; /* -1: NULL */
      strcpy(r->v, vs[rand() % 3]);
      r->seq = (uint64_t)n;
      r->live = true;
      n++;
      add3(s, rand() % 4 ? RK_INSERT : RK_UPDATE_AFTER, r->p, r->o, r->v);
    }
    if (rand() % 5 == 0) CHECK(th_flush(s, &e) == SL_OK);
  }
  CHECK(th_end(s, &e) == SL_OK);
  char *got = th_cap_table(c);
  char *want = naive_topn(rows, n, limit, rn);
  if (!got || strcmp(got, want) != 0) {
    fprintf(
        stderr,
        "random top-N (seed %u, limit %lld, rn %d, updating %d, batch %d)\n got: %s\nwant: %s\n",
        seed, (long long)limit, rn, updating, batch_rows, got ? got : "(bad changelog)", want);
    unit_failures++;
  }
  free(got);
  free(want);
  free(rows);
  job_free(j);
}

TEST(rank_random_changelog_materialises_to_the_naive_topn) {
  unsigned seed = (unsigned)(getenv("SLUICE_SEED") ? atoi(getenv("SLUICE_SEED")) : 4242);
  fprintf(stderr, "rank random seed %u\n", seed);
  for (int i = 0; i < 24; i++) {
    static const int batches[] = {1, 7, 1024};
    random_topn(seed + (unsigned)i, 1 + i % 4, i % 2 == 0, (i / 2) % 2 == 0, batches[i % 3]);
  }
}

/* Keep first on event time (Flink's row-time deduplication): a row that sorts before the kept
 * one (an earlier time arriving late) replaces it; ties and later rows change nothing, and the
 * state stays one row per key however many rows come. */
TEST(dedup_keep_first_replaces_by_an_earlier_time_only) {
  sl_job *j = job_new();
  sl_error e = {0};
  th_src *s = th_src_new(j, 3, in_names, in_types);
  sl_op *k = rank_new(j, 1, false, false, false);
  CHECK(k->updating);
  th_cap *c = th_wire(j, s, k);
  add3(s, RK_INSERT, 1, 5, "a-long-string-value");
  add3(s, RK_INSERT, 1, 5, "tie");
  add3(s, RK_INSERT, 1, 3, "b");
  add3(s, RK_INSERT, 2, 9, "c");
  add3(s, RK_INSERT, 2, 1, "d");
  CHECK(th_flush(s, &e) == SL_OK);
  EVENTS(c, 0,
         "+I(1, 5, a-long-string-value); -U(1, 5, a-long-string-value); +U(1, 3, b); +I(2, 9, "
         "c); -U(2, 9, c); +U(2, 1, d)");
  size_t bytes = k->mem.bytes;
  for (int i = 3; i < 53; i++) add3(s, RK_INSERT, 1, i, "a-long-string-value");
  CHECK(th_flush(s, &e) == SL_OK);
  CHECK(c->rows == 6 && k->mem.bytes == bytes); /* no row kept per input row */
  job_free(j);
}

TEST(dedup_keep_last_updates) {
  sl_job *j = job_new();
  sl_error e = {0};
  th_src *s = th_src_new(j, 3, in_names, in_types);
  sl_op *k = rank_new(j, 1, false, true, false);
  CHECK(k->updating);
  th_cap *c = th_wire(j, s, k);
  add3(s, RK_INSERT, 1, 5, "a");
  add3(s, RK_INSERT, 1, 7, "b");
  add3(s, RK_INSERT, 1, 6, "old"); /* older than b: ignored */
  add3(s, RK_INSERT, 1, 7, "c");   /* as new as b: the later one wins */
  CHECK(th_flush(s, &e) == SL_OK);
  EVENTS(c, 0, "+I(1, 5, a); -U(1, 5, a); +U(1, 7, b); -U(1, 7, b); +U(1, 7, c)");
  job_free(j);
}

TEST(rank_batch_mode_emits_final_rows_at_the_end) {
  sl_job *j = job_new();
  sl_error e = {0};
  th_src *s = th_src_new(j, 3, in_names, in_types);
  sl_op *k = rank_new(j, 2, true, false, true);
  CHECK(!k->updating);
  th_cap *c = th_wire(j, s, k);
  add3(s, RK_INSERT, 1, 5, "a");
  add3(s, RK_INSERT, 1, 3, "b");
  add3(s, RK_INSERT, 1, 4, "c");
  add3(s, RK_INSERT, 2, 4, "d");
  CHECK(th_wm(s, 100, &e) == SL_OK);
  EVENTS(c, 0, "WM(100)");
  CHECK(th_end(s, &e) == SL_OK);
  char *t = th_cap_table(c);
  CHECK_STR(t, "(1, 3, b, 1); (1, 4, c, 2); (2, 4, d, 1)");
  free(t);
  CHECK(c->rows == 3 && k->mem.bytes == 0);
  job_free(j);
}

/* ---- window top-N ---- */

static const char *const w_names[] = {"p", "o", "v", "window_end", "rn"};
static const sl_type w_types[] = {{T_BIGINT, 0, 0, 0, 0},
                                  {T_BIGINT, 0, 0, 0, 0},
                                  {T_STRING, 0, 0, 0, 0},
                                  {T_TIMESTAMP, 3, 0, 0, 0},
                                  {T_BIGINT, 0, 0, 0, 0}};

static void addw(th_src *s, int64_t p, int64_t o, const char *v, int64_t we, uint64_t line) {
  sl_value r[4] = {value_int(p), value_int(o), value_str(v, strlen(v)), value_int(we)};
  th_add(s, RK_INSERT, line, r);
}

static sl_op *wrank_new(sl_job *j) {
  sl_error e = {0};
  static const int part[] = {0, 3};
  sort_key o = {1, true, false}; /* ORDER BY o DESC */
  sl_op *k = op_rank_new(j, part, 2, &o, 1, 2, true, 3, false, false, 0,
                         (op_cols){5, w_names, w_types}, &e);
  CHECK(k != NULL);
  return k;
}

TEST(window_topn_fires_at_the_window_end_and_frees_its_state) {
  sl_job *j = job_new();
  sl_error e = {0};
  int src = job_add_source(j, "events", ON_ERROR_SKIP, NULL);
  j->sources[src].late = LATE_DROP;
  th_src *s = th_src_new(j, 4, w_names, w_types);
  sl_op *k = wrank_new(j);
  CHECK(!k->updating);
  th_cap *c = th_wire(j, s, k);
  addw(s, 1, 5, "a", 10, 1);
  addw(s, 1, 9, "b", 10, 2);
  addw(s, 1, 7, "c", 10, 3);
  addw(s, 2, 1, "d", 10, 4);
  addw(s, 1, 1, "e", 20, 5);
  CHECK(th_wm(s, 8, &e) == SL_OK); /* window end 10 not reached (needs wm >= 9) */
  EVENTS(c, 0, "WM(8)");
  CHECK(th_wm(s, 9, &e) == SL_OK);
  char *t = th_cap_join(c, 1);
  /* the rows of one window come before the watermark that closed it */
  CHECK(strstr(t, "+I(1, 9, b, 1970-01-01 00:00:00.010, 1)") != NULL);
  CHECK(strstr(t, "+I(1, 7, c, 1970-01-01 00:00:00.010, 2)") != NULL);
  CHECK(strstr(t, "+I(2, 1, d, 1970-01-01 00:00:00.010, 1)") != NULL);
  CHECK(strstr(t, ", a,") == NULL && strstr(t, ", e,") == NULL);
  free(t);
  CHECK(c->n == 5 && !strcmp(c->ev[4], "WM(9)"));
  addw(s, 1, 99, "late", 10, 6); /* its window was emitted */
  CHECK(th_flush(s, &e) == SL_OK);
  CHECK(j->sources[src].late_rows == 1 && j->sources[src].late_dropped == 1);
  CHECK(c->rows == 3);
  CHECK(k->mem.bytes > 0); /* window 20 is open */
  CHECK(th_end(s, &e) == SL_OK);
  EVENTS(c, 5, "+I(1, 1, e, 1970-01-01 00:00:00.020, 1); WM(inf); END");
  CHECK(k->mem.bytes == 0);
  job_free(j);
}

/* ---- snapshot and restore ---- */

typedef struct step {
  int kind;
  int64_t p, o;
  const char *v;
} step;

/* Feeds rows [from, to) one batch per 3 rows. */
static void feed(th_src *s, const step *st, int from, int to) {
  sl_error e = {0};
  for (int i = from; i < to; i++) {
    add3(s, st[i].kind, st[i].p, st[i].o, st[i].v);
    if (i % 3 == 2) CHECK(th_flush(s, &e) == SL_OK);
  }
  CHECK(th_flush(s, &e) == SL_OK);
}

TEST(rank_snapshot_restore_continues_identically) {
  static const step st[] = {
      {RK_INSERT, 1, 5, "a"},        {RK_INSERT, 1, 3, "b"}, {RK_INSERT, 2, 4, "c"},
      {RK_INSERT, 1, 4, "d"},        {RK_INSERT, 1, 1, "e"}, {RK_DELETE, 1, 3, "b"},
      {RK_UPDATE_BEFORE, 1, 1, "e"}, {RK_INSERT, 2, 2, "f"}, {RK_INSERT, 1, 0, "g"},
      {RK_DELETE, 1, 4, "d"},        {RK_INSERT, 2, 9, "h"}, {RK_DELETE, 2, 2, "f"}};
  int nst = (int)(sizeof st / sizeof st[0]), cut = 5;
  for (int mode = 0; mode < 3; mode++) {
    bool rn = mode != 1, desc = mode == 2;
    int64_t limit = mode == 2 ? 1 : 2;
    sl_error e = {0};
    /* uninterrupted */
    sl_job *j1 = job_new();
    th_src *s1 = th_src_new(j1, 3, in_names, in_types);
    s1->base.updating = true;
    sl_op *k1 = rank_new(j1, limit, rn, desc, false);
    th_cap *c1 = th_wire(j1, s1, k1);
    feed(s1, st, 0, cut);
    int mark = c1->n;
    sl_buf snap = {0};
    CHECK(k1->vt->snapshot(k1, &snap, &e) == SL_OK);
    feed(s1, st, cut, nst);
    /* restored */
    sl_job *j2 = job_new();
    th_src *s2 = th_src_new(j2, 3, in_names, in_types);
    s2->base.updating = true;
    sl_op *k2 = rank_new(j2, limit, rn, desc, false);
    th_cap *c2 = th_wire(j2, s2, k2);
    CHECK(k2->vt->restore(k2, snap.data, snap.len, &e) == SL_OK);
    feed(s2, st, cut, nst);
    char *a = th_cap_join(c1, mark), *b = th_cap_join(c2, 0);
    if (strcmp(a, b) != 0) {
      fprintf(stderr, "mode %d\n uninterrupted: %s\n      restored: %s\n", mode, a, b);
      unit_failures++;
    }
    CHECK(strlen(a) > 0);
    free(a);
    free(b);
    /* a damaged snapshot is refused */
    sl_job *j3 = job_new();
    th_src *s3 = th_src_new(j3, 3, in_names, in_types);
    s3->base.updating = true;
    sl_op *k3 = rank_new(j3, limit, rn, desc, false);
    th_wire(j3, s3, k3);
    snap.data[snap.len / 2] ^= 1;
    CHECK(k3->vt->restore(k3, snap.data, snap.len, &e) == SL_ERUNTIME);
    CHECK(k3->vt->restore(k3, snap.data, 3, &e) == SL_ERUNTIME);
    buf_free(&snap);
    job_free(j1);
    job_free(j2);
    job_free(j3);
  }
}

TEST(window_rank_snapshot_restore_continues_identically) {
  sl_error e = {0};
  sl_job *j1 = job_new(), *j2 = job_new();
  th_src *s1 = th_src_new(j1, 4, w_names, w_types), *s2 = th_src_new(j2, 4, w_names, w_types);
  sl_op *k1 = wrank_new(j1), *k2 = wrank_new(j2);
  th_cap *c1 = th_wire(j1, s1, k1), *c2 = th_wire(j2, s2, k2);
  addw(s1, 1, 5, "a", 10, 1);
  addw(s1, 1, 6, "b", 20, 1);
  CHECK(th_wm(s1, 3, &e) == SL_OK);
  int mark = c1->n;
  sl_buf snap = {0};
  CHECK(k1->vt->snapshot(k1, &snap, &e) == SL_OK);
  CHECK(k2->vt->restore(k2, snap.data, snap.len, &e) == SL_OK);
  CHECK(k2->wm == 3);
  CHECK(k2->mem.bytes == k1->mem.bytes);
  for (int r = 0; r < 2; r++) {
    th_src *s = r ? s2 : s1;
    addw(s, 1, 7, "c", 10, 1);
    addw(s, 1, 1, "d", 10, 1);
    CHECK(th_wm(s, 12, &e) == SL_OK);
    CHECK(th_end(s, &e) == SL_OK);
  }
  char *a = th_cap_join(c1, mark), *b = th_cap_join(c2, 0);
  CHECK_STR(a, b);
  CHECK(
      strstr(a,
             "+I(1, 7, c, 1970-01-01 00:00:00.010, 1); +I(1, 5, a, 1970-01-01 00:00:00.010, 2)") !=
      NULL);
  free(a);
  free(b);
  buf_free(&snap);
  job_free(j1);
  job_free(j2);
}

/* State TTL: a partition untouched for the TTL is forgotten (a row that would not have entered
 * the top N now starts it afresh); one kept busy stays; the expired count is in explain and in
 * the snapshot; the window top-N ignores it. */
TEST(rank_state_ttl_forgets_idle_partitions) {
  for (int mode = 0; mode < 2; mode++) { /* top-2 with row number; keep-first dedup */
    sl_job *j = job_new();
    sl_error e = {0};
    sort_key o = {1, false, true};
    op_cols out = mode == 0 ? (op_cols){4, rn_names, rn_types} : (op_cols){3, in_names, in_types};
    sl_op *k = op_rank_new(j, part0, 1, &o, 1, mode == 0 ? 2 : 1, mode == 0, -1, false, false, 30,
                           out, &e);
    CHECK(k != NULL);
    th_src *s = th_src_new(j, 3, in_names, in_types);
    th_cap *c = th_wire(j, s, k);
    add3(s, RK_INSERT, 1, 1, "a");
    add3(s, RK_INSERT, 1, 2, "b");
    add3(s, RK_INSERT, 2, 1, "x");
    CHECK(th_flush(s, &e) == SL_OK);
    int64_t t0 = loop_now_ms();
    while (loop_now_ms() - t0 < 100) { /* 2 stays in use, 1 does not */
      add3(s, RK_INSERT, 2, 9, "x");
      CHECK(th_flush(s, &e) == SL_OK);
      loop_poll(j->loop, 5);
    }
    int n = c->n;
    add3(s, RK_INSERT, 1, 5, "late"); /* forgotten: it is the first again */
    add3(s, RK_INSERT, 2, 10, "y");   /* kept: not in the top */
    CHECK(th_flush(s, &e) == SL_OK);
    EVENTS(c, n, mode == 0 ? "+I(1, 5, late, 1)" : "+I(1, 5, late)");
    while (loop_now_ms() - t0 < 3000 && k->mem.bytes > 0) loop_poll(j->loop, 10);
    CHECK(k->mem.bytes == 0);
    sl_buf d = {0}, snap = {0};
    k->vt->describe(k, &d);
    unsigned long long expired = 0;
    const char *p = strstr(buf_cstr(&d), "state ttl 30 ms, ");
    CHECK(p && sscanf(p, "state ttl 30 ms, %llu partitions expired", &expired) == 1 &&
          expired >= 3);
    CHECK(k->vt->snapshot(k, &snap, &e) == SL_OK);
    sl_job *j2 = job_new();
    sl_op *k2 = op_rank_new(j2, part0, 1, &o, 1, mode == 0 ? 2 : 1, mode == 0, -1, false, false, 30,
                            out, &e);
    th_wire(j2, th_src_new(j2, 3, in_names, in_types), k2);
    CHECK(k2->vt->restore(k2, snap.data, snap.len, &e) == SL_OK);
    sl_buf d2 = {0};
    k2->vt->describe(k2, &d2);
    CHECK_STR(buf_cstr(&d2), buf_cstr(&d));
    buf_free(&d);
    buf_free(&d2);
    buf_free(&snap);
    job_free(j);
    job_free(j2);
  }
  /* per window: no TTL (the state goes when the window fires) */
  sl_job *j = job_new();
  sl_error e = {0};
  sort_key o = {1, false, true};
  sl_op *k = op_rank_new(j, part0, 1, &o, 1, 2, false, 1, false, false, 30,
                         (op_cols){3, in_names, in_types}, &e);
  CHECK(k != NULL);
  th_wire(j, th_src_new(j, 3, in_names, in_types), k);
  sl_buf d = {0};
  k->vt->describe(k, &d);
  CHECK(strstr(buf_cstr(&d), "ttl") == NULL);
  buf_free(&d);
  job_free(j);
}

/* ---- processing time: ORDER BY a PROCTIME() column ranks by arrival ---- */

static sl_op *pt_rank_new(sl_job *j, int64_t limit, bool rn, bool desc, int64_t ttl) {
  sl_error e = {0};
  sort_key o = {1, desc, !desc};
  op_cols out = rn ? (op_cols){4, rn_names, rn_types} : (op_cols){3, in_names, in_types};
  sl_op *k = op_rank_new(j, part0, 1, &o, 1, limit, rn, -1, false, true, ttl, out, &e);
  CHECK(k != NULL);
  return k;
}

/* The o column plays the PROCTIME() values: they go backwards and repeat, and the rank still
 * follows arrival. Keeping the first rows is append-only with a count per partition only. */
TEST(rank_proctime_first_rows_are_append_only) {
  for (int limit = 1; limit <= 2; limit++) {
    sl_job *j = job_new();
    sl_error e = {0};
    th_src *s = th_src_new(j, 3, in_names, in_types);
    sl_op *k = pt_rank_new(j, limit, limit == 2, false, 0);
    CHECK(!k->updating);
    th_cap *c = th_wire(j, s, k);
    add3(s, RK_INSERT, 1, 9, "a");
    add3(s, RK_INSERT, 1, 1, "b"); /* an earlier value: still second to arrive */
    add3(s, RK_INSERT, 2, 5, "x");
    add3(s, RK_INSERT, 1, 0, "c");
    CHECK(th_flush(s, &e) == SL_OK);
    EVENTS(c, 0,
           limit == 1 ? "+I(1, 9, a); +I(2, 5, x)"
                      : "+I(1, 9, a, 1); +I(1, 1, b, 2); +I(2, 5, x, 1)");
    size_t bytes = k->mem.bytes;
    for (int i = 0; i < 50; i++) add3(s, RK_INSERT, 1, i, "a-long-string-value");
    CHECK(th_flush(s, &e) == SL_OK);
    CHECK(k->mem.bytes == bytes); /* no row is kept */
    /* snapshot and restore: the counts carry over */
    sl_buf snap = {0};
    CHECK(k->vt->snapshot(k, &snap, &e) == SL_OK);
    sl_job *j2 = job_new();
    th_src *s2 = th_src_new(j2, 3, in_names, in_types);
    sl_op *k2 = pt_rank_new(j2, limit, limit == 2, false, 0);
    th_cap *c2 = th_wire(j2, s2, k2);
    CHECK(k2->vt->restore(k2, snap.data, snap.len, &e) == SL_OK);
    add3(s2, RK_INSERT, 1, 3, "d");
    add3(s2, RK_INSERT, 2, 3, "y");
    add3(s2, RK_INSERT, 3, 3, "z");
    CHECK(th_flush(s2, &e) == SL_OK);
    EVENTS(c2, 0, limit == 1 ? "+I(3, 3, z)" : "+I(2, 3, y, 2); +I(3, 3, z, 1)");
    buf_free(&snap);
    job_free(j);
    job_free(j2);
  }
}

TEST(rank_proctime_last_rows_follow_arrival) {
  sl_job *j = job_new();
  sl_error e = {0};
  th_src *s = th_src_new(j, 3, in_names, in_types);
  sl_op *k = pt_rank_new(j, 1, false, true, 0); /* keep last */
  CHECK(k->updating);
  th_cap *c = th_wire(j, s, k);
  add3(s, RK_INSERT, 1, 5, "a");
  add3(s, RK_INSERT, 1, 3, "b"); /* an earlier value: still the latest row */
  add3(s, RK_INSERT, 1, 3, "c");
  CHECK(th_flush(s, &e) == SL_OK);
  EVENTS(c, 0, "+I(1, 5, a); -U(1, 5, a); +U(1, 3, b); -U(1, 3, b); +U(1, 3, c)");
  job_free(j);
  j = job_new();
  s = th_src_new(j, 3, in_names, in_types);
  k = pt_rank_new(j, 2, true, true, 0); /* the last two, with the row number */
  c = th_wire(j, s, k);
  add3(s, RK_INSERT, 1, 5, "a");
  add3(s, RK_INSERT, 1, 5, "b");
  add3(s, RK_INSERT, 1, 1, "c");
  CHECK(th_flush(s, &e) == SL_OK);
  EVENTS(c, 0,
         "+I(1, 5, a, 1); -U(1, 5, a, 1); +U(1, 5, b, 1); +I(1, 5, a, 2); -U(1, 5, b, 1); "
         "+U(1, 1, c, 1); -U(1, 5, a, 2); +U(1, 5, b, 2)");
  job_free(j);
}

/* An updating input cannot be ranked by arrival (a retraction names its row): the general top-N
 * on the values takes over. */
TEST(rank_proctime_on_an_updating_input_ranks_by_value) {
  sl_job *j = job_new();
  sl_error e = {0};
  th_src *s = th_src_new(j, 3, in_names, in_types);
  s->base.updating = true;
  sl_op *k = pt_rank_new(j, 1, false, false, 0);
  th_cap *c = th_wire(j, s, k);
  add3(s, RK_INSERT, 1, 5, "a");
  add3(s, RK_INSERT, 1, 3, "b");
  add3(s, RK_DELETE, 1, 3, "b");
  CHECK(th_flush(s, &e) == SL_OK);
  EVENTS(c, 0, "+I(1, 5, a); -D(1, 5, a); +I(1, 3, b); -D(1, 3, b); +I(1, 5, a)");
  job_free(j);
}

/* State TTL on the first-rows mode (a count per partition): a partition forgotten lets its
 * next row through again. */
TEST(rank_proctime_first_rows_state_ttl) {
  sl_job *j = job_new();
  sl_error e = {0};
  th_src *s = th_src_new(j, 3, in_names, in_types);
  sl_op *k = pt_rank_new(j, 1, false, false, 30);
  th_cap *c = th_wire(j, s, k);
  add3(s, RK_INSERT, 1, 1, "a");
  add3(s, RK_INSERT, 2, 1, "x");
  CHECK(th_flush(s, &e) == SL_OK);
  int64_t t0 = loop_now_ms();
  while (loop_now_ms() - t0 < 100) { /* 2 stays in use, 1 does not */
    add3(s, RK_INSERT, 2, 2, "x2");
    CHECK(th_flush(s, &e) == SL_OK);
    loop_poll(j->loop, 5);
  }
  int n = c->n;
  add3(s, RK_INSERT, 1, 2, "again");
  add3(s, RK_INSERT, 2, 2, "dup");
  CHECK(th_flush(s, &e) == SL_OK);
  EVENTS(c, n, "+I(1, 2, again)");
  while (loop_now_ms() - t0 < 3000 && k->mem.bytes > 0) loop_poll(j->loop, 10);
  CHECK(k->mem.bytes == 0);
  job_free(j);
}
