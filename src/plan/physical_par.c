/* physical_par.c - the parallel parts of building a job (physical.c builds the rest): the
 * exchanges in front of keyed operators, what runs on worker 0 only (and what stands in for
 * it on the others), and the two phases of a window aggregation.
 * Must not touch: the plan (it only reads it), what the operators do. */
#include "physical_int.h"

/* Rows of `in` go to the worker their keys hash to (or all to worker 0): the sender and the
 * receiver of a new exchange. One worker, or under a replicated dimension: nothing. */
sl_op *plan_exchange(builder *b, sl_op *in, xchg_mode mode, const int *keys, int nkeys) {
  if (b->nworkers <= 1 || b->replicate) return in;
  if (mode == XCHG_HASH && nkeys == 0) mode = XCHG_SINGLE;
  xchg *x = job_group_exchange(b->group, b->nxchg++);
  sl_op *s = op_exchange_send_new(b->j, x, b->worker, mode, keys, nkeys, in);
  job_add_op(b->j, s);
  op_connect(in, s);
  sl_op *r = op_exchange_recv_new(b->j, x, b->worker, s);
  job_add_op(b->j, r);
  return r;
}

/* A node without keys runs on worker 0 (its rows all go there): another worker has no
 * instance of it, or a global aggregation would emit its empty result there too. */
bool plan_single_elsewhere(const builder *b, const plan_node *n) {
  if (b->nworkers <= 1 || b->replicate || b->worker == 0) return false;
  const plan_opspec *o = n->op;
  switch (n->kind) {
  case P_WINAGG:
  case P_AGG:
  case P_RANK:
  case P_OVER: return o->nkeys == 0;
  case P_WINTVF: return o->win.kind == WIN_SESSION && o->win.nkeys == 0;
  case P_JOIN:
    return o->join_kind != PJ_LOOKUP && o->join_kind != PJ_WINDOW &&
           (o->nkeys == 0 || o->null_aware);
  default: return false;
  }
}

/* What stands in for such a node on the other workers: it passes the signals on (no row
 * reaches it) with the node's columns. */
sl_op *plan_stand_in(builder *b, const plan_node *n, sl_op *in, sl_op *in2) {
  sl_op *op = op_union_new(b->j, n->ncols, n->names, n->types);
  job_add_op(b->j, op);
  op_connect(in, op);
  if (in2) op_connect(in2, op);
  return op;
}

/* A window aggregation on several workers aggregates locally first (Flink's two-phase
 * aggregation): each worker sends one partial row per key and slice, not every row. */
bool plan_two_phase(const builder *b, const plan_node *n, const sl_op *in) {
  if (b->nworkers <= 1 || b->replicate || n->kind != P_WINAGG || in->updating || b->p->early_fire)
    return false;
  for (int i = 0; i < b->j->nsources; i++) /* late updates change emitted windows */
    if (b->j->sources[i].late == LATE_UPDATE) return false;
  return op_window_agg_two_phase(&n->op->win, n->op->aggs, n->op->naggs, NULL);
}

sl_op *plan_build_two_phase(builder *b, const plan_node *n, sl_op *in) {
  const plan_opspec *o = n->op;
  sl_arena *a = &b->p->arena;
  int nk = o->nkeys, nc = nk + 2;
  const char **names = arena_alloc(a, sizeof(char *) * (size_t)nc);
  sl_type *types = arena_alloc(a, sizeof(sl_type) * (size_t)nc);
  int *keys = arena_alloc(a, sizeof(int) * (size_t)(nk + 1));
  for (int k = 0; k < nk; k++) {
    names[k] = n->names[k];
    types[k] = n->types[k];
    keys[k] = k;
  }
  names[nk] = "$slice_end";
  types[nk] = type_make(T_BIGINT);
  names[nk + 1] = "$partial";
  types[nk + 1] = type_make(T_STRING);
  op_cols final = {n->ncols, n->names, n->types}, part = {nc, names, types};
  sl_op *local =
      op_window_agg_local_new(b->j, &o->win, o->keys, nk, o->aggs, o->naggs, final, part, b->e);
  if (!local) return NULL;
  job_add_op(b->j, local);
  op_connect(in, local);
  local->retention = "until the watermark closes the slice (then sent on)";
  sl_op *r = plan_exchange(b, local, XCHG_HASH, keys, nk);
  if (nk == 0 && b->worker > 0) return plan_stand_in(b, n, r, NULL); /* merged on worker 0 */
  sl_op *g = op_window_agg_global_new(b->j, &o->win, nk, o->aggs, o->naggs, final, b->e);
  if (!g) return NULL;
  job_add_op(b->j, g);
  op_connect(r, g);
  g->retention = plan_retention(b->p, n);
  return g;
}

/* The exchange in front of a stateful node: by its keys (GROUP BY, PARTITION BY, a session
 * window's partition), to worker 0 when it has none, nothing for row-wise nodes. */
sl_op *plan_keyed_input(builder *b, const plan_node *n, sl_op *in) {
  const plan_opspec *o = n->op;
  switch (n->kind) {
  case P_WINAGG:
  case P_AGG:
  case P_RANK:
  case P_OVER: return plan_exchange(b, in, XCHG_HASH, o->keys, o->nkeys);
  case P_WINTVF:
    if (o->win.kind == WIN_SESSION)
      return plan_exchange(b, in, XCHG_HASH, o->win.keys, o->win.nkeys);
    return in;
  default: return in;
  }
}
