/* window_session.c - SESSION windows of the window aggregation: per key its open sessions
 * [first row, last row + gap), each with one accumulator. A row opens a session or joins every
 * session it touches (as Flink's TimeWindow.intersects: rows at most `gap` apart merge, and a
 * row may bridge two sessions, whose accumulators are then merged). A session fires when the
 * watermark reaches its end - 1; a min-heap of (due time, key) finds those without scanning
 * every key (an entry made stale by a merge is skipped when it comes up). A row whose session
 * would already have fired is late (job_late).
 * Updates: with early firing the timer emits each open session that changed (+I, then -U/+U);
 * with 'late-data' = 'update' a fired session is kept for the largest 'allowed-lateness' and a
 * late row within its source's lateness updates it at once (-U old / +U new; a session alone
 * emits +I). Either way a session remembers the row it last emitted (results and bounds); a
 * merge carries one of those on and retracts the others with -D. Without either, sessions are
 * freed as they fire and nothing is remembered.
 * Must not touch: slices (window_agg.c). */
#include <stdlib.h>
#include <string.h>

#include "../format/format.h"
#include "window_agg_int.h"

typedef struct skey {
  int32_t n, cap; /* sessions, by start */
  int32_t nheap;  /* heap entries that point at this key's entry */
  int32_t pad;
  int64_t registered; /* a heap entry of this key has this time, <= every session's due time */
  char *sess;         /* cap * stride bytes: shdr then the accumulator */
} skey;

typedef struct shdr {
  int64_t start, end;
  sl_rowpos pos;
  int64_t pstart, pend; /* the bounds of the row last emitted (with prev) */
  sl_value *prev;       /* the results last emitted, kept for updates (NULL: none kept) */
  int32_t fired;        /* closed: its final result is out; kept for late updates */
  int32_t dirty;        /* changed since its last emission (early firing) */
} shdr;

typedef struct sess_timer {
  int64_t end;
  state_entry *en;
} sess_timer;

size_t wagg_session_val_size(void) { return sizeof(skey); }

static size_t stride(const wagg_op *a) { return sizeof(shdr) + a->acc_size; }
static shdr *sess_at(const wagg_op *a, const skey *k, int i) {
  return (shdr *)(k->sess + stride(a) * (size_t)i);
}
static void *sess_acc(shdr *s) { return s + 1; }
static const sl_type *res_types(const wagg_op *a) { return a->base.types + a->nkeys; }

/* When the session next needs the watermark: its end (to close), or once closed its end plus
 * the kept lateness (to be freed). */
static int64_t due(const shdr *s, int64_t keep) {
  return s->fired ? win_sat_add(s->end, keep) : s->end;
}

static sl_status full(wagg_op *a, sl_error *e) {
  return op_state_full(&a->base, e);
}

/* ---- the heap ---- */

static bool heap_push(wagg_op *a, int64_t end, state_entry *en) {
  if (a->nheap == a->heapcap) {
    size_t cap = a->heapcap ? a->heapcap * 2 : 64;
    sess_timer *n = state_malloc(&a->base.mem, sizeof(sess_timer) * cap);
    if (!n) return false;
    if (a->nheap) memcpy(n, a->heap, sizeof(sess_timer) * a->nheap);
    state_free(&a->base.mem, a->heap, sizeof(sess_timer) * a->heapcap);
    a->heap = n;
    a->heapcap = cap;
  }
  size_t i = a->nheap++;
  while (i > 0 && a->heap[(i - 1) / 2].end > end) {
    a->heap[i] = a->heap[(i - 1) / 2];
    i = (i - 1) / 2;
  }
  a->heap[i] = (sess_timer){end, en};
  skey *k = state_entry_val(en);
  k->registered = end; /* callers push only below it, or to register again after a pop */
  k->nheap++;
  return true;
}

static sess_timer heap_pop(wagg_op *a) {
  sess_timer top = a->heap[0], last = a->heap[--a->nheap];
  size_t i = 0;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= a->nheap) break;
    if (c + 1 < a->nheap && a->heap[c + 1].end < a->heap[c].end) c++;
    if (a->heap[c].end >= last.end) break;
    a->heap[i] = a->heap[c];
    i = c;
  }
  if (a->nheap) a->heap[i] = last;
  if (a->nheap == 0) {
    state_free(&a->base.mem, a->heap, sizeof(sess_timer) * a->heapcap);
    a->heap = NULL;
    a->heapcap = 0;
  }
  return top;
}

/* ---- rows ---- */

static bool grow(wagg_op *a, skey *k) {
  int cap = k->cap ? k->cap * 2 : 2;
  char *n = state_malloc(&a->base.mem, stride(a) * (size_t)cap);
  if (!n) return false;
  if (k->n) memcpy(n, k->sess, stride(a) * (size_t)k->n);
  state_free(&a->base.mem, k->sess, stride(a) * (size_t)k->cap);
  k->sess = n;
  k->cap = cap;
  return true;
}

static void remove_at(wagg_op *a, skey *k, int i) {
  memmove(k->sess + stride(a) * (size_t)i, k->sess + stride(a) * (size_t)(i + 1),
          stride(a) * (size_t)(k->n - i - 1));
  k->n--;
}

static void drop_prev(wagg_op *a, shdr *s) {
  state_free_row(&a->base.mem, s->prev, res_types(a), a->naggs);
  s->prev = NULL;
}

/* A session's state goes (its results are out already, or retracted). */
static void sess_release(wagg_op *a, shdr *s) {
  agg_release(a->aggs, sess_acc(s));
  drop_prev(a, s);
}

/* Emits the session's current result under the update rule: +I when nothing of it is out, -U
 * (the row emitted before) / +U (the new one) when the result or the bounds changed, nothing when
 * not. keep: remember what is out, for later updates. The new results are copied out of the
 * output arena before anything is emitted (emitting -U may flush the batch, which rewinds it). */
static sl_status sess_emit(wagg_op *a, const void *key, size_t klen, shdr *s, bool keep,
                           sl_error *e) {
  sl_value tmp[64], *res = a->naggs <= 64 ? tmp : xmalloc(sizeof(sl_value) * (size_t)a->naggs);
  agg_result(a->aggs, sess_acc(s), res, &a->out.arena);
  bool same =
      s->prev && s->pstart == s->start && s->pend == s->end && wagg_results_equal(a, s->prev, res);
  sl_value *now = same ? NULL : state_keep_row_alloc(&a->base.mem, res, res_types(a), a->naggs);
  if (res != tmp) free(res);
  s->dirty = 0;
  sl_status st = SL_OK;
  if (!same && !now) return full(a, e);
  if (!same && s->prev)
    st = wagg_out_kept(a, key, klen, s->prev, s->pstart, s->pend, RK_UPDATE_BEFORE, &s->pos, e);
  if (!same && !st)
    st = wagg_out_kept(a, key, klen, now, s->start, s->end, s->prev ? RK_UPDATE_AFTER : RK_INSERT,
                       &s->pos, e);
  if (!same || !keep) drop_prev(a, s);
  if (!same && keep) {
    s->prev = now;
    s->pstart = s->start;
    s->pend = s->end;
  } else {
    state_free_row(&a->base.mem, now, res_types(a), a->naggs);
  }
  return st;
}

static sl_status session_late(wagg_op *a, const sl_value *row, const sl_rowpos *pos, int64_t ts,
                              sl_error *e) {
  return wagg_late(a, row, pos, ts, win_sat_add(ts, a->w.gap), e);
}

/* Whether session s is touched by a row at ts (rows at most gap apart merge); closed sessions
 * only count for rows that may update them. */
static bool touches(const shdr *s, int64_t ts, int64_t hi, bool upd) {
  return s->start <= hi && ts <= s->end && (upd || !s->fired);
}

static sl_status push_row(wagg_op *a, const sl_value *row, const sl_rowpos *pos, int kind,
                          int64_t keep, sl_error *e) {
  const sl_type *types = a->base.in[0]->types;
  sl_status st;
  int64_t ts = row[a->w.time_col].u.i, hi = win_sat_add(ts, a->w.gap);
  const job_source *src =
      pos->source < (uint32_t)a->base.job->nsources ? &a->base.job->sources[pos->source] : NULL;
  bool upd = keep > 0 && src && src->late == LATE_UPDATE && src->allowed_lateness > 0;
  int64_t lateness = upd ? src->allowed_lateness : 0;
  a->key.len = 0;
  state_key_pack(row, a->keys, types, a->nkeys, &a->key);
  uint64_t h = state_hash(a->key.data, a->key.len);
  state_entry *en = state_map_find(&a->sess, a->key.data, a->key.len, h);
  skey *k = en ? state_entry_val(en) : NULL;
  int first = -1, nover = 0;
  int64_t ms = ts, me = hi;
  for (int i = 0; k && i < k->n; i++) {
    shdr *s = sess_at(a, k, i);
    if (touches(s, ts, hi, upd)) {
      if (first < 0) first = i;
      nover++;
      if (s->start < ms) ms = s->start;
      if (s->end > me) me = s->end;
    }
  }
  /* late: the session the row forms has closed already; with 'update' within the lateness it
   * is corrected (or emitted) at once, else the row goes to job_late */
  bool closed = win_fired(me, a->wm);
  if (closed && !(upd && win_sat_add(me - 1, lateness) > a->wm))
    return session_late(a, row, pos, ts, e);
  if (!en) {
    bool created;
    if (!(en = state_map_upsert(&a->sess, a->key.data, a->key.len, h, &created))) return full(a, e);
    k = state_entry_val(en);
  }
  const void *key = state_entry_key(en, &a->sess);
  shdr *s;
  if (!nover) { /* a new session, kept in start order */
    if (k->n == k->cap && !grow(a, k)) return full(a, e);
    int at = 0;
    while (at < k->n && sess_at(a, k, at)->start < ts) at++;
    memmove(k->sess + stride(a) * (size_t)(at + 1), k->sess + stride(a) * (size_t)at,
            stride(a) * (size_t)(k->n - at));
    k->n++;
    s = sess_at(a, k, at);
    memset(s, 0, sizeof *s);
    s->pos = *pos;
    agg_init(a->aggs, sess_acc(s));
  } else {
    /* merge every other touched session into the first: one of the results already out
     * (the first's, else the earliest) is carried on and updated later; the others are
     * retracted (-D) now */
    s = sess_at(a, k, first);
    for (int i = k->n - 1; i > first; i--) {
      shdr *o = sess_at(a, k, i);
      if (!touches(o, ts, hi, upd)) continue;
      if ((st = agg_merge(a->aggs, sess_acc(s), sess_acc(o), e))) return st;
      if (o->prev && !s->prev) {
        s->prev = o->prev, s->pstart = o->pstart, s->pend = o->pend;
        o->prev = NULL;
      } else if (o->prev && (st = wagg_out_kept(a, key, en->klen, o->prev, o->pstart, o->pend,
                                                RK_DELETE, &o->pos, e))) {
        return st;
      }
      sess_release(a, o);
      remove_at(a, k, i);
    }
  }
  s->start = ms;
  s->end = me;
  s->dirty = 1;
  s->fired = 0;
  st = kind == RK_UPDATE_BEFORE || kind == RK_DELETE ? agg_retract(a->aggs, sess_acc(s), row, e)
                                                     : agg_add(a->aggs, sess_acc(s), row, e);
  if (st) return st;
  if (closed) { /* a late update: the corrected (or first) result now */
    if ((st = sess_emit(a, key, en->klen, s, true, e))) return st;
    s->fired = 1;
    job_late_updated(a->base.job, pos);
  }
  int64_t d = due(s, keep);
  if ((k->nheap == 0 || d < k->registered) && !heap_push(a, d, en)) return full(a, e);
  return SL_OK;
}

sl_status wagg_session_push(wagg_op *a, const sl_batch *b, sl_error *e) {
  int64_t keep = win_keep_lateness(a->base.job);
  sl_status st;
  for (int r = 0; r < b->nrows; r++) {
    const sl_value *row = batch_row(b, r);
    st = row[a->w.time_col].null ? win_reject_null_time(&a->base, a->w.time_col, row, &b->pos[r], e)
                                 : push_row(a, row, &b->pos[r], b->kind[r], keep, e);
    if (st) return st;
  }
  return wagg_flush(a, e); /* late corrections and retractions; keys stay in the map */
}

/* ---- firing ---- */

sl_status wagg_session_advance(wagg_op *a, int64_t wm, sl_error *e) {
  a->wm = wm;
  int64_t keep = win_keep_lateness(a->base.job);
  bool track = keep > 0 || a->emit.early_fire_ms > 0;
  state_entry **gone = NULL;
  size_t ngone = 0, capgone = 0;
  sl_status st = SL_OK;
  while (!st && a->nheap && win_fired(a->heap[0].end, wm)) {
    sess_timer t = heap_pop(a);
    skey *k = state_entry_val(t.en);
    k->nheap--;
    const void *key = state_entry_key(t.en, &a->sess);
    for (int i = 0; !st && i < k->n;) {
      shdr *s = sess_at(a, k, i);
      if (!s->fired && win_fired(s->end, wm)) {
        st = track ? sess_emit(a, key, t.en->klen, s, keep > 0, e)
                   : wagg_out_row(a, key, t.en->klen, sess_acc(s), NULL, s->start, s->end,
                                  RK_INSERT, &s->pos, e);
        s->fired = 1;
      }
      if (!st && s->fired && win_fired(win_sat_add(s->end, keep), wm)) {
        sess_release(a, s); /* results are in the batch already */
        remove_at(a, k, i);
      } else {
        i++;
      }
    }
    if (st) break;
    if (k->n == 0 && k->nheap == 0) {
      if (ngone == capgone) gone = xrealloc(gone, sizeof *gone * (capgone = capgone * 2 + 16));
      gone[ngone++] = t.en;
    } else if (k->n > 0 && (k->nheap == 0 || k->registered <= t.end)) {
      /* the entry just popped was the one at `registered`: register the earliest due again */
      int64_t m = due(sess_at(a, k, 0), keep);
      for (int i = 1; i < k->n; i++)
        if (due(sess_at(a, k, i), keep) < m) m = due(sess_at(a, k, i), keep);
      if (!heap_push(a, m, t.en)) st = full(a, e);
    }
  }
  if (!st) st = wagg_flush(a, e); /* keys point into the entries removed below */
  for (size_t i = 0; i < ngone; i++) {
    skey *k = state_entry_val(gone[i]);
    state_free(&a->base.mem, k->sess, stride(a) * (size_t)k->cap);
    state_map_remove(&a->sess, gone[i]);
  }
  free(gone);
  return st;
}

sl_status wagg_session_early_fire(wagg_op *a, sl_error *e) {
  sl_status st = SL_OK;
  size_t it = 0;
  for (state_entry *en; !st && (en = state_map_next(&a->sess, &it));) {
    skey *k = state_entry_val(en);
    const void *key = state_entry_key(en, &a->sess);
    for (int i = 0; !st && i < k->n; i++) {
      shdr *s = sess_at(a, k, i);
      if (!s->fired && s->dirty) st = sess_emit(a, key, en->klen, s, true, e);
    }
  }
  if (!st) st = wagg_flush(a, e);
  return st;
}

void wagg_session_free(wagg_op *a) {
  size_t it = 0;
  for (state_entry *en; (en = state_map_next(&a->sess, &it));) {
    skey *k = state_entry_val(en);
    for (int i = 0; i < k->n; i++) sess_release(a, sess_at(a, k, i));
    state_free(&a->base.mem, k->sess, stride(a) * (size_t)k->cap);
  }
  state_map_free(&a->sess);
  state_free(&a->base.mem, a->heap, sizeof(sess_timer) * a->heapcap);
  a->heap = NULL;
  a->nheap = a->heapcap = 0;
}

/* ---- snapshot: per key its sessions (with what each has emitted); the heap is rebuilt ---- */

void wagg_session_snapshot(wagg_op *a, sl_buf *out) {
  state_put_u64(out, a->sess.n);
  sl_buf acc = {0};
  size_t it = 0;
  for (state_entry *en; (en = state_map_next(&a->sess, &it));) {
    skey *k = state_entry_val(en);
    state_put_bytes(out, state_entry_key(en, &a->sess), en->klen);
    state_put_u64(out, (uint64_t)k->n);
    for (int i = 0; i < k->n; i++) {
      shdr *s = sess_at(a, k, i);
      state_put_i64(out, s->start);
      state_put_i64(out, s->end);
      state_put_u64(out, s->pos.source);
      state_put_u64(out, s->pos.file);
      state_put_u64(out, s->pos.line);
      state_put_u64(out, (uint64_t)(s->fired | s->dirty << 1 | (s->prev != NULL) << 2));
      if (s->prev) {
        state_put_i64(out, s->pstart);
        state_put_i64(out, s->pend);
        state_put_row(out, s->prev, res_types(a), a->naggs);
      }
      acc.len = 0;
      agg_snapshot(a->aggs, sess_acc(s), &acc);
      state_put_bytes(out, acc.data, acc.len);
    }
  }
  buf_free(&acc);
}

bool wagg_session_restore(wagg_op *a, state_reader *r) {
  int64_t keep = win_keep_lateness(a->base.job);
  uint64_t nkeys = state_get_u64(r);
  sl_value tmp[64], *res = a->naggs <= 64 ? tmp : xmalloc(sizeof(sl_value) * (size_t)a->naggs);
  bool ok = true;
  for (uint64_t i = 0; i < nkeys && ok && !r->bad; i++) {
    size_t klen;
    const void *key = state_get_bytes(r, &klen);
    uint64_t n = state_get_u64(r);
    if (!key || r->bad || n == 0 || n > (uint64_t)(r->end - r->p)) {
      ok = false;
      break;
    }
    bool created;
    state_entry *en = state_map_upsert(&a->sess, key, klen, state_hash(key, klen), &created);
    if (!en || !created) {
      ok = false;
      break;
    }
    skey *k = state_entry_val(en);
    int64_t m = INT64_MAX;
    for (uint64_t j = 0; j < n && ok && !r->bad; j++) {
      if (k->n == k->cap && !grow(a, k)) {
        ok = false;
        break;
      }
      shdr *s = sess_at(a, k, k->n);
      memset(s, 0, sizeof *s);
      agg_init(a->aggs, sess_acc(s));
      k->n++;
      s->start = state_get_i64(r);
      s->end = state_get_i64(r);
      s->pos.source = (uint32_t)state_get_u64(r);
      s->pos.file = (uint32_t)state_get_u64(r);
      s->pos.line = state_get_u64(r);
      uint64_t flags = state_get_u64(r);
      s->fired = (int32_t)(flags & 1);
      s->dirty = (int32_t)(flags >> 1 & 1);
      if (flags & 4) {
        s->pstart = state_get_i64(r);
        s->pend = state_get_i64(r);
        if (!state_get_row(r, res, res_types(a), a->naggs) ||
            !(s->prev = state_keep_row_alloc(&a->base.mem, res, res_types(a), a->naggs))) {
          ok = false;
          break;
        }
      }
      size_t alen;
      const void *ap = state_get_bytes(r, &alen);
      if (!ap) {
        ok = false;
        break;
      }
      state_reader sub = {ap, (const uint8_t *)ap + alen, false, r->strings};
      if (!agg_restore(a->aggs, sess_acc(s), &sub)) ok = false;
      if (due(s, keep) < m) m = due(s, keep);
    }
    if (ok && !r->bad && !heap_push(a, m, en)) ok = false;
  }
  if (res != tmp) free(res);
  if (!ok) r->bad = true;
  return !r->bad;
}
