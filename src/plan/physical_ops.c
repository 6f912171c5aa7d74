/* physical_ops.c - operators for the stateful plan nodes (watermark assigner, window TVF and
 * window aggregation, group aggregation, grouping-set expansion, top-N/dedup, OVER) from their
 * plan_opspec, with the checks that need the built input (a window over an updating stream is
 * refused here, located). Must not bind names or touch the catalog; physical.c connects the
 * operator it returns. */
#include <string.h>

#include "plan.h"

static op_cols cols_of(const plan_node *n) {
  op_cols c = {n->ncols, n->names, n->types};
  return c;
}

static sl_op *need_append(const sl_pipeline *p, const plan_node *n, const sl_op *in,
                          const char *what, sl_error *e) {
  if (!in->updating) return NULL;
  err_at(e, SL_ESQL, &p->src, n->off,
         "%s needs an append-only input, but its input is an updating stream (it retracts or "
         "replaces rows: -U/+U/-D)",
         what);
  err_hint(e, "aggregate or rank the changelog without a window, or window the rows before "
              "they are aggregated");
  return (sl_op *)in;
}

sl_op *plan_build_stateful(const sl_pipeline *p, sl_job *j, const plan_node *n, sl_op *in,
                           sl_error *e) {
  const plan_opspec *s = n->op;
  /* 'table.exec.state.ttl' bounds the state of streaming runs; a batch run keeps everything
   * until its final rows are out (as Flink's batch mode, which has no state TTL) */
  int64_t ttl = p->batch_mode ? 0 : p->state_ttl_ms;
  switch (n->kind) {
  case P_WATERMARK: return op_watermark_new(j, s->wm, s->idle_ms, cols_of(n), e);
  case P_WINTVF: {
    window_spec w = s->win; /* SESSION: sessions per PARTITION BY columns */
    w.keys = s->keys;
    w.nkeys = s->nkeys;
    return op_window_tvf_new(j, &w, cols_of(n), e);
  }
  case P_WINAGG: {
    if (need_append(p, n, in, "a window aggregation", e)) return NULL;
    window_emit emit = {p->early_fire ? p->early_fire_delay_ms : 0};
    if (p->early_fire && emit.early_fire_ms <= 0) {
      err_at(e, SL_ESQL, &p->src, n->off,
             "'table.exec.emit.early-fire.enabled' needs 'table.exec.emit.early-fire.delay' "
             "(e.g. '10 s')");
      return NULL;
    }
    return op_window_agg_new(j, &s->win, s->keys, s->nkeys, s->aggs, s->naggs, &emit, cols_of(n),
                             e);
  }
  case P_AGG:
    return op_group_agg_new(j, s->keys, s->nkeys, s->aggs, s->naggs, p->batch_mode, ttl, cols_of(n),
                            e);
  case P_EXPAND: return op_expand_new(j, s->nsets, (const bool *const *)s->keep, cols_of(n), e);
  case P_RANK:
    if (!s->limit) {
      err_at(e, SL_ESQL, &p->src, n->off,
             "ROW_NUMBER() OVER (...) needs a filter on the row number in the enclosing query, "
             "such as WHERE rn <= 10 (top-N) or WHERE rn = 1 (deduplication)");
      return NULL;
    }
    if (s->win_end_col >= 0 && need_append(p, n, in, "a window top-N", e)) return NULL;
    /* ranking by arrival needs rows that only arrive; an updating input takes the general
     * top-N over the PROCTIME values (a retraction names the row it removes) */
    return op_rank_new(j, s->keys, s->nkeys, s->order, s->norder, s->limit, s->rn_out,
                       s->win_end_col, p->batch_mode, s->proctime && !in->updating, ttl, cols_of(n),
                       e);
  case P_OVER:
    if (need_append(p, n, in, "an OVER window", e)) return NULL;
    return op_over_new(j, s->keys, s->nkeys, s->time_col, s->frame, s->preceding, s->aggs, s->naggs,
                       ttl, cols_of(n), e);
  }
  err_set(e, SL_EINTERNAL, "not a stateful plan node");
  return NULL;
}
