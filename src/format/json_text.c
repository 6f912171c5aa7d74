/* json_text.c - the JSON decoder's cold text helpers: unescaping a validated string, the compact
 * text of nested JSON for a STRING column, and exact number conversions (double, and Flink's
 * reading of a JSON number into INT/BIGINT). Must not touch: the record loop and the scanner
 * (json.c), the key tree (json_keys.c). */
#include <stdlib.h>
#include <string.h>

#include "json_int.h"

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10; /* validated: A-F */
}

static unsigned hex4(const char *p) {
  unsigned v = 0;
  for (int i = 0; i < 4; i++) v = v << 4 | (unsigned)hexval(p[i]);
  return v;
}

static void put_utf8(char **o, unsigned cp) {
  char *q = *o;
  if (cp < 0x80)
    *q++ = (char)cp;
  else if (cp < 0x800) {
    *q++ = (char)(0xC0 | cp >> 6);
    *q++ = (char)(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *q++ = (char)(0xE0 | cp >> 12);
    *q++ = (char)(0x80 | ((cp >> 6) & 0x3F));
    *q++ = (char)(0x80 | (cp & 0x3F));
  } else {
    *q++ = (char)(0xF0 | cp >> 18);
    *q++ = (char)(0x80 | ((cp >> 12) & 0x3F));
    *q++ = (char)(0x80 | ((cp >> 6) & 0x3F));
    *q++ = (char)(0x80 | (cp & 0x3F));
  }
  *o = q;
}

/* Unescapes a validated raw string into the arena. */
const char *fmt_json_unescape(const char *s, size_t n, sl_arena *a, size_t *outn) {
  char *r = arena_alloc(a, n + 1), *o = r;
  const char *e = s + n;
  while (s < e) {
    if (*s != '\\') {
      *o++ = *s++;
      continue;
    }
    char d = s[1];
    s += 2;
    switch (d) {
    case 'b': *o++ = '\b'; break;
    case 'f': *o++ = '\f'; break;
    case 'n': *o++ = '\n'; break;
    case 'r': *o++ = '\r'; break;
    case 't': *o++ = '\t'; break;
    case 'u': {
      unsigned u, lo;
      u = hex4(s);
      s += 4;
      if (u >= 0xD800 && u <= 0xDBFF) {
        lo = hex4(s + 2);
        s += 6;
        u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
      }
      put_utf8(&o, u);
      break;
    }
    default: *o++ = d; break;
    }
  }
  *o = 0;
  *outn = (size_t)(o - r);
  return r;
}

static const double pow10d[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Exactly rounded string-to-double: a fast path when the digits fit 2^53 and the power of ten
 * is exact (Clinger), else strtod. */
double fmt_json_parse_double(const char *s, size_t n) {
  const char *p = s, *e = s + n;
  bool neg = false;
  if (*p == '-') neg = true, p++;
  uint64_t m = 0;
  int digits = 0, scale = 0;
  for (; p < e && *p >= '0' && *p <= '9'; p++, digits++) m = m * 10 + (uint64_t)(*p - '0');
  if (p < e && *p == '.')
    for (p++; p < e && *p >= '0' && *p <= '9'; p++, digits++, scale++)
      m = m * 10 + (uint64_t)(*p - '0');
  if (p == e && digits <= 15 && scale <= 22) {
    double d = (double)m / pow10d[scale];
    return neg ? -d : d;
  }
  char tmp[64];
  char *buf = n < sizeof tmp ? tmp : xmalloc(n + 1);
  memcpy(buf, s, n);
  buf[n] = 0;
  double d = strtod(buf, NULL);
  if (buf != tmp) free(buf);
  return d;
}

/* A JSON number into INT/BIGINT as Flink's JSON format reads it (Jackson's canConvertToInt /
 * asInt): an integer exactly; 1.0, 1e2 or 2.7 through a double, truncated toward zero, when it
 * is within the type's range; anything else is an error. */
bool fmt_json_num_to_int(const char *s, size_t n, bool is_int, sl_type t, sl_value *out, char *why,
                         size_t whyn) {
  if (!is_int) {
    double d = fmt_json_parse_double(s, n);
    double lo = t.id == T_INT ? -2147483648.0 : -9223372036854775808.0;
    double hi = t.id == T_INT ? 2147483647.0 : 9223372036854775807.0;
    if (d >= lo && d <= hi) {
      *out = value_int(d >= 9223372036854775807.0 ? INT64_MAX : (int64_t)d);
      return true;
    }
    char tn[48];
    snprintf(why, whyn, "%.*s is out of range for %s", (int)(n > 60 ? 60 : n), s,
             type_name(t, tn, sizeof tn));
    return false;
  }
  return fmt_text_to_value(s, n, t, out, why, whyn);
}

/* Compact text of a valid JSON object or array, as Flink (Jackson's toString) puts one into a
 * STRING column: no whitespace between tokens, strings with the canonical escapes (", \ and
 * control characters escaped, everything else as UTF-8). Never longer than the input. */
const char *fmt_json_compact(const char *s, size_t n, sl_arena *a, size_t *outn) {
  char *o = arena_alloc(a, n + 1), *w = o;
  sl_buf b = {0};
  for (size_t i = 0; i < n;) {
    char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      i++;
      continue;
    }
    if (c != '"') {
      *w++ = c;
      i++;
      continue;
    }
    size_t k = i + 1;
    bool esc = false;
    while (s[k] != '"') {
      if (s[k] == '\\') esc = true, k++;
      k++;
    }
    if (!esc) {
      memcpy(w, s + i, k + 1 - i);
      w += k + 1 - i;
    } else {
      size_t un;
      const char *u = fmt_json_unescape(s + i + 1, k - i - 1, a, &un);
      b.len = 0;
      fmt_json_escape(u, un, &b);
      *w++ = '"';
      memcpy(w, b.data, b.len);
      w += b.len;
      *w++ = '"';
    }
    i = k + 1;
  }
  buf_free(&b);
  *outn = (size_t)(w - o);
  return o;
}
