/* join_temporal.c - the event-time temporal join, Flink's TemporalRowTimeJoinOperator
 * (FOR SYSTEM_TIME AS OF l.ltime against a versioned table). Left rows (port 0) are copied
 * into a heap ordered by (time, arrival) until the watermark (the minimum over both ports)
 * reaches their time; then each joins the version of its key valid at its time and comes out
 * in time order, before the watermark is forwarded. The versioned table (port 1) is kept per
 * key as versions sorted by (time, arrival): +I/+U add a version, -D a deletion marker, -U is
 * ignored (its +U follows). A cleanup heap holds, per key, the watermark at which its oldest
 * version is superseded; when the watermark passes it, what precedes the newest version (or
 * deletion) at or before the watermark is freed; the rest is freed at the end of the input. A left
 * row behind the forwarded watermark is late (job_late). Snapshot/restore: buffered left rows and
 * every version. Must not touch: the input batches beyond push (kept rows are copied); a kept row
 * is freed only after the output batch that may reference its strings has been flushed. */
#include <stdlib.h>
#include <string.h>

#include "../format/format.h"
#include "join_int.h"

typedef struct tj_left { /* a buffered left row */
  int64_t t;
  uint64_t seq;
  sl_value *row;
  sl_rowpos pos;
  uint8_t kind;
} tj_left;

typedef struct tj_ver { /* a version of a key: a row, or a deletion (row NULL) */
  int64_t t;
  uint64_t seq;
  sl_value *row;
} tj_ver;

typedef struct tj_key { /* the value block of a key */
  tj_ver *v;
  uint32_t n, cap;
  uint32_t queued; /* cleanup heap items pointing at this entry */
  int64_t sched;   /* the earliest of them (INT64_MAX: none known) */
} tj_key;

typedef struct tj_clean {
  int64_t t;
  state_entry *en;
} tj_clean;

typedef struct temporal_op {
  join_base jb;
  int ltime, rtime;
  state_map keys; /* packed rkey -> tj_key */
  tj_left *lq;    /* min-heap by (t, seq) */
  size_t nl, capl;
  tj_clean *cq; /* min-heap by t */
  size_t nc, capc;
  uint64_t seq;
  sl_buf key;
  tj_left *chunk; /* rows popped for one output batch */
  size_t capchunk;
} temporal_op;

#define NO_TIME INT64_MAX

static sl_status no_memory(temporal_op *k, sl_error *e) {
  return op_state_full(&k->jb.base, e);
}

/* Grows a counted array of `size`-byte items to hold `want`. */
static bool grow(state_alloc *m, void **arr, size_t *cap, size_t size, size_t want) {
  if (want <= *cap) return true;
  size_t c = *cap ? *cap * 2 : 16;
  while (c < want) c *= 2;
  void *p = state_malloc(m, c * size);
  if (!p) return false;
  if (*arr) {
    memcpy(p, *arr, *cap * size);
    state_free(m, *arr, *cap * size);
  }
  *arr = p;
  *cap = c;
  return true;
}

/* ---- the left heap ---- */

static bool left_before(const tj_left *a, const tj_left *b) {
  return a->t < b->t || (a->t == b->t && a->seq < b->seq);
}

static bool left_push(temporal_op *k, const tj_left *x) {
  if (!grow(&k->jb.base.mem, (void **)&k->lq, &k->capl, sizeof(tj_left), k->nl + 1)) return false;
  size_t i = k->nl++;
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (!left_before(x, &k->lq[p])) break;
    k->lq[i] = k->lq[p];
    i = p;
  }
  k->lq[i] = *x;
  return true;
}

static tj_left left_pop(temporal_op *k) {
  tj_left top = k->lq[0], last = k->lq[--k->nl];
  size_t i = 0, n = k->nl;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && left_before(&k->lq[c + 1], &k->lq[c])) c++;
    if (!left_before(&k->lq[c], &last)) break;
    k->lq[i] = k->lq[c];
    i = c;
  }
  if (n) k->lq[i] = last;
  return top;
}

/* ---- the cleanup heap ---- */

static bool clean_push(temporal_op *k, int64_t t, state_entry *en) {
  if (!grow(&k->jb.base.mem, (void **)&k->cq, &k->capc, sizeof(tj_clean), k->nc + 1)) return false;
  size_t i = k->nc++;
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (k->cq[p].t <= t) break;
    k->cq[i] = k->cq[p];
    i = p;
  }
  k->cq[i] = (tj_clean){t, en};
  return true;
}

static tj_clean clean_pop(temporal_op *k) {
  tj_clean top = k->cq[0], last = k->cq[--k->nc];
  size_t i = 0, n = k->nc;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && k->cq[c + 1].t < k->cq[c].t) c++;
    if (k->cq[c].t >= last.t) break;
    k->cq[i] = k->cq[c];
    i = c;
  }
  if (n) k->cq[i] = last;
  return top;
}

/* ---- versions ---- */

/* Index of the first version later than t (equal times stay in arrival order). */
static uint32_t ver_upper(const tj_key *kv, int64_t t) {
  uint32_t lo = 0, hi = kv->n;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (kv->v[mid].t <= t)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* The row valid at t, or NULL. */
static const sl_value *ver_at(const tj_key *kv, int64_t t) {
  uint32_t i = ver_upper(kv, t);
  return i ? kv->v[i - 1].row : NULL;
}

static void ver_free(temporal_op *k, tj_ver *v) {
  if (v->row) state_free_row(&k->jb.base.mem, v->row, k->jb.s.right.types, k->jb.rcols);
  op_state_rows(&k->jb.base, -1);
}

/* When the watermark reaching this frees something of the key: its second version's time
 * (the first is then superseded); NO_TIME: never by itself. */
static int64_t next_clean(const tj_key *kv) { return kv->n >= 2 ? kv->v[1].t : NO_TIME; }

static bool schedule(temporal_op *k, state_entry *en) {
  tj_key *kv = state_entry_val(en);
  int64_t t = next_clean(kv);
  if (t == NO_TIME || t >= kv->sched) return true;
  if (!clean_push(k, t, en)) return false;
  kv->queued++;
  kv->sched = t;
  return true;
}

/* Frees what precedes the newest version at or before wm. That one stays, even a deletion: a
 * version older than it may still arrive (right rows behind the watermark are applied) and
 * must not become valid. */
static void key_clean(temporal_op *k, tj_key *kv, int64_t wm) {
  uint32_t i = ver_upper(kv, wm);
  if (i == 0) return;
  uint32_t drop = i - 1;
  for (uint32_t j = 0; j < drop; j++) ver_free(k, &kv->v[j]);
  memmove(kv->v, kv->v + drop, sizeof(tj_ver) * (kv->n - drop));
  kv->n -= drop;
}

static void key_drop(temporal_op *k, state_entry *en) {
  tj_key *kv = state_entry_val(en);
  for (uint32_t j = 0; j < kv->n; j++) ver_free(k, &kv->v[j]);
  if (kv->v) state_free(&k->jb.base.mem, kv->v, sizeof(tj_ver) * kv->cap);
  state_map_remove(&k->keys, en);
}

static sl_status add_version(temporal_op *k, const sl_value *row, int64_t t, bool del,
                             sl_error *e) {
  uint64_t h;
  if (!join_key(&k->jb, 1, row, &k->key, &h)) return SL_OK; /* a NULL key is never valid */
  bool created;
  state_entry *en = state_map_upsert(&k->keys, k->key.data, k->key.len, h, &created);
  if (!en) return no_memory(k, e);
  tj_key *kv = state_entry_val(en);
  if (created) kv->sched = NO_TIME;
  size_t cap = kv->cap;
  if (!grow(&k->jb.base.mem, (void **)&kv->v, &cap, sizeof(tj_ver), (size_t)kv->n + 1))
    return no_memory(k, e);
  kv->cap = (uint32_t)cap;
  sl_value *kept = NULL;
  if (!del &&
      !(kept = state_keep_row_alloc(&k->jb.base.mem, row, k->jb.s.right.types, k->jb.rcols)))
    return no_memory(k, e);
  uint32_t i = ver_upper(kv, t);
  memmove(kv->v + i + 1, kv->v + i, sizeof(tj_ver) * (kv->n - i));
  kv->v[i] = (tj_ver){t, k->seq++, kept};
  kv->n++;
  op_state_rows(&k->jb.base, 1);
  return schedule(k, en) ? SL_OK : no_memory(k, e);
}

/* ---- the left side ---- */

static sl_status late(temporal_op *k, const sl_value *row, const sl_rowpos *pos, sl_error *e) {
  sl_type t = k->jb.s.left.types[k->ltime];
  sl_buf ts = {0}, wm = {0}, json = {0};
  sl_value w = value_int(k->jb.base.wm);
  value_print(&row[k->ltime], t, &ts);
  value_print(&w, t, &wm);
  char reason[256];
  snprintf(reason, sizeof reason, "late: behind watermark %s (temporal join row time %s)",
           buf_cstr(&wm), buf_cstr(&ts));
  fmt_row_json(k->jb.s.left.names, k->jb.s.left.types, k->jb.lcols, row, &json);
  sl_status st = job_late(k->jb.base.job, pos, reason, json.data ? json.data : "", json.len, e);
  buf_free(&ts);
  buf_free(&wm);
  buf_free(&json);
  return st;
}

/* Joins a left row with the version valid at its time. */
static sl_status join_one(temporal_op *k, const tj_left *x, sl_error *e) {
  uint64_t h;
  const sl_value *r = NULL;
  if (join_key(&k->jb, 0, x->row, &k->key, &h)) {
    state_entry *en = state_map_find(&k->keys, k->key.data, k->key.len, h);
    if (en) r = ver_at(state_entry_val(en), x->t);
  }
  if (r) {
    bool match;
    sl_status st = join_cond(&k->jb, x->row, r, &x->pos, &match, e);
    if (st) return st;
    if (!match) r = NULL;
  }
  if (r) return join_append(&k->jb, x->row, r, x->kind, &x->pos, e);
  if (k->jb.s.type == JOIN_LEFT) return join_append(&k->jb, x->row, NULL, x->kind, &x->pos, e);
  return SL_OK;
}

static sl_status left_push_batch(temporal_op *k, const sl_batch *b, sl_error *e) {
  bool left = k->jb.s.type == JOIN_LEFT;
  sl_status st = SL_OK;
  for (int r = 0; r < b->nrows && !st; r++) {
    const sl_value *row = batch_row(b, r);
    const sl_value *tv = &row[k->ltime];
    if (tv->null) { /* no time: no version is valid */
      if (left) st = join_append(&k->jb, row, NULL, b->kind[r], &b->pos[r], e);
      continue;
    }
    if (k->jb.base.wm != WM_NONE && tv->u.i < k->jb.base.wm) {
      st = late(k, row, &b->pos[r], e);
      continue;
    }
    if (!left) {
      bool keyed = true;
      for (int i = 0; i < k->jb.s.nkeys; i++)
        if (row[k->jb.s.lkeys[i]].null) keyed = false;
      if (!keyed) continue; /* INNER: a NULL key never matches */
    }
    tj_left x = {tv->u.i, k->seq++, NULL, b->pos[r], b->kind[r]};
    if (!(x.row = state_keep_row_alloc(&k->jb.base.mem, row, k->jb.s.left.types, k->jb.lcols)))
      return no_memory(k, e);
    if (!left_push(k, &x)) {
      state_free_row(&k->jb.base.mem, x.row, k->jb.s.left.types, k->jb.lcols);
      return no_memory(k, e);
    }
    op_state_rows(&k->jb.base, 1);
  }
  if (!st) st = join_flush(&k->jb, e);
  return st;
}

static sl_status temporal_push(sl_op *op, int port, const sl_batch *b, sl_error *e) {
  temporal_op *k = (temporal_op *)op;
  if (port == 0) return left_push_batch(k, b, e);
  sl_status st = SL_OK;
  for (int r = 0; r < b->nrows && !st; r++) {
    const sl_value *row = batch_row(b, r);
    if (b->kind[r] == RK_UPDATE_BEFORE || row[k->rtime].null) continue;
    st = add_version(k, row, row[k->rtime].u.i, b->kind[r] == RK_DELETE, e);
  }
  return st;
}

/* ---- the watermark: join what it reaches, in time order, then free old versions ---- */

static void free_all(temporal_op *k) {
  size_t it = 0;
  state_entry *en;
  while ((en = state_map_next(&k->keys, &it))) key_drop(k, en);
  state_map_free(&k->keys);
  while (k->nl) {
    tj_left x = left_pop(k);
    state_free_row(&k->jb.base.mem, x.row, k->jb.s.left.types, k->jb.lcols);
    op_state_rows(&k->jb.base, -1);
  }
  state_free(&k->jb.base.mem, k->lq, sizeof(tj_left) * k->capl);
  state_free(&k->jb.base.mem, k->cq, sizeof(tj_clean) * k->capc);
  k->lq = NULL, k->cq = NULL;
  k->capl = k->capc = k->nc = 0;
}

static sl_status fire(temporal_op *k, int64_t wm, sl_error *e) {
  sl_status st = SL_OK;
  size_t per = (size_t)(k->jb.base.job->batch_rows > 0 ? k->jb.base.job->batch_rows : 1024);
  if (k->capchunk < per) {
    k->chunk = xrealloc(k->chunk, sizeof(tj_left) * per);
    k->capchunk = per;
  }
  while (!st && k->nl && k->lq[0].t <= wm) {
    size_t n = 0;
    while (n < per && k->nl && k->lq[0].t <= wm) k->chunk[n++] = left_pop(k);
    for (size_t i = 0; i < n && !st; i++) st = join_one(k, &k->chunk[i], e);
    if (!st) st = join_flush(&k->jb, e);
    for (size_t i = 0; i < n; i++)
      state_free_row(&k->jb.base.mem, k->chunk[i].row, k->jb.s.left.types, k->jb.lcols);
    op_state_rows(&k->jb.base, -(int64_t)n);
  }
  if (st) return st;
  if (wm == WM_INFINITY) { /* nothing can join any more */
    free_all(k);
    return SL_OK;
  }
  while (k->nc && k->cq[0].t <= wm) {
    tj_clean c = clean_pop(k);
    tj_key *kv = state_entry_val(c.en);
    if (--kv->queued == 0) kv->sched = NO_TIME;
    key_clean(k, kv, wm);
    if (kv->n == 0 && kv->queued == 0) {
      key_drop(k, c.en);
      continue;
    }
    if (!schedule(k, c.en)) return no_memory(k, e);
  }
  return SL_OK;
}

static sl_status temporal_signal(sl_op *op, int port, const sl_signal *sig, sl_error *e) {
  temporal_op *k = (temporal_op *)op;
  op_port *pt = &op->ports[port];
  int64_t wm = WM_NONE;
  if (sig->kind == SIG_WATERMARK) {
    wm = op_next_watermark(op, port, sig->ts);
  } else if (sig->kind == SIG_IDLE || sig->kind == SIG_END) {
    /* the other port alone may now decide the watermark: what the default will forward */
    op_port saved = *pt;
    if (sig->kind == SIG_IDLE)
      pt->idle = true;
    else
      pt->ended = true;
    wm = op_next_watermark(op, port, WM_NONE);
    *pt = saved;
  }
  if (wm != WM_NONE && wm > op->wm) {
    sl_status st = fire(k, wm, e);
    if (st) return st;
  }
  return op_signal_default(op, port, sig, e);
}

static sl_status temporal_finish(sl_op *op, sl_error *e) {
  return fire((temporal_op *)op, WM_INFINITY, e);
}

/* ---- explain ---- */

static void temporal_describe(const sl_op *op, sl_buf *out) {
  const temporal_op *k = (const temporal_op *)op;
  buf_printf(out, "%s temporal join ON ", join_type_name(k->jb.s.type));
  join_describe_keys(&k->jb, out);
  buf_printf(out, " (versions by %s as of %s)", k->jb.s.right.names[k->rtime],
             k->jb.s.left.names[k->ltime]);
}

/* ---- snapshot: "TemporalJoin" v1: the watermark, each port's, the arrival counter, the buffered
 * left rows (time, arrival, kind, position, row), then per key its packed bytes and versions (time,
 * arrival, 1 + row or 0 for a deletion) ---- */

static void put_pos(sl_buf *out, const sl_rowpos *p) {
  state_put_u64(out, p->source);
  state_put_u64(out, p->file);
  state_put_u64(out, p->line);
}

static sl_status temporal_snapshot(sl_op *op, sl_buf *out, sl_error *e) {
  temporal_op *k = (temporal_op *)op;
  state_put_header(out, "TemporalJoin", 1);
  state_put_i64(out, op->wm);
  for (int i = 0; i < 2; i++) state_put_i64(out, i < op->nin ? op->ports[i].wm : WM_NONE);
  state_put_u64(out, k->seq);
  state_put_u64(out, k->nl);
  for (size_t i = 0; i < k->nl; i++) {
    const tj_left *x = &k->lq[i];
    state_put_i64(out, x->t);
    state_put_u64(out, x->seq);
    state_put_u64(out, x->kind);
    put_pos(out, &x->pos);
    state_put_row(out, x->row, k->jb.s.left.types, k->jb.lcols);
  }
  state_put_u64(out, k->keys.n);
  size_t it = 0;
  state_entry *en;
  while ((en = state_map_next(&k->keys, &it))) {
    const tj_key *kv = state_entry_val(en);
    state_put_bytes(out, state_entry_key(en, &k->keys), en->klen);
    state_put_u64(out, kv->n);
    for (uint32_t j = 0; j < kv->n; j++) {
      state_put_i64(out, kv->v[j].t);
      state_put_u64(out, kv->v[j].seq);
      state_put_u64(out, kv->v[j].row ? 1 : 0);
      if (kv->v[j].row) state_put_row(out, kv->v[j].row, k->jb.s.right.types, k->jb.rcols);
    }
  }
  state_put_end(out);
  return SL_OK;
}

static bool restore_left(temporal_op *k, state_reader *r, sl_value *row) {
  uint64_t n = state_get_u64(r);
  for (uint64_t i = 0; i < n && !r->bad; i++) {
    tj_left x;
    x.t = state_get_i64(r);
    x.seq = state_get_u64(r);
    x.kind = (uint8_t)state_get_u64(r);
    x.pos.source = (uint32_t)state_get_u64(r);
    x.pos.file = (uint32_t)state_get_u64(r);
    x.pos.line = state_get_u64(r);
    /* a position names one of the job's sources (job_reject and job_late index them) */
    if (x.kind > RK_DELETE || x.pos.source >= (uint32_t)k->jb.base.job->nsources ||
        !state_get_row(r, row, k->jb.s.left.types, k->jb.lcols))
      return false;
    x.row = state_keep_row_alloc(&k->jb.base.mem, row, k->jb.s.left.types, k->jb.lcols);
    if (!x.row) return false;
    if (!left_push(k, &x)) {
      state_free_row(&k->jb.base.mem, x.row, k->jb.s.left.types, k->jb.lcols);
      return false;
    }
    op_state_rows(&k->jb.base, 1);
  }
  return !r->bad;
}

static bool restore_keys(temporal_op *k, state_reader *r, sl_value *row) {
  uint64_t nkeys = state_get_u64(r);
  for (uint64_t i = 0; i < nkeys && !r->bad; i++) {
    size_t klen;
    const void *key = state_get_bytes(r, &klen);
    uint64_t n = state_get_u64(r);
    /* n is checked against what is left (a version takes at least 24 bytes) before the
     * versions are allocated */
    if (r->bad || n == 0 || n > UINT32_MAX || n > (uint64_t)(r->end - r->p) / 24) return false;
    bool created;
    state_entry *en = state_map_upsert(&k->keys, key, klen, state_hash(key, klen), &created);
    if (!en || !created) return false;
    tj_key *kv = state_entry_val(en);
    kv->sched = NO_TIME;
    size_t cap = 0;
    if (!grow(&k->jb.base.mem, (void **)&kv->v, &cap, sizeof(tj_ver), (size_t)n)) return false;
    kv->cap = (uint32_t)cap;
    for (uint64_t j = 0; j < n && !r->bad; j++) {
      tj_ver v = {state_get_i64(r), state_get_u64(r), NULL};
      uint64_t has = state_get_u64(r);
      if (has > 1 || (has && !state_get_row(r, row, k->jb.s.right.types, k->jb.rcols)))
        return false;
      if (has &&
          !(v.row = state_keep_row_alloc(&k->jb.base.mem, row, k->jb.s.right.types, k->jb.rcols)))
        return false;
      if (kv->n && (kv->v[kv->n - 1].t > v.t)) { /* versions are written in order */
        if (v.row) state_free_row(&k->jb.base.mem, v.row, k->jb.s.right.types, k->jb.rcols);
        return false;
      }
      kv->v[kv->n++] = v;
      op_state_rows(&k->jb.base, 1);
    }
    if (!schedule(k, en)) return false;
  }
  return !r->bad;
}

static sl_status temporal_restore(sl_op *op, const void *p, size_t n, sl_error *e) {
  temporal_op *k = (temporal_op *)op;
  state_reader r;
  uint32_t version;
  sl_arena strings;
  arena_init(&strings, 4096);
  bool ok = state_reader_open(&r, p, n, "TemporalJoin", &version) && version == 1;
  r.strings = &strings;
  int w = k->jb.lcols > k->jb.rcols ? k->jb.lcols : k->jb.rcols;
  sl_value *row = xcalloc((size_t)w + 1, sizeof(sl_value));
  if (ok) {
    op->wm = state_get_i64(&r);
    for (int i = 0; i < 2; i++) {
      int64_t pw = state_get_i64(&r);
      if (i < op->nin) op->ports[i].wm = pw;
    }
    k->seq = state_get_u64(&r);
    ok = restore_left(k, &r, row) && restore_keys(k, &r, row);
  }
  free(row);
  arena_free(&strings);
  if (!ok || r.bad || r.p != r.end)
    return err_set(e, SL_ERUNTIME,
                   "TemporalJoin: the state snapshot is malformed or of another plan");
  return SL_OK;
}

static void temporal_free(sl_op *op) {
  temporal_op *k = (temporal_op *)op;
  free_all(k);
  free(k->chunk);
  buf_free(&k->key);
  join_base_free(&k->jb);
  free(k);
}

static const op_vt temporal_vt = {.kind = "TemporalJoin",
                                  .push = temporal_push,
                                  .signal = temporal_signal,
                                  .finish = temporal_finish,
                                  .describe = temporal_describe,
                                  .free = temporal_free,
                                  .snapshot = temporal_snapshot,
                                  .restore = temporal_restore,
                                  .keeps = "the left rows until the watermark reaches their time, "
                                           "and the versions of each key still valid"};

sl_op *op_temporal_join_new(sl_job *j, const join_spec *s, int ltime, int rtime, op_cols out,
                            sl_error *e) {
  const char *bad = NULL;
  if (s->type != JOIN_INNER && s->type != JOIN_LEFT)
    bad = "only INNER and LEFT temporal joins exist";
  else if (out.n != s->left.n + s->right.n)
    bad = "the output is not the left columns then the right ones";
  else if (ltime < 0 || ltime >= s->left.n || rtime < 0 || rtime >= s->right.n)
    bad = "a time column is out of range";
  if (bad) {
    err_set(e, SL_EINTERNAL, "TemporalJoin: %s", bad);
    return NULL;
  }
  temporal_op *k = xcalloc(1, sizeof *k);
  if (join_base_init(&k->jb, &temporal_vt, j, "temporal join", s, out, e)) {
    temporal_free(&k->jb.base);
    return NULL;
  }
  k->ltime = ltime;
  k->rtime = rtime;
  state_map_init(&k->keys, &k->jb.base.mem, sizeof(tj_key));
  return &k->jb.base;
}
