/* parse_window.c - the window syntax of the parser: the windowing table-valued functions in FROM
 * (TABLE(TUMBLE|HOP|CUMULATE|SESSION(...)), positional or with named arguments, normalised to
 * the positional order of sql_tvf in sql.h) and OVER (PARTITION BY ... ORDER BY ... frame)
 * after a function call (sql_over). Must not resolve names or check types (the binder
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
      bool is_named =
          (tok(p)->kind == TK_IDENT || tok(p)->kind == TK_QIDENT) && is_p_at(p, 1, "=>");
      if (named >= 0 && is_named != (named == 1))
        sql_fail(p, aoff, "do not mix named (NAME => value) and positional arguments; %s",
                 d->usage);
      named = is_named;
      int slot = nargs;
      if (is_named) {
        const sql_token *nk = tok(p);
        const char *name = ttext(p, nk);
        size_t nlen = nk->len;
        if (nk->kind == TK_QIDENT && nlen >= 2) name++, nlen -= 2; /* `OFFSET` => ... */
        slot = -1;
        for (int j = 0; j < d->nmax; j++)
          if (str_nieq(name, nlen, d->params[j])) slot = j;
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

/* ---- OVER windows ---- */

/* One frame bound; returns 0 UNBOUNDED PRECEDING, 1 n PRECEDING (*val), 2 CURRENT ROW. A
 * FOLLOWING bound is a located error. */
static int frame_bound(parser *p, int frame, sql_expr **val) {
  uint32_t off = tok(p)->off;
  *val = NULL;
  if (accept_kw(p, "CURRENT")) {
    sql_expect_kw(p, "ROW");
    return 2;
  }
  bool unbounded = accept_kw(p, "UNBOUNDED");
  if (!unbounded) {
    sql_expr *x = sql_expr_p(p);
    if (frame == FRAME_ROWS && (x->kind != A_INT || x->ival < 0))
      sql_fail(p, x->off, "a ROWS bound is a row count such as 5 (a non-negative integer)");
    if (frame == FRAME_RANGE && (x->kind != A_INTERVAL || x->ival < 0))
      sql_fail(p, x->off, "a RANGE bound is a non-negative interval such as INTERVAL '1' MINUTE");
    *val = x;
  }
  if (is_kw(p, "FOLLOWING"))
    sql_fail(p, off, "FOLLOWING bounds are not supported; an OVER window ends at CURRENT ROW");
  if (!accept_kw(p, "PRECEDING")) sql_fail_expected(p, "PRECEDING");
  return unbounded ? 0 : 1;
}

/* ROWS|RANGE BETWEEN lo AND CURRENT ROW, or the short ROWS|RANGE lo. */
static void frame_clause(parser *p, sql_over *o) {
  o->frame_off = tok(p)->off;
  o->frame = is_kw(p, "ROWS") ? FRAME_ROWS : FRAME_RANGE;
  p->i++;
  bool between = accept_kw(p, "BETWEEN");
  int k = frame_bound(p, o->frame, &o->lo);
  o->lo_unbounded = k == 0;
  if (!between) return;
  sql_expect_kw(p, "AND");
  uint32_t hoff = tok(p)->off;
  if (accept_kw(p, "CURRENT")) {
    sql_expect_kw(p, "ROW");
    return;
  }
  sql_expr *hi;
  frame_bound(p, o->frame, &hi); /* a FOLLOWING bound fails in there */
  sql_fail(p, hoff, "an OVER window must end at CURRENT ROW");
}

/* (PARTITION BY ... ORDER BY ... frame): the body of an OVER clause or a WINDOW definition. */
static void over_body(parser *p, sql_over *o) {
  sql_expect_p(p, "(");
  if (is_kw(p, "PARTITION")) {
    p->i++;
    sql_expect_kw(p, "BY");
    exprvec ev = {0};
    do {
      sql_ev_push(p, &ev, sql_expr_p(p));
    } while (accept_p(p, ","));
    o->part = ev.v;
    o->npart = ev.n;
  }
  if (is_kw(p, "ORDER")) {
    p->i++;
    sql_expect_kw(p, "BY");
    int cap = 4;
    o->order = alloc(p, sizeof *o->order * (size_t)cap);
    do {
      if (o->norder == cap) {
        sql_order *no = alloc(p, sizeof *no * (size_t)cap * 2);
        memcpy(no, o->order, sizeof *no * (size_t)cap);
        o->order = no;
        cap *= 2;
      }
      sql_order *it = &o->order[o->norder++];
      it->off = tok(p)->off;
      it->e = sql_expr_p(p);
      if (accept_kw(p, "DESC"))
        it->desc = true;
      else
        accept_kw(p, "ASC");
      if (accept_kw(p, "NULLS")) {
        if (accept_kw(p, "FIRST"))
          it->nulls = 1;
        else if (accept_kw(p, "LAST"))
          it->nulls = 2;
        else
          sql_fail_expected(p, "FIRST or LAST after NULLS");
      }
    } while (accept_p(p, ","));
  }
  if (is_kw(p, "ROWS") || is_kw(p, "RANGE")) frame_clause(p, o);
  if (!is_p(p, ")"))
    sql_fail_expected(p, o->frame    ? "')' after the frame"
                         : o->norder ? "',', ROWS, RANGE or ')'"
                                     : "PARTITION BY, ORDER BY, ROWS, RANGE or ')'");
  p->i++;
}

sql_over *sql_over_p(parser *p) {
  sql_over *o = alloc(p, sizeof *o);
  o->off = tok(p)->off;
  p->i++;                                                      /* OVER */
  if (tok(p)->kind == TK_IDENT || tok(p)->kind == TK_QIDENT) { /* OVER w */
    bool quoted;
    o->name = sql_ident(p, &quoted, "a window name");
    if (p->nrefs == p->refcap) {
      int cap = p->refcap ? p->refcap * 2 : 8;
      sql_over **nr = alloc(p, sizeof *nr * (size_t)cap);
      if (p->nrefs) memcpy(nr, p->over_refs, sizeof *nr * (size_t)p->nrefs);
      p->over_refs = nr;
      p->refcap = cap;
    }
    p->over_refs[p->nrefs++] = o;
    return o;
  }
  over_body(p, o);
  return o;
}

void sql_window_clause_p(parser *p, int first) {
  typedef struct wdef {
    const char *name;
    uint32_t off;
    sql_over *o;
  } wdef;
  wdef defs[64];
  int ndefs = 0;
  if (accept_kw(p, "WINDOW")) do {
      uint32_t off = tok(p)->off;
      bool quoted;
      const char *name = sql_ident(p, &quoted, "a window name");
      for (int i = 0; i < ndefs; i++)
        if (str_ieq(defs[i].name, name)) sql_fail(p, off, "window '%s' is defined twice", name);
      if (ndefs == 64) sql_fail(p, off, "more than 64 named windows");
      sql_expect_kw(p, "AS");
      if (tok(p)->kind == TK_IDENT && !is_p_at(p, 1, "("))
        sql_fail(p, tok(p)->off, "a window is defined by (PARTITION BY ... ORDER BY ...)");
      sql_over *o = alloc(p, sizeof *o);
      o->off = tok(p)->off;
      over_body(p, o);
      defs[ndefs++] = (wdef){name, off, o};
    } while (accept_p(p, ","));
  for (int i = first; i < p->nrefs; i++) {
    sql_over *r = p->over_refs[i];
    int k = -1;
    for (int j = 0; j < ndefs; j++)
      if (str_ieq(defs[j].name, r->name)) k = j;
    if (k < 0)
      sql_fail(p, r->off, "unknown window '%s'%s", r->name,
               ndefs ? "" : " (define it in a WINDOW clause: WINDOW w AS (...))");
    uint32_t off = r->off;
    *r = *defs[k].o;
    r->off = off;
  }
  p->nrefs = first; /* resolved */
}

uint32_t sql_over_height(const sql_over *o) {
  uint32_t h = 0;
  for (int i = 0; i < o->npart; i++)
    if (o->part[i]->height > h) h = o->part[i]->height;
  for (int i = 0; i < o->norder; i++)
    if (o->order[i].e->height > h) h = o->order[i].e->height;
  if (o->lo && o->lo->height > h) h = o->lo->height;
  return h;
}
