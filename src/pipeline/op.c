/* op.c - the operator graph: ports and edges, pushing batches and signals downstream, and the
 * default signal handling every operator gets for free (the minimum watermark over its ports,
 * idleness, END once every port has ended). It also enforces the contract that nothing flows
 * after END. Must not touch: sources, sinks or the executor's scheduling (job.c). */
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"

void op_init(sl_op *op, const op_vt *vt, sl_job *job, const char *name) {
  memset(op, 0, sizeof *op);
  op->vt = vt;
  op->job = job;
  op->name = name;
  op->wm = WM_NONE;
  op->bounded = true;
  op->ready = true;
  state_alloc_init(&op->mem, name, job ? job->state_limit : 0);
  op->mem.budget = job ? job->budget : NULL;
}

int op_connect(sl_op *from, sl_op *to) {
  if (from->nout == from->outcap) {
    from->outcap = from->outcap ? from->outcap * 2 : 2;
    from->out = xrealloc(from->out, sizeof(op_edge) * (size_t)from->outcap);
  }
  int port = to->nin;
  from->out[from->nout++] = (op_edge){to, port};
  if (to->nin == to->incap) {
    to->incap = to->incap ? to->incap * 2 : 2;
    to->in = xrealloc(to->in, sizeof(sl_op *) * (size_t)to->incap);
    to->ports = xrealloc(to->ports, sizeof(op_port) * (size_t)to->incap);
  }
  to->in[port] = from;
  to->ports[port] = (op_port){WM_NONE, false, false, 0};
  to->nin++;
  if (from->updating) to->updating = true;
  return port;
}

static sl_status after_end(sl_op *op, const char *what, sl_error *e) {
  return err_set(e, SL_EINTERNAL, "operator %d (%s %s) %s after END", op->id, op->vt->kind,
                 op->name ? op->name : "", what);
}

sl_status op_emit(sl_op *op, const sl_batch *b, sl_error *e) {
  if (b->nrows == 0) return SL_OK;
  if (op->ended) return after_end(op, "pushed rows", e);
  op->rows_out += (uint64_t)b->nrows;
  for (int i = 0; i < op->nout; i++) {
    sl_op *o = op->out[i].to;
    int port = op->out[i].port;
    if (o->ports[port].ended) return after_end(op, "pushed rows into an ended port", e);
    o->rows_in += (uint64_t)b->nrows;
    sl_status st = o->vt->push(o, port, b, e);
    if (st) return st;
  }
  return SL_OK;
}

sl_status op_deliver(sl_op *to, int port, const sl_signal *sig, sl_error *e) {
  if (to->ports[port].ended) return after_end(to->in[port], "signalled an ended port", e);
  return to->vt->signal ? to->vt->signal(to, port, sig, e) : op_signal_default(to, port, sig, e);
}

static sl_status release_barriers(sl_op *op, sl_error *e);

sl_status op_signal_emit(sl_op *op, const sl_signal *sig, sl_error *e) {
  if (op->ended) return after_end(op, "sent a signal", e);
  if (sig->kind == SIG_END) op->ended = true;
  if (sig->kind == SIG_WATERMARK) op->wm = sig->ts;
  if (sig->kind == SIG_IDLE) op->idle = true;
  if (sig->kind == SIG_ACTIVE) op->idle = false;
  for (int i = 0; i < op->nout; i++) {
    sl_status st = op_deliver(op->out[i].to, op->out[i].port, sig, e);
    if (st) return st;
  }
  /* the rows a held barrier waited for went out before this watermark */
  if (sig->kind == SIG_WATERMARK && op->nbar) return release_barriers(op, e);
  return SL_OK;
}

/* ---- barriers (see op_vt: delivery) ---- */

static sl_status send_barrier(sl_op *op, uint64_t epoch, sl_error *e) {
  op->barrier = epoch;
  if (op->sink) {
    if (op->vt->barrier) return op->vt->barrier(op, epoch, e);
    sl_status st = op->vt->flush ? op->vt->flush(op, e) : SL_OK;
    if (!st) op_sink_durable(op, epoch);
    return st;
  }
  sl_signal s = {SIG_BARRIER, 0, epoch};
  return op_signal_emit(op, &s, e);
}

static sl_status release_barriers(sl_op *op, sl_error *e) {
  int k = 0;
  while (k < op->nbar && op->wm != WM_NONE && op->wm >= op->bar_wm[k]) k++;
  if (k == 0) return SL_OK;
  uint64_t epoch = op->bar_epoch[k - 1]; /* the newest released covers the older ones */
  memmove(op->bar_epoch, op->bar_epoch + k, sizeof(uint64_t) * (size_t)(op->nbar - k));
  memmove(op->bar_wm, op->bar_wm + k, sizeof(int64_t) * (size_t)(op->nbar - k));
  op->nbar -= k;
  return send_barrier(op, epoch, e);
}

/* A barrier every live port has passed: forward it (a stateless operator), hand it to the sink,
 * or hold it until the rows this operator keeps have gone out. */
static sl_status on_barrier(sl_op *op, int port, uint64_t epoch, sl_error *e) {
  op_port *pt = &op->ports[port];
  if (epoch > pt->barrier) pt->barrier = epoch;
  uint64_t aligned = UINT64_MAX;
  for (int p = 0; p < op->nin; p++)
    if (!op->ports[p].ended && op->ports[p].barrier < aligned) aligned = op->ports[p].barrier;
  uint64_t last = op->nbar ? op->bar_epoch[op->nbar - 1] : op->barrier;
  if (aligned == UINT64_MAX || aligned <= last) return SL_OK;
  if (op->vt->keeps && !op->sink) {
    int64_t until = op->vt->frontier ? op->vt->frontier(op) : WM_INFINITY;
    if (until == WM_INFINITY) return SL_OK; /* state that never empties: held for good */
    if (until != WM_NONE && (op->wm == WM_NONE || op->wm < until)) {
      if (op->nbar == 4) { /* merge the two oldest: the older waits a little longer */
        op->bar_epoch[0] = op->bar_epoch[1];
        if (op->bar_wm[1] < op->bar_wm[0]) op->bar_wm[1] = op->bar_wm[0];
        op->bar_wm[0] = op->bar_wm[1];
        memmove(op->bar_epoch + 1, op->bar_epoch + 2, sizeof(uint64_t) * 2);
        memmove(op->bar_wm + 1, op->bar_wm + 2, sizeof(int64_t) * 2);
        op->nbar = 3;
      }
      if (op->nbar && until < op->bar_wm[op->nbar - 1]) until = op->bar_wm[op->nbar - 1];
      op->bar_epoch[op->nbar] = aligned;
      op->bar_wm[op->nbar++] = until;
      return SL_OK;
    }
    if (op->nbar) { /* nothing is held now, but older barriers are: keep the order */
      op->bar_epoch[op->nbar - 1] = aligned;
      return SL_OK;
    }
  }
  return send_barrier(op, aligned, e);
}

/* The watermark of an operator: the minimum over its live ports. Idle ports do not hold it
 * back (unless every port is idle); ended ports have sent +infinity. */
static int64_t min_watermark(const sl_op *op, bool *all_idle) {
  int64_t wm = WM_INFINITY;
  bool any_active = false;
  for (int p = 0; p < op->nin; p++)
    if (!op->ports[p].idle && !op->ports[p].ended) any_active = true;
  *all_idle = !any_active;
  for (int p = 0; p < op->nin; p++) {
    const op_port *pt = &op->ports[p];
    if (pt->ended) continue;
    if (any_active && pt->idle) continue;
    if (pt->wm < wm) wm = pt->wm;
  }
  return wm;
}

int64_t op_next_watermark(const sl_op *op, int port, int64_t ts) {
  bool any_active = false;
  for (int p = 0; p < op->nin; p++)
    if (!op->ports[p].idle && !op->ports[p].ended) any_active = true;
  int64_t wm = WM_INFINITY;
  for (int p = 0; p < op->nin; p++) {
    const op_port *pt = &op->ports[p];
    if (pt->ended || (any_active && pt->idle)) continue;
    int64_t w = p == port && ts > pt->wm ? ts : pt->wm;
    if (w < wm) wm = w;
  }
  return wm;
}

/* After a port changed: IDLE goes on when every open port is idle (once), and the watermark
 * rises to the new minimum (never back). */
static sl_status settle(sl_op *op, sl_error *e) {
  bool all_idle;
  int64_t wm = min_watermark(op, &all_idle);
  if (all_idle && !op->idle && op->nin_ended < op->nin) {
    sl_signal s = {SIG_IDLE, 0, 0};
    sl_status st = op_signal_emit(op, &s, e);
    if (st) return st;
  }
  if (wm > op->wm && wm != WM_NONE) {
    sl_signal s = {SIG_WATERMARK, wm, 0};
    return op_signal_emit(op, &s, e);
  }
  return SL_OK;
}

sl_status op_signal_default(sl_op *op, int port, const sl_signal *sig, sl_error *e) {
  op_port *pt = &op->ports[port];
  switch (sig->kind) {
  case SIG_WATERMARK:
    if (sig->ts > pt->wm) pt->wm = sig->ts; /* never backwards */
    return settle(op, e);
  case SIG_IDLE: pt->idle = true; return settle(op, e);
  case SIG_ACTIVE:
    pt->idle = false;
    if (op->idle) {
      sl_signal s = {SIG_ACTIVE, 0, 0};
      return op_signal_emit(op, &s, e);
    }
    return SL_OK;
  case SIG_END: {
    pt->ended = true;
    if (++op->nin_ended < op->nin) { /* the open ports may all be idle, or all past a barrier */
      sl_status st = settle(op, e);
      return st ? st : on_barrier(op, port, 0, e);
    }
    sl_status st = settle(op, e);
    if (!st && op->vt->finish) st = op->vt->finish(op, e);
    if (st) return st;
    sl_signal s = {SIG_END, 0, 0};
    return op_signal_emit(op, &s, e);
  }
  case SIG_BARRIER: return on_barrier(op, port, sig->epoch, e);
  default: return op_signal_emit(op, sig, e);
  }
}

sl_status op_end_source(sl_op *op, sl_error *e) {
  sl_status st = SL_OK;
  if (op->vt->finish) st = op->vt->finish(op, e);
  if (st) return st;
  if (op->wm != WM_INFINITY) {
    sl_signal w = {SIG_WATERMARK, WM_INFINITY, 0};
    if ((st = op_signal_emit(op, &w, e))) return st;
  }
  sl_signal s = {SIG_END, 0, 0};
  return op_signal_emit(op, &s, e);
}

void op_source_ready(sl_op *op) { op->ready = true; }

bool op_upstream_commits(const sl_op *op, int port) {
  const sl_op *in = op->in[port];
  if (!in) return false;
  if (in->vt->pump && !in->self_ready) return in->vt->durable != NULL;
  for (int p = 0; p < in->nin; p++)
    if (op_upstream_commits(in, p)) return true;
  return false;
}

void op_sink_durable(sl_op *op, uint64_t epoch) {
  __atomic_store_n(&op->durable_epoch, epoch, __ATOMIC_RELEASE);
  job_delivery_check(op->job);
}
