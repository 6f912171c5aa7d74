/* ops_harness.h - hand-built jobs for operator unit tests: a feeder that pushes rows (with kinds,
 * positions, watermarks and END) into an operator, and a capturing sink that records everything
 * it receives as text ("+I(a, 1)", "WM(10)", "END") and can apply a changelog to a table. */
#ifndef SLUICE_OPS_HARNESS_H
#define SLUICE_OPS_HARNESS_H

#include "ops/ops.h"

/* A feeder: rows added with th_add go out on th_flush (strings are copied into memory freed
 * right after the push, so an operator that keeps a pointer into a batch is caught by ASan). */
typedef struct th_src {
  sl_op base;
  sl_batch b;
} th_src;

th_src *th_src_new(sl_job *j, int ncols, const char *const *names, const sl_type *types);
void th_add(th_src *s, int kind, uint64_t line, const sl_value *row);
sl_status th_flush(th_src *s, sl_error *e);
sl_status th_wm(th_src *s, int64_t ts, sl_error *e);
sl_status th_end(th_src *s, sl_error *e); /* +infinity watermark, then END */

/* The capturing sink: every event as text. */
typedef struct th_cap {
  sl_op base;
  char **ev;
  int n, cap;
  int rows, ends;
} th_cap;

th_cap *th_cap_new(sl_job *j);
/* Events [from, n) joined with "; ". Caller frees. */
char *th_cap_join(const th_cap *c, int from);
/* Applies the captured changelog (+I/+U add a row, -U/-D remove an equal row) and returns the
 * resulting rows sorted and joined with "; " (caller frees), or NULL when a retraction matched
 * no row. */
char *th_cap_table(const th_cap *c);
/* A row as the capture shows it, without the kind: "(a, 1)". */
char *th_row_text(const sl_value *row, const sl_type *types, int n);
/* Sorts and joins strings with "; " (caller frees). */
char *th_join_sorted(char **rows, int n);

/* Connects src -> op -> a new capture (adds op to the job). */
th_cap *th_wire(sl_job *j, th_src *src, sl_op *op);

#endif
