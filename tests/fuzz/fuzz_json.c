/* fuzz_json.c - libFuzzer target: the JSON lines decoder over arbitrary bytes with a schema of
 * every type; also re-encodes decoded rows. Must never crash, hang or read out of bounds. */
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
  opt_kv opt = {"json.ignore-parse-errors", size && data[0] & 1 ? "true" : "false"};
  opt_list ol = {&opt, 1};
  fmt_decoder *d = fmt_json_def.decoder_new(&s, &ol);
  fmt_encoder *enc = fmt_json_def.encoder_new(&s, NULL);
  char *copy = malloc(size ? size : 1); /* exact-size copy so ASan sees overreads */
  if (size) memcpy(copy, data, size);
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
  free(copy);
  d->vt->free(d);
  enc->vt->free(enc);
  return 0;
}
