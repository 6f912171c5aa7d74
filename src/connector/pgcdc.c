/* pgcdc.c - the postgres-cdc source (Flink CDC's option names): a consistent initial snapshot,
 * then the table's changes by logical replication (pgoutput, decoded by pgcdc_proto.c) as a
 * changelog. Startup: the publication is created FOR the table when missing; a replication
 * connection creates the slot and exports its snapshot, which a second connection reads the
 * table in (REPEATABLE READ, SET TRANSACTION SNAPSHOT) through a cursor; then START_REPLICATION
 * streams every change committed after it. An existing slot (a restart) skips the snapshot and
 * streams from its confirmed position. The stream's socket is registered with the job's loop;
 * keepalives are answered and a status update goes out at least every 5 s. Delivery: mark()
 * remembers the end LSN of the last commit whose rows are all emitted, durable() reports it as
 * the flushed position, so the slot advances only once every sink has made those rows durable.
 * Must not touch: the pgoutput format's details (pgcdc_proto.c), rows after op_emit, other
 * connectors. */
#include <postgresql/libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pgcdc.h"

enum { PMARKS = 16, FETCH_ROWS = 1000 };

static const opt_def pgcdc_opts[] = {
    {"connector", OPT_STRING, NULL, NULL, true, "postgres-cdc"},
    {"hostname", OPT_STRING, NULL, NULL, true, "the PostgreSQL server's host name or address"},
    {"port", OPT_INT, "5432", NULL, false, "its port"},
    {"database-name", OPT_STRING, NULL, NULL, true, "the database of the table"},
    {"schema-name", OPT_STRING, "public", NULL, false, "the schema of the table"},
    {"table-name", OPT_STRING, NULL, NULL, true,
     "the table to capture (one table; the declared columns are matched by name)"},
    {"username", OPT_STRING, NULL, NULL, true,
     "the user: it needs the REPLICATION attribute (or to be a superuser) and SELECT on the table"},
    {"password", OPT_STRING, NULL, NULL, false,
     "its password (use ${ENV}; never shown in explain, logs or errors)"},
    {"slot.name", OPT_STRING, NULL, NULL, true,
     "the logical replication slot (lower-case letters, digits and _): created on the first run; "
     "a run that finds it continues from its confirmed position without a snapshot"},
    {"decoding.plugin.name", OPT_ENUM, "pgoutput", "pgoutput", false,
     "the logical decoding plugin; sluice decodes PostgreSQL's built-in pgoutput"},
    {"debezium.publication.name", OPT_STRING, NULL, NULL, false,
     "the publication the slot streams (default 'sluice_<slot>', created FOR the table when it "
     "does not exist)"},
    {"scan.startup.mode", OPT_ENUM, "initial", "initial|latest-offset", false,
     "a new slot: read the table's rows first, then its changes (initial), or only the changes "
     "committed after the slot was created (latest-offset)"},
    {"status-interval", OPT_DURATION, "5 s", NULL, false,
     "sluice extension: how often the stream reports its received and confirmed positions to "
     "the server (at most 10 s; it also answers every keepalive that asks)"},
    {"changelog-mode", OPT_ENUM, "all", "all", false,
     "the rows emitted: +I, -U/+U and -D (all); see docs/postgres-cdc.md for before-images"},
    {NULL, 0, NULL, NULL, false, NULL}};

typedef struct pmark {
  uint64_t epoch, lsn;
} pmark;

typedef struct pgsrc {
  sl_op base;
  int source;
  PGconn *repl, *query;
  char *slot, *pub, *nsp, *table;
  bool snapshot;  /* reading the snapshot's cursor */
  bool streaming; /* START_REPLICATION done */
  uint64_t start_lsn, received, flushed, done_lsn, snap_rows, last_data_lsn;
  uint64_t timer;
  int64_t status_ms;
  int fd;
  pgo_dec dec;
  sl_batch b;
  pmark marks[PMARKS];
  int nmarks;
  bool checked_snapshot_types;
} pgsrc;

/* ---- connections ---- */

static PGconn *connect_pg(const conn_ctx *c, bool repl, sl_error *e) {
  const opt_list *o = &c->opts;
  const char *kw[10], *val[10];
  int n = 0;
  kw[n] = "host", val[n++] = opt_get(o, pgcdc_opts, "hostname");
  kw[n] = "port", val[n++] = opt_get(o, pgcdc_opts, "port");
  kw[n] = "dbname", val[n++] = opt_get(o, pgcdc_opts, "database-name");
  kw[n] = "user", val[n++] = opt_get(o, pgcdc_opts, "username");
  const char *pw = opt_get(o, pgcdc_opts, "password");
  if (pw) kw[n] = "password", val[n++] = pw;
  kw[n] = "application_name", val[n++] = "sluice";
  /* values as the decoder reads them: ISO dates, UTC times, floats that round-trip */
  kw[n] = "options", val[n++] = "-c TimeZone=UTC -c DateStyle=ISO -c extra_float_digits=3";
  if (repl) kw[n] = "replication", val[n++] = "database";
  kw[n] = NULL, val[n] = NULL;
  PGconn *pg = PQconnectdbParams(kw, val, 0);
  if (PQstatus(pg) != CONNECTION_OK) {
    err_set(e, SL_ERUNTIME, "postgres-cdc source '%s': cannot connect%s: %s", c->table,
            repl ? " for replication" : "", PQerrorMessage(pg));
    PQfinish(pg);
    return NULL;
  }
  return pg;
}

/* A command that must succeed; the result (PQclear it) or NULL with e set. */
static PGresult *run(pgsrc *s, PGconn *pg, const char *sql, ExecStatusType want, sl_error *e) {
  PGresult *r = PQexec(pg, sql);
  if (PQresultStatus(r) != want) {
    err_set(e, SL_ERUNTIME, "postgres-cdc source '%s': %s", s->base.name, PQerrorMessage(pg));
    PQclear(r);
    return NULL;
  }
  return r;
}

static uint64_t parse_lsn(const char *t) {
  unsigned hi = 0, lo = 0;
  if (sscanf(t, "%X/%X", &hi, &lo) != 2) return 0;
  return (uint64_t)hi << 32 | lo;
}

static int64_t pg_now_us(void) { /* microseconds since 2000-01-01 */
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return ((int64_t)ts.tv_sec - 946684800) * 1000000 + ts.tv_nsec / 1000;
}

static void put64(uint8_t *p, uint64_t v) {
  for (int i = 7; i >= 0; i--) p[7 - i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(const char *p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v = v << 8 | (uint8_t)p[i];
  return v;
}

/* Standby status update: written up to what was received, flushed/applied up to what every
 * sink has made durable. */
static void send_status(pgsrc *s, bool reply) {
  if (!s->streaming) return;
  uint8_t m[34];
  m[0] = 'r';
  put64(m + 1, s->received > s->flushed ? s->received : s->flushed);
  put64(m + 9, s->flushed);
  put64(m + 17, s->flushed);
  put64(m + 25, (uint64_t)pg_now_us());
  m[33] = reply;
  if (PQputCopyData(s->repl, (const char *)m, sizeof m) == 1) PQflush(s->repl);
}

static void on_timer(sl_loop *l, uint64_t id, void *arg) { send_status(arg, false); }

static void on_ready(sl_loop *l, int fd, int mask, void *arg) { op_source_ready(arg); }

static sl_status start_stream(pgsrc *s, sl_error *e) {
  char lsn[32], sql[512];
  pgo_lsn_str(s->start_lsn, lsn);
  snprintf(sql, sizeof sql,
           "START_REPLICATION SLOT %s LOGICAL %s (proto_version '1', publication_names '\"%s\"')",
           s->slot, lsn, s->pub);
  PGresult *r = run(s, s->repl, sql, PGRES_COPY_BOTH, e);
  if (!r) return SL_ERUNTIME;
  PQclear(r);
  PQsetnonblocking(s->repl, 1);
  s->streaming = true;
  s->fd = PQsocket(s->repl);
  if (loop_add_fd(s->base.job->loop, s->fd, LOOP_READ, on_ready, s) != 0)
    return err_set(e, SL_ERUNTIME, "postgres-cdc source '%s': cannot watch the stream",
                   s->base.name);
  s->timer = loop_add_timer(s->base.job->loop, s->status_ms, s->status_ms, on_timer, s);
  return SL_OK;
}

/* ---- reading ---- */

static sl_status reject(pgsrc *s, uint64_t line, const char *why, sl_error *e) {
  sl_rowpos pos = {(uint32_t)s->source, 0, line};
  return job_reject(s->base.job, &pos, "convert", why, "", 0, e);
}

static sl_status snapshot_batch(pgsrc *s, bool *done, sl_error *e) {
  char sql[64];
  int want = s->b.cap < FETCH_ROWS ? s->b.cap : FETCH_ROWS;
  snprintf(sql, sizeof sql, "FETCH %d FROM sluice_snap", want);
  PGresult *r = run(s, s->query, sql, PGRES_TUPLES_OK, e);
  if (!r) return SL_ERUNTIME;
  int n = PQntuples(r), nc = s->base.ncols;
  sl_status st = SL_OK;
  if (!s->checked_snapshot_types)
    for (int i = 0; i < nc && !st; i++) {
      const char *bad = pgo_type_check(PQftype(r, i), s->base.types[i]);
      if (bad)
        st = err_set(e, SL_EUSAGE,
                     "postgres-cdc source '%s': column '%s' (PostgreSQL type oid %u): %s",
                     s->base.name, s->base.cols[i], PQftype(r, i), bad);
    }
  s->checked_snapshot_types = true;
  for (int t = 0; t < n && !st; t++) {
    sl_value *row = batch_row(&s->b, s->b.nrows);
    char why[512];
    bool ok = true;
    s->snap_rows++;
    for (int i = 0; i < nc && ok; i++) {
      row[i] = value_null();
      if (PQgetisnull(r, t, i)) continue;
      ok = pgo_text_value(PQgetvalue(r, t, i), (size_t)PQgetlength(r, t, i), PQftype(r, i),
                          s->base.types[i], &row[i], &s->b.arena, why, sizeof why);
      if (!ok) {
        char msg[700];
        snprintf(msg, sizeof msg, "snapshot row %llu, column '%s': %s",
                 (unsigned long long)s->snap_rows, s->base.cols[i], why);
        st = reject(s, s->snap_rows, msg, e);
      }
    }
    if (!ok) continue;
    s->b.kind[s->b.nrows] = RK_INSERT;
    s->b.pos[s->b.nrows] = (sl_rowpos){(uint32_t)s->source, 0, s->snap_rows};
    s->b.nrows++;
  }
  PQclear(r);
  *done = n < want;
  return st;
}

/* One XLogData payload. */
static sl_status take(pgsrc *s, const char *p, size_t n, uint64_t lsn, sl_error *e) {
  pgo_out out = {0};
  out.row[0] = batch_row(&s->b, s->b.nrows);
  out.row[1] = batch_row(&s->b, s->b.nrows + 1);
  char why[600], lsns[32];
  sl_status st = pgo_decode(&s->dec, (const uint8_t *)p, n, &out, &s->b.arena, why, sizeof why);
  pgo_lsn_str(lsn, lsns);
  if (st == SL_EDATA) {
    char msg[700];
    snprintf(msg, sizeof msg, "LSN %s: %s", lsns, why);
    return reject(s, lsn, msg, e);
  }
  if (st)
    return err_set(e, SL_ERUNTIME, "postgres-cdc source '%s': at LSN %s: %s", s->base.name, lsns,
                   why);
  for (int i = 0; i < out.nrows; i++) {
    s->b.kind[s->b.nrows] = out.kind[i];
    s->b.pos[s->b.nrows] = (sl_rowpos){(uint32_t)s->source, 0, lsn};
    s->b.nrows++;
  }
  return SL_OK;
}

static sl_status stream_batch(pgsrc *s, pump_result *res, sl_error *e) {
  sl_status st = SL_OK;
  *res = PUMP_EMITTED;
  while (!st && s->b.nrows + 2 <= s->b.cap) {
    char *buf = NULL;
    int n = PQgetCopyData(s->repl, &buf, 1);
    if (n == 0) {
      if (!PQconsumeInput(s->repl))
        return err_set(e, SL_ERUNTIME,
                       "postgres-cdc source '%s': the replication stream failed: %s", s->base.name,
                       PQerrorMessage(s->repl));
      n = PQgetCopyData(s->repl, &buf, 1);
      if (n == 0) {
        if (!s->b.nrows) *res = PUMP_WAIT;
        break;
      }
    }
    if (n < 0)
      return err_set(e, SL_ERUNTIME, "postgres-cdc source '%s': the replication stream ended: %s",
                     s->base.name, PQerrorMessage(s->repl));
    if (buf[0] == 'w' && n >= 25) {
      uint64_t start = get64(buf + 1), end = get64(buf + 9);
      if (end > s->received) s->received = end;
      st = take(s, buf + 25, (size_t)n - 25, start, e);
      /* after a Commit every row before it is in the batch: the position mark() takes */
      if (!st && !s->dec.in_txn && s->dec.commit_end > s->done_lsn) s->done_lsn = s->dec.commit_end;
    } else if (buf[0] == 'k' && n >= 18) {
      uint64_t end = get64(buf + 1);
      if (end > s->received && !s->dec.in_txn) s->received = end;
      if (buf[17]) send_status(s, false);
    }
    PQfreemem(buf);
  }
  if (st) return st;
  s->base.job->sources[s->source].rows_read += (uint64_t)s->b.nrows;
  return SL_OK;
}

static sl_status pg_pump(sl_op *op, pump_result *res, sl_error *e) {
  pgsrc *s = (pgsrc *)op;
  sl_status st;
  if (s->snapshot) {
    bool done = false;
    st = snapshot_batch(s, &done, e);
    if (!st && done) {
      PGresult *r = run(s, s->query, "COMMIT", PGRES_COMMAND_OK, e);
      if (!r) return SL_ERUNTIME;
      PQclear(r);
      s->snapshot = false;
      st = start_stream(s, e);
    }
    s->base.job->sources[s->source].rows_read += (uint64_t)s->b.nrows;
    *res = PUMP_EMITTED;
  } else {
    st = stream_batch(s, res, e);
  }
  if (!st && s->b.nrows) st = op_emit(op, &s->b, e);
  batch_clear(&s->b);
  return st;
}

/* ---- delivery ---- */

static sl_status pg_mark(sl_op *op, uint64_t epoch, sl_error *e) {
  pgsrc *s = (pgsrc *)op;
  if (s->snapshot) return SL_OK; /* nothing to confirm before the stream starts */
  if (s->nmarks == PMARKS) {
    memmove(s->marks, s->marks + 1, sizeof(pmark) * (PMARKS - 1));
    s->nmarks--;
  }
  s->marks[s->nmarks++] = (pmark){epoch, s->done_lsn};
  return SL_OK;
}

static sl_status pg_durable(sl_op *op, uint64_t epoch, sl_error *e) {
  pgsrc *s = (pgsrc *)op;
  int last = -1;
  for (int i = 0; i < s->nmarks; i++)
    if (s->marks[i].epoch <= epoch) last = i;
  if (last < 0) return SL_OK;
  if (s->marks[last].lsn > s->flushed) {
    s->flushed = s->marks[last].lsn;
    send_status(s, false);
  }
  memmove(s->marks, s->marks + last + 1, sizeof(pmark) * (size_t)(s->nmarks - last - 1));
  s->nmarks -= last + 1;
  return SL_OK;
}

static void pg_describe(const sl_op *op, sl_buf *out) {
  const pgsrc *s = (const pgsrc *)op;
  buf_printf(out, "postgres-cdc %s.%s, slot %s, publication %s", s->nsp, s->table, s->slot, s->pub);
}

static void pg_free(sl_op *op) {
  pgsrc *s = (pgsrc *)op;
  if (s->timer) loop_del_timer(op->job->loop, s->timer);
  if (s->streaming) loop_del_fd(op->job->loop, s->fd);
  if (s->repl) PQfinish(s->repl);
  if (s->query) PQfinish(s->query);
  pgo_free(&s->dec);
  free(s->slot);
  free(s->pub);
  free(s->nsp);
  free(s->table);
  batch_free(&s->b);
  free(s);
}

static const op_vt pg_vt = {.kind = "Source",
                            .pump = pg_pump,
                            .describe = pg_describe,
                            .free = pg_free,
                            .mark = pg_mark,
                            .durable = pg_durable};

/* ---- startup ---- */

static bool plain_name(const char *n) {
  if (!*n || strlen(n) > 63) return false;
  for (const char *p = n; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')) return false;
  return true;
}

/* The publication, the slot, and the snapshot or the position to stream from. */
static sl_status start(pgsrc *s, const conn_ctx *c, sl_error *e) {
  if (!(s->query = connect_pg(c, false, e)) || !(s->repl = connect_pg(c, true, e)))
    return SL_ERUNTIME;
  char *qn = PQescapeIdentifier(s->query, s->nsp, strlen(s->nsp));
  char *qt = PQescapeIdentifier(s->query, s->table, strlen(s->table));
  char *lit = PQescapeLiteral(s->query, s->slot, strlen(s->slot));
  char *plit = PQescapeLiteral(s->query, s->pub, strlen(s->pub));
  sl_buf q = {0};
  sl_status st = SL_OK;
  PGresult *r = NULL;
  buf_printf(&q, "SELECT 1 FROM pg_publication WHERE pubname = %s", plit);
  if (!(r = run(s, s->query, q.data, PGRES_TUPLES_OK, e))) {
    st = SL_ERUNTIME;
    goto out;
  }
  bool has_pub = PQntuples(r) > 0;
  PQclear(r);
  if (!has_pub) {
    q.len = 0;
    buf_printf(&q, "CREATE PUBLICATION \"%s\" FOR TABLE %s.%s", s->pub, qn, qt);
    if (!(r = run(s, s->query, q.data, PGRES_COMMAND_OK, e))) {
      st = SL_ERUNTIME;
      goto out;
    }
    PQclear(r);
  }
  q.len = 0;
  buf_printf(
      &q, "SELECT confirmed_flush_lsn, plugin FROM pg_replication_slots WHERE slot_name = %s", lit);
  if (!(r = run(s, s->query, q.data, PGRES_TUPLES_OK, e))) {
    st = SL_ERUNTIME;
    goto out;
  }
  bool has_slot = PQntuples(r) > 0;
  if (has_slot && strcmp(PQgetvalue(r, 0, 1), "pgoutput")) {
    st = err_set(e, SL_EUSAGE,
                 "postgres-cdc source '%s': slot '%s' uses the plugin '%s', not pgoutput",
                 s->base.name, s->slot, PQgetvalue(r, 0, 1));
    PQclear(r);
    goto out;
  }
  if (has_slot) s->start_lsn = parse_lsn(PQgetvalue(r, 0, 0));
  PQclear(r);
  r = NULL;
  bool initial = !strcmp(opt_get(&c->opts, pgcdc_opts, "scan.startup.mode"), "initial");
  if (!has_slot) {
    q.len = 0;
    buf_printf(&q, "CREATE_REPLICATION_SLOT %s LOGICAL pgoutput (SNAPSHOT '%s')", s->slot,
               initial ? "export" : "nothing");
    if (!(r = run(s, s->repl, q.data, PGRES_TUPLES_OK, e))) {
      st = SL_ERUNTIME;
      goto out;
    }
    s->start_lsn = parse_lsn(PQgetvalue(r, 0, 1));
    if (initial) {
      char *snap = xstrdup(PQgetvalue(r, 0, 2));
      PQclear(r);
      r = NULL;
      q.len = 0;
      buf_printf(&q,
                 "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SET TRANSACTION SNAPSHOT '%s'",
                 snap);
      free(snap);
      if (!(r = run(s, s->query, q.data, PGRES_COMMAND_OK, e))) {
        st = SL_ERUNTIME;
        goto out;
      }
      PQclear(r);
      q.len = 0;
      buf_puts(&q, "DECLARE sluice_snap NO SCROLL CURSOR FOR SELECT ");
      for (int i = 0; i < c->schema.ncols; i++) {
        char *col = PQescapeIdentifier(s->query, c->schema.names[i], strlen(c->schema.names[i]));
        buf_printf(&q, "%s%s", i ? ", " : "", col);
        PQfreemem(col);
      }
      buf_printf(&q, " FROM ONLY %s.%s", qn, qt);
      if (!(r = run(s, s->query, q.data, PGRES_COMMAND_OK, e))) {
        st = SL_ERUNTIME;
        goto out;
      }
      s->snapshot = true;
    }
    PQclear(r);
    r = NULL;
  }
  s->done_lsn = s->start_lsn;
  if (!s->snapshot) st = start_stream(s, e);
out:
  PQfreemem(qn);
  PQfreemem(qt);
  PQfreemem(lit);
  PQfreemem(plit);
  buf_free(&q);
  return st;
}

static sl_op *pgcdc_source_new(const conn_ctx *c, sl_error *e) {
  const opt_list *o = &c->opts;
  const char *slot = opt_get(o, pgcdc_opts, "slot.name");
  const char *pub = opt_get(o, pgcdc_opts, "debezium.publication.name");
  if (!plain_name(slot)) {
    err_set(e, SL_EUSAGE,
            "table '%s': 'slot.name' = '%s': a slot name has only lower-case letters, digits and _ "
            "(at most 63)",
            c->table, slot);
    return NULL;
  }
  char defpub[80];
  snprintf(defpub, sizeof defpub, "sluice_%s", slot);
  if (!pub) pub = defpub;
  if (!plain_name(pub)) {
    err_set(e, SL_EUSAGE,
            "table '%s': 'debezium.publication.name' = '%s': use lower-case letters, digits and _",
            c->table, pub);
    return NULL;
  }
  for (int i = 0; i < c->schema.ncols; i++) {
    sl_type_id t = c->schema.types[i].id;
    if (t == T_INTERVAL || t == T_NULL || (c->meta && c->meta[i])) {
      err_set(e, SL_EUSAGE,
              "table '%s': column '%s': the postgres-cdc source reads BOOLEAN, INT, "
              "BIGINT, FLOAT, DOUBLE, DECIMAL, STRING, DATE, TIMESTAMP and TIMESTAMP_LTZ columns",
              c->table, c->schema.names[i]);
      return NULL;
    }
  }
  int64_t status_ms = 5000;
  if (opt_parse_duration(opt_get(o, pgcdc_opts, "status-interval"), &status_ms) || status_ms < 1 ||
      status_ms > 10000) {
    err_set(e, SL_EUSAGE, "table '%s': 'status-interval' must be between 1 ms and 10 s", c->table);
    return NULL;
  }
  if (c->worker > 0) return op_empty_source_new(c->job, c->table);
  pgsrc *s = xcalloc(1, sizeof *s);
  op_init(&s->base, &pg_vt, c->job, c->table);
  s->source = c->source_index;
  s->fd = -1;
  s->status_ms = status_ms;
  s->slot = xstrdup(slot);
  s->pub = xstrdup(pub);
  s->nsp = xstrdup(opt_get(o, pgcdc_opts, "schema-name"));
  s->table = xstrdup(opt_get(o, pgcdc_opts, "table-name"));
  s->base.ncols = c->schema.ncols;
  s->base.cols = c->schema.names;
  s->base.types = c->schema.types;
  s->base.updating = true;
  s->base.bounded = false; /* a change stream never ends by itself */
  batch_init(&s->b, c->schema.ncols, c->job->batch_rows < 2 ? 2 : c->job->batch_rows);
  pgo_init(&s->dec, c->schema.ncols, c->schema.names, c->schema.types, s->nsp, s->table);
  job_source *js = &c->job->sources[s->source];
  js->files = xrealloc(js->files, sizeof(char *) * (size_t)(js->nfiles + 1));
  size_t fl = strlen(s->nsp) + strlen(s->table) + 2;
  js->files[js->nfiles] = xmalloc(fl);
  snprintf(js->files[js->nfiles], fl, "%s.%s", s->nsp, s->table);
  js->nfiles++;
  if (c->dry) return &s->base;
  if (start(s, c, e)) {
    pg_free(&s->base);
    return NULL;
  }
  return &s->base;
}

const conn_def conn_postgres_cdc = {
    "postgres-cdc",
    pgcdc_opts,
    true,
    false,
    false,
    "Captures the changes of one PostgreSQL table by logical replication (pgoutput), after a "
    "consistent snapshot of its rows, as a changelog (+I, -U/+U, -D), with Flink CDC's option "
    "names. The slot's confirmed position advances only once every sink has made the rows "
    "before it durable (docs/delivery.md). See docs/postgres-cdc.md.",
    pgcdc_source_new,
    NULL,
    NULL,
    false,
    false,
    NULL};
