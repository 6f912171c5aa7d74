/* json_diff.c - differential test of format/json.c against jansson. For generated records,
 * mutations of them, and hand-written tricky ones: both must agree on whether the record is
 * valid JSON, and on every declared field's value (strings byte for byte, other values by
 * jansson's json_equal on the text our decoder hands a STRING column; BIGINT and DOUBLE
 * columns exactly). Records jansson rejects only for its own limits (integers beyond 64 bits,
 * real overflow) are excluded and counted. */
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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

static int checked, excluded, failures;

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

/* Typed columns on valid generated records: BIGINT and DOUBLE exactly equal to jansson's. */
static void check_typed(fmt_decoder *d, const char *rec, size_t n) {
  json_error_t jerr;
  json_t *j = json_loadb(rec, n, JSON_ALLOW_NUL, &jerr);
  if (!j || !json_is_object(j)) {
    json_decref(j);
    return;
  }
  sl_arena a;
  arena_init(&a, 4096);
  sl_value row[3] = {value_null(), value_null(), value_null()};
  char why[256];
  fmt_rec r;
  sl_status st = d->vt->decode(d, rec, n, &r, row, &a, why, sizeof why);
  json_t *va = json_object_get(j, "a"), *vd = json_object_get(j, "d");
  bool a_ok = !va || json_is_null(va) || json_is_integer(va);
  bool d_ok = !vd || json_is_null(vd) || json_is_number(vd);
  if (!a_ok || !d_ok) { /* e.g. a real in the BIGINT column: must be rejected */
    if (st == SL_OK && !a_ok) report(rec, n, "typed: accepted a non-integer BIGINT");
  } else if (st != SL_OK) {
    report(rec, n, "typed: rejected");
    fprintf(stderr, "  our reason: %s\n", why);
  } else {
    if (va && json_is_integer(va) && row[0].u.i != json_integer_value(va))
      report(rec, n, "typed: BIGINT differs");
    if (vd && json_is_number(vd) && row[2].u.d != json_number_value(vd))
      report(rec, n, "typed: DOUBLE differs");
  }
  checked++;
  arena_free(&a);
  json_decref(j);
}

int main(void) {
  static const char *names[] = {"a", "s", "d"};
  sl_type st3[3] = {type_make(T_STRING), type_make(T_STRING), type_make(T_STRING)};
  sl_type ty3[3] = {type_make(T_BIGINT), type_make(T_STRING), type_make(T_DOUBLE)};
  fmt_schema ss = {3, names, st3, NULL, 0}, ts = {3, names, ty3, NULL, 0};
  fmt_decoder *ds = fmt_json_def.decoder_new(&ss, NULL), *dt = fmt_json_def.decoder_new(&ts, NULL);
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
    check_typed(dt, tricky[i], strlen(tricky[i]));
  }
  sl_buf b = {0};
  for (int i = 0; i < 20000; i++) {
    b.len = 0;
    gen_record(&b);
    check_typed(dt, b.data, b.len);
    check_strings(ds, b.data, b.len);
    int m = (int)rnd(4);
    for (int k = 0; k < m; k++) mutate(&b);
    if (m) check_strings(ds, b.data, b.len);
  }
  buf_free(&b);
  ds->vt->free(ds);
  dt->vt->free(dt);
  printf("json diff: %d records checked, %d excluded (jansson limits: 64-bit integers, real "
         "overflow, NUL in keys), %d mismatches\n",
         checked, excluded, failures);
  return failures ? 1 : 0;
}
