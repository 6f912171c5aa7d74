/* pipeline.h - the running job: operators connected in a graph, the executor that drives the
 * sources, dead-letter routing and per-source/sink counters. Public header of the pipeline
 * subsystem.
 *
 * Operator contract: push() receives a batch it must not modify or keep: the batch and the
 * strings its rows point to are valid only during the call (a source reuses its batch and its
 * input buffer). An operator that outputs rows fills its own batch and calls op_emit() before
 * returning. finish() is called once after every input has ended; the operator flushes and
 * then ends its outputs (op_finish_outputs). Later issues add watermark() and barrier() to the
 * same table: they flow through op_emit's path in order with the data.
 * To add an operator: copy ops/union.c (the smallest) and fill an op_vt. */
#ifndef SLUICE_PIPELINE_H
#define SLUICE_PIPELINE_H

#include "../expr/expr.h"

typedef struct sl_op sl_op;
typedef struct sl_job sl_job;

typedef struct op_vt {
  const char *kind;
  sl_status (*push)(sl_op *op, const sl_batch *b, sl_error *e);
  sl_status (*finish)(sl_op *op, sl_error *e);
  /* Sources only: read and emit at most one batch; *done when the input is exhausted. */
  sl_status (*pump)(sl_op *op, bool *done, sl_error *e);
  void (*describe)(const sl_op *op, sl_buf *out); /* one line for explain */
  void (*free)(sl_op *op);
} op_vt;

struct sl_op {
  const op_vt *vt;
  sl_job *job;
  int id;
  const char *name; /* table name for sources and sinks */
  sl_op **out;
  int nout, outcap;
  sl_op **in;
  int nin, incap, nin_done;
  uint64_t rows_in, rows_out;
  int ncols;               /* width of the rows this operator emits */
  const char *const *cols; /* their names */
  const sl_type *types;    /* and types */
};

void op_init(sl_op *op, const op_vt *vt, sl_job *job, const char *name);
void op_connect(sl_op *from, sl_op *to);
sl_status op_emit(sl_op *op, const sl_batch *b, sl_error *e);
/* Default finish: end every output. */
sl_status op_finish_outputs(sl_op *op, sl_error *e);

/* What a source does with a record it cannot decode or a row an expression fails on. */
typedef enum on_error { ON_ERROR_DLQ = 0, ON_ERROR_SKIP, ON_ERROR_FAIL } on_error;

typedef struct job_source {
  const char *name;
  on_error policy;
  const char *dlq_path;
  struct dlq_file *dlq;
  char **files; /* input files, for positions */
  int nfiles;
  uint64_t rows_read, dead_lettered, skipped;
} job_source;

typedef struct job_sink {
  const char *name, *target; /* target: a path, "stdout" ... */
  sl_op *op;
  uint64_t rows_written;
} job_sink;

struct sl_job {
  sl_op **ops;
  int nops, opcap;
  job_source *sources;
  int nsources;
  job_sink *sinks;
  int nsinks;
  struct dlq_file *dlqs;
  int batch_rows;       /* rows per batch a source or operator fills ('sluice.batch-size') */
  expr_ctx ctx;         /* now and session zone; arena set per batch by the operators */
  const sl_source *sql; /* the pipeline text, to locate expression errors */
  volatile int *stop; /* set by SIGINT/SIGTERM: sources stop, sinks flush and commit */
};

sl_job *job_new(void);
void job_free(sl_job *j);
void job_add_op(sl_job *j, sl_op *op);
int job_add_source(sl_job *j, const char *name, on_error policy, const char *dlq_path);
int job_add_sink(sl_job *j, const char *name, const char *target, sl_op *op);

/* A record or row that cannot go on: per its source's policy it is dead-lettered (a JSON line
 * with source, file, line, stage, reason and the raw text), counted as skipped, or fails the
 * run with a located error. */
sl_status job_reject(sl_job *j, const sl_rowpos *pos, const char *stage, const char *reason,
                     const char *raw, size_t rawlen, sl_error *e);

/* Runs every source to its end (bounded inputs) and finishes the graph. */
sl_status job_run(sl_job *j, sl_error *e);
/* The end-of-run summary: rows per source and sink, dead letters, time. */
void job_summary(const sl_job *j, FILE *f, double wall, double cpu);

/* ---- operators (ops/) ---- */
/* Filter + project in one pass (Flink's Calc). pred may be NULL; proj[i] makes column i. */
sl_op *op_calc_new(sl_job *j, sl_expr *pred, sl_expr **proj, int nproj, const char *const *names,
                   const sl_type *types, const char *const *in_names, int in_ncols, sl_error *e);
sl_op *op_union_new(sl_job *j, int ncols, const char *const *names, const sl_type *types);
/* SELECT without FROM: one row of zero columns. */
sl_op *op_onerow_new(sl_job *j, int source_index);

#endif
