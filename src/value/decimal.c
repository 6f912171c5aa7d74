/* decimal.c - exact DECIMAL(p,s) on 128-bit unscaled integers: parse from text, rescale with
 * HALF_UP rounding (Flink/Java BigDecimal's default), format, and the four operations through a
 * 256-bit intermediate so no operand size loses a digit (Flink's DecimalDataUtils semantics).
 * Owns only value arithmetic: result types are the binder's, NULL-on-overflow the caller's. */
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

/* Two decimal digits of every number below 100. */
static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* The digits of x backwards, ending at e: at least `width` of them (zero-padded), at least
 * one. Returns the start. */
static char *digits_back(char *e, uint64_t x, int width) {
  char *q = e;
  while (x >= 100) {
    unsigned r = (unsigned)(x % 100);
    x /= 100;
    q -= 2;
    memcpy(q, digit_pairs + 2 * r, 2);
  }
  if (x >= 10) {
    q -= 2;
    memcpy(q, digit_pairs + 2 * x, 2);
  } else {
    *--q = (char)('0' + x);
  }
  while (e - q < width) *--q = '0';
  return q;
}

/* Digits of v with a decimal point at `scale`, NUL-terminated, into buf[48]; returns the
 * length. The one formatter: dec_format and the double conversions use it. 128-bit divisions
 * only split off 19 digits at a time while the magnitude needs more than 64 bits. */
static int dec_chars(__int128 v, int scale, char *buf) {
  char tmp[48], *e = tmp + sizeof tmp, *q = e;
  bool neg = v < 0;
  unsigned __int128 u = neg ? (unsigned __int128)(-(v + 1)) + 1 : (unsigned __int128)v;
  const uint64_t p19 = 10000000000000000000ULL;
  while (u > UINT64_MAX) {
    unsigned __int128 hi = u / p19;
    q = digits_back(q, (uint64_t)(u - hi * p19), 19);
    u = hi;
  }
  q = digits_back(q, (uint64_t)u, 1);
  int n = (int)(e - q); /* digits, most significant first at q */
  char *o = buf;
  if (neg) *o++ = '-';
  if (scale <= 0) {
    memcpy(o, q, (size_t)n);
    o += n;
  } else {
    if (n <= scale) { /* 0.000ddd */
      *o++ = '0';
      *o++ = '.';
      for (int i = n; i < scale; i++) *o++ = '0';
    } else {
      memcpy(o, q, (size_t)(n - scale));
      o += n - scale;
      q += n - scale;
      n = scale;
      *o++ = '.';
    }
    memcpy(o, q, (size_t)n);
    o += n;
  }
  *o = 0;
  return (int)(o - buf);
}

void dec_format(__int128 v, int scale, sl_buf *out) {
  buf_reserve(out, 48);
  out->len += (size_t)dec_chars(v, scale, out->data + out->len);
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

/* ---- exact arithmetic through 256 bits ----
 * Magnitudes are unsigned 256-bit integers (four 64-bit limbs, least significant first); signs
 * are kept apart. Operands are below 10^38, so products and operands aligned to a common scale
 * stay below 10^77 < 2^256. */

typedef struct u256 {
  uint64_t w[4];
} u256;

typedef unsigned __int128 u128;

static const uint64_t P19 = 10000000000000000000ULL; /* 10^19, the largest power in a limb */

static u256 u256_of(u128 x) {
  u256 r = {{(uint64_t)x, (uint64_t)(x >> 64), 0, 0}};
  return r;
}
static bool u256_fits128(const u256 *a) { return !a->w[2] && !a->w[3]; }
static u128 u256_lo128(const u256 *a) { return ((u128)a->w[1] << 64) | a->w[0]; }
static bool u256_zero(const u256 *a) { return !(a->w[0] | a->w[1] | a->w[2] | a->w[3]); }

static int u256_cmp(const u256 *a, const u256 *b) {
  for (int i = 3; i >= 0; i--)
    if (a->w[i] != b->w[i]) return a->w[i] < b->w[i] ? -1 : 1;
  return 0;
}
static u256 u256_add(u256 a, const u256 *b) {
  u128 c = 0;
  for (int i = 0; i < 4; i++) {
    c += (u128)a.w[i] + b->w[i];
    a.w[i] = (uint64_t)c;
    c >>= 64;
  }
  return a;
}
static u256 u256_sub(u256 a, const u256 *b) { /* a >= b */
  uint64_t borrow = 0;
  for (int i = 0; i < 4; i++) {
    uint64_t x = a.w[i], y = b->w[i];
    uint64_t d = x - y - borrow;
    borrow = (x < y) || (x == y && borrow) ? 1 : 0;
    a.w[i] = d;
  }
  return a;
}
static u256 u256_mul64(u256 a, uint64_t m) { /* caller keeps the product below 2^256 */
  u128 c = 0;
  for (int i = 0; i < 4; i++) {
    c += (u128)a.w[i] * m;
    a.w[i] = (uint64_t)c;
    c >>= 64;
  }
  return a;
}
static u256 u256_mul128(u128 a, u128 b) {
  uint64_t x[2] = {(uint64_t)a, (uint64_t)(a >> 64)}, y[2] = {(uint64_t)b, (uint64_t)(b >> 64)};
  u256 r = {{0, 0, 0, 0}};
  for (int i = 0; i < 2; i++) {
    u128 c = 0;
    for (int j = 0; j < 2; j++) {
      c += (u128)x[i] * y[j] + r.w[i + j];
      r.w[i + j] = (uint64_t)c;
      c >>= 64;
    }
    r.w[i + 2] = (uint64_t)c;
  }
  return r;
}
static uint64_t u256_divmod64(u256 *a, uint64_t d) { /* a /= d, returns the remainder */
  u128 r = 0;
  for (int i = 3; i >= 0; i--) {
    r = (r << 64) | a->w[i];
    a->w[i] = (uint64_t)(r / d);
    r %= d;
  }
  return (uint64_t)r;
}
static u256 u256_mulpow10(u256 a, int k) {
  for (; k >= 19; k -= 19) a = u256_mul64(a, P19);
  return k ? u256_mul64(a, (uint64_t)dec_pow10[k]) : a;
}
static u256 u256_divpow10(u256 a, int k) { /* truncating */
  if (k > 77) return u256_of(0);
  for (; k >= 19; k -= 19) u256_divmod64(&a, P19);
  if (k) u256_divmod64(&a, (uint64_t)dec_pow10[k]);
  return a;
}
static int u256_bits(const u256 *a) {
  for (int i = 3; i >= 0; i--)
    if (a->w[i]) return i * 64 + 64 - __builtin_clzll(a->w[i]);
  return 0;
}
static u256 u256_shl(u256 a, int s) { /* 0 <= s < 256 */
  u256 r = {{0, 0, 0, 0}};
  int limbs = s / 64, bits = s % 64;
  for (int i = 3; i >= limbs; i--) {
    uint64_t v = a.w[i - limbs] << bits;
    if (bits && i - limbs - 1 >= 0) v |= a.w[i - limbs - 1] >> (64 - bits);
    r.w[i] = v;
  }
  return r;
}
static u256 u256_shr1(u256 a) {
  for (int i = 0; i < 4; i++) a.w[i] = (a.w[i] >> 1) | (i < 3 ? a.w[i + 1] << 63 : 0);
  return a;
}
/* q = n / d, r = n % d (d != 0): one 64-bit limb divisor is four hardware divisions, a wider
 * one is shift-and-subtract over the quotient's bits only. */
static void u256_divmod(u256 n, const u256 *d, u256 *q, u256 *r) {
  if (u256_fits128(d) && !d->w[1]) {
    uint64_t rem = u256_divmod64(&n, d->w[0]);
    *q = n;
    *r = u256_of(rem);
    return;
  }
  u256 quot = {{0, 0, 0, 0}};
  int shift = u256_bits(&n) - u256_bits(d);
  if (shift >= 0) {
    u256 dd = u256_shl(*d, shift);
    for (int i = shift; i >= 0; i--) {
      if (u256_cmp(&n, &dd) >= 0) {
        n = u256_sub(n, &dd);
        quot.w[i / 64] |= 1ULL << (i % 64);
      }
      dd = u256_shr1(dd);
    }
  }
  *q = quot;
  *r = n;
}
static int u256_digits(u256 a) {
  int d = 0;
  while (!u256_fits128(&a)) {
    u256_divmod64(&a, P19);
    d += 19;
  }
  u128 x = u256_lo128(&a);
  int n = 1;
  while (n < 39 && x >= (u128)dec_pow10[n]) n++; /* x < 2^128 < 10^39 */
  return d + n;
}

static u128 mag(__int128 v) { return v < 0 ? (u128)0 - (u128)v : (u128)v; }

/* The signed value m * 10^-from as unscaled at `to` (HALF_UP), if it fits prec digits. */
static bool dec_round256(u256 m, bool neg, int from, int to, int prec, __int128 *out) {
  if (to < from) {
    int k = from - to;
    if (k > 78) {
      m = u256_of(0);
    } else {
      m = u256_divpow10(m, k - 1);
      uint64_t last = u256_divmod64(&m, 10);
      if (last >= 5) {
        u256 one = u256_of(1);
        m = u256_add(m, &one);
      }
    }
  } else if (to > from) {
    if (!u256_zero(&m) && u256_digits(m) + (to - from) > 38) return false;
    m = u256_mulpow10(m, to - from);
  }
  if (!u256_fits128(&m)) return false;
  u128 x = u256_lo128(&m);
  if (prec > 38) prec = 38;
  if (x >= (u128)dec_pow10[prec]) return false;
  *out = neg ? -(__int128)x : (__int128)x;
  return true;
}

bool dec_add(__int128 a, int sa, __int128 b, int sb, int prec, int scale, __int128 *out) {
  int s = sa > sb ? sa : sb;
  u256 x = u256_mulpow10(u256_of(mag(a)), s - sa), y = u256_mulpow10(u256_of(mag(b)), s - sb);
  bool na = a < 0, nb = b < 0, neg;
  u256 m;
  if (na == nb) {
    m = u256_add(x, &y);
    neg = na;
  } else if (u256_cmp(&x, &y) >= 0) {
    m = u256_sub(x, &y);
    neg = na;
  } else {
    m = u256_sub(y, &x);
    neg = nb;
  }
  return dec_round256(m, neg, s, scale, prec, out);
}

bool dec_mul(__int128 a, int sa, __int128 b, int sb, int prec, int scale, __int128 *out) {
  return dec_round256(u256_mul128(mag(a), mag(b)), (a < 0) != (b < 0) && a && b, sa + sb, scale,
                      prec, out);
}

bool dec_div(__int128 a, int sa, __int128 b, int sb, int prec, int scale, __int128 *out) {
  if (a == 0) return dec_round256(u256_of(0), false, 0, scale, prec, out);
  bool neg = (a < 0) != (b < 0);
  u128 ma = mag(a), mb = mag(b);
  int da = dec_digits(a), db = dec_digits(b);
  /* Q = floor(|a| * 10^m / |b|) has at least 39 digits: a >= 10^(da-1), b < 10^db */
  int m = db + 39 - da;
  u256 n = u256_mulpow10(u256_of(ma), m), d = u256_of(mb), q, r;
  u256_divmod(n, &d, &q, &r);
  int qs = m + sa - sb; /* |a/b| = Q * 10^-qs, truncated */
  /* Java's divide(divisor, MathContext(38, HALF_UP)): round to 38 significant digits first
   * (HALF_UP needs only the first dropped digit, so truncated Q is enough) ... */
  int drop = u256_digits(q) - 38;
  q = u256_divpow10(q, drop - 1);
  uint64_t last = u256_divmod64(&q, 10);
  if (last >= 5) {
    u256 one = u256_of(1);
    q = u256_add(q, &one);
  }
  /* ... then to the result scale, HALF_UP again (DecimalData.fromBigDecimal) */
  return dec_round256(q, neg, qs - drop, scale, prec, out);
}

bool dec_mod(__int128 a, int sa, __int128 b, int sb, int prec, int scale, __int128 *out) {
  int s = sa > sb ? sa : sb;
  u256 x = u256_mulpow10(u256_of(mag(a)), s - sa), y = u256_mulpow10(u256_of(mag(b)), s - sb);
  u256 q, r;
  u256_divmod(x, &y, &q, &r);
  return dec_round256(r, a < 0 && !u256_zero(&r), s, scale, prec, out);
}
