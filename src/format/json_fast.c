/* json_fast.c - the JSON decoder's fast paths for the two values that dominate event streams:
 * timestamps in the form sluice and Flink write, and plain DECIMAL numbers. Each gives exactly
 * what the general parser (ts_parse, dec_parse) gives for its form and declines anything else,
 * which then takes the general path (that also makes the error messages).
 * Must not touch: the decoder's record loop (json.c) or the general parsers. */
#include <string.h>

#include "json_fast.h"

static inline bool dig2(const char *p, int *v) {
  unsigned a = (unsigned)(p[0] - '0'), b = (unsigned)(p[1] - '0');
  *v = (int)(a * 10 + b);
  return a < 10 && b < 10;
}

/* The common timestamp form "YYYY-MM-DD HH:MM:SS.fff" (or with 'T'), as sluice and Flink
 * write it, without the general parser; the date's day number is kept for the next row. Exactly
 * ts_parse's result for this form; false when the text is not in it (the caller then takes the
 * general path, which also produces the errors). */
bool fmt_json_fast_ts(fmt_ts_cache *c, const char *s, size_t n, int64_t *ms) {
  if (n != 23 || s[4] != '-' || s[7] != '-' || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' ||
      s[16] != ':' || s[19] != '.')
    return false;
  int h, mi, sec, f12;
  unsigned f3 = (unsigned)(s[22] - '0');
  if (!dig2(s + 11, &h) || !dig2(s + 14, &mi) || !dig2(s + 17, &sec) || !dig2(s + 20, &f12) ||
      f3 > 9 || h > 23 || mi > 59 || sec > 59)
    return false;
  uint64_t a8, b8;
  uint16_t a2, b2;
  memcpy(&a8, s, 8), memcpy(&b8, c->date, 8), memcpy(&a2, s + 8, 2), memcpy(&b2, c->date + 8, 2);
  if (a8 != b8 || a2 != b2) { /* another date than the last one (inline: no memcmp call) */
    int64_t days;
    for (int i = 0; i < 10; i++) /* date_parse alone would take "2024-1-01 " too */
      if (i != 4 && i != 7 && (unsigned)(s[i] - '0') > 9) return false;
    if (!date_parse(s, 10, &days)) return false;
    memcpy(c->date, s, 10);
    c->days = days;
  }
  *ms = c->days * 86400000 + ((int64_t)h * 3600 + mi * 60 + sec) * 1000 + f12 * 10 + (int)f3;
  return true;
}

/* A plain JSON number (no exponent) of at most 18 digits with no more fraction digits than the
 * DECIMAL's scale, without the general parser: exactly dec_parse's result for it. false: not
 * this form or too many digits for the type (the general path decides and explains). */
bool fmt_json_fast_dec(const char *s, size_t n, sl_type t, sl_value *out) {
  const char *p = s, *e = s + n;
  bool neg = *p == '-';
  p += neg;
  int64_t v = 0;
  int nd = 0, frac = -1;
  for (; p < e; p++) {
    if (*p == '.') {
      frac = 0;
      continue;
    }
    if (*p < '0' || *p > '9' || ++nd > 18) return false; /* an exponent, or long */
    v = v * 10 + (*p - '0');
    if (frac >= 0) frac++;
  }
  if (frac < 0) frac = 0;
  if (frac > t.scale || nd + t.scale - frac > DEC_MAX_PREC) return false;
  __int128 x = (__int128)v * dec_pow10[t.scale - frac];
  if (x >= dec_pow10[t.prec]) return false;
  *out = value_decimal(neg ? -x : x);
  return true;
}
