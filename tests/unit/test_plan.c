/* test_plan.c - plan/: views and WITH queries bound once and shared (the plan is a DAG, built
 * into one operator per shared node), the compiled plan untouched by building jobs from it. */
#include <stdlib.h>

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
