/* rank_window.c - the time side of the Rank operator (rank.c): window top-N (rows buffered per
 * window and partition, the top N emitted when the watermark reaches the window end, then
 * freed; rows for an emitted window go to job_late), the watermark handling that emits before
 * forwarding, and snapshot/restore of every mode ("Rank", version 2; version 1 lacks the expired
 * count). Must not touch: the unbounded top-N logic (rank.c). */
#include <stdlib.h>
#include <string.h>

#include "../format/format.h"
#include "rank_int.h"

/* Index of the window ending at `end`, created in order when absent; -1 over the limit. */
static int window_of(rank_op *k, int64_t end) {
  int lo = 0, hi = k->nwins;
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    if (k->wins[mid].end < end)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < k->nwins && k->wins[lo].end == end) return lo;
  if (k->nwins == k->capwins) {
    int cap = k->capwins ? k->capwins * 2 : 4;
    rank_win *w = state_malloc(&k->base.mem, sizeof(rank_win) * (size_t)cap);
    if (!w) return -1;
    if (k->nwins) memcpy(w, k->wins, sizeof(rank_win) * (size_t)k->nwins);
    if (k->wins) state_free(&k->base.mem, k->wins, sizeof(rank_win) * (size_t)k->capwins);
    k->wins = w;
    k->capwins = cap;
  }
  memmove(k->wins + lo + 1, k->wins + lo, sizeof(rank_win) * (size_t)(k->nwins - lo));
  k->wins[lo].end = end;
  state_map_init(&k->wins[lo].parts, &k->base.mem, sizeof(rank_part));
  k->nwins++;
  return lo;
}

static sl_status late(rank_op *k, const sl_value *row, const sl_rowpos *pos, int64_t end,
                      sl_error *e) {
  sl_type t = k->in_types[k->win_end_col];
  sl_buf we = {0}, wm = {0}, json = {0};
  sl_value v = value_int(end), w = value_int(k->base.wm);
  value_print(&v, t, &we);
  value_print(&w, t, &wm);
  char reason[256];
  snprintf(reason, sizeof reason,
           "late: the top-N of the window ending %s was emitted at watermark %s", buf_cstr(&we),
           buf_cstr(&wm));
  fmt_row_json(k->base.cols, k->in_types, k->in_ncols, row, &json);
  sl_status st = job_late(k->base.job, pos, reason, json.data ? json.data : "", json.len, e);
  buf_free(&we);
  buf_free(&wm);
  buf_free(&json);
  return st;
}

sl_status rank_window_push(rank_op *k, const sl_batch *b, sl_error *e) {
  sl_status st = SL_OK;
  for (int r = 0; r < b->nrows && !st; r++) {
    const sl_value *row = batch_row(b, r);
    const sl_value *we = &row[k->win_end_col];
    if (we->null) continue; /* window TVFs never make one */
    if (k->base.wm != WM_NONE && we->u.i - 1 <= k->base.wm) {
      st = late(k, row, &b->pos[r], we->u.i, e);
      continue;
    }
    int w = window_of(k, we->u.i);
    if (w < 0) return rank_no_memory(k, e);
    state_entry *en;
    if ((st = rank_part_of(k, &k->wins[w].parts, row, true, &en, e))) return st;
    st = rank_keep_top(k, state_entry_val(en), row, &b->pos[r], e);
  }
  return st;
}

sl_status rank_window_fire(rank_op *k, int64_t wm, sl_error *e) {
  sl_status st = SL_OK;
  int fired = 0;
  while (fired < k->nwins && k->wins[fired].end - 1 <= wm && !st) {
    state_map *m = &k->wins[fired].parts;
    size_t it = 0;
    state_entry *en;
    while (!st && (en = state_map_next(m, &it))) {
      rank_part *p = state_entry_val(en);
      for (uint32_t i = 0; i < p->n && (int64_t)i < k->limit && !st; i++)
        st = rank_put(k, RK_INSERT, p->rows[i].row, (int64_t)i + 1, &p->rows[i].pos, e);
      rank_part_free(k, p);
      state_map_remove(m, en);
    }
    state_map_free(m);
    fired++;
  }
  if (fired) {
    memmove(k->wins, k->wins + fired, sizeof(rank_win) * (size_t)(k->nwins - fired));
    k->nwins -= fired;
    if (k->nwins == 0) rank_free_windows(k);
  }
  if (st) return st;
  return rank_flush(k, e);
}

sl_status rank_signal(sl_op *op, int port, const sl_signal *sig, sl_error *e) {
  rank_op *k = (rank_op *)op;
  if (sig->kind == SIG_WATERMARK && k->win_end_col >= 0) {
    int64_t wm = op_next_watermark(op, port, sig->ts);
    if (wm > op->wm && wm != WM_NONE) {
      sl_status st = rank_window_fire(k, wm, e);
      if (st) return st;
    }
  }
  return op_signal_default(op, port, sig, e);
}

/* ---- snapshot: mode, arrival counter, watermark, partitions forgotten by the state TTL
 * (version 2), then the partitions (per window) ---- */

static void put_parts(rank_op *k, const state_map *m, sl_buf *out) {
  state_put_u64(out, m->n);
  size_t it = 0;
  state_entry *en;
  while ((en = state_map_next(m, &it))) {
    state_put_bytes(out, state_entry_key(en, m), en->klen);
    if (k->mode == RANK_FIRST_PT) { /* the rows emitted so far */
      state_put_u64(out, *(uint64_t *)state_entry_val(en));
      continue;
    }
    const rank_part *p = state_entry_val(en);
    state_put_u64(out, p->n);
    for (uint32_t i = 0; i < p->n; i++) {
      state_put_u64(out, p->rows[i].seq);
      state_put_u64(out, p->rows[i].pos.source);
      state_put_u64(out, p->rows[i].pos.file);
      state_put_u64(out, p->rows[i].pos.line);
      state_put_row(out, p->rows[i].row, k->in_types, k->in_ncols);
    }
  }
}

sl_status rank_snapshot(sl_op *op, sl_buf *out, sl_error *e) {
  rank_op *k = (rank_op *)op;
  rank_settle_mode(k);
  state_put_header(out, "Rank", 2);
  state_put_u64(out, (uint64_t)k->mode);
  state_put_u64(out, k->seq);
  state_put_i64(out, op->wm);
  state_put_u64(out, k->expired);
  if (k->mode == RANK_WINDOW) {
    state_put_u64(out, (uint64_t)k->nwins);
    for (int w = 0; w < k->nwins; w++) {
      state_put_i64(out, k->wins[w].end);
      put_parts(k, &k->wins[w].parts, out);
    }
  } else {
    put_parts(k, &k->parts, out);
  }
  state_put_end(out);
  return SL_OK;
}

static bool get_parts(rank_op *k, state_map *m, state_reader *r, sl_value *row) {
  uint64_t nparts = state_get_u64(r);
  for (uint64_t i = 0; i < nparts && !r->bad; i++) {
    size_t klen;
    const void *key = state_get_bytes(r, &klen);
    if (r->bad) return false;
    bool created;
    state_entry *en = state_map_upsert(m, key, klen, state_hash(key, klen), &created);
    if (!en || !created) return false;
    en->touched = k->now;
    if (k->mode == RANK_FIRST_PT) {
      *(uint64_t *)state_entry_val(en) = state_get_u64(r);
      continue;
    }
    rank_part *p = state_entry_val(en);
    uint64_t n = state_get_u64(r);
    for (uint64_t j = 0; j < n && !r->bad; j++) {
      uint64_t seq = state_get_u64(r);
      sl_rowpos pos;
      pos.source = (uint32_t)state_get_u64(r);
      pos.file = (uint32_t)state_get_u64(r);
      pos.line = state_get_u64(r);
      if (!state_get_row(r, row, k->in_types, k->in_ncols)) return false;
      if (!rank_part_insert(k, p, p->n, row, &pos, seq)) return false;
    }
  }
  return !r->bad;
}

sl_status rank_restore(sl_op *op, const void *p, size_t n, sl_error *e) {
  rank_op *k = (rank_op *)op;
  rank_settle_mode(k);
  state_reader r = {0};
  uint32_t version;
  sl_arena strings;
  arena_init(&strings, 4096);
  r.strings = &strings;
  bool ok = state_reader_open(&r, p, n, "Rank", &version) && (version == 1 || version == 2);
  r.strings = &strings;
  sl_value *row = xcalloc((size_t)k->in_ncols, sizeof(sl_value));
  if (ok && state_get_u64(&r) != (uint64_t)k->mode) ok = false;
  if (ok) {
    k->seq = state_get_u64(&r);
    op->wm = state_get_i64(&r);
    for (int i = 0; i < op->nin; i++) op->ports[i].wm = op->wm;
    k->expired = version >= 2 ? state_get_u64(&r) : 0;
    k->now = loop_now_ms(); /* restored partitions count as used now */
    if (k->mode == RANK_WINDOW) {
      uint64_t nw = state_get_u64(&r);
      for (uint64_t w = 0; w < nw && ok && !r.bad; w++) {
        int64_t end = state_get_i64(&r);
        int wi = window_of(k, end);
        ok = wi >= 0 && k->wins[wi].parts.n == 0 && get_parts(k, &k->wins[wi].parts, &r, row);
      }
    } else {
      ok = get_parts(k, &k->parts, &r, row);
    }
  }
  free(row);
  arena_free(&strings);
  if (!ok || r.bad || r.p != r.end)
    return err_set(e, SL_ERUNTIME, "Rank: the state snapshot is malformed or of another plan");
  return SL_OK;
}
