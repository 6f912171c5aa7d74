/* side.c - what hangs off an accumulator block, in memory counted in the agg_set's allocator:
 * kept values with their own string copy (MIN/MAX/FIRST/LAST append-only), the growing
 * LISTAGG string, MIN/MAX's value -> count map on updating input, the arrival-ordered value
 * list of FIRST_VALUE/LAST_VALUE/LISTAGG on updating input, the value -> count map of a
 * DISTINCT call; their release and their snapshots.
 * Must not touch: the numeric accumulators (acc.c) or the operator's own state. */
#include <string.h>

#include "agg_int.h"

/* A packed single value: the key of the maps and the items of the lists. */
static const char *pack1(const sl_value *x, sl_type t, sl_buf *b) {
  b->len = 0;
  state_key_pack(x, NULL, &t, 1, b);
  return b->data;
}

static bool unpack1(const void *k, size_t n, sl_type t, sl_value *out) {
  return state_key_unpack(k, n, &t, 1, out) && !out->null;
}

/* ---- a kept value ---- */
bool val_keep(const agg_set *s, acc_val *a, const sl_value *x, sl_type t) {
  if (t.id == T_STRING && !x->null) {
    if (a->cap < x->len) {
      uint64_t cap = 16;
      while (cap < x->len) cap *= 2;
      char *nb = state_malloc(s->alloc, cap);
      if (!nb) return false;
      state_free(s->alloc, a->buf, a->cap);
      a->buf = nb;
      a->cap = cap;
    }
    if (x->len) memmove(a->buf, x->u.s, x->len);
    a->v = *x;
    a->v.u.s = a->buf;
    return true;
  }
  a->v = *x;
  return true;
}

void val_release(const agg_set *s, acc_val *a) {
  state_free(s->alloc, a->buf, a->cap);
  a->buf = NULL;
  a->cap = 0;
  a->v = value_null();
}

bool lagg_put(const agg_set *s, acc_lagg *a, const char *p, size_t n) {
  if (a->len + n > a->cap) {
    uint64_t cap = a->cap ? a->cap : 32;
    while (cap < a->len + n) cap *= 2;
    char *nb = state_malloc(s->alloc, cap);
    if (!nb) return false;
    if (a->len) memcpy(nb, a->buf, a->len);
    state_free(s->alloc, a->buf, a->cap);
    a->buf = nb;
    a->cap = cap;
  }
  if (n) memcpy(a->buf + a->len, p, n);
  a->len += n;
  return true;
}

typedef struct vitem {
  char *p; /* packed value */
  uint64_t len;
} vitem;
typedef struct vlist {
  uint64_t n, cap;
  vitem *it;
} vlist;

static bool list_push(const agg_set *s, acc_side *a, const void *k, size_t kl);

/* ---- maps of value -> count (MIN/MAX on updating input, DISTINCT) ---- */
typedef struct mm_side {
  state_map m; /* packed value -> int64 count */
  state_entry *cur;
  sl_value curv; /* cur's value (a string points into cur's key) */
} mm_side;

static mm_side *side_new(const agg_set *s) {
  mm_side *m = state_malloc(s->alloc, sizeof *m);
  if (!m) return NULL;
  state_map_init(&m->m, s->alloc, sizeof(int64_t));
  m->cur = NULL;
  m->curv = value_null();
  return m;
}

static void side_free(const agg_set *s, acc_side *a) {
  mm_side *m = a->p;
  if (!m) return;
  state_map_free(&m->m);
  state_free(s->alloc, m, sizeof *m);
  a->p = NULL;
}

static int64_t *cnt(state_entry *e) { return state_entry_val(e); }

static bool better(const agg_call *c, const sl_value *x, const sl_value *than) {
  int cmp = value_compare(x, than, c->sp.arg_type);
  return c->sp.kind == AGG_MIN ? cmp < 0 : cmp > 0;
}

static void mm_rescan(const agg_call *c, mm_side *m) {
  m->cur = NULL;
  m->curv = value_null();
  size_t it = 0;
  state_entry *e;
  sl_value v;
  while ((e = state_map_next(&m->m, &it))) {
    if (!unpack1(state_entry_key(e, &m->m), e->klen, c->sp.arg_type, &v)) continue;
    if (!m->cur || better(c, &v, &m->curv)) m->cur = e, m->curv = v;
  }
}

sl_status mm_value(const agg_set *s, const agg_call *c, acc_side *a, const sl_value *x, int sign,
                   sl_error *e) {
  mm_side *m = a->p;
  if (!m) {
    if (sign < 0) return SL_OK; /* nothing to retract */
    if (!(m = a->p = side_new(s))) return agg_oom(s, e);
  }
  const char *k = pack1(x, c->sp.arg_type, s->scratch);
  size_t kl = s->scratch->len;
  uint64_t h = state_hash(k, kl);
  if (sign > 0) {
    bool created;
    state_entry *en = state_map_upsert(&m->m, k, kl, h, &created);
    if (!en) return agg_oom(s, e);
    (*cnt(en))++;
    if (!m->cur || better(c, x, &m->curv)) {
      m->cur = en;
      unpack1(state_entry_key(en, &m->m), en->klen, c->sp.arg_type, &m->curv);
    }
    return SL_OK;
  }
  state_entry *en = state_map_find(&m->m, k, kl, h);
  if (!en || --(*cnt(en)) > 0) return SL_OK;
  bool was_cur = en == m->cur;
  state_map_remove(&m->m, en);
  if (m->m.n == 0)
    side_free(s, a);
  else if (was_cur)
    mm_rescan(c, m);
  return SL_OK;
}

/* dst's counts += src's counts (creating what dst lacks); *created_fn runs for new values. */
static sl_status map_add_all(const agg_set *s, acc_side *d, const mm_side *src, const agg_call *c,
                             void *inner, sl_error *e) {
  if (!src) return SL_OK;
  mm_side *m = d->p;
  if (!m && !(m = d->p = side_new(s))) return agg_oom(s, e);
  size_t it = 0;
  state_entry *se;
  while ((se = state_map_next(&src->m, &it))) {
    bool created;
    const void *k = state_entry_key(se, &src->m);
    state_entry *de = state_map_upsert(&m->m, k, se->klen, se->hash, &created);
    if (!de) return agg_oom(s, e);
    *cnt(de) += *cnt(se);
    if (created && inner) {
      sl_value v;
      if (!unpack1(state_entry_key(de, &m->m), de->klen, c->sp.arg_type, &v)) continue;
      sl_status st = acc_value(s, c, inner, &v, 1, e);
      if (st) return st;
    }
  }
  return SL_OK;
}

sl_status mm_merge(const agg_set *s, const agg_call *c, acc_side *d, const acc_side *src,
                   sl_error *e) {
  if (!src->p) return SL_OK;
  sl_status st = map_add_all(s, d, src->p, c, NULL, e);
  if (d->p) mm_rescan(c, d->p);
  return st;
}

bool mm_result(const agg_call *c, const acc_side *a, sl_value *out) {
  (void)c;
  const mm_side *m = a->p;
  if (!m || !m->cur) return false;
  *out = m->curv;
  return true;
}

sl_status dist_value(const agg_set *s, const agg_call *c, void *acc, const sl_value *x, int sign,
                     sl_error *e) {
  acc_side *d = blk(acc, c->off);
  void *inner = blk(acc, c->ioff);
  mm_side *m = d->p;
  if (!m) {
    if (sign < 0) return SL_OK;
    if (!(m = d->p = side_new(s))) return agg_oom(s, e);
  }
  const char *k = pack1(x, c->sp.arg_type, s->scratch);
  size_t kl = s->scratch->len;
  uint64_t h = state_hash(k, kl);
  if (sign > 0) {
    bool created;
    state_entry *en = state_map_upsert(&m->m, k, kl, h, &created);
    if (!en) return agg_oom(s, e);
    if ((*cnt(en))++ == 0) return acc_value(s, c, inner, x, 1, e);
    return SL_OK;
  }
  state_entry *en = state_map_find(&m->m, k, kl, h);
  if (!en || --(*cnt(en)) > 0) return SL_OK;
  state_map_remove(&m->m, en);
  if (m->m.n == 0) side_free(s, d);
  return acc_value(s, c, inner, x, -1, e);
}

sl_status dist_merge(const agg_set *s, const agg_call *c, void *dst, const void *src, sl_error *e) {
  const acc_side *sd = cblk(src, c->off);
  acc_side *dd = blk(dst, c->off);
  if (c->form == F_VALUE) { /* FIRST_VALUE: dst's first, else src's */
    sl_status st = acc_merge(s, c, blk(dst, c->ioff), cblk(src, c->ioff), e);
    return st ? st : map_add_all(s, dd, sd->p, c, NULL, e);
  }
  if (c->form != F_LIST_R) return map_add_all(s, dd, sd->p, c, blk(dst, c->ioff), e);
  /* order matters: src's values new to dst join dst's list in src's order */
  const vlist *l = ((const acc_side *)cblk(src, c->ioff))->p;
  const mm_side *dm = dd->p;
  for (uint64_t i = 0; l && i < l->n; i++) {
    const vitem *it = &l->it[i];
    if (dm && state_map_find(&dm->m, it->p, it->len, state_hash(it->p, it->len))) continue;
    if (!list_push(s, blk(dst, c->ioff), it->p, it->len)) return agg_oom(s, e);
  }
  return map_add_all(s, dd, sd->p, c, NULL, e);
}

/* ---- value lists in arrival order (FIRST/LAST/LISTAGG on updating input) ---- */

static void list_free(const agg_set *s, acc_side *a) {
  vlist *l = a->p;
  if (!l) return;
  for (uint64_t i = 0; i < l->n; i++) state_free(s->alloc, l->it[i].p, l->it[i].len);
  state_free(s->alloc, l->it, l->cap * sizeof(vitem));
  state_free(s->alloc, l, sizeof *l);
  a->p = NULL;
}

static bool list_push(const agg_set *s, acc_side *a, const void *k, size_t kl) {
  vlist *l = a->p;
  if (!l) {
    if (!(l = state_malloc(s->alloc, sizeof *l))) return false;
    memset(l, 0, sizeof *l);
    a->p = l;
  }
  if (l->n == l->cap) {
    uint64_t cap = l->cap ? l->cap * 2 : 4;
    vitem *ni = state_malloc(s->alloc, cap * sizeof(vitem));
    if (!ni) return false;
    if (l->n) memcpy(ni, l->it, l->n * sizeof(vitem));
    state_free(s->alloc, l->it, l->cap * sizeof(vitem));
    l->it = ni;
    l->cap = cap;
  }
  char *p = state_malloc(s->alloc, kl);
  if (!p) return false;
  memcpy(p, k, kl);
  l->it[l->n].p = p;
  l->it[l->n].len = kl;
  l->n++;
  return true;
}

sl_status list_value(const agg_set *s, const agg_call *c, acc_side *a, const sl_value *x, int sign,
                     sl_error *e) {
  const char *k = pack1(x, c->sp.arg_type, s->scratch);
  size_t kl = s->scratch->len;
  if (sign > 0) return list_push(s, a, k, kl) ? SL_OK : agg_oom(s, e);
  vlist *l = a->p;
  if (!l) return SL_OK;
  for (uint64_t i = 0; i < l->n; i++) /* the earliest equal value goes */
    if (l->it[i].len == kl && memcmp(l->it[i].p, k, kl) == 0) {
      state_free(s->alloc, l->it[i].p, kl);
      memmove(&l->it[i], &l->it[i + 1], (l->n - i - 1) * sizeof(vitem));
      if (--l->n == 0) list_free(s, a);
      break;
    }
  return SL_OK;
}

sl_status list_merge(const agg_set *s, const agg_call *c, acc_side *d, const acc_side *src,
                     sl_error *e) {
  (void)c;
  const vlist *l = src->p;
  if (!l) return SL_OK;
  for (uint64_t i = 0; i < l->n; i++)
    if (!list_push(s, d, l->it[i].p, l->it[i].len)) return agg_oom(s, e);
  return SL_OK;
}

void list_result(const agg_call *c, const acc_side *a, sl_value *out, sl_arena *strings) {
  const vlist *l = a->p;
  sl_type t = c->sp.arg_type;
  *out = value_null();
  if (!l || !l->n) return;
  if (c->sp.kind != AGG_LISTAGG) {
    const vitem *it = &l->it[c->sp.kind == AGG_FIRST_VALUE ? 0 : l->n - 1];
    if (unpack1(it->p, it->len, t, out) && t.id == T_STRING && strings && out->len)
      out->u.s = arena_strndup(strings, out->u.s, out->len);
    return;
  }
  const char *sep = c->sp.sep ? c->sp.sep : ",";
  size_t seplen = c->sp.sep ? c->sp.seplen : 1, total = 0;
  sl_value v;
  for (uint64_t i = 0; i < l->n; i++)
    if (unpack1(l->it[i].p, l->it[i].len, t, &v)) total += v.len + (i ? seplen : 0);
  char *buf = arena_alloc(strings, total + 1), *p = buf;
  for (uint64_t i = 0; i < l->n; i++)
    if (unpack1(l->it[i].p, l->it[i].len, t, &v)) {
      if (i) memcpy(p, sep, seplen), p += seplen;
      if (v.len) memcpy(p, v.u.s, v.len), p += v.len;
    }
  *out = value_str(buf, (size_t)(p - buf));
}

void side_release(const agg_set *s, const agg_call *c, void *acc) {
  if (c->distinct) side_free(s, blk(acc, c->off));
  void *a = blk(acc, c->ioff);
  switch (c->form) {
  case F_VALUE: val_release(s, a); break;
  case F_LISTAGG: {
    acc_lagg *p = a;
    state_free(s->alloc, p->buf, p->cap);
    memset(p, 0, sizeof *p);
    break;
  }
  case F_MINMAX_R: side_free(s, a); break;
  case F_LIST_R: list_free(s, a); break;
  default: break;
  }
}

/* ---- snapshots ---- */
static void map_snapshot(const acc_side *a, sl_buf *out) {
  const mm_side *m = a->p;
  state_put_u64(out, m ? m->m.n : 0);
  if (!m) return;
  size_t it = 0;
  state_entry *e;
  while ((e = state_map_next(&m->m, &it))) {
    state_put_bytes(out, state_entry_key(e, &m->m), e->klen);
    state_put_i64(out, *cnt(e));
  }
}

static bool map_restore(const agg_set *s, const agg_call *c, acc_side *a, state_reader *r) {
  uint64_t n = state_get_u64(r);
  for (uint64_t i = 0; i < n && !r->bad; i++) {
    size_t kl;
    const void *k = state_get_bytes(r, &kl);
    int64_t count = state_get_i64(r);
    sl_value v;
    if (r->bad || count <= 0 || !unpack1(k, kl, c->sp.arg_type, &v)) return false;
    mm_side *m = a->p;
    if (!m && !(m = a->p = side_new(s))) return false;
    bool created;
    state_entry *e = state_map_upsert(&m->m, k, kl, state_hash(k, kl), &created);
    if (!e || !created) return false;
    *cnt(e) = count;
  }
  return !r->bad;
}

void side_snapshot(const agg_call *c, const void *acc, sl_buf *out) {
  if (c->distinct) map_snapshot(cblk(acc, c->off), out);
  const void *a = cblk(acc, c->ioff);
  switch (c->form) {
  case F_VALUE: state_put_row(out, &((const acc_val *)a)->v, &c->sp.arg_type, 1); break;
  case F_LISTAGG: {
    const acc_lagg *p = a;
    state_put_i64(out, p->n);
    state_put_bytes(out, p->buf, p->len);
    break;
  }
  case F_MINMAX_R: map_snapshot(a, out); break;
  case F_LIST_R: {
    const vlist *l = ((const acc_side *)a)->p;
    state_put_u64(out, l ? l->n : 0);
    for (uint64_t i = 0; l && i < l->n; i++) state_put_bytes(out, l->it[i].p, l->it[i].len);
    break;
  }
  default: break;
  }
}

bool side_restore(const agg_set *s, const agg_call *c, void *acc, state_reader *r) {
  if (c->distinct && !map_restore(s, c, blk(acc, c->off), r)) return false;
  void *a = blk(acc, c->ioff);
  switch (c->form) {
  case F_VALUE: {
    sl_value v;
    if (!state_get_row(r, &v, &c->sp.arg_type, 1)) return false;
    if (v.null) return true;
    return val_keep(s, a, &v, c->sp.arg_type);
  }
  case F_LISTAGG: {
    acc_lagg *p = a;
    int64_t n = state_get_i64(r);
    size_t len;
    const char *b = state_get_bytes(r, &len);
    if (r->bad || n < 0 || (n == 0 && len)) return false;
    p->n = n;
    return lagg_put(s, p, b, len);
  }
  case F_MINMAX_R:
    if (!map_restore(s, c, a, r)) return false;
    if (((acc_side *)a)->p) mm_rescan(c, ((acc_side *)a)->p);
    return true;
  case F_LIST_R: {
    uint64_t n = state_get_u64(r);
    for (uint64_t i = 0; i < n && !r->bad; i++) {
      size_t kl;
      const void *k = state_get_bytes(r, &kl);
      sl_value v;
      if (r->bad || !unpack1(k, kl, c->sp.arg_type, &v) || !list_push(s, a, k, kl)) return false;
    }
    return !r->bad;
  }
  default: return true;
  }
}
