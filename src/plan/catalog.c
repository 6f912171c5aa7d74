/* catalog.c - the catalog side of the binder and the compile entry point: CREATE TABLE (options
 * checked against the connector and format tables, ${VAR} substitution, --set overrides,
 * computed columns, WATERMARK, PRIMARY KEY), the processing-time attribute (a PROCTIME() column,
 * followed through projections), the shared located-failure helpers, and plan_compile walking
 * the statements (SET keys are in catalog_set.c). Must not bind queries (bind_query.c) or
 * expressions beyond calling plan_bind_expr, and must not build operators (physical.c). */
#include <ctype.h>
#include <limits.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plan_int.h"

_Noreturn void plan_fail(binder *b, uint32_t off, const char *fmt, ...) {
  va_list ap;
  char msg[700];
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  err_at(b->e, SL_ESQL, &b->p->src, off, "%s", msg);
  longjmp(b->jb, 1);
}

_Noreturn void plan_fail_hint(binder *b, uint32_t off, const char *hint, const char *msg) {
  err_at(b->e, SL_ESQL, &b->p->src, off, "%s", msg);
  if (hint) err_hint(b->e, "%s", hint);
  longjmp(b->jb, 1);
}

_Noreturn void plan_fail_unknown(binder *b, uint32_t off, const char *what, const char *value,
                                 const char *const *names, int n, const char *list) {
  char msg[300];
  sl_buf hint = {0};
  snprintf(msg, sizeof msg, "unknown %s '%s'", what, value);
  const char *best = str_closest(value, names, n);
  if (best) buf_printf(&hint, "did you mean '%s'?", best);
  if (list) {
    buf_printf(&hint, "%svalid %s: ", best ? " " : "", list);
    for (int i = 0; i < n; i++) buf_printf(&hint, "%s%s", i ? ", " : "", names[i]);
  }
  err_at(b->e, SL_ESQL, &b->p->src, off, "%s", msg);
  if (hint.len) err_hint(b->e, "%s", buf_cstr(&hint));
  buf_free(&hint);
  longjmp(b->jb, 1);
}

sl_expr *plan_col(sl_arena *a, int col, sl_type t, uint32_t off) {
  sl_expr *x = expr_new(a, E_COL, t, off);
  x->col = col;
  return x;
}

sl_expr *plan_and(sl_arena *a, sl_expr *x, sl_expr *y) {
  if (!x) return y;
  if (!y) return x;
  sl_expr *r = expr_new(a, E_AND, type_make(T_BOOLEAN), x->off);
  r->nargs = 2;
  r->args = arena_alloc(a, sizeof(sl_expr *) * 2);
  r->args[0] = x;
  r->args[1] = y;
  return r;
}

plan_node *plan_new_node(sl_arena *a, int kind, int nin, int ncols) {
  plan_node *n = arena_zalloc(a, sizeof *n);
  n->kind = kind;
  n->nin = nin;
  n->in = nin ? arena_zalloc(a, sizeof(plan_node *) * (size_t)nin) : NULL;
  n->ncols = ncols;
  n->names = arena_zalloc(a, sizeof(char *) * (size_t)(ncols ? ncols : 1));
  n->types = arena_zalloc(a, sizeof(sl_type) * (size_t)(ncols ? ncols : 1));
  return n;
}

cat_table *plan_find_table(sl_pipeline *p, const char *name) {
  for (int i = 0; i < p->ntables; i++)
    if (str_ieq(p->tables[i]->name, name)) return p->tables[i];
  return NULL;
}

_Noreturn void plan_fail_unknown_table(binder *b, uint32_t off, const char *name, cte_env *env) {
  const char *names[256];
  int n = 0;
  for (int i = 0; i < b->p->ntables && n < 256; i++) names[n++] = b->p->tables[i]->name;
  for (cte_env *c = env; c && n < 256; c = c->next) names[n++] = c->cte->name;
  plan_fail_unknown(b, off, "table", name, names, n, NULL);
}

/* ---- environment substitution ---- */

/* Shell semantics for the two supported forms: ${VAR} (unset is an error) and ${VAR:-default}
 * (the default, itself substituted, when VAR is unset or empty). Every other shell form is a
 * located "not supported". */
typedef struct envsub {
  const sl_source *src;
  uint32_t base; /* offset of the value's first character in the pipeline text */
  const char *in;
  sl_error *e;
} envsub;

#define ENV_MAX_NESTING 16

static const char *env_fail(envsub *s, const char *at, const char *hint, const char *fmt,
                            const char *arg, int argn) {
  err_at(s->e, SL_ESQL, s->src, s->base + (uint32_t)(at - s->in), fmt, argn, arg);
  if (hint) err_hint(s->e, "%s", hint);
  return NULL;
}

/* Appends the substitution of p to out (when live) up to the end, or, in a default word, up to
 * its closing '}', which it returns. live false: only checks the syntax (a default not used). */
static const char *env_run(envsub *s, const char *p, int depth, bool live, sl_buf *out) {
  while (*p) {
    if (depth && *p == '}') return p;
    if (*p != '$') {
      if (live) buf_put(out, p, 1);
      p++;
      continue;
    }
    const char *d = p;
    if (p[1] != '{') {
      if (isalpha((unsigned char)p[1]) || p[1] == '_') {
        size_t n = 1;
        while (isalnum((unsigned char)p[n]) || p[n] == '_') n++;
        return env_fail(s, d, "write ${VAR} or ${VAR:-default}",
                        "'%.*s' is not supported: variables are written ${NAME}", p, (int)n);
      }
      if (live) buf_put(out, p, 1);
      p++;
      continue;
    }
    const char *q = p + 2, *name = q;
    if (*q == '#')
      return env_fail(s, d, "only ${VAR} and ${VAR:-default} are supported",
                      "'%.*s' (the length of a variable) is not supported", d, 3);
    while (isalnum((unsigned char)*q) || *q == '_') q++;
    size_t nl = (size_t)(q - name);
    if (!strchr(q, '}')) return env_fail(s, d, NULL, "'%.*s' without a closing '}'", d, 2);
    if (nl == 0 || nl >= 256 || isdigit((unsigned char)*name))
      return env_fail(s, d, "a variable name is letters, digits and '_'",
                      "bad variable reference '%.*s'", d, (int)(strchr(q, '}') - d + 1));
    char var[256];
    memcpy(var, name, nl);
    var[nl] = 0;
    const char *v = getenv(var);
    if (*q == '}') {
      if (live && !v) {
        err_at(s->e, SL_ESQL, s->src, s->base + (uint32_t)(d - s->in),
               "environment variable '%s' is not set", var);
        err_hint(s->e, "set it, or give a default: ${%s:-value}", var);
        return NULL;
      }
      if (live) buf_puts(out, v);
      p = q + 1;
      continue;
    }
    if (q[0] == ':' && q[1] == '-') {
      if (depth + 1 > ENV_MAX_NESTING) {
        err_at(s->e, SL_ESQL, s->src, s->base + (uint32_t)(d - s->in),
               "defaults nest more than %d levels deep", ENV_MAX_NESTING);
        return NULL;
      }
      bool use_default = !v || !*v;
      if (live && !use_default) buf_puts(out, v);
      const char *end = env_run(s, q + 2, depth + 1, live && use_default, out);
      if (!end) return NULL;
      if (*end != '}') return env_fail(s, d, NULL, "'%.*s' without a closing '}'", d, 2);
      p = end + 1;
      continue;
    }
    size_t ol = 1; /* the operator: ':=', ':?', '-', '%%', '/' ... */
    if ((q[0] == ':' && q[1] && strchr("-=?+", q[1])) || (q[1] == q[0] && strchr("%#/", q[0])))
      ol = 2;
    return env_fail(s, d,
                    "only ${VAR} and ${VAR:-default} (default when unset or empty) are supported",
                    "'%.*s...}' is not supported", d, (int)(q - d + ol));
  }
  return p; /* in a default word, the caller reports the missing '}' */
}

sl_status plan_substitute_env(const sl_source *src, uint32_t val_off, const char *in, sl_arena *a,
                              const char **out, sl_error *e) {
  if (!strchr(in, '$')) {
    *out = in;
    return SL_OK;
  }
  envsub s = {src, val_off + 1, in, e};
  sl_buf b = {0};
  const char *end = env_run(&s, in, 0, true, &b);
  if (end) *out = arena_strdup(a, buf_cstr(&b));
  buf_free(&b);
  return end ? SL_OK : SL_ESQL;
}

/* ---- statements ---- */

/* A '#' in a declared key matches one non-empty segment without a dot ('fields.#.kind' takes
 * 'fields.price.kind'), as Flink's per-field option keys need. */
static bool opt_key_match(const char *decl, const char *key) {
  for (; *decl; decl++) {
    if (*decl == '*') return *key != 0; /* 'properties.*': any non-empty rest */
    if (*decl == '#') {
      const char *k0 = key;
      while (*key && *key != '.') key++;
      if (key == k0) return false;
      continue;
    }
    if (*decl != *key) return false;
    key++;
  }
  return !*key;
}

static const opt_def *opt_find(const opt_def *d, const char *key) {
  for (; d && d->key; d++)
    if (opt_key_match(d->key, key)) return d;
  return NULL;
}

static void apply_set_overrides(binder *b, const sql_stmt *s, sql_option **opts, int *nopts) {
  for (int i = 0; i < b->o->nsets; i++) {
    const char *kv = b->o->sets[i];
    const char *dot = strchr(kv, '.'), *eq = strchr(kv, '=');
    if (!dot || !eq || dot > eq) continue;
    if (!str_nieq(kv, (size_t)(dot - kv), s->name)) continue;
    b->set_used[i] = true;
    const char *key = arena_strndup(b->a, dot + 1, (size_t)(eq - dot - 1));
    const char *val = arena_strdup(b->a, eq + 1);
    int j;
    for (j = 0; j < *nopts; j++)
      if (!strcmp((*opts)[j].key, key)) break;
    if (j == *nopts) {
      sql_option *no = arena_zalloc(b->a, sizeof *no * (size_t)(*nopts + 1));
      if (*nopts) memcpy(no, *opts, sizeof *no * (size_t)*nopts);
      *opts = no;
      (*nopts)++;
      no[j].key = key;
      no[j].key_off = s->name_off;
    }
    (*opts)[j].value = val;
    (*opts)[j].val_off = s->name_off;
  }
}

/* Every option key must belong to the connector, its format or the source options. Before the
 * format is known (t->fmt NULL), a key of any format passes. */
static void check_option_keys(binder *b, const cat_table *t, const sql_option *opts, int nopts) {
  int nf;
  const fmt_def *const *fmts = fmt_table(&nf);
  for (int i = 0; i < nopts; i++) {
    const char *k = opts[i].key;
    const opt_def *d = opt_find(t->conn->opts, k);
    if (!d && t->fmt) d = opt_find(t->fmt->opts, k);
    for (int f = 0; !d && !t->fmt && t->conn->needs_format && f < nf; f++)
      d = opt_find(fmts[f]->opts, k);
    if (!d && t->conn->has_source) d = opt_find(conn_source_opts, k);
    if (!d && t->conn->lookup_new) d = opt_find(conn_lookup_opts, k);
    if (d) continue;
    const char *names[64];
    int n = 0;
    const opt_def *tabs[3] = {t->conn->opts, t->fmt ? t->fmt->opts : NULL,
                              t->conn->has_source ? conn_source_opts : NULL};
    for (int ti = 0; ti < 3; ti++)
      for (const opt_def *od = tabs[ti]; od && od->key && n < 64; od++) names[n++] = od->key;
    char list[160];
    snprintf(list, sizeof list, "options of connector '%s'%s%s%s", t->conn->name,
             t->fmt ? " with format '" : "", t->fmt ? t->fmt->name : "", t->fmt ? "'" : "");
    plan_fail_unknown(b, opts[i].key_off, "option", k, names, n, list);
  }
}

static void bind_create_table(binder *b, const sql_stmt *s) {
  sl_pipeline *p = b->p;
  if (plan_find_table(p, s->name)) {
    if (s->if_not_exists) return;
    plan_fail(b, s->name_off, "table '%s' already exists", s->name);
  }
  cat_table *t = arena_zalloc(b->a, sizeof *t);
  t->name = s->name;
  t->off = s->name_off;
  t->wm_col = -1;
  /* options: copy, substitute ${VAR}, apply --set overrides */
  int nopts = s->nopts;
  sql_option *opts = arena_zalloc(b->a, sizeof *opts * (size_t)(nopts ? nopts : 1));
  for (int i = 0; i < nopts; i++) {
    opts[i] = s->opts[i];
    if (plan_substitute_env(&p->src, opts[i].val_off, opts[i].value, b->a, &opts[i].value, b->e))
      longjmp(b->jb, 1);
  }
  apply_set_overrides(b, s, &opts, &nopts);
  t->opts = opts;
  t->nopts = nopts;
  opt_kv *kv = arena_zalloc(b->a, sizeof *kv * (size_t)(nopts ? nopts : 1));
  for (int i = 0; i < nopts; i++) kv[i] = (opt_kv){opts[i].key, opts[i].value};
  t->ol = (opt_list){kv, nopts};
  opt_list ol = t->ol;
  const char *cname = opt_get(&ol, NULL, "connector");
  int nconn;
  const conn_def *const *conns = conn_table(&nconn);
  if (!cname) {
    static const char *const ckey[] = {"connector"};
    for (int i = 0; i < nopts; i++) /* a mistyped 'connector' is the error to show */
      if (str_closest(opts[i].key, ckey, 1))
        plan_fail_unknown(b, opts[i].key_off, "option", opts[i].key, ckey, 1, NULL);
    plan_fail_hint(b, s->name_off, "add WITH ('connector' = 'filesystem', ...)",
                   "table has no 'connector' option");
  }
  t->conn = conn_lookup(cname);
  if (!t->conn) {
    const char *names[16];
    for (int i = 0; i < nconn && i < 16; i++) names[i] = conns[i]->name;
    uint32_t off = s->name_off;
    for (int i = 0; i < nopts; i++)
      if (!strcmp(opts[i].key, "connector")) off = opts[i].val_off;
    plan_fail_unknown(b, off, "connector", cname, names, nconn < 16 ? nconn : 16, "connectors");
  }
  const char *fname = t->conn->needs_format ? opt_get(&ol, NULL, "format") : NULL;
  if (!fname && t->conn->needs_format) fname = opt_get(&ol, NULL, "value.format"); /* Kafka */
  if (fname) {
    t->fmt = fmt_lookup(fname);
    if (!t->fmt) {
      uint32_t off = s->name_off;
      for (int i = 0; i < nopts; i++)
        if (!strcmp(opts[i].key, "format") || !strcmp(opts[i].key, "value.format"))
          off = opts[i].val_off;
      int nf;
      const fmt_def *const *fmts = fmt_table(&nf);
      const char *names[16];
      for (int i = 0; i < nf && i < 16; i++) names[i] = fmts[i]->name;
      plan_fail_unknown(b, off, "format", fname, names, nf < 16 ? nf : 16, "formats");
    }
  }
  /* unknown keys before missing ones: a mistyped key is often why a required one is missing */
  check_option_keys(b, t, opts, nopts);
  if (t->conn->needs_format && !fname)
    plan_fail_hint(b, s->name_off, "add 'format' = 'json' or 'format' = 'csv'",
                   "connector needs a 'format' option");
  for (int i = 0; i < nopts; i++) {
    const char *k = opts[i].key;
    const opt_def *d = opt_find(t->conn->opts, k);
    if (!d && t->fmt) d = opt_find(t->fmt->opts, k);
    if (!d && t->conn->has_source) d = opt_find(conn_source_opts, k);
    if (!d && t->conn->lookup_new) d = opt_find(conn_lookup_opts, k);
    opt_def concrete; /* messages name the key as written, not 'fields.#.kind' */
    if (d && strchr(d->key, '#')) {
      concrete = *d;
      concrete.key = k;
      d = &concrete;
    }
    const char *m = opt_check_value(d, opts[i].value, b->a);
    if (m) plan_fail(b, opts[i].val_off, "%s", m);
  }
  for (const opt_def *d = t->conn->opts; d->key; d++)
    if (d->required && !opt_get(&ol, NULL, d->key))
      plan_fail(b, s->name_off, "connector '%s' needs the option '%s' (%s)", t->conn->name, d->key,
                d->doc);
  /* columns */
  t->inferred = !s->has_columns;
  if (s->has_columns && s->ncols == 0)
    plan_fail(b, s->name_off, "a table needs at least one column");
  if (t->inferred && t->conn->has_source && !t->conn->has_sink)
    plan_fail(b, s->name_off, "a source table needs its columns declared");
  int ncols;
  uint8_t *nest;
  const sql_column_def *cols = plan_row_flatten(b, s, &ncols, &nest);
  t->ncols = ncols;
  t->cols = arena_zalloc(b->a, sizeof(cat_column) * (size_t)(ncols ? ncols : 1));
  int nphys = 0;
  for (int i = 0; i < ncols; i++)
    if (!cols[i].computed) nphys++;
  t->nphys = nphys;
  t->phys_names = arena_zalloc(b->a, sizeof(char *) * (size_t)(nphys ? nphys : 1));
  t->phys_types = arena_zalloc(b->a, sizeof(sl_type) * (size_t)(nphys ? nphys : 1));
  t->phys_nest = arena_zalloc(b->a, (size_t)(nphys ? nphys : 1));
  scope phys = {arena_zalloc(b->a, sizeof(scope_col) * (size_t)(nphys ? nphys : 1)), 0};
  for (int i = 0; i < ncols; i++) {
    const sql_column_def *cd = &cols[i];
    cat_column *c = &t->cols[i];
    c->name = cd->name;
    c->off = cd->off;
    c->not_null = cd->not_null;
    c->phys = -1;
    c->nest = nest[i];
    const char *mkey = NULL;
    if (cd->metadata) {
      if (!t->conn->metadata)
        plan_fail(b, cd->off, "connector '%s' has no metadata columns", t->conn->name);
      mkey = cd->meta_key ? cd->meta_key : cd->name;
      const conn_meta *m = t->conn->metadata;
      while (m->key && strcmp(m->key, mkey)) m++;
      if (!m->key) {
        sl_buf keys = {0};
        for (const conn_meta *k = t->conn->metadata; k->key; k++)
          buf_printf(&keys, "%s'%s'", k == t->conn->metadata ? "" : ", ", k->key);
        plan_fail(b, cd->off, "connector '%s' has no metadata key '%s'; it has %s", t->conn->name,
                  mkey, arena_strdup(b->a, buf_cstr(&keys)));
      }
      /* as Flink, a TIMESTAMP column takes a TIMESTAMP_LTZ key in the session time zone */
      bool ltz_ok = m->type == T_TIMESTAMP_LTZ && cd->type.id == T_TIMESTAMP;
      if (cd->type.id != m->type && !ltz_ok) {
        char want[48];
        type_name(type_make(m->type), want, sizeof want);
        plan_fail(b, cd->off, "metadata '%s' of connector '%s' is %s", mkey, t->conn->name,
                  arena_strdup(b->a, want));
      }
      if (!t->phys_meta)
        t->phys_meta = arena_zalloc(b->a, sizeof(char *) * (size_t)(nphys ? nphys : 1));
    }
    if (!cd->computed) {
      if (mkey) t->phys_meta[phys.n] = mkey;
      c->type = cd->type;
      c->phys = phys.n;
      t->phys_names[phys.n] = cd->name;
      t->phys_types[phys.n] = cd->type;
      t->phys_nest[phys.n] = nest[i];
      phys.cols[phys.n].nest = nest[i];
      phys.cols[phys.n].name = cd->name;
      phys.cols[phys.n].qual = s->name;
      phys.cols[phys.n].type = cd->type;
      phys.n++;
    }
  }
  for (int i = 0; i < ncols; i++) {
    const sql_column_def *cd = &cols[i];
    if (!cd->computed) continue;
    sl_expr *x = plan_bind_expr(b, &phys, cd->computed);
    if (x->type.id == T_NULL) x = expr_coerce(x, type_make(T_STRING), b->a);
    t->cols[i].computed = x;
    t->cols[i].type = x->type;
  }
  if (s->wm_col) {
    int k = -1;
    for (int i = 0; i < t->ncols; i++)
      if (str_ieq(t->cols[i].name, s->wm_col)) k = i;
    if (k < 0) plan_fail(b, s->wm_off, "WATERMARK FOR names an unknown column '%s'", s->wm_col);
    sl_type ct = t->cols[k].type;
    char t1[48];
    if (plan_is_proctime_call(t->cols[k].computed))
      plan_fail_hint(b, s->wm_off,
                     "declare the watermark on an event-time column of the rows (a TIMESTAMP(3) "
                     "or TIMESTAMP_LTZ(3) field, or a computed column over one)",
                     arena_printf(b->a,
                                  "WATERMARK FOR the processing-time attribute '%s' (PROCTIME()) "
                                  "is not supported yet",
                                  s->wm_col));
    if (ct.id != T_TIMESTAMP && ct.id != T_TIMESTAMP_LTZ)
      plan_fail(b, s->wm_off,
                "the event-time column '%s' must be TIMESTAMP(3) or TIMESTAMP_LTZ(3), not %s",
                s->wm_col, tn(ct, t1));
    scope all = {arena_zalloc(b->a, sizeof(scope_col) * (size_t)t->ncols), t->ncols};
    for (int i = 0; i < t->ncols; i++) {
      all.cols[i].name = t->cols[i].name;
      all.cols[i].qual = s->name;
      all.cols[i].type = t->cols[i].type;
      all.cols[i].nest = t->cols[i].nest;
    }
    sl_expr *w = plan_bind_expr(b, &all, s->wm_expr);
    if (w->type.id != ct.id)
      plan_fail(b, s->wm_expr->off, "the WATERMARK expression must be %s, not %s", tn(ct, t1),
                tn(w->type, (char[48]){0}));
    t->wm_col = k;
    t->wm_expr = w;
  }
  if (s->npk) {
    t->pk = arena_zalloc(b->a, sizeof(int) * (size_t)s->npk);
    t->npk = s->npk;
    for (int i = 0; i < s->npk; i++) {
      int k = -1;
      for (int j = 0; j < t->ncols; j++)
        if (str_ieq(t->cols[j].name, s->pk[i])) k = j;
      if (k < 0) plan_fail(b, s->pk_off[i], "PRIMARY KEY names an unknown column '%s'", s->pk[i]);
      t->pk[i] = k;
      t->cols[k].not_null = true;
    }
  }
  if (s->npart) { /* PARTITIONED BY: physical columns of a filesystem table */
    if (t->conn != &conn_filesystem)
      plan_fail(b, s->part_off, "PARTITIONED BY is supported by the filesystem connector only");
    if (!s->has_columns)
      plan_fail(b, s->part_off, "PARTITIONED BY needs the table's columns declared");
    t->part_keys = arena_zalloc(b->a, sizeof(char *) * (size_t)s->npart);
    t->nparts = s->npart;
    for (int i = 0; i < s->npart; i++) {
      int k = -1;
      for (int j = 0; j < t->ncols; j++)
        if (str_ieq(t->cols[j].name, s->part[i])) k = j;
      if (k < 0 || t->cols[k].phys < 0)
        plan_fail(b, s->part_offs[i], "PARTITIONED BY names %s '%s'",
                  k < 0 ? "an unknown column" : "a computed column", s->part[i]);
      for (int j = 0; j < i; j++)
        if (str_ieq(t->part_keys[j], t->cols[k].name))
          plan_fail(b, s->part_offs[i], "PARTITIONED BY names '%s' twice", s->part[i]);
      t->part_keys[i] = t->cols[k].name;
    }
    if (s->npart >= t->nphys)
      plan_fail(b, s->part_off, "PARTITIONED BY cannot take every column: the records need one");
  }
  p->tables = xrealloc(p->tables, sizeof(cat_table *) * (size_t)(p->ntables + 1));
  p->tables[p->ntables++] = t;
}

/* ---- time attributes: a PROCTIME() computed column is the processing-time attribute, and so
 * is the window_time of a window over it (as in Flink: windows over it cascade in processing
 * time) ---- */

bool plan_is_proctime_call(const sl_expr *x) {
  return x && x->kind == E_CALL && x->fn && str_ieq(x->fn->name, "PROCTIME");
}

bool plan_is_proctime(const plan_node *n, int col) {
  for (;;) {
    if (col < 0 || col >= n->ncols) return false;
    if (n->kind == P_UNION) {
      for (int i = 0; i < n->nin; i++)
        if (!plan_is_proctime(n->in[i], col)) return false;
      return n->nin > 0;
    }
    if (n->kind == P_PROCTIME) {
      n = n->in[0];
      continue;
    }
    if (n->kind == P_WINTVF || n->kind == P_WINAGG) { /* a processing-time window's window_time */
      if (col == n->ncols - 1) return n->op->proctime;
      if (n->kind == P_WINAGG || col >= n->ncols - 3) return false;
      n = n->in[0];
      continue;
    }
    if (n->kind != P_CALC) return false;
    const sl_expr *x = n->proj[col];
    if (plan_is_proctime_call(x)) return true;
    if (x->kind != E_COL) return false;
    col = x->col;
    n = n->in[0];
  }
}

/* ---- files written twice ---- */

/* The absolute form of a path: realpath when the file (or else its directory) exists, otherwise
 * the working directory joined with the path and '.', '..' and '//' folded, so that "./a",
 * "x/../a" and "a" compare equal. */
static char *norm_path(sl_arena *a, const char *path) {
  char buf[PATH_MAX];
  if (realpath(path, buf)) return arena_strdup(a, buf);
  sl_buf full = {0};
  const char *slash = strrchr(path, '/');
  char dir[PATH_MAX];
  if (slash && (size_t)(slash - path) < sizeof dir) {
    snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    if (dir[0] && realpath(dir, buf)) {
      buf_printf(&full, "%s/%s", buf, slash + 1);
      path = NULL;
    }
  }
  if (path) {
    if (path[0] != '/' && getcwd(buf, sizeof buf)) buf_printf(&full, "%s/", buf);
    buf_puts(&full, path);
  }
  /* fold the components */
  char *s = arena_strdup(a, buf_cstr(&full)), *out = arena_alloc(a, strlen(s) + 2);
  buf_free(&full);
  size_t o = 0;
  for (char *c = strtok(s, "/"); c; c = strtok(NULL, "/")) {
    if (!strcmp(c, ".")) continue;
    if (!strcmp(c, "..")) {
      while (o > 0 && out[o - 1] != '/') o--;
      if (o > 0) o--;
      continue;
    }
    out[o++] = '/';
    size_t n = strlen(c);
    memcpy(out + o, c, n);
    o += n;
  }
  if (!o) out[o++] = '/';
  out[o] = 0;
  return out;
}

typedef struct file_use {
  const cat_table *t;
  const char *path; /* normalized */
  const char *raw;  /* as written */
  uint32_t off;     /* the option value */
  int kind;         /* 0 sink, 1 source, 2 dead-letter file */
} file_use;

static uint32_t opt_off(const cat_table *t, const char *key) {
  for (int i = 0; i < t->nopts; i++)
    if (!strcmp(t->opts[i].key, key)) return t->opts[i].val_off;
  return t->off;
}

static void collect_scans(const plan_node *n, bool *seen, bool *read, const sl_pipeline *p) {
  if (seen[n->id]) return;
  seen[n->id] = true;
  if (n->kind == P_SCAN)
    for (int i = 0; i < p->ntables; i++)
      if (p->tables[i] == n->table) read[i] = true;
  for (int i = 0; i < n->nin; i++) collect_scans(n->in[i], seen, read, p);
}

/* Two sinks writing one file, or a dead-letter file that is a sink's or a source's file, would
 * silently lose data: refused, located at the second option. */
static void check_files(binder *b) {
  sl_pipeline *p = b->p;
  bool *seen = arena_zalloc(b->a, (size_t)p->nnodes + 1);
  bool *read = arena_zalloc(b->a, (size_t)p->ntables + 1);
  bool *written = arena_zalloc(b->a, (size_t)p->ntables + 1);
  for (int i = 0; i < p->ninserts; i++) {
    collect_scans(p->inserts[i], seen, read, p);
    for (int k = 0; k < p->ntables; k++) written[k] |= p->tables[k] == p->inserts[i]->table;
  }
  file_use *u = arena_zalloc(b->a, sizeof *u * (size_t)(3 * p->ntables + 1));
  int n = 0;
  for (int k = 0; k < p->ntables; k++) {
    const cat_table *t = p->tables[k];
    if (t->is_view || t->conn != &conn_filesystem) continue;
    opt_list ol = t->ol;
    const char *path = opt_get(&ol, NULL, "path");
    if (path && written[k])
      u[n++] = (file_use){t, norm_path(b->a, path), path, opt_off(t, "path"), 0};
    if (path && read[k] && !strpbrk(path, "*?["))
      u[n++] = (file_use){t, norm_path(b->a, path), path, opt_off(t, "path"), 1};
    const char *dlq = read[k] ? opt_get(&ol, conn_source_opts, "dlq.path") : NULL;
    if (dlq) u[n++] = (file_use){t, norm_path(b->a, dlq), dlq, opt_off(t, "dlq.path"), 2};
  }
  static const char *const what[] = {"writes", "reads", "sends dead letters to"};
  for (int j = 0; j < n; j++)
    for (int i = 0; i < j; i++) {
      const file_use *x = &u[i], *y = &u[j];
      int kx = x->kind, ky = y->kind;
      bool conflict = (kx == 0 && ky == 0) || (kx == 2 && ky != 2) || (ky == 2 && kx != 2);
      if (!conflict) continue;
      size_t lx = strlen(x->path), ly = strlen(y->path);
      bool same = !strcmp(x->path, y->path);
      /* a file in a directory that a source reads is read too */
      bool inside = (kx == 1 && !strncmp(x->path, y->path, lx) && y->path[lx] == '/') ||
                    (ky == 1 && !strncmp(y->path, x->path, ly) && x->path[ly] == '/');
      if (!same && !inside) continue;
      const file_use *src = kx == 1 ? x : y, *other = kx == 1 ? y : x;
      if (!same) /* other's file is inside the directory src reads */
        plan_fail(b, other->off,
                  "table '%s' %s '%s', inside the directory that table '%s' reads: the "
                  "data would be lost or mixed",
                  other->t->name, what[other->kind], other->raw, src->t->name);
      const char *by = x->t == y->t ? "it" : arena_printf(b->a, "table '%s'", x->t->name);
      plan_fail(b, y->off, "table '%s' %s '%s', the file %s %s%s: the data would be lost or mixed",
                y->t->name, what[ky], y->raw, by, kx == ky ? "also " : "", what[kx]);
    }
}

sl_status plan_compile(const sl_source *src, const plan_opts *o, sl_pipeline **out, sl_error *e) {
  sl_pipeline *p = xcalloc(1, sizeof *p);
  arena_init(&p->arena, 64 * 1024);
  p->src = *src;
  p->batch_rows = BATCH_ROWS;
  *out = p;
  sql_script script;
  sl_status st = sql_parse(&p->src, o->dialect, &p->arena, &script, e);
  if (st) return st;
  binder B = {0}, *b = &B;
  b->p = p;
  b->a = &p->arena;
  b->e = e;
  b->o = o;
  b->set_used = arena_zalloc(&p->arena, (size_t)o->nsets + 1);
  if (setjmp(b->jb)) return e->code ? e->code : SL_ESQL;
  for (int i = 0; i < script.n; i++) {
    const sql_stmt *s = script.stmts[i];
    switch (s->kind) {
    case S_CREATE_TABLE: bind_create_table(b, s); break;
    case S_CREATE_VIEW: plan_bind_create_view(b, s); break;
    case S_INSERT: plan_bind_insert(b, s); break;
    case S_STATEMENT_SET:
      for (int k = 0; k < s->nstmts; k++) plan_bind_insert(b, s->stmts[k]);
      break;
    case S_SET: {
      const char *v;
      if (plan_substitute_env(&p->src, s->opts[0].val_off, s->opts[0].value, b->a, &v, e))
        return SL_ESQL;
      plan_bind_set(b, s->opts[0].key, v, s->opts[0].key_off, s->opts[0].val_off, false);
      break;
    }
    }
  }
  /* --set keys that named no table are SET keys */
  for (int i = 0; i < o->nsets; i++) {
    if (b->set_used[i]) continue;
    const char *kv = o->sets[i], *eq = strchr(kv, '=');
    if (!eq) return err_set(e, SL_EUSAGE, "--set '%s': expected key=value", kv);
    const char *key = arena_strndup(b->a, kv, (size_t)(eq - kv));
    plan_bind_set(b, key, arena_strdup(b->a, eq + 1), 0, 0, true);
  }
  if (p->ninserts == 0) {
    err_set(e, SL_ESQL, "%s: the pipeline has no INSERT INTO statement, so there is nothing to run",
            src->name);
    err_hint(e, "write the query into a table: INSERT INTO sink SELECT ...");
    return SL_ESQL;
  }
  for (int i = 0; i < p->ntables; i++) {
    cat_table *t = p->tables[i];
    if (t->inferred)
      return err_at(e, SL_ESQL, &p->src, t->off,
                    "table '%s' has no columns and no INSERT INTO it to take them from", t->name);
  }
  if ((st = plan_optimize(p, e))) return st;
  check_files(b);
  return SL_OK;
}

void plan_free(sl_pipeline *p) {
  if (!p) return;
  free(p->tables);
  free(p->inserts);
  free(p->sets);
  arena_free(&p->arena);
  free(p);
}
