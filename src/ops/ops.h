/* ops.h - the operators the planner builds between sources and sinks. Public header of the
 * ops subsystem. Each constructor makes a fresh instance with its own state, compiled
 * expressions and output batch, so several workers can build their own from one plan: the
 * expression trees passed in belong to the plan and are copied, never changed.
 * Must not touch: the SQL front end (sql/, plan/): operators see bound expressions only. */
#ifndef SLUICE_OPS_H
#define SLUICE_OPS_H

#include "../agg/agg.h"
#include "../pipeline/pipeline.h"

/* Filter + project in one pass (Flink's Calc). pred may be NULL; proj[i] makes column i.
 * Row kinds pass through unchanged. NULL with e set when an expression cannot be prepared. */
sl_op *op_calc_new(sl_job *j, const sl_expr *pred, sl_expr *const *proj, int nproj,
                   const char *const *names, const sl_type *types, const char *const *in_names,
                   int in_ncols, sl_error *e);
/* UNION ALL of any number of inputs (connect them with op_connect). */
sl_op *op_union_new(sl_job *j, int ncols, const char *const *names, const sl_type *types);
/* SELECT without FROM: one row of zero columns, then the end. */
sl_op *op_onerow_new(sl_job *j, int source_index);

/* The output columns every constructor below takes: names and types of the rows it emits
 * (the planner's arrays; they outlive the job). */
typedef struct op_cols {
  int n;
  const char *const *names;
  const sl_type *types;
} op_cols;

/* ---- event time ---- */

/* Watermark assigner (sits right above a source with WATERMARK FOR): forwards every batch
 * unchanged and computes wm_expr (over the input row) per row; the watermark of each split
 * (row pos.file: a file of the source) is the highest value seen there, and the operator's
 * watermark the minimum over its splits that are not idle. A split that sends nothing for
 * idle_timeout_ms (0: never) is idle (a loop timer checks) until it sends again. Watermarks
 * are sent when they rise, at most once per batch; NULL wm values are ignored. */
sl_op *op_watermark_new(sl_job *j, const sl_expr *wm_expr, int64_t idle_timeout_ms, op_cols out,
                        sl_error *e);

/* ---- windows ---- */

typedef enum window_kind { WIN_TUMBLE = 1, WIN_HOP, WIN_CUMULATE, WIN_SESSION } window_kind;

/* A window assignment (Flink's windowing TVFs). Times are milliseconds in the time column's
 * own representation (TIMESTAMP(3): wall-clock millis; TIMESTAMP_LTZ(3): epoch millis).
 * TUMBLE: [k*size + offset, +size). HOP: windows of `size` every `slide`. CUMULATE: windows
 * [start, start + step), [start, start + 2*step) ... up to `size` for each start = k*size +
 * offset. SESSION: rows of one key closer than `gap` merge into one window. */
typedef struct window_spec {
  int kind; /* window_kind */
  int time_col;
  int64_t size, slide, step, gap, offset;
  const int *keys; /* SESSION: the PARTITION BY columns of the TVF on its own (input columns; */
  int nkeys;       /* none: one session stream over all rows); the aggregation uses its keys */
  bool late_check; /* op_window_tvf_new: a row whose earliest window ended at or before the
                      watermark is late (job_late) and not emitted at all, as a window
                      aggregation does; set when a window top-N or dedup consumes the TVF */
} window_spec;

/* Emission of window results. */
typedef struct window_emit {
  int64_t early_fire_ms; /* 'table.exec.emit.early-fire.delay' with '...enabled': emit the
                            current result of open windows this often (processing time) as
                            updates (+I then -U/+U); 0: only final results */
} window_emit;

/* A windowing TVF on its own: appends window_start, window_end (TIMESTAMP(3), or LTZ when the
 * time column is) and window_time (the time column's type: window_end - 1 ms) to each input
 * row; a HOP or CUMULATE row comes out once per window containing it. SESSION (per w->keys
 * partition) keeps each row until the watermark closes its session, then emits the session's
 * rows with its final bounds; a row whose session was already emitted is late (job_late).
 * out = input columns + the three. */
sl_op *op_window_tvf_new(sl_job *j, const window_spec *w, op_cols out, sl_error *e);

/* Window aggregation (GROUP BY window_start, window_end, keys): per key and window, the
 * aggregates; a window's final row is emitted when the watermark reaches its end, and its
 * state is freed then. TUMBLE, HOP and CUMULATE keep slices (of gcd(size, slide) or `step`)
 * so a row costs one accumulator update; a window is the merge of its slices. A row whose
 * earliest window has been emitted is late (job_late, per its source's policy; LATE_UPDATE within
 * 'allowed-lateness' re-emits the corrected result as -U/+U, as state is kept that long).
 * out = keys (input columns keys[]), then the aggregates, then window_start, window_end,
 * window_time. Append-only output, unless early firing or late updates are on. */
sl_op *op_window_agg_new(sl_job *j, const window_spec *w, const int *keys, int nkeys,
                         const agg_spec *aggs, int naggs, const window_emit *emit, op_cols out,
                         sl_error *e);

/* ---- updating results ---- */

/* Group aggregation without windows (GROUP BY keys): emits a changelog: +I for a new key,
 * -U/+U when its result changes, -D when its last row is retracted (input may be updating).
 * nkeys 0: one global group. batch_mode: emit only final +I rows at the end. ttl_ms: a key
 * untouched that long (processing time) is forgotten (0: never). out = keys, then aggregates. */
sl_op *op_group_agg_new(sl_job *j, const int *keys, int nkeys, const agg_spec *aggs, int naggs,
                        bool batch_mode, int64_t ttl_ms, op_cols out, sl_error *e);

/* GROUPING SETS / ROLLUP / CUBE (Flink's Expand): each input row comes out once per set, with
 * the key columns not in that set NULL and a BIGINT group id appended (set index), so one group
 * aggregation over keys + id computes every set. keep[s][c]: column c kept in set s.
 * out = input columns + the id. */
sl_op *op_expand_new(sl_job *j, int nsets, const bool *const *keep, op_cols out, sl_error *e);

/* ORDER BY items of top-N and OVER. Flink's default null order: NULLS FIRST for ASC. */
typedef struct sort_key {
  int col;
  bool desc, nulls_first;
} sort_key;

/* Top-N (ROW_NUMBER() OVER (PARTITION BY part ORDER BY order) with rn <= limit), which with
 * limit 1 is deduplication (ORDER BY the time attribute ASC keeps the first row, DESC the
 * last). Unbounded (win_end_col < 0): emits a changelog as rows enter and leave the top N of
 * their partition (input may be updating). Per window (win_end_col: the input's window_end;
 * the partition includes window_start/window_end): rows are kept until the watermark reaches
 * the window end, then the top N are emitted once, append-only, and the state is freed; late
 * rows go to job_late. batch_mode: only the final rows at the end. rn_out: append the row
 * number as a BIGINT column; else out = the input columns. proctime (unbounded, streaming,
 * append-only input, one ORDER BY item: a PROCTIME() column): rows rank by arrival, never by
 * the column's values: ASC keeps the first `limit` rows of a partition, emitted once as +I and
 * never replaced (the output is append-only and only a count per partition is kept); DESC
 * puts every new row first (-U/+U for keep-last dedup). ttl_ms (unbounded only; 0: never): a
 * partition untouched that long (processing time) is forgotten, as in GroupAgg. */
sl_op *op_rank_new(sl_job *j, const int *part, int npart, const sort_key *order, int norder,
                   int64_t limit, bool rn_out, int win_end_col, bool batch_mode, bool proctime,
                   int64_t ttl_ms, op_cols out, sl_error *e);

/* OVER aggregation on event time: agg(x) OVER (PARTITION BY part ORDER BY time_col
 * RANGE BETWEEN preceding ms PRECEDING AND CURRENT ROW) or ROWS BETWEEN preceding rows
 * PRECEDING AND CURRENT ROW (preceding -1: UNBOUNDED). Rows are buffered until the watermark
 * passes their time, then emitted in time order with the aggregates over their frame (rows
 * with the same time share a RANGE frame); rows behind the watermark are late (job_late).
 * out = input columns, then the aggregates. Append-only. ttl_ms (0: never): a partition no
 * row has reached for that long (processing time) is forgotten with its accumulators and
 * frame rows (an UNBOUNDED frame restarts when the key comes back), unless a queued event
 * (a row waiting for the watermark, a RANGE frame's cleanup) still needs it. */
typedef enum over_frame { OVER_ROWS = 1, OVER_RANGE } over_frame;
sl_op *op_over_new(sl_job *j, const int *part, int npart, int time_col, int frame,
                   int64_t preceding, const agg_spec *aggs, int naggs, int64_t ttl_ms, op_cols out,
                   sl_error *e);

#endif
