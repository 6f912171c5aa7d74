/* ops.h - the operators the planner builds between sources and sinks. Public header of the
 * ops subsystem. Each constructor makes a fresh instance with its own state, compiled
 * expressions and output batch, so several workers can build their own from one plan: the
 * expression trees passed in belong to the plan and are copied, never changed.
 * Must not touch: the SQL front end (sql/, plan/): operators see bound expressions only. */
#ifndef SLUICE_OPS_H
#define SLUICE_OPS_H

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

#endif
