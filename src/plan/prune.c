/* prune.c - column pruning through joins: a Calc over a join that uses only some of the
 * join's columns gets a join whose inputs carry only the columns something needs (the Calc
 * above, the keys, the condition, the time and window columns, a lookup table's primary key).
 * Narrower rows are cheaper to keep and to copy, and a source then decodes only what is used
 * (a PROCTIME() column that only names the lookup join is not even computed). And a Calc over a
 * processing-time assigner moves below it (the assigner stamps whatever column carries the
 * time), so it merges with the Calcs below and the source decodes only what the window uses.
 * Must not bind names, touch the catalog or build operators; physical.c's rewrite calls it. */
#include <string.h>

#include "plan.h"

/* A Calc over in keeping the columns with keep[i], in order. */
static plan_node *narrow(sl_arena *a, plan_node *in, const bool *keep, int n) {
  plan_node *c = plan_new_node(a, P_CALC, 1, n);
  c->in[0] = in;
  c->off = in->off;
  c->proj = arena_alloc(a, sizeof(sl_expr *) * (size_t)(n ? n : 1));
  int k = 0;
  for (int i = 0; i < in->ncols; i++) {
    if (!keep[i]) continue;
    c->names[k] = in->names[i];
    c->types[k] = in->types[i];
    c->proj[k++] = plan_col(a, i, in->types[i], in->off);
  }
  c->nparents = 1;
  return c;
}

plan_node *plan_prune_join(sl_arena *a, plan_node *calc) {
  plan_node *j = calc->in[0];
  const plan_opspec *s = j->op;
  if (j->kind != P_JOIN || j->nparents > 1 || !s) return calc;
  plan_node *l = j->in[0], *r = j->in[1];
  int nl = l->ncols, nr = r->ncols, nall = nl + nr;
  bool semi = s->join_type == JOIN_SEMI || s->join_type == JOIN_ANTI;
  bool *use = arena_zalloc(a, (size_t)nall + 1); /* over left + right columns */
  bool *out_used = arena_zalloc(a, (size_t)j->ncols + 1);
  if (calc->pred) expr_columns(calc->pred, out_used);
  for (int i = 0; i < calc->ncols; i++) expr_columns(calc->proj[i], out_used);
  for (int i = 0; i < j->ncols; i++) use[i] |= out_used[i];
  if (s->cond) expr_columns(s->cond, use);
  for (int i = 0; i < s->nkeys; i++) use[s->keys[i]] = use[nl + s->rkeys[i]] = true;
  if (s->ltime >= 0) use[s->ltime] = true;
  if (s->rtime >= 0) use[nl + s->rtime] = true;
  if (s->join_kind == PJ_WINDOW)
    for (int i = 0; i < 2; i++) use[s->lwin[i]] = use[nl + s->rwin[i]] = true;
  for (int i = 0; i < s->npk; i++) use[nl + s->pk[i]] = true;
  /* a table asked by key returns whole rows: its side stays as it is */
  if (s->join_kind == PJ_LOOKUP && r->kind == P_SCAN && r->table->conn->lookup_new)
    for (int i = 0; i < nr; i++) use[nl + i] = true;
  int kl = 0, kr = 0;
  for (int i = 0; i < nl; i++) kl += use[i];
  for (int i = 0; i < nr; i++) kr += use[nl + i];
  if (kl == nl && kr == nr) return calc;
  if (!kl) use[0] = true, kl = 1; /* keep a column: a side of no columns is not a row */
  if (!kr && nr) use[nl] = true, kr = 1;
  /* new numbers: left kept columns, then right kept ones */
  int *map = arena_alloc(a, sizeof(int) * (size_t)(nall + 1));
  int k = 0;
  for (int i = 0; i < nall; i++) map[i] = use[i] ? (i < nl ? k++ : -1) : -1;
  int kk = 0;
  for (int i = nl; i < nall; i++) map[i] = use[i] ? kl + kk++ : -1;
  plan_node *nlft = kl == nl ? l : narrow(a, l, use, kl);
  plan_node *nrgt = kr == nr ? r : narrow(a, r, use + nl, kr);
  int nout = semi ? kl : kl + kr;
  plan_node *nj = plan_new_node(a, P_JOIN, 2, nout);
  nj->in[0] = nlft;
  nj->in[1] = nrgt;
  nj->off = j->off;
  nj->nparents = 1;
  for (int i = 0; i < nout; i++) {
    const plan_node *side = i < kl ? nlft : nrgt;
    int c = i < kl ? i : i - kl;
    nj->names[i] = side->names[c];
    nj->types[i] = side->types[c];
  }
  plan_opspec *ns = arena_alloc(a, sizeof *ns);
  *ns = *s;
  nj->op = ns;
  ns->keys = arena_alloc(a, sizeof(int) * (size_t)(s->nkeys + 1));
  ns->rkeys = arena_alloc(a, sizeof(int) * (size_t)(s->nkeys + 1));
  for (int i = 0; i < s->nkeys; i++) {
    ns->keys[i] = map[s->keys[i]];
    ns->rkeys[i] = map[nl + s->rkeys[i]] - kl;
  }
  if (s->ltime >= 0) ns->ltime = map[s->ltime];
  if (s->rtime >= 0) ns->rtime = map[nl + s->rtime] - kl;
  if (s->join_kind == PJ_WINDOW)
    for (int i = 0; i < 2; i++) {
      ns->lwin[i] = map[s->lwin[i]];
      ns->rwin[i] = map[nl + s->rwin[i]] - kl;
    }
  if (s->npk) {
    ns->pk = arena_alloc(a, sizeof(int) * (size_t)s->npk);
    for (int i = 0; i < s->npk; i++) ns->pk[i] = map[nl + s->pk[i]] - kl;
  }
  sl_type *all_types = arena_alloc(a, sizeof(sl_type) * (size_t)(nall + 1));
  memcpy(all_types, l->types, sizeof(sl_type) * (size_t)nl);
  memcpy(all_types + nl, r->types, sizeof(sl_type) * (size_t)nr);
  sl_expr **repl = arena_alloc(a, sizeof(sl_expr *) * (size_t)(nall + 1));
  for (int i = 0; i < nall; i++)
    repl[i] = map[i] >= 0 ? plan_col(a, map[i], all_types[i], j->off) : NULL;
  if (s->cond) ns->cond = expr_substitute(s->cond, repl, a);
  /* the Calc above reads the new numbers */
  plan_node *nc = plan_new_node(a, P_CALC, 1, calc->ncols);
  nc->in[0] = nj;
  nc->off = calc->off;
  nc->nparents = calc->nparents;
  nc->proj = arena_alloc(a, sizeof(sl_expr *) * (size_t)(calc->ncols ? calc->ncols : 1));
  for (int i = 0; i < calc->ncols; i++) {
    nc->names[i] = calc->names[i];
    nc->types[i] = calc->types[i];
    nc->proj[i] = expr_substitute(calc->proj[i], repl, a);
  }
  if (calc->pred) nc->pred = expr_substitute(calc->pred, repl, a);
  return nc;
}

/* ---- through a processing-time assigner ---- */

static int col_refs(const sl_expr *x, int col) {
  int n = x->kind == E_COL && x->col == col;
  for (int i = 0; i < x->nargs; i++) n += col_refs(x->args[i], col);
  return n;
}

plan_node *plan_push_below_proctime(sl_arena *a, plan_node *calc) {
  plan_node *pt = calc->in[0];
  if (pt->kind != P_PROCTIME || pt->nparents > 1) return calc;
  /* the stamped column must come out once, as itself: the stamp then lands in that column */
  int tc = pt->op->time_col, k = -1, refs = calc->pred ? col_refs(calc->pred, tc) : 0;
  for (int i = 0; i < calc->ncols; i++) {
    refs += col_refs(calc->proj[i], tc);
    if (k < 0 && calc->proj[i]->kind == E_COL && calc->proj[i]->col == tc) k = i;
  }
  if (k < 0 || refs != 1) return calc;
  plan_node *m = plan_new_node(a, P_CALC, 1, calc->ncols);
  plan_node *n = plan_new_node(a, P_PROCTIME, 1, calc->ncols);
  m->in[0] = pt->in[0];
  m->off = calc->off;
  m->pred = calc->pred;
  m->proj = calc->proj;
  m->nparents = 1;
  n->in[0] = m;
  n->off = pt->off;
  n->nparents = calc->nparents;
  for (int i = 0; i < calc->ncols; i++) {
    m->names[i] = n->names[i] = calc->names[i];
    m->types[i] = n->types[i] = calc->types[i];
  }
  n->op = arena_alloc(a, sizeof *n->op);
  *n->op = *pt->op;
  n->op->time_col = k;
  return n;
}
