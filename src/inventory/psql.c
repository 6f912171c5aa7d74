/* psql.c - SQL as psql reads it, for the inventory: splits a script into statements (quotes,
 * dollar quotes, comments and parentheses respected), substitutes :var, :'var' and :"var",
 * takes the meta-commands that matter to lineage (\set, \i, \ir, \include, \copy; the others
 * are skipped), and adds each statement's lineage (sql_pg_lineage) to the job, applying the
 * session's search_path and leaving out its temporary tables. Must not touch: job graph,
 * schedules, scoring (graph.c, cron.c, score.c). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "inv_int.h"

struct inv_psql {
  inv_estate *es;
  inv_job *job;
  sql_names vars, vals; /* psql variables */
  sql_names temps;      /* temporary tables of the session */
  sql_names path;       /* search_path (empty: the default, public) */
  sql_names cleared;    /* tables emptied by TRUNCATE or DELETE without WHERE */
  int depth;            /* \i nesting */
};

inv_psql *inv_psql_begin(inv_estate *es, inv_job *job) {
  inv_psql *s = arena_zalloc(&es->a, sizeof *s);
  s->es = es;
  s->job = job;
  return s;
}

void inv_psql_var(inv_psql *s, const char *name, const char *value) {
  for (int i = s->vars.n - 1; i >= 0; i--)
    if (!strcmp(s->vars.v[i], name)) {
      s->vals.v[i] = arena_strdup(&s->es->a, value);
      return;
    }
  sql_names_add(&s->es->a, &s->vars, arena_strdup(&s->es->a, name));
  s->vals.n = s->vars.n - 1; /* values are parallel to names (not deduplicated) */
  if (s->vals.n == s->vals.cap) {
    int nc = s->vals.cap ? s->vals.cap * 2 : 8;
    const char **nv = arena_alloc(&s->es->a, sizeof *nv * (size_t)nc);
    if (s->vals.n) memcpy(nv, s->vals.v, sizeof *nv * (size_t)s->vals.n);
    s->vals.v = nv;
    s->vals.cap = nc;
  }
  s->vals.v[s->vals.n++] = arena_strdup(&s->es->a, value);
}

static const char *var_of(inv_psql *s, const char *name, size_t n) {
  for (int i = 0; i < s->vars.n; i++)
    if (strlen(s->vars.v[i]) == n && !memcmp(s->vars.v[i], name, n)) return s->vals.v[i];
  return NULL;
}

/* The name as the session sees it: public.x is x, pg_temp.x and the session's temporaries
 * are NULL (not lineage), an unqualified name takes the first schema of search_path. */
static const char *resolve(inv_psql *s, const char *n) {
  if (!strncmp(n, "pg_temp.", 8)) return NULL;
  if (!strncmp(n, "public.", 7)) return n + 7; /* the default schema is left out */
  if (sql_names_has(&s->temps, n)) return NULL;
  if (!strchr(n, '.')) {
    for (int i = 0; i < s->path.n; i++) {
      const char *sc = s->path.v[i];
      if (!strcmp(sc, "$user") || !strcmp(sc, "pg_catalog") || !strcmp(sc, "pg_temp")) continue;
      if (!strcmp(sc, "public")) break;
      return arena_printf(&s->es->a, "%s.%s", sc, n);
    }
  }
  return n;
}

static void add_all(inv_psql *s, sql_names *to, const sql_names *from) {
  for (int i = 0; i < from->n; i++) {
    const char *r = resolve(s, from->v[i]);
    if (r) sql_names_add(&s->es->a, to, r);
  }
}

static int line_at(const char *text, size_t off) {
  int l = 0;
  for (size_t i = 0; i < off; i++) l += text[i] == '\n';
  return l;
}

/* One statement text (variables substituted): its lineage into the job. */
static void statement(inv_psql *s, const char *text, size_t len, const char *file, int line) {
  inv_estate *es = s->es;
  inv_job *j = s->job;
  sl_source src = {file, arena_strndup(&es->a, text, len), len};
  sql_pg_stmt st;
  sl_error e = {0};
  if (sql_pg_lineage(&src, 0, len, &es->a, &st, &e) != SL_OK) {
    j->nunparsed++;
    inv_diag(es, "%s:%d: cannot parse: %s", file,
             line + (e.has_pos || e.src ? line_at(src.text, e.off) : 0), e.msg);
    return;
  }
  if (!strcmp(st.kind, "empty")) return;
  j->nstmts++;
  for (int i = 0; i < st.temps.n; i++) {
    const char *t = st.temps.v[i];
    if (!strncmp(t, "pg_temp.", 8)) t += 8;
    sql_names_add(&es->a, &s->temps, t);
  }
  if (st.sets_search_path) s->path = st.search_path;
  if (st.view) {
    const char *v = resolve(s, st.view);
    sql_names reads = {0};
    add_all(s, &reads, &st.reads);
    if (v) inv_add_view(es, v, &reads, st.matview);
    if (!st.matview) return; /* a plain view is a definition, not lineage of the job */
  }
  if (st.trigger_on) {
    const char *t = resolve(s, st.trigger_on);
    if (t && st.calls.n) inv_add_trigger(es, t, resolve(s, st.calls.v[0]));
    return;
  }
  if (st.function) {
    sql_names r = {0}, w = {0};
    add_all(s, &r, &st.reads);
    add_all(s, &w, &st.writes);
    inv_add_func(es, resolve(s, st.function), &r, &w);
    return;
  }
  add_all(s, &j->reads, &st.reads);
  add_all(s, &j->writes, &st.writes);
  add_all(s, &j->calls, &st.calls);
  for (int i = 0; i < st.files_in.n; i++) sql_names_add(&es->a, &j->files_in, st.files_in.v[i]);
  for (int i = 0; i < st.files_out.n; i++) sql_names_add(&es->a, &j->files_out, st.files_out.v[i]);
  j->flags |= st.flags;
  j->joins += st.joins;
  j->groups += st.groups;
  if (st.joins > j->max_joins) j->max_joins = st.joins;
  if (st.groups > j->max_groups) j->max_groups = st.groups;
  /* a new table of everything (not a temporary one): a recompute of the whole table */
  if ((!strcmp(st.kind, "create table as") || !strcmp(st.kind, "select into")) && st.writes.n)
    j->full_recompute = true;
  if (st.refresh || st.matview) j->full_recompute = true;
  if (st.refresh) j->flags |= SQL_PG_INSERT;
  /* TRUNCATE t / DELETE FROM t then an INSERT into t: the whole table is recomputed */
  if ((st.flags & (SQL_PG_TRUNCATE | SQL_PG_DELETE_ALL)) && st.writes.n)
    for (int i = 0; i < st.writes.n; i++) {
      const char *r = resolve(s, st.writes.v[i]);
      if (r) sql_names_add(&es->a, &s->cleared, r);
    }
  if ((st.flags & SQL_PG_INSERT) && !st.refresh)
    for (int i = 0; i < st.writes.n; i++) {
      const char *r = resolve(s, st.writes.v[i]);
      if (r && sql_names_has(&s->cleared, r)) j->full_recompute = true;
    }
}

/* Substitutes :name, :'name' and :"name" outside quotes and comments (psql's rule; :: casts
 * and unknown names stay as written). */
static char *subst(inv_psql *s, const char *t, size_t n, size_t *out_len) {
  sl_buf b = {0};
  for (size_t i = 0; i < n;) {
    char c = t[i];
    if (c == '\'' || c == '"') {
      bool esc = c == '\'' && i > 0 && (t[i - 1] == 'E' || t[i - 1] == 'e');
      size_t j = i + 1;
      while (j < n && t[j] != c) j += esc && t[j] == '\\' ? 2 : 1;
      if (j > n) j = n;
      buf_put(&b, t + i, j + 1 - i > n - i ? n - i : j + 1 - i);
      i = j + 1;
      continue;
    }
    if (c == '-' && i + 1 < n && t[i + 1] == '-') {
      size_t j = i;
      while (j < n && t[j] != '\n') j++;
      buf_put(&b, t + i, j - i);
      i = j;
      continue;
    }
    if (c == ':' && i + 1 < n && t[i + 1] != ':' && (i == 0 || t[i - 1] != ':')) {
      size_t j = i + 1;
      char q = 0;
      if (t[j] == '\'' || t[j] == '"') q = t[j++];
      size_t ns = j;
      while (j < n && (isalnum((unsigned char)t[j]) || t[j] == '_')) j++;
      const char *v = j > ns ? var_of(s, t + ns, j - ns) : NULL;
      if (v && (!q || (j < n && t[j] == q))) {
        if (q == '\'') {
          buf_putc(&b, '\'');
          for (const char *p = v; *p; p++) {
            if (*p == '\'') buf_putc(&b, '\'');
            buf_putc(&b, *p);
          }
          buf_putc(&b, '\'');
        } else if (q == '"') {
          buf_printf(&b, "\"%s\"", v);
        } else {
          buf_puts(&b, v);
        }
        i = j + (q ? 1 : 0);
        continue;
      }
    }
    buf_putc(&b, c);
    i++;
  }
  *out_len = b.len;
  char *r = arena_strndup(&s->es->a, b.len ? buf_cstr(&b) : "", b.len);
  buf_free(&b);
  return r;
}

static char *meta_arg(inv_psql *s, const char **p, const char *end) {
  while (*p < end && (**p == ' ' || **p == '\t')) (*p)++;
  if (*p >= end) return NULL;
  const char *st = *p;
  if (**p == '\'' || **p == '"') {
    char q = *(*p)++;
    st = *p;
    while (*p < end && **p != q) (*p)++;
    char *r = arena_strndup(&s->es->a, st, (size_t)(*p - st));
    if (*p < end) (*p)++;
    return r;
  }
  while (*p < end && **p != ' ' && **p != '\t') (*p)++;
  if (**(const char **)p == ':' || *st == ':') { /* \set x :y */
    const char *v = var_of(s, st + 1, (size_t)(*p - st - 1));
    if (v) return arena_strdup(&s->es->a, v);
  }
  return arena_strndup(&s->es->a, st, (size_t)(*p - st));
}

static void meta(inv_psql *s, const char *l, const char *end, const char *file, int line,
                 const char *cwd) {
  const char *p = l + 1;
  const char *cs = p;
  while (p < end && isalpha((unsigned char)*p)) p++;
  size_t cn = (size_t)(p - cs);
#define IS(w) (cn == strlen(w) && !memcmp(cs, w, cn))
  if (IS("set")) {
    char *name = meta_arg(s, &p, end);
    if (!name) return;
    sl_buf v = {0};
    for (char *a; (a = meta_arg(s, &p, end));) buf_puts(&v, a);
    inv_psql_var(s, name, v.len ? buf_cstr(&v) : "");
    buf_free(&v);
  } else if (IS("i") || IS("include") || IS("ir") || IS("include_relative")) {
    char *f = meta_arg(s, &p, end);
    if (!f) return;
    const char *dir = cwd;
    if (IS("ir") || IS("include_relative")) {
      const char *sl = strrchr(file, '/');
      dir = sl ? arena_strndup(&s->es->a, file, (size_t)(sl - file)) : cwd;
    }
    inv_psql_file(s, f, dir, file, line);
  } else if (IS("copy")) {
    size_t n;
    char *t = subst(s, p, (size_t)(end - p), &n);
    char *stmt = arena_printf(&s->es->a, "COPY %.*s", (int)n, t);
    statement(s, stmt, strlen(stmt), file, line);
  } else if (IS("o") || IS("out")) {
    char *f = meta_arg(s, &p, end);
    if (f) sql_names_add(&s->es->a, &s->job->files_out, f);
  } else if (IS("g") || IS("gx")) {
    /* executes the query buffer: handled by the caller's split */
  }
#undef IS
}

void inv_psql_text(inv_psql *s, const char *t, size_t n, const char *file, int line,
                   const char *cwd) {
  size_t st = 0; /* start of the current statement */
  int st_line = line, cur = line;
  bool blank = true; /* nothing but white space since st */
  for (size_t i = 0; i <= n; i++) {
    char c = i < n ? t[i] : ';';
    if (i < n && c == '\\' && blank) { /* a meta-command on its own line */
      size_t e = i;
      while (e < n && t[e] != '\n') e++;
      meta(s, t + i, t + e, file, cur, cwd);
      i = e - 1;
      st = e;
      continue;
    }
    if (i < n && (c == ' ' || c == '\t' || c == '\r' || c == '\n')) {
      if (c == '\n') {
        cur++;
        if (blank) st_line = cur;
      }
      continue;
    }
    if (i < n && c == '-' && i + 1 < n && t[i + 1] == '-') {
      while (i < n && t[i] != '\n') i++;
      i--;
      continue;
    }
    if (i < n && c == '/' && i + 1 < n && t[i + 1] == '*') {
      size_t j = i + 2;
      while (j + 1 < n && !(t[j] == '*' && t[j + 1] == '/')) cur += t[j++] == '\n';
      i = j + 1;
      continue;
    }
    if (blank) {
      st = i;
      st_line = cur;
      blank = false;
    }
    if (c == '\'' || c == '"') {
      /* E'...' strings escape with backslashes */
      bool esc = c == '\'' && i > 0 && (t[i - 1] == 'E' || t[i - 1] == 'e') &&
                 (i < 2 || !(isalnum((unsigned char)t[i - 2]) || t[i - 2] == '_'));
      size_t j = i + 1;
      while (j < n && t[j] != c) {
        if (esc && t[j] == '\\' && j + 1 < n) j++;
        cur += t[j++] == '\n';
      }
      i = j < n ? j : n - 1; /* unterminated: the parser says so */
    } else if (c == '$') {   /* $tag$ ... $tag$ */
      size_t j = i + 1;
      while (j < n && (isalnum((unsigned char)t[j]) || t[j] == '_')) j++;
      if (j < n && t[j] == '$' && !(j > i + 1 && isdigit((unsigned char)t[i + 1]))) {
        size_t tl = j + 1 - i;
        size_t k = j + 1;
        while (k + tl <= n && memcmp(t + k, t + i, tl)) cur += t[k++] == '\n';
        i = k + tl <= n ? k + tl - 1 : n - 1;
      }
    } else if (c == '\\' && i + 1 < n && (t[i + 1] == 'g' || t[i + 1] == ';')) {
      c = ';'; /* \g ends a statement like ; does */
    }
    if (c == ';') { /* psql waits for ')' first; a broken statement must not eat the rest */
      size_t len;
      char *sub = subst(s, t + st, (i < n ? i : n) - st, &len);
      statement(s, sub, len, file, st_line);
      blank = true;
      if (i < n && t[i] == '\\') { /* skip the rest of \g */
        while (i < n && t[i] != '\n') i++;
        cur += i < n;
      }
    }
  }
}

static char *join_path(inv_estate *es, const char *dir, const char *f) {
  if (f[0] == '/' || !dir || !*dir) return arena_strdup(&es->a, f);
  return arena_printf(&es->a, "%s/%s", dir, f);
}

void inv_psql_file(inv_psql *s, const char *path, const char *cwd, const char *from, int line) {
  inv_estate *es = s->es;
  char *p = join_path(es, cwd, path);
  size_t n;
  char *t = inv_read_file(es, p, &n);
  if (!t) {
    inv_diag(es, "%s:%d: cannot read SQL file %s", from, line, p);
    sql_names_add(&es->a, &s->job->opaque, arena_printf(&es->a, "missing SQL file %s", p));
    return;
  }
  if (++s->depth > 16) {
    inv_diag(es, "%s:%d: \\i nested too deep", from, line);
    s->depth--;
    return;
  }
  sql_names_add(&es->a, &s->job->scripts, p);
  inv_psql_text(s, t, n, p, 1, cwd); /* \i is relative to psql's directory, \ir to the file */
  s->depth--;
}
