/* enc_text.h - internal to format/ (not a public header): the encoders' fast writers of integers
 * and plain strings (json_enc.c and csv.c use them). They write into room the caller reserved
 * and return the end; every byte is the one printf("%lld") or a plain copy would give. */
#ifndef SLUICE_ENC_TEXT_H
#define SLUICE_ENC_TEXT_H

#include <math.h>
#include <string.h>

#include "format.h"

/* Longest text of an int64 ("-9223372036854775808"). */
#define ENC_INT64_MAX 20

static inline char *enc_put_u64(char *p, uint64_t a) {
  static const char pairs[201] =
      "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
      "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
      "8081828384858687888990919293949596979899";
  int n = 1; /* digits: written backwards from p + n, so no copy */
  for (uint64_t t = a; t >= 10 && n < 20; t /= 10) n++;
  char *e = p + n, *q = e;
  while (a >= 100) {
    unsigned r = (unsigned)(a % 100);
    a /= 100;
    q -= 2;
    memcpy(q, pairs + 2 * r, 2);
  }
  if (a >= 10) {
    q -= 2;
    memcpy(q, pairs + 2 * a, 2);
  } else {
    *--q = (char)('0' + a);
  }
  return e;
}

/* printf("%lld", v) into p (room for ENC_INT64_MAX bytes); returns the end. */
static inline char *enc_put_i64(char *p, int64_t v) {
  if (v < 0) {
    *p++ = '-';
    return enc_put_u64(p, (uint64_t)0 - (uint64_t)v);
  }
  return enc_put_u64(p, (uint64_t)v);
}

/* Java's Double.toString (double_chars) for the common DOUBLE: 1e-3 <= |d| < 1e7 with at most
 * 15 significant digits, found without printf. The fewest fraction digits k for which the
 * nearest integer m to d * 10^k reads back as d (m / 10^k is exactly rounded: m < 2^53 and
 * 10^k exact) are the shortest digits; m must be nearest by a margin (fma gives the exact
 * remainder) so that the choice is printf's. Returns the end, or NULL when d is not such a
 * number (the caller then takes double_chars). Room: 32 bytes. */
static inline char *enc_put_double(char *p, double d) {
  static const double p10[] = {1e0, 1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,
                               1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17};
  double ad = fabs(d);
  if (!(ad >= 1e-3 && ad < 1e7)) return NULL;
  for (int k = 0; k <= 17; k++) {
    double x = ad * p10[k];
    if (x >= 1e15) return NULL; /* more than 15 digits: printf decides */
    double m = nearbyint(x);
    if (m / p10[k] != ad) continue;
    double rem = fma(ad, p10[k], -m); /* exact: ad * 10^k - m, rounded once */
    if (!(fabs(rem) < 0.49)) return NULL;
    uint64_t u = (uint64_t)m, ip = u, fp = 0;
    if (k) {
      uint64_t pk = (uint64_t)p10[k];
      ip = u / pk;
      fp = u % pk;
    }
    if (d < 0) *p++ = '-';
    p = enc_put_u64(p, ip);
    *p++ = '.';
    if (!k) {
      *p++ = '0';
      return p;
    }
    char *e = p + k; /* the k fraction digits, with leading zeros */
    for (char *q = e; q > p;) {
      *--q = (char)('0' + fp % 10);
      fp /= 10;
    }
    return e;
  }
  return NULL;
}

/* Whether s[0..n) is printable ASCII without '"' and '\\': the bytes fmt_json_escape copies
 * as they are. Eight bytes at a time (the has-less/has-zero word tricks: a flagged high bit
 * can be wrong only above a byte that is truly flagged, so "any flagged" is exact). */
static inline bool enc_json_plain(const char *s, size_t n) {
  const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    memcpy(&w, s + i, 8);
    uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
    uint64_t bad = ((w - ones * 0x20) | (q - ones) | (b - ones)) & ~w;
    if ((bad | w) & high) return false;
  }
  for (; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') return false;
  }
  return true;
}

#endif
