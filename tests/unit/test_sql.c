/* test_sql.c - sql/: tokens, statement and expression shapes, precedence, dialects, located
 * syntax errors. */
#include "sql/sql.h"
#include "unit.h"

static sl_status parse(const char *text, sql_dialect d, sql_script *s, sl_arena *a, sl_error *e) {
  static sl_source src;
  src.name = "t.sql";
  src.text = text;
  src.len = strlen(text);
  return sql_parse(&src, d, a, s, e);
}

TEST(lexer_tokens) {
  sl_arena a;
  arena_init(&a, 0);
  sl_source src = {"t", "a<>b||'it''s' 1.5e3 `Sel ect` -- c\n/* x */ 42", 0};
  src.len = strlen(src.text);
  sql_token *t;
  int n;
  sl_error e;
  CHECK(sql_lex(&src, SQL_FLINK, &a, &t, &n, &e) == SL_OK);
  int kinds[] = {TK_IDENT,  TK_PUNCT,  TK_IDENT,   TK_PUNCT, TK_STRING,
                 TK_NUMBER, TK_QIDENT, TK_INTEGER, TK_EOF};
  CHECK(n == 9);
  for (int i = 0; i < n && i < 9; i++) CHECK(t[i].kind == kinds[i]);
  src.text = "'open";
  src.len = 5;
  CHECK(sql_lex(&src, SQL_FLINK, &a, &t, &n, &e) == SL_ESQL);
  arena_free(&a);
}

TEST(parse_statements) {
  sl_arena a;
  arena_init(&a, 0);
  sql_script s;
  sl_error e;
  const char *text =
      "SET 'pipeline.name' = 'x';\n"
      "CREATE TABLE t (a INT, b AS a + 1, ts TIMESTAMP(3), WATERMARK FOR ts AS ts - INTERVAL '5' "
      "SECOND, PRIMARY KEY (a) NOT ENFORCED) WITH ('connector' = 'filesystem');\n"
      "CREATE TABLE s WITH ('connector' = 'print');\n"
      "CREATE VIEW v AS SELECT a FROM t;\n"
      "EXECUTE STATEMENT SET BEGIN INSERT INTO s SELECT * FROM v; INSERT INTO s SELECT a FROM t; "
      "END;";
  CHECK(parse(text, SQL_FLINK, &s, &a, &e) == SL_OK);
  CHECK(s.n == 5);
  CHECK(s.stmts[0]->kind == S_SET);
  CHECK(s.stmts[1]->kind == S_CREATE_TABLE && s.stmts[1]->ncols == 3 && s.stmts[1]->wm_col &&
        s.stmts[1]->npk == 1 && s.stmts[1]->cols[1].computed);
  CHECK(s.stmts[2]->kind == S_CREATE_TABLE && !s.stmts[2]->has_columns);
  CHECK(s.stmts[3]->kind == S_CREATE_VIEW);
  CHECK(s.stmts[4]->kind == S_STATEMENT_SET && s.stmts[4]->nstmts == 2);
  arena_free(&a);
}

TEST(precedence) {
  sl_arena a;
  arena_init(&a, 0);
  sl_error e;
  sl_source src = {"e", "a OR b AND NOT c = 1 + 2 * 3", 0};
  src.len = strlen(src.text);
  sql_expr *x;
  CHECK(sql_parse_expr(&src, SQL_FLINK, &a, &x, &e) == SL_OK);
  CHECK(x->kind == A_BINARY && x->op == OP_OR);
  sql_expr *r = x->args[1];
  CHECK(r->op == OP_AND && r->args[1]->kind == A_UNARY && r->args[1]->op == OP_NOT);
  sql_expr *cmp = r->args[1]->args[0];
  CHECK(cmp->op == OP_EQ && cmp->args[1]->op == OP_ADD && cmp->args[1]->args[1]->op == OP_MUL);
  src.text = "x BETWEEN 1 AND 2 AND y NOT IN (1, 2) AND z NOT LIKE 'a%'";
  src.len = strlen(src.text);
  CHECK(sql_parse_expr(&src, SQL_FLINK, &a, &x, &e) == SL_OK);
  /* an AND chain is one n-ary node */
  CHECK(x->op == OP_AND && x->nargs == 3 && x->args[0]->kind == A_BETWEEN);
  CHECK(x->args[1]->kind == A_IN && x->args[1]->flag == 1);
  CHECK(x->args[2]->kind == A_LIKE && x->args[2]->flag == 1);
  arena_free(&a);
}

TEST(dialects) {
  sl_arena a;
  arena_init(&a, 0);
  sl_error e;
  sl_source src = {"e", "amount::numeric(10,2)", 0};
  src.len = strlen(src.text);
  sql_expr *x;
  CHECK(sql_parse_expr(&src, SQL_POSTGRES, &a, &x, &e) == SL_OK && x->kind == A_CAST &&
        x->type.id == T_DECIMAL && x->type.scale == 2);
  CHECK(sql_parse_expr(&src, SQL_FLINK, &a, &x, &e) == SL_ESQL);
  src.text = "\"Col\" + 1";
  src.len = strlen(src.text);
  CHECK(sql_parse_expr(&src, SQL_POSTGRES, &a, &x, &e) == SL_OK && x->args[0]->kind == A_COLUMN &&
        x->args[0]->ival == 1);
  src.text = "INTERVAL '3 hours'";
  src.len = strlen(src.text);
  CHECK(sql_parse_expr(&src, SQL_POSTGRES, &a, &x, &e) == SL_OK && x->ival == 3 * 3600000);
  arena_free(&a);
}

TEST(syntax_error_position) {
  sl_arena a;
  arena_init(&a, 0);
  sql_script s;
  sl_error e;
  CHECK(parse("INSERT INTO t\nSELECT a,, b FROM x", SQL_FLINK, &s, &a, &e) == SL_ESQL);
  int line, col;
  src_linecol(e.src, e.off, &line, &col);
  CHECK(line == 2 && col == 10);
  CHECK_STR(e.msg, "expected an expression, found ','");
  arena_free(&a);
}

/* The query of `INSERT INTO s <q>`, or NULL with *e set. */
static sql_query *query_of(const char *q, sl_arena *a, sl_error *e) {
  sql_script s;
  const char *text = arena_printf(a, "INSERT INTO s %s", q);
  if (parse(text, SQL_FLINK, &s, a, e) != SL_OK) return NULL;
  return s.stmts[0]->query;
}

/* The message of the error `INSERT INTO s <q>` fails with ("" when it parses); *col gets the
 * 1-based column of the error in q. */
static const char *parse_error(const char *q, sl_arena *a, int *col) {
  sl_error e;
  *col = 0;
  if (query_of(q, a, &e)) return "";
  int line;
  src_linecol(e.src, e.off, &line, col);
  *col -= (int)strlen("INSERT INTO s ");
  return arena_strdup(a, e.msg);
}

static bool is_interval(const sql_expr *x, int64_t ms) {
  return x && x->kind == A_INTERVAL && x->ival == ms;
}

TEST(window_tvf_positional) {
  sl_arena a;
  arena_init(&a, 0);
  sl_error e;
  sql_query *q = query_of("SELECT * FROM TABLE(TUMBLE(TABLE db.Bid, DESCRIPTOR(bidtime), "
                          "INTERVAL '10' MINUTES)) AS w",
                          &a, &e);
  CHECK(q && q->from->kind == FROM_TVF && !strcmp(q->from->alias, "w"));
  sql_tvf *t = q ? q->from->tvf : NULL;
  CHECK(t && !strcmp(t->fn, "TUMBLE") && t->input->kind == FROM_TABLE &&
        !strcmp(t->input->name, "Bid") && !strcmp(t->timecol, "bidtime") && !t->timecol_quoted &&
        t->nargs == 1 && is_interval(t->args[0], 600000) && t->npart == 0);
  CHECK(t && t->fn_off == strlen("INSERT INTO s SELECT * FROM TABLE("));
  q = query_of("SELECT * FROM TABLE(hop(TABLE t, DESCRIPTOR(`ts`), INTERVAL '2' SECOND, INTERVAL "
               "'10' SECOND, INTERVAL '1' SECOND))",
               &a, &e);
  t = q ? q->from->tvf : NULL;
  CHECK(t && !strcmp(t->fn, "HOP") && t->timecol_quoted && t->nargs == 3 &&
        is_interval(t->args[0], 2000) && is_interval(t->args[1], 10000) &&
        is_interval(t->args[2], 1000) && !q->from->alias);
  q = query_of("SELECT * FROM TABLE(CUMULATE((SELECT a, ts FROM t WHERE a > 1), DESCRIPTOR(ts), "
               "INTERVAL '1' MINUTE, INTERVAL '1' HOUR)) w",
               &a, &e);
  t = q ? q->from->tvf : NULL;
  CHECK(t && !strcmp(t->fn, "CUMULATE") && t->input->kind == FROM_SUBQUERY &&
        t->input->sub->where && t->nargs == 2 && is_interval(t->args[1], 3600000) &&
        !strcmp(q->from->alias, "w"));
  q = query_of("SELECT * FROM TABLE(SESSION(TABLE t PARTITION BY a, b, DESCRIPTOR(ts), INTERVAL "
               "'5' MINUTE))",
               &a, &e);
  t = q ? q->from->tvf : NULL;
  CHECK(t && !strcmp(t->fn, "SESSION") && t->npart == 2 && t->part[1]->kind == A_COLUMN &&
        !strcmp(t->part[1]->names[0], "b") && t->nargs == 1 && is_interval(t->args[0], 300000));
  q = query_of("SELECT * FROM TABLE(SESSION(TABLE t PARTITION BY (a, b, c), DESCRIPTOR(ts), "
               "INTERVAL '5' MINUTE))",
               &a, &e);
  CHECK(q && q->from->tvf->npart == 3);
  arena_free(&a);
}

TEST(window_tvf_named) {
  sl_arena a;
  arena_init(&a, 0);
  sl_error e;
  sql_query *q = query_of("SELECT * FROM TABLE(HOP(SIZE => INTERVAL '10' SECOND, TIMECOL => "
                          "DESCRIPTOR(ts), DATA => TABLE t, SLIDE => INTERVAL '2' SECOND))",
                          &a, &e);
  sql_tvf *t = q ? q->from->tvf : NULL;
  CHECK(t && !strcmp(t->input->name, "t") && !strcmp(t->timecol, "ts") && t->nargs == 2 &&
        is_interval(t->args[0], 2000) && is_interval(t->args[1], 10000));
  q = query_of("SELECT * FROM TABLE(TUMBLE(offset => INTERVAL '1' MINUTE, DATA => TABLE t, "
               "TIMECOL => DESCRIPTOR(ts), SIZE => INTERVAL '1' HOUR))",
               &a, &e);
  t = q ? q->from->tvf : NULL;
  CHECK(t && t->nargs == 2 && is_interval(t->args[0], 3600000) && is_interval(t->args[1], 60000));
  q = query_of("SELECT * FROM TABLE(SESSION(GAP => INTERVAL '5' SECOND, DATA => TABLE t PARTITION "
               "BY k, TIMECOL => DESCRIPTOR(ts)))",
               &a, &e);
  t = q ? q->from->tvf : NULL;
  CHECK(t && t->npart == 1 && t->nargs == 1 && is_interval(t->args[0], 5000));
  arena_free(&a);
}

TEST(window_tvf_errors) {
  sl_arena a;
  arena_init(&a, 0);
  int col;
  CHECK_STR(parse_error("SELECT * FROM TABLE(HOP(TABLE t, DESCRIPTOR(ts), INTERVAL '1' SECOND))",
                        &a, &col),
            "too few arguments; HOP takes (TABLE t, DESCRIPTOR(col), slide, size [, offset])");
  CHECK(col == 69);
  CHECK_STR(parse_error("SELECT * FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' SECOND, "
                        "INTERVAL '1' SECOND, INTERVAL '1' SECOND))",
                        &a, &col),
            "too many arguments; TUMBLE takes (TABLE t, DESCRIPTOR(col), size [, offset])");
  CHECK(col == 95);
  CHECK_STR(parse_error("SELECT * FROM TABLE(TUMBLE(TABLE t, ts, INTERVAL '1' SECOND))", &a, &col),
            "expected DESCRIPTOR(col) naming the time column; TUMBLE takes (TABLE t, "
            "DESCRIPTOR(col), size [, offset])");
  CHECK(col == 37);
  CHECK_STR(
      parse_error("SELECT * FROM TABLE(TUMBLE(t, DESCRIPTOR(ts), INTERVAL '1' SECOND))", &a, &col),
      "expected TABLE name or a parenthesised query as the input; TUMBLE takes (TABLE t, "
      "DESCRIPTOR(col), size [, offset])");
  CHECK_STR(parse_error("SELECT * FROM TABLE(TUMBEL(TABLE t, DESCRIPTOR(ts), INTERVAL '1' SECOND))",
                        &a, &col),
            "unknown window function 'TUMBEL'; expected TUMBLE, HOP, CUMULATE or SESSION");
  CHECK(col == 21);
  CHECK_STR(parse_error("SELECT * FROM TABLE(TUMBLE(TABLE t PARTITION BY k, DESCRIPTOR(ts), "
                        "INTERVAL '1' SECOND))",
                        &a, &col),
            "only SESSION takes PARTITION BY; TUMBLE takes (TABLE t, DESCRIPTOR(col), size [, "
            "offset])");
  CHECK_STR(parse_error("SELECT * FROM TABLE(TUMBLE(DATA => TABLE t, TIMECOL => DESCRIPTOR(ts)))",
                        &a, &col),
            "missing parameter SIZE; TUMBLE takes (TABLE t, DESCRIPTOR(col), size [, offset])");
  CHECK_STR(parse_error("SELECT * FROM TABLE(TUMBLE(DATA => TABLE t, DESCRIPTOR(ts), INTERVAL '1' "
                        "SECOND))",
                        &a, &col),
            "do not mix named (NAME => value) and positional arguments; TUMBLE takes (TABLE t, "
            "DESCRIPTOR(col), size [, offset])");
  CHECK_STR(parse_error("SELECT * FROM TABLE(HOP(DATA => TABLE t, GAP => INTERVAL '1' SECOND))", &a,
                        &col),
            "HOP has no parameter 'GAP'; its parameters are DATA, TIMECOL, SLIDE, SIZE and OFFSET");
  CHECK(col == 42);
  CHECK_STR(parse_error("SELECT * FROM TABLE(TUMBLE(DATA => TABLE t, DATA => TABLE u))", &a, &col),
            "parameter DATA is given twice");
  CHECK_STR(parse_error("SELECT * FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(a, b), INTERVAL '1' "
                        "SECOND))",
                        &a, &col),
            "DESCRIPTOR takes exactly one column");
  arena_free(&a);
}

static sql_expr *expr_of(const char *text, sl_arena *a, sl_error *e) {
  static sl_source src;
  src.name = "e";
  src.text = text;
  src.len = strlen(text);
  sql_expr *x = NULL;
  return sql_parse_expr(&src, SQL_FLINK, a, &x, e) == SL_OK ? x : NULL;
}

TEST(filter_and_over) {
  sl_arena a;
  arena_init(&a, 0);
  sl_error e;
  sql_expr *x = expr_of("COUNT(*) FILTER (WHERE v > 1 AND k = 'a')", &a, &e);
  CHECK(x && x->kind == A_FUNC && x->flag == 2 && x->filter && x->filter->op == OP_AND && !x->over);
  x = expr_of("sum(DISTINCT v) filter (where v > 1)", &a, &e);
  CHECK(x && x->flag == 1 && x->filter && x->filter->op == OP_GT);
  x = expr_of("ROW_NUMBER() OVER (PARTITION BY a, b ORDER BY ts DESC NULLS LAST, c, d ASC "
              "NULLS FIRST)",
              &a, &e);
  sql_over *o = x ? x->over : NULL;
  CHECK(x && !strcmp(x->text, "ROW_NUMBER") && x->nargs == 0 && o);
  CHECK(o && o->off == strlen("ROW_NUMBER() ") && o->npart == 2 && o->norder == 3 &&
        o->frame == FRAME_NONE && !o->lo && !o->lo_unbounded);
  CHECK(o && o->order[0].desc && o->order[0].nulls == 2 && !o->order[1].desc &&
        o->order[1].nulls == 0 && !o->order[2].desc && o->order[2].nulls == 1 &&
        o->order[1].off == strlen("ROW_NUMBER() OVER (PARTITION BY a, b ORDER BY ts DESC NULLS "
                                  "LAST, "));
  x = expr_of("SUM(v) OVER (PARTITION BY k ORDER BY ts RANGE BETWEEN INTERVAL '1' MINUTE "
              "PRECEDING AND CURRENT ROW)",
              &a, &e);
  o = x ? x->over : NULL;
  CHECK(o && o->frame == FRAME_RANGE && o->lo && o->lo->kind == A_INTERVAL &&
        o->lo->ival == 60000 && !o->lo_unbounded &&
        o->frame_off == strlen("SUM(v) OVER (PARTITION BY k ORDER BY ts "));
  x = expr_of("count(*) OVER (ORDER BY ts ROWS BETWEEN 5 PRECEDING AND CURRENT ROW)", &a, &e);
  o = x ? x->over : NULL;
  CHECK(o && o->npart == 0 && o->frame == FRAME_ROWS && o->lo && o->lo->kind == A_INT &&
        o->lo->ival == 5 && x->flag == 2);
  x = expr_of("MAX(v) OVER (ORDER BY ts ROWS 3 PRECEDING)", &a, &e);
  o = x ? x->over : NULL;
  CHECK(o && o->frame == FRAME_ROWS && o->lo && o->lo->ival == 3);
  x = expr_of("MAX(v) OVER (ORDER BY ts RANGE UNBOUNDED PRECEDING)", &a, &e);
  o = x ? x->over : NULL;
  CHECK(o && o->frame == FRAME_RANGE && !o->lo && o->lo_unbounded);
  x = expr_of("MAX(v) OVER (ORDER BY ts RANGE INTERVAL '2' HOUR PRECEDING)", &a, &e);
  o = x ? x->over : NULL;
  CHECK(o && o->frame == FRAME_RANGE && o->lo && o->lo->ival == 7200000);
  x = expr_of("MAX(v) OVER (ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)", &a, &e);
  o = x ? x->over : NULL;
  CHECK(o && o->frame == FRAME_ROWS && !o->lo && o->lo_unbounded);
  x = expr_of("MAX(v) OVER (ORDER BY ts ROWS BETWEEN CURRENT ROW AND CURRENT ROW)", &a, &e);
  o = x ? x->over : NULL;
  CHECK(o && o->frame == FRAME_ROWS && !o->lo && !o->lo_unbounded);
  x = expr_of("AVG(v) FILTER (WHERE v > 0) OVER ()", &a, &e);
  CHECK(x && x->filter && x->over && x->over->npart == 0 && x->over->norder == 0);
  /* the window's expressions count towards the call's height */
  x = expr_of("f(a) OVER (PARTITION BY ((b + 1) + 1) + 1)", &a, &e);
  CHECK(x && x->height == 5);
  x = expr_of("f(a) FILTER (WHERE (b + 1) + 1 > 2)", &a, &e);
  CHECK(x && x->height == 5);
  arena_free(&a);
}

static const char *expr_error(const char *text, sl_arena *a, int *col) {
  sl_error e;
  *col = 0;
  if (expr_of(text, a, &e)) return "";
  int line;
  src_linecol(e.src, e.off, &line, col);
  return arena_strdup(a, e.msg);
}

TEST(over_errors) {
  sl_arena a;
  arena_init(&a, 0);
  int col;
  CHECK_STR(expr_error("SUM(v) OVER w", &a, &col),
            "OVER w: named windows are defined by the WINDOW clause of a SELECT");
  CHECK(col == 8);
  CHECK_STR(
      expr_error("SUM(v) OVER (ORDER BY ts ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING)", &a, &col),
      "FOLLOWING bounds are not supported; an OVER window ends at CURRENT ROW");
  CHECK(col == 55);
  CHECK_STR(expr_error("SUM(v) OVER (ORDER BY ts ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED "
                       "FOLLOWING)",
                       &a, &col),
            "FOLLOWING bounds are not supported; an OVER window ends at CURRENT ROW");
  CHECK(col == 63);
  CHECK_STR(expr_error("SUM(v) OVER (ORDER BY ts ROWS 2 FOLLOWING)", &a, &col),
            "FOLLOWING bounds are not supported; an OVER window ends at CURRENT ROW");
  CHECK(col == 31);
  CHECK_STR(
      expr_error("SUM(v) OVER (ORDER BY ts ROWS BETWEEN 5 PRECEDING AND 2 PRECEDING)", &a, &col),
      "an OVER window must end at CURRENT ROW");
  CHECK(col == 55);
  CHECK_STR(expr_error("SUM(v) OVER (ORDER BY ts ROWS INTERVAL '1' SECOND PRECEDING)", &a, &col),
            "a ROWS bound is a row count such as 5 (a non-negative integer)");
  CHECK_STR(expr_error("SUM(v) OVER (ORDER BY ts RANGE 10 PRECEDING)", &a, &col),
            "a RANGE bound is a non-negative interval such as INTERVAL '1' MINUTE");
  CHECK(col == 32);
  CHECK_STR(expr_error("SUM(v) OVER (ORDER BY ts ROWS -1 PRECEDING)", &a, &col),
            "a ROWS bound is a row count such as 5 (a non-negative integer)");
  CHECK_STR(expr_error("SUM(v) FILTER (v > 1)", &a, &col), "expected WHERE, found 'v'");
  CHECK_STR(expr_error("SUM(v) OVER (ORDER BY ts NULLS MIDDLE)", &a, &col),
            "expected FIRST or LAST after NULLS, found 'MIDDLE'");
  CHECK_STR(
      expr_error("SUM(v) OVER (ORDER BY ts ROWS UNBOUNDED PRECEDING AND CURRENT ROW)", &a, &col),
      "expected ')' after the frame, found 'AND'");
  arena_free(&a);
}

/* The grouping sets of q as text: "(a,b)(a)()" with each index's column name. */
static const char *gsets_text(const sql_query *q, sl_arena *a) {
  sl_buf b = {0};
  for (int i = 0; i < q->ngsets; i++) {
    buf_puts(&b, "(");
    for (int j = 0; j < q->gset_n[i]; j++) {
      const sql_expr *x = q->group_by[q->gsets[i][j]];
      buf_puts(&b, j ? "," : "");
      buf_puts(&b, x->kind == A_COLUMN ? x->names[x->nnames - 1] : "?");
    }
    buf_puts(&b, ")");
  }
  const char *r = arena_strdup(a, b.len ? buf_cstr(&b) : "");
  buf_free(&b);
  return r;
}

static const char *group_names(const sql_query *q, sl_arena *a) {
  sl_buf b = {0};
  for (int i = 0; i < q->ngroup; i++) {
    const sql_expr *x = q->group_by[i];
    buf_puts(&b, i ? "," : "");
    buf_puts(&b, x->kind == A_COLUMN ? x->names[x->nnames - 1] : "?");
  }
  const char *r = arena_strdup(a, b.len ? buf_cstr(&b) : "");
  buf_free(&b);
  return r;
}

TEST(grouping_sets) {
  sl_arena a;
  arena_init(&a, 0);
  sl_error e;
  sql_query *q = query_of("SELECT a FROM t GROUP BY a, B, t.b, A, `a`", &a, &e);
  CHECK(q && q->ngsets == 0 && !q->gsets &&
        q->group_off == strlen("INSERT INTO s SELECT a FROM t "));
  /* a and A are one column; t.b and b and the quoted `a` are kept apart */
  CHECK(q && !strcmp(group_names(q, &a), "a,B,b,a") && q->group_by[3]->ival == 1);
  q = query_of("SELECT 1 FROM t GROUP BY a + 1, (a + 1), a+1, f(a), F(a), f(DISTINCT a)", &a, &e);
  CHECK(q && q->ngroup == 3 && q->ngsets == 0);
  q = query_of("SELECT 1 FROM t GROUP BY GROUPING SETS ((a, b), (a), ())", &a, &e);
  CHECK(q && q->ngroup == 2 && q->ngsets == 3);
  CHECK_STR(q ? gsets_text(q, &a) : "", "(a,b)(a)()");
  q = query_of("SELECT 1 FROM t GROUP BY ROLLUP (a, b, c)", &a, &e);
  CHECK_STR(q ? gsets_text(q, &a) : "", "(a,b,c)(a,b)(a)()");
  q = query_of("SELECT 1 FROM t GROUP BY CUBE (a, b, c)", &a, &e);
  CHECK_STR(q ? gsets_text(q, &a) : "", "(a,b,c)(a,b)(a,c)(a)(b,c)(b)(c)()");
  /* plain items multiply out with the sets, as sql.h describes */
  q = query_of("SELECT 1 FROM t GROUP BY a, ROLLUP(b, c)", &a, &e);
  CHECK_STR(q ? gsets_text(q, &a) : "", "(a,b,c)(a,b)(a)");
  q = query_of("SELECT 1 FROM t GROUP BY ROLLUP(a, b), CUBE(c)", &a, &e);
  CHECK_STR(q ? gsets_text(q, &a) : "", "(a,b,c)(a,b)(a,c)(a)(c)()");
  q = query_of("SELECT 1 FROM t GROUP BY GROUPING SETS (a, ROLLUP((a, b), c), (c, a, c), b)", &a,
               &e);
  CHECK(q && !strcmp(group_names(q, &a), "a,b,c"));
  CHECK_STR(q ? gsets_text(q, &a) : "", "(a)(a,b,c)(a,b)()(c,a)(b)");
  q = query_of("SELECT 1 FROM t GROUP BY ()", &a, &e);
  CHECK(q && q->ngroup == 0 && q->ngsets == 1 && q->gset_n[0] == 0);
  q = query_of("SELECT 1 FROM t GROUP BY a, ()", &a, &e);
  CHECK_STR(q ? gsets_text(q, &a) : "", "(a)");
  q = query_of("SELECT 1 FROM t GROUP BY GROUPING SETS ((a), (a)) HAVING COUNT(*) > 1", &a, &e);
  CHECK(q && q->having && q->ngroup == 1);
  CHECK_STR(q ? gsets_text(q, &a) : "", "(a)(a)");
  /* a composite (a, b) alone is a plain GROUP BY a, b; a parenthesised expression is one item */
  q = query_of("SELECT 1 FROM t GROUP BY (a, b), (c + 1) * 2", &a, &e);
  CHECK(q && q->ngsets == 0 && q->ngroup == 3 && q->group_by[2]->op == OP_MUL);
  q = query_of("SELECT 1 FROM t GROUP BY CUBE (a, b, c, d, e, f, g, h, i, j, k, l)", &a, &e);
  CHECK(q && q->ngsets == 4096 && q->gset_n[0] == 12 && q->gset_n[4095] == 0);
  arena_free(&a);
}

TEST(grouping_sets_errors) {
  sl_arena a;
  arena_init(&a, 0);
  int col;
  CHECK_STR(parse_error("SELECT 1 FROM t GROUP BY a, CUBE (a, b, c, d, e, f, g, h, i, j, k, l, m)",
                        &a, &col),
            "GROUP BY expands to more than 4096 grouping sets here");
  CHECK(col == 29);
  CHECK_STR(parse_error("SELECT 1 FROM t GROUP BY CUBE (a, b, c, d, e, f, g), CUBE (h, i, j, k, l, "
                        "m)",
                        &a, &col),
            "GROUP BY expands to more than 4096 grouping sets here");
  CHECK(col == 54);
  CHECK_STR(parse_error("SELECT 1 FROM t GROUP BY GROUPING SETS ()", &a, &col),
            "expected an expression, found ')'");
  CHECK_STR(parse_error("SELECT 1 FROM t GROUP BY ROLLUP ()", &a, &col),
            "expected an expression, found ')'");
  arena_free(&a);
}

TEST(grouping_sets_nesting) {
  sl_arena a;
  arena_init(&a, 0);
  sl_buf b = {0};
  buf_puts(&b, "SELECT 1 FROM t GROUP BY ");
  for (int i = 0; i < 300; i++) buf_puts(&b, "GROUPING SETS (");
  buf_puts(&b, "a");
  for (int i = 0; i < 300; i++) buf_puts(&b, ")");
  int col;
  CHECK_STR(parse_error(buf_cstr(&b), &a, &col), "the text nests more than 256 levels deep here");
  b.len = 0;
  buf_puts(&b, "SELECT 1 FROM t GROUP BY ");
  for (int i = 0; i < 100; i++) buf_puts(&b, "GROUPING SETS (");
  buf_puts(&b, "a, (b, c)");
  for (int i = 0; i < 100; i++) buf_puts(&b, ")");
  sl_error e;
  sql_query *q = query_of(buf_cstr(&b), &a, &e);
  CHECK_STR(q ? gsets_text(q, &a) : "", "(a)(b,c)");
  buf_free(&b);
  arena_free(&a);
}

TEST(order_limit_still_rejected) {
  sl_arena a;
  arena_init(&a, 0);
  int col;
  CHECK_STR(
      parse_error("SELECT ROW_NUMBER() OVER (ORDER BY ts) AS rn FROM t ORDER BY rn", &a, &col),
      "ORDER BY is not supported yet in streaming pipelines");
  CHECK(col == 53);
  CHECK_STR(parse_error("SELECT k FROM t GROUP BY ROLLUP(k) LIMIT 3", &a, &col),
            "LIMIT is not supported yet");
  CHECK_STR(parse_error("SELECT * FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '1' "
                        "SECOND)) ORDER BY window_start",
                        &a, &col),
            "ORDER BY is not supported yet in streaming pipelines");
  CHECK_STR(parse_error("SELECT * FROM (SELECT k FROM t ORDER BY k)", &a, &col),
            "ORDER BY is not supported yet in streaming pipelines");
  arena_free(&a);
}

/* parse_pg.c: what one PostgreSQL statement tells the inventory's scoring. */
static sql_pg_stmt pg_stmt(sl_arena *a, const char *text, sl_status *st) {
  static sl_source src;
  src.name = "t.sql";
  src.text = text;
  src.len = strlen(text);
  sql_pg_stmt o;
  sl_error e = {0};
  *st = sql_pg_lineage(&src, 0, src.len, a, &o, &e);
  return o;
}

TEST(pg_lineage_features) {
  sl_arena a;
  arena_init(&a, 0);
  sl_status st;
  sql_pg_stmt o = pg_stmt(&a,
                          "INSERT INTO h SELECT date_trunc('hour', ts), count(*) FROM c "
                          "WHERE ts > now() - interval '1 hour' GROUP BY 1",
                          &st);
  CHECK(st == SL_OK && !strcmp(o.kind, "insert"));
  CHECK((o.flags & SQL_PG_DATE_TRUNC) && (o.flags & SQL_PG_RECENT) && (o.flags & SQL_PG_WHERE));
  CHECK(o.groups == 1 && o.joins == 0 && !(o.flags & SQL_PG_UPSERT));
  o = pg_stmt(&a, "SELECT a.x, rank() OVER (ORDER BY y) FROM a JOIN b USING (k), c", &st);
  CHECK(st == SL_OK && o.joins == 2 && (o.flags & SQL_PG_WINDOW_FN) && !(o.flags & SQL_PG_WHERE));
  o = pg_stmt(&a, "DELETE FROM t", &st);
  CHECK(st == SL_OK && (o.flags & SQL_PG_DELETE_ALL) && o.writes.n == 1);
  o = pg_stmt(&a, "DELETE FROM t WHERE x", &st);
  CHECK(st == SL_OK && !(o.flags & SQL_PG_DELETE_ALL) && (o.flags & SQL_PG_UPDATE));
  o = pg_stmt(&a, "INSERT INTO t VALUES (1) ON CONFLICT (id) DO UPDATE SET v = 1", &st);
  CHECK(st == SL_OK && (o.flags & SQL_PG_UPSERT));
  o = pg_stmt(&a, "COPY (SELECT * FROM s) TO '/tmp/x.csv'", &st);
  CHECK(st == SL_OK && (o.flags & SQL_PG_EXPORT) && o.files_out.n == 1 &&
        !strcmp(o.files_out.v[0], "/tmp/x.csv") && o.reads.n == 1);
  o = pg_stmt(&a, "SET search_path TO a, \"B\"", &st);
  CHECK(st == SL_OK && o.sets_search_path && o.search_path.n == 2 &&
        !strcmp(o.search_path.v[1], "B"));
  o = pg_stmt(&a, "CREATE VIEW v AS SELECT * FROM base", &st);
  CHECK(st == SL_OK && !strcmp(o.view, "v") && !o.matview && o.writes.n == 0 && o.reads.n == 1);
  o = pg_stmt(&a, "SELECT * FROM (SELECT 1", &st);
  CHECK(st == SL_ESQL);
  o = pg_stmt(&a, "SELECT 1; SELECT 2", &st);
  CHECK(st == SL_ESQL); /* one statement at a time: psql.c splits */
  arena_free(&a);
}
