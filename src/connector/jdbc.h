/* jdbc.h - what the jdbc connector's files share (jdbc.c: options, the connection, the type
 * check and the text conversions both ways, the lookup table and the connector's row;
 * jdbc_source.c: bounded scans and polling; jdbc_sink.c: COPY, upserts and deletes). The only
 * driver is PostgreSQL through libpq. Internal to connector/. */
#ifndef SLUICE_CONNECTOR_JDBC_H
#define SLUICE_CONNECTOR_JDBC_H

#include <postgresql/libpq-fe.h>

#include "connector.h"

extern const opt_def jdbc_opts[];

/* A connection made from 'url' (jdbc:postgresql://... or postgresql://...), 'username' and
 * 'password' / 'password-file', with the session settings the text conversions rely on (UTC,
 * ISO dates, exact floats, UTF-8). NULL with e set; the message never holds the password. */
PGconn *jdbc_connect(const conn_ctx *c, const char *what, sl_error *e);
/* The url with any password removed (user:secret@ and password=... query parameters), for
 * explain and messages. Allocated. */
char *jdbc_url_safe(const char *url);
/* "name" quoted as an SQL identifier (allocated). */
char *jdbc_quote_ident(const char *name);
/* "SELECT "a", "b" ... FROM <table-name>" for the table's columns (allocated). */
char *jdbc_select_list(const conn_ctx *c);
/* Checks that each column of `res` (a result of jdbc_select_list's columns, any rows) can be
 * read into the declared type of the same column; the message names the column and both
 * types. Arrays, bytea and unknown types are refused. `oids` gets the PostgreSQL types. */
sl_status jdbc_check_types(PGconn *pg, const conn_ctx *c, const PGresult *res, Oid *oids,
                           sl_error *e);
/* Runs `select` (jdbc_select_list's) with LIMIT 0 and checks its columns as jdbc_check_types
 * does: the declared columns against the table's, before a run reads or writes a row. */
sl_status jdbc_check_table(PGconn *pg, const conn_ctx *c, const char *select, sl_error *e);
/* A PostgreSQL text value into a cell of type t (strings point into s). false with `why` set
 * when it does not fit (a numeric beyond the declared precision, an infinite timestamp). */
bool jdbc_decode(sl_type t, const char *s, int len, sl_value *out, char *why, size_t nwhy);
/* A cell as PostgreSQL input text (NULL is the caller's business). */
void jdbc_encode(const sl_value *v, sl_type t, sl_buf *out);
/* The error of a failed libpq call (the server's message). */
sl_status jdbc_fail(sl_error *e, const char *table, const char *what, PGconn *pg,
                    const PGresult *r);

sl_op *jdbc_source_new(const conn_ctx *c, sl_error *e);
sl_op *jdbc_sink_new(const conn_ctx *c, sl_error *e);

#endif
