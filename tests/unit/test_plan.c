/* test_plan.c - plan/: views and WITH queries bound once and shared (the plan is a DAG, built
 * into one operator per shared node), the compiled plan untouched by building jobs from it. */
#include <stdlib.h>
#include <unistd.h>

#include "plan/plan.h"
#include "unit.h"

static sl_pipeline *compile(const char *text, sl_error *e) {
  static sl_source src;
  src.name = "t.sql";
  src.text = text;
  src.len = strlen(text);
  static FILE *devnull;
  if (!devnull) devnull = fopen("/dev/null", "w");
  plan_opts o = {SQL_FLINK, NULL, 0, devnull};
  sl_pipeline *p = NULL;
  if (plan_compile(&src, &o, &p, e) != SL_OK) {
    err_print(stderr, e);
    plan_free(p);
    return NULL;
  }
  return p;
}

static char *explain(const sl_pipeline *p) {
  sl_job *j = NULL;
  sl_error e = {0};
  char *text = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&text, &n);
  if (plan_build_job(p, true, &j, &e) == SL_OK) plan_explain(p, j, EXPLAIN_TEXT, f);
  fclose(f);
  job_free(j);
  return text;
}

static const char *const head =
    "CREATE TABLE s (a INT, b STRING) WITH ('connector' = 'filesystem', 'path' = 'in.jsonl', "
    "'format' = 'json');\n"
    "CREATE TABLE o WITH ('connector' = 'print');\n";

TEST(view_bound_once_and_shared) {
  char text[1000];
  snprintf(text, sizeof text,
           "%sCREATE VIEW v AS SELECT a + 1 AS x FROM s WHERE a > 0;\n"
           "INSERT INTO o SELECT x FROM v UNION ALL SELECT x * 2 FROM v;",
           head);
  sl_error e = {0};
  sl_pipeline *p = compile(text, &e);
  CHECK(p != NULL);
  if (!p) return;
  const plan_node *u = p->inserts[0]->in[0];
  CHECK(u->kind == P_UNION && u->nin == 2);
  /* both branches read the one bound view node, which is built once */
  /* the first branch (an identity projection) is dropped, the second reads the view */
  const plan_node *v0 = u->in[0];
  const plan_node *v1 = u->in[1]->in[0];
  CHECK(v0 == v1 && v0->kind == P_CALC && v0->pred != NULL);
  char *ex = explain(p);
  CHECK(ex != NULL);
  /* one Calc for the view, one per branch that needs it, one union */
  int calcs = 0;
  for (const char *q = ex; (q = strstr(q, "] Calc")); q++) calcs++;
  CHECK(calcs == 2);
  free(ex);
  plan_free(p);
}

TEST(nested_ctes_bound_once) {
  /* c_i reads c_{i-1} twice: re-binding at every use would make 2^22 nodes */
  sl_buf b = {0};
  buf_puts(&b, head);
  buf_puts(&b, "INSERT INTO o WITH c0 AS (SELECT a FROM s)");
  for (int i = 1; i < 22; i++)
    buf_printf(&b, ", c%d AS (SELECT a FROM c%d UNION ALL SELECT a + 1 FROM c%d)", i, i - 1, i - 1);
  buf_puts(&b, " SELECT a FROM c21;");
  sl_error e = {0};
  sl_pipeline *p = compile(buf_cstr(&b), &e);
  CHECK(p != NULL);
  if (p) {
    CHECK(p->nnodes < 200);
    char *ex = explain(p);
    CHECK(ex && strstr(ex, "Sink o"));
    free(ex);
  }
  plan_free(p);
  buf_free(&b);
}

TEST(building_leaves_the_plan_unchanged) {
  char text[1000];
  snprintf(text, sizeof text,
           "%sCREATE TABLE o2 WITH ('connector' = 'print');\n"
           "INSERT INTO o SELECT a FROM s WHERE a > 1;\nINSERT INTO o2 SELECT b FROM s;",
           head);
  sl_error e = {0};
  sl_pipeline *p = compile(text, &e);
  CHECK(p != NULL);
  if (!p) return;
  cat_table *before = malloc(sizeof(cat_table) * (size_t)p->ntables);
  for (int i = 0; i < p->ntables; i++) before[i] = *p->tables[i];
  char *ex1 = explain(p), *ex2 = explain(p);
  for (int i = 0; i < p->ntables; i++)
    CHECK(memcmp(&before[i], p->tables[i], sizeof(cat_table)) == 0);
  CHECK(ex1 && ex2 && strcmp(ex1, ex2) == 0);
  /* one source for both queries, which reads both columns */
  CHECK(ex1 && strstr(ex1, "Source s") && strstr(ex1, " a b"));
  free(ex1);
  free(ex2);
  free(before);
  plan_free(p);
}

/* ---- a lookup join against a table asked by key (a connector with lookup_new) ----
 * The dimension table is declared with the filesystem connector, then its connector is swapped
 * for a copy whose lookup_new answers from an array (as a database connector will): the planner
 * must not read the table as a stream, must ask it per probe row by the join key, and must
 * put the 'lookup.*' cache in front of it. */

typedef struct fake_dim {
  sl_lookup base;
  int calls;
} fake_dim;

static int fake_calls;
static const sl_type fake_types[2] = {{T_INT, 0, 0, 0, 0}, {T_STRING, 0, 0, 0, 0}};

static sl_status fake_lookup(sl_lookup *l, const sl_value *keys, lookup_row_fn fn, void *arg,
                             sl_error *e) {
  (void)l;
  fake_calls++;
  if (keys[0].null || keys[0].u.i > 2) return SL_OK; /* ids 1 and 2 exist */
  sl_value row[2] = {keys[0], value_str(keys[0].u.i == 1 ? "one" : "two", 3)};
  return fn(arg, row, e);
}

static void fake_free(sl_lookup *l) { free(l); }
static const lookup_vt fake_vt = {"fake", fake_lookup, fake_free};
static int fake_key_col = -1;

static sl_lookup *fake_new(const conn_ctx *c, const int *key_cols, int nkeys, sl_error *e) {
  (void)c, (void)e;
  fake_dim *d = xcalloc(1, sizeof *d);
  d->base.vt = &fake_vt;
  d->base.ncols = 2;
  d->base.types = fake_types;
  d->base.key_cols = key_cols;
  d->base.nkeys = nkeys;
  fake_key_col = nkeys == 1 ? key_cols[0] : -1;
  return &d->base;
}

TEST(lookup_join_remote_table_through_cache) {
  char dir[] = "/tmp/sluice-plan-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char path[256], text[2000];
  snprintf(path, sizeof path, "%s/orders.jsonl", dir);
  FILE *f = fopen(path, "w");
  for (int i = 0; i < 10; i++) fprintf(f, "{\"oid\": %d, \"cid\": %d}\n", i, i % 4);
  fclose(f);
  snprintf(text, sizeof text,
           "CREATE TABLE orders (oid INT, cid INT, pt AS PROCTIME()) WITH ('connector' = "
           "'filesystem', 'path' = '%s', 'format' = 'json');\n"
           "CREATE TABLE dim (id INT, name STRING) WITH ('connector' = 'filesystem', 'path' = "
           "'%s/nothing-is-read.jsonl', 'format' = 'json');\n"
           "CREATE TABLE o WITH ('connector' = 'blackhole');\n"
           "INSERT INTO o SELECT o.oid, d.name FROM orders AS o LEFT JOIN dim FOR SYSTEM_TIME AS "
           "OF o.pt AS d ON o.cid = d.id;",
           path, dir);
  sl_error e = {0};
  sl_pipeline *p = compile(text, &e);
  CHECK(p != NULL);
  if (!p) return;
  static conn_def fake_conn;
  fake_conn = conn_filesystem;
  fake_conn.lookup_new = fake_new;
  /* the options a database table would be declared with (the catalog accepts them for a
   * connector with lookup_new) */
  static opt_kv kv[16];
  for (int i = 0; i < p->ntables; i++) {
    cat_table *t = p->tables[i];
    if (strcmp(t->name, "dim")) continue;
    t->conn = &fake_conn;
    CHECK(t->ol.n + 2 <= 16);
    for (int k = 0; k < t->ol.n; k++) kv[k] = t->ol.v[k];
    kv[t->ol.n] = (opt_kv){"lookup.cache", "PARTIAL"};
    kv[t->ol.n + 1] = (opt_kv){"lookup.partial-cache.max-rows", "100"};
    t->ol.v = kv;
    t->ol.n += 2;
  }
  sl_job *j = NULL;
  fake_calls = 0;
  CHECK(plan_build_job(p, false, &j, &e) == SL_OK);
  int sources = 0;
  for (int i = 0; j && i < j->nops; i++) sources += j->ops[i]->vt->pump != NULL;
  CHECK(sources == 1); /* the dimension is not read as a stream */
  CHECK(fake_key_col == 0);
  if (j) CHECK(job_run(j, &e) == SL_OK);
  CHECK(j && j->nsinks == 1 && j->sinks[0].rows_written == 10); /* LEFT: every order */
  CHECK(fake_calls == 4); /* cid 0..3, each asked once: the cache answers the rest */
  job_free(j);
  plan_free(p);
  unlink(path);
  rmdir(dir);
}
