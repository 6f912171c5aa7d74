/* window_session_tvf.c - the SESSION windowing TVF on its own (Flink 1.19+): each input row comes
 * out with window_start, window_end and window_time of its session. Per partition key (PARTITION
 * BY columns; none: one partition) the open sessions [first row, last row + gap) are kept with
 * copies of their rows; a row opens a session or joins every session it touches (rows at most
 * `gap` apart merge, a row may bridge two sessions). A session is emitted, all its rows with the
 * final bounds, when the watermark reaches its end - 1, and freed then; a min-heap of (end, key)
 * finds those without scanning every key (an entry made stale by a merge is skipped). A row
 * whose session would already have been emitted is late (job_late). Snapshot kind
 * "WindowSessionTVF", version 1.
 * Must not touch: the stateless TVFs (window_tvf.c) or session aggregation (window_session.c). */
#include <stdlib.h>
#include <string.h>

#include "../format/format.h"
#include "window_int.h"

#define STVF_SNAP_VERSION 1

typedef struct trow {
  sl_value *row; /* state_keep_row_alloc block */
  sl_rowpos pos;
  int64_t kind;
} trow;

typedef struct tsess {
  int64_t start, end;
  trow *rows;
  int32_t n, cap;
} tsess;

typedef struct tkey {
  int32_t n, cap; /* sessions, by start */
  int32_t nheap;  /* heap entries pointing at this key's entry */
  int32_t pad;
  int64_t registered; /* a heap entry for this key has this end, <= every session's end */
  tsess *sess;
} tkey;

typedef struct ttimer {
  int64_t end;
  state_entry *en;
} ttimer;

typedef struct stvf_op {
  sl_op base;
  window_spec w;
  int *keys, nkeys;
  int in_ncols;
  const sl_type *in_types;
  state_map map;
  ttimer *heap;
  size_t nheap, heapcap;
  int64_t wm; /* the watermark up to which sessions have been emitted */
  sl_buf key;
  sl_batch out;
} stvf_op;

static sl_status full(stvf_op *t, sl_error *e) {
  return op_state_full(&t->base, e);
}

/* ---- the heap ---- */

static bool heap_push(stvf_op *t, int64_t end, state_entry *en) {
  if (t->nheap == t->heapcap) {
    size_t cap = t->heapcap ? t->heapcap * 2 : 64;
    ttimer *n = state_malloc(&t->base.mem, sizeof(ttimer) * cap);
    if (!n) return false;
    if (t->nheap) memcpy(n, t->heap, sizeof(ttimer) * t->nheap);
    state_free(&t->base.mem, t->heap, sizeof(ttimer) * t->heapcap);
    t->heap = n;
    t->heapcap = cap;
  }
  size_t i = t->nheap++;
  while (i > 0 && t->heap[(i - 1) / 2].end > end) {
    t->heap[i] = t->heap[(i - 1) / 2];
    i = (i - 1) / 2;
  }
  t->heap[i] = (ttimer){end, en};
  tkey *k = state_entry_val(en);
  k->registered = end;
  k->nheap++;
  return true;
}

static ttimer heap_pop(stvf_op *t) {
  ttimer top = t->heap[0], last = t->heap[--t->nheap];
  size_t i = 0;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= t->nheap) break;
    if (c + 1 < t->nheap && t->heap[c + 1].end < t->heap[c].end) c++;
    if (t->heap[c].end >= last.end) break;
    t->heap[i] = t->heap[c];
    i = c;
  }
  if (t->nheap) t->heap[i] = last;
  if (t->nheap == 0) {
    state_free(&t->base.mem, t->heap, sizeof(ttimer) * t->heapcap);
    t->heap = NULL;
    t->heapcap = 0;
  }
  return top;
}

/* ---- sessions ---- */

static bool grow_key(stvf_op *t, tkey *k) {
  int cap = k->cap ? k->cap * 2 : 2;
  tsess *n = state_malloc(&t->base.mem, sizeof(tsess) * (size_t)cap);
  if (!n) return false;
  if (k->n) memcpy(n, k->sess, sizeof(tsess) * (size_t)k->n);
  state_free(&t->base.mem, k->sess, sizeof(tsess) * (size_t)k->cap);
  k->sess = n;
  k->cap = cap;
  return true;
}

static bool grow_rows(stvf_op *t, tsess *s, int32_t need) {
  if (need <= s->cap) return true;
  int32_t cap = s->cap ? s->cap : 4;
  while (cap < need) cap *= 2;
  trow *n = state_malloc(&t->base.mem, sizeof(trow) * (size_t)cap);
  if (!n) return false;
  if (s->n) memcpy(n, s->rows, sizeof(trow) * (size_t)s->n);
  state_free(&t->base.mem, s->rows, sizeof(trow) * (size_t)s->cap);
  s->rows = n;
  s->cap = cap;
  return true;
}

static void sess_release(stvf_op *t, tsess *s) {
  for (int32_t i = 0; i < s->n; i++)
    state_free_row(&t->base.mem, s->rows[i].row, t->in_types, t->in_ncols);
  state_free(&t->base.mem, s->rows, sizeof(trow) * (size_t)s->cap);
  s->rows = NULL;
  s->n = s->cap = 0;
}

static void remove_at(tkey *k, int i) {
  memmove(k->sess + i, k->sess + i + 1, sizeof(tsess) * (size_t)(k->n - i - 1));
  k->n--;
}

/* ---- rows ---- */

static sl_status stvf_push(sl_op *op, int port, const sl_batch *b, sl_error *e) {
  (void)port;
  stvf_op *t = (stvf_op *)op;
  sl_status st;
  for (int r = 0; r < b->nrows; r++) {
    const sl_value *row = batch_row(b, r);
    const sl_value *tv = &row[t->w.time_col];
    if (tv->null) {
      if ((st = win_reject_null_time(&t->base, t->w.time_col, row, &b->pos[r], e))) return st;
      continue;
    }
    int64_t ts = tv->u.i, hi = win_sat_add(ts, t->w.gap);
    t->key.len = 0;
    state_key_pack(row, t->keys, t->in_types, t->nkeys, &t->key);
    uint64_t h = state_hash(t->key.data, t->key.len);
    state_entry *en = state_map_find(&t->map, t->key.data, t->key.len, h);
    tkey *k = en ? state_entry_val(en) : NULL;
    int first = -1, nover = 0;
    int64_t ms = ts, me = hi;
    for (int i = 0; k && i < k->n; i++) {
      tsess *s = &k->sess[i];
      if (s->start <= hi && ts <= s->end) {
        if (first < 0) first = i;
        nover++;
        if (s->start < ms) ms = s->start;
        if (s->end > me) me = s->end;
      }
    }
    if (!nover && win_fired(hi, t->wm)) {
      if ((st = win_late(&t->base, "session", t->w.time_col, ts, win_sat_add(ts, t->w.gap), t->wm,
                         row, &b->pos[r], e)))
        return st;
      continue;
    }
    if (!en) {
      bool created;
      if (!(en = state_map_upsert(&t->map, t->key.data, t->key.len, h, &created)))
        return full(t, e);
      k = state_entry_val(en);
    }
    tsess *s;
    if (!nover) { /* a new session, kept in start order */
      if (k->n == k->cap && !grow_key(t, k)) return full(t, e);
      int at = 0;
      while (at < k->n && k->sess[at].start < ts) at++;
      memmove(k->sess + at + 1, k->sess + at, sizeof(tsess) * (size_t)(k->n - at));
      k->n++;
      s = &k->sess[at];
      memset(s, 0, sizeof *s);
    } else {
      s = &k->sess[first];
      /* the others overlapping follow `first` in start order (sessions never overlap) */
      for (int m = 1; m < nover; m++) {
        tsess *o = &k->sess[first + 1];
        if (!grow_rows(t, s, s->n + o->n)) return full(t, e);
        memcpy(s->rows + s->n, o->rows, sizeof(trow) * (size_t)o->n);
        s->n += o->n;
        state_free(&t->base.mem, o->rows, sizeof(trow) * (size_t)o->cap);
        remove_at(k, first + 1);
      }
    }
    if (!grow_rows(t, s, s->n + 1)) return full(t, e);
    sl_value *kept = state_keep_row_alloc(&t->base.mem, row, t->in_types, t->in_ncols);
    if (!kept) return full(t, e);
    s->rows[s->n++] = (trow){kept, b->pos[r], b->kind[r]};
    bool moved = !nover || me != s->end;
    s->start = ms;
    s->end = me;
    if (moved && (k->nheap == 0 || me < k->registered) && !heap_push(t, me, en)) return full(t, e);
  }
  return SL_OK;
}

/* ---- emission ---- */

static sl_status flush(stvf_op *t, sl_error *e) {
  sl_status st = op_emit(&t->base, &t->out, e);
  batch_clear(&t->out);
  return st;
}

/* Every row of the session with its bounds; strings are copied into the output batch's arena
 * as the kept rows are freed before the batch goes out. */
static sl_status emit_session(stvf_op *t, const tsess *s, sl_error *e) {
  for (int32_t i = 0; i < s->n; i++) {
    const trow *tr = &s->rows[i];
    sl_value *o = batch_row(&t->out, t->out.nrows);
    size_t extra = state_row_extra(tr->row, t->in_types, t->in_ncols);
    state_keep_row(o, tr->row, t->in_types, t->in_ncols, arena_alloc(&t->out.arena, extra + 1));
    o[t->in_ncols] = value_int(s->start);
    o[t->in_ncols + 1] = value_int(s->end);
    o[t->in_ncols + 2] = value_int(s->end - 1);
    t->out.kind[t->out.nrows] = (uint8_t)tr->kind;
    t->out.pos[t->out.nrows++] = tr->pos;
    if (t->out.nrows == t->out.cap) {
      sl_status st = flush(t, e);
      if (st) return st;
    }
  }
  return SL_OK;
}

static sl_status advance(stvf_op *t, int64_t wm, sl_error *e) {
  t->wm = wm;
  sl_status st = SL_OK;
  while (!st && t->nheap && win_fired(t->heap[0].end, wm)) {
    ttimer tm = heap_pop(t);
    tkey *k = state_entry_val(tm.en);
    k->nheap--;
    for (int i = 0; !st && i < k->n;) {
      tsess *s = &k->sess[i];
      if (!win_fired(s->end, wm)) {
        i++;
        continue;
      }
      st = emit_session(t, s, e);
      sess_release(t, s);
      remove_at(k, i);
    }
    if (st) break;
    if (k->n == 0 && k->nheap == 0) {
      state_free(&t->base.mem, k->sess, sizeof(tsess) * (size_t)k->cap);
      state_map_remove(&t->map, tm.en);
    } else if (k->n > 0 && (k->nheap == 0 || k->registered <= tm.end)) {
      /* the entry just popped was the one at `registered`: register the earliest end again */
      int64_t m = k->sess[0].end;
      for (int i = 1; i < k->n; i++)
        if (k->sess[i].end < m) m = k->sess[i].end;
      if (!heap_push(t, m, tm.en)) st = full(t, e);
    }
  }
  if (!st) st = flush(t, e);
  return st;
}

static sl_status stvf_signal(sl_op *op, int port, const sl_signal *sig, sl_error *e) {
  stvf_op *t = (stvf_op *)op;
  if (sig->kind == SIG_WATERMARK) {
    int64_t wm = op_next_watermark(op, port, sig->ts);
    if (wm != WM_NONE && wm > t->wm) {
      sl_status st = advance(t, wm, e);
      if (st) return st;
    }
  }
  return op_signal_default(op, port, sig, e);
}

/* Every input has ended: what still waits comes out (the +infinity watermark normally has). */
static sl_status stvf_finish(sl_op *op, sl_error *e) {
  stvf_op *t = (stvf_op *)op;
  return t->nheap ? advance(t, WM_INFINITY, e) : SL_OK;
}

static void stvf_describe(const sl_op *op, sl_buf *out) {
  const stvf_op *t = (const stvf_op *)op;
  buf_printf(out, "SESSION(%s, gap %lld ms", op->cols ? op->cols[t->w.time_col] : "?",
             (long long)t->w.gap);
  if (t->nkeys) {
    buf_puts(out, ", partition by ");
    for (int i = 0; i < t->nkeys; i++)
      buf_printf(out, "%s%s", i ? ", " : "", op->cols ? op->cols[t->keys[i]] : "?");
  }
  buf_puts(out, ")");
}

static void stvf_free(sl_op *op) {
  stvf_op *t = (stvf_op *)op;
  size_t it = 0;
  for (state_entry *en; (en = state_map_next(&t->map, &it));) {
    tkey *k = state_entry_val(en);
    for (int i = 0; i < k->n; i++) sess_release(t, &k->sess[i]);
    state_free(&t->base.mem, k->sess, sizeof(tsess) * (size_t)k->cap);
  }
  state_map_free(&t->map);
  state_free(&t->base.mem, t->heap, sizeof(ttimer) * t->heapcap);
  batch_free(&t->out);
  buf_free(&t->key);
  free(t->keys);
  free(t);
}

/* ---- snapshot: the watermark, then per key its sessions and their rows; the heap is rebuilt ----
 */

static sl_status stvf_snapshot(sl_op *op, sl_buf *out, sl_error *e) {
  (void)e;
  stvf_op *t = (stvf_op *)op;
  state_put_header(out, "WindowSessionTVF", STVF_SNAP_VERSION);
  state_put_i64(out, t->wm);
  state_put_u64(out, t->map.n);
  size_t it = 0;
  for (state_entry *en; (en = state_map_next(&t->map, &it));) {
    tkey *k = state_entry_val(en);
    state_put_bytes(out, state_entry_key(en, &t->map), en->klen);
    state_put_u64(out, (uint64_t)k->n);
    for (int i = 0; i < k->n; i++) {
      const tsess *s = &k->sess[i];
      state_put_i64(out, s->start);
      state_put_i64(out, s->end);
      state_put_u64(out, (uint64_t)s->n);
      for (int32_t r = 0; r < s->n; r++) {
        state_put_u64(out, s->rows[r].pos.source);
        state_put_u64(out, s->rows[r].pos.file);
        state_put_u64(out, s->rows[r].pos.line);
        state_put_u64(out, (uint64_t)s->rows[r].kind);
        state_put_row(out, s->rows[r].row, t->in_types, t->in_ncols);
      }
    }
  }
  state_put_end(out);
  return SL_OK;
}

static sl_status bad(sl_error *e, const char *why) {
  return err_set(e, SL_ERUNTIME, "cannot restore the SESSION window's state: %s", why);
}

static sl_status stvf_restore(sl_op *op, const void *p, size_t n, sl_error *e) {
  stvf_op *t = (stvf_op *)op;
  if (t->map.n) return bad(e, "the operator is not fresh");
  state_reader r = {0};
  uint32_t version;
  if (!state_reader_open(&r, p, n, "WindowSessionTVF", &version))
    return bad(e, "not a SESSION window snapshot, or damaged");
  if (version != STVF_SNAP_VERSION) return bad(e, "an unknown version");
  int64_t wm = state_get_i64(&r);
  uint64_t nkeys = state_get_u64(&r);
  sl_value *cells = xmalloc(sizeof(sl_value) * (size_t)(t->in_ncols ? t->in_ncols : 1));
  sl_arena strings = {0};
  r.strings = &strings;
  const char *why = NULL;
  for (uint64_t i = 0; i < nkeys && !r.bad && !why; i++) {
    size_t klen;
    const void *key = state_get_bytes(&r, &klen);
    uint64_t ns = state_get_u64(&r);
    if (!key || r.bad || ns == 0 || ns > (uint64_t)(r.end - r.p)) {
      r.bad = true;
      break;
    }
    bool created;
    state_entry *en = state_map_upsert(&t->map, key, klen, state_hash(key, klen), &created);
    if (!en) {
      why = "over the state memory limit";
      break;
    }
    if (!created) {
      r.bad = true;
      break;
    }
    tkey *k = state_entry_val(en);
    int64_t m = INT64_MAX;
    for (uint64_t j = 0; j < ns && !r.bad && !why; j++) {
      if (k->n == k->cap && !grow_key(t, k)) {
        why = "over the state memory limit";
        break;
      }
      tsess *s = &k->sess[k->n++];
      memset(s, 0, sizeof *s);
      s->start = state_get_i64(&r);
      s->end = state_get_i64(&r);
      uint64_t nr = state_get_u64(&r);
      if (r.bad || nr > (uint64_t)(r.end - r.p) || s->end <= s->start) {
        r.bad = true;
        break;
      }
      if (s->end < m) m = s->end;
      if (!grow_rows(t, s, (int32_t)nr)) {
        why = "over the state memory limit";
        break;
      }
      for (uint64_t q = 0; q < nr && !r.bad; q++) {
        trow tr;
        tr.pos.source = (uint32_t)state_get_u64(&r);
        tr.pos.file = (uint32_t)state_get_u64(&r);
        tr.pos.line = state_get_u64(&r);
        tr.kind = (int64_t)state_get_u64(&r);
        if (!state_get_row(&r, cells, t->in_types, t->in_ncols)) break;
        if (!(tr.row = state_keep_row_alloc(&t->base.mem, cells, t->in_types, t->in_ncols))) {
          why = "over the state memory limit";
          break;
        }
        s->rows[s->n++] = tr;
        arena_reset(&strings);
      }
    }
    if (!r.bad && !why && !heap_push(t, m, en)) why = "over the state memory limit";
  }
  arena_free(&strings);
  free(cells);
  if (why) return bad(e, why);
  if (r.bad || r.p != r.end) return bad(e, "a malformed record");
  t->wm = wm;
  op->wm = wm;
  for (int i = 0; i < op->nin; i++)
    if (op->ports[i].wm < wm) op->ports[i].wm = wm;
  return SL_OK;
}

static const op_vt stvf_vt = {.kind = "WindowSessionTableFunction",
                              .push = stvf_push,
                              .signal = stvf_signal,
                              .finish = stvf_finish,
                              .describe = stvf_describe,
                              .free = stvf_free,
                              .snapshot = stvf_snapshot,
                              .restore = stvf_restore,
                              .keeps = "the rows of every open session"};

sl_op *op_window_session_tvf_new(sl_job *j, const window_spec *w, op_cols out, sl_error *e) {
  const char *m = window_spec_check(w);
  if (m) {
    err_set(e, SL_ESQL, "%s", m);
    return NULL;
  }
  if (out.n < 3 || w->time_col < 0 || w->time_col >= out.n - 3 || w->nkeys < 0) {
    err_set(e, SL_EINTERNAL, "SESSION window TVF: bad output columns");
    return NULL;
  }
  for (int i = 0; i < w->nkeys; i++)
    if (w->keys[i] < 0 || w->keys[i] >= out.n - 3) {
      err_set(e, SL_EINTERNAL, "SESSION window TVF: bad partition column");
      return NULL;
    }
  stvf_op *t = xcalloc(1, sizeof *t);
  op_init(&t->base, &stvf_vt, j, "window");
  t->w = *w;
  t->nkeys = w->nkeys;
  t->keys = xmalloc(sizeof(int) * (size_t)(w->nkeys ? w->nkeys : 1));
  if (w->nkeys) memcpy(t->keys, w->keys, sizeof(int) * (size_t)w->nkeys);
  t->w.keys = t->keys;
  t->in_ncols = out.n - 3;
  t->in_types = out.types;
  t->wm = WM_NONE;
  state_map_init(&t->map, &t->base.mem, sizeof(tkey));
  t->base.ncols = out.n;
  t->base.cols = out.names;
  t->base.types = out.types;
  batch_init(&t->out, out.n, j->batch_rows);
  return &t->base;
}
