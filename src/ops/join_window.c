/* join_window.c - the window join (Flink's WindowJoinOperator): two window TVF outputs joined
 * on window_start, window_end and the keys. Each window (start, end) keeps both sides' rows in
 * one state arena, hashed by join key as they arrive (a list per key and side) and in arrival
 * order per side. When the watermark reaches window_end - 1 (when a window aggregation fires)
 * the window's left rows probe their key's right rows, the INNER/LEFT/RIGHT/FULL/SEMI/ANTI rows
 * are emitted, and the arena is dropped in one go; windows fire in window_end order and then the
 * watermark goes on unchanged. A row whose window has already been joined is late (job_late).
 * snapshot/restore write and read the open windows' rows and the watermarks.
 * Must not touch: the input batches after push returns (kept rows are copied into the window's
 * arena) or other operators' state. */
#include <stdlib.h>
#include <string.h>

#include "../format/format.h"
#include "join_int.h"

typedef struct wkey wkey;

typedef struct wrow {
  struct wrow *next_all, *next_key; /* arrival order in the window; in its key */
  wkey *key;                        /* NULL: a NULL key */
  sl_rowpos pos;
  bool matched;
  sl_value cells[];
} wrow;

struct wkey {
  wrow *head[2], *tail[2]; /* per side */
};

typedef struct wwin {
  int64_t start, end;
  state_arena arena; /* rows and key entries */
  state_map keys;    /* packed key -> wkey */
  wrow *head[2], *tail[2];
  int64_t n[2];
  bool rnull; /* a right row with a NULL key (NOT IN) */
} wwin;

typedef struct wjoin {
  join_base jb;
  int scol[2], ecol[2];
  wwin **wins; /* by (end, start) */
  int nwins, wcap;
  int64_t wm; /* the input watermark windows were fired at */
  sl_buf key;
} wjoin;

static sl_status mem_full(wjoin *a, sl_error *e) {
  return op_state_full(&a->jb.base, e);
}

static int win_cmp(const wwin *w, int64_t start, int64_t end) {
  if (w->end != end) return w->end < end ? -1 : 1;
  if (w->start != start) return w->start < start ? -1 : 1;
  return 0;
}

/* The window (start, end), created when missing; NULL over the memory limit. */
static wwin *window_of(wjoin *a, int64_t start, int64_t end) {
  int lo = 0, hi = a->nwins;
  if (hi && win_cmp(a->wins[hi - 1], start, end) < 0) {
    lo = hi; /* the usual case: a new latest window */
  } else {
    while (lo < hi) {
      int mid = (lo + hi) / 2;
      if (win_cmp(a->wins[mid], start, end) < 0)
        lo = mid + 1;
      else
        hi = mid;
    }
    if (lo < a->nwins && !win_cmp(a->wins[lo], start, end)) return a->wins[lo];
  }
  state_alloc *m = &a->jb.base.mem;
  if (a->nwins == a->wcap) {
    int cap = a->wcap ? a->wcap * 2 : 8;
    wwin **n = state_malloc(m, sizeof(wwin *) * (size_t)cap);
    if (!n) return NULL;
    if (a->nwins) memcpy(n, a->wins, sizeof(wwin *) * (size_t)a->nwins);
    state_free(m, a->wins, sizeof(wwin *) * (size_t)a->wcap);
    a->wins = n;
    a->wcap = cap;
  }
  wwin *w = state_malloc(m, sizeof *w);
  if (!w) return NULL;
  memset(w, 0, sizeof *w);
  w->start = start;
  w->end = end;
  state_arena_init(&w->arena, m, 16 * 1024);
  state_map_init(&w->keys, m, sizeof(wkey));
  state_map_use_arena(&w->keys, &w->arena);
  memmove(a->wins + lo + 1, a->wins + lo, sizeof(wwin *) * (size_t)(a->nwins - lo));
  a->wins[lo] = w;
  a->nwins++;
  return w;
}

static void window_free(wjoin *a, wwin *w) {
  op_state_rows(&a->jb.base, -(w->n[0] + w->n[1]));
  state_map_free(&w->keys);
  state_arena_free(&w->arena);
  state_free(&a->jb.base.mem, w, sizeof *w);
}

/* ---- push ---- */

static void fmt_time(int64_t ms, sl_type t, sl_buf *b) {
  if (t.id == T_TIMESTAMP || t.id == T_TIMESTAMP_LTZ)
    ts_format(ms, false, t.id == T_TIMESTAMP_LTZ, b);
  else
    buf_printf(b, "%lld", (long long)ms);
}

static sl_status late_row(wjoin *a, int p, const sl_value *row, int64_t start, int64_t end,
                          const sl_rowpos *pos, sl_error *e) {
  const op_cols *c = p ? &a->jb.s.right : &a->jb.s.left;
  sl_type tt = c->types[a->ecol[p]];
  sl_buf r = {0}, j = {0};
  buf_puts(&r, "late: window [");
  fmt_time(start, tt, &r);
  buf_puts(&r, ", ");
  fmt_time(end, tt, &r);
  buf_puts(&r, ") already joined at watermark ");
  fmt_time(a->wm, tt, &r);
  fmt_row_json(c->names, c->types, c->n, row, &j);
  sl_status st = job_late(a->jb.base.job, pos, buf_cstr(&r), j.data, j.len, e);
  buf_free(&r);
  buf_free(&j);
  return st;
}

static sl_status null_window(wjoin *a, int p, const sl_value *row, const sl_rowpos *pos,
                             sl_error *e) {
  const op_cols *c = p ? &a->jb.s.right : &a->jb.s.left;
  sl_buf j = {0};
  fmt_row_json(c->names, c->types, c->n, row, &j);
  sl_status st =
      job_reject(a->jb.base.job, pos, "window",
                 "window join: the row's window_start or window_end is NULL", j.data, j.len, e);
  buf_free(&j);
  return st;
}

/* Keeps a copy of row (side p) in window w. */
static sl_status add_row(wjoin *a, int p, wwin *w, const sl_value *row, const sl_rowpos *pos,
                         sl_error *e) {
  const op_cols *c = p ? &a->jb.s.right : &a->jb.s.left;
  size_t extra = state_row_extra(row, c->types, c->n);
  wrow *r = state_arena_alloc(&w->arena, sizeof(wrow) + sizeof(sl_value) * (size_t)c->n + extra);
  if (!r) return mem_full(a, e);
  state_keep_row(r->cells, row, c->types, c->n, (char *)(r->cells + c->n));
  r->pos = *pos;
  r->matched = false;
  r->next_all = r->next_key = NULL;
  r->key = NULL;
  uint64_t h;
  if (join_key(&a->jb, p, row, &a->key, &h)) {
    bool created;
    state_entry *en = state_map_upsert(&w->keys, a->key.data, a->key.len, h, &created);
    if (!en) return mem_full(a, e);
    wkey *k = state_entry_val(en);
    if (k->tail[p])
      k->tail[p]->next_key = r;
    else
      k->head[p] = r;
    k->tail[p] = r;
    r->key = k;
  } else if (p) {
    w->rnull = true;
  }
  if (w->tail[p])
    w->tail[p]->next_all = r;
  else
    w->head[p] = r;
  w->tail[p] = r;
  w->n[p]++;
  op_state_rows(&a->jb.base, 1);
  return SL_OK;
}

static sl_status wj_push(sl_op *op, int port, const sl_batch *b, sl_error *e) {
  wjoin *a = (wjoin *)op;
  int p = port ? 1 : 0;
  sl_status st = SL_OK;
  wwin *w = NULL;
  for (int i = 0; i < b->nrows && !st; i++) {
    const sl_value *row = batch_row(b, i);
    const sl_rowpos *pos = &b->pos[i];
    const sl_value *sv = &row[a->scol[p]], *ev = &row[a->ecol[p]];
    if (sv->null || ev->null) {
      st = null_window(a, p, row, pos, e);
      continue;
    }
    int64_t start = sv->u.i, end = ev->u.i;
    if (a->wm != WM_NONE && end - 1 <= a->wm) {
      st = late_row(a, p, row, start, end, pos, e);
      continue;
    }
    if ((!w || w->start != start || w->end != end) && !(w = window_of(a, start, end)))
      return mem_full(a, e);
    if ((st = add_row(a, p, w, row, pos, e))) return st;
  }
  return st;
}

/* ---- firing ---- */

static sl_status fire(wjoin *a, wwin *w, sl_error *e) {
  join_base *jb = &a->jb;
  int type = jb->s.type;
  bool pairs = type != JOIN_SEMI && type != JOIN_ANTI;
  sl_status st = SL_OK;
  for (wrow *l = w->head[0]; l && !st; l = l->next_all) {
    bool m = false;
    for (wrow *r = l->key ? l->key->head[1] : NULL; r && !st; r = r->next_key) {
      bool ok;
      if ((st = join_cond(jb, l->cells, r->cells, &l->pos, &ok, e)) || !ok) continue;
      m = r->matched = true;
      if (!pairs) break;
      st = join_append(jb, l->cells, r->cells, RK_INSERT, &l->pos, e);
    }
    if (st) break;
    bool emit = false;
    switch (type) {
    case JOIN_LEFT:
    case JOIN_FULL:
    case JOIN_SEMI: emit = type == JOIN_SEMI ? m : !m; break;
    case JOIN_ANTI:
      emit = !m;
      /* NOT IN: a NULL on the right makes every comparison unknown; a NULL left key is unknown
       * against any right row */
      if (jb->s.null_aware && (w->rnull || (!l->key && w->n[1]))) emit = false;
      break;
    default: break;
    }
    if (emit) st = join_append(jb, l->cells, NULL, RK_INSERT, &l->pos, e);
  }
  if (!st && (type == JOIN_RIGHT || type == JOIN_FULL))
    for (wrow *r = w->head[1]; r && !st; r = r->next_all)
      if (!r->matched) st = join_append(jb, NULL, r->cells, RK_INSERT, &r->pos, e);
  if (!st) st = join_flush(jb, e); /* rows point into the window's arena */
  return st;
}

/* Fires every window the watermark wm closes, in (window_end, window_start) order. */
static sl_status advance(wjoin *a, int64_t wm, sl_error *e) {
  int n = 0;
  sl_status st = SL_OK;
  while (n < a->nwins && a->wins[n]->end - 1 <= wm && !st) {
    st = fire(a, a->wins[n], e);
    window_free(a, a->wins[n]);
    n++;
  }
  if (n) memmove(a->wins, a->wins + n, sizeof(wwin *) * (size_t)(a->nwins - n));
  a->nwins -= n;
  if (!a->nwins) {
    state_free(&a->jb.base.mem, a->wins, sizeof(wwin *) * (size_t)a->wcap);
    a->wins = NULL;
    a->wcap = 0;
  }
  a->wm = wm;
  return st;
}

/* The input watermark after `sig` on `port` (op.c's rule: the minimum over the open ports,
 * idle ones left out unless all are), without changing the ports. */
static int64_t input_wm_after(const sl_op *op, int port, const sl_signal *sig) {
  int64_t wm = WM_INFINITY;
  bool any_active = false;
  op_port pts[2];
  for (int p = 0; p < op->nin && p < 2; p++) {
    op_port pt = op->ports[p];
    if (p == port) {
      if (sig->kind == SIG_WATERMARK && sig->ts > pt.wm) pt.wm = sig->ts;
      if (sig->kind == SIG_IDLE) pt.idle = true;
      if (sig->kind == SIG_END) pt.ended = true;
    }
    pts[p] = pt;
    if (!pt.idle && !pt.ended) any_active = true;
  }
  for (int p = 0; p < op->nin && p < 2; p++) {
    if (pts[p].ended || (any_active && pts[p].idle)) continue;
    if (pts[p].wm < wm) wm = pts[p].wm;
  }
  return wm;
}

static sl_status wj_signal(sl_op *op, int port, const sl_signal *sig, sl_error *e) {
  wjoin *a = (wjoin *)op;
  if (sig->kind == SIG_WATERMARK || sig->kind == SIG_IDLE || sig->kind == SIG_END) {
    int64_t wm = input_wm_after(op, port, sig);
    if (wm != WM_NONE && (a->wm == WM_NONE || wm > a->wm)) {
      sl_status st = advance(a, wm, e);
      if (st) return st;
    }
  }
  return op_signal_default(op, port, sig, e);
}

/* ---- snapshot: "WindowJoin" v1 ----
 * the input watermark windows were fired at, each port's watermark, then per open window its
 * bounds and each side's rows (position, cells) in arrival order; restore re-inserts them into
 * a fresh instance built from the same plan. */

#define WJ_SNAP_VERSION 1

static sl_status wj_snapshot(sl_op *op, sl_buf *out, sl_error *e) {
  wjoin *a = (wjoin *)op;
  state_put_header(out, "WindowJoin", WJ_SNAP_VERSION);
  state_put_i64(out, a->wm);
  state_put_u64(out, (uint64_t)op->nin);
  for (int p = 0; p < op->nin; p++) state_put_i64(out, op->ports[p].wm);
  state_put_u64(out, (uint64_t)a->nwins);
  for (int i = 0; i < a->nwins; i++) {
    wwin *w = a->wins[i];
    state_put_i64(out, w->start);
    state_put_i64(out, w->end);
    for (int p = 0; p < 2; p++) {
      const op_cols *c = p ? &a->jb.s.right : &a->jb.s.left;
      state_put_u64(out, (uint64_t)w->n[p]);
      for (wrow *r = w->head[p]; r; r = r->next_all) {
        state_put_u64(out, r->pos.source);
        state_put_u64(out, r->pos.file);
        state_put_u64(out, r->pos.line);
        state_put_row(out, r->cells, c->types, c->n);
      }
    }
  }
  state_put_end(out);
  return SL_OK;
}

static sl_status bad_snap(sl_error *e, const char *why) {
  return err_set(e, SL_ERUNTIME, "cannot restore the window join's state: %s", why);
}

static sl_status wj_restore(sl_op *op, const void *data, size_t len, sl_error *e) {
  wjoin *a = (wjoin *)op;
  if (a->nwins || a->wm != WM_NONE) return bad_snap(e, "the operator is not fresh");
  state_reader r = {0};
  uint32_t version;
  if (!state_reader_open(&r, data, len, "WindowJoin", &version))
    return bad_snap(e, "not a window join snapshot, or damaged");
  if (version != WJ_SNAP_VERSION) return bad_snap(e, "an unknown version");
  int64_t wm = state_get_i64(&r);
  uint64_t nin = state_get_u64(&r);
  if (r.bad || nin != (uint64_t)op->nin) return bad_snap(e, "made with another number of inputs");
  for (int p = 0; p < op->nin; p++) {
    int64_t w = state_get_i64(&r);
    if (w > op->ports[p].wm) op->ports[p].wm = w;
  }
  uint64_t nw = state_get_u64(&r);
  if (nw > (uint64_t)(r.end - r.p)) r.bad = true;
  int m = a->jb.lcols > a->jb.rcols ? a->jb.lcols : a->jb.rcols;
  sl_value *row = xmalloc(sizeof(sl_value) * (size_t)(m ? m : 1));
  sl_status st = SL_OK;
  for (uint64_t i = 0; i < nw && !r.bad && !st; i++) {
    int64_t start = state_get_i64(&r), end = state_get_i64(&r);
    if (r.bad || start >= end || (a->nwins && win_cmp(a->wins[a->nwins - 1], start, end) >= 0)) {
      r.bad = true; /* windows end after they start, and are written in order, each once */
      break;
    }
    wwin *w = window_of(a, start, end);
    if (!w) {
      st = mem_full(a, e);
      break;
    }
    for (int p = 0; p < 2 && !r.bad && !st; p++) {
      const op_cols *c = p ? &a->jb.s.right : &a->jb.s.left;
      uint64_t n = state_get_u64(&r);
      if (n > (uint64_t)(r.end - r.p)) r.bad = true;
      for (uint64_t k = 0; k < n && !r.bad && !st; k++) {
        sl_rowpos pos;
        pos.source = (uint32_t)state_get_u64(&r);
        pos.file = (uint32_t)state_get_u64(&r);
        pos.line = state_get_u64(&r);
        if (!state_get_row(&r, row, c->types, c->n)) break;
        if (pos.source >= (uint32_t)op->job->nsources) {
          r.bad = true; /* job_reject and job_late index the job's sources by it */
          break;
        }
        const sl_value *sv = &row[a->scol[p]], *ev = &row[a->ecol[p]];
        if (sv->null || ev->null || sv->u.i != start || ev->u.i != end) {
          r.bad = true; /* a row of another window */
          break;
        }
        st = add_row(a, p, w, row, &pos, e);
      }
    }
  }
  free(row);
  if (st) return st;
  if (r.bad || r.p != r.end) return bad_snap(e, "a malformed record");
  a->wm = wm;
  op->wm = wm;
  return SL_OK;
}

/* ---- describe, free, constructor ---- */

static void wj_describe(const sl_op *op, sl_buf *out) {
  const wjoin *a = (const wjoin *)op;
  const join_base *jb = &a->jb;
  buf_printf(out, "%s, ", join_type_name(jb->s.type));
  join_describe_keys(jb, out);
  buf_printf(out, ", windows %s = %s AND %s = %s", jb->s.left.names[a->scol[0]],
             jb->s.right.names[a->scol[1]], jb->s.left.names[a->ecol[0]],
             jb->s.right.names[a->ecol[1]]);
  if (jb->s.null_aware) buf_puts(out, ", NOT IN semantics");
}

static void wj_free(sl_op *op) {
  wjoin *a = (wjoin *)op;
  for (int i = 0; i < a->nwins; i++) window_free(a, a->wins[i]);
  state_free(&op->mem, a->wins, sizeof(wwin *) * (size_t)a->wcap);
  buf_free(&a->key);
  join_base_free(&a->jb);
  free(a);
}

static const op_vt wj_vt = {.kind = "WindowJoin",
                            .push = wj_push,
                            .signal = wj_signal,
                            .describe = wj_describe,
                            .free = wj_free,
                            .snapshot = wj_snapshot,
                            .restore = wj_restore,
                            .keeps = "each window's rows of both sides"};

sl_op *op_window_join_new(sl_job *j, const join_spec *s, int lstart, int lend, int rstart, int rend,
                          op_cols out, sl_error *e) {
  if (s->type < JOIN_INNER || s->type > JOIN_ANTI) {
    err_set(e, SL_EINTERNAL, "window join: unknown join type %d", s->type);
    return NULL;
  }
  bool semi = s->type == JOIN_SEMI || s->type == JOIN_ANTI;
  if (lstart < 0 || lstart >= s->left.n || lend < 0 || lend >= s->left.n || rstart < 0 ||
      rstart >= s->right.n || rend < 0 || rend >= s->right.n ||
      out.n != (semi ? s->left.n : s->left.n + s->right.n)) {
    err_set(e, SL_EINTERNAL, "window join: bad window or output columns");
    return NULL;
  }
  wjoin *a = xcalloc(1, sizeof *a);
  if (join_base_init(&a->jb, &wj_vt, j, "window join", s, out, e)) {
    join_base_free(&a->jb);
    free(a);
    return NULL;
  }
  a->scol[0] = lstart;
  a->ecol[0] = lend;
  a->scol[1] = rstart;
  a->ecol[1] = rend;
  a->wm = WM_NONE;
  return &a->jb.base;
}
