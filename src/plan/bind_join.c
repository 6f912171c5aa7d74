/* bind_join.c - joins in FROM and the WHERE conditions that become joins: the two inputs and
 * their combined scope, ON / USING, WHERE conjuncts pushed into inner joins (or below them as
 * filters), IN / EXISTS subqueries as SEMI / ANTI joins, STATE_TTL hints, and the decision of
 * how each join runs (plan_join_kind): lookup (FOR SYSTEM_TIME AS OF a processing-time column),
 * temporal (AS OF an event-time column, versioned right side), window (two window TVFs on
 * window_start and window_end), interval (event-time bounds between the two sides' time
 * columns) or regular. Equality conjuncts become keys, the rest the residual condition.
 * Must not build operators (physical_ops.c does) or touch the catalog's options. */
#include <string.h>

#include "plan_int.h"

static const char *join_type_name(int t) {
  static const char *const names[] = {"?", "INNER", "LEFT", "RIGHT", "FULL", "SEMI", "ANTI"};
  return t >= 1 && t <= JOIN_ANTI ? names[t] : names[0];
}

/* ---- small helpers over bound expressions ---- */

static sl_expr *col_ref(binder *b, int col, sl_type t, uint32_t off) {
  sl_expr *x = expr_new(b->a, E_COL, t, off);
  x->col = col;
  return x;
}

static sl_expr *and2(binder *b, sl_expr *x, sl_expr *y) {
  if (!x) return y;
  if (!y) return x;
  sl_expr *r = expr_new(b->a, E_AND, type_make(T_BOOLEAN), x->off);
  r->nargs = 2;
  r->args = arena_alloc(b->a, sizeof(sl_expr *) * 2);
  r->args[0] = x;
  r->args[1] = y;
  return r;
}

/* The conjuncts of x (AND chains flattened). */
static void conjuncts(binder *b, sl_expr *x, sl_expr ***v, int *n, int *cap) {
  if (x->kind == E_AND) {
    for (int i = 0; i < x->nargs; i++) conjuncts(b, x->args[i], v, n, cap);
    return;
  }
  if (*n == *cap) {
    int nc = *cap ? *cap * 2 : 8;
    sl_expr **nv = arena_alloc(b->a, sizeof(sl_expr *) * (size_t)nc);
    if (*n) memcpy(nv, *v, sizeof(sl_expr *) * (size_t)*n);
    *v = nv;
    *cap = nc;
  }
  (*v)[(*n)++] = x;
}

/* Which sides x reads: bit 1 left (columns < nl), bit 2 right. */
static int sides_of(binder *b, const sl_expr *x, int nl, int nr) {
  bool *used = arena_zalloc(b->a, (size_t)(nl + nr + 1));
  expr_columns(x, used);
  int s = 0;
  for (int i = 0; i < nl + nr; i++)
    if (used[i]) s |= i < nl ? 1 : 2;
  return s;
}

/* x with every column c >= from moved by delta (columns below `from` kept). */
static sl_expr *shift_cols(binder *b, const sl_expr *x, int ncols, int from, int delta,
                           const sl_type *types) {
  sl_expr **repl = arena_alloc(b->a, sizeof(sl_expr *) * (size_t)(ncols + 1));
  for (int i = 0; i < ncols; i++) repl[i] = col_ref(b, i >= from ? i + delta : i, types[i], x->off);
  return expr_substitute(x, repl, b->a);
}

/* A filter (identity projection) over n. */
static plan_node *filter_over(binder *b, plan_node *n, sl_expr *pred) {
  plan_node *c = plan_calc_node(b, n, n->ncols, pred->off);
  for (int i = 0; i < n->ncols; i++) {
    c->names[i] = n->names[i];
    c->types[i] = n->types[i];
    c->proj[i] = col_ref(b, i, n->types[i], pred->off);
  }
  c->pred = pred;
  return c;
}

/* ---- time attributes through the plan ---- */

/* Whether column col of n is an event-time attribute: a table's WATERMARK column passed on
 * unchanged (projections, window TVFs, interval joins), or a window's window_time. */
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
      if (col == n->ncols - 1) return true; /* window_time */
      if (col >= n->ncols - 3) return false;
      n = n->in[0];
      continue;
    case P_WINAGG: return col == n->ncols - 1;
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
static int window_col(const plan_node *n, int col, const plan_node **tvf) {
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

/* ---- FROM a JOIN b ---- */

static const char *side_name(const scope *sc, int from, int to) {
  const char *q = to > from ? sc->cols[from].qual : NULL;
  for (int i = from; i < to && q; i++)
    if (!sc->cols[i].qual || !str_ieq(sc->cols[i].qual, q)) return NULL;
  return q;
}

static int join_type_of(int sj) {
  switch (sj) {
  case SJ_LEFT: return JOIN_LEFT;
  case SJ_RIGHT: return JOIN_RIGHT;
  case SJ_FULL: return JOIN_FULL;
  default: return JOIN_INNER;
  }
}

static plan_node *new_join(binder *b, int type, plan_node *l, plan_node *r, uint32_t off) {
  int nc = type == JOIN_SEMI || type == JOIN_ANTI ? l->ncols : l->ncols + r->ncols;
  plan_node *n = plan_new_node(b->a, P_JOIN, 2, nc);
  n->in[0] = l;
  n->in[1] = r;
  n->off = off;
  for (int i = 0; i < nc; i++) {
    const plan_node *s = i < l->ncols ? l : r;
    int k = i < l->ncols ? i : i - l->ncols;
    n->names[i] = s->names[k];
    n->types[i] = s->types[k];
  }
  n->op = arena_zalloc(b->a, sizeof *n->op);
  n->op->join_type = type;
  n->op->ttl_left = n->op->ttl_right = -1;
  n->op->ltime = n->op->rtime = -1;
  return n;
}

/* One conjunct of ON (or of WHERE for an inner join) into the join: a side-only conjunct
 * filters that side's input when the join type allows it, the rest goes into the condition. */
static void add_conj(binder *b, plan_node *n, sl_expr *x, bool from_where);

static pending *pending_of(struct join_ctx *jc, plan_node *n) {
  for (int i = 0; i < jc->n; i++)
    if (jc->v[i].n == n) return &jc->v[i];
  return NULL;
}

static void add_conj(binder *b, plan_node *n, sl_expr *x, bool from_where) {
  plan_node *l = n->in[0], *r = n->in[1];
  int nl = l->ncols, nr = r->ncols;
  int s = sides_of(b, x, nl, nr);
  int t = n->op->join_type;
  bool inner = t == JOIN_INNER;
  /* a side whose rows are not preserved may be filtered before the join */
  bool filter_l = inner || t == JOIN_RIGHT, filter_r = inner || t == JOIN_LEFT;
  if (from_where && !inner) {
    n->op->cond = and2(b, n->op->cond, x); /* not reached: callers filter above outer joins */
    return;
  }
  const pending *pd = pending_of(b->jc, n);
  bool versioned = pd && pd->rtable; /* a lookup or temporal join */
  if (s == 1 && filter_l && !versioned) {
    if (l->kind == P_JOIN && l->op->join_type == JOIN_INNER && pending_of(b->jc, l))
      add_conj(b, l, x, true);
    else
      n->in[0] = filter_over(b, l, x);
    return;
  }
  if (s == 1 && filter_l) { /* a lookup or temporal join: keep the probe side's filter */
    n->in[0] = filter_over(b, l, x);
    return;
  }
  if (s == 2 && filter_r && !versioned) {
    sl_expr *y = shift_cols(b, x, nl + nr, 0, -nl, n->types);
    if (r->kind == P_JOIN && r->op->join_type == JOIN_INNER && pending_of(b->jc, r))
      add_conj(b, r, y, true);
    else
      n->in[1] = filter_over(b, r, y);
    return;
  }
  n->op->cond = and2(b, n->op->cond, x);
}

static bound bind_join(binder *b, const sql_from *f, cte_env *env) {
  struct join_ctx *jc = b->jc;
  bound l = plan_bind_from(b, f->left, env);
  bound r = plan_bind_from(b, f->right, env);
  int type = join_type_of(f->join);
  plan_node *n = new_join(b, type, l.n, r.n, f->off);
  bound o;
  o.n = n;
  o.sc.n = l.sc.n + r.sc.n;
  o.sc.cols = arena_alloc(b->a, sizeof(scope_col) * (size_t)(o.sc.n ? o.sc.n : 1));
  memcpy(o.sc.cols, l.sc.cols, sizeof(scope_col) * (size_t)l.sc.n);
  memcpy(o.sc.cols + l.sc.n, r.sc.cols, sizeof(scope_col) * (size_t)r.sc.n);
  if (jc->n == jc->cap) {
    int nc = jc->cap ? jc->cap * 2 : 4;
    pending *nv = arena_alloc(b->a, sizeof(pending) * (size_t)nc);
    if (jc->n) memcpy(nv, jc->v, sizeof(pending) * (size_t)jc->n);
    jc->v = nv;
    jc->cap = nc;
  }
  pending *pd = &jc->v[jc->n++];
  memset(pd, 0, sizeof *pd);
  pd->n = n;
  pd->as_of = -1;
  pd->lq = side_name(&o.sc, 0, l.sc.n);
  pd->rq = side_name(&o.sc, l.sc.n, o.sc.n);
  if (f->right->kind == FROM_TABLE && f->right->as_of) {
    pd->as_of_off = f->right->as_of_off;
    sl_expr *a = plan_bind_expr(b, &l.sc, f->right->as_of);
    if (a->kind != E_COL)
      plan_fail(b, f->right->as_of->off,
                "FOR SYSTEM_TIME AS OF needs a time column of the left input (its processing-time "
                "or event-time attribute), not an expression");
    pd->as_of = a->col;
    cat_table *t = plan_find_table(b->p, f->right->name);
    if (!t || t->is_view)
      plan_fail(b, f->right->off,
                "FOR SYSTEM_TIME AS OF needs a table declared with CREATE TABLE; '%s' is a view "
                "or a WITH query (versioned views are not supported yet)",
                f->right->name);
    pd->rtable = t;
  }
  if (f->right->as_of && f->right->kind != FROM_TABLE)
    plan_fail(b, f->right->off, "FOR SYSTEM_TIME AS OF applies to a table");
  if (f->on) {
    sl_expr *on = plan_bind_expr(b, &o.sc, f->on);
    plan_need_bool(b, on, "the ON condition");
    sl_expr **v = NULL;
    int nv = 0, cap = 0;
    conjuncts(b, on, &v, &nv, &cap);
    for (int i = 0; i < nv; i++) add_conj(b, n, v[i], false);
  }
  for (int i = 0; i < f->nusing; i++) { /* USING (k): l.k = r.k */
    const char *k = f->using_cols[i];
    int lc = -1, rc = -1;
    for (int c = 0; c < l.sc.n; c++)
      if (str_ieq(l.sc.cols[c].name, k)) {
        if (lc >= 0)
          plan_fail(b, f->using_offs[i], "USING column '%s' is ambiguous on the left", k);
        lc = c;
      }
    for (int c = 0; c < r.sc.n; c++)
      if (str_ieq(r.sc.cols[c].name, k)) {
        if (rc >= 0)
          plan_fail(b, f->using_offs[i], "USING column '%s' is ambiguous on the right", k);
        rc = c;
      }
    if (lc < 0 || rc < 0)
      plan_fail(b, f->using_offs[i], "USING column '%s' is not a column of the %s input", k,
                lc < 0 ? "left" : "right");
    sl_expr *x = expr_new(b->a, E_CMP, type_make(T_BOOLEAN), f->using_offs[i]);
    x->ival = EOP_EQ;
    x->nargs = 2;
    x->args = arena_alloc(b->a, sizeof(sl_expr *) * 2);
    sl_type ct;
    if (!expr_common_type(l.sc.cols[lc].type, r.sc.cols[rc].type, &ct))
      plan_fail(b, f->using_offs[i], "USING column '%s' has types that cannot be compared", k);
    x->args[0] = expr_coerce(col_ref(b, lc, l.sc.cols[lc].type, x->off), ct, b->a);
    x->args[1] = expr_coerce(col_ref(b, l.sc.n + rc, r.sc.cols[rc].type, x->off), ct, b->a);
    add_conj(b, n, x, false);
  }
  return o;
}

/* ---- deciding how a join runs ---- */

/* t + c (t a column, c a constant interval): *col, *ms. */
static bool time_term(const sl_expr *x, int *col, int64_t *ms) {
  *ms = 0;
  if (x->kind == E_CAST && x->nargs == 1 && type_is_time(x->type) && type_is_time(x->args[0]->type))
    x = x->args[0];
  if (x->kind == E_COL) {
    *col = x->col;
    return true;
  }
  if (x->kind == E_ARITH && x->nargs == 2 && (x->ival == EOP_ADD || x->ival == EOP_SUB) &&
      x->args[0]->kind == E_COL && x->args[1]->kind == E_LIT && x->args[1]->type.id == T_INTERVAL &&
      !x->args[1]->lit.null) {
    *col = x->args[0]->col;
    *ms = x->ival == EOP_ADD ? x->args[1]->lit.u.i : -x->args[1]->lit.u.i;
    return true;
  }
  if (x->kind == E_ARITH && x->nargs == 2 && x->ival == EOP_ADD && x->args[1]->kind == E_COL &&
      x->args[0]->kind == E_LIT && x->args[0]->type.id == T_INTERVAL && !x->args[0]->lit.null) {
    *col = x->args[1]->col;
    *ms = x->args[0]->lit.u.i;
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
  int s0 = sides_of(b, x->args[0], nl, nr), s1 = sides_of(b, x->args[1], nl, nr);
  if (s0 == 1 && s1 == 2) {
    *le = x->args[0];
    *re = x->args[1];
    return true;
  }
  if (s0 == 2 && s1 == 1) {
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
  /* widen the inputs */
  plan_node *wl = l, *wr = r;
  if (el) {
    wl = plan_calc_node(b, l, nl + el, n->off);
    for (int i = 0; i < nl; i++) {
      wl->names[i] = l->names[i];
      wl->types[i] = l->types[i];
      wl->proj[i] = col_ref(b, i, l->types[i], n->off);
    }
  }
  if (er) {
    wr = plan_calc_node(b, r, nr + er, n->off);
    for (int i = 0; i < nr; i++) {
      wr->names[i] = r->names[i];
      wr->types[i] = r->types[i];
      wr->proj[i] = col_ref(b, i, r->types[i], n->off);
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
      wr->proj[ar] = shift_cols(b, rx[i], nl + nr, 0, -nl, n->types);
      rk[i] = ar++;
    }
  }
  /* the join over the widened inputs; n becomes the Calc that drops the key columns */
  plan_node *j = new_join(b, s->join_type, wl, wr, n->off);
  *j->op = *s;
  j->op->keys = lk;
  j->op->rkeys = rk;
  j->op->nkeys = nk;
  bool semi = s->join_type == JOIN_SEMI || s->join_type == JOIN_ANTI;
  /* columns of the condition and time/window columns of the right side move by el */
  sl_type *wt = arena_alloc(b->a, sizeof(sl_type) * (size_t)(nl + nr + 1));
  memcpy(wt, l->types, sizeof(sl_type) * (size_t)nl);
  memcpy(wt + nl, r->types, sizeof(sl_type) * (size_t)nr);
  if (j->op->cond) j->op->cond = shift_cols(b, j->op->cond, nl + nr, nl, el, wt);
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
    c->proj[i] = col_ref(b, from, types[i], j->off);
  }
  (void)semi;
}

static void need_type(binder *b, plan_node *n, const char *what, bool ok) {
  if (!ok)
    plan_fail(b, n->off, "%s supports INNER and LEFT joins only, not %s", what,
              join_type_name(n->op->join_type));
}

static void decide(binder *b, pending *pd, const sql_query *q) {
  plan_node *n = pd->n;
  plan_opspec *s = n->op;
  plan_node *l = n->in[0], *r = n->in[1];
  int nl = l->ncols, nr = r->ncols;
  sl_expr **v = NULL;
  int nv = 0, cap = 0;
  if (s->cond) conjuncts(b, s->cond, &v, &nv, &cap);
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
      int a = window_col(l, le->col, &t1), c = window_col(r, re->col - nl, &t2);
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
        lx[nk] = col_ref(b, lw[a], l->types[lw[a]], n->off);
        rx[nk++] = col_ref(b, nl + rw[a], r->types[rw[a]], n->off);
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
  bool interval = lower != INT64_MIN && upper != INT64_MAX;
  /* the residual condition */
  sl_expr *rest = NULL;
  for (int i = 0; i < nv; i++)
    if (!used[i] && !(interval && bound_used[i])) rest = and2(b, rest, v[i]);
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
    const window_spec *a = &ltvf->op->win, *c = &rtvf->op->win;
    if (a->kind != c->kind || a->size != c->size || a->slide != c->slide || a->step != c->step ||
        a->offset != c->offset || a->gap != c->gap)
      plan_fail(b, n->off,
                "a window join needs the same window on both sides (kind, size, slide and "
                "offset)");
    if (a->kind == WIN_SESSION)
      plan_fail(b, n->off, "window joins over SESSION windows are not supported yet");
    s->join_kind = PJ_WINDOW;
    s->lwin[0] = lw[1], s->lwin[1] = lw[2];
    s->rwin[0] = rw[1], s->rwin[1] = rw[2];
  } else if (interval) {
    if (lower > upper) plan_fail(b, n->off, "the join's time bounds are empty: no pair can match");
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

/* ---- the entry points ---- */

bound plan_bind_join(binder *b, const sql_from *f, cte_env *env) {
  if (!b->jc) plan_fail(b, f->off, "internal: a join outside a SELECT");
  return bind_join(b, f, env);
}

/* The hints of q name only tables or aliases of its joins, and only hints sluice knows. */
static void check_hints(binder *b, const sql_query *q, const scope *sc) {
  for (int h = 0; h < q->nhints; h++) {
    const sql_hint *hn = &q->hints[h];
    if (!str_ieq(hn->name, "STATE_TTL")) {
      static const char *const known[] = {"STATE_TTL"};
      plan_fail_unknown(b, hn->off, "hint", hn->name, known, 1, "hints");
    }
    if (hn->nargs || !hn->nkv)
      plan_fail(b, hn->off, "STATE_TTL takes 'table or alias' = 'duration' pairs");
    for (int k = 0; k < hn->nkv; k++) {
      bool found = false;
      for (int i = 0; i < sc->n && !found; i++)
        found = sc->cols[i].qual && str_ieq(sc->cols[i].qual, hn->kv[k].key);
      if (!found)
        plan_fail(b, hn->kv[k].key_off,
                  "STATE_TTL names '%s', which is not a table or alias of this query's FROM",
                  hn->kv[k].key);
    }
  }
}

/* IN / EXISTS subquery conjuncts of WHERE, each one a SEMI or ANTI join of the input. */
static bool subquery_conj(const sql_expr *x) {
  if (x->kind == A_UNARY && x->op == OP_NOT && x->nargs == 1) x = x->args[0];
  return x->kind == A_EXISTS || x->kind == A_INSUB;
}

static void no_nested_subquery(binder *b, const sql_expr *x) {
  if (!x) return;
  if (x->kind == A_EXISTS || x->kind == A_INSUB)
    plan_fail(b, x->off,
              "IN (SELECT ...) and EXISTS (...) are supported as conditions of WHERE joined by "
              "AND, not inside other expressions");
  for (int i = 0; i < x->nargs; i++) no_nested_subquery(b, x->args[i]);
}

static plan_node *semi_join(binder *b, plan_node *in, const scope *sc, const sql_expr *x,
                            cte_env *env) {
  bool neg = false;
  uint32_t off = x->off;
  if (x->kind == A_UNARY) {
    neg = true;
    x = x->args[0];
  }
  if (x->flag) neg = !neg; /* NOT IN / NOT EXISTS written with the flag */
  const sql_query *sq = x->sub;
  /* the subquery's FROM, its scope after the outer one */
  bound r;
  bool plain = sq->kind == Q_SELECT && sq->from && sq->from->kind != FROM_JOIN && !sq->ngroup &&
               !sq->ngsets && !sq->having && !sq->distinct && !sq->nctes;
  if (!plain && x->kind == A_EXISTS)
    plan_fail(b, sq->off,
              "EXISTS (...) supports a plain SELECT ... FROM one table or subquery [WHERE ...]; "
              "put joins, GROUP BY, DISTINCT or UNION ALL into a view");
  if (plain) {
    r = plan_bind_from(b, sq->from, env);
  } else { /* an uncorrelated IN (SELECT ...) of any shape */
    r.n = plan_bind_query(b, sq, env);
    r.sc = plan_make_scope(b, r.n, NULL);
  }
  plan_node *n = new_join(b, neg ? JOIN_ANTI : JOIN_SEMI, in, r.n, off);
  scope all;
  all.n = sc->n + r.sc.n;
  all.cols = arena_alloc(b->a, sizeof(scope_col) * (size_t)(all.n ? all.n : 1));
  memcpy(all.cols, sc->cols, sizeof(scope_col) * (size_t)sc->n);
  memcpy(all.cols + sc->n, r.sc.cols, sizeof(scope_col) * (size_t)r.sc.n);
  sl_expr *cond = NULL;
  if (x->kind == A_INSUB) {
    sl_expr *a = plan_bind_expr(b, sc, x->args[0]);
    sl_expr *y;
    if (plain) {
      if (sq->nitems != 1 || sq->items[0].e->kind == A_STAR)
        plan_fail(b, sq->off, "the subquery of IN must select exactly one column");
      scope rs = r.sc; /* the selected expression sees the subquery's FROM only */
      y = plan_bind_expr(b, &rs, sq->items[0].e);
      y = shift_cols(b, y, r.sc.n, 0, sc->n, r.n->types);
    } else {
      if (r.n->ncols != 1)
        plan_fail(b, sq->off, "the subquery of IN must select exactly one column");
      y = col_ref(b, sc->n, r.n->types[0], sq->off);
    }
    sl_type ct;
    char t1[48], t2[48];
    if (!expr_common_type(a->type, y->type, &ct))
      plan_fail(b, x->off, "IN compares %s with %s", tn(a->type, t1), tn(y->type, t2));
    sl_expr *eq = expr_new(b->a, E_CMP, type_make(T_BOOLEAN), x->off);
    eq->ival = EOP_EQ;
    eq->nargs = 2;
    eq->args = arena_alloc(b->a, sizeof(sl_expr *) * 2);
    eq->args[0] = expr_coerce(a, ct, b->a);
    eq->args[1] = expr_coerce(y, ct, b->a);
    cond = eq;
    n->op->null_aware = neg;
  }
  if (plain && sq->where) {
    no_nested_subquery(b, sq->where);
    sl_expr *w = plan_bind_expr(b, &all, sq->where);
    plan_need_bool(b, w, "WHERE");
    cond = and2(b, cond, w);
  }
  struct join_ctx jc = {0};
  pending pd = {.n = n, .as_of = -1};
  jc.v = &pd;
  jc.n = jc.cap = 1;
  struct join_ctx *saved = b->jc;
  b->jc = &jc;
  if (cond) {
    sl_expr **v = NULL;
    int nv = 0, cap = 0;
    conjuncts(b, cond, &v, &nv, &cap);
    for (int i = 0; i < nv; i++) {
      /* conjuncts over the subquery only filter it; the rest is the condition */
      if (sides_of(b, v[i], sc->n, r.sc.n) == 2 && !(n->op->null_aware && i == 0)) {
        sl_expr *y = shift_cols(b, v[i], sc->n + r.sc.n, 0, -sc->n, n->types);
        n->in[1] = filter_over(b, n->in[1], y);
      } else {
        n->op->cond = and2(b, n->op->cond, v[i]);
      }
    }
  }
  decide(b, &pd, NULL);
  b->jc = saved;
  const plan_node *jn = n->kind == P_JOIN ? n : n->in[0]; /* decide may put a Calc above */
  if (jn->op->null_aware) {
    /* NOT IN: the equality is the one, null-aware key (a window join's window_start and
     * window_end equalities are not keys); nothing else may remain */
    if (jn->op->cond || jn->op->nkeys != 1)
      plan_fail(b, x->off,
                "NOT IN with a correlated subquery (a WHERE that refers to the outer query) is "
                "not supported yet; write NOT EXISTS (...)");
  }
  return n;
}

plan_node *plan_bind_where(binder *b, const sql_query *q, bound *in, cte_env *env,
                           const sql_expr **rest) {
  struct join_ctx *jc = b->jc;
  *rest = q->where;
  check_hints(b, q, &in->sc);
  sql_expr **conj = NULL;
  int nconj = 0;
  const sql_expr *w = q->where;
  if (w) {
    bool chain = w->kind == A_BINARY && w->op == OP_AND;
    nconj = chain ? w->nargs : 1;
    conj = arena_alloc(b->a, sizeof(sql_expr *) * (size_t)nconj);
    for (int i = 0; i < nconj; i++) conj[i] = chain ? w->args[i] : (sql_expr *)w;
  }
  bool has_sub = false;
  for (int i = 0; i < nconj; i++) {
    if (subquery_conj(conj[i]))
      has_sub = true;
    else
      no_nested_subquery(b, conj[i]);
  }
  plan_node *n = in->n;
  bool is_join = jc->n > 0;
  if (!is_join && !has_sub) return n;
  if (is_join) {
    /* plain WHERE conjuncts: into the top inner join (and on down), else a filter above */
    pending *top = pending_of(jc, n);
    sl_expr *above = NULL;
    for (int i = 0; i < nconj; i++) {
      if (subquery_conj(conj[i])) continue;
      sl_expr *x = plan_bind_expr(b, &in->sc, conj[i]);
      plan_need_bool(b, x, "WHERE");
      if (top && n->op->join_type == JOIN_INNER && !top->rtable)
        add_conj(b, n, x, true);
      else
        above = and2(b, above, x);
    }
    for (int i = 0; i < jc->n; i++)
      decide(b, &jc->v[i], q); /* inner joins first: they were
                                     made first */
    if (above) n = filter_over(b, n, above);
    *rest = NULL;
  } else {
    /* keep the plain conjuncts for the usual WHERE binding above the SEMI/ANTI joins */
    sql_expr *r = NULL;
    int k = 0;
    for (int i = 0; i < nconj; i++)
      if (!subquery_conj(conj[i])) k++;
    if (k == 1) {
      for (int i = 0; i < nconj; i++)
        if (!subquery_conj(conj[i])) r = conj[i];
    } else if (k > 1) {
      r = arena_zalloc(b->a, sizeof *r);
      *r = *w;
      r->args = arena_alloc(b->a, sizeof(sql_expr *) * (size_t)k);
      r->nargs = 0;
      for (int i = 0; i < nconj; i++)
        if (!subquery_conj(conj[i])) r->args[r->nargs++] = conj[i];
    }
    *rest = r;
  }
  for (int i = 0; i < nconj; i++)
    if (subquery_conj(conj[i])) n = semi_join(b, n, &in->sc, conj[i], env);
  return n;
}
