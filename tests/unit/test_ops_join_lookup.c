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

/* ---- temporal join: orders (t, amount, currency) AS OF t against rates (t, currency, rate) --- */

#define TS                                                                                         \
  { T_TIMESTAMP, 3, 0, 0, 0 }
static const char *const to_names[] = {"t", "amount", "currency"};
static const sl_type to_types[] = {TS, BIG, STR};
static const char *const tr_names[] = {"rt", "rcur", "rate"};
static const sl_type tr_types[] = {TS, STR, BIG};
static const char *const tj_names[] = {"t", "amount", "currency", "rt", "rcur", "rate"};
static const sl_type tj_types[] = {TS, BIG, STR, TS, STR, BIG};
static const int key_cur[] = {2}, key_rcur[] = {1};

#define HM(h, m) ((int64_t)((h)*60 + (m)) * 60000)

static void add_o(th_src *s, int kind, int64_t t, int64_t amount, const char *cur) {
  sl_value r[3] = {t == INT64_MIN ? value_null() : value_int(t), value_int(amount),
                   cur ? value_str(cur, strlen(cur)) : value_null()};
  th_add(s, kind, 1, r);
}
static void add_rate(th_src *s, int kind, int64_t t, const char *cur, int64_t rate) {
  sl_value r[3] = {value_int(t), value_str(cur, strlen(cur)), value_int(rate)};
  th_add(s, kind, 1, r);
}

static lj tj_new(int type, int batch_rows) {
  lj t;
  sl_error e = {0};
  t.j = job_new();
  t.j->batch_rows = batch_rows;
  int src = job_add_source(t.j, "orders", ON_ERROR_SKIP, NULL);
  t.j->sources[src].late = LATE_DROP;
  t.l = th_src_new(t.j, 3, to_names, to_types);
  t.r = th_src_new(t.j, 3, tr_names, tr_types);
  join_spec s = {0};
  s.type = type;
  s.lkeys = key_cur;
  s.rkeys = key_rcur;
  s.nkeys = 1;
  s.left = (op_cols){3, to_names, to_types};
  s.right = (op_cols){3, tr_names, tr_types};
  t.op = op_temporal_join_new(t.j, &s, 0, 0, (op_cols){6, tj_names, tj_types}, &e);
  CHECK(t.op != NULL);
  t.c = th_wire(t.j, t.l, t.op);
  op_connect(&t.r->base, t.op);
  return t;
}

/* Flink's RatesHistory example (Temporal Tables docs): each order joins the rate valid at its
 * time; SUM(amount * rate) = 1238. A Pounds order before the first Pounds rate has none. */
TEST(temporal_join_flink_rates_history) {
  static const int sizes[] = {1, 7, 1024};
  for (int si = 0; si < 3; si++)
    for (int type = JOIN_INNER; type <= JOIN_LEFT; type++) {
      lj t = tj_new(type, sizes[si]);
      sl_error e = {0};
      add_rate(t.r, RK_INSERT, HM(9, 0), "US Dollar", 102);
      add_rate(t.r, RK_INSERT, HM(9, 0), "Euro", 114);
      add_rate(t.r, RK_INSERT, HM(9, 0), "Yen", 1);
      add_rate(t.r, RK_UPDATE_BEFORE, HM(10, 45), "Euro", 114);
      add_rate(t.r, RK_UPDATE_AFTER, HM(10, 45), "Euro", 116);
      CHECK(th_wm(t.r, HM(10, 45), &e) == SL_OK);
      add_o(t.l, RK_INSERT, HM(10, 15), 2, "Euro");
      add_o(t.l, RK_INSERT, HM(10, 30), 1, "US Dollar");
      add_o(t.l, RK_INSERT, HM(10, 32), 50, "Yen");
      add_o(t.l, RK_INSERT, HM(10, 52), 3, "Euro");
      add_o(t.l, RK_INSERT, HM(11, 4), 5, "US Dollar");
      add_o(t.l, RK_INSERT, HM(11, 0), 7, "Pounds");
      CHECK(th_wm(t.l, HM(11, 4), &e) == SL_OK);
      /* the rates' watermark holds the join back: only what it reached */
      EVENTS(t.c, 0,
             "+I(1970-01-01 10:15:00.000, 2, Euro, 1970-01-01 09:00:00.000, Euro, 114); "
             "+I(1970-01-01 10:30:00.000, 1, US Dollar, 1970-01-01 09:00:00.000, US Dollar, 102); "
             "+I(1970-01-01 10:32:00.000, 50, Yen, 1970-01-01 09:00:00.000, Yen, 1); WM(38700000)");
      int n = t.c->n;
      add_rate(t.r, RK_UPDATE_BEFORE, HM(11, 15), "Euro", 116);
      add_rate(t.r, RK_UPDATE_AFTER, HM(11, 15), "Euro", 119);
      add_rate(t.r, RK_INSERT, HM(11, 49), "Pounds", 108);
      CHECK(th_end(t.r, &e) == SL_OK);
      EVENTS(t.c, n,
             type == JOIN_LEFT
                 ? "+I(1970-01-01 10:52:00.000, 3, Euro, 1970-01-01 10:45:00.000, Euro, 116); "
                   "+I(1970-01-01 11:00:00.000, 7, Pounds, NULL, NULL, NULL); "
                   "+I(1970-01-01 11:04:00.000, 5, US Dollar, 1970-01-01 09:00:00.000, US Dollar, "
                   "102); "
                   "WM(39840000)"
                 : "+I(1970-01-01 10:52:00.000, 3, Euro, 1970-01-01 10:45:00.000, Euro, 116); "
                   "+I(1970-01-01 11:04:00.000, 5, US Dollar, 1970-01-01 09:00:00.000, US Dollar, "
                   "102); "
                   "WM(39840000)");
      CHECK(th_end(t.l, &e) == SL_OK);
      CHECK(t.op->mem.bytes == 0 && t.op->state_rows == 0);
      job_free(t.j);
    }
}

TEST(temporal_join_deletes_late_rows_and_late_versions) {
  lj t = tj_new(JOIN_LEFT, 1024);
  sl_error e = {0};
  add_rate(t.r, RK_INSERT, 5, "A", 1);
  add_rate(t.r, RK_DELETE, 10, "A", 1);
  add_rate(t.r, RK_INSERT, 20, "A", 2);
  add_rate(t.r, RK_UPDATE_BEFORE, 30, "A", 2); /* ignored: its +U follows */
  CHECK(th_wm(t.r, 1000, &e) == SL_OK);
  add_o(t.l, RK_INSERT, 7, 1, "A");
  add_o(t.l, RK_INSERT, 10, 2, "A"); /* deleted at its time */
  add_o(t.l, RK_INSERT, 15, 3, "A");
  add_o(t.l, RK_INSERT, 30, 4, "A");
  add_o(t.l, RK_INSERT, INT64_MIN, 5, "A"); /* no time: padded at once */
  add_o(t.l, RK_INSERT, 40, 6, NULL);       /* no key */
  CHECK(th_wm(t.l, 100, &e) == SL_OK);
  EVENTS(t.c, 0,
         "+I(NULL, 5, A, NULL, NULL, NULL); "
         "+I(1970-01-01 00:00:00.007, 1, A, 1970-01-01 00:00:00.005, A, 1); "
         "+I(1970-01-01 00:00:00.010, 2, A, NULL, NULL, NULL); "
         "+I(1970-01-01 00:00:00.015, 3, A, NULL, NULL, NULL); "
         "+I(1970-01-01 00:00:00.030, 4, A, 1970-01-01 00:00:00.020, A, 2); "
         "+I(1970-01-01 00:00:00.040, 6, NULL, NULL, NULL, NULL); WM(100)");
  CHECK(t.op->state_rows == 1); /* only the version of 20 is still valid */
  int n = t.c->n;
  add_o(t.l, RK_INSERT, 99, 7, "A");    /* behind the watermark: late */
  add_rate(t.r, RK_INSERT, 60, "A", 3); /* behind it too, but applied */
  add_o(t.l, RK_INSERT, 100, 8, "A");
  CHECK(th_flush(t.r, &e) == SL_OK);
  CHECK(th_wm(t.l, 200, &e) == SL_OK);
  EVENTS(t.c, n, "+I(1970-01-01 00:00:00.100, 8, A, 1970-01-01 00:00:00.060, A, 3); WM(200)");
  CHECK(t.j->sources[0].late_rows == 1 && t.j->sources[0].late_dropped == 1);
  CHECK(t.op->state_rows == 1 && t.op->mem.bytes > 0);
  sl_buf d = {0};
  t.op->vt->describe(t.op, &d);
  CHECK_STR(buf_cstr(&d), "LEFT temporal join ON currency = rcur (versions by rt as of t)");
  buf_free(&d);
  CHECK(th_end(t.l, &e) == SL_OK && th_end(t.r, &e) == SL_OK);
  CHECK(t.op->mem.bytes == 0 && t.op->state_rows == 0 && t.c->ends == 1);
  job_free(t.j);
}

TEST(temporal_join_frees_versions_as_the_watermark_passes) {
  lj t = tj_new(JOIN_INNER, 1024);
  sl_error e = {0};
  for (int k = 0; k < 50; k++) {
    char cur[16];
    snprintf(cur, sizeof cur, "c%d", k);
    for (int v = 0; v < 20; v++) add_rate(t.r, RK_INSERT, v * 10, cur, v);
    CHECK(th_flush(t.r, &e) == SL_OK); /* cur is reused */
  }
  CHECK(th_flush(t.r, &e) == SL_OK);
  CHECK(t.op->state_rows == 1000);
  size_t full = t.op->mem.bytes;
  CHECK(th_wm(t.r, 95, &e) == SL_OK && th_wm(t.l, 95, &e) == SL_OK);
  CHECK(t.op->state_rows == 50 * 11); /* per key: the version of 90 and the 10 after it */
  CHECK(th_wm(t.l, 1000, &e) == SL_OK && th_wm(t.r, 1000, &e) == SL_OK);
  CHECK(t.op->state_rows == 50 && t.op->mem.bytes < full);
  add_rate(t.r, RK_DELETE, 2000, "c0", 0);
  CHECK(th_wm(t.r, 3000, &e) == SL_OK && th_wm(t.l, 3000, &e) == SL_OK);
  CHECK(t.op->state_rows == 50); /* c0's deletion stays: an older version may still come */
  CHECK(th_end(t.l, &e) == SL_OK && th_end(t.r, &e) == SL_OK);
  CHECK(t.op->mem.bytes == 0 && t.op->state_rows == 0);
  job_free(t.j);
}

/* ---- random changelogs against an oracle that keeps every version and scans ---- */

typedef struct o_ver {
  int64_t t;
  int key;
  int64_t rate;
  bool del;
} o_ver;
typedef struct o_left {
  int64_t t;
  int key; /* -1: NULL */
  int64_t amount;
  bool fired;
} o_left;

static const char *const curs[] = {"a", "b", "c", "d"};

static void oracle_fire(int type, o_left *ls, int nl, const o_ver *vs, int nv, int64_t wm,
                        char ***ev, int *nev) {
  for (;;) { /* the buffered row with the smallest (t, arrival) reached by wm */
    int best = -1;
    for (int i = 0; i < nl; i++)
      if (!ls[i].fired && ls[i].t <= wm && (best < 0 || ls[i].t < ls[best].t)) best = i;
    if (best < 0) break;
    o_left *l = &ls[best];
    l->fired = true;
    int found = -1;
    for (int i = 0; i < nv && l->key >= 0; i++)
      if (vs[i].key == l->key && vs[i].t <= l->t && (found < 0 || vs[i].t >= vs[found].t))
        found = i;
    if (found >= 0 && vs[found].del) found = -1;
    if (found < 0 && type == JOIN_INNER) continue;
    sl_value row[6] = {value_int(l->t), value_int(l->amount),
                       l->key < 0 ? value_null() : value_str(curs[l->key], 1)};
    for (int c = 3; c < 6; c++) row[c] = value_null();
    if (found >= 0)
      row[3] = value_int(vs[found].t), row[4] = value_str(curs[l->key], 1),
      row[5] = value_int(vs[found].rate);
    char *txt = th_row_text(row, tj_types, 6);
    size_t n = strlen(txt) + 4;
    char *s = malloc(n);
    snprintf(s, n, "+I%s", txt);
    free(txt);
    (*ev)[(*nev)++] = s;
  }
}

static void random_temporal(unsigned seed, int type, int batch_rows) {
  srand(seed);
  lj t = tj_new(type, batch_rows);
  sl_error e = {0};
  int total = 600, nl = 0, nv = 0, nev = 0;
  o_left *ls = calloc((size_t)total, sizeof *ls);
  o_ver *vs = calloc((size_t)total, sizeof *vs);
  char **ev = calloc((size_t)total * 2 + 8, sizeof(char *));
  int64_t w[2] = {INT64_MIN, INT64_MIN}, fw = INT64_MIN, clock[2] = {0, 0};
  for (int i = 0; i < total; i++) {
    int side = rand() % 2, what = rand() % 10;
    if (what == 0) { /* a watermark a little behind that side's clock */
      int64_t ts = clock[side] - rand() % 20;
      CHECK(th_flush(t.l, &e) == SL_OK && th_flush(t.r, &e) == SL_OK); /* rows, then the wm */
      CHECK((side ? th_wm(t.r, ts, &e) : th_wm(t.l, ts, &e)) == SL_OK);
      if (ts > w[side]) w[side] = ts;
      int64_t m = w[0] < w[1] ? w[0] : w[1];
      if (m > fw && m != INT64_MIN) {
        oracle_fire(type, ls, nl, vs, nv, m, &ev, &nev);
        char buf[64];
        snprintf(buf, sizeof buf, "WM(%lld)", (long long)m);
        ev[nev++] = strdup(buf);
        fw = m;
      }
      continue;
    }
    clock[side] += rand() % 7;
    int64_t ts = clock[side] - rand() % 30; /* out of order */
    int key = rand() % 4;
    if (side == 0) {
      if (rand() % 10 == 0) key = -1;
      int64_t amount = i;
      add_o(t.l, RK_INSERT, ts, amount, key < 0 ? NULL : curs[key]);
      if (fw != INT64_MIN && ts < fw) continue; /* late: dropped */
      ls[nl++] = (o_left){ts, key, amount, false};
    } else {
      int kind = rand() % 6;
      int64_t rate = rand() % 100;
      if (kind == 0) {
        add_rate(t.r, RK_DELETE, ts, curs[key], rate);
        vs[nv++] = (o_ver){ts, key, rate, true};
      } else if (kind == 1) {
        add_rate(t.r, RK_UPDATE_BEFORE, ts, curs[key], rate); /* ignored */
      } else {
        add_rate(t.r, kind == 2 ? RK_UPDATE_AFTER : RK_INSERT, ts, curs[key], rate);
        vs[nv++] = (o_ver){ts, key, rate, false};
      }
    }
    if (rand() % 4 == 0) CHECK((side ? th_flush(t.r, &e) : th_flush(t.l, &e)) == SL_OK);
  }
  CHECK(th_flush(t.r, &e) == SL_OK);
  CHECK(th_end(t.l, &e) == SL_OK);
  if (w[1] > fw) { /* the left side ended: the rates' watermark alone */
    oracle_fire(type, ls, nl, vs, nv, w[1], &ev, &nev);
    char buf[64];
    snprintf(buf, sizeof buf, "WM(%lld)", (long long)w[1]);
    ev[nev++] = strdup(buf);
  }
  CHECK(th_end(t.r, &e) == SL_OK);
  oracle_fire(type, ls, nl, vs, nv, INT64_MAX, &ev, &nev);
  ev[nev++] = strdup("WM(inf)");
  ev[nev++] = strdup("END");
  sl_buf want = {0};
  for (int i = 0; i < nev; i++) {
    if (i) buf_puts(&want, "; ");
    buf_puts(&want, ev[i]);
    free(ev[i]);
  }
  char *got = th_cap_join(t.c, 0);
  if (strcmp(got, buf_cstr(&want)) != 0) {
    fprintf(stderr, "random temporal join failed (seed %u, type %d, batch %d)\n", seed, type,
            batch_rows);
    FILE *f = fopen("/tmp/tj_got.txt", "w");
    if (f) fprintf(f, "%s\n", got), fclose(f);
    f = fopen("/tmp/tj_want.txt", "w");
    if (f) fprintf(f, "%s\n", buf_cstr(&want)), fclose(f);
    unit_failures++;
  }
  CHECK(t.op->mem.bytes == 0 && t.op->state_rows == 0);
  free(got);
  buf_free(&want);
  free(ev);
  free(ls);
  free(vs);
  job_free(t.j);
}

TEST(temporal_join_random_against_oracle) {
  unsigned seed = 20240607;
  fprintf(stderr, "temporal join random seed %u\n", seed);
  static const int sizes[] = {1, 7, 1024};
  for (int r = 0; r < 8; r++)
    for (int si = 0; si < 3; si++)
      random_temporal(seed + (unsigned)r, r % 2 ? JOIN_LEFT : JOIN_INNER, sizes[si]);
}

TEST(temporal_join_snapshot_restore) {
  lj t = tj_new(JOIN_LEFT, 7);
  sl_error e = {0};
  add_rate(t.r, RK_INSERT, 5, "A", 1);
  add_rate(t.r, RK_INSERT, 15, "A", 2);
  add_rate(t.r, RK_DELETE, 25, "B", 0);
  add_rate(t.r, RK_INSERT, 8, "B", 3);
  CHECK(th_wm(t.r, 30, &e) == SL_OK);
  add_o(t.l, RK_INSERT, 12, 1, "A");
  add_o(t.l, RK_INSERT, 10, 2, "B");
  CHECK(th_wm(t.l, 6, &e) == SL_OK);
  add_o(t.l, RK_INSERT, 26, 3, "B");
  add_o(t.l, RK_INSERT, 20, 4, "A");
  CHECK(th_flush(t.l, &e) == SL_OK);
  sl_buf snap = {0};
  CHECK(t.op->vt->snapshot(t.op, &snap, &e) == SL_OK);
  lj u = tj_new(JOIN_LEFT, 7);
  CHECK(u.op->vt->restore(u.op, snap.data, snap.len, &e) == SL_OK);
  CHECK(u.op->state_rows == t.op->state_rows && u.op->wm == 6);
  int n0 = t.c->n;
  for (int i = 0; i < 2; i++) {
    lj *x = i ? &u : &t;
    int from = i ? 0 : n0;
    add_rate(x->r, RK_INSERT, 22, "A", 9);
    CHECK(th_flush(x->r, &e) == SL_OK);
    add_o(x->l, RK_INSERT, 3, 5, "A"); /* behind the watermark 6 */
    CHECK(th_end(x->l, &e) == SL_OK && th_end(x->r, &e) == SL_OK);
    EVENTS(x->c, from,
           "+I(1970-01-01 00:00:00.010, 2, B, 1970-01-01 00:00:00.008, B, 3); "
           "+I(1970-01-01 00:00:00.012, 1, A, 1970-01-01 00:00:00.005, A, 1); "
           "+I(1970-01-01 00:00:00.020, 4, A, 1970-01-01 00:00:00.015, A, 2); "
           "+I(1970-01-01 00:00:00.026, 3, B, NULL, NULL, NULL); WM(30); WM(inf); END");
    CHECK(x->j->sources[0].late_rows == 1);
    CHECK(x->op->mem.bytes == 0 && x->op->state_rows == 0);
  }
  lj v = tj_new(JOIN_LEFT, 7);
  CHECK(v.op->vt->restore(v.op, snap.data, snap.len - 3, &e) != SL_OK);
  buf_free(&snap);
  job_free(t.j);
  job_free(u.j);
  job_free(v.j);
}
