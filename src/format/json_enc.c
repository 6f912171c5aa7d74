/* json_enc.c - the JSON lines encoder with Flink's conventions: DECIMAL as a plain number,
 * TIMESTAMP as SQL or ISO-8601 text, NaN and Infinity as strings, and only valid UTF-8 (strings
 * go through fmt_json_escape). The decoder and the option table are in json.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "enc_text.h"
#include "format.h"

typedef struct json_enc {
  fmt_encoder base;
  /* What goes before each value: the comma, the closing braces of ROW objects that end and the
   * keys of those that start, and the field's key: ',"bid":{"auction":' pre-escaped,
   * zero-padded to at least 16 bytes */
  char **keys;
  size_t *keylen;
  char tail[264]; /* the closing braces of the last column's ROWs, '}' and the line break */
  size_t taillen;
  size_t fixed; /* room a row needs besides its strings' text: see json_encode */
  bool iso;
} json_enc;

/* Room for any non-string value with its quotes: DOUBLE (32), TIMESTAMP (48 reserved by
 * ts_format), DECIMAL (48 by dec_format), INTERVAL, integers. */
enum { JSON_VALUE_ROOM = 64 };

/* The text is written straight into out: the room for the whole row is reserved once (keys,
 * JSON_VALUE_ROOM per value, six bytes per string byte: the longest escape), so the writes
 * below do not check it. ts_format, dec_format, double_format and value_print reserve for
 * themselves and find the room there. */
static void json_encode(fmt_encoder *e, const sl_value *row, sl_buf *out) {
  json_enc *je = (json_enc *)e;
  int ncols = e->schema.ncols;
  const sl_type *types = e->schema.types;
  size_t room = je->fixed;
  for (int i = 0; i < ncols; i++)
    if (types[i].id == T_STRING && !row[i].null) room += 6 * (size_t)row[i].len;
  buf_reserve(out, room);
  char *p = out->data + out->len;
  *p++ = '{';
  for (int i = 0; i < ncols; i++) {
    if (je->keylen[i] <= 16)
      memcpy(p, je->keys[i], 16); /* one fixed-size move; the bytes past the key are room */
    else
      memcpy(p, je->keys[i], je->keylen[i]);
    p += je->keylen[i];
    const sl_value *v = &row[i];
    sl_type t = types[i];
    if (v->null) {
      memcpy(p, "null", 4);
      p += 4;
      continue;
    }
    switch (t.id) {
    case T_INT:
    case T_BIGINT: p = enc_put_i64(p, v->u.i); continue;
    case T_BOOLEAN:
      if (v->u.i) {
        memcpy(p, "true", 4);
        p += 4;
      } else {
        memcpy(p, "false", 5);
        p += 5;
      }
      continue;
    case T_STRING:
      *p++ = '"';
      if (enc_json_plain(v->u.s, v->len)) {
        memcpy(p, v->u.s, v->len);
        p += v->len;
      } else {
        out->len = (size_t)(p - out->data);
        fmt_json_escape(v->u.s, v->len, out);
        p = out->data + out->len;
      }
      *p++ = '"';
      continue;
    default: break;
    }
    /* the rest through the value formatters, which write at out->len */
    out->len = (size_t)(p - out->data);
    switch (t.id) {
    case T_FLOAT:
    case T_DOUBLE:
      if (isnan(v->u.d) || isinf(v->u.d)) {
        buf_putc(out, '"');
        double_format(v->u.d, t.id == T_FLOAT, out);
        buf_putc(out, '"');
      } else {
        double_format(v->u.d, t.id == T_FLOAT, out);
      }
      break;
    case T_DECIMAL: dec_format(value_dec(v), t.scale, out); break;
    case T_TIMESTAMP:
    case T_TIMESTAMP_LTZ:
      buf_putc(out, '"');
      ts_format(v->u.i, je->iso, t.id == T_TIMESTAMP_LTZ, out); /* LTZ: UTC with Z */
      buf_putc(out, '"');
      break;
    case T_DATE:
      buf_putc(out, '"');
      date_format(v->u.i, out);
      buf_putc(out, '"');
      break;
    case T_INTERVAL:
      buf_putc(out, '"');
      value_print(v, t, out);
      buf_putc(out, '"');
      break;
    default: value_print(v, t, out); break;
    }
    p = out->data + out->len;
  }
  memcpy(p, je->tail, je->taillen);
  out->len = (size_t)(p + je->taillen - out->data);
}

static void json_enc_free(fmt_encoder *e) {
  json_enc *je = (json_enc *)e;
  for (int i = 0; i < e->schema.ncols; i++) free(je->keys[i]);
  free(je->keys);
  free(je->keylen);
  free(je);
}

static const fmt_encoder_vt json_enc_vt = {NULL, json_encode, json_enc_free, NULL};

/* The parts of a column's path: its name split at its first `levels` dots. */
static int path_parts(const char *name, int levels, const char **part, size_t *plen) {
  int n = 0;
  const char *s = name;
  for (; n < levels; n++) {
    const char *dot = strchr(s, '.');
    if (!dot) break;
    part[n] = s;
    plen[n] = (size_t)(dot - s);
    s = dot + 1;
  }
  part[n] = s;
  plen[n] = strlen(s);
  return n + 1;
}

static void put_key(sl_buf *b, const char *s, size_t n) {
  buf_putc(b, '"');
  fmt_json_escape(s, n, b);
  buf_puts(b, "\":");
}

fmt_encoder *fmt_json_encoder_new(const fmt_schema *s, const opt_list *o) {
  json_enc *je = xcalloc(1, sizeof *je);
  je->base.vt = &json_enc_vt;
  je->base.schema = *s;
  je->keys = xcalloc((size_t)s->ncols, sizeof(char *));
  je->keylen = xcalloc((size_t)s->ncols, sizeof(size_t));
  /* ROW leaves ("bid.auction", nest 1) are written inside the object of their ROW: consecutive
   * leaves with the same ROW path share one object */
  const char *prev[256], *part[256];
  size_t prevlen[256], plen[256];
  int nprev = 0; /* ROW levels open after the previous column */
  for (int i = 0; i < s->ncols; i++) {
    int np = path_parts(s->names[i], s->nest ? s->nest[i] : 0, part, plen) - 1;
    int same = 0;
    while (same < np && same < nprev && plen[same] == prevlen[same] &&
           memcmp(part[same], prev[same], plen[same]) == 0)
      same++;
    sl_buf b = {0};
    for (int l = same; l < nprev; l++) buf_putc(&b, '}');
    if (i) buf_putc(&b, ',');
    for (int l = same; l < np; l++) {
      put_key(&b, part[l], plen[l]);
      buf_putc(&b, '{');
    }
    put_key(&b, part[np], plen[np]);
    for (int l = 0; l < np; l++) prev[l] = part[l], prevlen[l] = plen[l];
    nprev = np;
    je->keys[i] = xcalloc(1, b.len + 16); /* at least 16 bytes: see json_encode */
    memcpy(je->keys[i], b.data, b.len);
    je->keylen[i] = b.len;
    je->fixed += b.len + JSON_VALUE_ROOM; /* key and value */
    buf_free(&b);
  }
  for (int l = 0; l < nprev; l++) je->tail[je->taillen++] = '}';
  memcpy(je->tail + je->taillen, "}\n", 2);
  je->taillen += 2;
  je->fixed += 1 + je->taillen; /* the braces and the line break */
  const char *std = opt_get(o, NULL, "json.timestamp-format.standard"); /* default SQL */
  je->iso = std && str_ieq(std, "ISO-8601");
  return &je->base;
}

void fmt_row_json(const char *const *names, const sl_type *types, int n, const sl_value *row,
                  sl_buf *b) {
  buf_putc(b, '{');
  sl_buf t = {0};
  for (int i = 0; i < n; i++) {
    if (i) buf_putc(b, ',');
    buf_putc(b, '"');
    fmt_json_escape(names[i], strlen(names[i]), b);
    buf_puts(b, "\":");
    if (row[i].null) {
      buf_puts(b, "null");
      continue;
    }
    t.len = 0;
    value_print(&row[i], types[i], &t);
    bool quote = !(type_is_numeric(types[i]) || types[i].id == T_BOOLEAN);
    if (quote) buf_putc(b, '"');
    fmt_json_escape(t.data ? t.data : "", t.len, b);
    if (quote) buf_putc(b, '"');
  }
  buf_free(&t);
  buf_putc(b, '}');
}
