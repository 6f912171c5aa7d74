/* fuzz_changelog.c - libFuzzer target: the changelog decoders (changelog-json, and debezium-json
 * with and without 'debezium-json.schema-include', picked by the first byte) over arbitrary
 * bytes with a schema of every type; decoded rows are re-encoded with their change kind and the
 * encoding must decode back to the same kind. A decoder that answers `again` must consume on
 * the next call. Must never crash, hang or read out of bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *names[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i"};
  sl_type types[9] = {type_make(T_BIGINT), type_make(T_STRING),    type_decimal(12, 3),
                      type_make(T_DOUBLE), type_make(T_TIMESTAMP), type_make(T_BOOLEAN),
                      type_make(T_INT),    type_make(T_DATE),      type_make(T_FLOAT)};
  fmt_schema s = {9, names, types, NULL, 0, NULL};
  int mode = size ? data[0] % 4 : 0;
  const fmt_def *def = mode < 2 ? &fmt_changelog_json_def : &fmt_debezium_json_def;
  opt_kv opt = mode == 0   ? (opt_kv){"changelog-json.ignore-parse-errors", "false"}
               : mode == 1 ? (opt_kv){"changelog-json.ignore-parse-errors", "true"}
               : mode == 2 ? (opt_kv){"debezium-json.schema-include", "false"}
                           : (opt_kv){"debezium-json.schema-include", "true"};
  opt_list ol = {&opt, 1};
  fmt_decoder *d = def->decoder_new(&s, &ol);
  fmt_decoder *back = fmt_changelog_json_def.decoder_new(&s, NULL);
  fmt_encoder *enc = fmt_changelog_json_def.encoder_new(&s, NULL);
  if (size) data++, size--;
  char *copy = malloc(size ? size : 1); /* exact-size copy so ASan sees overreads */
  if (size) memcpy(copy, data, size);
  sl_arena a;
  arena_init(&a, 4096);
  sl_buf out = {0};
  size_t pos = 0;
  char why[256];
  bool again = false;
  while (pos < size) {
    sl_value row[9];
    for (int i = 0; i < 9; i++) row[i] = value_null();
    fmt_rec r;
    sl_status st = d->vt->decode(d, copy + pos, size - pos, &r, row, &a, why, sizeof why);
    if (r.consumed == 0 && (!r.again || again)) abort(); /* no progress, or `again` twice */
    again = r.again;
    pos += r.consumed;
    if (st == SL_OK && !r.no_row) {
      out.len = 0;
      enc->vt->encode_change(enc, r.kind, row, &out);
      fmt_rec r2;
      sl_value row2[9];
      for (int i = 0; i < 9; i++) row2[i] = value_null();
      if (back->vt->decode(back, out.data, out.len, &r2, row2, &a, why, sizeof why) != SL_OK ||
          r2.kind != r.kind || r2.consumed != out.len)
        abort(); /* what the encoder writes reads back, with its kind */
    }
    arena_reset(&a);
  }
  buf_free(&out);
  arena_free(&a);
  free(copy);
  d->vt->free(d);
  back->vt->free(back);
  enc->vt->free(enc);
  return 0;
}
