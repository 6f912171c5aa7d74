/* fn_time.c - date and time functions: DATE_FORMAT, TO_TIMESTAMP, TO_DATE, TO_TIMESTAMP_LTZ,
 * UNIX_TIMESTAMP, FROM_UNIXTIME, EXTRACT (and its shorthands HOUR, MINUTE, ... DAYOFWEEK),
 * FLOOR/CEIL(t TO unit), CURRENT_TIMESTAMP and friends, PROCTIME() (the wall clock read per row).
 * The pattern letters themselves live in value/datefmt.c. Must not touch: rows, batches,
 * operators, the SQL front end (src/sql). */
#include <math.h>
#include <string.h>
#include <time.h>

#include "fn.h"

static const char default_pat[] = "yyyy-MM-dd HH:mm:ss";

sl_status f_date_format(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  int64_t ms = v[0].u.i;
  if (call->args[0]->type.id == T_TIMESTAMP_LTZ) ms += ctx->tz_offset_ms;
  sl_buf local = {0}, *b = fn_scratch(ctx, &local);
  time_format_pattern(ms, v[1].u.s, v[1].len, b);
  *out = fn_done(ctx, b, &local);
  return SL_OK;
}

static bool parse_ts_text(const sl_value *s, const sl_value *fmt, int64_t *ms) {
  if (fmt) return time_parse_pattern(s->u.s, s->len, fmt->u.s, fmt->len, ms);
  int64_t off;
  bool z;
  if (!ts_parse(s->u.s, s->len, ms, &z, &off)) return false;
  return true;
}

sl_status f_to_timestamp(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  int64_t ms;
  *out = parse_ts_text(&v[0], call->nargs > 1 ? &v[1] : NULL, &ms) ? value_int(ms) : value_null();
  return SL_OK;
}

sl_status f_to_date(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
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

sl_status f_to_ts_ltz(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  double d = v[0].u.d * (call->ival == 0 ? 1000.0 : 1.0);
  if (!(d > -9.2e18 && d < 9.2e18)) return fn_fail(ctx, "epoch value out of range");
  *out = value_int((int64_t)floor(d));
  return SL_OK;
}

sl_status f_unix_timestamp(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
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

sl_status f_from_unixtime(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  sl_buf local = {0}, *b = fn_scratch(ctx, &local);
  const char *pat = call->nargs > 1 ? v[1].u.s : default_pat;
  size_t pn = call->nargs > 1 ? v[1].len : sizeof default_pat - 1;
  time_format_pattern(v[0].u.i * 1000 + ctx->tz_offset_ms, pat, pn, b);
  *out = fn_done(ctx, b, &local);
  return SL_OK;
}

/* units for EXTRACT / FLOOR TO / CEIL TO are stored in ival as an index into this list */
static const char *const units[] = {
    "MILLISECOND", "SECOND", "MINUTE",  "HOUR",        "DAY",   "WEEK",   "MONTH",
    "QUARTER",     "YEAR",   "DOW",     "DOY",         "EPOCH", "DECADE", "CENTURY",
    "MILLENNIUM",  "ISODOW", "ISOYEAR", "MICROSECOND", NULL};

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

static sl_status extract_unit(int64_t unit, int64_t ms, expr_ctx *ctx, sl_value *out);

sl_status f_extract(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  return extract_unit(call->ival, ms_of(call, &v[0], ctx), ctx, out);
}

/* HOUR(t), MINUTE(t), ... : Flink's shorthands for EXTRACT(unit FROM t); the unit is the
 * function's name (DAYOFMONTH = DAY, DAYOFYEAR = DOY, DAYOFWEEK = DOW). */
int fn_part_unit(const char *name) {
  if (str_ieq(name, "DAYOFMONTH")) return 4;
  if (str_ieq(name, "DAYOFYEAR")) return 10;
  if (str_ieq(name, "DAYOFWEEK")) return 9;
  for (int i = 0; units[i]; i++)
    if (str_ieq(units[i], name)) return i;
  return -1;
}

sl_status f_time_part(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  return extract_unit(fn_part_unit(call->fn->name), ms_of(call, &v[0], ctx), ctx, out);
}

static sl_status extract_unit(int64_t unit, int64_t ms, expr_ctx *ctx, sl_value *out) {
  int64_t days = floor_div(ms, 86400000), rem = floor_mod(ms, 86400000);
  int64_t y;
  unsigned mo, d;
  civil_from_days(days, &y, &mo, &d);
  int64_t r;
  int64_t dow = floor_mod(days + 4, 7); /* 0 = Sunday */
  switch (unit) {
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
  default: return fn_fail(ctx, "unsupported EXTRACT unit");
  }
  *out = value_int(r);
  return SL_OK;
}

sl_status f_floor_to(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
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
  default: return fn_fail(ctx, "unsupported unit for FLOOR/CEIL");
  }
  if (t.id == T_DATE)
    r = floor_div(r, 86400000);
  else if (t.id == T_TIMESTAMP_LTZ)
    r -= ctx->tz_offset_ms;
  *out = value_int(r);
  return SL_OK;
}

/* The watermark of the operator's input (ctx->watermark, set per batch by the operator), in
 * the representation of the time attribute it was derived from; NULL before the first one. */
sl_status f_current_watermark(const sl_expr *call, const sl_value *v, expr_ctx *ctx,
                              sl_value *out) {
  *out = ctx->watermark == INT64_MIN ? value_null() : value_int(ctx->watermark);
  return SL_OK;
}

sl_status f_now(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  switch (call->type.id) {
  case T_TIMESTAMP_LTZ: *out = value_int(ctx->now_ms); break;
  case T_TIMESTAMP: *out = value_int(ctx->now_ms + ctx->tz_offset_ms); break;
  default: *out = value_int(floor_div(ctx->now_ms + ctx->tz_offset_ms, 86400000)); break;
  }
  return SL_OK;
}

/* PROCTIME() and CURRENT_ROW_TIMESTAMP(): the wall clock (UTC epoch millis) when the row is
 * evaluated, as TIMESTAMP_LTZ(3); unlike CURRENT_TIMESTAMP it is read for every row. */
sl_status f_proctime(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out) {
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  *out = value_int((int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000);
  return SL_OK;
}
