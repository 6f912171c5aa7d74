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

/* Processing-time assigner (sits right below a window or OVER aggregation over a PROCTIME()
 * attribute): copies each batch with column time_col set to the wall clock (epoch ms) when it
 * arrives, one stamp per batch that never goes back, and sends WATERMARK(stamp - 1) before it;
 * a loop timer sends the watermark at every instant x = phase (mod period) (the window ends, or a
 * heartbeat) and, when after_batch_ms > 0, that long after a batch, so windows fire when the
 * wall clock passes their end even without input. Rows are never late. Upstream watermarks
 * other than +infinity, IDLE and ACTIVE are swallowed. batch_mode: stamps only (no watermark,
 * no timer): the +infinity watermark at the end fires everything. out = the input columns. */
sl_op *op_proctime_new(sl_job *j, int time_col, int64_t period, int64_t phase,
                       int64_t after_batch_ms, bool batch_mode, op_cols out, sl_error *e);

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
  int64_t out_size; /* > 0: window_start is window_end - out_size (a window aggregation over
                       a HOP aggregation's rows keeps their windows: see bind_agg.c) */
  const int *keys;  /* SESSION: the PARTITION BY columns of the TVF on its own (input columns; */
  int nkeys;        /* none: one session stream over all rows); the aggregation uses its keys */
  bool late_check;  /* op_window_tvf_new: a row whose earliest window ended at or before the
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

/* Two-phase window aggregation for parallel runs (window_two_phase.c): whether it applies
 * (TUMBLE, HOP, CUMULATE; no early results; aggregates without strings or DISTINCT), the local
 * phase (its rows: keys, then the slice end BIGINT and the partial accumulators as bytes in a
 * STRING; `final` is the one-phase operator's columns, `out` these) and the global phase (its
 * input: the local phase's rows after an exchange by the keys; out as op_window_agg_new). */
bool op_window_agg_two_phase(const window_spec *w, const agg_spec *aggs, int naggs,
                             const window_emit *emit);
sl_op *op_window_agg_local_new(sl_job *j, const window_spec *w, const int *keys, int nkeys,
                               const agg_spec *aggs, int naggs, op_cols final, op_cols out,
                               sl_error *e);
sl_op *op_window_agg_global_new(sl_job *j, const window_spec *w, int nkeys, const agg_spec *aggs,
                                int naggs, op_cols out, sl_error *e);

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

/* ---- joins ----
 * Every join has two input ports: 0 = the left input (the probe side of a lookup or temporal
 * join), 1 = the right input (the dimension or versioned table). Its rows are the left row's
 * columns then the right row's (a side without a match is NULL-padded in outer joins); SEMI
 * and ANTI emit the left columns only. Equality keys are column pairs of one type (the planner
 * casts both sides to their common type below the join); a NULL key never matches (SQL =).
 * cond, when set, is the rest of the ON condition over the joined row (left ncols + right
 * ncols columns); a pair matches when the keys are equal and cond is TRUE. */
typedef enum join_type {
  JOIN_INNER = 1,
  JOIN_LEFT,
  JOIN_RIGHT,
  JOIN_FULL,
  JOIN_SEMI, /* left rows with at least one match, once each (IN / EXISTS) */
  JOIN_ANTI, /* left rows without a match (NOT IN / NOT EXISTS) */
} join_type;

typedef struct join_spec {
  int type;                 /* join_type */
  const int *lkeys, *rkeys; /* left column lkeys[i] = right column rkeys[i] */
  int nkeys;
  const sl_expr *cond; /* the plan's; copied and prepared by the operator; NULL: none */
  op_cols left, right; /* the two inputs' columns */
  /* JOIN_ANTI from NOT IN (one key): SQL's three-valued NOT IN. A left row is dropped when the
   * right side holds a NULL key, or when its own key is NULL and the right side is not empty;
   * otherwise it is kept when no right row equals it. */
  bool null_aware;
  /* regular join: a side's rows of a key that saw no arrival on that side for this long in
   * processing time are forgotten (0: kept for ever), as Flink's state TTL. 'table.exec.state.ttl'
   * or the STATE_TTL hint, per side. */
  int64_t ttl_left_ms, ttl_right_ms;
} join_spec;

/* Regular (unbounded) join: every row of both sides is kept (by key), and each arrival joins
 * with what the other side holds. Inputs may be updating: a -U/-D retracts the row it names
 * (the equal kept row) and the joined rows it made. Output: INNER over append-only inputs and
 * SEMI over append-only inputs are append-only; otherwise a changelog (an outer row padded
 * with NULLs is retracted with -D when its first match arrives, and comes back when its last
 * match is retracted; an ANTI row is retracted when a match arrives). batch_mode: both sides
 * are kept until the end, then the final rows are emitted once, as +I. */
sl_op *op_join_new(sl_job *j, const join_spec *s, bool batch_mode, op_cols out, sl_error *e);

/* Interval join (append-only inputs with event-time columns ltime and rtime): a pair matches
 * when l.ltime + lower <= r.rtime <= l.ltime + upper (ms; strict bounds are turned into
 * inclusive ones by the planner), the keys are equal and cond holds. A row is kept only while
 * a row of the other side could still match it: the left row until the watermark passes
 * l.ltime + upper, the right row until it passes r.rtime - lower; then it is freed, and an
 * outer join emits it NULL-padded if it never matched. A row that arrives when every row it
 * could match has been freed is late (job_late, per its source's policy). The output watermark
 * is held back by max(upper, -lower, 0) so the joined rows are not late downstream.
 * INNER, LEFT, RIGHT, FULL. Append-only output. */
sl_op *op_interval_join_new(sl_job *j, const join_spec *s, int ltime, int rtime, int64_t lower,
                            int64_t upper, op_cols out, sl_error *e);

/* Window join: two window TVF outputs joined on window_start, window_end (columns lstart/lend,
 * rstart/rend) and the keys. Each side's rows are kept per window until the watermark reaches
 * window_end - 1 (the same moment a window aggregation fires); then the window's rows are
 * joined, emitted and freed. A row whose window has already been joined is late (job_late).
 * INNER, LEFT, RIGHT, FULL, SEMI, ANTI. Append-only output. */
sl_op *op_window_join_new(sl_job *j, const join_spec *s, int lstart, int lend, int rstart, int rend,
                          op_cols out, sl_error *e);

/* Temporal (event-time) join, FOR SYSTEM_TIME AS OF l.ltime against a versioned table: the
 * right input is its changelog (or append-only rows) keyed by its PRIMARY KEY, which is rkeys
 * (the planner checks that the keys cover it), with version time rtime. A left row waits until
 * the watermark (the minimum of both sides) reaches its time, then joins the version of its
 * key valid at l.ltime: the latest +I/+U with rtime <= l.ltime, unless a later -D at or
 * before l.ltime deleted it. Versions older than the newest one at or before the watermark are
 * freed. A left row behind the watermark is late (job_late). INNER, LEFT. Append-only. */
sl_op *op_temporal_join_new(sl_job *j, const join_spec *s, int ltime, int rtime, op_cols out,
                            sl_error *e);

/* Lookup (enrichment) join, FOR SYSTEM_TIME AS OF l.proc_time: each left row joins the
 * dimension's rows of its key as they are when it arrives. With `remote` (a connector's lookup
 * table, e.g. jdbc) the operator has one input and asks remote, through a cache when `cache`
 * is set; remote belongs to the operator from then on. Without it, port 1 carries the
 * dimension table's rows: kept by rkeys (by `pk`, when the table has a PRIMARY KEY, a new row
 * replaces the row of its key; -U/-D remove rows), never emitted; the planner has the job
 * read that input first (op preload), so a bounded dimension is complete before the first
 * left row and a monitored one is caught up. Only port 0's watermarks go on. INNER, LEFT.
 * Append-only output over an append-only left input; left -U/-D rows are joined the same way
 * and keep their kind. */
typedef struct lookup_cache_opts {
  int64_t max_rows;      /* 'lookup.partial-cache.max-rows' (0: no cache) */
  int64_t expire_write;  /* '...expire-after-write' ms (0: never) */
  int64_t expire_access; /* '...expire-after-access' ms (0: never) */
  bool cache_missing;    /* '...cache-missing-key' (default true) */
} lookup_cache_opts;
sl_op *op_lookup_join_new(sl_job *j, const join_spec *s, sl_lookup *remote,
                          const lookup_cache_opts *cache, const int *pk, int npk, op_cols out,
                          sl_error *e);

#endif
