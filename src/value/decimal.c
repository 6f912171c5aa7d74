/* decimal.c - exact DECIMAL(p,s) arithmetic helpers on 128-bit unscaled integers: parse from
 * text, rescale with HALF_UP rounding (Flink/Java BigDecimal's default for casts), format. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "value.h"

#define P10(n) ((__int128)n)
const __int128 dec_pow10[39] = {
    P10(1LL),
    P10(10LL),
    P10(100LL),
    P10(1000LL),
    P10(10000LL),
    P10(100000LL),
    P10(1000000LL),
    P10(10000000LL),
    P10(100000000LL),
    P10(1000000000LL),
    P10(10000000000LL),
    P10(100000000000LL),
    P10(1000000000000LL),
    P10(10000000000000LL),
    P10(100000000000000LL),
    P10(1000000000000000LL),
    P10(10000000000000000LL),
    P10(100000000000000000LL),
    P10(1000000000000000000LL),
    P10(1000000000000000000LL) * 10,
    P10(1000000000000000000LL) * 100,
    P10(1000000000000000000LL) * 1000,
    P10(1000000000000000000LL) * 10000,
    P10(1000000000000000000LL) * 100000,
    P10(1000000000000000000LL) * 1000000,
    P10(1000000000000000000LL) * 10000000,
    P10(1000000000000000000LL) * 100000000,
    P10(1000000000000000000LL) * 1000000000,
    P10(1000000000000000000LL) * 10000000000LL,
    P10(1000000000000000000LL) * 100000000000LL,
    P10(1000000000000000000LL) * 1000000000000LL,
    P10(1000000000000000000LL) * 10000000000000LL,
    P10(1000000000000000000LL) * 100000000000000LL,
    P10(1000000000000000000LL) * 1000000000000000LL,
    P10(1000000000000000000LL) * 10000000000000000LL,
    P10(1000000000000000000LL) * 100000000000000000LL,
    P10(1000000000000000000LL) * 1000000000000000000LL,
    P10(1000000000000000000LL) * 1000000000000000000LL * 10,
    P10(1000000000000000000LL) * 1000000000000000000LL * 100,
};

bool dec_fits(__int128 v, int prec) {
  if (prec > 38) prec = 38;
  __int128 lim = dec_pow10[prec];
  return v < lim && v > -lim;
}

int dec_digits(__int128 v) {
  if (v < 0) v = -v;
  int d = 1;
  while (d < 39 && v >= dec_pow10[d]) d++;
  return d;
}

bool dec_rescale(__int128 v, int from, int to, int prec, __int128 *out) {
  if (to > from) {
    int k = to - from;
    if (k > 38) return v == 0 ? (*out = 0, true) : false;
    if (v != 0 && dec_digits(v) + k > 38) return false;
    v *= dec_pow10[k];
  } else if (to < from) {
    int k = from - to;
    if (k > 38) {
      v = 0;
    } else {
      __int128 p = dec_pow10[k];
      __int128 q = v / p, r = v % p;
      if (r < 0) r = -r;
      if (r * 2 >= p) q += v < 0 ? -1 : 1;
      v = q;
    }
  }
  if (!dec_fits(v, prec)) return false;
  *out = v;
  return true;
}

bool dec_parse(const char *s, size_t n, int prec, int scale, __int128 *out) {
  size_t i = 0;
  while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
  while (n > i && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
  bool neg = false;
  if (i < n && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  __int128 v = 0;
  int ndig = 0, frac = 0, seen_dot = 0, any = 0;
  int dropped = 0; /* digits beyond 38 significant ones (only possible after the point) */
  int round_digit = -1;
  for (; i < n; i++) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      any = 1;
      if (ndig >= 38) {
        if (!seen_dot) return false;
        if (round_digit < 0) round_digit = c - '0';
        dropped++;
        continue;
      }
      v = v * 10 + (c - '0');
      if (v) ndig++;
      if (seen_dot) frac++;
    } else if (c == '.' && !seen_dot) {
      seen_dot = 1;
    } else {
      break;
    }
  }
  if (!any) return false;
  int exp = 0;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    bool eneg = false;
    if (i < n && (s[i] == '-' || s[i] == '+')) eneg = s[i++] == '-';
    if (i >= n) return false;
    long e = 0;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
      if (e < 100000) e = e * 10 + (s[i] - '0');
    exp = (int)(eneg ? -e : e);
  }
  if (i != n) return false;
  if (round_digit >= 5) v += 1; /* HALF_UP on digits we could not hold */
  int cur = frac - exp;         /* v * 10^-cur */
  if (neg) v = -v;
  if (v == 0) {
    *out = 0;
    return true;
  }
  if (cur > 80) cur = 80, v = 0;
  if (cur < 0) {
    if (dec_digits(v) - cur > 38) return false; /* also keeps -cur <= 37 */
    v *= dec_pow10[-cur];
    cur = 0;
  }
  return dec_rescale(v, cur, scale, prec, out);
}

/* Digits of v with a decimal point at `scale`, NUL-terminated, into buf[48]; returns the
 * length. The one formatter: dec_format and the double conversions use it. */
static int dec_chars(__int128 v, int scale, char *buf) {
  char tmp[48];
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
  *o = 0;
  return (int)(o - buf);
}

void dec_format(__int128 v, int scale, sl_buf *out) {
  char buf[48];
  int n = dec_chars(v, scale, buf);
  buf_put(out, buf, (size_t)n);
}

double dec_to_double(__int128 v, int scale) {
  /* exact when the digits fit a double's mantissa and 10^scale is exact (Clinger) */
  static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                               1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                               1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  if (v > -((__int128)1 << 53) && v < ((__int128)1 << 53) && scale <= 22)
    return (double)(int64_t)v / p10[scale];
  char buf[48];
  dec_chars(v, scale, buf);
  return strtod(buf, NULL);
}

bool dec_from_double(double d, int prec, int scale, __int128 *out) {
  if (isnan(d) || isinf(d)) return false;
  char buf[40];
  int n = double_chars(d, false, buf);
  return dec_parse(buf, (size_t)n, prec, scale, out);
}
