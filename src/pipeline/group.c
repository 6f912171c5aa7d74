/* group.c - the workers of a parallel run: one thread per job (worker 0 on the caller's
 * thread, which takes SIGINT/SIGTERM), the exchanges they share, a blocked sender's wait (it
 * drains its own later receivers meanwhile, which keeps workers that wait on each other from
 * deadlocking), stop and failure released to every worker, the commit once all have ended,
 * and the summary over all workers.
 * Must not touch: what crosses the channels (exchange.c) or what operators do. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "group_int.h"

sl_group *job_group_new(int nworkers) {
  sl_group *g = xcalloc(1, sizeof *g);
  g->n = nworkers;
  g->wk = xcalloc((size_t)nworkers, sizeof(xworker));
  for (int i = 0; i < nworkers; i++) {
    pthread_mutex_init(&g->wk[i].mu, NULL);
    pthread_cond_init(&g->wk[i].cv, NULL);
  }
  pthread_mutex_init(&g->mu, NULL);
  return g;
}

int job_group_workers(const sl_group *g) { return g->n; }

xchg *job_group_exchange(sl_group *g, int index) {
  while (g->nx <= index) {
    if (g->nx == g->xcap) {
      g->xcap = g->xcap ? g->xcap * 2 : 8;
      g->x = xrealloc(g->x, sizeof(xchg *) * (size_t)g->xcap);
    }
    xchg *x = xcalloc(1, sizeof *x);
    x->index = g->nx;
    x->n = g->n;
    x->g = g;
    x->ch = xcalloc((size_t)(g->n * g->n), sizeof(xchan));
    x->rx = xcalloc((size_t)g->n, sizeof(sl_op *));
    g->x[g->nx++] = x;
  }
  return g->x[index];
}

void job_group_free(sl_group *g) {
  if (!g) return;
  for (int i = 0; i < g->nx; i++) {
    xchg *x = g->x[i];
    for (int k = 0; k < g->n * g->n; k++) {
      xchan *c = &x->ch[k];
      for (uint32_t h = c->head; h != c->tail; h++)
        if (c->ring[h % XCHG_SLOTS].b) {
          batch_free(c->ring[h % XCHG_SLOTS].b);
          free(c->ring[h % XCHG_SLOTS].b);
        }
      for (uint32_t h = c->fhead; h != c->ftail; h++) {
        batch_free(c->free[h % XCHG_FREE]);
        free(c->free[h % XCHG_FREE]);
      }
    }
    free(x->ch);
    free(x->rx);
    free(x);
  }
  free(g->x);
  for (int i = 0; i < g->n; i++) {
    pthread_mutex_destroy(&g->wk[i].mu);
    pthread_cond_destroy(&g->wk[i].cv);
  }
  free(g->wk);
  pthread_mutex_destroy(&g->mu);
  free(g);
}

/* ---- waiting and waking ---- */

void job_group_wake(sl_group *g, int w) {
  xworker *k = &g->wk[w];
  if (!__atomic_load_n(&k->blocked, __ATOMIC_SEQ_CST)) return;
  pthread_mutex_lock(&k->mu);
  k->seq++;
  pthread_cond_signal(&k->cv);
  pthread_mutex_unlock(&k->mu);
}

static void wake_all(sl_group *g) {
  for (int i = 0; i < g->n; i++) {
    xworker *k = &g->wk[i];
    pthread_mutex_lock(&k->mu);
    k->seq++;
    pthread_cond_broadcast(&k->cv);
    pthread_mutex_unlock(&k->mu);
    if (k->job && k->job->loop) loop_wake(k->job->loop);
  }
}

static bool room(const xchan *c) {
  return c->tail - __atomic_load_n(&c->head, __ATOMIC_SEQ_CST) < XCHG_SLOTS;
}

sl_status job_group_wait_room(sl_group *g, int w, int index, xchan *c, bool *dropped, sl_error *e) {
  xworker *k = &g->wk[w];
  sl_job *j = k->job;
  for (;;) {
    if (__atomic_load_n(&g->stop, __ATOMIC_ACQUIRE)) {
      *dropped = true;
      return SL_OK;
    }
    if (room(c)) return SL_OK;
    /* help: what this worker receives on this exchange and later ones cannot lead back into
     * the operator that is waiting (an exchange upstream of another has a smaller index) */
    bool progress = false;
    for (int i = 0; j && i < j->nreceivers; i++) {
      sl_op *rx = j->receivers[i];
      if (xchg_recv_index(rx) < index || rx->ended || !xchg_recv_pending(rx)) continue;
      pump_result r;
      sl_status st = xchg_recv_pump(rx, &r, e);
      if (st) return st;
      progress = true;
      if (room(c)) return SL_OK;
    }
    if (progress) continue;
    pthread_mutex_lock(&k->mu);
    uint64_t seq = k->seq;
    __atomic_store_n(&k->blocked, 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&c->producer_waiting, 1, __ATOMIC_SEQ_CST);
    bool again = room(c) || __atomic_load_n(&g->stop, __ATOMIC_SEQ_CST);
    for (int i = 0; !again && j && i < j->nreceivers; i++) {
      again = xchg_recv_index(j->receivers[i]) >= index && !j->receivers[i]->ended &&
              xchg_recv_pending(j->receivers[i]);
    }
    if (!again && k->seq == seq) {
      struct timespec ts;
      clock_gettime(CLOCK_REALTIME, &ts);
      ts.tv_nsec += 50 * 1000000; /* a safety net: wake-ups are not expected to be lost */
      if (ts.tv_nsec >= 1000000000) ts.tv_sec++, ts.tv_nsec -= 1000000000;
      pthread_cond_timedwait(&k->cv, &k->mu, &ts);
    }
    __atomic_store_n(&c->producer_waiting, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&k->blocked, 0, __ATOMIC_SEQ_CST);
    pthread_mutex_unlock(&k->mu);
  }
}

/* ---- running ---- */

void job_group_request_stop(sl_group *g, int signo) {
  __atomic_store_n(&g->stop, 1, __ATOMIC_RELEASE);
  for (int i = 0; i < g->n; i++) {
    sl_job *j = g->wk[i].job;
    if (j && !__atomic_load_n(&j->stop_signal, __ATOMIC_ACQUIRE))
      __atomic_store_n(&j->stop_signal, signo, __ATOMIC_RELEASE);
  }
  wake_all(g);
}

bool job_group_failed(const sl_group *g) { return __atomic_load_n(&g->failed, __ATOMIC_ACQUIRE); }

static void fail(sl_group *g, const sl_error *e) {
  pthread_mutex_lock(&g->mu);
  if (!g->failed) g->err = *e;
  __atomic_store_n(&g->failed, 1, __ATOMIC_RELEASE);
  pthread_mutex_unlock(&g->mu);
  job_group_request_stop(g, SIGTERM);
}

typedef struct worker_arg {
  sl_group *g;
  sl_job *j;
} worker_arg;

static void *worker_main(void *p) {
  worker_arg *a = p;
  sl_error e = {0};
  if (job_run(a->j, &e) != SL_OK && !job_group_failed(a->g)) fail(a->g, &e);
  return NULL;
}

sl_status job_group_run(sl_group *g, sl_job **jobs, sl_error *e) {
  g->bounded = true;
  for (int i = 0; i < g->n; i++) {
    sl_job *j = jobs[i];
    g->wk[i].job = j;
    j->group = g;
    j->worker = i;
    j->defer_commit = true;
    if (i) j->dlq_home = jobs[0];
    for (int k = 0; k < j->nops; k++)
      if (j->ops[k]->vt->pump && !j->ops[k]->self_ready && !j->ops[k]->bounded) g->bounded = false;
  }
  job_delivery_setup(jobs, g->n);
  pthread_t *t = xcalloc((size_t)g->n, sizeof(pthread_t));
  worker_arg *args = xcalloc((size_t)g->n, sizeof(worker_arg));
  for (int i = 1; i < g->n; i++) {
    args[i] = (worker_arg){g, jobs[i]};
    if (pthread_create(&t[i], NULL, worker_main, &args[i]) != 0) {
      sl_error te = {0};
      err_set(&te, SL_ERUNTIME, "cannot start worker %d of %d", i + 1, g->n);
      fail(g, &te);
      t[i] = 0;
    }
  }
  sl_error e0 = {0};
  if (job_run(jobs[0], &e0) != SL_OK && !job_group_failed(g)) fail(g, &e0);
  for (int i = 1; i < g->n; i++)
    if (t[i]) pthread_join(t[i], NULL);
  free(t);
  free(args);
  if (g->failed) {
    job_delivery_free(jobs, g->n);
    *e = g->err;
    return e->code ? e->code : SL_ERUNTIME;
  }
  sl_status st = SL_OK;
  bool stopped = false;
  for (int i = 0; i < g->n; i++) stopped |= jobs[i]->stopped;
  if (!stopped) /* every worker ended: publish every output, together */
    for (int i = 0; i < g->n && !st; i++) st = job_commit(jobs[i], e);
  if (!stopped && !st) st = job_delivery_finish(jobs, g->n, e);
  job_delivery_free(jobs, g->n);
  if (stopped) { /* worker 0 speaks for the run */
    jobs[0]->stopped = true;
    if (!jobs[0]->stop_signal) jobs[0]->stop_signal = SIGTERM;
  }
  jobs[0]->bounded = g->bounded;
  return st;
}
