/* mig_int.h - internals of the migrate subsystem shared by its files: the table registry (what
 * the job, --schema and --sources say about each table), and the translation context. */
#ifndef SLUICE_MIG_INT_H
#define SLUICE_MIG_INT_H

#include "../sql/sql.h"
#include "migrate.h"

typedef struct mig_col {
  const char *name; /* folded to lower case unless quoted, as PostgreSQL does */
  sl_type t;
  const char *note; /* a type mapping remark, or NULL */
} mig_col;

typedef struct mig_table {
  const char *name;  /* last part of the name, folded */
  const char *qname; /* as written (schema.table) */
  mig_col *cols;
  int ncols;
  const char **pk;
  int npk;
  bool declared; /* a CREATE TABLE gave its columns */
  bool derived;  /* its columns are those of the query (a sink without CREATE TABLE) */
  /* --sources */
  bool listed;
  const char *connector, *location, *format;
  /* what the job does with it */
  bool source, sink, dim, event, truncated, proctime;
  const char *time_col; /* event-time column */
  const char *time_why; /* why this column */
  const char **used;    /* columns the job names (for a table without DDL) */
  int nused;
  /* sink */
  const char **sink_pk;
  int nsink_pk;
  const char *sink_pk_why;
} mig_table;

typedef struct mig {
  const mig_opts *o;
  sl_arena *a;
  sl_source job;
  mig_table *t;
  int nt, capt;
  sl_buf notes;   /* comments of the statement being translated */
  sl_buf summary; /* NOT TRANSLATED summary (stderr) */
  int untranslated, rewrites;
  bool dropped_day; /* the statement had a 'yesterday' predicate over a day */
  bool probe;       /* writing the pipeline that finds the column types of derived sinks */
  int64_t dropped_span_ms;
} mig;

/* mig_ddl.c */
mig_table *mig_table_get(mig *m, const char *name, bool create);
sl_status mig_pg_ddl(mig *m, const sl_source *src, const sql_token *t, int n, sl_error *e);
sl_status mig_read_sources(mig *m, const char *path, sl_error *e);
void mig_emit_table(mig *m, sl_buf *b, mig_table *t);
const mig_col *mig_col_find(const mig_table *t, const char *name);
void mig_use_col(mig *m, mig_table *t, const char *name);

/* mig_expr.c */
void mig_note(mig *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mig_not_translated(mig *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *mig_lower(sl_arena *a, const char *s);
void mig_fold_query(mig *m, sql_query *q);
bool mig_expr_eq(const sql_expr *x, const sql_expr *y);
bool mig_has_now(const sql_expr *x);
sql_expr *mig_map_functions(mig *m, sql_expr *x);
void mig_map_query(mig *m, sql_query *q);
sql_expr *mig_col_ref(sl_arena *a, const char *qual, const char *name);
sql_expr *mig_func(sl_arena *a, const char *name, int nargs, ...);
char *mig_expr_text(mig *m, const sql_expr *x);
const char *mig_java_pattern(sl_arena *a, const char *pg, int64_t *unit_ms);

/* mig_query.c */
/* Rewrites one INSERT's query; returns false when the statement is left out (reason noted). */
bool mig_rewrite_insert(mig *m, mig_table *target, sql_stmt *s, const char **conflict,
                        int nconflict, bool conflict_update);

#endif
