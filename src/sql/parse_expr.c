/* parse_expr.c - expressions and types: literals, intervals, CASE, CAST, the special call
 * forms (EXTRACT, POSITION, SUBSTRING, TRIM, FLOOR TO), FILTER (WHERE ...) and OVER after a call
 * (the window itself is parse_window.c's), and operators by precedence climbing over one table
 * of binary operators. Chains (a OR b OR ..., a + b + ...) are parsed in a loop, AND/OR chains
 * into one n-ary node; real nesting is bounded by SQL_MAX_DEPTH and tree height by
 * SQL_MAX_HEIGHT (parse_int.h), each a located error. Must not touch statements or queries
 * (parser.c) and must not resolve names. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "parse_int.h"

/* Binding strength, loosest first. NOT is a prefix at PREC_NOT; IS, IN, BETWEEN and LIKE are
 * postfix forms at PREC_CMP; unary signs bind tighter than any binary operator. */
enum { PREC_OR = 1, PREC_AND, PREC_NOT, PREC_CMP, PREC_ADD, PREC_MUL, PREC_UNARY };

static sql_expr *climb(parser *p, int minprec);

static sql_expr *node(parser *p, int kind, uint32_t off) {
  sql_expr *x = alloc(p, sizeof *x);
  x->kind = (uint8_t)kind;
  x->off = off;
  x->height = 1;
  return x;
}

/* Sets x's height from its (already sealed) arguments, FILTER condition and OVER window; too
 * tall a tree is an error at x. */
static sql_expr *seal(parser *p, sql_expr *x) {
  uint32_t h = 0;
  for (int i = 0; i < x->nargs; i++)
    if (x->args[i]->height > h) h = x->args[i]->height;
  if (x->filter && x->filter->height > h) h = x->filter->height;
  if (x->over && sql_over_height(x->over) > h) h = sql_over_height(x->over);
  x->height = h + 1;
  if (x->height > SQL_MAX_HEIGHT) {
    err_at(p->e, SL_ESQL, p->src, x->off,
           "the expression nests more than %d operators deep here (counting each "
           "operator of a chain such as a + b + c)",
           SQL_MAX_HEIGHT);
    err_hint(p->e, "split it into several columns or views");
    longjmp(p->jb, 1);
  }
  return x;
}

static sql_expr *primary(parser *p);

/* ---- types ---- */

int sql_int_in_parens(parser *p) {
  const sql_token *k = tok(p);
  if (k->kind != TK_INTEGER) sql_fail_expected(p, "an integer");
  p->i++;
  long v = strtol(ttext(p, k), NULL, 10);
  if (v > 1000000000L) sql_fail(p, k->off, "number too large");
  return (int)v;
}

sl_type sql_parse_type(parser *p) {
  const sql_token *k = tok(p);
  if (k->kind != TK_IDENT) sql_fail_expected(p, "a type");
  uint32_t off = k->off;
  sl_type t;
  if (accept_kw(p, "BOOLEAN") || accept_kw(p, "BOOL")) {
    t = type_make(T_BOOLEAN);
  } else if (accept_kw(p, "INT") || accept_kw(p, "INTEGER") || accept_kw(p, "TINYINT") ||
             accept_kw(p, "SMALLINT") || accept_kw(p, "INT4") || accept_kw(p, "INT2")) {
    t = type_make(T_INT);
  } else if (accept_kw(p, "BIGINT") || accept_kw(p, "INT8")) {
    t = type_make(T_BIGINT);
  } else if (accept_kw(p, "FLOAT") || accept_kw(p, "REAL") || accept_kw(p, "FLOAT4")) {
    t = type_make(T_FLOAT);
    if (p->d == SQL_POSTGRES && is_p(p, "(")) { /* FLOAT(p) */
      p->i++;
      int pr = sql_int_in_parens(p);
      sql_expect_p(p, ")");
      if (pr > 24) t = type_make(T_DOUBLE);
    }
  } else if (accept_kw(p, "DOUBLE") || accept_kw(p, "FLOAT8")) {
    accept_kw(p, "PRECISION");
    t = type_make(T_DOUBLE);
  } else if (accept_kw(p, "DECIMAL") || accept_kw(p, "DEC") || accept_kw(p, "NUMERIC")) {
    int pr = 10, sc = 0;
    if (accept_p(p, "(")) {
      uint32_t poff = tok(p)->off;
      pr = sql_int_in_parens(p);
      if (accept_p(p, ",")) sc = sql_int_in_parens(p);
      sql_expect_p(p, ")");
      if (pr < 1 || pr > 38) sql_fail(p, poff, "DECIMAL precision must be between 1 and 38");
      if (sc > pr) sql_fail(p, poff, "DECIMAL scale %d is larger than its precision %d", sc, pr);
    }
    t = type_decimal(pr, sc);
  } else if (accept_kw(p, "STRING") || accept_kw(p, "TEXT")) {
    t = type_make(T_STRING);
  } else if (accept_kw(p, "VARCHAR") || accept_kw(p, "CHAR") || accept_kw(p, "CHARACTER")) {
    accept_kw(p, "VARYING");
    t = type_make(T_STRING);
    if (accept_p(p, "(")) {
      t.len = sql_int_in_parens(p);
      sql_expect_p(p, ")");
    }
  } else if (accept_kw(p, "DATE")) {
    t = type_make(T_DATE);
  } else if (accept_kw(p, "TIMESTAMP")) {
    t = type_make(T_TIMESTAMP);
    if (accept_p(p, "(")) {
      uint32_t poff = tok(p)->off;
      int pr = sql_int_in_parens(p);
      sql_expect_p(p, ")");
      if (pr > 9) sql_fail(p, poff, "TIMESTAMP precision must be between 0 and 9");
      t.prec = (uint8_t)(pr > 3 ? 3 : pr);
    }
    if (accept_kw(p, "WITHOUT")) {
      sql_expect_kw(p, "TIME");
      sql_expect_kw(p, "ZONE");
    } else if (accept_kw(p, "WITH")) {
      if (accept_kw(p, "LOCAL")) {
        sql_expect_kw(p, "TIME");
        sql_expect_kw(p, "ZONE");
        t.id = T_TIMESTAMP_LTZ;
      } else if (p->d == SQL_POSTGRES) {
        sql_expect_kw(p, "TIME");
        sql_expect_kw(p, "ZONE");
        t.id = T_TIMESTAMP_LTZ;
      } else {
        sql_fail_expected(p, "LOCAL TIME ZONE");
      }
    }
  } else if (accept_kw(p, "TIMESTAMP_LTZ") || accept_kw(p, "TIMESTAMPTZ")) {
    t = type_make(T_TIMESTAMP_LTZ);
    if (accept_p(p, "(")) {
      int pr = sql_int_in_parens(p);
      sql_expect_p(p, ")");
      t.prec = (uint8_t)(pr > 3 ? 3 : pr);
    }
  } else if (is_kw(p, "ROW")) {
    sql_fail(p, off, "ROW types are supported for table columns only, not in CAST yet");
  } else if (is_kw(p, "BYTES") || is_kw(p, "BINARY") || is_kw(p, "VARBINARY") ||
             is_kw(p, "ARRAY") || is_kw(p, "MAP") || is_kw(p, "MULTISET") || is_kw(p, "TIME") ||
             is_kw(p, "BYTEA") || is_kw(p, "JSON") || is_kw(p, "JSONB")) {
    sql_fail(p, off, "type %.*s is not supported yet", (int)k->len, ttext(p, k));
  } else {
    static const char *const names[] = {"BOOLEAN", "INT",       "BIGINT",        "FLOAT",
                                        "DOUBLE",  "DECIMAL",   "STRING",        "VARCHAR",
                                        "DATE",    "TIMESTAMP", "TIMESTAMP_LTZ", "INTEGER"};
    char w[64];
    snprintf(w, sizeof w, "%.*s", (int)(k->len > 60 ? 60 : k->len), ttext(p, k));
    const char *best = str_closest(w, names, (int)(sizeof names / sizeof names[0]));
    err_at(p->e, SL_ESQL, p->src, off, "unknown type '%s'", w);
    if (best) err_hint(p->e, "did you mean %s?", best);
    longjmp(p->jb, 1);
  }
  return t;
}

/* ---- expressions ---- */

static sql_expr *parse_case(parser *p, uint32_t off) {
  exprvec ev = {0};
  sql_expr *x = node(p, A_CASE, off);
  if (!is_kw(p, "WHEN")) {
    sql_ev_push(p, &ev, sql_expr_p(p));
    x->flag |= 1;
  }
  if (!is_kw(p, "WHEN")) sql_fail_expected(p, "WHEN");
  while (accept_kw(p, "WHEN")) {
    sql_ev_push(p, &ev, sql_expr_p(p));
    sql_expect_kw(p, "THEN");
    sql_ev_push(p, &ev, sql_expr_p(p));
  }
  if (accept_kw(p, "ELSE")) {
    sql_ev_push(p, &ev, sql_expr_p(p));
    x->flag |= 2;
  }
  sql_expect_kw(p, "END");
  x->args = ev.v;
  x->nargs = ev.n;
  return x;
}

static sql_expr *func_node(parser *p, const char *name, uint32_t off, exprvec *ev) {
  sql_expr *x = node(p, A_FUNC, off);
  x->text = name;
  x->tlen = strlen(name);
  x->args = ev->v;
  x->nargs = ev->n;
  return x;
}

/* After a call's ')': FILTER (WHERE cond), then OVER (...). The binder decides where they are
 * allowed (FILTER on aggregates, OVER on aggregates and ranking functions). */
static sql_expr *func_suffix(parser *p, sql_expr *x) {
  if (is_kw(p, "FILTER") && is_p_at(p, 1, "(")) {
    p->i += 2;
    sql_expect_kw(p, "WHERE");
    x->filter = sql_expr_p(p);
    sql_expect_p(p, ")");
  }
  if (is_kw(p, "OVER")) x->over = sql_over_p(p);
  return x;
}

static sql_expr *parse_primary(parser *p) {
  sql_enter(p);
  sql_expr *x = primary(p);
  sql_leave(p);
  return x;
}

static sql_expr *primary(parser *p) {
  const sql_token *k = tok(p);
  uint32_t off = k->off;
  switch (k->kind) {
  case TK_INTEGER: {
    p->i++;
    errno = 0;
    char *end;
    char tmp[64];
    snprintf(tmp, sizeof tmp, "%.*s", (int)(k->len > 60 ? 60 : k->len), ttext(p, k));
    long long v = strtoll(tmp, &end, 10);
    sql_expr *x = node(p, errno == ERANGE || k->len > 19 ? A_NUM : A_INT, off);
    x->text = arena_strndup(p->a, ttext(p, k), k->len);
    x->tlen = k->len;
    x->ival = v;
    return x;
  }
  case TK_NUMBER: {
    p->i++;
    bool ex = memchr(ttext(p, k), 'e', k->len) || memchr(ttext(p, k), 'E', k->len);
    sql_expr *x = node(p, ex ? A_FLOAT : A_NUM, off);
    x->text = arena_strndup(p->a, ttext(p, k), k->len);
    x->tlen = k->len;
    return x;
  }
  case TK_STRING: {
    sql_expr *x = node(p, A_STR, off);
    x->text = sql_string_lit(p, "a string");
    x->tlen = strlen(x->text);
    /* adjacent literals concatenate: 'a' 'b' */
    if (tok(p)->kind == TK_STRING) { /* joined once, not pairwise (quadratic) */
      sl_buf b = {0};
      buf_puts(&b, x->text);
      while (tok(p)->kind == TK_STRING) buf_puts(&b, sql_string_lit(p, "a string"));
      x->text = arena_strdup(p->a, buf_cstr(&b));
      x->tlen = strlen(x->text);
      buf_free(&b);
    }
    return x;
  }
  case TK_PUNCT:
    if (accept_p(p, "(")) {
      if (is_kw(p, "SELECT") || is_kw(p, "WITH"))
        sql_fail(p, tok(p)->off,
                 "scalar subqueries are not supported yet; subqueries may appear in FROM, in "
                 "IN (SELECT ...) and in EXISTS (SELECT ...)");
      sql_expr *x = sql_expr_p(p);
      sql_expect_p(p, ")");
      return x;
    }
    if (is_p(p, "*")) sql_fail(p, off, "'*' is only allowed in a select list or in COUNT(*)");
    sql_fail_expected(p, "an expression");
  case TK_QIDENT: break;
  case TK_IDENT: {
    if (accept_kw(p, "NULL")) return node(p, A_NULL, off);
    if (accept_kw(p, "TRUE") || accept_kw(p, "FALSE")) {
      sql_expr *x = node(p, A_BOOL, off);
      x->ival = str_nieq(ttext(p, k), k->len, "TRUE");
      return x;
    }
    if (accept_kw(p, "CASE")) return parse_case(p, off);
    if (is_kw(p, "EXISTS") && is_p_at(p, 1, "(")) {
      p->i += 2;
      sql_expr *x = node(p, A_EXISTS, off);
      x->sub = sql_query_p(p);
      sql_expect_p(p, ")");
      return x;
    }
    if (is_kw(p, "CAST") || is_kw(p, "TRY_CAST")) {
      bool try_ = is_kw(p, "TRY_CAST");
      p->i++;
      sql_expect_p(p, "(");
      sql_expr *x = node(p, A_CAST, off);
      x->flag = try_;
      x->args = alloc(p, sizeof(sql_expr *));
      x->args[0] = sql_expr_p(p);
      x->nargs = 1;
      sql_expect_kw(p, "AS");
      x->type = sql_parse_type(p);
      sql_expect_p(p, ")");
      return x;
    }
    if (is_kw(p, "INTERVAL") && !is_p_at(p, 1, "(")) {
      p->i++;
      return sql_interval_p(p, off);
    }
    if ((is_kw(p, "DATE") || is_kw(p, "TIMESTAMP") || is_kw(p, "TIMESTAMP_LTZ")) &&
        p->t[p->i + 1].kind == TK_STRING) {
      sql_expr *x = node(p, A_TYPED, off);
      x->type = type_make(is_kw(p, "DATE")        ? T_DATE
                          : is_kw(p, "TIMESTAMP") ? T_TIMESTAMP
                                                  : T_TIMESTAMP_LTZ);
      p->i++;
      x->text = sql_string_lit(p, "a string");
      x->tlen = strlen(x->text);
      return x;
    }
    if (is_kw(p, "EXTRACT") && is_p_at(p, 1, "(")) {
      p->i += 2;
      sql_expr *x = node(p, A_EXTRACT, off);
      x->text = sql_time_unit(p);
      sql_expect_kw(p, "FROM");
      x->args = alloc(p, sizeof(sql_expr *));
      x->args[0] = sql_expr_p(p);
      x->nargs = 1;
      sql_expect_p(p, ")");
      return x;
    }
    if ((is_kw(p, "FLOOR") || is_kw(p, "CEIL") || is_kw(p, "CEILING")) && is_p_at(p, 1, "(")) {
      bool ceil = !is_kw(p, "FLOOR");
      p->i += 2;
      sql_expr *arg = sql_expr_p(p);
      if (accept_kw(p, "TO")) {
        sql_expr *x = node(p, A_FLOORTO, off);
        x->flag = ceil;
        x->text = sql_time_unit(p);
        x->args = alloc(p, sizeof(sql_expr *));
        x->args[0] = arg;
        x->nargs = 1;
        sql_expect_p(p, ")");
        return x;
      }
      sql_expect_p(p, ")");
      exprvec ev = {0};
      sql_ev_push(p, &ev, arg);
      return func_node(p, ceil ? "CEIL" : "FLOOR", off, &ev);
    }
    if (is_kw(p, "POSITION") && is_p_at(p, 1, "(")) {
      p->i += 2;
      exprvec ev = {0};
      /* POSITION(a IN b): a at additive level, so IN is not taken as a predicate */
      sql_ev_push(p, &ev, climb(p, PREC_ADD));
      sql_expect_kw(p, "IN");
      sql_ev_push(p, &ev, sql_expr_p(p));
      sql_expect_p(p, ")");
      return func_node(p, "POSITION", off, &ev);
    }
    if ((is_kw(p, "SUBSTRING") || is_kw(p, "SUBSTR")) && is_p_at(p, 1, "(")) {
      p->i += 2;
      exprvec ev = {0};
      sql_ev_push(p, &ev, sql_expr_p(p));
      if (accept_kw(p, "FROM")) {
        sql_ev_push(p, &ev, sql_expr_p(p));
        if (accept_kw(p, "FOR")) sql_ev_push(p, &ev, sql_expr_p(p));
      } else {
        while (accept_p(p, ",")) sql_ev_push(p, &ev, sql_expr_p(p));
      }
      sql_expect_p(p, ")");
      return func_node(p, "SUBSTRING", off, &ev);
    }
    if (is_kw(p, "TRIM") && is_p_at(p, 1, "(")) {
      p->i += 2;
      const char *fn = "TRIM";
      if (accept_kw(p, "BOTH"))
        fn = "TRIM";
      else if (accept_kw(p, "LEADING"))
        fn = "LTRIM";
      else if (accept_kw(p, "TRAILING"))
        fn = "RTRIM";
      exprvec ev = {0};
      if (accept_kw(p, "FROM")) {
        sql_ev_push(p, &ev, sql_expr_p(p));
      } else {
        sql_expr *first = sql_expr_p(p);
        if (accept_kw(p, "FROM")) {
          sql_ev_push(p, &ev, sql_expr_p(p));
          sql_ev_push(p, &ev, first);
        } else {
          sql_ev_push(p, &ev, first);
          while (accept_p(p, ",")) sql_ev_push(p, &ev, sql_expr_p(p));
        }
      }
      sql_expect_p(p, ")");
      return func_node(p, fn, off, &ev);
    }
    static const char *const niladic[] = {"CURRENT_TIMESTAMP",     "CURRENT_DATE",
                                          "LOCALTIMESTAMP",        "NOW",
                                          "CURRENT_ROW_TIMESTAMP", NULL};
    for (int j = 0; niladic[j]; j++)
      if (is_kw(p, niladic[j]) && !is_p_at(p, 1, "(")) {
        p->i++;
        exprvec ev = {0};
        return func_node(p, niladic[j], off, &ev);
      }
    break;
  }
  default: sql_fail_expected(p, "an expression");
  }
  /* identifier: function call or column reference */
  if (tok(p)->kind == TK_IDENT && is_p_at(p, 1, "(")) {
    if (sql_is_reserved(p, tok(p))) sql_fail_expected(p, "an expression");
    const sql_token *nk = tok(p);
    char *name = arena_strndup(p->a, ttext(p, nk), nk->len);
    for (char *c = name; *c; c++) *c = (char)toupper((unsigned char)*c);
    p->i += 2;
    exprvec ev = {0};
    sql_expr *x;
    if (is_p(p, "*") && is_p_at(p, 1, ")")) {
      p->i += 2;
      x = func_node(p, name, off, &ev);
      x->flag |= 2;
      return func_suffix(p, x);
    }
    bool distinct = false;
    if (accept_kw(p, "DISTINCT"))
      distinct = true;
    else
      accept_kw(p, "ALL");
    if (!is_p(p, ")")) {
      do {
        sql_ev_push(p, &ev, sql_expr_p(p));
      } while (accept_p(p, ","));
    }
    sql_expect_p(p, ")");
    x = func_node(p, name, off, &ev);
    if (distinct) x->flag |= 1;
    return func_suffix(p, x);
  }
  sql_expr *x = node(p, A_COLUMN, off);
  const char *parts[8];
  int np = 0;
  int64_t qmask = 0;
  do {
    if (np == 8) sql_fail(p, tok(p)->off, "name has too many parts");
    bool q;
    if (np > 0 && is_p(p, "*")) {
      p->i++;
      if (np != 1) sql_fail(p, off, "'*' must follow a table name");
      x->kind = A_STAR;
      break;
    }
    parts[np] = sql_ident(p, &q, np ? "a name after '.'" : "an expression");
    if (q) qmask |= (int64_t)1 << np;
    np++;
  } while (accept_p(p, "."));
  x->names = alloc(p, sizeof(char *) * (size_t)np);
  memcpy(x->names, parts, sizeof(char *) * (size_t)np);
  x->nnames = np;
  x->ival = qmask;
  return x;
}

static sql_expr *parse_postfix(parser *p) {
  sql_expr *x = seal(p, parse_primary(p));
  while (p->d == SQL_POSTGRES && is_p(p, "::")) {
    uint32_t off = tok(p)->off;
    p->i++;
    sql_expr *c = node(p, A_CAST, off);
    c->args = alloc(p, sizeof(sql_expr *));
    c->args[0] = x;
    c->nargs = 1;
    c->type = sql_parse_type(p);
    x = seal(p, c);
  }
  if (is_p(p, "::"))
    sql_fail(p, tok(p)->off, "'::' casts are PostgreSQL syntax; write CAST(x AS type)");
  if (is_p(p, "[")) sql_fail(p, tok(p)->off, "array and map subscripts are not supported yet");
  return x;
}

static sql_expr *with_args(parser *p, int kind, uint32_t off, int nargs) {
  sql_expr *x = node(p, kind, off);
  x->args = alloc(p, sizeof(sql_expr *) * (size_t)nargs);
  x->nargs = nargs;
  return x;
}

/* Signs and NOTs in a row are counted in a loop, not by recursion; each still makes a node. */
static sql_expr *parse_signed(parser *p) {
  int n = 0;
  int start = p->i;
  while (is_p(p, "-") || is_p(p, "+")) p->i++, n++;
  sql_expr *a = parse_postfix(p);
  for (int k = n - 1; k >= 0; k--) {
    const sql_token *s = &p->t[start + k];
    uint32_t off = s->off;
    if (ttext(p, s)[0] == '+') continue;
    if (a->kind == A_INT || a->kind == A_NUM || a->kind == A_FLOAT) {
      /* fold the sign into the literal so -9223372036854775808 is a BIGINT; a second minus
       * takes the first one off again (- -5 is 5) */
      if (a->text[0] == '-') {
        a->text++;
        a->tlen--;
      } else {
        a->text = arena_printf(p->a, "-%s", a->text);
        a->tlen++;
      }
      a->off = off;
      if (a->kind == A_INT && a->ival == INT64_MIN) {
        a->kind = A_NUM; /* 9223372036854775808 does not fit a BIGINT */
      } else if (a->kind == A_INT) {
        a->ival = -a->ival;
      } else if (a->kind == A_NUM && !strcmp(a->text, "-9223372036854775808")) {
        a->kind = A_INT;
        a->ival = INT64_MIN;
      }
      continue;
    }
    sql_expr *x = with_args(p, A_UNARY, off, 1);
    x->op = OP_NEG;
    x->args[0] = a;
    a = seal(p, x);
  }
  return a;
}

static sql_expr *parse_not(parser *p) {
  int n = 0, start = p->i;
  while (is_kw(p, "NOT")) p->i++, n++;
  sql_expr *a = n ? climb(p, PREC_NOT + 1) : parse_signed(p);
  for (int k = n - 1; k >= 0; k--) {
    sql_expr *x = with_args(p, A_UNARY, p->t[start + k].off, 1);
    x->op = OP_NOT;
    x->args[0] = a;
    a = seal(p, x);
  }
  return a;
}

typedef struct binop {
  const char *text; /* punctuation, or a keyword when kw */
  bool kw;
  uint8_t op, prec;
} binop;

static const binop binops[] = {
    {"OR", true, OP_OR, PREC_OR},   {"AND", true, OP_AND, PREC_AND},
    {"=", false, OP_EQ, PREC_CMP},  {"<>", false, OP_NE, PREC_CMP},
    {"!=", false, OP_NE, PREC_CMP}, {"<", false, OP_LT, PREC_CMP},
    {"<=", false, OP_LE, PREC_CMP}, {">", false, OP_GT, PREC_CMP},
    {">=", false, OP_GE, PREC_CMP}, {"+", false, OP_ADD, PREC_ADD},
    {"-", false, OP_SUB, PREC_ADD}, {"||", false, OP_CONCAT, PREC_ADD},
    {"*", false, OP_MUL, PREC_MUL}, {"/", false, OP_DIV, PREC_MUL},
    {"%", false, OP_MOD, PREC_MUL},
};

static const binop *peek_binop(parser *p) {
  for (size_t i = 0; i < sizeof binops / sizeof binops[0]; i++)
    if (binops[i].kw ? is_kw(p, binops[i].text) : is_p(p, binops[i].text)) return &binops[i];
  return NULL;
}

/* IS ..., [NOT] IN / BETWEEN / LIKE after the operand l; NULL when none follows. */
static sql_expr *parse_pred_suffix(parser *p, sql_expr *l) {
  uint32_t off = tok(p)->off;
  if (accept_kw(p, "IS")) {
    bool neg = accept_kw(p, "NOT");
    sql_expr *x;
    if (accept_kw(p, "NULL")) {
      x = with_args(p, A_ISNULL, off, 1);
    } else if (is_kw(p, "TRUE") || is_kw(p, "FALSE") || is_kw(p, "UNKNOWN")) {
      x = with_args(p, A_ISBOOL, off, 1);
      x->ival = is_kw(p, "TRUE") ? 1 : is_kw(p, "FALSE") ? 0 : 2;
      p->i++;
    } else if (accept_kw(p, "DISTINCT")) {
      sql_fail(p, off, "IS [NOT] DISTINCT FROM is not supported yet");
    } else {
      sql_fail_expected(p, "NULL, TRUE, FALSE or UNKNOWN after IS");
    }
    x->flag = neg;
    x->args[0] = l;
    return x;
  }
  bool neg = false;
  if (is_kw(p, "NOT") && (is_kw_at(p, 1, "IN") || is_kw_at(p, 1, "BETWEEN") ||
                          is_kw_at(p, 1, "LIKE") || is_kw_at(p, 1, "SIMILAR"))) {
    neg = true;
    p->i++;
  }
  if (accept_kw(p, "IN")) {
    sql_expect_p(p, "(");
    if (is_kw(p, "SELECT") || is_kw(p, "WITH")) {
      sql_expr *x = with_args(p, A_INSUB, off, 1);
      x->flag = neg;
      x->args[0] = l;
      x->sub = sql_query_p(p);
      sql_expect_p(p, ")");
      return x;
    }
    exprvec ev = {0};
    sql_ev_push(p, &ev, l);
    do {
      sql_ev_push(p, &ev, sql_expr_p(p));
    } while (accept_p(p, ","));
    sql_expect_p(p, ")");
    sql_expr *x = node(p, A_IN, off);
    x->flag = neg;
    x->args = ev.v;
    x->nargs = ev.n;
    return x;
  }
  if (accept_kw(p, "BETWEEN")) {
    if (!accept_kw(p, "ASYMMETRIC") && is_kw(p, "SYMMETRIC"))
      sql_fail(p, tok(p)->off, "BETWEEN SYMMETRIC is not supported yet");
    sql_expr *x = with_args(p, A_BETWEEN, off, 3);
    x->flag = neg;
    x->args[0] = l;
    x->args[1] = climb(p, PREC_ADD);
    sql_expect_kw(p, "AND");
    x->args[2] = climb(p, PREC_ADD);
    return x;
  }
  if (accept_kw(p, "LIKE")) {
    sql_expr *x = with_args(p, A_LIKE, off, 3);
    x->nargs = 2;
    x->flag = neg;
    x->args[0] = l;
    x->args[1] = climb(p, PREC_ADD);
    if (accept_kw(p, "ESCAPE")) x->args[x->nargs++] = climb(p, PREC_ADD);
    return x;
  }
  if (is_kw(p, "SIMILAR")) sql_fail(p, tok(p)->off, "SIMILAR TO is not supported yet");
  if (neg) sql_fail_expected(p, "IN, BETWEEN or LIKE after NOT");
  return NULL;
}

/* Precedence climbing: the operand, then every operator binding at least as tightly as
 * minprec. Left-associative chains loop here; only a tighter right operand recurses (at most
 * PREC_UNARY levels before parse_primary, which counts real nesting). */
static sql_expr *climb(parser *p, int minprec) {
  sql_expr *l = minprec <= PREC_NOT ? parse_not(p) : parse_signed(p);
  for (;;) {
    uint32_t off = tok(p)->off;
    const binop *b = peek_binop(p);
    if (b && b->prec >= minprec) {
      p->i++;
      if (b->op == OP_AND || b->op == OP_OR) { /* the whole chain is one n-ary node */
        exprvec ev = {0};
        sql_ev_push(p, &ev, l);
        do {
          sql_ev_push(p, &ev, climb(p, b->prec + 1));
        } while (accept_kw(p, b->text));
        l = node(p, A_BINARY, off);
        l->args = ev.v;
        l->nargs = ev.n;
      } else {
        sql_expr *r = climb(p, b->prec + 1);
        sql_expr *x = with_args(p, A_BINARY, off, 2);
        x->args[0] = l;
        x->args[1] = r;
        l = x;
      }
      l->op = b->op;
      seal(p, l);
      continue;
    }
    if (minprec <= PREC_CMP) {
      sql_expr *x = parse_pred_suffix(p, l);
      if (x) {
        l = seal(p, x);
        continue;
      }
    }
    break;
  }
  return l;
}

sql_expr *sql_expr_p(parser *p) { return climb(p, PREC_OR); }
