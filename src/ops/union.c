/* union.c - UNION ALL: forwards every input batch unchanged (inputs have one row type, made so
 * by the binder's casts); watermarks and END are the default handling (the minimum over the
 * inputs, END once all have ended). The smallest operator: the one to copy for a new one.
 * Must not touch: the rows (it forwards the caller's batch as is). */
#include <stdlib.h>

#include "ops.h"

static sl_status union_push(sl_op *op, int port, const sl_batch *b, sl_error *e) {
  return op_emit(op, b, e);
}

static void union_describe(const sl_op *op, sl_buf *out) { buf_printf(out, "%d inputs", op->nin); }

static void union_free(sl_op *op) { free(op); }

static const op_vt union_vt = {
    .kind = "UnionAll", .push = union_push, .describe = union_describe, .free = union_free};

sl_op *op_union_new(sl_job *j, int ncols, const char *const *names, const sl_type *types) {
  sl_op *op = xcalloc(1, sizeof *op);
  op_init(op, &union_vt, j, "union");
  op->ncols = ncols;
  op->cols = names;
  op->types = types;
  return op;
}
