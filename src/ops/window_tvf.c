/* window_tvf.c - the windowing table-valued functions on their own (TUMBLE, HOP, CUMULATE;
 * SESSION, which keeps rows, is window_session_tvf.c):
 * each input row comes out once per window containing it, with window_start, window_end and
 * window_time (= window_end - 1 ms) appended. HOP windows come out latest start first and
 * CUMULATE windows shortest first, as Flink assigns them. Stateless: nothing is held back, no
 * row is late here (Flink's TVF alone drops nothing); a row whose time is NULL has no window and
 * is rejected through the job (stage "window", its source's 'on-error' policy).
 * Must not touch: aggregation or watermarks (window_agg.c and the default signal handling). */
#include <stdlib.h>
#include <string.h>

#include "../format/format.h"
#include "window_int.h"

typedef struct tvf_op {
  sl_op base;
  window_spec w;
  int in_ncols;
  sl_batch out;
} tvf_op;

static sl_status tvf_put(tvf_op *t, const sl_value *row, const sl_batch *b, int r, int64_t start,
                         int64_t end, sl_error *e) {
  sl_value *o = batch_row(&t->out, t->out.nrows);
  memcpy(o, row, sizeof(sl_value) * (size_t)t->in_ncols);
  o[t->in_ncols] = value_int(start);
  o[t->in_ncols + 1] = value_int(end);
  o[t->in_ncols + 2] = value_int(end - 1);
  t->out.kind[t->out.nrows] = b->kind[r];
  t->out.pos[t->out.nrows++] = b->pos[r];
  if (t->out.nrows < t->out.cap) return SL_OK;
  /* strings still point into the input batch, valid for the whole push */
  sl_status st = op_emit(&t->base, &t->out, e);
  batch_clear(&t->out);
  return st;
}

sl_status win_reject_null_time(sl_op *op, int time_col, const sl_value *row, const sl_rowpos *pos,
                               sl_error *e) {
  const sl_op *in = op->in[0];
  sl_buf j = {0};
  fmt_row_json(in->cols, in->types, in->ncols, row, &j);
  char reason[256];
  snprintf(reason, sizeof reason, "the window time column '%s' is NULL",
           in->cols ? in->cols[time_col] : "?");
  sl_status st = job_reject(op->job, pos, "window", reason, j.data, j.len, e);
  buf_free(&j);
  return st;
}

sl_status win_late(sl_op *op, const char *what, int time_col, int64_t start, int64_t end,
                   int64_t wm, const sl_value *row, const sl_rowpos *pos, sl_error *e) {
  const sl_op *in = op->in[0];
  bool ltz = in->types[time_col].id == T_TIMESTAMP_LTZ;
  sl_buf j = {0}, a = {0}, z = {0}, w = {0};
  fmt_row_json(in->cols, in->types, in->ncols, row, &j);
  ts_format(start, false, ltz, &a);
  ts_format(end, false, ltz, &z);
  ts_format(wm, false, ltz, &w);
  char reason[256];
  snprintf(reason, sizeof reason, "late: %s [%s, %s) already emitted at watermark %s", what,
           buf_cstr(&a), buf_cstr(&z), buf_cstr(&w));
  sl_status st = job_late(op->job, pos, reason, j.data, j.len, e);
  buf_free(&j), buf_free(&a), buf_free(&z), buf_free(&w);
  return st;
}

static sl_status tvf_push(sl_op *op, int port, const sl_batch *b, sl_error *e) {
  tvf_op *t = (tvf_op *)op;
  const window_spec *w = &t->w;
  sl_status st;
  for (int r = 0; r < b->nrows; r++) {
    const sl_value *row = batch_row(b, r);
    const sl_value *tv = &row[w->time_col];
    if (tv->null) {
      if ((st = win_reject_null_time(op, w->time_col, row, &b->pos[r], e))) return st;
      continue;
    }
    int64_t ts = tv->u.i;
    if (w->late_check && op->wm != WM_NONE) {
      int64_t start, end; /* the earliest window holding ts */
      if (w->kind == WIN_HOP) {
        start = win_start_of(ts, w->offset, w->slide);
        while (start - w->slide > ts - w->size) start -= w->slide;
        end = start + w->size;
      } else if (w->kind == WIN_CUMULATE) {
        start = win_start_of(ts, w->offset, w->size);
        end = win_start_of(ts, w->offset, w->step) + w->step;
      } else {
        start = win_start_of(ts, w->offset, w->size);
        end = start + w->size;
      }
      if (end - 1 <= op->wm) {
        if ((st = win_late(op, "window", w->time_col, start, end, op->wm, row, &b->pos[r], e)))
          return st;
        continue;
      }
    }
    switch (w->kind) {
    case WIN_HOP: {
      int64_t last = win_start_of(ts, w->offset, w->slide);
      for (int64_t s = last; s > ts - w->size; s -= w->slide)
        if ((st = tvf_put(t, row, b, r, s, s + w->size, e))) return st;
      break;
    }
    case WIN_CUMULATE: {
      int64_t start = win_start_of(ts, w->offset, w->size);
      int64_t first = win_start_of(ts, w->offset, w->step) + w->step;
      for (int64_t end = first; end <= start + w->size; end += w->step)
        if ((st = tvf_put(t, row, b, r, start, end, e))) return st;
      break;
    }
    default: {
      int64_t s = win_start_of(ts, w->offset, w->size);
      if ((st = tvf_put(t, row, b, r, s, s + w->size, e))) return st;
    }
    }
  }
  st = op_emit(op, &t->out, e);
  batch_clear(&t->out);
  return st;
}

static void tvf_describe(const sl_op *op, sl_buf *out) {
  const tvf_op *t = (const tvf_op *)op;
  const window_spec *w = &t->w;
  const char *col = op->cols ? op->cols[w->time_col] : "?";
  switch (w->kind) {
  case WIN_HOP:
    buf_printf(out, "HOP(%s, slide %lld ms, size %lld ms", col, (long long)w->slide,
               (long long)w->size);
    break;
  case WIN_CUMULATE:
    buf_printf(out, "CUMULATE(%s, step %lld ms, size %lld ms", col, (long long)w->step,
               (long long)w->size);
    break;
  default: buf_printf(out, "TUMBLE(%s, size %lld ms", col, (long long)w->size);
  }
  if (w->offset) buf_printf(out, ", offset %lld ms", (long long)w->offset);
  buf_puts(out, ")");
}

static void tvf_free(sl_op *op) {
  tvf_op *t = (tvf_op *)op;
  batch_free(&t->out);
  free(t);
}

static const op_vt tvf_vt = {
    .kind = "WindowTableFunction", .push = tvf_push, .describe = tvf_describe, .free = tvf_free};

const char *window_spec_check(const window_spec *w) {
  switch (w->kind) {
  case WIN_TUMBLE: return w->size > 0 ? NULL : "TUMBLE needs a positive size";
  case WIN_HOP:
    if (w->size <= 0 || w->slide <= 0) return "HOP needs a positive size and slide";
    return NULL;
  case WIN_CUMULATE:
    if (w->size <= 0 || w->step <= 0) return "CUMULATE needs a positive size and step";
    if (w->size % w->step) return "CUMULATE needs a size that is a multiple of its step";
    return NULL;
  case WIN_SESSION: return w->gap > 0 ? NULL : "SESSION needs a positive gap";
  }
  return "unknown window kind";
}

sl_op *op_window_tvf_new(sl_job *j, const window_spec *w, op_cols out, sl_error *e) {
  if (w->kind == WIN_SESSION) return op_window_session_tvf_new(j, w, out, e);
  const char *m = window_spec_check(w);
  if (m) {
    err_set(e, SL_ESQL, "%s", m);
    return NULL;
  }
  if (out.n < 3 || w->time_col < 0 || w->time_col >= out.n - 3) {
    err_set(e, SL_EINTERNAL, "window TVF: bad output columns");
    return NULL;
  }
  tvf_op *t = xcalloc(1, sizeof *t);
  op_init(&t->base, &tvf_vt, j, "window");
  t->w = *w;
  t->in_ncols = out.n - 3;
  t->base.ncols = out.n;
  t->base.cols = out.names;
  t->base.types = out.types;
  batch_init(&t->out, out.n, j->batch_rows);
  return &t->base;
}
