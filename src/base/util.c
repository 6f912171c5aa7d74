/* util.c - growable buffers, checked allocation, case-insensitive string helpers, "did you
 * mean" suggestions, whole-file reads and clocks. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base.h"

void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) {
    fputs("sluice: out of memory\n", stderr);
    abort();
  }
  return p;
}

void *xcalloc(size_t n, size_t m) {
  void *p = calloc(n ? n : 1, m ? m : 1);
  if (!p) {
    fputs("sluice: out of memory\n", stderr);
    abort();
  }
  return p;
}

void *xrealloc(void *p, size_t n) {
  p = realloc(p, n ? n : 1);
  if (!p) {
    fputs("sluice: out of memory\n", stderr);
    abort();
  }
  return p;
}

char *xstrdup(const char *s) {
  size_t n = strlen(s);
  char *r = xmalloc(n + 1);
  memcpy(r, s, n + 1);
  return r;
}

char *xstrndup(const char *s, size_t n) {
  size_t len = strnlen(s, n);
  char *p = xmalloc(len + 1);
  memcpy(p, s, len);
  p[len] = 0;
  return p;
}

void buf_reserve(sl_buf *b, size_t extra) {
  if (b->len + extra + 1 <= b->cap) return;
  size_t nc = b->cap ? b->cap * 2 : 256;
  while (nc < b->len + extra + 1) nc *= 2;
  b->data = xrealloc(b->data, nc);
  b->cap = nc;
}

void buf_put(sl_buf *b, const void *p, size_t n) {
  if (!n) return; /* p may be NULL then */
  buf_reserve(b, n);
  memcpy(b->data + b->len, p, n);
  b->len += n;
}

void buf_puts(sl_buf *b, const char *s) { buf_put(b, s, strlen(s)); }

void buf_putc(sl_buf *b, char c) { buf_putc_fast(b, c); }

void buf_vprintf(sl_buf *b, const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap);
  buf_reserve(b, (size_t)n + 1);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
  va_end(ap2);
  b->len += (size_t)n;
}

void buf_printf(sl_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  buf_vprintf(b, fmt, ap);
  va_end(ap);
}

const char *buf_cstr(sl_buf *b) {
  buf_reserve(b, 1);
  b->data[b->len] = 0;
  return b->data;
}

void buf_free(sl_buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

bool str_ieq(const char *a, const char *b) {
  for (; *a && *b; a++, b++)
    if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return false;
  return *a == *b;
}

bool str_nieq(const char *a, size_t an, const char *b) {
  size_t i = 0;
  for (; i < an && b[i]; i++)
    if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i])) return false;
  return i == an && b[i] == 0;
}

/* Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
 * neighbours (the commonest typo) each cost 1; case is ignored. */
int str_edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 64 || lb > 64) return 99;
  int d[65][65];
  for (size_t i = 0; i <= la; i++) d[i][0] = (int)i;
  for (size_t j = 0; j <= lb; j++) d[0][j] = (int)j;
  for (size_t i = 1; i <= la; i++)
    for (size_t j = 1; j <= lb; j++) {
      int ca = tolower((unsigned char)a[i - 1]), cb = tolower((unsigned char)b[j - 1]);
      int best = d[i - 1][j - 1] + (ca != cb);
      if (d[i - 1][j] + 1 < best) best = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < best) best = d[i][j - 1] + 1;
      if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
          tolower((unsigned char)a[i - 2]) == cb && d[i - 2][j - 2] + 1 < best)
        best = d[i - 2][j - 2] + 1;
      d[i][j] = best;
    }
  return d[la][lb];
}

const char *str_closest(const char *s, const char *const *names, int n) {
  const char *best = NULL;
  int bestd = 1 << 30;
  for (int i = 0; i < n; i++) {
    int d = str_edit_distance(s, names[i]);
    if (d < bestd) {
      bestd = d;
      best = names[i];
    }
  }
  size_t len = strlen(s);
  int limit = len <= 3 ? 1 : len <= 6 ? 2 : 3;
  return bestd <= limit ? best : NULL;
}

char *file_read_all(const char *path, size_t *len, sl_error *e) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    err_set(e, SL_ERUNTIME, "cannot open '%s': %s", path, strerror(errno));
    return NULL;
  }
  sl_buf b = {0};
  char tmp[65536];
  size_t n;
  while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) buf_put(&b, tmp, n);
  int bad = ferror(f);
  fclose(f);
  if (bad) {
    buf_free(&b);
    err_set(e, SL_ERUNTIME, "cannot read '%s'", path);
    return NULL;
  }
  buf_cstr(&b);
  *len = b.len;
  return b.data;
}

double clock_cpu_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double clock_wall_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
