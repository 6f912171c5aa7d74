/* json_diff.c - differential test of format/json.c against jansson. For generated records,
 * mutations of them, and hand-written tricky ones: both must agree on whether the record is
 * valid JSON, and on every declared field's value (strings byte for byte, other values by
 * jansson's json_equal on the text our decoder hands a STRING column). Typed records go to a
 * decoder of BIGINT, STRING, DOUBLE, DECIMAL(18, 4), TIMESTAMP(3) and BOOLEAN columns of which
 * a random subset is needed: needed columns must match an independent oracle (jansson's value;
 * timegm for timestamps), columns not needed must be left untouched and must not cause errors.
 * Every decoded row is encoded, the line must be valid JSON, and decoding it again must give
 * the same row. Records jansson rejects only for its own limits (integers beyond 64 bits, real
 * overflow) are excluded and counted. ROW columns (leaves "r.q.z" with nest 2) are checked
 * the same way on records with nested objects: each leaf against jansson's value at its path,
 * a ROW that is neither an object nor null a bad record. A fresh seed each run, printed; SEED=...
 * replays it. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "format/format.h"

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint32_t rnd(uint32_t n) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t)(rng % n);
}

static void gen_ws(sl_buf *b) {
  static const char ws[] = {' ', '\t', '\r'};
  if (rnd(4) == 0) buf_putc(b, ws[rnd(3)]);
}

static void gen_string(sl_buf *b) {
  static const char *const pieces[] = {"a",
                                       "Z",
                                       " ",
                                       "\\\"",
                                       "\\\\",
                                       "\\/",
                                       "\\n",
                                       "\\t",
                                       "\\u00e9",
                                       "\\ud83d\\ude00",
                                       "\xc3\xa9",
                                       "\xe2\x82\xac",
                                       "\xf0\x9f\x98\x80",
                                       "\\u0000",
                                       "\\u001f",
                                       "long-text-"};
  buf_putc(b, '"');
  int n = (int)rnd(12);
  for (int i = 0; i < n; i++) buf_puts(b, pieces[rnd(16)]);
  buf_putc(b, '"');
}

static void gen_number(sl_buf *b, bool integer) {
  if (rnd(2)) buf_putc(b, '-');
  if (integer || rnd(2)) {
    buf_printf(
        b, "%llu",
        (unsigned long long)(rnd(3) ? rnd(100000) : ((uint64_t)rnd(1u << 31) << 31) + rnd(1000)));
  } else {
    buf_printf(b, "%u.%0*u", rnd(1000), (int)(1 + rnd(6)), rnd(100000));
    if (rnd(4) == 0) buf_printf(b, "e%s%u", rnd(2) ? "-" : "+", rnd(20));
  }
}

static void gen_value(sl_buf *b, int depth) {
  int k = (int)rnd(depth > 3 ? 5 : 7);
  switch (k) {
  case 0: gen_string(b); break;
  case 1: gen_number(b, false); break;
  case 2: buf_puts(b, rnd(2) ? "true" : "false"); break;
  case 3: buf_puts(b, "null"); break;
  case 4: gen_number(b, true); break;
  case 5: {
    buf_putc(b, '[');
    int n = (int)rnd(4);
    for (int i = 0; i < n; i++) {
      if (i) buf_putc(b, ',');
      gen_ws(b);
      gen_value(b, depth + 1);
    }
    buf_putc(b, ']');
    break;
  }
  default: {
    buf_putc(b, '{');
    int n = (int)rnd(4);
    for (int i = 0; i < n; i++) {
      if (i) buf_putc(b, ',');
      gen_string(b);
      buf_putc(b, ':');
      gen_value(b, depth + 1);
    }
    buf_putc(b, '}');
  }
  }
}

static const char *const keys[] = {"\"a\"",       "\"s\"",        "\"d\"",       "\"other\"",
                                   "\"\\u0061\"", "\"s\\u0020\"", "\"\xc3\xa9\""};

static void gen_record(sl_buf *b) {
  buf_putc(b, '{');
  int n = (int)rnd(6);
  for (int i = 0; i < n; i++) {
    if (i) buf_putc(b, ',');
    gen_ws(b);
    int k = (int)rnd(7);
    buf_puts(b, keys[k]);
    gen_ws(b);
    buf_putc(b, ':');
    gen_ws(b);
    if (k == 0 || k == 4)
      gen_number(b, true);
    else if (k == 2)
      gen_number(b, false);
    else
      gen_value(b, 0);
  }
  gen_ws(b);
  buf_putc(b, '}');
  gen_ws(b);
}

static void mutate(sl_buf *b) {
  static const char chars[] = "{}[]\":,\\u0123456789eE.-+ tfnabc\x80\xff\x01";
  size_t pos = b->len ? rnd((uint32_t)b->len) : 0;
  switch (rnd(3)) {
  case 0: /* delete */
    if (b->len) {
      memmove(b->data + pos, b->data + pos + 1, b->len - pos - 1);
      b->len--;
    }
    break;
  case 1: /* insert */
    buf_putc(b, 0);
    memmove(b->data + pos + 1, b->data + pos, b->len - pos - 1);
    b->data[pos] = chars[rnd(sizeof chars - 1)];
    break;
  default:
    if (b->len) b->data[pos] = chars[rnd(sizeof chars - 1)];
  }
  for (size_t i = 0; i < b->len; i++)
    if (b->data[i] == '\n') b->data[i] = ' '; /* records are lines */
}

static int checked, excluded, failures, typed_ok, typed_bad;

static void report(const char *rec, size_t n, const char *what) {
  if (failures++ < 20) fprintf(stderr, "MISMATCH (%s): %.*s\n", what, (int)n, rec);
}

/* Decoding as STRING columns: validity and values must match jansson. */
static void check_strings(fmt_decoder *d, const char *rec, size_t n) {
  json_error_t jerr;
  json_t *j = json_loadb(rec, n, JSON_ALLOW_NUL, &jerr);
  if (!j && (strstr(jerr.text, "too big") || strstr(jerr.text, "overflow") ||
             strstr(jerr.text, "NUL byte in object key"))) {
    excluded++;
    return;
  }
  bool jvalid = j && json_is_object(j);
  bool blank = true;
  for (size_t i = 0; i < n; i++) blank &= rec[i] == ' ' || rec[i] == '\t' || rec[i] == '\r';
  if (blank) { /* a blank line is not a record for us, an error for jansson */
    json_decref(j);
    return;
  }
  sl_arena a;
  arena_init(&a, 4096);
  sl_value row[3] = {value_null(), value_null(), value_null()};
  char why[256];
  fmt_rec r;
  char *copy = malloc(n ? n : 1);
  memcpy(copy, rec, n);
  sl_status st = d->vt->decode(d, copy, n, &r, row, &a, why, sizeof why);
  checked++;
  if ((st == SL_OK) != jvalid) {
    report(rec, n, jvalid ? "we reject, jansson accepts" : "we accept, jansson rejects");
    if (st != SL_OK)
      fprintf(stderr, "  our reason: %s\n", why);
    else
      fprintf(stderr, "  jansson: %s\n", jerr.text);
  } else if (jvalid) {
    static const char *names[] = {"a", "s", "d"};
    for (int i = 0; i < 3; i++) {
      json_t *v = json_object_get(j, names[i]);
      if (!v || json_is_null(v)) {
        if (!row[i].null) report(rec, n, "field should be NULL");
        continue;
      }
      if (row[i].null) {
        report(rec, n, "field should not be NULL");
        continue;
      }
      if (json_is_string(v)) {
        if (json_string_length(v) != row[i].len ||
            memcmp(json_string_value(v), row[i].u.s, row[i].len) != 0)
          report(rec, n, "string value differs");
      } else {
        json_t *w = json_loadb(row[i].u.s, row[i].len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
        if (!w || !json_equal(v, w)) report(rec, n, "value differs");
        json_decref(w);
      }
    }
  }
  free(copy);
  arena_free(&a);
  json_decref(j);
}

/* ---- typed columns ---- */

enum { TA, TS, TD, TM, TT, TB, NT }; /* BIGINT, STRING, DOUBLE, DECIMAL(18,4), TIMESTAMP, BOOLEAN */
static const char *tnames[NT] = {"a", "s", "d", "m", "t", "b"};
static sl_type ttypes[NT];

static void gen_timestamp(sl_buf *b) {
  if (rnd(8) == 0) { /* epoch milliseconds as a number */
    buf_printf(b, "%lld", (long long)rnd(2000000000) * 1000 + rnd(1000));
    return;
  }
  int mo = 1 + (int)rnd(12), d = 1 + (int)rnd(28);
  if (rnd(16) == 0) mo = 13; /* invalid */
  buf_printf(b, "\"%04u-%02d-%02d%c%02u:%02u:%02u", 1970 + rnd(130), mo, d, rnd(2) ? ' ' : 'T',
             rnd(24), rnd(60), rnd(60));
  int f = (int)rnd(5);
  if (f) buf_printf(b, ".%0*u", f, rnd(f == 1 ? 10 : f == 2 ? 100 : f == 3 ? 1000 : 10000));
  switch (rnd(4)) {
  case 0: buf_putc(b, 'Z'); break;
  case 1: buf_printf(b, "%c%02u:%02u", rnd(2) ? '+' : '-', rnd(14), rnd(2) * 30); break;
  default: break;
  }
  buf_putc(b, '"');
}

static void gen_decimal(sl_buf *b) {
  bool quoted = rnd(8) == 0;
  if (quoted) buf_putc(b, '"');
  if (rnd(2)) buf_putc(b, '-');
  buf_printf(b, "%llu",
             (unsigned long long)(rnd(3) ? rnd(100000) : (uint64_t)rnd(1u << 31) * rnd(5000)));
  if (rnd(3)) buf_printf(b, ".%0*u", (int)(1 + rnd(7)), rnd(10000000));
  if (rnd(8) == 0) buf_printf(b, "e%s%u", rnd(2) ? "-" : "", rnd(6));
  if (quoted) buf_putc(b, '"');
}

static void gen_typed_record(sl_buf *b) {
  buf_putc(b, '{');
  int first = 1;
  int order[NT + 1] = {0, 1, 2, 3, 4, 5, 6};
  for (int i = NT; i > 0; i--) {
    int k = (int)rnd((uint32_t)i + 1), t = order[i];
    order[i] = order[k];
    order[k] = t;
  }
  for (int x = 0; x <= NT; x++) {
    int c = order[x];
    if (rnd(5) == 0) continue; /* missing */
    if (!first) buf_putc(b, ',');
    first = 0;
    gen_ws(b);
    buf_printf(b, "\"%s\":", c == NT ? "other" : tnames[c]);
    gen_ws(b);
    if (c != NT && rnd(10) == 0) {
      buf_puts(b, "null");
      continue;
    }
    switch (c) {
    case TA: gen_number(b, rnd(6) != 0); break; /* a real is truncated when in range */
    case TD: gen_number(b, false); break;
    case TM: gen_decimal(b); break;
    case TT: gen_timestamp(b); break;
    case TB: {
      static const char *const bs[] = {"true", "false", "\"TRUE\"", "\"false\"", "1", "\"yes\""};
      buf_puts(b, bs[rnd(rnd(4) ? 2 : 6)]);
      break;
    }
    default: gen_value(b, 0); break;
    }
  }
  gen_ws(b);
  buf_putc(b, '}');
}

/* The oracle: from jansson's value, whether column c converts and to what. */
static bool expect_value(int c, json_t *v, sl_value *out) {
  if (!v || json_is_null(v)) {
    *out = value_null();
    return true;
  }
  switch (c) {
  case TA:
    if (json_is_integer(v)) return *out = value_int(json_integer_value(v)), true;
    if (json_is_real(v)) {
      double r = json_real_value(v);
      if (!(r >= -9223372036854775808.0 && r < 9223372036854775808.0)) return false;
      return *out = value_int((int64_t)r), true; /* Flink: truncated toward zero */
    }
    return false;
  case TD:
    if (!json_is_number(v)) return false;
    return *out = value_double(json_number_value(v)), true;
  case TM: {
    double r;
    if (json_is_string(v)) {
      char *end;
      r = strtod(json_string_value(v), &end);
      if (*end) return false;
    } else if (json_is_number(v)) {
      r = json_number_value(v);
    } else {
      return false;
    }
    if (fabs(r) >= 1e14) return false; /* DECIMAL(18, 4): 14 integer digits */
    out->null = 0;
    out->u.d = r; /* compared with a tolerance: jansson's double is not exact */
    return true;
  }
  case TT: {
    if (json_is_integer(v)) return *out = value_int(json_integer_value(v)), true;
    if (!json_is_string(v)) return false;
    const char *s = json_string_value(v);
    struct tm tm = {0};
    int y, mo, d, h, mi, sec, n = 0;
    if (sscanf(s, "%4d-%2d-%2d%*c%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6) return false;
    if (mo < 1 || mo > 12) return false;
    int64_t ms = 0;
    const char *p = s + n;
    if (*p == '.') {
      int k = 0;
      for (p++; *p >= '0' && *p <= '9'; p++, k++)
        if (k < 3) ms = ms * 10 + (*p - '0');
      for (; k < 3; k++) ms *= 10;
    }
    int64_t off = 0;
    if (*p == 'Z')
      p++;
    else if (*p == '+' || *p == '-') {
      int oh, om;
      if (sscanf(p + 1, "%2d:%2d", &oh, &om) != 2) return false;
      off = (oh * 3600000LL + om * 60000LL) * (*p == '-' ? -1 : 1);
      p += 6;
    }
    if (*p) return false;
    tm.tm_year = y - 1900, tm.tm_mon = mo - 1, tm.tm_mday = d;
    tm.tm_hour = h, tm.tm_min = mi, tm.tm_sec = sec;
    return *out = value_int((int64_t)timegm(&tm) * 1000 + ms - off), true;
  }
  case TB:
    if (json_is_boolean(v)) return *out = value_int(json_is_true(v)), true;
    if (json_is_string(v)) {
      const char *s = json_string_value(v);
      if (!strcasecmp(s, "true")) return *out = value_int(1), true;
      if (!strcasecmp(s, "false")) return *out = value_int(0), true;
    }
    return false;
  default: return true; /* STRING: checked by check_strings */
  }
}

static bool same(int c, const sl_value *want, const sl_value *got) {
  if (c == TS) return true; /* STRING values are check_strings' business */
  if (want->null || got->null) return want->null == got->null;
  if (c == TM) {
    double g = dec_to_double(value_dec(got), 4), w = want->u.d;
    return fabs(g - w) <= 0.5e-4 * (1 + 1e-9) + fabs(w) * 4e-16;
  }
  if (c == TD) return got->u.d == want->u.d;
  return got->u.i == want->u.i;
}

static fmt_encoder *enc;
static fmt_decoder *dec_all;

/* Encode a decoded row, check the line is a JSON object, decode it again: the same row. */
static void round_trip(const char *rec, size_t n, sl_value *row) {
  sl_buf line = {0};
  enc->vt->encode(enc, row, &line);
  json_error_t jerr;
  json_t *j = json_loadb(line.data, line.len - 1, JSON_ALLOW_NUL, &jerr);
  if (!j || !json_is_object(j)) report(rec, n, "round trip: encoder output is not a JSON object");
  json_decref(j);
  sl_arena a;
  arena_init(&a, 4096);
  sl_value back[NT];
  char why[256];
  fmt_rec r;
  if (dec_all->vt->decode(dec_all, line.data, line.len, &r, back, &a, why, sizeof why) != SL_OK) {
    report(rec, n, "round trip: re-decoding failed");
    fprintf(stderr, "  encoded: %.*s  reason: %s\n", (int)line.len, line.data, why);
  } else {
    for (int c = 0; c < NT; c++)
      if (row[c].null != back[c].null ||
          (!row[c].null && value_compare(&row[c], &back[c], ttypes[c]) != 0)) {
        report(rec, n, "round trip: value differs");
        fprintf(stderr, "  column %s, encoded: %.*s", tnames[c], (int)line.len, line.data);
      }
  }
  arena_free(&a);
  buf_free(&line);
}

/* A typed record through a decoder that needs only the columns in `needed`. */
static void check_typed(const char *rec, size_t n, const bool *needed) {
  json_error_t jerr;
  json_t *j = json_loadb(rec, n, JSON_ALLOW_NUL, &jerr);
  if (!j || !json_is_object(j)) {
    if (!j && (strstr(jerr.text, "too big") || strstr(jerr.text, "overflow"))) excluded++;
    json_decref(j);
    return;
  }
  fmt_schema sc = {NT, tnames, ttypes, needed, 0, NULL};
  fmt_decoder *d = fmt_json_def.decoder_new(&sc, NULL);
  sl_arena a;
  arena_init(&a, 4096);
  sl_value row[NT], want[NT];
  const sl_value sentinel = value_int(0x5EED);
  for (int c = 0; c < NT; c++) row[c] = sentinel;
  char why[256];
  fmt_rec r;
  sl_status st = d->vt->decode(d, rec, n, &r, row, &a, why, sizeof why);
  bool ok = true;
  for (int c = 0; c < NT; c++)
    if (needed[c] && !expect_value(c, json_object_get(j, tnames[c]), &want[c])) ok = false;
  checked++;
  if (ok != (st == SL_OK)) {
    report(rec, n, ok ? "typed: rejected" : "typed: accepted a value the oracle rejects");
    if (st != SL_OK) fprintf(stderr, "  our reason: %s\n", why);
  } else if (ok) {
    for (int c = 0; c < NT; c++) {
      if (!needed[c]) {
        if (row[c].null || row[c].u.i != 0x5EED)
          report(rec, n, "typed: a column not needed was written");
        row[c] = value_null();
        continue;
      }
      if (!same(c, &want[c], &row[c])) {
        report(rec, n, "typed: value differs");
        fprintf(stderr, "  column %s\n", tnames[c]);
      }
    }
    round_trip(rec, n, row);
    typed_ok++;
  } else {
    typed_bad++;
  }
  d->vt->free(d);
  arena_free(&a);
  json_decref(j);
}

/* ---- ROW columns: leaves inside nested objects ---- */

/* a, r ROW<x BIGINT, s STRING, q ROW<z DOUBLE, x BIGINT>> flattened */
enum { NN = 5 };
static const char *nnames[NN] = {"a", "r.x", "r.s", "r.q.z", "r.q.x"};
static const uint8_t nnest[NN] = {0, 1, 1, 2, 2};
static const int ncode[NN] = {TA, TA, TS, TD, TA}; /* the oracle's column kind */
static sl_type ntypes[NN];
static fmt_encoder *nenc;
static fmt_decoder *ndec_all;

static void gen_row(sl_buf *b, int level) {
  int kind = (int)rnd(10);
  if (kind == 0) {
    buf_puts(b, "null");
    return;
  }
  if (kind == 1) { /* not an object (or, now and then, one by chance) */
    gen_value(b, 2);
    return;
  }
  /* each field once (a repeated name whose first value is bad is a bad record here, where
   * jansson keeps the last: the flat records avoid that too) */
  buf_putc(b, '{');
  int order[5] = {0, 1, 2, 3, 4};
  for (int i = 4; i > 0; i--) {
    int k = (int)rnd((uint32_t)i + 1), t = order[i];
    order[i] = order[k];
    order[k] = t;
  }
  int n = (int)rnd(6);
  for (int i = 0; i < n; i++) {
    if (i) buf_putc(b, ',');
    gen_ws(b);
    int f = order[i];
    static const char *const fk[] = {"\"x\"", "\"s\"", "\"q\"", "\"z\"", "\"other\""};
    buf_puts(b, f == 0 && rnd(4) == 0 ? "\"\\u0078\"" : fk[f]);
    gen_ws(b);
    buf_putc(b, ':');
    if (f == 0)
      gen_number(b, rnd(8) != 0);
    else if (f == 2 && level == 1)
      gen_row(b, 2);
    else if (f == 3)
      gen_number(b, false);
    else
      gen_value(b, 1);
  }
  gen_ws(b);
  buf_putc(b, '}');
}

static void gen_nested_record(sl_buf *b) {
  buf_putc(b, '{');
  int order[3] = {0, 1, 2};
  for (int i = 2; i > 0; i--) {
    int k = (int)rnd((uint32_t)i + 1), t = order[i];
    order[i] = order[k];
    order[k] = t;
  }
  int n = (int)rnd(4);
  for (int i = 0; i < n; i++) {
    if (i) buf_putc(b, ',');
    if (order[i] == 0) {
      buf_puts(b, "\"a\":");
      gen_number(b, true);
    } else if (order[i] == 1) {
      buf_puts(b, "\"other\":");
      gen_value(b, 0);
    } else {
      buf_puts(b, rnd(4) == 0 ? "\"\\u0072\":" : "\"r\":");
      gen_ws(b);
      gen_row(b, 1);
    }
  }
  buf_putc(b, '}');
}

/* The oracle for leaf c: follows its path in jansson's tree. false: the record is bad (a ROW on
 * the way is neither an object nor null, or the leaf does not convert). */
static bool expect_leaf(json_t *root, int c, sl_value *out, json_t **leaf) {
  char path[16];
  snprintf(path, sizeof path, "%s", nnames[c]);
  json_t *o = root;
  char *part = path;
  *leaf = NULL;
  for (int l = 0; l < nnest[c]; l++) {
    char *dot = strchr(part, '.');
    *dot = 0;
    json_t *v = json_object_get(o, part);
    if (!v || json_is_null(v)) return *out = value_null(), true;
    if (!json_is_object(v)) return false;
    o = v;
    part = dot + 1;
  }
  *leaf = json_object_get(o, part);
  if (ncode[c] == TS) /* any JSON value reads as a STRING: compared in check_nested */
    return *out = !*leaf || json_is_null(*leaf) ? value_null() : value_int(0), true;
  return expect_value(ncode[c], *leaf, out);
}

static void check_nested(const char *rec, size_t n, const bool *needed) {
  json_error_t jerr;
  json_t *j = json_loadb(rec, n, JSON_ALLOW_NUL, &jerr);
  if (!j || !json_is_object(j)) {
    if (!j && (strstr(jerr.text, "too big") || strstr(jerr.text, "overflow"))) excluded++;
    json_decref(j);
    return;
  }
  fmt_schema sc = {NN, nnames, ntypes, needed, 0, nnest};
  fmt_decoder *d = fmt_json_def.decoder_new(&sc, NULL);
  sl_arena a;
  arena_init(&a, 4096);
  sl_value row[NN], want[NN];
  json_t *leaf[NN];
  for (int c = 0; c < NN; c++) row[c] = value_int(0x5EED);
  char why[256];
  fmt_rec r;
  sl_status st = d->vt->decode(d, rec, n, &r, row, &a, why, sizeof why);
  bool ok = true;
  for (int c = 0; c < NN; c++)
    if (needed[c] && !expect_leaf(j, c, &want[c], &leaf[c])) ok = false;
  checked++;
  if (ok != (st == SL_OK)) {
    report(rec, n, ok ? "nested: rejected" : "nested: accepted a record the oracle rejects");
    if (st != SL_OK) fprintf(stderr, "  our reason: %s\n", why);
  } else if (ok) {
    for (int c = 0; c < NN; c++) {
      if (!needed[c]) {
        if (row[c].null || row[c].u.i != 0x5EED)
          report(rec, n, "nested: a leaf not needed was written");
        row[c] = value_null();
        continue;
      }
      bool good;
      if (ncode[c] != TS) {
        good = same(ncode[c], &want[c], &row[c]);
      } else if (want[c].null || !leaf[c] || json_is_null(leaf[c])) {
        good = row[c].null;
      } else if (row[c].null) {
        good = false;
      } else if (json_is_string(leaf[c])) {
        good = json_string_length(leaf[c]) == row[c].len &&
               memcmp(json_string_value(leaf[c]), row[c].u.s, row[c].len) == 0;
      } else {
        json_t *w = json_loadb(row[c].u.s, row[c].len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
        good = w && json_equal(leaf[c], w);
        json_decref(w);
      }
      if (!good) {
        report(rec, n, "nested: value differs");
        fprintf(stderr, "  column %s\n", nnames[c]);
      }
    }
    /* encoded as nested objects, read back: the same row */
    sl_buf line = {0};
    nenc->vt->encode(nenc, row, &line);
    json_t *e = json_loadb(line.data, line.len - 1, JSON_ALLOW_NUL, &jerr);
    if (!e || !json_is_object(e) || !json_is_object(json_object_get(e, "r")))
      report(rec, n, "nested round trip: not nested JSON");
    json_decref(e);
    sl_value back[NN];
    if (ndec_all->vt->decode(ndec_all, line.data, line.len, &r, back, &a, why, sizeof why) !=
        SL_OK) {
      report(rec, n, "nested round trip: re-decoding failed");
    } else {
      for (int c = 0; c < NN; c++)
        if (row[c].null != back[c].null ||
            (!row[c].null && value_compare(&row[c], &back[c], ntypes[c]) != 0))
          report(rec, n, "nested round trip: value differs");
    }
    buf_free(&line);
    typed_ok++;
  } else {
    typed_bad++;
  }
  d->vt->free(d);
  arena_free(&a);
  json_decref(j);
}

static uint64_t seed_from_env(void) {
  const char *e = getenv("SEED");
  if (e && *e) return strtoull(e, NULL, 10);
  uint64_t s = (uint64_t)time(NULL) * 2654435761u;
  FILE *f = fopen("/dev/urandom", "rb");
  if (f) {
    if (fread(&s, sizeof s, 1, f) != 1) s ^= (uint64_t)clock();
    fclose(f);
  }
  return s % 1000000000000ULL;
}

int main(void) {
  uint64_t seed = seed_from_env();
  printf("json diff: SEED=%llu (SEED=... replays it)\n", (unsigned long long)seed);
  fflush(stdout);
  rng = seed * 0x9E3779B97F4A7C15ULL + 0x2545F4914F6CDD1DULL;
  if (!rng) rng = 1;
  static const char *names[] = {"a", "s", "d"};
  sl_type st3[3] = {type_make(T_STRING), type_make(T_STRING), type_make(T_STRING)};
  fmt_schema ss = {3, names, st3, NULL, 0, NULL};
  fmt_decoder *ds = fmt_json_def.decoder_new(&ss, NULL);
  ttypes[TA] = type_make(T_BIGINT);
  ttypes[TS] = type_make(T_STRING);
  ttypes[TD] = type_make(T_DOUBLE);
  ttypes[TM] = type_decimal(18, 4);
  ttypes[TT] = type_make(T_TIMESTAMP);
  ttypes[TB] = type_make(T_BOOLEAN);
  fmt_schema all = {NT, tnames, ttypes, NULL, 0, NULL};
  enc = fmt_json_def.encoder_new(&all, NULL);
  dec_all = fmt_json_def.decoder_new(&all, NULL);
  bool all_needed[NT] = {true, true, true, true, true, true};
  for (int c = 0; c < NN; c++) ntypes[c] = ttypes[ncode[c]];
  fmt_schema nall = {NN, nnames, ntypes, NULL, 0, nnest};
  nenc = fmt_json_def.encoder_new(&nall, NULL);
  ndec_all = fmt_json_def.decoder_new(&nall, NULL);
  static const char *const ntricky[] = {"{\"r\":{\"q\":{\"z\":1.5,\"x\":2},\"x\":3,\"s\":[1]}}",
                                        "{\"r\":null,\"a\":1}",
                                        "{\"r\":{\"q\":null}}",
                                        "{\"r\":{\"q\":5}}",
                                        "{\"r\":[]}",
                                        "{\"r\":{\"x\":1},\"r\":{\"s\":\"t\"}}",
                                        "{\"r.x\":1,\"r\":{\"q.z\":2}}",
                                        "{\"r\":{\"q\":{\"z\":1,}}}",
                                        NULL};
  bool nall_needed[NN] = {true, true, true, true, true};
  for (int i = 0; ntricky[i]; i++) check_nested(ntricky[i], strlen(ntricky[i]), nall_needed);
  static const char *const tricky[] = {"{}",
                                       "{\"a\":1,}",
                                       "{,}",
                                       "{\"a\" 1}",
                                       "{\"a\":1 \"s\":2}",
                                       "{\"a\":-}",
                                       "{\"a\":-0}",
                                       "{\"a\":1.}",
                                       "{\"a\":.5}",
                                       "{\"a\":1e}",
                                       "{\"a\":1e+}",
                                       "{\"a\":0x1}",
                                       "{\"a\":+1}",
                                       "{\"a\":01}",
                                       "{\"s\":\"\\x\"}",
                                       "{\"s\":\"\\u12\"}",
                                       "{\"s\":\"\\uDC00\"}",
                                       "{\"s\":\"\\uD800\\u0041\"}",
                                       "{\"s\":\"\\uD800\"}",
                                       "{\"s\":\"\\uD83D\\uDE00\"}",
                                       "{\"s\":\"\t\"}",
                                       "{\"s\":\"\xed\xa0\x80\"}",
                                       "{\"s\":\"\xf4\x90\x80\x80\"}",
                                       "{\"s\":\"\xe0\x80\xaf\"}",
                                       "{\"s\":\"\xc2\"}",
                                       "{\"s\":tru}",
                                       "{\"s\":nul}",
                                       "{\"s\":True}",
                                       "{\"s\":[1,2,]}",
                                       "{\"s\":[1 2]}",
                                       "{\"s\":{\"x\":}}",
                                       "{\"s\":{\"x\":1}}",
                                       "{\"s\":[]}",
                                       "{\"a\":1}}",
                                       "{\"a\":1} {}",
                                       "[]",
                                       "\"x\"",
                                       "1",
                                       "{\"a\":1,\"a\":2}",
                                       "{\"\\u0061\":5}",
                                       "{\"s\":\"\\u0000\"}",
                                       "{\"d\":1e308}",
                                       "{\"d\":-0.0}",
                                       "{\"d\":5e-324}",
                                       "{\"a\":9223372036854775807}",
                                       "{\"a\":-9223372036854775808}",
                                       " \t{ \"a\" : 1 } \r",
                                       "{\"s\":\"\xef\xbb\xbf\"}",
                                       "\xef\xbb\xbf{}",
                                       "{\"s\":\"a\xc3\"}",
                                       "{\"d\":0.30000000000000004}",
                                       "{\"d\":123456789012345678901234567890}",
                                       "{\"d\":1.7976931348623157e308}",
                                       NULL};
  for (int i = 0; tricky[i]; i++) {
    check_strings(ds, tricky[i], strlen(tricky[i]));
    check_typed(tricky[i], strlen(tricky[i]), all_needed);
  }
  sl_buf b = {0};
  for (int i = 0; i < 20000; i++) {
    b.len = 0;
    gen_typed_record(&b);
    bool needed[NT];
    for (int c = 0; c < NT; c++) needed[c] = rnd(3) != 0;
    check_typed(b.data, b.len, needed);
    b.len = 0;
    gen_record(&b);
    check_strings(ds, b.data, b.len);
    int m = (int)rnd(4);
    for (int k = 0; k < m; k++) mutate(&b);
    if (m) check_strings(ds, b.data, b.len);
    b.len = 0;
    gen_nested_record(&b);
    bool nneeded[NN];
    for (int c = 0; c < NN; c++) nneeded[c] = rnd(3) != 0;
    check_nested(b.data, b.len, nneeded);
    if (rnd(4) == 0) {
      mutate(&b);
      check_nested(b.data, b.len, nneeded);
    }
  }
  buf_free(&b);
  ds->vt->free(ds);
  dec_all->vt->free(dec_all);
  enc->vt->free(enc);
  nenc->vt->free(nenc);
  ndec_all->vt->free(ndec_all);
  printf("json diff: typed records: %d decoded and round-tripped, %d rejected as the oracle "
         "says\n",
         typed_ok, typed_bad);
  printf("json diff: %d records checked, %d excluded (jansson limits: 64-bit integers, real "
         "overflow, NUL in keys), %d mismatches\n",
         checked, excluded, failures);
  return failures ? 1 : 0;
}
