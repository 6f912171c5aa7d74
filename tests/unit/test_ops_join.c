/* test_ops_join.c - ops/ regular join (join.c) on hand-built jobs (ops_harness.h): two feeders
 * into ports 0 (left) and 1 (right); changelogs checked row by row for every join type, and for
 * random inputs with retractions on both sides (seed printed) materialised and compared with a
 * nested-loop join of the final multisets; TTL, batch mode, snapshot and restore. */
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

static void check_table(th_cap *c, const char *want, int line) {
  char *got = th_cap_table(c);
  if (!got || strcmp(got, want) != 0) {
    fprintf(stderr, "line %d:\n got table: %s\nwant table: %s\n", line,
            got ? got : "(a retraction matched no row)", want);
    unit_failures++;
  }
  free(got);
}
#define TABLE(c, want) check_table(c, want, __LINE__)

/* Events [from, n) as a sorted set (rows of different keys come in the map's order). */
static void check_set(th_cap *c, int from, const char *want, int line) {
  char *got = th_join_sorted(c->ev + from, c->n - from);
  if (strcmp(got, want) != 0) {
    fprintf(stderr, "line %d:\n got set: %s\nwant set: %s\n", line, got, want);
    unit_failures++;
  }
  free(got);
}
#define EVSET(c, from, want) check_set(c, from, want, __LINE__)

/* left (a BIGINT, s STRING), right (b BIGINT, t STRING), ON a = b [AND s < t] */
static const char *const l_names[] = {"a", "s"};
static const char *const r_names[] = {"b", "t"};
static const sl_type kv_types[] = {{T_BIGINT, 0, 0, 0, 0}, {T_STRING, 0, 0, 0, 0}};
static const char *const o_names[] = {"a", "s", "b", "t"};
static const sl_type o_types[] = {
    {T_BIGINT, 0, 0, 0, 0}, {T_STRING, 0, 0, 0, 0}, {T_BIGINT, 0, 0, 0, 0}, {T_STRING, 0, 0, 0, 0}};
static const int key0[] = {0};
#define NK INT64_MIN /* a NULL key */

typedef struct jt {
  sl_job *j;
  th_src *l, *r;
  sl_op *op;
  th_cap *c;
  sl_arena a;
} jt;

typedef struct jopts {
  int type;
  bool cond, batch, null_aware, updating;
  int64_t ttl_l, ttl_r;
  int batch_rows;
  size_t state_limit;
} jopts;

static jt *jt_new(jopts o) {
  jt *t = calloc(1, sizeof *t);
  t->j = job_new();
  if (o.batch_rows) t->j->batch_rows = o.batch_rows;
  t->j->state_limit = o.state_limit;
  arena_init(&t->a, 1024);
  sl_expr *cond = NULL;
  if (o.cond) { /* s < t */
    sl_expr *x = expr_new(&t->a, E_COL, kv_types[1], 0),
            *y = expr_new(&t->a, E_COL, kv_types[1], 0);
    x->col = 1;
    y->col = 3;
    cond = expr_new(&t->a, E_CMP, type_make(T_BOOLEAN), 0);
    cond->ival = EOP_LT;
    cond->args = arena_alloc(&t->a, 2 * sizeof(sl_expr *));
    cond->args[0] = x;
    cond->args[1] = y;
    cond->nargs = 2;
  }
  join_spec s = {.type = o.type,
                 .lkeys = key0,
                 .rkeys = key0,
                 .nkeys = 1,
                 .cond = cond,
                 .left = {2, l_names, kv_types},
                 .right = {2, r_names, kv_types},
                 .null_aware = o.null_aware,
                 .ttl_left_ms = o.ttl_l,
                 .ttl_right_ms = o.ttl_r};
  bool sa = o.type == JOIN_SEMI || o.type == JOIN_ANTI;
  sl_error e = {0};
  t->l = th_src_new(t->j, 2, l_names, kv_types);
  t->r = th_src_new(t->j, 2, r_names, kv_types);
  t->l->base.updating = t->r->base.updating = o.updating;
  t->op = op_join_new(t->j, &s, o.batch, (op_cols){sa ? 2 : 4, o_names, o_types}, &e);
  CHECK(t->op != NULL);
  t->c = th_wire(t->j, t->l, t->op);
  CHECK(op_connect(&t->r->base, t->op) == 1);
  return t;
}

static void jt_free(jt *t) {
  job_free(t->j);
  arena_free(&t->a);
  free(t);
}

static void add(th_src *s, int kind, int64_t k, const char *v) {
  sl_value row[2] = {k == NK ? value_null() : value_int(k), value_str(v, strlen(v))};
  th_add(s, kind, 1, row);
}

static void flush2(jt *t) {
  sl_error e = {0};
  CHECK(th_flush(t->l, &e) == SL_OK);
  CHECK(th_flush(t->r, &e) == SL_OK);
}

static char *describe(sl_op *op) {
  sl_buf d = {0};
  op->vt->describe(op, &d);
  char *s = strdup(buf_cstr(&d));
  buf_free(&d);
  return s;
}

TEST(join_inner_multiplicities_nulls_and_condition) {
  jt *t = jt_new((jopts){.type = JOIN_INNER, .cond = true});
  CHECK(!t->op->updating);
  CHECK_STR(t->op->vt->keeps, "every row of both inputs, by join key");
  add(t->l, RK_INSERT, 1, "a");
  add(t->l, RK_INSERT, 1, "a"); /* twice */
  add(t->l, RK_INSERT, 2, "m");
  add(t->l, RK_INSERT, NK, "a"); /* matches nothing, kept nowhere */
  flush2(t);
  EVENTS(t->c, 0, "");
  add(t->r, RK_INSERT, 1, "b");
  add(t->r, RK_INSERT, 1, "0"); /* cond "a" < "0" fails */
  add(t->r, RK_INSERT, 2, "z");
  add(t->r, RK_INSERT, NK, "z");
  add(t->r, RK_INSERT, 3, "z");
  flush2(t);
  EVENTS(t->c, 0, "+I(1, a, 1, b); +I(1, a, 1, b); +I(2, m, 2, z)");
  int n = t->c->n;
  add(t->l, RK_INSERT, 3, "c");
  add(t->l, RK_INSERT, 1, "A"); /* "A" < "0"? no; "A" < "b" yes */
  flush2(t);
  EVENTS(t->c, n, "+I(3, c, 3, z); +I(1, A, 1, b)");
  CHECK(t->op->state_rows == 9); /* 5 left and 4 right rows with a key */
  char *d = describe(t->op);
  CHECK_STR(d, "INNER JOIN ON a = b AND (s < t)");
  free(d);
  sl_error e = {0};
  CHECK(th_end(t->l, &e) == SL_OK);
  CHECK(th_end(t->r, &e) == SL_OK);
  CHECK(t->c->ends == 1);
  jt_free(t);
}

TEST(join_left_padding_comes_and_goes) {
  jt *t = jt_new((jopts){.type = JOIN_LEFT, .updating = true});
  CHECK(t->op->updating);
  add(t->l, RK_INSERT, 1, "a");
  add(t->l, RK_INSERT, NK, "n");
  flush2(t);
  EVENTS(t->c, 0, "+I(1, a, NULL, NULL); +I(NULL, n, NULL, NULL)");
  int n = t->c->n;
  add(t->r, RK_INSERT, 1, "x");
  add(t->r, RK_INSERT, 1, "y");
  add(t->r, RK_INSERT, NK, "y"); /* a right row with a NULL key: dropped */
  flush2(t);
  EVENTS(t->c, n, "-D(1, a, NULL, NULL); +I(1, a, 1, x); +I(1, a, 1, y)");
  n = t->c->n;
  add(t->l, RK_INSERT, 1, "a"); /* the same row again: joins both */
  flush2(t);
  EVENTS(t->c, n, "+I(1, a, 1, x); +I(1, a, 1, y)");
  n = t->c->n;
  add(t->r, RK_UPDATE_BEFORE, 1, "x");
  add(t->r, RK_DELETE, 1, "y");
  flush2(t);
  EVENTS(t->c, n,
         "-D(1, a, 1, x); -D(1, a, 1, x); -D(1, a, 1, y); -D(1, a, 1, y); +I(1, a, NULL, NULL); "
         "+I(1, a, NULL, NULL)");
  n = t->c->n;
  add(t->l, RK_DELETE, 1, "a");
  add(t->l, RK_DELETE, NK, "n");
  add(t->l, RK_DELETE, 7, "q"); /* never kept: counted, ignored */
  add(t->r, RK_DELETE, 1, "x"); /* already gone */
  flush2(t);
  EVENTS(t->c, n, "-D(1, a, NULL, NULL); -D(NULL, n, NULL, NULL)");
  TABLE(t->c, "(1, a, NULL, NULL)");
  char *d = describe(t->op);
  CHECK_STR(d, "LEFT JOIN ON a = b, 2 retractions of rows not kept ignored");
  free(d);
  add(t->l, RK_DELETE, 1, "a");
  flush2(t);
  TABLE(t->c, "");
  CHECK(t->op->mem.bytes == 0 && t->op->state_rows == 0);
  CHECK(t->op->state_rows_peak == 4);
  jt_free(t);
}

static void fl(th_src *s) {
  sl_error e = {0};
  CHECK(th_flush(s, &e) == SL_OK);
}

TEST(join_right_and_full_outer) {
  jt *t = jt_new((jopts){.type = JOIN_RIGHT, .updating = true});
  add(t->r, RK_INSERT, 1, "x");
  add(t->r, RK_INSERT, NK, "n");
  fl(t->r);
  add(t->l, RK_INSERT, 1, "a");
  add(t->l, RK_INSERT, 2, "b"); /* no match: nothing in a RIGHT join */
  add(t->l, RK_INSERT, NK, "c");
  fl(t->l);
  EVENTS(t->c, 0,
         "+I(NULL, NULL, 1, x); +I(NULL, NULL, NULL, n); -D(NULL, NULL, 1, x); +I(1, a, 1, x)");
  int n = t->c->n;
  add(t->l, RK_DELETE, 1, "a");
  fl(t->l);
  EVENTS(t->c, n, "-D(1, a, 1, x); +I(NULL, NULL, 1, x)");
  TABLE(t->c, "(NULL, NULL, 1, x); (NULL, NULL, NULL, n)");
  jt_free(t);

  t = jt_new((jopts){.type = JOIN_FULL, .cond = true, .updating = true});
  add(t->l, RK_INSERT, 1, "c");
  add(t->l, RK_INSERT, 2, "c");
  fl(t->l);
  add(t->r, RK_INSERT, 1, "b"); /* "c" < "b" fails: both stay padded */
  add(t->r, RK_INSERT, 1, "d");
  fl(t->r);
  EVENTS(t->c, 0,
         "+I(1, c, NULL, NULL); +I(2, c, NULL, NULL); +I(NULL, NULL, 1, b); "
         "-D(1, c, NULL, NULL); +I(1, c, 1, d)");
  n = t->c->n;
  add(t->r, RK_UPDATE_BEFORE, 1, "d");
  add(t->r, RK_UPDATE_AFTER, 1, "a");
  fl(t->r);
  EVENTS(t->c, n, "-D(1, c, 1, d); +I(1, c, NULL, NULL); +I(NULL, NULL, 1, a)");
  n = t->c->n;
  add(t->l, RK_INSERT, 1, "0"); /* matches b and a: both lose their padding */
  fl(t->l);
  EVENTS(t->c, n, "-D(NULL, NULL, 1, b); +I(1, 0, 1, b); -D(NULL, NULL, 1, a); +I(1, 0, 1, a)");
  TABLE(t->c, "(1, 0, 1, a); (1, 0, 1, b); (1, c, NULL, NULL); (2, c, NULL, NULL)");
  char *d = describe(t->op);
  CHECK_STR(d, "FULL JOIN ON a = b AND (s < t)");
  free(d);
  jt_free(t);
}

TEST(join_semi_and_anti) {
  jt *t = jt_new((jopts){.type = JOIN_SEMI, .updating = true});
  CHECK(t->op->updating); /* op_connect: an updating input makes it updating */
  add(t->l, RK_INSERT, 1, "a");
  add(t->l, RK_INSERT, 2, "b");
  add(t->l, RK_INSERT, NK, "c");
  fl(t->l);
  add(t->r, RK_INSERT, 1, "x");
  add(t->r, RK_INSERT, 1, "y"); /* a second match: nothing more */
  add(t->r, RK_INSERT, NK, "z");
  fl(t->r);
  EVENTS(t->c, 0, "+I(1, a)");
  int n = t->c->n;
  add(t->l, RK_INSERT, 1, "a"); /* a second equal left row: emitted too */
  add(t->l, RK_INSERT, 1, "q");
  fl(t->l);
  add(t->r, RK_DELETE, 1, "x");
  fl(t->r);
  EVENTS(t->c, n, "+I(1, a); +I(1, q)");
  n = t->c->n;
  add(t->r, RK_DELETE, 1, "y"); /* the last match goes */
  fl(t->r);
  EVENTS(t->c, n, "-D(1, a); -D(1, a); -D(1, q)");
  n = t->c->n;
  add(t->r, RK_INSERT, 2, "x");
  fl(t->r);
  add(t->l, RK_DELETE, 2, "b");
  fl(t->l);
  EVENTS(t->c, n, "+I(2, b); -D(2, b)");
  jt_free(t);

  t = jt_new((jopts){.type = JOIN_ANTI, .updating = true});
  CHECK(t->op->updating);
  add(t->l, RK_INSERT, 1, "a");
  add(t->l, RK_INSERT, NK, "c"); /* never matches: shown */
  fl(t->l);
  add(t->r, RK_INSERT, 1, "x");
  add(t->r, RK_INSERT, 1, "y");
  add(t->r, RK_INSERT, NK, "z");
  fl(t->r);
  EVENTS(t->c, 0, "+I(1, a); +I(NULL, c); -D(1, a)");
  n = t->c->n;
  add(t->r, RK_DELETE, 1, "x");
  fl(t->r);
  add(t->r, RK_DELETE, 1, "y");
  fl(t->r);
  add(t->l, RK_DELETE, NK, "c");
  fl(t->l);
  EVENTS(t->c, n, "+I(1, a); -D(NULL, c)");
  TABLE(t->c, "(1, a)");
  jt_free(t);
}

/* NOT IN: a NULL on the right hides every left row; a left NULL shows only over an empty
 * right side. */
TEST(join_null_aware_anti) {
  jt *t = jt_new((jopts){.type = JOIN_ANTI, .null_aware = true, .updating = true});
  add(t->l, RK_INSERT, 1, "a");
  add(t->l, RK_INSERT, 2, "b");
  add(t->l, RK_INSERT, NK, "c");
  fl(t->l);
  EVENTS(t->c, 0, "+I(1, a); +I(2, b); +I(NULL, c)");
  int n = t->c->n;
  add(t->r, RK_INSERT, 1, "x"); /* right no longer empty: the NULL row goes, 1 matches */
  fl(t->r);
  EVENTS(t->c, n, "-D(1, a); -D(NULL, c)");
  n = t->c->n;
  add(t->r, RK_INSERT, NK, "n"); /* a NULL on the right: every left row goes */
  fl(t->r);
  add(t->l, RK_INSERT, 3, "d"); /* hidden as well */
  add(t->l, RK_INSERT, NK, "e");
  fl(t->l);
  EVENTS(t->c, n, "-D(2, b)");
  n = t->c->n;
  add(t->r, RK_DELETE, NK, "n"); /* back: 2 and 3 show, 1 still matches, NULLs still hidden */
  fl(t->r);
  EVSET(t->c, n, "+I(2, b); +I(3, d)");
  n = t->c->n;
  add(t->r, RK_DELETE, 1, "x"); /* right empty: everything shows */
  fl(t->r);
  EVSET(t->c, n, "+I(1, a); +I(NULL, c); +I(NULL, e)");
  TABLE(t->c, "(1, a); (2, b); (3, d); (NULL, c); (NULL, e)");
  n = t->c->n;
  add(t->r, RK_DELETE, NK, "n"); /* not there: ignored */
  fl(t->r);
  CHECK(t->c->n == n);
  char *d = describe(t->op);
  CHECK_STR(d, "ANTI JOIN (NOT IN) ON a = b, 1 retractions of rows not kept ignored");
  free(d);
  jt_free(t);
}

/* ---- random changelogs on both sides against a nested-loop join of the final rows ---- */

typedef struct jrow_t {
  int64_t k; /* NK: NULL */
  const char *v;
  bool live;
} jrow_t;

static bool pair_matches(const jrow_t *l, const jrow_t *r, bool cond) {
  return l->k != NK && r->k != NK && l->k == r->k && (!cond || strcmp(l->v, r->v) < 0);
}

static char *row_text(const jrow_t *l, const jrow_t *r, bool left_only) {
  char buf[128], a[32] = "NULL", b[32] = "NULL";
  if (l && l->k != NK) snprintf(a, sizeof a, "%lld", (long long)l->k);
  if (r && r->k != NK) snprintf(b, sizeof b, "%lld", (long long)r->k);
  if (left_only)
    snprintf(buf, sizeof buf, "(%s, %s)", a, l->v);
  else
    snprintf(buf, sizeof buf, "(%s, %s, %s, %s)", l ? a : "NULL", l ? l->v : "NULL", r ? b : "NULL",
             r ? r->v : "NULL");
  return strdup(buf);
}

static char *nested_loop(const jopts *o, const jrow_t *L, int nl, const jrow_t *R, int nr) {
  char **out = calloc((size_t)(nl * nr + nl + nr + 1), sizeof(char *));
  int m = 0;
  bool sa = o->type == JOIN_SEMI || o->type == JOIN_ANTI;
  bool lout = o->type == JOIN_LEFT || o->type == JOIN_FULL;
  bool rout = o->type == JOIN_RIGHT || o->type == JOIN_FULL;
  bool rnull = false, rany = false;
  for (int j = 0; j < nr; j++)
    if (R[j].live) rany = true, rnull |= R[j].k == NK;
  for (int i = 0; i < nl; i++) {
    if (!L[i].live) continue;
    int matches = 0;
    for (int j = 0; j < nr; j++) {
      if (!R[j].live || !pair_matches(&L[i], &R[j], o->cond)) continue;
      matches++;
      if (!sa) out[m++] = row_text(&L[i], &R[j], false);
    }
    bool show = o->type == JOIN_SEMI   ? matches > 0
                : o->type == JOIN_ANTI ? matches == 0
                                       : lout && !matches;
    if (o->null_aware) show = !rnull && (L[i].k == NK ? !rany : matches == 0);
    if (show) out[m++] = row_text(&L[i], NULL, sa);
  }
  for (int j = 0; j < nr && rout; j++) {
    if (!R[j].live) continue;
    bool matched = false;
    for (int i = 0; i < nl && !matched; i++)
      matched = L[i].live && pair_matches(&L[i], &R[j], o->cond);
    if (!matched) out[m++] = row_text(NULL, &R[j], false);
  }
  char *s = th_join_sorted(out, m);
  for (int i = 0; i < m; i++) free(out[i]);
  free(out);
  return s;
}

static void random_join(unsigned seed, jopts o) {
  srand(seed);
  jt *t = jt_new(o);
  sl_error e = {0};
  static const char *vals[] = {"a", "b", "c"};
  enum { STEPS = 400 };
  jrow_t *rows[2] = {calloc(STEPS, sizeof(jrow_t)), calloc(STEPS, sizeof(jrow_t))};
  int n[2] = {0, 0};
  th_src *src[2] = {t->l, t->r};
  for (int i = 0; i < STEPS; i++) {
    int s = rand() % 2;
    if (n[s] && rand() % 3 == 0) {
      jrow_t *x = &rows[s][rand() % n[s]];
      if (x->live) {
        x->live = false;
        add(src[s], rand() % 2 ? RK_DELETE : RK_UPDATE_BEFORE, x->k, x->v);
      }
    } else {
      jrow_t *x = &rows[s][n[s]++];
      x->k = rand() % 10 == 0 ? NK : rand() % 4;
      x->v = vals[rand() % 3];
      x->live = true;
      add(src[s], rand() % 3 ? RK_INSERT : RK_UPDATE_AFTER, x->k, x->v);
    }
    if (rand() % 5 == 0) CHECK(th_flush(src[s], &e) == SL_OK);
  }
  flush2(t);
  if (o.batch) CHECK(t->c->rows == 0);
  char *want = nested_loop(&o, rows[0], n[0], rows[1], n[1]);
  if (o.batch) {
    CHECK(th_end(t->l, &e) == SL_OK && th_end(t->r, &e) == SL_OK);
    for (int i = 0; i < t->c->n; i++) CHECK(t->c->ev[i][0] != '-');
  }
  char *got = th_cap_table(t->c);
  if (!got || strcmp(got, want) != 0) {
    fprintf(stderr,
            "random join (seed %u, type %d, cond %d, null-aware %d, updating %d, batch %d, "
            "batch rows %d)\n got: %s\nwant: %s\n",
            seed, o.type, o.cond, o.null_aware, o.updating, o.batch, o.batch_rows,
            got ? got : "(bad changelog)", want);
    unit_failures++;
  }
  free(got);
  free(want);
  if (!o.batch) { /* everything retracted: nothing shows and the state is empty */
    for (int s = 0; s < 2; s++)
      for (int i = 0; i < n[s]; i++)
        if (rows[s][i].live) add(src[s], RK_DELETE, rows[s][i].k, rows[s][i].v);
    flush2(t);
    got = th_cap_table(t->c);
    if (!got || strcmp(got, "") != 0) {
      fprintf(stderr, "random join (seed %u, type %d): after retracting everything: %s\n", seed,
              o.type, got ? got : "(bad changelog)");
      unit_failures++;
    }
    free(got);
    CHECK(th_end(t->l, &e) == SL_OK && th_end(t->r, &e) == SL_OK);
  }
  if (t->op->mem.bytes != 0 || t->op->state_rows != 0) {
    fprintf(stderr, "random join (seed %u, type %d, null-aware %d): %zu bytes, %lld rows left\n",
            seed, o.type, o.null_aware, t->op->mem.bytes, (long long)t->op->state_rows);
    unit_failures++;
  }
  free(rows[0]);
  free(rows[1]);
  jt_free(t);
}

TEST(join_random_changelogs_materialise_to_the_nested_loop_join) {
  unsigned seed = (unsigned)(getenv("SLUICE_SEED") ? atoi(getenv("SLUICE_SEED")) : 4711);
  fprintf(stderr, "join random seed %u\n", seed);
  static const int batches[] = {1, 7, 1024};
  static const int types[] = {JOIN_INNER, JOIN_LEFT, JOIN_RIGHT, JOIN_FULL,
                              JOIN_SEMI,  JOIN_ANTI, JOIN_ANTI};
  unsigned run = 0;
  for (int ty = 0; ty < 7; ty++)
    for (int v = 0; v < 6; v++, run++) {
      jopts o = {.type = types[ty],
                 .null_aware = ty == 6,
                 .cond = v % 2 == 1 && ty != 6,
                 .updating = v != 2,
                 .batch = v == 4 || v == 5,
                 .batch_rows = batches[(v + ty) % 3]};
      random_join(seed + run, o);
    }
}

TEST(join_state_ttl_forgets_untouched_keys_per_side) {
  jt *t = jt_new((jopts){.type = JOIN_INNER, .ttl_l = 50, .ttl_r = 50, .updating = true});
  add(t->l, RK_INSERT, 1, "a");
  add(t->l, RK_INSERT, 2, "b");
  add(t->l, RK_INSERT, 3, "c");
  fl(t->l);
  add(t->r, RK_INSERT, 3, "x");
  fl(t->r);
  int64_t t0 = loop_now_ms();
  while (loop_now_ms() - t0 < 200) { /* left key 2 sees arrivals; key 3 only right probes */
    add(t->l, RK_INSERT, 2, "b");
    add(t->l, RK_DELETE, 2, "b");
    fl(t->l);
    add(t->r, RK_INSERT, 3, "x");
    add(t->r, RK_DELETE, 3, "x");
    fl(t->r);
    loop_poll(t->j->loop, 5);
  }
  int n = t->c->n;
  add(t->r, RK_INSERT, 1, "z"); /* left keys 1 and 3 are forgotten: no match */
  add(t->r, RK_INSERT, 3, "z");
  add(t->r, RK_INSERT, 2, "y");
  fl(t->r);
  EVENTS(t->c, n, "+I(2, b, 2, y)");
  while (loop_now_ms() - t0 < 3000 && t->op->mem.bytes > 0) loop_poll(t->j->loop, 10);
  CHECK(t->op->mem.bytes == 0 && t->op->state_rows == 0);
  char *d = describe(t->op);
  unsigned long long expired = 0;
  const char *p = strstr(d, "ttl left 50 ms, ttl right 50 ms, ");
  CHECK(p && sscanf(p, "ttl left 50 ms, ttl right 50 ms, %llu rows expired", &expired) == 1 &&
        expired == 7); /* every row: 3 left, 4 right */
  free(d);
  jt_free(t);

  /* only the left side has a TTL: the right rows stay */
  t = jt_new((jopts){.type = JOIN_LEFT, .ttl_l = 86400000});
  d = describe(t->op);
  CHECK_STR(d, "LEFT JOIN ON a = b, ttl left 1 d");
  free(d);
  jt_free(t);
  t = jt_new((jopts){.type = JOIN_LEFT, .ttl_l = 20});
  add(t->l, RK_INSERT, 1, "a");
  fl(t->l);
  add(t->r, RK_INSERT, 5, "q");
  fl(t->r);
  t0 = loop_now_ms();
  while (loop_now_ms() - t0 < 3000 && t->op->state_rows > 1) loop_poll(t->j->loop, 5);
  CHECK(t->op->state_rows == 1);
  n = t->c->n;
  add(t->l, RK_INSERT, 5, "c");
  fl(t->l);
  EVENTS(t->c, n, "+I(5, c, 5, q)");
  jt_free(t);
}

TEST(join_batch_mode_emits_the_final_join_once) {
  sl_error e = {0};
  jt *t = jt_new((jopts){.type = JOIN_FULL, .batch = true, .cond = true, .updating = true});
  CHECK(!t->op->updating || t->l->base.updating); /* op_connect copies an updating input's flag */
  add(t->l, RK_INSERT, 1, "a");
  add(t->l, RK_INSERT, 1, "a");
  add(t->l, RK_INSERT, 2, "z");
  add(t->l, RK_INSERT, NK, "n");
  add(t->l, RK_INSERT, 4, "gone");
  add(t->l, RK_DELETE, 4, "gone");
  fl(t->l);
  add(t->r, RK_INSERT, 1, "b");
  add(t->r, RK_INSERT, 1, "c");
  add(t->r, RK_INSERT, 2, "a"); /* "z" < "a" fails */
  add(t->r, RK_INSERT, NK, "m");
  fl(t->r);
  CHECK(th_wm(t->l, 10, &e) == SL_OK && th_wm(t->r, 10, &e) == SL_OK);
  EVENTS(t->c, 0, "WM(10)");
  CHECK(t->op->state_rows == 8);
  CHECK(th_end(t->l, &e) == SL_OK);
  CHECK(t->c->rows == 0);
  CHECK(th_end(t->r, &e) == SL_OK);
  EVSET(t->c, 1,
        "+I(1, a, 1, b); +I(1, a, 1, b); +I(1, a, 1, c); +I(1, a, 1, c); +I(2, z, NULL, NULL); "
        "+I(NULL, NULL, 2, a); +I(NULL, NULL, NULL, m); +I(NULL, n, NULL, NULL); END; WM(inf)");
  CHECK(t->op->mem.bytes == 0 && t->op->state_rows == 0);
  char *d = describe(t->op);
  CHECK_STR(d, "FULL JOIN ON a = b AND (s < t); final rows at the end (batch mode)");
  free(d);
  jt_free(t);

  t = jt_new((jopts){.type = JOIN_INNER, .batch = true});
  CHECK(!t->op->updating);
  jt_free(t);
}

/* Feeds the same continuation into an instance and into a fresh one restored from its
 * snapshot: the two emit the same events. */
static void snapshot_case(jopts o, void (*before)(jt *), void (*after)(jt *), const char *must) {
  sl_error e = {0};
  jt *a = jt_new(o), *b = jt_new(o);
  before(a);
  int mark = a->c->n;
  sl_buf snap = {0};
  CHECK(a->op->vt->snapshot(a->op, &snap, &e) == SL_OK);
  CHECK(b->op->vt->restore(b->op, snap.data, snap.len, &e) == SL_OK);
  CHECK(b->op->state_rows == a->op->state_rows);
  after(a);
  after(b);
  char *x = th_cap_join(a->c, mark), *y = th_cap_join(b->c, 0);
  CHECK_STR(x, y);
  if (!strstr(x, must)) {
    fprintf(stderr, "snapshot case: %s lacks %s\n", x, must);
    unit_failures++;
  }
  free(x);
  free(y);
  snap.data[snap.len - 9] ^= 4;
  jt *c = jt_new(o);
  CHECK(c->op->vt->restore(c->op, snap.data, snap.len, &e) == SL_ERUNTIME);
  buf_free(&snap);
  jt_free(a);
  jt_free(b);
  jt_free(c);
}

static void full_before(jt *t) {
  add(t->l, RK_INSERT, 1, "a");
  add(t->l, RK_INSERT, 1, "a");
  add(t->l, RK_INSERT, 2, "b");
  fl(t->l);
  add(t->r, RK_INSERT, 1, "x");
  add(t->r, RK_INSERT, 3, "y");
  fl(t->r);
}

static void full_after(jt *t) {
  add(t->r, RK_DELETE, 1, "x"); /* the two left rows and their association came along */
  add(t->r, RK_INSERT, 2, "w");
  fl(t->r);
  add(t->l, RK_DELETE, 1, "a");
  add(t->l, RK_INSERT, 3, "c");
  fl(t->l);
}

static void na_before(jt *t) {
  add(t->l, RK_INSERT, 1, "a");
  add(t->l, RK_INSERT, NK, "n");
  fl(t->l);
  add(t->r, RK_INSERT, NK, "m");
  add(t->r, RK_INSERT, 2, "x");
  fl(t->r);
}

static void na_after(jt *t) {
  add(t->r, RK_DELETE, NK, "m"); /* the NULL count came along: 1 shows, the NULL row not */
  fl(t->r);
  add(t->r, RK_DELETE, 2, "x"); /* the total: now the NULL row shows */
  fl(t->r);
}

TEST(join_snapshot_restore_continues_identically) {
  snapshot_case((jopts){.type = JOIN_FULL, .updating = true}, full_before, full_after,
                "-D(1, a, 1, x); -D(1, a, 1, x); +I(1, a, NULL, NULL); +I(1, a, NULL, NULL); "
                "-D(2, b, NULL, NULL); +I(2, b, 2, w)");
  snapshot_case((jopts){.type = JOIN_ANTI, .null_aware = true, .updating = true}, na_before,
                na_after, "+I(1, a); +I(NULL, n)");
}

TEST(join_state_memory_limit_fails_the_run_by_name) {
  jt *t = jt_new((jopts){.type = JOIN_LEFT, .state_limit = 8192});
  for (int i = 0; i < 300; i++) add(t->l, RK_INSERT, i, "a string kept in state");
  sl_error e = {0};
  CHECK(th_flush(t->l, &e) == SL_ERUNTIME);
  CHECK(strstr(e.msg, "cannot keep more state: 'sluice.state.memory-limit' = 8.0 KiB") != NULL);
  CHECK(t->op->mem.bytes <= 8192);
  jt_free(t);
}
