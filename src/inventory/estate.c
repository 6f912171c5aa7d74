/* estate.c - the inventory's entry point: classifies the paths given (crontabs, cron.d
 * directories, scripts, SQL files; with --root and no path, the usual cron places), creates
 * jobs, reads files under --root, and runs the analysis (graph.c, score.c). Owns the estate
 * and its arena. Must not touch: parsing of any file format (cron.c, shell.c, psql.c). */
#include <dirent.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "inv_int.h"

char *inv_path(inv_estate *es, const char *path) {
  if (es->root && path[0] == '/') return arena_printf(&es->a, "%s%s", es->root, path);
  return arena_strdup(&es->a, path);
}

char *inv_read_file(inv_estate *es, const char *path, size_t *len) {
  sl_error e = {0};
  char *full = inv_path(es, path);
  struct stat sb;
  if (stat(full, &sb) != 0 || !S_ISREG(sb.st_mode)) return NULL;
  char *t = file_read_all(full, len, &e);
  if (!t) return NULL;
  char *r = arena_strndup(&es->a, t, *len);
  free(t);
  sql_names_add(&es->a, &es->files_read, arena_strdup(&es->a, path));
  return r;
}

void inv_diag(inv_estate *es, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  sql_names_add(&es->a, &es->diagnostics, arena_strdup(&es->a, buf));
}

inv_job *inv_job_new(inv_estate *es, const char *id_hint, const char *origin) {
  const char *b = strrchr(id_hint, '/');
  b = b ? b + 1 : id_hint;
  const char *dot = strrchr(b, '.');
  char *base = arena_strndup(&es->a, b, dot && dot != b ? (size_t)(dot - b) : strlen(b));
  const char *id = base;
  for (int k = 2; inv_job_index(es, id) >= 0; k++) id = arena_printf(&es->a, "%s-%d", base, k);
  if (es->njobs == es->capjobs) {
    es->capjobs = es->capjobs ? es->capjobs * 2 : 16;
    es->jobs = xrealloc(es->jobs, sizeof *es->jobs * (size_t)es->capjobs);
  }
  inv_job *j = arena_zalloc(&es->a, sizeof *j);
  j->id = id;
  j->origin = arena_strdup(&es->a, origin);
  j->schedule = "";
  j->command = "";
  es->jobs[es->njobs++] = j;
  return j;
}

int inv_job_index(const inv_estate *es, const char *id) {
  for (int i = 0; i < es->njobs; i++)
    if (!strcmp(es->jobs[i]->id, id)) return i;
  return -1;
}

void inv_add_view(inv_estate *es, const char *name, const sql_names *reads, bool mat) {
  for (int i = 0; i < es->nviews; i++)
    if (!strcmp(es->views[i].name, name)) {
      es->views[i].reads = *reads;
      es->views[i].mat = mat;
      return;
    }
  if (es->nviews == es->capviews) {
    es->capviews = es->capviews ? es->capviews * 2 : 8;
    es->views = xrealloc(es->views, sizeof *es->views * (size_t)es->capviews);
  }
  es->views[es->nviews++] = (inv_view){name, *reads, mat};
}

void inv_add_func(inv_estate *es, const char *name, const sql_names *reads,
                  const sql_names *writes) {
  if (!name) return;
  if (es->nfuncs == es->capfuncs) {
    es->capfuncs = es->capfuncs ? es->capfuncs * 2 : 8;
    es->funcs = xrealloc(es->funcs, sizeof *es->funcs * (size_t)es->capfuncs);
  }
  es->funcs[es->nfuncs++] = (inv_func){name, *reads, *writes};
}

void inv_add_trigger(inv_estate *es, const char *table, const char *func) {
  if (es->ntriggers == es->captriggers) {
    es->captriggers = es->captriggers ? es->captriggers * 2 : 8;
    es->triggers = xrealloc(es->triggers, sizeof *es->triggers * (size_t)es->captriggers);
  }
  es->triggers[es->ntriggers++] = (inv_trigger){table, func};
}

static bool ends_with(const char *s, const char *suf) {
  size_t n = strlen(s), m = strlen(suf);
  return n >= m && !strcmp(s + n - m, suf);
}

static bool is_script(inv_estate *es, const char *path) {
  if (ends_with(path, ".sh") || ends_with(path, ".bash")) return true;
  size_t n;
  char *t = inv_read_file(es, path, &n);
  if (es->files_read.n) es->files_read.n--; /* a peek is not a read */
  return t && !strncmp(t, "#!", 2) && (strstr(t, "sh\n") || strstr(t, "bash"));
}

static int read_path(inv_estate *es, const char *path, sl_error *e) {
  char *full = inv_path(es, path);
  struct stat sb;
  if (stat(full, &sb) != 0) {
    err_set(e, SL_EUSAGE, "cannot read %s", full);
    return -1;
  }
  if (S_ISDIR(sb.st_mode)) {
    DIR *d = opendir(full);
    if (!d) {
      err_set(e, SL_EUSAGE, "cannot read the directory %s", full);
      return -1;
    }
    char **names = NULL;
    int n = 0;
    for (struct dirent *de; (de = readdir(d));) {
      if (de->d_name[0] == '.' || ends_with(de->d_name, "~")) continue;
      names = xrealloc(names, sizeof *names * (size_t)(n + 1));
      names[n++] = xstrdup(de->d_name);
    }
    closedir(d);
    for (int i = 0; i < n; i++) /* sorted: the output does not depend on the directory order */
      for (int k = i + 1; k < n; k++)
        if (strcmp(names[k], names[i]) < 0) {
          char *t = names[i];
          names[i] = names[k];
          names[k] = t;
        }
    bool crond = ends_with(path, "cron.d") || ends_with(path, "cron.d/");
    for (int i = 0; i < n; i++) {
      char *p = arena_printf(&es->a, "%s%s%s", path, ends_with(path, "/") ? "" : "/", names[i]);
      struct stat fs;
      /* cron skips cron.d files whose names have a dot (cron.d/backup.dpkg-old) */
      if (stat(inv_path(es, p), &fs) == 0 && S_ISREG(fs.st_mode) &&
          !(crond && strchr(names[i], '.')))
        inv_cron_file(es, p, crond);
      free(names[i]);
    }
    free(names);
    return 0;
  }
  if (ends_with(path, ".sql")) {
    inv_job *j = inv_job_new(es, path, path);
    j->command = arena_printf(&es->a, "psql -f %s", path);
    inv_psql *s = inv_psql_begin(es, j);
    inv_psql_file(s, path, NULL, path, 0);
    return 0;
  }
  if (is_script(es, path)) {
    inv_job *j = inv_job_new(es, path, path);
    j->command = arena_strdup(&es->a, path);
    inv_shell_script(es, j, path, path);
    return 0;
  }
  const char *sl = strrchr(path, '/');
  bool system = ends_with(path, "etc/crontab") || !strcmp(path, "crontab") ||
                (sl && sl - path >= 6 && !strncmp(sl - 6, "cron.d", 6));
  inv_cron_file(es, path, system);
  return 0;
}

inv_estate *inv_read(const inv_opts *o, sl_error *e) {
  inv_estate *es = xcalloc(1, sizeof *es);
  arena_init(&es->a, 1 << 16);
  if (o->root) {
    size_t n = strlen(o->root);
    while (n > 1 && o->root[n - 1] == '/') n--;
    es->root = arena_strndup(&es->a, o->root, n);
  }
  if (inv_config_read(es, o->config, e) != 0) goto fail;
  if (o->npaths == 0) {
    static const char *const defaults[] = {"/etc/crontab", "/etc/cron.d",
                                           "/var/spool/cron/crontabs"};
    for (int i = 0; i < 3; i++) {
      struct stat sb;
      if (stat(inv_path(es, defaults[i]), &sb) == 0 && read_path(es, defaults[i], e) != 0)
        goto fail;
    }
  }
  for (int i = 0; i < o->npaths; i++)
    if (read_path(es, o->paths[i], e) != 0) goto fail;
  if (o->runs && inv_runs_read(es, o->runs, e) != 0) goto fail;
  inv_resolve(es);
  inv_hazards(es);
  inv_score(es);
  return es;
fail:
  inv_free(es);
  return NULL;
}

void inv_free(inv_estate *es) {
  if (!es) return;
  for (int i = 0; i < es->njobs; i++) free(es->jobs[i]->fires);
  free(es->jobs);
  free(es->views);
  free(es->funcs);
  free(es->triggers);
  free(es->edges);
  free(es->hazards);
  free(es->tables);
  free(es->runs);
  free(es->disabled);
  arena_free(&es->a);
  free(es);
}
