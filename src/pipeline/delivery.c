/* delivery.c - at-least-once delivery without state snapshots: epochs. Every
 * 'execution.checkpointing.interval' worker 0's timer starts a new epoch; each worker, between
 * two pumps, asks its sources to remember their positions (mark) and sends BARRIER(epoch) from
 * them, in order with their rows. Operators align barriers over their inputs and stateful ones
 * hold them until what they absorbed has gone out (op.c); sinks make their rows durable and
 * acknowledge (op_sink_durable). Once every sink of every worker has acknowledged an epoch,
 * each worker flushes and fsyncs the dead letters and tells its sources (durable), which commit
 * the positions they remembered: Kafka offsets, a replication slot's confirmed position.
 * Only jobs with a source that commits positions take part: files and generators pay nothing.
 * Must not touch: what sources commit or how sinks make rows durable (the connectors), the
 * alignment rules (op.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "group_int.h"

struct delivery {
  sl_job **jobs; /* every worker's job */
  int n;
  sl_op **sinks; /* every sink of every worker */
  int nsinks;
  int64_t interval_ms;
  uint64_t due;       /* atomic: the newest epoch started */
  uint64_t completed; /* atomic: the newest epoch every sink has made durable */
  uint64_t timer;     /* on worker 0's loop */
};

static bool commits(const sl_op *op) { return op->vt->pump && op->vt->durable && !op->self_ready; }

void job_delivery_setup(sl_job **jobs, int n) {
  bool any = false;
  for (int w = 0; w < n && !any; w++)
    for (int i = 0; i < jobs[w]->nops && !any; i++) any = commits(jobs[w]->ops[i]);
  if (!any) return;
  struct delivery *dv = xcalloc(1, sizeof *dv);
  dv->n = n;
  dv->jobs = xmalloc(sizeof(sl_job *) * (size_t)n);
  memcpy(dv->jobs, jobs, sizeof(sl_job *) * (size_t)n);
  for (int w = 0; w < n; w++)
    for (int i = 0; i < jobs[w]->nops; i++)
      if (jobs[w]->ops[i]->sink) dv->nsinks++;
  dv->sinks = xcalloc((size_t)dv->nsinks + 1, sizeof(sl_op *));
  dv->nsinks = 0;
  for (int w = 0; w < n; w++)
    for (int i = 0; i < jobs[w]->nops; i++)
      if (jobs[w]->ops[i]->sink) dv->sinks[dv->nsinks++] = jobs[w]->ops[i];
  dv->interval_ms = jobs[0]->checkpoint_ms > 0 ? jobs[0]->checkpoint_ms : DELIVERY_DEFAULT_MS;
  for (int w = 0; w < n; w++) {
    jobs[w]->dv = dv;
    jobs[w]->dv_injected = jobs[w]->dv_notified = 0;
  }
}

void job_delivery_free(sl_job **jobs, int n) {
  if (!n || !jobs[0]->dv) return;
  struct delivery *dv = jobs[0]->dv;
  if (dv->timer) loop_del_timer(jobs[0]->loop, dv->timer);
  for (int w = 0; w < n; w++) jobs[w]->dv = NULL;
  free(dv->sinks);
  free(dv->jobs);
  free(dv);
}

static void wake_all(struct delivery *dv) {
  for (int w = 0; w < dv->n; w++)
    if (dv->jobs[w]->loop) loop_wake(dv->jobs[w]->loop);
}

static void on_timer(sl_loop *l, uint64_t id, void *arg) {
  struct delivery *dv = arg;
  __atomic_add_fetch(&dv->due, 1, __ATOMIC_ACQ_REL);
  wake_all(dv);
}

void job_delivery_check(sl_job *j) {
  struct delivery *dv = j ? j->dv : NULL;
  if (!dv || !dv->nsinks) return;
  uint64_t min = UINT64_MAX;
  for (int i = 0; i < dv->nsinks; i++) {
    uint64_t d = __atomic_load_n(&dv->sinks[i]->durable_epoch, __ATOMIC_ACQUIRE);
    if (d < min) min = d;
  }
  uint64_t cur = __atomic_load_n(&dv->completed, __ATOMIC_ACQUIRE);
  while (min > cur) {
    if (__atomic_compare_exchange_n(&dv->completed, &cur, min, false, __ATOMIC_ACQ_REL,
                                    __ATOMIC_ACQUIRE)) {
      wake_all(dv);
      return;
    }
  }
}

uint64_t job_delivery_completed(const sl_job *j) {
  return j->dv ? __atomic_load_n(&j->dv->completed, __ATOMIC_ACQUIRE) : 0;
}

/* Tells this worker's sources that `epoch` is durable (dead letters synced first). */
static sl_status notify(sl_job *j, uint64_t epoch, sl_error *e) {
  sl_status st = job_dlq_sync(j, e);
  for (int i = 0; i < j->nops && !st; i++) {
    sl_op *op = j->ops[i];
    if (commits(op)) st = op->vt->durable(op, epoch, e);
  }
  return st;
}

sl_status job_delivery_tick(sl_job *j, sl_error *e) {
  struct delivery *dv = j->dv;
  if (!dv) return SL_OK;
  if (j->worker == 0 && !dv->timer && j->loop)
    dv->timer = loop_add_timer(j->loop, dv->interval_ms, dv->interval_ms, on_timer, dv);
  sl_status st = SL_OK;
  uint64_t due = __atomic_load_n(&dv->due, __ATOMIC_ACQUIRE);
  if (due > j->dv_injected) {
    j->dv_injected = due;
    sl_signal s = {SIG_BARRIER, 0, due};
    for (int i = 0; i < j->nops && !st; i++) {
      sl_op *op = j->ops[i];
      if (!op->vt->pump || op->self_ready || op->ended) continue;
      if (op->vt->mark) st = op->vt->mark(op, due, e);
      if (!st) st = op_signal_emit(op, &s, e);
    }
  }
  uint64_t done = __atomic_load_n(&dv->completed, __ATOMIC_ACQUIRE);
  if (!st && done > j->dv_notified) {
    j->dv_notified = done;
    st = notify(j, done, e);
  }
  return st;
}

sl_status job_delivery_finish(sl_job **jobs, int n, sl_error *e) {
  if (!n || !jobs[0]->dv) return SL_OK;
  struct delivery *dv = jobs[0]->dv;
  uint64_t last = __atomic_add_fetch(&dv->due, 1, __ATOMIC_ACQ_REL);
  sl_status st = SL_OK;
  for (int w = 0; w < n && !st; w++) {
    sl_job *j = jobs[w];
    for (int i = 0; i < j->nops && !st; i++)
      if (commits(j->ops[i]) && j->ops[i]->vt->mark) st = j->ops[i]->vt->mark(j->ops[i], last, e);
    if (!st) st = notify(j, last, e);
  }
  return st;
}

/* An operator that holds barriers for good, or a sink that acknowledges none. */
static bool holds(const sl_op *op) {
  if (op->sink) return op->never_durable;
  if (!op->vt->keeps) return false;
  return !op->vt->frontier || op->vt->frontier(op) == WM_INFINITY;
}

void job_delivery_describe(const sl_job *j, FILE *f) {
  bool any = false, bounded = true;
  for (int i = 0; i < j->nops; i++) {
    const sl_op *op = j->ops[i];
    if (commits(op)) any = true;
    if (op->vt->pump && !op->self_ready && !op->bounded) bounded = false;
  }
  if (!any) return;
  if (bounded) {
    fputs("delivery: source positions are committed once the input has been read to its end "
          "and every output is published\n",
          f);
    return;
  }
  const sl_op *h = NULL;
  for (int i = 0; i < j->nops && !h; i++)
    if (holds(j->ops[i])) h = j->ops[i];
  if (h) {
    fprintf(f,
            "delivery: source positions are not committed while the run goes on: %s #%d keeps "
            "%s, which a restart could not rebuild from the rows after a committed position; "
            "after a kill the input is read again from its start position (see "
            "docs/delivery.md)\n",
            h->vt->kind, h->id, h->sink ? "its output in memory" : h->vt->keeps);
    return;
  }
  int64_t ms = j->checkpoint_ms > 0 ? j->checkpoint_ms : DELIVERY_DEFAULT_MS;
  fprintf(f,
          "delivery: at least once; source positions are committed every %lld ms "
          "('execution.checkpointing.interval') once every sink has made the rows before them "
          "durable\n",
          (long long)ms);
}
