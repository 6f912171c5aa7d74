/* window_snap.c - the window aggregation's state as a versioned byte stream (state.h: kind
 * "WindowAgg", version 2): the watermark up to which windows have fired, the window kind, the
 * open slices (end, then per key its packed key, the position of its first row and its
 * accumulator as agg_snapshot bytes), the open sessions, and the results last emitted early.
 * restore reads it into a fresh instance built from the same plan.
 * Must not touch: firing or emission (window_agg.c); it only moves state in and out. */
#include <stdlib.h>
#include <string.h>

#include "window_agg_int.h"

#define WAGG_SNAP_VERSION 2 /* 2: sessions carry what they emitted (early/late updates) */

sl_status wagg_snapshot(sl_op *op, sl_buf *out, sl_error *e) {
  wagg_op *a = (wagg_op *)op;
  if (a->early_st) {
    *e = a->early_err;
    return a->early_st;
  }
  state_put_header(out, "WindowAgg", WAGG_SNAP_VERSION);
  state_put_i64(out, a->wm);
  state_put_u64(out, (uint64_t)a->w.kind);
  state_put_u64(out, (uint64_t)a->nslices);
  sl_buf acc = {0};
  for (int i = 0; i < a->nslices; i++) {
    wslice *s = a->slices[i];
    state_put_i64(out, s->end);
    state_put_u64(out, s->map.n);
    for (state_entry *en = s->head; en; en = ((wagg_val *)state_entry_val(en))->next) {
      wagg_val *v = state_entry_val(en);
      state_put_bytes(out, state_entry_key(en, &s->map), en->klen);
      state_put_u64(out, v->pos.source);
      state_put_u64(out, v->pos.file);
      state_put_u64(out, v->pos.line);
      acc.len = 0;
      agg_snapshot(a->aggs, wagg_acc(v), &acc);
      state_put_bytes(out, acc.data, acc.len);
    }
  }
  buf_free(&acc);
  wagg_session_snapshot(a, out);
  wagg_early_snapshot(a, out);
  state_put_end(out);
  return SL_OK;
}

static sl_status bad(sl_error *e, const char *why) {
  return err_set(e, SL_ERUNTIME, "cannot restore the window aggregation's state: %s", why);
}

sl_status wagg_restore(sl_op *op, const void *p, size_t n, sl_error *e) {
  wagg_op *a = (wagg_op *)op;
  if (a->nslices || a->sess.n || a->early.n) return bad(e, "the operator is not fresh");
  state_reader r = {0};
  uint32_t version;
  if (!state_reader_open(&r, p, n, "WindowAgg", &version))
    return bad(e, "not a window aggregation snapshot, or damaged");
  if (version != WAGG_SNAP_VERSION) return bad(e, "an unknown version");
  int64_t wm = state_get_i64(&r);
  if (state_get_u64(&r) != (uint64_t)a->w.kind) return bad(e, "made by another window kind");
  uint64_t ns = state_get_u64(&r);
  for (uint64_t i = 0; i < ns && !r.bad; i++) {
    int64_t end = state_get_i64(&r);
    uint64_t nk = state_get_u64(&r);
    if (r.bad || nk > (uint64_t)(r.end - r.p)) break;
    wslice *s = wagg_slice(a, end, true);
    if (!s) return bad(e, "over the state memory limit");
    for (uint64_t k = 0; k < nk && !r.bad; k++) {
      size_t klen, alen;
      const void *key = state_get_bytes(&r, &klen);
      sl_rowpos pos;
      pos.source = (uint32_t)state_get_u64(&r);
      pos.file = (uint32_t)state_get_u64(&r);
      pos.line = state_get_u64(&r);
      const void *ap = state_get_bytes(&r, &alen);
      if (!key || !ap || r.bad) {
        r.bad = true;
        break;
      }
      bool created;
      state_entry *en = wagg_upsert(a, s, key, klen, state_hash(key, klen), &created);
      if (!en) return bad(e, "over the state memory limit");
      if (!created) {
        r.bad = true;
        break;
      }
      wagg_val *v = state_entry_val(en);
      v->pos = pos;
      agg_init(a->aggs, wagg_acc(v));
      state_reader sub = {ap, (const uint8_t *)ap + alen, false, NULL};
      if (!agg_restore(a->aggs, wagg_acc(v), &sub)) r.bad = true;
    }
  }
  if (!r.bad) wagg_session_restore(a, &r);
  if (!r.bad) wagg_early_restore(a, &r);
  if (r.bad || r.p != r.end) return bad(e, "a malformed record");
  a->wm = wm;
  op->wm = wm;
  for (int i = 0; i < op->nin; i++)
    if (op->ports[i].wm < wm) op->ports[i].wm = wm;
  return SL_OK;
}
