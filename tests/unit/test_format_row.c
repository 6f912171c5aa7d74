/* test_format_row.c - format/ with ROW columns flattened into leaves (fmt_schema.nest): the
 * JSON decoder finds leaves inside nested objects (null or missing ROW: NULL leaves; a value
 * that is not an object: a bad record), the JSON encoder writes them back as nested objects,
 * and CSV treats them as plain consecutive columns. */
#include "format/format.h"
#include "unit.h"

/* id, bid ROW<auction, price, dateTime>, `a.b` (a plain column whose name has a dot),
 * n ROW<m ROW<x INT>, y STRING> */
enum { C_ID, C_AUC, C_PRICE, C_DT, C_AB, C_NMX, C_NY, NC };
static const char *rnames[NC] = {"id",  "bid.auction", "bid.price", "bid.dateTime",
                                 "a.b", "n.m.x",       "n.y"};
static const uint8_t rnest[NC] = {0, 1, 1, 1, 0, 2, 1};
static sl_type rtypes[NC];

static void init_rtypes(void) {
  rtypes[C_ID] = type_make(T_BIGINT);
  rtypes[C_AUC] = type_make(T_BIGINT);
  rtypes[C_PRICE] = type_make(T_BIGINT);
  rtypes[C_DT] = type_make(T_TIMESTAMP);
  rtypes[C_AB] = type_make(T_STRING);
  rtypes[C_NMX] = type_make(T_INT);
  rtypes[C_NY] = type_make(T_STRING);
}

static sl_status rdec(fmt_decoder *d, const char *rec, sl_value *row, sl_arena *a, char *why) {
  fmt_rec r;
  for (int i = 0; i < NC; i++) row[i] = value_int(0x5EED); /* decode must write every leaf */
  return d->vt->decode(d, rec, strlen(rec), &r, row, a, why, 256);
}

static bool is_str(const sl_value *v, const char *s) {
  return !v->null && v->len == strlen(s) && memcmp(v->u.s, s, v->len) == 0;
}

TEST(json_row_leaves) {
  init_rtypes();
  fmt_schema s = {NC, rnames, rtypes, NULL, 0, rnest};
  fmt_decoder *d = fmt_json_def.decoder_new(&s, NULL);
  sl_arena a;
  arena_init(&a, 0);
  sl_value row[NC];
  char why[256];
  CHECK(rdec(d,
             "{\"id\":1,\"bid\":{\"auction\":5,\"extra\":[1,{\"p\":2}],\"price\":7,\"dateTime\":"
             "\"1970-01-01 00:00:01.500\"},\"a.b\":\"lit\",\"n\":{\"y\":\"q\",\"m\":{\"x\":3}}}",
             row, &a, why) == SL_OK);
  CHECK(row[C_ID].u.i == 1 && row[C_AUC].u.i == 5 && row[C_PRICE].u.i == 7);
  CHECK(row[C_DT].u.i == 1500 && is_str(&row[C_AB], "lit") && row[C_NMX].u.i == 3);
  CHECK(is_str(&row[C_NY], "q"));
  /* the same record twice more: the predicted key order must not change the result */
  CHECK(rdec(d, "{\"id\":1,\"bid\":{\"auction\":5,\"price\":7},\"n\":{\"m\":{\"x\":3}}}", row, &a,
             why) == SL_OK);
  CHECK(row[C_AUC].u.i == 5 && row[C_PRICE].u.i == 7 && row[C_DT].null && row[C_NY].null);
  /* null and missing ROWs: every leaf NULL, nested ones too */
  CHECK(rdec(d, "{\"bid\":null,\"n\":{\"m\":null,\"y\":\"z\"}}", row, &a, why) == SL_OK);
  CHECK(row[C_ID].null && row[C_AUC].null && row[C_PRICE].null && row[C_DT].null);
  CHECK(row[C_AB].null && row[C_NMX].null && is_str(&row[C_NY], "z"));
  CHECK(rdec(d, "{}", row, &a, why) == SL_OK);
  for (int i = 0; i < NC; i++) CHECK(row[i].null);
  /* a path is not a key: "bid.auction" at the top and "a":{"b":..} fill nothing */
  CHECK(rdec(d, "{\"bid.auction\":9,\"a\":{\"b\":\"x\"}}", row, &a, why) == SL_OK);
  CHECK(row[C_AUC].null && row[C_AB].null);
  /* an escaped key matches; a repeated ROW: the last object counts, as for other fields */
  CHECK(rdec(d, "{\"b\\u0069d\":{\"auction\":1},\"bid\":{\"price\":2}}", row, &a, why) == SL_OK);
  CHECK(row[C_AUC].null && row[C_PRICE].u.i == 2);
  /* a ROW's value that is not an object: a bad record naming the field */
  CHECK(rdec(d, "{\"id\":1,\"bid\":5}", row, &a, why) == SL_EDATA);
  CHECK(strstr(why, "field 'bid' (column 15): a JSON number cannot be read as a ROW") != NULL);
  CHECK(rdec(d, "{\"n\":{\"m\":[1]}}", row, &a, why) == SL_EDATA);
  CHECK(strstr(why, "field 'n.m'") != NULL && strstr(why, "array") != NULL);
  CHECK(rdec(d, "{\"bid\":{\"auction\":\"x\"}}", row, &a, why) == SL_EDATA);
  CHECK(strstr(why, "field 'bid.auction'") != NULL);
  CHECK(rdec(d, "{\"n\":{\"m\":{\"x\":2147483648}}}", row, &a, why) == SL_EDATA);
  CHECK(strstr(why, "field 'n.m.x'") != NULL);
  /* invalid JSON inside a ROW, and after it */
  CHECK(rdec(d, "{\"bid\":{\"auction\":1,}}", row, &a, why) == SL_EDATA);
  CHECK(strstr(why, "invalid JSON at column") != NULL);
  CHECK(rdec(d, "{\"bid\":{\"auction\":1}", row, &a, why) == SL_EDATA);
  CHECK(rdec(d, "{\"bid\":nul}", row, &a, why) == SL_EDATA);
  CHECK(rdec(d, "{\"bid\":{\"auction\":1}}}", row, &a, why) == SL_EDATA);
  d->vt->free(d);

  /* json.ignore-parse-errors: a bad ROW value makes its leaves NULL, the rest is read */
  opt_kv ov[] = {{"json.ignore-parse-errors", "true"}};
  opt_list ol = {ov, 1};
  d = fmt_json_def.decoder_new(&s, &ol);
  CHECK(rdec(d, "{\"id\":1,\"bid\":\"x\",\"n\":{\"y\":\"w\"}}", row, &a, why) == SL_OK);
  CHECK(row[C_ID].u.i == 1 && row[C_AUC].null && row[C_PRICE].null && is_str(&row[C_NY], "w"));
  CHECK(rdec(d, "{\"id\":1,\"bid\":{\"auction\":\"x\",\"price\":3}}", row, &a, why) == SL_OK);
  CHECK(row[C_AUC].null && row[C_PRICE].u.i == 3);
  d->vt->free(d);
  arena_free(&a);
}

TEST(json_row_needed_and_missing) {
  init_rtypes();
  /* only bid.price and n.y needed: other leaves untouched, a ROW none of whose leaves is
   * needed (n.m) is skipped without looking at its value's type */
  bool needed[NC] = {false, false, true, false, false, false, true};
  fmt_schema s = {NC, rnames, rtypes, needed, 0, rnest};
  fmt_decoder *d = fmt_json_def.decoder_new(&s, NULL);
  sl_arena a;
  arena_init(&a, 0);
  sl_value row[NC];
  char why[256];
  CHECK(rdec(d,
             "{\"id\":\"no\",\"bid\":{\"auction\":\"no\",\"price\":4},\"n\":{\"m\":7,\"y\":\"k\"}}",
             row, &a, why) == SL_OK);
  CHECK(row[C_PRICE].u.i == 4 && is_str(&row[C_NY], "k"));
  CHECK(row[C_ID].u.i == 0x5EED && row[C_AUC].u.i == 0x5EED && row[C_NMX].u.i == 0x5EED);
  CHECK(rdec(d, "{\"n\":{\"m\":{\"x\":}}}", row, &a, why) == SL_EDATA); /* still validated */
  d->vt->free(d);

  /* json.fail-on-missing-field: the outermost missing field is named; a null ROW is present */
  opt_kv ov[] = {{"json.fail-on-missing-field", "true"}};
  opt_list ol = {ov, 1};
  s.needed = NULL;
  d = fmt_json_def.decoder_new(&s, &ol);
  CHECK(rdec(d, "{\"id\":1,\"bid\":null,\"a.b\":\"x\",\"n\":{\"m\":null,\"y\":\"z\"}}", row, &a,
             why) == SL_OK);
  CHECK(rdec(d, "{\"id\":1,\"a.b\":\"x\",\"n\":{\"m\":null,\"y\":\"z\"}}", row, &a, why) ==
        SL_EDATA);
  CHECK(strstr(why, "field 'bid' is missing") != NULL);
  CHECK(rdec(d, "{\"id\":1,\"bid\":{\"auction\":1,\"dateTime\":null},\"a.b\":\"x\",\"n\":null}",
             row, &a, why) == SL_EDATA);
  CHECK(strstr(why, "field 'bid.price' is missing") != NULL);
  CHECK(rdec(d, "{\"id\":1,\"bid\":null,\"a.b\":\"x\",\"n\":{\"m\":{},\"y\":null}}", row, &a,
             why) == SL_EDATA);
  CHECK(strstr(why, "field 'n.m.x' is missing") != NULL);
  d->vt->free(d);
  arena_free(&a);
}

TEST(json_row_encode) {
  init_rtypes();
  fmt_schema s = {NC, rnames, rtypes, NULL, 0, rnest};
  fmt_encoder *e = fmt_json_def.encoder_new(&s, NULL);
  sl_value row[NC] = {value_int(1),      value_int(5), value_null(), value_int(1500),
                      value_str("l", 1), value_int(3), value_null()};
  sl_buf b = {0};
  e->vt->encode(e, row, &b);
  CHECK_STR(buf_cstr(&b), "{\"id\":1,\"bid\":{\"auction\":5,\"price\":null,\"dateTime\":\"1970-01-"
                          "01 00:00:01.500\"},\"a.b\":\"l\",\"n\":{\"m\":{\"x\":3},\"y\":null}}\n");
  /* every leaf NULL: the object is written with null fields */
  for (int i = 0; i < NC; i++) row[i] = value_null();
  b.len = 0;
  e->vt->encode(e, row, &b);
  CHECK_STR(buf_cstr(&b), "{\"id\":null,\"bid\":{\"auction\":null,\"price\":null,\"dateTime\":"
                          "null},\"a.b\":null,\"n\":{\"m\":{\"x\":null},\"y\":null}}\n");
  /* and it reads back */
  fmt_decoder *d = fmt_json_def.decoder_new(&s, NULL);
  sl_arena a;
  arena_init(&a, 0);
  char why[256];
  sl_value back[NC];
  CHECK(rdec(d, buf_cstr(&b), back, &a, why) == SL_OK);
  for (int i = 0; i < NC; i++) CHECK(back[i].null);
  e->vt->free(e);
  d->vt->free(d);
  /* a ROW as the last column closes its objects before the record's brace */
  static const char *n2[] = {"r.s.t", "r.u"};
  static const uint8_t nest2[] = {2, 1};
  sl_type t2[] = {type_make(T_BIGINT), type_make(T_BOOLEAN)};
  fmt_schema s2 = {2, n2, t2, NULL, 0, nest2};
  e = fmt_json_def.encoder_new(&s2, NULL);
  sl_value r2[] = {value_int(-4), value_int(1)};
  b.len = 0;
  e->vt->encode(e, r2, &b);
  CHECK_STR(buf_cstr(&b), "{\"r\":{\"s\":{\"t\":-4},\"u\":true}}\n");
  e->vt->free(e);
  buf_free(&b);
  arena_free(&a);
}

TEST(csv_row_leaves) {
  init_rtypes();
  fmt_schema s = {NC, rnames, rtypes, NULL, 0, rnest};
  opt_kv ov[] = {{"csv.header", "true"}};
  opt_list ol = {ov, 1};
  fmt_encoder *e = fmt_csv_def.encoder_new(&s, &ol);
  sl_buf b = {0};
  e->vt->header(e, &b);
  CHECK_STR(buf_cstr(&b), "id,bid.auction,bid.price,bid.dateTime,a.b,n.m.x,n.y\n");
  sl_value row[NC] = {value_int(1),      value_int(5), value_null(),     value_int(0),
                      value_str("l", 1), value_int(3), value_str("y", 1)};
  e->vt->encode(e, row, &b);
  e->vt->free(e);
  /* the header maps by the dotted names: here in another order */
  fmt_decoder *d = fmt_csv_def.decoder_new(&s, &ol);
  d->vt->file_start(d);
  sl_arena a;
  arena_init(&a, 0);
  char why[256];
  fmt_rec r;
  const char *in = "n.y,bid.price,id,bid.auction,a.b,n.m.x,bid.dateTime\nq,7,2,8,s,9,\n";
  sl_value got[NC];
  CHECK(d->vt->decode(d, in, strlen(in), &r, got, &a, why, sizeof why) == SL_OK && r.no_row);
  size_t off = r.consumed;
  CHECK(d->vt->decode(d, in + off, strlen(in) - off, &r, got, &a, why, sizeof why) == SL_OK);
  CHECK(got[C_ID].u.i == 2 && got[C_AUC].u.i == 8 && got[C_PRICE].u.i == 7 && got[C_DT].null);
  CHECK(is_str(&got[C_NY], "q") && got[C_NMX].u.i == 9 && is_str(&got[C_AB], "s"));
  d->vt->free(d);
  /* without a header: by position, as the encoder wrote them */
  d = fmt_csv_def.decoder_new(&s, NULL);
  d->vt->file_start(d);
  const char *line = strchr(buf_cstr(&b), '\n') + 1;
  CHECK(d->vt->decode(d, line, strlen(line), &r, got, &a, why, sizeof why) == SL_OK);
  CHECK(got[C_AUC].u.i == 5 && got[C_PRICE].null && is_str(&got[C_NY], "y"));
  d->vt->free(d);
  buf_free(&b);
  arena_free(&a);
}
