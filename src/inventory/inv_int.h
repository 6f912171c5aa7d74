/* inv_int.h - the inventory's model, shared by the files of src/inventory/ (internal: nothing
 * outside this folder includes it). Everything lives in the estate's arena. */
#ifndef SLUICE_INV_INT_H
#define SLUICE_INV_INT_H

#include "../sql/sql.h"
#include "inventory.h"

#define INV_WEEK (7 * 24 * 60) /* minutes in a week: schedules are modelled over one week */

typedef struct inv_job {
  const char *id, *schedule, *user, *command, *origin; /* origin: file:line */
  sql_names scripts, reads, writes, opaque, files_in, files_out, calls;
  sql_names reasons;
  unsigned flags; /* SQL_PG_* of all its statements */
  int joins, max_joins, groups, max_groups, nstmts, nunparsed;
  bool full_recompute; /* TRUNCATE/DELETE-all then INSERT into the same table, CTAS, REFRESH */
  /* schedule */
  bool scheduled, reboot, monthly;
  int *fires, nfires; /* minutes of the week, sorted */
  double runs_per_day;
  /* from --runs */
  int nruns, nfailed;
  double max_dur_min; /* longest observed run, minutes (0: none) */
  /* scoring */
  const char *cls;
  int score;
  int downstream, blast; /* jobs reading its outputs directly / transitively */
} inv_job;

typedef struct inv_view {
  const char *name;
  sql_names reads;
  bool mat;
} inv_view;

typedef struct inv_func {
  const char *name;
  sql_names reads, writes;
} inv_func;

typedef struct inv_trigger {
  const char *table, *func; /* a write to table runs func */
} inv_trigger;

typedef struct inv_edge {
  int from, to; /* job indexes: `to` reads what `from` writes */
  sql_names tables;
} inv_edge;

typedef struct inv_hazard {
  const char *kind; /* reader-before-writer | write-race */
  int a, b;         /* reader, writer (or the two writers) */
  sql_names tables;
  const char *detail;
} inv_hazard;

typedef struct inv_table {
  const char *name;
  sql_names writers, readers; /* job ids */
} inv_table;

typedef struct inv_run { /* one run from --runs */
  const char *name;
  double start, end; /* epoch seconds; end < 0: no end line */
  int rc;
} inv_run;

typedef struct inv_disabled {
  const char *origin, *line;
} inv_disabled;

struct inv_estate {
  sl_arena a;
  const char *root;
  inv_job **jobs;
  int njobs, capjobs;
  inv_view *views;
  int nviews, capviews;
  inv_func *funcs;
  int nfuncs, capfuncs;
  inv_trigger *triggers;
  int ntriggers, captriggers;
  inv_edge *edges;
  int nedges, capedges;
  inv_hazard *hazards;
  int nhazards, caphazards;
  inv_table *tables;
  int ntables;
  inv_run *runs;
  int nruns, capruns;
  inv_disabled *disabled;
  int ndisabled, capdisabled;
  sql_names diagnostics; /* file:line: message */
  sql_names files_read;  /* every file read, for the text summary */
  double weights[16];
};

/* weights (score.c) */
enum {
  W_STREAM_NOW,
  W_RETHINK,
  W_KEEP,
  W_PER_DEPENDENT,
  W_PER_EXPORT,
  W_PER_RUN_PER_DAY,
  W_MAX_RUNS_PER_DAY,
  W_PER_BLAST,
  W_OPAQUE,
  W_UNPARSED,
  W_COUNT
};
extern const char *const inv_weight_names[W_COUNT];

/* estate.c */
inv_job *inv_job_new(inv_estate *es, const char *id_hint, const char *origin);
char *inv_path(inv_estate *es, const char *path); /* the path under --root, in the arena */
char *inv_read_file(inv_estate *es, const char *path, size_t *len); /* NULL if unreadable */
void inv_diag(inv_estate *es, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void inv_add_view(inv_estate *es, const char *name, const sql_names *reads, bool mat);
void inv_add_func(inv_estate *es, const char *name, const sql_names *reads,
                  const sql_names *writes);
void inv_add_trigger(inv_estate *es, const char *table, const char *func);

/* psql.c: one psql session (its temporaries, search_path and :variables) */
typedef struct inv_psql inv_psql;
inv_psql *inv_psql_begin(inv_estate *es, inv_job *job);
void inv_psql_var(inv_psql *s, const char *name, const char *value);
/* SQL text as psql reads it (a file or -c): file and first line for messages; cwd for \i */
void inv_psql_text(inv_psql *s, const char *text, size_t len, const char *file, int line,
                   const char *cwd);
void inv_psql_file(inv_psql *s, const char *path, const char *cwd, const char *from, int line);

/* shell.c: a command line (crontab) or script, followed as far as text allows */
void inv_shell_command(inv_estate *es, inv_job *job, const char *cmd, const char *input,
                       const sql_names *env_names, const sql_names *env_values, const char *origin);
void inv_shell_script(inv_estate *es, inv_job *job, const char *path, const char *origin);

/* cron.c */
int inv_cron_file(inv_estate *es, const char *path, bool system_format);
bool inv_schedule(inv_estate *es, inv_job *j, const char *spec); /* fills fires etc. */
const char *inv_minute_text(inv_estate *es, int m);              /* "Mon 02:00" */

/* graph.c */
void inv_resolve(inv_estate *es); /* views, functions, tables, edges */
int inv_runs_read(inv_estate *es, const char *path, sl_error *e);
void inv_hazards(inv_estate *es);
/* score.c */
int inv_config_read(inv_estate *es, const char *path, sl_error *e);
void inv_score(inv_estate *es);
int inv_job_index(const inv_estate *es, const char *id);

#endif
