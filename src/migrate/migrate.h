/* migrate.h - `sluice migrate`: a PostgreSQL-dialect batch job (nightly INSERT ... SELECT jobs)
 * translated into a sluice streaming pipeline in the Flink dialect, every rewrite commented in
 * the output. Public header of the migrate subsystem (prefix mig_).
 * Must not touch: the runtime; the pipeline it writes is only compiled (validated), never run. */
#ifndef SLUICE_MIGRATE_H
#define SLUICE_MIGRATE_H

#include "../base/base.h"

typedef struct mig_opts {
  const char *job;           /* the batch job's file */
  const char *sources;       /* --sources: TABLE CONNECTOR LOCATION [FORMAT] lines, or NULL */
  const char *const *schema; /* --schema files (PostgreSQL DDL), nschema of them */
  int nschema;
  int64_t watermark_ms;  /* the stated watermark bound (default 5 s) */
  int64_t join_bound_ms; /* the stated bound of interval joins (default 1 h) */
} mig_opts;

typedef struct mig_result {
  sl_buf out;       /* the pipeline */
  sl_buf summary;   /* lines for stderr: what was not translated */
  int untranslated; /* parts left out (NOT TRANSLATED lines) */
  int rewrites;
} mig_result;

/* Translates. SL_OK with r filled (r->untranslated > 0: in part); SL_ESQL/SL_EUSAGE with e set
 * (unreadable SQL, a bad --sources line, a missing file). The caller frees r's buffers. */
sl_status mig_translate(const mig_opts *o, mig_result *r, sl_error *e);

#endif
