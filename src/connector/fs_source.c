/* fs_source.c - the filesystem source operator: reads its files (or stdin, or a FIFO) through a
 * bounded window (fs_reader.c) and decodes whole records into batches. Bounded by default (the
 * run ends when every file is read); with 'source.monitor-interval' it is unbounded and reads
 * what is appended and what appears (fs_monitor.c finds it). A stream (stdin, FIFO) is read
 * through the job's loop: a FIFO it opens non-blocking; stdin, whose file description may be
 * shared (a tty with the shell), keeps its flags and is read only when poll() says it is
 * readable. The pump never blocks: no whole record buffered and nothing to read now is
 * PUMP_WAIT.
 * Must not touch: what a decoder does with a record (format/), what follows the source. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"

/* ---- the file the reader is on ---- */

void fs_detach(fs_source *f) {
  if (f->cur < 0) return;
  fs_file *x = &f->files[f->cur];
  if (!x->stream) x->offset = fs_reader_offset(&f->r);
  f->cur = -1; /* x->skipping stays: the rest of a dropped record is dropped when read */
}

/* A monitored file read up to its end: the reader stays on it (its partial last line stays in
 * the window) until another file has something to read. What is appended later is reported by
 * inotify or found by the interval sweep. */
static void park(fs_source *f, fs_file *x) {
  fs_reader *r = &f->r;
  x->size_seen = r->off + (off_t)r->len;
  x->offset = fs_reader_offset(r);
  fs_file_mark(x);
  x->dirty = x->check = false;
  x->used_ms = loop_now_ms();
}

static sl_status attach(fs_source *f, int i, sl_error *e) {
  fs_file *x = &f->files[i];
  sl_status st = fs_file_open(f, x, e);
  if (st || x->done) return st; /* monitoring: gone out of reach, nothing to read */
  f->cur = i;
  x->used_ms = loop_now_ms();
  x->bom_pending = x->offset == 0;
  fs_reader *r = &f->r;
  r->fd = x->fd;
  r->seekable = !x->stream;
  r->off = x->offset;
  r->len = r->pos = r->complete = 0;
  r->eof = false;
  /* monitored files keep a partial last line for later; a rotated-away one is read to its end */
  r->final = x->stream ? !x->fifo : !f->monitor || x->finishing;
  r->mapped = false;
  r->buf = r->heap; /* a previous file's mapping goes at the next fill */
  struct stat sb;
  if (!x->stream && !f->monitor && fstat(x->fd, &sb) == 0 && S_ISREG(sb.st_mode))
    fs_reader_map(r, sb.st_size); /* read once to its end: map, do not copy */
  return SL_OK;
}

static void stream_ready(sl_loop *l, int fd, int mask, void *arg) { op_source_ready(arg); }

/* The end of a stream or a bounded file; a monitored file only rests until it grows. */
static void file_finished(fs_source *f, fs_file *x) {
  x->done = true;
  fs_file_close(f, x);
}

/* A read of fd now would not block. */
static bool readable(int fd) {
  struct pollfd p = {fd, POLLIN, 0};
  return poll(&p, 1, 0) == 1 && p.revents;
}

/* A named FIFO reads 0 both before any writer came and after the last one left: only the
 * latter (POLLHUP) is its end. */
static bool fifo_ended(const fs_file *x) {
  struct pollfd p = {x->fd, POLLIN, 0};
  return poll(&p, 1, 0) == 1 && (p.revents & POLLHUP);
}

static int split_next(fs_source *f);

/* Picks the next file with something to read: in order for a bounded source, any dirty one
 * when monitoring. -1 when none. */
static int next_file(fs_source *f) {
  if (f->split) return f->cur >= 0 ? f->cur : split_next(f);
  for (int i = 0; i < f->nfiles; i++) {
    fs_file *x = &f->files[i];
    if (x->done) continue;
    if (!f->monitor || x->dirty || x->stream) return i;
  }
  return -1;
}

/* A UTF-8 byte-order mark at offset 0 of a file or stream is not data, whatever the format:
 * skipped once the first bytes are there (or the input ended before three), and what follows
 * is framed again (a CSV quote right after it opens a quoted field). */
static void skip_bom(fs_file *x, fs_reader *r) {
  const char *p = r->buf + r->pos;
  size_t have = r->len - r->pos;
  if (have < 3 && !memcmp(p, "\xEF\xBB\xBF", have) && !(r->eof && r->final)) return; /* more */
  x->bom_pending = false;
  if (!fmt_bom(p, have)) return;
  r->pos += 3;
  r->complete = r->pos + fs_frame(&r->framing, r->buf + r->pos, r->len - r->pos);
}

/* The reader is on a monitored file that has nothing more to read now. */
static bool parked(const fs_source *f) {
  const fs_file *x = &f->files[f->cur];
  return f->monitor && !x->stream && !x->dirty;
}

/* ---- parallel reading: units (file chunks) taken from the shared split ---- */

static void split_plan(fs_source *f) {
  f->unit_base = xcalloc((size_t)f->nfiles + 1, sizeof(uint64_t));
  for (int i = 0; i < f->nfiles; i++) {
    struct stat sb;
    uint64_t n = 1;
    if (!f->framing.csv && stat(f->files[i].path, &sb) == 0 && S_ISREG(sb.st_mode) &&
        sb.st_size > f->split_size)
      n = (uint64_t)((sb.st_size + f->split_size - 1) / f->split_size);
    f->unit_base[i + 1] = f->unit_base[i] + n;
  }
}

/* The next unit this worker reads: its file, placed at the chunk's first whole record. -1
 * when every unit is taken. */
static int split_next(fs_source *f) {
  uint64_t u = conn_split_take(f->split);
  if (u >= f->unit_base[f->nfiles]) {
    f->split_over = true;
    return -1;
  }
  int i = 0;
  while (f->unit_base[i + 1] <= u) i++;
  fs_file *x = &f->files[i];
  uint64_t k = u - f->unit_base[i];
  bool last = u + 1 == f->unit_base[i + 1];
  x->done = false;
  x->line = 0;
  x->offset = k ? (off_t)(k * (uint64_t)f->split_size - 1) : 0;
  x->skipping = k > 0; /* the record that began in the chunk before is not ours */
  f->chunk_end = last ? -1 : (int64_t)((k + 1) * (uint64_t)f->split_size);
  f->by_offset = k > 0;
  if (!x->dec) { /* closed at the end of its previous chunk */
    x->dec = f->fmtdef->decoder_new(&f->dschema, &f->opts);
    x->dec->vt->file_start(x->dec);
  }
  return i;
}

static bool all_done(const fs_source *f) {
  if (f->split) return f->split_over; /* every unit is taken (and this worker's are read) */
  for (int i = 0; i < f->nfiles; i++)
    if (!f->files[i].done) return false;
  return true;
}

/* The record at the reader is longer than the cap: dead-letter its start with the reason and
 * drop it up to its line break. */
static sl_status too_long(fs_source *f, fs_file *x, sl_error *e) {
  fs_reader *r = &f->r;
  sl_rowpos pos = {(uint32_t)f->source, (uint32_t)x->index, x->line + 1};
  char why[160];
  snprintf(why, sizeof why, "record longer than %zu bytes ('source.max-record-size'); dropped",
           f->max_record);
  const char *p = r->buf + r->pos;
  size_t shown = r->len - r->pos < 1024 ? r->len - r->pos : 1024;
  for (const char *q = p; (q = memchr(q, '\n', (size_t)(r->buf + r->len - q))); q++) x->line++;
  sl_status st = job_reject(f->base.job, &pos, "read", why, p, shown, e);
  r->pos = r->complete = r->len; /* dropped; the rest of the record goes in skip mode */
  x->skipping = true;
  return st;
}

static sl_status read_error(fs_source *f, fs_file *x, sl_error *e) {
  return err_set(e, SL_ERUNTIME, "source '%s': cannot read '%s': %s", f->base.name, x->path,
                 strerror(errno));
}

/* Decodes the whole records at the reader into the batch until it is full. */
static sl_status decode_ready(fs_source *f, fs_file *x, size_t n, sl_error *e) {
  sl_batch *b = &f->b;
  fs_reader *r = &f->r;
  job_source *s = &f->base.job->sources[f->source];
  const char *end = r->buf + r->pos + n;
  char why[512];
  while (b->nrows < b->cap && r->buf + r->pos < end) {
    fmt_rec rec = {0};
    const char *p = r->buf + r->pos;
    int64_t at = (int64_t)fs_reader_offset(r);
    if (f->chunk_end >= 0 && at >= f->chunk_end) { /* the next chunk's first record */
      f->chunk_done = true;
      break;
    }
    sl_value *row = batch_row(b, b->nrows);
    sl_status st =
        x->dec->vt->decode(x->dec, p, (size_t)(end - p), &rec, row, &b->arena, why, sizeof why);
    if (r->truncated) /* the mapped file shrank under us: what was decoded is not its data */
      return err_set(e, SL_ERUNTIME,
                     "source '%s': '%s' shrank while it was read (truncated or rewritten by "
                     "another process); the run stops rather than use what it decoded",
                     f->base.name, x->path);
    uint64_t line = f->by_offset ? POS_OFFSET | (uint64_t)at : x->line + 1;
    if (rec.consumed == 0 && !rec.again) /* a decoder must always make progress */
      return err_set(e, SL_EINTERNAL, "decoder made no progress at %s:%llu", s->files[x->index],
                     (unsigned long long)line);
    r->pos += rec.consumed;
    x->line += rec.lines;
    if (st == SL_EDATA) {
      sl_rowpos pos = {(uint32_t)f->source, (uint32_t)x->index, line};
      size_t rawlen = rec.consumed;
      while (rawlen && (p[rawlen - 1] == '\n' || p[rawlen - 1] == '\r')) rawlen--;
      if ((st = job_reject(f->base.job, &pos, "decode", why, p, rawlen, e))) return st;
      continue;
    }
    if (st) return st;
    if (rec.no_row) continue;
    if (f->nparts) fs_partition_fill(f, row, x->pvals);
    b->kind[b->nrows] = rec.kind;
    b->pos[b->nrows] = (sl_rowpos){(uint32_t)f->source, (uint32_t)x->index, line};
    b->nrows++;
  }
  return SL_OK;
}

static sl_status emit(fs_source *f, pump_result *res, sl_error *e) {
  sl_batch *b = &f->b;
  f->base.job->sources[f->source].rows_read += (uint64_t)b->nrows;
  sl_status st = op_emit(&f->base, b, e);
  batch_clear(b);
  *res = PUMP_EMITTED;
  return st;
}

static sl_status fs_pump(sl_op *op, pump_result *res, sl_error *e) {
  fs_source *f = (fs_source *)op;
  sl_batch *b = &f->b;
  sl_status st;
  if (f->idle_worker) { /* worker 0 reads this input */
    *res = PUMP_ENDED;
    return SL_OK;
  }
  if (f->rescan) { /* the listing, and the sizes of every file at the interval */
    bool sweep = f->sweep;
    f->rescan = f->sweep = false;
    if ((st = fs_scan(f, false, sweep, e))) return st;
  }
  if (f->check) { /* the files inotify named */
    f->check = false;
    fs_check_marked(f);
  }
  for (;;) {
    if (f->cur < 0 || parked(f)) {
      int i = next_file(f);
      if (i < 0) {
        if (b->nrows) return emit(f, res, e);
        *res = all_done(f) && !f->monitor ? PUMP_ENDED : PUMP_WAIT;
        return SL_OK;
      }
      if (i != f->cur) {
        fs_detach(f);
        if ((st = attach(f, i, e))) return st;
        if (f->cur < 0) continue; /* gone out of reach */
      }
    }
    fs_file *x = &f->files[f->cur];
    fs_reader *r = &f->r;
    if (f->monitor && !x->stream) r->final = x->finishing; /* rotated away: to its end */
    if (x->bom_pending) skip_bom(x, r);
    size_t n = x->skipping || x->bom_pending ? 0 : fs_reader_ready(r);
    if (n > 0) {
      if ((st = decode_ready(f, x, n, e))) return st;
      if (f->chunk_done) { /* this worker's chunk is read: the rows go before the window */
        if (b->nrows) return emit(f, res, e);
        f->chunk_done = false;
        fs_detach(f);
        file_finished(f, x);
        continue;
      }
      if (b->nrows == b->cap) return emit(f, res, e);
      continue;
    }
    /* nothing whole is buffered: the window slides, so the rows pointing into it go first */
    if (b->nrows) return emit(f, res, e);
    if (x->skipping) {
      bool found;
      x->line += fs_reader_skip_line(r, &found);
      if (found) {
        x->skipping = false;
        continue;
      }
    }
    switch (x->poll_first && !readable(x->fd) ? FS_FILL_NONE : fs_reader_fill(r)) {
    case FS_FILL_DATA: continue;
    case FS_FILL_TOOLONG:
      if ((st = too_long(f, x, e))) return st;
      continue;
    case FS_FILL_ERROR: return read_error(f, x, e);
    case FS_FILL_NONE:
      if (x->stream) {
        if (x->fifo && r->eof && fifo_ended(x)) { /* the writer left: decode the rest */
          r->final = true;
          continue;
        }
        *res = PUMP_WAIT; /* the loop wakes us */
        return SL_OK;
      }
      park(f, x); /* a monitored file has nothing more now */
      continue;
    case FS_FILL_EOF: break;
    }
    x->skipping = false; /* the input ended inside the dropped record */
    fs_detach(f);
    file_finished(f, x);
  }
}

/* ---- the files ---- */

fs_file *fs_file_add(fs_source *f, const char *path, const char *shown) {
  job_source *s = &f->base.job->sources[f->source];
  s->files = xrealloc(s->files, sizeof(char *) * (size_t)(s->nfiles + 1));
  s->files[s->nfiles] = xstrdup(shown);
  if (f->nfiles == f->filecap) {
    f->filecap = f->filecap ? f->filecap * 2 : 16;
    f->files = xrealloc(f->files, sizeof(fs_file) * (size_t)f->filecap);
  }
  fs_file *x = &f->files[f->nfiles++];
  memset(x, 0, sizeof *x);
  x->path = xstrdup(path);
  x->index = s->nfiles++;
  x->fd = -1;
  x->dec = f->fmtdef->decoder_new(&f->dschema, &f->opts);
  x->dec->vt->file_start(x->dec);
  return x;
}

/* ---- opening stdin and FIFOs ---- */

static sl_status open_stream(fs_source *f, const char *path, sl_error *e) {
  bool is_stdin = !strcmp(path, "-") || !strcmp(path, "/dev/stdin");
  int fd = 0;
  struct stat st;
  if (!is_stdin) {
    fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
      return err_set(e, SL_ERUNTIME, "source '%s': cannot open '%s': %s", f->base.name, path,
                     strerror(errno));
  }
  if (fstat(fd, &st) != 0) {
    if (!is_stdin) close(fd);
    return err_set(e, SL_ERUNTIME, "source '%s': cannot stat '%s'", f->base.name, path);
  }
  fs_file *x = fs_file_add(f, path, is_stdin ? "(stdin)" : path);
  x->fd = fd;
  x->is_stdin = is_stdin;
  x->stream = true;
  x->fifo = !is_stdin && S_ISFIFO(st.st_mode);
  if (S_ISREG(st.st_mode)) return SL_OK; /* stdin redirected from a file: plain reads */
  if (loop_add_fd(f->base.job->loop, fd, LOOP_READ, stream_ready, f) != 0) {
    if (!is_stdin) /* not pollable: read it blocking */
      fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  } else {
    x->poll_first = is_stdin; /* a FIFO we opened has its own (non-blocking) description */
  }
  return SL_OK;
}

void fs_file_release(fs_source *f, fs_file *x) {
  if (x->fd < 0 || x->stream) return;
  close(x->fd);
  x->fd = -1;
  f->nopen--;
}

void fs_file_close(fs_source *f, fs_file *x) {
  if (x->fd >= 0 && x->stream) {
    loop_del_fd(f->base.job->loop, x->fd);
    if (!x->is_stdin) close(x->fd);
    x->fd = -1;
  }
  fs_file_release(f, x);
  if (x->dec) x->dec->vt->free(x->dec);
  x->dec = NULL;
}

/* ---- the operator ---- */

static sl_status fs_source_stop(sl_op *op, bool publish, sl_error *e) {
  fs_source *f = (fs_source *)op;
  fs_detach(f);
  fs_monitor_stop(f);
  for (int i = 0; i < f->nfiles; i++) fs_file_close(f, &f->files[i]);
  return SL_OK;
}

static void fs_source_describe(const sl_op *op, sl_buf *out) {
  const fs_source *f = (const fs_source *)op;
  const fmt_schema *s = &f->schema;
  int used = 0;
  for (int i = 0; i < s->ncols; i++) used += !s->needed || s->needed[i];
  buf_printf(out, "filesystem %s%s, reads %d of %d columns:", f->fmtdef->name,
             f->monitor ? " (monitored)" : "", used, s->ncols);
  for (int i = 0; i < s->ncols; i++)
    if (!s->needed || s->needed[i]) buf_printf(out, " %s", s->names[i]);
  if (f->split && f->framing.csv)
    buf_puts(out, "; one split per file across the workers (CSV: a quoted field may hold a line "
                  "break)");
  else if (f->split)
    buf_printf(out, "; split into %lld KiB chunks across the workers",
               (long long)(f->split_size / 1024));
  else if (f->nworkers > 1)
    buf_puts(out, "; read by worker 0 (a stream or a monitored path is not split)");
}

static void fs_source_free(sl_op *op) {
  fs_source *f = (fs_source *)op;
  fs_monitor_stop(f);
  for (int i = 0; i < f->nfiles; i++) {
    fs_file_close(f, &f->files[i]);
    free(f->files[i].path);
    free(f->files[i].pvals);
  }
  free(f->files);
  fs_reader_free(&f->r);
  batch_free(&f->b);
  free(f->path);
  free(f->part_cols);
  free(f->rec_cols);
  free(f->unit_base);
  arena_free(&f->parena);
  free(f);
}

static const op_vt fs_source_vt = {.kind = "Source",
                                   .pump = fs_pump,
                                   .stop = fs_source_stop,
                                   .describe = fs_source_describe,
                                   .free = fs_source_free};

sl_op *fs_source_new(const conn_ctx *c, sl_error *e) {
  const char *path = opt_get(&c->opts, fs_opts, "path");
  int64_t interval = 0, max = FS_MAX_RECORD;
  const char *mi = opt_get(&c->opts, fs_opts, "source.monitor-interval");
  if (mi && opt_parse_duration(mi, &interval) != SL_OK)
    return err_set(e, SL_ESQL,
                   "table '%s': 'source.monitor-interval' = '%s' is not a duration "
                   "such as '1s', '500 ms' or '10 min'",
                   c->table, mi),
           NULL;
  const char *mr = opt_get(&c->opts, fs_opts, "source.max-record-size");
  if (mr && (opt_parse_size(mr, &max) != SL_OK || max < 16))
    return err_set(e, SL_ESQL,
                   "table '%s': 'source.max-record-size' = '%s' is not a size such "
                   "as '64mb' or '1048576'",
                   c->table, mr),
           NULL;
  fs_source *f = xcalloc(1, sizeof *f);
  op_init(&f->base, &fs_source_vt, c->job, c->table);
  f->source = c->source_index;
  f->base.updating = c->fmt->changelog;
  f->cur = -1;
  f->ino_fd = -1;
  f->fmtdef = c->fmt;
  f->opts = c->opts;
  f->schema = c->schema;
  f->path = xstrdup(path);
  f->framing = fs_framing_of(c->fmt, &c->opts);
  f->max_record = (size_t)max;
  batch_init(&f->b, c->schema.ncols, c->job->batch_rows);
  fs_reader_init(&f->r, -1, true, 0, &f->framing, FS_BUF_INITIAL, f->max_record);
  if (fs_partition_setup(f, c, e) != SL_OK) {
    fs_source_free(&f->base);
    return NULL;
  }
  bool stream = !strcmp(path, "-") || !strcmp(path, "/dev/stdin");
  struct stat st;
  if (!stream && stat(path, &st) == 0 && S_ISFIFO(st.st_mode)) stream = true;
  f->monitor = interval > 0 && !stream;
  f->interval_ms = interval;
  f->chunk_end = -1;
  f->nworkers = c->nworkers;
  if (c->nworkers > 1 && c->split && !f->monitor && !stream) {
    f->split = c->split;
    const char *ss = opt_get(&c->opts, fs_opts, "source.split-size");
    if (!ss || opt_parse_size(ss, &f->split_size) != SL_OK || f->split_size < 1)
      f->split_size = 4 << 20;
  } else if (c->nworkers > 1 && c->worker > 0) {
    f->idle_worker = true; /* a stream or a monitored path: worker 0 reads it */
  }
  f->base.bounded = !f->monitor;
  if (c->dry || f->idle_worker) return &f->base;
  sl_status rc = stream ? open_stream(f, path, e) : fs_scan(f, true, f->monitor, e);
  if (rc != SL_OK) {
    fs_source_free(&f->base);
    return NULL;
  }
  if (f->monitor) fs_monitor_start(f);
  if (f->split) split_plan(f);
  return &f->base;
}
