/* lookup_cache.h - the lookup join's cache of a remote table (Flink's 'lookup.cache' =
 * 'PARTIAL'): an LRU of at most max_rows keys, each with the rows the table returned for it
 * (none, when missing keys are cached), copied into the operator's counted state. An entry
 * expires expire_write ms after it was loaded and expire_access ms after it was last used
 * (processing time, passed in by the caller). Internal to ops/ (join_lookup.c and its tests).
 * Must not touch: the remote table (the join asks it and fills the entry) or the output batch.
 * Rows of an entry evicted or expired may still be referenced by the join's output batch
 * (join_append references strings): they are freed only by lookup_cache_settle, which the join
 * calls after it has flushed. */
#ifndef SLUICE_LOOKUP_CACHE_H
#define SLUICE_LOOKUP_CACHE_H

#include "ops.h"

/* The value block of a cached key. */
typedef struct lc_entry {
  state_entry *prev, *next; /* LRU list: head is the most recently used */
  int64_t loaded, used;     /* processing time (ms) of the load and the last use */
  uint32_t n, cap;
  sl_value **rows; /* n rows of the table's columns */
} lc_entry;

typedef struct lookup_cache {
  state_alloc *mem;
  lookup_cache_opts o;
  const sl_type *types; /* the table's columns */
  int ncols;
  state_map map; /* packed key -> lc_entry */
  state_entry *head, *tail;
  int64_t rows;                                        /* rows cached */
  uint64_t hits, misses, evicted, expired, not_cached; /* counters, for describe and tests */
  sl_value **dead;                                     /* rows waiting for lookup_cache_settle */
  size_t ndead, capdead;
} lookup_cache;

void lookup_cache_init(lookup_cache *c, state_alloc *mem, const lookup_cache_opts *o,
                       const sl_type *types, int ncols);
void lookup_cache_free(lookup_cache *c); /* every entry and row, settled or not */
/* The live entry of a key (it becomes the most recently used, and its use time `now`), or NULL
 * on a miss; an expired entry is dropped and counts as a miss. */
lc_entry *lookup_cache_get(lookup_cache *c, const void *key, size_t klen, uint64_t hash,
                           int64_t now);
/* A new, empty entry for a key that missed (loaded at `now`), evicting the least recently used
 * keys beyond max_rows. NULL over the memory limit. */
lc_entry *lookup_cache_put(lookup_cache *c, const void *key, size_t klen, uint64_t hash,
                           int64_t now);
/* Adds a copy of a row to the entry lookup_cache_put returned; false over the memory limit. */
bool lookup_cache_add_row(lookup_cache *c, lc_entry *en, const sl_value *row);
/* After the load: an entry without rows is dropped unless missing keys are cached. Returns the
 * entry, or NULL when it was dropped. */
lc_entry *lookup_cache_loaded(lookup_cache *c, lc_entry *en);
/* Frees the rows of entries evicted or expired since the last call. */
void lookup_cache_settle(lookup_cache *c);

#endif
