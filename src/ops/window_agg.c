/* window_agg.c - window aggregation over TUMBLE, HOP and CUMULATE windows (Flink's slicing
 * window aggregate). Rows update one accumulator per key and slice (TUMBLE: the window; HOP:
 * gcd(size, slide); CUMULATE: the step): the slice's state_map is looked up once per row with
 * the key packed and hashed once. When the watermark reaches a window's end - 1 its slices are
 * merged per key (agg_merge), the final rows are emitted, and then the watermark goes on; a
 * slice is freed once no window that still needs it can fire or be corrected. Late rows (their
 * earliest window already fired) go to job_late, or with 'late-data' = 'update' within
 * 'allowed-lateness' update the kept state and re-emit -U/+U for the windows already emitted.
 * Early firing and SESSION windows live in window_early.c and window_session.c; the snapshot
 * stream in window_snap.c. Shared declarations: window_agg_int.h.
 * Must not touch: the input rows after push returns (keys and accumulators are copied into the
 * operator's own counted state). */
#include <stdlib.h>
#include <string.h>

#include "../format/format.h"
#include "window_agg_int.h"

/* ---- slices ---- */

static sl_status mem_full(wagg_op *a, sl_error *e) { return op_state_full(&a->base, e); }

/* The slice ending at `end`, created when missing (NULL over the memory limit). */
wslice *wagg_slice(wagg_op *a, int64_t end, bool create) {
  if (a->ncache >= 0 && a->ncache < a->nslices && a->slices[a->ncache]->end == end)
    return a->slices[a->ncache];
  int lo = 0, hi = a->nslices;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (a->slices[mid]->end < end)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < a->nslices && a->slices[lo]->end == end) {
    a->ncache = lo;
    return a->slices[lo];
  }
  if (!create) return NULL;
  if (a->nslices == a->slicecap) {
    int cap = a->slicecap ? a->slicecap * 2 : 8;
    wslice **n = state_malloc(&a->base.mem, sizeof(wslice *) * (size_t)cap);
    if (!n) return NULL;
    if (a->nslices) memcpy(n, a->slices, sizeof(wslice *) * (size_t)a->nslices);
    state_free(&a->base.mem, a->slices, sizeof(wslice *) * (size_t)a->slicecap);
    a->slices = n;
    a->slicecap = cap;
  }
  wslice *s = state_malloc(&a->base.mem, sizeof *s);
  if (!s) return NULL;
  s->end = end;
  win_slice_windows(&a->w, end, &s->first, &s->last);
  state_map_init(&s->map, &a->base.mem, a->val_size);
  state_arena_init(&s->entries, &a->base.mem, 64 * 1024);
  s->head = s->tail = NULL;
  state_map_use_arena(&s->map, &s->entries);
  if (a->hint && !state_map_reserve(&s->map, a->hint)) {
    state_free(&a->base.mem, s, sizeof *s);
    return NULL;
  }
  memmove(a->slices + lo + 1, a->slices + lo, sizeof(wslice *) * (size_t)(a->nslices - lo));
  a->slices[lo] = s;
  a->nslices++;
  a->ncache = lo;
  return s;
}

/* The same key's entry in the nearest slice after (dir 1) or before (dir -1) slice i that can
 * share a window with it (their ends less than a window size apart). */
static state_entry *near_entry(wagg_op *a, int i, int dir, const void *key, size_t klen,
                               uint64_t hash) {
  int64_t end = a->slices[i]->end;
  for (int j = i + dir; j >= 0 && j < a->nslices; j += dir) {
    int64_t d = a->slices[j]->end - end;
    if (d >= a->w.size || -d >= a->w.size) break;
    state_entry *x = state_map_find(&a->slices[j]->map, key, klen, hash);
    if (x) return x;
  }
  return NULL;
}

state_entry *wagg_upsert(wagg_op *a, wslice *s, const void *key, size_t klen, uint64_t hash,
                         bool *created) {
  state_entry *en = state_map_upsert(&s->map, key, klen, hash, created);
  if (!en || !*created) return en;
  op_state_rows(&a->base, 1); /* one accumulator per key and slice */
  wagg_val *v = state_entry_val(en);
  v->end = s->end;
  if (s->tail)
    ((wagg_val *)state_entry_val(s->tail))->next = en;
  else
    s->head = en;
  s->tail = en;
  if (a->w.kind == WIN_HOP || a->w.kind == WIN_CUMULATE) { /* several slices per window */
    int i = 0;
    while (a->slices[i] != s) i++;
    state_entry *pred = near_entry(a, i, -1, key, klen, hash);
    v->later = near_entry(a, i, 1, key, klen, hash);
    if (pred) ((wagg_val *)state_entry_val(pred))->later = en;
  }
  return en;
}

void wagg_slice_free(wagg_op *a, int i) {
  wslice *s = a->slices[i];
  size_t it = 0;
  if (agg_set_has_side(a->aggs))
    for (state_entry *en; (en = state_map_next(&s->map, &it));)
      agg_release(a->aggs, wagg_acc(state_entry_val(en)));
  a->hint = s->map.n;
  op_state_rows(&a->base, -(int64_t)s->map.n);
  state_map_free(&s->map);
  state_arena_free(&s->entries);
  state_free(&a->base.mem, s, sizeof *s);
  memmove(a->slices + i, a->slices + i + 1, sizeof(wslice *) * (size_t)(a->nslices - i - 1));
  a->nslices--;
  a->ncache = -1;
  if (a->nslices == 0) {
    state_free(&a->base.mem, a->slices, sizeof(wslice *) * (size_t)a->slicecap);
    a->slices = NULL;
    a->slicecap = 0;
  }
}

/* ---- output ---- */

sl_status wagg_flush(wagg_op *a, sl_error *e) {
  sl_status st = op_emit(&a->base, &a->out, e);
  batch_clear(&a->out);
  return st;
}

/* Appends one result row: keys unpacked from the packed key, the results, the window. */
sl_status wagg_out_row(wagg_op *a, const void *key, size_t klen, const void *acc,
                       const sl_value *results, int64_t start, int64_t end, int kind,
                       const sl_rowpos *pos, sl_error *e) {
  sl_value *o = batch_row(&a->out, a->out.nrows);
  if (!state_key_unpack(key, klen, a->key_types, a->nkeys, o))
    return err_set(e, SL_EINTERNAL, "window aggregation: a malformed key in its state");
  if (results)
    memcpy(o + a->nkeys, results, sizeof(sl_value) * (size_t)a->naggs);
  else
    agg_result(a->aggs, acc, o + a->nkeys, &a->out.arena);
  int c = a->nkeys + a->naggs;
  if (a->w.out_size) start = end - a->w.out_size;
  o[c] = value_int(start);
  o[c + 1] = value_int(end);
  o[c + 2] = value_int(end - 1);
  a->out.kind[a->out.nrows] = (uint8_t)kind;
  a->out.pos[a->out.nrows++] = *pos;
  if (a->out.nrows < a->out.cap) return SL_OK;
  return wagg_flush(a, e);
}

/* ---- firing ---- */

/* The slices of the window ending at `end`: indices [*lo, *hi). */
void wagg_window_slices(wagg_op *a, int64_t end, int *lo, int *hi) {
  int64_t start = win_start_for_end(&a->w, end);
  int i = 0;
  while (i < a->nslices && a->slices[i]->end <= start) i++;
  *lo = i;
  while (i < a->nslices && a->slices[i]->end <= end) i++;
  *hi = i;
}

/* Emits the final rows of the window ending at `end`. Each key is taken at the first slice
 * that has it (slices in order, each in arrival order) and merged with its entries in the
 * window's later slices, which its chain of later entries leads to; those are marked with this
 * firing so that their own slice's turn skips them. No lookup, nothing allocated per key. */
static sl_status fire_window(wagg_op *a, int64_t end, sl_error *e) {
  int lo, hi;
  wagg_window_slices(a, end, &lo, &hi);
  int64_t start = win_start_for_end(&a->w, end);
  uint64_t mark = ++a->firing;
  sl_status st = SL_OK;
  for (int i = lo; i < hi && !st; i++) {
    state_map *m = &a->slices[i]->map;
    for (state_entry *en = a->slices[i]->head, *nx; !st && en; en = nx) {
      wagg_val *v = state_entry_val(en);
      nx = v->next;
      if (v->fired == mark) continue; /* merged into this window from an earlier slice */
      const void *key = state_entry_key(en, m);
      void *acc = wagg_acc(v);
      for (state_entry *x = v->later; x && !st;) {
        wagg_val *xv = state_entry_val(x);
        if (xv->end > end) break;
        xv->fired = mark;
        if (acc != a->scratch) {
          acc = a->scratch;
          agg_init(a->aggs, acc);
          st = agg_merge(a->aggs, acc, wagg_acc(v), e);
        }
        if (!st) st = agg_merge(a->aggs, acc, wagg_acc(xv), e);
        x = xv->later;
      }
      if (!st && a->emit.early_fire_ms > 0)
        st = wagg_early_final(a, key, en->klen, en->hash, acc, start, end, &v->pos, e);
      else if (!st)
        st = wagg_out_row(a, key, en->klen, acc, NULL, start, end, RK_INSERT, &v->pos, e);
      if (acc == a->scratch) agg_release(a->aggs, acc);
    }
  }
  if (!st) st = wagg_flush(a, e); /* keys point into slices that may be freed next */
  return st;
}

static int cmp_i64(const void *x, const void *y) {
  int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
  return a < b ? -1 : a > b;
}

/* The watermark rises from a->wm to wm: fire every window it closes, in end order, then free
 * the slices no window needs any more. */
static sl_status advance(wagg_op *a, int64_t wm, sl_error *e) {
  int64_t old = a->wm;
  int n = 0;
  for (int i = 0; i < a->nslices; i++) {
    wslice *s = a->slices[i];
    if (win_fired(s->first, old) && win_fired(s->last, old)) continue;
    for (int64_t end = s->first; end <= s->last && win_fired(end, wm); end += a->estep) {
      if (win_fired(end, old)) continue;
      if (n == a->endcap) {
        a->endcap = a->endcap ? a->endcap * 2 : 64;
        a->ends = xrealloc(a->ends, sizeof(int64_t) * (size_t)a->endcap);
      }
      a->ends[n++] = end;
    }
  }
  if (n > 1) qsort(a->ends, (size_t)n, sizeof(int64_t), cmp_i64);
  sl_status st;
  for (int i = 0; i < n; i++) {
    if (i && a->ends[i] == a->ends[i - 1]) continue;
    if ((st = fire_window(a, a->ends[i], e))) return st;
  }
  a->wm = wm;
  int64_t keep = win_keep_lateness(a->base.job);
  for (int i = 0; i < a->nslices;) {
    if (win_sat_add(a->slices[i]->last - 1, keep) <= wm)
      wagg_slice_free(a, i);
    else
      i++;
  }
  if (a->emit.early_fire_ms > 0) wagg_early_forget(a);
  return SL_OK;
}

/* ---- late rows ---- */

static void fmt_window_time(wagg_op *a, int64_t ms, bool time_only, sl_buf *b) {
  bool ltz = a->base.in && a->base.in[0]->types &&
             a->base.in[0]->types[a->w.time_col].id == T_TIMESTAMP_LTZ;
  sl_buf t = {0};
  ts_format(ms, false, ltz, &t);
  const char *s = buf_cstr(&t);
  buf_puts(b, time_only && t.len > 11 ? s + 11 : s);
  buf_free(&t);
}

/* "late: window [2024-01-01 10:00:00.000, 10:01:00.000) already emitted at watermark ..." */
void wagg_late_reason(wagg_op *a, int64_t start, int64_t end, int64_t wm, sl_buf *b) {
  buf_puts(b, "late: window [");
  fmt_window_time(a, start, false, b);
  buf_puts(b, ", ");
  fmt_window_time(a, end, floor_div(start, 86400000) == floor_div(end, 86400000), b);
  buf_puts(b, ") already emitted at watermark ");
  fmt_window_time(a, wm, false, b);
}

sl_status wagg_late(wagg_op *a, const sl_value *row, const sl_rowpos *pos, int64_t start,
                    int64_t end, sl_error *e) {
  sl_buf reason = {0}, json = {0};
  wagg_late_reason(a, start, end, a->wm, &reason);
  const sl_op *in = a->base.in[0];
  fmt_row_json(in->cols, in->types, in->ncols, row, &json);
  sl_status st = job_late(a->base.job, pos, buf_cstr(&reason), json.data, json.len, e);
  buf_free(&reason);
  buf_free(&json);
  return st;
}

/* Per key, the merged accumulator of the window ending at `end` into acc (initialised here);
 * false when the key has no row in it. */
static bool key_window_acc(wagg_op *a, const void *key, size_t klen, uint64_t h, int64_t end,
                           void *acc, sl_error *e, sl_status *st) {
  int lo, hi;
  wagg_window_slices(a, end, &lo, &hi);
  agg_init(a->aggs, acc);
  bool found = false;
  *st = SL_OK;
  for (int i = lo; i < hi && !*st; i++) {
    state_entry *en = state_map_find(&a->slices[i]->map, key, klen, h);
    if (!en) continue;
    found = true;
    *st = agg_merge(a->aggs, acc, wagg_acc(state_entry_val(en)), e);
  }
  return found;
}

/* A late row under 'late-data' = 'update', its windows' state still kept: added to its slice;
 * every window of the slice already emitted re-emits -U old / +U new (+I if the key was not in
 * it). */
static sl_status late_update(wagg_op *a, wslice *s, const sl_value *row, const sl_rowpos *pos,
                             int kind, sl_error *e) {
  const void *key = a->key.data;
  size_t klen = a->key.len;
  uint64_t h = state_hash(key, klen);
  int nw = 0;
  for (int64_t end = s->first; end <= s->last && win_fired(end, a->wm); end += a->estep) nw++;
  size_t asz = a->acc_size;
  char *olds = xmalloc(asz * (size_t)(nw ? nw : 1));
  char *cur = xmalloc(asz ? asz : 1);
  bool *had = xcalloc((size_t)(nw ? nw : 1), sizeof(bool));
  sl_status st = SL_OK;
  int nold = 0; /* old blocks made (each released below) */
  for (int64_t end = s->first; nold < nw && !st; end += a->estep, nold++)
    had[nold] = key_window_acc(a, key, klen, h, end, olds + asz * (size_t)nold, e, &st);
  bool created;
  state_entry *en = st ? NULL : wagg_upsert(a, s, key, klen, h, &created);
  if (!st && !en) st = mem_full(a, e);
  if (!st) {
    wagg_val *v = state_entry_val(en);
    if (created) {
      v->pos = *pos;
      agg_init(a->aggs, wagg_acc(v));
    }
    st = kind == RK_UPDATE_BEFORE || kind == RK_DELETE ? agg_retract(a->aggs, wagg_acc(v), row, e)
                                                       : agg_add(a->aggs, wagg_acc(v), row, e);
  }
  int i = 0;
  for (int64_t end = s->first; i < nw && !st; end += a->estep, i++) {
    int64_t start = win_start_for_end(&a->w, end);
    char *old = olds + asz * (size_t)i;
    if (had[i]) st = wagg_out_row(a, key, klen, old, NULL, start, end, RK_UPDATE_BEFORE, pos, e);
    if (st) break;
    bool found = key_window_acc(a, key, klen, h, end, cur, e, &st);
    if (!st && found)
      st = wagg_out_row(a, key, klen, cur, NULL, start, end, had[i] ? RK_UPDATE_AFTER : RK_INSERT,
                        pos, e);
    agg_release(a->aggs, cur);
  }
  for (int k = 0; k < nold; k++) agg_release(a->aggs, olds + asz * (size_t)k);
  if (!st) st = wagg_flush(a, e); /* keys point into the kept state */
  free(cur);
  free(olds);
  free(had);
  if (!st) job_late_updated(a->base.job, pos);
  return st;
}

/* ---- push and signals ---- */

static sl_status early_error(wagg_op *a, sl_error *e) {
  *e = a->early_err;
  return a->early_st;
}

static sl_status wagg_push(sl_op *op, int port, const sl_batch *b, sl_error *e) {
  wagg_op *a = (wagg_op *)op;
  if (a->early_st) return early_error(a, e);
  if (a->w.kind == WIN_SESSION) return wagg_session_push(a, b, e);
  if (a->phase == WAGG_GLOBAL) return wagg_global_push(a, b, e);
  const sl_type *types = op->in[port]->types;
  int64_t slen = a->slen, off = a->w.offset;
  sl_status st;
  wslice *s = NULL;
  for (int r = 0; r < b->nrows; r++) {
    const sl_value *row = batch_row(b, r);
    const sl_value *tv = &row[a->w.time_col];
    if (tv->null) {
      if ((st = win_reject_null_time(op, a->w.time_col, row, &b->pos[r], e))) return st;
      continue;
    }
    int64_t end = win_start_of(tv->u.i, off, slen) + slen;
    a->key.len = 0;
    state_key_pack(row, a->keys, types, a->nkeys, &a->key);
    if (!s || s->end != end) {
      int64_t first, last;
      win_slice_windows(&a->w, end, &first, &last);
      if (first > last) { /* HOP with size < slide: in no window, as in the TVF */
        s = NULL;
        continue;
      }
      if (win_fired(first, a->wm)) { /* late: its earliest window has been emitted */
        const job_source *src = b->pos[r].source < (uint32_t)op->job->nsources
                                    ? &op->job->sources[b->pos[r].source]
                                    : NULL;
        if (src && src->late == LATE_UPDATE &&
            win_sat_add(first - 1, src->allowed_lateness) > a->wm) {
          wslice *ls = wagg_slice(a, end, true);
          if (!ls) return mem_full(a, e);
          if ((st = late_update(a, ls, row, &b->pos[r], b->kind[r], e))) return st;
        } else if ((st =
                        wagg_late(a, row, &b->pos[r], win_start_for_end(&a->w, first), first, e))) {
          return st;
        }
        s = NULL;
        continue;
      }
      if (!(s = wagg_slice(a, end, true))) return mem_full(a, e);
    }
    bool created;
    state_entry *en =
        wagg_upsert(a, s, a->key.data, a->key.len, state_hash(a->key.data, a->key.len), &created);
    if (!en) return mem_full(a, e);
    wagg_val *v = state_entry_val(en);
    if (created) {
      v->pos = b->pos[r];
      agg_init(a->aggs, wagg_acc(v));
    }
    int k = b->kind[r];
    st = k == RK_UPDATE_BEFORE || k == RK_DELETE ? agg_retract(a->aggs, wagg_acc(v), row, e)
                                                 : agg_add(a->aggs, wagg_acc(v), row, e);
    if (st) return st;
  }
  return SL_OK;
}

/* The input watermark after `sig` on `port` (op.c's rule: the minimum over the open ports,
 * idle ones left out unless all are), without changing the ports. */
static int64_t input_wm_after(const sl_op *op, int port, const sl_signal *sig) {
  int64_t wm = WM_INFINITY;
  bool any_active = false;
  for (int p = 0; p < op->nin; p++) {
    op_port pt = op->ports[p];
    if (p == port) {
      if (sig->kind == SIG_WATERMARK && sig->ts > pt.wm) pt.wm = sig->ts;
      if (sig->kind == SIG_IDLE) pt.idle = true;
      if (sig->kind == SIG_ACTIVE) pt.idle = false;
      if (sig->kind == SIG_END) pt.ended = true;
    }
    if (!pt.idle && !pt.ended) any_active = true;
  }
  for (int p = 0; p < op->nin; p++) {
    op_port pt = op->ports[p];
    if (p == port) {
      if (sig->kind == SIG_WATERMARK && sig->ts > pt.wm) pt.wm = sig->ts;
      if (sig->kind == SIG_IDLE) pt.idle = true;
      if (sig->kind == SIG_END) pt.ended = true;
    }
    if (pt.ended || (any_active && pt.idle)) continue;
    if (pt.wm < wm) wm = pt.wm;
  }
  return wm;
}

static sl_status wagg_signal(sl_op *op, int port, const sl_signal *sig, sl_error *e) {
  wagg_op *a = (wagg_op *)op;
  if (a->early_st) return early_error(a, e);
  if (sig->kind == SIG_END && a->timer) { /* nothing is emitted after the end */
    loop_del_timer(op->job->loop, a->timer);
    a->timer = 0;
  }
  if (sig->kind == SIG_WATERMARK || sig->kind == SIG_IDLE || sig->kind == SIG_END) {
    int64_t wm = input_wm_after(op, port, sig);
    if (wm != WM_NONE && wm > a->wm) {
      sl_status st = a->w.kind == WIN_SESSION ? wagg_session_advance(a, wm, e)
                     : a->phase == WAGG_LOCAL ? wagg_local_advance(a, wm, e)
                                              : advance(a, wm, e);
      if (st) return st;
    }
  }
  return op_signal_default(op, port, sig, e);
}

static void wagg_describe(const sl_op *op, sl_buf *out) {
  const wagg_op *a = (const wagg_op *)op;
  const window_spec *w = &a->w;
  switch (w->kind) {
  case WIN_HOP:
    buf_printf(out, "HOP(slide %lld ms, size %lld ms", (long long)w->slide, (long long)w->size);
    break;
  case WIN_CUMULATE:
    buf_printf(out, "CUMULATE(step %lld ms, size %lld ms", (long long)w->step, (long long)w->size);
    break;
  case WIN_SESSION: buf_printf(out, "SESSION(gap %lld ms", (long long)w->gap); break;
  default: buf_printf(out, "TUMBLE(size %lld ms", (long long)w->size);
  }
  if (w->offset) buf_printf(out, ", offset %lld ms", (long long)w->offset);
  buf_printf(out, "), %d keys, %d aggregates", a->nkeys, a->naggs);
  if (w->kind != WIN_SESSION && w->kind != WIN_TUMBLE)
    buf_printf(out, ", slices of %lld ms", (long long)a->slen);
  if (a->emit.early_fire_ms > 0)
    buf_printf(out, ", early results every %lld ms", (long long)a->emit.early_fire_ms);
  if (a->phase == WAGG_LOCAL)
    buf_puts(out, "; local phase: each slice's partial aggregates per key go out when the "
                  "watermark closes it");
  if (a->phase == WAGG_GLOBAL) buf_puts(out, "; global phase: merges the workers' partial slices");
}

static void wagg_free(sl_op *op) {
  wagg_op *a = (wagg_op *)op;
  while (a->nslices) wagg_slice_free(a, a->nslices - 1);
  wagg_session_free(a);
  wagg_early_free(a);
  free(a->scratch);
  free(a->scratch2);
  buf_free(&a->blob);
  agg_set_free(a->aggs);
  batch_free(&a->out);
  buf_free(&a->key);
  free(a->ends);
  free(a->keys);
  free(a->key_types);
  free(a);
}

/* Delivery: a barrier waits until the watermark closes the last window open when it came (a
 * row's windows are fixed when it arrives). SESSION windows have no frontier, so they hold
 * barriers for good: a session can grow past any bound, so no watermark is known to close the
 * rows that came first. */
static int64_t wagg_frontier(const sl_op *op) {
  const wagg_op *a = (const wagg_op *)op;
  return a->nslices ? a->slices[a->nslices - 1]->last - 1 : WM_NONE;
}

static const op_vt wagg_vt = {.kind = "WindowAggregate",
                              .push = wagg_push,
                              .signal = wagg_signal,
                              .frontier = wagg_frontier,
                              .describe = wagg_describe,
                              .free = wagg_free,
                              .snapshot = wagg_snapshot,
                              .restore = wagg_restore,
                              .keeps = "one accumulator per key and window slice"};

static const op_vt wagg_session_vt = {.kind = "WindowAggregate",
                                      .push = wagg_push,
                                      .signal = wagg_signal,
                                      .describe = wagg_describe,
                                      .free = wagg_free,
                                      .snapshot = wagg_snapshot,
                                      .restore = wagg_restore,
                                      .keeps = "one accumulator per key and open session"};

sl_op *op_window_agg_new(sl_job *j, const window_spec *w, const int *keys, int nkeys,
                         const agg_spec *aggs, int naggs, const window_emit *emit, op_cols out,
                         sl_error *e) {
  const char *m = window_spec_check(w);
  if (m) {
    err_set(e, SL_ESQL, "%s", m);
    return NULL;
  }
  if (out.n != nkeys + naggs + 3) {
    err_set(e, SL_EINTERNAL, "window aggregation: %d output columns for %d keys and %d aggregates",
            out.n, nkeys, naggs);
    return NULL;
  }
  wagg_op *a = xcalloc(1, sizeof *a);
  op_init(&a->base, w->kind == WIN_SESSION ? &wagg_session_vt : &wagg_vt, j, "window");
  a->w = *w;
  a->slen = w->kind == WIN_SESSION ? 0 : win_slice_len(w);
  a->estep = w->kind == WIN_SESSION ? 0 : win_end_step(w);
  a->nkeys = nkeys;
  a->keys = xmalloc(sizeof(int) * (size_t)(nkeys ? nkeys : 1));
  a->key_types = xmalloc(sizeof(sl_type) * (size_t)(nkeys ? nkeys : 1));
  for (int i = 0; i < nkeys; i++) {
    a->keys[i] = keys[i];
    a->key_types[i] = out.types[i];
  }
  a->naggs = naggs;
  a->aggs = agg_set_new(aggs, naggs, &a->base.mem, false);
  a->acc_size = (agg_set_size(a->aggs) + 7) & ~(size_t)7;
  a->val_size = sizeof(wagg_val) + a->acc_size;
  if (emit) a->emit = *emit;
  a->wm = WM_NONE;
  a->ncache = -1;
  a->scratch = xmalloc(a->acc_size ? a->acc_size : 1);
  state_map_init(&a->sess, &a->base.mem, wagg_session_val_size());
  state_map_init(&a->early, &a->base.mem, wagg_early_val_size());
  a->base.ncols = out.n;
  a->base.cols = out.names;
  a->base.types = out.types;
  bool late_updates = false;
  for (int i = 0; i < j->nsources; i++)
    if (j->sources[i].late == LATE_UPDATE) late_updates = true;
  a->base.updating = a->emit.early_fire_ms > 0 || late_updates;
  batch_init(&a->out, out.n, j->batch_rows);
  if (a->emit.early_fire_ms > 0) wagg_early_start(a);
  return &a->base;
}
