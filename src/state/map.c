/* map.c - state_map: a hash map from packed keys to fixed-size value blocks. Open addressing
 * with linear probing over a slot array of entry pointers plus a 32-bit hash tag per slot (so a
 * probe rarely touches an entry that does not match); removal leaves a tombstone, so nothing
 * moves while iterating. The table is rebuilt (grown, shrunk, or cleaned of tombstones) only
 * inside state_map_upsert, and freed when the last entry goes. Every byte (slots and entries)
 * is counted in the map's state_alloc.
 * Must not touch: what the values point to (their owner releases that before removing). */
#include <string.h>

#include "state.h"

/* The slot block: a header with the tombstone count, then cap entry pointers, then cap tags. */
typedef struct slot_head {
  size_t tombs;
  size_t pad;
} slot_head;

static state_entry tomb_entry;
#define TOMB (&tomb_entry)

static size_t val_room(size_t val_size) { return (val_size + 7) & ~(size_t)7; }
static size_t entry_bytes(const state_map *m, size_t klen) {
  return sizeof(state_entry) + val_room(m->val_size) + klen;
}
static size_t block_bytes(size_t cap) {
  return sizeof(slot_head) + cap * (sizeof(state_entry *) + sizeof(uint32_t));
}
static slot_head *head_of(const state_map *m) { return (slot_head *)m->slots - 1; }
static uint32_t *tags_of(const state_map *m) { return (uint32_t *)(m->slots + m->cap); }
static inline uint32_t tag_of(uint64_t hash) { return (uint32_t)(hash >> 32); }

void state_map_init(state_map *m, state_alloc *alloc, size_t val_size) {
  m->alloc = alloc;
  m->val_size = val_size;
  m->slots = NULL;
  m->cap = m->n = 0;
  m->arena = NULL;
}

void state_map_use_arena(state_map *m, state_arena *a) { m->arena = a; }

const void *state_entry_key(const state_entry *e, const state_map *m) {
  return (const char *)(e + 1) + val_room(m->val_size);
}

static void free_block(state_map *m) {
  if (!m->slots) return;
  state_free(m->alloc, head_of(m), block_bytes(m->cap));
  m->slots = NULL;
  m->cap = 0;
}

void state_map_free(state_map *m) {
  for (size_t i = 0; i < m->cap && !m->arena; i++) {
    state_entry *e = m->slots[i];
    if (e && e != TOMB) state_free(m->alloc, e, entry_bytes(m, e->klen));
  }
  free_block(m);
  m->n = 0;
}

state_entry *state_map_find(const state_map *m, const void *key, size_t klen, uint64_t hash) {
  if (!m->cap) return NULL;
  size_t mask = m->cap - 1, i = (size_t)hash & mask;
  const uint32_t *tags = tags_of(m);
  uint32_t tag = tag_of(hash);
  for (;;) {
    state_entry *e = m->slots[i];
    if (!e) return NULL;
    if (tags[i] == tag && e != TOMB && e->hash == hash && e->klen == klen &&
        state_key_eq(state_entry_key(e, m), key, klen))
      return e;
    i = (i + 1) & mask;
  }
}

void state_map_prefetch(const state_map *m, uint64_t hash) {
  if (!m->cap) return;
  size_t i = (size_t)hash & (m->cap - 1);
  __builtin_prefetch(&m->slots[i]);
  __builtin_prefetch(&tags_of(m)[i]);
}

void state_map_prefetch_entry(const state_map *m, uint64_t hash) {
  if (!m->cap) return;
  const state_entry *e = m->slots[(size_t)hash & (m->cap - 1)];
  if (e && e != TOMB) __builtin_prefetch(e);
}

/* Rebuilds the table at a capacity that keeps the load at most 1/2 with `want` entries. */
static bool rebuild(state_map *m, size_t want) {
  size_t cap = 16;
  while (cap < want * 2) cap *= 2;
  slot_head *h = state_malloc(m->alloc, block_bytes(cap));
  if (!h) return false;
  h->tombs = 0;
  state_entry **slots = (state_entry **)(h + 1);
  uint32_t *tags = (uint32_t *)(slots + cap);
  memset(slots, 0, cap * sizeof *slots);
  for (size_t j = 0; j < m->cap; j++) {
    state_entry *e = m->slots[j];
    if (!e || e == TOMB) continue;
    size_t i = (size_t)e->hash & (cap - 1);
    while (slots[i]) i = (i + 1) & (cap - 1);
    slots[i] = e;
    tags[i] = tag_of(e->hash);
  }
  free_block(m);
  m->slots = slots;
  m->cap = cap;
  return true;
}

state_entry *state_map_upsert(state_map *m, const void *key, size_t klen, uint64_t hash,
                              bool *created) {
  *created = false;
  size_t i = SIZE_MAX; /* the slot a new entry takes: the first tombstone or empty one */
  if (m->cap) {
    size_t mask = m->cap - 1, k = (size_t)hash & mask;
    const uint32_t *tags = tags_of(m);
    uint32_t tag = tag_of(hash);
    for (;; k = (k + 1) & mask) {
      state_entry *e = m->slots[k];
      if (!e) break;
      if (e == TOMB) {
        if (i == SIZE_MAX) i = k;
      } else if (tags[k] == tag && e->hash == hash && e->klen == klen &&
                 state_key_eq(state_entry_key(e, m), key, klen)) {
        return e;
      }
    }
    if (i == SIZE_MAX) i = k;
  }
  /* load (entries + tombstones) stays at most 3/4 */
  if (!m->cap || (m->n + head_of(m)->tombs + 1) * 4 > m->cap * 3) {
    if (!rebuild(m, m->n + 1)) return NULL;
    size_t mask = m->cap - 1; /* no tombstones after a rebuild */
    i = (size_t)hash & mask;
    while (m->slots[i]) i = (i + 1) & mask;
  }
  size_t eb = entry_bytes(m, klen);
  state_entry *e = m->arena ? state_arena_alloc(m->arena, eb) : state_malloc(m->alloc, eb);
  if (!e) return NULL;
  e->hash = hash;
  e->klen = (uint32_t)klen;
  e->touched = 0;
  memset(state_entry_val(e), 0, val_room(m->val_size));
  if (klen) memcpy((char *)state_entry_key(e, m), key, klen);
  if (m->slots[i] == TOMB) head_of(m)->tombs--;
  m->slots[i] = e;
  tags_of(m)[i] = tag_of(hash);
  m->n++;
  *created = true;
  return e;
}

void state_map_remove(state_map *m, state_entry *e) {
  if (!m->cap || !e) return;
  size_t mask = m->cap - 1, i = (size_t)e->hash & mask;
  while (m->slots[i] != e) {
    if (!m->slots[i]) return; /* not in this map */
    i = (i + 1) & mask;
  }
  if (!m->arena) state_free(m->alloc, e, entry_bytes(m, e->klen));
  m->n--;
  if (m->n == 0) {
    free_block(m); /* iteration sees cap 0 and ends: nothing is left */
    return;
  }
  /* a slot followed by an empty one can be emptied outright: no probe chain runs through it */
  if (!m->slots[(i + 1) & mask]) {
    m->slots[i] = NULL;
  } else {
    m->slots[i] = TOMB;
    head_of(m)->tombs++;
  }
}

bool state_map_reserve(state_map *m, size_t n) {
  if (n <= m->n || (m->cap && (n + head_of(m)->tombs) * 4 <= m->cap * 3)) return true;
  return rebuild(m, n);
}

state_entry *state_map_next(const state_map *m, size_t *i) {
  while (*i < m->cap) {
    state_entry *e = m->slots[(*i)++];
    if (e && e != TOMB) return e;
  }
  return NULL;
}
