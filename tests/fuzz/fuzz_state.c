/* fuzz_state.c - libFuzzer target: the state byte formats over arbitrary bytes: a snapshot
 * stream (header, CRC, records, rows), a packed key of every type, and aggregate blocks restored
 * from bytes (every aggregate form, DISTINCT, append-only and updating). A restored block must
 * then work (add, result, snapshot) and give back every byte. Must never crash or leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agg/agg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const sl_type *all_types(int *n) {
  static sl_type t[12];
  t[0] = type_make(T_BOOLEAN), t[1] = type_make(T_INT), t[2] = type_make(T_BIGINT);
  t[3] = type_make(T_FLOAT), t[4] = type_make(T_DOUBLE), t[5] = type_decimal(12, 3);
  t[6] = type_make(T_STRING), t[7] = type_make(T_DATE), t[8] = type_make(T_TIMESTAMP);
  t[9] = type_make(T_TIMESTAMP_LTZ), t[10] = type_make(T_INTERVAL), t[11] = type_make(T_NULL);
  *n = 12;
  return t;
}

static void fuzz_stream(const uint8_t *p, size_t n) {
  int nt;
  const sl_type *t = all_types(&nt);
  state_reader r = {0};
  sl_arena a;
  arena_init(&a, 1024);
  uint32_t v;
  if (state_reader_open(&r, p, n, "fz", &v)) {
    r.strings = v & 1 ? &a : NULL;
    while (!r.bad && r.p < r.end) {
      sl_value row[12];
      switch (state_get_u64(&r) % 4) {
      case 0: state_get_i64(&r); break;
      case 1: {
        size_t len;
        const char *b = state_get_bytes(&r, &len);
        if (b && len && (b[0] == 0 || b[len - 1] == 0)) abort(); /* touch both ends */
        break;
      }
      default:
        if (state_get_row(&r, row, t, nt))
          for (int i = 0; i < nt; i++)
            if (!row[i].null && t[i].id == T_STRING && row[i].len) (void)row[i].u.s[row[i].len - 1];
      }
    }
  }
  arena_free(&a);
}

static void fuzz_key(const uint8_t *p, size_t n) {
  int nt;
  const sl_type *t = all_types(&nt);
  sl_value row[12];
  for (int k = 1; k <= nt; k++)
    if (state_key_unpack(p, n, t + (nt - k), k, row)) {
      /* a key that reads back packs again (to the same bytes but for -0.0 and NaNs) */
      sl_buf b = {0};
      state_key_pack(row, NULL, t + (nt - k), k, &b);
      if (b.len != n) abort();
      buf_free(&b);
    }
}

static void fuzz_agg(const uint8_t *p, size_t n, bool retract) {
  sl_type st = type_make(T_STRING), it = type_make(T_INT), dt = type_decimal(10, 2);
  sl_type db = type_make(T_DOUBLE);
  agg_spec c[] = {
      {AGG_COUNT_STAR, -1, -1, false, it, type_make(T_BIGINT), NULL, 0},
      {AGG_COUNT, 0, -1, true, st, type_make(T_BIGINT), NULL, 0},
      {AGG_SUM, 1, 3, false, it, it, NULL, 0},
      {AGG_AVG, 2, -1, true, dt, type_decimal(38, 6), NULL, 0},
      {AGG_MIN, 0, -1, false, st, st, NULL, 0},
      {AGG_MAX, 2, -1, false, dt, dt, NULL, 0},
      {AGG_STDDEV_SAMP, 2, -1, false, dt, type_decimal(38, 6), NULL, 0},
      {AGG_VAR_POP, 4, -1, false, db, db, NULL, 0},
      {AGG_VAR_SAMP, 1, -1, false, it, it, NULL, 0},
      {AGG_FIRST_VALUE, 0, -1, false, st, st, NULL, 0},
      {AGG_LAST_VALUE, 0, -1, true, st, st, NULL, 0},
      {AGG_LISTAGG, 0, -1, false, st, st, "--", 2},
      {AGG_LISTAGG, 0, 3, true, st, st, NULL, 0},
  };
  int nc = (int)(sizeof c / sizeof c[0]);
  state_alloc al;
  state_alloc_init(&al, "fz", 1 << 20);
  agg_set *s = agg_set_new(c, nc, &al, retract);
  void *acc = malloc(agg_set_size(s));
  agg_init(s, acc);
  state_reader r = {0};
  r.p = p;
  r.end = p + n;
  if (agg_restore(s, acc, &r)) {
    sl_value row[5] = {value_str("x", 1), value_int(3), value_decimal(1234), value_int(1),
                       value_double(2.5)};
    sl_error e;
    agg_add(s, acc, row, &e);
    if (retract) agg_retract(s, acc, row, &e);
    sl_value out[13];
    sl_arena a;
    arena_init(&a, 1024);
    agg_result(s, acc, out, &a);
    arena_free(&a);
    sl_buf b = {0};
    agg_snapshot(s, acc, &b);
    buf_free(&b);
  }
  agg_release(s, acc); /* a failed restore leaves a block that must still release */
  if (al.bytes != 0) abort();
  free(acc);
  agg_set_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *copy = calloc(size ? size : 1, 1); /* exact-size copy so ASan sees overreads */
  if (size) memcpy(copy, data, size);
  fuzz_stream(copy, size);
  fuzz_key(copy, size);
  if (size) fuzz_agg(copy + 1, size - 1, copy[0] & 1);
  free(copy);
  return 0;
}
