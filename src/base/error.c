/* error.c - the status + error struct: setting messages with or without a source position and
 * printing them as file:line:column, the source line and a caret. Owns nothing else. */
#include <string.h>

#include "base.h"

sl_status err_set(sl_error *e, sl_status code, const char *fmt, ...) {
  va_list ap;
  e->code = code;
  e->src = NULL;
  e->has_pos = 0;
  e->hint[0] = 0;
  va_start(ap, fmt);
  vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  va_end(ap);
  return code;
}

sl_status err_at(sl_error *e, sl_status code, const sl_source *src, size_t off, const char *fmt,
                 ...) {
  va_list ap;
  e->code = code;
  e->src = src;
  e->off = off;
  e->has_pos = src != NULL;
  e->hint[0] = 0;
  va_start(ap, fmt);
  vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  va_end(ap);
  return code;
}

void err_hint(sl_error *e, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->hint, sizeof e->hint, fmt, ap);
  va_end(ap);
}

void src_linecol(const sl_source *src, size_t off, int *line, int *col) {
  int l = 1, c = 1;
  if (off > src->len) off = src->len;
  for (size_t i = 0; i < off; i++) {
    if (src->text[i] == '\n') {
      l++;
      c = 1;
    } else if ((src->text[i] & 0xC0) != 0x80) {
      c++; /* count characters, not UTF-8 continuation bytes */
    }
  }
  *line = l;
  *col = c;
}

void err_print(FILE *f, const sl_error *e) {
  if (!e->has_pos || !e->src) {
    fprintf(f, "error: %s\n", e->msg);
    if (e->hint[0]) fprintf(f, "  hint: %s\n", e->hint);
    return;
  }
  int line, col;
  src_linecol(e->src, e->off, &line, &col);
  fprintf(f, "%s:%d:%d: error: %s\n", e->src->name, line, col, e->msg);
  size_t start = e->off > e->src->len ? e->src->len : e->off;
  while (start > 0 && e->src->text[start - 1] != '\n') start--;
  size_t end = start;
  while (end < e->src->len && e->src->text[end] != '\n') end++;
  fprintf(f, "  %.*s\n  ", (int)(end - start), e->src->text + start);
  for (size_t i = start; i < start + (size_t)(col - 1) && i < end; i++) {
    char ch = e->src->text[i];
    if ((ch & 0xC0) == 0x80) continue;
    fputc(ch == '\t' ? '\t' : ' ', f);
  }
  fputs("^\n", f);
  if (e->hint[0]) fprintf(f, "  hint: %s\n", e->hint);
}

int err_exit_code(sl_status s) {
  switch (s) {
  case SL_OK: return 0;
  case SL_ESQL:
  case SL_EUSAGE: return 2;
  default: return 1;
  }
}
