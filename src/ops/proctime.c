/* proctime.c - the processing-time watermark assigner, right below a window or OVER aggregation
 * over a PROCTIME() attribute. It stamps each arriving batch's time column with the wall clock
 * (epoch ms, the same stamp for the whole batch, never going back) and sends WATERMARK(stamp -
 * 1) before the batch, so the event-time window operators above fire a window once the wall
 * clock passes its end; a row can never be late (its stamp is above every watermark sent
 * before it). A one-shot loop timer, re-armed at every instant of a grid (the instants where a
 * window ends, or a heartbeat), sends the watermark when no row comes, so an idle pipeline still
 * fires its windows; with after_batch it also fires that long after a batch (OVER: its rows come
 * out 1 ms later). The input's own watermarks (event time) are swallowed, except the +infinity
 * of a bounded input's end, which fires everything; IDLE/ACTIVE are swallowed too (the clock
 * never idles). In batch mode it only stamps: the +infinity watermark at the end fires.
 * Must not touch: the input batch (rows are copied into its own batch) or the windows. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ops.h"

typedef struct pt_op {
  sl_op base;
  int time_col;
  int64_t period, phase; /* timer instants: x with x = phase (mod period) */
  int64_t after_batch;   /* > 0: also fire this long after a batch's stamp */
  bool batch_mode;       /* stamps only: no watermark, no timer */
  int64_t last;          /* the last stamp (stamps never go back) */
  uint64_t timer;
  int64_t timer_at; /* the wall-clock instant the armed timer is for */
  sl_batch out;
} pt_op;

static int64_t wall_ms(void) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* Now, never before the previous stamp nor at or below the watermark already sent (the wall
 * clock may be set back). */
static int64_t stamp_now(pt_op *p) {
  int64_t t = wall_ms();
  if (t < p->last) t = p->last;
  if (p->base.wm != WM_NONE && p->base.wm != WM_INFINITY && t <= p->base.wm) t = p->base.wm + 1;
  return p->last = t;
}

static sl_status send_wm(pt_op *p, int64_t t, sl_error *e) {
  if (p->batch_mode || p->base.ended || t - 1 <= p->base.wm) return SL_OK;
  sl_signal s = {SIG_WATERMARK, t - 1, 0};
  return op_signal_emit(&p->base, &s, e);
}

static void tick(sl_loop *l, uint64_t id, void *arg);

static void arm(pt_op *p, int64_t at) {
  sl_loop *l = p->base.job->loop;
  if (!l) return;
  if (p->timer) loop_del_timer(l, p->timer);
  int64_t after = at - wall_ms();
  p->timer = loop_add_timer(l, after > 0 ? after : 0, 0, tick, p);
  p->timer_at = at;
}

/* The first grid instant after t. */
static int64_t next_instant(const pt_op *p, int64_t t) {
  return t - floor_mod(t - p->phase, p->period) + p->period;
}

static void tick(sl_loop *l, uint64_t id, void *arg) {
  pt_op *p = arg;
  p->timer = 0;
  if (p->base.ended) return;
  int64_t t = stamp_now(p);
  sl_error e = {0};
  sl_status st = send_wm(p, t, &e);
  if (st) {
    job_fail(p->base.job, &e);
    return;
  }
  arm(p, next_instant(p, t));
}

static sl_status pt_push(sl_op *op, int port, const sl_batch *b, sl_error *e) {
  pt_op *p = (pt_op *)op;
  if (b->ncols != p->out.ncols)
    return err_set(e, SL_EINTERNAL, "processing-time assigner: %d columns in, %d expected",
                   b->ncols, p->out.ncols);
  int64_t t = stamp_now(p);
  sl_status st = send_wm(p, t, e);
  if (st) return st;
  sl_value stamp = value_int(t);
  for (int r0 = 0; r0 < b->nrows; r0 += p->out.cap) {
    int n = b->nrows - r0 < p->out.cap ? b->nrows - r0 : p->out.cap;
    memcpy(p->out.v, batch_row(b, r0), sizeof(sl_value) * (size_t)n * (size_t)b->ncols);
    memcpy(p->out.kind, b->kind + r0, (size_t)n);
    memcpy(p->out.pos, b->pos + r0, sizeof(sl_rowpos) * (size_t)n);
    for (int r = 0; r < n; r++) batch_row(&p->out, r)[p->time_col] = stamp;
    p->out.nrows = n; /* strings still point into the input batch, valid for the whole push */
    st = op_emit(op, &p->out, e);
    batch_clear(&p->out);
    if (st) return st;
  }
  if (p->after_batch > 0 && !p->batch_mode && p->timer && t + p->after_batch < p->timer_at)
    arm(p, t + p->after_batch);
  return SL_OK;
}

static void stop_timer(pt_op *p) {
  if (p->timer && p->base.job->loop) loop_del_timer(p->base.job->loop, p->timer);
  p->timer = 0;
}

static sl_status pt_signal(sl_op *op, int port, const sl_signal *sig, sl_error *e) {
  switch (sig->kind) {
  case SIG_WATERMARK: /* event time means nothing here; the end of the input does */
    return sig->ts == WM_INFINITY ? op_signal_default(op, port, sig, e) : SL_OK;
  case SIG_IDLE:
  case SIG_ACTIVE: return SL_OK;
  case SIG_END: stop_timer((pt_op *)op); /* fall through */
  default: return op_signal_default(op, port, sig, e);
  }
}

static sl_status pt_stop(sl_op *op, bool publish, sl_error *e) {
  stop_timer((pt_op *)op);
  return SL_OK;
}

static void pt_describe(const sl_op *op, sl_buf *out) {
  const pt_op *p = (const pt_op *)op;
  buf_printf(out, "processing time %s", op->cols ? op->cols[p->time_col] : "?");
  if (p->batch_mode) {
    buf_puts(out, " (batch mode: windows fire at the end of the input)");
    return;
  }
  buf_printf(out, ", watermark before each batch and every %lld ms", (long long)p->period);
  if (p->phase) buf_printf(out, " (+%lld ms)", (long long)p->phase);
  if (p->after_batch > 0) buf_printf(out, " and %lld ms after a batch", (long long)p->after_batch);
}

static void pt_free(sl_op *op) {
  pt_op *p = (pt_op *)op;
  stop_timer(p);
  batch_free(&p->out);
  free(p);
}

static const op_vt pt_vt = {.kind = "WatermarkAssigner",
                            .push = pt_push,
                            .signal = pt_signal,
                            .stop = pt_stop,
                            .describe = pt_describe,
                            .free = pt_free};

sl_op *op_proctime_new(sl_job *j, int time_col, int64_t period, int64_t phase,
                       int64_t after_batch_ms, bool batch_mode, op_cols out, sl_error *e) {
  if (time_col < 0 || time_col >= out.n || period <= 0) {
    err_set(e, SL_EINTERNAL, "processing-time assigner: bad time column or period");
    return NULL;
  }
  pt_op *p = xcalloc(1, sizeof *p);
  op_init(&p->base, &pt_vt, j, "proctime");
  p->base.ncols = out.n;
  p->base.cols = out.names;
  p->base.types = out.types;
  p->time_col = time_col;
  p->period = period;
  p->phase = floor_mod(phase, period);
  p->after_batch = after_batch_ms;
  p->batch_mode = batch_mode;
  p->last = INT64_MIN;
  batch_init(&p->out, out.n, j->batch_rows);
  if (!batch_mode) arm(p, next_instant(p, wall_ms()));
  return &p->base;
}
