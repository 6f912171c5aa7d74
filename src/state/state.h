/* state.h - memory for rows an operator keeps beyond a push() call: state, windows, queues
 * between workers. Public header of the state subsystem.
 *
 * The rule, once: a batch pushed to an operator is valid only during the call, and its strings
 * may point into a source's read buffer or a batch arena that is rewound right after. Whoever
 * keeps a row copies it first with state_keep_row, into memory the keeper owns: a counted
 * allocator (state_alloc) for state that lives and dies row by row, or a state arena for state
 * that dies all at once (a window's rows, freed when the window fires). Every byte either hands
 * out is counted in its state_alloc, so an operator's state size can be reported and bounded.
 * Must not touch: batches or operators themselves; the pipeline decides when rows are kept. */
#ifndef SLUICE_STATE_H
#define SLUICE_STATE_H

#include <string.h>

#include "../value/value.h"

/* What all the operators of a run (every worker's) may keep together ('pipeline.memory.limit').
 * Allocators reserve from it in steps of STATE_BUDGET_STEP, so they touch the shared counter
 * rarely; the reserved slack counts against the limit. */
typedef struct state_budget {
  size_t limit; /* 0: none */
  size_t used;  /* reserved by the allocators (atomic) */
} state_budget;
enum { STATE_BUDGET_STEP = 256 * 1024 };

/* A counted allocator: bytes in use, their peak, an optional limit of its own (0: none) and
 * the run's budget (NULL: none). */
typedef struct state_alloc {
  const char *owner; /* operator name, for messages */
  size_t bytes, peak, limit;
  state_budget *budget;
  size_t reserved; /* of the budget */
  uint8_t refused; /* why the last allocation failed: 1 its own limit, 2 the budget */
} state_alloc;

void state_alloc_init(state_alloc *a, const char *owner, size_t limit);
/* NULL when the limit would be exceeded (the caller fails the run naming the owner). */
void *state_malloc(state_alloc *a, size_t n);
void state_free(state_alloc *a, void *p, size_t n);

/* An arena whose chunks are counted in a state_alloc; freed in one go. */
typedef struct state_arena {
  state_alloc *alloc;
  struct state_chunk *head;
  char *p, *end;
  size_t chunk_size;
} state_arena;

void state_arena_init(state_arena *a, state_alloc *alloc, size_t chunk_size);
void *state_arena_alloc(state_arena *a, size_t n); /* NULL over the limit */
void state_arena_free(state_arena *a);             /* every chunk back to the allocator */

/* Bytes the strings of a row take (what state_keep_row copies besides the cells). */
size_t state_row_extra(const sl_value *row, const sl_type *types, int ncols);
/* Copies ncols cells of src to dst and their strings into `strings` (state_row_extra bytes),
 * so dst no longer points into the batch. */
void state_keep_row(sl_value *dst, const sl_value *src, const sl_type *types, int ncols,
                    char *strings);
/* The same, with the cells and strings in one block from the arena; NULL over the limit. */
sl_value *state_keep_row_arena(state_arena *a, const sl_value *src, const sl_type *types,
                               int ncols);
/* One block from the allocator: cells then strings; free it with state_free_row. */
sl_value *state_keep_row_alloc(state_alloc *a, const sl_value *src, const sl_type *types,
                               int ncols);
void state_free_row(state_alloc *a, sl_value *row, const sl_type *types, int ncols);

/* ---- keys: packed into normalized bytes, hashed once ----
 * Equal SQL values of one type pack to equal bytes (a NULL is a marker byte; -0.0 packs as 0.0
 * and every NaN alike; a DECIMAL by its unscaled value; strings with their length), so a key is
 * compared with memcmp and hashed once per row. state_key_unpack reads the values back (strings
 * point into the packed bytes). state_key_pack reads row[cols[i]] of type types[cols[i]] (types
 * are the row's column types), or with cols NULL the first n columns. */
void state_key_pack(const sl_value *row, const int *cols, const sl_type *types, int n, sl_buf *out);
/* Reads n values of the given types from a packed key; false when the bytes are malformed. */
bool state_key_unpack(const void *key, size_t len, const sl_type *types, int n, sl_value *out);
uint64_t state_hash(const void *p, size_t n);
/* Equality of two packed keys of length n, without a call for the short keys most maps have
 * (a packed BIGINT is 9 bytes: two overlapping 8-byte words). */
static inline bool state_key_eq(const void *a, const void *b, size_t n) {
  if (n < 8 || n > 16) return memcmp(a, b, n) == 0;
  uint64_t a0, b0, a1, b1;
  memcpy(&a0, a, 8);
  memcpy(&b0, b, 8);
  memcpy(&a1, (const char *)a + n - 8, 8);
  memcpy(&b1, (const char *)b + n - 8, 8);
  return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

/* A hash map from packed keys to fixed-size value blocks (an operator's per-key state), open
 * addressing, every byte counted in its state_alloc. Entries do not move while the map is not
 * grown, i.e. a pointer from find/upsert stays valid until the next upsert. */
typedef struct state_map {
  state_alloc *alloc;
  size_t val_size;
  struct state_entry **slots;
  size_t cap, n;
  state_arena *arena; /* NULL: one allocation per entry; else entries come from it */
} state_map;

typedef struct state_entry {
  uint64_t hash;
  uint32_t klen;
  int64_t touched; /* free for the owner: last access time for state TTL */
  /* then val_size bytes of value (8-aligned), then klen bytes of key */
} state_entry;

void state_map_init(state_map *m, state_alloc *alloc, size_t val_size);
void state_map_free(state_map *m); /* entries only: release what values point to first */
/* Entries of an empty map come from `a` from now on, for an owner that drops the whole map at
 * once: state_map_remove then only unlinks an entry, and state_map_free leaves the entries to
 * the arena (freed by its owner after the map). */
void state_map_use_arena(state_map *m, state_arena *a);
/* Room for n entries without a rebuild (a size hint; false over the memory limit). */
bool state_map_reserve(state_map *m, size_t n);
static inline void *state_entry_val(state_entry *e) { return (char *)(e + 1); }
const void *state_entry_key(const state_entry *e, const state_map *m);
state_entry *state_map_find(const state_map *m, const void *key, size_t klen, uint64_t hash);
/* Finds or inserts (value zeroed, *created true). NULL over the memory limit. */
state_entry *state_map_upsert(state_map *m, const void *key, size_t klen, uint64_t hash,
                              bool *created);
void state_map_remove(state_map *m, state_entry *e);
/* Batched probes hide memory latency: prefetch the slot a hash starts at for every key of a
 * batch first, then, a few keys ahead of state_map_find, the entry that slot holds. */
void state_map_prefetch(const state_map *m, uint64_t hash);
void state_map_prefetch_entry(const state_map *m, uint64_t hash);
/* Iteration: i starts at 0; NULL at the end. Removing the returned entry while iterating is
 * allowed. */
state_entry *state_map_next(const state_map *m, size_t *i);

/* ---- snapshots: the versioned byte stream every stateful operator writes and restores ----
 * An operator's snapshot is: a header (magic "SLST", format version, the operator kind and its
 * own version), then its records, then a CRC-32C of everything before it. Writers append with
 * state_put_*; readers check bounds on every read (a malformed or truncated stream is an error,
 * never a crash). */
#define STATE_FORMAT_VERSION 1
void state_put_header(sl_buf *b, const char *kind, uint32_t version);
void state_put_u64(sl_buf *b, uint64_t v);
void state_put_i64(sl_buf *b, int64_t v);
void state_put_bytes(sl_buf *b, const void *p, size_t n); /* length, then bytes */
void state_put_row(sl_buf *b, const sl_value *row, const sl_type *types, int n);
void state_put_end(sl_buf *b); /* the CRC */

typedef struct state_reader {
  const uint8_t *p, *end;
  bool bad;          /* a read went past the end or found a malformed value */
  sl_arena *strings; /* where state_get_row puts strings (NULL: point into the stream) */
} state_reader;
/* Checks magic, version, kind and the CRC; *version gets the operator's version. Declare the
 * reader zeroed (state_reader r = {0}): r.strings is read, never set, here. */
bool state_reader_open(state_reader *r, const void *p, size_t n, const char *kind,
                       uint32_t *version);
uint64_t state_get_u64(state_reader *r);
int64_t state_get_i64(state_reader *r);
const void *state_get_bytes(state_reader *r, size_t *n);
bool state_get_row(state_reader *r, sl_value *row, const sl_type *types, int n);

#endif
