/* fn_math.c - numeric functions (ABS, ROUND, FLOOR/CEIL, MOD, POWER, SQRT, LN, LOG10, EXP) and
 * the conditional ones (COALESCE, NULLIF, IF, GREATEST, LEAST). Must not touch: rows, batches,
 * operators, the SQL front end (src/sql). */
#include <math.h>

#include "fn.h"

/* ---- math ---- */

sl_status f_abs(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
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

sl_status f_round(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
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
      if (!dec_rescale(x, t.scale, 0, 38, &x)) return fn_fail(ctx, "overflow in ROUND");
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

sl_status f_floor(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
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

sl_status f_mod(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  if (call->type.id == T_DOUBLE) {
    *out = value_double(fmod(v[0].u.d, v[1].u.d));
    return SL_OK;
  }
  if (v[1].u.i == 0) return fn_fail(ctx, "division by zero in MOD");
  *out = value_int(v[1].u.i == -1 ? 0 : v[0].u.i % v[1].u.i);
  return SL_OK;
}

sl_status f_power(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  *out = value_double(pow(v[0].u.d, v[1].u.d));
  return SL_OK;
}
sl_status f_sqrt(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  *out = value_double(sqrt(v[0].u.d));
  return SL_OK;
}
sl_status f_ln(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  *out = value_double(call->fn->name[1] == 'N'   ? log(v[0].u.d)
                      : call->fn->name[0] == 'E' ? exp(v[0].u.d)
                                                 : log10(v[0].u.d));
  return SL_OK;
}

/* ---- conditional ---- */

sl_status f_coalesce(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  for (int i = 0; i < call->nargs; i++)
    if (!v[i].null) {
      *out = v[i];
      return SL_OK;
    }
  *out = value_null();
  return SL_OK;
}
sl_status f_nullif(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  if (!v[0].null && !v[1].null && value_compare(&v[0], &v[1], call->type) == 0)
    *out = value_null();
  else
    *out = v[0];
  return SL_OK;
}
sl_status f_if(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  *out = (!v[0].null && v[0].u.i) ? v[1] : v[2];
  return SL_OK;
}
sl_status f_greatest(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  bool least = call->fn->name[0] == 'L';
  *out = v[0];
  for (int i = 1; i < call->nargs; i++) {
    int c = value_compare(&v[i], out, call->type);
    if (least ? c < 0 : c > 0) *out = v[i];
  }
  return SL_OK;
}
