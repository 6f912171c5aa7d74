/* over.c - OVER aggregation on event time (Flink's RowTime{Range,Rows}{Bounded,Unbounded}
 * PrecedingFunction): rows wait in one queue ordered by (time, arrival) until the watermark
 * passes their time, then come out in that order with the aggregates over their frame. Each
 * partition keeps one accumulator block and the rows a future frame still needs (RANGE: those
 * within `preceding` of the next possible time, dropped by a cleanup event in the same queue;
 * ROWS: the last `preceding`); a row leaving the frame is retracted, so a row costs O(1)
 * accumulator updates. UNBOUNDED PRECEDING keeps no rows at all. Rows at or behind the
 * watermark are late (job_late). Optional state TTL (processing time): a loop timer forgets
 * partitions untouched that long. Snapshot/restore: "Over", version 2 (1: no expired count).
 * Must not touch: input batches beyond push (rows are copied into op->mem); output strings are
 * copied into the output batch. */
#include <stdlib.h>
#include <string.h>

#include "../format/format.h"
#include "ops.h"

typedef struct over_row {
  sl_value *row;
  int64_t ts;
} over_row;

/* One partition: accumulators and the frame's rows (a ring in time order), in one allocation
 * followed by the accumulator block and the packed partition key. */
typedef struct over_part {
  int64_t mark;    /* RANGE: the time whose rows were added last */
  int64_t cleanup; /* RANGE: the time of the last cleanup event queued */
  uint64_t refs;   /* queue events that point here */
  int64_t touched; /* state TTL: when a row of this partition last arrived */
  over_row *q;
  uint32_t head, n, cap, klen;
  size_t size; /* of this allocation */
} over_part;

/* A queued event: a row waiting for the watermark, or (row NULL) a cleanup of a RANGE frame. */
typedef struct over_ev {
  int64_t ts;
  uint64_t seq;
  over_part *part;
  sl_value *row;
  sl_rowpos pos;
} over_ev;

typedef struct over_op {
  sl_op base;
  int *part, npart;
  int time_col, frame;
  int64_t preceding; /* -1: UNBOUNDED */
  agg_spec *aggs;
  int naggs;
  agg_set *set;
  size_t acc_off, acc_size;
  int in_ncols;
  const sl_type *in_types;
  state_map parts; /* packed partition key -> over_part * */
  over_ev *heap;   /* min-heap on (ts, seq) */
  size_t nheap, capheap;
  uint64_t seq;
  sl_batch out;
  sl_buf key;
  sl_value *res;
  over_ev *group; /* the events of one time, while they are processed */
  size_t capgroup;
  int64_t ttl_ms, now;     /* state TTL (0: none); now: this push's clock */
  uint64_t timer, expired; /* the TTL sweep's loop timer; partitions it forgot */
} over_op;

static sl_status no_memory(over_op *o, sl_error *e) {
  return op_state_full(&o->base, e);
}

static void *acc_of(over_op *o, over_part *p) { return (char *)p + o->acc_off; }
static const void *key_of(over_op *o, const over_part *p) {
  return (const char *)p + o->acc_off + o->acc_size;
}

/* ---- the event queue ---- */

static bool ev_less(const over_ev *a, const over_ev *b) {
  return a->ts < b->ts || (a->ts == b->ts && a->seq < b->seq);
}

static bool heap_push(over_op *o, over_ev ev) {
  if (o->nheap == o->capheap) {
    size_t cap = o->capheap ? o->capheap * 2 : 64;
    over_ev *h = state_malloc(&o->base.mem, sizeof(over_ev) * cap);
    if (!h) return false;
    if (o->nheap) memcpy(h, o->heap, sizeof(over_ev) * o->nheap);
    if (o->heap) state_free(&o->base.mem, o->heap, sizeof(over_ev) * o->capheap);
    o->heap = h;
    o->capheap = cap;
  }
  size_t i = o->nheap++;
  while (i > 0) {
    size_t up = (i - 1) / 2;
    if (!ev_less(&ev, &o->heap[up])) break;
    o->heap[i] = o->heap[up];
    i = up;
  }
  o->heap[i] = ev;
  ev.part->refs++;
  return true;
}

static over_ev heap_pop(over_op *o) {
  over_ev top = o->heap[0], last = o->heap[--o->nheap];
  size_t i = 0, n = o->nheap;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && ev_less(&o->heap[c + 1], &o->heap[c])) c++;
    if (!ev_less(&o->heap[c], &last)) break;
    o->heap[i] = o->heap[c];
    i = c;
  }
  if (n) o->heap[i] = last;
  top.part->refs--;
  return top;
}

/* ---- partitions ---- */

static over_part *part_get(over_op *o, const sl_value *row, sl_error *e, sl_status *st) {
  o->key.len = 0;
  state_key_pack(row, o->part, o->in_types, o->npart, &o->key);
  uint64_t h = state_hash(o->key.data, o->key.len);
  bool created;
  state_entry *en = state_map_upsert(&o->parts, o->key.data, o->key.len, h, &created);
  if (!en) {
    *st = no_memory(o, e);
    return NULL;
  }
  if (!created) {
    over_part *p = *(over_part **)state_entry_val(en);
    p->touched = o->now;
    return p;
  }
  size_t size = o->acc_off + o->acc_size + o->key.len;
  over_part *p = state_malloc(&o->base.mem, size);
  if (!p) {
    state_map_remove(&o->parts, en);
    *st = no_memory(o, e);
    return NULL;
  }
  memset(p, 0, o->acc_off);
  p->mark = p->cleanup = INT64_MIN;
  p->touched = o->now;
  p->size = size;
  p->klen = (uint32_t)o->key.len;
  agg_init(o->set, acc_of(o, p));
  memcpy((char *)key_of(o, p), o->key.data, o->key.len);
  *(over_part **)state_entry_val(en) = p;
  return p;
}

static void part_free(over_op *o, over_part *p, bool unmap) {
  if (unmap) {
    const void *k = key_of(o, p);
    state_entry *en = state_map_find(&o->parts, k, p->klen, state_hash(k, p->klen));
    if (en) state_map_remove(&o->parts, en);
  }
  for (uint32_t i = 0; i < p->n; i++)
    state_free_row(&o->base.mem, p->q[(p->head + i) % p->cap].row, o->in_types, o->in_ncols);
  if (p->q) state_free(&o->base.mem, p->q, sizeof(over_row) * p->cap);
  agg_release(o->set, acc_of(o, p));
  state_free(&o->base.mem, p, p->size);
}

/* A partition nothing refers to and that keeps no rows is freed (bounded frames only: an
 * UNBOUNDED accumulator is the whole history). */
static void part_maybe_free(over_op *o, over_part *p) {
  if (o->preceding >= 0 && p->refs == 0 && p->n == 0) part_free(o, p, true);
}

static bool q_push(over_op *o, over_part *p, sl_value *row, int64_t ts) {
  if (p->n == p->cap) {
    uint32_t cap = p->cap ? p->cap * 2 : 4;
    over_row *q = state_malloc(&o->base.mem, sizeof(over_row) * cap);
    if (!q) return false;
    for (uint32_t i = 0; i < p->n; i++) q[i] = p->q[(p->head + i) % p->cap];
    if (p->q) state_free(&o->base.mem, p->q, sizeof(over_row) * p->cap);
    p->q = q;
    p->cap = cap;
    p->head = 0;
  }
  p->q[(p->head + p->n) % p->cap] = (over_row){row, ts};
  p->n++;
  return true;
}

/* Retracts and frees the oldest row of the frame. */
static sl_status q_drop(over_op *o, over_part *p, sl_error *e) {
  over_row r = p->q[p->head];
  p->head = (p->head + 1) % p->cap;
  p->n--;
  sl_status st = agg_retract(o->set, acc_of(o, p), r.row, e);
  state_free_row(&o->base.mem, r.row, o->in_types, o->in_ncols);
  return st;
}

/* RANGE: every row older than `bound` leaves the frame. */
static sl_status range_drop(over_op *o, over_part *p, int64_t bound, sl_error *e) {
  sl_status st = SL_OK;
  while (!st && p->n && p->q[p->head].ts < bound) st = q_drop(o, p, e);
  return st;
}

/* ---- output ---- */

static sl_status put(over_op *o, over_part *p, const over_ev *ev, sl_error *e) {
  sl_batch *b = &o->out;
  sl_value *dst = batch_row(b, b->nrows);
  for (int c = 0; c < o->in_ncols; c++) {
    dst[c] = ev->row[c];
    if (!dst[c].null && o->in_types[c].id == T_STRING && dst[c].len)
      dst[c].u.s = arena_strndup(&b->arena, dst[c].u.s, dst[c].len);
  }
  agg_result(o->set, acc_of(o, p), dst + o->in_ncols, &b->arena);
  b->kind[b->nrows] = RK_INSERT;
  b->pos[b->nrows] = ev->pos;
  if (++b->nrows < b->cap) return SL_OK;
  sl_status st = op_emit(&o->base, b, e);
  batch_clear(b);
  return st;
}

/* A row whose frame is complete: added (kept when a later frame needs it) and emitted. */
static sl_status emit_rows(over_op *o, over_ev *ev, size_t n, sl_error *e) {
  sl_status st = SL_OK;
  if (o->frame == OVER_ROWS) {
    for (size_t i = 0; i < n && !st; i++) {
      over_part *p = ev[i].part;
      st = agg_add(o->set, acc_of(o, p), ev[i].row, e);
      if (!st) st = put(o, p, &ev[i], e);
      if (st) break;
      if (o->preceding < 0) {
        state_free_row(&o->base.mem, ev[i].row, o->in_types, o->in_ncols);
      } else {
        if (!q_push(o, p, ev[i].row, ev[i].ts)) return no_memory(o, e);
        while (!st && p->n > (uint64_t)o->preceding) st = q_drop(o, p, e);
      }
      ev[i].row = NULL;
    }
    return st;
  }
  /* RANGE: rows of one time share the frame: first add them all, then emit them all */
  for (size_t i = 0; i < n && !st; i++) {
    over_part *p = ev[i].part;
    if (p->mark != ev[i].ts && o->preceding >= 0) st = range_drop(o, p, ev[i].ts - o->preceding, e);
    p->mark = ev[i].ts;
    if (!st) st = agg_add(o->set, acc_of(o, p), ev[i].row, e);
  }
  for (size_t i = 0; i < n && !st; i++) st = put(o, ev[i].part, &ev[i], e);
  for (size_t i = 0; i < n && !st; i++) {
    over_part *p = ev[i].part;
    if (o->preceding < 0) {
      state_free_row(&o->base.mem, ev[i].row, o->in_types, o->in_ncols);
    } else {
      if (!q_push(o, p, ev[i].row, ev[i].ts)) return no_memory(o, e);
      /* the rows of this time are needed until a frame starts after it: one cleanup event */
      if (ev[i].ts <= INT64_MAX - o->preceding - 1) {
        int64_t at = ev[i].ts + o->preceding + 1;
        if (p->cleanup != at) {
          p->cleanup = at;
          if (!heap_push(o, (over_ev){at, o->seq++, p, NULL, {0, 0, 0}})) return no_memory(o, e);
        }
      }
    }
    ev[i].row = NULL;
  }
  return st;
}

/* Emits every row with time <= wm, in (time, arrival) order. */
static sl_status advance(over_op *o, int64_t wm, sl_error *e) {
  sl_status st = SL_OK;
  while (!st && o->nheap && o->heap[0].ts <= wm) {
    int64_t t = o->heap[0].ts;
    size_t n = 0;
    while (o->nheap && o->heap[0].ts == t) {
      over_ev ev = heap_pop(o);
      if (!ev.row) { /* cleanup: rows older than a frame starting after t - preceding - 1 */
        st = range_drop(o, ev.part, t - o->preceding, e);
        if (st) return st;
        part_maybe_free(o, ev.part);
        continue;
      }
      if (n == o->capgroup) {
        o->capgroup = o->capgroup ? o->capgroup * 2 : 64;
        o->group = xrealloc(o->group, sizeof(over_ev) * o->capgroup);
      }
      ev.part->refs++; /* held by the group until it is emitted */
      o->group[n++] = ev;
    }
    st = emit_rows(o, o->group, n, e);
    for (size_t i = 0; i < n; i++) {
      over_part *p = o->group[i].part;
      if (o->group[i].row) /* not consumed after an error */
        state_free_row(&o->base.mem, o->group[i].row, o->in_types, o->in_ncols);
      if (--p->refs == 0) part_maybe_free(o, p); /* the last of its events in the group */
    }
  }
  if (st) return st;
  if (o->nheap == 0 && o->heap) { /* nothing waits: the queue's memory goes back too */
    state_free(&o->base.mem, o->heap, sizeof(over_ev) * o->capheap);
    o->heap = NULL;
    o->capheap = 0;
  }
  st = op_emit(&o->base, &o->out, e);
  batch_clear(&o->out);
  return st;
}

static sl_status late(over_op *o, const sl_value *row, const sl_rowpos *pos, sl_error *e) {
  sl_type t = o->in_types[o->time_col];
  sl_buf ts = {0}, wm = {0}, json = {0};
  sl_value w = value_int(o->base.wm);
  value_print(&row[o->time_col], t, &ts);
  value_print(&w, t, &wm);
  char reason[256];
  snprintf(reason, sizeof reason, "late: behind watermark %s (OVER row time %s)", buf_cstr(&wm),
           buf_cstr(&ts));
  fmt_row_json(o->base.cols, o->in_types, o->in_ncols, row, &json);
  sl_status st = job_late(o->base.job, pos, reason, json.data ? json.data : "", json.len, e);
  buf_free(&ts);
  buf_free(&wm);
  buf_free(&json);
  return st;
}

static sl_status over_push(sl_op *op, int port, const sl_batch *b, sl_error *e) {
  over_op *o = (over_op *)op;
  sl_status st = SL_OK;
  if (o->ttl_ms > 0) o->now = loop_now_ms();
  for (int r = 0; r < b->nrows && !st; r++) {
    const sl_value *row = batch_row(b, r);
    const sl_value *tv = &row[o->time_col];
    if (tv->null) {
      sl_buf json = {0};
      fmt_row_json(op->cols, o->in_types, o->in_ncols, row, &json);
      st = job_reject(op->job, &b->pos[r], "over", "the OVER time attribute is NULL",
                      json.data ? json.data : "", json.len, e);
      buf_free(&json);
      continue;
    }
    if (op->wm != WM_NONE && tv->u.i <= op->wm) {
      st = late(o, row, &b->pos[r], e);
      continue;
    }
    over_part *p = part_get(o, row, e, &st);
    if (!p) return st;
    sl_value *kept = state_keep_row_alloc(&op->mem, row, o->in_types, o->in_ncols);
    if (!kept || !heap_push(o, (over_ev){tv->u.i, o->seq++, p, kept, b->pos[r]})) {
      if (kept) state_free_row(&op->mem, kept, o->in_types, o->in_ncols);
      part_maybe_free(o, p);
      return no_memory(o, e);
    }
  }
  return st;
}

static sl_status over_signal(sl_op *op, int port, const sl_signal *sig, sl_error *e) {
  if (sig->kind == SIG_WATERMARK) {
    int64_t wm = op_next_watermark(op, port, sig->ts);
    if (wm > op->wm && wm != WM_NONE) {
      sl_status st = advance((over_op *)op, wm, e);
      if (st) return st;
    }
  }
  return op_signal_default(op, port, sig, e);
}

/* Every input has ended: what still waits comes out (normally the +infinity watermark has
 * already released it). */
static sl_status over_finish(sl_op *op, sl_error *e) {
  return advance((over_op *)op, WM_INFINITY, e);
}

static void over_describe(const sl_op *op, sl_buf *out) {
  const over_op *o = (const over_op *)op;
  buf_puts(out, "partition by ");
  for (int i = 0; i < o->npart; i++) buf_printf(out, "%s%s", i ? ", " : "", op->cols[o->part[i]]);
  buf_printf(out, " order by %s %s between ", op->cols[o->time_col],
             o->frame == OVER_ROWS ? "rows" : "range");
  if (o->preceding < 0)
    buf_puts(out, "unbounded");
  else
    buf_printf(out, "%lld%s", (long long)o->preceding, o->frame == OVER_ROWS ? "" : " ms");
  buf_puts(out, " preceding and current row: ");
  for (int i = 0; i < o->naggs; i++)
    buf_printf(out, "%s%s", i ? ", " : "", op->cols[o->in_ncols + i]);
  if (o->ttl_ms > 0)
    buf_printf(out, "; state ttl %lld ms, %llu partitions expired", (long long)o->ttl_ms,
               (unsigned long long)o->expired);
}

/* State TTL (loop timer): a partition no row has reached for ttl_ms and that no queued event
 * refers to is forgotten with its accumulators and frame rows (as Flink: a key seen again
 * starts afresh, so its aggregates then cover only the new rows). A partition with a queued
 * event (a row waiting, a RANGE cleanup) waits for the watermark to release it. */
static void ttl_sweep(sl_loop *l, uint64_t id, void *arg) {
  over_op *o = arg;
  int64_t now = loop_now_ms();
  size_t it = 0;
  state_entry *en;
  while ((en = state_map_next(&o->parts, &it))) {
    over_part *p = *(over_part **)state_entry_val(en);
    if (p->refs || now - p->touched < o->ttl_ms) continue;
    state_map_remove(&o->parts, en);
    part_free(o, p, false);
    o->expired++;
  }
}

static void over_free(sl_op *op) {
  over_op *o = (over_op *)op;
  if (o->timer && op->job && op->job->loop) loop_del_timer(op->job->loop, o->timer);
  if (o->set) {
    for (size_t i = 0; i < o->nheap; i++)
      if (o->heap[i].row) state_free_row(&op->mem, o->heap[i].row, o->in_types, o->in_ncols);
    size_t it = 0;
    state_entry *en;
    while ((en = state_map_next(&o->parts, &it)))
      part_free(o, *(over_part **)state_entry_val(en), false);
    state_map_free(&o->parts);
    agg_set_free(o->set);
  }
  if (o->heap) state_free(&op->mem, o->heap, sizeof(over_ev) * o->capheap);
  batch_free(&o->out);
  buf_free(&o->key);
  free(o->res);
  free(o->group);
  free(o->part);
  free(o->aggs);
  free(o);
}

/* ---- snapshot (version 2): sequence, watermark, partitions forgotten by the state TTL, the
 * partitions (key, mark, accumulators, frame rows), then
 * the queued events (time, sequence, partition key, row or none) ---- */

static sl_status over_snapshot(sl_op *op, sl_buf *out, sl_error *e) {
  over_op *o = (over_op *)op;
  state_put_header(out, "Over", 2);
  state_put_u64(out, o->seq);
  state_put_i64(out, op->wm);
  state_put_u64(out, o->expired);
  state_put_u64(out, o->parts.n);
  size_t it = 0;
  state_entry *en;
  while ((en = state_map_next(&o->parts, &it))) {
    over_part *p = *(over_part **)state_entry_val(en);
    state_put_bytes(out, key_of(o, p), p->klen);
    state_put_i64(out, p->mark);
    state_put_i64(out, p->cleanup);
    agg_snapshot(o->set, acc_of(o, p), out);
    state_put_u64(out, p->n);
    for (uint32_t i = 0; i < p->n; i++)
      state_put_row(out, p->q[(p->head + i) % p->cap].row, o->in_types, o->in_ncols);
  }
  state_put_u64(out, o->nheap);
  for (size_t i = 0; i < o->nheap; i++) {
    const over_ev *ev = &o->heap[i];
    state_put_i64(out, ev->ts);
    state_put_u64(out, ev->seq);
    state_put_bytes(out, key_of(o, ev->part), ev->part->klen);
    state_put_u64(out, ev->row != NULL);
    if (!ev->row) continue;
    state_put_u64(out, ev->pos.source);
    state_put_u64(out, ev->pos.file);
    state_put_u64(out, ev->pos.line);
    state_put_row(out, ev->row, o->in_types, o->in_ncols);
  }
  state_put_end(out);
  return SL_OK;
}

static over_part *find_part(over_op *o, const void *key, size_t klen) {
  state_entry *en = state_map_find(&o->parts, key, klen, state_hash(key, klen));
  return en ? *(over_part **)state_entry_val(en) : NULL;
}

static bool restore_body(over_op *o, state_reader *r, uint32_t version, sl_value *row) {
  sl_op *op = &o->base;
  o->seq = state_get_u64(r);
  op->wm = state_get_i64(r);
  for (int i = 0; i < op->nin; i++) op->ports[i].wm = op->wm;
  o->expired = version >= 2 ? state_get_u64(r) : 0;
  int64_t now = loop_now_ms(); /* restored partitions count as used now */
  uint64_t nparts = state_get_u64(r);
  for (uint64_t i = 0; i < nparts && !r->bad; i++) {
    size_t klen;
    const void *key = state_get_bytes(r, &klen);
    if (r->bad || find_part(o, key, klen)) return false;
    bool created;
    state_entry *en = state_map_upsert(&o->parts, key, klen, state_hash(key, klen), &created);
    size_t size = o->acc_off + o->acc_size + klen;
    over_part *p = en ? state_malloc(&op->mem, size) : NULL;
    if (!p) return false;
    memset(p, 0, o->acc_off);
    p->size = size;
    p->klen = (uint32_t)klen;
    p->touched = now;
    memcpy((char *)key_of(o, p), key, klen);
    *(over_part **)state_entry_val(en) = p;
    agg_init(o->set, acc_of(o, p));
    p->mark = state_get_i64(r);
    p->cleanup = state_get_i64(r);
    if (!agg_restore(o->set, acc_of(o, p), r)) return false;
    uint64_t n = state_get_u64(r);
    for (uint64_t k = 0; k < n && !r->bad; k++) {
      if (!state_get_row(r, row, o->in_types, o->in_ncols)) return false;
      sl_value *kept = state_keep_row_alloc(&op->mem, row, o->in_types, o->in_ncols);
      if (!kept || !q_push(o, p, kept, row[o->time_col].u.i)) return false;
    }
  }
  uint64_t nev = state_get_u64(r);
  for (uint64_t i = 0; i < nev && !r->bad; i++) {
    over_ev ev = {0};
    ev.ts = state_get_i64(r);
    ev.seq = state_get_u64(r);
    size_t klen;
    const void *key = state_get_bytes(r, &klen);
    if (r->bad || !(ev.part = find_part(o, key, klen))) return false;
    if (state_get_u64(r)) {
      ev.pos.source = (uint32_t)state_get_u64(r);
      ev.pos.file = (uint32_t)state_get_u64(r);
      ev.pos.line = state_get_u64(r);
      if (!state_get_row(r, row, o->in_types, o->in_ncols)) return false;
      ev.row = state_keep_row_alloc(&op->mem, row, o->in_types, o->in_ncols);
      if (!ev.row) return false;
    }
    if (!heap_push(o, ev)) return false;
  }
  return !r->bad && r->p == r->end;
}

static sl_status over_restore(sl_op *op, const void *p, size_t n, sl_error *e) {
  over_op *o = (over_op *)op;
  state_reader r = {0};
  uint32_t version;
  sl_arena strings;
  arena_init(&strings, 4096);
  bool ok = state_reader_open(&r, p, n, "Over", &version) && (version == 1 || version == 2) &&
            o->parts.n == 0;
  r.strings = &strings;
  sl_value *row = xcalloc((size_t)o->in_ncols + 1, sizeof(sl_value));
  if (ok) ok = restore_body(o, &r, version, row);
  free(row);
  arena_free(&strings);
  if (!ok)
    return err_set(e, SL_ERUNTIME, "Over: the state snapshot is malformed or of another plan");
  return SL_OK;
}

static const op_vt over_vt = {.kind = "Over",
                              .push = over_push,
                              .signal = over_signal,
                              .finish = over_finish,
                              .describe = over_describe,
                              .free = over_free,
                              .snapshot = over_snapshot,
                              .restore = over_restore,
                              .keeps = "the rows waiting for the watermark and the rows "
                                       "of each partition's frame"};

sl_op *op_over_new(sl_job *j, const int *part, int npart, int time_col, int frame,
                   int64_t preceding, const agg_spec *aggs, int naggs, int64_t ttl_ms, op_cols out,
                   sl_error *e) {
  int in_ncols = out.n - naggs;
  if (in_ncols < 1 || time_col < 0 || time_col >= in_ncols ||
      (frame != OVER_ROWS && frame != OVER_RANGE) || preceding < -1) {
    err_set(e, SL_EINTERNAL, "Over: bad arguments");
    return NULL;
  }
  over_op *o = xcalloc(1, sizeof *o);
  op_init(&o->base, &over_vt, j, "over");
  o->part = xmalloc(sizeof(int) * (size_t)(npart + 1));
  if (npart) memcpy(o->part, part, sizeof(int) * (size_t)npart);
  o->npart = npart;
  o->time_col = time_col;
  o->frame = frame;
  o->preceding = preceding;
  o->aggs = xmalloc(sizeof(agg_spec) * (size_t)(naggs + 1));
  if (naggs) memcpy(o->aggs, aggs, sizeof(agg_spec) * (size_t)naggs);
  o->naggs = naggs;
  o->in_ncols = in_ncols;
  o->in_types = out.types;
  o->base.ncols = out.n;
  o->base.cols = out.names;
  o->base.types = out.types;
  o->set = agg_set_new(o->aggs, naggs, &o->base.mem, preceding >= 0);
  if (!o->set) {
    over_free(&o->base);
    err_set(e, SL_EINTERNAL, "Over: cannot compile the aggregates");
    return NULL;
  }
  o->acc_off = (sizeof(over_part) + 7) & ~(size_t)7;
  o->acc_size = (agg_set_size(o->set) + 7) & ~(size_t)7;
  state_map_init(&o->parts, &o->base.mem, sizeof(over_part *));
  batch_init(&o->out, out.n, j->batch_rows);
  if (ttl_ms > 0 && j->loop) {
    o->ttl_ms = ttl_ms;
    int64_t every = ttl_ms / 2 < 1 ? 1 : ttl_ms / 2 > 60000 ? 60000 : ttl_ms / 2;
    o->timer = loop_add_timer(j->loop, every, every, ttl_sweep, o);
  }
  return &o->base;
}
