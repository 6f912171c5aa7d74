/* fs_partition.c - PARTITIONED BY for the filesystem connector, in Flink's (and Hive's) layout:
 * a row's partition columns name its directory, col1=v1/col2=v2/ under 'path', and are not in
 * the records. Values are escaped as Hive does (%XX for '/', '=', '%', ':' ... and control
 * characters); NULL is 'partition.default-name'. The source reads the directories back into
 * typed values; the sink picks the directory of each row (fs_sink.c).
 * Must not touch: reading or writing files. */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fs.h"

char *fs_strf(const char *fmt, ...) {
  va_list ap;
  sl_buf b = {0};
  va_start(ap, fmt);
  buf_vprintf(&b, fmt, ap);
  va_end(ap);
  buf_cstr(&b);
  return b.data;
}

static bool needs_escape(unsigned char c) {
  return c < 0x20 || c == 0x7f || strchr("\"#%'*/:=?\\{[]^", c) != NULL;
}

void fs_partition_escape(const char *s, size_t n, sl_buf *out) {
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (needs_escape(c))
      buf_printf(out, "%%%02X", c);
    else
      buf_putc(out, (char)c);
  }
}

static char *unescape(const char *s, size_t n, sl_arena *a) {
  char *o = arena_alloc(a, n + 1), *w = o;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
        isxdigit((unsigned char)s[i + 2])) {
      char hex[3] = {s[i + 1], s[i + 2], 0};
      *w++ = (char)strtol(hex, NULL, 16);
      i += 2;
    } else {
      *w++ = s[i];
    }
  }
  *w = 0;
  return o;
}

bool fs_partition_parse(const char *rel, int n, const char *const *names, const char **vals,
                        const char *default_name, sl_arena *a) {
  bool *found = arena_zalloc(a, sizeof(bool) * (size_t)(n + 1));
  const char *p = rel;
  while (*p) {
    const char *end = strchr(p, '/');
    if (!end) break; /* the last component is the file */
    const char *eq = memchr(p, '=', (size_t)(end - p));
    if (eq) {
      for (int i = 0; i < n; i++)
        if (strlen(names[i]) == (size_t)(eq - p) && str_nieq(p, (size_t)(eq - p), names[i])) {
          const char *v = unescape(eq + 1, (size_t)(end - eq - 1), a);
          vals[i] = !strcmp(v, default_name) ? NULL : v;
          found[i] = true;
        }
    }
    p = end + 1;
  }
  for (int i = 0; i < n; i++)
    if (!found[i]) return false;
  return true;
}

static int col_index(const fmt_schema *s, const char *name) {
  for (int i = 0; i < s->ncols; i++)
    if (str_ieq(s->names[i], name)) return i;
  return -1;
}

/* Splits the columns of s into partition columns (in key order) and record columns. */
static sl_status split(const char *table, const fmt_schema *s, const char *const *keys, int n,
                       int *part_cols, int *rec_cols, sl_error *e) {
  int nrec = 0;
  for (int i = 0; i < n; i++)
    if ((part_cols[i] = col_index(s, keys[i])) < 0)
      return err_set(e, SL_ESQL, "table '%s': partition column '%s' is not a column", table,
                     keys[i]);
  for (int c = 0; c < s->ncols; c++) {
    bool part = false;
    for (int i = 0; i < n; i++) part |= part_cols[i] == c;
    if (!part) rec_cols[nrec++] = c;
  }
  return SL_OK;
}

sl_status fs_partition_setup(fs_source *f, const conn_ctx *c, sl_error *e) {
  arena_init(&f->parena, 1024);
  f->dschema = c->schema;
  int n = c->npartition_keys;
  if (n == 0) return SL_OK;
  f->nparts = n;
  f->part_cols = xcalloc((size_t)n, sizeof(int));
  f->rec_cols = xcalloc((size_t)c->schema.ncols + 1, sizeof(int));
  if (split(c->table, &c->schema, c->partition_keys, n, f->part_cols, f->rec_cols, e))
    return SL_ESQL;
  int nrec = c->schema.ncols - n;
  const char **names = arena_alloc(&f->parena, sizeof(char *) * (size_t)(nrec + 1));
  sl_type *types = arena_alloc(&f->parena, sizeof(sl_type) * (size_t)(nrec + 1));
  bool *needed = arena_alloc(&f->parena, sizeof(bool) * (size_t)(nrec + 1));
  for (int i = 0; i < nrec; i++) {
    int k = f->rec_cols[i];
    names[i] = c->schema.names[k];
    types[i] = c->schema.types[k];
    needed[i] = !c->schema.needed || c->schema.needed[k];
    if (k != i) f->scatter = true;
  }
  f->dschema.ncols = nrec;
  f->dschema.names = names;
  f->dschema.types = types;
  f->dschema.needed = needed;
  return SL_OK;
}

sl_value *fs_partition_values(fs_source *f, const char *path, sl_error *e) {
  size_t root = strlen(f->path);
  while (root > 1 && f->path[root - 1] == '/') root--;
  const char *rel = path + root;
  while (*rel == '/') rel++;
  const char **names = xcalloc((size_t)f->nparts, sizeof(char *));
  const char **vals = xcalloc((size_t)f->nparts, sizeof(char *));
  for (int i = 0; i < f->nparts; i++) names[i] = f->schema.names[f->part_cols[i]];
  const char *def = opt_get(&f->opts, fs_opts, "partition.default-name");
  sl_value *out = NULL;
  if (!fs_partition_parse(rel, f->nparts, names, vals, def, &f->parena)) {
    err_set(e, SL_ERUNTIME,
            "source '%s': '%s' is not under a directory for every partition "
            "column (col=value/)",
            f->base.name, path);
    goto done;
  }
  out = xcalloc((size_t)f->nparts, sizeof(sl_value));
  for (int i = 0; i < f->nparts; i++) {
    char why[200];
    sl_type t = f->schema.types[f->part_cols[i]];
    if (!vals[i]) {
      out[i] = value_null();
    } else if (!fmt_text_to_value(vals[i], strlen(vals[i]), t, &out[i], why, sizeof why)) {
      err_set(e, SL_ERUNTIME, "source '%s': partition directory %s=%s of '%s': %s", f->base.name,
              names[i], vals[i], path, why);
      free(out);
      out = NULL;
      goto done;
    }
  }
done:
  free(names);
  free(vals);
  return out;
}

void fs_partition_fill(const fs_source *f, sl_value *row, const sl_value *pvals) {
  if (f->scatter)
    for (int i = f->dschema.ncols - 1; i >= 0; i--) row[f->rec_cols[i]] = row[i];
  for (int k = 0; k < f->nparts; k++) row[f->part_cols[k]] = pvals[k];
}

sl_status fs_sink_partitions(const char *path, const conn_ctx *c, int *nparts, int **part_cols,
                             int **rec_cols, sl_error *e) {
  int n = c->npartition_keys;
  *nparts = n;
  *part_cols = xcalloc((size_t)n + 1, sizeof(int));
  *rec_cols = xcalloc((size_t)c->schema.ncols + 1, sizeof(int));
  if (n == 0) return SL_OK;
  if (n >= c->schema.ncols)
    return err_set(e, SL_ESQL, "table '%s': every column is a partition column", c->table);
  return split(c->table, &c->schema, c->partition_keys, n, *part_cols, *rec_cols, e);
}
