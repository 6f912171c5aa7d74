/* plan.h - from a parsed script to a runnable job: the catalog (tables, views, SET keys), the
 * binder (names and types against the catalog, implicit casts), the logical plan, rewrites
 * (merging projections and filters, pushing them through UNION ALL, column pruning into the
 * decoders), the physical graph and explain. Public header of the plan subsystem.
 *
 * Ownership: a compiled pipeline owns one arena with its AST, catalog and plan; plan_free
 * releases it. The job built from it refers to that memory, so free the job first. */
#ifndef SLUICE_PLAN_H
#define SLUICE_PLAN_H

#include "../connector/connector.h"
#include "../expr/expr.h"
#include "../ops/ops.h"
#include "../sql/sql.h"

typedef struct cat_column {
  const char *name;
  sl_type type;
  bool not_null;
  sl_expr *computed; /* over the physical columns; NULL for a physical column */
  int phys;          /* index in the physical row, -1 for computed */
  uint32_t off;
  uint8_t nest; /* a leaf of a ROW column: its ROW levels (name "a.b" has 1); 0 otherwise */
} cat_column;

typedef struct plan_node plan_node;

typedef struct cat_table {
  const char *name;
  uint32_t off;
  bool is_view, inferred; /* inferred: a sink declared without columns */
  cat_column *cols;
  int ncols, nphys;
  const char **phys_names;
  sl_type *phys_types;
  uint8_t *phys_nest;     /* fmt_schema.nest: ROW levels of each physical column (ROW columns are
                             flattened into leaves named by their path, "bid.auction") */
  const char **phys_meta; /* METADATA columns: the connector's key per physical column (NULL
                             for a column of the records); NULL when there are none */
  sql_option *opts;
  int nopts;
  opt_list ol; /* the same options as format/ and connector/ take them */
  const conn_def *conn;
  const fmt_def *fmt;
  int wm_col; /* -1 without WATERMARK */
  sl_expr *wm_expr;
  int *pk;
  int npk;
  const char **part_keys; /* PARTITIONED BY: physical column names */
  int nparts;
  const sql_stmt *view; /* views: the statement */
  plan_node *view_plan; /* views: bound once at CREATE VIEW; every use shares it */
} cat_table;

typedef enum plan_kind {
  P_SCAN = 1,
  P_ONEROW,
  P_CALC,
  P_UNION,
  P_SINK,
  P_WATERMARK, /* assigner above a scan: wm (over the scan's columns), idle timeout */
  P_WINTVF,    /* window TVF alone: input columns + window_start, window_end, window_time */
  P_WINAGG,    /* window aggregation: keys, aggregates, window_start, window_end, window_time */
  P_AGG,       /* group aggregation: keys, aggregates (a changelog) */
  P_EXPAND,    /* grouping sets: input columns + a set id */
  P_RANK,      /* ROW_NUMBER top-N / dedup: input columns [+ rn] */
  P_OVER,      /* OVER aggregation: input columns + aggregates */
  P_JOIN,      /* in[0] left, in[1] right: left columns + right columns (SEMI/ANTI: left) */
  P_PROCTIME,  /* processing-time assigner below a window/OVER: input columns, time_col stamped */
} plan_kind;

/* How a P_JOIN runs (the binder decides from the condition and the inputs). */
typedef enum plan_join_kind {
  PJ_REGULAR = 1, /* unbounded: both sides kept (TTL) */
  PJ_INTERVAL,    /* event-time bounds between the two time columns */
  PJ_WINDOW,      /* two window TVFs joined on window_start and window_end */
  PJ_LOOKUP,      /* FOR SYSTEM_TIME AS OF a processing-time column */
  PJ_TEMPORAL,    /* FOR SYSTEM_TIME AS OF an event-time column, versioned right side */
} plan_join_kind;

/* The operator-level description of a stateful node (plan_node.op). */
typedef struct plan_opspec {
  window_spec win; /* P_WINTVF, P_WINAGG */
  int *keys;       /* P_WINAGG, P_AGG: input columns; P_RANK, P_OVER: PARTITION BY columns */
  int nkeys;
  agg_spec *aggs; /* P_WINAGG, P_AGG, P_OVER */
  int naggs;
  sort_key *order; /* P_RANK */
  int norder;
  int64_t limit;     /* P_RANK: rn <= limit (0: not yet known) */
  bool rn_out;       /* P_RANK: the row number is an output column */
  int win_end_col;   /* P_RANK: window_end of a per-window top-N, else -1 */
  bool proctime;     /* P_RANK: the one ORDER BY item is a PROCTIME() column (rank by arrival);
                        P_WINTVF, P_WINAGG: the window is over a processing-time attribute */
  int frame;         /* P_OVER: over_frame */
  int64_t preceding; /* P_OVER: rows or ms, -1 unbounded */
  int time_col;      /* P_OVER, P_PROCTIME */
  int64_t pt_period, pt_phase, pt_after; /* P_PROCTIME: timer grid and delay (op_proctime_new) */
  bool **keep;                           /* P_EXPAND: per set, per input column */
  int nsets;
  sl_expr *wm;     /* P_WATERMARK */
  int64_t idle_ms; /* P_WATERMARK */
  /* P_JOIN */
  int join_kind; /* plan_join_kind */
  int join_type; /* join_type (ops.h) */
  int *rkeys;    /* keys[i] (left) = rkeys[i] (right) */
  sl_expr *cond; /* the rest of the condition over left + right columns, NULL: none */
  bool null_aware;
  int ltime, rtime;     /* PJ_INTERVAL, PJ_TEMPORAL: the time columns */
  int64_t lower, upper; /* PJ_INTERVAL: l.ltime + lower <= r.rtime <= l.ltime + upper */
  int lwin[2], rwin[2]; /* PJ_WINDOW: window_start, window_end of each side */
  int *pk;              /* PJ_LOOKUP: the right table's PRIMARY KEY columns (right side) */
  int npk;
  int64_t ttl_left, ttl_right; /* PJ_REGULAR: STATE_TTL hint or 'table.exec.state.ttl' (-1:
                                  not given: the SET value applies) */
} plan_opspec;

/* The plan is a DAG: a view or CTE is bound once and every use points at the same node. It is
 * not changed after plan_compile; per-build state (operators, needed columns) lives in the
 * builder of physical.c. */
struct plan_node {
  int kind;
  plan_node **in;
  int nin;
  const char **names; /* output columns */
  sl_type *types;
  int ncols;
  cat_table *table; /* P_SCAN, P_SINK */
  sl_expr *pred;    /* P_CALC */
  sl_expr **proj;
  uint32_t off;
  int id;          /* 1..sl_pipeline.nnodes after plan_compile: index for per-build state */
  int nparents;    /* plan_optimize: edges into this node (a shared node has more than one) */
  int height;      /* plan_height: longest path down to a source, 0 until computed */
  plan_node *memo; /* plan_optimize: what this node became */
  plan_opspec *op; /* the stateful kinds */
};

typedef struct plan_set {
  const char *key, *value;
} plan_set;

typedef struct sl_pipeline {
  sl_arena arena;
  sl_source src;
  cat_table **tables;
  int ntables;
  plan_node **inserts;
  int ninserts;
  int nnodes; /* plan nodes reachable from the inserts, numbered 1..nnodes */
  plan_set *sets;
  int nsets;
  int64_t tz_offset_ms;
  int batch_rows;              /* rows per batch ('sluice.batch-size', default BATCH_ROWS) */
  bool batch_mode;             /* SET 'execution.runtime-mode' = 'batch' */
  int64_t state_ttl_ms;        /* 'table.exec.state.ttl' */
  bool early_fire;             /* 'table.exec.emit.early-fire.enabled' */
  int64_t early_fire_delay_ms; /* 'table.exec.emit.early-fire.delay' */
  int64_t checkpoint_ms;       /* 'execution.checkpointing.interval' (0: the default) */
  int64_t idle_timeout_ms;     /* 'table.exec.source.idle-timeout': sources without their own */
  size_t state_limit;          /* 'sluice.state.memory-limit' per operator */
  int parallelism;             /* 'parallelism.default' (0: not set, the CLI's default) */
  size_t memory_limit;         /* 'pipeline.memory.limit': all state of the run (0: none) */
} sl_pipeline;

typedef struct plan_opts {
  sql_dialect dialect;
  const char *const *sets; /* --set key=value, as given */
  int nsets;
  FILE *warnings; /* where warnings go (unknown SET keys); NULL = stderr */
} plan_opts;

/* Parses, binds and plans the pipeline text. src must stay alive while the pipeline is used. */
sl_status plan_compile(const sl_source *src, const plan_opts *o, sl_pipeline **out, sl_error *e);
void plan_free(sl_pipeline *p);
/* Builds the operator graph. dry: for explain/validate, no file is listed, opened or made. */
sl_status plan_build_job(const sl_pipeline *p, bool dry, sl_job **out, sl_error *e);
/* The jobs of a run on n workers (jobs[0..n), built from the one plan) and the group that
 * runs them. Returns the number of workers built: n, or 1 when the plan cannot be split
 * (*serial says why; *g is then NULL and jobs[0] runs alone), or -status on an error (e set;
 * jobs[] are then NULL).
 * n = 1 is plan_build_job. */
int plan_build_workers(const sl_pipeline *p, bool dry, int n, sl_job **jobs, sl_group **g,
                       const char **serial, sl_error *e);

typedef enum explain_format { EXPLAIN_TEXT, EXPLAIN_DOT, EXPLAIN_JSON } explain_format;
void plan_explain(const sl_pipeline *p, const sl_job *j, explain_format f, FILE *out);

/* ${VAR} and ${VAR:-default} in option values; an unset variable without default is an error
 * located at the value. */
sl_status plan_substitute_env(const sl_source *src, uint32_t val_off, const char *in, sl_arena *a,
                              const char **out, sl_error *e);

/* internal, shared by the binder files and physical.c */
plan_node *plan_new_node(sl_arena *a, int kind, int nin, int ncols);
/* A reference to column col, and x AND y (either may be NULL: the other one). */
sl_expr *plan_col(sl_arena *a, int col, sl_type t, uint32_t off);
sl_expr *plan_and(sl_arena *a, sl_expr *x, sl_expr *y);
/* Rewrites every INSERT's plan (a DAG: shared nodes are rewritten once and never copied into
 * their parents) and numbers the nodes. */
/* Sub-plan reuse (plan_optimize calls it): equal subtrees become one node (reuse.c). */
void plan_reuse(sl_pipeline *p);
sl_status plan_optimize(sl_pipeline *p, sl_error *e);
/* The operator of a stateful node (physical_ops.c), given its built input. */
sl_op *plan_build_stateful(const sl_pipeline *p, sl_job *j, const plan_node *n, sl_op *in,
                           sl_error *e);
/* The operator of a P_JOIN, given its built inputs (physical_ops.c); sets what explain says
 * about how long its state lives. A lookup join against a table whose connector has
 * lookup_new gets remote (and r is NULL): the table is asked per row through the cache its
 * 'lookup.*' options set. */
sl_op *plan_build_join(const sl_pipeline *p, sl_job *j, const plan_node *n, sl_op *l, sl_op *r,
                       sl_lookup *remote, sl_error *e);
/* How long the state of a stateful node's operator lives, for explain (NULL: unbounded). */
const char *plan_retention(const sl_pipeline *p, const plan_node *n);
/* A Calc over a join, with the join's inputs narrowed to the columns used (prune.c); calc
 * itself when nothing can go. */
plan_node *plan_prune_join(sl_arena *a, plan_node *calc);
/* A Calc over a processing-time assigner as the assigner over that Calc (prune.c), when the
 * Calc passes the stamped column once as itself and reads it nowhere else; calc itself if not. */
plan_node *plan_push_below_proctime(sl_arena *a, plan_node *calc);
/* Longest path from n down to a source (memoized in n->height). */
int plan_height(plan_node *n);

#endif
