/* window_int.h - window assignment shared by the window operators (window_tvf.c, window_agg.c,
 * window_session.c): which windows contain a timestamp, the slice a row updates, which
 * windows a slice belongs to. Internal to ops/. Times are int64 milliseconds; every window is
 * [start, end) and fires when the watermark reaches end - 1 (Flink's maxTimestamp). */
#ifndef SLUICE_OPS_WINDOW_INT_H
#define SLUICE_OPS_WINDOW_INT_H

#include "ops.h"

/* Flink's TimeWindow.getWindowStartWithOffset: the start of the window of length `size`
 * (aligned to offset) that contains ts. */
static inline int64_t win_start_of(int64_t ts, int64_t offset, int64_t size) {
  return ts - floor_mod(ts - offset, size);
}

static inline int64_t win_gcd(int64_t a, int64_t b) {
  while (b) {
    int64_t t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/* a + b without overflow past INT64_MAX (b >= 0). */
static inline int64_t win_sat_add(int64_t a, int64_t b) {
  return a > INT64_MAX - b ? INT64_MAX : a + b;
}

/* Whether a window ending at `end` has fired at watermark wm. */
static inline bool win_fired(int64_t end, int64_t wm) { return wm != WM_NONE && wm >= end - 1; }

/* The slice length of a sliced window kind: TUMBLE size, HOP gcd(size, slide), CUMULATE step. */
static inline int64_t win_slice_len(const window_spec *w) {
  switch (w->kind) {
  case WIN_HOP: return win_gcd(w->size, w->slide);
  case WIN_CUMULATE: return w->step;
  default: return w->size;
  }
}

/* The distance between the ends of consecutive windows (TUMBLE size, HOP slide, CUMULATE
 * step). */
static inline int64_t win_end_step(const window_spec *w) {
  switch (w->kind) {
  case WIN_HOP: return w->slide;
  case WIN_CUMULATE: return w->step;
  default: return w->size;
  }
}

/* The windows containing the slice [slice_end - slice_len, slice_end): their ends are
 * *first, *first + win_end_step ... *last. */
static inline void win_slice_windows(const window_spec *w, int64_t slice_end, int64_t *first,
                                     int64_t *last) {
  int64_t slen = win_slice_len(w), ss = slice_end - slen;
  switch (w->kind) {
  case WIN_HOP: {
    /* window starts ws = offset (mod slide), ss - size < ws <= ss */
    int64_t last_start = win_start_of(ss, w->offset, w->slide);
    *last = last_start + w->size;
    int64_t first_end = slice_end + floor_mod(w->offset + w->size - slice_end, w->slide);
    *first = first_end;
    break;
  }
  case WIN_CUMULATE: {
    int64_t start = win_start_of(ss, w->offset, w->size);
    *first = slice_end;
    *last = start + w->size;
    break;
  }
  default: *first = *last = slice_end; break;
  }
}

/* The start of the window ending at `end`. */
static inline int64_t win_start_for_end(const window_spec *w, int64_t end) {
  if (w->kind == WIN_CUMULATE) return win_start_of(end - 1, w->offset, w->size);
  return end - w->size;
}

/* The first slice end of the window [start, end): slices are [start, +slice_len) ... */
static inline int64_t win_first_slice_end(const window_spec *w, int64_t start) {
  return start + win_slice_len(w);
}

/* The largest 'allowed-lateness' of the job's sources with 'late-data' = 'update': how long a
 * window's state is kept after it fired. */
static inline int64_t win_keep_lateness(const sl_job *j) {
  int64_t al = 0;
  for (int i = 0; i < j->nsources; i++)
    if (j->sources[i].late == LATE_UPDATE && j->sources[i].allowed_lateness > al)
      al = j->sources[i].allowed_lateness;
  return al;
}

/* The SESSION TVF on its own (window_session_tvf.c); op_window_tvf_new calls it. */
sl_op *op_window_session_tvf_new(sl_job *j, const window_spec *w, op_cols out, sl_error *e);

/* NULL, or what is wrong with the sizes of a window spec (window_tvf.c). */
const char *window_spec_check(const window_spec *w);
/* A row whose window time column is NULL has no window: rejected through the job (stage
 * "window", the row as JSON) per its source's 'on-error'. (window_tvf.c) */
/* A late row (its earliest window, or its session, was emitted): job_late with "late: <what>
 * [start, end) already emitted at watermark wm" and the row as JSON. (window_tvf.c) */
sl_status win_late(sl_op *op, const char *what, int time_col, int64_t start, int64_t end,
                   int64_t wm, const sl_value *row, const sl_rowpos *pos, sl_error *e);
sl_status win_reject_null_time(sl_op *op, int time_col, const sl_value *row, const sl_rowpos *pos,
                               sl_error *e);

#endif
