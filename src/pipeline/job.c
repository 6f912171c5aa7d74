/* job.c - the job: operator registry, the single-threaded executor that pumps the sources
 * round-robin, dead-letter files and the run summary. Threads come with keyed state: each
 * shard will run this same loop over its own operators, with SPSC queues between shards. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../format/format.h"
#include "pipeline.h"

typedef struct dlq_file {
  char *path;
  FILE *f;
  struct dlq_file *next;
} dlq_file;

void op_init(sl_op *op, const op_vt *vt, sl_job *job, const char *name) {
  memset(op, 0, sizeof *op);
  op->vt = vt;
  op->job = job;
  op->name = name;
}

void op_connect(sl_op *from, sl_op *to) {
  if (from->nout == from->outcap) {
    from->outcap = from->outcap ? from->outcap * 2 : 2;
    from->out = xrealloc(from->out, sizeof(sl_op *) * (size_t)from->outcap);
  }
  from->out[from->nout++] = to;
  if (to->nin == to->incap) {
    to->incap = to->incap ? to->incap * 2 : 2;
    to->in = xrealloc(to->in, sizeof(sl_op *) * (size_t)to->incap);
  }
  to->in[to->nin++] = from;
}

sl_status op_emit(sl_op *op, const sl_batch *b, sl_error *e) {
  if (b->nrows == 0) return SL_OK;
  op->rows_out += (uint64_t)b->nrows;
  for (int i = 0; i < op->nout; i++) {
    sl_op *o = op->out[i];
    o->rows_in += (uint64_t)b->nrows;
    sl_status st = o->vt->push(o, b, e);
    if (st) return st;
  }
  return SL_OK;
}

sl_status op_finish_outputs(sl_op *op, sl_error *e) {
  for (int i = 0; i < op->nout; i++) {
    sl_op *o = op->out[i];
    if (++o->nin_done == o->nin) {
      sl_status st = o->vt->finish ? o->vt->finish(o, e) : op_finish_outputs(o, e);
      if (st) return st;
    }
  }
  return SL_OK;
}

sl_job *job_new(void) {
  sl_job *j = xcalloc(1, sizeof *j);
  j->ctx.now_ms = (int64_t)time(NULL) * 1000;
  j->batch_rows = BATCH_ROWS;
  return j;
}

void job_add_op(sl_job *j, sl_op *op) {
  if (j->nops == j->opcap) {
    j->opcap = j->opcap ? j->opcap * 2 : 16;
    j->ops = xrealloc(j->ops, sizeof(sl_op *) * (size_t)j->opcap);
  }
  op->id = j->nops + 1;
  j->ops[j->nops++] = op;
}

int job_add_source(sl_job *j, const char *name, on_error policy, const char *dlq_path) {
  j->sources = xrealloc(j->sources, sizeof(job_source) * (size_t)(j->nsources + 1));
  job_source *s = &j->sources[j->nsources];
  memset(s, 0, sizeof *s);
  s->name = name;
  s->policy = policy;
  s->dlq_path = dlq_path;
  return j->nsources++;
}

int job_add_sink(sl_job *j, const char *name, const char *target, sl_op *op) {
  j->sinks = xrealloc(j->sinks, sizeof(job_sink) * (size_t)(j->nsinks + 1));
  job_sink *s = &j->sinks[j->nsinks];
  memset(s, 0, sizeof *s);
  s->name = name;
  s->target = target;
  s->op = op;
  return j->nsinks++;
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

sl_status job_reject(sl_job *j, const sl_rowpos *pos, const char *stage, const char *reason,
                     const char *raw, size_t rawlen, sl_error *e) {
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
    if (!s->dlq) {
      sl_status st = dlq_open(j, s, e);
      if (st) return st;
    }
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
    if (w == 0)
      return err_set(e, SL_ERUNTIME, "cannot write the dead-letter file '%s'", s->dlq_path);
    s->dead_lettered++;
    return SL_OK;
  }
  }
  return SL_OK;
}

sl_status job_run(sl_job *j, sl_error *e) {
  sl_op **live = xmalloc(sizeof(sl_op *) * (size_t)(j->nops + 1));
  int nlive = 0;
  for (int i = 0; i < j->nops; i++)
    if (j->ops[i]->vt->pump) live[nlive++] = j->ops[i];
  sl_status st = SL_OK;
  while (nlive > 0 && st == SL_OK) {
    if (j->stop && *j->stop) { /* end every source where it is: the graph finishes cleanly */
      for (int i = 0; i < nlive && st == SL_OK; i++) st = op_finish_outputs(live[i], e);
      nlive = 0;
      break;
    }
    for (int i = 0; i < nlive && st == SL_OK; i++) {
      bool done = false;
      st = live[i]->vt->pump(live[i], &done, e);
      if (st == SL_OK && done) {
        sl_op *src = live[i];
        live[i] = live[--nlive];
        i--;
        st = op_finish_outputs(src, e);
      }
    }
  }
  free(live);
  for (dlq_file *d = j->dlqs; d; d = d->next)
    if (fflush(d->f) != 0 && st == SL_OK)
      st = err_set(e, SL_ERUNTIME, "cannot write the dead-letter file '%s'", d->path);
  return st;
}

void job_summary(const sl_job *j, FILE *f, double wall, double cpu) {
  fprintf(f, "sluice: finished in %.2f s (%.2f s CPU)\n", wall, cpu);
  for (int i = 0; i < j->nsources; i++) {
    const job_source *s = &j->sources[i];
    fprintf(f, "  source %-16s %llu rows read", s->name, (unsigned long long)s->rows_read);
    if (s->dead_lettered)
      fprintf(f, ", %llu dead-lettered to %s", (unsigned long long)s->dead_lettered, s->dlq_path);
    if (s->skipped)
      fprintf(f, ", %llu skipped ('on-error' = 'skip')", (unsigned long long)s->skipped);
    fputc('\n', f);
  }
  for (int i = 0; i < j->nsinks; i++) {
    const job_sink *s = &j->sinks[i];
    fprintf(f, "  sink   %-16s %llu rows written to %s\n", s->name,
            (unsigned long long)s->rows_written, s->target);
  }
}

void job_free(sl_job *j) {
  if (!j) return;
  for (int i = 0; i < j->nops; i++) {
    sl_op *op = j->ops[i];
    free(op->out);
    free(op->in);
    if (op->vt->free) op->vt->free(op);
  }
  free(j->ops);
  for (int i = 0; i < j->nsources; i++) {
    for (int k = 0; k < j->sources[i].nfiles; k++) free(j->sources[i].files[k]);
    free(j->sources[i].files);
  }
  free(j->sources);
  free(j->sinks);
  while (j->dlqs) {
    dlq_file *d = j->dlqs;
    j->dlqs = d->next;
    fclose(d->f);
    free(d->path);
    free(d);
  }
  free(j);
}
