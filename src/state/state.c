/* state.c - counted allocation for kept rows: the state_alloc byte counter with its peak and
 * limit, state arenas freed in one go, and copying a row's strings out of a batch.
 * Must not touch: batches being pushed (it only reads the row it is given). */
#include <stdlib.h>
#include <string.h>

#include "state.h"

typedef struct state_chunk {
  struct state_chunk *prev;
  size_t size;
  char data[];
} state_chunk;

void state_alloc_init(state_alloc *a, const char *owner, size_t limit) {
  memset(a, 0, sizeof *a);
  a->owner = owner;
  a->limit = limit;
}

/* Reserves room for `need` more bytes from the run's budget; false when it is spent. */
static bool reserve(state_alloc *a, size_t need) {
  state_budget *b = a->budget;
  size_t want = (need + STATE_BUDGET_STEP - 1) / STATE_BUDGET_STEP * STATE_BUDGET_STEP;
  size_t used = __atomic_add_fetch(&b->used, want, __ATOMIC_RELAXED);
  if (used > b->limit) {
    __atomic_sub_fetch(&b->used, want, __ATOMIC_RELAXED);
    return false;
  }
  a->reserved += want;
  return true;
}

void *state_malloc(state_alloc *a, size_t n) {
  if (a->limit && a->bytes + n > a->limit) {
    a->refused = 1;
    return NULL;
  }
  if (a->budget && a->budget->limit && a->bytes + n > a->reserved &&
      !reserve(a, a->bytes + n - a->reserved)) {
    a->refused = 2;
    return NULL;
  }
  void *p = xmalloc(n ? n : 1);
  a->bytes += n;
  if (a->bytes > a->peak) a->peak = a->bytes;
  return p;
}

void state_free(state_alloc *a, void *p, size_t n) {
  if (!p) return;
  a->bytes -= n;
  free(p);
  if (a->reserved > a->bytes + 4 * STATE_BUDGET_STEP) { /* give back all but one step */
    size_t give = (a->reserved - a->bytes - STATE_BUDGET_STEP) / STATE_BUDGET_STEP *
                  STATE_BUDGET_STEP;
    a->reserved -= give;
    __atomic_sub_fetch(&a->budget->used, give, __ATOMIC_RELAXED);
  }
}

void state_arena_init(state_arena *a, state_alloc *alloc, size_t chunk_size) {
  a->alloc = alloc;
  a->head = NULL;
  a->p = a->end = NULL;
  a->chunk_size = chunk_size ? chunk_size : 16 * 1024;
}

void *state_arena_alloc(state_arena *a, size_t n) {
  n = (n + 7) & ~(size_t)7;
  if ((size_t)(a->end - a->p) < n) {
    size_t sz = n > a->chunk_size / 2 ? n + 64 : a->chunk_size;
    state_chunk *c = state_malloc(a->alloc, sizeof *c + sz);
    if (!c) return NULL;
    c->prev = a->head;
    c->size = sz;
    a->head = c;
    a->p = c->data;
    a->end = c->data + sz;
  }
  void *r = a->p;
  a->p += n;
  return r;
}

void state_arena_free(state_arena *a) {
  while (a->head) {
    state_chunk *c = a->head;
    a->head = c->prev;
    state_free(a->alloc, c, sizeof *c + c->size);
  }
  a->p = a->end = NULL;
}

static bool has_string(const sl_value *v, sl_type t) {
  return t.id == T_STRING && !v->null && v->len > 0;
}

size_t state_row_extra(const sl_value *row, const sl_type *types, int ncols) {
  size_t n = 0;
  for (int i = 0; i < ncols; i++)
    if (has_string(&row[i], types[i])) n += row[i].len;
  return n;
}

void state_keep_row(sl_value *dst, const sl_value *src, const sl_type *types, int ncols,
                    char *strings) {
  for (int i = 0; i < ncols; i++) {
    dst[i] = src[i];
    if (has_string(&src[i], types[i])) {
      memcpy(strings, src[i].u.s, src[i].len);
      dst[i].u.s = strings;
      strings += src[i].len;
    }
  }
}

/* A kept row is one block: its cells, then its strings. */
static size_t row_bytes(const sl_value *row, const sl_type *types, int ncols) {
  return sizeof(sl_value) * (size_t)ncols + state_row_extra(row, types, ncols);
}

static sl_value *keep_in(sl_value *block, const sl_value *src, const sl_type *types, int ncols) {
  if (block) state_keep_row(block, src, types, ncols, (char *)(block + ncols));
  return block;
}

sl_value *state_keep_row_arena(state_arena *a, const sl_value *src, const sl_type *types,
                               int ncols) {
  return keep_in(state_arena_alloc(a, row_bytes(src, types, ncols)), src, types, ncols);
}

sl_value *state_keep_row_alloc(state_alloc *a, const sl_value *src, const sl_type *types,
                               int ncols) {
  return keep_in(state_malloc(a, row_bytes(src, types, ncols)), src, types, ncols);
}

void state_free_row(state_alloc *a, sl_value *row, const sl_type *types, int ncols) {
  if (row) state_free(a, row, row_bytes(row, types, ncols));
}
