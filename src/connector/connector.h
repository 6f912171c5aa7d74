/* connector.h - connectors: where rows come from and go to. Each connector declares its
 * options in one table (which generates docs/connectors.md) and makes source and/or sink
 * operators. Public header of the connector subsystem.
 * To add a connector: copy connector/print.c (a sink) or the source half of
 * connector/filesystem.c, declare its opt_def table and add a row to conn_defs[]. */
#ifndef SLUICE_CONNECTOR_H
#define SLUICE_CONNECTOR_H

#include "../format/format.h"
#include "../pipeline/pipeline.h"

/* What the planner hands a connector for one table. */
typedef struct conn_ctx {
  sl_job *job;
  const char *table;
  fmt_schema schema;                 /* physical columns; needed[] set for sources */
  opt_list opts;                     /* the table's options */
  const fmt_def *fmt;                /* NULL for connectors without a format */
  int source_index;                  /* sources: index in job->sources */
  bool dry;                          /* explain/validate: touch no file */
  const char *const *partition_keys; /* PARTITIONED BY columns (filesystem), NULL if none */
  int npartition_keys;
  const int *primary_key; /* sinks: PRIMARY KEY columns (indexes into schema), NULL if none */
  int nprimary_key;
  bool updating_input; /* sinks: the rows written carry -U/+U/-D kinds */
} conn_ctx;

typedef struct conn_def {
  const char *name;
  const opt_def *opts;
  bool has_source, has_sink, needs_format;
  const char *doc;
  sl_op *(*source_new)(const conn_ctx *c, sl_error *e);
  sl_op *(*sink_new)(const conn_ctx *c, sl_error *e);
} conn_def;

const conn_def *conn_lookup(const char *name);
const conn_def *const *conn_table(int *n);
/* Options every source has: 'on-error' and 'dlq.path'. */
extern const opt_def conn_source_opts[];
/* Writes docs/connectors.md from the option tables. */
void conn_docs(FILE *f);

extern const conn_def conn_filesystem, conn_print, conn_blackhole, conn_datagen;

/* Buffered output shared by the file and print sinks. */
typedef struct conn_writer {
  int fd;
  sl_buf buf;
  const char *what; /* for messages */
} conn_writer;
sl_status conn_writer_flush(conn_writer *w, sl_error *e);

#endif
