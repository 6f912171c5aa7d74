/* window_agg_int.h - what the window aggregation's files share (window_agg.c: slices, firing,
 * late rows; window_early.c: early results; window_session.c: SESSION windows; window_snap.c:
 * the snapshot stream). Internal to ops/. */
#ifndef SLUICE_OPS_WINDOW_AGG_INT_H
#define SLUICE_OPS_WINDOW_AGG_INT_H

#include "window_int.h"

/* One slice: per packed key a wagg_val + accumulator block. first/last: the ends of the
 * first and last windows that contain it. */
typedef struct wslice {
  int64_t end, first, last;
  state_map map;
  state_arena entries;      /* the map's entries: a slice is dropped as a whole */
  state_entry *head, *tail; /* its entries in arrival order (wagg_val.next), as they lie in
                               the arena: firing and snapshots walk them so */
} wslice;

/* The value of a slice map entry: the position of the key's first row, the firing that last
 * merged it into a window (fire_window's mark), the slice's next entry in arrival order, the
 * same key's entry in the nearest later slice that can share a window with this one (HOP,
 * CUMULATE; NULL when none), the end of its own slice, then the accumulator block
 * (8-aligned). */
typedef struct wagg_val {
  sl_rowpos pos;
  uint64_t fired;
  state_entry *next, *later;
  int64_t end;
} wagg_val;
static inline void *wagg_acc(void *val) { return (char *)val + sizeof(wagg_val); }

typedef struct wagg_op {
  sl_op base;
  window_spec w;
  int64_t slen, estep; /* slice length; distance between window ends */
  int *keys, nkeys;
  sl_type *key_types;
  agg_set *aggs;
  int naggs;
  size_t acc_size, val_size;
  window_emit emit;
  int64_t wm;      /* the input watermark up to which windows have fired */
  wslice **slices; /* open slices by end */
  int nslices, slicecap, ncache;
  uint64_t firing; /* counts fire_window calls: the mark of the current one */
  size_t hint;     /* keys in the last slice freed: the size a new slice's map starts at */
  int64_t *ends;   /* scratch: window ends to fire */
  int endcap;
  void *scratch; /* one accumulator block: a window's slices merged for one key */
  sl_buf key;    /* scratch: the packed key of the current row */
  sl_batch out;
  /* early firing (window_early.c): per window end + key, the result last emitted */
  state_map early;
  uint64_t timer;
  sl_status early_st; /* an error in the timer callback, returned at the next call */
  sl_error early_err;
  /* SESSION (window_session.c): per key its open sessions; a heap of (end, key entry) */
  state_map sess;
  struct sess_timer *heap;
  size_t nheap, heapcap;
  /* two-phase aggregation (window_two_phase.c): WAGG_LOCAL emits each slice's partial
   * accumulators instead of windows; WAGG_GLOBAL merges them into its slices and fires */
  int phase;
  void *scratch2;
  sl_buf blob;
} wagg_op;

enum { WAGG_FULL = 0, WAGG_LOCAL, WAGG_GLOBAL };
/* Local: every slice whose first window the watermark closes goes out as partial rows (keys,
 * slice end, the accumulator's bytes) and is freed. */
sl_status wagg_local_advance(wagg_op *a, int64_t wm, sl_error *e);
/* Global: the partial rows of the workers merged into this operator's slices. */
sl_status wagg_global_push(wagg_op *a, const sl_batch *b, sl_error *e);
void wagg_slice_free(wagg_op *a, int i);

wslice *wagg_slice(wagg_op *a, int64_t end, bool create);
/* state_map_upsert into a slice: a new entry is linked at the end of its arrival order and
 * into its key's chain of later entries. */
state_entry *wagg_upsert(wagg_op *a, wslice *s, const void *key, size_t klen, uint64_t hash,
                         bool *created);
void wagg_window_slices(wagg_op *a, int64_t end, int *lo, int *hi);
sl_status wagg_flush(wagg_op *a, sl_error *e);
/* One output row; results NULL: computed from acc. */
sl_status wagg_out_row(wagg_op *a, const void *key, size_t klen, const void *acc,
                       const sl_value *results, int64_t start, int64_t end, int kind,
                       const sl_rowpos *pos, sl_error *e);
void wagg_late_reason(wagg_op *a, int64_t start, int64_t end, int64_t wm, sl_buf *b);
sl_status wagg_late(wagg_op *a, const sl_value *row, const sl_rowpos *pos, int64_t start,
                    int64_t end, sl_error *e);

/* Whether two result rows (naggs cells) are equal. */
bool wagg_results_equal(const wagg_op *a, const sl_value *x, const sl_value *y);
/* One output row of kept results (-U or -D of what was emitted): their strings are copied into
 * the output batch first, so the kept row may be freed before the batch goes out. */
sl_status wagg_out_kept(wagg_op *a, const void *key, size_t klen, const sl_value *prev,
                        int64_t start, int64_t end, int kind, const sl_rowpos *pos, sl_error *e);

size_t wagg_early_val_size(void);
size_t wagg_session_val_size(void);
void wagg_early_start(wagg_op *a); /* the timer */
/* The final row of a key's window with early firing on: +I if never emitted early, -U/+U if
 * its result changed since, nothing if not. */
sl_status wagg_early_final(wagg_op *a, const void *key, size_t klen, uint64_t hash, const void *acc,
                           int64_t start, int64_t end, const sl_rowpos *pos, sl_error *e);
/* Emits the current result of every open window changed since its last emission. */
sl_status wagg_early_fire(wagg_op *a, sl_error *e);
void wagg_early_forget(wagg_op *a); /* drops what belongs to windows already fired */
void wagg_early_free(wagg_op *a);

sl_status wagg_session_push(wagg_op *a, const sl_batch *b, sl_error *e);
sl_status wagg_session_advance(wagg_op *a, int64_t wm, sl_error *e);
/* Early firing: every open session changed since its last emission emits under the rule. */
sl_status wagg_session_early_fire(wagg_op *a, sl_error *e);
void wagg_session_free(wagg_op *a);

sl_status wagg_snapshot(sl_op *op, sl_buf *out, sl_error *e);
sl_status wagg_restore(sl_op *op, const void *p, size_t n, sl_error *e);
/* Snapshot parts of window_early.c and window_session.c. */
void wagg_early_snapshot(wagg_op *a, sl_buf *out);
bool wagg_early_restore(wagg_op *a, state_reader *r);
void wagg_session_snapshot(wagg_op *a, sl_buf *out);
bool wagg_session_restore(wagg_op *a, state_reader *r);

#endif
