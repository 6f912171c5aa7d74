/* fuzz_csv.c - libFuzzer target: the CSV decoder over arbitrary bytes, with the first byte
 * choosing header mode, delimiter and NULL literal. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  static const char *names[] = {"a", "b", "c", "d"};
  sl_type types[4] = {type_make(T_BIGINT), type_make(T_STRING), type_decimal(10, 2),
                      type_make(T_TIMESTAMP)};
  fmt_schema s = {4, names, types, NULL, 0, NULL};
  uint8_t mode = data[0];
  opt_kv opts[3] = {{"csv.header", mode & 1 ? "true" : "false"},
                    {"csv.field-delimiter", mode & 2 ? ";" : ","},
                    {"csv.null-literal", mode & 4 ? "\\N" : ""}};
  opt_list ol = {opts, mode & 4 ? 3 : 2};
  fmt_decoder *d = fmt_csv_def.decoder_new(&s, &ol);
  fmt_encoder *enc = fmt_csv_def.encoder_new(&s, &ol);
  d->vt->file_start(d);
  size -= 1;
  char *copy = malloc(size ? size : 1);
  if (size) memcpy(copy, data + 1, size);
  sl_arena a;
  arena_init(&a, 4096);
  sl_buf out = {0};
  size_t pos = 0;
  char why[256];
  while (pos < size) {
    sl_value row[4];
    for (int i = 0; i < 4; i++) row[i] = value_null();
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
