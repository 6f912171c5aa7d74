/* join_lookup.c - the lookup (enrichment) join, Flink's LookupJoin: each left row (port 0)
 * joins the dimension's rows of its key as they are when it arrives. Local table: port 1
 * carries the dimension's rows (a changelog: by PRIMARY KEY a new row replaces the old one,
 * -U/-D remove), kept in a state_map from the packed join key to the rows of that key, never
 * emitted; only port 0's watermarks, idleness and END go on, so an unbounded dimension (a
 * monitored file) does not hold the join back, and its rows after the join ended are ignored.
 * Remote table (sl_lookup): one input; the left key values go to the table, through the PARTIAL
 * cache (lookup_cache.c) when one is configured. Snapshot/restore: the local table's rows.
 * Must not touch: the input batches beyond push (kept rows are copied); rows referenced by the
 * output batch are freed only after it has been flushed. */
#include <stdlib.h>
#include <string.h>

#include "join_int.h"
#include "lookup_cache.h"

/* The rows of one join key: the first inline while there is one (cap 0), else an array. */
typedef struct lk_bucket {
  uint32_t n, cap;
  union {
    sl_value *one;
    sl_value **many;
  } u;
} lk_bucket;

typedef struct lookup_op {
  join_base jb;
  /* local table */
  state_map table; /* packed join key (rkeys) -> lk_bucket */
  state_map bypk;  /* with a primary key other than the join key: packed pk -> the row */
  int *pk, npk;
  bool pk_is_key; /* the primary key is the join key: a bucket holds its key's one row */
  /* rows and map entries live in arenas (a million-row table is freed in one go); a removed
   * row's bytes are dead until the table is compacted into fresh arenas */
  state_arena rows, entries;
  size_t live_bytes, dead_bytes;
  sl_buf key, pkey;
  bool done; /* port 0 ended: the table is freed, port 1's rows are ignored */
  /* remote table */
  sl_lookup *remote;
  bool use_cache;
  lookup_cache cache;
  sl_value *keyvals;
  uint64_t lookups;
  /* batched probes of the local table: per row of the batch, its packed key (offset and
   * length into keys, UINT32_MAX offset: a NULL key), hash and entry */
  sl_buf keys;
  uint32_t *koff, *klen;
  uint64_t *hash;
  state_entry **found;
  int probe_cap;
  /* the left row the remote callback joins */
  const sl_value *cur;
  const sl_rowpos *cur_pos;
  uint8_t cur_kind;
  int64_t cur_matches;
  lc_entry *cur_entry; /* the cache entry being loaded */
} lookup_op;

static sl_status no_memory(lookup_op *k, sl_error *e) { return op_state_full(&k->jb.base, e); }

static sl_value *const *bucket_rows(const lk_bucket *b) {
  return b->cap ? (sl_value *const *)b->u.many : (sl_value *const *)&b->u.one;
}

/* ---- the local table ---- */

static bool bucket_add(lookup_op *k, lk_bucket *b, sl_value *row) {
  state_alloc *m = &k->jb.base.mem;
  if (b->n == 0 && b->cap == 0) {
    b->u.one = row;
    b->n = 1;
    return true;
  }
  if (b->n >= b->cap) {
    uint32_t cap = b->cap ? b->cap * 2 : 4;
    sl_value **rows = state_malloc(m, sizeof(sl_value *) * cap);
    if (!rows) return false;
    if (b->cap)
      memcpy(rows, b->u.many, sizeof(sl_value *) * b->n);
    else
      rows[0] = b->u.one;
    if (b->cap) state_free(m, b->u.many, sizeof(sl_value *) * b->cap);
    b->u.many = rows;
    b->cap = cap;
  }
  b->u.many[b->n++] = row;
  return true;
}

/* Removes row i of the bucket (order kept); the row itself is the caller's. */
static void bucket_remove(lookup_op *k, lk_bucket *b, uint32_t i) {
  if (!b->cap) {
    b->n = 0;
    b->u.one = NULL;
    return;
  }
  memmove(b->u.many + i, b->u.many + i + 1, sizeof(sl_value *) * (b->n - i - 1));
  if (--b->n == 0) {
    state_free(&k->jb.base.mem, b->u.many, sizeof(sl_value *) * b->cap);
    b->cap = 0;
    b->u.one = NULL;
  }
}

static bool same_row(const lookup_op *k, const sl_value *a, const sl_value *b) {
  const sl_type *t = k->jb.s.right.types;
  for (int c = 0; c < k->jb.rcols; c++) {
    if (a[c].null || b[c].null) {
      if (a[c].null != b[c].null) return false;
      continue;
    }
    if (value_compare(&a[c], &b[c], t[c]) != 0) return false;
  }
  return true;
}

static size_t row_bytes(const lookup_op *k, const sl_value *row) {
  return sizeof(sl_value) * (size_t)k->jb.rcols +
         state_row_extra(row, k->jb.s.right.types, k->jb.rcols);
}

static void free_row(lookup_op *k, sl_value *row) {
  size_t n = row_bytes(k, row);
  k->live_bytes -= n;
  k->dead_bytes += n;
  op_state_rows(&k->jb.base, -1);
}

static sl_value *keep_row(lookup_op *k, const sl_value *row) {
  sl_value *kept = state_keep_row_arena(&k->rows, row, k->jb.s.right.types, k->jb.rcols);
  if (kept) k->live_bytes += row_bytes(k, kept);
  return kept;
}

static void maps_init(lookup_op *k) {
  state_arena_init(&k->rows, &k->jb.base.mem, 64 << 10);
  state_arena_init(&k->entries, &k->jb.base.mem, 64 << 10);
  state_map_init(&k->table, &k->jb.base.mem, sizeof(lk_bucket));
  state_map_use_arena(&k->table, &k->entries);
  state_map_init(&k->bypk, &k->jb.base.mem, sizeof(sl_value *));
  state_map_use_arena(&k->bypk, &k->entries);
  k->live_bytes = k->dead_bytes = 0;
}

/* Takes `row` (a kept row, or NULL: find an equal one) out of its join key's bucket; returns
 * the kept row removed, or NULL. */
static sl_value *table_take(lookup_op *k, const sl_value *row, bool by_identity) {
  uint64_t h;
  if (!join_key(&k->jb, 1, row, &k->key, &h)) return NULL;
  state_entry *en = state_map_find(&k->table, k->key.data, k->key.len, h);
  if (!en) return NULL;
  lk_bucket *b = state_entry_val(en);
  sl_value *const *rows = bucket_rows(b);
  for (uint32_t i = 0; i < b->n; i++)
    if (by_identity ? rows[i] == row : same_row(k, rows[i], row)) {
      sl_value *kept = rows[i];
      bucket_remove(k, b, i);
      if (b->n == 0) state_map_remove(&k->table, en);
      return kept;
    }
  return NULL;
}

static sl_status table_add(lookup_op *k, const sl_value *row, sl_error *e) {
  uint64_t h;
  if (!join_key(&k->jb, 1, row, &k->key, &h)) return SL_OK; /* a NULL key matches nothing */
  bool created;
  state_entry *en = state_map_upsert(&k->table, k->key.data, k->key.len, h, &created);
  if (!en) return no_memory(k, e);
  lk_bucket *bk = state_entry_val(en);
  if (k->pk_is_key && bk->n) { /* the key's row is replaced */
    free_row(k, bk->u.one);
    bk->n = 0;
  }
  sl_value *kept = keep_row(k, row);
  if (!kept || !bucket_add(k, bk, kept)) {
    if (kept) free_row(k, kept), op_state_rows(&k->jb.base, 1);
    if (created) state_map_remove(&k->table, en);
    return no_memory(k, e);
  }
  op_state_rows(&k->jb.base, 1);
  if (k->npk && !k->pk_is_key) { /* the row of its primary key from now on */
    k->pkey.len = 0;
    state_key_pack(row, k->pk, k->jb.s.right.types, k->npk, &k->pkey);
    uint64_t ph = state_hash(k->pkey.data, k->pkey.len);
    state_entry *pe = state_map_upsert(&k->bypk, k->pkey.data, k->pkey.len, ph, &created);
    if (!pe) return no_memory(k, e);
    *(sl_value **)state_entry_val(pe) = kept;
  }
  return SL_OK;
}

/* With a primary key: removes the row of row's key (if any). */
static void table_remove_pk(lookup_op *k, const sl_value *row) {
  k->pkey.len = 0;
  state_key_pack(row, k->pk, k->jb.s.right.types, k->npk, &k->pkey);
  uint64_t ph = state_hash(k->pkey.data, k->pkey.len);
  state_entry *pe = state_map_find(&k->bypk, k->pkey.data, k->pkey.len, ph);
  if (!pe) return;
  sl_value *old = *(sl_value **)state_entry_val(pe);
  state_map_remove(&k->bypk, pe);
  if (table_take(k, old, true) == old) free_row(k, old);
}

/* With the primary key as the join key: removes the row of row's key (if any). */
static void table_remove_key(lookup_op *k, const sl_value *row) {
  uint64_t h;
  if (!join_key(&k->jb, 1, row, &k->key, &h)) return;
  state_entry *en = state_map_find(&k->table, k->key.data, k->key.len, h);
  if (!en) return;
  lk_bucket *bk = state_entry_val(en);
  if (bk->n) free_row(k, bk->u.one);
  state_map_remove(&k->table, en);
}

static void table_free(lookup_op *k);

/* Copies the live rows and entries into fresh arenas once more than half the bytes are dead
 * (rows replaced or deleted by a changing dimension), so memory follows the table's size; an
 * emptied table gives everything back at once. */
static sl_status compact(lookup_op *k, sl_error *e) {
  if (k->jb.base.state_rows == 0 && k->dead_bytes) {
    table_free(k);
    maps_init(k);
    return SL_OK;
  }
  if (k->dead_bytes < ((size_t)1 << 20) || k->dead_bytes < k->live_bytes) return SL_OK;
  int64_t rows = k->jb.base.state_rows, peak = k->jb.base.state_rows_peak;
  /* the maps point at the arena fields of k, so swapping the fields swaps the tables */
  lookup_op old = *k;
  maps_init(k);
  size_t it = 0;
  sl_status st = SL_OK;
  for (state_entry *en; !st && (en = state_map_next(&old.table, &it));) {
    const lk_bucket *b = state_entry_val(en);
    sl_value *const *r = bucket_rows(b);
    for (uint32_t i = 0; i < b->n && !st; i++) st = table_add(k, r[i], e);
  }
  lookup_op fresh = *k;
  k->table = old.table, k->bypk = old.bypk, k->rows = old.rows, k->entries = old.entries;
  table_free(k); /* the old table: bucket arrays, maps, arenas */
  k->table = fresh.table, k->bypk = fresh.bypk, k->rows = fresh.rows, k->entries = fresh.entries;
  k->live_bytes = fresh.live_bytes;
  k->dead_bytes = 0;
  k->jb.base.state_rows = rows; /* the same rows, counted once */
  k->jb.base.state_rows_peak = peak;
  return st;
}

static sl_status table_push(lookup_op *k, const sl_batch *b, sl_error *e) {
  if (k->done) return SL_OK; /* the join has ended: the dimension no longer matters */
  sl_status st = SL_OK;
  for (int r = 0; r < b->nrows && !st; r++) {
    const sl_value *row = batch_row(b, r);
    bool add = b->kind[r] == RK_INSERT || b->kind[r] == RK_UPDATE_AFTER;
    if (k->pk_is_key) {
      if (add)
        st = table_add(k, row, e);
      else
        table_remove_key(k, row);
    } else if (k->npk) {
      table_remove_pk(k, row);
      if (add) st = table_add(k, row, e);
    } else if (add) {
      st = table_add(k, row, e);
    } else {
      sl_value *kept = table_take(k, row, false);
      if (kept) free_row(k, kept);
    }
  }
  return st ? st : compact(k, e);
}

/* Frees the table: the bucket arrays, then the maps and the arenas in one go. */
static void table_free(lookup_op *k) {
  size_t it = 0;
  state_entry *en;
  while ((en = state_map_next(&k->table, &it))) {
    lk_bucket *b = state_entry_val(en);
    if (b->cap) state_free(&k->jb.base.mem, b->u.many, sizeof(sl_value *) * b->cap);
    b->cap = 0;
  }
  state_map_free(&k->table);
  state_map_free(&k->bypk);
  state_arena_free(&k->rows);
  state_arena_free(&k->entries);
  op_state_rows(&k->jb.base, -k->jb.base.state_rows);
  k->live_bytes = k->dead_bytes = 0;
}

/* ---- probing ---- */

/* Joins the left row with `n` candidate rows (each already of its key). */
static sl_status join_rows(lookup_op *k, const sl_value *l, sl_value *const *rows, uint32_t n,
                           uint8_t kind, const sl_rowpos *pos, sl_error *e) {
  bool any = false;
  for (uint32_t i = 0; i < n; i++) {
    bool match;
    sl_status st = join_cond(&k->jb, l, rows[i], pos, &match, e);
    if (st) return st;
    if (!match) continue;
    any = true;
    if ((st = join_append(&k->jb, l, rows[i], kind, pos, e))) return st;
  }
  if (!any && k->jb.s.type == JOIN_LEFT) return join_append(&k->jb, l, NULL, kind, pos, e);
  return SL_OK;
}

/* Remote without a cache: each row the table returns joins at once. Its strings live only
 * during the call, so they are copied into the output batch's arena. */
static sl_status remote_row(void *arg, const sl_value *row, sl_error *e) {
  lookup_op *k = arg;
  bool match;
  sl_status st = join_cond(&k->jb, k->cur, row, k->cur_pos, &match, e);
  if (st || !match) return st;
  k->cur_matches++;
  sl_batch *o = &k->jb.out;
  int at = o->nrows;
  if ((st = join_append(&k->jb, k->cur, row, k->cur_kind, k->cur_pos, e))) return st;
  if (o->nrows == at + 1) { /* still in the batch: point its strings at the batch's arena */
    sl_value *dst = batch_row(o, at) + k->jb.lcols;
    for (int c = 0; c < k->jb.rcols; c++)
      if (!dst[c].null && k->jb.s.right.types[c].id == T_STRING && dst[c].len)
        dst[c].u.s = arena_strndup(&o->arena, dst[c].u.s, dst[c].len);
  }
  return SL_OK;
}

static sl_status cache_row(void *arg, const sl_value *row, sl_error *e) {
  lookup_op *k = arg;
  return lookup_cache_add_row(&k->cache, k->cur_entry, row) ? SL_OK : no_memory(k, e);
}

static sl_status probe_remote(lookup_op *k, const sl_value *l, uint8_t kind, const sl_rowpos *pos,
                              int64_t now, sl_error *e) {
  for (int i = 0; i < k->jb.s.nkeys; i++) k->keyvals[i] = l[k->jb.s.lkeys[i]];
  if (!k->use_cache) {
    k->cur = l, k->cur_pos = pos, k->cur_kind = kind, k->cur_matches = 0;
    k->lookups++;
    sl_status st = k->remote->vt->lookup(k->remote, k->keyvals, remote_row, k, e);
    if (st) return st;
    if (!k->cur_matches && k->jb.s.type == JOIN_LEFT)
      return join_append(&k->jb, l, NULL, kind, pos, e);
    return SL_OK;
  }
  uint64_t h;
  join_key(&k->jb, 0, l, &k->key, &h); /* not NULL: checked by the caller */
  lc_entry *v = lookup_cache_get(&k->cache, k->key.data, k->key.len, h, now);
  if (!v) {
    if (!(v = lookup_cache_put(&k->cache, k->key.data, k->key.len, h, now))) return no_memory(k, e);
    k->cur_entry = v;
    k->lookups++;
    sl_status st = k->remote->vt->lookup(k->remote, k->keyvals, cache_row, k, e);
    if (st) return st;
    v = lookup_cache_loaded(&k->cache, v);
    if (!v) return k->jb.s.type == JOIN_LEFT ? join_append(&k->jb, l, NULL, kind, pos, e) : SL_OK;
  }
  return join_rows(k, l, v->rows, v->n, kind, pos, e);
}

/* The entries of every row's key (found[r]; NULL: none or a NULL key). The keys are packed
 * and hashed first; then, finding them in order, the slot of the key 16 rows ahead and the
 * entry of the key 8 rows ahead are prefetched, so a few of these memory reads are always in
 * flight instead of one at a time (more than that only fills the CPU's miss buffers). */
#define AHEAD_SLOT 16
#define AHEAD_ENTRY 8
static void find_batch(lookup_op *k, const sl_batch *b) {
  int n = b->nrows;
  if (n > k->probe_cap) {
    k->probe_cap = n;
    k->koff = xrealloc(k->koff, sizeof(uint32_t) * (size_t)n);
    k->klen = xrealloc(k->klen, sizeof(uint32_t) * (size_t)n);
    k->hash = xrealloc(k->hash, sizeof(uint64_t) * (size_t)n);
    k->found = xrealloc(k->found, sizeof(state_entry *) * (size_t)n);
  }
  const join_spec *s = &k->jb.s;
  k->keys.len = 0;
  for (int r = 0; r < n; r++) {
    const sl_value *l = batch_row(b, r);
    k->koff[r] = UINT32_MAX;
    bool keyed = true;
    for (int i = 0; i < s->nkeys; i++)
      if (l[s->lkeys[i]].null) keyed = false;
    if (!keyed) continue;
    size_t at = k->keys.len;
    state_key_pack(l, s->lkeys, s->left.types, s->nkeys, &k->keys);
    k->koff[r] = (uint32_t)at;
    k->klen[r] = (uint32_t)(k->keys.len - at);
    k->hash[r] = state_hash(k->keys.data + at, k->klen[r]);
  }
  for (int r = 0; r < n && r < AHEAD_SLOT; r++)
    if (k->koff[r] != UINT32_MAX) state_map_prefetch(&k->table, k->hash[r]);
  for (int r = 0; r < n && r < AHEAD_ENTRY; r++)
    if (k->koff[r] != UINT32_MAX) state_map_prefetch_entry(&k->table, k->hash[r]);
  for (int r = 0; r < n; r++) {
    int a = r + AHEAD_SLOT, c = r + AHEAD_ENTRY;
    if (a < n && k->koff[a] != UINT32_MAX) state_map_prefetch(&k->table, k->hash[a]);
    if (c < n && k->koff[c] != UINT32_MAX) state_map_prefetch_entry(&k->table, k->hash[c]);
    k->found[r] = NULL;
    if (k->koff[r] == UINT32_MAX) continue;
    state_entry *en = state_map_find(&k->table, k->keys.data + k->koff[r], k->klen[r], k->hash[r]);
    k->found[r] = en;
    if (en) {
      const lk_bucket *bk = state_entry_val(en);
      if (bk->n) { /* the row's cells, read when it is joined */
        const char *row = (const char *)bucket_rows(bk)[0];
        __builtin_prefetch(row);
        __builtin_prefetch(row + 64);
        if (k->jb.rcols > 5) __builtin_prefetch(row + 128);
      }
    }
  }
}

static sl_status lookup_push(sl_op *op, int port, const sl_batch *b, sl_error *e) {
  lookup_op *k = (lookup_op *)op;
  if (port == 1) return table_push(k, b, e);
  bool left = k->jb.s.type == JOIN_LEFT;
  int64_t now = k->use_cache ? loop_now_ms() : 0;
  sl_status st = SL_OK;
  if (!k->remote) find_batch(k, b);
  for (int r = 0; r < b->nrows && !st; r++) {
    const sl_value *l = batch_row(b, r);
    uint64_t h;
    bool keyed = true;
    for (int i = 0; i < k->jb.s.nkeys; i++)
      if (l[k->jb.s.lkeys[i]].null) keyed = false;
    if (!keyed) { /* a NULL key never matches */
      if (left) st = join_append(&k->jb, l, NULL, b->kind[r], &b->pos[r], e);
      continue;
    }
    if (k->remote) {
      st = probe_remote(k, l, b->kind[r], &b->pos[r], now, e);
      continue;
    }
    (void)h;
    state_entry *en = k->found[r];
    if (en) {
      const lk_bucket *bk = state_entry_val(en);
      st = join_rows(k, l, bucket_rows(bk), bk->n, b->kind[r], &b->pos[r], e);
    } else if (left) {
      st = join_append(&k->jb, l, NULL, b->kind[r], &b->pos[r], e);
    }
  }
  if (!st) st = join_flush(&k->jb, e);
  if (k->use_cache) { /* evicted rows are no longer referenced: the batch went out */
    lookup_cache_settle(&k->cache);
    op_state_rows(op, k->cache.rows - op->state_rows);
  }
  return st;
}

/* ---- signals: only port 0 (the probe side) moves the join's time and ends it ---- */

static sl_status lookup_finish(sl_op *op, sl_error *e) {
  lookup_op *k = (lookup_op *)op;
  sl_status st = join_flush(&k->jb, e);
  k->done = true;
  table_free(k);
  if (k->use_cache) {
    lookup_cache_free(&k->cache);
    state_map_init(&k->cache.map, &op->mem, sizeof(lc_entry));
  }
  op_state_rows(op, -op->state_rows);
  return st;
}

static sl_status lookup_signal(sl_op *op, int port, const sl_signal *sig, sl_error *e) {
  if (op->nin < 2) return op_signal_default(op, port, sig, e); /* remote: one input */
  op_port *pt = &op->ports[port];
  if (port != 0) { /* the table: noted, never forwarded */
    switch (sig->kind) {
    case SIG_WATERMARK:
      if (sig->ts > pt->wm) pt->wm = sig->ts;
      break;
    case SIG_IDLE: pt->idle = true; break;
    case SIG_ACTIVE: pt->idle = false; break;
    case SIG_END:
      pt->ended = true;
      op->nin_ended++;
      break;
    default: break; /* BARRIER: the dimension is not aligned with the probe side */
    }
    return SL_OK;
  }
  /* Delivery: the probe rows go out at once, so their barrier goes on; but a dimension read
   * from a source that commits its positions is kept for good: committing would lose it */
  if (sig->kind == SIG_BARRIER && !op->ports[1].ended && op_upstream_commits(op, 1)) return SL_OK;
  sl_signal s = *sig;
  switch (sig->kind) {
  case SIG_WATERMARK:
    if (sig->ts > pt->wm) pt->wm = sig->ts;
    if (pt->wm <= op->wm || pt->wm == WM_NONE) return SL_OK;
    s.ts = pt->wm;
    return op_signal_emit(op, &s, e);
  case SIG_IDLE: pt->idle = true; return op->idle ? SL_OK : op_signal_emit(op, &s, e);
  case SIG_ACTIVE: pt->idle = false; return op->idle ? op_signal_emit(op, &s, e) : SL_OK;
  case SIG_END: {
    pt->ended = true;
    op->nin_ended++;
    sl_status st = lookup_finish(op, e);
    return st ? st : op_signal_emit(op, &s, e);
  }
  default: return op_signal_emit(op, &s, e);
  }
}

/* ---- explain ---- */

static void put_ms(sl_buf *out, int64_t ms) {
  static const struct {
    int64_t ms;
    const char *unit;
  } units[] = {{86400000, "d"}, {3600000, "h"}, {60000, "min"}, {1000, "s"}, {1, "ms"}};
  for (int i = 0; i < 5; i++)
    if (ms % units[i].ms == 0) {
      buf_printf(out, "%lld %s", (long long)(ms / units[i].ms), units[i].unit);
      return;
    }
}

static void lookup_describe(const sl_op *op, sl_buf *out) {
  const lookup_op *k = (const lookup_op *)op;
  buf_printf(out, "%s lookup ON ", join_type_name(k->jb.s.type));
  join_describe_keys(&k->jb, out);
  if (!k->remote) {
    buf_puts(out, " (table rows kept by key");
    if (k->npk) {
      buf_puts(out, ", one per primary key ");
      for (int i = 0; i < k->npk; i++)
        buf_printf(out, "%s%s", i ? ", " : "", k->jb.s.right.names[k->pk[i]]);
    }
    buf_putc(out, ')');
    return;
  }
  buf_printf(out, " (remote %s", k->remote->vt->kind ? k->remote->vt->kind : "table");
  if (!k->use_cache) {
    buf_puts(out, ", no cache)");
    return;
  }
  const lookup_cache_opts *o = &k->cache.o;
  buf_printf(out, ", cache %lld rows", (long long)o->max_rows);
  if (o->expire_write > 0) buf_puts(out, ", expire after write "), put_ms(out, o->expire_write);
  if (o->expire_access > 0) buf_puts(out, ", expire after access "), put_ms(out, o->expire_access);
  if (!o->cache_missing) buf_puts(out, ", missing keys not cached");
  buf_putc(out, ')');
}

/* ---- snapshot: "LookupJoin" v1: the watermark, whether port 0 ended, then the local
 * table's rows (a remote table's cache is not kept: it refills) ---- */

static sl_status lookup_snapshot(sl_op *op, sl_buf *out, sl_error *e) {
  lookup_op *k = (lookup_op *)op;
  state_put_header(out, "LookupJoin", 1);
  state_put_i64(out, op->wm);
  state_put_u64(out, k->done);
  state_put_u64(out, k->remote ? 0 : (uint64_t)op->state_rows);
  size_t it = 0;
  state_entry *en;
  while (!k->remote && (en = state_map_next(&k->table, &it))) {
    const lk_bucket *b = state_entry_val(en);
    sl_value *const *rows = bucket_rows(b);
    for (uint32_t i = 0; i < b->n; i++)
      state_put_row(out, rows[i], k->jb.s.right.types, k->jb.rcols);
  }
  state_put_end(out);
  return SL_OK;
}

static sl_status lookup_restore(sl_op *op, const void *p, size_t n, sl_error *e) {
  lookup_op *k = (lookup_op *)op;
  state_reader r;
  uint32_t version;
  sl_arena strings;
  arena_init(&strings, 4096);
  bool ok = state_reader_open(&r, p, n, "LookupJoin", &version) && version == 1;
  r.strings = &strings;
  sl_status st = SL_OK;
  if (ok) {
    op->wm = state_get_i64(&r);
    if (op->nin > 0) op->ports[0].wm = op->wm;
    k->done = state_get_u64(&r) != 0;
    uint64_t rows = state_get_u64(&r);
    if (k->remote && rows) ok = false; /* a remote table's rows are not kept */
    sl_value *row = xcalloc((size_t)k->jb.rcols + 1, sizeof(sl_value));
    for (uint64_t i = 0; i < rows && ok && !st && !r.bad; i++) {
      if (!state_get_row(&r, row, k->jb.s.right.types, k->jb.rcols)) break;
      if (k->npk && !k->pk_is_key) table_remove_pk(k, row);
      st = table_add(k, row, e);
    }
    free(row);
  }
  arena_free(&strings);
  if (st) return st;
  if (!ok || r.bad || r.p != r.end)
    return err_set(e, SL_ERUNTIME,
                   "LookupJoin: the state snapshot is malformed or of another plan");
  return SL_OK;
}

static void lookup_free(sl_op *op) {
  lookup_op *k = (lookup_op *)op;
  table_free(k);
  if (k->use_cache) lookup_cache_free(&k->cache);
  if (k->remote && k->remote->vt->free) k->remote->vt->free(k->remote);
  buf_free(&k->key);
  buf_free(&k->pkey);
  buf_free(&k->keys);
  free(k->koff);
  free(k->klen);
  free(k->hash);
  free(k->found);
  free(k->pk);
  free(k->keyvals);
  join_base_free(&k->jb);
  free(k);
}

/* Delivery (for explain; lookup_signal passes barriers itself): the probe rows go out at once;
 * a dimension read from a source that commits positions is kept for good. */
static int64_t lookup_frontier(const sl_op *op) {
  return op->nin > 1 && !op->ports[1].ended && op_upstream_commits(op, 1) ? WM_INFINITY : WM_NONE;
}

static const op_vt lookup_join_vt = {.kind = "LookupJoin",
                                     .frontier = lookup_frontier,
                                     .push = lookup_push,
                                     .signal = lookup_signal,
                                     .finish = lookup_finish,
                                     .describe = lookup_describe,
                                     .free = lookup_free,
                                     .snapshot = lookup_snapshot,
                                     .restore = lookup_restore,
                                     .keeps = "the dimension table's rows by key"};

/* A remote table without a cache keeps nothing. */
static const op_vt lookup_join_remote_vt = {.kind = "LookupJoin",
                                            .push = lookup_push,
                                            .signal = lookup_signal,
                                            .finish = lookup_finish,
                                            .describe = lookup_describe,
                                            .free = lookup_free};

sl_op *op_lookup_join_new(sl_job *j, const join_spec *s, sl_lookup *remote,
                          const lookup_cache_opts *cache, const int *pk, int npk, op_cols out,
                          sl_error *e) {
  const char *bad = NULL;
  if (s->type != JOIN_INNER && s->type != JOIN_LEFT)
    bad = "only INNER and LEFT lookup joins exist";
  else if (out.n != s->left.n + s->right.n)
    bad = "the output is not the left columns then the right ones";
  else if (remote && (remote->ncols != s->right.n || remote->nkeys != s->nkeys))
    bad = "the remote table's columns or keys differ from the join's";
  for (int i = 0; i < npk && !bad; i++)
    if (pk[i] < 0 || pk[i] >= s->right.n) bad = "a primary key column is out of range";
  if (bad) {
    if (remote && remote->vt->free) remote->vt->free(remote);
    err_set(e, SL_EINTERNAL, "LookupJoin: %s", bad);
    return NULL;
  }
  bool use_cache = remote && cache && cache->max_rows > 0;
  lookup_op *k = xcalloc(1, sizeof *k);
  const op_vt *vt = remote && !use_cache ? &lookup_join_remote_vt : &lookup_join_vt;
  if (join_base_init(&k->jb, vt, j, "lookup join", s, out, e)) {
    k->remote = remote;
    lookup_free(&k->jb.base);
    return NULL;
  }
  maps_init(k);
  k->pk = xmalloc(sizeof(int) * (size_t)(npk + 1));
  if (npk && !remote) memcpy(k->pk, pk, sizeof(int) * (size_t)npk);
  k->npk = remote ? 0 : npk;
  k->pk_is_key = k->npk && k->npk == s->nkeys;
  for (int i = 0; i < k->npk && k->pk_is_key; i++) k->pk_is_key = k->pk[i] == s->rkeys[i];
  k->remote = remote;
  k->keyvals = xcalloc((size_t)s->nkeys + 1, sizeof(sl_value));
  if (use_cache) {
    k->use_cache = true;
    lookup_cache_init(&k->cache, &k->jb.base.mem, cache, s->right.types, s->right.n);
  }
  return &k->jb.base;
}
