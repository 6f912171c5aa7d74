/* debezium.c - the debezium-json changelog format, as Flink reads and writes it. A record is a
 * Debezium change event, {"before": {...}, "after": {...}, "op": "c|r|u|d", ...} (inside
 * {"schema": ..., "payload": {...}} with 'debezium-json.schema-include'). Create and read
 * events become +I rows from "after", deletes -D rows from "before", and an update two rows:
 * -U from "before", then +U from "after" (the decoder answers rec.again after the first, and
 * the source calls it again on the same record). The encoder writes +I/+U as create events and
 * -D/-U as delete events, as Flink's does. The row columns themselves are decoded and encoded
 * by the json format, on the span of "before" or "after". The envelope scanner
 * (fmt_json_fields) is shared with the changelog-json format.
 * Must not touch: the json format's internals (it is used through its fmt_def only). */
#include <stdlib.h>
#include <string.h>

#include "json_span.h"

static const opt_def dbz_opts[] = {
    {"debezium-json.schema-include", OPT_BOOL, "false", NULL, false,
     "events carry their schema: the change is inside {\"schema\": ..., \"payload\": {...}}"},
    {NULL, 0, NULL, NULL, false, NULL}};

typedef struct dbz_dec {
  fmt_decoder base;
  fmt_decoder *json; /* decodes the row object of "before" or "after" */
  bool schema_include;
  bool pending; /* an update's -U row was given: +U from `after` comes next */
} dbz_dec;

/* ---- a small scanner over one event: only the spans of the envelope's fields (shared with
 * changelog_json.c through json_span.h) ---- */

typedef fmt_span span;

static const char *ws(const char *p, const char *e) {
  while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) p++;
  return p;
}

/* End of the JSON value at p, or NULL when it is not one (depth bounded). */
static const char *skip_value(const char *p, const char *e, int depth) {
  if (p >= e || depth > 256) return NULL;
  if (*p == '"') {
    for (p++; p < e; p++) {
      if (*p == '\\') {
        p++;
        continue;
      }
      if (*p == '"') return p + 1;
    }
    return NULL;
  }
  if (*p == '{' || *p == '[') {
    char close = *p == '{' ? '}' : ']';
    p = ws(p + 1, e);
    if (p < e && *p == close) return p + 1;
    for (;;) {
      if (close == '}') {
        if (!(p = skip_value(p, e, depth + 1)) || (p = ws(p, e)) >= e || *p != ':') return NULL;
        p = ws(p + 1, e);
      }
      if (!(p = skip_value(p, e, depth + 1))) return NULL;
      p = ws(p, e);
      if (p >= e) return NULL;
      if (*p == close) return p + 1;
      if (*p != ',') return NULL;
      p = ws(p + 1, e);
    }
  }
  const char *s = p;
  while (p < e && (*p == '-' || *p == '+' || *p == '.' || (*p >= '0' && *p <= '9') ||
                   (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
    p++;
  return p > s ? p : NULL;
}

bool fmt_json_fields(const char *p, const char *e, const char *const *keys, fmt_span *out, int n) {
  for (int i = 0; i < n; i++) out[i] = (span){NULL, 0};
  p = ws(p, e);
  if (p >= e || *p != '{') return false;
  p = ws(p + 1, e);
  if (p < e && *p == '}') return true;
  for (;;) {
    const char *k = p, *ke = skip_value(p, e, 0);
    if (!ke || *k != '"' || (p = ws(ke, e)) >= e || *p != ':') return false;
    const char *v = ws(p + 1, e), *ve = skip_value(v, e, 0);
    if (!ve) return false;
    for (int i = 0; i < n; i++)
      if ((size_t)(ke - k - 2) == strlen(keys[i]) && !memcmp(k + 1, keys[i], strlen(keys[i])))
        out[i] = (span){v, (size_t)(ve - v)};
    p = ws(ve, e);
    if (p < e && *p == '}') return true;
    if (p >= e || *p != ',') return false;
    p = ws(p + 1, e);
  }
}

static bool is_null(span s) { return s.n == 4 && !memcmp(s.p, "null", 4); }

static void dbz_file_start(fmt_decoder *d) {
  dbz_dec *z = (dbz_dec *)d;
  z->pending = false;
  z->json->vt->file_start(z->json);
}

/* Decodes the row object `s` with the json decoder; a nested failure keeps its reason. */
static sl_status row_of(dbz_dec *z, span s, const char *field, sl_value *row, sl_arena *a,
                        char *why, size_t whyn) {
  if (!s.n || is_null(s)) {
    snprintf(why, whyn, "the \"%s\" field is %s", field, s.n ? "null" : "missing");
    return SL_EDATA;
  }
  fmt_rec r = {0};
  char inner[256];
  sl_status st = z->json->vt->decode(z->json, s.p, s.n, &r, row, a, inner, sizeof inner);
  if (st == SL_EDATA) {
    /* the json decoder's "(column N)" counts inside the object, not the line: drop it */
    char *c = strstr(inner, " (column "), *close = c ? strchr(c, ')') : NULL;
    if (close) memmove(c, close + 1, strlen(close + 1) + 1);
    snprintf(why, whyn, "\"%s\": %s", field, inner);
  }
  return st;
}

static sl_status dbz_decode(fmt_decoder *d, const char *p, size_t n, fmt_rec *rec, sl_value *row,
                            sl_arena *a, char *why, size_t whyn) {
  dbz_dec *z = (dbz_dec *)d;
  const char *nl = memchr(p, '\n', n), *e = nl ? nl : p + n;
  rec->consumed = nl ? (size_t)(nl - p) + 1 : n;
  rec->lines = nl ? 1 : 0;
  rec->no_row = false;
  rec->again = false;
  rec->kind = RK_INSERT;
  if (ws(p, e) == e) {
    rec->no_row = true;
    return SL_OK;
  }
  static const char *const env[] = {"payload"};
  static const char *const keys[] = {"before", "after", "op"};
  span f[3], pl;
  const char *b = p;
  if (z->schema_include) {
    if (!fmt_json_fields(p, e, env, &pl, 1) || !pl.n) {
      snprintf(why, whyn, "not a Debezium event with schema: no \"payload\" object");
      z->pending = false;
      return SL_EDATA;
    }
    b = pl.p;
    e = pl.p + pl.n;
  }
  if (!fmt_json_fields(b, e, keys, f, 3)) {
    snprintf(why, whyn, "not a Debezium JSON event (a JSON object is expected)");
    z->pending = false;
    return SL_EDATA;
  }
  char op = f[2].n == 3 && f[2].p[0] == '"' ? f[2].p[1] : 0;
  if (z->pending) { /* the second half of an update */
    z->pending = false;
    rec->kind = RK_UPDATE_AFTER;
    return row_of(z, f[1], "after", row, a, why, whyn);
  }
  switch (op) {
  case 'c':
  case 'r': return row_of(z, f[1], "after", row, a, why, whyn);
  case 'd': rec->kind = RK_DELETE; return row_of(z, f[0], "before", row, a, why, whyn);
  case 'u': {
    if (!f[0].n || is_null(f[0])) {
      snprintf(why, whyn,
               "the \"before\" field of an update is null: a PostgreSQL source table needs "
               "REPLICA IDENTITY FULL");
      return SL_EDATA;
    }
    if (!f[1].n || is_null(f[1])) {
      snprintf(why, whyn, "the \"after\" field of an update is %s", f[1].n ? "null" : "missing");
      return SL_EDATA;
    }
    /* "after" must decode before -U goes out, or a bad "after" would leave a lone -U. It is
     * decoded again for +U on the second call: by then the batch (and the read window) may
     * have moved on, so nothing from this decode may be kept. */
    sl_status st = row_of(z, f[1], "after", row, a, why, whyn);
    if (!st) st = row_of(z, f[0], "before", row, a, why, whyn);
    if (st) return st;
    rec->kind = RK_UPDATE_BEFORE;
    rec->again = true; /* the same record once more, for +U */
    rec->consumed = 0;
    rec->lines = 0;
    z->pending = true;
    return SL_OK;
  }
  default:
    if (!f[2].n)
      snprintf(why, whyn, "the \"op\" field is missing%s",
               z->schema_include ? ""
                                 : " (events with a schema need 'debezium-json.schema-include')");
    else
      snprintf(why, whyn, "unknown Debezium \"op\" %.*s (expected \"c\", \"r\", \"u\" or \"d\")",
               (int)(f[2].n > 20 ? 20 : f[2].n), f[2].p);
    return SL_EDATA;
  }
}

static void dbz_dec_free(fmt_decoder *d) {
  dbz_dec *z = (dbz_dec *)d;
  z->json->vt->free(z->json);
  free(z);
}

static const fmt_decoder_vt dbz_dec_vt = {dbz_file_start, dbz_decode, dbz_dec_free};

static fmt_decoder *dbz_decoder_new(const fmt_schema *s, const opt_list *o) {
  dbz_dec *z = xcalloc(1, sizeof *z);
  z->base.vt = &dbz_dec_vt;
  z->base.schema = *s;
  z->json = fmt_json_def.decoder_new(s, o);
  z->schema_include = opt_get_bool(o, dbz_opts, "debezium-json.schema-include");
  return &z->base;
}

/* ---- encoder ---- */

typedef struct dbz_enc {
  fmt_encoder base;
  fmt_encoder *json;
} dbz_enc;

static void dbz_encode_change(fmt_encoder *e, int kind, const sl_value *row, sl_buf *out) {
  dbz_enc *z = (dbz_enc *)e;
  bool del = kind == RK_DELETE || kind == RK_UPDATE_BEFORE;
  buf_puts(out, del ? "{\"before\":" : "{\"before\":null,\"after\":");
  z->json->vt->encode(z->json, row, out);
  while (out->len && (out->data[out->len - 1] == '\n')) out->len--;
  buf_puts(out, del ? ",\"after\":null,\"op\":\"d\"}\n" : ",\"op\":\"c\"}\n");
}

static void dbz_encode(fmt_encoder *e, const sl_value *row, sl_buf *out) {
  dbz_encode_change(e, RK_INSERT, row, out);
}

static void dbz_enc_free(fmt_encoder *e) {
  dbz_enc *z = (dbz_enc *)e;
  z->json->vt->free(z->json);
  free(z);
}

static const fmt_encoder_vt dbz_enc_vt = {NULL, dbz_encode, dbz_enc_free, dbz_encode_change};

static fmt_encoder *dbz_encoder_new(const fmt_schema *s, const opt_list *o) {
  dbz_enc *z = xcalloc(1, sizeof *z);
  z->base.vt = &dbz_enc_vt;
  z->base.schema = *s;
  z->json = fmt_json_def.encoder_new(s, o);
  return &z->base;
}

const fmt_def fmt_debezium_json_def = {
    "debezium-json",
    dbz_opts,
    "Debezium change events as JSON lines (a changelog): \"c\"/\"r\" events are inserts (+I), "
    "\"d\" deletes (-D) and \"u\" updates (-U then +U, which needs \"before\": a PostgreSQL "
    "table needs REPLICA IDENTITY FULL). Written back as create (+I, +U) and delete (-U, -D) "
    "events, as Flink does. Columns are read and written as by the json format.",
    dbz_decoder_new,
    dbz_encoder_new,
    true};
