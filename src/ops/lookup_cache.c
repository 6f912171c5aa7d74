/* lookup_cache.c - the PARTIAL cache of a lookup join's remote table (lookup_cache.h): an LRU
 * list through the entries of a state_map, expiry after write and after access checked when a
 * key is asked for (and at the tail when room is made), rows copied into counted state.
 * Must not touch: the remote table or the join's output; rows of dropped entries are freed only
 * by lookup_cache_settle, after the join has flushed the batch that may reference them. */
#include <stdlib.h>
#include <string.h>

#include "lookup_cache.h"

static lc_entry *val(state_entry *e) { return state_entry_val(e); }
static state_entry *entry_of(lc_entry *v) { return (state_entry *)v - 1; }

void lookup_cache_init(lookup_cache *c, state_alloc *mem, const lookup_cache_opts *o,
                       const sl_type *types, int ncols) {
  memset(c, 0, sizeof *c);
  c->mem = mem;
  c->o = *o;
  c->types = types;
  c->ncols = ncols;
  state_map_init(&c->map, mem, sizeof(lc_entry));
}

static void unlink_lru(lookup_cache *c, state_entry *e) {
  lc_entry *v = val(e);
  if (v->prev)
    val(v->prev)->next = v->next;
  else
    c->head = v->next;
  if (v->next)
    val(v->next)->prev = v->prev;
  else
    c->tail = v->prev;
  v->prev = v->next = NULL;
}

static void push_front(lookup_cache *c, state_entry *e) {
  lc_entry *v = val(e);
  v->prev = NULL;
  v->next = c->head;
  if (c->head) val(c->head)->prev = e;
  c->head = e;
  if (!c->tail) c->tail = e;
}

/* Drops an entry: its rows go to the dead list (freed by settle), the rest now. */
static void drop(lookup_cache *c, state_entry *e) {
  lc_entry *v = val(e);
  unlink_lru(c, e);
  if (v->n && c->ndead + v->n > c->capdead) {
    size_t cap = c->capdead ? c->capdead * 2 : 64;
    while (cap < c->ndead + v->n) cap *= 2;
    c->dead = xrealloc(c->dead, sizeof(sl_value *) * cap);
    c->capdead = cap;
  }
  for (uint32_t i = 0; i < v->n; i++) c->dead[c->ndead++] = v->rows[i];
  c->rows -= v->n;
  if (v->rows) state_free(c->mem, v->rows, sizeof(sl_value *) * v->cap);
  state_map_remove(&c->map, e);
}

void lookup_cache_settle(lookup_cache *c) {
  for (size_t i = 0; i < c->ndead; i++) state_free_row(c->mem, c->dead[i], c->types, c->ncols);
  c->ndead = 0;
}

void lookup_cache_free(lookup_cache *c) {
  while (c->head) drop(c, c->head);
  lookup_cache_settle(c);
  free(c->dead);
  c->dead = NULL;
  c->capdead = 0;
  state_map_free(&c->map);
}

static bool expired(const lookup_cache *c, const lc_entry *v, int64_t now) {
  if (c->o.expire_write > 0 && now - v->loaded >= c->o.expire_write) return true;
  if (c->o.expire_access > 0 && now - v->used >= c->o.expire_access) return true;
  return false;
}

lc_entry *lookup_cache_get(lookup_cache *c, const void *key, size_t klen, uint64_t hash,
                           int64_t now) {
  state_entry *e = state_map_find(&c->map, key, klen, hash);
  if (e && expired(c, val(e), now)) {
    drop(c, e);
    c->expired++;
    e = NULL;
  }
  if (!e) {
    c->misses++;
    return NULL;
  }
  c->hits++;
  lc_entry *v = val(e);
  v->used = now;
  if (c->head != e) {
    unlink_lru(c, e);
    push_front(c, e);
  }
  return v;
}

lc_entry *lookup_cache_put(lookup_cache *c, const void *key, size_t klen, uint64_t hash,
                           int64_t now) {
  /* room: expired entries at the tail first, then the least recently used */
  while (c->tail && expired(c, val(c->tail), now)) {
    drop(c, c->tail);
    c->expired++;
  }
  while (c->tail && (int64_t)c->map.n >= c->o.max_rows) {
    drop(c, c->tail);
    c->evicted++;
  }
  bool created;
  state_entry *e = state_map_upsert(&c->map, key, klen, hash, &created);
  if (!e) return NULL;
  lc_entry *v = val(e);
  if (!created) { /* the caller asked get first; refill an entry it still holds */
    drop(c, e);
    if (!(e = state_map_upsert(&c->map, key, klen, hash, &created))) return NULL;
    v = val(e);
  }
  memset(v, 0, sizeof *v);
  v->loaded = v->used = now;
  push_front(c, e);
  return v;
}

bool lookup_cache_add_row(lookup_cache *c, lc_entry *v, const sl_value *row) {
  if (v->n == v->cap) {
    uint32_t cap = v->cap ? v->cap * 2 : 1;
    sl_value **rows = state_malloc(c->mem, sizeof(sl_value *) * cap);
    if (!rows) return false;
    if (v->n) memcpy(rows, v->rows, sizeof(sl_value *) * v->n);
    if (v->rows) state_free(c->mem, v->rows, sizeof(sl_value *) * v->cap);
    v->rows = rows;
    v->cap = cap;
  }
  sl_value *kept = state_keep_row_alloc(c->mem, row, c->types, c->ncols);
  if (!kept) return false;
  v->rows[v->n++] = kept;
  c->rows++;
  return true;
}

lc_entry *lookup_cache_loaded(lookup_cache *c, lc_entry *v) {
  if (v->n || c->o.cache_missing) return v;
  drop(c, entry_of(v));
  c->not_cached++;
  return NULL;
}
