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
 * Also here: fs_utable, the materialised table itself (a private hash table over packed keys,
 * to be replaced by the state map of state.h when it is in).
 * Must not touch: the rows it is given (it copies what it keeps), other sinks' files. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"

/* ---- the materialised table ---- */

typedef struct up_entry {
  uint64_t hash;
  uint8_t *key; /* the packed key, klen bytes */
  uint32_t klen;
  sl_value *row; /* NULL: removed since the last compaction (the entry keeps its place) */
} up_entry;

struct fs_utable {
  state_alloc *mem;
  const sl_type *types;
  int ncols;
  const int *pk;
  int npk;
  up_entry *e; /* in the order keys first arrived */
  size_t n, cap;
  uint32_t *slots; /* open addressing: entry index + 1, 0 empty; a power of 2, at most half full */
  size_t nslots;
  size_t live; /* entries with a row */
  sl_buf kb;   /* the packed key of the row being applied */
};

/* Equal SQL values pack to equal bytes: a NULL is one marker byte, -0.0 packs as 0.0 and every
 * NaN alike, a DECIMAL by its unscaled value, a string with its length. */
static void pack_key(const fs_utable *t, const sl_value *row, sl_buf *out) {
  out->len = 0;
  for (int k = 0; k < t->npk; k++) {
    const sl_value *v = &row[t->pk[k]];
    if (v->null) {
      buf_putc(out, 0);
      continue;
    }
    buf_putc(out, 1);
    switch (t->types[t->pk[k]].id) {
    case T_STRING: {
      uint32_t n = v->len;
      buf_put(out, &n, sizeof n);
      buf_put(out, v->u.s, n);
      break;
    }
    case T_FLOAT:
    case T_DOUBLE: {
      double d = v->u.d;
      if (d == 0) d = 0.0;
      if (isnan(d)) d = NAN;
      buf_put(out, &d, sizeof d);
      break;
    }
    case T_DECIMAL:
      buf_put(out, &v->u.dec.lo, sizeof v->u.dec.lo);
      buf_put(out, &v->u.dec.hi, sizeof v->u.dec.hi);
      break;
    default: buf_put(out, &v->u.i, sizeof v->u.i); break;
    }
  }
}

static uint64_t hash_bytes(const uint8_t *p, size_t n) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ull;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  return h ^ (h >> 33);
}

fs_utable *fs_utable_new(state_alloc *mem, const sl_type *types, int ncols, const int *pk,
                         int npk) {
  fs_utable *t = xcalloc(1, sizeof *t);
  t->mem = mem;
  t->types = types;
  t->ncols = ncols;
  t->pk = pk;
  t->npk = npk;
  return t;
}

void fs_utable_free(fs_utable *t) {
  if (!t) return;
  for (size_t i = 0; i < t->n; i++) {
    state_free_row(t->mem, t->e[i].row, t->types, t->ncols);
    state_free(t->mem, t->e[i].key, t->e[i].klen);
  }
  state_free(t->mem, t->e, sizeof(up_entry) * t->cap);
  state_free(t->mem, t->slots, sizeof(uint32_t) * t->nslots);
  buf_free(&t->kb);
  free(t);
}

static void slot_put(fs_utable *t, size_t i) {
  size_t m = t->nslots - 1, h = (size_t)t->e[i].hash & m;
  while (t->slots[h]) h = (h + 1) & m;
  t->slots[h] = (uint32_t)(i + 1);
}

static void rehash(fs_utable *t) {
  memset(t->slots, 0, sizeof(uint32_t) * t->nslots);
  for (size_t i = 0; i < t->n; i++) slot_put(t, i);
}

static up_entry *find(const fs_utable *t, const uint8_t *key, uint32_t klen, uint64_t hash) {
  if (!t->nslots) return NULL;
  size_t m = t->nslots - 1;
  for (size_t h = (size_t)hash & m; t->slots[h]; h = (h + 1) & m) {
    up_entry *x = &t->e[t->slots[h] - 1];
    if (x->hash == hash && x->klen == klen && !memcmp(x->key, key, klen)) return x;
  }
  return NULL;
}

/* Room for one more entry (the array and the index grow by doubling); false over the limit. */
static bool reserve(fs_utable *t) {
  if (t->n == t->cap) {
    size_t cap = t->cap ? 2 * t->cap : 64;
    up_entry *e = state_malloc(t->mem, sizeof(up_entry) * cap);
    if (!e) return false;
    if (t->n) memcpy(e, t->e, sizeof(up_entry) * t->n);
    state_free(t->mem, t->e, sizeof(up_entry) * t->cap);
    t->e = e;
    t->cap = cap;
  }
  if (2 * (t->n + 1) > t->nslots) {
    size_t ns = t->nslots ? 2 * t->nslots : 128;
    uint32_t *s = state_malloc(t->mem, sizeof(uint32_t) * ns);
    if (!s) return false;
    state_free(t->mem, t->slots, sizeof(uint32_t) * t->nslots);
    t->slots = s;
    t->nslots = ns;
    rehash(t);
  }
  return true;
}

bool fs_utable_apply(fs_utable *t, int kind, const sl_value *row) {
  pack_key(t, row, &t->kb);
  const uint8_t *key = (const uint8_t *)t->kb.data;
  uint32_t klen = (uint32_t)t->kb.len;
  uint64_t hash = hash_bytes(key, klen);
  up_entry *x = find(t, key, klen, hash);
  if (kind == RK_UPDATE_BEFORE || kind == RK_DELETE) {
    if (x && x->row) {
      state_free_row(t->mem, x->row, t->types, t->ncols);
      x->row = NULL;
      t->live--;
    }
    return true;
  }
  sl_value *kept = state_keep_row_alloc(t->mem, row, t->types, t->ncols);
  if (!kept) return false;
  if (x) { /* the key has its place: the new row takes it */
    if (x->row)
      state_free_row(t->mem, x->row, t->types, t->ncols);
    else
      t->live++;
    x->row = kept;
    return true;
  }
  uint8_t *k = NULL;
  if (!reserve(t) || !(k = state_malloc(t->mem, klen))) {
    state_free_row(t->mem, kept, t->types, t->ncols);
    return false;
  }
  memcpy(k, key, klen);
  t->e[t->n] = (up_entry){hash, k, klen, kept};
  slot_put(t, t->n++);
  t->live++;
  return true;
}

const sl_value *fs_utable_next(const fs_utable *t, size_t *i) {
  while (*i < t->n) {
    const up_entry *x = &t->e[(*i)++];
    if (x->row) return x->row;
  }
  return NULL;
}

size_t fs_utable_rows(const fs_utable *t) { return t->live; }

void fs_utable_compact(fs_utable *t) {
  if (t->live == t->n) return;
  size_t j = 0;
  for (size_t i = 0; i < t->n; i++) {
    if (t->e[i].row)
      t->e[j++] = t->e[i];
    else
      state_free(t->mem, t->e[i].key, t->e[i].klen);
  }
  t->n = j;
  rehash(t);
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

static const op_vt fs_upsert_vt = {.kind = "Sink",
                                   .push = up_push,
                                   .finish = up_finish,
                                   .commit = up_commit,
                                   .stop = up_stop,
                                   .describe = up_describe,
                                   .free = up_free,
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
