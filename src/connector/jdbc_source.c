/* jdbc_source.c - the jdbc source: a bounded scan of a PostgreSQL table, or polling it without
 * end (Kafka Connect's modes). Rows come through a server-side cursor ('scan.fetch-size' rows
 * per FETCH) in text form and are decoded straight into the batch (strings point into the
 * libpq result, which lives until the batch is emitted).
 * Scan: one read-only REPEATABLE READ transaction per range; with 'scan.partition.*' the
 * ranges are work units that the workers take from the table's conn_split.
 * Polling: every 'poll.interval.ms' (a loop timer; nothing busy-waits) a REPEATABLE READ
 * transaction first reads pg_snapshot_xmin(pg_current_snapshot()) - every transaction still
 * open has an id at least this - then the rows after the cursor in cursor order with their
 * xmin. Rows are emitted in order only up to the first one written by a transaction not
 * older than that xmin: a transaction still open may yet commit a row that sorts before it,
 * so the cursor stays before it until the next poll (the late-commit hole of query polling;
 * docs/jdbc.md). mark() remembers the cursor of the rows emitted, durable() makes it the
 * committed cursor and stores it in 'offset.storage.table' when set; a run starts from the
 * stored cursor (or the start of the table).
 * Must not touch: rows after op_emit, other connectors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jdbc.h"

enum { M_SCAN = 0, M_BULK, M_INC, M_TS, M_TSINC };
enum { JMARKS = 16 };

typedef struct jcursor {
  bool have;
  bool incl; /* timestamp mode: the rows at ts were not all emitted; read them again */
  int64_t inc;
  char *ts; /* PostgreSQL's text of the timestamp (allocated) */
} jcursor;

typedef struct jmark {
  uint64_t epoch;
  jcursor c;
} jmark;

typedef struct jsrc {
  sl_op base;
  int source;
  PGconn *pg;
  char *table, *select, *url_safe, *tname;
  int ncols, fetch;
  sl_batch b;
  /* scan ranges */
  char *pcol;
  int64_t plo, phi;
  int pnum;
  conn_split *split;
  uint64_t local_next;
  bool single; /* this instance reads all (or, on workers > 0 without ranges, nothing) */
  int worker, nworkers;
  /* the open cursor */
  bool open;
  PGresult *res;
  int rrow, nrows;
  uint64_t rowno;
  /* polling */
  int mode;
  char *inc_col, *ts_col, *offsets;
  int64_t poll_ms, delay_ms;
  bool guard, stop_poll, dirty;
  char *bound; /* timestamp modes: the start of the oldest transaction open before the poll */
  uint32_t snap_xmin;
  int xcol, icol, tcol; /* result columns of xmin, the incrementing and the timestamp column */
  uint64_t timer;
  bool waiting;
  jcursor cur, committed;
  jmark marks[JMARKS];
  int nmarks;
  uint64_t polls, held;
} jsrc;

static void cursor_set(jcursor *d, const jcursor *s) {
  char *ts = s->ts ? xstrdup(s->ts) : NULL;
  free(d->ts);
  *d = *s;
  d->ts = ts;
}

static sl_status exec_ok(jsrc *s, const char *sql, const char *what, sl_error *e) {
  PGresult *r = PQexec(s->pg, sql);
  ExecStatusType t = PQresultStatus(r);
  sl_status st = t == PGRES_COMMAND_OK || t == PGRES_TUPLES_OK
                     ? SL_OK
                     : jdbc_fail(e, s->table, what, s->pg, r);
  PQclear(r);
  return st;
}

static char *literal(jsrc *s, const char *v) {
  char *l = PQescapeLiteral(s->pg, v, strlen(v));
  char *r = xstrdup(l ? l : "NULL");
  PQfreemem(l);
  return r;
}

/* The query of scan range `part` (-1: the whole table). */
static void scan_query(jsrc *s, int part, sl_buf *q) {
  buf_puts(q, s->select);
  if (part < 0) return;
  char *col = jdbc_quote_ident(s->pcol);
  int64_t span = s->phi - s->plo + 1, n = s->pnum;
  int64_t lo = s->plo + span * part / n, hi = s->plo + span * (part + 1) / n;
  if (n == 1)
    buf_puts(q, " WHERE TRUE");
  else if (part == 0)
    buf_printf(q, " WHERE (%s < %lld OR %s IS NULL)", col, (long long)hi, col);
  else if (part == n - 1)
    buf_printf(q, " WHERE %s >= %lld", col, (long long)lo);
  else
    buf_printf(q, " WHERE %s >= %lld AND %s < %lld", col, (long long)lo, col, (long long)hi);
  free(col);
}

/* The polling query: the declared columns, then xmin and the cursor columns as text. */
static void poll_query(jsrc *s, sl_buf *q) {
  buf_puts(q, s->select);
  char *inc = s->inc_col ? jdbc_quote_ident(s->inc_col) : NULL;
  char *ts = s->ts_col ? jdbc_quote_ident(s->ts_col) : NULL;
  /* insert the extra columns before " FROM " */
  char *from = strstr(buf_cstr(q), " FROM ");
  size_t at = (size_t)(from - q->data);
  sl_buf tail = {0};
  buf_puts(&tail, q->data + at);
  q->len = at;
  /* a view has no xmin: without the guard it is not read */
  buf_puts(q, s->guard ? ", xmin::text::bigint AS sluice_xmin" : ", 0::bigint AS sluice_xmin");
  if (inc) buf_printf(q, ", %s::bigint AS sluice_inc", inc);
  if (ts) buf_printf(q, ", %s::text AS sluice_ts", ts);
  buf_puts(q, buf_cstr(&tail));
  buf_free(&tail);
  const char *w = " WHERE ";
  if ((s->mode == M_TS || s->mode == M_TSINC) && s->delay_ms > 0) {
    buf_printf(q, "%s%s < now() - interval '%lld milliseconds'", w, ts, (long long)s->delay_ms);
    w = " AND ";
  }
  if (s->cur.have) {
    char *lit = s->cur.ts ? literal(s, s->cur.ts) : NULL;
    switch (s->mode) {
    case M_INC: buf_printf(q, "%s%s > %lld", w, inc, (long long)s->cur.inc); break;
    case M_TS: buf_printf(q, "%s%s %s %s", w, ts, s->cur.incl ? ">=" : ">", lit); break;
    case M_TSINC:
      buf_printf(q, "%s(%s > %s OR (%s = %s AND %s > %lld))", w, ts, lit, ts, lit, inc,
                 (long long)s->cur.inc);
      break;
    default: break;
    }
    free(lit);
    w = " AND ";
  }
  if (s->bound) {
    char *lit = literal(s, s->bound);
    buf_printf(q, "%s%s < %s", w, ts, lit);
    free(lit);
  }
  if (s->mode == M_INC) buf_printf(q, " ORDER BY %s", inc);
  if (s->mode == M_TS) buf_printf(q, " ORDER BY %s", ts);
  if (s->mode == M_TSINC) buf_printf(q, " ORDER BY %s, %s", ts, inc);
  free(inc);
  free(ts);
}

static sl_status store_cursor(jsrc *s, sl_error *e);

static void on_timer(sl_loop *l, uint64_t id, void *arg) {
  jsrc *s = arg;
  s->timer = 0;
  s->waiting = false;
  op_source_ready(&s->base);
}

/* Opens the cursor of the next range or poll. *none: nothing more to read now. */
static sl_status open_next(jsrc *s, bool *none, sl_error *e) {
  *none = false;
  sl_buf q = {0};
  sl_status st = SL_OK;
  if (s->mode == M_SCAN) {
    int part;
    if (s->pnum > 0) {
      uint64_t u = s->split ? conn_split_take(s->split) : s->local_next++;
      if (u >= (uint64_t)s->pnum) {
        *none = true;
        return SL_OK;
      }
      part = (int)u;
    } else {
      uint64_t u = s->split ? conn_split_take(s->split) : s->local_next++;
      if (u >= 1) {
        *none = true;
        return SL_OK;
      }
      part = -1;
    }
    scan_query(s, part, &q);
    st = exec_ok(s, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "starting the scan", e);
  } else {
    st = store_cursor(s, e); /* a durable epoch that came during the last poll */
    free(s->bound);
    s->bound = NULL;
    if (!st && s->guard && s->ts_col) {
      /* Rows stamped with now() by a transaction open now will have a timestamp at least its
       * start; one that starts after this will stamp later than this clock. Read before the
       * poll's snapshot, so every transaction open at the snapshot is counted. */
      PGresult *r =
          PQexec(s->pg, "SELECT least(clock_timestamp(), min(xact_start))::text FROM "
                        "pg_stat_activity WHERE xact_start IS NOT NULL AND backend_type = "
                        "'client backend' AND pid <> "
                        "pg_backend_pid()");
      if (PQresultStatus(r) != PGRES_TUPLES_OK)
        st = jdbc_fail(e, s->table, "reading open transactions", s->pg, r);
      else
        s->bound = xstrdup(PQgetvalue(r, 0, 0));
      PQclear(r);
    }
    if (!st)
      st = exec_ok(s, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "starting a poll", e);
    if (!st) {
      PGresult *r = PQexec(s->pg, "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint");
      if (PQresultStatus(r) != PGRES_TUPLES_OK)
        st = jdbc_fail(e, s->table, "reading the snapshot", s->pg, r);
      else
        s->snap_xmin = (uint32_t)strtoull(PQgetvalue(r, 0, 0), NULL, 10);
      PQclear(r);
    }
    poll_query(s, &q);
    s->stop_poll = false;
    s->polls++;
  }
  if (!st) {
    sl_buf d = {0};
    buf_printf(&d, "DECLARE sluice_c NO SCROLL CURSOR FOR %s", buf_cstr(&q));
    st = exec_ok(s, buf_cstr(&d), "opening the cursor", e);
    buf_free(&d);
  }
  buf_free(&q);
  if (!st) s->open = true;
  return st;
}

static sl_status close_cursor(jsrc *s, sl_error *e) {
  if (s->res) PQclear(s->res);
  s->res = NULL;
  s->rrow = s->nrows = 0;
  if (!s->open) return SL_OK;
  s->open = false;
  return exec_ok(s, "COMMIT", "ending the read", e);
}

/* Whether the row's writer may still be in flight at the poll's snapshot: its xid is not
 * older than the snapshot's xmin (32-bit xids compared modulo 2^32, as PostgreSQL does;
 * frozen and bootstrap ids, below 3, are always older). */
static bool too_new(const jsrc *s, int r) {
  uint32_t x = (uint32_t)strtoull(PQgetvalue(s->res, r, s->xcol), NULL, 10);
  if (x < 3) return false;
  return (int32_t)(x - s->snap_xmin) >= 0;
}

static sl_status js_pump(sl_op *op, pump_result *res, sl_error *e) {
  jsrc *s = (jsrc *)op;
  sl_status st;
  if (s->waiting) {
    *res = PUMP_WAIT;
    return SL_OK;
  }
  if (!s->res || s->rrow >= s->nrows) {
    if (s->res) PQclear(s->res);
    s->res = NULL;
    if (!s->open) {
      bool none;
      if (s->single && s->worker > 0 && s->mode != M_SCAN)
        none = true; /* worker 0 polls */
      else if ((st = open_next(s, &none, e)))
        return st;
      if (none) {
        *res = PUMP_ENDED;
        return SL_OK;
      }
    }
    char f[64];
    snprintf(f, sizeof f, "FETCH %d FROM sluice_c", s->fetch);
    s->res = PQexec(s->pg, f);
    if (PQresultStatus(s->res) != PGRES_TUPLES_OK)
      return jdbc_fail(e, s->table, "reading rows", s->pg, s->res);
    s->rrow = 0;
    s->nrows = s->stop_poll ? 0 : PQntuples(s->res);
    if (s->nrows == 0) {                      /* this range or poll is done */
      if (!s->stop_poll) s->cur.incl = false; /* every row at the cursor's timestamp is out */
      if ((st = close_cursor(s, e))) return st;
      if (s->mode != M_SCAN) {
        s->waiting = true;
        s->timer = loop_add_timer(op->job->loop, s->poll_ms, 0, on_timer, s);
        *res = PUMP_WAIT;
        return SL_OK;
      }
      *res = PUMP_EMITTED;
      return SL_OK;
    }
  }
  sl_batch *b = &s->b;
  job_source *js = &op->job->sources[s->source];
  int last = -1;
  bool incl = false;
  while (s->rrow < s->nrows && b->nrows < b->cap) {
    int r = s->rrow;
    if (s->mode != M_SCAN && s->mode != M_BULK && s->guard && too_new(s, r)) {
      s->stop_poll = true; /* the cursor stays before this row until a later poll */
      const char *prev = last >= 0 ? PQgetvalue(s->res, last, s->tcol) : s->cur.ts;
      if (s->mode == M_TS && prev && !strcmp(PQgetvalue(s->res, r, s->tcol), prev))
        incl = true; /* rows at the cursor's timestamp remain: read them again */
      s->held++;
      s->nrows = s->rrow;
      break;
    }
    s->rrow++;
    s->rowno++;
    sl_value *row = batch_row(b, b->nrows);
    sl_rowpos pos = {(uint32_t)s->source, 0, s->rowno};
    bool bad = false;
    for (int c = 0; c < s->ncols; c++) {
      if (PQgetisnull(s->res, r, c)) {
        row[c] = value_null();
        continue;
      }
      char why[160];
      const char *v = PQgetvalue(s->res, r, c);
      int len = PQgetlength(s->res, r, c);
      if (!jdbc_decode(op->types[c], v, len, &row[c], why, sizeof why)) {
        char msg[256];
        snprintf(msg, sizeof msg, "column '%s': %s", op->cols[c], why);
        if ((st = job_reject(op->job, &pos, "decode", msg, v, (size_t)len, e))) return st;
        bad = true;
        break;
      }
    }
    last = r;
    if (bad) continue;
    b->kind[b->nrows] = RK_INSERT;
    b->pos[b->nrows] = pos;
    b->nrows++;
  }
  if (last >= 0 && (s->mode == M_INC || s->mode == M_TS || s->mode == M_TSINC)) {
    s->cur.have = true;
    if (s->icol >= 0) s->cur.inc = strtoll(PQgetvalue(s->res, last, s->icol), NULL, 10);
    if (s->tcol >= 0) {
      const char *t = PQgetvalue(s->res, last, s->tcol);
      if (!s->cur.ts || strcmp(t, s->cur.ts)) s->cur.incl = false;
      free(s->cur.ts);
      s->cur.ts = xstrdup(t);
    }
  }
  if (incl) s->cur.incl = true;
  js->rows_read += (uint64_t)b->nrows;
  st = op_emit(op, b, e);
  batch_clear(b);
  *res = PUMP_EMITTED;
  return st;
}

/* ---- delivery: the polling cursor ---- */

static sl_status store_cursor(jsrc *s, sl_error *e) {
  if (!s->offsets || s->open || !s->dirty) return SL_OK; /* a poll's transaction is read-only */
  s->dirty = false;
  char inc[32];
  snprintf(inc, sizeof inc, "%lld", (long long)s->committed.inc);
  const char *pv[3] = {s->tname, s->icol >= 0 ? inc : NULL, s->committed.ts};
  sl_buf q = {0};
  buf_printf(&q,
             "INSERT INTO %s (source, inc, ts) VALUES ($1, $2, $3) ON CONFLICT (source) DO UPDATE "
             "SET inc = EXCLUDED.inc, ts = EXCLUDED.ts",
             s->offsets);
  PGresult *r = PQexecParams(s->pg, buf_cstr(&q), 3, NULL, pv, NULL, NULL, 0);
  buf_free(&q);
  sl_status st = PQresultStatus(r) == PGRES_COMMAND_OK
                     ? SL_OK
                     : jdbc_fail(e, s->table, "storing the cursor", s->pg, r);
  PQclear(r);
  return st;
}

static sl_status js_mark(sl_op *op, uint64_t epoch, sl_error *e) {
  jsrc *s = (jsrc *)op;
  if (s->nmarks == JMARKS) {
    free(s->marks[0].c.ts);
    memmove(s->marks, s->marks + 1, sizeof(jmark) * (JMARKS - 1));
    s->nmarks--;
  }
  jmark *m = &s->marks[s->nmarks++];
  memset(m, 0, sizeof *m);
  m->epoch = epoch;
  cursor_set(&m->c, &s->cur);
  return SL_OK;
}

static sl_status js_durable(sl_op *op, uint64_t epoch, sl_error *e) {
  jsrc *s = (jsrc *)op;
  int last = -1;
  for (int i = 0; i < s->nmarks; i++)
    if (s->marks[i].epoch <= epoch) last = i;
  if (last < 0) return SL_OK;
  bool changed =
      s->marks[last].c.have &&
      (!s->committed.have || s->marks[last].c.inc != s->committed.inc ||
       (s->marks[last].c.ts && (!s->committed.ts || strcmp(s->marks[last].c.ts, s->committed.ts))));
  cursor_set(&s->committed, &s->marks[last].c);
  for (int i = 0; i <= last; i++) free(s->marks[i].c.ts);
  memmove(s->marks, s->marks + last + 1, sizeof(jmark) * (size_t)(s->nmarks - last - 1));
  s->nmarks -= last + 1;
  s->dirty |= changed;
  return store_cursor(s, e);
}

static sl_status load_cursor(jsrc *s, sl_error *e) {
  sl_buf q = {0};
  buf_printf(&q,
             "CREATE TABLE IF NOT EXISTS %s (source text PRIMARY KEY, inc bigint, ts text, "
             "updated timestamptz DEFAULT now())",
             s->offsets);
  sl_status st = exec_ok(s, buf_cstr(&q), "creating 'offset.storage.table'", e);
  q.len = 0;
  buf_printf(&q, "SELECT inc, ts FROM %s WHERE source = $1", s->offsets);
  const char *pv[1] = {s->tname};
  PGresult *r = st ? NULL : PQexecParams(s->pg, buf_cstr(&q), 1, NULL, pv, NULL, NULL, 0);
  buf_free(&q);
  if (!st && PQresultStatus(r) != PGRES_TUPLES_OK)
    st = jdbc_fail(e, s->table, "reading 'offset.storage.table'", s->pg, r);
  if (!st && PQntuples(r) == 1) {
    s->cur.have = true;
    if (!PQgetisnull(r, 0, 0)) s->cur.inc = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
    if (!PQgetisnull(r, 0, 1)) s->cur.ts = xstrdup(PQgetvalue(r, 0, 1));
    s->cur.incl = true; /* rows at the stored timestamp may remain: duplicates, not losses */
    cursor_set(&s->committed, &s->cur);
  }
  PQclear(r);
  return st;
}

static sl_status js_stop(sl_op *op, bool publish, sl_error *e) {
  jsrc *s = (jsrc *)op;
  if (s->timer) loop_del_timer(op->job->loop, s->timer);
  s->timer = 0;
  return SL_OK;
}

static void js_describe(const sl_op *op, sl_buf *out) {
  const jsrc *s = (const jsrc *)op;
  static const char *const modes[] = {"scan", "bulk polling", "incrementing polling",
                                      "timestamp polling", "timestamp+incrementing polling"};
  buf_printf(out, "jdbc %s of %s at %s", modes[s->mode], s->tname, s->url_safe);
  if (s->pnum > 0) buf_printf(out, ", %d ranges of %s", s->pnum, s->pcol);
  if (s->mode > M_BULK && s->guard) buf_puts(out, ", in-flight guard");
}

static void js_free(sl_op *op) {
  jsrc *s = (jsrc *)op;
  if (s->res) PQclear(s->res);
  if (s->pg) PQfinish(s->pg);
  if (s->timer && op->job && op->job->loop) loop_del_timer(op->job->loop, s->timer);
  free(s->table);
  free(s->select);
  free(s->url_safe);
  free(s->tname);
  free(s->pcol);
  free(s->inc_col);
  free(s->ts_col);
  free(s->offsets);
  free(s->cur.ts);
  free(s->committed.ts);
  free(s->bound);
  for (int i = 0; i < s->nmarks; i++) free(s->marks[i].c.ts);
  batch_free(&s->b);
  free(s);
}

static const op_vt js_vt = {.kind = "Source",
                            .pump = js_pump,
                            .stop = js_stop,
                            .describe = js_describe,
                            .free = js_free,
                            .mark = js_mark,
                            .durable = js_durable};
static const op_vt js_scan_vt = {
    .kind = "Source", .pump = js_pump, .stop = js_stop, .describe = js_describe, .free = js_free};

static bool get_int(const conn_ctx *c, const char *key, int64_t *v) {
  const char *s = opt_get(&c->opts, jdbc_opts, key);
  if (!s) return false;
  *v = strtoll(s, NULL, 10);
  return true;
}

sl_op *jdbc_source_new(const conn_ctx *c, sl_error *e) {
  const opt_list *o = &c->opts;
  const char *mode = opt_get(o, jdbc_opts, "mode");
  int m = !mode                           ? M_SCAN
          : !strcmp(mode, "bulk")         ? M_BULK
          : !strcmp(mode, "incrementing") ? M_INC
          : !strcmp(mode, "timestamp")    ? M_TS
                                          : M_TSINC;
  jsrc *s = xcalloc(1, sizeof *s);
  op_init(&s->base, m == M_SCAN || m == M_BULK ? &js_scan_vt : &js_vt, c->job, c->table);
  s->mode = m;
  s->source = c->source_index;
  s->table = xstrdup(c->table);
  s->tname = xstrdup(opt_get(o, jdbc_opts, "table-name"));
  s->url_safe = jdbc_url_safe(opt_get(o, jdbc_opts, "url"));
  s->ncols = c->schema.ncols;
  s->base.ncols = c->schema.ncols;
  s->base.cols = c->schema.names;
  s->base.types = c->schema.types;
  s->base.bounded = m == M_SCAN;
  s->worker = c->worker;
  s->nworkers = c->nworkers;
  s->split = c->split;
  s->single = true;
  s->xcol = s->icol = s->tcol = -1;
  int64_t v;
  s->fetch = get_int(c, "scan.fetch-size", &v) && v > 0 ? (int)v : 1000;
  s->poll_ms = get_int(c, "poll.interval.ms", &v) && v >= 0 ? v : 5000;
  s->delay_ms = get_int(c, "timestamp.delay.interval.ms", &v) && v >= 0 ? v : 0;
  s->guard = opt_get_bool(o, jdbc_opts, "poll.in-flight-guard");
  const char *pc = opt_get(o, jdbc_opts, "scan.partition.column");
  const char *inc = opt_get(o, jdbc_opts, "incrementing.column.name");
  const char *ts = opt_get(o, jdbc_opts, "timestamp.column.name");
  const char *offs = opt_get(o, jdbc_opts, "offset.storage.table");
  const char *bad = NULL;
  if (pc) {
    int64_t lo, hi, n;
    if (!get_int(c, "scan.partition.num", &n) || !get_int(c, "scan.partition.lower-bound", &lo) ||
        !get_int(c, "scan.partition.upper-bound", &hi))
      bad = "'scan.partition.column' needs 'scan.partition.num', '...lower-bound' and "
            "'...upper-bound'";
    else if (n < 1 || hi < lo)
      bad = "'scan.partition.num' must be at least 1 and the lower bound at most the upper";
    else if (m != M_SCAN)
      bad = "'scan.partition.column' cuts a bounded scan: it does not go with 'mode'";
    else {
      s->pcol = xstrdup(pc);
      s->plo = lo, s->phi = hi;
      s->pnum = (int)(n > hi - lo + 1 ? hi - lo + 1 : n);
    }
  }
  if ((m == M_INC || m == M_TSINC) && !inc) bad = "this 'mode' needs 'incrementing.column.name'";
  if ((m == M_TS || m == M_TSINC) && !ts) bad = "this 'mode' needs 'timestamp.column.name'";
  if (offs && (m == M_SCAN || m == M_BULK))
    bad = "'offset.storage.table' keeps a polling cursor: it needs an incrementing or timestamp "
          "'mode'";
  if (bad) {
    err_set(e, SL_EUSAGE, "table '%s': %s", c->table, bad);
    js_free(&s->base);
    return NULL;
  }
  if (m == M_INC || m == M_TSINC) s->inc_col = xstrdup(inc);
  if (m == M_TS || m == M_TSINC) s->ts_col = xstrdup(ts);
  if (offs) s->offsets = xstrdup(offs);
  s->select = jdbc_select_list(c);
  if (m != M_SCAN && m != M_BULK) {
    s->xcol = s->ncols;
    s->icol = s->inc_col ? s->ncols + 1 : -1;
    s->tcol = s->ts_col ? s->ncols + 1 + (s->inc_col != NULL) : -1;
  }
  batch_init(&s->b, c->schema.ncols, c->job->batch_rows);
  job_source *js = &c->job->sources[c->source_index];
  js->files = xrealloc(js->files, sizeof(char *) * (size_t)(js->nfiles + 1));
  js->files[js->nfiles++] = xstrdup(s->tname);
  if (c->dry) return &s->base;
  if (!(s->pg = jdbc_connect(c, "source", e))) {
    js_free(&s->base);
    return NULL;
  }
  /* the declared columns against the table's */
  sl_status st = jdbc_check_table(s->pg, c, s->select, e);
  if (!st && s->offsets) st = load_cursor(s, e);
  if (st) {
    js_free(&s->base);
    return NULL;
  }
  return &s->base;
}
