/* changelog_json.c - the changelog-json format (the one of Flink CDC, formerly
 * com.ververica:flink-format-changelog-json): one JSON object per line holding one row and its
 * change kind, {"data": {...columns...}, "op": "+I" | "-U" | "+U" | "-D"}. Every kind is its
 * own record (an update is a "-U" line then a "+U" line), so unlike debezium-json nothing is
 * paired. A changelog format both ways: the decoder sets each row's kind, the encoder writes
 * it. The columns inside "data" are read and written by the json format; the options
 * 'changelog-json.ignore-parse-errors' and 'changelog-json.timestamp-format.standard' are
 * handed to it as its json.* ones.
 * Must not touch: the json format's internals (used through fmt_json_def only). */
#include <stdlib.h>
#include <string.h>

#include "json_span.h"

static const opt_def cj_opts[] = {
    {"changelog-json.ignore-parse-errors", OPT_BOOL, "false", NULL, false,
     "a record that is not a changelog-json object, or whose \"op\" is unknown, is skipped; a "
     "column that cannot be parsed becomes NULL (else both are errors)"},
    {"changelog-json.timestamp-format.standard", OPT_ENUM, "SQL", "SQL|ISO-8601", false,
     "how TIMESTAMP is written: 'yyyy-MM-dd HH:mm:ss.SSS' (SQL) or 'yyyy-MM-ddTHH:mm:ss.SSS' "
     "(ISO-8601); both are read"},
    {NULL, 0, NULL, NULL, false, NULL}};

/* The json format's options from ours ("changelog-json.x" -> "json.x"). */
typedef struct cj_opts_map {
  opt_kv kv[2];
  opt_list list;
} cj_opts_map;

static void map_opts(cj_opts_map *m, const opt_list *o) {
  static const char *const from[] = {"changelog-json.ignore-parse-errors",
                                     "changelog-json.timestamp-format.standard"};
  static const char *const to[] = {"json.ignore-parse-errors", "json.timestamp-format.standard"};
  m->list = (opt_list){m->kv, 0};
  for (int i = 0; i < 2; i++) {
    const char *v = opt_get(o, cj_opts, from[i]);
    if (v) m->kv[m->list.n++] = (opt_kv){to[i], v};
  }
}

/* ---- decoder ---- */

typedef struct cj_dec {
  fmt_decoder base;
  fmt_decoder *json; /* decodes the "data" object */
  bool ignore_errors;
  cj_opts_map opts;
} cj_dec;

static void cj_file_start(fmt_decoder *d) {
  cj_dec *z = (cj_dec *)d;
  z->json->vt->file_start(z->json);
}

/* "+I" -> RK_INSERT ...; -1 when s is not one of the four. */
static int kind_of(fmt_span s) {
  static const char *const kinds[] = {"\"+I\"", "\"-U\"", "\"+U\"", "\"-D\""};
  for (int k = 0; k < 4; k++)
    if (s.n == 4 && !memcmp(s.p, kinds[k], 4)) return k;
  return -1;
}

static sl_status bad(cj_dec *z, fmt_rec *rec) {
  if (!z->ignore_errors) return SL_EDATA;
  rec->no_row = true; /* skipped: the reason is dropped with it */
  return SL_OK;
}

static sl_status cj_decode(fmt_decoder *d, const char *p, size_t n, fmt_rec *rec, sl_value *row,
                           sl_arena *a, char *why, size_t whyn) {
  cj_dec *z = (cj_dec *)d;
  const char *nl = memchr(p, '\n', n), *e = nl ? nl : p + n;
  rec->consumed = nl ? (size_t)(nl - p) + 1 : n;
  rec->lines = nl ? 1 : 0;
  rec->no_row = false;
  rec->again = false;
  rec->kind = RK_INSERT;
  const char *q = p;
  while (q < e && (*q == ' ' || *q == '\t' || *q == '\r')) q++;
  if (q == e) {
    rec->no_row = true;
    return SL_OK;
  }
  static const char *const keys[] = {"data", "op"};
  fmt_span f[2];
  if (!fmt_json_fields(p, e, keys, f, 2)) {
    snprintf(why, whyn, "not a changelog-json record (a JSON object is expected)");
    return bad(z, rec);
  }
  int kind = kind_of(f[1]);
  if (kind < 0) {
    if (!f[1].n)
      snprintf(why, whyn, "the \"op\" field is missing");
    else
      snprintf(why, whyn,
               "unknown changelog-json \"op\" %.*s (expected \"+I\", \"-U\", \"+U\" or \"-D\")",
               (int)(f[1].n > 20 ? 20 : f[1].n), f[1].p);
    return bad(z, rec);
  }
  if (!f[0].n || (f[0].n == 4 && !memcmp(f[0].p, "null", 4))) {
    snprintf(why, whyn, "the \"data\" field is %s", f[0].n ? "null" : "missing");
    return bad(z, rec);
  }
  rec->kind = (uint8_t)kind;
  fmt_rec r = {0};
  char inner[256];
  sl_status st = z->json->vt->decode(z->json, f[0].p, f[0].n, &r, row, a, inner, sizeof inner);
  if (st == SL_EDATA) {
    /* the json decoder's "(column N)" counts inside the object, not the line: drop it */
    char *c = strstr(inner, " (column "), *close = c ? strchr(c, ')') : NULL;
    if (close) memmove(c, close + 1, strlen(close + 1) + 1);
    snprintf(why, whyn, "\"data\": %s", inner);
  }
  return st;
}

static void cj_dec_free(fmt_decoder *d) {
  cj_dec *z = (cj_dec *)d;
  z->json->vt->free(z->json);
  free(z);
}

static const fmt_decoder_vt cj_dec_vt = {cj_file_start, cj_decode, cj_dec_free};

static fmt_decoder *cj_decoder_new(const fmt_schema *s, const opt_list *o) {
  cj_dec *z = xcalloc(1, sizeof *z);
  z->base.vt = &cj_dec_vt;
  z->base.schema = *s;
  map_opts(&z->opts, o);
  z->json = fmt_json_def.decoder_new(s, &z->opts.list);
  z->ignore_errors = opt_get_bool(o, cj_opts, "changelog-json.ignore-parse-errors");
  return &z->base;
}

/* ---- encoder ---- */

typedef struct cj_enc {
  fmt_encoder base;
  fmt_encoder *json;
  cj_opts_map opts;
} cj_enc;

static void cj_encode_change(fmt_encoder *e, int kind, const sl_value *row, sl_buf *out) {
  cj_enc *z = (cj_enc *)e;
  buf_puts(out, "{\"data\":");
  z->json->vt->encode(z->json, row, out);
  while (out->len && out->data[out->len - 1] == '\n') out->len--;
  buf_printf(out, ",\"op\":\"%s\"}\n", rowkind_short(kind));
}

static void cj_encode(fmt_encoder *e, const sl_value *row, sl_buf *out) {
  cj_encode_change(e, RK_INSERT, row, out);
}

static void cj_enc_free(fmt_encoder *e) {
  cj_enc *z = (cj_enc *)e;
  z->json->vt->free(z->json);
  free(z);
}

static const fmt_encoder_vt cj_enc_vt = {NULL, cj_encode, cj_enc_free, cj_encode_change};

static fmt_encoder *cj_encoder_new(const fmt_schema *s, const opt_list *o) {
  cj_enc *z = xcalloc(1, sizeof *z);
  z->base.vt = &cj_enc_vt;
  z->base.schema = *s;
  map_opts(&z->opts, o);
  z->json = fmt_json_def.encoder_new(s, &z->opts.list);
  return &z->base;
}

const fmt_def fmt_changelog_json_def = {
    "changelog-json",
    cj_opts,
    "One row per line with its change kind, as Flink CDC's changelog-json format: "
    "{\"data\": {...columns...}, \"op\": \"+I\"} with \"op\" one of \"+I\", \"-U\", \"+U\", "
    "\"-D\" (a changelog, read and written). The columns of \"data\" are read and written as by "
    "the json format.",
    cj_decoder_new,
    cj_encoder_new,
    true};
