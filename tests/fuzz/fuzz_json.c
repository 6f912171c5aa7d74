/* fuzz_json.c - libFuzzer target: the JSON lines decoder over arbitrary bytes with a schema of
 * every type, and again with a schema of ROW columns (leaves inside nested objects, nest 1 and
 * 2, next to a plain column whose name has a dot); also re-encodes decoded rows. Must never
 * crash, hang or read out of bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/format.h"

static void run(const fmt_schema *s, const char *copy, size_t size, bool ignore) {
  opt_kv opt = {"json.ignore-parse-errors", ignore ? "true" : "false"};
  opt_list ol = {&opt, 1};
  fmt_decoder *d = fmt_json_def.decoder_new(s, &ol);
  fmt_encoder *enc = fmt_json_def.encoder_new(s, NULL);
  sl_arena a;
  arena_init(&a, 4096);
  sl_buf out = {0};
  size_t pos = 0;
  char why[256];
  while (pos < size) {
    sl_value row[9];
    for (int i = 0; i < 9; i++) row[i] = value_null();
    fmt_rec r;
    sl_status st = d->vt->decode(d, copy + pos, size - pos, &r, row, &a, why, sizeof why);
    if (r.consumed == 0) abort();
    pos += r.consumed;
    if (st == SL_OK && !r.no_row) enc->vt->encode(enc, row, &out);
    out.len = 0;
  }
  buf_free(&out);
  arena_free(&a);
  d->vt->free(d);
  enc->vt->free(enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *names[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i"};
  sl_type types[9] = {type_make(T_BIGINT), type_make(T_STRING),    type_decimal(12, 3),
                      type_make(T_DOUBLE), type_make(T_TIMESTAMP), type_make(T_BOOLEAN),
                      type_make(T_INT),    type_make(T_DATE),      type_make(T_FLOAT)};
  fmt_schema s = {9, names, types, NULL, 0, NULL};
  /* a, r ROW<b, c, q ROW<d, e>>, f, `g.h`, s ROW<t>, i */
  static const char *rnames[] = {"a", "r.b", "r.c", "r.q.d", "r.q.e", "f", "g.h", "s.t", "i"};
  static const uint8_t nest[] = {0, 1, 1, 2, 2, 0, 0, 1, 0};
  fmt_schema rs = {9, rnames, types, NULL, 0, nest};
  bool ignore = size && data[0] & 1;
  char *copy = malloc(size ? size : 1); /* exact-size copy so ASan sees overreads */
  if (size) memcpy(copy, data, size);
  run(&s, copy, size, ignore);
  run(&rs, copy, size, ignore);
  /* a ROW none of whose leaves is needed is skipped, one partly needed read */
  bool needed[9] = {true, false, true, false, true, false, true, false, true};
  rs.needed = needed;
  run(&rs, copy, size, ignore);
  free(copy);
  return 0;
}
