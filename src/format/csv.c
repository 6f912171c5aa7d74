/* csv.c - RFC 4180 CSV: quoted fields, doubled quotes, embedded line breaks, CRLF or LF, a
 * configurable delimiter, quote character and NULL literal, and an optional header line that
 * maps fields to columns by name. Fields are matched to columns by position unless the header
 * option is on. This file is also the example to copy for a new format. */
#include <stdlib.h>
#include <string.h>

#include "enc_text.h"
#include "format.h"

static const opt_def csv_opts[] = {
    {"csv.field-delimiter", OPT_CHAR, ",", NULL, false,
     "field delimiter (one character; '\\t' for tab)"},
    {"csv.quote-character", OPT_CHAR, "\"", NULL, false, "quote character"},
    {"csv.disable-quote-character", OPT_BOOL, "false", NULL, false,
     "no quoting at all: quote characters are ordinary text"},
    {"csv.null-literal", OPT_STRING, NULL, NULL, false,
     "text that stands for NULL (read and written); by default an empty field is NULL for "
     "non-string columns and an empty string for string columns"},
    {"csv.ignore-parse-errors", OPT_BOOL, "false", NULL, false,
     "a field that cannot be converted becomes NULL instead of failing the record"},
    {"csv.allow-comments", OPT_BOOL, "false", NULL, false, "lines starting with '#' are skipped"},
    {"csv.header", OPT_BOOL, "false", NULL, false,
     "sluice extension: the first line of each file names the fields (the decoder maps them "
     "to columns by name; the encoder writes it)"},
    {NULL, 0, NULL, NULL, false, NULL}};

static char opt_char(const opt_list *o, const char *key) {
  const char *v = opt_get(o, csv_opts, key);
  if (!v || !*v) return 0;
  if (!strcmp(v, "\\t")) return '\t';
  return v[0];
}

/* The options the decoder and the encoder share. */
typedef struct csv_conf {
  char delim, quote; /* quote 0: no quoting */
  const char *null_lit;
  size_t null_len;
  bool header;
} csv_conf;

static csv_conf csv_conf_read(const opt_list *o) {
  csv_conf c;
  c.delim = opt_char(o, "csv.field-delimiter");
  c.quote = opt_get_bool(o, csv_opts, "csv.disable-quote-character")
                ? 0
                : opt_char(o, "csv.quote-character");
  c.null_lit = opt_get(o, csv_opts, "csv.null-literal");
  c.null_len = c.null_lit ? strlen(c.null_lit) : 0;
  c.header = opt_get_bool(o, csv_opts, "csv.header");
  return c;
}

typedef struct csv_dec {
  fmt_decoder base;
  csv_conf conf;
  bool ignore_errors, comments, expect_header;
  int *map; /* field index -> column or -1 */
  int nmap, mapcap;
} csv_dec;

static void csv_file_start(fmt_decoder *d) {
  csv_dec *c = (csv_dec *)d;
  if (c->conf.header) c->expect_header = true;
}

static void set_map(csv_dec *c, int field, int col) {
  if (field >= c->mapcap) {
    int nc = c->mapcap ? c->mapcap * 2 : 16;
    while (nc <= field) nc *= 2;
    c->map = xrealloc(c->map, sizeof(int) * (size_t)nc);
    c->mapcap = nc;
  }
  c->map[field] = col;
  if (field >= c->nmap) c->nmap = field + 1;
}

/* One field: on return *s,*n hold its text (unescaped into the arena when it had doubled
 * quotes), *quoted whether it was quoted; p advances past it. */
static bool csv_field(csv_dec *c, const char **pp, const char *e, const char **s, size_t *n,
                      bool *quoted, uint32_t *lines, sl_arena *a, char *why, size_t whyn) {
  const char *p = *pp;
  *quoted = false;
  if (c->conf.quote && p < e && *p == c->conf.quote) {
    *quoted = true;
    const char *start = ++p;
    bool doubled = false;
    for (;;) {
      const char *q = memchr(p, c->conf.quote, (size_t)(e - p));
      if (!q) {
        snprintf(why, whyn, "unterminated quoted field");
        *pp = e;
        return false;
      }
      for (const char *x = p; x < q; x++) *lines += *x == '\n';
      if (q + 1 < e && q[1] == c->conf.quote) {
        doubled = true;
        p = q + 2;
        continue;
      }
      *s = start;
      *n = (size_t)(q - start);
      p = q + 1;
      break;
    }
    if (p < e && *p != c->conf.delim && *p != '\n' &&
        !(*p == '\r' && (p + 1 == e || p[1] == '\n'))) {
      snprintf(why, whyn, "unexpected character after a closing quote");
      *pp = p;
      return false;
    }
    if (doubled) {
      char *r = arena_alloc(a, *n + 1), *o = r;
      for (size_t i = 0; i < *n; i++) {
        *o++ = (*s)[i];
        if ((*s)[i] == c->conf.quote) i++;
      }
      *n = (size_t)(o - r);
      *s = r;
    }
    *pp = p;
    return true;
  }
  const char *start = p;
  while (p < e && *p != c->conf.delim && *p != '\n') p++;
  size_t len = (size_t)(p - start);
  if (p < e && *p == '\n' && len && start[len - 1] == '\r') len--;
  *s = start;
  *n = len;
  *pp = p;
  return true;
}

static sl_status csv_decode(fmt_decoder *d, const char *p, size_t n, fmt_rec *rec, sl_value *row,
                            sl_arena *a, char *why, size_t whyn) {
  csv_dec *c = (csv_dec *)d;
  const char *e = p + n, *q = p;
  rec->lines = 0;
  rec->no_row = false;
  why[0] = 0;
  /* blank line or comment */
  const char *t = q;
  while (t < e && *t == '\r') t++;
  if (t == e || *t == '\n' || (c->comments && *t == '#')) {
    const char *nl = memchr(q, '\n', (size_t)(e - q));
    rec->consumed = nl ? (size_t)(nl - p) + 1 : n;
    rec->lines = nl ? 1 : 0;
    rec->no_row = true;
    return SL_OK;
  }
  const fmt_schema *sc = &d->schema;
  int expected = c->conf.header ? c->nmap : sc->ncols;
  if (!c->expect_header)
    for (int i = 0; i < sc->ncols; i++)
      if (!sc->needed || sc->needed[i]) row[i] = value_null();
  int field = 0;
  bool bad = false;
  for (;;) {
    const char *s;
    size_t len;
    bool quoted;
    if (!csv_field(c, &q, e, &s, &len, &quoted, &rec->lines, a, why, whyn)) {
      bad = true;
      break;
    }
    if (c->expect_header) {
      int col = -1;
      for (int i = 0; i < sc->ncols; i++)
        if (strlen(sc->names[i]) == len && str_nieq(s, len, sc->names[i])) col = i;
      set_map(c, field, col);
    } else if (field < expected) {
      int col = c->conf.header ? c->map[field] : field;
      if (col >= 0 && (!sc->needed || sc->needed[col])) {
        sl_type ty = sc->types[col];
        if (c->conf.null_lit && len == c->conf.null_len && !memcmp(s, c->conf.null_lit, len) &&
            !quoted) {
          row[col] = value_null();
        } else if (len == 0 && !quoted && ty.id != T_STRING) {
          row[col] = value_null();
        } else if (ty.id == T_STRING && !fmt_utf8_valid(s, len)) {
          /* invalid UTF-8 is read as Java's decoder reads it: U+FFFD for each bad sequence */
          sl_buf b = {0};
          fmt_utf8_sanitize(s, len, &b);
          row[col] = value_str(arena_strndup(a, b.data, b.len), b.len);
          buf_free(&b);
        } else if (!fmt_text_to_value(s, len, ty, &row[col], why, whyn)) {
          if (!c->ignore_errors) {
            char inner[200];
            snprintf(inner, sizeof inner, "%s", why);
            snprintf(why, whyn, "field %d (%s): %s", field + 1, sc->names[col], inner);
            bad = true;
          }
          row[col] = value_null();
        }
      }
    }
    field++;
    if (q < e && *q == c->conf.delim) {
      q++;
      continue;
    }
    break;
  }
  /* move to the end of the record */
  if (bad) {
    const char *nl = memchr(q, '\n', (size_t)(e - q));
    q = nl ? nl : e;
  }
  if (q < e && *q == '\r') q++;
  if (q < e && *q == '\n') {
    q++;
    rec->lines++;
  }
  rec->consumed = (size_t)(q - p);
  if (bad) return SL_EDATA;
  if (c->expect_header) {
    c->expect_header = false;
    rec->no_row = true;
    for (int i = 0; i < sc->ncols; i++) {
      bool found = false;
      for (int f = 0; f < c->nmap; f++) found |= c->map[f] == i;
      if (!found && (!sc->needed || sc->needed[i])) {
        snprintf(why, whyn, "the header has no field named '%s'", sc->names[i]);
        return SL_EDATA;
      }
    }
    return SL_OK;
  }
  if (field != expected) {
    snprintf(why, whyn, "expected %d fields, found %d", expected, field);
    return SL_EDATA;
  }
  return SL_OK;
}

static void csv_dec_free(fmt_decoder *d) {
  csv_dec *c = (csv_dec *)d;
  free(c->map);
  free(c);
}

static const fmt_decoder_vt csv_dec_vt = {csv_file_start, csv_decode, csv_dec_free};

static fmt_decoder *csv_decoder_new(const fmt_schema *s, const opt_list *o) {
  csv_dec *c = xcalloc(1, sizeof *c);
  c->base.vt = &csv_dec_vt;
  c->base.schema = *s;
  c->conf = csv_conf_read(o);
  c->ignore_errors = opt_get_bool(o, csv_opts, "csv.ignore-parse-errors");
  c->comments = opt_get_bool(o, csv_opts, "csv.allow-comments");
  return &c->base;
}

/* ---- encoder ---- */

typedef struct csv_enc {
  fmt_encoder base;
  csv_conf conf;
  sl_buf tmp;
  bool special[256]; /* bytes that need a closer look: delimiter, quote, CR, LF, non-ASCII */
  bool quoting[256]; /* bytes that make a field quoted: delimiter, quote, CR, LF */
  bool *scan;        /* per column: its text can hold a quoting byte (see csv_alphabet) */
} csv_enc;

/* Every byte the text of a non-string value can hold (value_print's forms), or NULL when the
 * type has no fixed alphabet. */
static const char *csv_alphabet(sl_type t) {
  switch (t.id) {
  case T_BOOLEAN: return "truefals";
  case T_INT:
  case T_BIGINT:
  case T_DATE: return "-0123456789";
  case T_DECIMAL: return "-.0123456789";
  case T_FLOAT:
  case T_DOUBLE: return "-.0123456789ENaInfity"; /* 1.0E10, NaN, -Infinity */
  case T_TIMESTAMP: return "-0123456789 :.";
  case T_TIMESTAMP_LTZ: return "-0123456789 :.Z";
  case T_INTERVAL: return "+-0123456789 :.";
  default: return NULL;
  }
}

/* Whether s must be quoted: it holds the delimiter, a line break or the quote character, or it
 * is the NULL literal. */
static bool csv_needs_quote(const csv_enc *c, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (c->quoting[(unsigned char)s[i]]) return true;
  return c->conf.null_lit && n == c->conf.null_len && !memcmp(s, c->conf.null_lit, n);
}

static void csv_put(csv_enc *c, const char *s, size_t n, sl_buf *out) {
  if (!c->conf.quote || !csv_needs_quote(c, s, n)) {
    buf_put(out, s, n);
    return;
  }
  buf_putc(out, c->conf.quote);
  for (size_t i = 0; i < n; i++) {
    if (s[i] == c->conf.quote) buf_putc(out, c->conf.quote);
    buf_putc(out, s[i]);
  }
  buf_putc(out, c->conf.quote);
}

static void csv_header(fmt_encoder *e, sl_buf *out) {
  csv_enc *c = (csv_enc *)e;
  if (!c->conf.header) return;
  for (int i = 0; i < e->schema.ncols; i++) {
    if (i) buf_putc(out, c->conf.delim);
    csv_put(c, e->schema.names[i], strlen(e->schema.names[i]), out);
  }
  buf_putc(out, '\n');
}

/* A string field: ASCII without special bytes is copied as it is (unless it is the NULL
 * literal); the rest goes through the UTF-8 check and csv_put. */
static void csv_string(csv_enc *c, const char *s, size_t n, sl_buf *out) {
  size_t i = 0;
  while (i < n && !c->special[(unsigned char)s[i]]) i++;
  if (i == n && !(c->conf.null_lit && n == c->conf.null_len && !memcmp(s, c->conf.null_lit, n))) {
    buf_put(out, s, n);
  } else if (fmt_utf8_valid(s, n)) {
    csv_put(c, s, n, out);
  } else { /* invalid UTF-8 is written as U+FFFD */
    c->tmp.len = 0;
    fmt_utf8_sanitize(s, n, &c->tmp);
    csv_put(c, c->tmp.data, c->tmp.len, out);
  }
}

/* Values are written in place; the rare text that needs quoting (a delimiter such as '-' or
 * ':', the NULL literal) is taken back and written again through csv_put. */
static void csv_encode(fmt_encoder *e, const sl_value *row, sl_buf *out) {
  csv_enc *c = (csv_enc *)e;
  const sl_type *types = e->schema.types;
  for (int i = 0; i < e->schema.ncols; i++) {
    if (i) buf_putc_fast(out, c->conf.delim);
    const sl_value *v = &row[i];
    if (v->null) {
      if (c->conf.null_lit) buf_put(out, c->conf.null_lit, c->conf.null_len);
      continue;
    }
    sl_type t = types[i];
    if (t.id == T_STRING) {
      csv_string(c, v->u.s, v->len, out);
      continue;
    }
    size_t start = out->len;
    switch (t.id) {
    case T_INT:
    case T_BIGINT:
      buf_reserve(out, ENC_INT64_MAX);
      out->len = (size_t)(enc_put_i64(out->data + out->len, v->u.i) - out->data);
      break;
    case T_FLOAT: double_format(v->u.d, true, out); break;
    case T_DOUBLE: double_format(v->u.d, false, out); break;
    case T_DECIMAL: dec_format(value_dec(v), t.scale, out); break;
    case T_DATE: date_format(v->u.i, out); break;
    case T_TIMESTAMP: ts_format(v->u.i, false, false, out); break;
    case T_TIMESTAMP_LTZ: ts_format(v->u.i, false, true, out); break;
    default: value_print(v, t, out); break;
    }
    if (!c->conf.quote) continue;
    size_t n = out->len - start;
    if (c->scan[i] ? csv_needs_quote(c, out->data + start, n)
                   : c->conf.null_lit && n == c->conf.null_len &&
                         !memcmp(out->data + start, c->conf.null_lit, n)) {
      c->tmp.len = 0;
      buf_put(&c->tmp, out->data + start, out->len - start);
      out->len = start;
      csv_put(c, c->tmp.data, c->tmp.len, out);
    }
  }
  buf_putc_fast(out, '\n');
}

static void csv_enc_free(fmt_encoder *e) {
  csv_enc *c = (csv_enc *)e;
  buf_free(&c->tmp);
  free(c->scan);
  free(c);
}

static const fmt_encoder_vt csv_enc_vt = {csv_header, csv_encode, csv_enc_free, NULL};

static fmt_encoder *csv_encoder_new(const fmt_schema *s, const opt_list *o) {
  csv_enc *c = xcalloc(1, sizeof *c);
  c->base.vt = &csv_enc_vt;
  c->base.schema = *s;
  c->conf = csv_conf_read(o);
  c->quoting['\n'] = c->quoting['\r'] = true;
  c->quoting[(unsigned char)c->conf.delim] = true;
  if (c->conf.quote) c->quoting[(unsigned char)c->conf.quote] = true;
  memcpy(c->special, c->quoting, sizeof c->special);
  for (int b = 0x80; b < 256; b++) c->special[b] = true;
  c->scan = xcalloc((size_t)s->ncols + 1, sizeof(bool));
  for (int i = 0; i < s->ncols; i++) {
    const char *abc = csv_alphabet(s->types[i]);
    c->scan[i] = !abc;
    for (; abc && *abc; abc++) c->scan[i] |= c->quoting[(unsigned char)*abc];
  }
  return &c->base;
}

const fmt_def fmt_csv_def = {
    "csv",
    csv_opts,
    "RFC 4180 CSV: fields by position (or by header name with 'csv.header'), quoted fields may "
    "hold delimiters, doubled quotes and line breaks. A UTF-8 byte-order mark at the start of a "
    "file is skipped. Invalid UTF-8 in a string field is read as Java reads it, each invalid "
    "sequence as U+FFFD, and the encoder writes valid UTF-8 only. A ROW column is its fields as "
    "consecutive plain columns, named in a header by their path (bid.auction).",
    csv_decoder_new,
    csv_encoder_new,
    false};
