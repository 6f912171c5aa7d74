/* reuse.c - sub-plan reuse (Flink's table.optimizer.reuse-sub-plan-enabled): a query that
 * spells out the same subquery twice (Nexmark q5 counts the bids per HOP window twice) gets
 * one operator for it, fanning its rows out to both parents, instead of computing it twice.
 * Two nodes are the same when they are of a kind that only depends on its inputs and
 * parameters (a scan of one table, its watermark, Calc, window TVF, window and group
 * aggregation), read the same (already reused)
 * inputs and have equal parameters, expressions and output columns.
 * Must not touch: binding, the rewrites before it (physical.c), building operators. */
#include <string.h>

#include "plan.h"

static bool expr_equal(const sl_expr *a, const sl_expr *b) {
  if (a == b) return true;
  if (!a || !b) return false;
  if (a->kind != b->kind || a->flag != b->flag || !type_equal(a->type, b->type) ||
      a->col != b->col || a->fn != b->fn || a->nargs != b->nargs || a->ival != b->ival)
    return false;
  if (a->kind == E_LIT) {
    const sl_value *x = &a->lit, *y = &b->lit;
    if (x->null != y->null) return false;
    if (!x->null) {
      if (a->type.id == T_STRING) {
        if (x->len != y->len || (x->len && memcmp(x->u.s, y->u.s, x->len))) return false;
      } else if (a->type.id == T_DECIMAL) {
        if (x->u.dec.lo != y->u.dec.lo || x->u.dec.hi != y->u.dec.hi) return false;
      } else if (x->u.i != y->u.i) {
        return false;
      }
    }
  }
  for (int i = 0; i < a->nargs; i++)
    if (!expr_equal(a->args[i], b->args[i])) return false;
  return true;
}

static bool ints_equal(const int *a, const int *b, int n) {
  return n == 0 || (a && b && !memcmp(a, b, sizeof(int) * (size_t)n));
}

static bool win_equal(const window_spec *a, const window_spec *b) {
  return a->kind == b->kind && a->time_col == b->time_col && a->size == b->size &&
         a->slide == b->slide && a->step == b->step && a->gap == b->gap && a->offset == b->offset &&
         a->out_size == b->out_size && a->nkeys == b->nkeys &&
         ints_equal(a->keys, b->keys, a->nkeys) && a->late_check == b->late_check;
}

static bool aggs_equal(const agg_spec *a, const agg_spec *b, int n) {
  for (int i = 0; i < n; i++) {
    const agg_spec *x = &a[i], *y = &b[i];
    if (x->kind != y->kind || x->arg != y->arg || x->filter != y->filter ||
        x->distinct != y->distinct || !type_equal(x->arg_type, y->arg_type) ||
        !type_equal(x->type, y->type) || x->seplen != y->seplen ||
        (x->seplen && memcmp(x->sep, y->sep, x->seplen)))
      return false;
  }
  return true;
}

static bool same(const plan_node *a, const plan_node *b) {
  if (a->kind != b->kind || a->nin != b->nin || a->ncols != b->ncols) return false;
  for (int i = 0; i < a->nin; i++)
    if (a->in[i] != b->in[i]) return false;
  for (int c = 0; c < a->ncols; c++)
    if (!type_equal(a->types[c], b->types[c]) || strcmp(a->names[c], b->names[c])) return false;
  switch (a->kind) {
  case P_SCAN: return a->table == b->table;
  case P_WATERMARK: return expr_equal(a->op->wm, b->op->wm) && a->op->idle_ms == b->op->idle_ms;
  case P_CALC:
    if (!expr_equal(a->pred, b->pred)) return false;
    for (int c = 0; c < a->ncols; c++)
      if (!expr_equal(a->proj[c], b->proj[c])) return false;
    return true;
  case P_WINTVF: return win_equal(&a->op->win, &b->op->win) && a->op->proctime == b->op->proctime;
  case P_WINAGG:
  case P_AGG: {
    const plan_opspec *x = a->op, *y = b->op;
    return win_equal(&x->win, &y->win) && x->proctime == y->proctime && x->nkeys == y->nkeys &&
           ints_equal(x->keys, y->keys, x->nkeys) && x->naggs == y->naggs &&
           aggs_equal(x->aggs, y->aggs, x->naggs);
  }
  default: return false;
  }
}

typedef struct reuse_ctx {
  plan_node **seen; /* the distinct nodes of the reusable kinds met so far */
  int n, cap;
  sl_arena *a;
} reuse_ctx;

/* Bottom-up: inputs first, then this node is replaced by an equal one met before. */
static plan_node *visit(reuse_ctx *r, plan_node *n, bool *done) {
  if (done[n->id]) return n->memo ? n->memo : n;
  done[n->id] = true;
  for (int i = 0; i < n->nin; i++) n->in[i] = visit(r, n->in[i], done);
  n->memo = n;
  if (n->kind != P_SCAN && n->kind != P_WATERMARK && n->kind != P_CALC && n->kind != P_WINTVF &&
      n->kind != P_WINAGG && n->kind != P_AGG)
    return n;
  for (int i = 0; i < r->n; i++)
    if (same(r->seen[i], n)) return n->memo = r->seen[i];
  if (r->n == r->cap) {
    r->cap = r->cap ? r->cap * 2 : 16;
    plan_node **s = arena_alloc(r->a, sizeof(plan_node *) * (size_t)r->cap);
    if (r->n) memcpy(s, r->seen, sizeof(plan_node *) * (size_t)r->n);
    r->seen = s;
  }
  r->seen[r->n++] = n;
  return n;
}

void plan_reuse(sl_pipeline *p) {
  reuse_ctx r = {NULL, 0, 0, &p->arena};
  bool *done = arena_zalloc(&p->arena, (size_t)(p->nnodes + 1));
  for (int i = 0; i < p->ninserts; i++) p->inserts[i] = visit(&r, p->inserts[i], done);
}
