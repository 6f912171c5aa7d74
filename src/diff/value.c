/* value.c - the value semantics of `sluice diff`: decimal text parsed into digits and an
 * exponent and compared exactly (no double), tolerances (absolute and relative) computed on
 * digit arrays, timestamps compared as instants with optional truncation, canonical key bytes
 * and cells as JSON. Owns no state; must not touch the engine or the reports. */
#include <stdlib.h>
#include <string.h>

#include "../format/format.h"
#include "diff.h"

bool diff_num_parse(const char *s, size_t n, diff_num *out) {
  size_t i = 0;
  while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
  while (n > i && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
  if (i >= n) return false;
  bool neg = false;
  if (s[i] == '+' || s[i] == '-') neg = s[i++] == '-';
  char dig[96];
  int nd = 0, ndigits = 0;
  int64_t exp = 0;
  bool dot = false, lead = true;
  for (; i < n; i++) {
    char c = s[i];
    if (c == '.' && !dot) {
      dot = true;
      continue;
    }
    if (c < '0' || c > '9') break;
    ndigits++;
    if (dot) exp--;
    if (c == '0' && lead) continue;
    lead = false;
    if (nd >= 95) return false;
    dig[nd++] = c;
  }
  if (!ndigits) return false;
  if (i < n) {
    if (s[i] != 'e' && s[i] != 'E') return false;
    i++;
    bool eneg = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) eneg = s[i++] == '-';
    if (i >= n) return false;
    int64_t e = 0;
    for (; i < n; i++) {
      if (s[i] < '0' || s[i] > '9' || e > 100000000) return false;
      e = e * 10 + (s[i] - '0');
    }
    exp += eneg ? -e : e;
  }
  while (nd > 0 && dig[nd - 1] == '0') {
    nd--;
    exp++;
  }
  if (nd > (int)sizeof out->dig) return false;
  out->neg = nd ? neg : false;
  out->exp = nd ? (int32_t)exp : 0;
  out->ndig = (uint16_t)nd;
  memcpy(out->dig, dig, (size_t)nd);
  return true;
}

/* Magnitudes: digits dig[0..n) times 10^exp. */
static int cmp_abs(const char *ad, int an, int64_t ae, const char *bd, int bn, int64_t be) {
  if (!an || !bn) return an ? 1 : bn ? -1 : 0;
  int64_t ma = ae + an, mb = be + bn; /* the position past the leading digit */
  if (ma != mb) return ma > mb ? 1 : -1;
  int m = an < bn ? an : bn;
  int c = memcmp(ad, bd, (size_t)m);
  if (c) return c > 0 ? 1 : -1;
  return an == bn ? 0 : an > bn ? 1 : -1; /* no trailing zeros: the longer one is larger */
}

int diff_num_cmp(const diff_num *a, const diff_num *b) {
  if (a->neg != b->neg) return a->neg ? -1 : 1;
  int c = cmp_abs(a->dig, a->ndig, a->exp, b->dig, b->ndig, b->exp);
  return a->neg ? -c : c;
}

/* A wide magnitude: little-endian base-10 digits times 10^exp. */
#define WIDE 600
typedef struct wide {
  int n;
  int64_t exp;
  uint8_t d[WIDE];
} wide;

static void wide_of(const char *dig, int nd, int64_t exp, wide *w) {
  w->n = nd;
  w->exp = exp;
  for (int i = 0; i < nd; i++) w->d[i] = (uint8_t)(dig[nd - 1 - i] - '0');
}

/* Shifts w down to exponent e (e <= w->exp); false when it does not fit. */
static bool wide_align(wide *w, int64_t e) {
  int64_t sh = w->exp - e;
  if (!w->n) {
    w->exp = e;
    return true;
  }
  if (sh < 0 || w->n + sh > WIDE) return false;
  memmove(w->d + sh, w->d, (size_t)w->n);
  memset(w->d, 0, (size_t)sh);
  w->n += (int)sh;
  w->exp = e;
  return true;
}

static void wide_trim(wide *w) {
  while (w->n > 0 && !w->d[w->n - 1]) w->n--;
}

static int wide_cmp(const wide *a, const wide *b) { /* same exponent */
  if (a->n != b->n) return a->n > b->n ? 1 : -1;
  for (int i = a->n - 1; i >= 0; i--)
    if (a->d[i] != b->d[i]) return a->d[i] > b->d[i] ? 1 : -1;
  return 0;
}

static bool wide_mul(const wide *a, const wide *b, wide *out) {
  if (a->n + b->n > WIDE) return false;
  int acc[WIDE] = {0};
  for (int i = 0; i < a->n; i++)
    for (int j = 0; j < b->n; j++) acc[i + j] += a->d[i] * b->d[j];
  int n = a->n + b->n, carry = 0;
  for (int i = 0; i < n; i++) {
    int v = acc[i] + carry;
    out->d[i] = (uint8_t)(v % 10);
    carry = v / 10;
  }
  out->n = n;
  out->exp = a->exp + b->exp;
  wide_trim(out);
  return true;
}

/* x <= y for wide magnitudes with any exponents; -1 when they cannot be aligned. */
static int wide_le(wide *x, wide *y) {
  int64_t e = x->exp < y->exp ? x->exp : y->exp;
  if (!wide_align(x, e) || !wide_align(y, e)) return -1;
  return wide_cmp(x, y) <= 0;
}

static long double num_ld(const diff_num *a) {
  sl_buf b = {0};
  diff_num_format(a, &b);
  long double v = strtold(buf_cstr(&b), NULL);
  buf_free(&b);
  return v;
}

bool diff_num_within(const diff_num *a, const diff_num *b, const diff_num *abs,
                     const diff_num *pct) {
  if (!diff_num_cmp(a, b)) return true;
  if (!abs && !pct) return false;
  /* |a - b| exactly on aligned digits */
  wide x, y, d;
  wide_of(a->dig, a->ndig, a->exp, &x);
  wide_of(b->dig, b->ndig, b->exp, &y);
  int64_t e = a->exp < b->exp ? a->exp : b->exp;
  if (!wide_align(&x, e) || !wide_align(&y, e)) goto approx;
  int c = wide_cmp(&x, &y);
  const wide *big = c >= 0 ? &x : &y, *small = c >= 0 ? &y : &x;
  d.exp = e;
  if (a->neg == b->neg) { /* same sign: the difference of magnitudes */
    int borrow = 0;
    d.n = big->n;
    for (int i = 0; i < big->n; i++) {
      int v = big->d[i] - (i < small->n ? small->d[i] : 0) - borrow;
      borrow = v < 0;
      d.d[i] = (uint8_t)(v < 0 ? v + 10 : v);
    }
  } else { /* opposite signs: the sum */
    if (big->n + 1 > WIDE) goto approx;
    int carry = 0;
    d.n = big->n + 1;
    for (int i = 0; i < d.n; i++) {
      int v = (i < big->n ? big->d[i] : 0) + (i < small->n ? small->d[i] : 0) + carry;
      carry = v / 10;
      d.d[i] = (uint8_t)(v % 10);
    }
  }
  wide_trim(&d);
  if (abs) {
    wide t, dd = d;
    wide_of(abs->dig, abs->ndig, abs->exp, &t);
    int r = wide_le(&dd, &t);
    if (r < 0) goto approx;
    if (r) return true;
  }
  if (pct) {
    wide p, l, h, hundred;
    wide_of(pct->dig, pct->ndig, pct->exp, &p);
    wide_of("1", 1, 2, &hundred);
    if (!wide_mul(&d, &hundred, &l) || !wide_mul(&p, big, &h)) goto approx;
    int r = wide_le(&l, &h);
    if (r < 0) goto approx;
    if (r) return true;
  }
  return false;
approx : {
  long double va = num_ld(a), vb = num_ld(b), df = va > vb ? va - vb : vb - va;
  if (abs && df <= num_ld(abs)) return true;
  long double ma = va < 0 ? -va : va, mb = vb < 0 ? -vb : vb;
  return pct && df * 100 <= num_ld(pct) * (ma > mb ? ma : mb);
}
}

void diff_num_format(const diff_num *a, sl_buf *out) {
  if (!a->ndig) {
    buf_putc(out, '0');
    return;
  }
  if (a->neg) buf_putc(out, '-');
  int64_t point = a->ndig + (int64_t)a->exp; /* digits before the decimal point */
  if (a->exp >= 0 && point <= 40) {
    buf_put(out, a->dig, a->ndig);
    for (int i = 0; i < a->exp; i++) buf_putc(out, '0');
  } else if (a->exp < 0 && point > 0) {
    buf_put(out, a->dig, (size_t)point);
    buf_putc(out, '.');
    buf_put(out, a->dig + point, (size_t)(a->ndig - point));
  } else if (a->exp < 0 && point > -20) {
    buf_puts(out, "0.");
    for (int64_t i = 0; i < -point; i++) buf_putc(out, '0');
    buf_put(out, a->dig, a->ndig);
  } else { /* d.dddE+x */
    buf_putc(out, a->dig[0]);
    if (a->ndig > 1) {
      buf_putc(out, '.');
      buf_put(out, a->dig + 1, (size_t)a->ndig - 1);
    }
    buf_printf(out, "E%+lld", (long long)(point - 1));
  }
}

/* Text that reads as a date or timestamp: its instant in UTC milliseconds (no zone: UTC). */
static bool ts_of(const char *s, size_t n, int64_t *ms) {
  if (n < 10 || s[4] != '-' || s[0] < '0' || s[0] > '9') return false;
  bool zone;
  int64_t off;
  if (!ts_parse(s, n, ms, &zone, &off)) return false;
  *ms -= off;
  return true;
}

static int64_t trunc_ms(int64_t ms, diff_trunc t) {
  static const int64_t unit[] = {1, 1, 1000, 60000, 3600000, 86400000};
  return t ? floor_div(ms, unit[t]) * unit[t] : ms;
}

static bool looks_num(diff_tag t, const char *s, size_t n) {
  if (t == DT_NUM) return true;
  if (!n || t == DT_BOOL) return false;
  char c = s[0] == '-' || s[0] == '+' ? (n > 1 ? s[1] : 0) : s[0];
  return (c >= '0' && c <= '9') || c == '.' || c == ' ';
}

bool diff_cell_equal(diff_tag ta, const char *a, size_t na, diff_tag tb, const char *b, size_t nb,
                     const diff_tol *tol, diff_trunc tr) {
  if (ta == DT_NULL || tb == DT_NULL) return ta == tb;
  if (na == nb && !memcmp(a, b, na) && !tr) return true;
  if (!(ta == DT_STR && tb == DT_STR) && looks_num(ta, a, na) && looks_num(tb, b, nb)) {
    diff_num x, y;
    if (diff_num_parse(a, na, &x) && diff_num_parse(b, nb, &y))
      return diff_num_within(&x, &y, tol && tol->has_abs ? &tol->abs : NULL,
                             tol && tol->has_pct ? &tol->pct : NULL);
  }
  int64_t x, y;
  if (ts_of(a, na, &x) && ts_of(b, nb, &y)) return trunc_ms(x, tr) == trunc_ms(y, tr);
  if (na == nb && !memcmp(a, b, na)) return true;
  if ((ta == DT_BOOL) != (tb == DT_BOOL) && na == nb) {
    for (size_t i = 0; i < na; i++)
      if ((a[i] | 32) != (b[i] | 32)) return false;
    return true;
  }
  return false;
}

static bool digits_only(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

void diff_key_canon(diff_tag tag, const char *s, size_t n, sl_buf *out) {
  sl_buf tmp = {0};
  const char *p = s;
  size_t len = n;
  char k = 'S';
  diff_num x;
  int64_t ms;
  char nb[32];
  size_t d = n && s[0] == '-';
  if (tag == DT_NULL) {
    k = 'N';
    len = 0;
  } else if (tag != DT_BOOL && n > d && n - d <= 40 && s[d] > '0' && s[d] <= '9' &&
             digits_only(s + d, n - d)) {
    k = '#'; /* an integer without leading zeros is its own canonical text */
  } else if (looks_num(tag, s, n) && diff_num_parse(s, n, &x)) {
    k = '#';
    diff_num_format(&x, &tmp);
    p = tmp.data;
    len = tmp.len;
  } else if (ts_of(s, n, &ms)) {
    k = 'T';
    len = (size_t)snprintf(nb, sizeof nb, "%lld", (long long)ms);
    p = nb;
  }
  uint32_t l = (uint32_t)len;
  buf_putc(out, k);
  buf_put(out, &l, 4);
  buf_put(out, p, len);
  buf_free(&tmp);
}

void diff_value_canon(diff_tag tag, const char *s, size_t n, diff_canon *out) {
  diff_num x;
  int64_t ms;
  if ((tag == DT_NUM || tag == DT_TEXT) && looks_num(tag, s, n) && diff_num_parse(s, n, &x)) {
    out->kind = '#'; /* compared as numbers with any cell that is not a JSON string */
    out->buf[0] = x.neg ? '-' : '+';
    memcpy(out->buf + 1, &x.exp, sizeof x.exp);
    memcpy(out->buf + 1 + sizeof x.exp, x.dig, x.ndig);
    out->p = out->buf;
    out->n = 1 + sizeof x.exp + x.ndig;
  } else if ((tag == DT_STR || tag == DT_TEXT) && ts_of(s, n, &ms)) {
    out->kind = 'T'; /* no cell of these reads as a number: compared as instants */
    memcpy(out->buf, &ms, sizeof ms);
    out->p = out->buf;
    out->n = sizeof ms;
  } else {
    out->kind = 'S'; /* equal bytes are equal values */
    out->p = s;
    out->n = n;
  }
}

void diff_cell_text(diff_tag tag, const char *s, size_t n, sl_buf *out) {
  diff_num x;
  int64_t ms;
  if (tag == DT_NULL)
    buf_puts(out, "null");
  else if (looks_num(tag, s, n) && diff_num_parse(s, n, &x))
    diff_num_format(&x, out);
  else if (ts_of(s, n, &ms))
    ts_format(ms, false, false, out);
  else
    buf_put(out, s, n);
}

void diff_cell_json(diff_tag tag, const char *s, size_t n, sl_buf *out) {
  if (tag == DT_NULL) {
    buf_puts(out, "null");
  } else if (tag == DT_NUM || tag == DT_BOOL) {
    buf_put(out, s, n);
  } else {
    buf_putc(out, '"');
    fmt_json_escape(s, n, out);
    buf_putc(out, '"');
  }
}

const char *diff_tmpdir(const char *opt) {
  const char *td = opt && *opt ? opt : getenv("TMPDIR");
  return td && *td ? td : "/tmp";
}

int diff_col_id(diff_cols *c, const char *name, size_t n) {
  for (int i = 0; i < c->n; i++)
    if (strlen(c->names[i]) == n && !memcmp(c->names[i], name, n)) return i;
  if (c->n == c->cap) {
    c->cap = c->cap ? c->cap * 2 : 16;
    c->names = xrealloc(c->names, sizeof(char *) * (size_t)c->cap);
    c->seen = xrealloc(c->seen, (size_t)c->cap);
  }
  c->names[c->n] = xstrndup(name, n);
  c->seen[c->n] = 0;
  return c->n++;
}

void diff_cols_free(diff_cols *c) {
  for (int i = 0; i < c->n; i++) free(c->names[i]);
  free(c->names);
  free(c->seen);
  memset(c, 0, sizeof *c);
}
