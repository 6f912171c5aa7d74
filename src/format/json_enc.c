/* json_enc.c - the JSON lines encoder with Flink's conventions: DECIMAL as a plain number,
 * TIMESTAMP as SQL or ISO-8601 text, NaN and Infinity as strings, and only valid UTF-8 (strings
 * go through fmt_json_escape). The decoder and the option table are in json.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"

typedef struct json_enc {
  fmt_encoder base;
  char **keys; /* "\"name\":" pre-escaped */
  size_t *keylen;
  bool iso;
} json_enc;

static void json_encode(fmt_encoder *e, const sl_value *row, sl_buf *out) {
  json_enc *je = (json_enc *)e;
  buf_putc(out, '{');
  for (int i = 0; i < e->schema.ncols; i++) {
    if (i) buf_putc(out, ',');
    buf_put(out, je->keys[i], je->keylen[i]);
    const sl_value *v = &row[i];
    sl_type t = e->schema.types[i];
    if (v->null) {
      buf_put(out, "null", 4);
      continue;
    }
    switch (t.id) {
    case T_STRING:
      buf_putc(out, '"');
      fmt_json_escape(v->u.s, v->len, out);
      buf_putc(out, '"');
      break;
    case T_FLOAT:
    case T_DOUBLE:
      if (isnan(v->u.d) || isinf(v->u.d)) {
        buf_putc(out, '"');
        value_print(v, t, out);
        buf_putc(out, '"');
      } else {
        value_print(v, t, out);
      }
      break;
    case T_TIMESTAMP:
    case T_TIMESTAMP_LTZ:
      buf_putc(out, '"');
      ts_format(v->u.i, je->iso, t.id == T_TIMESTAMP_LTZ, out); /* LTZ: UTC with Z */
      buf_putc(out, '"');
      break;
    case T_DATE:
    case T_INTERVAL:
      buf_putc(out, '"');
      value_print(v, t, out);
      buf_putc(out, '"');
      break;
    default: value_print(v, t, out); break;
    }
  }
  buf_put(out, "}\n", 2);
}

static void json_enc_free(fmt_encoder *e) {
  json_enc *je = (json_enc *)e;
  for (int i = 0; i < e->schema.ncols; i++) free(je->keys[i]);
  free(je->keys);
  free(je->keylen);
  free(je);
}

static const fmt_encoder_vt json_enc_vt = {NULL, json_encode, json_enc_free, NULL};

fmt_encoder *fmt_json_encoder_new(const fmt_schema *s, const opt_list *o) {
  json_enc *je = xcalloc(1, sizeof *je);
  je->base.vt = &json_enc_vt;
  je->base.schema = *s;
  je->keys = xcalloc((size_t)s->ncols, sizeof(char *));
  je->keylen = xcalloc((size_t)s->ncols, sizeof(size_t));
  for (int i = 0; i < s->ncols; i++) {
    sl_buf b = {0};
    buf_putc(&b, '"');
    fmt_json_escape(s->names[i], strlen(s->names[i]), &b);
    buf_puts(&b, "\":");
    je->keys[i] = xstrdup(buf_cstr(&b));
    je->keylen[i] = b.len;
    buf_free(&b);
  }
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
