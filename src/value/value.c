/* value.c - type predicates and names, text forms of values (the CAST AS STRING rules), value
 * comparison and batch storage. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "value.h"

bool type_is_numeric(sl_type t) {
  return t.id == T_INT || t.id == T_BIGINT || t.id == T_FLOAT || t.id == T_DOUBLE ||
         t.id == T_DECIMAL;
}
bool type_is_integer(sl_type t) { return t.id == T_INT || t.id == T_BIGINT; }
bool type_is_time(sl_type t) {
  return t.id == T_DATE || t.id == T_TIMESTAMP || t.id == T_TIMESTAMP_LTZ;
}
bool type_equal(sl_type a, sl_type b) {
  if (a.id != b.id) return false;
  if (a.id == T_DECIMAL) return a.prec == b.prec && a.scale == b.scale;
  return true;
}

sl_type type_as_decimal(sl_type t) {
  if (t.id == T_INT) return type_decimal(10, 0);
  if (t.id == T_BIGINT) return type_decimal(19, 0);
  return t;
}

const char *type_name(sl_type t, char *buf, size_t n) {
  switch (t.id) {
  case T_NULL: snprintf(buf, n, "NULL"); break;
  case T_BOOLEAN: snprintf(buf, n, "BOOLEAN"); break;
  case T_INT: snprintf(buf, n, "INT"); break;
  case T_BIGINT: snprintf(buf, n, "BIGINT"); break;
  case T_FLOAT: snprintf(buf, n, "FLOAT"); break;
  case T_DOUBLE: snprintf(buf, n, "DOUBLE"); break;
  case T_DECIMAL: snprintf(buf, n, "DECIMAL(%d, %d)", t.prec, t.scale); break;
  case T_STRING:
    if (t.len)
      snprintf(buf, n, "VARCHAR(%d)", t.len);
    else
      snprintf(buf, n, "STRING");
    break;
  case T_DATE: snprintf(buf, n, "DATE"); break;
  case T_TIMESTAMP: snprintf(buf, n, "TIMESTAMP(%d)", t.prec); break;
  case T_TIMESTAMP_LTZ: snprintf(buf, n, "TIMESTAMP_LTZ(%d)", t.prec); break;
  case T_INTERVAL: snprintf(buf, n, "INTERVAL SECOND(3)"); break;
  default: snprintf(buf, n, "?"); break;
  }
  return buf;
}

/* Java's Double.toString / Float.toString: the shortest digits that read back to the same
 * number, plain notation for 1e-3 <= |d| < 1e7 (at least one fraction digit), else d.dddE±n.
 * Writes at most 32 bytes and a NUL into out[40]; returns the length. */
int double_chars(double d, bool is_float, char *out) {
  if (isnan(d)) return sprintf(out, "NaN");
  if (isinf(d)) return sprintf(out, d > 0 ? "Infinity" : "-Infinity");
  if (d == 0) return sprintf(out, signbit(d) ? "-0.0" : "0.0");
  char tmp[40];
  int prec;
  for (prec = 1; prec <= 17; prec++) {
    snprintf(tmp, sizeof tmp, "%.*e", prec - 1, d);
    if (is_float ? (float)strtod(tmp, NULL) == (float)d : strtod(tmp, NULL) == d) break;
  }
  /* tmp is "-d.ddde±XX": take digits and exponent */
  char digits[24];
  int nd = 0;
  const char *p = tmp;
  char *o = out;
  if (*p == '-') *o++ = *p++;
  for (; *p && *p != 'e'; p++)
    if (*p >= '0' && *p <= '9') digits[nd++] = *p;
  int exp = atoi(p + 1);
  while (nd > 1 && digits[nd - 1] == '0') nd--;
  double ad = fabs(d);
  if (ad >= 1e-3 && ad < 1e7) {
    if (exp >= 0) {
      for (int i = 0; i <= exp; i++) *o++ = i < nd ? digits[i] : '0';
      *o++ = '.';
      if (nd > exp + 1)
        for (int i = exp + 1; i < nd; i++) *o++ = digits[i];
      else
        *o++ = '0';
    } else {
      *o++ = '0';
      *o++ = '.';
      for (int i = 0; i < -exp - 1; i++) *o++ = '0';
      for (int i = 0; i < nd; i++) *o++ = digits[i];
    }
  } else {
    *o++ = digits[0];
    *o++ = '.';
    if (nd > 1)
      for (int i = 1; i < nd; i++) *o++ = digits[i];
    else
      *o++ = '0';
    o += sprintf(o, "E%d", exp);
  }
  *o = 0;
  return (int)(o - out);
}

void double_format(double d, bool is_float, sl_buf *out) {
  char buf[40];
  int n = double_chars(d, is_float, buf);
  buf_put(out, buf, (size_t)n);
}

static void value_text(const sl_value *v, sl_type t, sl_buf *out, bool upper_bool,
                       const int64_t *tz) {
  if (v->null) {
    buf_puts(out, "NULL");
    return;
  }
  switch (t.id) {
  case T_BOOLEAN:
    buf_puts(out, v->u.i ? (upper_bool ? "TRUE" : "true") : (upper_bool ? "FALSE" : "false"));
    break;
  case T_INT:
  case T_BIGINT: {
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%lld", (long long)v->u.i);
    buf_put(out, tmp, (size_t)n);
    break;
  }
  case T_FLOAT: double_format(v->u.d, true, out); break;
  case T_DOUBLE: double_format(v->u.d, false, out); break;
  case T_DECIMAL: dec_format(value_dec(v), t.scale, out); break;
  case T_STRING: buf_put(out, v->u.s, v->len); break;
  case T_DATE: date_format(v->u.i, out); break;
  case T_TIMESTAMP: ts_format(v->u.i, false, false, out); break;
  case T_TIMESTAMP_LTZ: ts_format(v->u.i + (tz ? *tz : 0), false, !tz, out); break;
  case T_INTERVAL: {
    int64_t ms = v->u.i;
    char sign = ms < 0 ? '-' : '+';
    uint64_t a = ms < 0 ? (uint64_t)(-(ms + 1)) + 1 : (uint64_t)ms;
    buf_printf(out, "%c%llu %02llu:%02llu:%02llu.%03llu", sign, (unsigned long long)(a / 86400000),
               (unsigned long long)(a / 3600000 % 24), (unsigned long long)(a / 60000 % 60),
               (unsigned long long)(a / 1000 % 60), (unsigned long long)(a % 1000));
    break;
  }
  default: buf_puts(out, "NULL"); break;
  }
}

void value_format(const sl_value *v, sl_type t, sl_buf *out) { value_text(v, t, out, true, NULL); }
void value_print(const sl_value *v, sl_type t, sl_buf *out) { value_text(v, t, out, false, NULL); }
void value_format_tz(const sl_value *v, sl_type t, int64_t tz_ms, sl_buf *out) {
  value_text(v, t, out, true, &tz_ms);
}
void value_print_tz(const sl_value *v, sl_type t, int64_t tz_ms, sl_buf *out) {
  value_text(v, t, out, false, &tz_ms);
}

bool text_to_int64(const char *s, size_t n, int64_t *out) {
  while (n && (*s == ' ' || *s == '\t')) s++, n--;
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
  if (!n) return false;
  bool neg = false;
  size_t i = 0;
  if (s[0] == '-' || s[0] == '+') neg = s[i++] == '-';
  if (i == n) return false;
  uint64_t v = 0;
  for (; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    uint64_t d = (uint64_t)(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  if (neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX) return false;
  *out = neg ? (int64_t)(0 - v) : (int64_t)v;
  return true;
}

bool text_to_int64_cast(const char *s, size_t n, int64_t *out) {
  while (n && (*s == ' ' || *s == '\t')) s++, n--;
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
  size_t dot = n;
  for (size_t i = 0; i < n; i++)
    if (s[i] == '.') {
      dot = i;
      break;
    }
  for (size_t i = dot + 1; i < n; i++) /* the fraction must be digits; it is dropped */
    if (s[i] < '0' || s[i] > '9') return false;
  if (dot == n) return text_to_int64(s, n, out);
  size_t sign = dot && (s[0] == '-' || s[0] == '+');
  if (dot == sign) { /* "", "-", ".5", "-." : Flink reads no integer digits as 0 */
    if (n == sign) return false;
    *out = 0;
    return true;
  }
  return text_to_int64(s, dot, out);
}

bool text_to_bool(const char *s, size_t n, bool *out) {
  static const char *const yes[] = {"t", "true", "y", "yes", "1"};
  static const char *const no[] = {"f", "false", "n", "no", "0"};
  while (n && (*s == ' ' || *s == '\t')) s++, n--;
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
  for (int i = 0; i < 5; i++) {
    if (str_nieq(s, n, yes[i])) return *out = true, true;
    if (str_nieq(s, n, no[i])) return *out = false, true;
  }
  return false;
}

bool text_to_double(const char *s, size_t n, double *out) {
  char tmp[128];
  while (n && (*s == ' ' || *s == '\t')) s++, n--;
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
  if (!n || n >= sizeof tmp) return false;
  memcpy(tmp, s, n);
  tmp[n] = 0;
  char *end;
  double d = strtod(tmp, &end);
  if (*end) return false;
  if (!strncasecmp(tmp, "0x", 2) || !strncasecmp(tmp + (tmp[0] == '-' || tmp[0] == '+'), "0x", 2))
    return false;
  *out = d;
  return true;
}

int value_compare(const sl_value *a, const sl_value *b, sl_type t) {
  switch (t.id) {
  case T_FLOAT:
  case T_DOUBLE: return a->u.d < b->u.d ? -1 : a->u.d > b->u.d ? 1 : 0;
  case T_DECIMAL: {
    __int128 x = value_dec(a), y = value_dec(b);
    return x < y ? -1 : x > y;
  }
  case T_STRING: {
    uint32_t n = a->len < b->len ? a->len : b->len;
    int c = n ? memcmp(a->u.s, b->u.s, n) : 0;
    if (c) return c < 0 ? -1 : 1;
    return a->len < b->len ? -1 : a->len > b->len;
  }
  default: return a->u.i < b->u.i ? -1 : a->u.i > b->u.i;
  }
}

void batch_init(sl_batch *b, int ncols, int cap) {
  b->ncols = ncols;
  b->nrows = 0;
  b->cap = cap;
  size_t cells = (size_t)(ncols ? ncols : 1) * (size_t)cap;
  b->v = xmalloc(cells * sizeof(sl_value));
  for (size_t i = 0; i < cells; i++) b->v[i] = value_null();
  b->pos = xcalloc((size_t)cap, sizeof(sl_rowpos));
  b->kind = xcalloc((size_t)cap, 1);
  arena_init(&b->arena, 64 * 1024);
}

const char *rowkind_short(int kind) {
  static const char *const k[] = {"+I", "-U", "+U", "-D"};
  return kind >= 0 && kind < 4 ? k[kind] : "?";
}

void batch_clear(sl_batch *b) {
  b->nrows = 0;
  arena_reset(&b->arena);
}

void batch_free(sl_batch *b) {
  free(b->v);
  free(b->pos);
  free(b->kind);
  arena_free(&b->arena);
  b->v = NULL;
  b->pos = NULL;
  b->kind = NULL;
}
