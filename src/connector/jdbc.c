/* jdbc.c - the jdbc connector's options (Flink's keys for scans, lookups and the sink; Kafka
 * Connect's for polling), the PostgreSQL connection (libpq) and its session settings, the
 * check of declared column types against PostgreSQL's, the text conversions of values both
 * ways, the lookup table that lookup joins ask (one prepared statement per table), and the
 * connector's row. The scan and polling source is jdbc_source.c, the sink jdbc_sink.c.
 * Passwords ('password', 'password-file', or inside the url) go to libpq only: never into a
 * message, explain or a dead letter.
 * Must not touch: rows after they are handed on, other connectors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jdbc.h"

const opt_def jdbc_opts[] = {
    {"connector", OPT_STRING, NULL, NULL, true, "jdbc"},
    {"url", OPT_STRING, NULL, NULL, true,
     "the database: 'jdbc:postgresql://host:port/db' or 'postgresql://host:port/db' (libpq's "
     "URI parameters allowed)"},
    {"table-name", OPT_STRING, NULL, NULL, true,
     "the table (or 'schema.table') to read, ask or write"},
    {"username", OPT_STRING, NULL, NULL, false, "the user to connect as"},
    {"password", OPT_STRING, NULL, NULL, false,
     "the password; write '${VAR}' to take it from the environment. Never shown"},
    {"password-file", OPT_STRING, NULL, NULL, false,
     "a file whose first line is the password (instead of 'password')"},
    {"driver", OPT_STRING, NULL, NULL, false,
     "accepted for Flink compatibility and ignored: the url names the database"},
    {"scan.fetch-size", OPT_INT, "1000", NULL, false,
     "rows fetched from the server-side cursor at a time"},
    {"scan.partition.column", OPT_STRING, NULL, NULL, false,
     "a numeric column that cuts a bounded scan into 'scan.partition.num' ranges, read by the "
     "workers in parallel"},
    {"scan.partition.num", OPT_INT, NULL, NULL, false, "how many ranges"},
    {"scan.partition.lower-bound", OPT_INT, NULL, NULL, false,
     "the smallest value of the first range (smaller values and NULLs go to the first range)"},
    {"scan.partition.upper-bound", OPT_INT, NULL, NULL, false,
     "the largest value of the last range (larger values go to the last range)"},
    {"scan.auto-commit", OPT_BOOL, "true", NULL, false,
     "accepted for Flink compatibility: a scan always reads in one read-only transaction per "
     "range, which its cursor needs"},
    {"mode", OPT_ENUM, NULL, "bulk|incrementing|timestamp|timestamp+incrementing", false,
     "poll the table without end (Kafka Connect's JDBC source modes): the whole table at every "
     "poll (bulk), rows with a higher 'incrementing.column.name' (incrementing), a later "
     "'timestamp.column.name' (timestamp), or both (timestamp+incrementing). Absent: one "
     "bounded scan"},
    {"incrementing.column.name", OPT_STRING, NULL, NULL, false,
     "polling: a strictly increasing integer column (a serial id)"},
    {"timestamp.column.name", OPT_STRING, NULL, NULL, false,
     "polling: a timestamp column set when a row is written"},
    {"poll.interval.ms", OPT_INT, "5000", NULL, false, "polling: milliseconds between polls"},
    {"timestamp.delay.interval.ms", OPT_INT, "0", NULL, false,
     "polling, timestamp modes: only read rows older than this (a safety margin for late "
     "commits, the fallback when 'poll.in-flight-guard' is off)"},
    {"poll.in-flight-guard", OPT_BOOL, "true", NULL, false,
     "sluice extension, polling: never move past a row that a transaction still open when the "
     "poll began may precede (PostgreSQL's snapshot xmin); see jdbc.md"},
    {"offset.storage.table", OPT_STRING, NULL, NULL, false,
     "sluice extension, polling: a table in the same database where the committed cursor is "
     "kept (created if missing), so a restarted run resumes after it"},
    {"sink.buffer-flush.max-rows", OPT_INT, "100", NULL, false,
     "sink: rows buffered before they are written in one transaction"},
    {"sink.buffer-flush.interval", OPT_DURATION, "1 s", NULL, false,
     "sink: buffered rows are written at least this often"},
    {"sink.max-retries", OPT_INT, "3", NULL, false,
     "sink: how often a failed flush is retried (on a new connection) before the run fails"},
    {NULL, 0, NULL, NULL, false, NULL}};

enum {
  O_BOOL = 16,
  O_BYTEA = 17,
  O_INT8 = 20,
  O_INT2 = 21,
  O_INT4 = 23,
  O_OID = 26,
  O_FLOAT4 = 700,
  O_FLOAT8 = 701,
  O_DATE = 1082,
  O_TIMESTAMP = 1114,
  O_TIMESTAMPTZ = 1184,
  O_INTERVAL = 1186,
  O_NUMERIC = 1700
};

char *jdbc_url_safe(const char *url) {
  sl_buf b = {0};
  const char *p = url, *scheme = strstr(url, "://");
  if (scheme) {
    const char *auth = scheme + 3, *at = strchr(auth, '@'), *slash = strchr(auth, '/');
    if (at && (!slash || at < slash)) {
      const char *colon = memchr(auth, ':', (size_t)(at - auth));
      buf_put(&b, url, (size_t)(auth - url));
      buf_put(&b, auth, (size_t)((colon ? colon : at) - auth));
      p = at;
    }
  }
  /* query parameters: drop password=... */
  const char *q = strchr(p, '?');
  if (!q) {
    buf_puts(&b, p);
  } else {
    buf_put(&b, p, (size_t)(q - p));
    char sep = '?';
    for (const char *s = q + 1; *s;) {
      const char *amp = strchr(s, '&');
      size_t n = amp ? (size_t)(amp - s) : strlen(s);
      if (!(n >= 9 && !strncmp(s, "password=", 9))) {
        buf_putc(&b, sep);
        buf_put(&b, s, n);
        sep = '&';
      }
      s += n;
      if (*s == '&') s++;
    }
  }
  char *r = xstrdup(buf_cstr(&b));
  buf_free(&b);
  return r;
}

char *jdbc_quote_ident(const char *name) {
  sl_buf b = {0};
  buf_putc(&b, '"');
  for (const char *p = name; *p; p++) {
    if (*p == '"') buf_putc(&b, '"');
    buf_putc(&b, *p);
  }
  buf_putc(&b, '"');
  char *r = xstrdup(buf_cstr(&b));
  buf_free(&b);
  return r;
}

char *jdbc_select_list(const conn_ctx *c) {
  sl_buf b = {0};
  buf_puts(&b, "SELECT ");
  for (int i = 0; i < c->schema.ncols; i++) {
    char *q = jdbc_quote_ident(c->schema.names[i]);
    buf_printf(&b, "%s%s", i ? ", " : "", q);
    free(q);
  }
  buf_printf(&b, " FROM %s", opt_get(&c->opts, jdbc_opts, "table-name"));
  char *r = xstrdup(buf_cstr(&b));
  buf_free(&b);
  return r;
}

sl_status jdbc_fail(sl_error *e, const char *table, const char *what, PGconn *pg,
                    const PGresult *r) {
  const char *msg = r ? PQresultErrorMessage(r) : "";
  if (!msg || !*msg) msg = pg ? PQerrorMessage(pg) : "no connection";
  size_t n = strlen(msg);
  while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' ')) n--;
  return err_set(e, SL_ERUNTIME, "jdbc table '%s': %s: %.*s", table, what, (int)n, msg);
}

static char *read_password_file(const char *path, const char *table, sl_error *e) {
  FILE *f = fopen(path, "r");
  if (!f) {
    err_set(e, SL_EUSAGE, "table '%s': cannot read 'password-file' %s", table, path);
    return NULL;
  }
  char line[1024];
  if (!fgets(line, sizeof line, f)) line[0] = 0;
  fclose(f);
  size_t n = strlen(line);
  while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
  return xstrdup(line);
}

static void quiet(void *arg, const char *msg) {}

PGconn *jdbc_connect(const conn_ctx *c, const char *what, sl_error *e) {
  const char *url = opt_get(&c->opts, jdbc_opts, "url");
  if (!strncmp(url, "jdbc:", 5)) url += 5;
  if (strncmp(url, "postgresql://", 13) && strncmp(url, "postgres://", 11)) {
    char *safe = jdbc_url_safe(url);
    err_set(e, SL_EUSAGE,
            "table '%s': 'url' must be jdbc:postgresql://host:port/database (or "
            "postgresql://...): '%s' is not (PostgreSQL is the only driver)",
            c->table, safe);
    free(safe);
    return NULL;
  }
  const char *pwfile = opt_get(&c->opts, jdbc_opts, "password-file");
  char *pw = NULL;
  if (pwfile && !(pw = read_password_file(pwfile, c->table, e))) return NULL;
  const char *keys[8], *vals[8];
  int n = 0;
  keys[n] = "dbname", vals[n++] = url;
  const char *user = opt_get(&c->opts, jdbc_opts, "username");
  if (user) keys[n] = "user", vals[n++] = user;
  const char *pass = pw ? pw : opt_get(&c->opts, jdbc_opts, "password");
  if (pass) keys[n] = "password", vals[n++] = pass;
  keys[n] = "client_encoding", vals[n++] = "UTF8";
  keys[n] = "options", vals[n++] =
                           "-c TimeZone=UTC -c DateStyle=ISO,YMD -c extra_float_digits=3 -c "
                           "IntervalStyle=iso_8601";
  keys[n] = "connect_timeout", vals[n++] = "30";
  keys[n] = NULL, vals[n] = NULL;
  PGconn *pg = PQconnectdbParams(keys, vals, 1);
  if (pw) {
    memset(pw, 0, strlen(pw));
    free(pw);
  }
  if (PQstatus(pg) != CONNECTION_OK) {
    char *safe = jdbc_url_safe(opt_get(&c->opts, jdbc_opts, "url"));
    const char *msg = PQerrorMessage(pg);
    size_t len = strlen(msg);
    while (len && msg[len - 1] == '\n') len--;
    err_set(e, SL_ERUNTIME, "jdbc table '%s': cannot connect (%s) to %s: %.*s", c->table, what,
            safe, (int)len, msg);
    free(safe);
    PQfinish(pg);
    return NULL;
  }
  PQsetNoticeProcessor(pg, quiet, NULL); /* NOTICEs (CREATE ... IF NOT EXISTS) are not news */
  return pg;
}

static bool compatible(sl_type t, Oid o, char cat) {
  switch (t.id) {
  case T_BOOLEAN: return o == O_BOOL;
  case T_INT: return o == O_INT2 || o == O_INT4;
  case T_BIGINT: return o == O_INT2 || o == O_INT4 || o == O_INT8 || o == O_OID;
  case T_FLOAT: return o == O_FLOAT4;
  case T_DOUBLE: return o == O_FLOAT4 || o == O_FLOAT8;
  case T_DECIMAL: return o == O_NUMERIC || o == O_INT2 || o == O_INT4 || o == O_INT8;
  case T_STRING: return o != O_BYTEA && cat != 'A';
  case T_DATE: return o == O_DATE;
  case T_TIMESTAMP: return o == O_TIMESTAMP;
  case T_TIMESTAMP_LTZ: return o == O_TIMESTAMPTZ;
  default: return false;
  }
}

sl_status jdbc_check_table(PGconn *pg, const conn_ctx *c, const char *select, sl_error *e) {
  sl_buf q = {0};
  buf_printf(&q, "%s LIMIT 0", select);
  PGresult *r = PQexec(pg, buf_cstr(&q));
  buf_free(&q);
  Oid *oids = xcalloc((size_t)c->schema.ncols + 1, sizeof(Oid));
  sl_status st = PQresultStatus(r) == PGRES_TUPLES_OK
                     ? jdbc_check_types(pg, c, r, oids, e)
                     : jdbc_fail(e, c->table, "reading the table", pg, r);
  PQclear(r);
  free(oids);
  return st;
}

sl_status jdbc_check_types(PGconn *pg, const conn_ctx *c, const PGresult *res, Oid *oids,
                           sl_error *e) {
  for (int i = 0; i < c->schema.ncols; i++) {
    Oid o = PQftype(res, i);
    oids[i] = o;
    char oid[16], tn[64];
    snprintf(oid, sizeof oid, "%u", (unsigned)o);
    const char *pv[1] = {oid};
    PGresult *r = PQexecParams(
        pg, "SELECT format_type($1::oid, NULL), typcategory::text FROM pg_type WHERE oid = $1::oid",
        1, NULL, pv, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
      sl_status st = jdbc_fail(e, c->table, "reading the column types", pg, r);
      PQclear(r);
      return st;
    }
    const char *pgname = PQgetvalue(r, 0, 0);
    char cat = PQgetvalue(r, 0, 1)[0];
    sl_type t = c->schema.types[i];
    sl_status st = SL_OK;
    if (cat == 'A')
      st = err_set(e, SL_EUSAGE,
                   "table '%s': column '%s' is an array (%s) in PostgreSQL: sluice reads no "
                   "arrays (leave the column out of the table, or convert it in a view)",
                   c->table, c->schema.names[i], pgname);
    else if (o == O_BYTEA)
      st = err_set(e, SL_EUSAGE,
                   "table '%s': column '%s' is bytea in PostgreSQL: sluice has no BYTES type "
                   "(leave it out, or encode(col, 'hex') in a view)",
                   c->table, c->schema.names[i]);
    else if (!compatible(t, o, cat))
      st = err_set(e, SL_EUSAGE,
                   "table '%s': column '%s' is %s in PostgreSQL, which cannot be read as %s",
                   c->table, c->schema.names[i], pgname, type_name(t, tn, sizeof tn));
    PQclear(r);
    if (st) return st;
  }
  return SL_OK;
}

bool jdbc_decode(sl_type t, const char *s, int len, sl_value *out, char *why, size_t nwhy) {
  size_t n = (size_t)len;
  switch (t.id) {
  case T_BOOLEAN: *out = value_int(s[0] == 't'); return true;
  case T_INT:
  case T_BIGINT: {
    int64_t v;
    if (!text_to_int64(s, n, &v) || (t.id == T_INT && (v < INT32_MIN || v > INT32_MAX))) break;
    *out = value_int(v);
    return true;
  }
  case T_FLOAT:
  case T_DOUBLE: {
    double d;
    if (!text_to_double(s, n, &d)) break;
    *out = value_double(t.id == T_FLOAT ? (double)(float)d : d);
    return true;
  }
  case T_DECIMAL: {
    __int128 d;
    if (!dec_parse(s, n, t.prec, t.scale, &d)) break;
    *out = value_decimal(d);
    return true;
  }
  case T_STRING: *out = value_str(s, n); return true;
  case T_DATE: {
    int64_t days;
    if (!date_parse(s, n, &days)) break;
    *out = value_int(days);
    return true;
  }
  case T_TIMESTAMP:
  case T_TIMESTAMP_LTZ: {
    int64_t ms, off;
    bool zone;
    if (!ts_parse(s, n, &ms, &zone, &off)) break;
    *out = value_int(t.id == T_TIMESTAMP_LTZ ? ms - off : ms);
    return true;
  }
  default: break;
  }
  char tn[64];
  snprintf(why, nwhy, "'%.*s' does not fit %s", len > 80 ? 80 : len, s,
           type_name(t, tn, sizeof tn));
  return false;
}

void jdbc_encode(const sl_value *v, sl_type t, sl_buf *out) {
  if (t.id == T_BOOLEAN) {
    buf_puts(out, v->u.i ? "t" : "f");
    return;
  }
  value_format(v, t, out);
}

/* ---- lookup: SELECT cols FROM t WHERE k1 = $1 AND ... , prepared once ---- */

typedef struct jdbc_lookup {
  sl_lookup base;
  PGconn *pg;
  char *table;
  sl_value *row;
  sl_type *types;
  int *keys;
  sl_buf text;
} jdbc_lookup;

static sl_status jl_lookup(sl_lookup *l, const sl_value *keys, lookup_row_fn fn, void *arg,
                           sl_error *e) {
  jdbc_lookup *j = (jdbc_lookup *)l;
  int nk = l->nkeys;
  size_t offs[16];
  const char *pv[16];
  j->text.len = 0;
  for (int i = 0; i < nk; i++) {
    if (keys[i].null) return SL_OK; /* a NULL key matches nothing */
    offs[i] = j->text.len;
    jdbc_encode(&keys[i], l->types[l->key_cols[i]], &j->text);
    buf_putc(&j->text, 0);
  }
  for (int i = 0; i < nk; i++) pv[i] = j->text.data + offs[i];
  PGresult *r = PQexecPrepared(j->pg, "sluice_lookup", nk, pv, NULL, NULL, 0);
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    sl_status st = jdbc_fail(e, j->table, "lookup", j->pg, r);
    PQclear(r);
    return st;
  }
  sl_status st = SL_OK;
  int nr = PQntuples(r);
  for (int row = 0; row < nr && !st; row++) {
    for (int c = 0; c < l->ncols; c++) {
      if (PQgetisnull(r, row, c)) {
        j->row[c] = value_null();
        continue;
      }
      char why[160];
      if (!jdbc_decode(l->types[c], PQgetvalue(r, row, c), PQgetlength(r, row, c), &j->row[c], why,
                       sizeof why)) {
        st =
            err_set(e, SL_ERUNTIME, "jdbc table '%s': lookup: column %d: %s", j->table, c + 1, why);
        break;
      }
    }
    if (!st) st = fn(arg, j->row, e);
  }
  PQclear(r);
  return st;
}

static void jl_free(sl_lookup *l) {
  jdbc_lookup *j = (jdbc_lookup *)l;
  if (j->pg) PQfinish(j->pg);
  free(j->table);
  free(j->row);
  free(j->types);
  free(j->keys);
  buf_free(&j->text);
  free(j);
}

static const lookup_vt jl_vt = {"jdbc", jl_lookup, jl_free};

static sl_lookup *jdbc_lookup_new(const conn_ctx *c, const int *key_cols, int nkeys, sl_error *e) {
  if (nkeys > 16) {
    err_set(e, SL_EUSAGE, "table '%s': a lookup join on more than 16 columns", c->table);
    return NULL;
  }
  jdbc_lookup *j = xcalloc(1, sizeof *j);
  j->base.vt = &jl_vt;
  j->base.ncols = c->schema.ncols;
  j->types = xcalloc((size_t)c->schema.ncols + 1, sizeof(sl_type));
  memcpy(j->types, c->schema.types, sizeof(sl_type) * (size_t)c->schema.ncols);
  j->base.types = j->types;
  j->keys = xcalloc((size_t)nkeys + 1, sizeof(int));
  memcpy(j->keys, key_cols, sizeof(int) * (size_t)nkeys);
  j->base.key_cols = j->keys;
  j->base.nkeys = nkeys;
  j->table = xstrdup(c->table);
  j->row = xcalloc((size_t)c->schema.ncols + 1, sizeof(sl_value));
  if (c->dry) return &j->base;
  if (!(j->pg = jdbc_connect(c, "lookup", e))) {
    jl_free(&j->base);
    return NULL;
  }
  char *sel = jdbc_select_list(c);
  sl_buf q = {0};
  buf_puts(&q, sel);
  free(sel);
  /* the types first: LIMIT 0 */
  Oid *oids = xcalloc((size_t)c->schema.ncols + 1, sizeof(Oid));
  buf_puts(&q, " LIMIT 0");
  PGresult *r = PQexec(j->pg, buf_cstr(&q));
  sl_status st = PQresultStatus(r) == PGRES_TUPLES_OK
                     ? jdbc_check_types(j->pg, c, r, oids, e)
                     : jdbc_fail(e, c->table, "reading the table", j->pg, r);
  PQclear(r);
  free(oids);
  q.len -= 8; /* drop " LIMIT 0" */
  for (int i = 0; !st && i < nkeys; i++) {
    char *id = jdbc_quote_ident(c->schema.names[key_cols[i]]);
    buf_printf(&q, "%s%s = $%d", i ? " AND " : " WHERE ", id, i + 1);
    free(id);
  }
  if (!st) {
    r = PQprepare(j->pg, "sluice_lookup", buf_cstr(&q), nkeys, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
      st = jdbc_fail(e, c->table, "preparing the lookup", j->pg, r);
    PQclear(r);
  }
  buf_free(&q);
  if (st) {
    jl_free(&j->base);
    return NULL;
  }
  return &j->base;
}

const conn_def conn_jdbc = {
    "jdbc",
    jdbc_opts,
    true,
    true,
    false,
    "Reads, asks and writes PostgreSQL tables through libpq, with Flink's option keys: a "
    "bounded scan (optionally cut into ranges read in parallel), or polling without end with "
    "Kafka Connect's modes; lookup joins ask the table by key; the sink appends with COPY or "
    "upserts on the PRIMARY KEY. See jdbc.md.",
    jdbc_source_new,
    jdbc_sink_new,
    jdbc_lookup_new,
    true,
    false,
    NULL};
