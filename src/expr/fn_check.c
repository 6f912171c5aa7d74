/* fn_check.c - the type checks of the scalar functions (argument types, implicit casts via
 * expr_coerce, the result type) and the small helpers every function file shares (results in
 * the batch arena, row errors, UTF-8 offsets). Must not touch: rows, batches, operators, the SQL
 * front end (src/sql). */
#include <string.h>

#include "fn.h"

#define A(i) (call->args[i]->type)

sl_value fn_str_out(expr_ctx *ctx, const char *s, size_t n) {
  char *r = arena_alloc(ctx->arena, n + 1);
  if (n) memcpy(r, s, n);
  r[n] = 0;
  return value_str(r, n);
}

/* Text a function builds goes through the operator's scratch buffer (no heap allocation per
 * row) and is then copied into the batch arena by done(). */
sl_buf *fn_scratch(expr_ctx *ctx, sl_buf *local) {
  sl_buf *b = ctx->scratch ? ctx->scratch : local;
  b->len = 0;
  return b;
}
sl_value fn_done(expr_ctx *ctx, sl_buf *b, sl_buf *local) {
  sl_value v = fn_str_out(ctx, b->data ? b->data : "", b->len);
  if (b == local) buf_free(local);
  return v;
}

sl_status fn_fail(expr_ctx *ctx, const char *msg) {
  snprintf(ctx->errmsg, sizeof ctx->errmsg, "%s", msg);
  return SL_EDATA;
}

/* UTF-8: byte offset of the k-th (0-based) character, or n when past the end. */
size_t fn_utf8_offset(const char *s, size_t n, int64_t k) {
  size_t i = 0;
  while (i < n && k > 0) {
    i++;
    while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80) i++;
    k--;
  }
  return i;
}
int64_t fn_utf8_len(const char *s, size_t n) {
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
const char *chk_str(sl_expr *call, sl_arena *a) {
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
const char *chk_substring(sl_expr *call, sl_arena *a) { return chk_str_ints(call, a, 1, T_STRING); }
const char *chk_split_index(sl_expr *call, sl_arena *a) {
  return chk_str_ints(call, a, 2, T_STRING);
}
const char *chk_regexp_extract(sl_expr *call, sl_arena *a) {
  return chk_str_ints(call, a, 2, T_STRING);
}
const char *chk_regexp(sl_expr *call, sl_arena *a) {
  const char *m = chk_str(call, a);
  call->type = type_make(T_BOOLEAN);
  return m;
}
const char *chk_str_to_int(sl_expr *call, sl_arena *a) {
  const char *m = chk_str(call, a);
  call->type = type_make(T_INT);
  return m;
}
const char *chk_concat_ws(sl_expr *call, sl_arena *a) { return chk_str(call, a); }
/* CONCAT takes any types and casts them to STRING (as Flink does for non-strings) */
const char *chk_concat(sl_expr *call, sl_arena *a) {
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
const char *chk_coalesce(sl_expr *call, sl_arena *a) { return chk_common(call, a, 0); }
const char *chk_if(sl_expr *call, sl_arena *a) {
  const char *m = need(call, 0, A(0).id == T_BOOLEAN || A(0).id == T_NULL, "a boolean", a);
  return m ? m : chk_common(call, a, 1);
}
const char *chk_num_same(sl_expr *call, sl_arena *a) {
  const char *m = need(call, 0, is_num(A(0)), "a number", a);
  if (m) return m;
  call->type = A(0).id == T_NULL ? type_make(T_INT) : A(0);
  return NULL;
}
const char *chk_num_double(sl_expr *call, sl_arena *a) {
  for (int i = 0; i < call->nargs; i++) {
    const char *m = need(call, i, is_num(A(i)), "a number", a);
    if (m) return m;
    call->args[i] = expr_coerce(call->args[i], type_make(T_DOUBLE), a);
  }
  call->type = type_make(T_DOUBLE);
  return NULL;
}
const char *chk_mod(sl_expr *call, sl_arena *a) {
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
const char *chk_floor(sl_expr *call, sl_arena *a) {
  const char *m = need(call, 0, is_num(A(0)), "a number", a);
  if (m) return m;
  call->type = A(0);
  if (A(0).id == T_DECIMAL) {
    int p = A(0).prec - A(0).scale + 1;
    call->type = type_decimal(p > 38 ? 38 : p, 0);
  }
  return NULL;
}
const char *chk_round(sl_expr *call, sl_arena *a) {
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
const char *chk_greatest(sl_expr *call, sl_arena *a) { return chk_common(call, a, 0); }
const char *chk_nullif(sl_expr *call, sl_arena *a) {
  sl_type t0 = A(0);
  const char *m = chk_common(call, a, 0);
  if (!m && t0.id != T_NULL) {
    call->args[0] = expr_coerce(call->args[0], call->type, a);
  }
  return m;
}
const char *chk_position(sl_expr *call, sl_arena *a) { return chk_str_to_int(call, a); }
const char *chk_date_format(sl_expr *call, sl_arena *a) {
  const char *m = need(call, 0, is_ts(A(0)) || is_str(A(0)), "a timestamp or a string", a);
  if (m) return m;
  if (A(0).id == T_STRING || A(0).id == T_DATE)
    call->args[0] = expr_coerce(call->args[0], type_make(T_TIMESTAMP), a);
  if ((m = need(call, 1, is_str(A(1)), "a format string", a))) return m;
  call->type = type_make(T_STRING);
  return NULL;
}
const char *chk_to_ts(sl_expr *call, sl_arena *a) {
  const char *m = chk_str(call, a);
  call->type = type_make(T_TIMESTAMP);
  return m;
}
const char *chk_to_date(sl_expr *call, sl_arena *a) {
  const char *m = chk_str(call, a);
  call->type = type_make(T_DATE);
  return m;
}
const char *chk_to_ts_ltz(sl_expr *call, sl_arena *a) {
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
const char *chk_unix_ts(sl_expr *call, sl_arena *a) {
  const char *m = chk_str(call, a);
  call->type = type_make(T_BIGINT);
  return m;
}
const char *chk_from_unixtime(sl_expr *call, sl_arena *a) {
  const char *m = need(call, 0, is_int(A(0)), "an integer (epoch seconds)", a);
  if (m) return m;
  call->args[0] = expr_coerce(call->args[0], type_make(T_BIGINT), a);
  if (call->nargs > 1 && (m = need(call, 1, is_str(A(1)), "a format string", a))) return m;
  call->type = type_make(T_STRING);
  return NULL;
}
const char *chk_ts_unit(sl_expr *call, sl_arena *a) {
  const char *m = need(call, 0, is_ts(A(0)), "a date or timestamp", a);
  if (m) return m;
  call->type = call->fn->name[1] == 'E' ? type_make(T_BIGINT) : A(0); /* $EXTRACT vs $FLOOR */
  return NULL;
}
/* HOUR(t) ...: a timestamp (a DATE only for the units above HOUR), BIGINT as EXTRACT */
const char *chk_time_part(sl_expr *call, sl_arena *a) {
  int u = fn_part_unit(call->fn->name);
  const char *m = need(call, 0, is_ts(A(0)) && (A(0).id != T_DATE || u > 3),
                       u > 3 ? "a date or timestamp" : "a timestamp", a);
  if (m) return m;
  call->type = type_make(T_BIGINT);
  return NULL;
}
/* count_char(s, c): two strings, BIGINT */
const char *chk_count_char(sl_expr *call, sl_arena *a) {
  const char *m = chk_str(call, a);
  call->type = type_make(T_BIGINT);
  return m;
}
const char *chk_like(sl_expr *call, sl_arena *a) { return chk_str(call, a); }
const char *chk_now_ltz(sl_expr *call, sl_arena *a) {
  call->type = type_make(T_TIMESTAMP_LTZ);
  return NULL;
}
/* CURRENT_WATERMARK(ts): the type of ts, which must be TIMESTAMP(3) or TIMESTAMP_LTZ(3) */
const char *chk_current_wm(sl_expr *call, sl_arena *a) {
  sl_type t = A(0);
  const char *m = need(call, 0, t.id == T_TIMESTAMP || t.id == T_TIMESTAMP_LTZ,
                       "a TIMESTAMP or TIMESTAMP_LTZ (the time attribute)", a);
  if (m) return m;
  call->type = t;
  return NULL;
}
const char *chk_now_ts(sl_expr *call, sl_arena *a) {
  call->type = type_make(T_TIMESTAMP);
  return NULL;
}
const char *chk_now_date(sl_expr *call, sl_arena *a) {
  call->type = type_make(T_DATE);
  return NULL;
}
