/* fuzz_pgoutput.c - libFuzzer target: the pgoutput decoder of the postgres-cdc source over
 * arbitrary messages. The input is a sequence of messages, each a 2-byte big-endian length and
 * its bytes (the payloads of XLogData), decoded in order by one decoder whose declared columns
 * cover every type, for the table public.t. A message gives at most two rows, and a row's
 * strings must be readable. Must never crash, hang, leak or read out of bounds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "connector/pgcdc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *names[] = {"id", "s", "n", "d", "ts", "b", "i", "dt", "tz", "f"};
  sl_type types[10] = {type_make(T_BIGINT), type_make(T_STRING),    type_decimal(12, 3),
                       type_make(T_DOUBLE), type_make(T_TIMESTAMP), type_make(T_BOOLEAN),
                       type_make(T_INT),    type_make(T_DATE),      type_make(T_TIMESTAMP_LTZ),
                       type_make(T_FLOAT)};
  pgo_dec d;
  pgo_init(&d, 10, names, types, "public", "t");
  sl_arena a;
  arena_init(&a, 4096);
  sl_value rows[2][10];
  char why[600];
  size_t pos = 0;
  while (pos + 2 <= size) {
    size_t n = (size_t)data[pos] << 8 | data[pos + 1];
    pos += 2;
    if (n > size - pos) n = size - pos;
    uint8_t *msg = malloc(n ? n : 1); /* exact size so ASan sees overreads */
    if (n) memcpy(msg, data + pos, n);
    pos += n;
    pgo_out out = {0};
    out.row[0] = rows[0];
    out.row[1] = rows[1];
    sl_status st = pgo_decode(&d, msg, n, &out, &a, why, sizeof why);
    if (st == SL_OK) {
      if (out.nrows < 0 || out.nrows > 2) abort();
      for (int r = 0; r < out.nrows; r++)
        for (int c = 0; c < 10; c++)
          if (!rows[r][c].null && types[c].id == T_STRING && rows[r][c].len &&
              rows[r][c].u.s[rows[r][c].len - 1] == (char)0xff && rows[r][c].u.s[0] == 0x7f)
            why[0] = 0; /* touch both ends of every string */
    } else if (strlen(why) == 0) {
      abort(); /* every failure says why */
    }
    free(msg);
    arena_reset(&a);
  }
  pgo_free(&d);
  arena_free(&a);
  return 0;
}
