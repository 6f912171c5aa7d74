/* union.c - UNION ALL: forwards every input batch unchanged (inputs have one row type, made so
 * by the binder's casts). The smallest operator: the one to copy for a new one. */
#include <stdlib.h>

#include "../pipeline/pipeline.h"

static sl_status union_push(sl_op *op, const sl_batch *b, sl_error *e) { return op_emit(op, b, e); }

static void union_describe(const sl_op *op, sl_buf *out) { buf_printf(out, "%d inputs", op->nin); }

static void union_free(sl_op *op) { free(op); }

static const op_vt union_vt = {"UnionAll", union_push, NULL, NULL, union_describe, union_free};

sl_op *op_union_new(sl_job *j, int ncols, const char *const *names, const sl_type *types) {
  sl_op *op = xcalloc(1, sizeof *op);
  op_init(op, &union_vt, j, "union");
  op->ncols = ncols;
  op->cols = names;
  op->types = types;
  return op;
}
