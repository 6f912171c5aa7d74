/* fs_sink.c - the filesystem sink. Rows go to buckets: one per partition directory with
 * PARTITIONED BY (col=value/ under 'path', the partition columns left out of the records), else
 * one. A bucket writes a hidden in-progress file and publishes it by fsync + rename + fsync of
 * the directory, so a reader never sees half a file:
 * - bounded run, no partitions: 'path' is the file; `.NAME.inprogress.PID` next to it becomes
 *   'path' when the run ends (a stop before the end publishes nothing);
 * - unbounded run (a monitored source) or PARTITIONED BY: 'path' is a directory of part files
 *   `part-<uuid>-<n>` (Flink's layout), written as `.part-<uuid>-<n>.inprogress.PID` and
 *   published when rolled ('sink.rolling-policy.*': size checked per row, age by a loop timer)
 *   and when the run ends or stops (SIGTERM: an unbounded run publishes what it wrote).
 * Which of the two is decided when the first row or the end arrives (job.bounded is known
 * then). Temp files of this sink left by a killed run are removed when the sink is created.
 * Must not touch: the rows (it only encodes them), other sinks' files. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"

typedef struct fs_bucket {
  char *key; /* partition path "a=1/b=x", "" without partitions */
  char *dir;
  conn_writer w;     /* fd -1: no file open */
  char *tmp, *final; /* tmp: the part being written (fd -1 and tmp set: closed for a while) */
  char *made;        /* the first directory this sink created for it (removed if left empty) */
  int64_t bytes, opened_ms;
  bool prepared; /* written and fsynced; the rename is left to commit */
  uint64_t used; /* when it last got rows (f->clock): the least recently used is closed first */
} fs_bucket;

/* Open part files of a sink at most (PARTITIONED BY can have any number of buckets). */
enum { FS_OPEN_BUCKETS = 64 };

typedef struct fs_sink {
  sl_op base;
  int sink;
  const fmt_def *fmtdef;
  fmt_schema schema; /* of the records: without the partition columns */
  fmt_encoder *enc;
  char *path;
  bool dry, started, parts_mode; /* parts_mode: part files in the 'path' directory */
  fs_bucket *buckets;
  int nbuckets, last;
  uint64_t clock;
  char uuid[40];
  int next_part;
  int64_t file_size, rollover_ms, check_ms;
  uint64_t timer;
  sl_error timer_err; /* a failed roll in the timer, reported at the next call */
  int nparts;         /* PARTITIONED BY */
  int *part_cols, *rec_cols;
  const char *default_name;
  sl_value *rec_row;
  sl_buf keybuf, valbuf; /* the row's partition path; one value's text (scratch) */
  char **prefixes;       /* "col=" per partition column */
  int *byhash;           /* open addressing: bucket indexes by key, -1 empty */
  int nbyhash;           /* its size, a power of 2 */
  sl_arena arena;
} fs_sink;

sl_status fs_fsync_dir(const char *dir, sl_error *e) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return err_set(e, SL_ERUNTIME, "cannot open the directory '%s'", dir);
  int rc = fsync(fd);
  close(fd);
  if (rc != 0) return err_set(e, SL_ERUNTIME, "fsync of the directory '%s' failed", dir);
  return SL_OK;
}

/* Creates dir and its missing parents; *made (if not NULL) gets the first one created. */
static sl_status mkdirs_made(const char *dir, char **made, sl_error *e) {
  char *p = xstrdup(dir);
  for (char *s = p + 1;; s++) {
    if (*s && *s != '/') continue;
    char c = *s;
    *s = 0;
    if (mkdir(p, 0777) == 0) {
      if (made && !*made) *made = xstrdup(p);
    } else if (errno != EEXIST) {
      err_set(e, SL_ERUNTIME, "cannot create directory '%s': %s", p, strerror(errno));
      free(p);
      return SL_ERUNTIME;
    }
    if (!c) break;
    *s = c;
  }
  free(p);
  return SL_OK;
}

sl_status fs_mkdirs(const char *dir, sl_error *e) { return mkdirs_made(dir, NULL, e); }

/* Removes the directories made for b, from its own up, as long as they are empty. */
static void bucket_rmdirs(fs_bucket *b) {
  if (!b->made) return;
  char *p = xstrdup(b->dir);
  size_t stop = strlen(b->made);
  while (strlen(p) >= stop && rmdir(p) == 0) {
    char *slash = strrchr(p, '/');
    if (!slash) break;
    *slash = 0;
  }
  free(p);
}

static void make_uuid(char out[40]) {
  unsigned char r[16];
  if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
    for (size_t i = 0; i < sizeof r; i++) r[i] = (unsigned char)(rand() ^ getpid() ^ (int)i);
  r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);
  r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);
  snprintf(out, 40, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0],
           r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14],
           r[15]);
}

/* ---- one bucket's file ---- */

static sl_status bucket_write(fs_bucket *b, sl_error *e) {
  b->bytes += (int64_t)b->w.buf.len;
  return conn_writer_flush(&b->w, e);
}

/* At most FS_OPEN_BUCKETS part files are open: the least recently used one is written out and
 * closed (its temp file stays; it is reopened to append when it gets rows again). */
static sl_status bucket_make_room(fs_sink *f, sl_error *e) {
  fs_bucket *lru = NULL;
  int open = 0;
  for (int i = 0; i < f->nbuckets; i++) {
    fs_bucket *b = &f->buckets[i];
    if (b->w.fd < 0) continue;
    open++;
    if (!lru || b->used < lru->used) lru = b;
  }
  if (open < FS_OPEN_BUCKETS) return SL_OK;
  sl_status st = bucket_write(lru, e);
  if (st) return st;
  close(lru->w.fd);
  lru->w.fd = -1;
  return SL_OK;
}

/* A bucket closed by bucket_make_room: its temp file is opened again, to append. */
static sl_status bucket_reopen(fs_sink *f, fs_bucket *b, sl_error *e) {
  sl_status st = bucket_make_room(f, e);
  if (st) return st;
  b->w.fd = open(b->tmp, O_WRONLY | O_APPEND | O_CLOEXEC);
  if (b->w.fd < 0)
    return err_set(e, SL_ERUNTIME, "sink '%s': cannot open '%s' again: %s", f->base.name, b->tmp,
                   strerror(errno));
  return SL_OK;
}

static sl_status bucket_open(fs_sink *f, fs_bucket *b, sl_error *e) {
  sl_status st = bucket_make_room(f, e);
  if (st) return st;
  if (mkdirs_made(b->dir, &b->made, e)) return SL_ERUNTIME;
  free(b->final);
  if (f->parts_mode) {
    b->final = fs_strf("%s/part-%s-%d", b->dir, f->uuid, f->next_part);
    b->tmp = fs_strf("%s/.part-%s-%d.inprogress.%d", b->dir, f->uuid, f->next_part, (int)getpid());
    f->next_part++;
  } else {
    char *copy = xstrdup(f->path);
    b->final = xstrdup(f->path);
    b->tmp = fs_strf("%s/.%s.inprogress.%d", b->dir, basename(copy), (int)getpid());
    free(copy);
    struct stat sb;
    if (stat(f->path, &sb) == 0 && S_ISDIR(sb.st_mode))
      return err_set(e, SL_ERUNTIME, "sink '%s': '%s' is a directory; give the file to write",
                     f->base.name, f->path);
  }
  b->w.fd = open(b->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (b->w.fd < 0)
    return err_set(e, SL_ERUNTIME, "sink '%s': cannot create '%s': %s", f->base.name, b->tmp,
                   strerror(errno));
  b->w.what = b->tmp;
  b->bytes = 0;
  b->opened_ms = loop_now_ms();
  if (f->enc->vt->header) f->enc->vt->header(f->enc, &b->w.buf);
  return SL_OK;
}

/* fsync, close, rename to the final name, fsync the directory. */
/* Writes out and fsyncs the bucket's temp file; it is not visible yet. */
static sl_status bucket_prepare(fs_sink *f, fs_bucket *b, sl_error *e) {
  if (!b->prepared && b->w.fd < 0 && b->tmp && bucket_reopen(f, b, e))
    return e->code; /* closed for a while (open-file cap): its buffered rows go in too */
  if (b->w.fd < 0) return SL_OK;
  sl_status st = bucket_write(b, e);
  if (st) return st;
  if (fsync(b->w.fd) != 0) /* fatal, never retried: the data may be gone */
    return err_set(e, SL_ERUNTIME, "fsync of '%s' failed: %s", b->tmp, strerror(errno));
  close(b->w.fd);
  b->w.fd = -1;
  b->prepared = true;
  return SL_OK;
}

/* Publishes a prepared temp file under its final name (rename + fsync of the directory). */
static sl_status bucket_commit(fs_bucket *b, sl_error *e) {
  if (!b->prepared) return SL_OK;
  if (rename(b->tmp, b->final) != 0)
    return err_set(e, SL_ERUNTIME, "cannot rename '%s' to '%s': %s", b->tmp, b->final,
                   strerror(errno));
  b->prepared = false;
  free(b->tmp);
  b->tmp = NULL;
  return fs_fsync_dir(b->dir, e);
}

static sl_status bucket_publish(fs_sink *f, fs_bucket *b, sl_error *e) {
  sl_status st = bucket_prepare(f, b, e);
  return st ? st : bucket_commit(b, e);
}

/* ---- buckets ---- */

static uint32_t hash_key(const char *s) {
  uint32_t h = 2166136261u;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
  return h;
}

static void byhash_put(fs_sink *f, int i) {
  uint32_t m = (uint32_t)(f->nbyhash - 1), h = hash_key(f->buckets[i].key) & m;
  while (f->byhash[h] >= 0) h = (h + 1) & m;
  f->byhash[h] = i;
}

static fs_bucket *bucket_get(fs_sink *f, const char *key) {
  if (f->last < f->nbuckets && !strcmp(f->buckets[f->last].key, key)) return &f->buckets[f->last];
  if (f->nbyhash) {
    uint32_t m = (uint32_t)(f->nbyhash - 1);
    for (uint32_t h = hash_key(key) & m; f->byhash[h] >= 0; h = (h + 1) & m)
      if (!strcmp(f->buckets[f->byhash[h]].key, key)) return &f->buckets[f->last = f->byhash[h]];
  }
  f->buckets = xrealloc(f->buckets, sizeof(fs_bucket) * (size_t)(f->nbuckets + 1));
  fs_bucket *b = &f->buckets[f->nbuckets];
  memset(b, 0, sizeof *b);
  b->key = xstrdup(key);
  b->w.fd = -1;
  if (f->parts_mode)
    b->dir = *key ? fs_strf("%s/%s", f->path, key) : xstrdup(f->path);
  else {
    char *copy = xstrdup(f->path);
    b->dir = xstrdup(dirname(copy));
    free(copy);
  }
  f->last = f->nbuckets++;
  if (2 * f->nbuckets > f->nbyhash) { /* grow: at most half full */
    f->nbyhash = f->nbyhash ? 2 * f->nbyhash : 64;
    f->byhash = xrealloc(f->byhash, sizeof(int) * (size_t)f->nbyhash);
    for (int i = 0; i < f->nbyhash; i++) f->byhash[i] = -1;
    for (int i = 0; i < f->nbuckets; i++) byhash_put(f, i);
  } else {
    byhash_put(f, f->last);
  }
  return &f->buckets[f->last];
}

static void on_check(sl_loop *l, uint64_t id, void *arg) {
  fs_sink *f = arg;
  int64_t now = loop_now_ms();
  for (int i = 0; i < f->nbuckets && !f->timer_err.code; i++) {
    fs_bucket *b = &f->buckets[i];
    if (b->tmp && now - b->opened_ms >= f->rollover_ms) bucket_publish(f, b, &f->timer_err);
  }
}

/* The first row or the end: the mode follows the job (known once it runs). */
static sl_status start(fs_sink *f, sl_error *e) {
  f->started = true;
  if (f->nparts) { /* "col=" of each partition column, for row_key */
    f->prefixes = xcalloc((size_t)f->nparts, sizeof(char *));
    for (int i = 0; i < f->nparts; i++)
      f->prefixes[i] = fs_strf("%s%s=", i ? "/" : "", f->base.cols[f->part_cols[i]]);
  }
  f->parts_mode = f->nparts > 0 || !f->base.job->bounded;
  if (f->parts_mode) {
    struct stat st;
    if (stat(f->path, &st) == 0 && !S_ISDIR(st.st_mode))
      return err_set(e, SL_ERUNTIME,
                     "sink '%s': '%s' is a file, but %s writes part files into the directory "
                     "'path'",
                     f->base.name, f->path,
                     f->nparts ? "a partitioned table" : "an unbounded run (a monitored source)");
    if (fs_mkdirs(f->path, e)) return SL_ERUNTIME;
    if (!f->base.job->bounded)
      f->timer = loop_add_timer(f->base.job->loop, f->check_ms, f->check_ms, on_check, f);
  }
  return SL_OK;
}

static const char *row_key(fs_sink *f, const sl_value *row) {
  sl_buf *k = &f->keybuf, *v = &f->valbuf;
  k->len = 0;
  for (int i = 0; i < f->nparts; i++) {
    int c = f->part_cols[i];
    buf_puts(k, f->prefixes[i]);
    if (row[c].null) {
      buf_puts(k, f->default_name);
      continue;
    }
    v->len = 0;
    value_format_tz(&row[c], f->base.types[c], f->schema.tz_offset_ms, v);
    fs_partition_escape(v->data ? v->data : "", v->len, k);
  }
  return buf_cstr(k);
}

/* The row has the partition values of prev (so the same key): the same NULLs, the same bits
 * for floating point (0.0 and -0.0 are different directories), else equal values. */
static bool same_partition(const fs_sink *f, const sl_value *row, const sl_value *prev) {
  for (int i = 0; i < f->nparts; i++) {
    int c = f->part_cols[i];
    const sl_value *a = &row[c], *b = &prev[c];
    sl_type t = f->base.types[c];
    if (a->null != b->null) return false;
    if (a->null) continue;
    if (t.id == T_FLOAT || t.id == T_DOUBLE ? memcmp(&a->u.d, &b->u.d, sizeof a->u.d) != 0
                                            : value_compare(a, b, t) != 0)
      return false;
  }
  return true;
}

/* What a closed bucket (see bucket_make_room) buffers before it is opened again to write: rows
 * for many partitions in no order do not reopen a file per row. At most 64 MiB in all. */
static size_t closed_cap(const fs_sink *f) {
  size_t cap = ((size_t)64 << 20) / (size_t)(f->nbuckets ? f->nbuckets : 1);
  return cap < ((size_t)64 << 10) ? cap : ((size_t)64 << 10);
}

static sl_status fs_sink_push(sl_op *op, int port, const sl_batch *in, sl_error *e) {
  fs_sink *f = (fs_sink *)op;
  sl_status st;
  if (f->timer_err.code) return *e = f->timer_err, e->code;
  if (!f->started && (st = start(f, e))) return st;
  fs_bucket *b = NULL;
  for (int r = 0; r < in->nrows; r++) {
    const sl_value *row = batch_row(in, r);
    if (!b || (f->nparts && !same_partition(f, row, batch_row(in, r - 1))))
      b = bucket_get(f, f->nparts ? row_key(f, row) : "");
    if (b->w.fd < 0 && !b->tmp && (st = bucket_open(f, b, e))) return st;
    b->used = ++f->clock;
    if (f->nparts) {
      for (int i = 0; i < f->schema.ncols; i++) f->rec_row[i] = row[f->rec_cols[i]];
      row = f->rec_row;
    }
    if (f->enc->vt->encode_change)
      f->enc->vt->encode_change(f->enc, in->kind[r], row, &b->w.buf);
    else
      f->enc->vt->encode(f->enc, row, &b->w.buf);
    if (f->parts_mode && !f->base.job->bounded &&
        b->bytes + (int64_t)b->w.buf.len >= f->file_size) {
      if ((st = bucket_publish(f, b, e))) return st;
    } else if (b->w.buf.len > (b->w.fd >= 0 ? (size_t)1 << 20 : closed_cap(f))) {
      if (b->w.fd < 0 && (st = bucket_reopen(f, b, e))) return st;
      if ((st = bucket_write(b, e))) return st;
    }
  }
  op->job->sinks[f->sink].rows_written += (uint64_t)in->nrows;
  return SL_OK;
}

static sl_status fs_sink_flush(sl_op *op, sl_error *e) {
  fs_sink *f = (fs_sink *)op;
  if (f->timer_err.code) return *e = f->timer_err, e->code;
  for (int i = 0; i < f->nbuckets; i++) {
    fs_bucket *b = &f->buckets[i];
    if (b->w.fd >= 0 && b->w.buf.len) {
      sl_status st = bucket_write(b, e);
      if (st) return st;
    }
  }
  return SL_OK;
}

/* The end of the input: every file is written and fsynced, but published only by commit,
 * which the executor calls once every source of the job has ended (so a statement set whose
 * other sources are still running, or that fails or is stopped later, publishes nothing). */
static sl_status fs_sink_finish(sl_op *op, sl_error *e) {
  fs_sink *f = (fs_sink *)op;
  sl_status st;
  if (f->timer_err.code) return *e = f->timer_err, e->code;
  if (!f->started && (st = start(f, e))) return st;
  /* a bounded file is written even without rows (a CSV header, or empty) */
  if (!f->parts_mode && f->nbuckets == 0) {
    fs_bucket *b = bucket_get(f, "");
    if ((st = bucket_open(f, b, e))) return st;
  }
  for (int i = 0; i < f->nbuckets; i++)
    if ((st = bucket_prepare(f, &f->buckets[i], e))) return st;
  return SL_OK;
}

static sl_status fs_sink_commit(sl_op *op, sl_error *e) {
  fs_sink *f = (fs_sink *)op;
  for (int i = 0; i < f->nbuckets; i++) {
    sl_status st = bucket_commit(&f->buckets[i], e);
    if (st) return st;
  }
  return SL_OK;
}

/* A stop: an unbounded run publishes what was written; a bounded one leaves the previous
 * output (fs_sink_free removes the temp files). */
static sl_status fs_sink_stop(sl_op *op, bool publish, sl_error *e) {
  if (!publish) return SL_OK;
  sl_status st = op->ended ? SL_OK : fs_sink_finish(op, e);
  return st ? st : fs_sink_commit(op, e);
}

/* Delivery: in an unbounded run every row received so far is made durable by publishing the
 * part files being written (fsync, rename, fsync of the directory), as Flink's file sink rolls
 * on checkpoints. A bounded run's one file is published only at its end: no epoch is
 * acknowledged before (the end commits every source position). */
static sl_status fs_sink_barrier(sl_op *op, uint64_t epoch, sl_error *e) {
  fs_sink *f = (fs_sink *)op;
  if (f->timer_err.code) return *e = f->timer_err, e->code;
  if (op->job->bounded) return SL_OK;
  for (int i = 0; i < f->nbuckets; i++)
    if (f->buckets[i].tmp) {
      sl_status st = bucket_publish(f, &f->buckets[i], e);
      if (st) return st;
    }
  op_sink_durable(op, epoch);
  return SL_OK;
}

static void fs_sink_describe(const sl_op *op, sl_buf *out) {
  const fs_sink *f = (const fs_sink *)op;
  buf_printf(out, "filesystem %s %s", f->fmtdef->name, f->path);
  if (f->nparts) {
    buf_puts(out, " partitioned by");
    for (int i = 0; i < f->nparts; i++)
      buf_printf(out, "%s %s", i ? "," : "", f->base.cols[f->part_cols[i]]);
  }
}

static void fs_sink_free(sl_op *op) {
  fs_sink *f = (fs_sink *)op;
  if (f->timer) loop_del_timer(f->base.job->loop, f->timer);
  for (int i = 0; i < f->nbuckets; i++) {
    fs_bucket *b = &f->buckets[i];
    if (b->w.fd >= 0) close(b->w.fd);
    if (b->tmp) { /* not published: no file, and no directory made for it left empty */
      unlink(b->tmp);
      bucket_rmdirs(b);
    }
    free(b->tmp);
    free(b->made);
    free(b->final);
    free(b->dir);
    free(b->key);
    buf_free(&b->w.buf);
  }
  free(f->buckets);
  if (f->enc) f->enc->vt->free(f->enc);
  free(f->path);
  free(f->part_cols);
  free(f->rec_cols);
  free(f->rec_row);
  buf_free(&f->keybuf);
  buf_free(&f->valbuf);
  for (int i = 0; f->prefixes && i < f->nparts; i++) free(f->prefixes[i]);
  free(f->prefixes);
  free(f->byhash);
  arena_free(&f->arena);
  free(f);
}

static const op_vt fs_sink_vt = {.kind = "Sink",
                                 .push = fs_sink_push,
                                 .finish = fs_sink_finish,
                                 .commit = fs_sink_commit,
                                 .stop = fs_sink_stop,
                                 .flush = fs_sink_flush,
                                 .barrier = fs_sink_barrier,
                                 .describe = fs_sink_describe,
                                 .free = fs_sink_free};

/* ---- temp files of killed runs ---- */

static bool pid_alive(long pid) { return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM); }

int fs_remove_stale(const char *dir, const char *prefix, bool exact, const char *table) {
  DIR *d = opendir(dir);
  if (!d) return 0;
  size_t pl = strlen(prefix);
  int removed = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    const char *n = de->d_name;
    if (n[0] != '.' || strncmp(n + 1, prefix, pl)) continue;
    const char *m = strstr(n + 1 + pl, ".inprogress.");
    if (!m || (exact && m != n + 1 + pl)) continue;
    char *end;
    long pid = strtol(m + 12, &end, 10);
    if (*end || end == m + 12 || pid == (long)getpid() || pid_alive(pid)) continue;
    char *p = fs_strf("%s/%s", dir, n);
    if (unlink(p) == 0) {
      fprintf(stderr, "sluice: sink '%s': removed '%s', left by a run that was killed (pid %ld)\n",
              table, p, pid);
      removed++;
    }
    free(p);
  }
  closedir(d);
  return removed;
}

/* Part files of this sink live in 'path' and its partition directories. */
static void remove_stale_parts(const char *dir, int depth, const char *table) {
  fs_remove_stale(dir, "part-", false, table);
  if (depth <= 0) return;
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *de;
  while ((de = readdir(d))) {
    if (de->d_name[0] == '.' || !strchr(de->d_name, '=')) continue;
    char *p = fs_strf("%s/%s", dir, de->d_name);
    struct stat st;
    if (stat(p, &st) == 0 && S_ISDIR(st.st_mode)) remove_stale_parts(p, depth - 1, table);
    free(p);
  }
  closedir(d);
}

sl_op *fs_sink_new(const conn_ctx *c, sl_error *e) {
  const char *path = opt_get(&c->opts, fs_opts, "path");
  int64_t size = 0, roll = 0, check = 0;
  static const char *const keys[] = {"sink.rolling-policy.file-size",
                                     "sink.rolling-policy.rollover-interval",
                                     "sink.rolling-policy.check-interval"};
  int64_t *vals[] = {&size, &roll, &check};
  for (int i = 0; i < 3; i++) {
    const char *v = opt_get(&c->opts, fs_opts, keys[i]);
    sl_status st = i == 0 ? opt_parse_size(v, vals[i]) : opt_parse_duration(v, vals[i]);
    if (st || *vals[i] <= 0) {
      err_set(e, SL_ESQL, "table '%s': '%s' = '%s' is not a %s", c->table, keys[i], v,
              i == 0 ? "size such as '128mb'" : "duration such as '30 min' or '10 s'");
      return NULL;
    }
  }
  if (c->nprimary_key && !c->fmt->changelog) /* the materialised table by key (fs_upsert.c) */
    return fs_upsert_new(c, roll, check, e);
  fs_sink *f = xcalloc(1, sizeof *f);
  op_init(&f->base, &fs_sink_vt, c->job, c->table);
  f->base.accepts_updates = c->fmt->changelog;
  f->path = xstrdup(path);
  size_t n = strlen(f->path);
  while (n > 1 && f->path[n - 1] == '/') f->path[--n] = 0;
  f->dry = c->dry;
  f->fmtdef = c->fmt;
  f->file_size = size;
  f->rollover_ms = roll;
  f->check_ms = check;
  f->default_name = opt_get(&c->opts, fs_opts, "partition.default-name");
  f->schema = c->schema;
  arena_init(&f->arena, 1024);
  make_uuid(f->uuid);
  if (fs_sink_partitions(f->path, c, &f->nparts, &f->part_cols, &f->rec_cols, e)) {
    fs_sink_free(&f->base);
    return NULL;
  }
  if (f->nparts) {
    /* the records hold the other columns */
    int nrec = c->schema.ncols - f->nparts;
    const char **names = arena_alloc(&f->arena, sizeof(char *) * (size_t)(nrec + 1));
    sl_type *types = arena_alloc(&f->arena, sizeof(sl_type) * (size_t)(nrec + 1));
    for (int i = 0; i < nrec; i++) {
      names[i] = c->schema.names[f->rec_cols[i]];
      types[i] = c->schema.types[f->rec_cols[i]];
    }
    f->schema.ncols = nrec;
    f->schema.names = names;
    f->schema.types = types;
    f->rec_row = xcalloc((size_t)nrec + 1, sizeof(sl_value));
  }
  if (!c->dry) { /* what killed runs of this sink left: its temp file, its part files */
    char *copy = xstrdup(f->path), *base = xstrdup(f->path);
    char *prefix = xstrdup(basename(base));
    const char *dir = dirname(copy);
    if (strcmp(dir, ".") && fs_mkdirs(dir, e)) { /* the dead-letter file may go there too */
      free(prefix);
      free(copy);
      free(base);
      fs_sink_free(&f->base);
      return NULL;
    }
    fs_remove_stale(dir, prefix, true, c->table);
    remove_stale_parts(f->path, f->nparts, c->table);
    free(prefix);
    free(copy);
    free(base);
  }
  f->enc = c->fmt->encoder_new(&f->schema, &c->opts);
  f->sink = job_add_sink(c->job, c->table, f->path, &f->base);
  return &f->base;
}
