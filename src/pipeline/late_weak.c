/* late_weak.c - stand-in definitions of job_late and job_late_updated (pipeline.h), weak so
 * that the real ones in dlq.c replace them at link time once they exist; then this file can go.
 * Same counting as the real ones: every late row in late_rows, then dropped or dead-lettered
 * (stage "late", through the source's dead-letter file) or counted as an update.
 * Must not touch: anything but the late-row counters and the dead-letter write. */
#include "pipeline.h"

__attribute__((weak)) sl_status job_late(sl_job *j, const sl_rowpos *pos, const char *reason,
                                         const char *row_json, size_t len, sl_error *e) {
  if (pos->source >= (uint32_t)j->nsources)
    return err_set(e, SL_EINTERNAL, "late row of an unknown source %u", pos->source);
  job_source *s = &j->sources[pos->source];
  s->late_rows++;
  if (s->late == LATE_DROP) {
    s->late_dropped++;
    return SL_OK;
  }
  on_error policy = s->policy;
  uint64_t dl = s->dead_lettered;
  s->policy = ON_ERROR_DLQ;
  sl_status st = s->dlq_path ? job_reject(j, pos, "late", reason, row_json, len, e) : SL_OK;
  s->policy = policy;
  s->dead_lettered = dl;
  if (!st) s->late_dead_lettered++;
  return st;
}

__attribute__((weak)) void job_late_updated(sl_job *j, const sl_rowpos *pos) {
  if (pos->source >= (uint32_t)j->nsources) return;
  job_source *s = &j->sources[pos->source];
  s->late_rows++;
  s->late_updates++;
}
