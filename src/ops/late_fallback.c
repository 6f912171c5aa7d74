/* late_fallback.c - a weak stand-in for job_late (pipeline.h) so the late-row paths of the
 * window top-N and OVER operators build and run before pipeline/dlq.c defines it: counts the
 * row in its source's late_rows and, per the source's 'late-data' policy, counts it as dropped
 * or sends it through job_reject with stage "late". The real definition (a strong symbol)
 * replaces this one at link time; delete this file once pipeline/dlq.c has it.
 * Must not touch: anything but the source's late counters. */
#include "ops.h"

__attribute__((weak)) sl_status job_late(sl_job *j, const sl_rowpos *pos, const char *reason,
                                         const char *row_json, size_t len, sl_error *e) {
  if (!pos || (int)pos->source >= j->nsources) return SL_OK;
  job_source *s = &j->sources[pos->source];
  s->late_rows++;
  if (s->late == LATE_DROP) {
    s->late_dropped++;
    return SL_OK;
  }
  s->late_dead_lettered++;
  return job_reject(j, pos, "late", reason, row_json, len, e);
}
