/* window_two_phase.c - two-phase window aggregation (Flink's local-global window aggregate):
 * on every worker a local phase aggregates its rows per key and slice, and sends each slice's
 * partial accumulators on once the watermark closes the slice's first window (one row per key
 * and slice instead of one per input row); after the exchange by key a global phase merges the
 * partials of all workers into its own slices and fires the windows as a one-phase window
 * aggregation does. A partial always arrives before the watermark that closes its window: the
 * local phase emits it, then forwards the watermark, on the same channel.
 * Must not touch: slicing, firing and late rows (window_agg.c), which both phases reuse. */
#include <stdlib.h>
#include <string.h>

#include "window_agg_int.h"

/* Partial rows: keys, slice end (BIGINT), the accumulator block's bytes (STRING). */
static sl_status partial_row(wagg_op *a, const state_entry *en, const state_map *m, int64_t end,
                             sl_error *e) {
  wagg_val *v = state_entry_val((state_entry *)en);
  sl_value *o = batch_row(&a->out, a->out.nrows);
  if (!state_key_unpack(state_entry_key(en, m), en->klen, a->key_types, a->nkeys, o))
    return err_set(e, SL_EINTERNAL, "window aggregation: a malformed key in its state");
  a->blob.len = 0;
  agg_snapshot(a->aggs, wagg_acc(v), &a->blob);
  char *p = arena_alloc(&a->out.arena, a->blob.len ? a->blob.len : 1);
  if (a->blob.len) memcpy(p, a->blob.data, a->blob.len);
  o[a->nkeys] = value_int(end);
  o[a->nkeys + 1] = value_str(p, a->blob.len);
  a->out.kind[a->out.nrows] = RK_INSERT;
  a->out.pos[a->out.nrows++] = v->pos;
  return a->out.nrows < a->out.cap ? SL_OK : wagg_flush(a, e);
}

sl_status wagg_local_advance(wagg_op *a, int64_t wm, sl_error *e) {
  sl_status st = SL_OK;
  for (int i = 0; i < a->nslices && !st;) {
    wslice *s = a->slices[i];
    if (!win_fired(s->first, wm)) { /* rows may still come for it */
      i++;
      continue;
    }
    for (state_entry *en = s->head; en && !st; en = ((wagg_val *)state_entry_val(en))->next)
      st = partial_row(a, en, &s->map, s->end, e);
    if (!st) st = wagg_flush(a, e); /* the keys point into the slice freed next */
    if (!st) wagg_slice_free(a, i);
  }
  a->wm = wm;
  return st;
}

sl_status wagg_global_push(wagg_op *a, const sl_batch *b, sl_error *e) {
  const sl_type *types = a->base.in[0]->types;
  sl_status st = SL_OK;
  for (int r = 0; r < b->nrows && !st; r++) {
    const sl_value *row = batch_row(b, r);
    int64_t end = row[a->nkeys].u.i;
    int64_t first, last;
    win_slice_windows(&a->w, end, &first, &last);
    if (win_fired(first, a->wm)) /* the local phase sends a slice before the watermark */
      return err_set(e, SL_EINTERNAL,
                     "window aggregation: a partial aggregate arrived after its window fired");
    wslice *s = wagg_slice(a, end, true);
    if (!s) return op_state_full(&a->base, e);
    a->key.len = 0;
    state_key_pack(row, a->keys, types, a->nkeys, &a->key);
    bool created;
    state_entry *en =
        wagg_upsert(a, s, a->key.data, a->key.len, state_hash(a->key.data, a->key.len), &created);
    if (!en) return op_state_full(&a->base, e);
    wagg_val *v = state_entry_val(en);
    if (created) {
      v->pos = b->pos[r];
      agg_init(a->aggs, wagg_acc(v));
    }
    state_reader rd = {(const uint8_t *)row[a->nkeys + 1].u.s,
                       (const uint8_t *)row[a->nkeys + 1].u.s + row[a->nkeys + 1].len, false, NULL};
    agg_init(a->aggs, a->scratch2);
    if (!agg_restore(a->aggs, a->scratch2, &rd) || rd.bad)
      st = err_set(e, SL_EINTERNAL, "window aggregation: a malformed partial aggregate");
    if (!st) st = agg_merge(a->aggs, wagg_acc(v), a->scratch2, e);
    agg_release(a->aggs, a->scratch2);
  }
  return st;
}

bool op_window_agg_two_phase(const window_spec *w, const agg_spec *aggs, int naggs,
                             const window_emit *emit) {
  if (w->kind != WIN_TUMBLE && w->kind != WIN_HOP && w->kind != WIN_CUMULATE) return false;
  if (emit && emit->early_fire_ms > 0) return false;
  for (int i = 0; i < naggs; i++) /* fixed accumulators only: no strings, no value sets */
    if (aggs[i].distinct || aggs[i].arg_type.id == T_STRING || aggs[i].type.id == T_STRING)
      return false;
  return true;
}

static void setup(wagg_op *a) { a->scratch2 = xmalloc(a->acc_size ? a->acc_size : 1); }

sl_op *op_window_agg_local_new(sl_job *j, const window_spec *w, const int *keys, int nkeys,
                               const agg_spec *aggs, int naggs, op_cols final, op_cols out,
                               sl_error *e) {
  sl_op *op = op_window_agg_new(j, w, keys, nkeys, aggs, naggs, NULL, final, e);
  if (!op) return NULL;
  wagg_op *a = (wagg_op *)op;
  a->phase = WAGG_LOCAL;
  setup(a);
  op->ncols = out.n;
  op->cols = out.names;
  op->types = out.types;
  batch_free(&a->out);
  batch_init(&a->out, out.n, j->batch_rows);
  return op;
}

sl_op *op_window_agg_global_new(sl_job *j, const window_spec *w, int nkeys, const agg_spec *aggs,
                                int naggs, op_cols out, sl_error *e) {
  int *keys = xmalloc(sizeof(int) * (size_t)(nkeys + 1));
  for (int i = 0; i < nkeys; i++) keys[i] = i;
  sl_op *op = op_window_agg_new(j, w, keys, nkeys, aggs, naggs, NULL, out, e);
  free(keys);
  if (!op) return NULL;
  wagg_op *a = (wagg_op *)op;
  a->phase = WAGG_GLOBAL;
  setup(a);
  return op;
}
