/* json.c - JSON lines: a decoder that validates the whole record (RFC 8259: escapes, \u
 * surrogate pairs, UTF-8, number grammar, nesting) but converts only the needed columns, with
 * no DOM; and the encoder with Flink's conventions. The string scanner tests 8 bytes at a time
 * for quote, backslash, control and non-ASCII bytes: this is the hot path. The encoder is in
 * json_enc.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "json_fast.h"

static const opt_def json_opts[] = {
    {"json.fail-on-missing-field", OPT_BOOL, "false", NULL, false,
     "a record without one of the declared fields is an error (else the column is NULL)"},
    {"json.ignore-parse-errors", OPT_BOOL, "false", NULL, false,
     "a record or field that cannot be parsed becomes NULL columns instead of an error"},
    {"json.timestamp-format.standard", OPT_ENUM, "SQL", "SQL|ISO-8601", false,
     "how the encoder writes TIMESTAMP: 'yyyy-MM-dd HH:mm:ss.SSS' (SQL) or "
     "'yyyy-MM-ddTHH:mm:ss.SSS' (ISO-8601, with Z for TIMESTAMP_LTZ); the decoder reads both"},
    {"json.encode.decimal-as-plain-number", OPT_BOOL, "true", NULL, false,
     "DECIMAL is written as a plain JSON number (always true here: never in E notation)"},
    {NULL, 0, NULL, NULL, false, NULL}};

#define MAX_DEPTH 1024

typedef struct json_key {
  const char *name;
  uint32_t len;
  int col;
  bool plain; /* printable ASCII without '"' or '\\': its raw JSON text is the name itself */
} json_key;

typedef struct json_dec {
  fmt_decoder base;
  json_key *keys;
  int nkeys;
  int next; /* the key expected next: the one after the last field matched */
  bool fail_missing, ignore_errors;
  fmt_ts_cache ts; /* the date of the last timestamp read by the fast path */
} json_dec;

typedef struct jp {
  const char *p, *e;
  char *why;
  size_t whyn;
} jp;

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL
static inline uint64_t has_zero(uint64_t v) { return (v - ONES) & ~v & HIGHS; }
static inline uint64_t has_byte(uint64_t v, uint8_t b) { return has_zero(v ^ (ONES * b)); }
static inline uint64_t has_less(uint64_t v, uint8_t n) { return (v - ONES * n) & ~v & HIGHS; }

static inline void skip_ws(jp *j) {
  if (j->p < j->e && (unsigned char)*j->p > ' ') return; /* compact JSON: nothing to skip */
  while (j->p < j->e && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) j->p++;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static bool hex4(const char *p, const char *e, unsigned *out) {
  if (e - p < 4) return false;
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    int h = hexval(p[i]);
    if (h < 0) return false;
    v = v << 4 | (unsigned)h;
  }
  *out = v;
  return true;
}

/* Length of a valid UTF-8 sequence at p (lead byte >= 0x80), 0 when invalid. */
static int utf8_seq(const unsigned char *p, const unsigned char *e) {
  unsigned c = p[0];
  int n;
  unsigned v;
  if (c >= 0xC2 && c <= 0xDF)
    n = 2, v = c & 0x1F;
  else if (c >= 0xE0 && c <= 0xEF)
    n = 3, v = c & 0x0F;
  else if (c >= 0xF0 && c <= 0xF4)
    n = 4, v = c & 0x07;
  else
    return 0;
  if (e - p < n) return 0;
  for (int i = 1; i < n; i++) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    v = v << 6 | (p[i] & 0x3F);
  }
  if (n == 3 && (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF))) return 0;
  if (n == 4 && (v < 0x10000 || v > 0x10FFFF)) return 0;
  return n;
}

/* j->p at the opening quote. On success *s,*n span the raw content, *esc says whether it has
 * escapes, and j->p is past the closing quote. */
static bool scan_string(jp *j, const char **s, size_t *n, bool *esc) {
  const char *p = j->p + 1, *e = j->e;
  *esc = false;
  *s = p;
  for (;;) {
#ifdef __SSE2__
    /* 16 bytes at a time: quote, backslash, and (one signed compare) control or non-ASCII */
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'),
                  space = _mm_set1_epi8(0x20);
    while (p + 16 <= e) {
      __m128i x = _mm_loadu_si128((const __m128i *)p);
      __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash)),
                               _mm_cmplt_epi8(x, space));
      int bits = _mm_movemask_epi8(m);
      if (bits) {
        p += __builtin_ctz((unsigned)bits);
        goto special;
      }
      p += 16;
    }
#endif
    while (p + 8 <= e) {
      uint64_t x;
      memcpy(&x, p, 8);
      if (has_byte(x, '"') | has_byte(x, '\\') | has_less(x, 0x20) | (x & HIGHS)) break;
      p += 8;
    }
#ifdef __SSE2__
  special:
#endif
    if (p >= e) {
      j->p = p;
      snprintf(j->why, j->whyn, "unterminated string");
      return false;
    }
    unsigned char c = (unsigned char)*p;
    if (c == '"') break;
    if (c == '\\') {
      *esc = true;
      if (p + 1 >= e) {
        j->p = p;
        snprintf(j->why, j->whyn, "unterminated string");
        return false;
      }
      char d = p[1];
      if (d == 'u') {
        unsigned u;
        if (!hex4(p + 2, e, &u)) {
          j->p = p;
          snprintf(j->why, j->whyn, "invalid \\u escape");
          return false;
        }
        p += 6;
        if (u >= 0xD800 && u <= 0xDBFF) {
          unsigned lo;
          if (e - p < 6 || p[0] != '\\' || p[1] != 'u' || !hex4(p + 2, e, &lo) || lo < 0xDC00 ||
              lo > 0xDFFF) {
            j->p = p;
            snprintf(j->why, j->whyn, "invalid \\u surrogate pair");
            return false;
          }
          p += 6;
        } else if (u >= 0xDC00 && u <= 0xDFFF) {
          j->p = p;
          snprintf(j->why, j->whyn, "lone low surrogate in \\u escape");
          return false;
        }
        continue;
      }
      if (!strchr("\"\\/bfnrt", d) || d == 0) {
        j->p = p;
        snprintf(j->why, j->whyn, "invalid escape '\\%c'", d ? d : '0');
        return false;
      }
      p += 2;
      continue;
    }
    if (c < 0x20) {
      j->p = p;
      snprintf(j->why, j->whyn, "control character in string");
      return false;
    }
    if (c >= 0x80) {
      int k = utf8_seq((const unsigned char *)p, (const unsigned char *)e);
      if (!k) {
        j->p = p;
        snprintf(j->why, j->whyn, "invalid UTF-8 in string");
        return false;
      }
      p += k;
      continue;
    }
    p++;
  }
  *n = (size_t)(p - *s);
  j->p = p + 1;
  return true;
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
static const char *unescape(const char *s, size_t n, sl_arena *a, size_t *outn) {
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
      hex4(s, e, &u);
      s += 4;
      if (u >= 0xD800 && u <= 0xDBFF) {
        hex4(s + 2, e, &lo);
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

/* j->p at '-' or a digit. */
static bool scan_number(jp *j, const char **s, size_t *n, bool *is_int) {
  const char *p = j->p, *e = j->e;
  *s = p;
  *is_int = true;
  if (p < e && *p == '-') p++;
  if (p >= e || *p < '0' || *p > '9') goto bad;
  if (*p == '0')
    p++;
  else
    while (p < e && *p >= '0' && *p <= '9') p++;
  if (p < e && *p == '.') {
    *is_int = false;
    p++;
    if (p >= e || *p < '0' || *p > '9') goto bad;
    while (p < e && *p >= '0' && *p <= '9') p++;
  }
  if (p < e && (*p == 'e' || *p == 'E')) {
    *is_int = false;
    p++;
    if (p < e && (*p == '+' || *p == '-')) p++;
    if (p >= e || *p < '0' || *p > '9') goto bad;
    while (p < e && *p >= '0' && *p <= '9') p++;
  }
  *n = (size_t)(p - *s);
  j->p = p;
  return true;
bad:
  j->p = p;
  snprintf(j->why, j->whyn, "invalid number");
  return false;
}

static bool scan_literal(jp *j, const char *lit, size_t n) {
  if ((size_t)(j->e - j->p) < n || memcmp(j->p, lit, n) != 0) {
    snprintf(j->why, j->whyn, "invalid literal");
    return false;
  }
  j->p += n;
  return true;
}

/* Skips (and validates) any value, iteratively so deep nesting cannot blow the stack. */
static bool skip_value(jp *j) {
  uint8_t stack[MAX_DEPTH]; /* 1 = object, 0 = array */
  int depth = 0;
  for (;;) {
    skip_ws(j);
    if (j->p >= j->e) {
      snprintf(j->why, j->whyn, "unexpected end of record");
      return false;
    }
    char c = *j->p;
    bool closed = false;
    if (c == '{' || c == '[') {
      if (depth == MAX_DEPTH) {
        snprintf(j->why, j->whyn, "nesting deeper than %d", MAX_DEPTH);
        return false;
      }
      stack[depth++] = c == '{';
      j->p++;
      skip_ws(j);
      if (j->p < j->e && *j->p == (c == '{' ? '}' : ']')) {
        j->p++;
        depth--;
        closed = true;
      } else if (c == '{') {
        goto key;
      } else {
        continue;
      }
    } else if (c == '"') {
      const char *s;
      size_t n;
      bool esc;
      if (!scan_string(j, &s, &n, &esc)) return false;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      const char *s;
      size_t n;
      bool isint;
      if (!scan_number(j, &s, &n, &isint)) return false;
    } else if (c == 't') {
      if (!scan_literal(j, "true", 4)) return false;
    } else if (c == 'f') {
      if (!scan_literal(j, "false", 5)) return false;
    } else if (c == 'n') {
      if (!scan_literal(j, "null", 4)) return false;
    } else {
      snprintf(j->why, j->whyn, "unexpected character '%c'", c);
      return false;
    }
    (void)closed;
    /* after a value: close containers or continue with ',' */
    for (;;) {
      if (depth == 0) return true;
      skip_ws(j);
      if (j->p >= j->e) {
        snprintf(j->why, j->whyn, "unexpected end of record");
        return false;
      }
      char d = *j->p;
      if (d == ',') {
        j->p++;
        if (stack[depth - 1]) goto key;
        break; /* next array element */
      }
      if (d == (stack[depth - 1] ? '}' : ']')) {
        j->p++;
        depth--;
        continue;
      }
      snprintf(j->why, j->whyn, "expected ',' or '%c'", stack[depth - 1] ? '}' : ']');
      return false;
    }
    continue;
  key:
    skip_ws(j);
    if (j->p >= j->e || *j->p != '"') {
      snprintf(j->why, j->whyn, "expected a field name");
      return false;
    }
    {
      const char *s;
      size_t n;
      bool esc;
      if (!scan_string(j, &s, &n, &esc)) return false;
    }
    skip_ws(j);
    if (j->p >= j->e || *j->p != ':') {
      snprintf(j->why, j->whyn, "expected ':'");
      return false;
    }
    j->p++;
  }
}

static const double pow10d[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Exactly rounded string-to-double: a fast path when the digits fit 2^53 and the power of ten
 * is exact (Clinger), else strtod. */
static double parse_double(const char *s, size_t n) {
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
static bool num_to_int(const char *s, size_t n, bool is_int, sl_type t, sl_value *out, char *why,
                       size_t whyn) {
  if (!is_int) {
    double d = parse_double(s, n);
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
static const char *json_compact(const char *s, size_t n, sl_arena *a, size_t *outn) {
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
      const char *u = unescape(s + i + 1, k - i - 1, a, &un);
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

/* Reads a value into a typed cell. */
static bool read_value(json_dec *jd, jp *j, sl_type t, sl_value *out, sl_arena *a) {
  char c = *j->p;
  const char *s;
  size_t n;
  if (c == '"') {
    bool esc;
    if (!scan_string(j, &s, &n, &esc)) return false;
    if (esc) s = unescape(s, n, a, &n);
    if (t.id == T_STRING) {
      *out = value_str(s, n);
      return true;
    }
    if (t.id == T_TIMESTAMP || t.id == T_TIMESTAMP_LTZ) {
      int64_t ms;
      if (fmt_json_fast_ts(&jd->ts, s, n, &ms)) {
        *out = value_int(ms);
        return true;
      }
    }
    return fmt_text_to_value(s, n, t, out, j->why, j->whyn);
  }
  if (c == '-' || (c >= '0' && c <= '9')) {
    bool is_int;
    if (!scan_number(j, &s, &n, &is_int)) return false;
    switch (t.id) {
    case T_INT:
    case T_BIGINT: {
      if (is_int && n <= 18) { /* fast path: no overflow possible */
        const char *p = s;
        bool neg = *p == '-';
        int64_t v = 0;
        for (p += neg; p < s + n; p++) v = v * 10 + (*p - '0');
        if (neg) v = -v;
        if (t.id == T_INT && (v < INT32_MIN || v > INT32_MAX))
          return fmt_text_to_value(s, n, t, out, j->why, j->whyn);
        *out = value_int(v);
        return true;
      }
      return num_to_int(s, n, is_int, t, out, j->why, j->whyn);
    }
    case T_FLOAT:
    case T_DOUBLE: {
      double d = parse_double(s, n);
      *out = value_double(t.id == T_FLOAT ? (double)(float)d : d);
      return true;
    }
    case T_DECIMAL:
      if (fmt_json_fast_dec(s, n, t, out)) return true;
      return fmt_text_to_value(s, n, t, out, j->why, j->whyn);
    case T_STRING: return fmt_text_to_value(s, n, t, out, j->why, j->whyn);
    case T_TIMESTAMP:
    case T_TIMESTAMP_LTZ:
    case T_DATE: {
      int64_t v;
      sl_value tmp;
      if (!num_to_int(s, n, is_int, type_make(T_BIGINT), &tmp, j->why, j->whyn)) return false;
      v = tmp.u.i; /* epoch milliseconds (DATE: epoch days) */
      *out = value_int(v);
      return true;
    }
    default: {
      char tn[48];
      snprintf(j->why, j->whyn, "a number cannot be read as %s", type_name(t, tn, sizeof tn));
      return false;
    }
    }
  }
  if (c == 'n') {
    if (!scan_literal(j, "null", 4)) return false;
    *out = value_null();
    return true;
  }
  if (c == 't' || c == 'f') {
    bool v = c == 't';
    const char *start = j->p;
    if (!scan_literal(j, v ? "true" : "false", v ? 4 : 5)) return false;
    if (t.id == T_BOOLEAN)
      *out = value_int(v);
    else if (t.id == T_STRING)
      *out = value_str(start, (size_t)(j->p - start));
    else {
      char tn[48];
      snprintf(j->why, j->whyn, "a boolean cannot be read as %s", type_name(t, tn, sizeof tn));
      return false;
    }
    return true;
  }
  if (c == '{' || c == '[') {
    const char *start = j->p;
    if (!skip_value(j)) return false;
    if (t.id == T_STRING) { /* nested JSON as compact text, as Flink does */
      size_t cn;
      const char *cs = json_compact(start, (size_t)(j->p - start), a, &cn);
      *out = value_str(cs, cn);
      return true;
    }
    char tn[48];
    snprintf(j->why, j->whyn, "a JSON %s cannot be read as %s", c == '{' ? "object" : "array",
             type_name(t, tn, sizeof tn));
    return false;
  }
  snprintf(j->why, j->whyn, "unexpected character '%c'", c);
  return false;
}

static sl_status json_decode(fmt_decoder *d, const char *p, size_t n, fmt_rec *rec, sl_value *row,
                             sl_arena *a, char *why, size_t whyn) {
  json_dec *jd = (json_dec *)d;
  const char *nl = memchr(p, '\n', n);
  size_t len = nl ? (size_t)(nl - p) : n;
  rec->consumed = nl ? len + 1 : n;
  rec->lines = nl ? 1 : 0;
  rec->no_row = false;
  jp J = {p, p + len, why, whyn}, *j = &J;
  why[0] = 0;
  skip_ws(j);
  if (j->p == j->e) {
    rec->no_row = true;
    return SL_OK;
  }
  for (int i = 0; i < jd->nkeys; i++) row[jd->keys[i].col] = value_null();
  uint64_t seen = 0;
  bool ok = true;
  if (*j->p != '{') {
    snprintf(why, whyn, "a record must be a JSON object");
    ok = false;
    goto done;
  }
  j->p++;
  skip_ws(j);
  if (j->p < j->e && *j->p == '}') {
    j->p++;
    goto end;
  }
  for (;;) {
    skip_ws(j);
    if (j->p >= j->e || *j->p != '"') {
      snprintf(why, whyn, "expected a field name");
      ok = false;
      goto done;
    }
    int k = -1;
    /* fields usually come in the same order in every record: the expected name is compared
     * with the raw text first, which needs no scan when it is plain */
    const json_key *x = jd->nkeys ? &jd->keys[jd->next] : NULL;
    const char *q = j->p + 1;
    if (x && x->plain && (size_t)(j->e - q) > x->len && q[x->len] == '"' &&
        memcmp(q, x->name, x->len) == 0) {
      k = jd->next;
      j->p = q + x->len + 1;
    } else {
      const char *ks;
      size_t kn;
      bool kesc;
      if (!(ok = scan_string(j, &ks, &kn, &kesc))) goto done;
      if (kesc) ks = unescape(ks, kn, a, &kn);
      for (int i = 0; i < jd->nkeys; i++)
        if (jd->keys[i].len == kn && (kn == 0 || jd->keys[i].name[0] == ks[0]) &&
            memcmp(jd->keys[i].name, ks, kn) == 0) {
          k = i;
          break;
        }
    }
    if (k >= 0) jd->next = k + 1 == jd->nkeys ? 0 : k + 1;
    skip_ws(j);
    if (j->p >= j->e || *j->p != ':') {
      snprintf(why, whyn, "expected ':' after a field name");
      ok = false;
      goto done;
    }
    j->p++;
    skip_ws(j);
    if (j->p >= j->e) {
      snprintf(why, whyn, "unexpected end of record");
      ok = false;
      goto done;
    }
    if (k < 0) {
      if (!(ok = skip_value(j))) goto done;
    } else {
      int col = jd->keys[k].col;
      const char *vstart = j->p;
      if (!read_value(jd, j, d->schema.types[col], &row[col], a)) {
        char inner[200];
        snprintf(inner, sizeof inner, "%s", why);
        j->p = vstart;
        if (!skip_value(j)) { /* a syntax error inside the value: the record is not JSON */
          snprintf(why, whyn, "%s", inner);
          ok = false;
          goto done;
        }
        /* valid JSON whose value does not convert to the column's type */
        snprintf(why, whyn, "field '%s' (column %zu): %s", jd->keys[k].name,
                 (size_t)(vstart - p) + 1, inner);
        if (!jd->ignore_errors) return SL_EDATA;
        row[col] = value_null();
      }
      if (k < 64) seen |= 1ULL << k;
    }
    skip_ws(j);
    if (j->p < j->e && *j->p == ',') {
      j->p++;
      continue;
    }
    if (j->p < j->e && *j->p == '}') {
      j->p++;
      break;
    }
    snprintf(why, whyn, "expected ',' or '}'");
    ok = false;
    goto done;
  }
end:
  skip_ws(j);
  if (j->p != j->e) {
    snprintf(why, whyn, "unexpected data after the JSON object");
    ok = false;
    goto done;
  }
  if (jd->fail_missing)
    for (int i = 0; i < jd->nkeys && i < 64; i++)
      if (!(seen & (1ULL << i))) {
        snprintf(why, whyn, "field '%s' is missing", jd->keys[i].name);
        return SL_EDATA;
      }
  return SL_OK;
done:
  if (!ok) {
    char inner[256];
    snprintf(inner, sizeof inner, "%s", why);
    snprintf(why, whyn, "invalid JSON at column %zu: %s", (size_t)(j->p - p) + 1, inner);
    if (jd->ignore_errors) {
      for (int i = 0; i < jd->nkeys; i++) row[jd->keys[i].col] = value_null();
      return SL_OK;
    }
    return SL_EDATA;
  }
  return SL_OK;
}

static void json_dec_free(fmt_decoder *d) {
  json_dec *jd = (json_dec *)d;
  free(jd->keys);
  free(jd);
}

static void json_file_start(fmt_decoder *d) {} /* no state across records */

static const fmt_decoder_vt json_dec_vt = {json_file_start, json_decode, json_dec_free};

static fmt_decoder *json_decoder_new(const fmt_schema *s, const opt_list *o) {
  json_dec *jd = xcalloc(1, sizeof *jd);
  jd->base.vt = &json_dec_vt;
  jd->base.schema = *s;
  jd->keys = xcalloc((size_t)s->ncols, sizeof *jd->keys);
  for (int i = 0; i < s->ncols; i++) {
    if (s->needed && !s->needed[i]) continue;
    json_key *k = &jd->keys[jd->nkeys++];
    k->name = s->names[i];
    k->len = (uint32_t)strlen(s->names[i]);
    k->col = i;
    k->plain = true;
    for (uint32_t c = 0; c < k->len; c++) {
      unsigned char ch = (unsigned char)k->name[c];
      if (ch < 0x20 || ch > 0x7e || ch == '"' || ch == '\\') k->plain = false;
    }
  }
  jd->fail_missing = opt_get_bool(o, json_opts, "json.fail-on-missing-field");
  jd->ignore_errors = opt_get_bool(o, json_opts, "json.ignore-parse-errors");
  return &jd->base;
}

const fmt_def fmt_json_def = {
    "json",
    json_opts,
    "JSON lines: one JSON object per line; fields are matched to columns by name "
    "(case-sensitive), unknown fields are skipped, missing ones are NULL. A UTF-8 byte-order "
    "mark at the start of a file is skipped; a string with invalid UTF-8 is a bad record. "
    "The encoder writes valid UTF-8 only: each invalid sequence becomes U+FFFD.",
    json_decoder_new,
    fmt_json_encoder_new,
    false};
