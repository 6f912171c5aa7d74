/* time.c - calendar arithmetic (proleptic Gregorian, Howard Hinnant's algorithms) and the
 * fixed textual forms of DATE and TIMESTAMP. Pattern-based formats (DATE_FORMAT) live in
 * expr/functions.c. */
#include <string.h>

#include "value.h"

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = (unsigned)(y - era * 400);
  unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  unsigned doe = (unsigned)(z - era * 146097);
  unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t yy = (int64_t)yoe + era * 400;
  unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yy + (*m <= 2);
}

static int days_in_month(int64_t y, unsigned m) {
  static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return 29;
  return dm[m - 1];
}

static bool digits(const char *s, size_t n, size_t *i, int min, int max, int *out) {
  int v = 0, k = 0;
  while (*i < n && k < max && s[*i] >= '0' && s[*i] <= '9') {
    v = v * 10 + (s[*i] - '0');
    (*i)++;
    k++;
  }
  if (k < min) return false;
  *out = v;
  return true;
}

static bool parse_date_part(const char *s, size_t n, size_t *i, int64_t *days) {
  int y, mo, d;
  if (!digits(s, n, i, 4, 4, &y) || *i >= n || s[*i] != '-') return false;
  (*i)++;
  if (!digits(s, n, i, 1, 2, &mo) || *i >= n || s[*i] != '-') return false;
  (*i)++;
  if (!digits(s, n, i, 1, 2, &d)) return false;
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, (unsigned)mo)) return false;
  *days = days_from_civil(y, (unsigned)mo, (unsigned)d);
  return true;
}

static void trim(const char **s, size_t *n) {
  while (*n && (**s == ' ' || **s == '\t')) (*s)++, (*n)--;
  while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t')) (*n)--;
}

bool date_parse(const char *s, size_t n, int64_t *days) {
  trim(&s, &n);
  size_t i = 0;
  return parse_date_part(s, n, &i, days) && i == n;
}

bool ts_parse(const char *s, size_t n, int64_t *ms, bool *has_zone, int64_t *offset_ms) {
  trim(&s, &n);
  size_t i = 0;
  int64_t days;
  *has_zone = false;
  *offset_ms = 0;
  if (!parse_date_part(s, n, &i, &days)) return false;
  int64_t t = 0;
  if (i < n && (s[i] == ' ' || s[i] == 'T')) {
    i++;
    int h, mi, sec = 0, frac = 0;
    if (!digits(s, n, &i, 1, 2, &h) || i >= n || s[i] != ':') return false;
    i++;
    if (!digits(s, n, &i, 2, 2, &mi)) return false;
    if (i < n && s[i] == ':') {
      i++;
      if (!digits(s, n, &i, 2, 2, &sec)) return false;
      if (i < n && s[i] == '.') {
        i++;
        int k = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
          if (k < 3) frac = frac * 10 + (s[i] - '0');
          k++;
          i++;
        }
        if (k == 0 || k > 9) return false;
        for (int j = k; j < 3; j++) frac *= 10;
      }
    }
    if (h > 23 || mi > 59 || sec > 59) return false;
    t = ((int64_t)h * 3600 + mi * 60 + sec) * 1000 + frac;
  }
  if (i < n) {
    if (s[i] == 'Z' || s[i] == 'z') {
      i++;
      *has_zone = true;
    } else if (s[i] == '+' || s[i] == '-') {
      int sign = s[i] == '-' ? -1 : 1, oh, om = 0;
      i++;
      if (!digits(s, n, &i, 2, 2, &oh)) return false;
      if (i < n && s[i] == ':') i++;
      if (i < n) {
        if (!digits(s, n, &i, 2, 2, &om)) return false;
      }
      if (oh > 18 || om > 59) return false;
      *has_zone = true;
      *offset_ms = sign * ((int64_t)oh * 3600 + om * 60) * 1000;
    }
  }
  if (i != n) return false;
  *ms = days * 86400000 + t;
  return true;
}

/* Two decimal digits of every number below 100, for the formatters below. */
static const char digit_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

static char *put2(char *p, unsigned v) { /* v < 100 */
  memcpy(p, digit_pairs + 2 * v, 2);
  return p + 2;
}

/* The year as printf's "%04lld": at least four characters with the sign, zero-padded. */
static char *put_year(char *p, int64_t y) {
  if (y >= 0 && y <= 9999) {
    p = put2(p, (unsigned)(y / 100));
    return put2(p, (unsigned)(y % 100));
  }
  uint64_t a = y < 0 ? (uint64_t)0 - (uint64_t)y : (uint64_t)y;
  if (y < 0) *p++ = '-';
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = (char)('0' + a % 10);
    a /= 10;
  } while (a);
  for (int w = y < 0 ? 3 : 4; n < w;) tmp[n++] = '0';
  while (n) *p++ = tmp[--n];
  return p;
}

/* "yyyy-MM-dd" of a day number; returns the end. */
static char *put_date(char *p, int64_t days) {
  int64_t y;
  unsigned m, d;
  civil_from_days(days, &y, &m, &d);
  p = put_year(p, y);
  *p++ = '-';
  p = put2(p, m);
  *p++ = '-';
  return put2(p, d);
}

void ts_format(int64_t ms, bool iso, bool zulu, sl_buf *out) {
  int64_t days = floor_div(ms, 86400000);
  /* 0 .. 86399999; unsigned arithmetic: days * 86400000 is below INT64_MIN for the
   * earliest millisecond values */
  unsigned rem = (unsigned)((uint64_t)ms - (uint64_t)days * 86400000u);
  buf_reserve(out, 48);
  char *p = put_date(out->data + out->len, days);
  *p++ = iso ? 'T' : ' ';
  unsigned s = rem / 1000, f = rem % 1000;
  p = put2(p, s / 3600);
  *p++ = ':';
  p = put2(p, s / 60 % 60);
  *p++ = ':';
  p = put2(p, s % 60);
  *p++ = '.';
  *p++ = (char)('0' + f / 100);
  p = put2(p, f % 100);
  if (zulu) *p++ = 'Z';
  out->len = (size_t)(p - out->data);
}

void date_format(int64_t days, sl_buf *out) {
  buf_reserve(out, 32);
  out->len = (size_t)(put_date(out->data + out->len, days) - out->data);
}
