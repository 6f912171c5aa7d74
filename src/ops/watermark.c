/* watermark.c - the watermark assigner (WATERMARK FOR ts AS expr), right above a source: forwards
 * every batch unchanged, evaluates the watermark expression per row and keeps the highest value
 * per split (a file of the source: row pos.source and pos.file). The operator's watermark is
 * the minimum over the splits that have sent a row and are not idle; it is sent after the batch
 * when it rises, never backwards. With an idle timeout a loop timer marks a split idle when its
 * last row is older than the timeout (it then no longer holds the others back); when every
 * split is idle the operator sends IDLE, and ACTIVE when a row comes again. The source's
 * +infinity watermark and END pass by the default handling.
 * Must not touch: the rows (the caller's batch is forwarded as is) or the plan's expression. */
#include <stdlib.h>
#include <string.h>

#include "ops.h"

typedef struct wm_split {
  uint64_t key;    /* source << 32 | file */
  int64_t wm;      /* highest watermark value of the split (WM_NONE: none valid yet) */
  int64_t last_ms; /* processing time of its last row */
  bool idle;
} wm_split;

typedef struct wm_op {
  sl_op base;
  sl_arena exprs;
  sl_expr *wm_expr;
  const char *const *in_names;
  int64_t idle_ms;
  uint64_t timer;
  int64_t started_ms; /* no split yet: the operator is idle idle_ms after this */
  wm_split *splits;
  int nsplits, cap;
  int *slots; /* open addressing over splits: index + 1, 0 empty */
  int nslots;
  int last; /* the split of the previous row */
  sl_arena scratch_arena;
  sl_buf scratch;
} wm_op;

static uint64_t split_hash(uint64_t k) {
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdULL;
  k ^= k >> 33;
  return k;
}

static void slots_insert(wm_op *w, int idx) {
  size_t mask = (size_t)w->nslots - 1;
  for (size_t s = split_hash(w->splits[idx].key) & mask;; s = (s + 1) & mask)
    if (!w->slots[s]) {
      w->slots[s] = idx + 1;
      return;
    }
}

static int split_of(wm_op *w, const sl_rowpos *pos) {
  uint64_t key = (uint64_t)pos->source << 32 | pos->file;
  if (w->last >= 0 && w->splits[w->last].key == key) return w->last;
  size_t mask = (size_t)w->nslots - 1;
  for (size_t s = split_hash(key) & mask; w->slots[s]; s = (s + 1) & mask)
    if (w->splits[w->slots[s] - 1].key == key) return w->last = w->slots[s] - 1;
  if (w->nsplits == w->cap) {
    w->cap = w->cap ? w->cap * 2 : 8;
    w->splits = xrealloc(w->splits, sizeof(wm_split) * (size_t)w->cap);
  }
  int idx = w->nsplits++;
  w->splits[idx] = (wm_split){key, WM_NONE, 0, false};
  if (w->nsplits * 2 > w->nslots) { /* grow and rehash */
    free(w->slots);
    w->nslots *= 2;
    w->slots = xcalloc((size_t)w->nslots, sizeof(int));
    for (int i = 0; i < w->nsplits; i++) slots_insert(w, i);
  } else {
    slots_insert(w, idx);
  }
  return w->last = idx;
}

/* The minimum over the splits that are not idle; WM_NONE when there is none (or one has no
 * valid value yet, which holds the others back, as Flink's per-split watermarks do). */
static int64_t splits_min(const wm_op *w, bool *any_active) {
  int64_t m = WM_INFINITY;
  *any_active = false;
  for (int i = 0; i < w->nsplits; i++) {
    const wm_split *s = &w->splits[i];
    if (s->idle) continue;
    *any_active = true;
    if (s->wm < m) m = s->wm;
  }
  return *any_active ? m : WM_NONE;
}

static sl_status advance(wm_op *w, sl_error *e) {
  bool any;
  int64_t m = splits_min(w, &any);
  if (!any || m == WM_NONE || m <= w->base.wm || w->base.ended) return SL_OK;
  sl_signal s = {SIG_WATERMARK, m, 0};
  return op_signal_emit(&w->base, &s, e);
}

static sl_status wm_push(sl_op *op, int port, const sl_batch *b, sl_error *e) {
  wm_op *w = (wm_op *)op;
  expr_ctx ctx = op->job->ctx;
  ctx.arena = &w->scratch_arena;
  ctx.scratch = &w->scratch;
  ctx.watermark = op->nin ? op->ports[0].wm : WM_NONE;
  int64_t now = w->idle_ms > 0 ? loop_now_ms() : 0;
  bool woke = false;
  for (int r = 0; r < b->nrows; r++) {
    int si = split_of(w, &b->pos[r]); /* may grow w->splits */
    wm_split *s = &w->splits[si];
    if (s->idle) {
      s->idle = false;
      woke = true;
    }
    s->last_ms = now;
    sl_value v;
    sl_status st = expr_eval(w->wm_expr, batch_row(b, r), &ctx, &v);
    if (st == SL_EDATA) { /* the row goes on; it just moves no watermark */
      ctx.errmsg[0] = 0;
      ctx.erroff = 0;
      continue;
    }
    if (st) return st;
    if (!v.null && v.u.i > s->wm) s->wm = v.u.i;
  }
  arena_reset(&w->scratch_arena);
  sl_status st;
  if (woke && op->idle) {
    sl_signal a = {SIG_ACTIVE, 0, 0};
    if ((st = op_signal_emit(op, &a, e))) return st;
  }
  if ((st = op_emit(op, b, e))) return st;
  return advance(w, e);
}

/* The idle check (a loop timer): splits silent for idle_ms are idle. The watermark may rise
 * (an idle split no longer holds it back); every split idle is IDLE downstream. A failure here
 * has no caller to return to: it goes to the job, which stops the run with it. */
static void idle_tick(sl_loop *l, uint64_t id, void *arg) {
  wm_op *w = arg;
  sl_op *op = &w->base;
  if (op->ended) return;
  int64_t now = loop_now_ms();
  bool changed = false;
  for (int i = 0; i < w->nsplits; i++) {
    wm_split *s = &w->splits[i];
    if (!s->idle && now - s->last_ms >= w->idle_ms) s->idle = changed = true;
  }
  bool none = w->nsplits == 0 && now - w->started_ms >= w->idle_ms;
  if (!changed && !none) return;
  sl_error e = {0};
  sl_status st = advance(w, &e);
  bool any;
  splits_min(w, &any);
  if (!st && !any && !op->idle) {
    sl_signal s = {SIG_IDLE, 0, 0};
    st = op_signal_emit(op, &s, &e);
  }
  if (st) job_fail(op->job, &e);
}

static void stop_timer(wm_op *w) {
  if (w->timer && w->base.job->loop) loop_del_timer(w->base.job->loop, w->timer);
  w->timer = 0;
}

static sl_status wm_finish(sl_op *op, sl_error *e) {
  stop_timer((wm_op *)op);
  return SL_OK;
}

static sl_status wm_stop(sl_op *op, bool publish, sl_error *e) {
  stop_timer((wm_op *)op);
  return SL_OK;
}

static void wm_describe(const sl_op *op, sl_buf *out) {
  const wm_op *w = (const wm_op *)op;
  buf_puts(out, "watermark ");
  expr_format(w->wm_expr, w->in_names, out);
  if (w->idle_ms > 0) buf_printf(out, ", idle after %lld ms", (long long)w->idle_ms);
}

static void wm_free(sl_op *op) {
  wm_op *w = (wm_op *)op;
  stop_timer(w);
  expr_free_aux(w->wm_expr);
  free(w->splits);
  free(w->slots);
  buf_free(&w->scratch);
  arena_free(&w->scratch_arena);
  arena_free(&w->exprs);
  free(w);
}

/* Snapshot (kind "WatermarkAssigner", version 1): the forwarded watermark, then each split's
 * key and highest value, so a restored assigner neither goes back nor forgets a slow split. */
static sl_status wm_snapshot(sl_op *op, sl_buf *out, sl_error *e) {
  (void)e;
  wm_op *w = (wm_op *)op;
  state_put_header(out, "WatermarkAssigner", 1);
  state_put_i64(out, op->wm);
  state_put_u64(out, (uint64_t)w->nsplits);
  for (int i = 0; i < w->nsplits; i++) {
    state_put_u64(out, w->splits[i].key);
    state_put_i64(out, w->splits[i].wm);
  }
  state_put_end(out);
  return SL_OK;
}

static sl_status wm_restore(sl_op *op, const void *p, size_t n, sl_error *e) {
  wm_op *w = (wm_op *)op;
  state_reader r = {0};
  uint32_t version;
  if (w->nsplits || !state_reader_open(&r, p, n, "WatermarkAssigner", &version) || version != 1)
    return err_set(e, SL_ERUNTIME, "WatermarkAssigner: not a snapshot of this operator");
  int64_t wm = state_get_i64(&r);
  uint64_t ns = state_get_u64(&r);
  int64_t now = loop_now_ms();
  for (uint64_t i = 0; i < ns && !r.bad; i++) {
    uint64_t key = state_get_u64(&r);
    int64_t v = state_get_i64(&r);
    if (r.bad) break;
    sl_rowpos pos = {(uint32_t)(key >> 32), (uint32_t)key, 0};
    int si = split_of(w, &pos);
    w->splits[si].wm = v;
    w->splits[si].last_ms = now;
  }
  if (r.bad) return err_set(e, SL_ERUNTIME, "WatermarkAssigner: a damaged snapshot");
  op->wm = wm;
  return SL_OK;
}

static const op_vt wm_vt = {.kind = "WatermarkAssigner",
                            .push = wm_push,
                            .finish = wm_finish,
                            .stop = wm_stop,
                            .describe = wm_describe,
                            .free = wm_free,
                            .snapshot = wm_snapshot,
                            .restore = wm_restore};

sl_op *op_watermark_new(sl_job *j, const sl_expr *wm_expr, int64_t idle_timeout_ms, op_cols out,
                        sl_error *e) {
  wm_op *w = xcalloc(1, sizeof *w);
  op_init(&w->base, &wm_vt, j, "watermark");
  arena_init(&w->exprs, 1024);
  arena_init(&w->scratch_arena, 1024);
  w->wm_expr = expr_substitute(wm_expr, NULL, &w->exprs);
  w->in_names = out.names;
  w->base.ncols = out.n;
  w->base.cols = out.names;
  w->base.types = out.types;
  w->idle_ms = idle_timeout_ms > 0 ? idle_timeout_ms : 0;
  w->last = -1;
  w->nslots = 16;
  w->slots = xcalloc((size_t)w->nslots, sizeof(int));
  const char *m = expr_prepare(w->wm_expr, NULL);
  if (m) {
    wm_free(&w->base);
    err_set(e, SL_ESQL, "%s", m);
    return NULL;
  }
  if (w->idle_ms > 0 && j->loop) {
    int64_t every = w->idle_ms / 4;
    every = every < 5 ? 5 : every > 1000 ? 1000 : every;
    w->started_ms = loop_now_ms();
    w->timer = loop_add_timer(j->loop, every, every, idle_tick, w);
  }
  return &w->base;
}
