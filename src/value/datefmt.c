/* datefmt.c - Java SimpleDateFormat-style date/time patterns (yyyy MM dd HH mm ss SSS EEE MMM
 * a ...): formatting wall-clock millis as text and parsing text back. Used by DATE_FORMAT,
 * TO_TIMESTAMP, UNIX_TIMESTAMP, FROM_UNIXTIME. Must not touch: expressions, rows, batches. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "value.h"

/* ---- date and time ---- */

static const char *const month_names[] = {"January",   "February", "March",    "April",
                                          "May",       "June",     "July",     "August",
                                          "September", "October",  "November", "December"};
static const char *const day_names[] = {"Thursday", "Friday",  "Saturday", "Sunday",
                                        "Monday",   "Tuesday", "Wednesday"};

void time_format_pattern(int64_t ms, const char *pat, size_t pn, sl_buf *out) {
  int64_t days = floor_div(ms, 86400000), rem = floor_mod(ms, 86400000);
  int64_t y;
  unsigned mo, d;
  civil_from_days(days, &y, &mo, &d);
  int H = (int)(rem / 3600000), mi = (int)(rem / 60000 % 60), s = (int)(rem / 1000 % 60),
      S = (int)(rem % 1000);
  for (size_t i = 0; i < pn;) {
    char c = pat[i];
    size_t k = 1;
    while (i + k < pn && pat[i + k] == c) k++;
    if (c == '\'') {
      if (k >= 2) { /* '' is a quote */
        buf_putc(out, '\'');
        i += 2;
        continue;
      }
      i++;
      while (i < pn && pat[i] != '\'') buf_putc(out, pat[i++]);
      i++;
      continue;
    }
    if (!isalpha((unsigned char)c)) {
      buf_put(out, pat + i, k);
      i += k;
      continue;
    }
    switch (c) {
    case 'y':
      if (k == 2)
        buf_printf(out, "%02d", (int)floor_mod(y, 100));
      else
        buf_printf(out, "%0*lld", (int)k, (long long)y);
      break;
    case 'M':
      if (k >= 4)
        buf_puts(out, month_names[mo - 1]);
      else if (k == 3)
        buf_put(out, month_names[mo - 1], 3);
      else
        buf_printf(out, "%0*u", (int)k, mo);
      break;
    case 'd': buf_printf(out, "%0*u", (int)k, d); break;
    case 'D': buf_printf(out, "%0*d", (int)k, (int)(days - days_from_civil(y, 1, 1) + 1)); break;
    case 'H': buf_printf(out, "%0*d", (int)k, H); break;
    case 'h': buf_printf(out, "%0*d", (int)k, H % 12 == 0 ? 12 : H % 12); break;
    case 'm': buf_printf(out, "%0*d", (int)k, mi); break;
    case 's': buf_printf(out, "%0*d", (int)k, s); break;
    case 'S': {
      char f[8];
      snprintf(f, sizeof f, "%03d", S);
      for (size_t j = 0; j < k; j++) buf_putc(out, j < 3 ? f[j] : '0');
      break;
    }
    case 'a': buf_puts(out, H < 12 ? "AM" : "PM"); break;
    case 'E': {
      const char *dn = day_names[floor_mod(days, 7)];
      if (k >= 4)
        buf_puts(out, dn);
      else
        buf_put(out, dn, 3);
      break;
    }
    case 'Z': buf_puts(out, "+0000"); break;
    case 'X': buf_puts(out, "Z"); break;
    default: buf_put(out, pat + i, k); break;
    }
    i += k;
  }
}

bool time_parse_pattern(const char *s, size_t n, const char *pat, size_t pn, int64_t *ms) {
  int64_t y = 1970;
  int mo = 1, d = 1, H = 0, mi = 0, sec = 0, S = 0;
  bool pm = false, has_ampm = false;
  size_t si = 0;
  for (size_t i = 0; i < pn;) {
    char c = pat[i];
    size_t k = 1;
    while (i + k < pn && pat[i + k] == c) k++;
    if (c == '\'') {
      i++;
      while (i < pn && pat[i] != '\'') {
        if (si >= n || s[si] != pat[i]) return false;
        si++;
        i++;
      }
      i++;
      continue;
    }
    if (!isalpha((unsigned char)c)) {
      for (size_t j = 0; j < k; j++, si++)
        if (si >= n || s[si] != c) return false;
      i += k;
      continue;
    }
    if (c == 'a') {
      if (si + 2 > n) return false;
      has_ampm = true;
      pm = (s[si] == 'P' || s[si] == 'p');
      si += 2;
      i += k;
      continue;
    }
    if (c == 'M' && k >= 3) {
      int found = -1;
      for (int m = 0; m < 12 && found < 0; m++) {
        size_t ml = k == 3 ? 3 : strlen(month_names[m]);
        if (si + ml <= n && !strncasecmp(s + si, month_names[m], ml)) {
          found = m;
          si += ml;
        }
      }
      if (found < 0) return false;
      mo = found + 1;
      i += k;
      continue;
    }
    /* numeric field: exactly k digits when the next pattern char is a letter, else up to 9 */
    bool adjacent = i + k < pn && isalpha((unsigned char)pat[i + k]);
    size_t maxd = adjacent ? k : (c == 'y' && k == 2 ? 2 : 9);
    int64_t v = 0;
    size_t nd = 0;
    bool neg = false;
    if (c == 'y' && si < n && s[si] == '-') neg = true, si++;
    while (si < n && nd < maxd && isdigit((unsigned char)s[si])) v = v * 10 + (s[si++] - '0'), nd++;
    if (nd == 0) return false;
    switch (c) {
    case 'y': y = neg ? -v : (k == 2 && nd == 2 ? 2000 + v : v); break;
    case 'M': mo = (int)v; break;
    case 'd': d = (int)v; break;
    case 'H':
    case 'h':
    case 'k': H = (int)v; break;
    case 'm': mi = (int)v; break;
    case 's': sec = (int)v; break;
    case 'S': {
      int64_t f = v;
      size_t digs = nd;
      while (digs > 3) f /= 10, digs--;
      while (digs < 3) f *= 10, digs++;
      S = (int)f;
      break;
    }
    default: return false;
    }
    i += k;
  }
  if (si != n) return false;
  if (has_ampm) {
    if (H == 12) H = 0;
    if (pm) H += 12;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || H > 23 || mi > 59 || sec > 59) return false;
  int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
  int64_t y2;
  unsigned m2, d2;
  civil_from_days(days, &y2, &m2, &d2);
  if ((int)m2 != mo) return false; /* 31 April */
  *ms = days * 86400000 + ((int64_t)H * 3600 + mi * 60 + sec) * 1000 + S;
  return true;
}
