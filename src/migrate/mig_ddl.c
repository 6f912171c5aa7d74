/* mig_ddl.c - the tables of `sluice migrate`: the registry of what the job, --schema files and
 * --sources say about each table, PostgreSQL CREATE TABLE read from tokens (types mapped to
 * sluice's), the --sources file, and the CREATE TABLE statements of the pipeline it writes
 * (connector, event time, watermark, late-data policy, keys). Must not touch: queries
 * (mig_query.c), statement dispatch (migrate.c). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "mig_int.h"

static const char *last_part(const char *s) {
  const char *d = strrchr(s, '.');
  return d ? d + 1 : s;
}

mig_table *mig_table_get(mig *m, const char *name, bool create) {
  const char *n = last_part(name);
  for (int i = 0; i < m->nt; i++)
    if (!strcmp(m->t[i].name, n)) return &m->t[i];
  if (!create) return NULL;
  if (m->nt == m->capt) {
    m->capt = m->capt ? m->capt * 2 : 16;
    mig_table *nt = arena_zalloc(m->a, sizeof *nt * (size_t)m->capt);
    if (m->nt) memcpy(nt, m->t, sizeof *nt * (size_t)m->nt);
    m->t = nt;
  }
  mig_table *t = &m->t[m->nt++];
  memset(t, 0, sizeof *t);
  t->name = arena_strdup(m->a, n);
  t->qname = arena_strdup(m->a, name);
  return t;
}

const mig_col *mig_col_find(const mig_table *t, const char *name) {
  for (int i = 0; i < t->ncols; i++)
    if (!strcmp(t->cols[i].name, name)) return &t->cols[i];
  return NULL;
}

void mig_use_col(mig *m, mig_table *t, const char *name) {
  for (int i = 0; i < t->nused; i++)
    if (!strcmp(t->used[i], name)) return;
  const char **nu = arena_alloc(m->a, sizeof(char *) * (size_t)(t->nused + 1));
  if (t->nused) memcpy(nu, t->used, sizeof(char *) * (size_t)t->nused);
  nu[t->nused++] = name;
  t->used = nu;
}

/* ---- PostgreSQL DDL ---- */

static bool tk(const sl_source *src, const sql_token *k, const char *w) {
  return k->kind == TK_IDENT && str_nieq(src->text + k->off, k->len, w);
}
static bool tp(const sl_source *src, const sql_token *k, const char *w) {
  return k->kind == TK_PUNCT && k->len == strlen(w) && !strncmp(src->text + k->off, w, k->len);
}
static char *tname(mig *m, const sl_source *src, const sql_token *k) {
  if (k->kind == TK_QIDENT) return arena_strndup(m->a, src->text + k->off + 1, k->len - 2);
  char *s = arena_strndup(m->a, src->text + k->off, k->len);
  for (char *c = s; *c; c++) *c = (char)tolower((unsigned char)*c);
  return s;
}

/* A PostgreSQL type written as lower-case words ("numeric(12,2)", "timestamp without time
 * zone") as sluice's type; *note gets a remark when the mapping loses something. */
static sl_type map_type(mig *m, const char *ty, const char **note) {
  *note = NULL;
  int p = 0, s = 0;
  const char *par = strchr(ty, '(');
  bool has_p = par && sscanf(par, "(%d,%d)", &p, &s) >= 1;
  if (!strncmp(ty, "numeric", 7) || !strncmp(ty, "decimal", 7)) {
    if (!has_p) {
      *note = "numeric without precision: DECIMAL(38, 10)";
      return type_decimal(38, 10);
    }
    if (p > 38) p = 38, *note = "precision above 38 capped";
    return type_decimal(p, s);
  }
  if (!strcmp(ty, "bigint") || !strcmp(ty, "int8") || !strcmp(ty, "bigserial") ||
      !strcmp(ty, "serial8"))
    return type_make(T_BIGINT);
  if (!strcmp(ty, "integer") || !strcmp(ty, "int") || !strcmp(ty, "int4") ||
      !strcmp(ty, "smallint") || !strcmp(ty, "int2") || !strcmp(ty, "serial") ||
      !strcmp(ty, "smallserial") || !strcmp(ty, "serial4"))
    return type_make(T_INT);
  if (!strcmp(ty, "real") || !strcmp(ty, "float4")) return type_make(T_FLOAT);
  if (!strncmp(ty, "double", 6) || !strcmp(ty, "float8") || !strncmp(ty, "float", 5))
    return type_make(T_DOUBLE);
  if (!strcmp(ty, "boolean") || !strcmp(ty, "bool")) return type_make(T_BOOLEAN);
  if (!strcmp(ty, "date")) return type_make(T_DATE);
  if (!strncmp(ty, "timestamptz", 11) || strstr(ty, "with time zone")) {
    sl_type t = type_make(T_TIMESTAMP_LTZ);
    t.prec = 3;
    *note = "microseconds are cut to milliseconds";
    return t;
  }
  if (!strncmp(ty, "timestamp", 9)) {
    sl_type t = type_make(T_TIMESTAMP);
    t.prec = 3;
    if (!(has_p && p <= 3)) *note = "microseconds are cut to milliseconds";
    return t;
  }
  if (!strncmp(ty, "text", 4) || !strncmp(ty, "varchar", 7) || !strncmp(ty, "character", 9) ||
      !strncmp(ty, "char", 4) || !strcmp(ty, "citext") || !strcmp(ty, "name"))
    return type_make(T_STRING);
  if (!strcmp(ty, "uuid") || !strcmp(ty, "json") || !strcmp(ty, "jsonb") || !strcmp(ty, "inet")) {
    *note = arena_printf(m->a, "%s is read as STRING", ty);
    return type_make(T_STRING);
  }
  *note = arena_printf(m->a, "PostgreSQL type %s has no sluice type: read as STRING (TODO)", ty);
  return type_make(T_STRING);
}

static bool col_stop(const sl_source *src, const sql_token *k) {
  static const char *const w[] = {"NOT",        "NULL",    "DEFAULT", "PRIMARY",
                                  "REFERENCES", "UNIQUE",  "CHECK",   "CONSTRAINT",
                                  "GENERATED",  "COLLATE", NULL};
  for (int i = 0; w[i]; i++)
    if (tk(src, k, w[i])) return true;
  return false;
}

static void add_pk(mig *m, mig_table *t, const char *c) {
  const char **np = arena_alloc(m->a, sizeof(char *) * (size_t)(t->npk + 1));
  if (t->npk) memcpy(np, t->pk, sizeof(char *) * (size_t)t->npk);
  np[t->npk++] = c;
  t->pk = np;
}

/* CREATE [TEMP|UNLOGGED] TABLE [IF NOT EXISTS] name (items): t[0..n) are its tokens without the
 * ';'. A CREATE TABLE ... AS is left to the caller (it is an INSERT). */
sl_status mig_pg_ddl(mig *m, const sl_source *src, const sql_token *t, int n, sl_error *e) {
  int i = 1;
  while (i < n && !tk(src, &t[i], "TABLE")) i++;
  i++;
  if (i + 2 < n && tk(src, &t[i], "IF")) i += 3;
  if (i >= n) return err_at(e, SL_ESQL, src, t[0].off, "expected a table name");
  sl_buf qn = {0};
  while (i < n) {
    char *p = tname(m, src, &t[i]);
    buf_puts(&qn, p);
    i++;
    if (i < n && tp(src, &t[i], ".")) {
      buf_putc(&qn, '.');
      i++;
      continue;
    }
    break;
  }
  mig_table *tb = mig_table_get(m, buf_cstr(&qn), true);
  buf_free(&qn);
  if (i >= n || !tp(src, &t[i], "("))
    return err_at(e, SL_ESQL, src, i < n ? t[i].off : t[n - 1].off,
                  "expected '(' and the columns of the table");
  tb->declared = true;
  tb->ncols = 0;
  tb->npk = 0;
  int cap = 16;
  tb->cols = arena_zalloc(m->a, sizeof(mig_col) * (size_t)cap);
  i++;
  while (i < n && !tp(src, &t[i], ")")) {
    int start = i, depth = 0;
    while (i < n && (depth > 0 || (!tp(src, &t[i], ",") && !tp(src, &t[i], ")")))) {
      if (tp(src, &t[i], "(")) depth++;
      if (tp(src, &t[i], ")")) depth--;
      i++;
    }
    int end = i;
    if (i < n && tp(src, &t[i], ",")) i++;
    int j = start;
    if (tk(src, &t[j], "CONSTRAINT")) j += 2;
    if (j < end && tk(src, &t[j], "PRIMARY")) {
      for (j += 2; j < end; j++)
        if (t[j].kind == TK_IDENT || t[j].kind == TK_QIDENT) add_pk(m, tb, tname(m, src, &t[j]));
      continue;
    }
    if (j < end &&
        (tk(src, &t[j], "UNIQUE") || tk(src, &t[j], "CHECK") || tk(src, &t[j], "FOREIGN") ||
         tk(src, &t[j], "EXCLUDE") || tk(src, &t[j], "LIKE")))
      continue;
    if (tb->ncols == cap) {
      mig_col *nc = arena_zalloc(m->a, sizeof(mig_col) * (size_t)cap * 2);
      memcpy(nc, tb->cols, sizeof(mig_col) * (size_t)cap);
      tb->cols = nc, cap *= 2;
    }
    mig_col *c = &tb->cols[tb->ncols++];
    c->name = tname(m, src, &t[start]);
    sl_buf ty = {0};
    for (j = start + 1; j < end && !col_stop(src, &t[j]); j++) {
      if (ty.len && t[j].kind == TK_IDENT && ty.data[ty.len - 1] != '(' &&
          ty.data[ty.len - 1] != ',')
        buf_putc(&ty, ' ');
      for (uint32_t k = 0; k < t[j].len; k++)
        buf_putc(&ty, (char)tolower((unsigned char)src->text[t[j].off + k]));
    }
    if (!ty.len) {
      buf_free(&ty);
      return err_at(e, SL_ESQL, src, t[start].off, "expected a type after column '%s'", c->name);
    }
    c->t = map_type(m, buf_cstr(&ty), &c->note);
    buf_free(&ty);
    for (; j < end; j++)
      if (tk(src, &t[j], "PRIMARY")) add_pk(m, tb, c->name);
  }
  return SL_OK;
}

/* ---- --sources ---- */

sl_status mig_read_sources(mig *m, const char *path, sl_error *e) {
  size_t len;
  char *text = file_read_all(path, &len, e);
  if (!text) return SL_EUSAGE;
  int line = 0;
  sl_status st = SL_OK;
  for (char *p = text; *p && st == SL_OK;) {
    char *eol = strchr(p, '\n');
    if (eol) *eol = 0;
    line++;
    char *hash = strchr(p, '#');
    if (hash) *hash = 0;
    char *w[5];
    int nw = 0;
    for (char *s = strtok(p, " \t\r"); s && nw < 5; s = strtok(NULL, " \t\r")) w[nw++] = s;
    if (nw) {
      static const char *const conns[] = {"filesystem", "kafka", "postgres-cdc", "jdbc", NULL};
      int ci = -1;
      if (nw >= 3)
        for (int k = 0; conns[k]; k++)
          if (!strcmp(w[1], conns[k])) ci = k;
      if (nw < 3 || nw > 4 || ci < 0) {
        st = err_set(e, SL_EUSAGE,
                     "%s:%d: expected 'TABLE CONNECTOR LOCATION [FORMAT]' with CONNECTOR one of "
                     "filesystem, kafka, postgres-cdc, jdbc",
                     path, line);
      } else {
        mig_table *t = mig_table_get(m, mig_lower(m->a, w[0]), true);
        t->listed = true;
        t->connector = arena_strdup(m->a, w[1]);
        t->location = arena_strdup(m->a, w[2]);
        t->format = nw > 3 ? arena_strdup(m->a, w[3]) : NULL;
        t->qname = mig_lower(m->a, w[0]);
      }
    }
    if (!eol) break;
    p = eol + 1;
  }
  free(text);
  return st;
}

/* ---- the pipeline's CREATE TABLE ---- */

static void opt(sl_buf *b, bool *first, const char *k, const char *v) {
  buf_puts(b, *first ? "\n  " : ",\n  ");
  *first = false;
  sql_print_string(b, k, strlen(k));
  buf_puts(b, " = ");
  sql_print_string(b, v, strlen(v));
}

static void connector_opts(mig *m, sl_buf *b, mig_table *t, bool sink) {
  bool first = true;
  const char *c = t->listed ? t->connector : "filesystem";
  const char *fmt = t->format ? t->format : "json";
  if (!strcmp(c, "filesystem")) {
    opt(b, &first, "connector", "filesystem");
    opt(b, &first, "path",
        t->listed ? t->location : arena_printf(m->a, "%s.%s", t->name, sink ? "jsonl" : "jsonl"));
    opt(b, &first, "format", fmt);
  } else if (!strcmp(c, "kafka")) {
    opt(b, &first, "connector", "kafka");
    opt(b, &first, "topic", t->location);
    opt(b, &first, "properties.bootstrap.servers", "${KAFKA_BOOTSTRAP:-localhost:9092}");
    if (!sink) {
      opt(b, &first, "properties.group.id", arena_printf(m->a, "sluice-%s", t->name));
      opt(b, &first, "scan.startup.mode", "earliest-offset");
    }
    opt(b, &first, "format", fmt);
  } else if (!strcmp(c, "postgres-cdc")) {
    const char *loc = t->location, *d1 = strchr(loc, '.');
    const char *d2 = d1 ? strchr(d1 + 1, '.') : NULL;
    const char *db = "${PGDATABASE:-postgres}", *schema = "public", *table = loc;
    if (d2) {
      db = arena_strndup(m->a, loc, (size_t)(d1 - loc));
      schema = arena_strndup(m->a, d1 + 1, (size_t)(d2 - d1 - 1));
      table = d2 + 1;
    } else if (d1) {
      schema = arena_strndup(m->a, loc, (size_t)(d1 - loc));
      table = d1 + 1;
    }
    opt(b, &first, "connector", "postgres-cdc");
    opt(b, &first, "hostname", "${PGHOST:-localhost}");
    opt(b, &first, "port", "${PGPORT:-5432}");
    opt(b, &first, "username", "${PGUSER:-postgres}");
    opt(b, &first, "password", "${PGPASSWORD:-}");
    opt(b, &first, "database-name", db);
    opt(b, &first, "schema-name", schema);
    opt(b, &first, "table-name", table);
    opt(b, &first, "slot.name", arena_printf(m->a, "sluice_%s", t->name));
  } else { /* jdbc */
    opt(b, &first, "connector", "jdbc");
    opt(b, &first, "url", t->location);
    opt(b, &first, "table-name", t->qname);
  }
  if (!sink && t->event && t->time_col) opt(b, &first, "late-data", "dlq");
}

static void print_type(sl_buf *b, sl_type ty) { sql_print_type(b, ty); }

void mig_emit_table(mig *m, sl_buf *b, mig_table *t) {
  bool sink = t->sink;
  if (m->probe && sink && !t->declared) {
    buf_puts(b, "CREATE TABLE ");
    sql_print_name(b, t->name, false);
    buf_puts(b, " WITH ('connector' = 'blackhole');\n");
    return;
  }
  buf_printf(b, "\n-- %s %s: ", sink ? "sink" : t->dim ? "dimension table" : "source", t->qname);
  if (t->listed)
    buf_printf(b, "%s %s%s%s (from --sources)\n", t->connector, t->location, t->format ? " " : "",
               t->format ? t->format : "");
  else
    buf_printf(b,
               "not in --sources: TODO set its connector (a JSON lines file %s.jsonl for "
               "now)\n",
               t->name);
  if (t->derived)
    buf_puts(b, "-- no CREATE TABLE for it: its columns and types are those of the query\n");
  else if (!t->declared)
    buf_puts(b, sink ? "-- no CREATE TABLE for it: its columns are those of the query\n"
                     : "-- TODO no CREATE TABLE for it (--schema): its columns are read as "
                       "STRING\n");
  for (int i = 0; i < t->ncols; i++)
    if (t->cols[i].note) buf_printf(b, "-- column %s: %s\n", t->cols[i].name, t->cols[i].note);
  if (!sink && t->event && t->time_col) {
    buf_printf(b,
               "-- event time: %s (%s); watermark %lld ms behind the largest %s seen, a stated "
               "default: raise it if rows arrive later than that\n",
               t->time_col, t->time_why ? t->time_why : "its first timestamp column",
               (long long)m->o->watermark_ms, t->time_col);
    buf_puts(b, "-- late data: a row behind the watermark goes to the dead-letter file "
                "('late-data' = 'dlq'); 'drop' drops it, 'update' with 'allowed-lateness' "
                "corrects the window it missed\n");
  }
  if (t->dim) buf_puts(b, "-- read whole before the rows that look it up, and kept by key\n");
  if (t->proctime)
    buf_puts(b, "-- proc_time: the processing time its lookup joins ask the dimension tables "
                "at\n");
  if (sink && t->nsink_pk)
    buf_printf(b, "-- keyed (upsert) sink: %s\n", t->sink_pk_why ? t->sink_pk_why : "its key");
  buf_puts(b, "CREATE TABLE ");
  sql_print_name(b, t->name, false);
  int nitems = 0;
  bool cols = t->declared || (!sink && (t->nused || t->proctime));
  if (cols) buf_puts(b, " (");
  if (t->declared) {
    for (int i = 0; i < t->ncols; i++, nitems++) {
      buf_puts(b, nitems ? ",\n  " : "\n  ");
      sql_print_name(b, t->cols[i].name, false);
      buf_putc(b, ' ');
      print_type(b, t->cols[i].t);
    }
  } else if (!sink) {
    for (int i = 0; i < t->nused; i++, nitems++) {
      buf_puts(b, nitems ? ",\n  " : "\n  ");
      sql_print_name(b, t->used[i], false);
      buf_puts(b, " STRING");
    }
  }
  if (!sink && t->proctime) {
    buf_puts(b, nitems++ ? ",\n  " : "\n  ");
    buf_puts(b, "proc_time AS PROCTIME()");
  }
  if (!sink && t->event && t->time_col) {
    buf_puts(b, nitems++ ? ",\n  " : "\n  ");
    buf_puts(b, "WATERMARK FOR ");
    sql_print_name(b, t->time_col, false);
    buf_puts(b, " AS ");
    sql_print_name(b, t->time_col, false);
    buf_puts(b, " - ");
    sql_print_interval(b, m->o->watermark_ms);
  }
  const char **pk = sink ? t->sink_pk : t->pk;
  int npk = sink ? t->nsink_pk : (t->dim ? t->npk : 0);
  if (sink && !t->declared) npk = 0; /* a key needs columns: the query's could not be found */
  if (npk) {
    buf_puts(b, nitems++ ? ",\n  " : "\n  ");
    buf_puts(b, "PRIMARY KEY (");
    for (int i = 0; i < npk; i++) {
      if (i) buf_puts(b, ", ");
      sql_print_name(b, pk[i], false);
    }
    buf_puts(b, ") NOT ENFORCED");
  }
  if (cols) buf_puts(b, "\n)");
  buf_puts(b, " WITH (");
  connector_opts(m, b, t, sink);
  buf_puts(b, "\n);\n");
}
