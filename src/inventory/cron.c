/* cron.c - crontabs for the inventory: user crontabs (VAR=value lines), /etc/crontab and
 * cron.d files (a user column), @daily-style macros, % (stdin) and line continuations,
 * commented-out job lines (disabled, never jobs); schedules as the minutes of one week they
 * fire at. Must not touch: what a command does (shell.c). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "inv_int.h"

static const char *const dows[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
static const char *const months[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                     "jul", "aug", "sep", "oct", "nov", "dec"};

static bool field_value(const char *s, size_t n, int lo, const char *const *names, int nn, int *v) {
  if (n == 3 && names)
    for (int i = 0; i < nn; i++)
      if (str_nieq(s, n, names[i])) {
        *v = i + (lo == 1 ? 1 : 0);
        return true;
      }
  if (!n) return false;
  int x = 0;
  for (size_t i = 0; i < n; i++) {
    if (!isdigit((unsigned char)s[i]) || x > 1000000) return false; /* no field is that big */
    x = x * 10 + (s[i] - '0');
  }
  *v = x;
  return true;
}

/* One cron field into bits[lo..hi]; *star when it is '*' (or '*' / step). */
static bool field(const char *s, int lo, int hi, const char *const *names, int nn, bool *bits,
                  bool *star) {
  *star = s[0] == '*';
  while (*s) {
    const char *e = s;
    while (*e && *e != ',') e++;
    const char *slash = memchr(s, '/', (size_t)(e - s));
    const char *re = slash ? slash : e;
    int a, b, step = 1;
    if (re - s == 1 && *s == '*') {
      a = lo;
      b = hi;
    } else {
      const char *dash = memchr(s, '-', (size_t)(re - s));
      if (dash) {
        if (!field_value(s, (size_t)(dash - s), lo, names, nn, &a) ||
            !field_value(dash + 1, (size_t)(re - dash - 1), lo, names, nn, &b))
          return false;
      } else {
        if (!field_value(s, (size_t)(re - s), lo, names, nn, &a)) return false;
        b = slash ? hi : a;
      }
    }
    if (slash && (!field_value(slash + 1, (size_t)(e - slash - 1), lo, NULL, 0, &step) || !step))
      return false;
    if (hi == 7 && b == 7 && a == 7) a = b = 0; /* 7 is Sunday */
    if (a < lo || b > hi || a > b) return false;
    for (int x = a; x <= b; x += step) bits[x == 7 && hi == 7 ? 0 : x] = true;
    s = *e ? e + 1 : e;
  }
  return true;
}

const char *inv_minute_text(inv_estate *es, int m) {
  static const char *const d[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  return arena_printf(&es->a, "%s %02d:%02d", d[(m / 1440) % 7], (m % 1440) / 60, m % 60);
}

bool inv_schedule(inv_estate *es, inv_job *j, const char *spec) {
  static const struct {
    const char *name, *expr;
  } macros[] = {{"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
                {"@weekly", "0 0 * * 0"}, {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
                {"@hourly", "0 * * * *"}};
  j->scheduled = true;
  char *norm = arena_strdup(&es->a, spec), *w = norm; /* white space as single blanks */
  for (const char *r = spec; *r; r++)
    if (*r != ' ' && *r != '\t')
      *w++ = *r;
    else if (w > norm && w[-1] != ' ')
      *w++ = ' ';
  *w = 0;
  j->schedule = norm;
  if (!strcmp(spec, "@reboot")) {
    j->reboot = true;
    return true;
  }
  for (size_t i = 0; i < sizeof macros / sizeof macros[0]; i++)
    if (!strcmp(spec, macros[i].name)) spec = macros[i].expr;
  char f[5][64];
  if (sscanf(spec, "%63s %63s %63s %63s %63s", f[0], f[1], f[2], f[3], f[4]) != 5) return false;
  bool mi[60] = {0}, ho[24] = {0}, dm[32] = {0}, mo[13] = {0}, dw[8] = {0};
  bool smi, sho, sdm, smo, sdw;
  if (!field(f[0], 0, 59, NULL, 0, mi, &smi) || !field(f[1], 0, 23, NULL, 0, ho, &sho) ||
      !field(f[2], 1, 31, NULL, 0, dm, &sdm) || !field(f[3], 1, 12, months, 12, mo, &smo) ||
      !field(f[4], 0, 7, dows, 7, dw, &sdw))
    return false;
  int nmi = 0, nho = 0, ndm = 0, nmo = 0, ndw = 0;
  for (int i = 0; i < 60; i++) nmi += mi[i];
  for (int i = 0; i < 24; i++) nho += ho[i];
  for (int i = 1; i < 32; i++) ndm += dm[i];
  for (int i = 1; i < 13; i++) nmo += mo[i];
  for (int i = 0; i < 7; i++) ndw += dw[i];
  /* days: cron ORs day-of-month and day-of-week when both are restricted */
  double days_per_week;
  if (!sdm && !sdw)
    days_per_week = ndw + ndm * 7.0 / 30.44;
  else if (!sdm)
    days_per_week = ndm * 7.0 / 30.44;
  else
    days_per_week = ndw;
  days_per_week *= nmo / 12.0;
  j->monthly = !sdm || !smo;
  j->runs_per_day = nmi * nho * days_per_week / 7.0;
  /* the week model: on the days of the week it may fire (all, for day-of-month schedules) */
  j->fires = xmalloc(sizeof *j->fires * (size_t)(7 * nho * nmi + 1));
  j->nfires = 0;
  for (int d = 0; d < 7; d++) {
    if (sdm && !dw[d]) continue;
    for (int h = 0; h < 24; h++)
      for (int m = 0; m < 60; m++)
        if (ho[h] && mi[m]) j->fires[j->nfires++] = d * 1440 + h * 60 + m;
  }
  return true;
}

static void push(inv_estate *es, sql_names *l, const char *s) {
  if (l->n == l->cap) {
    int nc = l->cap ? l->cap * 2 : 8;
    const char **nv = arena_alloc(&es->a, sizeof *nv * (size_t)nc);
    if (l->n) memcpy(nv, l->v, sizeof *nv * (size_t)l->n);
    l->v = nv;
    l->cap = nc;
  }
  l->v[l->n++] = s;
}

static bool is_var_line(const char *l) {
  const char *p = l;
  if (!isalpha((unsigned char)*p) && *p != '_') return false;
  while (isalnum((unsigned char)*p) || *p == '_') p++;
  while (*p == ' ' || *p == '\t') p++;
  return *p == '=';
}

/* Splits "SCHED [USER] COMMAND": the schedule (5 fields or a macro), the user, the command.
 * false when the line is not a job line. */
static bool job_line(inv_estate *es, const char *l, bool system, char **sched, char **user,
                     const char **cmd) {
  const char *p = l;
  int nf = l[0] == '@' ? 1 : 5;
  for (int k = 0; k < nf; k++) {
    while (*p == ' ' || *p == '\t') p++;
    if (!*p) return false;
    while (*p && *p != ' ' && *p != '\t') {
      if (nf == 5 && !isalnum((unsigned char)*p) && !strchr("*/,-", *p)) return false;
      p++;
    }
  }
  *sched = arena_strndup(&es->a, l, (size_t)(p - l));
  inv_job probe = {0};
  bool ok = inv_schedule(es, &probe, *sched);
  free(probe.fires);
  if (!ok) return false;
  while (*p == ' ' || *p == '\t') p++;
  *user = NULL;
  if (system) {
    const char *u = p;
    while (*p && *p != ' ' && *p != '\t') p++;
    *user = arena_strndup(&es->a, u, (size_t)(p - u));
    while (*p == ' ' || *p == '\t') p++;
  }
  *cmd = p;
  return *p != 0;
}

int inv_cron_file(inv_estate *es, const char *path, bool system) {
  size_t n;
  char *t = inv_read_file(es, path, &n);
  if (!t) {
    inv_diag(es, "%s: cannot read the crontab", path);
    return -1;
  }
  sql_names env_n = {0}, env_v = {0};
  int line = 0;
  for (char *p = t; *p;) {
    line++;
    int first = line;
    sl_buf l = {0};
    for (;;) { /* a line, joined with the next while it ends with a backslash */
      char *e = strchr(p, '\n');
      size_t len = e ? (size_t)(e - p) : strlen(p);
      if (len && p[len - 1] == '\r') len--;
      bool cont = len && p[len - 1] == '\\';
      buf_put(&l, p, cont ? len - 1 : len);
      p = e ? e + 1 : p + strlen(p);
      if (!cont || !*p) break;
      line++;
    }
    const char *s = buf_cstr(&l);
    while (*s == ' ' || *s == '\t') s++;
    const char *origin = arena_printf(&es->a, "%s:%d", path, first);
    char *sched, *user;
    const char *cmd;
    if (*s == '#') {
      const char *c = s + 1;
      while (*c == ' ' || *c == '\t' || *c == '#') c++;
      if (job_line(es, c, system, &sched, &user, &cmd)) {
        if (es->ndisabled == es->capdisabled) {
          es->capdisabled = es->capdisabled ? es->capdisabled * 2 : 8;
          es->disabled = xrealloc(es->disabled, sizeof *es->disabled * (size_t)es->capdisabled);
        }
        es->disabled[es->ndisabled++] = (inv_disabled){origin, arena_strdup(&es->a, c)};
      }
    } else if (*s && is_var_line(s) && !job_line(es, s, system, &sched, &user, &cmd)) {
      const char *eq = strchr(s, '=');
      const char *ne = eq;
      while (ne > s && (ne[-1] == ' ' || ne[-1] == '\t')) ne--;
      const char *v = eq + 1;
      while (*v == ' ' || *v == '\t') v++;
      size_t vl = strlen(v);
      if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) v++, vl -= 2;
      push(es, &env_n, arena_strndup(&es->a, s, (size_t)(ne - s))); /* the last one counts */
      push(es, &env_v, arena_strndup(&es->a, v, vl));
    } else if (*s && job_line(es, s, system, &sched, &user, &cmd)) {
      /* % ends the command; the rest is its standard input, % as newlines (\% is a %) */
      sl_buf c = {0}, in = {0};
      bool input = false;
      for (const char *q = cmd; *q; q++) {
        if (*q == '\\' && q[1] == '%') {
          buf_putc(input ? &in : &c, '%');
          q++;
        } else if (*q == '%') {
          if (input) buf_putc(&in, '\n');
          input = true;
        } else {
          buf_putc(input ? &in : &c, *q);
        }
      }
      const char *command = arena_strdup(&es->a, c.len ? buf_cstr(&c) : "");
      const char *bn = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
      /* named after its first script, else after its crontab and line */
      inv_job *j = inv_job_new(es, arena_printf(&es->a, "%s-%d", bn, first), origin);
      inv_schedule(es, j, sched);
      j->user = user;
      if (!system && strstr(path, "/crontabs/")) j->user = bn; /* /var/spool/cron/crontabs/USER */
      j->command = command;
      inv_shell_command(es, j, command, input ? buf_cstr(&in) : NULL, &env_n, &env_v, origin);
      if (j->scripts.n) { /* named after its first script */
        j->id = "";
        inv_job *named = inv_job_new(es, j->scripts.v[0], origin);
        j->id = named->id;
        es->njobs--;
      }
      buf_free(&c);
      buf_free(&in);
    }
    buf_free(&l);
  }
  return 0;
}
