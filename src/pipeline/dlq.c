/* dlq.c - the dead-letter writer: records and rows that cannot go on, as one JSON line each
 * (source, file, line, stage, reason and the raw text, always valid JSON), or counted as
 * skipped, or a located failure, per the source's 'on-error' policy; and late rows (stage
 * "late", the row as JSON) dead-lettered, dropped or counted as updates per 'late-data'. Files are
 * opened on the first rejected record and shared by the sources that name the same path. Must not
 * touch: the executor or operators; it is called from them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../format/format.h"
#include "pipeline.h"

typedef struct dlq_file {
  char *path;
  FILE *f;
  struct dlq_file *next;
} dlq_file;

static sl_status dlq_open(sl_job *j, job_source *s, sl_error *e) {
  for (dlq_file *d = j->dlqs; d; d = d->next)
    if (!strcmp(d->path, s->dlq_path)) {
      s->dlq = d;
      return SL_OK;
    }
  FILE *f = fopen(s->dlq_path, "a");
  if (!f)
    return err_set(e, SL_ERUNTIME, "cannot open the dead-letter file '%s': %s", s->dlq_path,
                   strerror(errno));
  dlq_file *d = xcalloc(1, sizeof *d);
  d->path = xstrdup(s->dlq_path);
  d->f = f;
  d->next = j->dlqs;
  j->dlqs = d;
  s->dlq = d;
  return SL_OK;
}

/* One dead-letter record: {"source", "file", "line", "stage", "reason", "raw"}. */
static sl_status dlq_write(sl_job *j, job_source *s, const sl_rowpos *pos, const char *stage,
                           const char *reason, const char *raw, size_t rawlen, sl_error *e) {
  if (!s->dlq) {
    sl_status st = dlq_open(j, s, e);
    if (st) return st;
  }
  const char *file = pos->file < (uint32_t)s->nfiles ? s->files[pos->file] : "";
  sl_buf b = {0};
  buf_puts(&b, "{\"source\":\"");
  fmt_json_escape(s->name, strlen(s->name), &b);
  buf_puts(&b, "\",\"file\":\"");
  fmt_json_escape(file, strlen(file), &b);
  buf_printf(&b, "\",\"line\":%llu,\"stage\":\"%s\",\"reason\":\"", (unsigned long long)pos->line,
             stage);
  fmt_json_escape(reason, strlen(reason), &b);
  buf_puts(&b, "\",\"raw\":\"");
  fmt_json_escape(raw ? raw : "", raw ? rawlen : 0, &b);
  buf_puts(&b, "\"}\n");
  size_t w = fwrite(b.data, 1, b.len, s->dlq->f);
  buf_free(&b);
  if (w == 0) return err_set(e, SL_ERUNTIME, "cannot write the dead-letter file '%s'", s->dlq_path);
  return SL_OK;
}

sl_status job_reject(sl_job *j, const sl_rowpos *pos, const char *stage, const char *reason,
                     const char *raw, size_t rawlen, sl_error *e) {
  if (pos->source >= (uint32_t)j->nsources) /* a row of no source: the run cannot go on */
    return err_set(e, SL_EINTERNAL, "%s: %s (a row without a source position)", stage, reason);
  job_source *s = &j->sources[pos->source];
  const char *file = pos->file < (uint32_t)s->nfiles ? s->files[pos->file] : "";
  switch (s->policy) {
  case ON_ERROR_FAIL:
    if (*file)
      return err_set(e, SL_ERUNTIME, "%s:%llu: %s (source '%s', 'on-error' = 'fail')", file,
                     (unsigned long long)pos->line, reason, s->name);
    return err_set(e, SL_ERUNTIME, "%s (source '%s', 'on-error' = 'fail')", reason, s->name);
  case ON_ERROR_SKIP: s->skipped++; return SL_OK;
  case ON_ERROR_DLQ: {
    sl_status st = dlq_write(j, s, pos, stage, reason, raw, rawlen, e);
    if (!st) s->dead_lettered++;
    return st;
  }
  }
  return SL_OK;
}

/* Late rows follow 'late-data', not 'on-error': they are not errors, and the default keeps
 * them in the dead-letter file (stage "late") whatever 'on-error' says. An operator calls
 * job_late only when it cannot update any more, so LATE_UPDATE dead-letters here too. */
sl_status job_late(sl_job *j, const sl_rowpos *pos, const char *reason, const char *row_json,
                   size_t len, sl_error *e) {
  if (pos->source >= (uint32_t)j->nsources)
    return err_set(e, SL_EINTERNAL, "late row of an unknown source %u", pos->source);
  job_source *s = &j->sources[pos->source];
  s->late_rows++;
  if (s->late == LATE_DROP) {
    s->late_dropped++;
    return SL_OK;
  }
  sl_status st = dlq_write(j, s, pos, "late", reason, row_json, len, e);
  if (!st) s->late_dead_lettered++;
  return st;
}

void job_late_updated(sl_job *j, const sl_rowpos *pos) {
  if (pos->source >= (uint32_t)j->nsources) return;
  job_source *s = &j->sources[pos->source];
  s->late_rows++;
  s->late_updates++;
}

sl_status job_dlq_flush(sl_job *j, sl_error *e) {
  for (dlq_file *d = j->dlqs; d; d = d->next)
    if (fflush(d->f) != 0)
      return err_set(e, SL_ERUNTIME, "cannot write the dead-letter file '%s': %s", d->path,
                     strerror(errno));
  return SL_OK;
}

void job_dlq_close(sl_job *j) {
  while (j->dlqs) {
    dlq_file *d = j->dlqs;
    j->dlqs = d->next;
    fclose(d->f);
    free(d->path);
    free(d);
  }
}
