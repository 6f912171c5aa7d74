/* test_migrate.c - migrate/ and sql/print.c: printed queries parse back to the same text,
 * PostgreSQL forms printed as Flink SQL, and whole jobs translated (exit class, the rewrites,
 * NOT TRANSLATED parts, located errors). */
#include <stdlib.h>
#include <unistd.h>

#include "migrate/migrate.h"
#include "sql/sql.h"
#include "unit.h"

/* the query of the one INSERT in text, printed */
static char *print_insert(const char *text, sql_dialect d) {
  sl_arena a;
  arena_init(&a, 0);
  sl_source src = {"t.sql", text, strlen(text)};
  sql_script s;
  sl_error e;
  char *r = NULL;
  if (sql_parse(&src, d, &a, &s, &e) == SL_OK && s.n == 1 && s.stmts[0]->kind == S_INSERT) {
    sl_buf b = {0};
    buf_puts(&b, "INSERT INTO o ");
    sql_print_query(&b, s.stmts[0]->query);
    r = xstrdup(buf_cstr(&b));
    buf_free(&b);
  }
  arena_free(&a);
  return r;
}

TEST(print_roundtrip) {
  static const char *const q[] = {
      "INSERT INTO o SELECT a, (a + b) * c AS x, a - (b - c), -(a), NOT (a AND b) OR c FROM t",
      "INSERT INTO o SELECT CASE WHEN a > 1 THEN 'x''y' ELSE NULL END, CAST(b AS DECIMAL(10, 2)) "
      "FROM t AS u WHERE a IN (1, 2) AND b NOT BETWEEN 1 AND 3 AND c LIKE 'a%' AND d IS NOT NULL",
      "INSERT INTO o SELECT window_start, COUNT(DISTINCT a), SUM(b) FILTER (WHERE b > 0) FROM "
      "TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' HOUR)) GROUP BY window_start, "
      "window_end",
      "INSERT INTO o SELECT o.id, c.name FROM orders AS o LEFT JOIN customers FOR SYSTEM_TIME AS "
      "OF o.proc_time AS c ON o.cid = c.id",
      "INSERT INTO o WITH w AS (SELECT a FROM t) SELECT a FROM w UNION ALL SELECT a FROM t",
      "INSERT INTO o SELECT FLOOR(ts TO HOUR), EXTRACT(DAY FROM ts), POSITION('@' IN s), "
      "`select`, TIMESTAMP '2024-01-01 00:00:00', INTERVAL '90' MINUTE FROM t",
      "INSERT INTO o SELECT a, ROW_NUMBER() OVER (PARTITION BY a ORDER BY b DESC) FROM t",
      "INSERT INTO o SELECT a, COUNT(*) FROM t GROUP BY GROUPING SETS ((a), ()) HAVING COUNT(*) "
      "> 1",
  };
  for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
    char *p1 = print_insert(q[i], SQL_FLINK);
    CHECK(p1 != NULL);
    if (!p1) continue;
    char *p2 = print_insert(p1, SQL_FLINK);
    CHECK(p2 != NULL);
    if (p2) CHECK_STR(p2, p1);
    free(p1);
    free(p2);
  }
  char *p =
      print_insert("INSERT INTO o SELECT (a + b) * c, a - (b - c), a - b - c FROM t", SQL_FLINK);
  CHECK(p && strstr(p, "(a + b) * c, a - (b - c), a - b - c"));
  free(p);
  p = print_insert("INSERT INTO o SELECT x::int, \"Mixed\", interval '2 hours' FROM t",
                   SQL_POSTGRES);
  CHECK(p && strstr(p, "CAST(x AS INT), `Mixed`, INTERVAL '2' HOUR"));
  free(p);
}

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (f) {
    fputs(text, f);
    fclose(f);
  }
}

static int translate(const char *job, const char *schema, mig_result *r, sl_error *e) {
  char dir[] = "/tmp/sluice-mig-XXXXXX";
  if (!mkdtemp(dir)) return -1;
  char jp[64], sp[64];
  snprintf(jp, sizeof jp, "%s/job.sql", dir);
  snprintf(sp, sizeof sp, "%s/schema.sql", dir);
  write_file(jp, job);
  write_file(sp, schema);
  const char *schemas[] = {sp};
  mig_opts o = {jp, NULL, schemas, 1, 5000, 3600000};
  sl_status st = mig_translate(&o, r, e);
  unlink(jp);
  unlink(sp);
  rmdir(dir);
  return (int)st;
}

static const char schema[] =
    "CREATE TABLE ev (id bigint PRIMARY KEY, k text, v numeric(10,2), ts timestamp NOT NULL);\n"
    "CREATE TABLE dim (k text PRIMARY KEY, name varchar(20));\n"
    "CREATE TABLE out_h (h timestamp, n bigint);\n";

TEST(migrate_window_and_keys) {
  mig_result r;
  sl_error e = {0};
  CHECK(translate("INSERT INTO out_h SELECT date_trunc('hour', ts), count(*) FROM ev "
                  "WHERE ts >= now() - interval '1 day' GROUP BY date_trunc('hour', ts);\n"
                  "CREATE TABLE per_key AS SELECT d.name, sum(e.v) AS total FROM ev e "
                  "JOIN dim d ON d.k = e.k GROUP BY d.name;\n",
                  schema, &r, &e) == SL_OK);
  const char *o = buf_cstr(&r.out);
  CHECK(r.untranslated == 0);
  CHECK(strstr(o, "TABLE(TUMBLE(TABLE ev, DESCRIPTOR(ts), INTERVAL '1' HOUR))") != NULL);
  CHECK(strstr(o, "GROUP BY window_start, window_end") != NULL);
  CHECK(strstr(o, "WATERMARK FOR ts AS ts - INTERVAL '5' SECOND") != NULL);
  CHECK(strstr(o, "NOW()") == NULL || strstr(o, "-- rewrite: dropped the batch predicate"));
  CHECK(strstr(o, "JOIN dim FOR SYSTEM_TIME AS OF e.proc_time AS d") != NULL);
  CHECK(strstr(o, "PRIMARY KEY (name) NOT ENFORCED") != NULL);
  CHECK(strstr(o, "proc_time AS PROCTIME()") != NULL);
  buf_free(&r.out);
  buf_free(&r.summary);
}

TEST(migrate_not_translated_and_errors) {
  mig_result r;
  sl_error e = {0};
  CHECK(translate("DELETE FROM out_h WHERE h < now() - interval '30 days';\n"
                  "INSERT INTO out_h SELECT ts, count(*) FROM ev GROUP BY ts;\n"
                  "INSERT INTO out_h SELECT ts, 1 FROM ev ORDER BY ts LIMIT 3;\n",
                  schema, &r, &e) == SL_OK);
  CHECK(r.untranslated == 2);
  CHECK(strstr(buf_cstr(&r.out), "-- NOT TRANSLATED: DELETE") != NULL);
  CHECK(strstr(buf_cstr(&r.out), "-- NOT TRANSLATED: ORDER BY ... LIMIT") != NULL);
  CHECK(strstr(buf_cstr(&r.summary), "not translated") != NULL);
  buf_free(&r.out);
  buf_free(&r.summary);
  e = (sl_error){0};
  CHECK(translate("INSERT INTO out_h\nSELECT ts,, 1 FROM ev;\n", schema, &r, &e) == SL_ESQL);
  CHECK(e.has_pos && e.off == strlen("INSERT INTO out_h\nSELECT ts,"));
}
