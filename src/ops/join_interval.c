/* join_interval.c - the interval join (Flink's RowTimeIntervalJoin): a left row at time t
 * matches the right rows of its key with time in [t + lower, t + upper]. A row can be matched
 * while the watermark is <= its bound (left: t + upper, right: u - lower). Each side keeps its
 * rows in buckets by bound (one arena each, the buckets tiling the bound axis, their width
 * adapted to the row rate: about a quarter of a row's life, at least ~1000 rows), freed whole
 * once the watermark passes a bucket's last bound, so no row is allocated or freed on its own.
 * A key table per side (open addressing, the newest row of each key) leads to the key's rows,
 * chained newest time first; a link carries the start of the bucket it points into, so a link
 * into a freed bucket is seen without following it (the chain is sorted by time, hence by
 * bucket: the rows past a dead link are all gone). Probes skip rows whose bound the watermark
 * passed (held in a bucket not yet freed), so what matches is as if each row were freed at its
 * bound. An outer side also keeps a min-heap of (bound, row): the rows the watermark expires are
 * popped in order and, if they never matched, come out NULL-padded; then the watermark goes on,
 * held back by max(upper, -lower, 0) so the joined rows are not late downstream.
 * A row whose interval lies entirely among freed rows of the other side is late (job_late); a
 * row behind the watermark that can still meet kept rows is joined with them (and kept only
 * while a row of the other side that is not late could match it). snapshot/restore write and
 * read the kept rows, the watermarks and each port's watermark (join_interval_snap.c).
 * Must not touch: the input batches after push returns (kept rows are copied into counted
 * state) or other operators' state. */
#include <stdlib.h>
#include <string.h>

#include "../format/format.h"
#include "join_interval_int.h"

static sl_status mem_full(ijoin *a, sl_error *e) {
  return op_state_full(&a->jb.base, e);
}

/* ---- buckets ---- */

static int64_t align_down(int64_t x, int64_t w) {
  return (int64_t)((uint64_t)x & ~(uint64_t)(w - 1));
}

static bool bucket_add(ijoin *a, iside *s, int at, int64_t bs, int64_t last) {
  if (s->nb == s->bcap) {
    int cap = s->bcap ? s->bcap * 2 : 8;
    ibucket *n = state_malloc(&a->jb.base.mem, sizeof(ibucket) * (size_t)cap);
    if (!n) return false;
    if (s->nb) memcpy(n, s->bk, sizeof(ibucket) * (size_t)s->nb);
    state_free(&a->jb.base.mem, s->bk, sizeof(ibucket) * (size_t)s->bcap);
    s->bk = n;
    s->bcap = cap;
  }
  memmove(s->bk + at + 1, s->bk + at, sizeof(ibucket) * (size_t)(s->nb - at));
  ibucket *b = &s->bk[at];
  b->s = bs;
  b->last = last;
  b->rows = b->bytes = 0;
  state_arena_init(&b->arena, &a->jb.base.mem, s->chunk);
  s->nb++;
  return true;
}

/* The bucket bound x goes to (created when missing); -1 over the memory limit. */
static int bucket_for(ijoin *a, iside *s, int64_t x) {
  int n = s->nb;
  if (n && x >= s->bk[n - 1].s) {
    const ibucket *top = &s->bk[n - 1];
    if (x <= top->last) return n - 1;
    /* a new newest bucket: adapt the width to the rows the last one took */
    if (top->rows < 1024 && s->w < ((int64_t)1 << 40))
      s->w *= 2;
    else if (top->rows > 16384 && s->w > s->base)
      s->w /= 2;
    size_t c = top->bytes / 8, chunk = 4096;
    while (chunk < c && chunk < 256 * 1024) chunk *= 2;
    s->chunk = chunk;
    int64_t bs = align_down(x, s->w);
    if (bs <= top->last) bs = top->last + 1;
    return bucket_add(a, s, n, bs, align_down(x, s->w) + (s->w - 1)) ? n : -1;
  }
  int lo = 0, hi = n; /* the first bucket starting after x */
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (s->bk[mid].s <= x)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo > 0 && x <= s->bk[lo - 1].last) return lo - 1;
  /* a gap below the newest bucket (or no bucket yet) */
  int64_t bs = align_down(x, s->w), last = bs + (s->w - 1);
  if (lo > 0 && bs <= s->bk[lo - 1].last) bs = s->bk[lo - 1].last + 1;
  if (bs < s->freed_below) bs = s->freed_below;
  if (lo < n && last >= s->bk[lo].s) last = s->bk[lo].s - 1;
  return bucket_add(a, s, lo, bs, last) ? lo : -1;
}

/* ---- the key table ---- */

/* Rebuilds the table with its live slots only, at a load of at most 1/2 (with one more). */
static bool table_rebuild(ijoin *a, iside *s) {
  size_t live_n = 0;
  for (size_t i = 0; i < s->cap; i++)
    if (s->slots[i].head && live(s, s->slots[i].s)) live_n++;
  size_t cap = 16;
  while (cap < (live_n + 1) * 2) cap *= 2;
  islot *n = state_malloc(&a->jb.base.mem, sizeof(islot) * cap);
  if (!n) return false;
  memset(n, 0, sizeof(islot) * cap);
  for (size_t j = 0; j < s->cap; j++) {
    const islot *o = &s->slots[j];
    if (!o->head || !live(s, o->s)) continue;
    size_t i = (size_t)o->hash & (cap - 1);
    while (n[i].head) i = (i + 1) & (cap - 1);
    n[i] = *o;
  }
  state_free(&a->jb.base.mem, s->slots, sizeof(islot) * s->cap);
  s->slots = n;
  s->cap = cap;
  s->used = live_n;
  return true;
}

static void table_free(ijoin *a, iside *s) {
  state_free(&a->jb.base.mem, s->slots, sizeof(islot) * s->cap);
  s->slots = NULL;
  s->cap = s->used = 0;
}

/* The newest live row of a key, NULL: none. */
static irow *table_find(const iside *s, const void *key, size_t klen, uint64_t h) {
  if (!s->cap) return NULL;
  size_t mask = s->cap - 1;
  for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
    const islot *sl = &s->slots[i];
    if (!sl->head) return NULL;
    if (sl->hash == h && live(s, sl->s) && sl->head->klen == klen &&
        state_key_eq(row_key(s, sl->head), key, klen))
      return sl->head;
  }
}

static void table_prefetch(const iside *s, uint64_t h) {
  if (s->cap) __builtin_prefetch(&s->slots[(size_t)h & (s->cap - 1)]);
}

/* The newest row of the live slot whose hash is h, prefetched (its key is not compared: the
 * caller does that once the row is in the cache); NULL: the key has no live row. */
static irow *table_candidate(const iside *s, uint64_t h) {
  if (!s->cap) return NULL;
  size_t mask = s->cap - 1;
  for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
    const islot *sl = &s->slots[i];
    if (!sl->head) return NULL;
    if (sl->hash == h && live(s, sl->s)) {
      __builtin_prefetch(sl->head);
      return sl->head;
    }
  }
}

/* Links r (in the bucket starting at bs) into its key's chain; false over the memory limit. */
static bool table_insert(ijoin *a, iside *s, irow *r, int64_t bs, uint64_t h) {
  size_t klen = r->klen, dead = SIZE_MAX, i = 0;
  const char *key = row_key(s, r);
  if (s->cap) {
    size_t mask = s->cap - 1;
    for (i = (size_t)h & mask; s->slots[i].head; i = (i + 1) & mask) {
      islot *sl = &s->slots[i];
      if (!live(s, sl->s)) {
        if (dead == SIZE_MAX) dead = i;
        continue;
      }
      if (sl->hash != h || sl->head->klen != klen || !state_key_eq(row_key(s, sl->head), key, klen))
        continue;
      irow *p = sl->head; /* the key's chain, newest time first: r goes before older rows */
      if (p->t <= r->t) {
        r->next = p;
        r->next_s = sl->s;
        sl->head = r;
        sl->s = bs;
        return true;
      }
      for (;;) {
        irow *nx = p->next && live(s, p->next_s) ? p->next : NULL;
        if (!nx || nx->t <= r->t) {
          r->next = nx;
          r->next_s = p->next_s;
          p->next = r;
          p->next_s = bs;
          return true;
        }
        p = nx;
      }
    }
  }
  if (dead == SIZE_MAX) {
    if (!s->cap || (s->used + 1) * 4 > s->cap * 3) { /* live and dead at most 3/4 */
      if (!table_rebuild(a, s)) return false;
      size_t mask = s->cap - 1;
      for (i = (size_t)h & mask; s->slots[i].head; i = (i + 1) & mask) {
      }
    }
    s->used++;
  } else {
    i = dead;
  }
  r->next = NULL;
  r->next_s = INT64_MIN;
  s->slots[i] = (islot){h, bs, r};
  return true;
}

/* ---- the outer sides' heap ---- */

static bool heap_push(ijoin *a, iside *s, int64_t bound, irow *r) {
  if (s->hn == s->hcap) {
    size_t cap = s->hcap ? s->hcap * 2 : 64;
    iheap_ent *h = state_malloc(&a->jb.base.mem, sizeof(iheap_ent) * cap);
    if (!h) return false;
    if (s->hn) memcpy(h, s->heap, sizeof(iheap_ent) * s->hn);
    state_free(&a->jb.base.mem, s->heap, sizeof(iheap_ent) * s->hcap);
    s->heap = h;
    s->hcap = cap;
  }
  size_t i = s->hn++;
  while (i > 0) {
    size_t p = (i - 1) / 2;
    if (s->heap[p].bound <= bound) break;
    s->heap[i] = s->heap[p];
    i = p;
  }
  s->heap[i] = (iheap_ent){bound, r};
  return true;
}

static irow *heap_pop(ijoin *a, iside *s) {
  irow *top = s->heap[0].r;
  iheap_ent last = s->heap[--s->hn];
  size_t i = 0;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= s->hn) break;
    if (c + 1 < s->hn && s->heap[c + 1].bound < s->heap[c].bound) c++;
    if (last.bound <= s->heap[c].bound) break;
    s->heap[i] = s->heap[c];
    i = c;
  }
  if (s->hn) s->heap[i] = last;
  if (!s->hn) {
    state_free(&a->jb.base.mem, s->heap, sizeof(iheap_ent) * s->hcap);
    s->heap = NULL;
    s->hcap = 0;
  }
  return top;
}

/* ---- rows ---- */

/* Copies the row (its packed key in a->key) into the bucket of its bound; in_heap: an outer
 * side's row the watermark has not expired yet. */
sl_status ij_keep_row(ijoin *a, int p, const sl_value *row, const char *key, size_t klen, int64_t t,
                      int64_t bound, uint64_t h, const sl_rowpos *pos, bool matched, bool in_heap,
                      sl_error *e) {
  iside *s = &a->side[p];
  int bi = bucket_for(a, s, bound);
  if (bi < 0) return mem_full(a, e);
  ibucket *b = &s->bk[bi];
  size_t cells = sizeof(sl_value) * (size_t)s->ncols;
  size_t bytes = sizeof(irow) + cells + klen + state_row_extra(row, s->types, s->ncols);
  irow *r = state_arena_alloc(&b->arena, bytes);
  if (!r) return mem_full(a, e);
  memcpy(r->cells + s->ncols, key, klen);
  state_keep_row(r->cells, row, s->types, s->ncols, (char *)(r->cells + s->ncols) + klen);
  r->t = t;
  r->pos = *pos;
  r->klen = (uint32_t)klen;
  r->matched = matched;
  b->bytes += bytes;
  b->rows++;
  s->rows++;
  op_state_rows(&a->jb.base, 1);
  if (!table_insert(a, s, r, b->s, h)) return mem_full(a, e);
  if (in_heap && s->outer && !heap_push(a, s, bound, r)) return mem_full(a, e);
  return SL_OK;
}

static sl_status append_padded(ijoin *a, int p, const sl_value *row, const sl_rowpos *pos,
                               sl_error *e) {
  return join_append(&a->jb, p ? NULL : row, p ? row : NULL, RK_INSERT, pos, e);
}

static void free_buckets(ijoin *a, iside *s, int64_t wm) {
  int k = 0;
  while (k < s->nb && (wm == WM_INFINITY || s->bk[k].last < wm)) {
    ibucket *b = &s->bk[k++];
    state_arena_free(&b->arena);
    op_state_rows(&a->jb.base, -(int64_t)b->rows);
    s->rows -= b->rows;
    s->freed_below = b->last == INT64_MAX ? INT64_MAX : b->last + 1;
  }
  if (!k) return;
  memmove(s->bk, s->bk + k, sizeof(ibucket) * (size_t)(s->nb - k));
  s->nb -= k;
  if (!s->nb) { /* nothing held: the table is all dead slots */
    table_free(a, s);
    state_free(&a->jb.base.mem, s->bk, sizeof(ibucket) * (size_t)s->bcap);
    s->bk = NULL;
    s->bcap = 0;
  }
}

/* The watermark rises to wm: the rows of an outer side that no row of the other side that is
 * not late can match any more come out padded if they never matched; then the buckets whose
 * rows all expired are freed. */
static sl_status advance(ijoin *a, int64_t wm, sl_error *e) {
  sl_status st = SL_OK;
  for (int p = 0; p < 2 && !st; p++) {
    iside *s = &a->side[p];
    while (s->hn && (s->heap[0].bound < wm || wm == WM_INFINITY)) {
      irow *r = heap_pop(a, s);
      if (!r->matched && (st = append_padded(a, p, r->cells, &r->pos, e))) break;
    }
  }
  if (!st) st = join_flush(&a->jb, e); /* padded rows point into the rows freed below */
  if (st) return st; /* rows the failed output points into stay until the operator is freed */
  for (int p = 0; p < 2; p++) free_buckets(a, &a->side[p], wm);
  a->wm = wm;
  return SL_OK;
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

/* Packs and hashes every row's key of a batch on side p (koff UINT32_MAX: a NULL key), and
 * probes them a few rows ahead (ij_push). */
static void pack_batch(ijoin *a, int p, const sl_batch *b) {
  int n = b->nrows;
  if (n > a->pcap) {
    a->pcap = n;
    a->koff = xrealloc(a->koff, sizeof(uint32_t) * (size_t)n);
    a->klen = xrealloc(a->klen, sizeof(uint32_t) * (size_t)n);
    a->hash = xrealloc(a->hash, sizeof(uint64_t) * (size_t)n);
    a->cand = xrealloc(a->cand, sizeof(irow *) * (size_t)n);
  }
  const join_spec *s = &a->jb.s;
  const int *cols = p ? s->rkeys : s->lkeys;
  const sl_type *types = p ? s->right.types : s->left.types;
  a->keys.len = 0;
  for (int r = 0; r < n; r++) {
    const sl_value *row = batch_row(b, r);
    a->koff[r] = UINT32_MAX;
    bool keyed = true;
    for (int i = 0; i < s->nkeys; i++)
      if (row[cols[i]].null) keyed = false;
    if (!keyed) continue;
    size_t at = a->keys.len;
    state_key_pack(row, cols, types, s->nkeys, &a->keys);
    a->koff[r] = (uint32_t)at;
    a->klen[r] = (uint32_t)(a->keys.len - at);
    a->hash[r] = state_hash(a->keys.data + at, a->klen[r]);
  }
}

static sl_status ij_push(sl_op *op, int port, const sl_batch *b, sl_error *e) {
  ijoin *a = (ijoin *)op;
  int p = port ? 1 : 0;
  iside *me = &a->side[p], *ot = &a->side[1 - p];
  sl_status st = SL_OK;
  pack_batch(a, p, b);
  /* the probes in three passes, so that the cache misses of a batch overlap: the slots, then
   * the rows they lead to, then the join */
  for (int i = 0; i < b->nrows; i++)
    if (a->koff[i] != UINT32_MAX) {
      table_prefetch(ot, a->hash[i]);
      table_prefetch(me, a->hash[i]);
    }
  for (int i = 0; i < b->nrows; i++)
    a->cand[i] = a->koff[i] != UINT32_MAX ? table_candidate(ot, a->hash[i]) : NULL;
  /* the other side's rows that are still alive: bound >= the watermark */
  int64_t ot_min = a->wm == WM_NONE ? INT64_MIN : a->wm;
  for (int i = 0; i < b->nrows && !st; i++) {
    const sl_value *row = batch_row(b, i);
    const sl_rowpos *pos = &b->pos[i];
    const sl_value *tv = &row[me->tcol];
    if (tv->null || a->lower > a->upper || a->koff[i] == UINT32_MAX) {
      /* can match nothing (an empty interval matches no pair) */
      if (me->outer) st = append_padded(a, p, row, pos, e);
      continue;
    }
    uint64_t h = a->hash[i];
    size_t koff = a->koff[i];
    size_t klen = a->klen[i];
    const char *key = a->keys.data + koff;
    int64_t t = tv->u.i;
    int64_t bound = sat_add(t, me->off);
    if (a->wm != WM_NONE && sat_add(bound, me->slack) < a->wm) {
      st = late_row(a, p, row, t, pos, e);
      continue;
    }
    /* the other side's times that match: left t -> [t + lower, t + upper], right u ->
     * [u - upper, u - lower] */
    int64_t lo = p ? sat_add(t, -a->upper) : sat_add(t, a->lower);
    int64_t hi = p ? sat_add(t, -a->lower) : sat_add(t, a->upper);
    bool matched = false;
    irow *first = a->cand[i];
    if (first && (first->klen != klen || !state_key_eq(row_key(ot, first), key, klen)))
      first = table_find(ot, key, klen, h); /* another key with the same hash */
    for (irow *o = first; o && !st; o = o->next && live(ot, o->next_s) ? o->next : NULL) {
      if (o->t > hi) continue;
      if (o->t < lo || sat_add(o->t, ot->off) < ot_min) break;
      const sl_value *l = p ? o->cells : row, *r = p ? row : o->cells;
      bool m;
      if ((st = join_cond(&a->jb, l, r, pos, &m, e)) || !m) continue;
      matched = true;
      if (ot->outer) o->matched = true;
      st = join_append(&a->jb, l, r, RK_INSERT, pos, e);
    }
    if (st) break;
    if (a->wm == WM_NONE || bound >= a->wm)
      st = ij_keep_row(a, p, row, key, klen, t, bound, h, pos, matched, true, e);
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
    for (int i = 0; i < s->nb; i++) state_arena_free(&s->bk[i].arena);
    state_free(&op->mem, s->bk, sizeof(ibucket) * (size_t)s->bcap);
    state_free(&op->mem, s->heap, sizeof(iheap_ent) * s->hcap);
    table_free(a, s);
  }
  buf_free(&a->key);
  buf_free(&a->keys);
  free(a->koff);
  free(a->klen);
  free(a->hash);
  free(a->cand);
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
    /* a row lives about its time's distance to its bound past the watermark: buckets a
     * quarter of that wide (a power of two), wider while they take few rows */
    sd->off = p ? (lower == INT64_MIN ? INT64_MAX : -lower) : upper;
    int64_t q = sd->off > 0 ? sd->off / 4 : 1;
    sd->base = 1;
    while (sd->base <= q / 2) sd->base *= 2;
    sd->w = sd->base;
    sd->chunk = 4096;
    sd->freed_below = INT64_MIN;
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
