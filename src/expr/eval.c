/* eval.c - evaluation of bound expressions (three-valued logic, arithmetic with Flink's
 * overflow and DECIMAL rules, comparisons, CASE, IN), CAST between types, type coercion rules,
 * and the tree utilities the planner uses (substitute, columns, format). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "expr.h"

#define FAIL(ctx, x, ...)                                                                          \
  do {                                                                                             \
    snprintf((ctx)->errmsg, sizeof(ctx)->errmsg, __VA_ARGS__);                                     \
    (ctx)->erroff = (x)->off;                                                                      \
    return SL_EDATA;                                                                               \
  } while (0)

sl_expr *expr_new(sl_arena *a, int kind, sl_type t, uint32_t off) {
  sl_expr *x = arena_zalloc(a, sizeof *x);
  x->kind = (uint8_t)kind;
  x->type = t;
  x->off = off;
  x->col = -1;
  x->lit = value_null();
  return x;
}

const char *expr_op_text(int op) {
  static const char *const t[] = {"?",  "?",  "?", "=", "<>", "<", "<=", ">",
                                  ">=", "||", "+", "-", "*",  "/", "%",  "-"};
  return op >= 0 && op < (int)(sizeof t / sizeof t[0]) ? t[op] : "?";
}

/* ---- type rules ---- */

static int num_rank(sl_type_id id) {
  switch (id) {
  case T_INT: return 1;
  case T_BIGINT: return 2;
  case T_DECIMAL: return 3;
  case T_FLOAT: return 4;
  case T_DOUBLE: return 5;
  default: return 0;
  }
}

bool expr_common_type(sl_type a, sl_type b, sl_type *out) {
  if (a.id == T_NULL) return *out = b, true;
  if (b.id == T_NULL) return *out = a, true;
  if (type_is_numeric(a) && type_is_numeric(b)) {
    if (a.id == T_DECIMAL || b.id == T_DECIMAL) {
      if (a.id == T_FLOAT || a.id == T_DOUBLE || b.id == T_FLOAT || b.id == T_DOUBLE)
        return *out = type_make(T_DOUBLE), true;
      sl_type da = type_as_decimal(a), db = type_as_decimal(b);
      int s = da.scale > db.scale ? da.scale : db.scale;
      int ia = da.prec - da.scale, ib = db.prec - db.scale;
      int p = (ia > ib ? ia : ib) + s;
      if (p > 38) p = 38;
      return *out = type_decimal(p, s), true;
    }
    if (a.id == T_FLOAT && b.id == T_FLOAT) return *out = a, true;
    if (a.id == T_FLOAT || a.id == T_DOUBLE || b.id == T_FLOAT || b.id == T_DOUBLE)
      return *out = type_make(T_DOUBLE), true;
    return *out = num_rank(a.id) >= num_rank(b.id) ? a : b, true;
  }
  if (a.id == T_STRING && b.id == T_STRING) {
    *out = type_make(T_STRING);
    if (a.len && b.len) out->len = a.len > b.len ? a.len : b.len;
    return true;
  }
  if ((a.id == T_DATE && b.id == T_TIMESTAMP) || (a.id == T_TIMESTAMP && b.id == T_DATE))
    return *out = type_make(T_TIMESTAMP), true;
  if (a.id == b.id) return *out = a, true;
  return false;
}

bool expr_implicit_ok(sl_type from, sl_type to) {
  if (from.id == T_NULL || type_equal(from, to)) return true;
  if (from.id == T_STRING && to.id == T_STRING) return true;
  if (type_is_numeric(from) && type_is_numeric(to)) {
    /* exact numerics go into any DECIMAL (a value that does not fit becomes NULL, as with
     * CAST); approximate ones need an explicit CAST */
    if (to.id == T_DECIMAL) return from.id != T_FLOAT && from.id != T_DOUBLE;
    return num_rank(from.id) <= num_rank(to.id);
  }
  if (from.id == T_DATE && to.id == T_TIMESTAMP) return true;
  if (from.id == T_TIMESTAMP && to.id == T_TIMESTAMP) return true;
  /* as Flink: TIMESTAMP and TIMESTAMP_LTZ go into each other, through the session time zone
   * (a processing-time window's window_start into a TIMESTAMP(3) column, Nexmark q12) */
  if ((from.id == T_TIMESTAMP_LTZ && to.id == T_TIMESTAMP) ||
      (from.id == T_TIMESTAMP && to.id == T_TIMESTAMP_LTZ))
    return true;
  return false;
}

bool expr_cast_allowed(sl_type from, sl_type to) {
  if (from.id == T_NULL || to.id == T_STRING || type_equal(from, to)) return true;
  if (from.id == T_STRING) return to.id != T_INTERVAL;
  if (type_is_numeric(from) || from.id == T_BOOLEAN)
    return type_is_numeric(to) || to.id == T_BOOLEAN;
  if (type_is_time(from)) return type_is_time(to);
  return from.id == to.id;
}

sl_expr *expr_coerce(sl_expr *x, sl_type t, sl_arena *a) {
  if (type_equal(x->type, t) && !(t.id == T_STRING && x->type.len != t.len && t.len)) return x;
  if (x->kind == E_LIT && x->lit.null) { /* retype NULL literals in place */
    sl_expr *c = expr_new(a, E_LIT, t, x->off);
    return c;
  }
  if (x->kind == E_LIT && x->type.id != T_TIMESTAMP_LTZ && t.id != T_TIMESTAMP_LTZ) {
    /* fold: the cast happens once, at bind time (LTZ casts depend on the session zone) */
    expr_ctx ctx = {0};
    ctx.arena = a;
    sl_value v;
    if (expr_cast(&x->lit, x->type, t, &ctx, &v) == SL_OK) {
      sl_expr *c = expr_new(a, E_LIT, t, x->off);
      c->lit = v;
      return c;
    }
  }
  sl_expr *c = expr_new(a, E_CAST, t, x->off);
  c->args = arena_alloc(a, sizeof(sl_expr *));
  c->args[0] = x;
  c->nargs = 1;
  return c;
}

/* ---- CAST ---- */

static sl_status cast_fail(expr_ctx *ctx, const sl_value *v, sl_type from, sl_type to) {
  char tn[48];
  sl_buf b = {0};
  value_format(v, from, &b);
  snprintf(ctx->errmsg, sizeof ctx->errmsg, "cannot cast '%.*s' to %s",
           (int)(b.len > 120 ? 120 : b.len), b.data ? b.data : "", type_name(to, tn, sizeof tn));
  buf_free(&b);
  return SL_EDATA;
}

static double to_double(const sl_value *v, sl_type t) {
  switch (t.id) {
  case T_FLOAT:
  case T_DOUBLE: return v->u.d;
  case T_DECIMAL: return dec_to_double(value_dec(v), t.scale);
  default: return (double)v->u.i;
  }
}

static int64_t d2l(double d) { /* Java's (long) cast: saturating, NaN -> 0 */
  if (isnan(d)) return 0;
  if (d >= 9.2233720368547758e18) return INT64_MAX;
  if (d <= -9.2233720368547758e18) return INT64_MIN;
  return (int64_t)d;
}

sl_status expr_cast(const sl_value *v, sl_type from, sl_type to, expr_ctx *ctx, sl_value *out) {
  if (v->null) {
    *out = value_null();
    return SL_OK;
  }
  if (to.id == T_STRING) {
    if (from.id == T_STRING) {
      *out = *v;
      return SL_OK;
    }
    sl_buf local = {0}, *b = ctx->scratch ? ctx->scratch : &local;
    b->len = 0;
    value_format_tz(v, from, ctx->tz_offset_ms, b);
    char *s = arena_strndup(ctx->arena, b->data ? b->data : "", b->len);
    *out = value_str(s, b->len);
    if (b == &local) buf_free(&local);
    return SL_OK;
  }
  if (from.id == T_STRING) {
    const char *s = v->u.s;
    size_t n = v->len;
    switch (to.id) {
    case T_BOOLEAN: {
      bool b;
      if (!text_to_bool(s, n, &b)) return cast_fail(ctx, v, from, to);
      *out = value_int(b);
      return SL_OK;
    }
    case T_INT:
    case T_BIGINT: {
      int64_t i;
      if (!text_to_int64_cast(s, n, &i)) return cast_fail(ctx, v, from, to);
      if (to.id == T_INT && (i < INT32_MIN || i > INT32_MAX)) return cast_fail(ctx, v, from, to);
      *out = value_int(i);
      return SL_OK;
    }
    case T_FLOAT:
    case T_DOUBLE: {
      double d;
      if (!text_to_double(s, n, &d)) return cast_fail(ctx, v, from, to);
      *out = value_double(to.id == T_FLOAT ? (double)(float)d : d);
      return SL_OK;
    }
    case T_DECIMAL: {
      __int128 x;
      if (!dec_parse(s, n, to.prec, to.scale, &x)) return cast_fail(ctx, v, from, to);
      *out = value_decimal(x);
      return SL_OK;
    }
    case T_DATE: {
      int64_t d;
      if (!date_parse(s, n, &d)) {
        int64_t ms, off;
        bool z;
        if (!ts_parse(s, n, &ms, &z, &off)) return cast_fail(ctx, v, from, to);
        d = floor_div(ms, 86400000);
      }
      *out = value_int(d);
      return SL_OK;
    }
    case T_TIMESTAMP:
    case T_TIMESTAMP_LTZ: {
      int64_t ms, off;
      bool z;
      if (!ts_parse(s, n, &ms, &z, &off)) return cast_fail(ctx, v, from, to);
      if (to.id == T_TIMESTAMP_LTZ)
        ms -= z ? off : ctx->tz_offset_ms;
      else if (z)
        ms = ms - off + ctx->tz_offset_ms;
      *out = value_int(ms);
      return SL_OK;
    }
    default: return cast_fail(ctx, v, from, to);
    }
  }
  if (type_is_numeric(from) || from.id == T_BOOLEAN) {
    switch (to.id) {
    case T_BOOLEAN:
      *out = value_int(from.id == T_DECIMAL                          ? value_dec(v) != 0
                       : (from.id == T_FLOAT || from.id == T_DOUBLE) ? v->u.d != 0
                                                                     : v->u.i != 0);
      return SL_OK;
    case T_INT:
    case T_BIGINT: {
      int64_t i;
      if (from.id == T_FLOAT || from.id == T_DOUBLE) {
        i = d2l(v->u.d); /* Java's (long) and (int) of a double both saturate */
        if (to.id == T_INT) i = i < INT32_MIN ? INT32_MIN : i > INT32_MAX ? INT32_MAX : i;
      } else if (from.id == T_DECIMAL) {
        __int128 x = value_dec(v) / dec_pow10[from.scale];
        i = (int64_t)x; /* Java's longValue(): low 64 bits */
        if (to.id == T_INT) i = (int32_t)(uint32_t)(uint64_t)i; /* Java narrowing wraps */
      } else {
        i = v->u.i;
        if (to.id == T_INT) i = (int32_t)(uint32_t)(uint64_t)i;
      }
      *out = value_int(i);
      return SL_OK;
    }
    case T_FLOAT:
    case T_DOUBLE: {
      double d = to_double(v, from);
      *out = value_double(to.id == T_FLOAT ? (double)(float)d : d);
      return SL_OK;
    }
    case T_DECIMAL: {
      __int128 x;
      bool ok;
      if (from.id == T_DECIMAL)
        ok = dec_rescale(value_dec(v), from.scale, to.scale, to.prec, &x);
      else if (from.id == T_FLOAT || from.id == T_DOUBLE)
        ok = dec_from_double(v->u.d, to.prec, to.scale, &x);
      else
        ok = dec_rescale((__int128)v->u.i, 0, to.scale, to.prec, &x);
      *out = ok ? value_decimal(x) : value_null(); /* Flink: overflow gives NULL */
      return SL_OK;
    }
    default: return cast_fail(ctx, v, from, to);
    }
  }
  if (type_is_time(from) && type_is_time(to)) {
    int64_t ms = from.id == T_DATE ? v->u.i * 86400000 : v->u.i;
    if (from.id == T_TIMESTAMP_LTZ && to.id != T_TIMESTAMP_LTZ) ms += ctx->tz_offset_ms;
    if (from.id != T_TIMESTAMP_LTZ && to.id == T_TIMESTAMP_LTZ) ms -= ctx->tz_offset_ms;
    *out = value_int(to.id == T_DATE ? floor_div(ms, 86400000) : ms);
    return SL_OK;
  }
  if (from.id == to.id) {
    *out = *v;
    return SL_OK;
  }
  return cast_fail(ctx, v, from, to);
}

/* ---- arithmetic ---- */

static sl_status arith(const sl_expr *x, const sl_value *a, const sl_value *b, expr_ctx *ctx,
                       sl_value *out) {
  int op = (int)x->ival;
  sl_type t = x->type;
  sl_type ta = x->args[0]->type;
  if (op == EOP_NEG) {
    switch (t.id) {
    case T_INT: *out = value_int((int32_t)(0u - (uint32_t)a->u.i)); return SL_OK;
    case T_BIGINT:
    case T_INTERVAL: *out = value_int((int64_t)(0 - (uint64_t)a->u.i)); return SL_OK;
    case T_FLOAT:
    case T_DOUBLE: *out = value_double(-a->u.d); return SL_OK;
    case T_DECIMAL: *out = value_decimal(-value_dec(a)); return SL_OK;
    default: FAIL(ctx, x, "cannot negate this type");
    }
  }
  sl_type tb = x->args[1]->type;
  if (t.id == T_TIMESTAMP || t.id == T_TIMESTAMP_LTZ || t.id == T_DATE) {
    const sl_value *tv = ta.id == T_INTERVAL ? b : a, *iv = ta.id == T_INTERVAL ? a : b;
    int64_t ms = iv->u.i;
    if (op == EOP_SUB) ms = -ms;
    if (t.id == T_DATE)
      *out = value_int(tv->u.i + floor_div(ms, 86400000));
    else
      *out = value_int(tv->u.i + ms);
    return SL_OK;
  }
  switch (t.id) {
  case T_INT:
  case T_BIGINT:
  case T_INTERVAL: {
    uint64_t ua = (uint64_t)a->u.i, ub = (uint64_t)b->u.i;
    int64_t r;
    switch (op) {
    case EOP_ADD: r = (int64_t)(ua + ub); break;
    case EOP_SUB: r = (int64_t)(ua - ub); break;
    case EOP_MUL: r = (int64_t)(ua * ub); break;
    case EOP_DIV:
    case EOP_MOD:
      if (b->u.i == 0) FAIL(ctx, x, "division by zero");
      if (a->u.i == INT64_MIN && b->u.i == -1)
        r = op == EOP_DIV ? INT64_MIN : 0;
      else
        r = op == EOP_DIV ? a->u.i / b->u.i : a->u.i % b->u.i;
      break;
    default: FAIL(ctx, x, "bad operator");
    }
    if (t.id == T_INT) r = (int32_t)(uint32_t)(uint64_t)r;
    *out = value_int(r);
    return SL_OK;
  }
  case T_FLOAT:
  case T_DOUBLE: {
    double da = to_double(a, ta), db = to_double(b, tb), r;
    switch (op) {
    case EOP_ADD: r = da + db; break;
    case EOP_SUB: r = da - db; break;
    case EOP_MUL: r = da * db; break;
    case EOP_DIV: r = da / db; break;
    case EOP_MOD: r = fmod(da, db); break;
    default: FAIL(ctx, x, "bad operator");
    }
    *out = value_double(t.id == T_FLOAT ? (double)(float)r : r);
    return SL_OK;
  }
  case T_DECIMAL: {
    /* exact (256-bit intermediate), rounded HALF_UP to the result type; a result that does
     * not fit its precision is NULL, as in Flink */
    __int128 va = value_dec(a), vb = value_dec(b), r;
    int sa = ta.scale, sb = tb.scale;
    bool ok;
    switch (op) {
    case EOP_ADD: ok = dec_add(va, sa, vb, sb, t.prec, t.scale, &r); break;
    case EOP_SUB: ok = dec_add(va, sa, -vb, sb, t.prec, t.scale, &r); break;
    case EOP_MUL: ok = dec_mul(va, sa, vb, sb, t.prec, t.scale, &r); break;
    case EOP_DIV:
    case EOP_MOD:
      if (vb == 0) FAIL(ctx, x, "division by zero");
      ok = op == EOP_DIV ? dec_div(va, sa, vb, sb, t.prec, t.scale, &r)
                         : dec_mod(va, sa, vb, sb, t.prec, t.scale, &r);
      break;
    default: FAIL(ctx, x, "bad operator");
    }
    *out = ok ? value_decimal(r) : value_null();
    return SL_OK;
  }
  default: FAIL(ctx, x, "bad arithmetic type");
  }
}

/* ---- evaluation ---- */

#define MAX_ARGS 64

sl_status expr_eval(const sl_expr *x, const sl_value *row, expr_ctx *ctx, sl_value *out) {
  sl_status st;
  switch (x->kind) {
  case E_COL: *out = row[x->col]; return SL_OK;
  case E_LIT: *out = x->lit; return SL_OK;
  case E_CAST: {
    sl_value v;
    if ((st = expr_eval(x->args[0], row, ctx, &v))) return st;
    st = expr_cast(&v, x->args[0]->type, x->type, ctx, out);
    if (st == SL_EDATA) {
      if (x->flag & 1) {
        *out = value_null();
        return SL_OK;
      }
      ctx->erroff = x->off;
    }
    return st;
  }
  case E_AND:
  case E_OR: {
    bool is_and = x->kind == E_AND, saw_null = false;
    for (int i = 0; i < x->nargs; i++) {
      sl_value v;
      if ((st = expr_eval(x->args[i], row, ctx, &v))) return st;
      if (v.null)
        saw_null = true;
      else if ((v.u.i != 0) != is_and) {
        *out = value_int(!is_and);
        return SL_OK;
      }
    }
    *out = saw_null ? value_null() : value_int(is_and);
    return SL_OK;
  }
  case E_NOT: {
    if ((st = expr_eval(x->args[0], row, ctx, out))) return st;
    if (!out->null) out->u.i = !out->u.i;
    return SL_OK;
  }
  case E_ISNULL: {
    sl_value v;
    if ((st = expr_eval(x->args[0], row, ctx, &v))) return st;
    *out = value_int((v.null != 0) != (x->flag & 1));
    return SL_OK;
  }
  case E_ISBOOL: {
    sl_value v;
    if ((st = expr_eval(x->args[0], row, ctx, &v))) return st;
    bool r = x->ival == 2 ? v.null : (!v.null && (v.u.i != 0) == (x->ival == 1));
    *out = value_int(r != (x->flag & 1));
    return SL_OK;
  }
  case E_CASE: {
    int pairs = (x->nargs - (x->flag & 1)) / 2;
    for (int i = 0; i < pairs; i++) {
      sl_value c;
      if ((st = expr_eval(x->args[2 * i], row, ctx, &c))) return st;
      if (!c.null && c.u.i) return expr_eval(x->args[2 * i + 1], row, ctx, out);
    }
    if (x->flag & 1) return expr_eval(x->args[x->nargs - 1], row, ctx, out);
    *out = value_null();
    return SL_OK;
  }
  case E_IN: {
    sl_value v;
    if ((st = expr_eval(x->args[0], row, ctx, &v))) return st;
    if (v.null) {
      *out = value_null();
      return SL_OK;
    }
    bool saw_null = false;
    for (int i = 1; i < x->nargs; i++) {
      sl_value c;
      if ((st = expr_eval(x->args[i], row, ctx, &c))) return st;
      if (c.null)
        saw_null = true;
      else if (value_compare(&v, &c, x->args[0]->type) == 0) {
        *out = value_int(!(x->flag & 1));
        return SL_OK;
      }
    }
    *out = saw_null ? value_null() : value_int(x->flag & 1);
    return SL_OK;
  }
  case E_CMP: {
    sl_value a, b;
    if ((st = expr_eval(x->args[0], row, ctx, &a))) return st;
    if ((st = expr_eval(x->args[1], row, ctx, &b))) return st;
    if (a.null || b.null) {
      *out = value_null();
      return SL_OK;
    }
    int c;
    sl_type t = x->args[0]->type;
    if ((t.id == T_DOUBLE || t.id == T_FLOAT) && (isnan(a.u.d) || isnan(b.u.d))) {
      *out = value_int(x->ival == EOP_NE);
      return SL_OK;
    }
    c = value_compare(&a, &b, t);
    bool r;
    switch (x->ival) {
    case EOP_EQ: r = c == 0; break;
    case EOP_NE: r = c != 0; break;
    case EOP_LT: r = c < 0; break;
    case EOP_LE: r = c <= 0; break;
    case EOP_GT: r = c > 0; break;
    default: r = c >= 0; break;
    }
    *out = value_int(r);
    return SL_OK;
  }
  case E_ARITH: {
    sl_value a, b = value_null();
    if ((st = expr_eval(x->args[0], row, ctx, &a))) return st;
    if (x->nargs > 1 && (st = expr_eval(x->args[1], row, ctx, &b))) return st;
    if (a.null || (x->nargs > 1 && b.null)) {
      *out = value_null();
      return SL_OK;
    }
    return arith(x, &a, &b, ctx, out);
  }
  case E_CONCAT: {
    sl_value a, b;
    if ((st = expr_eval(x->args[0], row, ctx, &a))) return st;
    if ((st = expr_eval(x->args[1], row, ctx, &b))) return st;
    if (a.null || b.null) {
      *out = value_null();
      return SL_OK;
    }
    char *s = arena_alloc(ctx->arena, (size_t)a.len + b.len + 1);
    if (a.len) memcpy(s, a.u.s, a.len);
    if (b.len) memcpy(s + a.len, b.u.s, b.len);
    *out = value_str(s, (size_t)a.len + b.len);
    return SL_OK;
  }
  case E_CALL: {
    sl_value args[MAX_ARGS];
    for (int i = 0; i < x->nargs && i < MAX_ARGS; i++) {
      if ((st = expr_eval(x->args[i], row, ctx, &args[i]))) return st;
      if (args[i].null && x->fn->strict) {
        *out = value_null();
        return SL_OK;
      }
    }
    st = x->fn->eval(x, args, ctx, out);
    if (st == SL_EDATA && !ctx->erroff) ctx->erroff = x->off;
    return st;
  }
  default: FAIL(ctx, x, "internal: bad expression kind %d", x->kind);
  }
}

sl_status expr_eval_pred(const sl_expr *x, const sl_value *row, expr_ctx *ctx, bool *keep) {
  sl_value v;
  sl_status st = expr_eval(x, row, ctx, &v);
  *keep = st == SL_OK && !v.null && v.u.i;
  return st;
}

/* ---- tree utilities ---- */

void expr_columns(const sl_expr *x, bool *used) {
  if (x->kind == E_COL) used[x->col] = true;
  for (int i = 0; i < x->nargs; i++) expr_columns(x->args[i], used);
}

sl_expr *expr_substitute(const sl_expr *x, sl_expr *const *repl, sl_arena *a) {
  if (x->kind == E_COL && repl) return expr_substitute(repl[x->col], NULL, a);
  sl_expr *c = arena_alloc(a, sizeof *c);
  *c = *x;
  if (x->nargs) {
    c->args = arena_alloc(a, sizeof(sl_expr *) * (size_t)x->nargs);
    for (int i = 0; i < x->nargs; i++) c->args[i] = expr_substitute(x->args[i], repl, a);
  }
  c->aux = NULL; /* per-node state is made by expr_prepare on the final tree */
  return c;
}

static void format_lit(const sl_expr *x, sl_buf *out) {
  if (x->lit.null) {
    buf_puts(out, "NULL");
    return;
  }
  char tn[48];
  switch (x->type.id) {
  case T_STRING: {
    buf_putc(out, '\'');
    for (uint32_t i = 0; i < x->lit.len; i++) {
      if (x->lit.u.s[i] == '\'') buf_putc(out, '\'');
      buf_putc(out, x->lit.u.s[i]);
    }
    buf_putc(out, '\'');
    break;
  }
  case T_DATE:
  case T_TIMESTAMP:
  case T_TIMESTAMP_LTZ:
    buf_printf(out, "%s '", type_name(x->type, tn, sizeof tn));
    value_format(&x->lit, x->type, out);
    buf_putc(out, '\'');
    break;
  case T_INTERVAL: buf_printf(out, "INTERVAL '%lld' MILLISECOND", (long long)x->lit.u.i); break;
  default: value_format(&x->lit, x->type, out); break;
  }
}

void expr_format(const sl_expr *x, const char *const *col_names, sl_buf *out) {
  char tn[48];
  switch (x->kind) {
  case E_COL:
    if (col_names)
      buf_puts(out, col_names[x->col]);
    else
      buf_printf(out, "$%d", x->col);
    break;
  case E_LIT: format_lit(x, out); break;
  case E_CAST:
    buf_puts(out, x->flag & 1 ? "TRY_CAST(" : "CAST(");
    expr_format(x->args[0], col_names, out);
    buf_printf(out, " AS %s)", type_name(x->type, tn, sizeof tn));
    break;
  case E_AND:
  case E_OR:
    buf_putc(out, '(');
    for (int i = 0; i < x->nargs; i++) {
      if (i) buf_puts(out, x->kind == E_AND ? " AND " : " OR ");
      expr_format(x->args[i], col_names, out);
    }
    buf_putc(out, ')');
    break;
  case E_NOT:
    buf_puts(out, "NOT ");
    expr_format(x->args[0], col_names, out);
    break;
  case E_ISNULL:
    expr_format(x->args[0], col_names, out);
    buf_puts(out, x->flag & 1 ? " IS NOT NULL" : " IS NULL");
    break;
  case E_ISBOOL:
    expr_format(x->args[0], col_names, out);
    buf_printf(out, " IS %s%s", x->flag & 1 ? "NOT " : "",
               x->ival == 1   ? "TRUE"
               : x->ival == 0 ? "FALSE"
                              : "UNKNOWN");
    break;
  case E_CASE: {
    buf_puts(out, "CASE");
    int pairs = (x->nargs - (x->flag & 1)) / 2;
    for (int i = 0; i < pairs; i++) {
      buf_puts(out, " WHEN ");
      expr_format(x->args[2 * i], col_names, out);
      buf_puts(out, " THEN ");
      expr_format(x->args[2 * i + 1], col_names, out);
    }
    if (x->flag & 1) {
      buf_puts(out, " ELSE ");
      expr_format(x->args[x->nargs - 1], col_names, out);
    }
    buf_puts(out, " END");
    break;
  }
  case E_IN:
    expr_format(x->args[0], col_names, out);
    buf_puts(out, x->flag & 1 ? " NOT IN (" : " IN (");
    for (int i = 1; i < x->nargs; i++) {
      if (i > 1) buf_puts(out, ", ");
      expr_format(x->args[i], col_names, out);
    }
    buf_putc(out, ')');
    break;
  case E_CMP:
  case E_ARITH:
  case E_CONCAT:
    if (x->kind == E_ARITH && x->ival == EOP_NEG) {
      buf_putc(out, '-');
      expr_format(x->args[0], col_names, out);
      break;
    }
    buf_putc(out, '(');
    expr_format(x->args[0], col_names, out);
    buf_printf(out, " %s ", x->kind == E_CONCAT ? "||" : expr_op_text((int)x->ival));
    expr_format(x->args[1], col_names, out);
    buf_putc(out, ')');
    break;
  case E_CALL:
    buf_printf(out, "%s(", x->fn->name);
    for (int i = 0; i < x->nargs; i++) {
      if (i) buf_puts(out, ", ");
      expr_format(x->args[i], col_names, out);
    }
    buf_putc(out, ')');
    break;
  default: buf_puts(out, "?"); break;
  }
}
