/* test_format.c - format/: JSON and CSV decoders on single records, and the encoders. */
#include "format/format.h"
#include "unit.h"

static const char *names[] = {"id", "name", "amount", "ts", "ok"};
static sl_type types[5];

static void init_types(void) {
  types[0] = type_make(T_BIGINT);
  types[1] = type_make(T_STRING);
  types[2] = type_decimal(10, 2);
  types[3] = type_make(T_TIMESTAMP);
  types[4] = type_make(T_BOOLEAN);
}

static sl_status dec1(fmt_decoder *d, const char *rec, sl_value *row, sl_arena *a, char *why) {
  fmt_rec r;
  return d->vt->decode(d, rec, strlen(rec), &r, row, a, why, 256);
}

TEST(json_decode_values) {
  init_types();
  fmt_schema s = {5, names, types, NULL, 0};
  fmt_decoder *d = fmt_json_def.decoder_new(&s, NULL);
  sl_arena a;
  arena_init(&a, 0);
  sl_value row[5];
  char why[256];
  CHECK(dec1(d,
             "{\"id\":9007199254740993,\"name\":\"a\\u00e9\\ud83d\\ude00\\n\",\"amount\":1.005,"
             "\"ts\":\"2024-01-02T03:04:05Z\",\"ok\":true,\"x\":[1,{\"y\":[]}]}",
             row, &a, why) == SL_OK);
  CHECK(row[0].u.i == 9007199254740993LL);
  CHECK(row[1].len == 8 && memcmp(row[1].u.s, "a\xc3\xa9\xf0\x9f\x98\x80\n", 8) == 0);
  CHECK(value_dec(&row[2]) == 101); /* 1.005 -> 1.01 HALF_UP, exact from the text */
  CHECK(row[4].u.i == 1);
  CHECK(dec1(d, "{\"id\":1,\"id\":2}", row, &a, why) == SL_OK && row[0].u.i == 2 && row[1].null);
  CHECK(dec1(d, "{\"id\":01}", row, &a, why) == SL_EDATA);
  CHECK(dec1(d, "{\"id\":1}x", row, &a, why) == SL_EDATA);
  CHECK(dec1(d, "{\"name\":\"\\ud800\"}", row, &a, why) == SL_EDATA);
  CHECK(dec1(d, "{\"name\":\"\xc0\xaf\"}", row, &a, why) == SL_EDATA);
  CHECK(dec1(d, "{\"id\":9223372036854775808}", row, &a, why) == SL_EDATA);
  /* a JSON number with a fraction or exponent into BIGINT: truncated when in range (Flink) */
  CHECK(dec1(d, "{\"id\":1.5}", row, &a, why) == SL_OK && row[0].u.i == 1);
  CHECK(dec1(d, "{\"id\":1e2}", row, &a, why) == SL_OK && row[0].u.i == 100);
  CHECK(dec1(d, "{\"id\":-2.0}", row, &a, why) == SL_OK && row[0].u.i == -2);
  CHECK(dec1(d, "{\"id\":1e19}", row, &a, why) == SL_EDATA);
  CHECK(dec1(d, "{\"id\":\"1.5\"}", row, &a, why) == SL_EDATA); /* a string is parsed strictly */
  CHECK(dec1(d, "[1]", row, &a, why) == SL_EDATA);
  CHECK(dec1(d, "{\"name\":{\"a\":[1,2]}}", row, &a, why) == SL_OK && row[1].len == 11);
  /* nested JSON into a STRING column: compact text with canonical escapes */
  CHECK(dec1(d, "{\"name\": { \"a\" : [ 1, 2 ],\t \"b\": \"x\\u00e9\\/\\u0001\" } }", row, &a,
             why) == SL_OK);
  CHECK(row[1].len == 28 &&
        memcmp(row[1].u.s, "{\"a\":[1,2],\"b\":\"x\xc3\xa9/\\u0001\"}", 28) == 0);
  d->vt->free(d);
  arena_free(&a);
}

TEST(json_decode_only_needed) {
  init_types();
  bool needed[5] = {true, false, false, false, false};
  fmt_schema s = {5, names, types, needed, 0};
  fmt_decoder *d = fmt_json_def.decoder_new(&s, NULL);
  sl_arena a;
  arena_init(&a, 0);
  sl_value row[5];
  for (int i = 0; i < 5; i++) row[i] = value_null();
  char why[256];
  /* 'amount' is not needed, so its bad value is validated as JSON but never converted */
  CHECK(dec1(d, "{\"id\":3,\"amount\":\"not a number\"}", row, &a, why) == SL_OK);
  CHECK(row[0].u.i == 3 && row[2].null);
  d->vt->free(d);
  arena_free(&a);
}

TEST(csv_decode_rfc4180) {
  init_types();
  fmt_schema s = {5, names, types, NULL, 0};
  fmt_decoder *d = fmt_csv_def.decoder_new(&s, NULL);
  d->vt->file_start(d);
  sl_arena a;
  arena_init(&a, 0);
  sl_value row[5];
  char why[256];
  fmt_rec r;
  const char *in = "1,\"say \"\"hi\"\"\nthere\",2.50,2024-01-01 00:00:00,true\r\nnext";
  CHECK(d->vt->decode(d, in, strlen(in), &r, row, &a, why, sizeof why) == SL_OK);
  CHECK(r.lines == 2 && r.consumed == strlen(in) - 4);
  CHECK(row[1].len == 14 && memcmp(row[1].u.s, "say \"hi\"\nthere", 14) == 0);
  CHECK(value_dec(&row[2]) == 250);
  CHECK(dec1(d, "1,a,2.5", row, &a, why) == SL_EDATA); /* too few fields */
  CHECK(dec1(d, "x,a,2.5,,", row, &a, why) == SL_EDATA);
  CHECK(dec1(d, "2,,,,", row, &a, why) == SL_OK && row[1].len == 0 && !row[1].null && row[2].null);
  d->vt->free(d);
  arena_free(&a);
}

TEST(encoders) {
  init_types();
  fmt_schema s = {5, names, types, NULL, 0};
  fmt_encoder *e = fmt_json_def.encoder_new(&s, NULL);
  sl_value row[5] = {value_int(-1), value_str("q\"\x01", 3), value_decimal(-5), value_int(0),
                     value_null()};
  sl_buf b = {0};
  e->vt->encode(e, row, &b);
  CHECK_STR(buf_cstr(&b),
            "{\"id\":-1,\"name\":\"q\\\"\\u0001\",\"amount\":-0.05,\"ts\":\"1970-01-01 "
            "00:00:00.000\",\"ok\":null}\n");
  e->vt->free(e);
  b.len = 0;
  e = fmt_csv_def.encoder_new(&s, NULL);
  e->vt->encode(e, row, &b);
  CHECK_STR(buf_cstr(&b), "-1,\"q\"\"\x01\",-0.05,1970-01-01 00:00:00.000,\n");
  e->vt->free(e);
  buf_free(&b);
}

static const char *esc(const char *s) {
  static char out[128];
  sl_buf b = {0};
  fmt_json_escape(s, strlen(s), &b);
  snprintf(out, sizeof out, "%s", buf_cstr(&b));
  buf_free(&b);
  return out;
}

TEST(json_escape_invalid_utf8) {
  /* one U+FFFD per maximal invalid subpart (Unicode's and Java's count) */
  CHECK_STR(esc("a\x80"
                "b"),
            "a\xef\xbf\xbd"
            "b");
  CHECK_STR(esc("\xe2\x82"), "\xef\xbf\xbd");             /* truncated 3-byte sequence */
  CHECK_STR(esc("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd"); /* overlong */
  CHECK_STR(esc("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* surrogate */
  CHECK_STR(esc("\xf4\x90\x80\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  CHECK_STR(esc("\xf0\x9f\x98"
                "x"),
            "\xef\xbf\xbd"
            "x");
  CHECK_STR(esc("\xc3\xa9\xf0\x9f\x98\x80\"\x01"), "\xc3\xa9\xf0\x9f\x98\x80\\\"\\u0001");
  CHECK(fmt_utf8_valid("\xc3\xa9", 2) && !fmt_utf8_valid("\xc3", 1));
  CHECK(fmt_bom("\xef\xbb\xbf{", 4) == 3 && fmt_bom("\xef\xbb", 2) == 0);
}
