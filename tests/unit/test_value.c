/* test_value.c - value/: DECIMAL parse/rescale/format, calendar math, timestamp parse and
 * format, Java-style double text. */
#include <math.h>
#include <stdlib.h>

#include "unit.h"
#include "value/value.h"

static const char *dec_text(__int128 v, int scale) {
  static char out[64];
  sl_buf b = {0};
  dec_format(v, scale, &b);
  snprintf(out, sizeof out, "%s", buf_cstr(&b));
  buf_free(&b);
  return out;
}

TEST(decimal_parse_round_format) {
  __int128 v;
  CHECK(dec_parse("12.345", 6, 10, 2, &v) && v == 1235); /* HALF_UP */
  CHECK(dec_parse("-12.345", 7, 10, 2, &v) && v == -1235);
  CHECK(dec_parse("1e3", 3, 10, 2, &v) && v == 100000);
  CHECK(dec_parse("  7 ", 4, 3, 0, &v) && v == 7);
  CHECK(!dec_parse("1234", 4, 3, 0, &v)); /* needs 4 digits */
  CHECK(!dec_parse("12a", 3, 10, 0, &v));
  CHECK(!dec_parse("", 0, 10, 0, &v));
  CHECK(!dec_parse(".", 1, 10, 0, &v));
  CHECK(dec_parse("99999999999999999999999999999999999999", 38, 38, 0, &v));
  CHECK_STR(dec_text(v, 0), "99999999999999999999999999999999999999");
  CHECK_STR(dec_text(-5, 2), "-0.05");
  CHECK_STR(dec_text(0, 3), "0.000");
  CHECK_STR(dec_text(123456, 2), "1234.56");
  CHECK(dec_parse("0e39", 4, 10, 2, &v) && v == 0); /* found by the CSV fuzzer */
  CHECK(!dec_parse("1e39", 4, 38, 0, &v));
  CHECK(dec_parse("1e-90", 5, 10, 2, &v) && v == 0);
  CHECK(dec_rescale(1235, 2, 1, 10, &v) && v == 124);
  CHECK(!dec_rescale(999, 0, 2, 4, &v));
}

static __int128 dec_of(const char *s, int scale) {
  __int128 v = 0;
  dec_parse(s, strlen(s), 38, scale, &v);
  return v;
}

TEST(decimal_exact_arithmetic) {
  __int128 a = dec_of("12345678901234567.123456789012345678", 18);
  __int128 b = dec_of("1.000000000000000001", 18), r;
  /* DECIMAL(38, 18) * DECIMAL(38, 18) -> DECIMAL(38, 6): all 23 digits right */
  CHECK(dec_mul(a, 18, b, 18, 38, 6, &r));
  CHECK_STR(dec_text(r, 6), "12345678901234567.135802");
  CHECK(dec_mul(a, 18, -b, 18, 38, 36, &r) == false); /* needs 53 digits */
  CHECK(dec_div(a, 18, b, 18, 38, 18, &r));
  CHECK_STR(dec_text(r, 18), "12345678901234567.111111110111111111");
  /* the quotient is rounded to 38 significant digits, then to the scale (Java's MC_DIVIDE) */
  CHECK(dec_div(dec_of("2", 0), 0, dec_of("3", 0), 0, 38, 37, &r));
  CHECK_STR(dec_text(r, 37), "0.6666666666666666666666666666666666667");
  CHECK(dec_div(dec_of("-1", 0), 0, dec_of("3", 0), 0, 38, 6, &r));
  CHECK_STR(dec_text(r, 6), "-0.333333");
  /* alignment of DECIMAL(38, 0) and DECIMAL(38, 18) goes beyond 128 bits */
  __int128 c = dec_of("99999999999999999999999999999999999999", 0);
  CHECK(dec_add(c, 0, dec_of("0.5", 18), 18, 38, 0, &r) == false); /* 10^38 overflows */
  CHECK(dec_add(c, 0, dec_of("-0.5", 18), 18, 38, 0, &r));
  CHECK_STR(dec_text(r, 0), "99999999999999999999999999999999999999"); /* HALF_UP of .5 */
  CHECK(dec_mod(dec_of("-7.5", 1), 1, dec_of("2", 0), 0, 10, 1, &r) && r == -15);
  CHECK(dec_mod(c, 0, dec_of("0.000000000000000007", 18), 18, 38, 18, &r));
  CHECK_STR(dec_text(r, 18), "0.000000000000000001"); /* (10^38 - 1) mod 7e-18 */
  CHECK(dec_mul(c, 0, c, 0, 38, 0, &r) == false);
  CHECK(dec_mul(0, 0, c, 0, 38, 0, &r) && r == 0);
}

TEST(calendar) {
  CHECK(days_from_civil(1970, 1, 1) == 0);
  CHECK(days_from_civil(2000, 3, 1) == 11017);
  int64_t y;
  unsigned m, d;
  civil_from_days(-1, &y, &m, &d);
  CHECK(y == 1969 && m == 12 && d == 31);
  civil_from_days(19782, &y, &m, &d);
  CHECK(y == 2024 && m == 2 && d == 29);
}

TEST(timestamps) {
  int64_t ms, off;
  bool z;
  CHECK(ts_parse("2024-03-05 10:20:30.123", 23, &ms, &z, &off) && !z);
  sl_buf b = {0};
  ts_format(ms, false, false, &b);
  CHECK_STR(buf_cstr(&b), "2024-03-05 10:20:30.123");
  b.len = 0;
  ts_format(ms, true, true, &b);
  CHECK_STR(buf_cstr(&b), "2024-03-05T10:20:30.123Z");
  CHECK(ts_parse("2024-03-05T10:20:30+02:00", 25, &ms, &z, &off) && z && off == 7200000);
  CHECK(ts_parse("2024-03-05", 10, &ms, &z, &off) && ms == 19787LL * 86400000);
  CHECK(!ts_parse("2024-02-30 00:00:00", 19, &ms, &z, &off));
  CHECK(!ts_parse("2024-03-05 25:00:00", 19, &ms, &z, &off));
  CHECK(!ts_parse("yesterday", 9, &ms, &z, &off));
  b.len = 0;
  ts_format(-1, false, false, &b);
  CHECK_STR(buf_cstr(&b), "1969-12-31 23:59:59.999");
  buf_free(&b);
}

static const char *dtext(double d, bool f) {
  static char out[64];
  sl_buf b = {0};
  double_format(d, f, &b);
  snprintf(out, sizeof out, "%s", buf_cstr(&b));
  buf_free(&b);
  return out;
}

TEST(java_double_text) {
  CHECK_STR(dtext(1.0, false), "1.0");
  CHECK_STR(dtext(0.1, false), "0.1");
  CHECK_STR(dtext(100.5, false), "100.5");
  CHECK_STR(dtext(1e7, false), "1.0E7");
  CHECK_STR(dtext(1.5e-4, false), "1.5E-4");
  CHECK_STR(dtext(0.001, false), "0.001");
  CHECK_STR(dtext(-2.5, false), "-2.5");
  CHECK_STR(dtext(0.1f, true), "0.1");
  CHECK_STR(dtext(NAN, false), "NaN");
  CHECK_STR(dtext(1.0 / 3, false), "0.3333333333333333");
}

TEST(batch_cells_start_null) {
  sl_batch b;
  batch_init(&b, 3, 4);
  CHECK(batch_row(&b, 3)[2].null);
  CHECK(sizeof(sl_value) == 24);
  batch_free(&b);
}
