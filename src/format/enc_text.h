/* enc_text.h - internal to format/ (not a public header): the encoders' fast writers of integers
 * and plain strings (json_enc.c and csv.c use them). They write into room the caller reserved
 * and return the end; every byte is the one printf("%lld") or a plain copy would give. */
#ifndef SLUICE_ENC_TEXT_H
#define SLUICE_ENC_TEXT_H

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
