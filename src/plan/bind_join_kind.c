/* bind_join_kind.c - how a join runs: the equalities that are its keys (a Calc below adds
 * the keys that are expressions or need a cast), window_start/window_end equalities of two
 * window TVFs (a window join), event-time bounds between the two sides' time attributes (an
 * interval join), FOR SYSTEM_TIME AS OF a processing-time or event-time column (a lookup or a
 * temporal join), or else a regular join; and the STATE_TTL hints of its sides. Also whether a
 * column is an event-time attribute. bind_join.c builds the joins this file decides.
 * Must not build operators (physical_ops.c does) or bind names. */
#include <string.h>

#include "plan_int.h"

/* ---- time attributes through the plan ---- */

/* Whether column col of n is an event-time attribute: a table's WATERMARK column passed on
 * unchanged (projections, window TVFs, interval joins), or an event-time window's window_time. */
bool plan_is_rowtime(const plan_node *n, int col) {
  for (;;) {
    if (col < 0 || col >= n->ncols) return false;
    switch (n->kind) {
    case P_WATERMARK: {
      const cat_table *t = n->in[0]->table;
      return t->wm_col >= 0 && t->cols[t->wm_col].phys == col;
    }
    case P_CALC: {
      const plan_node *in = n->in[0];
      if (in->kind == P_WATERMARK) { /* the computed columns of a table (bind_query.c) */
        const cat_table *t = in->in[0]->table;
        if (t->nphys != t->ncols && n->ncols == t->ncols && n->names[col] == t->cols[col].name)
          return col == t->wm_col;
      }
      if (n->proj[col]->kind != E_COL) return false;
      col = n->proj[col]->col;
      n = in;
      continue;
    }
    case P_WINTVF:
      if (col == n->ncols - 1) return !n->op->proctime; /* window_time */
      if (col >= n->ncols - 3) return false;
      /* fall through */
    case P_PROCTIME: n = n->in[0]; continue;
    case P_WINAGG: /* window_time, and window_end (sluice; not in Flink): a window's rows go
                      out before the watermark that closed it, so neither is ever late */
      return col >= n->ncols - 2 && !n->op->proctime;
    case P_UNION:
      for (int i = 0; i < n->nin; i++)
        if (!plan_is_rowtime(n->in[i], col)) return false;
      return n->nin > 0;
    case P_JOIN:
      if (n->op->join_kind != PJ_INTERVAL) return false;
      if (col < n->in[0]->ncols) {
        n = n->in[0];
      } else {
        col -= n->in[0]->ncols;
        n = n->in[1];
      }
      continue;
    default: return false;
    }
  }
}

/* 1 when column col of n is a window TVF's window_start, 2 for window_end (the TVF in *tvf). */
int plan_window_col(const plan_node *n, int col, const plan_node **tvf) {
  for (;;) {
    if (col < 0 || col >= n->ncols) return 0;
    if (n->kind == P_WINTVF || n->kind == P_WINAGG) { /* a window TVF or a window aggregation */
      *tvf = n;
      return col == n->ncols - 3 ? 1 : col == n->ncols - 2 ? 2 : 0;
    }
    if (n->kind != P_CALC || n->proj[col]->kind != E_COL) return 0;
    col = n->proj[col]->col;
    n = n->in[0];
  }
}

/* ---- deciding how a join runs ---- */

/* t + c (t a column, c a constant interval of at most ~300 years): *col, *ms. A cast is not
 * looked through (it may truncate or shift the time). */
#define TERM_MAX_MS (INT64_C(1) << 53)
static bool time_term(const sl_expr *x, int *col, int64_t *ms) {
  *ms = 0;
  if (x->kind == E_COL) {
    *col = x->col;
    return true;
  }
  if (x->kind == E_ARITH && x->nargs == 2 && (x->ival == EOP_ADD || x->ival == EOP_SUB) &&
      x->args[0]->kind == E_COL && x->args[1]->kind == E_LIT && x->args[1]->type.id == T_INTERVAL &&
      !x->args[1]->lit.null) {
    int64_t v = x->args[1]->lit.u.i;
    if (v > TERM_MAX_MS || v < -TERM_MAX_MS) return false;
    *col = x->args[0]->col;
    *ms = x->ival == EOP_ADD ? v : -v;
    return true;
  }
  if (x->kind == E_ARITH && x->nargs == 2 && x->ival == EOP_ADD && x->args[1]->kind == E_COL &&
      x->args[0]->kind == E_LIT && x->args[0]->type.id == T_INTERVAL && !x->args[0]->lit.null) {
    int64_t v = x->args[0]->lit.u.i;
    if (v > TERM_MAX_MS || v < -TERM_MAX_MS) return false;
    *col = x->args[1]->col;
    *ms = v;
    return true;
  }
  return false;
}

typedef struct decided {
  int *lk, *rk;       /* key columns (in the inputs, before any widening) */
  sl_expr **lx, **rx; /* key expressions when they are not plain columns of one type */
  int nk;
  sl_expr *rest;
} decided;

/* An equality between a left-only and a right-only expression: a key. */
static bool key_conj(binder *b, const sl_expr *x, int nl, int nr, sl_expr **le, sl_expr **re) {
  if (x->kind != E_CMP || x->ival != EOP_EQ || x->nargs != 2) return false;
  int s0 = plan_sides_of(b, x->args[0], nl, nr), s1 = plan_sides_of(b, x->args[1], nl, nr);
  /* a constant counts as the left side's: it is computed there (5 NOT IN (SELECT k ...)) */
  if (s0 <= 1 && s1 == 2) {
    *le = x->args[0];
    *re = x->args[1];
    return true;
  }
  if (s0 == 2 && s1 <= 1) {
    *le = x->args[1];
    *re = x->args[0];
    return true;
  }
  return false;
}

/* Turns the key expressions into columns: a plain column stays; anything else (or a pair of
 * different types, already coerced to one by the binder's comparison) is appended to its side
 * by a Calc below the join. The join then has wider inputs, and a Calc above it gives back
 * the original columns; n becomes that Calc, the join its input. */
static void place_keys(binder *b, plan_node *n, sl_expr **lx, sl_expr **rx, int nk) {
  plan_node *l = n->in[0], *r = n->in[1];
  int nl = l->ncols, nr = r->ncols;
  int *lk = arena_alloc(b->a, sizeof(int) * (size_t)(nk + 1));
  int *rk = arena_alloc(b->a, sizeof(int) * (size_t)(nk + 1));
  int el = 0, er = 0;
  for (int i = 0; i < nk; i++) {
    if (lx[i]->kind != E_COL) el++;
    if (rx[i]->kind != E_COL) er++;
  }
  plan_opspec *s = n->op;
  if (!el && !er) {
    for (int i = 0; i < nk; i++) lk[i] = lx[i]->col, rk[i] = rx[i]->col - nl;
    s->keys = lk;
    s->rkeys = rk;
    s->nkeys = nk;
    return;
  }
  /* widen the inputs; the key expressions read left + right columns (a SEMI join's own
   * columns are only the left ones) */
  sl_type *wt = arena_alloc(b->a, sizeof(sl_type) * (size_t)(nl + nr + 1));
  memcpy(wt, l->types, sizeof(sl_type) * (size_t)nl);
  memcpy(wt + nl, r->types, sizeof(sl_type) * (size_t)nr);
  plan_node *wl = l, *wr = r;
  if (el) {
    wl = plan_calc_node(b, l, nl + el, n->off);
    for (int i = 0; i < nl; i++) {
      wl->names[i] = l->names[i];
      wl->types[i] = l->types[i];
      wl->proj[i] = plan_col(b->a, i, l->types[i], n->off);
    }
  }
  if (er) {
    wr = plan_calc_node(b, r, nr + er, n->off);
    for (int i = 0; i < nr; i++) {
      wr->names[i] = r->names[i];
      wr->types[i] = r->types[i];
      wr->proj[i] = plan_col(b->a, i, r->types[i], n->off);
    }
  }
  int al = nl, ar = nr;
  for (int i = 0; i < nk; i++) {
    if (lx[i]->kind == E_COL) {
      lk[i] = lx[i]->col;
    } else {
      wl->names[al] = arena_printf(b->a, "$key%d", i);
      wl->types[al] = lx[i]->type;
      wl->proj[al] = lx[i];
      lk[i] = al++;
    }
    if (rx[i]->kind == E_COL) {
      rk[i] = rx[i]->col - nl;
    } else {
      wr->names[ar] = arena_printf(b->a, "$key%d", i);
      wr->types[ar] = rx[i]->type;
      wr->proj[ar] = plan_shift_cols(b, rx[i], nl + nr, 0, -nl, wt);
      rk[i] = ar++;
    }
  }
  /* the join over the widened inputs; n becomes the Calc that drops the key columns */
  plan_node *j = plan_new_join(b, s->join_type, wl, wr, n->off);
  *j->op = *s;
  j->op->keys = lk;
  j->op->rkeys = rk;
  j->op->nkeys = nk;
  bool semi = s->join_type == JOIN_SEMI || s->join_type == JOIN_ANTI;
  /* columns of the condition and time/window columns of the right side move by el */
  if (j->op->cond) j->op->cond = plan_shift_cols(b, j->op->cond, nl + nr, nl, el, wt);
  plan_node *c = n;
  int nc = n->ncols;
  const char **names = n->names;
  sl_type *types = n->types;
  memset(c, 0, sizeof *c);
  c->kind = P_CALC;
  c->nin = 1;
  c->in = arena_alloc(b->a, sizeof(plan_node *));
  c->in[0] = j;
  c->ncols = nc;
  c->names = names;
  c->types = types;
  c->off = j->off;
  c->proj = arena_alloc(b->a, sizeof(sl_expr *) * (size_t)(nc ? nc : 1));
  for (int i = 0; i < nc; i++) {
    int from = i < nl ? i : i + el;
    c->proj[i] = plan_col(b->a, from, types[i], j->off);
  }
  (void)semi;
}

static void need_type(binder *b, plan_node *n, const char *what, bool ok) {
  if (!ok)
    plan_fail(b, n->off, "%s supports INNER and LEFT joins only, not %s", what,
              plan_join_type_name(n->op->join_type));
}

void plan_join_decide(binder *b, pending *pd, const sql_query *q) {
  plan_node *n = pd->n;
  plan_opspec *s = n->op;
  plan_node *l = n->in[0], *r = n->in[1];
  int nl = l->ncols, nr = r->ncols;
  sl_expr **v = NULL;
  int nv = 0, cap = 0;
  if (s->cond) plan_conjuncts(b, s->cond, &v, &nv, &cap);
  sl_expr **lx = arena_alloc(b->a, sizeof(sl_expr *) * (size_t)(nv + 1));
  sl_expr **rx = arena_alloc(b->a, sizeof(sl_expr *) * (size_t)(nv + 1));
  bool *used = arena_zalloc(b->a, (size_t)(nv + 1));
  int nk = 0;
  int lw[3] = {-1, -1, -1}, rw[3] = {-1, -1, -1};
  const plan_node *ltvf = NULL, *rtvf = NULL;
  for (int i = 0; i < nv; i++) {
    sl_expr *le, *re;
    if (!key_conj(b, v[i], nl, nr, &le, &re)) continue;
    used[i] = true;
    if (le->kind == E_COL && re->kind == E_COL && !pd->rtable) {
      const plan_node *t1 = NULL, *t2 = NULL;
      int a = plan_window_col(l, le->col, &t1), c = plan_window_col(r, re->col - nl, &t2);
      if (a && a == c && lw[a] < 0) {
        lw[a] = le->col, rw[a] = re->col - nl, ltvf = t1, rtvf = t2;
        continue;
      }
    }
    lx[nk] = le;
    rx[nk++] = re;
  }
  bool window = lw[1] >= 0 && lw[2] >= 0;
  if (!window && (lw[1] >= 0 || lw[2] >= 0)) { /* only one bound: an ordinary key */
    for (int a = 1; a <= 2; a++)
      if (lw[a] >= 0) {
        lx[nk] = plan_col(b->a, lw[a], l->types[lw[a]], n->off);
        rx[nk++] = plan_col(b->a, nl + rw[a], r->types[rw[a]], n->off);
      }
  }
  /* event-time bounds between the two sides */
  int ltime = -1, rtime = -1;
  int64_t lower = INT64_MIN, upper = INT64_MAX;
  bool *bound_used = arena_zalloc(b->a, (size_t)(nv + 1));
  if (!pd->rtable && !window)
    for (int i = 0; i < nv; i++) {
      const sl_expr *x = v[i];
      if (used[i] || x->kind != E_CMP || x->nargs != 2 || x->ival == EOP_EQ || x->ival == EOP_NE)
        continue;
      int ca, cb;
      int64_t ma, mb;
      if (!time_term(x->args[0], &ca, &ma) || !time_term(x->args[1], &cb, &mb)) continue;
      bool la = ca < nl, lb = cb < nl;
      if (la == lb) continue;
      int lc = la ? ca : cb, rc = (la ? cb : ca) - nl;
      if (!plan_is_rowtime(l, lc) || !plan_is_rowtime(r, rc)) continue;
      if ((ltime >= 0 && ltime != lc) || (rtime >= 0 && rtime != rc)) continue;
      /* D = r - l; A op B */
      int op = (int)x->ival;
      int64_t cst;
      if (la) { /* l + ma op r + mb  <=>  D flip(op) ma - mb */
        cst = ma - mb;
        op = op == EOP_LT ? EOP_GT : op == EOP_LE ? EOP_GE : op == EOP_GT ? EOP_LT : EOP_LE;
      } else { /* r + ma op l + mb  <=>  D op mb - ma */
        cst = mb - ma;
      }
      if (op == EOP_GE && cst > lower) lower = cst;
      if (op == EOP_GT && cst + 1 > lower) lower = cst + 1;
      if (op == EOP_LE && cst < upper) upper = cst;
      if (op == EOP_LT && cst - 1 < upper) upper = cst - 1;
      ltime = lc;
      rtime = rc;
      bound_used[i] = true;
    }
  /* SEMI / ANTI joins with time bounds run as regular joins (the bounds stay in the condition) */
  bool interval = lower != INT64_MIN && upper != INT64_MAX && s->join_type <= JOIN_FULL;
  /* the residual condition */
  sl_expr *rest = NULL;
  for (int i = 0; i < nv; i++)
    if (!used[i] && !(interval && bound_used[i])) rest = plan_and(b->a, rest, v[i]);
  s->cond = rest;
  int t = s->join_type;
  if (pd->as_of >= 0) {
    cat_table *rt = pd->rtable;
    if (plan_is_proctime(l, pd->as_of)) {
      need_type(b, n, "a lookup join (FOR SYSTEM_TIME AS OF a processing-time column)",
                t == JOIN_INNER || t == JOIN_LEFT);
      if (!nk)
        plan_fail(b, n->off,
                  "a lookup join needs an equality between the left input and the table '%s' "
                  "in its ON condition (the lookup key)",
                  rt->name);
      s->join_kind = PJ_LOOKUP;
      if (rt->npk) {
        s->pk = arena_alloc(b->a, sizeof(int) * (size_t)rt->npk);
        for (int i = 0; i < rt->npk; i++) {
          s->pk[i] = plan_find_col(r, rt->phys_names[rt->pk[i]]);
          if (s->pk[i] < 0) plan_fail(b, n->off, "internal: primary key column not found");
        }
        s->npk = rt->npk;
      }
    } else if (plan_is_rowtime(l, pd->as_of)) {
      need_type(b, n, "a temporal join (FOR SYSTEM_TIME AS OF an event-time column)",
                t == JOIN_INNER || t == JOIN_LEFT);
      if (!rt->npk || rt->wm_col < 0)
        plan_fail_hint(b, pd->as_of_off,
                       "declare PRIMARY KEY (...) NOT ENFORCED and a WATERMARK on the versioned "
                       "table",
                       arena_printf(b->a,
                                    "a temporal join needs a versioned table: '%s' must have a "
                                    "PRIMARY KEY and a WATERMARK",
                                    rt->name));
      for (int i = 0; i < rt->npk; i++) {
        int pc = plan_find_col(r, rt->phys_names[rt->pk[i]]);
        bool found = false;
        for (int k = 0; k < nk && !found; k++)
          found = rx[k]->kind == E_COL && rx[k]->col - nl == pc;
        if (!found)
          plan_fail(b, n->off,
                    "a temporal join's condition must equate the PRIMARY KEY of '%s' ('%s' is "
                    "missing) with the left input",
                    rt->name, rt->phys_names[rt->pk[i]]);
      }
      s->join_kind = PJ_TEMPORAL;
      s->ltime = pd->as_of;
      s->rtime = plan_find_col(r, rt->cols[rt->wm_col].name);
    } else {
      plan_fail(b, pd->as_of_off,
                "FOR SYSTEM_TIME AS OF needs the left input's processing-time attribute (a "
                "PROCTIME() column: a lookup join) or its event-time attribute (a column with a "
                "WATERMARK: a temporal join)");
    }
  } else if (window) {
    window_spec a = ltvf->op->win, c = rtvf->op->win;
    /* a cascading aggregation's windows are its upstream's (a TUMBLE of the slide, with the
     * upstream's window_start): compare them as that window */
    window_spec *cs[2] = {&a, &c};
    for (int i = 0; i < 2; i++)
      if (cs[i]->out_size && cs[i]->out_size != cs[i]->size) {
        cs[i]->kind = WIN_HOP;
        cs[i]->slide = cs[i]->size;
        cs[i]->size = cs[i]->out_size;
      }
    if (a.kind != c.kind || a.size != c.size || a.slide != c.slide || a.step != c.step ||
        a.offset != c.offset || a.gap != c.gap)
      plan_fail(b, n->off,
                "a window join needs the same window on both sides (kind, size, slide and "
                "offset)");
    if (a.kind == WIN_SESSION)
      plan_fail(b, n->off, "window joins over SESSION windows are not supported yet");
    s->join_kind = PJ_WINDOW;
    s->lwin[0] = lw[1], s->lwin[1] = lw[2];
    s->rwin[0] = rw[1], s->rwin[1] = rw[2];
  } else if (interval) {
    s->join_kind = PJ_INTERVAL;
    s->ltime = ltime;
    s->rtime = rtime;
    s->lower = lower;
    s->upper = upper;
  } else {
    s->join_kind = PJ_REGULAR;
  }
  /* STATE_TTL hints name the sides */
  for (int h = 0; q && h < q->nhints; h++) {
    const sql_hint *hn = &q->hints[h];
    if (!str_ieq(hn->name, "STATE_TTL")) continue;
    for (int k = 0; k < hn->nkv; k++) {
      int64_t ms;
      const sql_option *o = &hn->kv[k];
      bool lq = pd->lq && str_ieq(pd->lq, o->key), rq = pd->rq && str_ieq(pd->rq, o->key);
      if (!lq && !rq) continue;
      if (opt_parse_duration(o->value, &ms) != SL_OK || ms < 0)
        plan_fail(b, o->val_off, "STATE_TTL: '%s' is not a duration such as '1 d' or '12 h'",
                  o->value);
      if (lq) s->ttl_left = ms;
      if (rq) s->ttl_right = ms;
    }
  }
  place_keys(b, n, lx, rx, nk);
}
