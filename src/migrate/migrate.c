/* migrate.c - `sluice migrate`'s driver: reads the job, --schema and --sources, splits the job
 * into statements (PostgreSQL lexer), sends each to its translation (DDL to mig_ddl.c, INSERT
 * and CREATE TABLE AS to mig_query.c; TRUNCATE marks a full refresh; DELETE, UPDATE and the
 * rest are NOT TRANSLATED), writes the pipeline and checks it compiles as `sluice validate`
 * does: a translated statement sluice cannot compile is commented out with the reason.
 * Must not touch: the runtime (the pipeline is never run here). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "../pipeline/pipeline.h"
#include "../plan/plan.h"
#include "mig_int.h"

typedef struct chunk {
  bool insert;    /* an INSERT that must compile */
  char *notes;    /* comment lines */
  char *sql;      /* the statement (NULL: none) */
  char *original; /* the batch statement, for NOT TRANSLATED */
  char *where;    /* file:line */
} chunk;

static bool kw(const sl_source *s, const sql_token *k, const char *w) {
  return k->kind == TK_IDENT && str_nieq(s->text + k->off, k->len, w);
}
static bool punct(const sl_source *s, const sql_token *k, const char *w) {
  return k->kind == TK_PUNCT && k->len == strlen(w) && !strncmp(s->text + k->off, w, k->len);
}

static char *load(mig *m, const char *path, sl_source *src, sl_error *e) {
  size_t n;
  char *t = file_read_all(path, &n, e);
  if (!t) return NULL;
  src->name = arena_strdup(m->a, path);
  src->text = arena_strndup(m->a, t, n);
  src->len = n;
  free(t);
  return (char *)src->text;
}

/* statements: [start, end) token ranges without the ';' */
typedef struct span {
  int a, b;
} span;

static span *split(const sl_source *s, const sql_token *t, int n, int *ns) {
  span *v = xcalloc((size_t)n + 1, sizeof *v);
  int k = 0, start = 0, depth = 0;
  for (int i = 0; i < n; i++) {
    if (t[i].kind == TK_EOF) break;
    if (punct(s, &t[i], "(")) depth++;
    if (punct(s, &t[i], ")")) depth--;
    if (depth <= 0 && punct(s, &t[i], ";")) {
      if (i > start) v[k++] = (span){start, i};
      start = i + 1;
      depth = 0;
    }
  }
  int last = n;
  while (last > start && t[last - 1].kind == TK_EOF) last--;
  if (last > start) v[k++] = (span){start, last};
  *ns = k;
  return v;
}

static size_t tok_end(const sql_token *k) { return k->off + k->len; }

static char *text_of(mig *m, const sl_source *s, const sql_token *t, span sp) {
  return arena_strndup(m->a, s->text + t[sp.a].off, tok_end(&t[sp.b - 1]) - t[sp.a].off);
}

static char *where_of(mig *m, const sl_source *s, uint32_t off) {
  int line, col;
  src_linecol(s, off, &line, &col);
  return arena_printf(m->a, "%s:%d", s->name, line);
}

static void commented(sl_buf *b, const char *sql) {
  buf_puts(b, "--   ");
  for (const char *p = sql; *p; p++) {
    buf_putc(b, *p);
    if (*p == '\n') buf_puts(b, "--   ");
  }
  buf_putc(b, '\n');
}

static char *take_notes(mig *m) {
  char *r = arena_strdup(m->a, m->notes.len ? buf_cstr(&m->notes) : "");
  m->notes.len = 0;
  return r;
}

/* a copy of the job with only [from, to) kept and the cut ranges blanked (offsets stay) */
static char *blanked(mig *m, const sl_source *s, size_t from, size_t to) {
  char *c = arena_strndup(m->a, s->text, s->len);
  for (size_t i = 0; i < s->len; i++)
    if ((i < from || i >= to) && c[i] != '\n') c[i] = ' ';
  return c;
}
static void blank(char *c, size_t from, size_t to) {
  for (size_t i = from; i < to; i++)
    if (c[i] != '\n') c[i] = ' ';
}

static sl_status translate_insert(mig *m, const sl_source *s, const sql_token *t, span sp,
                                  chunk *ch, sl_error *e) {
  char *txt = blanked(m, s, t[sp.a].off, tok_end(&t[sp.b - 1]));
  const char *conflict[64];
  int nconf = 0;
  bool conf_update = false, ctas = kw(s, &t[sp.a], "CREATE");
  int depth = 0;
  if (ctas) { /* CREATE TABLE x AS q: parsed as INSERT INTO x q */
    int i = sp.a;
    while (i < sp.b && !kw(s, &t[i], "TABLE")) i++;
    blank(txt, t[sp.a].off, t[i].off + t[i].len);
    memcpy(txt + t[sp.a].off, "INSERT INTO", 11);
    while (i < sp.b && !kw(s, &t[i], "AS")) i++;
    if (i < sp.b) blank(txt, t[i].off, tok_end(&t[i]));
    int j = sp.a + 2;
    if (j + 2 < sp.b && kw(s, &t[j], "IF")) blank(txt, t[j].off, tok_end(&t[j + 2]));
  }
  for (int i = sp.a; i < sp.b; i++) {
    if (punct(s, &t[i], "(")) depth++;
    if (punct(s, &t[i], ")")) depth--;
    if (depth) continue;
    if (kw(s, &t[i], "ON") && i + 1 < sp.b && kw(s, &t[i + 1], "CONFLICT")) {
      int j = i + 2;
      if (j < sp.b && punct(s, &t[j], "(")) {
        for (j++; j < sp.b && !punct(s, &t[j], ")"); j++)
          if ((t[j].kind == TK_IDENT || t[j].kind == TK_QIDENT) && nconf < 64)
            conflict[nconf++] = mig_lower(m->a, arena_strndup(m->a, s->text + t[j].off, t[j].len));
        j++;
      }
      if (j + 1 < sp.b && kw(s, &t[j], "DO") && kw(s, &t[j + 1], "UPDATE")) {
        conf_update = true;
        /* SET c = EXCLUDED.c, ...: anything else is not a plain upsert */
        for (int k = j + 3; k < sp.b; k += 6) {
          if (kw(s, &t[k], "WHERE")) {
            mig_not_translated(m, "the WHERE of ON CONFLICT DO UPDATE (a conditional upsert) "
                                  "is left out: the sink takes every update");
            break;
          }
          bool plain = k + 4 < sp.b && punct(s, &t[k + 1], "=") && kw(s, &t[k + 2], "EXCLUDED") &&
                       punct(s, &t[k + 3], ".") && t[k + 4].len == t[k].len &&
                       str_nieq(s->text + t[k].off, t[k].len,
                                arena_strndup(m->a, s->text + t[k + 4].off, t[k + 4].len));
          if (!plain) {
            mig_not_translated(m,
                               "ON CONFLICT DO UPDATE SET %s ... combines the new row with the "
                               "stored one: an upsert sink only replaces it; compute the "
                               "combination in the query (an aggregation over all rows of the "
                               "key)",
                               arena_strndup(m->a, s->text + t[k].off, t[k].len));
            break;
          }
          if (k + 5 >= sp.b || !punct(s, &t[k + 5], ",")) break;
        }
      } else if (j + 1 < sp.b && kw(s, &t[j], "DO") && kw(s, &t[j + 1], "NOTHING")) {
        mig_not_translated(m, "ON CONFLICT DO NOTHING keeps the first row of a key; the upsert "
                              "sink keeps the last one: deduplicate in the query (ROW_NUMBER() "
                              "... = 1) if the first must win");
      }
      if (!nconf) {
        mig_not_translated(m, "ON CONFLICT without a column list: name the conflict columns");
      }
      blank(txt, t[i].off, tok_end(&t[sp.b - 1]));
      break;
    }
    if (kw(s, &t[i], "ORDER") || kw(s, &t[i], "LIMIT") || kw(s, &t[i], "OFFSET") ||
        kw(s, &t[i], "FETCH")) {
      bool limit = !kw(s, &t[i], "ORDER");
      int j = i;
      for (; j < sp.b && !limit; j++)
        if (kw(s, &t[j], "LIMIT") || kw(s, &t[j], "FETCH")) limit = true;
      if (limit) {
        mig_not_translated(m, "ORDER BY ... LIMIT over everything has no streaming meaning (the "
                              "top rows of all history change with every row): use a Top-N per "
                              "window (ROW_NUMBER() OVER (PARTITION BY window_start ORDER BY ...) "
                              "<= N on a TUMBLE) instead");
        return SL_OK;
      }
      mig_note(m, "ORDER BY dropped: a table (and a stream) has no order");
      int k = i;
      while (k < sp.b && !kw(s, &t[k], "ON")) k++;
      blank(txt, t[i].off, k < sp.b ? t[k].off : tok_end(&t[sp.b - 1]));
    }
  }
  sl_source ps = {s->name, txt, s->len};
  sql_script sc = {0};
  sl_error pe = {0};
  if (sql_parse(&ps, SQL_POSTGRES, m->a, &sc, &pe)) {
    pe.src = s;
    if (strstr(pe.msg, "not supported") || strstr(pe.msg, "PostgreSQL syntax")) {
      int line, col;
      src_linecol(s, pe.off, &line, &col);
      mig_not_translated(m, "%s:%d:%d: %s", s->name, line, col, pe.msg);
      return SL_OK;
    }
    *e = pe;
    return pe.code;
  }
  if (sc.n != 1 || sc.stmts[0]->kind != S_INSERT) {
    mig_not_translated(m, "not an INSERT ... SELECT");
    return SL_OK;
  }
  sql_stmt *st = sc.stmts[0];
  mig_table *target = mig_table_get(m, mig_lower(m->a, st->name), true);
  if (ctas) {
    target->declared = false;
    mig_note(m, "CREATE TABLE %s AS ... became a sink and the INSERT that fills it", target->name);
  }
  if (!mig_rewrite_insert(m, target, st, conflict, nconf, conf_update)) return SL_OK;
  sl_buf b = {0};
  buf_puts(&b, "INSERT INTO ");
  sql_print_name(&b, target->name, false);
  if (st->ninsert_cols) {
    buf_puts(&b, " (");
    for (int i = 0; i < st->ninsert_cols; i++) {
      if (i) buf_puts(&b, ", ");
      sql_print_name(&b, st->insert_cols[i], false);
    }
    buf_putc(&b, ')');
  }
  buf_putc(&b, '\n');
  sql_print_query(&b, st->query);
  buf_puts(&b, ";\n");
  ch->sql = arena_strdup(m->a, buf_cstr(&b));
  ch->insert = true;
  buf_free(&b);
  return SL_OK;
}

static sl_status statement(mig *m, const sl_source *s, const sql_token *t, span sp, chunk *ch,
                           sl_error *e) {
  const sql_token *k = &t[sp.a];
  ch->original = text_of(m, s, t, sp);
  ch->where = where_of(m, s, k->off);
  bool create_table = kw(s, k, "CREATE");
  int i = sp.a + 1;
  while (create_table && i < sp.b && !kw(s, &t[i], "TABLE")) i++;
  if (create_table && i >= sp.b) create_table = false;
  bool ctas = false;
  if (create_table) {
    int depth = 0;
    for (int j = sp.a; j < sp.b; j++) {
      if (punct(s, &t[j], "(")) depth++;
      if (punct(s, &t[j], ")")) depth--;
      if (!depth && kw(s, &t[j], "AS")) ctas = true;
    }
  }
  if (kw(s, k, "INSERT") || ctas) return translate_insert(m, s, t, sp, ch, e);
  if (create_table) {
    ch->notes = arena_strdup(m->a, "-- table definition: used for the CREATE TABLE above\n");
    return SL_OK;
  }
  if (kw(s, k, "TRUNCATE")) {
    ch->notes = arena_strdup(m->a, "-- rewrite: TRUNCATE dropped: the INSERT that refills the "
                                   "table becomes the updating query it recomputes\n");
    return SL_OK;
  }
  static const char *const skip[] = {"BEGIN", "COMMIT", "END",   "START", "ANALYZE",  "VACUUM",
                                     "SET",   "RESET",  "GRANT", "DROP",  "ROLLBACK", NULL};
  for (int j = 0; skip[j]; j++)
    if (kw(s, k, skip[j])) {
      ch->notes =
          arena_printf(m->a, "-- skipped: %s (no streaming counterpart is needed)\n", skip[j]);
      return SL_OK;
    }
  if (kw(s, k, "CREATE") && sp.b > sp.a + 1 &&
      (kw(s, &t[sp.a + 1], "INDEX") || kw(s, &t[sp.a + 1], "UNIQUE"))) {
    ch->notes = arena_strdup(m->a, "-- skipped: CREATE INDEX (no streaming counterpart)\n");
    return SL_OK;
  }
  if (kw(s, k, "DELETE"))
    mig_not_translated(m, "DELETE of old rows has no streaming meaning: the stream only adds "
                          "rows; keep retention in the sink's storage (a partition per day, "
                          "old ones dropped) or filter the rows out in the query");
  else if (kw(s, k, "UPDATE"))
    mig_not_translated(m, "UPDATE of stored rows: read the table as a changelog (postgres-cdc) "
                          "and write the corrected values through an upsert sink instead");
  else
    mig_not_translated(m, "a %.*s statement has no translation", (int)k->len, s->text + k->off);
  return SL_OK;
}

static sl_status read_schema(mig *m, const char *path, sl_error *e) {
  sl_source *s = arena_zalloc(m->a, sizeof *s);
  if (!load(m, path, s, e)) return SL_EUSAGE;
  sql_token *t;
  int n;
  sl_status st = sql_lex(s, SQL_POSTGRES, m->a, &t, &n, e);
  if (st) return st;
  int ns;
  span *v = split(s, t, n, &ns);
  for (int i = 0; i < ns && !st; i++) {
    const sql_token *k = &t[v[i].a];
    bool ct = kw(s, k, "CREATE"), as = false;
    int j = v[i].a + 1;
    while (ct && j < v[i].b && !kw(s, &t[j], "TABLE")) j++;
    int depth = 0;
    for (int q = v[i].a; q < v[i].b; q++) {
      if (punct(s, &t[q], "(")) depth++;
      if (punct(s, &t[q], ")")) depth--;
      if (!depth && kw(s, &t[q], "AS")) as = true;
    }
    if (ct && j < v[i].b && j <= v[i].a + 3 && !as)
      st = mig_pg_ddl(m, s, t + v[i].a, v[i].b - v[i].a, e);
  }
  free(v);
  return st;
}

/* compiles as `sluice validate` does; on an error returns its offset, else -1 */
static long check(const char *text, sl_error *e) {
  sl_source src = {"migrated pipeline", text, strlen(text)};
  plan_opts o = {SQL_FLINK, NULL, 0, NULL};
  sl_pipeline *p = NULL;
  sl_status st = plan_compile(&src, &o, &p, e);
  if (!st) {
    sl_job *j = NULL;
    st = plan_build_job(p, true, &j, e);
    if (j) job_free(j);
  }
  plan_free(p);
  if (!st) return -1;
  return e->has_pos ? (long)e->off : 0;
}

static void emit_tables(mig *m, sl_buf *b) {
  for (int pass = 0; pass < 3; pass++)
    for (int i = 0; i < m->nt; i++) {
      mig_table *tb = &m->t[i];
      int kind = tb->sink ? 2 : tb->dim ? 1 : tb->source ? 0 : -1;
      if (kind == pass) mig_emit_table(m, b, tb);
    }
}

/* A keyed sink without CREATE TABLE needs its columns written out (a PRIMARY KEY needs them):
 * the pipeline is compiled once with such sinks as blackholes, which take the query's columns,
 * and their columns and types are read back. */
static void derive_sinks(mig *m, const chunk *ch, int ns) {
  bool any = false;
  for (int i = 0; i < m->nt; i++)
    if (m->t[i].sink && !m->t[i].declared && m->t[i].nsink_pk) any = true;
  if (!any) return;
  sl_buf b = {0};
  m->probe = true;
  emit_tables(m, &b);
  m->probe = false;
  for (int i = 0; i < ns; i++)
    if (ch[i].sql) buf_puts(&b, ch[i].sql);
  sl_source src = {"probe", buf_cstr(&b), b.len};
  plan_opts o = {SQL_FLINK, NULL, 0, NULL};
  sl_pipeline *p = NULL;
  sl_error e = {0};
  if (plan_compile(&src, &o, &p, &e) == SL_OK) {
    for (int i = 0; i < m->nt; i++) {
      mig_table *t = &m->t[i];
      if (!t->sink || t->declared || !t->nsink_pk) continue;
      for (int k = 0; k < p->ntables; k++) {
        const cat_table *c = p->tables[k];
        if (strcmp(c->name, t->name) || !c->ncols) continue;
        t->cols = arena_zalloc(m->a, sizeof(mig_col) * (size_t)c->ncols);
        t->ncols = c->ncols;
        for (int j = 0; j < c->ncols; j++) {
          t->cols[j].name = arena_strdup(m->a, c->cols[j].name);
          t->cols[j].t = c->cols[j].type;
        }
        t->declared = t->derived = true;
      }
    }
  }
  plan_free(p);
  buf_free(&b);
}

sl_status mig_translate(const mig_opts *o, mig_result *r, sl_error *e) {
  sl_arena a;
  arena_init(&a, 1 << 16);
  mig m = {0};
  m.o = o;
  m.a = &a;
  memset(r, 0, sizeof *r);
  sl_status st = SL_OK;
  sql_token *t = NULL;
  int n = 0, ns = 0;
  span *v = NULL;
  chunk *ch = NULL;
  if (!load(&m, o->job, &m.job, e)) {
    st = SL_EUSAGE;
    goto out;
  }
  if ((st = sql_lex(&m.job, SQL_POSTGRES, &a, &t, &n, e))) goto out;
  for (int i = 0; i < o->nschema && !st; i++) st = read_schema(&m, o->schema[i], e);
  if (!st && o->sources) st = mig_read_sources(&m, o->sources, e);
  if (st) goto out;
  v = split(&m.job, t, n, &ns);
  if (ns == 0) {
    st = err_set(e, SL_EUSAGE, "%s holds no SQL statement", o->job);
    goto out;
  }
  /* first pass: the job's own DDL and TRUNCATEs */
  for (int i = 0; i < ns && !st; i++) {
    const sql_token *k = &t[v[i].a];
    if (kw(&m.job, k, "TRUNCATE"))
      for (int j = v[i].a + 1; j < v[i].b; j++)
        if ((t[j].kind == TK_IDENT || t[j].kind == TK_QIDENT) && !kw(&m.job, &t[j], "TABLE") &&
            !kw(&m.job, &t[j], "ONLY")) {
          sl_buf qn = {0};
          buf_put(&qn, m.job.text + t[j].off, t[j].len);
          while (j + 2 < v[i].b && punct(&m.job, &t[j + 1], ".")) {
            j += 2;
            buf_putc(&qn, '.');
            buf_put(&qn, m.job.text + t[j].off, t[j].len);
          }
          mig_table_get(&m, mig_lower(&a, buf_cstr(&qn)), true)->truncated = true;
          buf_free(&qn);
          if (j + 1 >= v[i].b || !punct(&m.job, &t[j + 1], ",")) break;
          j++;
        }
    if (kw(&m.job, k, "CREATE")) {
      int j = v[i].a + 1;
      while (j < v[i].b && !kw(&m.job, &t[j], "TABLE")) j++;
      bool as = false;
      int depth = 0;
      for (int q = v[i].a; q < v[i].b; q++) {
        if (punct(&m.job, &t[q], "(")) depth++;
        if (punct(&m.job, &t[q], ")")) depth--;
        if (!depth && kw(&m.job, &t[q], "AS")) as = true;
      }
      if (j < v[i].b && j <= v[i].a + 3 && !as)
        st = mig_pg_ddl(&m, &m.job, t + v[i].a, v[i].b - v[i].a, e);
    }
  }
  if (st) goto out;
  ch = xcalloc((size_t)ns + 1, sizeof *ch);
  for (int i = 0; i < ns && !st; i++) {
    st = statement(&m, &m.job, t, v[i], &ch[i], e);
    if (!ch[i].notes) ch[i].notes = take_notes(&m);
    m.notes.len = 0;
  }
  if (st) goto out;
  derive_sinks(&m, ch, ns);
  /* write, check, comment out what does not compile, again */
  for (int round = 0; round <= ns; round++) {
    sl_buf b = {0};
    buf_printf(&b,
               "-- Streaming pipeline translated by `sluice migrate` from %s (a PostgreSQL batch "
               "job).\n-- Every rewrite is commented; a line starting '-- NOT TRANSLATED:' marks "
               "what was left out and why.\n-- Stated defaults: watermarks %lld ms behind the "
               "event time, interval joins within %lld s.\n",
               o->job, (long long)o->watermark_ms, (long long)(o->join_bound_ms / 1000));
    emit_tables(&m, &b);
    size_t *starts = xcalloc((size_t)ns + 1, sizeof *starts);
    for (int i = 0; i < ns; i++) {
      buf_printf(&b, "\n-- %s\n", ch[i].where);
      buf_puts(&b, ch[i].notes);
      starts[i] = b.len;
      if (ch[i].sql) buf_puts(&b, ch[i].sql);
      if (strstr(ch[i].notes, "-- NOT TRANSLATED:") && !ch[i].sql) commented(&b, ch[i].original);
    }
    sl_error ce = {0};
    long off = check(buf_cstr(&b), &ce);
    int bad = -1;
    for (int i = 0; off >= 0 && i < ns; i++)
      if (ch[i].sql && (size_t)off >= starts[i] && (size_t)off < starts[i] + strlen(ch[i].sql))
        bad = i;
    free(starts);
    if (off >= 0 && bad >= 0 && round < ns) {
      buf_free(&b);
      char *msg = arena_printf(&a,
                               "-- NOT TRANSLATED: sluice cannot run the translation of this "
                               "statement: %s\n",
                               ce.msg);
      buf_printf(&m.summary, "  not translated: %s: sluice cannot run its translation: %s\n",
                 ch[bad].where, ce.msg);
      m.untranslated++;
      ch[bad].notes = arena_printf(&a, "%s%s", ch[bad].notes, msg);
      ch[bad].sql = NULL;
      continue;
    }
    if (off >= 0) {
      buf_printf(&m.summary, "  the pipeline does not pass sluice validate: %s\n", ce.msg);
      m.untranslated++;
    }
    r->out = b;
    break;
  }
  if (m.summary.len) buf_put(&r->summary, m.summary.data, m.summary.len);
  r->untranslated = m.untranslated;
  r->rewrites = m.rewrites;
out:
  if (st && e->src) {      /* positions into a file read here: keep its text for printing */
    static sl_source keep; /* the last error's: the one before is freed */
    char *name = xstrdup(e->src->name), *text = xstrndup(e->src->text, e->src->len);
    free((char *)keep.name);
    free((char *)keep.text);
    keep.name = name;
    keep.text = text;
    keep.len = e->src->len;
    e->src = &keep;
  }
  free(ch);
  free(v);
  buf_free(&m.notes);
  buf_free(&m.summary);
  arena_free(&a);
  return st;
}
