/* arena.c - bump allocation in chunks, reset in O(chunks). Used per batch (strings a decoder
 * or an expression makes) and per compile (AST, catalog, plan). Never frees single objects. */
#include <stdlib.h>
#include <string.h>

#include "base.h"

struct sl_arena_chunk {
  sl_arena_chunk *prev;
  size_t size;
  char data[];
};

void arena_init(sl_arena *a, size_t chunk_size) {
  a->head = NULL;
  a->p = a->end = NULL;
  a->chunk_size = chunk_size ? chunk_size : 64 * 1024;
}

static void arena_grow(sl_arena *a, size_t n) {
  size_t sz = a->chunk_size;
  if (n > sz / 2) sz = n + 64;
  sl_arena_chunk *c = xmalloc(sizeof *c + sz);
  c->prev = a->head;
  c->size = sz;
  a->head = c;
  a->p = c->data;
  a->end = c->data + sz;
}

void *arena_alloc(sl_arena *a, size_t n) {
  n = (n + 7) & ~(size_t)7;
  if ((size_t)(a->end - a->p) < n) arena_grow(a, n);
  void *r = a->p;
  a->p += n;
  return r;
}

void *arena_zalloc(sl_arena *a, size_t n) {
  void *p = arena_alloc(a, n);
  memset(p, 0, n);
  return p;
}

char *arena_strndup(sl_arena *a, const char *s, size_t n) {
  char *r = arena_alloc(a, n + 1);
  memcpy(r, s, n);
  r[n] = 0;
  return r;
}

char *arena_strdup(sl_arena *a, const char *s) { return arena_strndup(a, s, strlen(s)); }

char *arena_printf(sl_arena *a, const char *fmt, ...) {
  va_list ap, ap2;
  va_start(ap, fmt);
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  char *r = arena_alloc(a, (size_t)n + 1);
  vsnprintf(r, (size_t)n + 1, fmt, ap2);
  va_end(ap2);
  return r;
}

void arena_reset(sl_arena *a) {
  if (!a->head) return;
  while (a->head->prev) {
    sl_arena_chunk *p = a->head->prev;
    free(a->head);
    a->head = p;
  }
  a->p = a->head->data;
  a->end = a->head->data + a->head->size;
}

void arena_free(sl_arena *a) {
  while (a->head) {
    sl_arena_chunk *p = a->head->prev;
    free(a->head);
    a->head = p;
  }
  a->p = a->end = NULL;
}
