/* base.h - the foundation every other subsystem uses: status codes and the one error struct,
 * arenas, growable byte buffers, and small string helpers.
 *
 * Ownership rule (written once, here): memory handed out by an arena lives until that arena is
 * reset or freed; nothing allocated from an arena is ever passed to free(). A sl_buf owns its
 * bytes. A sl_error never owns the text it points at except its own msg/hint arrays.
 * Must not touch: anything SQL-, row- or connector-specific. */
#ifndef SLUICE_BASE_H
#define SLUICE_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SLUICE_VERSION "0.1.0"

/* ---- status + error -------------------------------------------------------------------- */

typedef enum sl_status {
  SL_OK = 0,
  SL_ESQL,      /* the pipeline text is wrong: exit 2 */
  SL_EUSAGE,    /* the command line or an option is wrong: exit 2 */
  SL_ERUNTIME,  /* I/O or a failure while running: exit 1 */
  SL_EDATA,     /* one record could not be decoded or converted */
  SL_EINTERNAL, /* a bug: exit 1 */
} sl_status;

/* A text that positions refer to: a pipeline file or an expression string. */
typedef struct sl_source {
  const char *name; /* file name shown in messages */
  const char *text; /* whole text, NUL-terminated */
  size_t len;
} sl_source;

typedef struct sl_error {
  sl_status code;
  const sl_source *src; /* when set, off is a byte offset into src->text */
  size_t off;
  int has_pos;
  char msg[768];
  char hint[1024]; /* optional second line, e.g. "did you mean 'amount'?" */
} sl_error;

sl_status err_set(sl_error *e, sl_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
sl_status err_at(sl_error *e, sl_status code, const sl_source *src, size_t off, const char *fmt,
                 ...) __attribute__((format(printf, 5, 6)));
void err_hint(sl_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* file:line:column: error: message, then the source line and a caret under the column. */
void err_print(FILE *f, const sl_error *e);
int err_exit_code(sl_status s);
/* 1-based line and column of a byte offset. */
void src_linecol(const sl_source *src, size_t off, int *line, int *col);

/* ---- arena ----------------------------------------------------------------------------- */

typedef struct sl_arena_chunk sl_arena_chunk;
typedef struct sl_arena {
  sl_arena_chunk *head; /* current chunk (newest) */
  char *p, *end;        /* free space of the current chunk */
  size_t chunk_size;
} sl_arena;

void arena_init(sl_arena *a, size_t chunk_size);
void *arena_alloc(sl_arena *a, size_t n); /* 8-byte aligned, never NULL (aborts on OOM) */
void *arena_zalloc(sl_arena *a, size_t n);
char *arena_strndup(sl_arena *a, const char *s, size_t n);
char *arena_strdup(sl_arena *a, const char *s);
char *arena_printf(sl_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void arena_reset(sl_arena *a); /* frees all but the first chunk and rewinds */
void arena_free(sl_arena *a);

/* ---- growable buffer ------------------------------------------------------------------- */

typedef struct sl_buf {
  char *data;
  size_t len, cap;
} sl_buf;

void buf_reserve(sl_buf *b, size_t extra);
void buf_put(sl_buf *b, const void *p, size_t n);
void buf_puts(sl_buf *b, const char *s);
void buf_putc(sl_buf *b, char c);
void buf_printf(sl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(sl_buf *b, const char *fmt, va_list ap);
const char *buf_cstr(sl_buf *b); /* NUL-terminates (not counted in len) */
void buf_free(sl_buf *b);
static inline void buf_putc_fast(sl_buf *b, char c) {
  if (b->len + 1 >= b->cap) buf_reserve(b, 1);
  b->data[b->len++] = c;
}

/* ---- small helpers --------------------------------------------------------------------- */

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n); /* at most n bytes, NUL-terminated */
bool str_ieq(const char *a, const char *b);
bool str_nieq(const char *a, size_t an, const char *b); /* a[0..an) vs NUL-terminated b */
int str_edit_distance(const char *a, const char *b);    /* case-insensitive Levenshtein */
/* Closest of names[0..n) to s, or NULL when nothing is close enough to suggest. */
const char *str_closest(const char *s, const char *const *names, int n);
/* Reads a whole file; returns NULL and sets e on failure. Caller frees. */
char *file_read_all(const char *path, size_t *len, sl_error *e);
double clock_cpu_seconds(void);
double clock_wall_seconds(void);

#endif
