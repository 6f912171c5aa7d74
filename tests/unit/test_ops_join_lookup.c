/* test_ops_join_lookup.c - ops/ lookup join (local table on port 1, by join key and by primary
 * key; a fake remote table with and without the PARTIAL cache: hits, misses, eviction, expiry,
 * missing keys) and the lookup cache itself with a fake clock, the signals only the probe side
 * moves, snapshot/restore; and the temporal join (Flink's currency-rates example, deletes, late
 * rows, state freed, batch sizes, a random test against an oracle). Hand-built jobs
 * (ops_harness.h). */
#include <stdlib.h>
#include <time.h>

#include "ops/lookup_cache.h"
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

#define BIG                                                                                        \
  { T_BIGINT, 0, 0, 0, 0 }
#define STR                                                                                        \
  { T_STRING, 0, 0, 0, 0 }

/* left (k BIGINT, v BIGINT, s STRING), right (id BIGINT, name STRING, w BIGINT) */
static const char *const l_names[] = {"k", "v", "s"};
static const sl_type l_types[] = {BIG, BIG, STR};
static const char *const r_names[] = {"id", "name", "w"};
static const sl_type r_types[] = {BIG, STR, BIG};
static const char *const o_names[] = {"k", "v", "s", "id", "name", "w"};
static const sl_type o_types[] = {BIG, BIG, STR, BIG, STR, BIG};
static const int key_k[] = {0}, key_id[] = {0}, key_s[] = {2}, key_name[] = {1};

static void add_l(th_src *s, int kind, int64_t k, int64_t v, const char *str) {
  sl_value r[3] = {k < 0 ? value_null() : value_int(k), value_int(v),
                   str ? value_str(str, strlen(str)) : value_null()};
  th_add(s, kind, 1, r);
}
static void add_r(th_src *s, int kind, int64_t id, const char *name, int64_t w) {
  sl_value r[3] = {id < 0 ? value_null() : value_int(id),
                   name ? value_str(name, strlen(name)) : value_null(), value_int(w)};
  th_add(s, kind, 1, r);
}

static join_spec spec(int type, const int *lk, const int *rk, const sl_expr *cond) {
  join_spec s = {0};
  s.type = type;
  s.lkeys = lk;
  s.rkeys = rk;
  s.nkeys = 1;
  s.cond = cond;
  s.left = (op_cols){3, l_names, l_types};
  s.right = (op_cols){3, r_names, r_types};
  return s;
}

/* A job: left feeder -> port 0, table feeder -> port 1, join -> capture. */
typedef struct lj {
  sl_job *j;
  th_src *l, *r;
  sl_op *op;
  th_cap *c;
} lj;

static lj lj_new(int type, const int *lk, const int *rk, const int *pk, int npk,
                 const sl_expr *cond, int batch_rows) {
  lj t;
  sl_error e = {0};
  t.j = job_new();
  t.j->batch_rows = batch_rows;
  t.l = th_src_new(t.j, 3, l_names, l_types);
  t.r = th_src_new(t.j, 3, r_names, r_types);
  join_spec s = spec(type, lk, rk, cond);
  t.op = op_lookup_join_new(t.j, &s, NULL, NULL, pk, npk, (op_cols){6, o_names, o_types}, &e);
  CHECK(t.op != NULL);
  t.c = th_wire(t.j, t.l, t.op);
  op_connect(&t.r->base, t.op);
  return t;
}

TEST(lookup_local_inner_and_left) {
  for (int type = JOIN_INNER; type <= JOIN_LEFT; type++) {
    lj t = lj_new(type, key_k, key_id, NULL, 0, NULL, 1024);
    sl_error e = {0};
    add_r(t.r, RK_INSERT, 1, "one", 10);
    add_r(t.r, RK_INSERT, 2, "two", 20);
    add_r(t.r, RK_INSERT, 2, "deux", 21); /* no primary key: a multiset */
    add_r(t.r, RK_INSERT, -1, "null", 0); /* a NULL key is never matched */
    CHECK(th_flush(t.r, &e) == SL_OK);
    CHECK(t.c->n == 0);           /* the table is never emitted */
    CHECK(t.op->state_rows == 3); /* the NULL-key row is not kept */
    add_l(t.l, RK_INSERT, 2, 100, "a");
    add_l(t.l, RK_INSERT, 3, 101, "b");
    add_l(t.l, RK_INSERT, -1, 102, "c");
    add_l(t.l, RK_DELETE, 1, 103, NULL); /* the left row's kind is kept */
    CHECK(th_flush(t.l, &e) == SL_OK);
    if (type == JOIN_INNER)
      EVENTS(t.c, 0,
             "+I(2, 100, a, 2, two, 20); +I(2, 100, a, 2, deux, 21); -D(1, 103, NULL, 1, one, 10)");
    else
      EVENTS(t.c, 0,
             "+I(2, 100, a, 2, two, 20); +I(2, 100, a, 2, deux, 21); "
             "+I(3, 101, b, NULL, NULL, NULL); +I(NULL, 102, c, NULL, NULL, NULL); "
             "-D(1, 103, NULL, 1, one, 10)");
    job_free(t.j);
  }
}

TEST(lookup_local_retractions_without_primary_key) {
  lj t = lj_new(JOIN_INNER, key_k, key_id, NULL, 0, NULL, 1024);
  sl_error e = {0};
  add_r(t.r, RK_INSERT, 2, "two", 20);
  add_r(t.r, RK_INSERT, 2, "two", 20);
  add_r(t.r, RK_INSERT, 2, "deux", 21);
  add_r(t.r, RK_DELETE, 2, "two", 20);      /* one of the equal rows */
  add_r(t.r, RK_UPDATE_BEFORE, 2, "x", 99); /* never kept: nothing */
  CHECK(th_flush(t.r, &e) == SL_OK);
  CHECK(t.op->state_rows == 2);
  add_l(t.l, RK_INSERT, 2, 1, "a");
  CHECK(th_flush(t.l, &e) == SL_OK);
  EVENTS(t.c, 0, "+I(2, 1, a, 2, two, 20); +I(2, 1, a, 2, deux, 21)");
  add_r(t.r, RK_DELETE, 2, "two", 20);
  add_r(t.r, RK_UPDATE_BEFORE, 2, "deux", 21);
  CHECK(th_flush(t.r, &e) == SL_OK);
  CHECK(t.op->state_rows == 0 && t.op->mem.bytes == 0);
  job_free(t.j);
}

TEST(lookup_local_primary_key_replaces_the_row) {
  /* joined on s = name, primary key id: a new row of id 1 moves it to another join key */
  static const int pk[] = {0};
  lj t = lj_new(JOIN_LEFT, key_s, key_name, pk, 1, NULL, 1024);
  sl_error e = {0};
  add_r(t.r, RK_INSERT, 1, "x", 10);
  add_r(t.r, RK_INSERT, 2, "x", 20);
  CHECK(th_flush(t.r, &e) == SL_OK);
  add_l(t.l, RK_INSERT, 0, 1, "x");
  CHECK(th_flush(t.l, &e) == SL_OK);
  EVENTS(t.c, 0, "+I(0, 1, x, 1, x, 10); +I(0, 1, x, 2, x, 20)");
  int n = t.c->n;
  add_r(t.r, RK_INSERT, 1, "y", 11); /* +I of an existing key replaces it (a monitored file) */
  add_r(t.r, RK_UPDATE_AFTER, 2, "x", 21);
  CHECK(th_flush(t.r, &e) == SL_OK);
  CHECK(t.op->state_rows == 2);
  add_l(t.l, RK_INSERT, 0, 2, "x");
  add_l(t.l, RK_INSERT, 0, 3, "y");
  CHECK(th_flush(t.l, &e) == SL_OK);
  EVENTS(t.c, n, "+I(0, 2, x, 2, x, 21); +I(0, 3, y, 1, y, 11)");
  n = t.c->n;
  add_r(t.r, RK_DELETE, 1, "whatever", 0); /* by primary key */
  add_r(t.r, RK_INSERT, 2, NULL, 22);      /* a NULL join key: the old row goes, nothing joins */
  CHECK(th_flush(t.r, &e) == SL_OK);
  CHECK(t.op->state_rows == 0 && t.op->mem.bytes == 0);
  add_l(t.l, RK_INSERT, 0, 4, "y");
  add_l(t.l, RK_INSERT, 0, 5, "x");
  CHECK(th_flush(t.l, &e) == SL_OK);
  EVENTS(t.c, n, "+I(0, 4, y, NULL, NULL, NULL); +I(0, 5, x, NULL, NULL, NULL)");
  job_free(t.j);
}

TEST(lookup_local_condition_and_small_batches) {
  /* ON k = id AND w > v */
  sl_arena a;
  arena_init(&a, 1024);
  sl_expr *w = expr_new(&a, E_COL, r_types[2], 0), *v = expr_new(&a, E_COL, l_types[1], 0);
  w->col = 5;
  v->col = 1;
  sl_expr *gt = expr_new(&a, E_CMP, type_make(T_BOOLEAN), 0);
  gt->ival = EOP_GT;
  gt->args = arena_alloc(&a, 2 * sizeof(sl_expr *));
  gt->args[0] = w, gt->args[1] = v, gt->nargs = 2;
  lj t = lj_new(JOIN_LEFT, key_k, key_id, NULL, 0, gt, 1);
  sl_error e = {0};
  for (int i = 0; i < 5; i++) add_r(t.r, RK_INSERT, 1, "r", i * 10);
  CHECK(th_flush(t.r, &e) == SL_OK);
  add_l(t.l, RK_INSERT, 1, 25, "a");
  add_l(t.l, RK_INSERT, 1, 40, "b");
  CHECK(th_flush(t.l, &e) == SL_OK);
  EVENTS(t.c, 0, "+I(1, 25, a, 1, r, 30); +I(1, 25, a, 1, r, 40); +I(1, 40, b, NULL, NULL, NULL)");
  sl_buf d = {0};
  t.op->vt->describe(t.op, &d);
  CHECK_STR(buf_cstr(&d), "LEFT lookup ON k = id AND (w > v) (table rows kept by key)");
  buf_free(&d);
  CHECK_STR(t.op->vt->keeps, "the dimension table's rows by key");
  job_free(t.j);
  arena_free(&a);
}

TEST(lookup_only_the_probe_side_moves_time_and_ends_the_join) {
  lj t = lj_new(JOIN_INNER, key_k, key_id, NULL, 0, NULL, 1024);
  sl_error e = {0};
  add_r(t.r, RK_INSERT, 1, "one", 10);
  CHECK(th_wm(t.r, 1000, &e) == SL_OK);
  CHECK(th_wm(t.l, 5, &e) == SL_OK);
  add_l(t.l, RK_INSERT, 1, 7, "a");
  CHECK(th_wm(t.l, 9, &e) == SL_OK);
  CHECK(th_wm(t.r, 2000, &e) == SL_OK);
  EVENTS(t.c, 0, "WM(5); +I(1, 7, a, 1, one, 10); WM(9)");
  CHECK(t.op->mem.bytes > 0);
  /* the probe side ends first: the join ends; the table (a monitored file) goes on */
  CHECK(th_end(t.l, &e) == SL_OK);
  EVENTS(t.c, 0, "WM(5); +I(1, 7, a, 1, one, 10); WM(9); WM(inf); END");
  CHECK(t.op->mem.bytes == 0 && t.op->state_rows == 0);
  add_r(t.r, RK_INSERT, 2, "two", 20);
  CHECK(th_flush(t.r, &e) == SL_OK); /* accepted and ignored */
  CHECK(th_wm(t.r, 3000, &e) == SL_OK);
  CHECK(th_end(t.r, &e) == SL_OK);
  CHECK(t.c->n == 5 && t.op->mem.bytes == 0);
  job_free(t.j);

  /* a bounded table ends first: its +infinity watermark is not the join's */
  t = lj_new(JOIN_INNER, key_k, key_id, NULL, 0, NULL, 1024);
  add_r(t.r, RK_INSERT, 1, "one", 10);
  CHECK(th_end(t.r, &e) == SL_OK);
  CHECK(t.c->n == 0);
  add_l(t.l, RK_INSERT, 1, 7, "a");
  CHECK(th_wm(t.l, 3, &e) == SL_OK);
  CHECK(th_end(t.l, &e) == SL_OK);
  EVENTS(t.c, 0, "+I(1, 7, a, 1, one, 10); WM(3); WM(inf); END");
  job_free(t.j);
}

TEST(lookup_local_snapshot_restore) {
  static const int pk[] = {0};
  lj t = lj_new(JOIN_LEFT, key_s, key_name, pk, 1, NULL, 1024);
  sl_error e = {0};
  add_r(t.r, RK_INSERT, 1, "x", 10);
  add_r(t.r, RK_INSERT, 2, "x", 20);
  add_r(t.r, RK_INSERT, 3, "y", 30);
  add_r(t.r, RK_INSERT, 2, "z", 21);
  CHECK(th_flush(t.r, &e) == SL_OK);
  CHECK(th_wm(t.l, 77, &e) == SL_OK);
  sl_buf snap = {0};
  CHECK(t.op->vt->snapshot(t.op, &snap, &e) == SL_OK);
  lj u = lj_new(JOIN_LEFT, key_s, key_name, pk, 1, NULL, 1024);
  CHECK(u.op->vt->restore(u.op, snap.data, snap.len, &e) == SL_OK);
  CHECK(u.op->state_rows == 3 && u.op->wm == 77);
  for (int i = 0; i < 2; i++) {
    lj *x = i ? &u : &t;
    int n = x->c->n;
    add_r(x->r, RK_UPDATE_AFTER, 1, "y", 11); /* the primary key still replaces */
    CHECK(th_flush(x->r, &e) == SL_OK);
    add_l(x->l, RK_INSERT, 0, 1, "x");
    add_l(x->l, RK_INSERT, 0, 2, "y");
    add_l(x->l, RK_INSERT, 0, 3, "z");
    CHECK(th_flush(x->l, &e) == SL_OK);
    EVENTS(x->c, n,
           "+I(0, 1, x, NULL, NULL, NULL); +I(0, 2, y, 3, y, 30); +I(0, 2, y, 1, y, 11); "
           "+I(0, 3, z, 2, z, 21)");
  }
  CHECK(u.op->vt->restore(u.op, snap.data, snap.len - 1, &e) != SL_OK); /* truncated */
  buf_free(&snap);
  job_free(t.j);
  job_free(u.j);
}

/* ---- a fake remote table: rows (id, name, w) in an array, lookups counted ---- */

typedef struct fake_table {
  sl_lookup base;
  int64_t ids[8];
  const char *names[8];
  int n;
  int *calls; /* outlives the table (the join frees it) */
} fake_table;

static const int fake_keys[] = {0};

static sl_status fake_lookup(sl_lookup *l, const sl_value *keys, lookup_row_fn fn, void *arg,
                             sl_error *e) {
  fake_table *f = (fake_table *)l;
  (*f->calls)++;
  for (int i = 0; i < f->n; i++) {
    if (keys[0].null || f->ids[i] != keys[0].u.i) continue;
    char tmp[32]; /* strings valid only during the call */
    snprintf(tmp, sizeof tmp, "%s", f->names[i]);
    sl_value row[3] = {value_int(f->ids[i]), value_str(tmp, strlen(tmp)), value_int(i)};
    sl_status st = fn(arg, row, e);
    memset(tmp, 'Z', sizeof tmp);
    if (st) return st;
  }
  return SL_OK;
}
static void fake_free(sl_lookup *l) { free(l); }
static const lookup_vt fake_vt = {.kind = "fake", .lookup = fake_lookup, .free = fake_free};

static sl_lookup *fake_new(int *calls) {
  fake_table *f = calloc(1, sizeof *f);
  f->base = (sl_lookup){&fake_vt, 3, r_types, fake_keys, 1};
  static const int64_t ids[] = {1, 2, 2, 3, 4};
  static const char *const names[] = {"one", "two", "deux", "three", "four"};
  f->n = 5;
  for (int i = 0; i < 5; i++) f->ids[i] = ids[i], f->names[i] = names[i];
  f->calls = calls;
  *calls = 0;
  return &f->base;
}

typedef struct rj {
  sl_job *j;
  th_src *l;
  sl_op *op;
  th_cap *c;
} rj;

static rj rj_new(int type, const lookup_cache_opts *o, int *calls, int batch_rows) {
  rj t;
  sl_error e = {0};
  t.j = job_new();
  t.j->batch_rows = batch_rows;
  t.l = th_src_new(t.j, 3, l_names, l_types);
  join_spec s = spec(type, key_k, key_id, NULL);
  t.op =
      op_lookup_join_new(t.j, &s, fake_new(calls), o, NULL, 0, (op_cols){6, o_names, o_types}, &e);
  CHECK(t.op != NULL);
  t.c = th_wire(t.j, t.l, t.op);
  return t;
}

static void probe(rj *t, const int64_t *keys, int n) {
  sl_error e = {0};
  for (int i = 0; i < n; i++) add_l(t->l, RK_INSERT, keys[i], i, "p");
  CHECK(th_flush(t->l, &e) == SL_OK);
}

TEST(lookup_remote_without_cache) {
  for (int br = 1; br <= 1024; br += 1023) {
    int calls;
    rj t = rj_new(JOIN_LEFT, NULL, &calls, br);
    static const int64_t keys[] = {2, 9, -1, 2};
    probe(&t, keys, 4);
    CHECK(calls == 3); /* each non-NULL key, every time */
    EVENTS(t.c, 0,
           "+I(2, 0, p, 2, two, 1); +I(2, 0, p, 2, deux, 2); +I(9, 1, p, NULL, NULL, NULL); "
           "+I(NULL, 2, p, NULL, NULL, NULL); +I(2, 3, p, 2, two, 1); +I(2, 3, p, 2, deux, 2)");
    CHECK(t.op->mem.bytes == 0 && t.op->vt->keeps == NULL);
    sl_buf d = {0};
    t.op->vt->describe(t.op, &d);
    CHECK_STR(buf_cstr(&d), "LEFT lookup ON k = id (remote fake, no cache)");
    buf_free(&d);
    job_free(t.j);
  }
}

TEST(lookup_remote_cache_hits_misses_and_eviction) {
  int calls;
  lookup_cache_opts o = {2, 0, 0, true};
  rj t = rj_new(JOIN_INNER, &o, &calls, 1024);
  static const int64_t k1[] = {1, 2, 1, 2, 2};
  probe(&t, k1, 5);
  CHECK(calls == 2);
  EVENTS(t.c, 0,
         "+I(1, 0, p, 1, one, 0); +I(2, 1, p, 2, two, 1); +I(2, 1, p, 2, deux, 2); "
         "+I(1, 2, p, 1, one, 0); +I(2, 3, p, 2, two, 1); +I(2, 3, p, 2, deux, 2); "
         "+I(2, 4, p, 2, two, 1); +I(2, 4, p, 2, deux, 2)");
  CHECK(t.op->state_rows == 3 && t.op->mem.bytes > 0);
  /* LRU is 1, MRU is 2: key 3 evicts 1; then 2 hits, 1 misses again (evicting 3) */
  static const int64_t k2[] = {3, 2, 1, 2};
  int n = t.c->n;
  probe(&t, k2, 4);
  CHECK(calls == 4);
  EVENTS(t.c, n,
         "+I(3, 0, p, 3, three, 3); +I(2, 1, p, 2, two, 1); +I(2, 1, p, 2, deux, 2); "
         "+I(1, 2, p, 1, one, 0); +I(2, 3, p, 2, two, 1); +I(2, 3, p, 2, deux, 2)");
  CHECK(t.op->state_rows == 3);
  lookup_cache_opts o2 = {10000, 600000, 0, true};
  int calls2;
  rj u = rj_new(JOIN_LEFT, &o2, &calls2, 1024);
  sl_buf d = {0};
  u.op->vt->describe(u.op, &d);
  CHECK_STR(buf_cstr(&d),
            "LEFT lookup ON k = id (remote fake, cache 10000 rows, expire after write 10 min)");
  buf_free(&d);
  CHECK_STR(u.op->vt->keeps, "the dimension table's rows by key");
  sl_error e = {0};
  CHECK(th_end(t.l, &e) == SL_OK);
  CHECK(t.op->mem.bytes == 0 && t.op->state_rows == 0); /* the cache goes at the end */
  job_free(t.j);
  job_free(u.j);
}

TEST(lookup_remote_cache_missing_keys) {
  for (int cm = 0; cm < 2; cm++) {
    int calls;
    lookup_cache_opts o = {100, 0, 0, cm == 1};
    rj t = rj_new(JOIN_LEFT, &o, &calls, 7);
    static const int64_t keys[] = {9, 9, 9, 1, 1};
    probe(&t, keys, 5);
    CHECK(calls == (cm ? 2 : 4));
    char *got = th_cap_join(t.c, 0);
    CHECK(strstr(got, "+I(9, 2, p, NULL, NULL, NULL); +I(1, 3, p, 1, one, 0)") != NULL);
    free(got);
    job_free(t.j);
  }
}

static void sleep_ms(int ms) {
  struct timespec ts = {0, (long)ms * 1000000L};
  nanosleep(&ts, NULL);
}

TEST(lookup_remote_cache_expiry_real_clock) {
  int calls;
  lookup_cache_opts o = {100, 40, 0, true};
  rj t = rj_new(JOIN_INNER, &o, &calls, 1024);
  static const int64_t k1[] = {1};
  probe(&t, k1, 1);
  probe(&t, k1, 1);
  CHECK(calls == 1);
  sleep_ms(60);
  probe(&t, k1, 1); /* loaded 60 ms ago: expired after write */
  CHECK(calls == 2 && t.c->n == 3);
  job_free(t.j);
}

/* The cache on its own, with a fake clock. */
TEST(lookup_cache_lru_and_expiry) {
  state_alloc mem;
  state_alloc_init(&mem, "test", 0);
  lookup_cache_opts o = {2, 100, 30, true};
  lookup_cache c;
  lookup_cache_init(&c, &mem, &o, r_types, 3);
  sl_value row[3] = {value_int(1), value_str("abc", 3), value_int(5)};
  uint64_t ha = state_hash("a", 1), hb = state_hash("b", 1), hc = state_hash("c", 1);
  CHECK(lookup_cache_get(&c, "a", 1, ha, 0) == NULL);
  lc_entry *v = lookup_cache_put(&c, "a", 1, ha, 0);
  CHECK(v && lookup_cache_add_row(&c, v, row));
  CHECK(lookup_cache_loaded(&c, v) == v && c.rows == 1);
  CHECK(lookup_cache_get(&c, "a", 1, ha, 20) == v);    /* used at 20 */
  CHECK(lookup_cache_get(&c, "a", 1, ha, 49) == v);    /* 29 ms after the last use */
  CHECK(lookup_cache_get(&c, "a", 1, ha, 79) == NULL); /* 30 ms unused: expired after access */
  CHECK(c.expired == 1 && c.rows == 0);
  v = lookup_cache_put(&c, "a", 1, ha, 100);
  lookup_cache_add_row(&c, v, row);
  for (int t = 110; t < 200; t += 20) CHECK(lookup_cache_get(&c, "a", 1, ha, t) == v);
  CHECK(lookup_cache_get(&c, "a", 1, ha, 200) == NULL); /* 100 ms after the load */
  /* LRU: a, b; a used; c evicts b */
  lookup_cache_loaded(&c, lookup_cache_put(&c, "a", 1, ha, 300));
  lookup_cache_loaded(&c, lookup_cache_put(&c, "b", 1, hb, 301));
  CHECK(lookup_cache_get(&c, "a", 1, ha, 302) != NULL);
  lookup_cache_loaded(&c, lookup_cache_put(&c, "c", 1, hc, 303));
  CHECK(c.evicted == 1 && c.map.n == 2);
  CHECK(lookup_cache_get(&c, "b", 1, hb, 304) == NULL);
  CHECK(lookup_cache_get(&c, "a", 1, ha, 305) != NULL);
  CHECK(lookup_cache_get(&c, "c", 1, hc, 306) != NULL);
  lookup_cache_settle(&c);
  CHECK(mem.bytes > 0);
  lookup_cache_free(&c);
  CHECK(mem.bytes == 0);
}
