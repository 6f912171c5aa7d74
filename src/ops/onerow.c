/* onerow.c - the source of SELECT without FROM: a single row with no columns, then the end.
 * Must not touch: anything but its one batch. */
#include <stdlib.h>

#include "ops.h"

typedef struct onerow_op {
  sl_op base;
  int source;
  sl_batch b;
} onerow_op;

static sl_status onerow_pump(sl_op *op, pump_result *r, sl_error *e) {
  onerow_op *o = (onerow_op *)op;
  o->b.nrows = 1;
  o->b.pos[0].source = (uint32_t)o->source;
  o->b.pos[0].file = 0;
  o->b.pos[0].line = 0;
  op->job->sources[o->source].rows_read++;
  *r = PUMP_ENDED;
  return op_emit(op, &o->b, e);
}

static void onerow_describe(const sl_op *op, sl_buf *out) { buf_puts(out, "one row"); }

static void onerow_free(sl_op *op) {
  batch_free(&((onerow_op *)op)->b);
  free(op);
}

static const op_vt onerow_vt = {
    .kind = "Values", .pump = onerow_pump, .describe = onerow_describe, .free = onerow_free};

sl_op *op_onerow_new(sl_job *j, int source_index) {
  onerow_op *o = xcalloc(1, sizeof *o);
  op_init(&o->base, &onerow_vt, j, "values");
  o->source = source_index;
  batch_init(&o->b, 0, 1);
  return &o->base;
}
