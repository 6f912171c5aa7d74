/* parser.c - recursive-descent parser from tokens to the AST of sql.h: statements (CREATE
 * TABLE/VIEW, INSERT, SET, statement sets) and queries (WITH, SELECT, UNION ALL as one n-ary
 * node, subqueries), plus the token helpers parse_expr.c shares through parse_int.h. Errors
 * jump back to the entry point with a located message; everything allocated lives in the
 * caller's arena. Must not resolve names, and leaves expressions and types to parse_expr.c. */
#include <ctype.h>
#include <errno.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "parse_int.h"

/* Words that end an expression or a FROM item, so they are never taken as an implicit alias. */
static const char *const reserved[] = {
    "FROM",  "WHERE",   "GROUP",  "HAVING", "ORDER",     "LIMIT",  "UNION",    "JOIN", "INNER",
    "LEFT",  "RIGHT",   "FULL",   "CROSS",  "ON",        "AS",     "SELECT",   "WITH", "AND",
    "OR",    "NOT",     "IS",     "IN",     "BETWEEN",   "LIKE",   "CASE",     "WHEN", "THEN",
    "ELSE",  "END",     "WINDOW", "EXCEPT", "INTERSECT", "VALUES", "INSERT",   "INTO", "TABLE",
    "NULL",  "TRUE",    "FALSE",  "FOR",    "LATERAL",   "OVER",   "DISTINCT", "ALL",  "ESCAPE",
    "USING", "NATURAL", "OFFSET", "FETCH",  "EMIT",      "OUTER",  NULL};

_Noreturn void sql_fail(parser *p, uint32_t off, const char *fmt, ...) {
  va_list ap;
  char msg[600];
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  err_at(p->e, SL_ESQL, p->src, off, "%s", msg);
  longjmp(p->jb, 1);
}

_Noreturn void sql_fail_expected(parser *p, const char *what) {
  const sql_token *k = tok(p);
  if (k->kind == TK_EOF) sql_fail(p, k->off, "expected %s, found end of input", what);
  sql_fail(p, k->off, "expected %s, found '%.*s'", what, (int)(k->len > 40 ? 40 : k->len),
           ttext(p, k));
}

void sql_expect_kw(parser *p, const char *kw) {
  if (!accept_kw(p, kw)) sql_fail_expected(p, kw);
}
void sql_expect_p(parser *p, const char *s) {
  if (!accept_p(p, s)) {
    char what[16];
    snprintf(what, sizeof what, "'%s'", s);
    sql_fail_expected(p, what);
  }
}

void sql_enter(parser *p) {
  if (++p->depth > SQL_MAX_DEPTH) {
    err_at(p->e, SL_ESQL, p->src, tok(p)->off, "the text nests more than %d levels deep here",
           SQL_MAX_DEPTH);
    err_hint(p->e, "split it into views or WITH queries");
    longjmp(p->jb, 1);
  }
}

bool sql_is_reserved(parser *p, const sql_token *k) {
  if (k->kind != TK_IDENT) return false;
  for (int i = 0; reserved[i]; i++)
    if (str_nieq(ttext(p, k), k->len, reserved[i])) return true;
  return false;
}

const char *sql_ident(parser *p, bool *quoted, const char *what) {
  const sql_token *k = tok(p);
  if (k->kind == TK_IDENT) {
    if (sql_is_reserved(p, k) && strcmp(what, "an expression")) {
      err_at(p->e, SL_ESQL, p->src, k->off, "expected %s, found the reserved word '%.*s'", what,
             (int)k->len, ttext(p, k));
      err_hint(p->e, "to use it as a name, quote it with backticks: `%.*s`", (int)k->len,
               ttext(p, k));
      longjmp(p->jb, 1);
    }
    if (sql_is_reserved(p, k)) sql_fail_expected(p, what);
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
  sql_fail_expected(p, what);
}

const char *sql_string_lit(parser *p, const char *what) {
  const sql_token *k = tok(p);
  if (k->kind != TK_STRING) sql_fail_expected(p, what);
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

void sql_ev_push(parser *p, exprvec *ev, sql_expr *x) {
  if (ev->n == ev->cap) {
    int nc = ev->cap ? ev->cap * 2 : 4;
    sql_expr **nv = arena_alloc(p->a, sizeof *nv * (size_t)nc);
    if (ev->n) memcpy(nv, ev->v, sizeof *nv * (size_t)ev->n);
    ev->v = nv;
    ev->cap = nc;
  }
  ev->v[ev->n++] = x;
}

/* ---- queries ---- */

static const char *opt_alias(parser *p) {
  if (accept_kw(p, "AS")) return sql_ident(p, NULL, "an alias");
  const sql_token *k = tok(p);
  if ((k->kind == TK_IDENT && !sql_is_reserved(p, k)) || k->kind == TK_QIDENT)
    return sql_ident(p, NULL, "an alias");
  return NULL;
}

void sql_table_name(parser *p, sql_from *f) {
  f->kind = FROM_TABLE;
  f->off = tok(p)->off;
  f->name = sql_ident(p, &f->quoted, "a table name");
  while (accept_p(p, ".")) /* catalog.db.table: keep the last part */
    f->name = sql_ident(p, &f->quoted, "a table name");
}

static sql_from *parse_from_item(parser *p) {
  sql_from *f = alloc(p, sizeof *f);
  f->off = tok(p)->off;
  if (accept_p(p, "(")) {
    f->kind = FROM_SUBQUERY;
    f->sub = sql_query_p(p);
    sql_expect_p(p, ")");
  } else if (is_kw(p, "TABLE") && is_p_at(p, 1, "(")) {
    f = sql_tvf_p(p);
  } else if (is_kw(p, "LATERAL") || is_kw(p, "UNNEST")) {
    sql_fail(p, f->off, "%s is not supported yet", is_kw(p, "LATERAL") ? "LATERAL" : "UNNEST");
  } else if (is_kw(p, "VALUES")) {
    sql_fail(p, f->off, "VALUES in FROM is not supported yet; use SELECT ... UNION ALL SELECT ...");
  } else {
    sql_table_name(p, f);
    if (is_kw(p, "FOR") && is_kw_at(p, 1, "SYSTEM_TIME")) {
      f->as_of_off = tok(p)->off;
      p->i += 2;
      sql_expect_kw(p, "AS");
      sql_expect_kw(p, "OF");
      f->as_of = sql_expr_p(p);
    }
  }
  f->alias = opt_alias(p);
  if (f->kind == FROM_SUBQUERY && !f->alias && p->d == SQL_FLINK) f->alias = NULL;
  return f;
}

/* FROM items joined left to right: a, b JOIN c ON ... is ((a CROSS b) JOIN c). */
#define SQL_MAX_JOINS 64
static sql_from *parse_from(parser *p) {
  sql_from *l = parse_from_item(p);
  for (int njoins = 0;; njoins++) {
    uint32_t off = tok(p)->off;
    int kind;
    if (accept_p(p, ",")) {
      kind = SJ_CROSS;
    } else if (accept_kw(p, "CROSS")) {
      if (is_kw(p, "APPLY")) sql_fail(p, off, "CROSS APPLY is not supported");
      sql_expect_kw(p, "JOIN");
      kind = SJ_CROSS;
    } else if (accept_kw(p, "INNER") || is_kw(p, "JOIN")) {
      sql_expect_kw(p, "JOIN");
      kind = SJ_INNER;
    } else if (is_kw(p, "LEFT") || is_kw(p, "RIGHT") || is_kw(p, "FULL")) {
      kind = is_kw(p, "LEFT") ? SJ_LEFT : is_kw(p, "RIGHT") ? SJ_RIGHT : SJ_FULL;
      p->i++;
      accept_kw(p, "OUTER");
      sql_expect_kw(p, "JOIN");
    } else if (is_kw(p, "OUTER")) {
      sql_fail(p, off, "OUTER JOIN needs LEFT, RIGHT or FULL before OUTER");
    } else if (is_kw(p, "NATURAL")) {
      sql_fail(p, off, "NATURAL JOIN is not supported; name the columns with USING (...) or ON");
    } else {
      return l;
    }
    if (njoins >= SQL_MAX_JOINS)
      sql_fail(p, off, "more than %d joins in one FROM clause", SQL_MAX_JOINS);
    sql_from *j = alloc(p, sizeof *j);
    j->kind = FROM_JOIN;
    j->join = kind;
    j->off = off;
    j->left = l;
    j->right = parse_from_item(p);
    if (kind != SJ_CROSS) {
      if (accept_kw(p, "ON")) {
        j->on = sql_expr_p(p);
      } else if (accept_kw(p, "USING")) {
        sql_expect_p(p, "(");
        int cap = 4;
        j->using_cols = alloc(p, sizeof(char *) * (size_t)cap);
        j->using_offs = alloc(p, sizeof(uint32_t) * (size_t)cap);
        do {
          if (j->nusing == cap) {
            const char **nc = alloc(p, sizeof(char *) * (size_t)cap * 2);
            uint32_t *no = alloc(p, sizeof(uint32_t) * (size_t)cap * 2);
            memcpy(nc, j->using_cols, sizeof(char *) * (size_t)cap);
            memcpy(no, j->using_offs, sizeof(uint32_t) * (size_t)cap);
            j->using_cols = nc, j->using_offs = no, cap *= 2;
          }
          j->using_offs[j->nusing] = tok(p)->off;
          j->using_cols[j->nusing++] = sql_ident(p, NULL, "a column name");
        } while (accept_p(p, ","));
        sql_expect_p(p, ")");
      } else {
        sql_fail_expected(p, "ON or USING after the joined table");
      }
    }
    l = j;
  }
}

/* The hint comment right after SELECT ("/" "*+" ... "*" "/"): NAME('k' = 'v', ...), NAME(a, b). */
static void parse_hints(parser *p, sql_query *q) {
  if (tok(p)->kind != TK_HINT) return;
  p->i++;
  int cap = 2;
  q->hints = alloc(p, sizeof *q->hints * (size_t)cap);
  do {
    if (q->nhints == cap) {
      sql_hint *nh = alloc(p, sizeof *nh * (size_t)cap * 2);
      memcpy(nh, q->hints, sizeof *nh * (size_t)cap);
      q->hints = nh;
      cap *= 2;
    }
    sql_hint *h = &q->hints[q->nhints++];
    h->off = tok(p)->off;
    h->name = sql_ident(p, NULL, "a hint name");
    if (!accept_p(p, "(")) continue;
    int n = 0, hc = 4;
    if (tok(p)->kind == TK_STRING) {
      h->kv = alloc(p, sizeof *h->kv * (size_t)hc);
      do {
        if (n == hc) {
          sql_option *nk = alloc(p, sizeof *nk * (size_t)hc * 2);
          memcpy(nk, h->kv, sizeof *nk * (size_t)hc);
          h->kv = nk;
          hc *= 2;
        }
        sql_option *o = &h->kv[n++];
        o->key_off = tok(p)->off;
        o->key = sql_string_lit(p, "a hint option key ('k' = 'v')");
        sql_expect_p(p, "=");
        o->val_off = tok(p)->off;
        o->value = sql_string_lit(p, "a hint option value");
      } while (accept_p(p, ","));
      h->nkv = n;
    } else if (!is_p(p, ")")) {
      h->args = alloc(p, sizeof(char *) * (size_t)hc);
      do {
        if (n == hc) {
          const char **na = alloc(p, sizeof(char *) * (size_t)hc * 2);
          memcpy(na, h->args, sizeof(char *) * (size_t)hc);
          h->args = na;
          hc *= 2;
        }
        h->args[n++] = sql_ident(p, NULL, "a table name");
      } while (accept_p(p, ","));
      h->nargs = n;
    }
    sql_expect_p(p, ")");
  } while (accept_p(p, ","));
  if (tok(p)->kind != TK_HINT_END) sql_fail_expected(p, "'*/' closing the hint");
  p->i++;
}

static sql_query *parse_select(parser *p) {
  sql_query *q = alloc(p, sizeof *q);
  q->kind = Q_SELECT;
  q->off = tok(p)->off;
  sql_expect_kw(p, "SELECT");
  int refs0 = p->nrefs; /* OVER w met from here on belong to this SELECT */
  parse_hints(p, q);
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
      it->e = alloc(p, sizeof *it->e);
      it->e->kind = A_STAR;
      it->e->off = it->off;
      it->e->height = 1;
    } else {
      it->e = sql_expr_p(p);
      if (it->e->kind != A_STAR) it->alias = opt_alias(p);
    }
  } while (accept_p(p, ","));
  if (accept_kw(p, "FROM")) {
    q->from = parse_from(p);
  }
  if (accept_kw(p, "WHERE")) q->where = sql_expr_p(p);
  if (is_kw(p, "GROUP")) {
    q->group_off = tok(p)->off;
    p->i++;
    sql_expect_kw(p, "BY");
    sql_group_by_p(p, q);
  }
  if (accept_kw(p, "HAVING")) q->having = sql_expr_p(p);
  sql_window_clause_p(p, refs0);
  return q;
}

static sql_query *parse_query_term(parser *p) {
  if (accept_p(p, "(")) {
    sql_query *q = sql_query_p(p);
    sql_expect_p(p, ")");
    return q;
  }
  if (!is_kw(p, "SELECT")) sql_fail_expected(p, "SELECT");
  return parse_select(p);
}

sql_query *sql_query_p(parser *p) {
  sql_enter(p);
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
      c->name = sql_ident(p, NULL, "a name for the WITH query");
      if (is_p(p, "("))
        sql_fail(p, tok(p)->off, "column lists on WITH queries are not supported yet");
      sql_expect_kw(p, "AS");
      sql_expect_p(p, "(");
      c->q = sql_query_p(p);
      sql_expect_p(p, ")");
    } while (accept_p(p, ","));
  }
  sql_query *q = parse_query_term(p);
  /* a UNION ALL chain is collected in a loop into one n-ary node */
  sql_query *u = NULL;
  int cap = 0;
  while (is_kw(p, "UNION") || is_kw(p, "EXCEPT") || is_kw(p, "INTERSECT") || is_kw(p, "MINUS")) {
    uint32_t uoff = tok(p)->off;
    if (!is_kw(p, "UNION")) sql_fail(p, uoff, "EXCEPT and INTERSECT are not supported yet");
    p->i++;
    if (!accept_kw(p, "ALL"))
      sql_fail(p, uoff, "UNION (with duplicate removal) is not supported yet; use UNION ALL");
    if (!u) {
      u = alloc(p, sizeof *u);
      u->kind = Q_UNION_ALL;
      u->off = uoff;
      cap = 8;
      u->terms = alloc(p, sizeof *u->terms * (size_t)cap);
      u->terms[u->nterms++] = q;
    }
    if (u->nterms == cap) {
      sql_query **nt = alloc(p, sizeof *nt * (size_t)cap * 2);
      memcpy(nt, u->terms, sizeof *nt * (size_t)cap);
      u->terms = nt;
      cap *= 2;
    }
    u->terms[u->nterms++] = parse_query_term(p);
  }
  if (u) q = u;
  if (is_kw(p, "ORDER")) {
    q->order_off = tok(p)->off;
    sql_fail(p, q->order_off, "ORDER BY is not supported yet in streaming pipelines");
  }
  if (is_kw(p, "LIMIT") || is_kw(p, "FETCH") || is_kw(p, "OFFSET"))
    sql_fail(p, tok(p)->off, "LIMIT is not supported yet");
  if (nctes) {
    if (q->nctes) sql_fail(p, off, "nested WITH clauses must be inside parentheses");
    q->ctes = ctes;
    q->nctes = nctes;
  }
  sql_leave(p);
  return q;
}

/* ---- statements ---- */

static void parse_options(parser *p, sql_stmt *s) {
  sql_expect_p(p, "(");
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
        sql_fail_expected(p, "an option key in single quotes, e.g. 'connector'");
      }
      o->key = sql_string_lit(p, "an option key");
      sql_expect_p(p, "=");
      o->val_off = tok(p)->off;
      o->value = sql_string_lit(p, "an option value in single quotes");
      for (int j = 0; j < s->nopts - 1; j++)
        if (!strcmp(s->opts[j].key, o->key))
          sql_fail(p, o->key_off, "option '%s' is set twice", o->key);
    } while (accept_p(p, ","));
  sql_expect_p(p, ")");
}

static const char **name_list(parser *p, uint32_t **offs, int *n) {
  sql_expect_p(p, "(");
  const char *v[256];
  uint32_t o[256];
  int k = 0;
  do {
    if (k == 256) sql_fail(p, tok(p)->off, "too many names");
    o[k] = tok(p)->off;
    v[k++] = sql_ident(p, NULL, "a column name");
  } while (accept_p(p, ","));
  sql_expect_p(p, ")");
  const char **r = alloc(p, sizeof(char *) * (size_t)k);
  memcpy(r, v, sizeof(char *) * (size_t)k);
  *offs = alloc(p, sizeof(uint32_t) * (size_t)k);
  memcpy(*offs, o, sizeof(uint32_t) * (size_t)k);
  *n = k;
  return r;
}

static void skip_comment_clause(parser *p) {
  if (accept_kw(p, "COMMENT")) sql_string_lit(p, "a comment string");
}

static void parse_create_table(parser *p, sql_stmt *s) {
  s->kind = S_CREATE_TABLE;
  if (accept_kw(p, "IF")) {
    sql_expect_kw(p, "NOT");
    sql_expect_kw(p, "EXISTS");
    s->if_not_exists = true;
  }
  s->name_off = tok(p)->off;
  s->name = sql_ident(p, NULL, "a table name");
  while (accept_p(p, ".")) {
    s->name_off = tok(p)->off;
    s->name = sql_ident(p, NULL, "a table name");
  }
  if (accept_p(p, "(")) {
    s->has_columns = true;
    int cap = 16;
    s->cols = alloc(p, sizeof *s->cols * (size_t)cap);
    do {
      uint32_t off = tok(p)->off;
      if (is_kw(p, "WATERMARK")) {
        p->i++;
        if (s->wm_col) sql_fail(p, off, "a table can have only one WATERMARK");
        sql_expect_kw(p, "FOR");
        s->wm_off = tok(p)->off;
        s->wm_col = sql_ident(p, NULL, "the event-time column");
        sql_expect_kw(p, "AS");
        s->wm_expr = sql_expr_p(p);
        continue;
      }
      if (is_kw(p, "PRIMARY") || is_kw(p, "CONSTRAINT")) {
        if (accept_kw(p, "CONSTRAINT")) sql_ident(p, NULL, "a constraint name");
        sql_expect_kw(p, "PRIMARY");
        sql_expect_kw(p, "KEY");
        if (s->npk) sql_fail(p, off, "a table can have only one PRIMARY KEY");
        s->pk = name_list(p, &s->pk_off, &s->npk);
        if (!accept_kw(p, "NOT"))
          sql_fail(p, tok(p)->off, "PRIMARY KEY must be declared NOT ENFORCED");
        sql_expect_kw(p, "ENFORCED");
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
      c->name = sql_ident(p, NULL, "a column name");
      if (accept_kw(p, "AS")) {
        c->computed = sql_expr_p(p);
      } else {
        sql_column_type_p(p, c);
        if (accept_kw(p, "NOT")) {
          sql_expect_kw(p, "NULL");
          c->not_null = true;
        } else {
          accept_kw(p, "NULL");
        }
        if (accept_kw(p, "METADATA")) {
          c->metadata = true;
          if (accept_kw(p, "FROM")) c->meta_key = sql_string_lit(p, "a metadata key");
          accept_kw(p, "VIRTUAL");
        }
        if (is_kw(p, "PRIMARY")) {
          uint32_t pkoff = tok(p)->off;
          p->i++;
          sql_expect_kw(p, "KEY");
          if (!accept_kw(p, "NOT"))
            sql_fail(p, tok(p)->off, "PRIMARY KEY must be declared NOT ENFORCED");
          sql_expect_kw(p, "ENFORCED");
          if (s->npk) sql_fail(p, pkoff, "a table can have only one PRIMARY KEY");
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
          sql_fail(p, off, "column '%s' is declared twice", c->name);
    } while (accept_p(p, ","));
    sql_expect_p(p, ")");
  }
  skip_comment_clause(p);
  if (is_kw(p, "PARTITIONED")) {
    s->part_off = tok(p)->off;
    p->i++;
    sql_expect_kw(p, "BY");
    s->part = name_list(p, &s->part_offs, &s->npart);
  }
  if (is_kw(p, "LIKE")) sql_fail(p, tok(p)->off, "CREATE TABLE ... LIKE is not supported yet");
  if (!is_kw(p, "WITH")) sql_fail_expected(p, "WITH ('connector' = ...)");
  p->i++;
  parse_options(p, s);
}

static sql_stmt *parse_insert(parser *p, uint32_t off) {
  sql_stmt *s = alloc(p, sizeof *s);
  s->kind = S_INSERT;
  s->off = off;
  if (is_kw(p, "OVERWRITE")) sql_fail(p, tok(p)->off, "INSERT OVERWRITE is not supported yet");
  sql_expect_kw(p, "INTO");
  s->name_off = tok(p)->off;
  s->name = sql_ident(p, NULL, "a table name");
  while (accept_p(p, ".")) {
    s->name_off = tok(p)->off;
    s->name = sql_ident(p, NULL, "a table name");
  }
  if (is_p(p, "(") && !is_kw_at(p, 1, "SELECT") && !is_kw_at(p, 1, "WITH"))
    s->insert_cols = name_list(p, &s->insert_col_off, &s->ninsert_cols);
  if (is_kw(p, "VALUES"))
    sql_fail(p, tok(p)->off, "INSERT ... VALUES is not supported yet; use INSERT ... SELECT");
  if (!is_kw(p, "SELECT") && !is_kw(p, "WITH") && !is_p(p, "(")) sql_fail_expected(p, "SELECT");
  s->query = sql_query_p(p);
  return s;
}

static const char *set_word(parser *p, uint32_t *off) {
  *off = tok(p)->off;
  if (tok(p)->kind == TK_STRING) return sql_string_lit(p, "a value");
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
  sql_fail_expected(p, "a quoted key or value");
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
        sql_expect_kw(p, "NOT");
        sql_expect_kw(p, "EXISTS");
        s->if_not_exists = true;
      }
      s->name_off = tok(p)->off;
      s->name = sql_ident(p, NULL, "a view name");
      if (is_p(p, "(")) s->insert_cols = name_list(p, &s->insert_col_off, &s->ninsert_cols);
      sql_expect_kw(p, "AS");
      s->query = sql_query_p(p);
    } else if (is_kw(p, "FUNCTION") || is_kw(p, "CATALOG") || is_kw(p, "DATABASE")) {
      sql_fail(p, tok(p)->off, "CREATE %.*s is not supported", (int)tok(p)->len, ttext(p, tok(p)));
    } else {
      sql_fail_expected(p, "TABLE or VIEW after CREATE");
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
    sql_expect_p(p, "=");
    s->opts[0].value = set_word(p, &s->opts[0].val_off);
    return s;
  }
  bool old_style = is_kw(p, "BEGIN");
  if (accept_kw(p, "EXECUTE") || old_style) {
    if (old_style) {
      p->i++;
      sql_expect_kw(p, "STATEMENT");
      sql_expect_kw(p, "SET");
      sql_expect_p(p, ";");
    } else {
      if (is_kw(p, "INSERT")) {
        p->i++;
        return parse_insert(p, off);
      }
      sql_expect_kw(p, "STATEMENT");
      sql_expect_kw(p, "SET");
      sql_expect_kw(p, "BEGIN");
    }
    s = alloc(p, sizeof *s);
    s->kind = S_STATEMENT_SET;
    s->off = off;
    sql_stmt *v[256];
    int n = 0;
    while (!is_kw(p, "END")) {
      if (accept_p(p, ";")) continue;
      uint32_t ioff = tok(p)->off;
      if (!accept_kw(p, "INSERT")) sql_fail_expected(p, "INSERT INTO or END in a statement set");
      if (n == 256) sql_fail(p, ioff, "too many statements in one statement set");
      v[n++] = parse_insert(p, ioff);
      if (!is_kw(p, "END")) sql_expect_p(p, ";");
    }
    p->i++;
    if (n == 0) sql_fail(p, off, "a statement set needs at least one INSERT");
    s->stmts = alloc(p, sizeof *s->stmts * (size_t)n);
    memcpy(s->stmts, v, sizeof *s->stmts * (size_t)n);
    s->nstmts = n;
    return s;
  }
  if (is_kw(p, "SELECT") || is_kw(p, "WITH"))
    sql_fail(p, off, "a query must be written into a table: INSERT INTO sink SELECT ...");
  sql_fail_expected(p, "a statement (CREATE TABLE, CREATE VIEW, INSERT INTO, SET or EXECUTE "
                       "STATEMENT SET)");
}

static void init(parser *p, const sl_source *src, sql_dialect d, sl_arena *a, sl_error *e) {
  memset(p, 0, sizeof *p);
  p->src = src;
  p->d = d;
  p->a = a;
  p->e = e;
}

/* An OVER w outside any SELECT (a computed column, a lone expression) has no WINDOW clause. */
static void unresolved_windows(parser *p) {
  if (p->nrefs)
    sql_fail(p, p->over_refs[0]->off,
             "OVER %s: named windows are defined by the WINDOW clause of a SELECT",
             p->over_refs[0]->name);
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
    unresolved_windows(p);
    if (tok(p)->kind != TK_EOF && !is_p(p, ";"))
      sql_fail_expected(p, "';' at the end of the statement");
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
  *out = sql_expr_p(p);
  if (tok(p)->kind != TK_EOF) sql_fail_expected(p, "end of expression");
  unresolved_windows(p);
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
