/* join_stubs.c - placeholders for the join operators while they are being written: each fails
 * the build of a job with a clear message. Removed when the operators land. */
#include "ops.h"

sl_op *op_join_new(sl_job *j, const join_spec *s, bool batch_mode, op_cols out, sl_error *e) {
  (void)j, (void)s, (void)batch_mode, (void)out;
  err_set(e, SL_ESQL, "regular joins are not built yet");
  return NULL;
}
sl_op *op_temporal_join_new(sl_job *j, const join_spec *s, int ltime, int rtime, op_cols out,
                            sl_error *e) {
  (void)j, (void)s, (void)ltime, (void)rtime, (void)out;
  err_set(e, SL_ESQL, "temporal joins are not built yet");
  return NULL;
}
sl_op *op_lookup_join_new(sl_job *j, const join_spec *s, sl_lookup *remote,
                          const lookup_cache_opts *cache, const int *pk, int npk, op_cols out,
                          sl_error *e) {
  (void)j, (void)s, (void)remote, (void)cache, (void)pk, (void)npk, (void)out;
  err_set(e, SL_ESQL, "lookup joins are not built yet");
  return NULL;
}
