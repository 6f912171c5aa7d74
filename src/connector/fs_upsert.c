/* fs_upsert.c - the filesystem sink of a table with a PRIMARY KEY (NOT ENFORCED) and a format
 * without change kinds (json, csv): an upsert sink. It takes an updating stream: +I and +U put
 * the row under its key (replacing the row there), -U and -D remove the key's row. It keeps
 * this materialised table in memory (counted in the operator's state) and at each commit
 * writes the table's rows, in the order their keys first arrived, as the file 'path': a hidden
 * `.NAME.inprogress.PID` temp file, fsynced, renamed over 'path', then the directory fsynced,
 * so a reader sees the previous table or the new one, never half of one. Commits: the end of a
 * bounded run; a stop of an unbounded run (SIGTERM publishes); and in an unbounded run every
 * 'sink.rolling-policy.rollover-interval' while the table has changed (checked every
 * 'sink.rolling-policy.check-interval', never between an update's -U and its +U). The file is
 * always 'path', bounded or not: a directory of part files would repeat every row.
 * Also here: fs_utable, the materialised table itself (a state_map over packed keys plus the
 * order keys first arrived in), and the sink's snapshot/restore of it (state.h's stream).
 * Must not touch: the rows it is given (it copies what it keeps), other sinks' files. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"

/* ---- the materialised table ---- */

/* A key's value in the map: its row, NULL once removed (-U/-D) until the next compaction, so a
 * key that comes back keeps its place in `order`. Map entries never move, so `order` holds
 * pointers to them. */
typedef struct up_val {
  sl_value *row;
} up_val;

struct fs_utable {
  state_alloc *mem;
  const sl_type *types; /* of the row */
  int ncols;
  const int *pk;
  sl_type *ktypes; /* of the key columns */
  int npk;
  state_map map;       /* packed key -> up_val */
  state_entry **order; /* the map's entries in the order their keys first arrived */
  size_t n, cap;
  size_t live; /* entries with a row */
  sl_buf kb;   /* the packed key of the row being applied */
};

static sl_value **row_of(state_entry *x) { return &((up_val *)state_entry_val(x))->row; }

fs_utable *fs_utable_new(state_alloc *mem, const sl_type *types, int ncols, const int *pk,
                         int npk) {
  fs_utable *t = xcalloc(1, sizeof *t);
  t->mem = mem;
  t->types = types;
  t->ncols = ncols;
  t->pk = pk;
  t->npk = npk;
  t->ktypes = xcalloc((size_t)npk + 1, sizeof(sl_type));
  for (int k = 0; k < npk; k++) t->ktypes[k] = types[pk[k]];
  state_map_init(&t->map, mem, sizeof(up_val));
  return t;
}

void fs_utable_free(fs_utable *t) {
  if (!t) return;
  for (size_t i = 0; i < t->n; i++)
    state_free_row(t->mem, *row_of(t->order[i]), t->types, t->ncols);
  state_map_free(&t->map);
  state_free(t->mem, t->order, sizeof(state_entry *) * t->cap);
  free(t->ktypes);
  buf_free(&t->kb);
  free(t);
}

/* Finds or adds the entry of a packed key (a new one goes last in `order`); NULL over the
 * memory limit. */
static state_entry *entry_of(fs_utable *t, const void *key, size_t klen) {
  if (t->n == t->cap) { /* room in `order` first: a new entry must have its place */
    size_t cap = t->cap ? 2 * t->cap : 64;
    state_entry **o = state_malloc(t->mem, sizeof(state_entry *) * cap);
    if (!o) return NULL;
    if (t->n) memcpy(o, t->order, sizeof(state_entry *) * t->n);
    state_free(t->mem, t->order, sizeof(state_entry *) * t->cap);
    t->order = o;
    t->cap = cap;
  }
  bool created;
  state_entry *x = state_map_upsert(&t->map, key, klen, state_hash(key, klen), &created);
  if (x && created) t->order[t->n++] = x;
  return x;
}

static bool put_row(fs_utable *t, state_entry *x, const sl_value *row) {
  sl_value *kept = state_keep_row_alloc(t->mem, row, t->types, t->ncols);
  if (!kept) return false;
  sl_value **r = row_of(x);
  if (*r)
    state_free_row(t->mem, *r, t->types, t->ncols);
  else
    t->live++;
  *r = kept;
  return true;
}

bool fs_utable_apply(fs_utable *t, int kind, const sl_value *row) {
  t->kb.len = 0;
  state_key_pack(row, t->pk, t->types, t->npk, &t->kb);
  if (kind == RK_UPDATE_BEFORE || kind == RK_DELETE) {
    state_entry *x =
        state_map_find(&t->map, t->kb.data, t->kb.len, state_hash(t->kb.data, t->kb.len));
    sl_value **r = x ? row_of(x) : NULL;
    if (r && *r) {
      state_free_row(t->mem, *r, t->types, t->ncols);
      *r = NULL;
      t->live--;
    }
    return true;
  }
  state_entry *x = entry_of(t, t->kb.data, t->kb.len);
  return x && put_row(t, x, row);
}

const sl_value *fs_utable_next(const fs_utable *t, size_t *i) {
  while (*i < t->n) {
    const sl_value *r = *row_of(t->order[(*i)++]);
    if (r) return r;
  }
  return NULL;
}

size_t fs_utable_rows(const fs_utable *t) { return t->live; }

void fs_utable_compact(fs_utable *t) {
  if (t->live == t->n) return;
  size_t j = 0;
  for (size_t i = 0; i < t->n; i++) {
    if (*row_of(t->order[i]))
      t->order[j++] = t->order[i];
    else
      state_map_remove(&t->map, t->order[i]);
  }
  t->n = j;
}

/* Snapshot records: the number of entries, then per entry in order its packed key, whether it
 * has a row, and the row. Removed keys are kept too, so a restored table keeps their places. */
void fs_utable_snapshot(const fs_utable *t, sl_buf *out) {
  state_put_u64(out, t->n);
  for (size_t i = 0; i < t->n; i++) {
    const sl_value *r = *row_of(t->order[i]);
    state_put_bytes(out, state_entry_key(t->order[i], &t->map), t->order[i]->klen);
    state_put_u64(out, r != NULL);
    if (r) state_put_row(out, r, t->types, t->ncols);
  }
}

int fs_utable_restore(fs_utable *t, state_reader *rd) {
  uint64_t n = state_get_u64(rd);
  sl_value *row = xcalloc((size_t)t->ncols + 1, sizeof(sl_value));
  int rc = 0;
  for (uint64_t i = 0; i < n && !rc; i++) {
    size_t klen;
    const void *key = state_get_bytes(rd, &klen);
    uint64_t live = state_get_u64(rd);
    if (rd->bad || live > 1 || (live && !state_get_row(rd, row, t->types, t->ncols))) {
      rc = -1;
      break;
    }
    state_entry *x = entry_of(t, key, klen);
    if (!x || (live && !put_row(t, x, row))) rc = 1;
  }
  free(row);
  return rc ? rc : rd->bad ? -1 : 0;
}

/* ---- the sink ---- */

typedef struct fs_upsert {
  sl_op base;
  int sink;
  fmt_encoder *enc;
  char *path, *dir, *tmp;
  char *desc; /* for explain */
  fs_utable *t;
  bool dry, started, prepared;
  bool dirty;          /* changed since the last commit */
  bool pending_before; /* the last change was a -U: its +U is still to come */
  int64_t rollover_ms, check_ms, published_ms;
  uint64_t timer;
  sl_error timer_err; /* a failed publish in the timer, reported at the next call */
  conn_writer w;
} fs_upsert;

static sl_status over_limit(fs_upsert *u, sl_error *e) {
  return err_set(e, SL_ERUNTIME,
                 "sink '%s': the materialised table (one row per primary key) needs more than "
                 "the state memory limit of %zu bytes",
                 u->base.name, u->base.mem.limit);
}

/* Writes every row of the table into the temp file and fsyncs it; it is not visible yet. */
static sl_status prepare(fs_upsert *u, sl_error *e) {
  struct stat sb;
  if (stat(u->path, &sb) == 0 && S_ISDIR(sb.st_mode))
    return err_set(e, SL_ERUNTIME, "sink '%s': '%s' is a directory; give the file to write",
                   u->base.name, u->path);
  if (fs_mkdirs(u->dir, e)) return e->code;
  u->w.fd = open(u->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (u->w.fd < 0)
    return err_set(e, SL_ERUNTIME, "sink '%s': cannot create '%s': %s", u->base.name, u->tmp,
                   strerror(errno));
  u->w.what = u->tmp;
  u->w.buf.len = 0;
  if (u->enc->vt->header) u->enc->vt->header(u->enc, &u->w.buf);
  sl_status st = SL_OK;
  size_t i = 0;
  for (const sl_value *row; !st && (row = fs_utable_next(u->t, &i));) {
    u->enc->vt->encode(u->enc, row, &u->w.buf);
    if (u->w.buf.len > ((size_t)1 << 20)) st = conn_writer_flush(&u->w, e);
  }
  if (!st) st = conn_writer_flush(&u->w, e);
  if (!st && fsync(u->w.fd) != 0) /* fatal, never retried: the data may be gone */
    st = err_set(e, SL_ERUNTIME, "fsync of '%s' failed: %s", u->tmp, strerror(errno));
  close(u->w.fd);
  u->w.fd = -1;
  if (st) return st;
  u->prepared = true;
  u->base.job->sinks[u->sink].rows_written = fs_utable_rows(u->t);
  return SL_OK;
}

/* Publishes the prepared file (rename + fsync of the directory); removed keys lose their
 * places. */
static sl_status commit(fs_upsert *u, sl_error *e) {
  if (!u->prepared) return SL_OK;
  if (rename(u->tmp, u->path) != 0)
    return err_set(e, SL_ERUNTIME, "cannot rename '%s' to '%s': %s", u->tmp, u->path,
                   strerror(errno));
  u->prepared = false;
  u->dirty = false;
  u->published_ms = loop_now_ms();
  fs_utable_compact(u->t);
  return fs_fsync_dir(u->dir, e);
}

static void on_check(sl_loop *l, uint64_t id, void *arg) {
  fs_upsert *u = arg;
  if (u->timer_err.code || !u->dirty || u->pending_before || u->base.ended) return;
  if (loop_now_ms() - u->published_ms < u->rollover_ms) return;
  if (!prepare(u, &u->timer_err)) commit(u, &u->timer_err);
}

static void start(fs_upsert *u) {
  u->started = true;
  u->published_ms = loop_now_ms();
  if (!u->base.job->bounded && u->base.job->loop)
    u->timer = loop_add_timer(u->base.job->loop, u->check_ms, u->check_ms, on_check, u);
}

static sl_status up_push(sl_op *op, int port, const sl_batch *in, sl_error *e) {
  fs_upsert *u = (fs_upsert *)op;
  if (u->timer_err.code) return *e = u->timer_err, e->code;
  if (!u->started) start(u);
  for (int r = 0; r < in->nrows; r++)
    if (!fs_utable_apply(u->t, in->kind[r], batch_row(in, r))) return over_limit(u, e);
  if (in->nrows) {
    u->dirty = true;
    u->pending_before = in->kind[in->nrows - 1] == RK_UPDATE_BEFORE;
  }
  return SL_OK;
}

/* The end of the input: the table is written and fsynced; commit publishes it. */
static sl_status up_finish(sl_op *op, sl_error *e) {
  fs_upsert *u = (fs_upsert *)op;
  if (u->timer_err.code) return *e = u->timer_err, e->code;
  if (!u->started) start(u);
  return prepare(u, e);
}

static sl_status up_commit(sl_op *op, sl_error *e) { return commit((fs_upsert *)op, e); }

/* A stop: an unbounded run publishes the table as it is; a bounded one leaves the previous
 * file (up_free removes the temp file). */
static sl_status up_stop(sl_op *op, bool publish, sl_error *e) {
  fs_upsert *u = (fs_upsert *)op;
  if (!publish) return SL_OK;
  if (u->timer_err.code) return *e = u->timer_err, e->code;
  sl_status st = op->ended || u->prepared ? SL_OK : prepare(u, e);
  return st ? st : commit(u, e);
}

/* The state: the materialised table with the places of its keys, and whether it has changed
 * since the last publish. (The published file is not state: a restored sink publishes the
 * table at its next commit.) */
enum { UP_SNAPSHOT_VERSION = 1 };

static sl_status up_snapshot(sl_op *op, sl_buf *out, sl_error *e) {
  fs_upsert *u = (fs_upsert *)op;
  state_put_header(out, "fs_upsert", UP_SNAPSHOT_VERSION);
  state_put_u64(out, u->dirty);
  fs_utable_snapshot(u->t, out);
  state_put_end(out);
  return SL_OK;
}

static sl_status up_restore(sl_op *op, const void *p, size_t n, sl_error *e) {
  fs_upsert *u = (fs_upsert *)op;
  state_reader rd = {0};
  uint32_t version;
  if (fs_utable_rows(u->t) || !state_reader_open(&rd, p, n, "fs_upsert", &version) ||
      version != UP_SNAPSHOT_VERSION)
    return err_set(e, SL_ERUNTIME,
                   "sink '%s': not a snapshot of an upsert sink (or not into a "
                   "fresh one)",
                   op->name);
  u->dirty = state_get_u64(&rd) != 0;
  int rc = fs_utable_restore(u->t, &rd);
  if (rc > 0) return over_limit(u, e);
  if (rc < 0 || rd.p != rd.end)
    return err_set(e, SL_ERUNTIME, "sink '%s': the snapshot is malformed", op->name);
  return SL_OK;
}

static void up_describe(const sl_op *op, sl_buf *out) {
  const fs_upsert *u = (const fs_upsert *)op;
  buf_puts(out, u->desc);
}

static void up_free(sl_op *op) {
  fs_upsert *u = (fs_upsert *)op;
  if (u->timer) loop_del_timer(u->base.job->loop, u->timer);
  if (u->w.fd >= 0) close(u->w.fd);
  if (u->started) unlink(u->tmp); /* written and not published (else gone already) */
  fs_utable_free(u->t);
  if (u->enc) u->enc->vt->free(u->enc);
  buf_free(&u->w.buf);
  free(u->path);
  free(u->dir);
  free(u->tmp);
  free(u->desc);
  free(u);
}

/* Delivery: the table lives in memory and a restarted run starts from an empty one, whose
 * first publish replaces the file: the rows read before a committed position would be gone.
 * So no epoch is acknowledged (source positions are committed at the end of a bounded run
 * only) until checkpoints keep the table. */
static sl_status up_barrier(sl_op *op, uint64_t epoch, sl_error *e) { return SL_OK; }

static const op_vt fs_upsert_vt = {.kind = "Sink",
                                   .barrier = up_barrier,
                                   .push = up_push,
                                   .finish = up_finish,
                                   .commit = up_commit,
                                   .stop = up_stop,
                                   .describe = up_describe,
                                   .free = up_free,
                                   .snapshot = up_snapshot,
                                   .restore = up_restore,
                                   .keeps = "the materialised table: one row per primary key"};

sl_op *fs_upsert_new(const conn_ctx *c, int64_t rollover_ms, int64_t check_ms, sl_error *e) {
  if (c->npartition_keys) {
    err_set(e, SL_ESQL,
            "table '%s': a filesystem sink with a PRIMARY KEY writes one file, the materialised "
            "table; it cannot be PARTITIONED BY as well",
            c->table);
    return NULL;
  }
  for (int k = 0; k < c->nprimary_key; k++)
    if (c->primary_key[k] < 0 || c->primary_key[k] >= c->schema.ncols) {
      err_set(e, SL_ESQL, "table '%s': the PRIMARY KEY must name physical columns", c->table);
      return NULL;
    }
  fs_upsert *u = xcalloc(1, sizeof *u);
  op_init(&u->base, &fs_upsert_vt, c->job, c->table);
  u->base.accepts_updates = true;
  u->w.fd = -1;
  u->path = xstrdup(opt_get(&c->opts, fs_opts, "path"));
  size_t n = strlen(u->path);
  while (n > 1 && u->path[n - 1] == '/') u->path[--n] = 0;
  char *copy = xstrdup(u->path), *base = xstrdup(u->path);
  u->dir = xstrdup(dirname(copy));
  u->tmp = fs_strf("%s/.%s.inprogress.%d", u->dir, basename(base), (int)getpid());
  sl_buf d = {0};
  buf_printf(&d, "filesystem %s %s, upsert by", c->fmt->name, u->path);
  for (int k = 0; k < c->nprimary_key; k++)
    buf_printf(&d, "%s %s", k ? "," : "", c->schema.names[c->primary_key[k]]);
  u->desc = xstrdup(buf_cstr(&d));
  buf_free(&d);
  u->dry = c->dry;
  u->rollover_ms = rollover_ms;
  u->base.never_durable = true; /* see up_barrier */
  u->check_ms = check_ms;
  u->t = fs_utable_new(&u->base.mem, c->schema.types, c->schema.ncols, c->primary_key,
                       c->nprimary_key);
  if (!c->dry) { /* the temp file a killed run of this sink left */
    if (strcmp(u->dir, ".") && fs_mkdirs(u->dir, e)) { /* the dead-letter file may go there */
      free(copy);
      free(base);
      up_free(&u->base);
      return NULL;
    }
    free(copy);
    copy = xstrdup(u->path);
    fs_remove_stale(u->dir, basename(copy), true, c->table);
  }
  free(copy);
  free(base);
  u->enc = c->fmt->encoder_new(&c->schema, &c->opts);
  u->sink = job_add_sink(c->job, c->table, u->path, &u->base);
  return &u->base;
}
