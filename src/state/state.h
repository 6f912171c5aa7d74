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

#include "../value/value.h"

/* A counted allocator: bytes in use, their peak and an optional limit (0: none). */
typedef struct state_alloc {
  const char *owner; /* operator name, for messages */
  size_t bytes, peak, limit;
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

#endif
