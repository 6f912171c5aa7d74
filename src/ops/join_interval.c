/* join_interval.c - the interval join (Flink's RowTimeIntervalJoin): a left row at time t
 * matches the right rows of its key with time in [t + lower, t + upper]. Each side keeps its
 * rows in a state_map by join key (a list per key sorted by time, so a probe walks back from
 * the newest row and stops below the range) and in a min-heap by the watermark bound up to
 * which the row can still be matched (left: t + upper, right: u - lower), so the rows a
 * watermark frees are popped in order without visiting the others. Freed rows of an outer side
 * that never matched come out NULL-padded; then the watermark goes on, held back by
 * max(upper, -lower, 0) so the joined rows are not late downstream.
 * A row whose interval lies entirely among freed rows of the other side is late (job_late); a
 * row behind the watermark that can still meet kept rows is joined with them (and kept only
 * while a row of the other side that is not late could match it). snapshot/restore write and
 * read the kept rows, the watermarks and each port's watermark.
 * Must not touch: the input batches after push returns (kept rows are copied into counted
 * state) or other operators' state. */
#include <stdlib.h>
#include <string.h>

#include "../format/format.h"
#include "join_int.h"

typedef struct irow {
  struct irow *prev, *next; /* the rows of its key, by time; next also links freed rows */
  state_entry *key;         /* its entry in the side's map */
  int64_t t, bound;         /* its time; kept while the watermark is <= bound */
  size_t bytes;             /* the block: this header, the cells, their strings */
  sl_rowpos pos;
  bool matched;
  sl_value cells[];
} irow;

typedef struct ikey {
  irow *head, *tail;
} ikey;

typedef struct iside {
  state_map keys; /* packed key -> ikey */
  irow **heap;    /* min-heap by bound */
  size_t n, cap;
  int tcol, ncols;
  const sl_type *types;
  const char *const *names;
  bool outer;    /* its unmatched rows come out NULL-padded */
  int64_t slack; /* a row is late when bound + slack < the watermark */
} iside;

typedef struct ijoin {
  join_base jb;
  iside side[2];
  int64_t lower, upper, hold;
  int64_t wm; /* the input watermark rows were freed at (WM_NONE: none yet) */
  sl_buf key;
  irow *dead; /* rows freed by this watermark, released after the flush */
} ijoin;

static int64_t sat_add(int64_t a, int64_t b) {
  if (b > 0 && a > INT64_MAX - b) return INT64_MAX;
  if (b < 0 && a < INT64_MIN - b) return INT64_MIN;
  return a + b;
}

static sl_status mem_full(ijoin *a, sl_error *e) {
  return err_set(e, SL_ERUNTIME, "operator %d (%s) reached its state memory limit of %zu bytes",
                 a->jb.base.id, a->jb.base.vt->kind, a->jb.base.mem.limit);
}

/* ---- the heap ---- */

static bool heap_push(ijoin *a, iside *s, irow *r) {
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 64;
    irow **h = state_malloc(&a->jb.base.mem, sizeof(irow *) * cap);
    if (!h) return false;
    if (s->n) memcpy(h, s->heap, sizeof(irow *) * s->n);
    state_free(&a->jb.base.mem, s->heap, sizeof(irow *) * s->cap);
    s->heap = h;
    s->cap = cap;
  }
  size_t i = s->n++;
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (s->heap[p]->bound <= r->bound) break;
    s->heap[i] = s->heap[p];
    i = p;
  }
  s->heap[i] = r;
  return true;
}

static irow *heap_pop(ijoin *a, iside *s) {
  irow *top = s->heap[0], *last = s->heap[--s->n];
  size_t i = 0;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= s->n) break;
    if (c + 1 < s->n && s->heap[c + 1]->bound < s->heap[c]->bound) c++;
    if (last->bound <= s->heap[c]->bound) break;
    s->heap[i] = s->heap[c];
    i = c;
  }
  if (s->n) s->heap[i] = last;
  if (!s->n) {
    state_free(&a->jb.base.mem, s->heap, sizeof(irow *) * s->cap);
    s->heap = NULL;
    s->cap = 0;
  }
  return top;
}

/* ---- rows ---- */

static sl_status keep_row(ijoin *a, int p, const sl_value *row, int64_t t, int64_t bound,
                          uint64_t h, const sl_rowpos *pos, bool matched, sl_error *e) {
  iside *s = &a->side[p];
  size_t extra = state_row_extra(row, s->types, s->ncols);
  size_t bytes = sizeof(irow) + sizeof(sl_value) * (size_t)s->ncols + extra;
  irow *r = state_malloc(&a->jb.base.mem, bytes);
  if (!r) return mem_full(a, e);
  state_keep_row(r->cells, row, s->types, s->ncols, (char *)(r->cells + s->ncols));
  r->t = t;
  r->bound = bound;
  r->bytes = bytes;
  r->pos = *pos;
  r->matched = matched;
  bool created;
  state_entry *en = state_map_upsert(&s->keys, a->key.data, a->key.len, h, &created);
  if (!en || !heap_push(a, s, r)) {
    if (en && created) state_map_remove(&s->keys, en);
    state_free(&a->jb.base.mem, r, bytes);
    return mem_full(a, e);
  }
  r->key = en;
  ikey *k = state_entry_val(en);
  irow *after = k->tail; /* the last row not later than r */
  while (after && after->t > t) after = after->prev;
  r->prev = after;
  r->next = after ? after->next : k->head;
  if (r->next)
    r->next->prev = r;
  else
    k->tail = r;
  if (after)
    after->next = r;
  else
    k->head = r;
  op_state_rows(&a->jb.base, 1);
  return SL_OK;
}

/* Unlinks r from its key (removing the key when it was its last row). */
static void unlink_row(iside *s, irow *r) {
  ikey *k = state_entry_val(r->key);
  if (r->prev)
    r->prev->next = r->next;
  else
    k->head = r->next;
  if (r->next)
    r->next->prev = r->prev;
  else
    k->tail = r->prev;
  if (!k->head) state_map_remove(&s->keys, r->key);
}

static sl_status append_padded(ijoin *a, int p, const sl_value *row, const sl_rowpos *pos,
                               sl_error *e) {
  return join_append(&a->jb, p ? NULL : row, p ? row : NULL, RK_INSERT, pos, e);
}

/* The watermark rises to wm: every row that no row of the other side that is not late can match
 * any more is freed (outer rows that never matched come out padded first). */
static sl_status advance(ijoin *a, int64_t wm, sl_error *e) {
  sl_status st = SL_OK;
  for (int p = 0; p < 2 && !st; p++) {
    iside *s = &a->side[p];
    while (s->n && (s->heap[0]->bound < wm || wm == WM_INFINITY)) {
      irow *r = heap_pop(a, s);
      unlink_row(s, r);
      r->next = a->dead;
      a->dead = r;
      op_state_rows(&a->jb.base, -1);
      if (s->outer && !r->matched && (st = append_padded(a, p, r->cells, &r->pos, e))) break;
    }
  }
  if (!st) st = join_flush(&a->jb, e); /* padded rows point into the freed rows */
  while (a->dead) {
    irow *r = a->dead;
    a->dead = r->next;
    state_free(&a->jb.base.mem, r, r->bytes);
  }
  a->wm = wm;
  return st;
}

/* ---- late rows ---- */

static void fmt_time(int64_t ms, sl_type t, sl_buf *b) {
  if (t.id == T_TIMESTAMP || t.id == T_TIMESTAMP_LTZ)
    ts_format(ms, false, t.id == T_TIMESTAMP_LTZ, b);
  else
    buf_printf(b, "%lld", (long long)ms);
}

static sl_status late_row(ijoin *a, int p, const sl_value *row, int64_t t, const sl_rowpos *pos,
                          sl_error *e) {
  iside *s = &a->side[p];
  int64_t lo = p ? sat_add(t, -a->upper) : sat_add(t, a->lower);
  int64_t hi = p ? sat_add(t, -a->lower) : sat_add(t, a->upper);
  sl_type tt = s->types[s->tcol];
  sl_buf r = {0}, j = {0};
  buf_printf(&r, "late: interval join %s row at ", p ? "right" : "left");
  fmt_time(t, tt, &r);
  buf_printf(&r, ": the %s rows it could match, [", p ? "left" : "right");
  fmt_time(lo, tt, &r);
  buf_puts(&r, ", ");
  fmt_time(hi, tt, &r);
  buf_puts(&r, "], were already freed at watermark ");
  fmt_time(a->wm, tt, &r);
  fmt_row_json(s->names, s->types, s->ncols, row, &j);
  sl_status st = job_late(a->jb.base.job, pos, buf_cstr(&r), j.data, j.len, e);
  buf_free(&r);
  buf_free(&j);
  return st;
}

/* ---- push ---- */

static sl_status ij_push(sl_op *op, int port, const sl_batch *b, sl_error *e) {
  ijoin *a = (ijoin *)op;
  int p = port ? 1 : 0;
  iside *me = &a->side[p], *ot = &a->side[1 - p];
  sl_status st = SL_OK;
  for (int i = 0; i < b->nrows && !st; i++) {
    const sl_value *row = batch_row(b, i);
    const sl_rowpos *pos = &b->pos[i];
    const sl_value *tv = &row[me->tcol];
    uint64_t h;
    if (tv->null || a->lower > a->upper || !join_key(&a->jb, p, row, &a->key, &h)) {
      /* can match nothing (an empty interval matches no pair) */
      if (me->outer) st = append_padded(a, p, row, pos, e);
      continue;
    }
    int64_t t = tv->u.i;
    int64_t bound = p ? sat_add(t, -a->lower) : sat_add(t, a->upper);
    if (a->wm != WM_NONE && sat_add(bound, me->slack) < a->wm) {
      st = late_row(a, p, row, t, pos, e);
      continue;
    }
    /* the other side's times that match: left t -> [t + lower, t + upper], right u ->
     * [u - upper, u - lower] */
    int64_t lo = p ? sat_add(t, -a->upper) : sat_add(t, a->lower);
    int64_t hi = p ? sat_add(t, -a->lower) : sat_add(t, a->upper);
    bool matched = false;
    state_entry *en = state_map_find(&ot->keys, a->key.data, a->key.len, h);
    for (irow *o = en ? ((ikey *)state_entry_val(en))->tail : NULL; o && !st; o = o->prev) {
      if (o->t > hi) continue;
      if (o->t < lo) break;
      const sl_value *l = p ? o->cells : row, *r = p ? row : o->cells;
      bool m;
      if ((st = join_cond(&a->jb, l, r, pos, &m, e)) || !m) continue;
      o->matched = matched = true;
      st = join_append(&a->jb, l, r, RK_INSERT, pos, e);
    }
    if (st) break;
    if (a->wm == WM_NONE || bound >= a->wm)
      st = keep_row(a, p, row, t, bound, h, pos, matched, e);
    else if (me->outer && !matched) /* no row that is not late can match it any more */
      st = append_padded(a, p, row, pos, e);
  }
  sl_status fs = join_flush(&a->jb, e); /* pairs point into the batch */
  return st ? st : fs;
}

/* ---- signals: op.c's bookkeeping, with the forwarded watermark held back ---- */

static int64_t input_wm(const sl_op *op, bool *all_idle) {
  int64_t wm = WM_INFINITY;
  bool any_active = false;
  for (int p = 0; p < op->nin; p++)
    if (!op->ports[p].idle && !op->ports[p].ended) any_active = true;
  *all_idle = !any_active;
  for (int p = 0; p < op->nin; p++) {
    const op_port *pt = &op->ports[p];
    if (pt->ended || (any_active && pt->idle)) continue;
    if (pt->wm < wm) wm = pt->wm;
  }
  return wm;
}

static sl_status settle(ijoin *a, sl_error *e) {
  sl_op *op = &a->jb.base;
  bool all_idle;
  int64_t wm = input_wm(op, &all_idle);
  sl_status st;
  if (all_idle && !op->idle && op->nin_ended < op->nin) {
    sl_signal s = {SIG_IDLE, 0, 0};
    if ((st = op_signal_emit(op, &s, e))) return st;
  }
  if (wm != WM_NONE && (a->wm == WM_NONE || wm > a->wm) && (st = advance(a, wm, e))) return st;
  if (a->wm == WM_NONE) return SL_OK;
  int64_t out = a->wm == WM_INFINITY ? WM_INFINITY : sat_add(a->wm, -a->hold);
  if (out > op->wm && out != WM_NONE) {
    sl_signal s = {SIG_WATERMARK, out, 0};
    return op_signal_emit(op, &s, e);
  }
  return SL_OK;
}

static sl_status ij_signal(sl_op *op, int port, const sl_signal *sig, sl_error *e) {
  ijoin *a = (ijoin *)op;
  op_port *pt = &op->ports[port];
  switch (sig->kind) {
  case SIG_WATERMARK:
    if (sig->ts > pt->wm) pt->wm = sig->ts;
    return settle(a, e);
  case SIG_IDLE: pt->idle = true; return settle(a, e);
  case SIG_END: {
    pt->ended = true;
    if (++op->nin_ended < op->nin) return settle(a, e); /* the open ports may all be idle */
    sl_status st = settle(a, e); /* every port ended: the input watermark is +infinity */
    if (st) return st;
    sl_signal s = {SIG_END, 0, 0};
    return op_signal_emit(op, &s, e);
  }
  default: return op_signal_default(op, port, sig, e);
  }
}

/* ---- snapshot: "IntervalJoin" v1 ----
 * the bounds (checked on restore), the input watermark rows were freed at, the forwarded
 * watermark, each port's watermark, then per side its rows (time, position, matched, cells) in
 * heap order; restore re-inserts them into a fresh instance built from the same plan. */

#define IJ_SNAP_VERSION 1

static sl_status ij_snapshot(sl_op *op, sl_buf *out, sl_error *e) {
  ijoin *a = (ijoin *)op;
  state_put_header(out, "IntervalJoin", IJ_SNAP_VERSION);
  state_put_i64(out, a->lower);
  state_put_i64(out, a->upper);
  state_put_i64(out, a->wm);
  state_put_i64(out, op->wm);
  state_put_u64(out, (uint64_t)op->nin);
  for (int p = 0; p < op->nin; p++) state_put_i64(out, op->ports[p].wm);
  for (int p = 0; p < 2; p++) {
    iside *s = &a->side[p];
    state_put_u64(out, s->n);
    for (size_t i = 0; i < s->n; i++) {
      irow *r = s->heap[i];
      state_put_i64(out, r->t);
      state_put_u64(out, r->pos.source);
      state_put_u64(out, r->pos.file);
      state_put_u64(out, r->pos.line);
      state_put_u64(out, r->matched);
      state_put_row(out, r->cells, s->types, s->ncols);
    }
  }
  state_put_end(out);
  return SL_OK;
}

static sl_status bad_snap(sl_error *e, const char *why) {
  return err_set(e, SL_ERUNTIME, "cannot restore the interval join's state: %s", why);
}

static sl_status ij_restore(sl_op *op, const void *data, size_t len, sl_error *e) {
  ijoin *a = (ijoin *)op;
  if (a->side[0].n || a->side[1].n || a->wm != WM_NONE)
    return bad_snap(e, "the operator is not fresh");
  state_reader r = {0};
  uint32_t version;
  if (!state_reader_open(&r, data, len, "IntervalJoin", &version))
    return bad_snap(e, "not an interval join snapshot, or damaged");
  if (version != IJ_SNAP_VERSION) return bad_snap(e, "an unknown version");
  if (state_get_i64(&r) != a->lower || state_get_i64(&r) != a->upper)
    return bad_snap(e, "made with other interval bounds");
  int64_t wm = state_get_i64(&r), out_wm = state_get_i64(&r);
  uint64_t nin = state_get_u64(&r);
  if (r.bad || nin != (uint64_t)op->nin) return bad_snap(e, "made with another number of inputs");
  for (int p = 0; p < op->nin; p++) {
    int64_t w = state_get_i64(&r);
    if (w > op->ports[p].wm) op->ports[p].wm = w;
  }
  sl_status st = SL_OK;
  for (int p = 0; p < 2 && !r.bad && !st; p++) {
    iside *s = &a->side[p];
    uint64_t n = state_get_u64(&r);
    if (n > (uint64_t)(r.end - r.p)) r.bad = true;
    sl_value *row = xmalloc(sizeof(sl_value) * (size_t)(s->ncols ? s->ncols : 1));
    for (uint64_t i = 0; i < n && !r.bad && !st; i++) {
      int64_t t = state_get_i64(&r);
      sl_rowpos pos;
      pos.source = (uint32_t)state_get_u64(&r);
      pos.file = (uint32_t)state_get_u64(&r);
      pos.line = state_get_u64(&r);
      bool matched = state_get_u64(&r) != 0;
      uint64_t h;
      /* a position names one of the job's sources (job_reject and job_late index them) */
      if (pos.source >= (uint32_t)op->job->nsources ||
          !state_get_row(&r, row, s->types, s->ncols) || row[s->tcol].null ||
          row[s->tcol].u.i != t || !join_key(&a->jb, p, row, &a->key, &h)) {
        r.bad = true;
        break;
      }
      int64_t bound = p ? sat_add(t, -a->lower) : sat_add(t, a->upper);
      st = keep_row(a, p, row, t, bound, h, &pos, matched, e);
    }
    free(row);
  }
  if (st) return st;
  if (r.bad || r.p != r.end) return bad_snap(e, "a malformed record");
  a->wm = wm;
  op->wm = out_wm;
  return SL_OK;
}

/* ---- describe, free, constructor ---- */

static void fmt_dur(sl_buf *out, uint64_t m) {
  if (m && m % 3600000 == 0)
    buf_printf(out, "%llu h", (unsigned long long)(m / 3600000));
  else if (m && m % 60000 == 0)
    buf_printf(out, "%llu min", (unsigned long long)(m / 60000));
  else if (m && m % 1000 == 0)
    buf_printf(out, "%llu s", (unsigned long long)(m / 1000));
  else
    buf_printf(out, "%llu ms", (unsigned long long)m);
}

static void fmt_offset(sl_buf *out, const char *col, int64_t off) {
  buf_puts(out, col);
  if (!off) return;
  buf_puts(out, off < 0 ? " - " : " + ");
  fmt_dur(out, off < 0 ? (uint64_t)0 - (uint64_t)off : (uint64_t)off);
}

static void ij_describe(const sl_op *op, sl_buf *out) {
  const ijoin *a = (const ijoin *)op;
  const char *lt = a->jb.s.left.names[a->side[0].tcol];
  const char *rt = a->jb.s.right.names[a->side[1].tcol];
  buf_printf(out, "%s, ", join_type_name(a->jb.s.type));
  join_describe_keys(&a->jb, out);
  buf_printf(out, ", %s BETWEEN ", rt);
  fmt_offset(out, lt, a->lower);
  buf_puts(out, " AND ");
  fmt_offset(out, lt, a->upper);
  if (a->hold) {
    buf_puts(out, ", watermark held back by ");
    fmt_dur(out, (uint64_t)a->hold);
  }
}

static void ij_free(sl_op *op) {
  ijoin *a = (ijoin *)op;
  for (int p = 0; p < 2; p++) {
    iside *s = &a->side[p];
    for (size_t i = 0; i < s->n; i++) state_free(&op->mem, s->heap[i], s->heap[i]->bytes);
    state_free(&op->mem, s->heap, sizeof(irow *) * s->cap);
    state_map_free(&s->keys);
  }
  buf_free(&a->key);
  join_base_free(&a->jb);
  free(a);
}

static const op_vt ij_vt = {.kind = "IntervalJoin",
                            .push = ij_push,
                            .signal = ij_signal,
                            .describe = ij_describe,
                            .free = ij_free,
                            .snapshot = ij_snapshot,
                            .restore = ij_restore,
                            .keeps = "each side's rows by join key"};

sl_op *op_interval_join_new(sl_job *j, const join_spec *s, int ltime, int rtime, int64_t lower,
                            int64_t upper, op_cols out, sl_error *e) {
  if (s->type < JOIN_INNER || s->type > JOIN_FULL) {
    err_set(e, SL_EINTERNAL, "interval join: %s joins are not supported", join_type_name(s->type));
    return NULL;
  }
  if (ltime < 0 || ltime >= s->left.n || rtime < 0 || rtime >= s->right.n ||
      out.n != s->left.n + s->right.n) {
    err_set(e, SL_EINTERNAL, "interval join: bad time or output columns");
    return NULL;
  }
  ijoin *a = xcalloc(1, sizeof *a);
  if (join_base_init(&a->jb, &ij_vt, j, "interval join", s, out, e)) {
    join_base_free(&a->jb);
    free(a);
    return NULL;
  }
  a->lower = lower;
  a->upper = upper;
  int64_t neg_lower = lower == INT64_MIN ? INT64_MAX : -lower;
  a->hold = upper > 0 ? upper : 0;
  if (neg_lower > a->hold) a->hold = neg_lower;
  a->wm = WM_NONE;
  for (int p = 0; p < 2; p++) {
    iside *sd = &a->side[p];
    const op_cols *c = p ? &s->right : &s->left;
    state_map_init(&sd->keys, &a->jb.base.mem, sizeof(ikey));
    sd->tcol = p ? rtime : ltime;
    sd->ncols = c->n;
    sd->types = c->types;
    sd->names = c->names;
    sd->outer = s->type == JOIN_FULL || s->type == (p ? JOIN_RIGHT : JOIN_LEFT);
  }
  /* a left row can meet kept right rows (u - lower >= wm) while t + upper >= wm + min(lower, 0);
   * a right row kept left rows (t + upper >= wm) while u - lower >= wm - max(upper, 0) */
  a->side[0].slack = neg_lower > 0 ? neg_lower : 0;
  a->side[1].slack = upper > 0 ? upper : 0;
  return &a->jb.base;
}
