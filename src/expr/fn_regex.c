/* fn_regex.c - regular expression functions (REGEXP, REGEXP_EXTRACT, REGEXP_REPLACE) on PCRE2
 * in UTF + UCP mode, and their per-node state.
 *
 * Syntax is Java's as far as PCRE2 allows: Perl-style classes, groups, lookaround, possessive
 * quantifiers, \Q..\E, \uhhhh (rewritten to \x{h..}) and \x{h..} escapes; `.` stops at every
 * Unicode line terminator as Java's does. Subjects are matched as characters, never as bytes;
 * invalid UTF-8 in a subject never matches (PCRE2_MATCH_INVALID_UTF) and is written out as U+FFFD,
 * so results are always valid UTF-8.
 *
 * State (regex_aux, made by expr_prepare through fn_regex_prepare, freed by fn_regex_free): a
 * literal pattern is compiled once; a computed one keeps the last compiled pattern. The match
 * data lives in the aux, so it belongs to one operator instance (each instance prepares its own
 * copy of the trees; expr_substitute never copies aux). Without an aux (a tree that was not
 * prepared) every call compiles and frees its own.
 * Must not touch: rows, batches, operators, the SQL front end (src/sql). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "fn.h"

#define RX_MATCH_LIMIT 2000000u /* backtracking steps per match: a row error beyond */
#define RX_DEPTH_LIMIT 20000u
#define RX_HEAP_LIMIT 65536u /* KiB */

typedef struct rx {
  pcre2_code *code;
  pcre2_match_data *md;
  pcre2_match_context *mctx;
  uint32_t ngroups;
} rx;

typedef struct regex_aux {
  rx re;        /* the literal's pattern, or the last computed one */
  bool literal; /* re is the literal's and never changes */
  bool have;    /* a computed pattern has been compiled (or failed to) */
  char *last;   /* text of that computed pattern */
  size_t lastlen;
  char err[200]; /* why it failed; empty when re.code is usable */
} regex_aux;

static void rx_free(rx *r) {
  if (r->md) pcre2_match_data_free(r->md);
  if (r->mctx) pcre2_match_context_free(r->mctx);
  if (r->code) pcre2_code_free(r->code);
  memset(r, 0, sizeof *r);
}

static int hexval(char c) {
  return c >= '0' && c <= '9'   ? c - '0'
         : c >= 'a' && c <= 'f' ? c - 'a' + 10
         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                : -1;
}
/* Java's \uhhhh escape at p[i] (p[i] is the backslash): the value, or -1 when it is not one. */
static int32_t java_u(const char *p, size_t n, size_t i) {
  if (i + 6 > n || p[i + 1] != 'u') return -1;
  int32_t v = 0;
  for (size_t k = i + 2; k < i + 6; k++) {
    int h = hexval(p[k]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}
/* PCRE2 knows \x{h..} but not Java's \uhhhh: rewritten (a surrogate pair as one code point),
 * except inside \Q...\E. NULL when the pattern has none. */
static char *java_escapes(const char *p, size_t n) {
  if (!memmem(p, n, "\\u", 2)) return NULL;
  sl_buf b = {0};
  bool quoted = false;
  for (size_t i = 0; i < n; i++) {
    if (p[i] != '\\' || i + 1 >= n) {
      buf_putc(&b, p[i]);
      continue;
    }
    char c = p[i + 1];
    int32_t v;
    if (quoted) {
      if (c == 'E') quoted = false;
    } else if (c == 'Q') {
      quoted = true;
    } else if ((v = java_u(p, n, i)) >= 0) {
      int32_t lo = java_u(p, n, i + 6);
      if (v >= 0xD800 && v <= 0xDBFF && lo >= 0xDC00 && lo <= 0xDFFF) {
        v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
        i += 6;
      }
      buf_printf(&b, "\\x{%X}", (unsigned)v);
      i += 5;
      continue;
    }
    buf_putc(&b, '\\');
    buf_putc(&b, c);
    i++;
  }
  char *r = xstrdup(buf_cstr(&b));
  buf_free(&b);
  return r;
}

/* Compiles pattern p into r; on failure r is empty and err says why. */
static bool rx_compile(rx *r, const char *p, size_t n, char *err, size_t errn) {
  memset(r, 0, sizeof *r);
  char *java = java_escapes(p, n);
  pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
  if (!cc) {
    free(java);
    snprintf(err, errn, "out of memory compiling a regular expression");
    return false;
  }
  pcre2_set_newline(cc, PCRE2_NEWLINE_ANY); /* Java's line terminators for . ^ $ */
  int ec = 0;
  PCRE2_SIZE eo = 0;
  r->code = pcre2_compile((PCRE2_SPTR)(java ? java
                                       : n  ? p
                                            : ""),
                          java ? strlen(java) : n, PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF,
                          &ec, &eo, cc);
  pcre2_compile_context_free(cc);
  free(java);
  if (!r->code) {
    PCRE2_UCHAR msg[160];
    if (pcre2_get_error_message(ec, msg, sizeof msg) < 0) strcpy((char *)msg, "bad pattern");
    int shown = n > 60 ? 60 : (int)n;
    snprintf(err, errn, "invalid regular expression '%.*s%s': %s at character %zu", shown, p,
             n > 60 ? "..." : "", (const char *)msg, (size_t)eo + 1);
    return false;
  }
  pcre2_jit_compile(r->code, PCRE2_JIT_COMPLETE); /* best effort; the interpreter otherwise */
  pcre2_pattern_info(r->code, PCRE2_INFO_CAPTURECOUNT, &r->ngroups);
  r->md = pcre2_match_data_create_from_pattern(r->code, NULL);
  r->mctx = pcre2_match_context_create(NULL);
  if (!r->md || !r->mctx) {
    rx_free(r);
    snprintf(err, errn, "out of memory compiling a regular expression");
    return false;
  }
  pcre2_set_match_limit(r->mctx, RX_MATCH_LIMIT);
  pcre2_set_depth_limit(r->mctx, RX_DEPTH_LIMIT);
  pcre2_set_heap_limit(r->mctx, RX_HEAP_LIMIT);
  return true;
}

void *fn_regex_prepare(const sl_expr *call, const char **err, sl_arena *a) {
  regex_aux *ra = xcalloc(1, sizeof *ra);
  const sl_expr *pat = call->args[1];
  if (pat->kind == E_LIT && !pat->lit.null) {
    ra->literal = true;
    if (!rx_compile(&ra->re, pat->lit.u.s, pat->lit.len, ra->err, sizeof ra->err))
      *err = a ? arena_strndup(a, ra->err, strlen(ra->err)) : "invalid regular expression";
  }
  return ra;
}

void fn_regex_free(void *aux) {
  regex_aux *ra = aux;
  if (!ra) return;
  rx_free(&ra->re);
  free(ra->last);
  free(ra);
}

/* The compiled pattern for this row: the literal's, the cached computed one, or (no aux) a
 * fresh one in *tmp that the caller frees. NULL with ctx->errmsg set when it does not compile. */
static rx *rx_for(const sl_expr *call, const sl_value *pat, rx *tmp, expr_ctx *ctx) {
  regex_aux *ra = call->aux;
  if (!ra) {
    if (rx_compile(tmp, pat->u.s, pat->len, ctx->errmsg, sizeof ctx->errmsg)) return tmp;
    return NULL;
  }
  if (!ra->literal &&
      (!ra->have || ra->lastlen != pat->len || memcmp(ra->last, pat->u.s, pat->len) != 0)) {
    rx_free(&ra->re);
    free(ra->last);
    ra->last = xmalloc(pat->len + 1);
    if (pat->len) memcpy(ra->last, pat->u.s, pat->len);
    ra->lastlen = pat->len;
    ra->have = true;
    ra->err[0] = 0;
    rx_compile(&ra->re, pat->u.s, pat->len, ra->err, sizeof ra->err);
  }
  if (!ra->re.code) {
    snprintf(ctx->errmsg, sizeof ctx->errmsg, "%s",
             ra->err[0] ? ra->err : "invalid regular expression");
    return NULL;
  }
  return &ra->re;
}
static void rx_done(rx *r, rx *tmp) {
  if (r == tmp) rx_free(tmp);
}

/* One search from byte offset `from`: 1 match, 0 none, -1 row error (message in ctx). */
static int rx_find(rx *r, const char *s, size_t n, size_t from, expr_ctx *ctx) {
  int rc = pcre2_match(r->code, (PCRE2_SPTR)(n ? s : ""), n, from, 0, r->md, r->mctx);
  if (rc >= 0) return 1;
  if (rc == PCRE2_ERROR_NOMATCH) return 0;
  PCRE2_UCHAR msg[120];
  if (pcre2_get_error_message(rc, msg, sizeof msg) < 0) strcpy((char *)msg, "match failed");
  snprintf(ctx->errmsg, sizeof ctx->errmsg, "regular expression: %s", (const char *)msg);
  return -1;
}

/* Appends s[0..n) with every invalid UTF-8 sequence replaced by U+FFFD. */
static void put_utf8(sl_buf *b, const char *s, size_t n) {
  size_t i = 0, run = 0;
  while (i < n) {
    utf8proc_int32_t cp;
    utf8proc_ssize_t k =
        utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &cp);
    if (k > 0) {
      i += (size_t)k;
      continue;
    }
    buf_put(b, s + run, i - run);
    buf_puts(b, "\xEF\xBF\xBD");
    i++;
    while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80) i++; /* the rest of the bad sequence */
    run = i;
  }
  buf_put(b, s + run, n - run);
}

/* Byte offset of the character after the one at i (one byte when it is not valid UTF-8). */
static size_t next_char(const char *s, size_t n, size_t i) {
  i++;
  while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80) i++;
  return i;
}

sl_status f_regexp(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  if (v[1].len == 0) { /* Flink: an empty pattern matches nothing */
    *out = value_int(0);
    return SL_OK;
  }
  rx tmp, *r = rx_for(call, &v[1], &tmp, ctx);
  if (!r) return SL_EDATA;
  int m = rx_find(r, v[0].u.s, v[0].len, 0, ctx);
  rx_done(r, &tmp);
  if (m < 0) return SL_EDATA;
  *out = value_int(m);
  return SL_OK;
}

sl_status f_regexp_extract(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  rx tmp, *r = rx_for(call, &v[1], &tmp, ctx);
  if (!r) return SL_EDATA;
  int64_t idx = call->nargs > 2 ? v[2].u.i : 0;
  *out = value_null();
  int m = rx_find(r, v[0].u.s, v[0].len, 0, ctx);
  if (m > 0 && idx >= 0 && idx <= (int64_t)r->ngroups) {
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(r->md);
    if (ov[2 * idx] != PCRE2_UNSET) /* a group that took no part: NULL, as Java's group() */
      *out = value_str(v[0].u.s + ov[2 * idx], ov[2 * idx + 1] - ov[2 * idx]);
  }
  rx_done(r, &tmp);
  return m < 0 ? SL_EDATA : SL_OK;
}

/* Java's Matcher.appendReplacement: $n (as many digits as still name a group), ${name}, \c a
 * literal c. Returns false where Java throws (Flink then yields NULL). */
static bool put_replacement(sl_buf *b, rx *r, const char *s, const sl_value *rep) {
  PCRE2_SIZE *ov = pcre2_get_ovector_pointer(r->md);
  const char *p = rep->u.s;
  size_t n = rep->len;
  for (size_t i = 0; i < n; i++) {
    char c = p[i];
    if (c == '\\') {
      if (++i >= n) return false;
      buf_putc(b, p[i]);
    } else if (c == '$') {
      if (++i >= n) return false;
      uint32_t g;
      if (p[i] == '{') {
        size_t e = i + 1;
        while (e < n && p[e] != '}') e++;
        if (e >= n || e == i + 1) return false;
        char name[64];
        if (e - i - 1 >= sizeof name) return false;
        memcpy(name, p + i + 1, e - i - 1);
        name[e - i - 1] = 0;
        int num = pcre2_substring_number_from_name(r->code, (PCRE2_SPTR)name);
        if (num < 0) return false;
        g = (uint32_t)num;
        i = e;
      } else {
        if (p[i] < '0' || p[i] > '9') return false;
        g = (uint32_t)(p[i] - '0');
        if (g > r->ngroups) return false;
        while (i + 1 < n && p[i + 1] >= '0' && p[i + 1] <= '9' &&
               g * 10 + (uint32_t)(p[i + 1] - '0') <= r->ngroups)
          g = g * 10 + (uint32_t)(p[++i] - '0');
      }
      if (ov[2 * g] != PCRE2_UNSET) buf_put(b, s + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
    } else {
      buf_putc(b, c);
    }
  }
  return true;
}

sl_status f_regexp_replace(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  rx tmp, *r = rx_for(call, &v[1], &tmp, ctx);
  if (!r) return SL_EDATA;
  const char *s = v[0].u.s;
  size_t n = v[0].len, pos = 0, copied = 0;
  sl_buf local = {0}, *b = fn_scratch(ctx, &local);
  sl_status st = SL_OK;
  bool ok = true;
  /* Java's replaceAll: after an empty match the next search starts one character later */
  while (pos <= n) {
    int m = rx_find(r, s, n, pos, ctx);
    if (m < 0) st = SL_EDATA;
    if (m <= 0) break;
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(r->md);
    size_t ms = ov[0], me = ov[1];
    put_utf8(b, s + copied, ms - copied);
    if (!(ok = put_replacement(b, r, s, &v[2]))) break;
    copied = me;
    if (me == ms) {
      if (me >= n) break;
      pos = next_char(s, n, me);
    } else {
      pos = me;
    }
  }
  if (st == SL_OK && ok) {
    put_utf8(b, s + copied, n - copied);
    *out = fn_done(ctx, b, &local);
  } else {
    *out = value_null();
    if (b == &local) buf_free(&local);
  }
  rx_done(r, &tmp);
  return st;
}
