/* graph.c - the estate's graph for the inventory: functions and views defined in the estate
 * resolved into each job's lineage, the tables (external sources: nobody writes them; dead
 * ends: nobody reads them), edges "job B reads what job A writes", the --runs log, and the
 * schedule hazards (a reader scheduled before its writer has finished; writers racing on one
 * table). Must not touch: reading files (cron.c, shell.c, psql.c), scoring (score.c). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "inv_int.h"

static const inv_view *view_of(inv_estate *es, const char *n) {
  for (int i = 0; i < es->nviews; i++)
    if (!strcmp(es->views[i].name, n)) return &es->views[i];
  return NULL;
}

/* Adds n to reads, a plain view as its base tables (recursively). */
static void add_read(inv_estate *es, sql_names *reads, const char *n, int depth) {
  const inv_view *v = view_of(es, n);
  if (v && !v->mat && depth < 16) {
    for (int i = 0; i < v->reads.n; i++) add_read(es, reads, v->reads.v[i], depth + 1);
    return;
  }
  sql_names_add(&es->a, reads, n);
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void inv_resolve(inv_estate *es) {
  for (int i = 0; i < es->njobs; i++) {
    inv_job *j = es->jobs[i];
    sql_names reads = {0}, writes = j->writes;
    /* triggers on the tables it writes run their functions (which may write more) */
    for (int w = 0; w < j->writes.n; w++)
      for (int t = 0; t < es->ntriggers; t++)
        if (!strcmp(es->triggers[t].table, j->writes.v[w]) && es->triggers[t].func)
          sql_names_add(&es->a, &j->calls, es->triggers[t].func);
    for (int k = 0; k < j->calls.n; k++)
      for (int f = 0; f < es->nfuncs; f++)
        if (!strcmp(es->funcs[f].name, j->calls.v[k])) {
          for (int r = 0; r < es->funcs[f].reads.n; r++)
            sql_names_add(&es->a, &j->reads, es->funcs[f].reads.v[r]);
          for (int w = 0; w < es->funcs[f].writes.n; w++) {
            const char *wt = es->funcs[f].writes.v[w];
            sql_names_add(&es->a, &writes, wt);
            for (int t = 0; t < es->ntriggers && j->calls.n < 256; t++)
              if (!strcmp(es->triggers[t].table, wt) && es->triggers[t].func)
                sql_names_add(&es->a, &j->calls, es->triggers[t].func);
          }
          j->flags |= SQL_PG_INSERT;
        }
    for (int w = 0; w < writes.n; w++) { /* REFRESH MATERIALIZED VIEW reads its query */
      const inv_view *v = view_of(es, writes.v[w]);
      if (v && v->mat)
        for (int r = 0; r < v->reads.n; r++) sql_names_add(&es->a, &j->reads, v->reads.v[r]);
    }
    for (int r = 0; r < j->reads.n; r++) add_read(es, &reads, j->reads.v[r], 0);
    j->reads = reads;
    j->writes = writes;
    if (j->reads.n) qsort(j->reads.v, (size_t)j->reads.n, sizeof *j->reads.v, cmp_str);
    if (j->writes.n) qsort(j->writes.v, (size_t)j->writes.n, sizeof *j->writes.v, cmp_str);
  }
  /* tables */
  sql_names all = {0};
  for (int i = 0; i < es->njobs; i++) {
    for (int k = 0; k < es->jobs[i]->reads.n; k++)
      sql_names_add(&es->a, &all, es->jobs[i]->reads.v[k]);
    for (int k = 0; k < es->jobs[i]->writes.n; k++)
      sql_names_add(&es->a, &all, es->jobs[i]->writes.v[k]);
  }
  if (all.n) qsort(all.v, (size_t)all.n, sizeof *all.v, cmp_str);
  es->ntables = all.n;
  es->tables = xcalloc((size_t)all.n + 1, sizeof *es->tables);
  for (int t = 0; t < all.n; t++) {
    inv_table *tb = &es->tables[t];
    tb->name = all.v[t];
    for (int i = 0; i < es->njobs; i++) {
      if (sql_names_has(&es->jobs[i]->writes, tb->name))
        sql_names_add(&es->a, &tb->writers, es->jobs[i]->id);
      if (sql_names_has(&es->jobs[i]->reads, tb->name))
        sql_names_add(&es->a, &tb->readers, es->jobs[i]->id);
    }
  }
  /* edges */
  for (int a = 0; a < es->njobs; a++)
    for (int b = 0; b < es->njobs; b++) {
      if (a == b) continue;
      sql_names common = {0};
      for (int k = 0; k < es->jobs[a]->writes.n; k++)
        if (sql_names_has(&es->jobs[b]->reads, es->jobs[a]->writes.v[k]))
          sql_names_add(&es->a, &common, es->jobs[a]->writes.v[k]);
      if (!common.n) continue;
      if (es->nedges == es->capedges) {
        es->capedges = es->capedges ? es->capedges * 2 : 16;
        es->edges = xrealloc(es->edges, sizeof *es->edges * (size_t)es->capedges);
      }
      es->edges[es->nedges++] = (inv_edge){a, b, common};
    }
}

/* ---- the run log ---- */

static bool parse_time(const char *s, size_t n, double *out) {
  char buf[64];
  if (n >= sizeof buf) return false;
  memcpy(buf, s, n);
  buf[n] = 0;
  struct tm tm = {0};
  const char *e = strptime(buf, "%Y-%m-%dT%H:%M:%S", &tm);
  if (!e) e = strptime(buf, "%Y-%m-%d %H:%M:%S", &tm);
  if (!e) return false;
  double frac = 0;
  if (*e == '.') {
    frac = strtod(e, (char **)&e);
  }
  int off = 0;
  if (*e == 'Z')
    e++;
  else if (*e == '+' || *e == '-') {
    int h = 0, m = 0;
    if (sscanf(e + 1, "%2d:%2d", &h, &m) < 1) return false;
    off = (h * 60 + m) * 60 * (*e == '+' ? 1 : -1);
    e += strlen(e);
  }
  if (*e) return false;
  *out = (double)timegm(&tm) - off + frac;
  return true;
}

int inv_runs_read(inv_estate *es, const char *path, sl_error *e) {
  char *t = file_read_all(path, &(size_t){0}, e);
  if (!t) return -1;
  int line = 0;
  for (char *p = t; *p;) {
    char *nl = strchr(p, '\n');
    if (nl) *nl = 0;
    line++;
    char ts[64], name[512], what[16], rc[32] = "";
    int k = sscanf(p, "%63s %511s %15s %31s", ts, name, what, rc);
    if (k >= 3 && p[0] != '#') {
      double when;
      if (!parse_time(ts, strlen(ts), &when) || (strcmp(what, "start") && strcmp(what, "end"))) {
        err_set(e, SL_EUSAGE, "%s:%d: expected '<ISO-8601 time> <job> start|end [rc=N]'", path,
                line);
        free(t);
        return -1;
      }
      const char *b = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
      if (!strcmp(what, "start")) {
        if (es->nruns == es->capruns) {
          es->capruns = es->capruns ? es->capruns * 2 : 64;
          es->runs = xrealloc(es->runs, sizeof *es->runs * (size_t)es->capruns);
        }
        es->runs[es->nruns++] = (inv_run){arena_strdup(&es->a, b), when, -1, 0};
      } else {
        for (int r = es->nruns - 1; r >= 0; r--)
          if (es->runs[r].end < 0 && !strcmp(es->runs[r].name, b)) {
            es->runs[r].end = when;
            es->runs[r].rc = !strncmp(rc, "rc=", 3) ? atoi(rc + 3) : 0;
            break;
          }
      }
    } else if (p[0] && p[0] != '#' && k > 0) {
      err_set(e, SL_EUSAGE, "%s:%d: expected '<ISO-8601 time> <job> start|end [rc=N]'", path, line);
      free(t);
      return -1;
    }
    p = nl ? nl + 1 : p + strlen(p);
  }
  free(t);
  return 0;
}

/* Does run r belong to job j (its id, a script's file name, with or without extension)? */
static bool run_of(const inv_job *j, const inv_run *r) {
  if (!strcmp(j->id, r->name)) return true;
  for (int s = 0; s < j->scripts.n; s++) {
    const char *p = j->scripts.v[s];
    const char *b = strrchr(p, '/') ? strrchr(p, '/') + 1 : p;
    size_t n = strlen(r->name);
    if (!strcmp(b, r->name) || (!strncmp(b, r->name, n) && b[n] == '.')) return true;
  }
  return false;
}

/* ---- hazards ---- */

static void hazard(inv_estate *es, const char *kind, int a, int b, const sql_names *tables,
                   const char *detail) {
  for (int h = 0; h < es->nhazards; h++) /* one per pair and kind */
    if (!strcmp(es->hazards[h].kind, kind) && es->hazards[h].a == a && es->hazards[h].b == b)
      return;
  if (es->nhazards == es->caphazards) {
    es->caphazards = es->caphazards ? es->caphazards * 2 : 8;
    es->hazards = xrealloc(es->hazards, sizeof *es->hazards * (size_t)es->caphazards);
  }
  es->hazards[es->nhazards++] = (inv_hazard){kind, a, b, *tables, detail};
}

static const char *clock_text(inv_estate *es, double t) {
  time_t s = (time_t)t;
  struct tm tm;
  gmtime_r(&s, &tm);
  return arena_printf(&es->a, "%04d-%02d-%02d %02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                      tm.tm_mday, tm.tm_hour, tm.tm_min);
}

/* Observed in the log: a run of b that started while a run of a was going. */
static const char *observed(inv_estate *es, const inv_job *a, const inv_job *b) {
  for (int x = 0; x < es->nruns; x++) {
    const inv_run *ra = &es->runs[x];
    if (ra->end < 0 || !run_of(a, ra)) continue;
    for (int y = 0; y < es->nruns; y++) {
      const inv_run *rb = &es->runs[y];
      if (!run_of(b, rb) || rb->start < ra->start || rb->start >= ra->end) continue;
      return arena_printf(&es->a, "observed: %s started %s while %s ran %s to %s%s", b->id,
                          clock_text(es, rb->start), a->id, clock_text(es, ra->start),
                          clock_text(es, ra->end) + 11,
                          ra->rc ? arena_printf(&es->a, " (rc=%d)", ra->rc) : "");
    }
  }
  return NULL;
}

/* Fires every day at the same times? Then a time needs no day. */
static bool daily(const inv_job *j) {
  if (!j->nfires || j->nfires % 7) return false;
  for (int x = 0; x < j->nfires; x++) {
    int next = (j->fires[x] + 1440) % INV_WEEK;
    bool found = false;
    for (int y = 0; y < j->nfires && !found; y++) found = j->fires[y] == next;
    if (!found) return false;
  }
  return true;
}

static const char *when(inv_estate *es, const inv_job *a, const inv_job *b, int m) {
  if (daily(a) && daily(b)) return arena_printf(&es->a, "%02d:%02d", (m % 1440) / 60, m % 60);
  return inv_minute_text(es, m);
}

/* The first fire of b inside a run of a (a fires at f and runs dur minutes, at least one). */
static int overlap(const inv_job *a, const inv_job *b, double dur, int *at_a) {
  int d = dur < 1 ? 1 : (int)(dur + 0.999);
  for (int x = 0; x < a->nfires; x++)
    for (int y = 0; y < b->nfires; y++) {
      int delta = (b->fires[y] - a->fires[x] + INV_WEEK) % INV_WEEK;
      if (delta < d) {
        *at_a = a->fires[x];
        return b->fires[y];
      }
    }
  return -1;
}

void inv_hazards(inv_estate *es) {
  for (int i = 0; i < es->njobs; i++) {
    inv_job *j = es->jobs[i];
    for (int r = 0; r < es->nruns; r++)
      if (run_of(j, &es->runs[r])) {
        j->nruns++;
        if (es->runs[r].end >= 0) {
          double d = (es->runs[r].end - es->runs[r].start) / 60.0;
          if (d > j->max_dur_min) j->max_dur_min = d;
          j->nfailed += es->runs[r].rc != 0;
        }
      }
  }
  /* writers racing on one table */
  for (int a = 0; a < es->njobs; a++)
    for (int b = a + 1; b < es->njobs; b++) {
      inv_job *ja = es->jobs[a], *jb = es->jobs[b];
      sql_names common = {0};
      for (int k = 0; k < ja->writes.n; k++)
        if (sql_names_has(&jb->writes, ja->writes.v[k]))
          sql_names_add(&es->a, &common, ja->writes.v[k]);
      if (!common.n) continue;
      int fa, fb = -1, fb2 = -1;
      if (ja->scheduled && jb->scheduled) {
        fb = overlap(ja, jb, ja->max_dur_min, &fa);
        if (fb < 0) fb2 = overlap(jb, ja, jb->max_dur_min, &fa);
      }
      const char *obs = observed(es, ja, jb);
      if (!obs) obs = observed(es, jb, ja);
      const char *detail = NULL;
      if (fb >= 0 || fb2 >= 0)
        detail = arena_printf(&es->a, "both write at %s", when(es, ja, jb, fb >= 0 ? fb : fb2));
      if (obs) detail = detail ? arena_printf(&es->a, "%s; %s", detail, obs) : obs;
      if (detail) hazard(es, "write-race", a, b, &common, detail);
    }
  /* a reader scheduled before its writer has finished */
  for (int e = 0; e < es->nedges; e++) {
    const inv_edge *ed = &es->edges[e];
    inv_job *w = es->jobs[ed->from], *r = es->jobs[ed->to];
    const char *obs = observed(es, w, r);
    int fw, fr = w->scheduled && r->scheduled ? overlap(w, r, w->max_dur_min, &fw) : -1;
    const char *detail = NULL;
    if (fr >= 0)
      detail = arena_printf(
          &es->a, "%s starts %s while %s (started %s%s) may still be writing", r->id,
          when(es, w, r, fr), w->id, when(es, w, r, fw),
          w->max_dur_min > 0 ? arena_printf(&es->a, ", runs up to %.0f min", w->max_dur_min) : "");
    else if (w->scheduled && r->scheduled && !w->reboot && !r->reboot && w->nfires &&
             w->nfires == r->nfires) {
      /* same cadence: the reader should run after the writer in each cycle */
      int tw = w->fires[0] % 1440, tr = r->fires[0] % 1440;
      if (w->nfires <= 7 && tr < tw && w->fires[0] / 1440 == r->fires[0] / 1440)
        detail = arena_printf(&es->a,
                              "%s runs at %02d:%02d, before %s writes at %02d:%02d: it reads the "
                              "previous run's data",
                              r->id, tr / 60, tr % 60, w->id, tw / 60, tw % 60);
    }
    if (obs) detail = detail ? arena_printf(&es->a, "%s; %s", detail, obs) : obs;
    bool race = false; /* the same two jobs racing as writers says it already */
    for (int h = 0; h < es->nhazards; h++)
      race |= !strcmp(es->hazards[h].kind, "write-race") &&
              ((es->hazards[h].a == ed->from && es->hazards[h].b == ed->to) ||
               (es->hazards[h].b == ed->from && es->hazards[h].a == ed->to));
    if (detail && !race) hazard(es, "reader-before-writer", ed->to, ed->from, &ed->tables, detail);
  }
}
