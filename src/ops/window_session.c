/* window_session.c - SESSION windows of the window aggregation: per key its open sessions
 * [first row, last row + gap), each with one accumulator. A row opens a session or joins every
 * session it touches (as Flink's TimeWindow.intersects: rows at most `gap` apart merge, and a
 * row may bridge two sessions, whose accumulators are then merged). A session fires when the
 * watermark reaches its end - 1; a min-heap of (end, key) finds those without scanning every
 * key (an entry made stale by a merge is skipped when it comes up). A row whose session would
 * already have fired is late (job_late). Sessions are freed as they fire; 'allowed-lateness'
 * does not keep them (late session rows are dead-lettered or dropped, never updated).
 * Must not touch: slices (window_agg.c). */
#include <stdlib.h>
#include <string.h>

#include "../format/format.h"
#include "window_agg_int.h"

typedef struct skey {
  int32_t n, cap; /* sessions, by start */
  int32_t nheap;  /* heap entries that point at this key's entry */
  int32_t pad;
  int64_t registered; /* the smallest end among them */
  char *sess;         /* cap * stride bytes: shdr then the accumulator */
} skey;

typedef struct shdr {
  int64_t start, end;
  sl_rowpos pos;
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

static sl_status full(wagg_op *a, sl_error *e) {
  return err_set(e, SL_ERUNTIME, "operator %d (%s) reached its state memory limit of %zu bytes",
                 a->base.id, a->base.vt->kind, a->base.mem.limit);
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
  if (k->nheap == 0 || end < k->registered) k->registered = end;
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

static sl_status session_late(wagg_op *a, const sl_value *row, const sl_rowpos *pos, int64_t ts,
                              sl_error *e) {
  return wagg_late(a, row, pos, ts, win_sat_add(ts, a->w.gap), e);
}

sl_status wagg_session_push(wagg_op *a, const sl_batch *b, sl_error *e) {
  const sl_type *types = a->base.in[0]->types;
  sl_status st;
  for (int r = 0; r < b->nrows; r++) {
    const sl_value *row = batch_row(b, r);
    const sl_value *tv = &row[a->w.time_col];
    if (tv->null) {
      const sl_op *in = a->base.in[0];
      sl_buf j = {0};
      fmt_row_json(in->cols, in->types, in->ncols, row, &j);
      st = job_reject(a->base.job, &b->pos[r], "window", "the window time column is NULL", j.data,
                      j.len, e);
      buf_free(&j);
      if (st) return st;
      continue;
    }
    int64_t ts = tv->u.i, hi = win_sat_add(ts, a->w.gap);
    a->key.len = 0;
    state_key_pack(row, a->keys, types, a->nkeys, &a->key);
    uint64_t h = state_hash(a->key.data, a->key.len);
    state_entry *en = state_map_find(&a->sess, a->key.data, a->key.len, h);
    skey *k = en ? state_entry_val(en) : NULL;
    int first = -1, nover = 0;
    int64_t ms = ts, me = hi;
    for (int i = 0; k && i < k->n; i++) {
      shdr *s = sess_at(a, k, i);
      if (s->start <= hi && ts <= s->end) {
        if (first < 0) first = i;
        nover++;
        if (s->start < ms) ms = s->start;
        if (s->end > me) me = s->end;
      }
    }
    if (!nover && win_fired(hi, a->wm)) {
      if ((st = session_late(a, row, &b->pos[r], ts, e))) return st;
      continue;
    }
    if (!en) {
      bool created;
      if (!(en = state_map_upsert(&a->sess, a->key.data, a->key.len, h, &created)))
        return full(a, e);
      k = state_entry_val(en);
    }
    shdr *s;
    if (!nover) { /* a new session, kept in start order */
      if (k->n == k->cap && !grow(a, k)) return full(a, e);
      int at = 0;
      while (at < k->n && sess_at(a, k, at)->start < ts) at++;
      memmove(k->sess + stride(a) * (size_t)(at + 1), k->sess + stride(a) * (size_t)at,
              stride(a) * (size_t)(k->n - at));
      k->n++;
      s = sess_at(a, k, at);
      s->pos = b->pos[r];
      agg_init(a->aggs, sess_acc(s));
    } else {
      s = sess_at(a, k, first);
      for (int m = 1; m < nover; m++) { /* the others overlapping follow `first` in order */
        shdr *o = sess_at(a, k, first + 1);
        if ((st = agg_merge(a->aggs, sess_acc(s), sess_acc(o), e))) return st;
        agg_release(a->aggs, sess_acc(o));
        remove_at(a, k, first + 1);
      }
    }
    bool moved = !nover || me != s->end;
    s->start = ms;
    s->end = me;
    int kind = b->kind[r];
    st = kind == RK_UPDATE_BEFORE || kind == RK_DELETE ? agg_retract(a->aggs, sess_acc(s), row, e)
                                                       : agg_add(a->aggs, sess_acc(s), row, e);
    if (st) return st;
    if (moved && (k->nheap == 0 || me < k->registered) && !heap_push(a, me, en)) return full(a, e);
  }
  return SL_OK;
}

/* ---- firing ---- */

sl_status wagg_session_advance(wagg_op *a, int64_t wm, sl_error *e) {
  a->wm = wm;
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
      if (!win_fired(s->end, wm)) {
        i++;
        continue;
      }
      st = wagg_out_row(a, key, t.en->klen, sess_acc(s), NULL, s->start, s->end, RK_INSERT, &s->pos,
                        e);
      agg_release(a->aggs, sess_acc(s)); /* results are in the batch already */
      remove_at(a, k, i);
    }
    if (st) break;
    if (k->n == 0 && k->nheap == 0) {
      if (ngone == capgone) gone = xrealloc(gone, sizeof *gone * (capgone = capgone * 2 + 16));
      gone[ngone++] = t.en;
    } else if (k->n > 0 && (k->nheap == 0 || k->registered <= t.end)) {
      int64_t m = sess_at(a, k, 0)->end;
      for (int i = 1; i < k->n; i++)
        if (sess_at(a, k, i)->end < m) m = sess_at(a, k, i)->end;
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

void wagg_session_free(wagg_op *a) {
  size_t it = 0;
  for (state_entry *en; (en = state_map_next(&a->sess, &it));) {
    skey *k = state_entry_val(en);
    for (int i = 0; i < k->n; i++) agg_release(a->aggs, sess_acc(sess_at(a, k, i)));
    state_free(&a->base.mem, k->sess, stride(a) * (size_t)k->cap);
  }
  state_map_free(&a->sess);
  state_free(&a->base.mem, a->heap, sizeof(sess_timer) * a->heapcap);
  a->heap = NULL;
  a->nheap = a->heapcap = 0;
}

/* ---- snapshot: per key its sessions; the heap is rebuilt from them ---- */

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
      acc.len = 0;
      agg_snapshot(a->aggs, sess_acc(s), &acc);
      state_put_bytes(out, acc.data, acc.len);
    }
  }
  buf_free(&acc);
}

bool wagg_session_restore(wagg_op *a, state_reader *r) {
  uint64_t nkeys = state_get_u64(r);
  for (uint64_t i = 0; i < nkeys && !r->bad; i++) {
    size_t klen;
    const void *key = state_get_bytes(r, &klen);
    uint64_t n = state_get_u64(r);
    if (!key || r->bad || n == 0 || n > (uint64_t)(r->end - r->p)) return false;
    bool created;
    state_entry *en = state_map_upsert(&a->sess, key, klen, state_hash(key, klen), &created);
    if (!en || !created) return false;
    skey *k = state_entry_val(en);
    int64_t m = INT64_MAX;
    for (uint64_t j = 0; j < n && !r->bad; j++) {
      if (k->n == k->cap && !grow(a, k)) return false;
      shdr *s = sess_at(a, k, k->n);
      s->start = state_get_i64(r);
      s->end = state_get_i64(r);
      s->pos.source = (uint32_t)state_get_u64(r);
      s->pos.file = (uint32_t)state_get_u64(r);
      s->pos.line = state_get_u64(r);
      size_t alen;
      const void *ap = state_get_bytes(r, &alen);
      if (!ap) return false;
      agg_init(a->aggs, sess_acc(s));
      k->n++;
      state_reader sub = {ap, (const uint8_t *)ap + alen, false, r->strings};
      if (!agg_restore(a->aggs, sess_acc(s), &sub)) return false;
      if (s->end < m) m = s->end;
    }
    if (!r->bad && !heap_push(a, m, en)) return false;
  }
  return !r->bad;
}
