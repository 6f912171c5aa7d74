/* connector.h - connectors: where rows come from and go to. Each connector declares its
 * options in one table (which generates docs/connectors.md) and makes source and/or sink
 * operators. Public header of the connector subsystem.
 * To add a connector: copy connector/print.c (a sink) or the source half of
 * connector/filesystem.c, declare its opt_def table and add a row to conn_defs[]. */
#ifndef SLUICE_CONNECTOR_H
#define SLUICE_CONNECTOR_H

#include "../format/format.h"
#include "../pipeline/pipeline.h"

/* Parallel reading. With N workers the planner builds one instance of a source per worker.
 * The instances of one table share a conn_split: a splittable source takes work units from it
 * (file chunks cut at record boundaries, blocks of generated events), one at a time, so the
 * workers advance through the input together (their event times stay close, which keeps window
 * state small) and every unit is read exactly once. A source that cannot split reads
 * everything on worker 0 and nothing on the others. nworkers <= 1: read everything. */
typedef struct conn_split {
  uint64_t next; /* the next unit to hand out (atomic) */
} conn_split;
/* The next unit for this worker (0, 1, 2 ... across all workers). Thread-safe. */
static inline uint64_t conn_split_take(conn_split *s) {
  return __atomic_fetch_add(&s->next, 1, __ATOMIC_RELAXED);
}

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
  const int *primary_key; /* PRIMARY KEY columns (indexes into schema; -1: not a physical
                             column), NULL if none; sources get them too */
  int nprimary_key;
  bool updating_input; /* sinks: the rows written carry -U/+U/-D kinds */
  /* sources: this instance's worker (0-based) of nworkers (1 when the run is not parallel or
   * every worker must read the whole table, as a lookup join's dimension), and the split
   * shared by the table's instances (NULL when nworkers == 1). */
  int worker, nworkers;
  conn_split *split;
  /* METADATA columns: meta[i] is the connector's metadata key of schema column i (NULL for a
   * column of the records; the decoder skips metadata columns). NULL: none. */
  const char *const *meta;
} conn_ctx;

/* A metadata key a connector offers (`col TYPE METADATA FROM 'key'`): its type (the declared
 * column must have the same type) and what it is. */
typedef struct conn_meta {
  const char *key;
  sl_type_id type;
  const char *doc;
} conn_meta;

typedef struct conn_def {
  const char *name;
  const opt_def *opts;
  bool has_source, has_sink, needs_format;
  const char *doc;
  sl_op *(*source_new)(const conn_ctx *c, sl_error *e);
  sl_op *(*sink_new)(const conn_ctx *c, sl_error *e);
  /* A table that can be asked by key (a lookup join's remote dimension, such as a database
   * table): the lookup of rows whose physical columns key_cols[0..nkeys) equal given values
   * (pipeline.h: sl_lookup). The planner then asks it per probe row, through a cache set by
   * conn_lookup_opts, instead of reading the table as a stream. NULL: the table is read as a
   * stream and the join keeps its rows (every connector today). The catalog accepts the
   * conn_lookup_opts of such a connector's tables. */
  sl_lookup *(*lookup_new)(const conn_ctx *c, const int *key_cols, int nkeys, sl_error *e);
  /* Parallel runs. parallel_source: each worker's instance reads its share
   * (conn_ctx.worker/nworkers/split); else worker 0 reads the whole table. parallel_sink:
   * each worker writes its own rows (blackhole); else every row goes to worker 0's one sink. */
  bool parallel_source, parallel_sink;
  /* Metadata keys a source offers ({NULL} ends the table); NULL: none. */
  const conn_meta *metadata;
} conn_def;

const conn_def *conn_lookup(const char *name);
const conn_def *const *conn_table(int *n);
/* Options every source has: 'on-error' and 'dlq.path'. */
extern const opt_def conn_source_opts[];
/* The lookup cache of a table with lookup_new, Flink's names: 'lookup.cache' (NONE | PARTIAL),
 * 'lookup.partial-cache.max-rows', '...expire-after-write', '...expire-after-access',
 * '...cache-missing-key'. */
extern const opt_def conn_lookup_opts[];
/* The sinks that take an updating stream (-U/+U/-D rows), as one phrase for the message that
 * refuses an updating query into an append-only sink. */
const char *conn_updating_choices(void);
/* Writes docs/connectors.md from the option tables. */
void conn_docs(FILE *f);

extern const conn_def conn_filesystem, conn_print, conn_blackhole, conn_datagen, conn_nexmark,
    conn_kafka, conn_upsert_kafka, conn_jdbc, conn_postgres_cdc;

/* `sluice gen nexmark`: writes the events [0, 'events.num') of a nexmark table with these
 * options (the connector's keys) to fd, as JSON lines in Flink's shape or as CSV with a header
 * and the leaf columns. The same events as the connector makes with the same options. */
sl_status conn_nexmark_write(const opt_list *opts, int fd, bool csv, sl_error *e);

/* Buffered output shared by the file and print sinks. */
typedef struct conn_writer {
  int fd;
  sl_buf buf;
  const char *what; /* for messages */
} conn_writer;
sl_status conn_writer_flush(conn_writer *w, sl_error *e);

#endif
