/* bind_join.c - joins in FROM and the WHERE conditions that become joins: the two inputs and
 * their combined scope, ON / USING, WHERE conjuncts pushed into inner joins (or below them as
 * filters), IN / EXISTS subqueries as SEMI / ANTI joins, the checks on query hints; then
 * bind_join_kind.c decides how each join runs. Must not build operators (physical_ops.c does)
 * or touch the catalog's options. */
#include <string.h>

#include "plan_int.h"

const char *plan_join_type_name(int t) {
  static const char *const names[] = {"?", "INNER", "LEFT", "RIGHT", "FULL", "SEMI", "ANTI"};
  return t >= 1 && t <= JOIN_ANTI ? names[t] : names[0];
}

/* ---- small helpers over bound expressions ---- */

/* The conjuncts of x (AND chains flattened). */
void plan_conjuncts(binder *b, sl_expr *x, sl_expr ***v, int *n, int *cap) {
  if (x->kind == E_AND) {
    for (int i = 0; i < x->nargs; i++) plan_conjuncts(b, x->args[i], v, n, cap);
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
int plan_sides_of(binder *b, const sl_expr *x, int nl, int nr) {
  bool *used = arena_zalloc(b->a, (size_t)(nl + nr + 1));
  expr_columns(x, used);
  int s = 0;
  for (int i = 0; i < nl + nr; i++)
    if (used[i]) s |= i < nl ? 1 : 2;
  return s;
}

/* x with every column c >= from moved by delta (columns below `from` kept). */
sl_expr *plan_shift_cols(binder *b, const sl_expr *x, int ncols, int from, int delta,
                         const sl_type *types) {
  sl_expr **repl = arena_alloc(b->a, sizeof(sl_expr *) * (size_t)(ncols + 1));
  for (int i = 0; i < ncols; i++)
    repl[i] = plan_col(b->a, i >= from ? i + delta : i, types[i], x->off);
  return expr_substitute(x, repl, b->a);
}

/* A filter (identity projection) over n. */
static plan_node *filter_over(binder *b, plan_node *n, sl_expr *pred) {
  plan_node *c = plan_calc_node(b, n, n->ncols, pred->off);
  for (int i = 0; i < n->ncols; i++) {
    c->names[i] = n->names[i];
    c->types[i] = n->types[i];
    c->proj[i] = plan_col(b->a, i, n->types[i], pred->off);
  }
  c->pred = pred;
  return c;
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

plan_node *plan_new_join(binder *b, int type, plan_node *l, plan_node *r, uint32_t off) {
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
  int s = plan_sides_of(b, x, nl, nr);
  int t = n->op->join_type;
  bool inner = t == JOIN_INNER;
  /* a side whose rows are not preserved may be filtered before the join */
  bool filter_l = inner || t == JOIN_RIGHT, filter_r = inner || t == JOIN_LEFT;
  if (from_where && !inner) {
    n->op->cond =
        plan_and(b->a, n->op->cond, x); /* not reached: callers filter above outer joins */
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
    sl_expr *y = plan_shift_cols(b, x, nl + nr, 0, -nl, n->types);
    if (r->kind == P_JOIN && r->op->join_type == JOIN_INNER && pending_of(b->jc, r))
      add_conj(b, r, y, true);
    else
      n->in[1] = filter_over(b, r, y);
    return;
  }
  n->op->cond = plan_and(b->a, n->op->cond, x);
}

/* A WHERE conjunct x over n's columns, pushed as far down as SQL allows: into the preserved
 * side of an outer join (the left of LEFT, the right of RIGHT, either of INNER), into an inner
 * join's condition when it reads both sides; otherwise a filter above n. Returns what takes
 * n's place. */
static plan_node *push_where(binder *b, plan_node *n, sl_expr *x) {
  const pending *pd = pending_of(b->jc, n);
  if (!pd || n->kind != P_JOIN) return filter_over(b, n, x);
  int nl = n->in[0]->ncols, nr = n->in[1]->ncols;
  int s = plan_sides_of(b, x, nl, nr), t = n->op->join_type;
  if (s == 1 && (t == JOIN_INNER || t == JOIN_LEFT)) {
    n->in[0] = push_where(b, n->in[0], x);
    return n;
  }
  if (s == 2 && (t == JOIN_INNER || t == JOIN_RIGHT) && !pd->rtable) {
    n->in[1] = push_where(b, n->in[1], plan_shift_cols(b, x, nl + nr, 0, -nl, n->types));
    return n;
  }
  if (s && t == JOIN_INNER) { /* a versioned table's rows are filtered after the version pick */
    n->op->cond = plan_and(b->a, n->op->cond, x);
    return n;
  }
  return filter_over(b, n, x);
}

static bound bind_join(binder *b, const sql_from *f, cte_env *env) {
  struct join_ctx *jc = b->jc;
  bound l = plan_bind_from(b, f->left, env);
  sql_from rf = *f->right; /* the table itself; its AS OF belongs to this join */
  rf.as_of = NULL;
  bound r = plan_bind_from(b, &rf, env);
  int type = join_type_of(f->join);
  plan_node *n = plan_new_join(b, type, l.n, r.n, f->off);
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
    for (cte_env *c = env; c; c = c->next)
      if (sql_name_match(c->cte->name, f->right->name, f->right->quoted)) t = NULL;
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
    plan_conjuncts(b, on, &v, &nv, &cap);
    for (int i = 0; i < nv; i++) add_conj(b, n, v[i], false);
  }
  for (int i = 0; i < f->nusing; i++) { /* USING (k): l.k = r.k */
    const char *k = f->using_cols[i];
    int lc = -1, rc = -1;
    for (int c = 0; c < l.sc.n; c++)
      if (!l.sc.cols[c].hidden && str_ieq(l.sc.cols[c].name, k)) {
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
    x->args[0] = expr_coerce(plan_col(b->a, lc, l.sc.cols[lc].type, x->off), ct, b->a);
    x->args[1] = expr_coerce(plan_col(b->a, l.sc.n + rc, r.sc.cols[rc].type, x->off), ct, b->a);
    add_conj(b, n, x, false);
    /* one column stands for both: the left one (equal to the right one wherever both exist)
     * for INNER and LEFT, the right one for RIGHT; a FULL join keeps both visible (neither is
     * right on every row: name them a.k / b.k, or COALESCE(a.k, b.k)) */
    if (type == JOIN_RIGHT) {
      o.sc.cols[lc].hidden = true;
      o.sc.cols[l.sc.n + rc].using_col = true;
    } else if (type != JOIN_FULL) {
      o.sc.cols[l.sc.n + rc].hidden = true;
      o.sc.cols[lc].using_col = true;
    }
  }
  return o;
}

/* ---- the entry points ---- */

bound plan_bind_join(binder *b, const sql_from *f, cte_env *env) {
  if (!b->jc) plan_fail(b, f->off, "internal: a join outside a SELECT");
  return bind_join(b, f, env);
}

/* The hints of q name only tables or aliases of its joins, and only hints sluice knows. */
void plan_check_hints(binder *b, const sql_query *q) {
  const struct join_ctx *jc = b->jc;
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
      for (int i = 0; jc && i < jc->n && !found; i++)
        found = (jc->v[i].lq && str_ieq(jc->v[i].lq, hn->kv[k].key)) ||
                (jc->v[i].rq && str_ieq(jc->v[i].rq, hn->kv[k].key));
      if (!found)
        plan_fail(b, hn->kv[k].key_off,
                  "STATE_TTL names '%s', which is not an input of a join in this SELECT (a table "
                  "or alias joined in its FROM; STATE_TTL on aggregations is not supported yet)",
                  hn->kv[k].key);
    }
  }
}

/* Whether x calls an aggregate function (not as an OVER window). */
static bool has_aggregate(const sql_expr *x) {
  if (!x) return false;
  if (x->kind == A_FUNC && !x->over && x->text && agg_lookup(x->text)) return true;
  for (int i = 0; i < x->nargs; i++)
    if (has_aggregate(x->args[i])) return true;
  return false;
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
  bool agg = false;
  for (int i = 0; i < sq->nitems && sq->kind == Q_SELECT; i++) agg |= has_aggregate(sq->items[i].e);
  if (agg && x->kind == A_EXISTS)
    plan_fail(b, sq->off,
              "EXISTS over an aggregation is not supported (without GROUP BY it is always TRUE); "
              "write the condition without EXISTS");
  plain &= !agg;
  if (plain) {
    r = plan_bind_from(b, sq->from, env);
    for (int i = 0; i < sq->nitems && x->kind == A_EXISTS; i++) /* checked, then unused */
      if (sq->items[i].e->kind != A_STAR) (void)plan_bind_expr(b, &r.sc, sq->items[i].e);
    struct join_ctx none = {0}, *saved_jc = b->jc;
    b->jc = &none; /* the subquery joins nothing: any STATE_TTL in it is misplaced */
    plan_check_hints(b, sq);
    b->jc = saved_jc;
  } else { /* an uncorrelated IN (SELECT ...) of any shape */
    r.n = plan_bind_query(b, sq, env);
    r.sc = plan_make_scope(b, r.n, NULL);
  }
  plan_node *n = plan_new_join(b, neg ? JOIN_ANTI : JOIN_SEMI, in, r.n, off);
  scope all; /* the outer query's names, then the subquery's, which hide them */
  all.n = sc->n + r.sc.n;
  all.cols = arena_alloc(b->a, sizeof(scope_col) * (size_t)(all.n ? all.n : 1));
  memcpy(all.cols, sc->cols, sizeof(scope_col) * (size_t)sc->n);
  memcpy(all.cols + sc->n, r.sc.cols, sizeof(scope_col) * (size_t)r.sc.n);
  for (int i = 0; i < sc->n; i++) all.cols[i].level++;
  sl_type *types = arena_alloc(b->a, sizeof(sl_type) * (size_t)(all.n ? all.n : 1));
  for (int i = 0; i < all.n; i++) types[i] = all.cols[i].type;
  sl_expr *cond = NULL;
  if (x->kind == A_INSUB) {
    sl_expr *a = plan_bind_expr(b, sc, x->args[0]);
    sl_expr *y;
    if (plain) {
      if (sq->nitems != 1 || sq->items[0].e->kind == A_STAR)
        plan_fail(b, sq->off, "the subquery of IN must select exactly one column");
      scope rs = r.sc; /* the selected expression sees the subquery's FROM only */
      y = plan_bind_expr(b, &rs, sq->items[0].e);
      y = plan_shift_cols(b, y, r.sc.n, 0, sc->n, types + sc->n);
    } else {
      if (r.n->ncols != 1)
        plan_fail(b, sq->off, "the subquery of IN must select exactly one column");
      y = plan_col(b->a, sc->n, r.n->types[0], sq->off);
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
    cond = plan_and(b->a, cond, w);
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
    plan_conjuncts(b, cond, &v, &nv, &cap);
    for (int i = 0; i < nv; i++) {
      /* conjuncts over the subquery only filter it; the rest is the condition */
      if (plan_sides_of(b, v[i], sc->n, r.sc.n) == 2 && !(n->op->null_aware && i == 0)) {
        sl_expr *y = plan_shift_cols(b, v[i], sc->n + r.sc.n, 0, -sc->n, types);
        n->in[1] = filter_over(b, n->in[1], y);
      } else {
        n->op->cond = plan_and(b->a, n->op->cond, v[i]);
      }
    }
  }
  plan_join_decide(b, &pd, NULL);
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
    /* plain WHERE conjuncts: down into the joins where SQL allows, else filters above */
    for (int i = 0; i < nconj; i++) {
      if (subquery_conj(conj[i])) continue;
      sl_expr *x = plan_bind_expr(b, &in->sc, conj[i]);
      plan_need_bool(b, x, "WHERE");
      n = push_where(b, n, x);
    }
    for (int i = 0; i < jc->n; i++) plan_join_decide(b, &jc->v[i], q); /* inner ones first */
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
