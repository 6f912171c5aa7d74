/* parse_time.c - the time words of the parser: the units (DAY, HOUR, MINUTE, SECOND ...; the
 * plural forms too) that EXTRACT, FLOOR/CEIL ... TO and intervals name, and INTERVAL literals
 * ('5' MINUTE, '1 02:03' DAY TO MINUTE, '3 hours 20 minutes') folded to milliseconds, with a
 * range check. Must not touch: the rest of the expression grammar (parse_expr.c). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "parse_int.h"

static const char *const time_units[] = {
    "MILLISECOND", "SECOND", "MINUTE",  "HOUR",        "DAY",   "WEEK",       "MONTH",
    "QUARTER",     "YEAR",   "DOW",     "DOY",         "EPOCH", "MILLENNIUM", "CENTURY",
    "DECADE",      "ISODOW", "ISOYEAR", "MICROSECOND", NULL};

const char *sql_time_unit(parser *p) {
  const sql_token *k = tok(p);
  if (k->kind == TK_IDENT) {
    for (int i = 0; time_units[i]; i++)
      if (str_nieq(ttext(p, k), k->len, time_units[i])) {
        p->i++;
        return time_units[i];
      }
    /* plural forms (SECONDS, HOURS ...) */
    if (k->len > 1 && toupper((unsigned char)ttext(p, k)[k->len - 1]) == 'S')
      for (int i = 0; time_units[i]; i++)
        if (strlen(time_units[i]) == k->len - 1 &&
            str_nieq(ttext(p, k), k->len - 1, time_units[i])) {
          p->i++;
          return time_units[i];
        }
  }
  sql_fail_expected(p, "a time unit (SECOND, MINUTE, HOUR, DAY, ...)");
}

static int64_t unit_ms(const char *u) {
  if (!strcmp(u, "MILLISECOND")) return 1;
  if (!strcmp(u, "SECOND")) return 1000;
  if (!strcmp(u, "MINUTE")) return 60000;
  if (!strcmp(u, "HOUR")) return 3600000;
  if (!strcmp(u, "DAY")) return 86400000;
  if (!strcmp(u, "WEEK")) return 7 * 86400000LL;
  return 0;
}

/* INTERVAL 'text' UNIT [TO UNIT] (Flink) or INTERVAL '3 hours' (PostgreSQL). */
/* ms + v units, rounded to the millisecond; an interval beyond about 3 million years is a
 * located error (so no arithmetic on it can overflow). */
#define INTERVAL_MAX_MS 1e17
static int64_t interval_add(parser *p, uint32_t soff, const char *s, int64_t ms, double v,
                            int64_t unit) {
  double d = v * (double)unit;
  if (!(d < INTERVAL_MAX_MS && d > -INTERVAL_MAX_MS) || (double)ms + d >= INTERVAL_MAX_MS ||
      (double)ms + d <= -INTERVAL_MAX_MS)
    sql_fail(p, soff, "interval '%s' is out of range", s);
  return ms + (int64_t)(d + (v >= 0 ? 0.5 : -0.5));
}

sql_expr *sql_interval_p(parser *p, uint32_t off) {
  uint32_t soff = tok(p)->off;
  bool neg = false;
  if (accept_p(p, "-")) neg = true;
  const char *s = sql_string_lit(p, "an interval string such as '5'");
  int64_t ms = 0;
  const sql_token *k = tok(p);
  bool has_unit = false;
  if (k->kind == TK_IDENT)
    for (int i = 0; time_units[i]; i++)
      if (str_nieq(ttext(p, k), k->len, time_units[i]) ||
          (k->len == strlen(time_units[i]) + 1 && str_nieq(ttext(p, k), k->len - 1, time_units[i])))
        has_unit = true;
  if (has_unit) {
    uint32_t uoff = tok(p)->off;
    const char *u1 = sql_time_unit(p);
    if (accept_p(p, "(")) { /* SECOND(3) precision */
      sql_int_in_parens(p);
      sql_expect_p(p, ")");
    }
    const char *u2 = u1;
    if (accept_kw(p, "TO")) u2 = sql_time_unit(p);
    int64_t m1 = unit_ms(u1), m2 = unit_ms(u2);
    if (!m1 || !m2)
      sql_fail(p, uoff,
               "year-month intervals (%s) are not supported yet; use DAY, HOUR, MINUTE or "
               "SECOND",
               u1);
    /* fields separated by space or ':' from u1 down to u2; the last may have a fraction */
    static const int64_t steps[] = {86400000, 3600000, 60000, 1000};
    int si = 0;
    while (si < 4 && steps[si] != m1) si++;
    const char *q = s;
    bool sneg = false;
    while (*q == ' ') q++;
    if (*q == '-')
      sneg = true, q++;
    else if (*q == '+')
      q++;
    int64_t cur = m1;
    bool any = false;
    while (*q) {
      if (!isdigit((unsigned char)*q)) sql_fail(p, soff, "invalid interval literal '%s'", s);
      double v = strtod(q, (char **)&q);
      ms = interval_add(p, soff, s, ms, v, cur);
      any = true;
      if (*q == ' ' || *q == ':') {
        q++;
        si++;
        if (si >= 4 || steps[si] < m2) sql_fail(p, soff, "invalid interval literal '%s'", s);
        cur = steps[si];
      } else if (*q) {
        sql_fail(p, soff, "invalid interval literal '%s'", s);
      }
    }
    if (!any) sql_fail(p, soff, "invalid interval literal '%s'", s);
    if (sneg) ms = -ms;
  } else {
    /* '3 hours 20 minutes' */
    const char *q = s;
    bool any = false;
    while (*q) {
      while (*q == ' ') q++;
      if (!*q) break;
      char *end;
      double v = strtod(q, &end);
      if (end == q) sql_fail(p, soff, "invalid interval literal '%s'", s);
      q = end;
      while (*q == ' ') q++;
      const char *w = q;
      while (isalpha((unsigned char)*q)) q++;
      size_t wl = (size_t)(q - w);
      if (wl && (w[wl - 1] == 's' || w[wl - 1] == 'S')) wl--;
      int64_t m = 0;
      for (int i = 0; time_units[i]; i++)
        if (str_nieq(w, wl, time_units[i])) m = unit_ms(time_units[i]);
      if (str_nieq(w, wl, "MIN")) m = 60000;
      if (str_nieq(w, wl, "SEC")) m = 1000;
      if (!m) sql_fail(p, soff, "invalid or unsupported interval unit in '%s'", s);
      ms = interval_add(p, soff, s, ms, v, m);
      any = true;
    }
    if (!any) sql_fail(p, soff, "invalid interval literal '%s'", s);
  }
  sql_expr *x = alloc(p, sizeof *x);
  x->kind = A_INTERVAL;
  x->off = off;
  x->height = 1;
  x->ival = neg ? -ms : ms;
  return x;
}
