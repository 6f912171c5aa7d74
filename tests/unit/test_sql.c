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
