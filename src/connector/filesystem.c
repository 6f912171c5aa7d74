/* filesystem.c - the filesystem connector. Source: a file, a directory (its visible regular
 * files in name order) or a glob, read through mmap and decoded record by record into batches;
 * bounded: it ends when every file is read. Sink: one file written as a hidden temp file and
 * committed at the end of the run by fsync + rename + fsync of the directory, so a reader never
 * sees half a result (the checkpoint issue turns this into per-epoch part files). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "connector.h"

static const opt_def fs_opts[] = {
    {"connector", OPT_STRING, NULL, NULL, true, "filesystem"},
    {"path", OPT_STRING, NULL, NULL, true,
     "source: a file, a directory or a glob (data/*.jsonl); sink: the file to write"},
    {"format", OPT_ENUM, NULL, "json|csv|debezium-json", true, "record format"},
    {NULL, 0, NULL, NULL, false, NULL}};

/* ---- source ---- */

typedef struct fs_source {
  sl_op base;
  int source;
  fmt_decoder *dec;
  const char *fmt;
  sl_batch b;
  int cur; /* index of the open file, -1 before the first */
  int fd;
  const char *data;
  size_t size, pos;
  bool mapped;
  char *heap;
  uint64_t line;
} fs_source;

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_file(job_source *s, const char *path) {
  s->files = xrealloc(s->files, sizeof(char *) * (size_t)(s->nfiles + 1));
  s->files[s->nfiles++] = xstrdup(path);
}

static sl_status list_files(job_source *s, const char *path, sl_error *e) {
  struct stat st;
  if (strpbrk(path, "*?[")) {
    glob_t g;
    int rc = glob(path, 0, NULL, &g);
    if (rc == 0)
      for (size_t i = 0; i < g.gl_pathc; i++)
        if (stat(g.gl_pathv[i], &st) == 0 && S_ISREG(st.st_mode)) add_file(s, g.gl_pathv[i]);
    globfree(&g);
    if (s->nfiles == 0)
      return err_set(e, SL_ERUNTIME, "source '%s': no file matches '%s'", s->name, path);
    return SL_OK;
  }
  if (stat(path, &st) != 0)
    return err_set(e, SL_ERUNTIME, "source '%s': cannot open '%s': %s", s->name, path,
                   strerror(errno));
  if (!S_ISDIR(st.st_mode)) {
    add_file(s, path);
    return SL_OK;
  }
  DIR *d = opendir(path);
  if (!d)
    return err_set(e, SL_ERUNTIME, "source '%s': cannot read directory '%s': %s", s->name, path,
                   strerror(errno));
  struct dirent *de;
  while ((de = readdir(d))) {
    if (de->d_name[0] == '.' || de->d_name[0] == '_') continue; /* hidden and in-progress */
    size_t n = strlen(path) + strlen(de->d_name) + 2;
    char *p = xmalloc(n);
    snprintf(p, n, "%s/%s", path, de->d_name);
    if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) add_file(s, p);
    free(p);
  }
  closedir(d);
  qsort(s->files, (size_t)s->nfiles, sizeof(char *), cmp_str);
  return SL_OK;
}

static void close_file(fs_source *f) {
  if (f->mapped) munmap((void *)f->data, f->size);
  free(f->heap);
  if (f->fd >= 0) close(f->fd);
  f->fd = -1;
  f->data = NULL;
  f->heap = NULL;
  f->mapped = false;
  f->size = f->pos = 0;
}

static sl_status open_next(fs_source *f, sl_error *e) {
  job_source *s = &f->base.job->sources[f->source];
  const char *path = s->files[f->cur];
  f->fd = open(path, O_RDONLY);
  if (f->fd < 0) return err_set(e, SL_ERUNTIME, "cannot open '%s': %s", path, strerror(errno));
  struct stat st;
  if (fstat(f->fd, &st) != 0) return err_set(e, SL_ERUNTIME, "cannot stat '%s'", path);
  f->line = 0;
  f->pos = 0;
  if (S_ISREG(st.st_mode)) {
    f->size = (size_t)st.st_size;
    if (f->size) {
      void *m = mmap(NULL, f->size, PROT_READ, MAP_PRIVATE, f->fd, 0);
      if (m == MAP_FAILED)
        return err_set(e, SL_ERUNTIME, "cannot map '%s': %s", path, strerror(errno));
      madvise(m, f->size, MADV_SEQUENTIAL);
      f->data = m;
      f->mapped = true;
    }
  } else {
    size_t n;
    f->heap = file_read_all(path, &n, e);
    if (!f->heap) return SL_ERUNTIME;
    f->data = f->heap;
    f->size = n;
  }
  f->dec->vt->file_start(f->dec);
  return SL_OK;
}

static sl_status fs_pump(sl_op *op, pump_result *r, sl_error *e) {
  fs_source *f = (fs_source *)op;
  job_source *s = &op->job->sources[f->source];
  char why[512];
  sl_status st;
  while (!f->data || f->pos >= f->size) {
    if (f->cur >= 0) close_file(f);
    if (++f->cur >= s->nfiles) {
      *r = PUMP_ENDED;
      return SL_OK;
    }
    if ((st = open_next(f, e))) return st;
  }
  sl_batch *b = &f->b;
  while (b->nrows < b->cap && f->pos < f->size) {
    fmt_rec rec = {0};
    const char *p = f->data + f->pos;
    sl_value *row = batch_row(b, b->nrows);
    st = f->dec->vt->decode(f->dec, p, f->size - f->pos, &rec, row, &b->arena, why, sizeof why);
    uint64_t line = f->line + 1;
    f->pos += rec.consumed;
    f->line += rec.lines;
    if (rec.consumed == 0 && !rec.again) { /* a decoder must always make progress */
      return err_set(e, SL_EINTERNAL, "decoder made no progress at %s:%llu", s->files[f->cur],
                     (unsigned long long)line);
    }
    if (st == SL_EDATA) {
      sl_rowpos pos = {(uint32_t)f->source, (uint32_t)f->cur, line};
      size_t rawlen = rec.consumed;
      while (rawlen && (p[rawlen - 1] == '\n' || p[rawlen - 1] == '\r')) rawlen--;
      if ((st = job_reject(op->job, &pos, "decode", why, p, rawlen, e))) return st;
      continue;
    }
    if (st) return st;
    if (rec.no_row) continue;
    b->kind[b->nrows] = rec.kind;
    b->pos[b->nrows].source = (uint32_t)f->source;
    b->pos[b->nrows].file = (uint32_t)f->cur;
    b->pos[b->nrows].line = line;
    b->nrows++;
  }
  s->rows_read += (uint64_t)b->nrows;
  st = op_emit(op, b, e);
  batch_clear(b);
  return st;
}

static void fs_source_describe(const sl_op *op, sl_buf *out) {
  const fs_source *f = (const fs_source *)op;
  const fmt_schema *s = &f->dec->schema;
  int used = 0;
  for (int i = 0; i < s->ncols; i++) used += !s->needed || s->needed[i];
  buf_printf(out, "filesystem %s, reads %d of %d columns:", f->fmt, used, s->ncols);
  for (int i = 0; i < s->ncols; i++)
    if (!s->needed || s->needed[i]) buf_printf(out, " %s", s->names[i]);
}

static void fs_source_free(sl_op *op) {
  fs_source *f = (fs_source *)op;
  close_file(f);
  f->dec->vt->free(f->dec);
  batch_free(&f->b);
  free(f);
}

static const op_vt fs_source_vt = {
    .kind = "Source", .pump = fs_pump, .describe = fs_source_describe, .free = fs_source_free};

static sl_op *fs_source_new(const conn_ctx *c, sl_error *e) {
  job_source *s = &c->job->sources[c->source_index];
  if (!c->dry && list_files(s, opt_get(&c->opts, fs_opts, "path"), e)) return NULL;
  fs_source *f = xcalloc(1, sizeof *f);
  op_init(&f->base, &fs_source_vt, c->job, c->table);
  f->source = c->source_index;
  f->cur = -1;
  f->fd = -1;
  f->dec = c->fmt->decoder_new(&c->schema, &c->opts);
  f->fmt = c->fmt->name;
  f->base.updating = c->fmt->changelog;
  batch_init(&f->b, c->schema.ncols, c->job->batch_rows);
  return &f->base;
}

/* ---- sink ---- */

typedef struct fs_sink {
  sl_op base;
  int sink;
  fmt_encoder *enc;
  conn_writer w;
  char *path, *tmp;
  const char *fmt;
  bool committed;
} fs_sink;

static sl_status fs_sink_push(sl_op *op, int port, const sl_batch *b, sl_error *e) {
  fs_sink *f = (fs_sink *)op;
  if (f->enc->vt->encode_change)
    for (int r = 0; r < b->nrows; r++)
      f->enc->vt->encode_change(f->enc, b->kind[r], batch_row(b, r), &f->w.buf);
  else
    for (int r = 0; r < b->nrows; r++) f->enc->vt->encode(f->enc, batch_row(b, r), &f->w.buf);
  op->job->sinks[f->sink].rows_written += (uint64_t)b->nrows;
  if (f->w.buf.len > (1 << 20)) return conn_writer_flush(&f->w, e);
  return SL_OK;
}

static sl_status fsync_dir_of(const char *path, sl_error *e) {
  char *copy = xstrdup(path);
  int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
  free(copy);
  if (fd < 0) return err_set(e, SL_ERUNTIME, "cannot open the directory of '%s'", path);
  int rc = fsync(fd);
  close(fd);
  if (rc != 0) return err_set(e, SL_ERUNTIME, "fsync of the directory of '%s' failed", path);
  return SL_OK;
}

static sl_status fs_sink_finish(sl_op *op, sl_error *e) {
  fs_sink *f = (fs_sink *)op;
  sl_status st = conn_writer_flush(&f->w, e);
  if (st) return st;
  if (fsync(f->w.fd) != 0) /* fatal, never retried: the data may be gone */
    return err_set(e, SL_ERUNTIME, "fsync of '%s' failed: %s", f->tmp, strerror(errno));
  close(f->w.fd);
  f->w.fd = -1;
  if (rename(f->tmp, f->path) != 0)
    return err_set(e, SL_ERUNTIME, "cannot rename '%s' to '%s': %s", f->tmp, f->path,
                   strerror(errno));
  f->committed = true;
  return fsync_dir_of(f->path, e);
}

/* A stop: an unbounded run publishes what was written; a bounded one leaves the previous
 * file (fs_sink_free removes the temp file). */
static sl_status fs_sink_stop(sl_op *op, bool publish, sl_error *e) {
  return publish ? fs_sink_finish(op, e) : SL_OK;
}

static void fs_sink_describe(const sl_op *op, sl_buf *out) {
  const fs_sink *f = (const fs_sink *)op;
  buf_printf(out, "filesystem %s %s", f->fmt, f->path);
}

static void fs_sink_free(sl_op *op) {
  fs_sink *f = (fs_sink *)op;
  if (f->w.fd >= 0) close(f->w.fd);
  if (!f->committed && f->tmp) unlink(f->tmp);
  f->enc->vt->free(f->enc);
  buf_free(&f->w.buf);
  free(f->path);
  free(f->tmp);
  free(f);
}

static const op_vt fs_sink_vt = {.kind = "Sink",
                                 .push = fs_sink_push,
                                 .finish = fs_sink_finish,
                                 .stop = fs_sink_stop,
                                 .describe = fs_sink_describe,
                                 .free = fs_sink_free};

static sl_status mkdirs(const char *dir, sl_error *e) {
  char *p = xstrdup(dir);
  for (char *s = p + 1; *s; s++) {
    if (*s != '/') continue;
    *s = 0;
    if (mkdir(p, 0777) != 0 && errno != EEXIST) {
      err_set(e, SL_ERUNTIME, "cannot create directory '%s': %s", p, strerror(errno));
      free(p);
      return SL_ERUNTIME;
    }
    *s = '/';
  }
  if (mkdir(p, 0777) != 0 && errno != EEXIST) {
    err_set(e, SL_ERUNTIME, "cannot create directory '%s': %s", p, strerror(errno));
    free(p);
    return SL_ERUNTIME;
  }
  free(p);
  return SL_OK;
}

/* Makes the hidden temp file next to path (creating missing directories); NULL on error. */
static char *open_temp(const conn_ctx *c, const char *path, int *fd, sl_error *e) {
  struct stat st;
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
    err_set(e, SL_ERUNTIME, "sink '%s': '%s' is a directory; give the file to write", c->table,
            path);
    return NULL;
  }
  char *copy = xstrdup(path), *base = xstrdup(path);
  const char *dir = dirname(copy);
  char *tmp = NULL;
  if (!strcmp(dir, ".") || mkdirs(dir, e) == SL_OK) {
    size_t n = strlen(dir) + strlen(basename(base)) + 32;
    tmp = xmalloc(n);
    snprintf(tmp, n, "%s/.%s.inprogress.%d", dir, basename(base), (int)getpid());
    *fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (*fd < 0) {
      err_set(e, SL_ERUNTIME, "sink '%s': cannot create '%s': %s", c->table, tmp, strerror(errno));
      free(tmp);
      tmp = NULL;
    }
  }
  free(copy);
  free(base);
  return tmp;
}

static sl_op *fs_sink_new(const conn_ctx *c, sl_error *e) {
  const char *path = opt_get(&c->opts, fs_opts, "path");
  int fd = -1;
  char *tmp = NULL;
  if (!c->dry && !(tmp = open_temp(c, path, &fd, e))) return NULL;
  fs_sink *f = xcalloc(1, sizeof *f);
  op_init(&f->base, &fs_sink_vt, c->job, c->table);
  f->path = xstrdup(path);
  f->tmp = tmp;
  f->committed = c->dry; /* a dry sink has nothing to commit or clean up */
  f->w.fd = fd;
  f->w.what = f->path;
  f->enc = c->fmt->encoder_new(&c->schema, &c->opts);
  f->fmt = c->fmt->name;
  f->base.accepts_updates = c->fmt->changelog;
  if (f->enc->vt->header) f->enc->vt->header(f->enc, &f->w.buf);
  f->sink = job_add_sink(c->job, c->table, f->path, &f->base);
  return &f->base;
}

const conn_def conn_filesystem = {
    "filesystem",
    fs_opts,
    true,
    true,
    true,
    "Reads files (bounded: the run ends when all are read) and writes one file, committed "
    "atomically when the run ends.",
    fs_source_new,
    fs_sink_new};
