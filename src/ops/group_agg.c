/* group_agg.c - GROUP BY without windows (Flink's GroupAggFunction): per key (packed, hashed
 * once) one accumulator block and a row count in a state map counted in op->mem. Input rows
 * +I/+U add, -U/-D retract; the output is a changelog: +I for a key's first result, -U old/+U
 * new when it changes, nothing when it does not, -D when the key's last row is retracted (its
 * state is freed then). Batch mode emits one +I per key at the end instead. Optional state TTL
 * (processing time): a loop timer forgets keys untouched that long. Snapshot and restore write
 * every key with its count and accumulators.
 * Must not touch: the input batch beyond push (keys are packed copies; output strings are copied
 * into the output batch's arena). */
#include <stdlib.h>
#include <string.h>

#include "ops.h"

typedef struct group_op {
  sl_op base;
  int *keys, nkeys;
  agg_spec *aggs;
  int naggs;
  agg_set *set; /* made at the first use, when the input is connected */
  size_t acc_off;
  state_map map;
  bool batch_mode;
  int64_t ttl_ms;
  uint64_t timer, expired;
  sl_batch out;
  sl_buf key;
  sl_arena scratch; /* previous and current results of one row */
  sl_value *prev, *cur, *keyvals;
} group_op;

/* The value block of a key: the row count, then the accumulators. */
typedef struct group_val {
  int64_t count;
} group_val;

static void *acc_of(group_op *g, state_entry *en) {
  return (char *)state_entry_val(en) + g->acc_off;
}

static const agg_def *agg_def_of(int kind) {
  int n;
  const agg_def *t = agg_table(&n);
  for (int i = 0; i < n; i++)
    if (t[i].kind == kind) return &t[i];
  return NULL;
}

static const char *agg_name(int kind) {
  if (kind == AGG_COUNT_STAR) return "COUNT";
  const agg_def *d = agg_def_of(kind);
  return d ? d->name : "an aggregate";
}

static sl_status ensure_set(group_op *g, sl_error *e) {
  if (g->set) return SL_OK;
  g->set = agg_set_new(g->aggs, g->naggs, &g->base.mem, g->base.nin > 0 && g->base.in[0]->updating);
  if (!g->set) return err_set(e, SL_EINTERNAL, "GroupAgg: cannot compile the aggregates");
  g->acc_off = sizeof(group_val);
  state_map_init(&g->map, &g->base.mem, g->acc_off + ((agg_set_size(g->set) + 7) & ~(size_t)7));
  return SL_OK;
}

static sl_status no_memory(group_op *g, sl_error *e) {
  return op_state_full(&g->base, e);
}

static sl_status no_retract(group_op *g, sl_error *e) {
  /* the call that cannot take it: one that never retracts, else one whose append-only form
   * cannot (MIN/MAX, FIRST_VALUE/LAST_VALUE, LISTAGG), else the first */
  int pick = -1;
  for (int i = 0; i < g->naggs && pick < 0; i++) {
    const agg_def *d = agg_def_of(g->aggs[i].kind);
    if (d && !d->retracts) pick = i;
  }
  for (int i = 0; i < g->naggs && pick < 0; i++) {
    int k = g->aggs[i].kind;
    if (k == AGG_MIN || k == AGG_MAX || k == AGG_FIRST_VALUE || k == AGG_LAST_VALUE ||
        k == AGG_LISTAGG)
      pick = i;
  }
  const char *name = g->naggs ? agg_name(g->aggs[pick < 0 ? 0 : pick].kind) : "an aggregate";
  return err_set(e, SL_ERUNTIME,
                 "GROUP BY: %s cannot take retractions, but a -U/-D row arrived from an input "
                 "planned as append-only",
                 name);
}

static bool same_value(const sl_value *a, const sl_value *b, sl_type t) {
  if (a->null || b->null) return a->null == b->null;
  return value_compare(a, b, t) == 0;
}

static bool same_results(group_op *g) {
  for (int i = 0; i < g->naggs; i++)
    if (!same_value(&g->prev[i], &g->cur[i], g->aggs[i].type)) return false;
  return true;
}

/* Appends one output row: keys (from an input row through keys[], or already in key order), then
 * the results; strings are copied into the output batch. */
static sl_status put_row(group_op *g, int kind, const sl_value *in_row, const sl_value *keyvals,
                         const sl_value *res, const sl_rowpos *pos, sl_error *e) {
  sl_batch *o = &g->out;
  sl_value *row = batch_row(o, o->nrows);
  for (int i = 0; i < g->nkeys; i++) {
    row[i] = in_row ? in_row[g->keys[i]] : keyvals[i];
    if (!in_row && !row[i].null && g->base.types[i].id == T_STRING && row[i].len)
      row[i].u.s = arena_strndup(&o->arena, row[i].u.s, row[i].len); /* the key may be freed */
  }
  for (int i = 0; i < g->naggs; i++) {
    sl_value v = res[i];
    if (!v.null && g->aggs[i].type.id == T_STRING && v.len)
      v.u.s = arena_strndup(&o->arena, v.u.s, v.len);
    row[g->nkeys + i] = v;
  }
  o->kind[o->nrows] = (uint8_t)kind;
  o->pos[o->nrows] = pos ? *pos : (sl_rowpos){0, 0, 0};
  if (++o->nrows < o->cap) return SL_OK;
  sl_status st = op_emit(&g->base, o, e);
  batch_clear(o);
  return st;
}

static sl_status flush_out(group_op *g, sl_error *e) {
  op_state_rows(&g->base, (int64_t)g->map.n - g->base.state_rows); /* keys kept */
  sl_status st = op_emit(&g->base, &g->out, e);
  batch_clear(&g->out);
  return st;
}

static void forget(group_op *g, state_entry *en) {
  agg_release(g->set, acc_of(g, en));
  state_map_remove(&g->map, en);
  op_state_rows(&g->base, -1);
}

static sl_status group_push(sl_op *op, int port, const sl_batch *b, sl_error *e) {
  group_op *g = (group_op *)op;
  sl_status st = ensure_set(g, e);
  if (st) return st;
  const sl_type *in_types = op->in[port]->types;
  int64_t now = g->ttl_ms > 0 ? loop_now_ms() : 0;
  bool emit = !g->batch_mode;
  for (int r = 0; r < b->nrows; r++) {
    const sl_value *row = batch_row(b, r);
    int kind = b->kind[r];
    bool add = kind == RK_INSERT || kind == RK_UPDATE_AFTER;
    g->key.len = 0;
    state_key_pack(row, g->keys, in_types, g->nkeys, &g->key);
    uint64_t h = state_hash(g->key.data, g->key.len);
    state_entry *en = state_map_find(&g->map, g->key.data, g->key.len, h);
    bool created = false;
    if (!en) {
      if (!add) continue; /* a retraction of a key that is gone (state TTL): nothing to undo */
      en = state_map_upsert(&g->map, g->key.data, g->key.len, h, &created);
      if (!en) return no_memory(g, e);
      agg_init(g->set, acc_of(g, en));
    } else if (!add && !agg_set_retracts(g->set)) {
      return no_retract(g, e);
    }
    group_val *gv = state_entry_val(en);
    void *acc = acc_of(g, en);
    arena_reset(&g->scratch);
    if (emit && !created) agg_result(g->set, acc, g->prev, &g->scratch);
    st = add ? agg_add(g->set, acc, row, e) : agg_retract(g->set, acc, row, e);
    if (st) return st;
    gv->count += add ? 1 : -1;
    en->touched = now;
    if (gv->count <= 0) { /* the key's last row is gone */
      forget(g, en);
      if (emit && (st = put_row(g, RK_DELETE, row, NULL, g->prev, &b->pos[r], e))) return st;
      continue;
    }
    if (!emit) continue;
    agg_result(g->set, acc, g->cur, &g->scratch);
    if (created) {
      st = put_row(g, RK_INSERT, row, NULL, g->cur, &b->pos[r], e);
    } else if (!same_results(g)) {
      st = put_row(g, RK_UPDATE_BEFORE, row, NULL, g->prev, &b->pos[r], e);
      if (!st) st = put_row(g, RK_UPDATE_AFTER, row, NULL, g->cur, &b->pos[r], e);
    }
    if (st) return st;
  }
  return flush_out(g, e);
}

/* Batch mode: one +I per key, then the state is freed. A global aggregation emits its row even
 * for an empty input (COUNT 0, SUM NULL), as a batch query does. */
static sl_status group_finish(sl_op *op, sl_error *e) {
  group_op *g = (group_op *)op;
  if (!g->batch_mode) return SL_OK;
  sl_status st = ensure_set(g, e);
  if (st) return st;
  const sl_type *key_types = op->types;
  if (g->nkeys == 0 && g->map.n == 0) {
    void *acc = xcalloc(1, agg_set_size(g->set) + 8);
    agg_init(g->set, acc);
    agg_result(g->set, acc, g->cur, &g->scratch);
    st = put_row(g, RK_INSERT, NULL, NULL, g->cur, NULL, e);
    agg_release(g->set, acc);
    free(acc);
    arena_reset(&g->scratch);
    if (st) return st;
  }
  size_t it = 0;
  state_entry *en;
  while ((en = state_map_next(&g->map, &it))) {
    if (!state_key_unpack(state_entry_key(en, &g->map), en->klen, key_types, g->nkeys, g->keyvals))
      return err_set(e, SL_EINTERNAL, "GroupAgg: a packed key does not unpack");
    agg_result(g->set, acc_of(g, en), g->cur, &g->out.arena);
    st = put_row(g, RK_INSERT, NULL, g->keyvals, g->cur, NULL, e); /* may emit: key first */
    forget(g, en);
    if (st) return st;
  }
  return flush_out(g, e);
}

static void ttl_sweep(sl_loop *l, uint64_t id, void *arg) {
  group_op *g = arg;
  if (!g->set) return;
  int64_t now = loop_now_ms();
  size_t it = 0;
  state_entry *en;
  while ((en = state_map_next(&g->map, &it)))
    if (now - en->touched >= g->ttl_ms) {
      forget(g, en);
      g->expired++;
    }
}

static void group_describe(const sl_op *op, sl_buf *out) {
  const group_op *g = (const group_op *)op;
  if (g->nkeys == 0)
    buf_puts(out, "global");
  else {
    buf_puts(out, "group by ");
    for (int i = 0; i < g->nkeys; i++) buf_printf(out, "%s%s", i ? ", " : "", op->cols[i]);
  }
  buf_puts(out, ": ");
  for (int i = 0; i < g->naggs; i++)
    buf_printf(out, "%s%s AS %s", i ? ", " : "", agg_name(g->aggs[i].kind), op->cols[g->nkeys + i]);
  if (g->batch_mode) buf_puts(out, "; final rows at the end (batch mode)");
  if (g->ttl_ms > 0)
    buf_printf(out, "; state ttl %lld ms, %llu keys expired", (long long)g->ttl_ms,
               (unsigned long long)g->expired);
}

static void group_free(sl_op *op) {
  group_op *g = (group_op *)op;
  if (g->timer && op->job && op->job->loop) loop_del_timer(op->job->loop, g->timer);
  if (g->set) {
    size_t it = 0;
    state_entry *en;
    while ((en = state_map_next(&g->map, &it))) agg_release(g->set, acc_of(g, en));
    state_map_free(&g->map);
    agg_set_free(g->set);
  }
  batch_free(&g->out);
  buf_free(&g->key);
  arena_free(&g->scratch);
  free(g->prev);
  free(g->cur);
  free(g->keyvals);
  free(g->keys);
  free(g->aggs);
  free(g);
}

/* ---- snapshot: header "GroupAgg" v1, the expired count, the number of keys, then per key its
 * packed bytes, row count and accumulator block ---- */

static sl_status group_snapshot(sl_op *op, sl_buf *out, sl_error *e) {
  group_op *g = (group_op *)op;
  sl_status st = ensure_set(g, e);
  if (st) return st;
  state_put_header(out, "GroupAgg", 1);
  state_put_u64(out, g->expired);
  state_put_u64(out, g->map.n);
  size_t it = 0;
  state_entry *en;
  while ((en = state_map_next(&g->map, &it))) {
    state_put_bytes(out, state_entry_key(en, &g->map), en->klen);
    state_put_i64(out, ((group_val *)state_entry_val(en))->count);
    agg_snapshot(g->set, acc_of(g, en), out);
  }
  state_put_end(out);
  return SL_OK;
}

static sl_status group_restore(sl_op *op, const void *p, size_t n, sl_error *e) {
  group_op *g = (group_op *)op;
  sl_status st = ensure_set(g, e);
  if (st) return st;
  state_reader r = {0};
  uint32_t version;
  if (!state_reader_open(&r, p, n, "GroupAgg", &version) || version != 1)
    return err_set(e, SL_ERUNTIME, "GroupAgg: the state snapshot is not a valid version 1 stream");
  g->expired = state_get_u64(&r);
  uint64_t nkeys = state_get_u64(&r);
  int64_t now = loop_now_ms();
  for (uint64_t i = 0; i < nkeys && !r.bad; i++) {
    size_t klen;
    const void *key = state_get_bytes(&r, &klen);
    int64_t count = state_get_i64(&r);
    if (r.bad || count <= 0) break;
    bool created;
    state_entry *en = state_map_upsert(&g->map, key, klen, state_hash(key, klen), &created);
    if (!en) return no_memory(g, e);
    if (!created) {
      r.bad = true;
      break;
    }
    agg_init(g->set, acc_of(g, en));
    ((group_val *)state_entry_val(en))->count = count;
    en->touched = now;
    if (!agg_restore(g->set, acc_of(g, en), &r)) r.bad = true;
  }
  if (r.bad || r.p != r.end)
    return err_set(e, SL_ERUNTIME, "GroupAgg: the state snapshot is malformed");
  return SL_OK;
}

static const op_vt group_vt = {.kind = "GroupAgg",
                               .push = group_push,
                               .finish = group_finish,
                               .describe = group_describe,
                               .free = group_free,
                               .snapshot = group_snapshot,
                               .restore = group_restore,
                               .keeps = "one accumulator per key"};

sl_op *op_group_agg_new(sl_job *j, const int *keys, int nkeys, const agg_spec *aggs, int naggs,
                        bool batch_mode, int64_t ttl_ms, op_cols out, sl_error *e) {
  if (out.n != nkeys + naggs) {
    err_set(e, SL_EINTERNAL, "GroupAgg: %d output columns for %d keys and %d aggregates", out.n,
            nkeys, naggs);
    return NULL;
  }
  group_op *g = xcalloc(1, sizeof *g);
  op_init(&g->base, &group_vt, j, "group");
  g->keys = xmalloc(sizeof(int) * (size_t)(nkeys + 1));
  if (nkeys) memcpy(g->keys, keys, sizeof(int) * (size_t)nkeys);
  g->nkeys = nkeys;
  g->aggs = xmalloc(sizeof(agg_spec) * (size_t)(naggs + 1));
  if (naggs) memcpy(g->aggs, aggs, sizeof(agg_spec) * (size_t)naggs);
  g->naggs = naggs;
  g->batch_mode = batch_mode;
  g->ttl_ms = ttl_ms > 0 ? ttl_ms : 0;
  g->prev = xcalloc((size_t)naggs + 1, sizeof(sl_value));
  g->cur = xcalloc((size_t)naggs + 1, sizeof(sl_value));
  g->keyvals = xcalloc((size_t)nkeys + 1, sizeof(sl_value));
  arena_init(&g->scratch, 1024);
  g->base.ncols = out.n;
  g->base.cols = out.names;
  g->base.types = out.types;
  g->base.updating = !batch_mode;
  batch_init(&g->out, out.n, j->batch_rows);
  if (g->ttl_ms > 0 && j->loop) {
    int64_t every = g->ttl_ms / 2;
    if (every < 1) every = 1;
    if (every > 60000) every = 60000;
    g->timer = loop_add_timer(j->loop, every, every, ttl_sweep, g);
  }
  return &g->base;
}
