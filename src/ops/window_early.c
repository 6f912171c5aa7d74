/* window_early.c - early results of window aggregation (Flink's 'table.exec.emit.early-fire.*'):
 * a loop timer every early_fire_ms emits, for every open window and key whose result changed
 * since it was last emitted, +I the first time and -U (old) / +U (new) after; the final
 * emission when the window closes follows the same rule (nothing when unchanged). "Changed"
 * means the result differs from the one emitted. The results last emitted are kept per window
 * end and key (counted state), and freed when the window closes. SESSION windows keep theirs
 * with each session (window_session.c); the timer calls wagg_session_early_fire for them.
 * Must not touch: slices (window_agg.c owns them; this file reads them). */
#include <stdlib.h>
#include <string.h>

#include "window_agg_int.h"

typedef struct early_val {
  sl_value *prev; /* the results last emitted (naggs cells, kept) */
} early_val;

static const sl_type *res_types(const wagg_op *a) { return a->base.types + a->nkeys; }

static void ekey(wagg_op *a, int64_t end, const void *key, size_t klen, sl_buf *b) {
  b->len = 0;
  buf_put(b, &end, sizeof end);
  buf_put(b, key, klen);
}

bool wagg_results_equal(const wagg_op *a, const sl_value *x, const sl_value *y) {
  const sl_type *t = res_types(a);
  for (int i = 0; i < a->naggs; i++) {
    if (x[i].null != y[i].null) return false;
    if (!x[i].null && value_compare(&x[i], &y[i], t[i]) != 0) return false;
  }
  return true;
}

sl_status wagg_out_kept(wagg_op *a, const void *key, size_t klen, const sl_value *prev,
                        int64_t start, int64_t end, int kind, const sl_rowpos *pos, sl_error *e) {
  size_t extra = state_row_extra(prev, res_types(a), a->naggs);
  sl_value tmp[64], *cells = a->naggs <= 64 ? tmp : xmalloc(sizeof(sl_value) * (size_t)a->naggs);
  state_keep_row(cells, prev, res_types(a), a->naggs, arena_alloc(&a->out.arena, extra + 1));
  sl_status st = wagg_out_row(a, key, klen, NULL, cells, start, end, kind, pos, e);
  if (cells != tmp) free(cells);
  return st;
}

/* Emits res for (end, key) under the rule; final: the window closes (the entry goes). */
static sl_status emit_rule(wagg_op *a, const void *key, size_t klen, const sl_value *res,
                           int64_t start, int64_t end, const sl_rowpos *pos, bool final,
                           sl_error *e) {
  sl_buf k = {0};
  ekey(a, end, key, klen, &k);
  uint64_t h = state_hash(k.data, k.len);
  sl_status st = SL_OK;
  state_entry *en = state_map_find(&a->early, k.data, k.len, h);
  if (!en && final) {
    st = wagg_out_row(a, key, klen, NULL, res, start, end, RK_INSERT, pos, e);
  } else if (!en) {
    bool created;
    en = state_map_upsert(&a->early, k.data, k.len, h, &created);
    early_val *v = en ? state_entry_val(en) : NULL;
    if (v) v->prev = state_keep_row_alloc(&a->base.mem, res, res_types(a), a->naggs);
    if (!v || !v->prev) {
      if (en) state_map_remove(&a->early, en);
      st = op_state_full(&a->base, e);
    } else {
      st = wagg_out_row(a, key, klen, NULL, res, start, end, RK_INSERT, pos, e);
    }
  } else {
    early_val *v = state_entry_val(en);
    bool same = wagg_results_equal(a, v->prev, res);
    /* the new results leave the output arena first: emitting -U may flush (and rewind) it */
    sl_value *now = same ? NULL : state_keep_row_alloc(&a->base.mem, res, res_types(a), a->naggs);
    if (!same && !now)
      st = op_state_full(&a->base, e);
    if (!same && !st &&
        !(st = wagg_out_kept(a, key, klen, v->prev, start, end, RK_UPDATE_BEFORE, pos, e)))
      st = wagg_out_kept(a, key, klen, now, start, end, RK_UPDATE_AFTER, pos, e);
    if (!st && (final || !same)) {
      state_free_row(&a->base.mem, v->prev, res_types(a), a->naggs);
      v->prev = final ? NULL : now;
      if (final) {
        state_free_row(&a->base.mem, now, res_types(a), a->naggs);
        state_map_remove(&a->early, en);
      }
    } else {
      state_free_row(&a->base.mem, now, res_types(a), a->naggs);
    }
  }
  buf_free(&k);
  return st;
}

sl_status wagg_early_final(wagg_op *a, const void *key, size_t klen, uint64_t hash, const void *acc,
                           int64_t start, int64_t end, const sl_rowpos *pos, sl_error *e) {
  sl_value tmp[64], *res = a->naggs <= 64 ? tmp : xmalloc(sizeof(sl_value) * (size_t)a->naggs);
  agg_result(a->aggs, acc, res, &a->out.arena);
  sl_status st = emit_rule(a, key, klen, res, start, end, pos, true, e);
  if (res != tmp) free(res);
  return st;
}

static int cmp_i64(const void *x, const void *y) {
  int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
  return a < b ? -1 : a > b;
}

sl_status wagg_early_fire(wagg_op *a, sl_error *e) {
  if (a->base.ended) return SL_OK;
  if (a->w.kind == WIN_SESSION) return wagg_session_early_fire(a, e);
  int n = 0;
  for (int i = 0; i < a->nslices; i++) {
    wslice *s = a->slices[i];
    for (int64_t end = s->first; end <= s->last; end += a->estep) {
      if (win_fired(end, a->wm)) continue;
      if (n == a->endcap) {
        a->endcap = a->endcap ? a->endcap * 2 : 64;
        a->ends = xrealloc(a->ends, sizeof(int64_t) * (size_t)a->endcap);
      }
      a->ends[n++] = end;
    }
  }
  if (n > 1) qsort(a->ends, (size_t)n, sizeof(int64_t), cmp_i64);
  sl_value tmp[64], *res = a->naggs <= 64 ? tmp : xmalloc(sizeof(sl_value) * (size_t)a->naggs);
  void *acc = xmalloc(a->acc_size ? a->acc_size : 1);
  sl_status st = SL_OK;
  for (int w = 0; w < n && !st; w++) {
    if (w && a->ends[w] == a->ends[w - 1]) continue;
    int64_t end = a->ends[w], start = win_start_for_end(&a->w, end);
    int lo, hi;
    wagg_window_slices(a, end, &lo, &hi);
    /* per key of the window: the merge of its slices (keys found through every slice; a key
     * already handled in an earlier slice of this window is skipped) */
    for (int i = lo; i < hi && !st; i++) {
      state_map *m = &a->slices[i]->map;
      size_t it = 0;
      for (state_entry *en; !st && (en = state_map_next(m, &it));) {
        const void *key = state_entry_key(en, m);
        bool seen = false;
        for (int k = lo; k < i && !seen; k++)
          seen = state_map_find(&a->slices[k]->map, key, en->klen, en->hash) != NULL;
        if (seen) continue;
        agg_init(a->aggs, acc);
        for (int k = i; k < hi && !st; k++) {
          state_entry *x = state_map_find(&a->slices[k]->map, key, en->klen, en->hash);
          if (x) st = agg_merge(a->aggs, acc, wagg_acc(state_entry_val(x)), e);
        }
        if (!st) {
          agg_result(a->aggs, acc, res, &a->out.arena);
          wagg_val *v = state_entry_val(en);
          st = emit_rule(a, key, en->klen, res, start, end, &v->pos, false, e);
        }
        agg_release(a->aggs, acc);
      }
    }
  }
  if (!st) st = wagg_flush(a, e);
  free(acc);
  if (res != tmp) free(res);
  return st;
}

static void on_timer(sl_loop *l, uint64_t id, void *arg) {
  wagg_op *a = arg;
  if (a->early_st) return;
  sl_error e = {0};
  sl_status st = wagg_early_fire(a, &e);
  if (st) {
    a->early_st = st;
    a->early_err = e;
  }
}

size_t wagg_early_val_size(void) { return sizeof(early_val); }

void wagg_early_start(wagg_op *a) {
  if (a->base.job->loop)
    a->timer = loop_add_timer(a->base.job->loop, a->emit.early_fire_ms, a->emit.early_fire_ms,
                              on_timer, a);
}

void wagg_early_forget(wagg_op *a) {
  size_t it = 0;
  for (state_entry *en; (en = state_map_next(&a->early, &it));) {
    int64_t end;
    memcpy(&end, state_entry_key(en, &a->early), sizeof end);
    if (!win_fired(end, a->wm)) continue;
    early_val *v = state_entry_val(en);
    state_free_row(&a->base.mem, v->prev, res_types(a), a->naggs);
    state_map_remove(&a->early, en);
  }
}

void wagg_early_free(wagg_op *a) {
  if (a->timer && a->base.job->loop) loop_del_timer(a->base.job->loop, a->timer);
  a->timer = 0;
  size_t it = 0;
  for (state_entry *en; (en = state_map_next(&a->early, &it));) {
    early_val *v = state_entry_val(en);
    state_free_row(&a->base.mem, v->prev, res_types(a), a->naggs);
  }
  state_map_free(&a->early);
}

void wagg_early_snapshot(wagg_op *a, sl_buf *out) {
  state_put_u64(out, a->early.n);
  size_t it = 0;
  for (state_entry *en; (en = state_map_next(&a->early, &it));) {
    state_put_bytes(out, state_entry_key(en, &a->early), en->klen);
    state_put_row(out, ((early_val *)state_entry_val(en))->prev, res_types(a), a->naggs);
  }
}

bool wagg_early_restore(wagg_op *a, state_reader *r) {
  uint64_t n = state_get_u64(r);
  sl_value tmp[64], *res = a->naggs <= 64 ? tmp : xmalloc(sizeof(sl_value) * (size_t)a->naggs);
  for (uint64_t i = 0; i < n && !r->bad; i++) {
    size_t klen;
    const void *k = state_get_bytes(r, &klen);
    if (!k || !state_get_row(r, res, res_types(a), a->naggs)) break;
    bool created;
    state_entry *en = state_map_upsert(&a->early, k, klen, state_hash(k, klen), &created);
    if (!en || !created) {
      r->bad = true;
      break;
    }
    early_val *v = state_entry_val(en);
    if (!(v->prev = state_keep_row_alloc(&a->base.mem, res, res_types(a), a->naggs))) {
      state_map_remove(&a->early, en);
      r->bad = true;
    }
  }
  if (res != tmp) free(res);
  return !r->bad;
}
