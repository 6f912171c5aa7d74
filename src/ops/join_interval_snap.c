/* join_interval_snap.c - the interval join's snapshot ("IntervalJoin" v1) and its restore
 * into a fresh instance: the kept rows of both sides (their bound, matched flag and position),
 * the watermarks and each port's watermark; a malformed stream is refused, never followed.
 * Must not touch: the operator's probing and freeing (join_interval.c). */
#include <stdlib.h>
#include <string.h>

#include "join_interval_int.h"

/* ---- snapshot: "IntervalJoin" v1 ----
 * the bounds (checked on restore), the input watermark rows were freed at, the forwarded
 * watermark, each port's watermark, then per side its rows (time, position, matched, cells),
 * key by key, oldest first; restore re-inserts them into a fresh instance built from the same
 * plan (rows the watermark already expired are kept, not padded again). */

#define IJ_SNAP_VERSION 1

static void put_side(const iside *s, sl_buf *out) {
  irow **rows = xmalloc(sizeof(irow *) * (s->rows ? s->rows : 1));
  size_t n = 0;
  for (size_t i = 0; i < s->cap; i++) {
    const islot *sl = &s->slots[i];
    if (!sl->head || !live(s, sl->s)) continue;
    size_t from = n;
    for (irow *r = sl->head; r && n < s->rows; r = r->next && live(s, r->next_s) ? r->next : NULL)
      rows[n++] = r;
    for (size_t x = from, y = n; x + 1 < y; x++, y--) { /* oldest first */
      irow *tmp = rows[x];
      rows[x] = rows[y - 1];
      rows[y - 1] = tmp;
    }
  }
  state_put_u64(out, n);
  for (size_t i = 0; i < n; i++) {
    const irow *r = rows[i];
    state_put_i64(out, r->t);
    state_put_u64(out, r->pos.source);
    state_put_u64(out, r->pos.file);
    state_put_u64(out, r->pos.line);
    state_put_u64(out, r->matched);
    state_put_row(out, r->cells, s->types, s->ncols);
  }
  free(rows);
}

sl_status ij_snapshot(sl_op *op, sl_buf *out, sl_error *e) {
  (void)e;
  ijoin *a = (ijoin *)op;
  state_put_header(out, "IntervalJoin", IJ_SNAP_VERSION);
  state_put_i64(out, a->lower);
  state_put_i64(out, a->upper);
  state_put_i64(out, a->wm);
  state_put_i64(out, op->wm);
  state_put_u64(out, (uint64_t)op->nin);
  for (int p = 0; p < op->nin; p++) state_put_i64(out, op->ports[p].wm);
  for (int p = 0; p < 2; p++) put_side(&a->side[p], out);
  state_put_end(out);
  return SL_OK;
}

static sl_status bad_snap(sl_error *e, const char *why) {
  return err_set(e, SL_ERUNTIME, "cannot restore the interval join's state: %s", why);
}

sl_status ij_restore(sl_op *op, const void *data, size_t len, sl_error *e) {
  ijoin *a = (ijoin *)op;
  if (a->side[0].rows || a->side[1].rows || a->wm != WM_NONE)
    return bad_snap(e, "the operator is not fresh");
  state_reader r = {0};
  uint32_t version;
  if (!state_reader_open(&r, data, len, "IntervalJoin", &version))
    return bad_snap(e, "not an interval join snapshot, or damaged");
  if (version != IJ_SNAP_VERSION) return bad_snap(e, "an unknown version");
  if (state_get_i64(&r) != a->lower || state_get_i64(&r) != a->upper)
    return bad_snap(e, "made with other interval bounds");
  int64_t wm = state_get_i64(&r), out_wm = state_get_i64(&r);
  uint64_t nin = state_get_u64(&r);
  if (r.bad || nin != (uint64_t)op->nin) return bad_snap(e, "made with another number of inputs");
  for (int p = 0; p < op->nin; p++) {
    int64_t w = state_get_i64(&r);
    if (w > op->ports[p].wm) op->ports[p].wm = w;
  }
  sl_status st = SL_OK;
  for (int p = 0; p < 2 && !r.bad && !st; p++) {
    iside *s = &a->side[p];
    uint64_t n = state_get_u64(&r);
    if (n > (uint64_t)(r.end - r.p)) r.bad = true;
    sl_value *row = xmalloc(sizeof(sl_value) * (size_t)(s->ncols ? s->ncols : 1));
    for (uint64_t i = 0; i < n && !r.bad && !st; i++) {
      int64_t t = state_get_i64(&r);
      sl_rowpos pos;
      pos.source = (uint32_t)state_get_u64(&r);
      pos.file = (uint32_t)state_get_u64(&r);
      pos.line = state_get_u64(&r);
      bool matched = state_get_u64(&r) != 0;
      uint64_t h;
      /* a position names one of the job's sources (job_reject and job_late index them) */
      if (pos.source >= (uint32_t)op->job->nsources ||
          !state_get_row(&r, row, s->types, s->ncols) || row[s->tcol].null ||
          row[s->tcol].u.i != t || !join_key(&a->jb, p, row, &a->key, &h)) {
        r.bad = true;
        break;
      }
      int64_t bound = sat_add(t, s->off);
      st = ij_keep_row(a, p, row, a->key.data, a->key.len, t, bound, h, &pos, matched,
                       wm == WM_NONE || bound >= wm, e);
    }
    free(row);
  }
  if (st) return st;
  if (r.bad || r.p != r.end) return bad_snap(e, "a malformed record");
  a->wm = wm;
  op->wm = out_wm;
  return SL_OK;
}
