/* connector.c - the connector table, options every source shares, the buffered writer of
 * sinks, the list of sinks that take updating streams, and the generator of
 * docs/connectors.md. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "connector.h"

static const conn_def *const conns[] = {&conn_filesystem,   &conn_datagen,   &conn_nexmark,
                                        &conn_print,        &conn_blackhole, &conn_kafka,
                                        &conn_upsert_kafka, &conn_jdbc,      &conn_postgres_cdc};

const char *conn_updating_choices(void) {
  return "'print' (or 'blackhole'), a changelog format on the filesystem sink ('debezium-json' "
         "or 'changelog-json'), or a PRIMARY KEY (...) NOT ENFORCED on the filesystem sink, "
         "which then writes the materialised table (an upsert by key), 'upsert-kafka', or the "
         "jdbc sink (upserts and deletes by key)";
}

const opt_def conn_lookup_opts[] = {
    {"lookup.cache", OPT_ENUM, "NONE", "NONE|PARTIAL", false,
     "lookup joins against this table: ask it for every row (NONE), or keep recently asked keys "
     "and their rows in a cache (PARTIAL)"},
    {"lookup.partial-cache.max-rows", OPT_INT, "10000", NULL, false,
     "PARTIAL: the most keys the cache keeps (least recently used first out)"},
    {"lookup.partial-cache.expire-after-write", OPT_DURATION, NULL, NULL, false,
     "PARTIAL: a cached key is asked again this long after it was loaded"},
    {"lookup.partial-cache.expire-after-access", OPT_DURATION, NULL, NULL, false,
     "PARTIAL: a cached key is dropped when unused this long"},
    {"lookup.partial-cache.cache-missing-key", OPT_BOOL, "true", NULL, false,
     "PARTIAL: also cache that a key has no rows"},
    {NULL, 0, NULL, NULL, false, NULL}};

const opt_def conn_source_opts[] = {
    {"on-error", OPT_ENUM, "dlq", "fail|skip|dlq", false,
     "what a record that cannot be decoded or converted does: stop the run with exit 1 and its "
     "position (fail), be counted and dropped (skip), or go to the dead-letter file (dlq)"},
    {"dlq.path", OPT_STRING, NULL, NULL, false,
     "dead-letter file (JSON lines); default sluice-dlq.jsonl in the directory of the first "
     "filesystem sink, else in the working directory"},
    {"late-data", OPT_ENUM, "dlq", "drop|dlq|update", false,
     "sluice extension: what a row does that arrives after the watermark has closed the window "
     "(or OVER range) it belongs to: go to the dead-letter file with the window it missed and "
     "the watermark (dlq), be counted and dropped (drop), or correct the emitted result as an "
     "update (-U/+U) while the window's state is kept, i.e. within 'allowed-lateness' (update; "
     "later than that it is dead-lettered). Every late row is counted in the run summary"},
    {"allowed-lateness", OPT_DURATION, "0", NULL, false,
     "sluice extension: how long after its end a window keeps its state, so that late rows can "
     "still update its result ('late-data' = 'update')"},
    {"scan.watermark.idle-timeout", OPT_DURATION, NULL, NULL, false,
     "a split (a file of the source) that sends no row for this long is idle: it no longer "
     "holds the watermark back, and when every split is idle the source is (as Flink's option "
     "of this name)"},
    {NULL, 0, NULL, NULL, false, NULL}};

const conn_def *conn_lookup(const char *name) {
  for (size_t i = 0; i < sizeof conns / sizeof conns[0]; i++)
    if (str_ieq(conns[i]->name, name)) return conns[i];
  return NULL;
}

const conn_def *const *conn_table(int *n) {
  *n = (int)(sizeof conns / sizeof conns[0]);
  return conns;
}

sl_status conn_writer_flush(conn_writer *w, sl_error *e) {
  size_t off = 0;
  int signals = loop_signal_count();
  while (off < w->buf.len) {
    /* A stop that arrives while this write waits for a reader that does not read (EINTR, or
     * a partial write) ends the wait: the run stops instead of hanging. */
    if (off > 0 && loop_signal_count() != signals)
      return err_set(e, SL_ERUNTIME, "writing %s was interrupted by a stop (%lu bytes unwritten)",
                     w->what, (unsigned long)(w->buf.len - off));
    ssize_t n = write(w->fd, w->buf.data + off, w->buf.len - off);
    if (n < 0) {
      if (errno == EINTR && loop_signal_count() == signals) continue;
      if (errno == EINTR)
        return err_set(e, SL_ERUNTIME, "writing %s was interrupted by a stop (%lu bytes unwritten)",
                       w->what, (unsigned long)(w->buf.len - off));
      return err_set(e, SL_ERUNTIME, "cannot write %s: %s", w->what, strerror(errno));
    }
    off += (size_t)n;
  }
  w->buf.len = 0;
  return SL_OK;
}

static void opt_rows(FILE *f, const opt_def *d) {
  for (; d->key; d++) {
    const char *kind = d->kind == OPT_BOOL       ? "boolean"
                       : d->kind == OPT_INT      ? "integer"
                       : d->kind == OPT_CHAR     ? "character"
                       : d->kind == OPT_DURATION ? "duration"
                       : d->kind == OPT_SIZE     ? "size"
                       : d->kind == OPT_ENUM     ? d->choices
                                                 : "string";
    fprintf(f, "| `%s` | %s | %s | %s |\n", d->key, d->required ? "yes" : "no",
            d->def ? (*d->def ? d->def : "(empty)") : "-", kind);
    fprintf(f, "|  | | | %s |\n", d->doc);
  }
}

void conn_docs(FILE *f) {
  fputs("# Connectors and formats\n\n"
        "Generated by `sluice docs connectors` from the option tables in the code; "
        "`make docs` rewrites this file and the tests check it is current.\n\n"
        "A table names its connector and format in `WITH (...)`. An option that no table "
        "knows is an error that lists the valid ones. Values may use `${VAR}` and "
        "`${VAR:-default}`; `sluice run --set table.option=value` overrides one.\n\n",
        f);
  fputs("## Options of every source\n\n| option | required | default | values |\n"
        "|---|---|---|---|\n",
        f);
  opt_rows(f, conn_source_opts);
  fputs("\n## Lookup cache options\n\n"
        "A table whose connector can be asked by key (a database table) serves lookup joins "
        "(`JOIN t FOR SYSTEM_TIME AS OF o.proc_time`) row by row instead of being read as a "
        "stream; these options, Flink's, put a cache in front of it. The `jdbc` connector's "
        "tables are asked so; the other connectors' tables are read as a stream and the join "
        "keeps their rows by key (see joins.md).\n\n| option | required | default | values "
        "|\n|---|---|---|---|\n",
        f);
  opt_rows(f, conn_lookup_opts);
  for (size_t i = 0; i < sizeof conns / sizeof conns[0]; i++) {
    const conn_def *c = conns[i];
    fprintf(f, "\n## Connector `%s` (%s%s%s)\n\n%s\n\n", c->name, c->has_source ? "source" : "",
            c->has_source && c->has_sink ? " and " : "", c->has_sink ? "sink" : "", c->doc);
    fputs("| option | required | default | values |\n|---|---|---|---|\n", f);
    opt_rows(f, c->opts);
  }
  int nf;
  const fmt_def *const *fmts = fmt_table(&nf);
  for (int i = 0; i < nf; i++) {
    fprintf(f, "\n## Format `%s`\n\n%s\n\n", fmts[i]->name, fmts[i]->doc);
    fputs("| option | required | default | values |\n|---|---|---|---|\n", f);
    opt_rows(f, fmts[i]->opts);
  }
}
