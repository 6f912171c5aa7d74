/* physical_int.h - what physical.c (building a job from the plan) and physical_par.c (its
 * parallel parts: exchanges, two-phase aggregation) share. Internal to plan/. */
#ifndef SLUICE_PLAN_PHYSICAL_INT_H
#define SLUICE_PLAN_PHYSICAL_INT_H

#include "../ops/ops.h"
#include "plan.h"

typedef struct builder {
  sl_pipeline *p;
  sl_job *j;
  bool dry;
  const char *dlq_default;
  sl_error *e;
  /* per-build state; the compiled plan is never written */
  bool **needed;      /* per table: columns some Calc above its source uses */
  sl_op **src, **snk; /* per table: its one source and one sink operator */
  sl_op **wm;         /* per table: its one watermark assigner */
  sl_op **ops;        /* per plan node id: its operator, built once however many parents */
  bool *marked;       /* per plan node id: visited by mark() */
  /* parallel builds: this job is worker `worker` of `nworkers` */
  int worker, nworkers;
  sl_group *group;
  conn_split *splits;   /* per table, shared by the workers' builds */
  int nxchg;            /* exchanges built so far (the same numbering on every worker) */
  int replicate;        /* > 0: under a lookup join's dimension, every worker reads it all */
  bool *rep_built;      /* per plan node id: built under `replicate` */
  bool *src_rep;        /* per table: its source was built under `replicate` */
  const char *serial;   /* why this plan runs on one worker (the build then fails) */
  state_budget *budget; /* 'pipeline.memory.limit', shared by the workers */
} builder;

/* Rows of `in` to the worker their keys hash to (or all to worker 0): a new exchange's sender
 * and receiver; `in` itself on one worker or under a replicated dimension. */
sl_op *plan_exchange(builder *b, sl_op *in, xchg_mode mode, const int *keys, int nkeys);
/* The exchange in front of a stateful node (by its keys; none for row-wise nodes). */
sl_op *plan_keyed_input(builder *b, const plan_node *n, sl_op *in);
/* A node without keys, on a worker other than 0: it runs on worker 0 only ... */
bool plan_single_elsewhere(const builder *b, const plan_node *n);
/* ... and this passes the signals on in its place, with its columns. */
sl_op *plan_stand_in(builder *b, const plan_node *n, sl_op *in, sl_op *in2);
/* A window aggregation that runs in two phases here, and building them. */
bool plan_two_phase(const builder *b, const plan_node *n, const sl_op *in);
sl_op *plan_build_two_phase(builder *b, const plan_node *n, sl_op *in);

#endif
