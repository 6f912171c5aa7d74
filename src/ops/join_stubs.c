/* join_stubs.c - placeholders for the join operators while they are being written: each fails
 * the build of a job with a clear message. Removed when the operators land. */
#include "ops.h"

sl_op *op_join_new(sl_job *j, const join_spec *s, bool batch_mode, op_cols out, sl_error *e) {
  (void)j, (void)s, (void)batch_mode, (void)out;
  err_set(e, SL_ESQL, "regular joins are not built yet");
  return NULL;
}
