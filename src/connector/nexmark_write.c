/* nexmark_write.c - `sluice gen nexmark`'s writer: the events of a nexmark table's options as
 * JSON lines in Flink's shape ({"event_type":2,"person":null,"auction":null,"bid":{...}}) or as
 * CSV (a header, then the leaf columns in the table's order, empty for NULL), written by hand
 * into a large buffer. The generated text never holds a quote, a backslash, a comma or a
 * control character (letters, digits, spaces and URL punctuation only), so nothing needs
 * escaping or quoting. Must not touch: the pipeline (events come from the generator alone). */
#include <string.h>

#include "nexmark.h"

static inline char *put_u64(char *p, uint64_t v) {
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) *p++ = tmp[--n];
  return p;
}

static inline char *put_i64(char *p, int64_t v) {
  if (v < 0) {
    *p++ = '-';
    return put_u64(p, 0 - (uint64_t)v);
  }
  return put_u64(p, (uint64_t)v);
}

/* Timestamps: the date part ("2015-07-15 ") is formatted once per day. */
typedef struct ts_cache {
  int64_t day;
  char date[16];
  sl_buf tmp;
} ts_cache;

static inline char *put2(char *p, unsigned v) {
  p[0] = (char)('0' + v / 10);
  p[1] = (char)('0' + v % 10);
  return p + 2;
}

static char *put_ts(char *p, int64_t ms, ts_cache *tc) {
  int64_t day = floor_div(ms, 86400000);
  if (day != tc->day) {
    tc->tmp.len = 0;
    ts_format(day * 86400000, false, false, &tc->tmp); /* "yyyy-mm-dd 00:00:00.000" */
    memcpy(tc->date, tc->tmp.data, 11);
    tc->day = day;
  }
  memcpy(p, tc->date, 11);
  p += 11;
  unsigned rem = (unsigned)(ms - day * 86400000), s = rem / 1000, f = rem % 1000;
  p = put2(p, s / 3600);
  *p++ = ':';
  p = put2(p, s / 60 % 60);
  *p++ = ':';
  p = put2(p, s % 60);
  *p++ = '.';
  *p++ = (char)('0' + f / 100);
  return put2(p, f % 100);
}

/* The text of one field value at p (room reserved by the caller). */
static inline char *put_value(char *p, const nexmark_ev *ev, int f, bool quote, ts_cache *tc) {
  switch (nx_fields[f].type) {
  case T_STRING:
    if (quote) *p++ = '"';
    memcpy(p, ev->s[f].p, ev->s[f].n);
    p += ev->s[f].n;
    if (quote) *p++ = '"';
    return p;
  case T_TIMESTAMP:
    if (quote) *p++ = '"';
    p = put_ts(p, ev->i[f], tc);
    if (quote) *p++ = '"';
    return p;
  default: return put_i64(p, ev->i[f]);
  }
}

static const int kind_first[3] = {NX_P_ID, NX_A_ID, NX_B_AUCTION};
static const int kind_last[3] = {NX_P_EXTRA, NX_A_EXTRA, NX_B_EXTRA};
static const char *const kind_key[3] = {",\"person\":", ",\"auction\":", ",\"bid\":"};
static char json_key[NX_NFIELDS][24]; /* ,"leaf": (the first of a kind with '{' for ',') */
static uint8_t json_key_len[NX_NFIELDS];

/* Room for one event: its strings plus the numbers, times, keys and punctuation. */
static size_t event_room(const nexmark_ev *ev) {
  size_t n = 512;
  for (int f = kind_first[ev->kind]; f <= kind_last[ev->kind]; f++)
    if (nx_fields[f].type == T_STRING) n += ev->s[f].n;
  return n;
}

static void put_json(sl_buf *out, const nexmark_ev *ev, ts_cache *tc) {
  buf_reserve(out, event_room(ev));
  char *p = out->data + out->len;
  memcpy(p, "{\"event_type\":", 14);
  p += 14;
  *p++ = (char)('0' + ev->kind);
  for (int k = 0; k < 3; k++) {
    size_t kl = strlen(kind_key[k]);
    memcpy(p, kind_key[k], kl);
    p += kl;
    if (k != ev->kind) {
      memcpy(p, "null", 4);
      p += 4;
      continue;
    }
    for (int f = kind_first[k]; f <= kind_last[k]; f++) {
      memcpy(p, json_key[f], 24);
      p += json_key_len[f];
      p = put_value(p, ev, f, true, tc);
    }
    *p++ = '}';
  }
  *p++ = '}';
  *p++ = '\n';
  out->len = (size_t)(p - out->data);
}

static void put_csv(sl_buf *out, const nexmark_ev *ev, ts_cache *tc) {
  buf_reserve(out, event_room(ev));
  char *p = out->data + out->len;
  for (int f = 0; f < NX_NFIELDS; f++) {
    if (f) *p++ = ',';
    int k = nx_fields[f].kind;
    if (k < 0 || k == ev->kind) p = put_value(p, ev, f, false, tc);
  }
  *p++ = '\n';
  out->len = (size_t)(p - out->data);
}

sl_status conn_nexmark_write(const opt_list *opts, int fd, bool csv, sl_error *e) {
  nexmark_cfg cfg;
  uint64_t events;
  bool paced;
  if (nexmark_cfg_opts(opts, "nexmark", &cfg, &events, &paced, e)) return e->code;
  if (!events) return err_set(e, SL_ESQL, "the number of events must be positive");
  conn_writer w = {fd, {0}, "the nexmark events"};
  buf_reserve(&w.buf, 1 << 20);
  if (csv) {
    for (int f = 0; f < NX_NFIELDS; f++) {
      if (f) buf_putc(&w.buf, ',');
      buf_puts(&w.buf, nx_fields[f].name);
    }
    buf_putc(&w.buf, '\n');
  }
  for (int f = 0; f < NX_NFIELDS; f++)
    json_key_len[f] = (uint8_t)snprintf(
        json_key[f], sizeof json_key[f],
        "%c\"%s\":", f == NX_P_ID || f == NX_A_ID || f == NX_B_AUCTION ? '{' : ',',
        nx_fields[f].leaf);
  ts_cache tc = {INT64_MIN, {0}, {0}};
  nexmark_ev ev;
  sl_status st = SL_OK;
  for (uint64_t n = 0; n < events && !st; n++) {
    nexmark_event(&cfg, n, NX_ALL, &ev);
    if (csv)
      put_csv(&w.buf, &ev, &tc);
    else
      put_json(&w.buf, &ev, &tc);
    if (w.buf.len >= (1 << 20) - 4096) st = conn_writer_flush(&w, e);
  }
  if (!st) st = conn_writer_flush(&w, e);
  buf_free(&w.buf);
  buf_free(&tc.tmp);
  return st;
}
