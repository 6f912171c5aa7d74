/* parse_int.h - what the two halves of the parser share (parser.c: statements and queries;
 * parse_expr.c: expressions and types): the parser state, token tests, located failures and the
 * nesting guard. Internal to sql/; nothing outside this folder includes it. */
#ifndef SLUICE_PARSE_INT_H
#define SLUICE_PARSE_INT_H

#include <setjmp.h>
#include <string.h>

#include "sql.h"

/* Real nesting (parentheses, subqueries, function arguments, CASE, CAST) deeper than this
 * is a located error, and so is an expression tree taller than SQL_MAX_HEIGHT (a left-deep chain
 * such as a + b + c ... counts one level per operator). Both keep every later recursive walk
 * (binder, rewrites, explain, evaluation) within the stack, even under ASan. */
#define SQL_MAX_DEPTH 256
#define SQL_MAX_HEIGHT 2000

typedef struct parser {
  const sl_source *src;
  sql_dialect d;
  sl_arena *a;
  sql_token *t;
  int n, i;
  int depth; /* current nesting, see SQL_MAX_DEPTH */
  sl_error *e;
  jmp_buf jb;
  sql_over **over_refs; /* OVER name, waiting for their SELECT's WINDOW clause */
  int nrefs, refcap;
} parser;

static inline const sql_token *tok(parser *p) { return &p->t[p->i]; }
static inline const char *ttext(parser *p, const sql_token *k) { return p->src->text + k->off; }
static inline void *alloc(parser *p, size_t n) { return arena_zalloc(p->a, n); }

static inline bool is_kw_at(parser *p, int ahead, const char *kw) {
  if (p->i + ahead >= p->n) return false;
  const sql_token *k = &p->t[p->i + ahead];
  return k->kind == TK_IDENT && str_nieq(ttext(p, k), k->len, kw);
}
static inline bool is_kw(parser *p, const char *kw) { return is_kw_at(p, 0, kw); }
static inline bool accept_kw(parser *p, const char *kw) {
  if (!is_kw(p, kw)) return false;
  p->i++;
  return true;
}
static inline bool is_p_at(parser *p, int ahead, const char *s) {
  if (p->i + ahead >= p->n) return false;
  const sql_token *k = &p->t[p->i + ahead];
  return k->kind == TK_PUNCT && k->len == strlen(s) && memcmp(ttext(p, k), s, k->len) == 0;
}
static inline bool is_p(parser *p, const char *s) { return is_p_at(p, 0, s); }
static inline bool accept_p(parser *p, const char *s) {
  if (!is_p(p, s)) return false;
  p->i++;
  return true;
}

_Noreturn __attribute__((format(printf, 3, 4))) void sql_fail(parser *p, uint32_t off,
                                                              const char *fmt, ...);
_Noreturn void sql_fail_expected(parser *p, const char *what);
void sql_expect_kw(parser *p, const char *kw);
void sql_expect_p(parser *p, const char *s);
bool sql_is_reserved(parser *p, const sql_token *k);
/* Identifier (bare or quoted) as a string; *quoted tells which. */
const char *sql_ident(parser *p, bool *quoted, const char *what);
const char *sql_string_lit(parser *p, const char *what);
/* Nesting guard: every recursive descent step enters and leaves. */
void sql_enter(parser *p);
static inline void sql_leave(parser *p) { p->depth--; }

sl_type sql_parse_type(parser *p);
/* parse_row.c: the type of table column c (a ROW fills c->fields; other types c->type) */
void sql_column_type_p(parser *p, sql_column_def *c);
int sql_int_in_parens(parser *p); /* parse_expr.c: (n) of a type, a non-negative integer */
/* parse_time.c: a time unit word (upper case, singular), and an INTERVAL literal after the
 * INTERVAL keyword at off */
const char *sql_time_unit(parser *p);
sql_expr *sql_interval_p(parser *p, uint32_t off);
sql_expr *sql_expr_p(parser *p);   /* parse_expr.c: a whole expression */
sql_query *sql_query_p(parser *p); /* parser.c: a query with WITH and UNION ALL */
/* parser.c: catalog.db.table -> f (FROM_TABLE, the last part of the name) */
void sql_table_name(parser *p, struct sql_from *f);
/* parse_window.c: TABLE(TUMBLE(...)) and the other window TVFs, at the TABLE keyword */
sql_from *sql_tvf_p(parser *p);
/* parse_window.c: OVER (...) at the OVER keyword; the tallest expression in it */
sql_over *sql_over_p(parser *p);
/* WINDOW w AS (...), ... after HAVING: resolves the OVER w of this SELECT (refs from index
 * first on); a name without a definition is a located error. */
void sql_window_clause_p(parser *p, int first);
uint32_t sql_over_height(const sql_over *o);
/* parse_group.c: the items after GROUP BY into q (group_by, ngroup, gsets) */
void sql_group_by_p(parser *p, sql_query *q);
/* parse_group.c: structural equality (unquoted names compare case-insensitively; calls with
 * FILTER or OVER never compare equal to another node) */
bool sql_expr_same(const sql_expr *a, const sql_expr *b);

typedef struct exprvec {
  sql_expr **v;
  int n, cap;
} exprvec;
void sql_ev_push(parser *p, exprvec *ev, sql_expr *x);

#endif
