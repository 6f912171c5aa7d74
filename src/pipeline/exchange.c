/* exchange.c - rows crossing workers: the exchange's channels (bounded single-producer /
 * single-consumer rings of batches and signals), the sender that routes each row by the hash
 * of its key columns (or to worker 0) and hands full batches over, and the receiver that
 * pushes them downstream on its worker and gives the emptied batches back. See pipeline.h
 * ("parallel execution") for the semantics.
 * Must not touch: threads, waiting and waking (group.c), what the operators around it do. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "group_int.h"

/* ---- routing ---- */

static inline uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/* A hash of a value that is equal for equal values of the key's type. It differs from the
 * state maps' hash on purpose: the keys a worker receives must still spread over its map. */
static uint64_t value_hash(const sl_value *v, sl_type t) {
  if (v->null) return 0x51ed2701u;
  switch (t.id) {
  case T_STRING: {
    uint64_t h = 0xcbf29ce484222325ULL ^ v->len;
    const unsigned char *p = (const unsigned char *)v->u.s;
    size_t n = v->len, i = 0;
    for (; i + 8 <= n; i += 8) {
      uint64_t w;
      memcpy(&w, p + i, 8);
      h = mix64(h ^ w);
    }
    uint64_t w = 0;
    memcpy(&w, p + i, n - i);
    return mix64(h ^ w);
  }
  case T_FLOAT:
  case T_DOUBLE: {
    double d = v->u.d;
    if (d == 0) d = 0; /* -0.0 equals 0.0 */
    if (isnan(d)) d = NAN;
    uint64_t w;
    memcpy(&w, &d, 8);
    return mix64(w);
  }
  case T_DECIMAL: return mix64(v->u.dec.lo ^ mix64((uint64_t)v->u.dec.hi));
  default: return mix64((uint64_t)v->u.i);
  }
}

/* ---- the sender ---- */

typedef struct xsend {
  sl_op base;
  xchg *x;
  int w, n;
  xchg_mode mode;
  int *keys, nkeys, ncols;
  bool *is_str; /* per column: a string to copy into the handed-over batch */
  const sl_type *types;
  sl_batch **out; /* per worker: the batch being filled for it (NULL for w itself) */
  sl_batch local; /* rows for w itself: pushed straight on, strings not copied */
} xsend;

static sl_batch *take_batch(xsend *s, xchan *c) {
  if (c->fhead != __atomic_load_n(&c->ftail, __ATOMIC_ACQUIRE)) {
    sl_batch *b = c->free[c->fhead % XCHG_FREE];
    __atomic_store_n(&c->fhead, c->fhead + 1, __ATOMIC_RELEASE);
    return b;
  }
  sl_batch *b = xmalloc(sizeof *b);
  batch_init(b, s->ncols, s->base.job->batch_rows);
  return b;
}

/* Puts an item into worker d's channel, waiting for room (group.c) when it is full. */
static sl_status put(xsend *s, int d, xitem it, sl_error *e) {
  xchan *c = &s->x->ch[s->w * s->n + d];
  for (;;) {
    uint32_t head = __atomic_load_n(&c->head, __ATOMIC_ACQUIRE);
    if (c->tail - head < XCHG_SLOTS) break;
    bool dropped = false;
    sl_status st = job_group_wait_room(s->x->g, s->w, s->x->index, c, &dropped, e);
    if (st || dropped) {
      if (it.b) batch_free(it.b), free(it.b);
      return st;
    }
  }
  c->ring[c->tail % XCHG_SLOTS] = it;
  __atomic_store_n(&c->tail, c->tail + 1, __ATOMIC_SEQ_CST);
  sl_op *rx = s->x->rx[d];
  if (!__atomic_exchange_n(&rx->ready, true, __ATOMIC_SEQ_CST)) loop_wake(rx->job->loop);
  job_group_wake(s->x->g, d);
  return SL_OK;
}

static sl_status hand_over(xsend *s, int d, sl_error *e) {
  sl_batch *b = s->out[d];
  if (!b || b->nrows == 0) return SL_OK;
  s->out[d] = NULL;
  return put(s, d, (xitem){b, {0, 0, 0}}, e);
}

static sl_status flush_local(xsend *s, sl_error *e) {
  if (s->local.nrows == 0) return SL_OK;
  sl_status st = op_emit(s->x->rx[s->w], &s->local, e);
  batch_clear(&s->local);
  return st;
}

static sl_status xsend_push(sl_op *op, int port, const sl_batch *b, sl_error *e) {
  xsend *s = (xsend *)op;
  size_t rowbytes = sizeof(sl_value) * (size_t)s->ncols;
  int cap = op->job->batch_rows;
  sl_status st;
  for (int r = 0; r < b->nrows; r++) {
    const sl_value *row = batch_row(b, r);
    int d = 0;
    if (s->mode == XCHG_HASH) {
      uint64_t h = 0x9e3779b97f4a7c15ULL;
      for (int k = 0; k < s->nkeys; k++)
        h = mix64(h ^ value_hash(&row[s->keys[k]], s->types[s->keys[k]]));
      d = (int)(((h >> 32) * (uint64_t)s->n) >> 32);
    }
    if (d == s->w) {
      sl_batch *l = &s->local;
      memcpy(batch_row(l, l->nrows), row, rowbytes);
      l->pos[l->nrows] = b->pos[r];
      l->kind[l->nrows] = b->kind[r];
      if (++l->nrows == cap && (st = flush_local(s, e))) return st;
      continue;
    }
    if (!s->out[d]) s->out[d] = take_batch(s, &s->x->ch[s->w * s->n + d]);
    sl_batch *o = s->out[d];
    sl_value *dst = batch_row(o, o->nrows);
    memcpy(dst, row, rowbytes);
    for (int c = 0; c < s->ncols; c++)
      if (s->is_str[c] && !dst[c].null && dst[c].len) {
        char *p = arena_alloc(&o->arena, dst[c].len);
        memcpy(p, dst[c].u.s, dst[c].len);
        dst[c].u.s = p;
      }
    o->pos[o->nrows] = b->pos[r];
    o->kind[o->nrows] = b->kind[r];
    if (++o->nrows == cap && (st = hand_over(s, d, e))) return st;
  }
  return flush_local(s, e);
}

/* Every batch being filled goes out (before a signal, and when the worker goes idle, so a
 * row never waits in a half-full batch). */
static sl_status xsend_flush(sl_op *op, sl_error *e) {
  xsend *s = (xsend *)op;
  sl_status st = flush_local(s, e);
  for (int d = 0; d < s->n && !st; d++)
    if (d != s->w) st = hand_over(s, d, e);
  return st;
}

/* Signals go to every worker, behind the rows sent before them. */
static sl_status xsend_signal(sl_op *op, int port, const sl_signal *sig, sl_error *e) {
  xsend *s = (xsend *)op;
  op_port *pt = &op->ports[port];
  if (sig->kind == SIG_WATERMARK) {
    if (sig->ts <= pt->wm) return SL_OK; /* never backwards, never twice */
    pt->wm = sig->ts;
  }
  if (sig->kind == SIG_END) pt->ended = true;
  sl_status st = xsend_flush(op, e);
  for (int d = 0; d < s->n && !st; d++) {
    if (d == s->w) continue;
    st = put(s, d, (xitem){NULL, *sig}, e);
  }
  sl_op *rx = s->x->rx[s->w];
  if (!st) st = op_deliver(rx, s->w, sig, e);
  /* the last END may come this way: the executor must pump the receiver once more to see
   * that it has ended */
  if (rx->ended) __atomic_store_n(&rx->ready, true, __ATOMIC_SEQ_CST);
  if (sig->kind == SIG_END) op->ended = true;
  return st;
}

static void xsend_describe(const sl_op *op, sl_buf *out) {
  const xsend *s = (const xsend *)op;
  if (s->mode == XCHG_SINGLE) {
    buf_printf(out, "exchange #%d: every row to worker 0", s->x->index + 1);
    return;
  }
  buf_printf(out, "exchange #%d: by hash of", s->x->index + 1);
  for (int k = 0; k < s->nkeys; k++)
    buf_printf(out, "%s %s", k ? "," : "", op->in[0]->cols ? op->in[0]->cols[s->keys[k]] : "?");
  buf_printf(out, " over %d workers", s->n);
}

static void xsend_free(sl_op *op) {
  xsend *s = (xsend *)op;
  for (int d = 0; d < s->n; d++)
    if (s->out[d]) batch_free(s->out[d]), free(s->out[d]);
  free(s->out);
  batch_free(&s->local);
  free(s->keys);
  free(s->is_str);
  free(s);
}

static const op_vt xsend_vt = {.kind = "ExchangeSend",
                               .push = xsend_push,
                               .signal = xsend_signal,
                               .flush = xsend_flush,
                               .describe = xsend_describe,
                               .free = xsend_free};

sl_op *op_exchange_send_new(sl_job *j, xchg *x, int worker, xchg_mode mode, const int *keys,
                            int nkeys, const sl_op *in) {
  xsend *s = xcalloc(1, sizeof *s);
  op_init(&s->base, &xsend_vt, j, "exchange");
  s->x = x;
  s->w = worker;
  s->n = x->n;
  s->mode = mode;
  s->ncols = in->ncols;
  s->types = in->types;
  s->base.ncols = in->ncols;
  s->base.cols = in->cols;
  s->base.types = in->types;
  s->nkeys = mode == XCHG_HASH ? nkeys : 0;
  s->keys = xmalloc(sizeof(int) * (size_t)(s->nkeys + 1));
  if (s->nkeys) memcpy(s->keys, keys, sizeof(int) * (size_t)s->nkeys);
  s->is_str = xcalloc((size_t)(s->ncols + 1), sizeof(bool));
  for (int c = 0; c < s->ncols; c++) s->is_str[c] = in->types[c].id == T_STRING;
  s->out = xcalloc((size_t)s->n, sizeof(sl_batch *));
  batch_init(&s->local, s->ncols, j->batch_rows);
  return &s->base;
}

/* ---- the receiver ---- */

typedef struct xrecv {
  sl_op base;
  xchg *x;
  int w, n, rr;
} xrecv;

bool xchg_recv_pending(const sl_op *op) {
  const xrecv *r = (const xrecv *)op;
  for (int p = 0; p < r->n; p++) {
    if (p == r->w) continue;
    const xchan *c = &r->x->ch[p * r->n + r->w];
    if (c->head != __atomic_load_n(&c->tail, __ATOMIC_ACQUIRE)) return true;
  }
  return false;
}

int xchg_recv_index(const sl_op *op) { return ((const xrecv *)op)->x->index; }

static void give_back(xchan *c, sl_batch *b) {
  batch_clear(b);
  if (c->ftail - __atomic_load_n(&c->fhead, __ATOMIC_ACQUIRE) < XCHG_FREE) {
    c->free[c->ftail % XCHG_FREE] = b;
    __atomic_store_n(&c->ftail, c->ftail + 1, __ATOMIC_RELEASE);
    return;
  }
  batch_free(b);
  free(b);
}

/* Delivers up to a few items, taking the channels in turn. */
sl_status xchg_recv_pump(sl_op *op, pump_result *res, sl_error *e) {
  xrecv *r = (xrecv *)op;
  int delivered = 0;
  sl_status st = SL_OK;
  for (int round = 0; round < 4 && !st; round++) {
    bool any = false;
    for (int i = 0; i < r->n && !st; i++) {
      int p = (r->rr + i) % r->n;
      if (p == r->w) continue;
      xchan *c = &r->x->ch[p * r->n + r->w];
      if (c->head == __atomic_load_n(&c->tail, __ATOMIC_ACQUIRE)) continue;
      xitem it = c->ring[c->head % XCHG_SLOTS];
      __atomic_store_n(&c->head, c->head + 1, __ATOMIC_SEQ_CST);
      if (__atomic_load_n(&c->producer_waiting, __ATOMIC_SEQ_CST)) job_group_wake(r->x->g, p);
      any = true;
      delivered++;
      if (it.b) {
        if (!op->ended) st = op_emit(op, it.b, e);
        give_back(c, it.b);
      } else if (!op->ports[p].ended) {
        st = op_deliver(op, p, &it.sig, e);
      }
    }
    r->rr = (r->rr + 1) % r->n;
    if (!any) break;
  }
  if (st) return st;
  if (op->ended) {
    *res = PUMP_ENDED;
    return SL_OK;
  }
  if (delivered) {
    *res = PUMP_EMITTED;
    return SL_OK;
  }
  /* nothing: sleep until a sender sets ready again (looked at once more after clearing it,
   * so an item put meanwhile is not missed) */
  __atomic_store_n(&op->ready, false, __ATOMIC_SEQ_CST);
  if (xchg_recv_pending(op)) __atomic_store_n(&op->ready, true, __ATOMIC_SEQ_CST);
  *res = PUMP_WAIT;
  return SL_OK;
}

static void xrecv_describe(const sl_op *op, sl_buf *out) {
  const xrecv *r = (const xrecv *)op;
  buf_printf(out, "exchange #%d: the rows of every worker for this one", r->x->index + 1);
}

static void xrecv_free(sl_op *op) { free(op); }

static const op_vt xrecv_vt = {.kind = "ExchangeReceive",
                               .pump = xchg_recv_pump,
                               .describe = xrecv_describe,
                               .free = xrecv_free};

sl_op *op_exchange_recv_new(sl_job *j, xchg *x, int worker, sl_op *sender) {
  const sl_op *in = sender;
  xrecv *r = xcalloc(1, sizeof *r);
  op_init(&r->base, &xrecv_vt, j, "exchange");
  r->x = x;
  r->w = worker;
  r->n = x->n;
  r->base.ncols = in->ncols;
  r->base.cols = in->cols;
  r->base.types = in->types;
  r->base.updating = in->updating;
  r->base.self_ready = true;
  /* one input port per worker; the rows come from the channels, not from an edge */
  r->base.nin = r->base.incap = x->n;
  r->base.in = xmalloc(sizeof(sl_op *) * (size_t)x->n);
  r->base.ports = xmalloc(sizeof(op_port) * (size_t)x->n);
  for (int p = 0; p < x->n; p++) {
    r->base.in[p] = sender; /* for messages and for walking up the graph */
    r->base.ports[p] = (op_port){WM_NONE, false, false, 0};
  }
  x->rx[worker] = &r->base;
  j->receivers = xrealloc(j->receivers, sizeof(sl_op *) * (size_t)(j->nreceivers + 1));
  j->receivers[j->nreceivers++] = &r->base;
  return &r->base;
}

/* ---- a source of nothing ---- */

static sl_status empty_pump(sl_op *op, pump_result *r, sl_error *e) {
  *r = PUMP_ENDED;
  return SL_OK;
}
static void empty_describe(const sl_op *op, sl_buf *out) {
  buf_puts(out, "read on worker 0 only (this input is not split)");
}
static void empty_free(sl_op *op) { free(op); }
static const op_vt empty_vt = {
    .kind = "Source", .pump = empty_pump, .describe = empty_describe, .free = empty_free};

sl_op *op_empty_source_new(sl_job *j, const char *name) {
  sl_op *op = xcalloc(1, sizeof *op);
  op_init(op, &empty_vt, j, name);
  return op;
}
