/* job.c - the job: operator registry, the executor that pumps the ready sources round-robin
 * and sleeps in the event loop when none is ready, stop versus end, and the run summary. With
 * parallel execution each worker runs this same loop over its own operators, with queues
 * between workers that wake each other through loop_wake.
 * Must not touch: what operators do with rows (op.c routes them) or dead letters (dlq.c). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "group_int.h"

sl_job *job_new(void) {
  sl_job *j = xcalloc(1, sizeof *j);
  j->ctx.now_ms = (int64_t)time(NULL) * 1000;
  j->batch_rows = BATCH_ROWS;
  j->ctx.watermark = WM_NONE;
  j->loop = loop_new();
  return j;
}

void job_add_op(sl_job *j, sl_op *op) {
  if (j->nops == j->opcap) {
    j->opcap = j->opcap ? j->opcap * 2 : 16;
    j->ops = xrealloc(j->ops, sizeof(sl_op *) * (size_t)j->opcap);
  }
  op->id = j->nops + 1;
  j->ops[j->nops++] = op;
}

int job_add_source(sl_job *j, const char *name, on_error policy, const char *dlq_path) {
  j->sources = xrealloc(j->sources, sizeof(job_source) * (size_t)(j->nsources + 1));
  job_source *s = &j->sources[j->nsources];
  memset(s, 0, sizeof *s);
  s->name = name;
  s->policy = policy;
  s->dlq_path = dlq_path;
  return j->nsources++;
}

int job_add_sink(sl_job *j, const char *name, const char *target, sl_op *op) {
  j->sinks = xrealloc(j->sinks, sizeof(job_sink) * (size_t)(j->nsinks + 1));
  job_sink *s = &j->sinks[j->nsinks];
  memset(s, 0, sizeof *s);
  s->name = name;
  s->target = target;
  s->op = op;
  if (op) op->sink = true;
  return j->nsinks++;
}

static int stop_requested(const sl_job *j) {
  return __atomic_load_n(&j->stop_signal, __ATOMIC_ACQUIRE);
}

void job_request_stop(sl_job *j, int signo) {
  if (j->group) { /* every worker stops */
    job_group_request_stop(j->group, signo);
    return;
  }
  __atomic_store_n(&j->stop_signal, signo, __ATOMIC_RELEASE);
  if (j->loop) loop_wake(j->loop);
}

static void on_signal(sl_loop *l, int signo, void *arg) { job_request_stop(arg, signo); }

void job_fail(sl_job *j, const sl_error *e) {
  if (j->failure.code) return; /* the first failure is the one to report */
  j->failure = *e;
  if (!j->failure.code) j->failure.code = SL_EINTERNAL;
}

/* A failure a timer callback left: the run ends with it. */
static sl_status take_failure(sl_job *j, sl_error *e) {
  if (!j->failure.code) return SL_OK;
  *e = j->failure;
  return e->code;
}

/* Writes out what sinks buffer: before the executor sleeps, so idle means delivered. */
static sl_status flush_all(sl_job *j, sl_error *e) {
  for (int i = 0; i < j->nops; i++) {
    sl_op *op = j->ops[i];
    if (op->vt->flush && !op->ended) {
      sl_status st = op->vt->flush(op, e);
      if (st) return st;
    }
  }
  return job_dlq_flush(j, e);
}

/* While sources are busy, sinks are flushed at least this often, so a row that passed a
 * selective filter does not wait in a buffer for the next one. The timer is armed only while
 * sources are busy: an idle pipeline has no timer waking it. */
#define FLUSH_EVERY_MS 100

static void flush_tick(sl_loop *l, uint64_t id, void *arg) { ((sl_job *)arg)->flush_due = true; }

sl_status job_run(sl_job *j, sl_error *e) {
  if (!j->loop) return err_set(e, SL_ERUNTIME, "cannot create the event loop (epoll)");
  if (j->handle_signals) {
    static const int sigs[] = {SIGINT, SIGTERM};
    if (loop_watch_signals(j->loop, sigs, 2, on_signal, j) != 0)
      return err_set(e, SL_ERUNTIME, "cannot catch SIGINT/SIGTERM");
  }
  sl_op **live = xmalloc(sizeof(sl_op *) * (size_t)(j->nops + 1));
  int nlive = 0;
  j->bounded = true;
  for (int i = 0; i < j->nops; i++)
    if (j->ops[i]->vt->pump) {
      live[nlive++] = j->ops[i];
      if (!j->ops[i]->bounded && !j->ops[i]->self_ready) j->bounded = false;
    }
  if (j->group) j->bounded = j->group->bounded; /* the run's, not this worker's share */
  bool own_dv = !j->group && !j->dv;
  if (own_dv) job_delivery_setup(&j, 1);
  uint64_t flush_timer = 0;
  /* Look at the loop (timers, signals) about every 256 rows of a busy source. */
  int poll_every = j->batch_rows >= 256 ? 1 : 256 / j->batch_rows, rounds = 0;
  sl_status st = SL_OK;
  /* Preloaded sources first (a lookup join's dimension): each until it ends or waits. */
  for (int i = 0; i < nlive && st == SL_OK && !stop_requested(j); i++) {
    sl_op *src = live[i];
    if (!src->preload) continue;
    pump_result r = PUMP_EMITTED;
    while (st == SL_OK && r == PUMP_EMITTED && src->ready && !stop_requested(j)) {
      if ((st = src->vt->pump(src, &r, e))) break;
      if (r == PUMP_WAIT) src->ready = false;
      if (++rounds >= poll_every) {
        rounds = 0;
        loop_poll(j->loop, 0);
        st = take_failure(j, e);
      }
    }
    if (st == SL_OK && r == PUMP_ENDED) {
      live[i--] = live[--nlive];
      st = op_end_source(src, e);
    }
  }
  while (nlive > 0 && st == SL_OK && !stop_requested(j)) {
    bool pumped = false;
    if (j->dv && (st = job_delivery_tick(j, e))) break;
    if (!j->bounded) { /* CURRENT_TIMESTAMP moves with the stream (per batch, as Flink's) */
      struct timespec now;
      clock_gettime(CLOCK_REALTIME, &now);
      j->ctx.now_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    }
    for (int i = 0; i < nlive && st == SL_OK; i++) {
      sl_op *src = live[i];
      if (!__atomic_load_n(&src->ready, __ATOMIC_ACQUIRE)) continue;
      pumped = true;
      pump_result r = PUMP_EMITTED;
      if ((st = src->vt->pump(src, &r, e))) break;
      if (r == PUMP_WAIT && !src->self_ready) src->ready = false;
      if (r == PUMP_ENDED) {
        live[i--] = live[--nlive];
        if (!src->ended) st = op_end_source(src, e); /* a receiver has sent END itself */
      }
    }
    if (st || nlive == 0) break;
    if (!pumped) {
      if ((st = flush_all(j, e))) break;
      if (flush_timer) loop_del_timer(j->loop, flush_timer);
      flush_timer = 0;
      j->flush_due = false;
      if (loop_poll(j->loop, -1) < 0) st = err_set(e, SL_ERUNTIME, "the event loop failed");
      if (!st) st = take_failure(j, e);
      continue;
    }
    if (!flush_timer)
      flush_timer = loop_add_timer(j->loop, FLUSH_EVERY_MS, FLUSH_EVERY_MS, flush_tick, j);
    if (++rounds >= poll_every) {
      rounds = 0;
      loop_poll(j->loop, 0);
      if ((st = take_failure(j, e))) break;
      if (j->flush_due) {
        j->flush_due = false;
        st = flush_all(j, e);
      }
    }
  }
  if (flush_timer) loop_del_timer(j->loop, flush_timer);
  free(live);
  if (j->group && job_group_failed(j->group)) { /* another worker failed: it reports */
    job_dlq_flush(j, e);
    return st ? st : SL_OK;
  }
  if (st == SL_OK && nlive > 0 && stop_requested(j)) {
    /* Stop is not end: no END, no +infinity watermark. An unbounded run publishes what it
     * wrote; a bounded one stopped early keeps the previous outputs. */
    j->stopped = true;
    for (int i = 0; i < j->nops && st == SL_OK; i++) {
      sl_op *op = j->ops[i];
      if (op->vt->stop) st = op->vt->stop(op, !j->bounded, e);
    }
  } else if (st == SL_OK && !j->defer_commit) { /* every source ended: publish together */
    st = job_commit(j, e);
    if (!st) st = job_delivery_finish(&j, 1, e);
  }
  if (own_dv) job_delivery_free(&j, 1);
  sl_status st2 = job_dlq_flush(j, e);
  return st ? st : st2;
}

sl_status job_commit(sl_job *j, sl_error *e) {
  for (int i = 0; i < j->nops; i++)
    if (j->ops[i]->vt->commit) {
      sl_status st = j->ops[i]->vt->commit(j->ops[i], e);
      if (st) return st;
    }
  return SL_OK;
}

/* "0 B", "812 B", "1.2 KiB", "3.0 MiB" ... */
static void human_bytes(size_t n, char *out, size_t cap) {
  static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
  if (n < 1024) {
    snprintf(out, cap, "%zu B", n);
    return;
  }
  double v = (double)n / 1024;
  int u = 0;
  while (v >= 1024 && u < 3) {
    v /= 1024;
    u++;
  }
  snprintf(out, cap, "%.1f %s", v, units[u]);
}

sl_status op_state_full(const sl_op *op, sl_error *e) {
  const state_alloc *a = &op->mem;
  char keeps[32], lim[32];
  human_bytes(a->bytes, keeps, sizeof keeps);
  if (a->refused == 2 && a->budget) {
    human_bytes(a->budget->limit, lim, sizeof lim);
    err_set(e, SL_ERUNTIME,
            "operator %d (%s) cannot keep more state: 'pipeline.memory.limit' = %s is reached "
            "(the state of every operator on every worker together; this one keeps %s)",
            op->id, op->vt->kind, lim, keeps);
  } else {
    human_bytes(a->limit, lim, sizeof lim);
    err_set(e, SL_ERUNTIME,
            "operator %d (%s) cannot keep more state: 'sluice.state.memory-limit' = %s is "
            "reached (it keeps %s)",
            op->id, op->vt->kind, lim, keeps);
  }
  err_hint(e, "raise the limit, or bound the state: a TTL ('table.exec.state.ttl', a STATE_TTL "
              "hint), a window or an interval join instead of an unbounded aggregation or join");
  return SL_ERUNTIME;
}

/* One worker's counters, or the sum over every worker's (a source's instances share its
 * index; sinks are matched by name; the k-th stateful operator of each worker is the same
 * plan node). */
void job_group_summary(sl_job **jobs, int n, FILE *f, double wall, double cpu) {
  const sl_job *j = jobs[0];
  fprintf(f, "sluice: finished in %.2f s (%.2f s CPU)%s", wall, cpu, n > 1 ? "" : "\n");
  if (n > 1) fprintf(f, " on %d workers\n", n);
  for (int i = 0; i < j->nsources; i++) {
    job_source t = j->sources[i];
    for (int w = 1; w < n; w++) {
      const job_source *o = &jobs[w]->sources[i];
      t.rows_read += o->rows_read;
      t.dead_lettered += o->dead_lettered;
      t.skipped += o->skipped;
      t.late_rows += o->late_rows;
      t.late_dead_lettered += o->late_dead_lettered;
      t.late_dropped += o->late_dropped;
      t.late_updates += o->late_updates;
    }
    const job_source *s = &t;
    fprintf(f, "  source %-16s %llu rows read", s->name, (unsigned long long)s->rows_read);
    if (s->dead_lettered)
      fprintf(f, ", %llu dead-lettered to %s", (unsigned long long)s->dead_lettered, s->dlq_path);
    if (s->skipped)
      fprintf(f, ", %llu skipped ('on-error' = 'skip')", (unsigned long long)s->skipped);
    if (s->late_rows) { /* every late row is in one of these */
      fprintf(f, "; %llu late:", (unsigned long long)s->late_rows);
      const char *sep = "";
      if (s->late_dead_lettered) {
        fprintf(f, " %llu dead-lettered", (unsigned long long)s->late_dead_lettered);
        if (!s->dead_lettered) fprintf(f, " to %s", s->dlq_path);
        sep = ",";
      }
      if (s->late_dropped) {
        fprintf(f, "%s %llu dropped", sep, (unsigned long long)s->late_dropped);
        sep = ",";
      }
      if (s->late_updates)
        fprintf(f, "%s %llu applied as updates", sep, (unsigned long long)s->late_updates);
    }
    fputc('\n', f);
  }
  for (int i = 0; i < j->nsinks; i++) {
    const job_sink *s = &j->sinks[i];
    uint64_t rows = s->rows_written;
    for (int w = 1; w < n; w++)
      for (int k = 0; k < jobs[w]->nsinks; k++)
        if (!strcmp(jobs[w]->sinks[k].name, s->name)) rows += jobs[w]->sinks[k].rows_written;
    fprintf(f, "  sink   %-16s %llu rows written to %s\n", s->name, (unsigned long long)rows,
            s->target);
  }
  int nth = 0;
  for (int i = 0; i < j->nops; i++) { /* what the stateful operators kept */
    const sl_op *op = j->ops[i];
    if (!op->vt->keeps) continue;
    bool sink = op->nout == 0; /* on worker 0 only (or each worker's own) */
    size_t peak_b = op->mem.peak, end_b = op->mem.bytes;
    int64_t peak_r = op->state_rows_peak, end_r = op->state_rows;
    for (int w = 1; w < n && !sink; w++) {
      int k = 0;
      for (int q = 0; q < jobs[w]->nops; q++) {
        const sl_op *o = jobs[w]->ops[q];
        if (!o->vt->keeps || o->nout == 0 || k++ != nth) continue;
        peak_b += o->mem.peak; /* the sum of each worker's peak: an upper bound */
        end_b += o->mem.bytes;
        peak_r += o->state_rows_peak;
        end_r += o->state_rows;
      }
    }
    nth += !sink;
    char peak[32], end[32], name[40];
    human_bytes(peak_b, peak, sizeof peak);
    human_bytes(end_b, end, sizeof end);
    snprintf(name, sizeof name, "%s #%d", op->vt->kind, op->id);
    fprintf(f, "  state  %-16s keeps %s at peak, %s at end", name, peak, end);
    if (peak_r) fprintf(f, "; %lld rows at peak, %lld at end", (long long)peak_r, (long long)end_r);
    fputc('\n', f);
  }
}

void job_summary(const sl_job *j, FILE *f, double wall, double cpu) {
  sl_job *one = (sl_job *)j;
  job_group_summary(&one, 1, f, wall, cpu);
}

void job_free(sl_job *j) {
  if (!j) return;
  for (int i = 0; i < j->nops; i++) {
    sl_op *op = j->ops[i];
    free(op->out);
    free(op->in);
    free(op->ports);
    if (op->vt->free) op->vt->free(op);
  }
  free(j->ops);
  for (int i = 0; i < j->nsources; i++) {
    for (int k = 0; k < j->sources[i].nfiles; k++) free(j->sources[i].files[k]);
    free(j->sources[i].files);
    free(j->sources[i].partitions);
  }
  free(j->sources);
  free(j->sinks);
  free(j->receivers);
  job_dlq_close(j);
  loop_free(j->loop);
  free(j);
}
