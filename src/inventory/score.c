/* score.c - scoring for the inventory: each job's class (stream-now, stream-with-rethinking,
 * keep-batch), its score and the reasons, from what its SQL does, how many jobs and exports
 * depend on it, how often it runs and what breaks downstream. The weights are documented in
 * docs/inventory.md and can be changed with --config (lines "name = number"). Must not touch:
 * reading or the graph (graph.c). */
#include <stdlib.h>
#include <string.h>

#include "inv_int.h"

const char *const inv_weight_names[W_COUNT] = {
    "class.stream-now",           "class.stream-with-rethinking",
    "class.keep-batch",           "freshness.per-dependent-job",
    "freshness.per-export",       "freshness.per-run-per-day",
    "freshness.max-runs-per-day", "blast.per-downstream-job",
    "penalty.per-opaque-step",    "penalty.per-unparsed-statement"};
static const double defaults[W_COUNT] = {60, 35, 10, 8, 5, 1, 24, 3, 10, 5};

int inv_config_read(inv_estate *es, const char *path, sl_error *e) {
  memcpy(es->weights, defaults, sizeof defaults);
  if (!path) return 0;
  size_t n;
  char *t = file_read_all(path, &n, e);
  if (!t) return -1;
  int line = 0;
  for (char *p = t; *p;) {
    char *nl = strchr(p, '\n');
    if (nl) *nl = 0;
    line++;
    char *h = strchr(p, '#');
    if (h) *h = 0;
    char key[128];
    double v;
    char extra;
    if (sscanf(p, " %127[^= \t] = %lf %c", key, &v, &extra) == 2) {
      int k = 0;
      while (k < W_COUNT && strcmp(inv_weight_names[k], key)) k++;
      if (k == W_COUNT) {
        const char *best = str_closest(key, inv_weight_names, W_COUNT);
        err_set(e, SL_EUSAGE, "%s:%d: unknown weight '%s'%s%s%s", path, line, key,
                best ? " (did you mean '" : "", best ? best : "", best ? "'?)" : "");
        free(t);
        return -1;
      }
      es->weights[k] = v;
    } else {
      for (char *q = p; *q; q++)
        if (*q != ' ' && *q != '\t' && *q != '\r') {
          err_set(e, SL_EUSAGE, "%s:%d: expected 'name = number'", path, line);
          free(t);
          return -1;
        }
    }
    p = nl ? nl + 1 : p + strlen(p);
  }
  free(t);
  return 0;
}

static void reason(inv_estate *es, inv_job *j, const char *s) {
  sql_names_add(&es->a, &j->reasons, s);
}

static void classify(inv_estate *es, inv_job *j) {
  unsigned f = j->flags;
  bool windowed = (f & SQL_PG_DATE_TRUNC) && j->groups && (f & SQL_PG_RECENT);
  if (!j->nstmts && !j->reads.n && !j->writes.n) {
    j->cls = "keep-batch";
    reason(es, j, "no SQL the inventory can see: its work is in opaque steps");
    return;
  }
  if (j->full_recompute)
    reason(es, j,
           "recomputes whole tables (TRUNCATE/DELETE-all then INSERT, CREATE TABLE AS or "
           "a materialized view refresh): assumes the full dataset");
  if ((f & SQL_PG_WINDOW_FN) && !(f & SQL_PG_RECENT))
    reason(es, j, "window functions over all history: assume the full dataset");
  if (j->reasons.n) {
    j->cls = "keep-batch";
    return;
  }
  if (j->max_joins >= 2) reason(es, j, "joins several tables: needs join state to stream");
  if (j->max_groups >= 2 || (j->groups >= 2 && j->nstmts > 1))
    reason(es, j, "multi-step aggregation: aggregates of aggregates need rethinking");
  if (j->groups && !windowed)
    reason(es, j, "aggregates without a recent time range: becomes a continuously updated result");
  if (f & (SQL_PG_UPSERT | SQL_PG_UPDATE))
    reason(es, j,
           "updates or deletes rows in place (UPDATE, DELETE, MERGE, ON CONFLICT DO UPDATE): needs "
           "a changelog sink");
  if (f & SQL_PG_DYNAMIC) reason(es, j, "dynamic SQL (EXECUTE): its tables are not all visible");
  if (j->reasons.n) {
    j->cls = "stream-with-rethinking";
    return;
  }
  j->cls = "stream-now";
  if (windowed)
    reason(es, j, "time-windowed aggregation (date_trunc + GROUP BY over a recent range)");
  if (j->max_joins == 1) reason(es, j, "lookup enrichment (one join)");
  if ((f & SQL_PG_WHERE) && !windowed) reason(es, j, "filters/routes rows");
  if (f & (SQL_PG_EXPORT | SQL_PG_IMPORT))
    reason(es, j, "format conversion (COPY / dump to files)");
  if (!j->reasons.n) reason(es, j, "moves rows without reshaping them");
}

/* Jobs reachable downstream of job i (its outputs read, directly or not). */
static int downstream(const inv_estate *es, int i, bool *seen) {
  int n = 0;
  for (int e = 0; e < es->nedges; e++)
    if (es->edges[e].from == i && !seen[es->edges[e].to]) {
      seen[es->edges[e].to] = true;
      n += 1 + downstream(es, es->edges[e].to, seen);
    }
  return n;
}

void inv_score(inv_estate *es) {
  const double *w = es->weights;
  bool *seen = xcalloc((size_t)es->njobs + 1, 1);
  for (int i = 0; i < es->njobs; i++) {
    inv_job *j = es->jobs[i];
    classify(es, j);
    double s = !strcmp(j->cls, "stream-now")   ? w[W_STREAM_NOW]
               : !strcmp(j->cls, "keep-batch") ? w[W_KEEP]
                                               : w[W_RETHINK];
    reason(es, j, arena_printf(&es->a, "%+.0f: class %s", s, j->cls));
    int direct = 0;
    for (int e = 0; e < es->nedges; e++) direct += es->edges[e].from == i;
    memset(seen, 0, (size_t)es->njobs + 1);
    seen[i] = true;
    int blast = downstream(es, i, seen);
    j->downstream = direct;
    j->blast = blast;
    if (direct) {
      s += direct * w[W_PER_DEPENDENT];
      reason(es, j,
             arena_printf(&es->a, "%+.0f: %d job%s read%s its outputs", direct * w[W_PER_DEPENDENT],
                          direct, direct > 1 ? "s" : "", direct > 1 ? "" : "s"));
    }
    if (j->files_out.n) {
      s += j->files_out.n * w[W_PER_EXPORT];
      reason(es, j,
             arena_printf(&es->a, "%+.0f: %d export%s", j->files_out.n * w[W_PER_EXPORT],
                          j->files_out.n, j->files_out.n > 1 ? "s" : ""));
    }
    double rpd = j->runs_per_day > w[W_MAX_RUNS_PER_DAY] ? w[W_MAX_RUNS_PER_DAY] : j->runs_per_day;
    if (rpd * w[W_PER_RUN_PER_DAY] >= 0.5) {
      s += rpd * w[W_PER_RUN_PER_DAY];
      reason(es, j,
             arena_printf(&es->a, "%+.0f: runs %.3g times a day", rpd * w[W_PER_RUN_PER_DAY],
                          j->runs_per_day));
    }
    if (blast) {
      s += blast * w[W_PER_BLAST];
      reason(es, j,
             arena_printf(&es->a, "%+.0f: %d downstream job%s break if it is late",
                          blast * w[W_PER_BLAST], blast, blast > 1 ? "s" : ""));
    }
    if (j->opaque.n) {
      s -= j->opaque.n * w[W_OPAQUE];
      reason(es, j,
             arena_printf(&es->a, "%+.0f: %d opaque step%s", -j->opaque.n * w[W_OPAQUE],
                          j->opaque.n, j->opaque.n > 1 ? "s" : ""));
    }
    if (j->nunparsed) {
      s -= j->nunparsed * w[W_UNPARSED];
      reason(es, j,
             arena_printf(&es->a, "%+.0f: %d statement%s not parsed", -j->nunparsed * w[W_UNPARSED],
                          j->nunparsed, j->nunparsed > 1 ? "s" : ""));
    }
    j->score = s < 0 ? 0 : s > 100 ? 100 : (int)(s + 0.5);
  }
  free(seen);
}
