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

#include "json_int.h"

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

typedef struct json_dec {
  fmt_decoder base;
  json_keys k;
  int *next;     /* per group: the member expected next (the one after the last field matched) */
  uint8_t *seen; /* per key, with json.fail-on-missing-field: 1 present, 2 an object */
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

/* Reads a value into a typed cell. */
static bool read_value(json_dec *jd, jp *j, sl_type t, sl_value *out, sl_arena *a) {
  char c = *j->p;
  const char *s;
  size_t n;
  if (c == '"') {
    bool esc;
    if (!scan_string(j, &s, &n, &esc)) return false;
    if (esc) s = fmt_json_unescape(s, n, a, &n);
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
      return fmt_json_num_to_int(s, n, is_int, t, out, j->why, j->whyn);
    }
    case T_FLOAT:
    case T_DOUBLE: {
      double d = fmt_json_parse_double(s, n);
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
      if (!fmt_json_num_to_int(s, n, is_int, type_make(T_BIGINT), &tmp, j->why, j->whyn))
        return false;
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
      const char *cs = fmt_json_compact(start, (size_t)(j->p - start), a, &cn);
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

/* How reading an object ended: J_SYNTAX is invalid JSON (why says where), J_TYPE valid JSON
 * with a value that does not convert (why names the field): the record is a bad record. */
enum { J_OK, J_SYNTAX, J_TYPE };

static void null_leaves(const json_dec *jd, int g, sl_value *row) {
  const json_group *gr = &jd->k.groups[g];
  for (int i = 0; i < gr->nleaves; i++) row[gr->leaves[i]] = value_null();
}

/* The member of group g whose name starts at j->p (the opening quote), or -1; j->p ends past
 * the name's closing quote. */
static inline int match_key(json_dec *jd, jp *j, int g, sl_arena *a, bool *ok) {
  const json_group *gr = &jd->k.groups[g];
  /* fields usually come in the same order in every record: the expected name is compared with
   * the raw text first, which needs no scan when it is plain */
  const char *q = j->p + 1;
  if (gr->n) {
    int m = jd->next[g];
    const json_key *x = &jd->k.keys[gr->members[m]];
    if (x->plain && (size_t)(j->e - q) > x->len && q[x->len] == '"' &&
        memcmp(q, x->name, x->len) == 0) {
      j->p = q + x->len + 1;
      jd->next[g] = m + 1 == gr->n ? 0 : m + 1;
      return gr->members[m];
    }
  }
  const char *ks;
  size_t kn;
  bool kesc;
  if (!(*ok = scan_string(j, &ks, &kn, &kesc))) return -1;
  if (!gr->n) return -1;
  if (kesc) ks = fmt_json_unescape(ks, kn, a, &kn);
  int id = json_keys_find(&jd->k, g, ks, kn, json_hash(ks, kn));
  if (id >= 0) {
    int m = jd->k.keys[id].pos;
    jd->next[g] = m + 1 == gr->n ? 0 : m + 1;
  }
  return id;
}

static const char *json_kind(char c) {
  return c == '{'               ? "object"
         : c == '['             ? "array"
         : c == '"'             ? "string"
         : c == 't' || c == 'f' ? "boolean"
                                : "number";
}

/* Reads the object at j->p into the leaves of group g. p0 is the record's start (for
 * positions in messages). */
static int read_object(json_dec *jd, jp *j, int g, sl_value *row, sl_arena *a, const char *p0) {
  char *why = j->why;
  size_t whyn = j->whyn;
  j->p++; /* '{' */
  skip_ws(j);
  if (j->p < j->e && *j->p == '}') {
    j->p++;
    return J_OK;
  }
  for (;;) {
    skip_ws(j);
    if (j->p >= j->e || *j->p != '"') {
      snprintf(why, whyn, "expected a field name");
      return J_SYNTAX;
    }
    bool ok = true;
    int k = match_key(jd, j, g, a, &ok);
    if (!ok) return J_SYNTAX;
    skip_ws(j);
    if (j->p >= j->e || *j->p != ':') {
      snprintf(why, whyn, "expected ':' after a field name");
      return J_SYNTAX;
    }
    j->p++;
    skip_ws(j);
    if (j->p >= j->e) {
      snprintf(why, whyn, "unexpected end of record");
      return J_SYNTAX;
    }
    if (k < 0) {
      if (!skip_value(j)) return J_SYNTAX;
    } else {
      const json_key *x = &jd->k.keys[k];
      const char *vstart = j->p;
      char c = *j->p;
      if (x->col < 0) {               /* a ROW: an object, or null */
        null_leaves(jd, x->sub, row); /* a repeated name: the last one counts */
        if (c == '{') {
          if (jd->seen) jd->seen[k] = 2;
          int r = read_object(jd, j, x->sub, row, a, p0);
          if (r != J_OK) return r;
        } else if (c == 'n' && (size_t)(j->e - j->p) >= 4 && memcmp(j->p, "null", 4) == 0) {
          j->p += 4;
          if (jd->seen) jd->seen[k] = 1;
        } else {
          if (!skip_value(j)) return J_SYNTAX;
          snprintf(why, whyn, "field '%s' (column %zu): a JSON %s cannot be read as a ROW", x->path,
                   (size_t)(vstart - p0) + 1, json_kind(c));
          if (!jd->ignore_errors) return J_TYPE;
          if (jd->seen) jd->seen[k] = 1;
        }
      } else {
        int col = x->col;
        if (jd->seen) jd->seen[k] = 1;
        if (!read_value(jd, j, jd->base.schema.types[col], &row[col], a)) {
          char inner[200];
          snprintf(inner, sizeof inner, "%s", why);
          j->p = vstart;
          if (!skip_value(j)) { /* a syntax error inside the value: the record is not JSON */
            snprintf(why, whyn, "%s", inner);
            return J_SYNTAX;
          }
          /* valid JSON whose value does not convert to the column's type */
          snprintf(why, whyn, "field '%s' (column %zu): %s", x->path, (size_t)(vstart - p0) + 1,
                   inner);
          if (!jd->ignore_errors) return J_TYPE;
          row[col] = value_null();
        }
      }
    }
    skip_ws(j);
    if (j->p < j->e && *j->p == ',') {
      j->p++;
      continue;
    }
    if (j->p < j->e && *j->p == '}') {
      j->p++;
      return J_OK;
    }
    snprintf(why, whyn, "expected ',' or '}'");
    return J_SYNTAX;
  }
}

/* json.fail-on-missing-field: the first declared field of group g (or below it) that was not
 * in the record. */
static const json_key *missing(const json_dec *jd, int g) {
  const json_group *gr = &jd->k.groups[g];
  for (int m = 0; m < gr->n; m++) {
    const json_key *x = &jd->k.keys[gr->members[m]];
    uint8_t s = jd->seen[gr->members[m]];
    if (!s) return x;
    if (s == 2) {
      const json_key *y = missing(jd, x->sub);
      if (y) return y;
    }
  }
  return NULL;
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
  null_leaves(jd, 0, row);
  if (jd->seen) memset(jd->seen, 0, (size_t)jd->k.nkeys);
  int r = J_OK;
  if (*j->p != '{') {
    snprintf(why, whyn, "a record must be a JSON object");
    r = J_SYNTAX;
  } else {
    r = read_object(jd, j, 0, row, a, p);
  }
  if (r == J_OK) {
    skip_ws(j);
    if (j->p != j->e) {
      snprintf(why, whyn, "unexpected data after the JSON object");
      r = J_SYNTAX;
    }
  }
  if (r == J_TYPE) return SL_EDATA;
  if (r == J_SYNTAX) {
    char inner[256];
    snprintf(inner, sizeof inner, "%s", why);
    snprintf(why, whyn, "invalid JSON at column %zu: %s", (size_t)(j->p - p) + 1, inner);
    if (jd->ignore_errors) {
      null_leaves(jd, 0, row);
      return SL_OK;
    }
    return SL_EDATA;
  }
  if (jd->seen) {
    const json_key *x = missing(jd, 0);
    if (x) {
      snprintf(why, whyn, "field '%s' is missing", x->path);
      return SL_EDATA;
    }
  }
  return SL_OK;
}

static void json_dec_free(fmt_decoder *d) {
  json_dec *jd = (json_dec *)d;
  json_keys_free(&jd->k);
  free(jd->next);
  free(jd->seen);
  free(jd);
}

static void json_file_start(fmt_decoder *d) {} /* no state across records */

static const fmt_decoder_vt json_dec_vt = {json_file_start, json_decode, json_dec_free};

static fmt_decoder *json_decoder_new(const fmt_schema *s, const opt_list *o) {
  json_dec *jd = xcalloc(1, sizeof *jd);
  jd->base.vt = &json_dec_vt;
  jd->base.schema = *s;
  json_keys_build(&jd->k, s);
  jd->next = xcalloc((size_t)jd->k.ngroups, sizeof(int));
  jd->fail_missing = opt_get_bool(o, json_opts, "json.fail-on-missing-field");
  jd->ignore_errors = opt_get_bool(o, json_opts, "json.ignore-parse-errors");
  if (jd->fail_missing) jd->seen = xcalloc((size_t)jd->k.nkeys + 1, 1);
  return &jd->base;
}

const fmt_def fmt_json_def = {
    "json",
    json_opts,
    "JSON lines: one JSON object per line; fields are matched to columns by name "
    "(case-sensitive), unknown fields are skipped, missing ones are NULL. A UTF-8 byte-order "
    "mark at the start of a file is skipped; a string with invalid UTF-8 is a bad record. "
    "The encoder writes valid UTF-8 only: each invalid sequence becomes U+FFFD. A ROW column is "
    "read from the object value of its field (its fields by name, nested ROWs likewise): null or "
    "missing makes every field NULL, any other value is a bad record. It is written as a nested "
    "object, {\"bid\":{\"auction\":1,\"price\":null}}, also when every field is NULL (never "
    "as null).",
    json_decoder_new,
    fmt_json_encoder_new,
    false};
