/* test_plan_row.c - ROW columns: the parser's field tree, the catalog's flattening into leaves
 * (names, nest, NOT NULL), the nest handed to sources and sinks through conn_ctx.schema, and
 * the binder's resolution of field paths (alias first, t.bid.x, nested a.b.c, output names). */
#include <stdlib.h>

#include "plan/plan.h"
#include "unit.h"

static sl_source row_src;

static sl_pipeline *row_compile(const char *text, sl_error *e) {
  row_src.name = "t.sql";
  row_src.text = text;
  row_src.len = strlen(text);
  static FILE *devnull;
  if (!devnull) devnull = fopen("/dev/null", "w");
  plan_opts o = {SQL_FLINK, NULL, 0, devnull};
  sl_pipeline *p = NULL;
  if (plan_compile(&row_src, &o, &p, e) != SL_OK) {
    plan_free(p);
    return NULL;
  }
  return p;
}

static const char *const row_head =
    "CREATE TABLE n (k INT, bid ROW<auction BIGINT, price BIGINT NOT NULL>, "
    "a ROW(b ROW<c INT NOT NULL, d STRING>, e INT) NOT NULL, `x.y` INT, "
    "ts AS CAST(bid.price AS INT) + a.b.c) "
    "WITH ('connector' = 'filesystem', 'path' = 'n.csv', 'format' = 'csv');\n"
    "CREATE TABLE o WITH ('connector' = 'blackhole');\n";

static cat_table *table_named(sl_pipeline *p, const char *name) {
  for (int i = 0; i < p->ntables; i++)
    if (!strcmp(p->tables[i]->name, name)) return p->tables[i];
  return NULL;
}

TEST(row_parse_field_tree) {
  const char *text = "CREATE TABLE t (r ROW<a INT NOT NULL 'doc', s ROW(b STRING)>) WITH ();";
  sl_source src = {"t.sql", text, strlen(text)};
  sl_arena a;
  arena_init(&a, 4096);
  sql_script sc;
  sl_error e = {0};
  CHECK(sql_parse(&src, SQL_FLINK, &a, &sc, &e) == SL_OK);
  if (sc.n == 1) {
    const sql_column_def *r = &sc.stmts[0]->cols[0];
    CHECK(r->nfields == 2 && r->fields[0].not_null && r->fields[0].type.id == T_INT);
    CHECK(r->fields[1].nfields == 1 && r->fields[1].fields[0].type.id == T_STRING);
    CHECK_STR(r->fields[1].fields[0].name, "b");
  }
  arena_free(&a);
}

TEST(row_catalog_flattens_into_leaves) {
  char text[2000];
  snprintf(text, sizeof text, "%sINSERT INTO o SELECT k FROM n;", row_head);
  sl_error e = {0};
  sl_pipeline *p = row_compile(text, &e);
  CHECK(p != NULL);
  if (!p) return;
  cat_table *t = table_named(p, "n");
  static const char *const names[] = {"k",     "bid.auction", "bid.price", "a.b.c",
                                      "a.b.d", "a.e",         "x.y"};
  static const uint8_t nest[] = {0, 1, 1, 2, 2, 1, 0};
  CHECK(t->nphys == 7 && t->ncols == 8);
  for (int i = 0; i < 7 && i < t->nphys; i++) {
    CHECK_STR(t->phys_names[i], names[i]);
    CHECK(t->phys_nest[i] == nest[i]);
  }
  /* NOT NULL only where every level is: a.b.c (a, c NOT NULL; b nullable) is nullable */
  CHECK(!t->cols[1].not_null && t->cols[2].not_null == false);
  CHECK(t->cols[3].not_null == false && t->cols[5].not_null == false);
  CHECK(t->cols[7].computed != NULL && t->cols[7].type.id == T_INT);
  plan_free(p);
}

/* a source and a sink whose constructors record the schema they are given */
static uint8_t seen_src_nest[16], seen_snk_nest[16];
static int seen_src_n, seen_snk_n;
static sl_op *rec_source(const conn_ctx *c, sl_error *e) {
  seen_src_n = c->schema.ncols;
  for (int i = 0; i < c->schema.ncols && i < 16; i++)
    seen_src_nest[i] = c->schema.nest ? c->schema.nest[i] : 0;
  return conn_filesystem.source_new(c, e);
}
static sl_op *rec_sink(const conn_ctx *c, sl_error *e) {
  seen_snk_n = c->schema.ncols;
  for (int i = 0; i < c->schema.ncols && i < 16; i++)
    seen_snk_nest[i] = c->schema.nest ? c->schema.nest[i] : 0;
  return conn_filesystem.sink_new(c, e);
}

TEST(row_nest_reaches_sources_and_sinks) {
  char text[2000];
  snprintf(text, sizeof text,
           "%sCREATE TABLE w (id INT, r ROW<s ROW<v BIGINT>, w INT>) WITH ('connector' = "
           "'filesystem', 'path' = 'w.csv', 'format' = 'csv');\n"
           "CREATE TABLE inf WITH ('connector' = 'filesystem', 'path' = 'i.csv', 'format' = "
           "'csv');\n"
           "INSERT INTO w SELECT k, bid.price, a.e FROM n;\n"
           "INSERT INTO inf SELECT * FROM (SELECT * FROM n);\nINSERT INTO o SELECT k FROM n;",
           row_head);
  sl_error e = {0};
  sl_pipeline *p = row_compile(text, &e);
  CHECK(p != NULL);
  if (!p) return;
  static conn_def rec;
  rec = conn_filesystem;
  rec.source_new = rec_source;
  rec.sink_new = rec_sink;
  table_named(p, "n")->conn = &rec;
  table_named(p, "w")->conn = &rec;
  sl_job *j = NULL;
  memset(seen_src_nest, 9, sizeof seen_src_nest);
  memset(seen_snk_nest, 9, sizeof seen_snk_nest);
  CHECK(plan_build_job(p, true, &j, &e) == SL_OK);
  static const uint8_t want[] = {0, 1, 1, 2, 2, 1, 0};
  CHECK(seen_src_n == 7 && !memcmp(seen_src_nest, want, 7));
  CHECK(seen_snk_n == 3 && seen_snk_nest[0] == 0 && seen_snk_nest[1] == 2 && seen_snk_nest[2] == 1);
  /* a sink without columns takes them from SELECT *, ROW leaves with their nest */
  cat_table *inf = table_named(p, "inf");
  CHECK(inf->nphys == 8 && !memcmp(inf->phys_nest, want, 7) && inf->phys_nest[7] == 0);
  CHECK_STR(inf->phys_names[3], "a.b.c");
  job_free(j);
  plan_free(p);
}

TEST(row_field_paths_resolve) {
  char text[3000];
  snprintf(text, sizeof text,
           "%sINSERT INTO o SELECT bid.auction, n.bid.price, a.b.c, n.a.b.d, `x.y`, "
           "BID.Price AS p FROM n;",
           row_head);
  sl_error e = {0};
  sl_pipeline *p = row_compile(text, &e);
  CHECK(p != NULL);
  if (!p) return;
  const plan_node *c = p->inserts[0]->in[0];
  while (c->kind != P_CALC || c->ncols != 6) c = c->in[0];
  static const int cols[] = {1, 2, 3, 4, 6, 2};
  static const char *const names[] = {"auction", "price", "c", "d", "x.y", "p"};
  for (int i = 0; i < 6; i++) {
    CHECK(c->proj[i]->kind == E_COL && c->proj[i]->col == cols[i]);
    CHECK_STR(c->names[i], names[i]);
  }
  plan_free(p);
}

static const char *compile_error(const char *query) {
  static char text[3000], msg[800];
  snprintf(text, sizeof text, "%s%s", row_head, query);
  sl_error e = {0};
  sl_pipeline *p = row_compile(text, &e);
  if (p) {
    plan_free(p);
    return "";
  }
  snprintf(msg, sizeof msg, "%s", e.msg);
  return msg;
}

TEST(row_resolution_errors) {
  /* a table alias comes first: bid.auction is column auction of the table called bid */
  CHECK(strstr(compile_error("INSERT INTO o SELECT bid.auction FROM n AS bid;"),
               "unknown column 'auction'"));
  CHECK(strstr(compile_error("INSERT INTO o SELECT a.b FROM n;"), "'a.b' is a ROW column"));
  CHECK(strstr(compile_error("INSERT INTO o SELECT n.bid FROM n;"), "'bid' is a ROW column"));
  CHECK(strstr(compile_error("INSERT INTO o SELECT k FROM n WHERE bid IS NULL;"),
               "'bid' is a ROW column"));
  /* `x.y` (backquoted, nest 0) is one column, not a path */
  CHECK(strstr(compile_error("INSERT INTO o SELECT x.y FROM n;"),
               "unknown table, alias or ROW column 'x'"));
  CHECK(strstr(compile_error("INSERT INTO o SELECT a.b.c.d FROM n;"), "unknown column 'a.b.c.d'"));
  /* a quoted part matches exactly */
  CHECK(strstr(compile_error("INSERT INTO o SELECT bid.`PRICE` FROM n;"),
               "unknown column 'bid.PRICE'"));
  CHECK(!strcmp(compile_error("INSERT INTO o SELECT bid.`price` FROM n;"), ""));
  /* two tables with the field: ambiguous unless qualified */
  CHECK(strstr(compile_error("INSERT INTO o SELECT bid.price FROM n JOIN n AS m ON n.k = m.k;"),
               "ambiguous"));
  CHECK(!strcmp(compile_error("INSERT INTO o SELECT m.bid.price FROM n JOIN n AS m ON n.k = m.k;"),
                ""));
}
