/* fn_string.c - string functions: TRIM, SUBSTRING, CONCAT, REPLACE, POSITION,
 * SPLIT_INDEX, LIKE (case mapping: fn_case.c). Strings are UTF-8; positions and lengths count
 * characters. Must not touch: rows, batches, operators, the SQL front end (src/sql). */
#include <string.h>

#include "fn.h"

/* ---- string functions ---- */

/* Whether the character s[i..i+k) is one of `chars` (a set of characters; NULL: a space). */
static bool in_set(const char *s, size_t k, const sl_value *chars) {
  if (!chars) return k == 1 && s[0] == ' ';
  for (size_t j = 0; j < chars->len;) {
    size_t cl = fn_utf8_offset(chars->u.s + j, chars->len - j, 1);
    if (cl == k && !memcmp(chars->u.s + j, s, k)) return true;
    j += cl;
  }
  return false;
}
/* Byte length of the character that ends at s[e) (e > 0). */
static size_t last_char_len(const char *s, size_t e) {
  size_t b = e - 1;
  while (b > 0 && e - b < 4 && ((unsigned char)s[b] & 0xC0) == 0x80) b--;
  return e - b;
}
sl_status f_trim(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  const sl_value *chars = call->nargs > 1 ? &v[1] : NULL;
  char kind = call->fn->name[0]; /* T, L, R */
  const char *s = v[0].u.s;
  size_t b = 0, e = v[0].len;
  while (kind != 'R' && b < e) {
    size_t k = fn_utf8_offset(s + b, e - b, 1);
    if (!in_set(s + b, k, chars)) break;
    b += k;
  }
  while (kind != 'L' && e > b) {
    size_t k = last_char_len(s + b, e - b);
    if (!in_set(s + e - k, k, chars)) break;
    e -= k;
  }
  *out = value_str(s + b, e - b);
  return SL_OK;
}

/* Flink's BinaryStringDataUtil.substringSQL, counting characters: start > 0 is 1-based, start
 * < 0 counts from the end (before the first character: empty), 0 is the first character; a
 * negative length gives NULL; start or length beyond INT gives NULL (Flink's arguments are INT). */
sl_status f_substring(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  int64_t pos = v[1].u.i, n = call->nargs > 2 ? v[2].u.i : INT32_MAX;
  if (n < 0 || n > INT32_MAX || pos > INT32_MAX || pos < INT32_MIN) {
    *out = value_null();
    return SL_OK;
  }
  int64_t len = fn_utf8_len(v[0].u.s, v[0].len);
  int64_t from = pos > 0 ? pos - 1 : pos < 0 ? len + pos : 0;
  if (from < 0 || from >= len || n == 0) {
    *out = value_str(v[0].u.s, 0);
    return SL_OK;
  }
  size_t b = fn_utf8_offset(v[0].u.s, v[0].len, from);
  size_t e = n >= len - from ? v[0].len : b + fn_utf8_offset(v[0].u.s + b, v[0].len - b, n);
  *out = value_str(v[0].u.s + b, e - b);
  return SL_OK;
}

sl_status f_concat(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  size_t n = 0;
  for (int i = 0; i < call->nargs; i++) n += v[i].len;
  char *r = arena_alloc(ctx->arena, n + 1), *p = r;
  for (int i = 0; i < call->nargs; i++) {
    if (v[i].len) memcpy(p, v[i].u.s, v[i].len);
    p += v[i].len;
  }
  *out = value_str(r, n);
  return SL_OK;
}

sl_status f_concat_ws(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  if (v[0].null) {
    *out = value_null();
    return SL_OK;
  }
  sl_buf local = {0}, *b = fn_scratch(ctx, &local);
  bool first = true;
  for (int i = 1; i < call->nargs; i++) {
    if (v[i].null) continue;
    if (!first) buf_put(b, v[0].u.s, v[0].len);
    buf_put(b, v[i].u.s, v[i].len);
    first = false;
  }
  *out = fn_done(ctx, b, &local);
  return SL_OK;
}

sl_status f_char_length(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  *out = value_int(fn_utf8_len(v[0].u.s, v[0].len));
  return SL_OK;
}

/* count_char(s, c) as Nexmark's CountChar UDF: the number of bytes of s equal to the first
 * byte of c; 0 when s is NULL (the UDF's rule), NULL when c is NULL or empty. */
sl_status f_count_char(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  (void)call, (void)ctx;
  if (v[1].null || v[1].len == 0) {
    *out = value_null();
    return SL_OK;
  }
  int64_t n = 0;
  if (!v[0].null) {
    const char *s = v[0].u.s, *e = s + v[0].len;
    char c = v[1].u.s[0];
    while ((s = memchr(s, c, (size_t)(e - s))) != NULL) {
      n++;
      s++;
    }
  }
  *out = value_int(n);
  return SL_OK;
}

static const char *find(const char *h, size_t hn, const char *nd, size_t nn) {
  if (nn == 0) return h;
  if (nn > hn) return NULL;
  return memmem(h, hn, nd, nn);
}

sl_status f_replace(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  if (v[1].len == 0) {
    *out = v[0];
    return SL_OK;
  }
  sl_buf local = {0}, *b = fn_scratch(ctx, &local);
  const char *s = v[0].u.s, *end = s + v[0].len;
  while (s < end) {
    const char *m = find(s, (size_t)(end - s), v[1].u.s, v[1].len);
    if (!m) break;
    buf_put(b, s, (size_t)(m - s));
    buf_put(b, v[2].u.s, v[2].len);
    s = m + v[1].len;
  }
  buf_put(b, s, (size_t)(end - s));
  *out = fn_done(ctx, b, &local);
  return SL_OK;
}

sl_status f_position(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  const char *m = find(v[1].u.s, v[1].len, v[0].u.s, v[0].len);
  *out = value_int(m ? fn_utf8_len(v[1].u.s, (size_t)(m - v[1].u.s)) + 1 : 0);
  return SL_OK;
}

sl_status f_split_index(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  int64_t idx = v[2].u.i;
  if (idx < 0 || v[1].len == 0) {
    *out = value_null();
    return SL_OK;
  }
  const char *s = v[0].u.s, *end = s + v[0].len;
  for (int64_t k = 0;; k++) {
    const char *m = find(s, (size_t)(end - s), v[1].u.s, v[1].len);
    if (k == idx) {
      *out = value_str(s, (size_t)((m ? m : end) - s));
      return SL_OK;
    }
    if (!m) break;
    s = m + v[1].len;
  }
  *out = value_null();
  return SL_OK;
}

/* LIKE with % and _ (UTF-8 aware) and an optional escape character. */
static bool like_match(const char *s, size_t sn, const char *p, size_t pn, int esc) {
  size_t si = 0, pi = 0, star_p = (size_t)-1, star_s = 0;
  while (si < sn) {
    if (pi < pn) {
      char c = p[pi];
      if (esc >= 0 && c == (char)esc && pi + 1 < pn) {
        if (s[si] == p[pi + 1]) {
          si++;
          pi += 2;
          continue;
        }
      } else if (c == '%') {
        star_p = ++pi;
        star_s = si;
        continue;
      } else if (c == '_') {
        si++;
        while (si < sn && ((unsigned char)s[si] & 0xC0) == 0x80) si++;
        pi++;
        continue;
      } else if (c == s[si]) {
        si++;
        pi++;
        continue;
      }
    }
    if (star_p == (size_t)-1) return false;
    pi = star_p;
    si = ++star_s;
  }
  while (pi < pn && p[pi] == '%') pi++;
  return pi == pn;
}

sl_status f_like(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  int esc = -1;
  if (call->nargs > 2) {
    if (v[2].len != 1) return fn_fail(ctx, "the LIKE escape must be a single character");
    esc = (unsigned char)v[2].u.s[0];
  }
  *out = value_int(like_match(v[0].u.s, v[0].len, v[1].u.s, v[1].len, esc));
  return SL_OK;
}
