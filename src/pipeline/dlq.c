/* dlq.c - the dead-letter writer: records and rows that cannot go on, as one JSON line each
 * (source, file, line, stage, reason and the raw text, always valid JSON), or counted as
 * skipped, or a located failure, per the source's 'on-error' policy; and late rows (stage
 * "late", the row as JSON) dead-lettered, dropped or counted as updates per 'late-data'. Files are
 * opened on the first rejected record and shared by the sources that name the same path. Must not
 * touch: the executor or operators; it is called from them. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../format/format.h"
#include "pipeline.h"

typedef struct dlq_file {
  char *path;
  FILE *f;
  struct dlq_file *next;
} dlq_file;

/* Workers of a parallel run write through worker 0's files (j->dlq_home), one record at a
 * time under this lock. */
static pthread_mutex_t dlq_lock = PTHREAD_MUTEX_INITIALIZER;

/* The 1-based line of a byte offset in a file: counted from the last offset asked (workers
 * ask in increasing order mostly), or from the start. Under dlq_lock. */
static uint64_t line_of(const char *path, uint64_t off) {
  static char *memo_path;
  static uint64_t memo_off, memo_line;
  if (!memo_path || strcmp(memo_path, path) || off < memo_off) {
    free(memo_path);
    memo_path = xstrdup(path);
    memo_off = 0;
    memo_line = 1;
  }
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[1 << 16];
  while (memo_off < off) {
    size_t want = off - memo_off < sizeof buf ? (size_t)(off - memo_off) : sizeof buf;
    ssize_t n = pread(fd, buf, want, (off_t)memo_off);
    if (n <= 0) break;
    for (const char *q = buf; (q = memchr(q, '\n', (size_t)(buf + n - q))); q++) memo_line++;
    memo_off += (uint64_t)n;
  }
  close(fd);
  return memo_off == off ? memo_line : 0;
}

static uint64_t pos_line(const job_source *s, const sl_rowpos *pos) {
  if (!(pos->line & POS_OFFSET)) return pos->line;
  if (pos->file >= (uint32_t)s->nfiles) return 0;
  pthread_mutex_lock(&dlq_lock);
  uint64_t l = line_of(s->files[pos->file], pos->line & ~POS_OFFSET);
  pthread_mutex_unlock(&dlq_lock);
  return l;
}

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

/* One dead-letter record: {"source", "file", "line", "stage", "reason", "raw"} (Kafka:
 * "topic", "partition", "offset" for "file" and "line"). `at` is the source of the worker that
 * read the row: its file table names pos.file. */
static sl_status dlq_record(job_source *s, const job_source *at, const sl_rowpos *pos,
                            const char *stage, const char *reason, const char *raw, size_t rawlen,
                            sl_error *e);

static sl_status dlq_write(sl_job *j, job_source *s, const sl_rowpos *pos, const char *stage,
                           const char *reason, const char *raw, size_t rawlen, sl_error *e) {
  uint64_t line = pos_line(s, pos);
  if (j->dlq_home) { /* a worker other than 0: worker 0's file, in turn */
    job_source *hs = &j->dlq_home->sources[pos->source];
    pthread_mutex_lock(&dlq_lock);
    sl_status st = hs->dlq ? SL_OK : dlq_open(j->dlq_home, hs, e);
    if (!st) {
      sl_rowpos p = *pos;
      p.line = line;
      st = dlq_record(hs, s, &p, stage, reason, raw, rawlen, e);
    }
    pthread_mutex_unlock(&dlq_lock);
    return st;
  }
  if (j->group) pthread_mutex_lock(&dlq_lock);
  sl_status st = s->dlq ? SL_OK : dlq_open(j, s, e);
  if (!st) {
    sl_rowpos p = *pos;
    p.line = line;
    st = dlq_record(s, s, &p, stage, reason, raw, rawlen, e);
  }
  if (j->group) pthread_mutex_unlock(&dlq_lock);
  return st;
}

static sl_status dlq_record(job_source *s, const job_source *at, const sl_rowpos *pos,
                            const char *stage, const char *reason, const char *raw, size_t rawlen,
                            sl_error *e) {
  bool known = pos->file < (uint32_t)at->nfiles;
  const char *file = known ? at->files[pos->file] : "";
  sl_buf b = {0};
  buf_puts(&b, "{\"source\":\"");
  fmt_json_escape(s->name, strlen(s->name), &b);
  buf_puts(&b, at->partitions ? "\",\"topic\":\"" : "\",\"file\":\"");
  fmt_json_escape(file, strlen(file), &b);
  if (at->partitions)
    buf_printf(&b, "\",\"partition\":%d,\"offset\":%llu", known ? at->partitions[pos->file] : -1,
               (unsigned long long)pos->line);
  else
    buf_printf(&b, "\",\"line\":%llu", (unsigned long long)pos->line);
  buf_printf(&b, ",\"stage\":\"%s\",\"reason\":\"", stage);
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
                     (unsigned long long)pos_line(s, pos), reason, s->name);
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
  if (j->dlq_home) return SL_OK; /* worker 0 flushes its files */
  if (j->group) pthread_mutex_lock(&dlq_lock);
  sl_status st = SL_OK;
  for (dlq_file *d = j->dlqs; d && !st; d = d->next)
    if (fflush(d->f) != 0)
      st = err_set(e, SL_ERUNTIME, "cannot write the dead-letter file '%s': %s", d->path,
                   strerror(errno));
  if (j->group) pthread_mutex_unlock(&dlq_lock);
  return st;
}

sl_status job_dlq_sync(sl_job *j, sl_error *e) {
  sl_job *h = j->dlq_home ? j->dlq_home : j;
  if (h->group) pthread_mutex_lock(&dlq_lock);
  sl_status st = SL_OK;
  for (dlq_file *d = h->dlqs; d && !st; d = d->next)
    if (fflush(d->f) != 0 || fsync(fileno(d->f)) != 0)
      st = err_set(e, SL_ERUNTIME, "cannot write the dead-letter file '%s': %s", d->path,
                   strerror(errno));
  if (h->group) pthread_mutex_unlock(&dlq_lock);
  return st;
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
