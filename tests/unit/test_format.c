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
  fmt_schema s = {5, names, types, NULL, 0, NULL};
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
  fmt_schema s = {5, names, types, needed, 0, NULL};
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
  fmt_schema s = {5, names, types, NULL, 0, NULL};
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
  fmt_schema s = {5, names, types, NULL, 0, NULL};
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

/* changelog-json: each kind read from "op" (fields in any order, whitespace, a trailing
 * record), the row from "data", the option mapped onto the json decoder (ISO timestamps
 * written); every kind written back as Flink CDC writes it and read back the same. */
TEST(changelog_json_both_ways) {
  init_types();
  fmt_schema s = {5, names, types, NULL, 0, NULL};
  opt_kv ov[] = {{"changelog-json.timestamp-format.standard", "ISO-8601"}};
  opt_list ol = {ov, 1};
  fmt_decoder *d = fmt_changelog_json_def.decoder_new(&s, &ol);
  fmt_encoder *e = fmt_changelog_json_def.encoder_new(&s, &ol);
  CHECK(fmt_lookup("changelog-json") == &fmt_changelog_json_def);
  CHECK(fmt_changelog_json_def.changelog);
  sl_arena a;
  arena_init(&a, 0);
  sl_value row[5];
  char why[256];
  fmt_rec r;
  const char *in = " { \"op\" : \"-U\", \"data\": {\"id\": 4, \"amount\": 1.5, "
                   "\"ts\": \"2024-01-02 03:04:05\"}, \"x\": [1] }\n{\"data\":{},\"op\":\"+I\"}";
  for (int i = 0; i < 5; i++) row[i] = value_null();
  CHECK(d->vt->decode(d, in, strlen(in), &r, row, &a, why, sizeof why) == SL_OK);
  CHECK(r.kind == RK_UPDATE_BEFORE && !r.no_row && !r.again && r.lines == 1);
  CHECK(r.consumed == (size_t)(strchr(in, '\n') - in) + 1);
  CHECK(row[0].u.i == 4 && value_dec(&row[2]) == 150 && row[1].null);
  sl_buf b = {0};
  e->vt->encode_change(e, r.kind, row, &b);
  CHECK_STR(buf_cstr(&b),
            "{\"data\":{\"id\":4,\"name\":null,\"amount\":1.50,\"ts\":\"2024-01-02T03:"
            "04:05.000\",\"ok\":null},\"op\":\"-U\"}\n");
  static const char *const ops[] = {"+I", "-U", "+U", "-D"};
  for (int k = 0; k < 4; k++) {
    b.len = 0;
    e->vt->encode_change(e, k, row, &b);
    sl_value back[5];
    CHECK(d->vt->decode(d, b.data, b.len, &r, back, &a, why, sizeof why) == SL_OK);
    CHECK(r.kind == k && r.consumed == b.len && back[0].u.i == 4);
    CHECK(strstr(buf_cstr(&b), ops[k]) != NULL);
  }
  b.len = 0;
  e->vt->encode(e, row, &b); /* without a kind: an insert */
  CHECK(strstr(buf_cstr(&b), "\"op\":\"+I\"}\n") != NULL);
  CHECK(dec1(d, "   ", row, &a, why) == SL_OK);
  CHECK(dec1(d, "{\"data\":{\"id\":1},\"op\":\"+i\"}", row, &a, why) == SL_EDATA);
  CHECK(strstr(why, "unknown changelog-json \"op\" \"+i\"") != NULL);
  CHECK(dec1(d, "{\"data\":{\"id\":1},\"op\":\"+I\"", row, &a, why) == SL_EDATA); /* unclosed */
  CHECK(dec1(d, "{\"data\":[1],\"op\":\"+I\"}", row, &a, why) == SL_EDATA);
  d->vt->free(d);
  e->vt->free(e);
  buf_free(&b);
  arena_free(&a);
}

/* Records are lines: the decoder reads an object without looking for its line's end first, and
 * must still stop at it, consume exactly one line, and reject what crosses a line break. */
TEST(json_decode_lines) {
  init_types();
  fmt_schema s = {5, names, types, NULL, 0, NULL};
  fmt_decoder *d = fmt_json_def.decoder_new(&s, NULL);
  sl_arena a;
  arena_init(&a, 0);
  sl_value row[5];
  char why[256];
  fmt_rec r;
  const char *in = "{\"id\":1} \r\n{\"id\":2}";
  CHECK(d->vt->decode(d, in, strlen(in), &r, row, &a, why, sizeof why) == SL_OK);
  CHECK(r.consumed == 11 && r.lines == 1 && !r.no_row && row[0].u.i == 1);
  CHECK(d->vt->decode(d, in + 11, strlen(in) - 11, &r, row, &a, why, sizeof why) == SL_OK);
  CHECK(r.consumed == 8 && r.lines == 0 && row[0].u.i == 2);
  in = "{\"id\":\n1}\n";
  CHECK(d->vt->decode(d, in, strlen(in), &r, row, &a, why, sizeof why) == SL_EDATA);
  CHECK(r.consumed == 7 && r.lines == 1);
  CHECK_STR(why, "invalid JSON at column 7: unexpected end of record");
  in = "{\"name\":\"a\nb\"}\n";
  CHECK(d->vt->decode(d, in, strlen(in), &r, row, &a, why, sizeof why) == SL_EDATA);
  CHECK(r.consumed == 11 && strstr(why, "unterminated string") != NULL);
  in = "{\"id\":1}x\n{}";
  CHECK(d->vt->decode(d, in, strlen(in), &r, row, &a, why, sizeof why) == SL_EDATA);
  CHECK(r.consumed == 10 && strstr(why, "unexpected data after the JSON object") != NULL);
  in = "{\"id\":1}\n";
  CHECK(d->vt->decode(d, in, 4, &r, row, &a, why, sizeof why) == SL_EDATA); /* cut short */
  CHECK(r.consumed == 4 && r.lines == 0);
  in = "  \n{}";
  CHECK(d->vt->decode(d, in, strlen(in), &r, row, &a, why, sizeof why) == SL_OK);
  CHECK(r.no_row && r.consumed == 3);
  d->vt->free(d);
  arena_free(&a);
}
