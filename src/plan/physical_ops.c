/* physical_ops.c - operators for the stateful plan nodes (watermark assigners, window TVF and
 * window aggregation, group aggregation, grouping-set expansion, top-N/dedup, OVER) from their
 * plan_opspec, with the checks that need the built input (a window over an updating stream is
 * refused here, located). Must not bind names or touch the catalog; physical.c connects the
 * operator it returns. */
#include <stdlib.h>
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
  case P_PROCTIME:
    return op_proctime_new(j, s->time_col, s->pt_period, s->pt_phase, s->pt_after, p->batch_mode,
                           cols_of(n), e);
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

/* ---- joins ---- */

static void duration_text(int64_t ms, char *out, size_t cap) {
  static const struct {
    int64_t ms;
    const char *unit;
  } u[] = {{86400000, "d"}, {3600000, "h"}, {60000, "min"}, {1000, "s"}, {1, "ms"}};
  for (size_t i = 0; i < sizeof u / sizeof u[0]; i++)
    if (ms % u[i].ms == 0 || u[i].ms == 1) {
      snprintf(out, cap, "%lld %s", (long long)(ms / u[i].ms), u[i].unit);
      return;
    }
}

static int64_t side_ttl(const sl_pipeline *p, int64_t hint) {
  if (p->batch_mode) return 0;
  return hint >= 0 ? hint : p->state_ttl_ms;
}

const char *plan_retention(const sl_pipeline *p, const plan_node *n) {
  sl_arena *a = (sl_arena *)&p->arena;
  int64_t ttl = p->batch_mode ? 0 : p->state_ttl_ms;
  char d1[32], d2[32];
  const plan_opspec *s = n->op;
  if (p->batch_mode && n->kind != P_WATERMARK && n->kind != P_WINTVF)
    return "until the end of the bounded input (batch mode)";
  switch (n->kind) {
  case P_WINAGG:
    if (s->proctime)
      return s->win.kind == WIN_SESSION ? "until the wall clock passes the session's end"
                                        : "until the wall clock passes window_end";
    return s->win.kind == WIN_SESSION ? "until the watermark passes the session's end"
                                      : "until the watermark passes window_end";
  case P_WINTVF:
    return s->win.kind == WIN_SESSION ? "until the watermark passes the session's end" : NULL;
  case P_RANK:
    if (s->win_end_col >= 0) return "until the watermark passes window_end";
    /* fall through */
  case P_AGG:
  case P_OVER:
    if (!ttl) return NULL;
    duration_text(ttl, d1, sizeof d1);
    return arena_printf(a, "%s after its key's last row ('table.exec.state.ttl')", d1);
  case P_JOIN:
    switch (s->join_kind) {
    case PJ_INTERVAL: return "until the watermark passes the row's time plus the join's bound";
    case PJ_WINDOW: return "until the watermark passes window_end";
    case PJ_TEMPORAL:
      return "left rows until the watermark reaches their time; per key, the newest version at "
             "or before the watermark and the newer ones";
    case PJ_LOOKUP: return "the dimension table's current rows (as large as the table)";
    default: {
      int64_t tl = side_ttl(p, s->ttl_left), tr = side_ttl(p, s->ttl_right);
      bool semi = s->join_type == JOIN_SEMI || s->join_type == JOIN_ANTI;
      (void)semi;
      if (!tl && !tr) return NULL;
      if (tl) duration_text(tl, d1, sizeof d1);
      if (tr) duration_text(tr, d2, sizeof d2);
      if (tl == tr) return arena_printf(a, "%s after its key's last row (TTL)", d1);
      return arena_printf(a, "left rows %s, right rows %s after their key's last row (TTL%s)",
                          tl ? d1 : "for ever", tr ? d2 : "for ever",
                          tl && tr ? "" : "; the side without a TTL is unbounded");
    }
    }
  default: return NULL;
  }
}

/* 'lookup.cache' and the 'lookup.partial-cache.*' options of a remote lookup table. */
static void cache_options(const cat_table *t, lookup_cache_opts *c) {
  opt_list ol = t->ol;
  memset(c, 0, sizeof *c);
  const char *v = opt_get(&ol, conn_lookup_opts, "lookup.cache");
  if (!v || !str_ieq(v, "PARTIAL")) return;
  v = opt_get(&ol, conn_lookup_opts, "lookup.partial-cache.max-rows");
  c->max_rows = v ? strtoll(v, NULL, 10) : 10000;
  v = opt_get(&ol, conn_lookup_opts, "lookup.partial-cache.expire-after-write");
  if (v && opt_parse_duration(v, &c->expire_write) != SL_OK) c->expire_write = 0;
  v = opt_get(&ol, conn_lookup_opts, "lookup.partial-cache.expire-after-access");
  if (v && opt_parse_duration(v, &c->expire_access) != SL_OK) c->expire_access = 0;
  c->cache_missing = opt_get_bool(&ol, conn_lookup_opts, "lookup.partial-cache.cache-missing-key");
}

sl_op *plan_build_join(const sl_pipeline *p, sl_job *j, const plan_node *n, sl_op *l, sl_op *r,
                       sl_lookup *remote, sl_error *e) {
  const plan_opspec *s = n->op;
  const plan_node *ln = n->in[0], *rn = n->in[1];
  (void)r;
  join_spec js = {.type = s->join_type,
                  .lkeys = s->keys,
                  .rkeys = s->rkeys,
                  .nkeys = s->nkeys,
                  .cond = s->cond,
                  .left = cols_of(ln),
                  .right = cols_of(rn),
                  .null_aware = s->null_aware};
  sl_op *op = NULL;
  switch (s->join_kind) {
  case PJ_REGULAR:
    js.ttl_left_ms = side_ttl(p, s->ttl_left);
    js.ttl_right_ms = side_ttl(p, s->ttl_right);
    op = op_join_new(j, &js, p->batch_mode, cols_of(n), e);
    if (op && !p->batch_mode)
      op->updating = op->updating || l->updating || r->updating ||
                     (s->join_type != JOIN_INNER && s->join_type != JOIN_SEMI);
    break;
  case PJ_INTERVAL:
    if (need_append(p, n, l, "an interval join", e) || need_append(p, n, r, "an interval join", e))
      return NULL;
    op = op_interval_join_new(j, &js, s->ltime, s->rtime, s->lower, s->upper, cols_of(n), e);
    break;
  case PJ_WINDOW:
    if (need_append(p, n, l, "a window join", e) || need_append(p, n, r, "a window join", e))
      return NULL;
    op = op_window_join_new(j, &js, s->lwin[0], s->lwin[1], s->rwin[0], s->rwin[1], cols_of(n), e);
    break;
  case PJ_TEMPORAL:
    if (need_append(p, n, l, "a temporal join's left input", e)) return NULL;
    op = op_temporal_join_new(j, &js, s->ltime, s->rtime, cols_of(n), e);
    break;
  case PJ_LOOKUP: {
    lookup_cache_opts cache = {0};
    if (remote) cache_options(rn->table, &cache);
    op = op_lookup_join_new(j, &js, remote, &cache, s->pk, s->npk, cols_of(n), e);
    if (op) op->updating = l->updating;
    break;
  }
  default: err_set(e, SL_EINTERNAL, "a join the planner did not decide"); return NULL;
  }
  if (!op) {
    if (e->code && !e->has_pos) {
      char msg[sizeof e->msg];
      snprintf(msg, sizeof msg, "%s", e->msg);
      err_at(e, e->code, &p->src, n->off, "%s", msg);
    }
    return NULL;
  }
  op->retention = plan_retention(p, n);
  return op;
}
