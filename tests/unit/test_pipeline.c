/* test_pipeline.c - pipeline/ and ops/: the event loop (timers in order, repeating timers,
 * fd readiness, wake-ups from another thread), the default signal handling (minimum watermark
 * over ports, never backwards, idle ports, END once every port has ended, nothing after END),
 * the executor (a waiting source costs no pumps, stop versus end) and state/ (kept rows
 * survive their batch, bytes counted, limits). */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "ops/ops.h"
#include "state/state.h"
#include "unit.h"

/* ---- the event loop ---- */

static int fired[8], nfired;
static void on_timer(sl_loop *l, uint64_t id, void *arg) {
  if (nfired < 8) fired[nfired++] = (int)(intptr_t)arg;
}

TEST(loop_timers_fire_in_deadline_order) {
  sl_loop *l = loop_new();
  CHECK(l != NULL);
  nfired = 0;
  int64_t t0 = loop_now_ms();
  loop_add_timer(l, 120, 0, on_timer, (void *)3);
  loop_add_timer(l, 40, 0, on_timer, (void *)1);
  uint64_t gone = loop_add_timer(l, 60, 0, on_timer, (void *)9);
  loop_add_timer(l, 80, 0, on_timer, (void *)2);
  loop_del_timer(l, gone);
  while (nfired < 3 && loop_now_ms() - t0 < 2000) loop_poll(l, 1000);
  CHECK(nfired == 3);
  CHECK(fired[0] == 1 && fired[1] == 2 && fired[2] == 3);
  CHECK(loop_now_ms() - t0 >= 120);
  /* timers that are all due by the time the loop looks still fire in deadline order */
  nfired = 0;
  loop_add_timer(l, 90, 0, on_timer, (void *)6); /* far enough apart that a preemption */
  loop_add_timer(l, 30, 0, on_timer, (void *)4); /* between these calls does not reorder */
  loop_add_timer(l, 60, 0, on_timer, (void *)5);
  usleep(150000);
  loop_poll(l, 1000);
  CHECK(nfired == 3 && fired[0] == 4 && fired[1] == 5 && fired[2] == 6);
  loop_free(l);
}

TEST(loop_repeating_timer) {
  sl_loop *l = loop_new();
  nfired = 0;
  uint64_t id = loop_add_timer(l, 5, 5, on_timer, (void *)7);
  int64_t t0 = loop_now_ms();
  while (nfired < 4 && loop_now_ms() - t0 < 2000) loop_poll(l, 1000);
  CHECK(nfired == 4);
  loop_del_timer(l, id);
  CHECK(loop_poll(l, 30) == 0); /* nothing left to fire */
  loop_free(l);
}

static int fd_seen;
static void on_fd(sl_loop *l, int fd, int mask, void *arg) {
  char c;
  if (read(fd, &c, 1) == 1 && (mask & LOOP_READ)) fd_seen++;
}

TEST(loop_fd_readiness) {
  sl_loop *l = loop_new();
  int p[2];
  CHECK(pipe(p) == 0);
  fd_seen = 0;
  CHECK(loop_add_fd(l, p[0], LOOP_READ, on_fd, NULL) == 0);
  CHECK(loop_poll(l, 0) == 0); /* nothing written yet: no callback */
  CHECK(write(p[1], "x", 1) == 1);
  CHECK(loop_poll(l, 1000) == 1);
  CHECK(fd_seen == 1);
  loop_del_fd(l, p[0]);
  CHECK(write(p[1], "y", 1) == 1);
  CHECK(loop_poll(l, 20) == 0); /* removed: no callback */
  close(p[0]);
  close(p[1]);
  loop_free(l);
}

static void *waker(void *arg) {
  usleep(20000);
  loop_wake(arg);
  return NULL;
}

TEST(loop_wake_from_another_thread) {
  sl_loop *l = loop_new();
  pthread_t t;
  int64_t t0 = loop_now_ms();
  CHECK(pthread_create(&t, NULL, waker, l) == 0);
  CHECK(loop_poll(l, 5000) == 1); /* returns on the wake-up, long before the timeout */
  CHECK(loop_now_ms() - t0 < 4000);
  pthread_join(t, NULL);
  loop_free(l);
}

/* ---- a recording sink and a scripted source ---- */

typedef struct rec_op {
  sl_op base;
  int rows, ends, finishes;
  int64_t wms[16];
  int nwm, idles, actives;
  int kinds[4];
} rec_op;

static sl_status rec_push(sl_op *op, int port, const sl_batch *b, sl_error *e) {
  rec_op *r = (rec_op *)op;
  r->rows += b->nrows;
  for (int i = 0; i < b->nrows; i++) r->kinds[b->kind[i] & 3]++;
  return SL_OK;
}
static sl_status rec_signal(sl_op *op, int port, const sl_signal *s, sl_error *e) {
  rec_op *r = (rec_op *)op;
  if (s->kind == SIG_WATERMARK && r->nwm < 16) r->wms[r->nwm++] = s->ts;
  if (s->kind == SIG_END) r->ends++;
  if (s->kind == SIG_IDLE) r->idles++;
  if (s->kind == SIG_ACTIVE) r->actives++;
  return op_signal_default(op, port, s, e);
}
static sl_status rec_finish(sl_op *op, sl_error *e) {
  ((rec_op *)op)->finishes++;
  return SL_OK;
}
static void plain_free(sl_op *op) { free(op); }
static const op_vt rec_vt = {.kind = "Rec",
                             .push = rec_push,
                             .signal = rec_signal,
                             .finish = rec_finish,
                             .free = plain_free};

static rec_op *rec_new(sl_job *j) {
  rec_op *r = calloc(1, sizeof *r);
  op_init(&r->base, &rec_vt, j, "rec");
  job_add_op(j, &r->base);
  return r;
}

/* A bare operator with outputs only, to drive signals by hand. */
static const op_vt feeder_vt = {.kind = "Feeder", .free = plain_free};
static sl_op *feeder_new(sl_job *j) {
  sl_op *op = calloc(1, sizeof *op);
  op_init(op, &feeder_vt, j, "feeder");
  job_add_op(j, op);
  return op;
}

static sl_status wm(sl_op *from, int64_t ts, sl_error *e) {
  sl_signal s = {SIG_WATERMARK, ts, 0};
  return op_signal_emit(from, &s, e);
}
static sl_status sig(sl_op *from, int kind, sl_error *e) {
  sl_signal s = {kind, 0, 0};
  return op_signal_emit(from, &s, e);
}

TEST(union_watermark_is_the_minimum_and_never_goes_back) {
  sl_job *j = job_new();
  sl_error e = {0};
  sl_op *a = feeder_new(j), *b = feeder_new(j);
  static const sl_type t[1] = {{T_INT, 0, 0, 0, 0}};
  static const char *const names[1] = {"x"};
  sl_op *u = op_union_new(j, 1, names, t);
  job_add_op(j, u);
  rec_op *r = rec_new(j);
  CHECK(op_connect(a, u) == 0);
  CHECK(op_connect(b, u) == 1);
  op_connect(u, &r->base);
  CHECK(wm(a, 100, &e) == SL_OK);
  CHECK(r->nwm == 0); /* port 1 has no watermark yet: the minimum is none */
  CHECK(wm(b, 50, &e) == SL_OK);
  CHECK(r->nwm == 1 && r->wms[0] == 50);
  CHECK(wm(b, 40, &e) == SL_OK); /* backwards on a port: ignored */
  CHECK(r->nwm == 1);
  CHECK(wm(b, 150, &e) == SL_OK);
  CHECK(r->nwm == 2 && r->wms[1] == 100); /* min(100, 150) */
  /* an idle port does not hold the others back */
  CHECK(sig(a, SIG_IDLE, &e) == SL_OK);
  CHECK(r->nwm == 3 && r->wms[2] == 150);
  CHECK(r->idles == 0); /* one port is still active */
  CHECK(sig(b, SIG_IDLE, &e) == SL_OK);
  CHECK(r->idles == 1);
  CHECK(sig(a, SIG_ACTIVE, &e) == SL_OK);
  CHECK(r->actives == 1);
  /* a port ends while the only other one is idle: the operator is idle */
  sl_op *c = feeder_new(j);
  sl_op *u2 = op_union_new(j, 1, names, t);
  job_add_op(j, u2);
  rec_op *r2 = rec_new(j);
  op_connect(c, u2);
  sl_op *d = feeder_new(j);
  op_connect(d, u2);
  op_connect(u2, &r2->base);
  CHECK(sig(c, SIG_IDLE, &e) == SL_OK);
  CHECK(r2->idles == 0);
  CHECK(sig(d, SIG_END, &e) == SL_OK);
  CHECK(r2->idles == 1 && r2->ends == 0);
  /* END: the operator ends only when both ports have */
  CHECK(sig(a, SIG_END, &e) == SL_OK);
  CHECK(r->ends == 0 && r->finishes == 0);
  CHECK(sig(b, SIG_END, &e) == SL_OK);
  CHECK(r->ends == 1 && r->finishes == 1);
  CHECK(r->wms[r->nwm - 1] == WM_INFINITY); /* all ended: +infinity went down first */
  /* nothing after END */
  sl_batch bt;
  batch_init(&bt, 1, 4);
  bt.nrows = 1;
  CHECK(op_emit(u, &bt, &e) == SL_EINTERNAL);
  CHECK(strstr(e.msg, "after END") != NULL);
  CHECK(op_emit(a, &bt, &e) == SL_EINTERNAL); /* a sent END too */
  batch_free(&bt);
  job_free(j);
}

/* A source that emits `total` rows in batches of 3, answering WAIT every other pump. */
typedef struct script_src {
  sl_op base;
  sl_batch b;
  int left, pumps, waits;
} script_src;

static void wake_src(sl_loop *l, uint64_t id, void *arg) { op_source_ready(arg); }

static sl_status script_pump(sl_op *op, pump_result *r, sl_error *e) {
  script_src *s = (script_src *)op;
  s->pumps++;
  if (s->left == 0) {
    *r = PUMP_ENDED;
    return SL_OK;
  }
  if (s->pumps % 2 == 0) { /* nothing now: come back in 2 ms */
    s->waits++;
    loop_add_timer(op->job->loop, 2, 0, wake_src, op);
    *r = PUMP_WAIT;
    return SL_OK;
  }
  s->b.nrows = s->left < 3 ? s->left : 3;
  for (int i = 0; i < s->b.nrows; i++) {
    batch_row(&s->b, i)[0] = value_int(s->left - i);
    s->b.kind[i] = (uint8_t)(i % 2 ? RK_UPDATE_AFTER : RK_INSERT);
  }
  s->left -= s->b.nrows;
  *r = PUMP_EMITTED;
  sl_status st = op_emit(op, &s->b, e);
  batch_clear(&s->b);
  return st;
}
static void script_free(sl_op *op) {
  batch_free(&((script_src *)op)->b);
  free(op);
}
static const op_vt script_vt = {.kind = "Script", .pump = script_pump, .free = script_free};

TEST(executor_runs_waiting_sources_to_their_end) {
  sl_job *j = job_new();
  sl_error e = {0};
  script_src *s = calloc(1, sizeof *s);
  op_init(&s->base, &script_vt, j, "script");
  batch_init(&s->b, 1, 3);
  s->left = 10;
  job_add_op(j, &s->base);
  static const sl_type t[1] = {{T_INT, 0, 0, 0, 0}};
  static const char *const names[1] = {"x"};
  s->base.ncols = 1;
  s->base.cols = names;
  s->base.types = t;
  /* through a Calc: kinds pass through */
  sl_arena a;
  arena_init(&a, 1024);
  sl_expr *col = expr_new(&a, E_COL, t[0], 0);
  col->col = 0;
  sl_expr *proj[1] = {col};
  sl_op *c = op_calc_new(j, NULL, proj, 1, names, t, names, 1, &e);
  CHECK(c != NULL);
  job_add_op(j, c);
  rec_op *r = rec_new(j);
  op_connect(&s->base, c);
  op_connect(c, &r->base);
  CHECK(job_run(j, &e) == SL_OK);
  CHECK(r->rows == 10);
  CHECK(r->kinds[RK_UPDATE_AFTER] == 3 && r->kinds[RK_INSERT] == 7);
  CHECK(r->ends == 1 && r->finishes == 1);
  CHECK(r->nwm == 1 && r->wms[0] == WM_INFINITY); /* the end of a bounded input */
  CHECK(s->waits >= 3);
  CHECK(!j->stopped);
  arena_free(&a);
  job_free(j);
}

TEST(stop_is_not_end) {
  sl_job *j = job_new();
  sl_error e = {0};
  script_src *s = calloc(1, sizeof *s);
  op_init(&s->base, &script_vt, j, "script");
  batch_init(&s->b, 1, 3);
  s->left = 1000000;
  job_add_op(j, &s->base);
  rec_op *r = rec_new(j);
  op_connect(&s->base, &r->base);
  job_request_stop(j, 15);
  CHECK(job_run(j, &e) == SL_OK);
  CHECK(j->stopped && j->stop_signal == 15 && j->bounded);
  CHECK(r->ends == 0 && r->finishes == 0); /* no END, no finish */
  CHECK(r->nwm == 0);                      /* and no +infinity watermark */
  job_free(j);
}

/* ---- state ---- */

TEST(kept_rows_outlive_their_batch_and_are_counted) {
  static const sl_type t[3] = {
      {T_STRING, 0, 0, 0, 0}, {T_BIGINT, 0, 0, 0, 0}, {T_STRING, 0, 0, 0, 0}};
  sl_batch b;
  batch_init(&b, 3, 2);
  char *text = arena_strdup(&b.arena, "hello world");
  sl_value *row = batch_row(&b, 0);
  row[0] = value_str(text, 5);
  row[1] = value_int(42);
  row[2] = value_null();
  state_alloc al;
  state_alloc_init(&al, "test", 0);
  sl_value *kept = state_keep_row_alloc(&al, row, t, 3);
  CHECK(al.bytes == 3 * sizeof(sl_value) + 5);
  state_arena ar;
  state_arena_init(&ar, &al, 256);
  sl_value *w = state_keep_row_arena(&ar, row, t, 3);
  memset(text, 'x', 11); /* the batch's memory is reused */
  batch_clear(&b);
  CHECK(kept[0].len == 5 && memcmp(kept[0].u.s, "hello", 5) == 0);
  CHECK(kept[1].u.i == 42 && kept[2].null);
  CHECK(w[0].len == 5 && memcmp(w[0].u.s, "hello", 5) == 0);
  size_t peak = al.peak;
  state_arena_free(&ar); /* a window fires: all of it back at once */
  state_free_row(&al, kept, t, 3);
  CHECK(al.bytes == 0 && al.peak == peak && peak > 0);
  /* a limit refuses, it never overshoots */
  state_alloc small;
  state_alloc_init(&small, "small", 100);
  CHECK(state_malloc(&small, 200) == NULL);
  void *p = state_malloc(&small, 60);
  CHECK(p != NULL && state_malloc(&small, 60) == NULL);
  state_free(&small, p, 60);
  batch_free(&b);
}

static int sig_seen;
static void on_sig(sl_loop *l, int signo, void *arg) { sig_seen = signo; }

TEST(loop_signals_reach_the_callback_on_the_loop_thread) {
  sl_loop *l = loop_new();
  static const int sigs[] = {SIGUSR1};
  CHECK(loop_watch_signals(l, sigs, 1, on_sig, NULL) == 0);
  int before = loop_signal_count();
  raise(SIGUSR1); /* the handler only notes it and pokes the eventfd */
  CHECK(sig_seen == 0);
  CHECK(loop_signal_count() == before + 1 && loop_signal_caught() == SIGUSR1);
  CHECK(loop_poll(l, 1000) >= 1);
  CHECK(sig_seen == SIGUSR1);
  signal(SIGUSR1, SIG_DFL);
  loop_free(l);
}
