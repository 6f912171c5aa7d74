/* test_format_enc.c - the JSON and CSV encoders (and ts_format, date_format, dec_format) byte
 * for byte against the formatting they replaced, kept here as the reference: printf for
 * integers and date/time fields, the digit loop for decimals, value_print into a scratch buffer
 * and a per-byte scan for CSV quoting. Random rows of every type (NULLs, NaN and infinities,
 * decimals of every precision and scale, dates and timestamps from year -292 million to +292
 * million, strings with escapes, delimiters and invalid UTF-8), several schemas and every
 * encoder option that changes the text. SEED=n in the environment replays another seed. */
#include <math.h>
#include <stdlib.h>

#include "format/format.h"
#include "unit.h"

/* ---- the reference: the formatting code as it was ---- */

static void ref_ts_format(int64_t ms, bool iso, bool zulu, sl_buf *out) {
  int64_t days = floor_div(ms, 86400000), rem = floor_mod(ms, 86400000);
  int64_t y;
  unsigned m, d;
  civil_from_days(days, &y, &m, &d);
  char tmp[48];
  int n = snprintf(tmp, sizeof tmp, "%04lld-%02u-%02u%c%02d:%02d:%02d.%03d%s", (long long)y, m, d,
                   iso ? 'T' : ' ', (int)(rem / 3600000), (int)(rem / 60000 % 60),
                   (int)(rem / 1000 % 60), (int)(rem % 1000), zulu ? "Z" : "");
  buf_put(out, tmp, (size_t)n);
}

static void ref_date_format(int64_t days, sl_buf *out) {
  int64_t y;
  unsigned m, d;
  civil_from_days(days, &y, &m, &d);
  char tmp[32];
  int n = snprintf(tmp, sizeof tmp, "%04lld-%02u-%02u", (long long)y, m, d);
  buf_put(out, tmp, (size_t)n);
}

static void ref_dec_format(__int128 v, int scale, sl_buf *out) {
  char tmp[48], buf[48];
  int n = 0;
  bool neg = v < 0;
  unsigned __int128 u = neg ? (unsigned __int128)(-(v + 1)) + 1 : (unsigned __int128)v;
  do {
    tmp[n++] = (char)('0' + (int)(u % 10));
    u /= 10;
  } while (u);
  while (n <= scale) tmp[n++] = '0';
  char *o = buf;
  if (neg) *o++ = '-';
  for (int i = n - 1; i >= 0; i--) {
    *o++ = tmp[i];
    if (i == scale && scale > 0) *o++ = '.';
  }
  buf_put(out, buf, (size_t)(o - buf));
}

/* value_print as it was (value.c's own paths for the types whose formatting did not change) */
static void ref_print(const sl_value *v, sl_type t, sl_buf *out) {
  if (v->null) {
    buf_puts(out, "NULL");
    return;
  }
  switch (t.id) {
  case T_INT:
  case T_BIGINT: buf_printf(out, "%lld", (long long)v->u.i); break;
  case T_DECIMAL: ref_dec_format(value_dec(v), t.scale, out); break;
  case T_DATE: ref_date_format(v->u.i, out); break;
  case T_TIMESTAMP: ref_ts_format(v->u.i, false, false, out); break;
  case T_TIMESTAMP_LTZ: ref_ts_format(v->u.i, false, true, out); break;
  default: value_print(v, t, out); break; /* BOOLEAN, FLOAT, DOUBLE, STRING, INTERVAL */
  }
}

static void ref_json_row(const fmt_schema *s, bool iso, const sl_value *row, sl_buf *out) {
  buf_putc(out, '{');
  for (int i = 0; i < s->ncols; i++) {
    if (i) buf_putc(out, ',');
    buf_putc(out, '"');
    fmt_json_escape(s->names[i], strlen(s->names[i]), out);
    buf_puts(out, "\":");
    const sl_value *v = &row[i];
    sl_type t = s->types[i];
    if (v->null) {
      buf_put(out, "null", 4);
      continue;
    }
    switch (t.id) {
    case T_STRING:
      buf_putc(out, '"');
      fmt_json_escape(v->u.s, v->len, out);
      buf_putc(out, '"');
      break;
    case T_FLOAT:
    case T_DOUBLE:
      if (isnan(v->u.d) || isinf(v->u.d)) {
        buf_putc(out, '"');
        ref_print(v, t, out);
        buf_putc(out, '"');
      } else {
        ref_print(v, t, out);
      }
      break;
    case T_TIMESTAMP:
    case T_TIMESTAMP_LTZ:
      buf_putc(out, '"');
      ref_ts_format(v->u.i, iso, t.id == T_TIMESTAMP_LTZ, out);
      buf_putc(out, '"');
      break;
    case T_DATE:
    case T_INTERVAL:
      buf_putc(out, '"');
      ref_print(v, t, out);
      buf_putc(out, '"');
      break;
    default: ref_print(v, t, out); break;
    }
  }
  buf_put(out, "}\n", 2);
}

typedef struct ref_csv {
  char delim, quote;
  const char *null_lit;
} ref_csv;

static void ref_csv_put(const ref_csv *c, const char *s, size_t n, sl_buf *out) {
  bool need = false;
  for (size_t i = 0; i < n && !need; i++)
    need = s[i] == c->delim || s[i] == '\n' || s[i] == '\r' || (c->quote && s[i] == c->quote);
  if (c->null_lit && n == strlen(c->null_lit) && !memcmp(s, c->null_lit, n)) need = true;
  if (!need || !c->quote) {
    buf_put(out, s, n);
    return;
  }
  buf_putc(out, c->quote);
  for (size_t i = 0; i < n; i++) {
    if (s[i] == c->quote) buf_putc(out, c->quote);
    buf_putc(out, s[i]);
  }
  buf_putc(out, c->quote);
}

static void ref_csv_row(const ref_csv *c, const fmt_schema *s, const sl_value *row, sl_buf *out) {
  sl_buf tmp = {0};
  for (int i = 0; i < s->ncols; i++) {
    if (i) buf_putc(out, c->delim);
    if (row[i].null) {
      if (c->null_lit) buf_puts(out, c->null_lit);
      continue;
    }
    sl_type t = s->types[i];
    tmp.len = 0;
    if (t.id == T_STRING && fmt_utf8_valid(row[i].u.s, row[i].len))
      buf_put(&tmp, row[i].u.s, row[i].len);
    else if (t.id == T_STRING)
      fmt_utf8_sanitize(row[i].u.s, row[i].len, &tmp);
    else
      ref_print(&row[i], t, &tmp);
    ref_csv_put(c, tmp.data ? tmp.data : "", tmp.len, out);
  }
  buf_putc(out, '\n');
  buf_free(&tmp);
}

/* ---- random values ---- */

static uint64_t rng_state;
static uint64_t rnd64(void) {
  uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
static uint32_t rnd(uint32_t n) { return (uint32_t)(rnd64() % n); }

/* Integers: small ones, powers of ten and their neighbours, the extremes, any 64 bits. */
static int64_t rnd_int(void) {
  switch (rnd(5)) {
  case 0: return (int64_t)rnd(2001) - 1000;
  case 1: {
    int64_t p = 1;
    for (uint32_t k = rnd(19); k; k--) p *= 10;
    return (rnd(2) ? p : -p) + (int64_t)rnd(3) - 1;
  }
  case 2: return rnd(2) ? INT64_MIN + (int64_t)rnd(3) : INT64_MAX - (int64_t)rnd(3);
  default: return (int64_t)rnd64();
  }
}

/* Milliseconds: near the epoch, around years 0, 1000 and 10000, anywhere in int64 (but the
 * first day of its range: the old ts_format overflowed there). */
static int64_t rnd_ms(void) {
  static const int64_t marks[] = {0,
                                  -62167219200000LL,
                                  -30610224000000LL,
                                  253402300800000LL,
                                  -62135596800000LL,
                                  951782400000LL};
  switch (rnd(4)) {
  case 0: return (int64_t)rnd(400000001) - 200000000;
  case 1: return marks[rnd(6)] + (int64_t)(rnd64() % 200000000001ULL) - 100000000000LL;
  case 2: return (int64_t)(rnd64() % 20000000000000000ULL) - 10000000000000000LL;
  default: {
    int64_t v = (int64_t)rnd64();
    return v < INT64_MIN + 86400000 ? v + 86400000 : v;
  }
  }
}

static __int128 rnd_dec(int prec) {
  __int128 v = 0;
  int nd = (int)rnd((uint32_t)prec + 1);
  for (int i = 0; i < nd; i++) v = v * 10 + rnd(10);
  if (rnd(8) == 0) v = dec_pow10[prec] - 1; /* the largest */
  return rnd(2) ? -v : v;
}

/* Strings from pieces that exercise every path: plain text, quotes and backslashes, control
 * characters, delimiters, valid multi-byte UTF-8, invalid bytes, NUL. */
static size_t rnd_str(char *s, size_t cap) {
  static const char *const pieces[] = {"a",
                                       "hello",
                                       "0123456789abcdef",
                                       " ",
                                       "\"",
                                       "\\",
                                       "\n",
                                       "\r",
                                       "\t",
                                       ",",
                                       ";",
                                       "'",
                                       "-",
                                       ":",
                                       "|",
                                       "\x01",
                                       "\x1f",
                                       "\x7f",
                                       "/",
                                       "NULL",
                                       "\xc3\xa9",
                                       "\xe2\x82\xac",
                                       "\xf0\x9f\x98\x80",
                                       "\xff",
                                       "\xc3",
                                       "\xe2\x82",
                                       "\xed\xa0\x80",
                                       "\xc0\xaf",
                                       "\x80",
                                       "~",
                                       "null",
                                       "1.5"};
  size_t n = 0;
  int np = (int)rnd(3) == 0 ? 0 : (int)rnd(12);
  bool plain = rnd(2) == 0; /* half the strings plain ASCII, as most data is */
  for (int k = 0; k < np; k++) {
    const char *p = plain ? pieces[rnd(3)] : pieces[rnd(sizeof pieces / sizeof *pieces)];
    size_t l = strlen(p);
    if (!plain && rnd(40) == 0) p = "\0", l = 1;
    if (n + l > cap) break;
    memcpy(s + n, p, l);
    n += l;
  }
  return n;
}

static sl_type rnd_type(void) {
  static const sl_type_id ids[] = {T_BOOLEAN,   T_INT,           T_BIGINT,  T_FLOAT,
                                   T_DOUBLE,    T_DECIMAL,       T_STRING,  T_DATE,
                                   T_TIMESTAMP, T_TIMESTAMP_LTZ, T_INTERVAL};
  sl_type_id id = ids[rnd(sizeof ids / sizeof *ids)];
  if (id == T_DECIMAL) {
    int p = 1 + (int)rnd(38);
    return type_decimal(p, (int)rnd((uint32_t)p + 1));
  }
  return type_make(id);
}

static sl_value rnd_value(sl_type t, sl_arena *a) {
  if (rnd(10) == 0) return value_null();
  switch (t.id) {
  case T_BOOLEAN: return value_int(rnd(2));
  case T_INT: return value_int((int32_t)rnd_int());
  case T_BIGINT: return value_int(rnd_int());
  case T_FLOAT:
  case T_DOUBLE: {
    static const double special[] = {0.0, -0.0, 1.0, -1.5, 1e7, 1e-3, 123456789.125};
    double d;
    switch (rnd(4)) {
    case 0: d = rnd(3) == 0 ? NAN : rnd(2) ? INFINITY : -INFINITY; break;
    case 1: d = special[rnd(7)]; break;
    case 2: d = ((double)rnd_int()) / 1000.0; break;
    default: {
      uint64_t bits = rnd64();
      memcpy(&d, &bits, sizeof d);
    }
    }
    if (t.id == T_FLOAT) d = (float)d;
    return value_double(d);
  }
  case T_DECIMAL: return value_decimal(rnd_dec(t.prec));
  case T_STRING: {
    char *s = arena_alloc(a, 256);
    return value_str(s, rnd_str(s, 256));
  }
  case T_DATE: return value_int(rnd(2) ? rnd_ms() / 86400000 : (int64_t)rnd(8000001) - 4000000);
  default: return value_int(rnd_ms()); /* TIMESTAMP, TIMESTAMP_LTZ, INTERVAL */
  }
}

static const char *const col_names[] = {"id", "na\"me", "a\\b",    "t\tab", "\xc3\xa9t\xc3\xa9",
                                        "x",  "y,z",    "bad\xff", "n",     "a b",
                                        "c",  "d"};

/* rows x random schemas through the json and csv encoders, each line against the reference */
TEST(format_encoders_match_reference) {
  const char *seed_env = getenv("SEED");
  uint64_t seed = seed_env ? strtoull(seed_env, NULL, 10) : 20261122;
  rng_state = seed;
  static const opt_kv csv_confs[][3] = {
      {{"csv.field-delimiter", ","}, {"csv.header", "true"}, {"x", "x"}},
      {{"csv.field-delimiter", ";"}, {"csv.null-literal", "NULL"}, {"csv.header", "true"}},
      {{"csv.field-delimiter", "-"}, {"csv.quote-character", "'"}, {"x", "x"}},
      {{"csv.field-delimiter", ":"}, {"csv.null-literal", "0"}, {"x", "x"}},
      {{"csv.field-delimiter", "\\t"}, {"csv.disable-quote-character", "true"}, {"x", "x"}},
      {{"csv.field-delimiter", "."}, {"csv.null-literal", ""}, {"x", "x"}},
      {{"csv.field-delimiter", "1"}, {"csv.quote-character", "0"}, {"csv.null-literal", "1.5"}},
      {{"csv.field-delimiter", "E"}, {"csv.null-literal", "null"}, {"x", "x"}},
      {{"csv.field-delimiter", " "}, {"csv.null-literal", "true"}, {"x", "x"}},
      {{"csv.field-delimiter", "a"}, {"csv.quote-character", "Z"}, {"x", "x"}},
      {{"csv.field-delimiter", "+"}, {"csv.quote-character", "y"}, {"csv.null-literal", "-1"}},
      {{"csv.field-delimiter", "|"}, {"csv.quote-character", "N"}, {"csv.null-literal", "NaN"}},
  };
  int nconf = (int)(sizeof csv_confs / sizeof *csv_confs);
  sl_arena a;
  arena_init(&a, 0);
  int mismatches = 0;
  long lines = 0;
  for (int round = 0; round < 96 && mismatches < 5; round++) {
    int ncols = 1 + (int)rnd(12);
    sl_type types[12];
    const char *names[12];
    for (int i = 0; i < ncols; i++) {
      types[i] = rnd_type();
      names[i] = col_names[i];
    }
    fmt_schema s = {ncols, names, types, NULL, 0, NULL};
    bool iso = round % 2;
    opt_kv jkv = {"json.timestamp-format.standard", iso ? "ISO-8601" : "SQL"};
    opt_list jo = {&jkv, 1};
    const opt_kv *ckv = csv_confs[round % nconf];
    opt_list co = {ckv, 3};
    ref_csv rc = {ckv[0].value[0] == '\\' ? '\t' : ckv[0].value[0], '"', NULL};
    bool header = false;
    for (int k = 0; k < 3; k++) {
      if (!strcmp(ckv[k].key, "csv.quote-character")) rc.quote = ckv[k].value[0];
      if (!strcmp(ckv[k].key, "csv.disable-quote-character")) rc.quote = 0;
      if (!strcmp(ckv[k].key, "csv.null-literal")) rc.null_lit = ckv[k].value;
      if (!strcmp(ckv[k].key, "csv.header")) header = true;
    }
    fmt_encoder *je = fmt_json_def.encoder_new(&s, &jo), *ce = fmt_csv_def.encoder_new(&s, &co);
    sl_buf got = {0}, want = {0}, cgot = {0}, cwant = {0};
    if (header) { /* the header line goes through the same quoting */
      ce->vt->header(ce, &cgot);
      for (int i = 0; i < ncols; i++) {
        if (i) buf_putc(&cwant, rc.delim);
        ref_csv_put(&rc, names[i], strlen(names[i]), &cwant);
      }
      buf_putc(&cwant, '\n');
    }
    for (int r = 0; r < 500; r++, lines++) {
      arena_reset(&a);
      sl_value row[12];
      for (int i = 0; i < ncols; i++) row[i] = rnd_value(types[i], &a);
      size_t g0 = got.len, w0 = want.len, cg0 = cgot.len, cw0 = cwant.len;
      je->vt->encode(je, row, &got);
      ref_json_row(&s, iso, row, &want);
      ce->vt->encode(ce, row, &cgot);
      ref_csv_row(&rc, &s, row, &cwant);
      bool jok =
          got.len - g0 == want.len - w0 && !memcmp(got.data + g0, want.data + w0, want.len - w0);
      bool cok = cgot.len - cg0 == cwant.len - cw0 &&
                 !memcmp(cgot.data + cg0, cwant.data + cw0, cwant.len - cw0);
      if ((!jok || !cok) && mismatches++ < 5)
        fprintf(stderr, "seed %llu round %d row %d:\n json %.*s want %.*s csv  %.*s want %.*s",
                (unsigned long long)seed, round, r, (int)(got.len - g0), got.data + g0,
                (int)(want.len - w0), want.data + w0, (int)(cgot.len - cg0), cgot.data + cg0,
                (int)(cwant.len - cw0), cwant.data + cw0);
    }
    /* the whole outputs too: nothing written outside a row's own span */
    CHECK(got.len == want.len && !memcmp(got.data, want.data, got.len));
    CHECK(cgot.len == cwant.len && !memcmp(cgot.data, cwant.data, cgot.len));
    buf_free(&got);
    buf_free(&want);
    buf_free(&cgot);
    buf_free(&cwant);
    je->vt->free(je);
    ce->vt->free(ce);
  }
  CHECK(mismatches == 0);
  CHECK(lines == 96 * 500);
  arena_free(&a);
}

/* ts_format, date_format and dec_format alone: dense ranges and edges against the reference */
TEST(format_time_decimal_text) {
  sl_buf got = {0}, want = {0};
  int bad = 0;
  rng_state = 7;
  for (int k = 0; k < 200000; k++) {
    int64_t ms = k < 100000 ? rnd_ms() : (int64_t)(k - 150000) * 86399999;
    bool iso = k & 1, zulu = k & 2;
    got.len = want.len = 0;
    ts_format(ms, iso, zulu, &got);
    ref_ts_format(ms, iso, zulu, &want);
    int64_t days = ms / 86400000;
    date_format(days, &got);
    ref_date_format(days, &want);
    int scale = (int)rnd(39);
    __int128 v = rnd_dec(38);
    dec_format(v, scale, &got);
    ref_dec_format(v, scale, &want);
    if ((got.len != want.len || memcmp(got.data, want.data, got.len)) && bad++ < 5)
      fprintf(stderr, "'%.*s' != '%.*s'\n", (int)got.len, got.data, (int)want.len, want.data);
  }
  CHECK(bad == 0);
  /* fixed points, independent of the reference */
  got.len = 0;
  ts_format(-1, false, false, &got);
  date_format(-719528, &got); /* 0000-01-01 */
  date_format(-719529, &got); /* 1 BC's last day */
  date_format(2932897, &got); /* 10000-01-01 */
  dec_format(-5, 2, &got);
  dec_format(0, 0, &got);
  dec_format(dec_pow10[38] - 1, 38, &got);
  ts_format(INT64_MIN, true, true, &got); /* no overflow at the very first millisecond */
  CHECK_STR(buf_cstr(&got), "1969-12-31 23:59:59.999"
                            "0000-01-01"
                            "-001-12-31"
                            "10000-01-01"
                            "-0.05"
                            "0"
                            "0.99999999999999999999999999999999999999"
                            "-292275055-05-16T16:47:04.192Z");
  buf_free(&got);
  buf_free(&want);
}

/* integers at the edges, through the json encoder */
TEST(format_json_integers) {
  const char *names[] = {"a"};
  sl_type types[] = {type_make(T_BIGINT)};
  fmt_schema s = {1, names, types, NULL, 0, NULL};
  fmt_encoder *e = fmt_json_def.encoder_new(&s, NULL);
  sl_buf b = {0};
  const int64_t vals[] = {0, 9, 10, 99, 100, -1, -10, INT64_MAX, INT64_MIN};
  for (int i = 0; i < 9; i++) {
    sl_value v = value_int(vals[i]);
    e->vt->encode(e, &v, &b);
  }
  CHECK_STR(buf_cstr(&b), "{\"a\":0}\n{\"a\":9}\n{\"a\":10}\n{\"a\":99}\n{\"a\":100}\n{\"a\":-1}\n"
                          "{\"a\":-10}\n{\"a\":9223372036854775807}\n"
                          "{\"a\":-9223372036854775808}\n");
  buf_free(&b);
  e->vt->free(e);
}

/* DOUBLE through the encoders' fast path, against double_chars (Java's Double.toString): short
 * decimals as data holds them, every digit count up to 17, random bit patterns, the edges of
 * plain notation. Through both encoders, so the path taken in each is checked. */
TEST(format_double_fast) {
  const char *names[] = {"d"};
  sl_type types[] = {type_make(T_DOUBLE)};
  fmt_schema s = {1, names, types, NULL, 0, NULL};
  fmt_encoder *je = fmt_json_def.encoder_new(&s, NULL), *ce = fmt_csv_def.encoder_new(&s, NULL);
  sl_buf b = {0};
  uint64_t r = 0x9E3779B97F4A7C15ULL;
  int bad = 0;
  for (int i = 0; i < 300000; i++) {
    r ^= r << 13, r ^= r >> 7, r ^= r << 17;
    double d;
    switch (i % 4) {
    case 0: d = (double)(int64_t)(r % 100000000) / pow(10, (double)((r >> 40) % 9)); break;
    case 1: d = (double)(r % 10000000000000000ULL) / pow(10, (double)((r >> 50) % 20)); break;
    case 2: {
      uint64_t bits = (r & 0x000FFFFFFFFFFFFFULL) | (uint64_t)(1013 + (r >> 55) % 35) << 52;
      memcpy(&d, &bits, 8);
      break;
    }
    default: {
      static const double edge[] = {1e-3,
                                    0.00099999999999999998,
                                    1e7,
                                    9999999.999999998,
                                    0.1 + 0.2,
                                    1.5,
                                    2.5,
                                    0.5,
                                    100,
                                    1e-3 + 1e-18,
                                    123456.78901234567,
                                    0.30000000000000004};
      d = edge[(r >> 20) % 12];
    }
    }
    if (r & 1) d = -d;
    char want[40];
    int n = double_chars(d, false, want);
    sl_value v = value_double(d);
    b.len = 0;
    je->vt->encode(je, &v, &b);
    if (b.len != (size_t)n + 7 || memcmp(b.data + 5, want, (size_t)n) != 0) {
      if (bad++ < 5) fprintf(stderr, "json %.17g: %.*s, want %s\n", d, (int)b.len, b.data, want);
    }
    b.len = 0;
    ce->vt->encode(ce, &v, &b);
    if (b.len != (size_t)n + 1 || memcmp(b.data, want, (size_t)n) != 0) {
      if (bad++ < 5) fprintf(stderr, "csv %.17g: %.*s, want %s\n", d, (int)b.len, b.data, want);
    }
  }
  CHECK(bad == 0);
  buf_free(&b);
  je->vt->free(je);
  ce->vt->free(ce);
}
