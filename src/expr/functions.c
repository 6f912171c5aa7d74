/* functions.c - the scalar function table: name, arity, type check, evaluation and the docs
 * line (signature, description, an example expression and its printed result; the docs tests
 * run every example). To add a function: write a check (or reuse one), an eval, and one row in
 * fn_defs[]. Also here: LIKE matching and Java-style date patterns (DATE_FORMAT, TO_TIMESTAMP).
 * Must not touch: rows, batches or operators. */
#include <ctype.h>
#include <math.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../sql/sql.h"
#include "expr.h"

#define A(i) (call->args[i]->type)

static sl_value str_out(expr_ctx *ctx, const char *s, size_t n) {
  char *r = arena_alloc(ctx->arena, n + 1);
  if (n) memcpy(r, s, n);
  r[n] = 0;
  return value_str(r, n);
}

/* Text a function builds goes through the operator's scratch buffer (no heap allocation per
 * row) and is then copied into the batch arena by done(). */
static sl_buf *scratch(expr_ctx *ctx, sl_buf *local) {
  sl_buf *b = ctx->scratch ? ctx->scratch : local;
  b->len = 0;
  return b;
}
static sl_value done(expr_ctx *ctx, sl_buf *b, sl_buf *local) {
  sl_value v = str_out(ctx, b->data ? b->data : "", b->len);
  if (b == local) buf_free(local);
  return v;
}

static sl_status fail(expr_ctx *ctx, const char *msg) {
  snprintf(ctx->errmsg, sizeof ctx->errmsg, "%s", msg);
  return SL_EDATA;
}

/* UTF-8: byte offset of the k-th (0-based) character, or n when past the end. */
static size_t utf8_offset(const char *s, size_t n, int64_t k) {
  size_t i = 0;
  while (i < n && k > 0) {
    i++;
    while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80) i++;
    k--;
  }
  return i;
}
static int64_t utf8_len(const char *s, size_t n) {
  int64_t c = 0;
  for (size_t i = 0; i < n; i++) c += ((unsigned char)s[i] & 0xC0) != 0x80;
  return c;
}

/* ---- type checks ---- */

static const char *need(sl_expr *call, int i, bool ok, const char *what, sl_arena *a) {
  if (ok) return NULL;
  char tn[48];
  return arena_printf(a, "argument %d of %s must be %s, not %s", i + 1, call->fn->name, what,
                      type_name(A(i), tn, sizeof tn));
}
static bool is_str(sl_type t) { return t.id == T_STRING || t.id == T_NULL; }
static bool is_int(sl_type t) { return type_is_integer(t) || t.id == T_NULL; }
static bool is_num(sl_type t) { return type_is_numeric(t) || t.id == T_NULL; }
static bool is_ts(sl_type t) {
  return t.id == T_TIMESTAMP || t.id == T_TIMESTAMP_LTZ || t.id == T_DATE || t.id == T_NULL;
}

/* every argument a string; result STRING */
static const char *chk_str(sl_expr *call, sl_arena *a) {
  for (int i = 0; i < call->nargs; i++) {
    const char *m = need(call, i, is_str(A(i)), "a string", a);
    if (m) return m;
    call->args[i] = expr_coerce(call->args[i], type_make(T_STRING), a);
  }
  call->type = type_make(T_STRING);
  return NULL;
}
/* strings, then integers (coerced to BIGINT): SUBSTRING(s, i, j), SPLIT_INDEX(s, sep, i) */
static const char *chk_str_ints(sl_expr *call, sl_arena *a, int nstr, sl_type_id result) {
  for (int i = 0; i < call->nargs; i++) {
    bool s = i < nstr;
    const char *m =
        need(call, i, s ? is_str(A(i)) : is_int(A(i)), s ? "a string" : "an integer", a);
    if (m) return m;
    call->args[i] = expr_coerce(call->args[i], type_make(s ? T_STRING : T_BIGINT), a);
  }
  call->type = type_make(result);
  return NULL;
}
static const char *chk_substring(sl_expr *call, sl_arena *a) {
  return chk_str_ints(call, a, 1, T_STRING);
}
static const char *chk_split_index(sl_expr *call, sl_arena *a) {
  return chk_str_ints(call, a, 2, T_STRING);
}
static const char *chk_regexp_extract(sl_expr *call, sl_arena *a) {
  return chk_str_ints(call, a, 2, T_STRING);
}
static const char *chk_str_to_int(sl_expr *call, sl_arena *a) {
  const char *m = chk_str(call, a);
  call->type = type_make(T_INT);
  return m;
}
static const char *chk_concat_ws(sl_expr *call, sl_arena *a) { return chk_str(call, a); }
/* CONCAT takes any types and casts them to STRING (as Flink does for non-strings) */
static const char *chk_concat(sl_expr *call, sl_arena *a) {
  for (int i = 0; i < call->nargs; i++)
    call->args[i] = expr_coerce(call->args[i], type_make(T_STRING), a);
  call->type = type_make(T_STRING);
  return NULL;
}

static const char *chk_common(sl_expr *call, sl_arena *a, int from) {
  sl_type t = type_make(T_NULL);
  for (int i = from; i < call->nargs; i++) {
    sl_type r;
    if (!expr_common_type(t, A(i), &r)) {
      char t1[48], t2[48];
      return arena_printf(a, "arguments of %s have no common type (%s and %s)", call->fn->name,
                          type_name(t, t1, sizeof t1), type_name(A(i), t2, sizeof t2));
    }
    t = r;
  }
  for (int i = from; i < call->nargs; i++) call->args[i] = expr_coerce(call->args[i], t, a);
  call->type = t;
  return NULL;
}
static const char *chk_coalesce(sl_expr *call, sl_arena *a) { return chk_common(call, a, 0); }
static const char *chk_if(sl_expr *call, sl_arena *a) {
  const char *m = need(call, 0, A(0).id == T_BOOLEAN || A(0).id == T_NULL, "a boolean", a);
  return m ? m : chk_common(call, a, 1);
}
static const char *chk_num_same(sl_expr *call, sl_arena *a) {
  const char *m = need(call, 0, is_num(A(0)), "a number", a);
  if (m) return m;
  call->type = A(0).id == T_NULL ? type_make(T_INT) : A(0);
  return NULL;
}
static const char *chk_num_double(sl_expr *call, sl_arena *a) {
  for (int i = 0; i < call->nargs; i++) {
    const char *m = need(call, i, is_num(A(i)), "a number", a);
    if (m) return m;
    call->args[i] = expr_coerce(call->args[i], type_make(T_DOUBLE), a);
  }
  call->type = type_make(T_DOUBLE);
  return NULL;
}
static const char *chk_mod(sl_expr *call, sl_arena *a) {
  for (int i = 0; i < 2; i++) {
    const char *m = need(call, i, is_num(A(i)), "a number", a);
    if (m) return m;
  }
  if (type_is_integer(A(0)) && type_is_integer(A(1))) {
    call->type = A(1);
    for (int i = 0; i < 2; i++) call->args[i] = expr_coerce(call->args[i], type_make(T_BIGINT), a);
    return NULL;
  }
  return chk_num_double(call, a);
}
static const char *chk_floor(sl_expr *call, sl_arena *a) {
  const char *m = need(call, 0, is_num(A(0)), "a number", a);
  if (m) return m;
  call->type = A(0);
  if (A(0).id == T_DECIMAL) {
    int p = A(0).prec - A(0).scale + 1;
    call->type = type_decimal(p > 38 ? 38 : p, 0);
  }
  return NULL;
}
static const char *chk_round(sl_expr *call, sl_arena *a) {
  const char *m = need(call, 0, is_num(A(0)), "a number", a);
  if (m) return m;
  int d = 0;
  if (call->nargs > 1) {
    if (call->args[1]->kind != E_LIT || !type_is_integer(A(1)))
      return "the second argument of ROUND must be an integer literal";
    d = (int)call->args[1]->lit.u.i;
  }
  call->ival = d;
  call->type = A(0);
  if (A(0).id == T_DECIMAL) {
    int s = d < 0 ? 0 : d > A(0).scale ? A(0).scale : d;
    int p = A(0).prec - A(0).scale + s + 1;
    call->type = type_decimal(p > 38 ? 38 : p, s);
  }
  return NULL;
}
static const char *chk_greatest(sl_expr *call, sl_arena *a) { return chk_common(call, a, 0); }
static const char *chk_nullif(sl_expr *call, sl_arena *a) {
  sl_type t0 = A(0);
  const char *m = chk_common(call, a, 0);
  if (!m && t0.id != T_NULL) {
    call->args[0] = expr_coerce(call->args[0], call->type, a);
  }
  return m;
}
static const char *chk_position(sl_expr *call, sl_arena *a) { return chk_str_to_int(call, a); }
static const char *chk_date_format(sl_expr *call, sl_arena *a) {
  const char *m = need(call, 0, is_ts(A(0)) || is_str(A(0)), "a timestamp or a string", a);
  if (m) return m;
  if (A(0).id == T_STRING || A(0).id == T_DATE)
    call->args[0] = expr_coerce(call->args[0], type_make(T_TIMESTAMP), a);
  if ((m = need(call, 1, is_str(A(1)), "a format string", a))) return m;
  call->type = type_make(T_STRING);
  return NULL;
}
static const char *chk_to_ts(sl_expr *call, sl_arena *a) {
  const char *m = chk_str(call, a);
  call->type = type_make(T_TIMESTAMP);
  return m;
}
static const char *chk_to_date(sl_expr *call, sl_arena *a) {
  const char *m = chk_str(call, a);
  call->type = type_make(T_DATE);
  return m;
}
static const char *chk_to_ts_ltz(sl_expr *call, sl_arena *a) {
  const char *m = need(call, 0, is_num(A(0)), "a number (epoch seconds or milliseconds)", a);
  if (m) return m;
  if (call->nargs > 1) {
    if (call->args[1]->kind != E_LIT || !type_is_integer(A(1)) ||
        (call->args[1]->lit.u.i != 0 && call->args[1]->lit.u.i != 3))
      return "the precision of TO_TIMESTAMP_LTZ must be the literal 0 (seconds) or 3 (millis)";
    call->ival = call->args[1]->lit.u.i;
  } else {
    call->ival = 3;
  }
  call->args[0] = expr_coerce(call->args[0], type_make(T_DOUBLE), a);
  call->type = type_make(T_TIMESTAMP_LTZ);
  return NULL;
}
static const char *chk_unix_ts(sl_expr *call, sl_arena *a) {
  const char *m = chk_str(call, a);
  call->type = type_make(T_BIGINT);
  return m;
}
static const char *chk_from_unixtime(sl_expr *call, sl_arena *a) {
  const char *m = need(call, 0, is_int(A(0)), "an integer (epoch seconds)", a);
  if (m) return m;
  call->args[0] = expr_coerce(call->args[0], type_make(T_BIGINT), a);
  if (call->nargs > 1 && (m = need(call, 1, is_str(A(1)), "a format string", a))) return m;
  call->type = type_make(T_STRING);
  return NULL;
}
static const char *chk_ts_unit(sl_expr *call, sl_arena *a) {
  const char *m = need(call, 0, is_ts(A(0)), "a date or timestamp", a);
  if (m) return m;
  call->type = call->fn->name[1] == 'E' ? type_make(T_BIGINT) : A(0); /* $EXTRACT vs $FLOOR */
  return NULL;
}
static const char *chk_like(sl_expr *call, sl_arena *a) { return chk_str(call, a); }
static const char *chk_now_ltz(sl_expr *call, sl_arena *a) {
  call->type = type_make(T_TIMESTAMP_LTZ);
  return NULL;
}
static const char *chk_now_ts(sl_expr *call, sl_arena *a) {
  call->type = type_make(T_TIMESTAMP);
  return NULL;
}
static const char *chk_now_date(sl_expr *call, sl_arena *a) {
  call->type = type_make(T_DATE);
  return NULL;
}

/* ---- string functions ---- */

static sl_status f_upper(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  bool up = call->fn->name[0] == 'U';
  char *r = arena_alloc(ctx->arena, v[0].len + 1);
  for (uint32_t i = 0; i < v[0].len; i++)
    r[i] = (char)(up ? toupper((unsigned char)v[0].u.s[i]) : tolower((unsigned char)v[0].u.s[i]));
  *out = value_str(r, v[0].len);
  return SL_OK;
}

static bool in_set(char c, const sl_value *chars) {
  if (!chars) return c == ' ';
  return memchr(chars->u.s, c, chars->len) != NULL;
}
static sl_status f_trim(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  const sl_value *chars = call->nargs > 1 ? &v[1] : NULL;
  char kind = call->fn->name[0]; /* T, L, R */
  const char *s = v[0].u.s;
  size_t b = 0, e = v[0].len;
  if (kind != 'R')
    while (b < e && in_set(s[b], chars)) b++;
  if (kind != 'L')
    while (e > b && in_set(s[e - 1], chars)) e--;
  *out = value_str(s + b, e - b);
  return SL_OK;
}

static sl_status f_substring(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  int64_t len = utf8_len(v[0].u.s, v[0].len);
  int64_t start = v[1].u.i, n = call->nargs > 2 ? v[2].u.i : INT64_MAX / 2;
  if (call->nargs > 2 && n < 0) return fail(ctx, "SUBSTRING length must not be negative");
  int64_t from = start > 0 ? start - 1 : start < 0 ? len + start : 0;
  if (from < 0) {
    n += from;
    from = 0;
  }
  if (from >= len || n <= 0) {
    *out = value_str(v[0].u.s, 0);
    return SL_OK;
  }
  size_t b = utf8_offset(v[0].u.s, v[0].len, from);
  size_t e = n >= len - from ? v[0].len : b + utf8_offset(v[0].u.s + b, v[0].len - b, n);
  *out = value_str(v[0].u.s + b, e - b);
  return SL_OK;
}

static sl_status f_concat(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
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

static sl_status f_concat_ws(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  if (v[0].null) {
    *out = value_null();
    return SL_OK;
  }
  sl_buf local = {0}, *b = scratch(ctx, &local);
  bool first = true;
  for (int i = 1; i < call->nargs; i++) {
    if (v[i].null) continue;
    if (!first) buf_put(b, v[0].u.s, v[0].len);
    buf_put(b, v[i].u.s, v[i].len);
    first = false;
  }
  *out = done(ctx, b, &local);
  return SL_OK;
}

static sl_status f_char_length(const sl_expr *call, const sl_value *v, expr_ctx *ctx,
                               sl_value *out) {
  *out = value_int(utf8_len(v[0].u.s, v[0].len));
  return SL_OK;
}

static const char *find(const char *h, size_t hn, const char *nd, size_t nn) {
  if (nn == 0) return h;
  if (nn > hn) return NULL;
  return memmem(h, hn, nd, nn);
}

static sl_status f_replace(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  if (v[1].len == 0) {
    *out = v[0];
    return SL_OK;
  }
  sl_buf local = {0}, *b = scratch(ctx, &local);
  const char *s = v[0].u.s, *end = s + v[0].len;
  while (s < end) {
    const char *m = find(s, (size_t)(end - s), v[1].u.s, v[1].len);
    if (!m) break;
    buf_put(b, s, (size_t)(m - s));
    buf_put(b, v[2].u.s, v[2].len);
    s = m + v[1].len;
  }
  buf_put(b, s, (size_t)(end - s));
  *out = done(ctx, b, &local);
  return SL_OK;
}

static sl_status f_position(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  const char *m = find(v[1].u.s, v[1].len, v[0].u.s, v[0].len);
  *out = value_int(m ? utf8_len(v[1].u.s, (size_t)(m - v[1].u.s)) + 1 : 0);
  return SL_OK;
}

static sl_status f_split_index(const sl_expr *call, const sl_value *v, expr_ctx *ctx,
                               sl_value *out) {
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

static sl_status f_initcap(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  char *r = arena_alloc(ctx->arena, v[0].len + 1);
  bool start = true;
  for (uint32_t i = 0; i < v[0].len; i++) {
    unsigned char c = (unsigned char)v[0].u.s[i];
    r[i] = (char)(start ? toupper(c) : tolower(c));
    start = !isalnum(c) && c < 0x80;
  }
  *out = value_str(r, v[0].len);
  return SL_OK;
}

/* Regular expressions: POSIX extended syntax (glibc) with the Java shorthands \d \D \w \W \s \S
 * rewritten; compiled once per call site when the pattern is a literal. */
typedef struct regex_aux {
  regex_t re;
  bool ok;
} regex_aux;

static char *regex_translate(const char *p, size_t n) {
  sl_buf b = {0};
  bool in_class = false;
  for (size_t i = 0; i < n; i++) {
    char c = p[i];
    if (c == '\\' && i + 1 < n) {
      char d = p[++i];
      const char *rep = NULL;
      switch (d) {
      case 'd': rep = in_class ? "0-9" : "[0-9]"; break;
      case 'D': rep = "[^0-9]"; break;
      case 'w': rep = in_class ? "[:alnum:]_" : "[[:alnum:]_]"; break;
      case 'W': rep = "[^[:alnum:]_]"; break;
      case 's': rep = in_class ? "[:space:]" : "[[:space:]]"; break;
      case 'S': rep = "[^[:space:]]"; break;
      case 't': rep = "\t"; break;
      case 'n': rep = "\n"; break;
      default: break;
      }
      if (rep)
        buf_puts(&b, rep);
      else {
        if (in_class)
          buf_putc(&b, d); /* a literal inside [...] */
        else {
          buf_putc(&b, '\\');
          buf_putc(&b, d);
        }
      }
      continue;
    }
    if (c == '[' && !in_class)
      in_class = true;
    else if (c == ']' && in_class)
      in_class = false;
    buf_putc(&b, c);
  }
  char *r = xstrdup(buf_cstr(&b));
  buf_free(&b);
  return r;
}

static bool regex_compile(regex_t *re, const char *p, size_t n) {
  char *t = regex_translate(p, n);
  int rc = regcomp(re, t, REG_EXTENDED);
  free(t);
  return rc == 0;
}

static regex_t *regex_for(const sl_expr *call, const sl_value *pat, regex_t *tmp, bool *owned) {
  regex_aux *ra = call->aux;
  *owned = false;
  if (ra) return ra->ok ? &ra->re : NULL;
  if (!regex_compile(tmp, pat->u.s, pat->len)) return NULL;
  *owned = true;
  return tmp;
}

static sl_status f_regexp_extract(const sl_expr *call, const sl_value *v, expr_ctx *ctx,
                                  sl_value *out) {
  regex_t tmp, *re;
  bool owned;
  if (!(re = regex_for(call, &v[1], &tmp, &owned))) return fail(ctx, "invalid regular expression");
  int64_t idx = call->nargs > 2 ? v[2].u.i : 1;
  regmatch_t m[10];
  char *s = arena_strndup(ctx->arena, v[0].u.s, v[0].len);
  *out = value_null();
  if (idx >= 0 && idx < 10 && (size_t)idx <= re->re_nsub && regexec(re, s, 10, m, 0) == 0 &&
      m[idx].rm_so >= 0)
    *out = value_str(s + m[idx].rm_so, (size_t)(m[idx].rm_eo - m[idx].rm_so));
  if (owned) regfree(re);
  return SL_OK;
}

static sl_status f_regexp_replace(const sl_expr *call, const sl_value *v, expr_ctx *ctx,
                                  sl_value *out) {
  regex_t tmp, *re;
  bool owned;
  if (!(re = regex_for(call, &v[1], &tmp, &owned))) return fail(ctx, "invalid regular expression");
  char *s = arena_strndup(ctx->arena, v[0].u.s, v[0].len);
  sl_buf local = {0}, *b = scratch(ctx, &local);
  regmatch_t m[10];
  size_t pos = 0;
  int flags = 0;
  while (pos <= v[0].len && regexec(re, s + pos, 10, m, flags) == 0) {
    buf_put(b, s + pos, (size_t)m[0].rm_so);
    for (uint32_t i = 0; i < v[2].len; i++) { /* $n group references, \$ escapes */
      char c = v[2].u.s[i];
      if (c == '\\' && i + 1 < v[2].len) {
        buf_putc(b, v[2].u.s[++i]);
      } else if (c == '$' && i + 1 < v[2].len && isdigit((unsigned char)v[2].u.s[i + 1])) {
        int g = v[2].u.s[++i] - '0';
        if ((size_t)g <= re->re_nsub && m[g].rm_so >= 0)
          buf_put(b, s + pos + m[g].rm_so, (size_t)(m[g].rm_eo - m[g].rm_so));
      } else {
        buf_putc(b, c);
      }
    }
    if (m[0].rm_eo == m[0].rm_so) { /* empty match: copy one char and move on */
      if (pos + (size_t)m[0].rm_eo < v[0].len) buf_putc(b, s[pos + (size_t)m[0].rm_eo]);
      pos += (size_t)m[0].rm_eo + 1;
    } else {
      pos += (size_t)m[0].rm_eo;
    }
    flags = REG_NOTBOL;
  }
  if (pos < v[0].len) buf_put(b, s + pos, v[0].len - pos);
  *out = done(ctx, b, &local);
  if (owned) regfree(re);
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

static sl_status f_like(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  int esc = -1;
  if (call->nargs > 2) {
    if (v[2].len != 1) return fail(ctx, "the LIKE escape must be a single character");
    esc = (unsigned char)v[2].u.s[0];
  }
  *out = value_int(like_match(v[0].u.s, v[0].len, v[1].u.s, v[1].len, esc));
  return SL_OK;
}

/* ---- math ---- */

static sl_status f_abs(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  switch (call->type.id) {
  case T_FLOAT:
  case T_DOUBLE: *out = value_double(fabs(v[0].u.d)); break;
  case T_DECIMAL: {
    __int128 x = value_dec(&v[0]);
    *out = value_decimal(x < 0 ? -x : x);
    break;
  }
  case T_INT:
    *out = value_int((int32_t)(v[0].u.i < 0 ? 0u - (uint32_t)v[0].u.i : (uint32_t)v[0].u.i));
    break;
  default: *out = value_int(v[0].u.i < 0 ? (int64_t)(0 - (uint64_t)v[0].u.i) : v[0].u.i); break;
  }
  return SL_OK;
}

static double round_half_up(double d, int k) {
  double p = pow(10, k);
  double x = d * p;
  double r = x < 0 ? -floor(-x + 0.5) : floor(x + 0.5);
  return r / p;
}

static sl_status f_round(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  int d = (int)call->ival;
  sl_type t = call->args[0]->type;
  switch (t.id) {
  case T_FLOAT:
  case T_DOUBLE: {
    /* round the decimal text, as BigDecimal does, so 2.675 stays 2.68 only when it is */
    __int128 x;
    if (isfinite(v[0].u.d) &&
        dec_from_double(v[0].u.d, 38,
                        d < 0    ? 0
                        : d > 17 ? 17
                                 : d,
                        &x) &&
        d >= 0) {
      *out = value_double(dec_to_double(x, d > 17 ? 17 : d));
    } else {
      *out = value_double(round_half_up(v[0].u.d, d));
    }
    break;
  }
  case T_DECIMAL: {
    __int128 x = value_dec(&v[0]), r;
    if (d < 0) {
      if (!dec_rescale(x, t.scale, 0, 38, &x)) return fail(ctx, "overflow in ROUND");
      if (!dec_rescale(x, -d, 0, 38, &r) || !dec_rescale(r, 0, -d, 38, &r)) r = 0;
      dec_rescale(r, 0, call->type.scale, 38, &r);
    } else if (!dec_rescale(x, t.scale, call->type.scale, call->type.prec, &r)) {
      *out = value_null();
      return SL_OK;
    }
    *out = value_decimal(r);
    break;
  }
  default: {
    int64_t x = v[0].u.i;
    if (d < 0 && d > -19) {
      int64_t p = 1;
      for (int i = 0; i < -d; i++) p *= 10;
      int64_t q = x / p, r = x % p;
      if (r >= p / 2 + p % 2 - (p == 1))
        q++;
      else if (-r >= p / 2 + p % 2 - (p == 1))
        q--;
      x = q * p;
    }
    *out = value_int(x);
  }
  }
  return SL_OK;
}

static sl_status f_floor(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  bool ceil_ = call->fn->name[0] == 'C';
  sl_type t = call->args[0]->type;
  switch (t.id) {
  case T_FLOAT:
  case T_DOUBLE: *out = value_double(ceil_ ? ceil(v[0].u.d) : floor(v[0].u.d)); break;
  case T_DECIMAL: {
    __int128 x = value_dec(&v[0]), p = dec_pow10[t.scale];
    __int128 q = x / p, r = x % p;
    if (r != 0 && ceil_ && x > 0) q++;
    if (r != 0 && !ceil_ && x < 0) q--;
    *out = value_decimal(q);
    break;
  }
  default: *out = v[0]; break;
  }
  return SL_OK;
}

static sl_status f_mod(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  if (call->type.id == T_DOUBLE) {
    *out = value_double(fmod(v[0].u.d, v[1].u.d));
    return SL_OK;
  }
  if (v[1].u.i == 0) return fail(ctx, "division by zero in MOD");
  *out = value_int(v[1].u.i == -1 ? 0 : v[0].u.i % v[1].u.i);
  return SL_OK;
}

static sl_status f_power(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  *out = value_double(pow(v[0].u.d, v[1].u.d));
  return SL_OK;
}
static sl_status f_sqrt(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  *out = value_double(sqrt(v[0].u.d));
  return SL_OK;
}
static sl_status f_ln(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  *out = value_double(call->fn->name[1] == 'N'   ? log(v[0].u.d)
                      : call->fn->name[0] == 'E' ? exp(v[0].u.d)
                                                 : log10(v[0].u.d));
  return SL_OK;
}

/* ---- conditional ---- */

static sl_status f_coalesce(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  for (int i = 0; i < call->nargs; i++)
    if (!v[i].null) {
      *out = v[i];
      return SL_OK;
    }
  *out = value_null();
  return SL_OK;
}
static sl_status f_nullif(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  if (!v[0].null && !v[1].null && value_compare(&v[0], &v[1], call->type) == 0)
    *out = value_null();
  else
    *out = v[0];
  return SL_OK;
}
static sl_status f_if(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  *out = (!v[0].null && v[0].u.i) ? v[1] : v[2];
  return SL_OK;
}
static sl_status f_greatest(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  bool least = call->fn->name[0] == 'L';
  *out = v[0];
  for (int i = 1; i < call->nargs; i++) {
    int c = value_compare(&v[i], out, call->type);
    if (least ? c < 0 : c > 0) *out = v[i];
  }
  return SL_OK;
}

/* ---- date and time ---- */

static const char *const month_names[] = {"January",   "February", "March",    "April",
                                          "May",       "June",     "July",     "August",
                                          "September", "October",  "November", "December"};
static const char *const day_names[] = {"Thursday", "Friday",  "Saturday", "Sunday",
                                        "Monday",   "Tuesday", "Wednesday"};

void time_format_pattern(int64_t ms, const char *pat, size_t pn, sl_buf *out) {
  int64_t days = floor_div(ms, 86400000), rem = floor_mod(ms, 86400000);
  int64_t y;
  unsigned mo, d;
  civil_from_days(days, &y, &mo, &d);
  int H = (int)(rem / 3600000), mi = (int)(rem / 60000 % 60), s = (int)(rem / 1000 % 60),
      S = (int)(rem % 1000);
  for (size_t i = 0; i < pn;) {
    char c = pat[i];
    size_t k = 1;
    while (i + k < pn && pat[i + k] == c) k++;
    if (c == '\'') {
      if (k >= 2) { /* '' is a quote */
        buf_putc(out, '\'');
        i += 2;
        continue;
      }
      i++;
      while (i < pn && pat[i] != '\'') buf_putc(out, pat[i++]);
      i++;
      continue;
    }
    if (!isalpha((unsigned char)c)) {
      buf_put(out, pat + i, k);
      i += k;
      continue;
    }
    switch (c) {
    case 'y':
      if (k == 2)
        buf_printf(out, "%02d", (int)floor_mod(y, 100));
      else
        buf_printf(out, "%0*lld", (int)k, (long long)y);
      break;
    case 'M':
      if (k >= 4)
        buf_puts(out, month_names[mo - 1]);
      else if (k == 3)
        buf_put(out, month_names[mo - 1], 3);
      else
        buf_printf(out, "%0*u", (int)k, mo);
      break;
    case 'd': buf_printf(out, "%0*u", (int)k, d); break;
    case 'D': buf_printf(out, "%0*d", (int)k, (int)(days - days_from_civil(y, 1, 1) + 1)); break;
    case 'H': buf_printf(out, "%0*d", (int)k, H); break;
    case 'h': buf_printf(out, "%0*d", (int)k, H % 12 == 0 ? 12 : H % 12); break;
    case 'm': buf_printf(out, "%0*d", (int)k, mi); break;
    case 's': buf_printf(out, "%0*d", (int)k, s); break;
    case 'S': {
      char f[8];
      snprintf(f, sizeof f, "%03d", S);
      for (size_t j = 0; j < k; j++) buf_putc(out, j < 3 ? f[j] : '0');
      break;
    }
    case 'a': buf_puts(out, H < 12 ? "AM" : "PM"); break;
    case 'E': {
      const char *dn = day_names[floor_mod(days, 7)];
      if (k >= 4)
        buf_puts(out, dn);
      else
        buf_put(out, dn, 3);
      break;
    }
    case 'Z': buf_puts(out, "+0000"); break;
    case 'X': buf_puts(out, "Z"); break;
    default: buf_put(out, pat + i, k); break;
    }
    i += k;
  }
}

bool time_parse_pattern(const char *s, size_t n, const char *pat, size_t pn, int64_t *ms) {
  int64_t y = 1970;
  int mo = 1, d = 1, H = 0, mi = 0, sec = 0, S = 0;
  bool pm = false, has_ampm = false;
  size_t si = 0;
  for (size_t i = 0; i < pn;) {
    char c = pat[i];
    size_t k = 1;
    while (i + k < pn && pat[i + k] == c) k++;
    if (c == '\'') {
      i++;
      while (i < pn && pat[i] != '\'') {
        if (si >= n || s[si] != pat[i]) return false;
        si++;
        i++;
      }
      i++;
      continue;
    }
    if (!isalpha((unsigned char)c)) {
      for (size_t j = 0; j < k; j++, si++)
        if (si >= n || s[si] != c) return false;
      i += k;
      continue;
    }
    if (c == 'a') {
      if (si + 2 > n) return false;
      has_ampm = true;
      pm = (s[si] == 'P' || s[si] == 'p');
      si += 2;
      i += k;
      continue;
    }
    if (c == 'M' && k >= 3) {
      int found = -1;
      for (int m = 0; m < 12 && found < 0; m++) {
        size_t ml = k == 3 ? 3 : strlen(month_names[m]);
        if (si + ml <= n && !strncasecmp(s + si, month_names[m], ml)) {
          found = m;
          si += ml;
        }
      }
      if (found < 0) return false;
      mo = found + 1;
      i += k;
      continue;
    }
    /* numeric field: exactly k digits when the next pattern char is a letter, else up to 9 */
    bool adjacent = i + k < pn && isalpha((unsigned char)pat[i + k]);
    size_t maxd = adjacent ? k : (c == 'y' && k == 2 ? 2 : 9);
    int64_t v = 0;
    size_t nd = 0;
    bool neg = false;
    if (c == 'y' && si < n && s[si] == '-') neg = true, si++;
    while (si < n && nd < maxd && isdigit((unsigned char)s[si])) v = v * 10 + (s[si++] - '0'), nd++;
    if (nd == 0) return false;
    switch (c) {
    case 'y': y = neg ? -v : (k == 2 && nd == 2 ? 2000 + v : v); break;
    case 'M': mo = (int)v; break;
    case 'd': d = (int)v; break;
    case 'H':
    case 'h':
    case 'k': H = (int)v; break;
    case 'm': mi = (int)v; break;
    case 's': sec = (int)v; break;
    case 'S': {
      int64_t f = v;
      size_t digs = nd;
      while (digs > 3) f /= 10, digs--;
      while (digs < 3) f *= 10, digs++;
      S = (int)f;
      break;
    }
    default: return false;
    }
    i += k;
  }
  if (si != n) return false;
  if (has_ampm) {
    if (H == 12) H = 0;
    if (pm) H += 12;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || H > 23 || mi > 59 || sec > 59) return false;
  int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
  int64_t y2;
  unsigned m2, d2;
  civil_from_days(days, &y2, &m2, &d2);
  if ((int)m2 != mo) return false; /* 31 April */
  *ms = days * 86400000 + ((int64_t)H * 3600 + mi * 60 + sec) * 1000 + S;
  return true;
}

static const char default_pat[] = "yyyy-MM-dd HH:mm:ss";

static sl_status f_date_format(const sl_expr *call, const sl_value *v, expr_ctx *ctx,
                               sl_value *out) {
  int64_t ms = v[0].u.i;
  if (call->args[0]->type.id == T_TIMESTAMP_LTZ) ms += ctx->tz_offset_ms;
  sl_buf local = {0}, *b = scratch(ctx, &local);
  time_format_pattern(ms, v[1].u.s, v[1].len, b);
  *out = done(ctx, b, &local);
  return SL_OK;
}

static bool parse_ts_text(const sl_value *s, const sl_value *fmt, int64_t *ms) {
  if (fmt) return time_parse_pattern(s->u.s, s->len, fmt->u.s, fmt->len, ms);
  int64_t off;
  bool z;
  if (!ts_parse(s->u.s, s->len, ms, &z, &off)) return false;
  return true;
}

static sl_status f_to_timestamp(const sl_expr *call, const sl_value *v, expr_ctx *ctx,
                                sl_value *out) {
  int64_t ms;
  *out = parse_ts_text(&v[0], call->nargs > 1 ? &v[1] : NULL, &ms) ? value_int(ms) : value_null();
  return SL_OK;
}

static sl_status f_to_date(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  int64_t ms;
  if (call->nargs > 1) {
    *out = time_parse_pattern(v[0].u.s, v[0].len, v[1].u.s, v[1].len, &ms)
               ? value_int(floor_div(ms, 86400000))
               : value_null();
  } else {
    int64_t d;
    *out = date_parse(v[0].u.s, v[0].len, &d) ? value_int(d) : value_null();
  }
  return SL_OK;
}

static sl_status f_to_ts_ltz(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  double d = v[0].u.d * (call->ival == 0 ? 1000.0 : 1.0);
  if (!(d > -9.2e18 && d < 9.2e18)) return fail(ctx, "epoch value out of range");
  *out = value_int((int64_t)floor(d));
  return SL_OK;
}

static sl_status f_unix_timestamp(const sl_expr *call, const sl_value *v, expr_ctx *ctx,
                                  sl_value *out) {
  if (call->nargs == 0) {
    *out = value_int(floor_div(ctx->now_ms, 1000));
    return SL_OK;
  }
  int64_t ms;
  const char *pat = call->nargs > 1 ? v[1].u.s : default_pat;
  size_t pn = call->nargs > 1 ? v[1].len : sizeof default_pat - 1;
  if (!time_parse_pattern(v[0].u.s, v[0].len, pat, pn, &ms)) {
    *out = value_null();
    return SL_OK;
  }
  *out = value_int(floor_div(ms - ctx->tz_offset_ms, 1000));
  return SL_OK;
}

static sl_status f_from_unixtime(const sl_expr *call, const sl_value *v, expr_ctx *ctx,
                                 sl_value *out) {
  sl_buf local = {0}, *b = scratch(ctx, &local);
  const char *pat = call->nargs > 1 ? v[1].u.s : default_pat;
  size_t pn = call->nargs > 1 ? v[1].len : sizeof default_pat - 1;
  time_format_pattern(v[0].u.i * 1000 + ctx->tz_offset_ms, pat, pn, b);
  *out = done(ctx, b, &local);
  return SL_OK;
}

/* units for EXTRACT / FLOOR TO / CEIL TO are stored in ival as an index into this list */
static const char *const units[] = {
    "MILLISECOND", "SECOND", "MINUTE",  "HOUR",        "DAY",   "WEEK",   "MONTH",
    "QUARTER",     "YEAR",   "DOW",     "DOY",         "EPOCH", "DECADE", "CENTURY",
    "MILLENNIUM",  "ISODOW", "ISOYEAR", "MICROSECOND", NULL};

int fn_unit_index(const char *u);
int fn_unit_index(const char *u) {
  for (int i = 0; units[i]; i++)
    if (!strcmp(units[i], u)) return i;
  return -1;
}

static int64_t ms_of(const sl_expr *call, const sl_value *v, expr_ctx *ctx) {
  sl_type t = call->args[0]->type;
  if (t.id == T_DATE) return v->u.i * 86400000;
  if (t.id == T_TIMESTAMP_LTZ) return v->u.i + ctx->tz_offset_ms;
  return v->u.i;
}

static sl_status f_extract(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  int64_t ms = ms_of(call, &v[0], ctx);
  int64_t days = floor_div(ms, 86400000), rem = floor_mod(ms, 86400000);
  int64_t y;
  unsigned mo, d;
  civil_from_days(days, &y, &mo, &d);
  int64_t r;
  int64_t dow = floor_mod(days + 4, 7); /* 0 = Sunday */
  switch (call->ival) {
  case 0: r = rem % 60000; break; /* milliseconds within the minute, as Flink */
  case 1: r = rem / 1000 % 60; break;
  case 2: r = rem / 60000 % 60; break;
  case 3: r = rem / 3600000; break;
  case 4: r = d; break;
  case 5: {                              /* ISO week */
    int64_t wd = floor_mod(days + 3, 7); /* 0 = Monday */
    int64_t thursday = days - wd + 3;
    int64_t ty;
    unsigned tm, td;
    civil_from_days(thursday, &ty, &tm, &td);
    r = (thursday - days_from_civil(ty, 1, 1)) / 7 + 1;
    break;
  }
  case 6: r = mo; break;
  case 7: r = (mo - 1) / 3 + 1; break;
  case 8: r = y; break;
  case 9: r = dow + 1; break;
  case 10: r = days - days_from_civil(y, 1, 1) + 1; break;
  case 11: r = floor_div(ms, 1000); break;
  case 12: r = floor_div(y, 10); break;
  case 13: r = y > 0 ? (y + 99) / 100 : -((-y + 99) / 100); break;
  case 14: r = y > 0 ? (y + 999) / 1000 : -((-y + 999) / 1000); break;
  case 15: r = dow == 0 ? 7 : dow; break;
  case 16: {
    int64_t wd = floor_mod(days + 3, 7);
    int64_t ty;
    unsigned tm, td;
    civil_from_days(days - wd + 3, &ty, &tm, &td);
    r = ty;
    break;
  }
  case 17: r = rem % 60000 * 1000; break;
  default: return fail(ctx, "unsupported EXTRACT unit");
  }
  *out = value_int(r);
  return SL_OK;
}

static sl_status f_floor_to(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  bool ceil_ = call->fn->name[1] == 'C';
  sl_type t = call->args[0]->type;
  int64_t ms = ms_of(call, &v[0], ctx), r;
  int64_t days = floor_div(ms, 86400000);
  int64_t y;
  unsigned mo, d;
  civil_from_days(days, &y, &mo, &d);
  int64_t unit_ms[] = {1, 1000, 60000, 3600000, 86400000};
  switch (call->ival) {
  case 0:
  case 1:
  case 2:
  case 3:
  case 4: {
    int64_t u = unit_ms[call->ival];
    r = floor_div(ms, u) * u;
    if (ceil_ && r != ms) r += u;
    break;
  }
  case 5: { /* weeks start on Sunday in Calcite's FLOOR(... TO WEEK) */
    int64_t dow = floor_mod(days + 4, 7);
    r = (days - dow) * 86400000;
    if (ceil_ && r != ms) r += 7 * 86400000LL;
    break;
  }
  case 6:
  case 7:
  case 8: {
    unsigned m0 = call->ival == 6 ? mo : call->ival == 7 ? (mo - 1) / 3 * 3 + 1 : 1;
    r = days_from_civil(y, m0, 1) * 86400000;
    if (ceil_ && r != ms) {
      unsigned step = call->ival == 6 ? 1 : call->ival == 7 ? 3 : 12;
      unsigned nm = m0 + step;
      int64_t ny = y;
      if (nm > 12) nm -= 12, ny++;
      r = days_from_civil(ny, nm, 1) * 86400000;
    }
    break;
  }
  default: return fail(ctx, "unsupported unit for FLOOR/CEIL");
  }
  if (t.id == T_DATE)
    r = floor_div(r, 86400000);
  else if (t.id == T_TIMESTAMP_LTZ)
    r -= ctx->tz_offset_ms;
  *out = value_int(r);
  return SL_OK;
}

static sl_status f_now(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  switch (call->type.id) {
  case T_TIMESTAMP_LTZ: *out = value_int(ctx->now_ms); break;
  case T_TIMESTAMP: *out = value_int(ctx->now_ms + ctx->tz_offset_ms); break;
  default: *out = value_int(floor_div(ctx->now_ms + ctx->tz_offset_ms, 86400000)); break;
  }
  return SL_OK;
}

/* ---- the table ---- */

#define STR "string"
#define MATH "math"
#define TIME "time"
#define COND "conditional"

static const fn_def fn_defs[] = {
    {"UPPER", 1, 1, chk_str, f_upper, true, STR, "UPPER(s)", "s in upper case (ASCII letters)",
     "UPPER('Sluice')", "SLUICE"},
    {"LOWER", 1, 1, chk_str, f_upper, true, STR, "LOWER(s)", "s in lower case (ASCII letters)",
     "LOWER('Sluice')", "sluice"},
    {"TRIM", 1, 2, chk_str, f_trim, true, STR, "TRIM([BOTH] [chars FROM] s)",
     "s without leading and trailing spaces (or the given characters)", "TRIM('  a b  ')", "a b"},
    {"LTRIM", 1, 2, chk_str, f_trim, true, STR, "LTRIM(s) / TRIM(LEADING chars FROM s)",
     "s without leading spaces (or characters)", "TRIM(LEADING 'x' FROM 'xxabcxx')", "abcxx"},
    {"RTRIM", 1, 2, chk_str, f_trim, true, STR, "RTRIM(s) / TRIM(TRAILING chars FROM s)",
     "s without trailing spaces (or characters)", "RTRIM('abc  ')", "abc"},
    {"SUBSTRING", 2, 3, chk_substring, f_substring, true, STR,
     "SUBSTRING(s FROM start [FOR len]) / SUBSTRING(s, start [, len])",
     "characters of s from 1-based start (negative: from the end)",
     "SUBSTRING('streaming' FROM 3 FOR 4)", "ream"},
    {"SUBSTR", 2, 3, chk_substring, f_substring, true, STR, "SUBSTR(s, start [, len])",
     "same as SUBSTRING", "SUBSTR('streaming', -3)", "ing"},
    {"CONCAT", 1, -1, chk_concat, f_concat, true, STR, "CONCAT(a, b, ...)",
     "the arguments joined; NULL if any is NULL", "CONCAT('order-', 42)", "order-42"},
    {"CONCAT_WS", 2, -1, chk_concat_ws, f_concat_ws, false, STR, "CONCAT_WS(sep, a, b, ...)",
     "the non-NULL arguments joined by sep", "CONCAT_WS('/', 'a', CAST(NULL AS STRING), 'c')",
     "a/c"},
    {"CHAR_LENGTH", 1, 1, chk_str_to_int, f_char_length, true, STR, "CHAR_LENGTH(s)",
     "number of characters", "CHAR_LENGTH('naïve')", "5"},
    {"CHARACTER_LENGTH", 1, 1, chk_str_to_int, f_char_length, true, STR, "CHARACTER_LENGTH(s)",
     "same as CHAR_LENGTH", "CHARACTER_LENGTH('abc')", "3"},
    {"REPLACE", 3, 3, chk_str, f_replace, true, STR, "REPLACE(s, from, to)",
     "every occurrence of from replaced by to", "REPLACE('a-b-c', '-', '+')", "a+b+c"},
    {"POSITION", 2, 2, chk_position, f_position, true, STR, "POSITION(needle IN s)",
     "1-based position of needle in s, 0 when absent", "POSITION('am' IN 'stream')", "5"},
    {"REGEXP_EXTRACT", 2, 3, chk_regexp_extract, f_regexp_extract, true, STR,
     "REGEXP_EXTRACT(s, regex [, group])", "the group (default 1) of the first match, NULL if none",
     "REGEXP_EXTRACT('id=123;', 'id=(\\d+)', 1)", "123"},
    {"REGEXP_REPLACE", 3, 3, chk_str, f_regexp_replace, true, STR,
     "REGEXP_REPLACE(s, regex, replacement)", "every match replaced ($1.. refer to groups)",
     "REGEXP_REPLACE('a1b22', '[0-9]+', '#')", "a#b#"},
    {"SPLIT_INDEX", 3, 3, chk_split_index, f_split_index, true, STR, "SPLIT_INDEX(s, sep, index)",
     "the 0-based index-th field of s split by sep, NULL if none", "SPLIT_INDEX('a,b,c', ',', 1)",
     "b"},
    {"INITCAP", 1, 1, chk_str, f_initcap, true, STR, "INITCAP(s)",
     "first letter of every word upper case, the rest lower", "INITCAP('hello sTREAM')",
     "Hello Stream"},
    {"ABS", 1, 1, chk_num_same, f_abs, true, MATH, "ABS(n)", "absolute value", "ABS(-4.50)",
     "4.50"},
    {"ROUND", 1, 2, chk_round, f_round, true, MATH, "ROUND(n [, d])",
     "n rounded half up to d (default 0) decimal places", "ROUND(2.345, 2)", "2.35"},
    {"FLOOR", 1, 1, chk_floor, f_floor, true, MATH, "FLOOR(n)", "largest integer <= n",
     "FLOOR(-1.5)", "-2"},
    {"CEIL", 1, 1, chk_floor, f_floor, true, MATH, "CEIL(n) / CEILING(n)", "smallest integer >= n",
     "CEIL(1.2)", "2"},
    {"CEILING", 1, 1, chk_floor, f_floor, true, MATH, "CEILING(n)", "same as CEIL", "CEILING(1.2)",
     "2"},
    {"MOD", 2, 2, chk_mod, f_mod, true, MATH, "MOD(a, b)", "remainder of a / b (sign of a)",
     "MOD(17, 5)", "2"},
    {"POWER", 2, 2, chk_num_double, f_power, true, MATH, "POWER(a, b)", "a to the power b",
     "POWER(2, 10)", "1024.0"},
    {"SQRT", 1, 1, chk_num_double, f_sqrt, true, MATH, "SQRT(n)", "square root", "SQRT(16)", "4.0"},
    {"LN", 1, 1, chk_num_double, f_ln, true, MATH, "LN(n)", "natural logarithm", "LN(1)", "0.0"},
    {"LOG10", 1, 1, chk_num_double, f_ln, true, MATH, "LOG10(n)", "base-10 logarithm",
     "LOG10(1000)", "3.0"},
    {"EXP", 1, 1, chk_num_double, f_ln, true, MATH, "EXP(n)", "e to the power n", "EXP(0)", "1.0"},
    {"COALESCE", 1, -1, chk_coalesce, f_coalesce, false, COND, "COALESCE(a, b, ...)",
     "the first non-NULL argument", "COALESCE(CAST(NULL AS INT), 7)", "7"},
    {"NULLIF", 2, 2, chk_nullif, f_nullif, false, COND, "NULLIF(a, b)", "NULL if a = b, else a",
     "NULLIF(5, 5)", "NULL"},
    {"IF", 3, 3, chk_if, f_if, false, COND, "IF(cond, a, b)", "a when cond is TRUE, else b",
     "IF(3 > 2, 'yes', 'no')", "yes"},
    {"GREATEST", 1, -1, chk_greatest, f_greatest, true, COND, "GREATEST(a, b, ...)",
     "the largest argument; NULL if any is NULL", "GREATEST(3, 9, 4)", "9"},
    {"LEAST", 1, -1, chk_greatest, f_greatest, true, COND, "LEAST(a, b, ...)",
     "the smallest argument; NULL if any is NULL", "LEAST(3, 9, 4)", "3"},
    {"DATE_FORMAT", 2, 2, chk_date_format, f_date_format, true, TIME, "DATE_FORMAT(ts, pattern)",
     "ts as text in a Java SimpleDateFormat pattern (yyyy MM dd HH mm ss SSS EEE MMM a)",
     "DATE_FORMAT(TIMESTAMP '2024-03-05 14:07:09', 'yyyy/MM/dd HH:mm')", "2024/03/05 14:07"},
    {"TO_TIMESTAMP", 1, 2, chk_to_ts, f_to_timestamp, true, TIME, "TO_TIMESTAMP(s [, pattern])",
     "s parsed as TIMESTAMP(3) (default 'yyyy-MM-dd HH:mm:ss[.SSS]'); NULL when it does not parse",
     "TO_TIMESTAMP('05/03/2024 10:30', 'dd/MM/yyyy HH:mm')", "2024-03-05 10:30:00.000"},
    {"TO_TIMESTAMP_LTZ", 1, 2, chk_to_ts_ltz, f_to_ts_ltz, true, TIME,
     "TO_TIMESTAMP_LTZ(epoch [, 0|3])",
     "epoch seconds (0) or milliseconds (3, the default) as TIMESTAMP_LTZ(3)",
     "TO_TIMESTAMP_LTZ(1700000000, 0)", "2023-11-14 22:13:20.000"},
    {"TO_DATE", 1, 2, chk_to_date, f_to_date, true, TIME, "TO_DATE(s [, pattern])",
     "s parsed as DATE (default 'yyyy-MM-dd')", "TO_DATE('2024-02-29')", "2024-02-29"},
    {"UNIX_TIMESTAMP", 0, 2, chk_unix_ts, f_unix_timestamp, true, TIME,
     "UNIX_TIMESTAMP([s [, pattern]])",
     "epoch seconds now, or of s (default pattern 'yyyy-MM-dd HH:mm:ss') in the session zone",
     "UNIX_TIMESTAMP('2024-01-01 00:00:00')", "1704067200"},
    {"FROM_UNIXTIME", 1, 2, chk_from_unixtime, f_from_unixtime, true, TIME,
     "FROM_UNIXTIME(seconds [, pattern])",
     "epoch seconds as text (default pattern 'yyyy-MM-dd HH:mm:ss') in the session zone",
     "FROM_UNIXTIME(86400)", "1970-01-02 00:00:00"},
    {"CURRENT_TIMESTAMP", 0, 0, chk_now_ltz, f_now, false, TIME, "CURRENT_TIMESTAMP",
     "the time the job started, as TIMESTAMP_LTZ(3)", NULL, NULL},
    {"NOW", 0, 0, chk_now_ltz, f_now, false, TIME, "NOW()", "same as CURRENT_TIMESTAMP", NULL,
     NULL},
    {"CURRENT_ROW_TIMESTAMP", 0, 0, chk_now_ltz, f_now, false, TIME, "CURRENT_ROW_TIMESTAMP()",
     "the job start time (per-row clock reads come with the event-time issue)", NULL, NULL},
    {"LOCALTIMESTAMP", 0, 0, chk_now_ts, f_now, false, TIME, "LOCALTIMESTAMP",
     "the job start time in the session zone, as TIMESTAMP(3)", NULL, NULL},
    {"CURRENT_DATE", 0, 0, chk_now_date, f_now, false, TIME, "CURRENT_DATE",
     "the job start date in the session zone", NULL, NULL},
    /* internal: the binder makes these from LIKE, EXTRACT and FLOOR/CEIL(... TO unit) */
    {"$LIKE", 2, 3, chk_like, f_like, true, NULL, NULL, NULL, NULL, NULL},
    {"$EXTRACT", 1, 1, chk_ts_unit, f_extract, true, NULL, NULL, NULL, NULL, NULL},
    {"$FLOOR_TO", 1, 1, chk_ts_unit, f_floor_to, true, NULL, NULL, NULL, NULL, NULL},
    {"$CEIL_TO", 1, 1, chk_ts_unit, f_floor_to, true, NULL, NULL, NULL, NULL, NULL},
};

const fn_def *fn_lookup(const char *name) {
  for (size_t i = 0; i < sizeof fn_defs / sizeof fn_defs[0]; i++)
    if (str_ieq(fn_defs[i].name, name)) return &fn_defs[i];
  return NULL;
}

const fn_def *fn_table(int *n) {
  *n = (int)(sizeof fn_defs / sizeof fn_defs[0]);
  return fn_defs;
}

const char *expr_prepare(sl_expr *x, sl_arena *a) {
  for (int i = 0; i < x->nargs; i++) {
    const char *m = expr_prepare(x->args[i], a);
    if (m) return m;
  }
  if (x->kind != E_CALL || x->aux) return NULL;
  if ((x->fn->eval == f_regexp_extract || x->fn->eval == f_regexp_replace) &&
      x->args[1]->kind == E_LIT && !x->args[1]->lit.null) {
    regex_aux *ra = xcalloc(1, sizeof *ra);
    ra->ok = regex_compile(&ra->re, x->args[1]->lit.u.s, x->args[1]->lit.len);
    x->aux = ra;
    if (!ra->ok) return "invalid regular expression";
  }
  return NULL;
}

void expr_free_aux(sl_expr *x) {
  if (!x) return;
  for (int i = 0; i < x->nargs; i++) expr_free_aux(x->args[i]);
  if (x->aux && x->kind == E_CALL) {
    regex_aux *ra = x->aux;
    if (ra->ok) regfree(&ra->re);
    free(ra);
    x->aux = NULL;
  }
}
