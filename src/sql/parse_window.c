/* parse_window.c - the window syntax of the parser: the windowing table-valued functions in FROM
 * (TABLE(TUMBLE|HOP|CUMULATE|SESSION(...)), positional or with named arguments, normalised to
 * the positional order of sql_tvf in sql.h). Must not resolve names or check types (the binder
 * does), and leaves plain expressions to parse_expr.c and queries to parser.c. */
#include <string.h>

#include "parse_int.h"

/* ---- window table-valued functions ---- */

/* One TVF: its parameters in positional order (DATA and TIMECOL first), how many are required,
 * and the usage line every arity error shows. */
typedef struct tvf_def {
  const char *name;
  const char *params[5];
  int nreq, nmax;
  const char *usage;
} tvf_def;

static const tvf_def tvfs[] = {
    {"TUMBLE",
     {"DATA", "TIMECOL", "SIZE", "OFFSET"},
     3,
     4,
     "TUMBLE takes (TABLE t, DESCRIPTOR(col), size [, offset])"},
    {"HOP",
     {"DATA", "TIMECOL", "SLIDE", "SIZE", "OFFSET"},
     4,
     5,
     "HOP takes (TABLE t, DESCRIPTOR(col), slide, size [, offset])"},
    {"CUMULATE",
     {"DATA", "TIMECOL", "STEP", "SIZE", "OFFSET"},
     4,
     5,
     "CUMULATE takes (TABLE t, DESCRIPTOR(col), step, size [, offset])"},
    {"SESSION",
     {"DATA", "TIMECOL", "GAP"},
     3,
     3,
     "SESSION takes (TABLE t [PARTITION BY k, ...], DESCRIPTOR(col), gap)"},
};
#define NTVF ((int)(sizeof tvfs / sizeof tvfs[0]))

/* After `PARTITION BY k,` a key list ends where the next argument starts. */
static bool next_is_arg(parser *p) {
  return (is_kw(p, "DESCRIPTOR") && is_p_at(p, 1, "(")) ||
         (tok(p)->kind == TK_IDENT && is_p_at(p, 1, "=>"));
}

/* SESSION's PARTITION BY k1, k2 or PARTITION BY (k1, k2), after the input table. */
static void tvf_partition(parser *p, sql_tvf *t, const tvf_def *d) {
  uint32_t off = tok(p)->off;
  p->i++;
  if (strcmp(d->name, "SESSION")) sql_fail(p, off, "only SESSION takes PARTITION BY; %s", d->usage);
  sql_expect_kw(p, "BY");
  exprvec ev = {0};
  if (accept_p(p, "(")) {
    do {
      sql_ev_push(p, &ev, sql_expr_p(p));
    } while (accept_p(p, ","));
    sql_expect_p(p, ")");
  } else {
    sql_ev_push(p, &ev, sql_expr_p(p));
    while (is_p(p, ",") && p->i + 1 < p->n) {
      p->i++;
      if (next_is_arg(p)) { /* the comma separated the next argument: give it back */
        p->i--;
        break;
      }
      sql_ev_push(p, &ev, sql_expr_p(p));
    }
  }
  t->part = ev.v;
  t->npart = ev.n;
}

/* The DATA argument: TABLE name or a parenthesised query, then SESSION's PARTITION BY. */
static void tvf_input(parser *p, sql_tvf *t, const tvf_def *d) {
  sql_from *in = alloc(p, sizeof *in);
  in->off = tok(p)->off;
  if (accept_kw(p, "TABLE")) {
    sql_table_name(p, in);
  } else if (is_p(p, "(")) {
    p->i++;
    in->kind = FROM_SUBQUERY;
    in->sub = sql_query_p(p);
    sql_expect_p(p, ")");
  } else {
    sql_fail(p, tok(p)->off, "expected TABLE name or a parenthesised query as the input; %s",
             d->usage);
  }
  t->input = in;
  if (is_kw(p, "PARTITION")) tvf_partition(p, t, d);
}

/* The TIMECOL argument: DESCRIPTOR(col). */
static void tvf_descriptor(parser *p, sql_tvf *t, const tvf_def *d) {
  if (!is_kw(p, "DESCRIPTOR") || !is_p_at(p, 1, "("))
    sql_fail(p, tok(p)->off, "expected DESCRIPTOR(col) naming the time column; %s", d->usage);
  p->i += 2;
  t->timecol_off = tok(p)->off;
  t->timecol = sql_ident(p, &t->timecol_quoted, "the time column");
  if (is_p(p, ",")) sql_fail(p, tok(p)->off, "DESCRIPTOR takes exactly one column");
  sql_expect_p(p, ")");
}

static void tvf_arg(parser *p, sql_tvf *t, const tvf_def *d, int slot, sql_expr **vals) {
  if (slot == 0)
    tvf_input(p, t, d);
  else if (slot == 1)
    tvf_descriptor(p, t, d);
  else
    vals[slot] = sql_expr_p(p);
}

sql_from *sql_tvf_p(parser *p) {
  sql_from *f = alloc(p, sizeof *f);
  f->kind = FROM_TVF;
  f->off = tok(p)->off;
  p->i += 2; /* TABLE ( */
  sql_tvf *t = alloc(p, sizeof *t);
  f->tvf = t;
  const sql_token *k = tok(p);
  t->fn_off = k->off;
  if (k->kind != TK_IDENT || !is_p_at(p, 1, "("))
    sql_fail_expected(p, "a window function: TUMBLE, HOP, CUMULATE or SESSION");
  const tvf_def *d = NULL;
  for (int i = 0; i < NTVF; i++)
    if (str_nieq(ttext(p, k), k->len, tvfs[i].name)) d = &tvfs[i];
  if (!d) {
    static const char *const names[] = {"TUMBLE", "HOP", "CUMULATE", "SESSION"};
    char w[64];
    snprintf(w, sizeof w, "%.*s", (int)(k->len > 60 ? 60 : k->len), ttext(p, k));
    const char *best = str_closest(w, names, 4);
    err_at(p->e, SL_ESQL, p->src, k->off,
           "unknown window function '%s'; expected TUMBLE, HOP, CUMULATE or SESSION", w);
    if (best) err_hint(p->e, "did you mean %s?", best);
    longjmp(p->jb, 1);
  }
  t->fn = d->name;
  p->i += 2;
  sql_expr *vals[5] = {0};
  bool have[5] = {0};
  int nargs = 0, named = -1; /* named: -1 undecided, 0 positional, 1 NAME => value */
  if (!is_p(p, ")")) do {
      uint32_t aoff = tok(p)->off;
      bool is_named = tok(p)->kind == TK_IDENT && is_p_at(p, 1, "=>");
      if (named >= 0 && is_named != (named == 1))
        sql_fail(p, aoff, "do not mix named (NAME => value) and positional arguments; %s",
                 d->usage);
      named = is_named;
      int slot = nargs;
      if (is_named) {
        const sql_token *nk = tok(p);
        slot = -1;
        for (int j = 0; j < d->nmax; j++)
          if (str_nieq(ttext(p, nk), nk->len, d->params[j])) slot = j;
        if (slot < 0) {
          char list[96] = "";
          for (int j = 0; j < d->nmax; j++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s",
                     j == 0             ? ""
                     : j == d->nmax - 1 ? " and "
                                        : ", ",
                     d->params[j]);
          sql_fail(p, aoff, "%s has no parameter '%.*s'; its parameters are %s", d->name,
                   (int)(nk->len > 40 ? 40 : nk->len), ttext(p, nk), list);
        }
        if (have[slot]) sql_fail(p, aoff, "parameter %s is given twice", d->params[slot]);
        p->i += 2;
      } else if (slot >= d->nmax) {
        sql_fail(p, aoff, "too many arguments; %s", d->usage);
      }
      tvf_arg(p, t, d, slot, vals);
      have[slot] = true;
      nargs++;
    } while (accept_p(p, ","));
  if (!is_p(p, ")")) sql_fail_expected(p, "',' or ')'");
  for (int j = 0; j < d->nreq; j++)
    if (!have[j]) {
      if (named == 1) sql_fail(p, tok(p)->off, "missing parameter %s; %s", d->params[j], d->usage);
      sql_fail(p, tok(p)->off, "too few arguments; %s", d->usage);
    }
  p->i++;
  sql_expect_p(p, ")"); /* the closing parenthesis of TABLE( */
  int n = d->nreq - 2;
  if (have[d->nmax - 1] && d->nmax > d->nreq) n = d->nmax - 2;
  t->args = alloc(p, sizeof *t->args * (size_t)(n ? n : 1));
  for (int j = 0; j < n; j++) t->args[j] = vals[j + 2];
  t->nargs = n;
  return f;
}
