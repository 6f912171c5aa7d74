/* jdbc_sink.c - the jdbc sink: rows into a PostgreSQL table. Without a PRIMARY KEY the rows
 * are appended with COPY FROM STDIN (text format); with one, +I/+U rows are upserted
 * (INSERT ... ON CONFLICT (key) DO UPDATE), -D and -U rows deleted by key (a -U directly
 * followed by the +U of its key is skipped: the +U replaces the row), as prepared statements
 * sent in pipeline mode. Rows are
 * buffered as text and written in one transaction per flush: when 'sink.buffer-flush.max-rows'
 * are buffered, every 'sink.buffer-flush.interval', at a barrier (then the epoch is
 * acknowledged, docs/delivery.md) and at the end. A flush that fails because the connection
 * broke is retried on a new connection ('sink.max-retries'); the buffer is kept until COMMIT
 * succeeds, so a retry writes the same rows again in a new transaction.
 * Checkpoints: flush_tx() runs BEGIN, the rows, then COMMIT; the checkpoint issue writes the
 * epoch (an upsert into a sluice table keyed by job and sink) just before that COMMIT, so the
 * rows and the epoch they belong to are committed together (see `epoch_hook`).
 * Must not touch: the rows it is given, other connectors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jdbc.h"

enum { PIPE_CHUNK = 256 };

typedef struct jsink {
  sl_op base;
  int sink;
  PGconn *pg;
  char *table, *tname, *url_safe;
  sl_type *types;
  int ncols, *pk, npk;
  bool upsert;
  char *copy_sql, *upsert_sql, *delete_sql;
  sl_buf buf;   /* append: COPY text; upsert: per row a kind byte, then per column a null
                   byte and NUL-terminated text */
  int64_t nbuf; /* rows buffered */
  int64_t max_rows, interval_ms, last_flush;
  int retries;
  uint64_t flushes, written;
} jsink;

static void copy_escape(sl_buf *b, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    switch (c) {
    case '\\': buf_puts(b, "\\\\"); break;
    case '\t': buf_puts(b, "\\t"); break;
    case '\n': buf_puts(b, "\\n"); break;
    case '\r': buf_puts(b, "\\r"); break;
    default: buf_putc(b, c);
    }
  }
}

static sl_status prepare(jsink *s, sl_error *e) {
  if (!s->upsert) return SL_OK;
  PGresult *r = PQprepare(s->pg, "sluice_upsert", s->upsert_sql, s->ncols, NULL);
  sl_status st = PQresultStatus(r) == PGRES_COMMAND_OK
                     ? SL_OK
                     : jdbc_fail(e, s->table, "preparing the upsert", s->pg, r);
  PQclear(r);
  if (st) return st;
  r = PQprepare(s->pg, "sluice_delete", s->delete_sql, s->npk, NULL);
  st = PQresultStatus(r) == PGRES_COMMAND_OK
           ? SL_OK
           : jdbc_fail(e, s->table, "preparing the delete", s->pg, r);
  PQclear(r);
  return st;
}

static sl_status cmd(jsink *s, const char *sql, sl_error *e) {
  PGresult *r = PQexec(s->pg, sql);
  sl_status st =
      PQresultStatus(r) == PGRES_COMMAND_OK ? SL_OK : jdbc_fail(e, s->table, sql, s->pg, r);
  PQclear(r);
  return st;
}

/* Where the checkpoint issue writes the epoch, in the flush's own transaction. */
static sl_status epoch_hook(jsink *s, sl_error *e) { return SL_OK; }

static sl_status write_copy(jsink *s, sl_error *e) {
  PGresult *r = PQexec(s->pg, s->copy_sql);
  if (PQresultStatus(r) != PGRES_COPY_IN) {
    sl_status st = jdbc_fail(e, s->table, "COPY", s->pg, r);
    PQclear(r);
    return st;
  }
  PQclear(r);
  if (PQputCopyData(s->pg, s->buf.data, (int)s->buf.len) != 1 || PQputCopyEnd(s->pg, NULL) != 1)
    return jdbc_fail(e, s->table, "COPY", s->pg, NULL);
  sl_status st = SL_OK;
  while ((r = PQgetResult(s->pg))) {
    if (!st && PQresultStatus(r) != PGRES_COMMAND_OK) st = jdbc_fail(e, s->table, "COPY", s->pg, r);
    PQclear(r);
  }
  return st;
}

/* Reads the results up to the next sync; the first error wins. */
static sl_status drain(jsink *s, sl_error *e) {
  sl_status st = SL_OK;
  for (;;) {
    PGresult *r = PQgetResult(s->pg);
    if (!r) {
      if (PQstatus(s->pg) != CONNECTION_OK)
        return st ? st : jdbc_fail(e, s->table, "writing", s->pg, NULL);
      continue; /* the end of one command's results */
    }
    ExecStatusType t = PQresultStatus(r);
    if (t == PGRES_PIPELINE_SYNC) {
      PQclear(r);
      return st;
    }
    if (!st && t != PGRES_COMMAND_OK && t != PGRES_TUPLES_OK && t != PGRES_PIPELINE_ABORTED)
      st = jdbc_fail(e, s->table, "writing", s->pg, r);
    PQclear(r);
  }
}

static sl_status write_pipeline(jsink *s, sl_error *e) {
  if (PQenterPipelineMode(s->pg) != 1) return jdbc_fail(e, s->table, "pipeline mode", s->pg, NULL);
  const char *pv[64];
  const char **vals = s->ncols <= 64 ? pv : xcalloc((size_t)s->ncols, sizeof(char *));
  const char *p = s->buf.data, *end = s->buf.data + s->buf.len;
  sl_status st = SL_OK;
  int sent = 0;
  while (p < end && !st) {
    char kind = *p++;
    for (int c = 0; c < s->ncols; c++) {
      bool null = *p++;
      vals[c] = null ? NULL : p;
      p += strlen(p) + 1;
    }
    int ok;
    if (kind == RK_DELETE) {
      const char *kv[64];
      for (int k = 0; k < s->npk && k < 64; k++) kv[k] = vals[s->pk[k]];
      ok = PQsendQueryPrepared(s->pg, "sluice_delete", s->npk, kv, NULL, NULL, 0);
    } else {
      ok = PQsendQueryPrepared(s->pg, "sluice_upsert", s->ncols, vals, NULL, NULL, 0);
    }
    if (ok != 1) st = jdbc_fail(e, s->table, "writing", s->pg, NULL);
    if (!st && ++sent % PIPE_CHUNK == 0) { /* read the results before the buffers fill */
      if (PQpipelineSync(s->pg) != 1)
        st = jdbc_fail(e, s->table, "writing", s->pg, NULL);
      else
        st = drain(s, e);
    }
  }
  if (!st && sent % PIPE_CHUNK) {
    if (PQpipelineSync(s->pg) != 1)
      st = jdbc_fail(e, s->table, "writing", s->pg, NULL);
    else
      st = drain(s, e);
  }
  if (vals != pv) free(vals);
  PQexitPipelineMode(s->pg);
  return st;
}

static sl_status flush_tx(jsink *s, sl_error *e) {
  sl_status st = cmd(s, "BEGIN", e);
  if (!st) st = s->upsert ? write_pipeline(s, e) : write_copy(s, e);
  if (!st) st = epoch_hook(s, e);
  if (!st) st = cmd(s, "COMMIT", e);
  if (st && PQstatus(s->pg) == CONNECTION_OK && PQtransactionStatus(s->pg) != PQTRANS_IDLE) {
    PGresult *r = PQexec(s->pg, "ROLLBACK");
    PQclear(r);
  }
  return st;
}

static sl_status js_flush_now(jsink *s, sl_error *e) {
  s->last_flush = loop_now_ms();
  if (!s->nbuf) return SL_OK;
  sl_status st;
  for (int attempt = 0;; attempt++) {
    st = flush_tx(s, e);
    if (!st || attempt >= s->retries || PQstatus(s->pg) == CONNECTION_OK) break;
    /* the connection broke: a new one, and the same rows again */
    fprintf(stderr, "sluice: jdbc sink '%s': %s (retrying on a new connection)\n", s->table,
            e->msg);
    usleep(100000u * (unsigned)(attempt + 1));
    PQreset(s->pg);
    if (PQstatus(s->pg) == CONNECTION_OK && (st = prepare(s, e))) break;
  }
  if (st) return st;
  s->base.job->sinks[s->sink].rows_written += (uint64_t)s->nbuf;
  s->written += (uint64_t)s->nbuf;
  s->flushes++;
  s->nbuf = 0;
  s->buf.len = 0;
  return SL_OK;
}

static bool same_key(const jsink *s, const sl_value *a, const sl_value *b) {
  for (int k = 0; k < s->npk; k++) {
    const sl_value *x = &a[s->pk[k]], *y = &b[s->pk[k]];
    if (x->null != y->null || (!x->null && value_compare(x, y, s->types[s->pk[k]]))) return false;
  }
  return true;
}

static sl_status jk_push(sl_op *op, int port, const sl_batch *b, sl_error *e) {
  jsink *s = (jsink *)op;
  sl_buf tmp = {0};
  for (int r = 0; r < b->nrows; r++) {
    const sl_value *row = batch_row(b, r);
    int kind = b->kind[r];
    if (!s->upsert) {
      for (int c = 0; c < s->ncols; c++) {
        if (c) buf_putc(&s->buf, '\t');
        if (row[c].null) {
          buf_puts(&s->buf, "\\N");
          continue;
        }
        tmp.len = 0;
        jdbc_encode(&row[c], s->types[c], &tmp);
        copy_escape(&s->buf, tmp.data, tmp.len);
      }
      buf_putc(&s->buf, '\n');
    } else {
      /* -U deletes by key (a HAVING or a filter may drop the +U that would replace it), but not
       * when the +U of the same key follows at once: that one replaces it */
      if (kind == RK_UPDATE_BEFORE && r + 1 < b->nrows && b->kind[r + 1] == RK_UPDATE_AFTER &&
          same_key(s, row, batch_row(b, r + 1)))
        continue;
      bool del = kind == RK_DELETE || kind == RK_UPDATE_BEFORE;
      buf_putc(&s->buf, (char)(del ? RK_DELETE : RK_INSERT));
      for (int c = 0; c < s->ncols; c++) {
        buf_putc(&s->buf, (char)row[c].null);
        if (!row[c].null) {
          size_t at = s->buf.len;
          jdbc_encode(&row[c], s->types[c], &s->buf);
          if (memchr(s->buf.data + at, 0, s->buf.len - at)) { /* PostgreSQL text has no NUL */
            buf_free(&tmp);
            return err_set(e, SL_ERUNTIME,
                           "jdbc sink '%s': column '%s' holds a NUL character, "
                           "which PostgreSQL text cannot store",
                           s->table, op->cols ? op->cols[c] : "?");
          }
        }
        buf_putc(&s->buf, 0);
      }
    }
    s->nbuf++;
    if (s->nbuf >= s->max_rows) {
      sl_status st = js_flush_now(s, e);
      if (st) {
        buf_free(&tmp);
        return st;
      }
    }
  }
  buf_free(&tmp);
  return SL_OK;
}

static sl_status jk_flush(sl_op *op, sl_error *e) {
  jsink *s = (jsink *)op;
  if (!s->nbuf || loop_now_ms() - s->last_flush < s->interval_ms) return SL_OK;
  return js_flush_now(s, e);
}

static sl_status jk_finish(sl_op *op, sl_error *e) { return js_flush_now((jsink *)op, e); }

static sl_status jk_barrier(sl_op *op, uint64_t epoch, sl_error *e) {
  sl_status st = js_flush_now((jsink *)op, e);
  if (st) return st;
  op_sink_durable(op, epoch);
  return SL_OK;
}

/* A stop: an unbounded run keeps what it read (flush); a bounded run stopped early writes no
 * more (what earlier flushes committed stays). */
static sl_status jk_stop(sl_op *op, bool publish, sl_error *e) {
  jsink *s = (jsink *)op;
  if (publish) return js_flush_now(s, e);
  return SL_OK;
}

static void jk_describe(const sl_op *op, sl_buf *out) {
  const jsink *s = (const jsink *)op;
  buf_printf(out, "jdbc %s into %s at %s", s->upsert ? "upsert by key" : "COPY append", s->tname,
             s->url_safe);
}

static void jk_free(sl_op *op) {
  jsink *s = (jsink *)op;
  if (s->pg) PQfinish(s->pg);
  free(s->table);
  free(s->tname);
  free(s->url_safe);
  free(s->types);
  free(s->pk);
  free(s->copy_sql);
  free(s->upsert_sql);
  free(s->delete_sql);
  buf_free(&s->buf);
  free(s);
}

static const op_vt jk_vt = {.kind = "Sink",
                            .push = jk_push,
                            .finish = jk_finish,
                            .stop = jk_stop,
                            .flush = jk_flush,
                            .describe = jk_describe,
                            .free = jk_free,
                            .barrier = jk_barrier};

static void build_sql(jsink *s, const conn_ctx *c) {
  sl_buf b = {0}, cols = {0};
  char **q = xcalloc((size_t)s->ncols + 1, sizeof(char *));
  for (int i = 0; i < s->ncols; i++) {
    q[i] = jdbc_quote_ident(c->schema.names[i]);
    buf_printf(&cols, "%s%s", i ? ", " : "", q[i]);
  }
  buf_printf(&b, "COPY %s (%s) FROM STDIN", s->tname, buf_cstr(&cols));
  s->copy_sql = xstrdup(buf_cstr(&b));
  if (s->upsert) {
    b.len = 0;
    buf_printf(&b, "INSERT INTO %s (%s) VALUES (", s->tname, buf_cstr(&cols));
    for (int i = 0; i < s->ncols; i++) buf_printf(&b, "%s$%d", i ? ", " : "", i + 1);
    buf_puts(&b, ") ON CONFLICT (");
    for (int k = 0; k < s->npk; k++) buf_printf(&b, "%s%s", k ? ", " : "", q[s->pk[k]]);
    buf_puts(&b, ")");
    bool any = false;
    for (int i = 0; i < s->ncols; i++) {
      bool key = false;
      for (int k = 0; k < s->npk; k++) key |= s->pk[k] == i;
      if (key) continue;
      buf_printf(&b, "%s%s = EXCLUDED.%s", any ? ", " : " DO UPDATE SET ", q[i], q[i]);
      any = true;
    }
    if (!any) buf_puts(&b, " DO NOTHING");
    s->upsert_sql = xstrdup(buf_cstr(&b));
    b.len = 0;
    buf_printf(&b, "DELETE FROM %s WHERE ", s->tname);
    for (int k = 0; k < s->npk; k++)
      buf_printf(&b, "%s%s = $%d", k ? " AND " : "", q[s->pk[k]], k + 1);
    s->delete_sql = xstrdup(buf_cstr(&b));
  }
  for (int i = 0; i < s->ncols; i++) free(q[i]);
  free(q);
  buf_free(&b);
  buf_free(&cols);
}

sl_op *jdbc_sink_new(const conn_ctx *c, sl_error *e) {
  if (c->updating_input && !c->nprimary_key) {
    err_set(e, SL_EUSAGE,
            "table '%s': the query updates its rows, so the jdbc sink needs the table's PRIMARY "
            "KEY (...) NOT ENFORCED to upsert and delete by",
            c->table);
    return NULL;
  }
  for (int i = 0; i < c->schema.ncols; i++)
    if (c->meta && c->meta[i]) {
      err_set(e, SL_EUSAGE, "table '%s': the jdbc connector has no metadata columns", c->table);
      return NULL;
    }
  jsink *s = xcalloc(1, sizeof *s);
  op_init(&s->base, &jk_vt, c->job, c->table);
  s->table = xstrdup(c->table);
  s->tname = xstrdup(opt_get(&c->opts, jdbc_opts, "table-name"));
  s->url_safe = jdbc_url_safe(opt_get(&c->opts, jdbc_opts, "url"));
  s->ncols = c->schema.ncols;
  s->types = xcalloc((size_t)s->ncols + 1, sizeof(sl_type));
  memcpy(s->types, c->schema.types, sizeof(sl_type) * (size_t)s->ncols);
  s->npk = c->nprimary_key;
  s->pk = xcalloc((size_t)s->npk + 1, sizeof(int));
  if (s->npk) memcpy(s->pk, c->primary_key, sizeof(int) * (size_t)s->npk);
  s->upsert = s->npk > 0;
  s->base.accepts_updates = s->upsert;
  const char *v = opt_get(&c->opts, jdbc_opts, "sink.buffer-flush.max-rows");
  s->max_rows = v ? strtoll(v, NULL, 10) : 100;
  if (s->max_rows < 1) s->max_rows = 1;
  v = opt_get(&c->opts, jdbc_opts, "sink.buffer-flush.interval");
  if (!v || opt_parse_duration(v, &s->interval_ms)) s->interval_ms = 1000;
  v = opt_get(&c->opts, jdbc_opts, "sink.max-retries");
  s->retries = v ? atoi(v) : 3;
  s->last_flush = loop_now_ms();
  build_sql(s, c);
  if (c->dry) {
    s->sink = job_add_sink(c->job, c->table, s->tname, &s->base);
    return &s->base;
  }
  if (!(s->pg = jdbc_connect(c, "sink", e))) {
    jk_free(&s->base);
    return NULL;
  }
  char *sel = jdbc_select_list(c);
  sl_status st = jdbc_check_table(s->pg, c, sel, e);
  free(sel);
  if (!st) st = prepare(s, e);
  if (st) {
    jk_free(&s->base);
    return NULL;
  }
  s->sink = job_add_sink(c->job, c->table, s->tname, &s->base);
  return &s->base;
}
