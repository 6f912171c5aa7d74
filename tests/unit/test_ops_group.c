/* test_ops_group.c - ops/ group aggregation and Expand on hand-built jobs (ops_harness.h):
 * changelogs checked row by row and, for random inputs (seed printed), materialised and compared
 * with a naive recomputation; retraction input, TTL, batch mode, state freed, snapshots. */
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

/* ---- Expand ---- */

TEST(expand_emits_one_row_per_grouping_set) {
  sl_job *j = job_new();
  j->batch_rows = 2; /* several output batches per input batch */
  sl_error e = {0};
  static const char *const in_names[] = {"a", "b", "v"};
  static const sl_type in_types[] = {
      {T_STRING, 0, 0, 0, 0}, {T_BIGINT, 0, 0, 0, 0}, {T_BIGINT, 0, 0, 0, 0}};
  static const char *const out_names[] = {"a", "b", "v", "$e"};
  static const sl_type out_types[] = {{T_STRING, 0, 0, 0, 0},
                                      {T_BIGINT, 0, 0, 0, 0},
                                      {T_BIGINT, 0, 0, 0, 0},
                                      {T_BIGINT, 0, 0, 0, 0}};
  /* ROLLUP(a, b): (a, b), (a), () */
  static const bool s0[] = {true, true, true}, s1[] = {true, false, true},
                    s2[] = {false, false, true};
  const bool *const keep[] = {s0, s1, s2};
  th_src *src = th_src_new(j, 3, in_names, in_types);
  sl_op *x = op_expand_new(j, 3, keep, (op_cols){4, out_names, out_types}, &e);
  CHECK(x != NULL);
  th_cap *c = th_wire(j, src, x);
  sl_value r1[] = {value_str("k", 1), value_int(7), value_int(10)};
  sl_value r2[] = {value_null(), value_int(8), value_int(20)};
  th_add(src, RK_INSERT, 1, r1);
  th_add(src, RK_DELETE, 2, r2);
  CHECK(th_flush(src, &e) == SL_OK);
  EVENTS(c, 0,
         "+I(k, 7, 10, 0); +I(k, NULL, 10, 1); +I(NULL, NULL, 10, 2); "
         "-D(NULL, 8, 20, 0); -D(NULL, NULL, 20, 1); -D(NULL, NULL, 20, 2)");
  CHECK(th_wm(src, 5, &e) == SL_OK);
  CHECK(th_end(src, &e) == SL_OK);
  EVENTS(c, 6, "WM(5); WM(inf); END");
  sl_buf d = {0};
  x->vt->describe(x, &d);
  CHECK_STR(buf_cstr(&d), "3 grouping sets: (a, b, v), (a, v), (v)");
  buf_free(&d);
  job_free(j);
}

/* ---- group aggregation ---- */

/* input (k STRING, v BIGINT); output k, then the aggregates */
static const char *const g_in_names[] = {"k", "v"};
static const sl_type g_in_types[] = {{T_STRING, 0, 0, 0, 0}, {T_BIGINT, 0, 0, 0, 0}};
static const char *const g_out_names[] = {"k", "cnt", "s", "mn", "mx"};
static const sl_type g_out_types[] = {{T_STRING, 0, 0, 0, 0},
                                      {T_BIGINT, 0, 0, 0, 0},
                                      {T_BIGINT, 0, 0, 0, 0},
                                      {T_BIGINT, 0, 0, 0, 0},
                                      {T_BIGINT, 0, 0, 0, 0}};
static const agg_spec g_aggs[] = {
    {AGG_COUNT_STAR, -1, -1, false, {T_BIGINT, 0, 0, 0, 0}, {T_BIGINT, 0, 0, 0, 0}, NULL, 0},
    {AGG_SUM, 1, -1, false, {T_BIGINT, 0, 0, 0, 0}, {T_BIGINT, 0, 0, 0, 0}, NULL, 0},
    {AGG_MIN, 1, -1, false, {T_BIGINT, 0, 0, 0, 0}, {T_BIGINT, 0, 0, 0, 0}, NULL, 0},
    {AGG_MAX, 1, -1, false, {T_BIGINT, 0, 0, 0, 0}, {T_BIGINT, 0, 0, 0, 0}, NULL, 0}};
static const int g_key0[] = {0};

static void addkv(th_src *s, int kind, const char *k, int64_t v) {
  sl_value r[2] = {value_str(k, strlen(k)), v == INT64_MIN ? value_null() : value_int(v)};
  th_add(s, kind, 1, r);
}

/* GROUP BY k with the aggregates aggs[first .. first + n) */
static sl_op *group_new(sl_job *j, int nkeys, int first, int n, bool batch, int64_t ttl) {
  sl_error e = {0};
  static const char *names[5];
  static sl_type types[5];
  int c = 0;
  if (nkeys) {
    names[c] = g_out_names[0];
    types[c++] = g_out_types[0];
  }
  for (int i = 0; i < n; i++) {
    names[c] = g_out_names[1 + first + i];
    types[c++] = g_out_types[1 + first + i];
  }
  sl_op *g = op_group_agg_new(j, g_key0, nkeys, g_aggs + first, n, batch, ttl,
                              (op_cols){c, names, types}, &e);
  CHECK(g != NULL);
  return g;
}

TEST(group_agg_changelog_as_flink) {
  sl_job *j = job_new();
  sl_error e = {0};
  th_src *s = th_src_new(j, 2, g_in_names, g_in_types);
  sl_op *g = group_new(j, 1, 0, 4, false, 0);
  CHECK(g->updating);
  th_cap *c = th_wire(j, s, g);
  addkv(s, RK_INSERT, "a", 5);
  addkv(s, RK_INSERT, "b", 1);
  addkv(s, RK_INSERT, "a", 7);
  CHECK(th_flush(s, &e) == SL_OK);
  EVENTS(c, 0, "+I(a, 1, 5, 5, 5); +I(b, 1, 1, 1, 1); -U(a, 1, 5, 5, 5); +U(a, 2, 12, 5, 7)");
  job_free(j);
  /* an unchanged result emits nothing */
  j = job_new();
  s = th_src_new(j, 2, g_in_names, g_in_types);
  g = group_new(j, 1, 3, 1, false, 0); /* MAX(v) */
  c = th_wire(j, s, g);
  addkv(s, RK_INSERT, "a", 5);
  addkv(s, RK_INSERT, "a", 3);
  addkv(s, RK_INSERT, "a", INT64_MIN); /* NULL */
  addkv(s, RK_INSERT, "a", 6);
  CHECK(th_flush(s, &e) == SL_OK);
  EVENTS(c, 0, "+I(a, 5); -U(a, 5); +U(a, 6)");
  job_free(j);
}

TEST(group_agg_retractions_delete_the_key_and_free_its_state) {
  sl_job *j = job_new();
  sl_error e = {0};
  th_src *s = th_src_new(j, 2, g_in_names, g_in_types);
  s->base.updating = true;
  sl_op *g = group_new(j, 1, 0, 4, false, 0);
  th_cap *c = th_wire(j, s, g);
  addkv(s, RK_INSERT, "a", 5);
  addkv(s, RK_INSERT, "a", 9);
  addkv(s, RK_UPDATE_BEFORE, "a", 9);
  addkv(s, RK_UPDATE_AFTER, "a", 2);
  CHECK(th_flush(s, &e) == SL_OK);
  EVENTS(c, 0,
         "+I(a, 1, 5, 5, 5); -U(a, 1, 5, 5, 5); +U(a, 2, 14, 5, 9); -U(a, 2, 14, 5, 9); "
         "+U(a, 1, 5, 5, 5); -U(a, 1, 5, 5, 5); +U(a, 2, 7, 2, 5)");
  int n = c->n;
  CHECK(g->mem.bytes > 0);
  addkv(s, RK_DELETE, "a", 5);
  addkv(s, RK_DELETE, "a", 2);
  addkv(s, RK_DELETE, "zz", 2); /* a key never seen: ignored */
  CHECK(th_flush(s, &e) == SL_OK);
  EVENTS(c, n, "-U(a, 2, 7, 2, 5); +U(a, 1, 2, 2, 2); -D(a, 1, 2, 2, 2)");
  CHECK(g->mem.bytes == 0); /* the key's accumulators, MIN/MAX value counts and the map */
  job_free(j);
}

/* ---- random changelogs against a naive GROUP BY ---- */

typedef struct grow {
  int k;
  int64_t v; /* INT64_MIN: NULL */
  bool live;
} grow;

static char *naive_group(const grow *rows, int n) {
  char **out = calloc(8, sizeof(char *));
  int m = 0;
  for (int k = 0; k < 6; k++) {
    int64_t cnt = 0, sum = 0, mn = INT64_MAX, mx = INT64_MIN, nn = 0;
    for (int i = 0; i < n; i++) {
      if (!rows[i].live || rows[i].k != k) continue;
      cnt++;
      if (rows[i].v == INT64_MIN) continue;
      nn++;
      sum += rows[i].v;
      if (rows[i].v < mn) mn = rows[i].v;
      if (rows[i].v > mx) mx = rows[i].v;
    }
    if (!cnt) continue;
    char buf[160];
    if (nn)
      snprintf(buf, sizeof buf, "(k%d, %lld, %lld, %lld, %lld)", k, (long long)cnt, (long long)sum,
               (long long)mn, (long long)mx);
    else
      snprintf(buf, sizeof buf, "(k%d, %lld, NULL, NULL, NULL)", k, (long long)cnt);
    out[m++] = strdup(buf);
  }
  char *s = th_join_sorted(out, m);
  for (int i = 0; i < m; i++) free(out[i]);
  free(out);
  return s;
}

static void random_group(unsigned seed, bool updating, bool batch, int batch_rows) {
  srand(seed);
  sl_job *j = job_new();
  j->batch_rows = batch_rows;
  sl_error e = {0};
  th_src *s = th_src_new(j, 2, g_in_names, g_in_types);
  s->base.updating = updating;
  sl_op *g = group_new(j, 1, 0, 4, batch, 0);
  th_cap *c = th_wire(j, s, g);
  static const char *keys[] = {"k0", "k1", "k2", "k3", "k4", "k5"};
  int total = 500, n = 0;
  grow *rows = calloc((size_t)total, sizeof(grow));
  for (int i = 0; i < total; i++) {
    if (updating && n && rand() % 3 == 0) {
      int t = rand() % n;
      if (rows[t].live) {
        rows[t].live = false;
        addkv(s, rand() % 2 ? RK_DELETE : RK_UPDATE_BEFORE, keys[rows[t].k], rows[t].v);
      }
    } else {
      grow *r = &rows[n++];
      r->k = rand() % 6;
      r->v = rand() % 10 == 0 ? INT64_MIN : rand() % 100 - 50;
      r->live = true;
      addkv(s, rand() % 3 ? RK_INSERT : RK_UPDATE_AFTER, keys[r->k], r->v);
    }
    if (rand() % 6 == 0) CHECK(th_flush(s, &e) == SL_OK);
  }
  CHECK(th_flush(s, &e) == SL_OK);
  if (batch) CHECK(c->rows == 0); /* nothing before the end */
  CHECK(th_end(s, &e) == SL_OK);
  char *got = th_cap_table(c), *want = naive_group(rows, n);
  if (!got || strcmp(got, want) != 0) {
    fprintf(stderr, "random group (seed %u, updating %d, batch %d)\n got: %s\nwant: %s\n", seed,
            updating, batch, got ? got : "(bad changelog)", want);
    unit_failures++;
  }
  if (batch)
    for (int i = 0; i < c->n; i++) CHECK(c->ev[i][0] != '-' && strncmp(c->ev[i], "+U", 2) != 0);
  free(got);
  free(want);
  free(rows);
  job_free(j);
}

TEST(group_agg_random_changelog_materialises_to_the_naive_result) {
  unsigned seed = (unsigned)(getenv("SLUICE_SEED") ? atoi(getenv("SLUICE_SEED")) : 777);
  fprintf(stderr, "group random seed %u\n", seed);
  static const int batches[] = {1, 7, 1024};
  for (int i = 0; i < 18; i++)
    random_group(seed + (unsigned)i, i % 2 == 0, i % 3 == 2, batches[i % 3]);
}

TEST(group_agg_batch_mode_and_global_aggregation) {
  sl_error e = {0};
  /* streaming: an empty input gives no global row */
  sl_job *j = job_new();
  th_src *s = th_src_new(j, 2, g_in_names, g_in_types);
  sl_op *g = group_new(j, 0, 0, 2, false, 0);
  th_cap *c = th_wire(j, s, g);
  CHECK(th_end(s, &e) == SL_OK);
  EVENTS(c, 0, "WM(inf); END");
  job_free(j);
  /* batch mode: one row, COUNT 0 and SUM NULL */
  j = job_new();
  s = th_src_new(j, 2, g_in_names, g_in_types);
  g = group_new(j, 0, 0, 2, true, 0);
  CHECK(!g->updating);
  c = th_wire(j, s, g);
  CHECK(th_end(s, &e) == SL_OK);
  EVENTS(c, 0, "WM(inf); +I(0, NULL); END");
  job_free(j);
  /* streaming global: +I first, then updates */
  j = job_new();
  s = th_src_new(j, 2, g_in_names, g_in_types);
  g = group_new(j, 0, 0, 2, false, 0);
  c = th_wire(j, s, g);
  addkv(s, RK_INSERT, "a", 4);
  addkv(s, RK_INSERT, "b", 5);
  CHECK(th_end(s, &e) == SL_OK);
  EVENTS(c, 0, "+I(1, 4); -U(1, 4); +U(2, 9); WM(inf); END");
  job_free(j);
  /* batch mode with keys: final rows only, state freed */
  j = job_new();
  s = th_src_new(j, 2, g_in_names, g_in_types);
  g = group_new(j, 1, 0, 2, true, 0);
  c = th_wire(j, s, g);
  addkv(s, RK_INSERT, "a", 4);
  addkv(s, RK_INSERT, "b", 5);
  addkv(s, RK_INSERT, "a", 1);
  CHECK(th_wm(s, 10, &e) == SL_OK);
  EVENTS(c, 0, "WM(10)");
  CHECK(th_end(s, &e) == SL_OK);
  char *t = th_cap_table(c);
  CHECK_STR(t, "(a, 2, 5); (b, 1, 5)");
  free(t);
  CHECK(g->mem.bytes == 0);
  job_free(j);
}

TEST(group_agg_retraction_into_an_append_only_aggregate_is_an_error) {
  sl_job *j = job_new();
  sl_error e = {0};
  th_src *s = th_src_new(j, 2, g_in_names, g_in_types); /* says: append-only */
  sl_op *g = group_new(j, 1, 2, 1, false, 0);           /* MIN(v) */
  th_wire(j, s, g);
  addkv(s, RK_INSERT, "a", 4);
  addkv(s, RK_DELETE, "a", 4);
  CHECK(th_flush(s, &e) == SL_ERUNTIME);
  CHECK(strstr(e.msg, "MIN") != NULL);
  job_free(j);
}

TEST(group_agg_state_ttl_forgets_idle_keys) {
  sl_job *j = job_new();
  sl_error e = {0};
  th_src *s = th_src_new(j, 2, g_in_names, g_in_types);
  sl_op *g = group_new(j, 1, 0, 2, false, 30);
  th_cap *c = th_wire(j, s, g);
  addkv(s, RK_INSERT, "a", 4);
  addkv(s, RK_INSERT, "b", 4);
  CHECK(th_flush(s, &e) == SL_OK);
  int64_t t0 = loop_now_ms();
  while (loop_now_ms() - t0 < 100) { /* b stays in use, a does not */
    addkv(s, RK_INSERT, "b", 0);
    CHECK(th_flush(s, &e) == SL_OK);
    loop_poll(j->loop, 5);
  }
  int n = c->n;
  addkv(s, RK_INSERT, "a", 7); /* forgotten: starts again */
  CHECK(th_flush(s, &e) == SL_OK);
  EVENTS(c, n, "+I(a, 1, 7)");
  while (loop_now_ms() - t0 < 3000 && g->mem.bytes > 0) loop_poll(j->loop, 10);
  CHECK(g->mem.bytes == 0); /* and then every key */
  sl_buf d = {0};
  g->vt->describe(g, &d);
  unsigned long long expired = 0;
  const char *p = strstr(buf_cstr(&d), "state ttl 30 ms, ");
  CHECK(p && sscanf(p, "state ttl 30 ms, %llu keys expired", &expired) == 1 && expired >= 3);
  buf_free(&d);
  job_free(j);
}

TEST(group_agg_snapshot_restore_continues_identically) {
  sl_error e = {0};
  sl_job *j1 = job_new(), *j2 = job_new();
  th_src *s1 = th_src_new(j1, 2, g_in_names, g_in_types),
         *s2 = th_src_new(j2, 2, g_in_names, g_in_types);
  s1->base.updating = s2->base.updating = true;
  sl_op *g1 = group_new(j1, 1, 0, 4, false, 0), *g2 = group_new(j2, 1, 0, 4, false, 0);
  th_cap *c1 = th_wire(j1, s1, g1), *c2 = th_wire(j2, s2, g2);
  addkv(s1, RK_INSERT, "a", 4);
  addkv(s1, RK_INSERT, "a", 9);
  addkv(s1, RK_INSERT, "b", 1);
  addkv(s1, RK_INSERT, "a", INT64_MIN);
  CHECK(th_flush(s1, &e) == SL_OK);
  int mark = c1->n;
  sl_buf snap = {0};
  CHECK(g1->vt->snapshot(g1, &snap, &e) == SL_OK);
  CHECK(g2->vt->restore(g2, snap.data, snap.len, &e) == SL_OK);
  for (int r = 0; r < 2; r++) {
    th_src *s = r ? s2 : s1;
    addkv(s, RK_DELETE, "a", 9); /* MAX must fall back to 4: the value counts came along */
    addkv(s, RK_DELETE, "b", 1);
    addkv(s, RK_INSERT, "c", 3);
    CHECK(th_end(s, &e) == SL_OK);
  }
  char *a = th_cap_join(c1, mark), *b = th_cap_join(c2, 0);
  CHECK_STR(a, b);
  CHECK(strstr(a, "+U(a, 2, 4, 4, 4)") != NULL);
  free(a);
  free(b);
  snap.data[snap.len - 9] ^= 4;
  sl_job *j3 = job_new();
  th_src *s3 = th_src_new(j3, 2, g_in_names, g_in_types);
  sl_op *g3 = group_new(j3, 1, 0, 4, false, 0);
  th_wire(j3, s3, g3);
  CHECK(g3->vt->restore(g3, snap.data, snap.len, &e) == SL_ERUNTIME);
  buf_free(&snap);
  job_free(j1);
  job_free(j2);
  job_free(j3);
}

TEST(group_agg_string_results_outlive_the_scratch) {
  sl_job *j = job_new();
  j->batch_rows = 1; /* every output row in its own batch */
  sl_error e = {0};
  th_src *s = th_src_new(j, 2, g_in_names, g_in_types);
  static const agg_spec la[] = {
      {AGG_LISTAGG, 0, -1, false, {T_STRING, 0, 0, 0, 0}, {T_STRING, 0, 0, 0, 0}, "|", 1}};
  static const char *const names[] = {"k", "l"};
  static const sl_type types[] = {{T_STRING, 0, 0, 0, 0}, {T_STRING, 0, 0, 0, 0}};
  sl_op *g = op_group_agg_new(j, g_key0, 1, la, 1, false, 0, (op_cols){2, names, types}, &e);
  CHECK(g != NULL);
  th_cap *c = th_wire(j, s, g);
  addkv(s, RK_INSERT, "ab", 1);
  addkv(s, RK_INSERT, "ab", 2);
  addkv(s, RK_INSERT, "cd", 2);
  CHECK(th_flush(s, &e) == SL_OK);
  EVENTS(c, 0, "+I(ab, ab); -U(ab, ab); +U(ab, ab|ab); +I(cd, cd)");
  job_free(j);
}

TEST(group_agg_explains_what_it_keeps) {
  sl_job *j = job_new();
  th_src *s = th_src_new(j, 2, g_in_names, g_in_types);
  sl_op *g = group_new(j, 1, 0, 2, true, 0);
  th_wire(j, s, g);
  sl_buf d = {0};
  g->vt->describe(g, &d);
  CHECK_STR(buf_cstr(&d), "group by k: COUNT AS cnt, SUM AS s; final rows at the end (batch mode)");
  CHECK_STR(g->vt->keeps, "one accumulator per key");
  buf_free(&d);
  job_free(j);
}
