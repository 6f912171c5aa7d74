/* parse_pg.c - lineage of one PostgreSQL statement for `sluice inventory`: which tables a
 * statement reads and writes, through CTEs, subqueries, INSERT/UPDATE/DELETE/MERGE, TRUNCATE,
 * COPY, CREATE TABLE AS, SELECT INTO, views, materialised views, DO blocks and function bodies.
 * It walks the lexer's tokens (PostgreSQL dialect) with the parser's token tests and located
 * failures (parse_int.h): clause structure and nesting are followed exactly, expressions are
 * skipped over (only their subqueries matter to lineage). Must not touch: the Flink parser's
 * AST (parser.c), anything after parsing. psql syntax (:variables, \meta-commands) is the
 * caller's (src/inventory/psql.c). */
#include <ctype.h>
#include <stdlib.h>

#include "parse_int.h"

typedef struct pg {
  parser *p;
  sql_pg_stmt *o;
  sql_names ctes;
  bool plpgsql; /* inside a PL/pgSQL body: SELECT INTO names variables */
} pg;

void sql_names_add(sl_arena *a, sql_names *l, const char *s) {
  if (sql_names_has(l, s)) return;
  if (l->n == l->cap) {
    int nc = l->cap ? l->cap * 2 : 4;
    const char **nv = arena_alloc(a, sizeof *nv * (size_t)nc);
    if (l->n) memcpy(nv, l->v, sizeof *nv * (size_t)l->n);
    l->v = nv;
    l->cap = nc;
  }
  l->v[l->n++] = s;
}

bool sql_names_has(const sql_names *l, const char *s) {
  for (int i = 0; i < l->n; i++)
    if (!strcmp(l->v[i], s)) return true;
  return false;
}

static bool kw(pg *g, int i, const char *k) {
  parser *p = g->p;
  return i < p->n && p->t[i].kind == TK_IDENT && str_nieq(ttext(p, &p->t[i]), p->t[i].len, k);
}
static bool pu(pg *g, int i, const char *s) {
  parser *p = g->p;
  return i < p->n && p->t[i].kind == TK_PUNCT && p->t[i].len == strlen(s) &&
         memcmp(ttext(p, &p->t[i]), s, p->t[i].len) == 0;
}
static bool is_name(pg *g, int i, int hi) {
  return i < hi && (g->p->t[i].kind == TK_IDENT || g->p->t[i].kind == TK_QIDENT);
}
_Noreturn static void fail_at(pg *g, int i, const char *what) {
  parser *p = g->p;
  if (i >= p->n) i = p->n - 1;
  const sql_token *k = &p->t[i];
  if (k->kind == TK_EOF) sql_fail(p, k->off, "expected %s, found the end of the statement", what);
  sql_fail(p, k->off, "expected %s, found '%.*s'", what, (int)(k->len > 40 ? 40 : k->len),
           ttext(p, k));
}

/* One identifier: lower-cased unless quoted. */
static const char *tname(pg *g, int i) {
  parser *p = g->p;
  const sql_token *k = &p->t[i];
  const char *s = ttext(p, k);
  char *r = arena_alloc(p->a, k->len + 1);
  size_t o = 0;
  if (k->kind == TK_QIDENT) {
    for (uint32_t j = 1; j + 1 < k->len; j++) {
      r[o++] = s[j];
      if (s[j] == '"') j++;
    }
  } else {
    for (uint32_t j = 0; j < k->len; j++) r[o++] = (char)tolower((unsigned char)s[j]);
  }
  r[o] = 0;
  return r;
}

/* name(.name)* from token i: the joined name in *out, the index after it. */
/* PostgreSQL's reserved words: never a bare table name. */
static bool reserved(pg *g, int i) {
  static const char *const r[] = {
      "ALL",     "ANALYSE", "ANALYZE",    "AND",     "ANY",       "ARRAY",      "AS",
      "ASC",     "CASE",    "CAST",       "CHECK",   "COLLATE",   "COLUMN",     "CONSTRAINT",
      "CREATE",  "DEFAULT", "DEFERRABLE", "DESC",    "DISTINCT",  "DO",         "ELSE",
      "END",     "EXCEPT",  "FALSE",      "FETCH",   "FOR",       "FOREIGN",    "FROM",
      "GRANT",   "GROUP",   "HAVING",     "IN",      "INITIALLY", "INTERSECT",  "INTO",
      "LATERAL", "LEADING", "LIMIT",      "NOT",     "NULL",      "OFFSET",     "ON",
      "ONLY",    "OR",      "ORDER",      "PLACING", "PRIMARY",   "REFERENCES", "RETURNING",
      "SELECT",  "SOME",    "SYMMETRIC",  "TABLE",   "THEN",      "TO",         "TRAILING",
      "TRUE",    "UNION",   "UNIQUE",     "USING",   "VARIADIC",  "WHEN",       "WHERE",
      "WINDOW",  "WITH",    "VALUES",     NULL};
  for (int k = 0; r[k]; k++)
    if (kw(g, i, r[k])) return true;
  return false;
}

static int qname(pg *g, int i, int hi, const char **out, const char *what) {
  if (!is_name(g, i, hi) || reserved(g, i)) fail_at(g, i, what);
  const char *s = tname(g, i++);
  while (pu(g, i, ".") && is_name(g, i + 1, hi)) {
    s = arena_printf(g->p->a, "%s.%s", s, tname(g, i + 1));
    i += 2;
  }
  *out = s;
  return i;
}

/* The ')' matching the '(' at i, before hi. */
static int close_of(pg *g, int i, int hi) {
  int d = 0;
  for (int j = i; j < hi; j++) {
    if (pu(g, j, "(") || pu(g, j, "[")) d++;
    if ((pu(g, j, ")") || pu(g, j, "]")) && --d == 0) return j;
  }
  sql_fail(g->p, g->p->t[i].off, "unbalanced parenthesis: '(' has no matching ')'");
}

static bool query_kw(pg *g, int i) {
  return kw(g, i, "SELECT") || kw(g, i, "WITH") || kw(g, i, "VALUES") || kw(g, i, "TABLE") ||
         kw(g, i, "INSERT") || kw(g, i, "UPDATE") || kw(g, i, "DELETE") || kw(g, i, "MERGE");
}

static void stmt(pg *g, int lo, int hi);
static void scan(pg *g, int lo, int hi, bool query);

static void read_name(pg *g, const char *n) {
  if (!strchr(n, '.') && sql_names_has(&g->ctes, n)) return;
  sql_names_add(g->p->a, &g->o->reads, n);
}
static void write_name(pg *g, const char *n, bool temp) {
  sql_names_add(g->p->a, temp ? &g->o->temps : &g->o->writes, n);
}

/* The inside of parentheses [lo, hi): a query, a parenthesised query or an expression. */
static void paren(pg *g, int lo, int hi) {
  g->p->depth++;
  if (g->p->depth > SQL_MAX_DEPTH) sql_fail(g->p, g->p->t[lo].off, "nesting too deep");
  if (lo < hi && query_kw(g, lo))
    stmt(g, lo, hi);
  else
    scan(g, lo, hi, lo < hi && pu(g, lo, "("));
  g->p->depth--;
}

static bool from_end(pg *g, int i) {
  static const char *const ends[] = {"WHERE",  "GROUP",     "HAVING", "WINDOW", "ORDER",
                                     "LIMIT",  "OFFSET",    "FETCH",  "UNION",  "INTERSECT",
                                     "EXCEPT", "RETURNING", "FOR",    "INTO",   "WHEN",
                                     "SET",    "LOOP",      "THEN",   NULL};
  for (int k = 0; ends[k]; k++)
    if (kw(g, i, ends[k])) return true;
  return (kw(g, i, "ON") && kw(g, i + 1, "CONFLICT")) ||
         (kw(g, i, "WITH") && (kw(g, i + 1, "DATA") || kw(g, i + 1, "NO")));
}

/* One table reference at i: a table (read), a function call or a parenthesised query/join. */
static int table_ref(pg *g, int i, int hi) {
  while (kw(g, i, "LATERAL") || kw(g, i, "ONLY")) i++;
  if (kw(g, i, "ROWS") && kw(g, i + 1, "FROM")) i += 2;
  if (pu(g, i, "(")) {
    int j = close_of(g, i, hi);
    int q = i + 1;
    while (q < j && pu(g, q, "(")) q++;
    if (query_kw(g, q))
      paren(g, i + 1, j);
    else { /* (a JOIN b ON ...) */
      int k = i + 1;
      while (k < j) {
        int n = k;
        k = table_ref(g, k, j);
        while (k < j && !pu(g, k, ",") && !kw(g, k, "JOIN")) {
          if (pu(g, k, "(")) {
            int c = close_of(g, k, j);
            paren(g, k + 1, c);
            k = c;
          }
          k++;
        }
        if (k < j) g->o->joins++, k++;
        if (k == n) break;
      }
    }
    return j + 1;
  }
  if (!is_name(g, i, hi) || from_end(g, i)) fail_at(g, i, "a table name");
  const char *n;
  i = qname(g, i, hi, &n, "a table name");
  if (pu(g, i, "(")) {
    sql_names_add(g->p->a, &g->o->calls, n);
    return i;
  }
  read_name(g, n);
  if (pu(g, i, "*")) i++;
  return i;
}

/* FROM (or USING) list from i: table references separated by commas and JOINs, up to the
 * clause that ends it. */
static int from_list(pg *g, int i, int hi) {
  for (;;) {
    i = table_ref(g, i, hi);
    for (;;) {
      if (i >= hi || from_end(g, i)) return i;
      if (pu(g, i, ",") || kw(g, i, "JOIN")) {
        g->o->joins++;
        i++;
        break;
      }
      if (pu(g, i, ")") || pu(g, i, ";")) fail_at(g, i, "the end of the FROM list");
      if (pu(g, i, "(")) {
        int j = close_of(g, i, hi);
        paren(g, i + 1, j);
        i = j;
      } else if (kw(g, i, "DISTINCT") && kw(g, i + 1, "FROM")) {
        i++; /* ON a IS DISTINCT FROM b */
      }
      i++;
    }
  }
}

/* SELECT ... INTO [TEMP] [TABLE] name: a new table (a list of variables in PL/pgSQL). */
static int select_into(pg *g, int i, int hi) {
  if (g->plpgsql) {
    while (i < hi && !kw(g, i, "FROM") && !from_end(g, i)) i++;
    return i;
  }
  bool temp = false;
  for (;; i++) {
    if (kw(g, i, "TEMP") || kw(g, i, "TEMPORARY"))
      temp = true;
    else if (!kw(g, i, "UNLOGGED") && !kw(g, i, "TABLE") && !kw(g, i, "GLOBAL") &&
             !kw(g, i, "LOCAL"))
      break;
  }
  const char *n;
  i = qname(g, i, hi, &n, "a table name after INTO");
  write_name(g, n, temp);
  g->o->kind = "select into";
  g->o->flags |= SQL_PG_INSERT;
  return i;
}

static void feature(pg *g, int i) {
  static const char *const now[] = {"NOW",
                                    "CURRENT_DATE",
                                    "CURRENT_TIMESTAMP",
                                    "LOCALTIMESTAMP",
                                    "CLOCK_TIMESTAMP",
                                    "STATEMENT_TIMESTAMP",
                                    "TRANSACTION_TIMESTAMP",
                                    NULL};
  sql_pg_stmt *o = g->o;
  if (kw(g, i, "WHERE")) o->flags |= SQL_PG_WHERE;
  if (kw(g, i, "GROUP") && kw(g, i + 1, "BY")) o->groups++;
  if (kw(g, i, "OVER") && (pu(g, i + 1, "(") || is_name(g, i + 1, g->p->n)))
    o->flags |= SQL_PG_WINDOW_FN;
  if (kw(g, i, "DISTINCT")) o->flags |= SQL_PG_DISTINCT;
  if (kw(g, i, "DATE_TRUNC") || kw(g, i, "DATE_BIN") || kw(g, i, "TIME_BUCKET"))
    o->flags |= SQL_PG_DATE_TRUNC;
  for (int k = 0; now[k]; k++)
    if (kw(g, i, now[k])) o->flags |= SQL_PG_RECENT;
}

/* Tokens [lo, hi): subqueries anywhere; in a query (not an expression) FROM/JOIN/USING lists
 * and SELECT INTO. */
static void scan(pg *g, int lo, int hi, bool query) {
  for (int i = lo; i < hi;) {
    if (pu(g, i, "(")) {
      int j = close_of(g, i, hi);
      paren(g, i + 1, j);
      i = j + 1;
      continue;
    }
    if (pu(g, i, ")")) sql_fail(g->p, g->p->t[i].off, "unbalanced parenthesis: ')' without '('");
    if (g->p->t[i].kind == TK_IDENT) {
      feature(g, i);
      if (query && kw(g, i, "FROM") && !(i > lo && kw(g, i - 1, "DISTINCT"))) {
        i = from_list(g, i + 1, hi);
        continue;
      }
      if (query && (kw(g, i, "JOIN") || (kw(g, i, "USING") && !pu(g, i + 1, "(")))) {
        i = from_list(g, i + 1, hi);
        continue;
      }
      if (query && kw(g, i, "INTO")) {
        i = select_into(g, i + 1, hi);
        continue;
      }
      if (pu(g, i + 1, "(") && !query_kw(g, i) && !kw(g, i, "IN") && !kw(g, i, "EXISTS") &&
          !kw(g, i, "ANY") && !kw(g, i, "ALL") && !kw(g, i, "OVER") && !kw(g, i, "USING") &&
          !kw(g, i, "AS") && !kw(g, i, "FROM"))
        sql_names_add(g->p->a, &g->o->calls, tname(g, i));
    }
    i++;
  }
}

/* Does [lo, hi) hold keyword k at parenthesis depth 0? Its index, or -1. */
static int find_kw(pg *g, int lo, int hi, const char *k) {
  for (int i = lo; i < hi; i++) {
    if (pu(g, i, "("))
      i = close_of(g, i, hi);
    else if (kw(g, i, k))
      return i;
  }
  return -1;
}

static void body(pg *g, int tok_i, bool plpgsql);

static void create(pg *g, int lo, int hi) {
  int i = lo + 1;
  bool temp = false, mat = false;
  for (;; i++) {
    if (kw(g, i, "OR") && kw(g, i + 1, "REPLACE"))
      i++;
    else if (kw(g, i, "TEMP") || kw(g, i, "TEMPORARY"))
      temp = true;
    else if (kw(g, i, "MATERIALIZED"))
      mat = true;
    else if (!kw(g, i, "UNLOGGED") && !kw(g, i, "GLOBAL") && !kw(g, i, "LOCAL") &&
             !kw(g, i, "RECURSIVE"))
      break;
  }
  sql_pg_stmt *o = g->o;
  const char *n;
  if (kw(g, i, "TABLE")) {
    i++;
    if (kw(g, i, "IF") && kw(g, i + 1, "NOT") && kw(g, i + 2, "EXISTS")) i += 3;
    i = qname(g, i, hi, &n, "a table name");
    int as = find_kw(g, i, hi, "AS");
    if (pu(g, i, "(")) close_of(g, i, hi); /* checks the columns are balanced */
    if (as >= 0) {
      o->kind = "create table as";
      o->flags |= SQL_PG_INSERT;
      write_name(g, n, temp);
      if (!kw(g, as + 1, "EXECUTE")) stmt(g, as + 1, hi);
    } else {
      o->kind = "create table";
      if (temp) write_name(g, n, true);
    }
    return;
  }
  if (kw(g, i, "VIEW")) {
    i++;
    if (kw(g, i, "IF") && kw(g, i + 1, "NOT") && kw(g, i + 2, "EXISTS")) i += 3;
    i = qname(g, i, hi, &n, "a view name");
    int as = find_kw(g, i, hi, "AS");
    if (as < 0) fail_at(g, hi, "AS and the view's query");
    o->kind = mat ? "create materialized view" : "create view";
    o->view = n;
    o->matview = mat;
    if (mat) write_name(g, n, false); /* a temporary view resolves like any view */
    stmt(g, as + 1, hi);
    return;
  }
  if (kw(g, i, "FUNCTION") || kw(g, i, "PROCEDURE")) {
    o->kind = kw(g, i, "FUNCTION") ? "create function" : "create procedure";
    i = qname(g, i + 1, hi, &n, "a function name");
    o->function = n;
    int lang = find_kw(g, i, hi, "LANGUAGE");
    bool plpgsql = lang >= 0 && kw(g, lang + 1, "PLPGSQL");
    bool sql = lang < 0 || kw(g, lang + 1, "SQL") || plpgsql;
    int as = find_kw(g, i, hi, "AS");
    int atomic = find_kw(g, i, hi, "BEGIN");
    if (as >= 0 && g->p->t[as + 1].kind == TK_STRING) {
      if (sql)
        body(g, as + 1, plpgsql);
      else
        o->flags |= SQL_PG_DYNAMIC;
    } else if (atomic >= 0 && kw(g, atomic + 1, "ATOMIC")) {
      int s = atomic + 2;
      for (int j = s; j <= hi; j++)
        if (j == hi || pu(g, j, ";")) {
          if (j > s && !kw(g, s, "END")) stmt(g, s, j);
          s = j + 1;
        }
    } else {
      int r = find_kw(g, i, hi, "RETURN");
      if (r >= 0) scan(g, r + 1, hi, false);
    }
    return;
  }
  if (kw(g, i, "TRIGGER") || (kw(g, i, "CONSTRAINT") && kw(g, i + 1, "TRIGGER"))) {
    o->kind = "create trigger";
    int on = find_kw(g, i, hi, "ON"), ex = find_kw(g, i, hi, "EXECUTE");
    if (on < 0 || ex < 0) fail_at(g, hi, "ON table ... EXECUTE FUNCTION f()");
    qname(g, on + 1, hi, &o->trigger_on, "a table name");
    if (!kw(g, ex + 1, "FUNCTION") && !kw(g, ex + 1, "PROCEDURE")) fail_at(g, ex + 1, "FUNCTION");
    qname(g, ex + 2, hi, &n, "a function name");
    sql_names_add(g->p->a, &o->calls, n);
    return;
  }
  static const char *const ddl[] = {
      "INDEX",      "UNIQUE",     "SCHEMA",      "SEQUENCE",     "TYPE",       "EXTENSION",
      "ROLE",       "USER",       "TRIGGER",     "DOMAIN",       "POLICY",     "RULE",
      "SERVER",     "FOREIGN",    "PUBLICATION", "SUBSCRIPTION", "DATABASE",   "TABLESPACE",
      "AGGREGATE",  "OPERATOR",   "CAST",        "COLLATION",    "CONVERSION", "EVENT",
      "LANGUAGE",   "STATISTICS", "TEXT",        "ACCESS",       "GROUP",      "TRANSFORM",
      "CONSTRAINT", NULL};
  for (int k = 0; ddl[k]; k++)
    if (kw(g, i, ddl[k])) {
      o->kind = "ddl";
      return;
    }
  fail_at(g, i, "TABLE, VIEW, FUNCTION or another object after CREATE");
}

static void copy(pg *g, int lo, int hi) {
  sql_pg_stmt *o = g->o;
  int i = lo + 1;
  const char *n = NULL;
  o->kind = "copy";
  if (pu(g, i, "(")) {
    int j = close_of(g, i, hi);
    paren(g, i + 1, j);
    i = j + 1;
  } else {
    i = qname(g, i, hi, &n, "a table name or (query) after COPY");
    if (pu(g, i, "(")) i = close_of(g, i, hi) + 1;
  }
  bool from = kw(g, i, "FROM");
  if (!from && !kw(g, i, "TO")) fail_at(g, i, "FROM or TO");
  i++;
  const char *target = NULL;
  if (kw(g, i, "PROGRAM") && g->p->t[i + 1].kind == TK_STRING) {
    const sql_token *k = &g->p->t[i + 1];
    target = arena_printf(g->p->a, "program:%.*s", (int)k->len - 2, ttext(g->p, k) + 1);
  } else if (i < hi && g->p->t[i].kind == TK_STRING) {
    const sql_token *k = &g->p->t[i];
    target = arena_strndup(g->p->a, ttext(g->p, k) + 1, k->len - 2);
  } else if (!kw(g, i, "STDIN") && !kw(g, i, "STDOUT") && !kw(g, i, "PSTDIN") &&
             !kw(g, i, "PSTDOUT")) {
    fail_at(g, i, "a file name, PROGRAM, STDIN or STDOUT");
  }
  if (from) {
    if (!n) fail_at(g, lo + 1, "a table name (COPY (query) only goes TO)");
    write_name(g, n, false);
    o->flags |= SQL_PG_IMPORT;
    sql_names_add(g->p->a, &o->files_in, target ? target : "stdin");
  } else {
    if (n) read_name(g, n);
    o->flags |= SQL_PG_EXPORT;
    sql_names_add(g->p->a, &o->files_out, target ? target : "stdout");
  }
}

static void set_stmt(pg *g, int lo, int hi) {
  int i = lo + 1;
  if (kw(g, i, "SESSION") || kw(g, i, "LOCAL")) i++;
  if (!kw(g, i, "SEARCH_PATH")) {
    g->o->kind = "set";
    return;
  }
  g->o->kind = "set search_path";
  g->o->sets_search_path = true;
  i++;
  if (kw(g, i, "TO") || pu(g, i, "=")) i++;
  for (; i < hi; i++) {
    const sql_token *k = &g->p->t[i];
    if (pu(g, i, ",")) continue;
    if (kw(g, i, "DEFAULT")) {
      g->o->search_path.n = 0;
      return;
    }
    if (k->kind == TK_STRING)
      sql_names_add(g->p->a, &g->o->search_path,
                    arena_strndup(g->p->a, ttext(g->p, k) + 1, k->len - 2));
    else if (is_name(g, i, hi))
      sql_names_add(g->p->a, &g->o->search_path, tname(g, i));
    else
      fail_at(g, i, "a schema name");
  }
}

static void stmt(pg *g, int lo, int hi) {
  sql_pg_stmt *o = g->o;
  if (lo >= hi) return;
  int i = lo;
  const char *n;
#define KIND(k)                                                                                    \
  do {                                                                                             \
    if (!o->kind) o->kind = (k);                                                                   \
  } while (0)
  if (pu(g, i, "(")) {
    KIND("select");
    scan(g, lo, hi, true);
  } else if (kw(g, i, "WITH")) {
    i++;
    if (kw(g, i, "RECURSIVE")) i++;
    for (;;) {
      if (!is_name(g, i, hi)) fail_at(g, i, "a name for the WITH query");
      sql_names_add(g->p->a, &g->ctes, tname(g, i++));
      if (pu(g, i, "(")) i = close_of(g, i, hi) + 1;
      if (!kw(g, i, "AS")) fail_at(g, i, "AS");
      i++;
      if (kw(g, i, "NOT")) i++;
      if (kw(g, i, "MATERIALIZED")) i++;
      if (!pu(g, i, "(")) fail_at(g, i, "( and the WITH query");
      int j = close_of(g, i, hi);
      paren(g, i + 1, j);
      i = j + 1;
      while (i < hi && !pu(g, i, ",") && !query_kw(g, i)) i++; /* SEARCH / CYCLE */
      if (!pu(g, i, ",")) break;
      i++;
    }
    if (i >= hi) fail_at(g, i, "the query after WITH");
    stmt(g, i, hi);
  } else if (kw(g, i, "SELECT") || kw(g, i, "VALUES")) {
    KIND("select");
    scan(g, lo, hi, true);
  } else if (kw(g, i, "TABLE")) {
    KIND("select");
    i = qname(g, i + 1, hi, &n, "a table name");
    read_name(g, n);
    scan(g, i, hi, true);
  } else if (kw(g, i, "INSERT")) {
    KIND("insert");
    o->flags |= SQL_PG_INSERT;
    if (!kw(g, i + 1, "INTO")) fail_at(g, i + 1, "INTO");
    i = qname(g, i + 2, hi, &n, "a table name");
    write_name(g, n, false);
    int conflict = find_kw(g, i, hi, "CONFLICT");
    if (conflict >= 0 && find_kw(g, conflict, hi, "UPDATE") >= 0) o->flags |= SQL_PG_UPSERT;
    if (kw(g, i, "AS")) i += 2;
    scan(g, i, hi, true);
  } else if (kw(g, i, "UPDATE")) {
    KIND("update");
    o->flags |= SQL_PG_UPDATE;
    i++;
    if (kw(g, i, "ONLY")) i++;
    i = qname(g, i, hi, &n, "a table name");
    write_name(g, n, false);
    if (!kw(g, i, "SET") && find_kw(g, i, hi, "SET") < 0) fail_at(g, i, "SET");
    scan(g, i, hi, true);
  } else if (kw(g, i, "DELETE")) {
    KIND("delete");
    if (!kw(g, i + 1, "FROM")) fail_at(g, i + 1, "FROM");
    i += 2;
    if (kw(g, i, "ONLY")) i++;
    i = qname(g, i, hi, &n, "a table name");
    write_name(g, n, false);
    o->flags |= find_kw(g, i, hi, "WHERE") >= 0 ? SQL_PG_UPDATE : SQL_PG_DELETE_ALL;
    scan(g, i, hi, true);
  } else if (kw(g, i, "MERGE")) {
    KIND("merge");
    o->flags |= SQL_PG_UPSERT;
    if (!kw(g, i + 1, "INTO")) fail_at(g, i + 1, "INTO");
    i += 2;
    if (kw(g, i, "ONLY")) i++;
    i = qname(g, i, hi, &n, "a table name");
    write_name(g, n, false);
    int u = find_kw(g, i, hi, "USING");
    if (u < 0) fail_at(g, hi, "USING");
    scan(g, i, hi, true);
  } else if (kw(g, i, "TRUNCATE")) {
    KIND("truncate");
    o->flags |= SQL_PG_TRUNCATE;
    i++;
    if (kw(g, i, "TABLE")) i++;
    for (;;) {
      if (kw(g, i, "ONLY")) i++;
      i = qname(g, i, hi, &n, "a table name");
      write_name(g, n, false);
      if (pu(g, i, "*")) i++;
      if (!pu(g, i, ",")) break;
      i++;
    }
  } else if (kw(g, i, "COPY")) {
    copy(g, lo, hi);
  } else if (kw(g, i, "CREATE")) {
    create(g, lo, hi);
  } else if (kw(g, i, "DO")) {
    KIND("do");
    int s = i + 1;
    while (s < hi && g->p->t[s].kind != TK_STRING) s++;
    if (s >= hi) fail_at(g, s, "the body of the DO block");
    int lang = find_kw(g, i, hi, "LANGUAGE");
    if (lang < 0 || kw(g, lang + 1, "PLPGSQL"))
      body(g, s, true);
    else
      o->flags |= SQL_PG_DYNAMIC;
  } else if (kw(g, i, "CALL")) {
    KIND("call");
    i = qname(g, i + 1, hi, &n, "a procedure name");
    sql_names_add(g->p->a, &o->calls, n);
    scan(g, i, hi, false);
  } else if (kw(g, i, "SET")) {
    set_stmt(g, lo, hi);
  } else if (kw(g, i, "RESET")) {
    KIND("reset");
    if (kw(g, i + 1, "SEARCH_PATH") || kw(g, i + 1, "ALL")) o->sets_search_path = true;
  } else if (kw(g, i, "REFRESH")) {
    KIND("refresh materialized view");
    i++;
    if (kw(g, i, "MATERIALIZED")) i++;
    if (!kw(g, i, "VIEW")) fail_at(g, i, "MATERIALIZED VIEW");
    i++;
    if (kw(g, i, "CONCURRENTLY")) i++;
    i = qname(g, i, hi, &n, "a materialized view name");
    write_name(g, n, false);
    o->refresh = true;
  } else if (kw(g, i, "EXPLAIN")) {
    KIND("explain");
    i++;
    bool analyze = false;
    if (pu(g, i, "(")) {
      int j = close_of(g, i, hi);
      analyze = find_kw(g, i + 1, j, "ANALYZE") >= 0 || find_kw(g, i + 1, j, "ANALYSE") >= 0;
      i = j + 1;
    }
    while (kw(g, i, "ANALYZE") || kw(g, i, "ANALYSE") || kw(g, i, "VERBOSE")) {
      analyze |= !kw(g, i, "VERBOSE");
      i++;
    }
    if (analyze) stmt(g, i, hi);
  } else if (kw(g, i, "DECLARE") && find_kw(g, i, hi, "CURSOR") >= 0) {
    KIND("declare cursor");
    int f = find_kw(g, find_kw(g, i, hi, "CURSOR"), hi, "FOR");
    if (f >= 0) stmt(g, f + 1, hi);
  } else if (kw(g, i, "PREPARE") && find_kw(g, i, hi, "AS") >= 0) {
    KIND("prepare");
    stmt(g, find_kw(g, i, hi, "AS") + 1, hi);
  } else if (kw(g, i, "ANALYZE") || kw(g, i, "VACUUM") || kw(g, i, "ALTER") || kw(g, i, "DROP") ||
             kw(g, i, "GRANT") || kw(g, i, "REVOKE") || kw(g, i, "COMMENT") || kw(g, i, "BEGIN") ||
             kw(g, i, "START") || kw(g, i, "COMMIT") || kw(g, i, "END") || kw(g, i, "ROLLBACK") ||
             kw(g, i, "SAVEPOINT") || kw(g, i, "RELEASE") || kw(g, i, "CLUSTER") ||
             kw(g, i, "REINDEX") || kw(g, i, "LOCK") || kw(g, i, "LISTEN") || kw(g, i, "NOTIFY") ||
             kw(g, i, "UNLISTEN") || kw(g, i, "DISCARD") || kw(g, i, "SHOW") ||
             kw(g, i, "CHECKPOINT") || kw(g, i, "LOAD") || kw(g, i, "ABORT") || kw(g, i, "FETCH") ||
             kw(g, i, "MOVE") || kw(g, i, "CLOSE") || kw(g, i, "DEALLOCATE") ||
             kw(g, i, "EXECUTE") || kw(g, i, "IMPORT") || kw(g, i, "REASSIGN") ||
             kw(g, i, "SECURITY")) {
    KIND("utility");
  } else if (g->plpgsql) {
    scan(g, lo, hi, true);
  } else {
    fail_at(g, i, "a SQL statement");
  }
#undef KIND
}

/* PL/pgSQL statements [lo, hi) (one ';'-separated piece): control words are stepped over,
 * conditions scanned for subqueries, SQL statements taken as statements. */
static void plpgsql_piece(pg *g, int pos, int ce) {
  while (pos < ce) {
    if (kw(g, pos, "BEGIN") || kw(g, pos, "DECLARE") || kw(g, pos, "ELSE") || kw(g, pos, "LOOP") ||
        kw(g, pos, "EXCEPTION") || kw(g, pos, "THEN") || kw(g, pos, "CASE")) {
      pos++;
    } else if (kw(g, pos, "END")) {
      pos++;
      if (kw(g, pos, "IF") || kw(g, pos, "LOOP") || kw(g, pos, "CASE")) pos++;
    } else if (pu(g, pos, "<") && pu(g, pos + 1, "<")) {
      while (pos < ce && !(pu(g, pos, ">") && pu(g, pos + 1, ">"))) pos++;
      pos += 2;
    } else if (kw(g, pos, "IF") || kw(g, pos, "ELSIF") || kw(g, pos, "ELSEIF") ||
               kw(g, pos, "WHILE") || kw(g, pos, "WHEN") || kw(g, pos, "FOR") ||
               kw(g, pos, "FOREACH")) {
      bool loop = kw(g, pos, "WHILE") || kw(g, pos, "FOR") || kw(g, pos, "FOREACH");
      int t = find_kw(g, pos + 1, ce, loop ? "LOOP" : "THEN");
      if (t < 0) t = ce;
      scan(g, pos + 1, t, true);
      pos = t + 1;
    } else if (kw(g, pos, "RETURN") && kw(g, pos + 1, "QUERY")) {
      stmt(g, pos + 2, ce);
      return;
    } else if (kw(g, pos, "PERFORM")) {
      scan(g, pos + 1, ce, true);
      return;
    } else if (kw(g, pos, "EXECUTE")) {
      /* EXECUTE 'literal statement': taken as SQL; anything computed stays dynamic */
      if (g->p->t[pos + 1].kind == TK_STRING &&
          (pos + 2 >= ce || kw(g, pos + 2, "USING") || kw(g, pos + 2, "INTO")))
        body(g, pos + 1, false);
      else
        g->o->flags |= SQL_PG_DYNAMIC;
      scan(g, pos + 1, ce, false);
      return;
    } else if (kw(g, pos, "RETURN") || kw(g, pos, "RAISE") || kw(g, pos, "NULL") ||
               kw(g, pos, "EXIT") || kw(g, pos, "CONTINUE") || kw(g, pos, "GET") ||
               kw(g, pos, "ASSERT") || kw(g, pos, "OPEN") || kw(g, pos, "CLOSE")) {
      scan(g, pos + 1, ce, false);
      return;
    } else {
      stmt(g, pos, ce);
      return;
    }
  }
}

static void run(parser *p, sql_pg_stmt *o, bool plpgsql, int lo, int hi) {
  pg g = {p, o, {0}, plpgsql};
  int s = lo;
  for (int j = lo; j <= hi; j++) {
    if (j < hi && pu(&g, j, "(")) {
      j = close_of(&g, j, hi);
      continue;
    }
    if (j == hi || pu(&g, j, ";")) {
      if (plpgsql)
        plpgsql_piece(&g, s, j);
      else
        stmt(&g, s, j);
      s = j + 1;
    }
  }
}

static void lex_range(parser *p, const sl_source *src, size_t off, size_t end) {
  sl_source sub = {src->name, src->text + off, end - off};
  if (sql_lex(&sub, SQL_POSTGRES, p->a, &p->t, &p->n, p->e) != SL_OK) {
    p->e->src = src;
    p->e->off += off;
    longjmp(p->jb, 1);
  }
  for (int k = 0; k < p->n; k++) p->t[k].off += (uint32_t)off;
}

static void body_run(pg *g, uint32_t at, const sl_source *src, size_t off, size_t end,
                     bool unescaped, bool plpgsql) {
  parser *outer = g->p;
  parser p = {0};
  p.src = src;
  p.a = outer->a;
  p.e = outer->e;
  p.depth = outer->depth + 1;
  if (setjmp(p.jb)) {
    if (unescaped) { /* positions inside an unescaped copy: point at the body */
      p.e->src = outer->src;
      p.e->off = at;
    }
    longjmp(outer->jb, 1);
  }
  lex_range(&p, src, off, end);
  if (p.depth > SQL_MAX_DEPTH) sql_fail(&p, (uint32_t)off, "nesting too deep");
  run(&p, g->o, plpgsql, 0, p.n - 1);
}

/* A function or DO body: the string token tok_i of the current parser, lexed and taken as
 * SQL statements (or PL/pgSQL). A quoted '...' body with '' inside is unescaped first. */
static void body(pg *g, int tok_i, bool plpgsql) {
  parser *outer = g->p;
  const sql_token *k = &outer->t[tok_i];
  const char *s = ttext(outer, k);
  size_t off = k->off, end = k->off + k->len;
  const sl_source *src = outer->src;
  sl_source *copy = NULL;
  if (s[0] == '$') {
    size_t tl = (size_t)(strchr(s + 1, '$') - s) + 1;
    off += tl;
    end -= tl;
  } else {
    char *t = arena_alloc(outer->a, k->len + 1);
    size_t o = 0;
    for (size_t j = (s[0] == '\'' ? 1 : 2); j + 1 < k->len; j++) {
      t[o++] = s[j];
      if (s[j] == '\'') j++;
    }
    t[o] = 0;
    copy = arena_zalloc(outer->a, sizeof *copy);
    *copy = (sl_source){src->name, t, o};
    src = copy;
    off = 0;
    end = o;
  }
  body_run(g, k->off, src, off, end, copy != NULL, plpgsql);
}

sl_status sql_pg_lineage(const sl_source *src, size_t off, size_t end, sl_arena *a,
                         sql_pg_stmt *out, sl_error *e) {
  memset(out, 0, sizeof *out);
  parser p = {0};
  p.src = src;
  p.d = SQL_POSTGRES;
  p.a = a;
  p.e = e;
  if (setjmp(p.jb)) return e->code ? e->code : SL_ESQL;
  lex_range(&p, src, off, end);
  int hi = p.n - 1; /* the EOF token */
  while (hi > 0 && pu(&(pg){&p, out, {0}, false}, hi - 1, ";")) hi--;
  pg g = {&p, out, {0}, false};
  stmt(&g, 0, hi);
  for (int i = 0; i < hi; i++)
    if (pu(&g, i, ";")) sql_fail(&p, p.t[i].off, "more than one statement");
  if (!out->kind) out->kind = "empty";
  return SL_OK;
}
