/* parser.c - recursive-descent parser from tokens to the AST of sql.h: statements (CREATE
 * TABLE/VIEW, INSERT, SET, statement sets), queries (WITH, SELECT, UNION ALL, subqueries) and
 * expressions with SQL operator precedence. Errors jump back to the entry point with a located
 * message; everything allocated lives in the caller's arena. Must not resolve names. */
#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "sql.h"

typedef struct parser {
  const sl_source *src;
  sql_dialect d;
  sl_arena *a;
  sql_token *t;
  int n, i;
  sl_error *e;
  jmp_buf jb;
} parser;

/* Words that end an expression or a FROM item, so they are never taken as an implicit alias. */
static const char *const reserved[] = {
    "FROM",  "WHERE",   "GROUP",  "HAVING", "ORDER",     "LIMIT",  "UNION",    "JOIN", "INNER",
    "LEFT",  "RIGHT",   "FULL",   "CROSS",  "ON",        "AS",     "SELECT",   "WITH", "AND",
    "OR",    "NOT",     "IS",     "IN",     "BETWEEN",   "LIKE",   "CASE",     "WHEN", "THEN",
    "ELSE",  "END",     "WINDOW", "EXCEPT", "INTERSECT", "VALUES", "INSERT",   "INTO", "TABLE",
    "NULL",  "TRUE",    "FALSE",  "FOR",    "LATERAL",   "OVER",   "DISTINCT", "ALL",  "ESCAPE",
    "USING", "NATURAL", "OFFSET", "FETCH",  "EMIT",      NULL};

static const sql_token *tok(parser *p) { return &p->t[p->i]; }
static const char *ttext(parser *p, const sql_token *k) { return p->src->text + k->off; }

static _Noreturn __attribute__((format(printf, 3, 4))) void fail(parser *p, uint32_t off,
                                                                 const char *fmt, ...) {
  va_list ap;
  char msg[600];
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  err_at(p->e, SL_ESQL, p->src, off, "%s", msg);
  longjmp(p->jb, 1);
}

static _Noreturn void fail_expected(parser *p, const char *what) {
  const sql_token *k = tok(p);
  if (k->kind == TK_EOF) fail(p, k->off, "expected %s, found end of input", what);
  fail(p, k->off, "expected %s, found '%.*s'", what, (int)(k->len > 40 ? 40 : k->len), ttext(p, k));
}

static bool is_kw(parser *p, const char *kw) {
  const sql_token *k = tok(p);
  return k->kind == TK_IDENT && str_nieq(ttext(p, k), k->len, kw);
}
static bool is_kw_at(parser *p, int ahead, const char *kw) {
  if (p->i + ahead >= p->n) return false;
  const sql_token *k = &p->t[p->i + ahead];
  return k->kind == TK_IDENT && str_nieq(ttext(p, k), k->len, kw);
}
static bool accept_kw(parser *p, const char *kw) {
  if (!is_kw(p, kw)) return false;
  p->i++;
  return true;
}
static void expect_kw(parser *p, const char *kw) {
  if (!accept_kw(p, kw)) fail_expected(p, kw);
}
static bool is_p(parser *p, const char *s) {
  const sql_token *k = tok(p);
  return k->kind == TK_PUNCT && k->len == strlen(s) && memcmp(ttext(p, k), s, k->len) == 0;
}
static bool is_p_at(parser *p, int ahead, const char *s) {
  if (p->i + ahead >= p->n) return false;
  const sql_token *k = &p->t[p->i + ahead];
  return k->kind == TK_PUNCT && k->len == strlen(s) && memcmp(ttext(p, k), s, k->len) == 0;
}
static bool accept_p(parser *p, const char *s) {
  if (!is_p(p, s)) return false;
  p->i++;
  return true;
}
static void expect_p(parser *p, const char *s) {
  if (!accept_p(p, s)) {
    char what[16];
    snprintf(what, sizeof what, "'%s'", s);
    fail_expected(p, what);
  }
}

static bool is_reserved_tok(parser *p, const sql_token *k) {
  if (k->kind != TK_IDENT) return false;
  for (int i = 0; reserved[i]; i++)
    if (str_nieq(ttext(p, k), k->len, reserved[i])) return true;
  return false;
}

static void *alloc(parser *p, size_t n) { return arena_zalloc(p->a, n); }

/* Identifier (bare or quoted) as a string; *quoted tells which. */
static const char *ident(parser *p, bool *quoted, const char *what) {
  const sql_token *k = tok(p);
  if (k->kind == TK_IDENT) {
    if (is_reserved_tok(p, k) && strcmp(what, "an expression")) {
      err_at(p->e, SL_ESQL, p->src, k->off, "expected %s, found the reserved word '%.*s'", what,
             (int)k->len, ttext(p, k));
      err_hint(p->e, "to use it as a name, quote it with backticks: `%.*s`", (int)k->len,
               ttext(p, k));
      longjmp(p->jb, 1);
    }
    if (is_reserved_tok(p, k)) fail_expected(p, what);
    p->i++;
    if (quoted) *quoted = false;
    return arena_strndup(p->a, ttext(p, k), k->len);
  }
  if (k->kind == TK_QIDENT) {
    p->i++;
    if (quoted) *quoted = true;
    char q = ttext(p, k)[0];
    char *r = arena_alloc(p->a, k->len);
    size_t o = 0;
    for (uint32_t j = 1; j + 1 < k->len; j++) {
      r[o++] = ttext(p, k)[j];
      if (ttext(p, k)[j] == q) j++;
    }
    r[o] = 0;
    return r;
  }
  fail_expected(p, what);
}

static const char *string_lit(parser *p, const char *what) {
  const sql_token *k = tok(p);
  if (k->kind != TK_STRING) fail_expected(p, what);
  p->i++;
  char *r = arena_alloc(p->a, k->len);
  size_t o = 0;
  for (uint32_t j = 1; j + 1 < k->len; j++) {
    r[o++] = ttext(p, k)[j];
    if (ttext(p, k)[j] == '\'') j++;
  }
  r[o] = 0;
  return r;
}

static sql_expr *node(parser *p, int kind, uint32_t off) {
  sql_expr *x = alloc(p, sizeof *x);
  x->kind = (uint8_t)kind;
  x->off = off;
  return x;
}

typedef struct exprvec {
  sql_expr **v;
  int n, cap;
} exprvec;
static void ev_push(parser *p, exprvec *ev, sql_expr *x) {
  if (ev->n == ev->cap) {
    int nc = ev->cap ? ev->cap * 2 : 4;
    sql_expr **nv = arena_alloc(p->a, sizeof *nv * (size_t)nc);
    if (ev->n) memcpy(nv, ev->v, sizeof *nv * (size_t)ev->n);
    ev->v = nv;
    ev->cap = nc;
  }
  ev->v[ev->n++] = x;
}

static sql_expr *parse_expr(parser *p);
static sql_expr *parse_add(parser *p);
static sql_query *parse_query(parser *p);

/* ---- types ---- */

static int int_in_parens(parser *p) {
  const sql_token *k = tok(p);
  if (k->kind != TK_INTEGER) fail_expected(p, "an integer");
  p->i++;
  long v = strtol(ttext(p, k), NULL, 10);
  if (v > 1000000000L) fail(p, k->off, "number too large");
  return (int)v;
}

static sl_type parse_type(parser *p) {
  const sql_token *k = tok(p);
  if (k->kind != TK_IDENT) fail_expected(p, "a type");
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
      int pr = int_in_parens(p);
      expect_p(p, ")");
      if (pr > 24) t = type_make(T_DOUBLE);
    }
  } else if (accept_kw(p, "DOUBLE") || accept_kw(p, "FLOAT8")) {
    accept_kw(p, "PRECISION");
    t = type_make(T_DOUBLE);
  } else if (accept_kw(p, "DECIMAL") || accept_kw(p, "DEC") || accept_kw(p, "NUMERIC")) {
    int pr = 10, sc = 0;
    if (accept_p(p, "(")) {
      uint32_t poff = tok(p)->off;
      pr = int_in_parens(p);
      if (accept_p(p, ",")) sc = int_in_parens(p);
      expect_p(p, ")");
      if (pr < 1 || pr > 38) fail(p, poff, "DECIMAL precision must be between 1 and 38");
      if (sc > pr) fail(p, poff, "DECIMAL scale %d is larger than its precision %d", sc, pr);
    }
    t = type_decimal(pr, sc);
  } else if (accept_kw(p, "STRING") || accept_kw(p, "TEXT")) {
    t = type_make(T_STRING);
  } else if (accept_kw(p, "VARCHAR") || accept_kw(p, "CHAR") || accept_kw(p, "CHARACTER")) {
    accept_kw(p, "VARYING");
    t = type_make(T_STRING);
    if (accept_p(p, "(")) {
      t.len = int_in_parens(p);
      expect_p(p, ")");
    }
  } else if (accept_kw(p, "DATE")) {
    t = type_make(T_DATE);
  } else if (accept_kw(p, "TIMESTAMP")) {
    t = type_make(T_TIMESTAMP);
    if (accept_p(p, "(")) {
      uint32_t poff = tok(p)->off;
      int pr = int_in_parens(p);
      expect_p(p, ")");
      if (pr > 9) fail(p, poff, "TIMESTAMP precision must be between 0 and 9");
      t.prec = (uint8_t)(pr > 3 ? 3 : pr);
    }
    if (accept_kw(p, "WITHOUT")) {
      expect_kw(p, "TIME");
      expect_kw(p, "ZONE");
    } else if (accept_kw(p, "WITH")) {
      if (accept_kw(p, "LOCAL")) {
        expect_kw(p, "TIME");
        expect_kw(p, "ZONE");
        t.id = T_TIMESTAMP_LTZ;
      } else if (p->d == SQL_POSTGRES) {
        expect_kw(p, "TIME");
        expect_kw(p, "ZONE");
        t.id = T_TIMESTAMP_LTZ;
      } else {
        fail_expected(p, "LOCAL TIME ZONE");
      }
    }
  } else if (accept_kw(p, "TIMESTAMP_LTZ") || accept_kw(p, "TIMESTAMPTZ")) {
    t = type_make(T_TIMESTAMP_LTZ);
    if (accept_p(p, "(")) {
      int pr = int_in_parens(p);
      expect_p(p, ")");
      t.prec = (uint8_t)(pr > 3 ? 3 : pr);
    }
  } else if (is_kw(p, "BYTES") || is_kw(p, "BINARY") || is_kw(p, "VARBINARY") ||
             is_kw(p, "ARRAY") || is_kw(p, "MAP") || is_kw(p, "ROW") || is_kw(p, "MULTISET") ||
             is_kw(p, "TIME") || is_kw(p, "BYTEA") || is_kw(p, "JSON") || is_kw(p, "JSONB")) {
    fail(p, off, "type %.*s is not supported yet", (int)k->len, ttext(p, k));
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

static const char *const time_units[] = {
    "MILLISECOND", "SECOND", "MINUTE",  "HOUR",        "DAY",   "WEEK",       "MONTH",
    "QUARTER",     "YEAR",   "DOW",     "DOY",         "EPOCH", "MILLENNIUM", "CENTURY",
    "DECADE",      "ISODOW", "ISOYEAR", "MICROSECOND", NULL};

static const char *time_unit(parser *p) {
  const sql_token *k = tok(p);
  if (k->kind == TK_IDENT) {
    for (int i = 0; time_units[i]; i++)
      if (str_nieq(ttext(p, k), k->len, time_units[i])) {
        p->i++;
        return time_units[i];
      }
    /* plural forms (SECONDS, HOURS ...) */
    if (k->len > 1 && toupper((unsigned char)ttext(p, k)[k->len - 1]) == 'S')
      for (int i = 0; time_units[i]; i++)
        if (strlen(time_units[i]) == k->len - 1 &&
            str_nieq(ttext(p, k), k->len - 1, time_units[i])) {
          p->i++;
          return time_units[i];
        }
  }
  fail_expected(p, "a time unit (SECOND, MINUTE, HOUR, DAY, ...)");
}

static int64_t unit_ms(const char *u) {
  if (!strcmp(u, "MILLISECOND")) return 1;
  if (!strcmp(u, "SECOND")) return 1000;
  if (!strcmp(u, "MINUTE")) return 60000;
  if (!strcmp(u, "HOUR")) return 3600000;
  if (!strcmp(u, "DAY")) return 86400000;
  if (!strcmp(u, "WEEK")) return 7 * 86400000LL;
  return 0;
}

/* INTERVAL 'text' UNIT [TO UNIT] (Flink) or INTERVAL '3 hours' (PostgreSQL). */
static sql_expr *parse_interval(parser *p, uint32_t off) {
  uint32_t soff = tok(p)->off;
  bool neg = false;
  if (accept_p(p, "-")) neg = true;
  const char *s = string_lit(p, "an interval string such as '5'");
  int64_t ms = 0;
  const sql_token *k = tok(p);
  bool has_unit = false;
  if (k->kind == TK_IDENT)
    for (int i = 0; time_units[i]; i++)
      if (str_nieq(ttext(p, k), k->len, time_units[i]) ||
          (k->len == strlen(time_units[i]) + 1 && str_nieq(ttext(p, k), k->len - 1, time_units[i])))
        has_unit = true;
  if (has_unit) {
    uint32_t uoff = tok(p)->off;
    const char *u1 = time_unit(p);
    if (accept_p(p, "(")) { /* SECOND(3) precision */
      int_in_parens(p);
      expect_p(p, ")");
    }
    const char *u2 = u1;
    if (accept_kw(p, "TO")) u2 = time_unit(p);
    int64_t m1 = unit_ms(u1), m2 = unit_ms(u2);
    if (!m1 || !m2)
      fail(p, uoff,
           "year-month intervals (%s) are not supported yet; use DAY, HOUR, MINUTE or "
           "SECOND",
           u1);
    /* fields separated by space or ':' from u1 down to u2; the last may have a fraction */
    static const int64_t steps[] = {86400000, 3600000, 60000, 1000};
    int si = 0;
    while (si < 4 && steps[si] != m1) si++;
    const char *q = s;
    bool sneg = false;
    while (*q == ' ') q++;
    if (*q == '-')
      sneg = true, q++;
    else if (*q == '+')
      q++;
    int64_t cur = m1;
    bool any = false;
    while (*q) {
      if (!isdigit((unsigned char)*q)) fail(p, soff, "invalid interval literal '%s'", s);
      double v = strtod(q, (char **)&q);
      ms += (int64_t)(v * (double)cur + (v >= 0 ? 0.5 : -0.5));
      any = true;
      if (*q == ' ' || *q == ':') {
        q++;
        si++;
        if (si >= 4 || steps[si] < m2) fail(p, soff, "invalid interval literal '%s'", s);
        cur = steps[si];
      } else if (*q) {
        fail(p, soff, "invalid interval literal '%s'", s);
      }
    }
    if (!any) fail(p, soff, "invalid interval literal '%s'", s);
    if (sneg) ms = -ms;
  } else {
    /* '3 hours 20 minutes' */
    const char *q = s;
    bool any = false;
    while (*q) {
      while (*q == ' ') q++;
      if (!*q) break;
      char *end;
      double v = strtod(q, &end);
      if (end == q) fail(p, soff, "invalid interval literal '%s'", s);
      q = end;
      while (*q == ' ') q++;
      const char *w = q;
      while (isalpha((unsigned char)*q)) q++;
      size_t wl = (size_t)(q - w);
      if (wl && (w[wl - 1] == 's' || w[wl - 1] == 'S')) wl--;
      int64_t m = 0;
      for (int i = 0; time_units[i]; i++)
        if (str_nieq(w, wl, time_units[i])) m = unit_ms(time_units[i]);
      if (str_nieq(w, wl, "MIN")) m = 60000;
      if (str_nieq(w, wl, "SEC")) m = 1000;
      if (!m) fail(p, soff, "invalid or unsupported interval unit in '%s'", s);
      ms += (int64_t)(v * (double)m + (v >= 0 ? 0.5 : -0.5));
      any = true;
    }
    if (!any) fail(p, soff, "invalid interval literal '%s'", s);
  }
  sql_expr *x = node(p, A_INTERVAL, off);
  x->ival = neg ? -ms : ms;
  return x;
}

static sql_expr *parse_case(parser *p, uint32_t off) {
  exprvec ev = {0};
  sql_expr *x = node(p, A_CASE, off);
  if (!is_kw(p, "WHEN")) {
    ev_push(p, &ev, parse_expr(p));
    x->flag |= 1;
  }
  if (!is_kw(p, "WHEN")) fail_expected(p, "WHEN");
  while (accept_kw(p, "WHEN")) {
    ev_push(p, &ev, parse_expr(p));
    expect_kw(p, "THEN");
    ev_push(p, &ev, parse_expr(p));
  }
  if (accept_kw(p, "ELSE")) {
    ev_push(p, &ev, parse_expr(p));
    x->flag |= 2;
  }
  expect_kw(p, "END");
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

static sql_expr *parse_primary(parser *p) {
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
    x->text = string_lit(p, "a string");
    x->tlen = strlen(x->text);
    /* adjacent literals concatenate: 'a' 'b' */
    while (tok(p)->kind == TK_STRING) {
      const char *more = string_lit(p, "a string");
      x->text = arena_printf(p->a, "%s%s", x->text, more);
      x->tlen = strlen(x->text);
    }
    return x;
  }
  case TK_PUNCT:
    if (accept_p(p, "(")) {
      if (is_kw(p, "SELECT") || is_kw(p, "WITH"))
        fail(p, tok(p)->off, "subqueries in expressions are not supported yet");
      sql_expr *x = parse_expr(p);
      expect_p(p, ")");
      return x;
    }
    if (is_p(p, "*")) fail(p, off, "'*' is only allowed in a select list or in COUNT(*)");
    fail_expected(p, "an expression");
  case TK_QIDENT: break;
  case TK_IDENT: {
    if (accept_kw(p, "NULL")) return node(p, A_NULL, off);
    if (accept_kw(p, "TRUE") || accept_kw(p, "FALSE")) {
      sql_expr *x = node(p, A_BOOL, off);
      x->ival = str_nieq(ttext(p, k), k->len, "TRUE");
      return x;
    }
    if (accept_kw(p, "CASE")) return parse_case(p, off);
    if (is_kw(p, "CAST") || is_kw(p, "TRY_CAST")) {
      bool try_ = is_kw(p, "TRY_CAST");
      p->i++;
      expect_p(p, "(");
      sql_expr *x = node(p, A_CAST, off);
      x->flag = try_;
      x->args = alloc(p, sizeof(sql_expr *));
      x->args[0] = parse_expr(p);
      x->nargs = 1;
      expect_kw(p, "AS");
      x->type = parse_type(p);
      expect_p(p, ")");
      return x;
    }
    if (is_kw(p, "INTERVAL") && !is_p_at(p, 1, "(")) {
      p->i++;
      return parse_interval(p, off);
    }
    if ((is_kw(p, "DATE") || is_kw(p, "TIMESTAMP") || is_kw(p, "TIMESTAMP_LTZ")) &&
        p->t[p->i + 1].kind == TK_STRING) {
      sql_expr *x = node(p, A_TYPED, off);
      x->type = type_make(is_kw(p, "DATE")        ? T_DATE
                          : is_kw(p, "TIMESTAMP") ? T_TIMESTAMP
                                                  : T_TIMESTAMP_LTZ);
      p->i++;
      x->text = string_lit(p, "a string");
      x->tlen = strlen(x->text);
      return x;
    }
    if (is_kw(p, "EXTRACT") && is_p_at(p, 1, "(")) {
      p->i += 2;
      sql_expr *x = node(p, A_EXTRACT, off);
      x->text = time_unit(p);
      expect_kw(p, "FROM");
      x->args = alloc(p, sizeof(sql_expr *));
      x->args[0] = parse_expr(p);
      x->nargs = 1;
      expect_p(p, ")");
      return x;
    }
    if ((is_kw(p, "FLOOR") || is_kw(p, "CEIL") || is_kw(p, "CEILING")) && is_p_at(p, 1, "(")) {
      bool ceil = !is_kw(p, "FLOOR");
      p->i += 2;
      sql_expr *arg = parse_expr(p);
      if (accept_kw(p, "TO")) {
        sql_expr *x = node(p, A_FLOORTO, off);
        x->flag = ceil;
        x->text = time_unit(p);
        x->args = alloc(p, sizeof(sql_expr *));
        x->args[0] = arg;
        x->nargs = 1;
        expect_p(p, ")");
        return x;
      }
      expect_p(p, ")");
      exprvec ev = {0};
      ev_push(p, &ev, arg);
      return func_node(p, ceil ? "CEIL" : "FLOOR", off, &ev);
    }
    if (is_kw(p, "POSITION") && is_p_at(p, 1, "(")) {
      p->i += 2;
      exprvec ev = {0};
      /* POSITION(a IN b): a at additive level, so IN is not taken as a predicate */
      ev_push(p, &ev, parse_add(p));
      expect_kw(p, "IN");
      ev_push(p, &ev, parse_expr(p));
      expect_p(p, ")");
      return func_node(p, "POSITION", off, &ev);
    }
    if ((is_kw(p, "SUBSTRING") || is_kw(p, "SUBSTR")) && is_p_at(p, 1, "(")) {
      p->i += 2;
      exprvec ev = {0};
      ev_push(p, &ev, parse_expr(p));
      if (accept_kw(p, "FROM")) {
        ev_push(p, &ev, parse_expr(p));
        if (accept_kw(p, "FOR")) ev_push(p, &ev, parse_expr(p));
      } else {
        while (accept_p(p, ",")) ev_push(p, &ev, parse_expr(p));
      }
      expect_p(p, ")");
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
        ev_push(p, &ev, parse_expr(p));
      } else {
        sql_expr *first = parse_expr(p);
        if (accept_kw(p, "FROM")) {
          ev_push(p, &ev, parse_expr(p));
          ev_push(p, &ev, first);
        } else {
          ev_push(p, &ev, first);
          while (accept_p(p, ",")) ev_push(p, &ev, parse_expr(p));
        }
      }
      expect_p(p, ")");
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
  default: fail_expected(p, "an expression");
  }
  /* identifier: function call or column reference */
  if (tok(p)->kind == TK_IDENT && is_p_at(p, 1, "(")) {
    if (is_reserved_tok(p, tok(p))) fail_expected(p, "an expression");
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
      return x;
    }
    bool distinct = false;
    if (accept_kw(p, "DISTINCT"))
      distinct = true;
    else
      accept_kw(p, "ALL");
    if (!is_p(p, ")")) {
      do {
        ev_push(p, &ev, parse_expr(p));
      } while (accept_p(p, ","));
    }
    expect_p(p, ")");
    x = func_node(p, name, off, &ev);
    if (distinct) x->flag |= 1;
    if (is_kw(p, "OVER")) fail(p, tok(p)->off, "OVER windows are not supported yet");
    if (is_kw(p, "FILTER") && is_p_at(p, 1, "("))
      fail(p, tok(p)->off, "FILTER (WHERE ...) on aggregates is not supported yet");
    return x;
  }
  sql_expr *x = node(p, A_COLUMN, off);
  const char *parts[8];
  int np = 0;
  int64_t qmask = 0;
  do {
    if (np == 8) fail(p, tok(p)->off, "name has too many parts");
    bool q;
    if (np > 0 && is_p(p, "*")) {
      p->i++;
      if (np != 1) fail(p, off, "'*' must follow a table name");
      x->kind = A_STAR;
      break;
    }
    parts[np] = ident(p, &q, np ? "a name after '.'" : "an expression");
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
  sql_expr *x = parse_primary(p);
  while (p->d == SQL_POSTGRES && is_p(p, "::")) {
    uint32_t off = tok(p)->off;
    p->i++;
    sql_expr *c = node(p, A_CAST, off);
    c->args = alloc(p, sizeof(sql_expr *));
    c->args[0] = x;
    c->nargs = 1;
    c->type = parse_type(p);
    x = c;
  }
  if (is_p(p, "::"))
    fail(p, tok(p)->off, "'::' casts are PostgreSQL syntax; write CAST(x AS type)");
  if (is_p(p, "[")) fail(p, tok(p)->off, "array and map subscripts are not supported yet");
  return x;
}

static sql_expr *binary(parser *p, int op, uint32_t off, sql_expr *l, sql_expr *r) {
  sql_expr *x = node(p, A_BINARY, off);
  x->op = (uint8_t)op;
  x->args = alloc(p, sizeof(sql_expr *) * 2);
  x->args[0] = l;
  x->args[1] = r;
  x->nargs = 2;
  return x;
}

static sql_expr *parse_unary(parser *p) {
  uint32_t off = tok(p)->off;
  if (is_p(p, "-") || is_p(p, "+")) {
    bool neg = is_p(p, "-");
    p->i++;
    sql_expr *a = parse_unary(p);
    if (!neg) return a;
    if (a->kind == A_INT || a->kind == A_NUM || a->kind == A_FLOAT) {
      /* fold the sign into the literal so -9223372036854775808 is a BIGINT */
      a->text = arena_printf(p->a, "-%s", a->text);
      a->tlen++;
      a->off = off;
      if (a->kind == A_INT) {
        a->ival = -a->ival;
      } else if (a->kind == A_NUM && !strcmp(a->text, "-9223372036854775808")) {
        a->kind = A_INT;
        a->ival = INT64_MIN;
      }
      return a;
    }
    sql_expr *x = node(p, A_UNARY, off);
    x->op = OP_NEG;
    x->args = alloc(p, sizeof(sql_expr *));
    x->args[0] = a;
    x->nargs = 1;
    return x;
  }
  return parse_postfix(p);
}

static sql_expr *parse_mul(parser *p) {
  sql_expr *l = parse_unary(p);
  while (1) {
    uint32_t off = tok(p)->off;
    int op = is_p(p, "*") ? OP_MUL : is_p(p, "/") ? OP_DIV : is_p(p, "%") ? OP_MOD : 0;
    if (!op) return l;
    p->i++;
    l = binary(p, op, off, l, parse_unary(p));
  }
}

static sql_expr *parse_add(parser *p) {
  sql_expr *l = parse_mul(p);
  while (1) {
    uint32_t off = tok(p)->off;
    int op = is_p(p, "+") ? OP_ADD : is_p(p, "-") ? OP_SUB : is_p(p, "||") ? OP_CONCAT : 0;
    if (!op) return l;
    p->i++;
    l = binary(p, op, off, l, parse_mul(p));
  }
}

static sql_expr *parse_pred(parser *p) {
  sql_expr *l = parse_add(p);
  while (1) {
    uint32_t off = tok(p)->off;
    int op = is_p(p, "=")    ? OP_EQ
             : is_p(p, "<>") ? OP_NE
             : is_p(p, "!=") ? OP_NE
             : is_p(p, "<")  ? OP_LT
             : is_p(p, "<=") ? OP_LE
             : is_p(p, ">")  ? OP_GT
             : is_p(p, ">=") ? OP_GE
                             : 0;
    if (op) {
      p->i++;
      l = binary(p, op, off, l, parse_add(p));
      continue;
    }
    if (accept_kw(p, "IS")) {
      bool neg = accept_kw(p, "NOT");
      sql_expr *x;
      if (accept_kw(p, "NULL")) {
        x = node(p, A_ISNULL, off);
      } else if (is_kw(p, "TRUE") || is_kw(p, "FALSE") || is_kw(p, "UNKNOWN")) {
        x = node(p, A_ISBOOL, off);
        x->ival = is_kw(p, "TRUE") ? 1 : is_kw(p, "FALSE") ? 0 : 2;
        p->i++;
      } else if (accept_kw(p, "DISTINCT")) {
        fail(p, off, "IS [NOT] DISTINCT FROM is not supported yet");
      } else {
        fail_expected(p, "NULL, TRUE, FALSE or UNKNOWN after IS");
      }
      x->flag = neg;
      x->args = alloc(p, sizeof(sql_expr *));
      x->args[0] = l;
      x->nargs = 1;
      l = x;
      continue;
    }
    bool neg = false;
    if (is_kw(p, "NOT") && (is_kw_at(p, 1, "IN") || is_kw_at(p, 1, "BETWEEN") ||
                            is_kw_at(p, 1, "LIKE") || is_kw_at(p, 1, "SIMILAR"))) {
      neg = true;
      p->i++;
    }
    if (accept_kw(p, "IN")) {
      expect_p(p, "(");
      if (is_kw(p, "SELECT")) fail(p, tok(p)->off, "IN (SELECT ...) is not supported yet");
      exprvec ev = {0};
      ev_push(p, &ev, l);
      do {
        ev_push(p, &ev, parse_expr(p));
      } while (accept_p(p, ","));
      expect_p(p, ")");
      sql_expr *x = node(p, A_IN, off);
      x->flag = neg;
      x->args = ev.v;
      x->nargs = ev.n;
      l = x;
      continue;
    }
    if (accept_kw(p, "BETWEEN")) {
      if (!accept_kw(p, "ASYMMETRIC") && is_kw(p, "SYMMETRIC"))
        fail(p, tok(p)->off, "BETWEEN SYMMETRIC is not supported yet");
      sql_expr *x = node(p, A_BETWEEN, off);
      x->flag = neg;
      x->args = alloc(p, sizeof(sql_expr *) * 3);
      x->args[0] = l;
      x->args[1] = parse_add(p);
      expect_kw(p, "AND");
      x->args[2] = parse_add(p);
      x->nargs = 3;
      l = x;
      continue;
    }
    if (accept_kw(p, "LIKE")) {
      sql_expr *x = node(p, A_LIKE, off);
      x->flag = neg;
      x->args = alloc(p, sizeof(sql_expr *) * 3);
      x->args[0] = l;
      x->args[1] = parse_add(p);
      x->nargs = 2;
      if (accept_kw(p, "ESCAPE")) x->args[x->nargs++] = parse_add(p);
      l = x;
      continue;
    }
    if (is_kw(p, "SIMILAR")) fail(p, tok(p)->off, "SIMILAR TO is not supported yet");
    if (neg) fail_expected(p, "IN, BETWEEN or LIKE after NOT");
    return l;
  }
}

static sql_expr *parse_not(parser *p) {
  uint32_t off = tok(p)->off;
  if (accept_kw(p, "NOT")) {
    sql_expr *x = node(p, A_UNARY, off);
    x->op = OP_NOT;
    x->args = alloc(p, sizeof(sql_expr *));
    x->args[0] = parse_not(p);
    x->nargs = 1;
    return x;
  }
  return parse_pred(p);
}

static sql_expr *parse_and(parser *p) {
  sql_expr *l = parse_not(p);
  while (is_kw(p, "AND")) {
    uint32_t off = tok(p)->off;
    p->i++;
    l = binary(p, OP_AND, off, l, parse_not(p));
  }
  return l;
}

static sql_expr *parse_expr(parser *p) {
  sql_expr *l = parse_and(p);
  while (is_kw(p, "OR")) {
    uint32_t off = tok(p)->off;
    p->i++;
    l = binary(p, OP_OR, off, l, parse_and(p));
  }
  return l;
}

/* ---- queries ---- */

static const char *opt_alias(parser *p) {
  if (accept_kw(p, "AS")) return ident(p, NULL, "an alias");
  const sql_token *k = tok(p);
  if ((k->kind == TK_IDENT && !is_reserved_tok(p, k)) || k->kind == TK_QIDENT)
    return ident(p, NULL, "an alias");
  return NULL;
}

static sql_from *parse_from_item(parser *p) {
  sql_from *f = alloc(p, sizeof *f);
  f->off = tok(p)->off;
  if (accept_p(p, "(")) {
    f->kind = FROM_SUBQUERY;
    f->sub = parse_query(p);
    expect_p(p, ")");
  } else if (is_kw(p, "TABLE") && is_p_at(p, 1, "(")) {
    fail(p, f->off, "window table-valued functions (TABLE(TUMBLE(...))) are not supported yet");
  } else if (is_kw(p, "LATERAL") || is_kw(p, "UNNEST")) {
    fail(p, f->off, "%s is not supported yet", is_kw(p, "LATERAL") ? "LATERAL" : "UNNEST");
  } else if (is_kw(p, "VALUES")) {
    fail(p, f->off, "VALUES in FROM is not supported yet; use SELECT ... UNION ALL SELECT ...");
  } else {
    f->kind = FROM_TABLE;
    f->name = ident(p, &f->quoted, "a table name");
    while (accept_p(p, ".")) /* catalog.db.table: keep the last part */
      f->name = ident(p, &f->quoted, "a table name");
    if (is_kw(p, "FOR") && is_kw_at(p, 1, "SYSTEM_TIME"))
      fail(p, tok(p)->off, "temporal joins (FOR SYSTEM_TIME AS OF) are not supported yet");
  }
  f->alias = opt_alias(p);
  if (f->kind == FROM_SUBQUERY && !f->alias && p->d == SQL_FLINK) f->alias = NULL;
  return f;
}

static sql_query *parse_select(parser *p) {
  sql_query *q = alloc(p, sizeof *q);
  q->kind = Q_SELECT;
  q->off = tok(p)->off;
  expect_kw(p, "SELECT");
  if (accept_kw(p, "DISTINCT"))
    q->distinct = true;
  else
    accept_kw(p, "ALL");
  int cap = 8;
  q->items = alloc(p, sizeof *q->items * (size_t)cap);
  do {
    if (q->nitems == cap) {
      sql_select_item *ni = alloc(p, sizeof *ni * (size_t)cap * 2);
      memcpy(ni, q->items, sizeof *ni * (size_t)cap);
      q->items = ni;
      cap *= 2;
    }
    sql_select_item *it = &q->items[q->nitems++];
    it->off = tok(p)->off;
    if (is_p(p, "*")) {
      p->i++;
      it->e = node(p, A_STAR, it->off);
    } else {
      it->e = parse_expr(p);
      if (it->e->kind != A_STAR) it->alias = opt_alias(p);
    }
  } while (accept_p(p, ","));
  if (accept_kw(p, "FROM")) {
    q->from = parse_from_item(p);
    const sql_token *k = tok(p);
    if (is_p(p, ",") || is_kw(p, "JOIN") || is_kw(p, "INNER") || is_kw(p, "LEFT") ||
        is_kw(p, "RIGHT") || is_kw(p, "FULL") || is_kw(p, "CROSS") || is_kw(p, "NATURAL"))
      fail(p, k->off, "joins are not supported yet");
  }
  if (accept_kw(p, "WHERE")) q->where = parse_expr(p);
  if (is_kw(p, "GROUP")) {
    q->group_off = tok(p)->off;
    p->i++;
    expect_kw(p, "BY");
    exprvec ev = {0};
    do {
      ev_push(p, &ev, parse_expr(p));
    } while (accept_p(p, ","));
    q->group_by = ev.v;
    q->ngroup = ev.n;
  }
  if (accept_kw(p, "HAVING")) q->having = parse_expr(p);
  if (is_kw(p, "WINDOW")) fail(p, tok(p)->off, "named WINDOW clauses are not supported yet");
  return q;
}

static sql_query *parse_query_term(parser *p) {
  if (accept_p(p, "(")) {
    sql_query *q = parse_query(p);
    expect_p(p, ")");
    return q;
  }
  if (!is_kw(p, "SELECT")) fail_expected(p, "SELECT");
  return parse_select(p);
}

static sql_query *parse_query(parser *p) {
  uint32_t off = tok(p)->off;
  sql_cte *ctes = NULL;
  int nctes = 0;
  if (accept_kw(p, "WITH")) {
    int cap = 4;
    ctes = alloc(p, sizeof *ctes * (size_t)cap);
    do {
      if (nctes == cap) {
        sql_cte *nc = alloc(p, sizeof *nc * (size_t)cap * 2);
        memcpy(nc, ctes, sizeof *nc * (size_t)cap);
        ctes = nc;
        cap *= 2;
      }
      sql_cte *c = &ctes[nctes++];
      c->off = tok(p)->off;
      c->name = ident(p, NULL, "a name for the WITH query");
      if (is_p(p, "(")) fail(p, tok(p)->off, "column lists on WITH queries are not supported yet");
      expect_kw(p, "AS");
      expect_p(p, "(");
      c->q = parse_query(p);
      expect_p(p, ")");
    } while (accept_p(p, ","));
  }
  sql_query *q = parse_query_term(p);
  while (is_kw(p, "UNION") || is_kw(p, "EXCEPT") || is_kw(p, "INTERSECT") || is_kw(p, "MINUS")) {
    uint32_t uoff = tok(p)->off;
    if (!is_kw(p, "UNION")) fail(p, uoff, "EXCEPT and INTERSECT are not supported yet");
    p->i++;
    if (!accept_kw(p, "ALL"))
      fail(p, uoff, "UNION (with duplicate removal) is not supported yet; use UNION ALL");
    sql_query *u = alloc(p, sizeof *u);
    u->kind = Q_UNION_ALL;
    u->off = uoff;
    u->l = q;
    u->r = parse_query_term(p);
    q = u;
  }
  if (is_kw(p, "ORDER")) {
    q->order_off = tok(p)->off;
    fail(p, q->order_off, "ORDER BY is not supported yet in streaming pipelines");
  }
  if (is_kw(p, "LIMIT") || is_kw(p, "FETCH") || is_kw(p, "OFFSET"))
    fail(p, tok(p)->off, "LIMIT is not supported yet");
  if (nctes) {
    if (q->nctes) fail(p, off, "nested WITH clauses must be inside parentheses");
    q->ctes = ctes;
    q->nctes = nctes;
  }
  return q;
}

/* ---- statements ---- */

static void parse_options(parser *p, sql_stmt *s) {
  expect_p(p, "(");
  int cap = 8;
  s->opts = alloc(p, sizeof *s->opts * (size_t)cap);
  if (!is_p(p, ")")) do {
      if (s->nopts == cap) {
        sql_option *no = alloc(p, sizeof *no * (size_t)cap * 2);
        memcpy(no, s->opts, sizeof *no * (size_t)cap);
        s->opts = no;
        cap *= 2;
      }
      sql_option *o = &s->opts[s->nopts++];
      o->key_off = tok(p)->off;
      if (tok(p)->kind != TK_STRING) {
        fail_expected(p, "an option key in single quotes, e.g. 'connector'");
      }
      o->key = string_lit(p, "an option key");
      expect_p(p, "=");
      o->val_off = tok(p)->off;
      o->value = string_lit(p, "an option value in single quotes");
      for (int j = 0; j < s->nopts - 1; j++)
        if (!strcmp(s->opts[j].key, o->key))
          fail(p, o->key_off, "option '%s' is set twice", o->key);
    } while (accept_p(p, ","));
  expect_p(p, ")");
}

static const char **name_list(parser *p, uint32_t **offs, int *n) {
  expect_p(p, "(");
  const char *v[256];
  uint32_t o[256];
  int k = 0;
  do {
    if (k == 256) fail(p, tok(p)->off, "too many names");
    o[k] = tok(p)->off;
    v[k++] = ident(p, NULL, "a column name");
  } while (accept_p(p, ","));
  expect_p(p, ")");
  const char **r = alloc(p, sizeof(char *) * (size_t)k);
  memcpy(r, v, sizeof(char *) * (size_t)k);
  *offs = alloc(p, sizeof(uint32_t) * (size_t)k);
  memcpy(*offs, o, sizeof(uint32_t) * (size_t)k);
  *n = k;
  return r;
}

static void skip_comment_clause(parser *p) {
  if (accept_kw(p, "COMMENT")) string_lit(p, "a comment string");
}

static void parse_create_table(parser *p, sql_stmt *s) {
  s->kind = S_CREATE_TABLE;
  if (accept_kw(p, "IF")) {
    expect_kw(p, "NOT");
    expect_kw(p, "EXISTS");
    s->if_not_exists = true;
  }
  s->name_off = tok(p)->off;
  s->name = ident(p, NULL, "a table name");
  while (accept_p(p, ".")) {
    s->name_off = tok(p)->off;
    s->name = ident(p, NULL, "a table name");
  }
  if (accept_p(p, "(")) {
    s->has_columns = true;
    int cap = 16;
    s->cols = alloc(p, sizeof *s->cols * (size_t)cap);
    do {
      uint32_t off = tok(p)->off;
      if (is_kw(p, "WATERMARK")) {
        p->i++;
        if (s->wm_col) fail(p, off, "a table can have only one WATERMARK");
        expect_kw(p, "FOR");
        s->wm_off = tok(p)->off;
        s->wm_col = ident(p, NULL, "the event-time column");
        expect_kw(p, "AS");
        s->wm_expr = parse_expr(p);
        continue;
      }
      if (is_kw(p, "PRIMARY") || is_kw(p, "CONSTRAINT")) {
        if (accept_kw(p, "CONSTRAINT")) ident(p, NULL, "a constraint name");
        expect_kw(p, "PRIMARY");
        expect_kw(p, "KEY");
        if (s->npk) fail(p, off, "a table can have only one PRIMARY KEY");
        s->pk = name_list(p, &s->pk_off, &s->npk);
        if (!accept_kw(p, "NOT")) fail(p, tok(p)->off, "PRIMARY KEY must be declared NOT ENFORCED");
        expect_kw(p, "ENFORCED");
        continue;
      }
      if (s->ncols == cap) {
        sql_column_def *nc = alloc(p, sizeof *nc * (size_t)cap * 2);
        memcpy(nc, s->cols, sizeof *nc * (size_t)cap);
        s->cols = nc;
        cap *= 2;
      }
      sql_column_def *c = &s->cols[s->ncols++];
      c->off = off;
      c->name = ident(p, NULL, "a column name");
      if (accept_kw(p, "AS")) {
        c->computed = parse_expr(p);
      } else {
        c->type = parse_type(p);
        if (accept_kw(p, "NOT")) {
          expect_kw(p, "NULL");
          c->not_null = true;
        } else {
          accept_kw(p, "NULL");
        }
        if (accept_kw(p, "METADATA")) {
          c->metadata = true;
          if (accept_kw(p, "FROM")) c->meta_key = string_lit(p, "a metadata key");
          accept_kw(p, "VIRTUAL");
        }
        if (is_kw(p, "PRIMARY")) {
          uint32_t pkoff = tok(p)->off;
          p->i++;
          expect_kw(p, "KEY");
          if (!accept_kw(p, "NOT"))
            fail(p, tok(p)->off, "PRIMARY KEY must be declared NOT ENFORCED");
          expect_kw(p, "ENFORCED");
          if (s->npk) fail(p, pkoff, "a table can have only one PRIMARY KEY");
          s->pk = alloc(p, sizeof(char *));
          s->pk_off = alloc(p, sizeof(uint32_t));
          s->pk[0] = c->name;
          s->pk_off[0] = c->off;
          s->npk = 1;
        }
      }
      skip_comment_clause(p);
      for (int j = 0; j < s->ncols - 1; j++)
        if (str_ieq(s->cols[j].name, c->name))
          fail(p, off, "column '%s' is declared twice", c->name);
    } while (accept_p(p, ","));
    expect_p(p, ")");
  }
  skip_comment_clause(p);
  if (is_kw(p, "PARTITIONED")) {
    s->part_off = tok(p)->off;
    p->i++;
    expect_kw(p, "BY");
    s->part = name_list(p, &s->part_offs, &s->npart);
  }
  if (is_kw(p, "LIKE")) fail(p, tok(p)->off, "CREATE TABLE ... LIKE is not supported yet");
  if (!is_kw(p, "WITH")) fail_expected(p, "WITH ('connector' = ...)");
  p->i++;
  parse_options(p, s);
}

static sql_stmt *parse_insert(parser *p, uint32_t off) {
  sql_stmt *s = alloc(p, sizeof *s);
  s->kind = S_INSERT;
  s->off = off;
  if (is_kw(p, "OVERWRITE")) fail(p, tok(p)->off, "INSERT OVERWRITE is not supported yet");
  expect_kw(p, "INTO");
  s->name_off = tok(p)->off;
  s->name = ident(p, NULL, "a table name");
  while (accept_p(p, ".")) {
    s->name_off = tok(p)->off;
    s->name = ident(p, NULL, "a table name");
  }
  if (is_p(p, "(") && !is_kw_at(p, 1, "SELECT") && !is_kw_at(p, 1, "WITH"))
    s->insert_cols = name_list(p, &s->insert_col_off, &s->ninsert_cols);
  if (is_kw(p, "VALUES"))
    fail(p, tok(p)->off, "INSERT ... VALUES is not supported yet; use INSERT ... SELECT");
  if (!is_kw(p, "SELECT") && !is_kw(p, "WITH") && !is_p(p, "(")) fail_expected(p, "SELECT");
  s->query = parse_query(p);
  return s;
}

static const char *set_word(parser *p, uint32_t *off) {
  *off = tok(p)->off;
  if (tok(p)->kind == TK_STRING) return string_lit(p, "a value");
  const sql_token *k = tok(p);
  if (k->kind == TK_IDENT || k->kind == TK_INTEGER || k->kind == TK_NUMBER) {
    /* bare key.path or value */
    size_t start = k->off, end = k->off + k->len;
    p->i++;
    while ((is_p(p, ".") || is_p(p, "-")) && p->t[p->i + 1].kind != TK_EOF &&
           p->t[p->i + 1].off == tok(p)->off + 1) {
      p->i++;
      end = tok(p)->off + tok(p)->len;
      p->i++;
    }
    return arena_strndup(p->a, p->src->text + start, end - start);
  }
  fail_expected(p, "a quoted key or value");
}

static sql_stmt *parse_stmt(parser *p) {
  uint32_t off = tok(p)->off;
  sql_stmt *s;
  if (accept_kw(p, "CREATE")) {
    s = alloc(p, sizeof *s);
    s->off = off;
    accept_kw(p, "TEMPORARY");
    if (accept_kw(p, "TABLE")) {
      parse_create_table(p, s);
    } else if (accept_kw(p, "VIEW")) {
      s->kind = S_CREATE_VIEW;
      if (accept_kw(p, "IF")) {
        expect_kw(p, "NOT");
        expect_kw(p, "EXISTS");
        s->if_not_exists = true;
      }
      s->name_off = tok(p)->off;
      s->name = ident(p, NULL, "a view name");
      if (is_p(p, "(")) s->insert_cols = name_list(p, &s->insert_col_off, &s->ninsert_cols);
      expect_kw(p, "AS");
      s->query = parse_query(p);
    } else if (is_kw(p, "FUNCTION") || is_kw(p, "CATALOG") || is_kw(p, "DATABASE")) {
      fail(p, tok(p)->off, "CREATE %.*s is not supported", (int)tok(p)->len, ttext(p, tok(p)));
    } else {
      fail_expected(p, "TABLE or VIEW after CREATE");
    }
    return s;
  }
  if (accept_kw(p, "INSERT")) return parse_insert(p, off);
  if (accept_kw(p, "SET")) {
    s = alloc(p, sizeof *s);
    s->kind = S_SET;
    s->off = off;
    s->opts = alloc(p, sizeof *s->opts);
    s->nopts = 1;
    s->opts[0].key = set_word(p, &s->opts[0].key_off);
    expect_p(p, "=");
    s->opts[0].value = set_word(p, &s->opts[0].val_off);
    return s;
  }
  bool old_style = is_kw(p, "BEGIN");
  if (accept_kw(p, "EXECUTE") || old_style) {
    if (old_style) {
      p->i++;
      expect_kw(p, "STATEMENT");
      expect_kw(p, "SET");
      expect_p(p, ";");
    } else {
      if (is_kw(p, "INSERT")) {
        p->i++;
        return parse_insert(p, off);
      }
      expect_kw(p, "STATEMENT");
      expect_kw(p, "SET");
      expect_kw(p, "BEGIN");
    }
    s = alloc(p, sizeof *s);
    s->kind = S_STATEMENT_SET;
    s->off = off;
    sql_stmt *v[256];
    int n = 0;
    while (!is_kw(p, "END")) {
      if (accept_p(p, ";")) continue;
      uint32_t ioff = tok(p)->off;
      if (!accept_kw(p, "INSERT")) fail_expected(p, "INSERT INTO or END in a statement set");
      if (n == 256) fail(p, ioff, "too many statements in one statement set");
      v[n++] = parse_insert(p, ioff);
      if (!is_kw(p, "END")) expect_p(p, ";");
    }
    p->i++;
    if (n == 0) fail(p, off, "a statement set needs at least one INSERT");
    s->stmts = alloc(p, sizeof *s->stmts * (size_t)n);
    memcpy(s->stmts, v, sizeof *s->stmts * (size_t)n);
    s->nstmts = n;
    return s;
  }
  if (is_kw(p, "SELECT") || is_kw(p, "WITH"))
    fail(p, off, "a query must be written into a table: INSERT INTO sink SELECT ...");
  fail_expected(p, "a statement (CREATE TABLE, CREATE VIEW, INSERT INTO, SET or EXECUTE "
                   "STATEMENT SET)");
}

static void init(parser *p, const sl_source *src, sql_dialect d, sl_arena *a, sl_error *e) {
  memset(p, 0, sizeof *p);
  p->src = src;
  p->d = d;
  p->a = a;
  p->e = e;
}

sl_status sql_parse(const sl_source *src, sql_dialect d, sl_arena *a, sql_script *out,
                    sl_error *e) {
  parser P, *p = &P;
  init(p, src, d, a, e);
  sl_status st = sql_lex(src, d, a, &p->t, &p->n, e);
  if (st) return st;
  out->stmts = NULL;
  out->n = 0;
  if (setjmp(p->jb)) return SL_ESQL;
  int cap = 16;
  sql_stmt **v = alloc(p, sizeof *v * (size_t)cap);
  while (tok(p)->kind != TK_EOF) {
    if (accept_p(p, ";")) continue;
    if (out->n == cap) {
      sql_stmt **nv = alloc(p, sizeof *nv * (size_t)cap * 2);
      memcpy(nv, v, sizeof *nv * (size_t)cap);
      v = nv;
      cap *= 2;
    }
    v[out->n++] = parse_stmt(p);
    if (tok(p)->kind != TK_EOF && !is_p(p, ";"))
      fail_expected(p, "';' at the end of the statement");
  }
  out->stmts = v;
  return SL_OK;
}

sl_status sql_parse_expr(const sl_source *src, sql_dialect d, sl_arena *a, sql_expr **out,
                         sl_error *e) {
  parser P, *p = &P;
  init(p, src, d, a, e);
  sl_status st = sql_lex(src, d, a, &p->t, &p->n, e);
  if (st) return st;
  if (setjmp(p->jb)) return SL_ESQL;
  *out = parse_expr(p);
  if (tok(p)->kind != TK_EOF) fail_expected(p, "end of expression");
  return SL_OK;
}

bool sql_name_match(const char *declared, const char *ref, bool quoted) {
  return quoted ? strcmp(declared, ref) == 0 : str_ieq(declared, ref);
}

const char *sql_op_text(int op) {
  static const char *const t[] = {
      "?", "OR", "AND", "=", "<>", "<", "<=", ">", ">=", "||", "+", "-", "*", "/", "%", "-", "NOT"};
  return op >= 0 && op < (int)(sizeof t / sizeof t[0]) ? t[op] : "?";
}
