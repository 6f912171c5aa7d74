/* keys.c - packed keys: SQL values written as normalized bytes (equal values give equal bytes,
 * so keys compare with memcmp and hash once), read back with every length checked, and the
 * 64-bit hash over them.
 * Must not touch: the rows it packs (read only) or any map or operator. */
#include <math.h>
#include <string.h>

#include "state.h"

/* Layout of one value: a marker byte (0 NULL, 1 present), then, when present, 8 bytes for the
 * int64 types and BOOLEAN, 8 for FLOAT/DOUBLE (-0.0 as 0.0, every NaN as one NaN), 16 for a
 * DECIMAL's unscaled value (low word, high word), a 4-byte length and the bytes for a STRING.
 * T_NULL has only the marker. Numbers are little-endian as in memory (x86/ARM little-endian
 * hosts only; keys never leave the process, snapshots use the same layout). */
enum { KEY_NULL = 0, KEY_VALUE = 1 };

static size_t value_width(const sl_value *v, sl_type t) {
  if (v->null) return 1;
  switch (t.id) {
  case T_NULL: return 1;
  case T_DECIMAL: return 17;
  case T_STRING: return 5 + (size_t)v->len;
  default: return 9;
  }
}

static char *put_value(char *p, const sl_value *v, sl_type t, bool normalize) {
  if (v->null || t.id == T_NULL) {
    *p++ = v->null ? KEY_NULL : KEY_VALUE;
    return p;
  }
  *p++ = KEY_VALUE;
  switch (t.id) {
  case T_FLOAT:
  case T_DOUBLE: {
    double d = v->u.d;
    if (normalize) {
      if (d == 0) d = 0.0;   /* -0.0 too */
      if (isnan(d)) d = NAN; /* one NaN */
    }
    memcpy(p, &d, 8);
    return p + 8;
  }
  case T_DECIMAL:
    memcpy(p, &v->u.dec.lo, 8);
    memcpy(p + 8, &v->u.dec.hi, 8);
    return p + 16;
  case T_STRING: {
    uint32_t n = v->len;
    memcpy(p, &n, 4);
    if (n) memcpy(p + 4, v->u.s, n);
    return p + 4 + n;
  }
  case T_BOOLEAN: {
    int64_t b = v->u.i != 0;
    memcpy(p, &b, 8);
    return p + 8;
  }
  default: memcpy(p, &v->u.i, 8); return p + 8;
  }
}

void state_key_pack(const sl_value *row, const int *cols, const sl_type *types, int n,
                    sl_buf *out) {
  size_t need = 0;
  for (int i = 0; i < n; i++) {
    int c = cols ? cols[i] : i;
    need += value_width(&row[c], types[c]);
  }
  buf_reserve(out, need);
  char *p = out->data + out->len;
  for (int i = 0; i < n; i++) {
    int c = cols ? cols[i] : i;
    p = put_value(p, &row[c], types[c], true);
  }
  out->len = (size_t)(p - out->data);
}

/* Shared with stream.c: the exact (not normalized) form of a row in a snapshot. */
size_t state_row_width(const sl_value *row, const sl_type *types, int n);
void state_row_write(char *p, const sl_value *row, const sl_type *types, int n);
size_t state_row_read(const uint8_t *p, size_t len, const sl_type *types, int n, sl_value *out);

size_t state_row_width(const sl_value *row, const sl_type *types, int n) {
  size_t need = 0;
  for (int i = 0; i < n; i++) need += value_width(&row[i], types[i]);
  return need;
}

void state_row_write(char *p, const sl_value *row, const sl_type *types, int n) {
  for (int i = 0; i < n; i++) p = put_value(p, &row[i], types[i], false);
}

/* Reads n values; returns the bytes consumed, or 0 when malformed (a row is never 0 bytes
 * unless n is 0, which the callers handle). */
size_t state_row_read(const uint8_t *p, size_t len, const sl_type *types, int n, sl_value *out) {
  const uint8_t *s = p, *end = p + len;
  for (int i = 0; i < n; i++) {
    if (p >= end) return 0;
    uint8_t m = *p++;
    sl_value v = value_null();
    if (m > KEY_VALUE) return 0;
    if (m == KEY_VALUE && types[i].id != T_NULL) {
      v.null = 0;
      switch (types[i].id) {
      case T_FLOAT:
      case T_DOUBLE:
        if (end - p < 8) return 0;
        memcpy(&v.u.d, p, 8);
        p += 8;
        break;
      case T_DECIMAL:
        if (end - p < 16) return 0;
        memcpy(&v.u.dec.lo, p, 8);
        memcpy(&v.u.dec.hi, p + 8, 8);
        p += 16;
        break;
      case T_STRING: {
        uint32_t sn;
        if (end - p < 4) return 0;
        memcpy(&sn, p, 4);
        p += 4;
        if ((size_t)(end - p) < sn) return 0;
        v.u.s = (const char *)p;
        v.len = sn;
        p += sn;
        break;
      }
      case T_BOOLEAN:
        if (end - p < 8) return 0;
        memcpy(&v.u.i, p, 8);
        if (v.u.i != 0 && v.u.i != 1) return 0;
        p += 8;
        break;
      default:
        if (types[i].id >= T__COUNT || end - p < 8) return 0;
        memcpy(&v.u.i, p, 8);
        p += 8;
        break;
      }
    } else if (m == KEY_VALUE) {
      return 0; /* T_NULL is never present */
    }
    out[i] = v;
  }
  return (size_t)(p - s);
}

bool state_key_unpack(const void *key, size_t len, const sl_type *types, int n, sl_value *out) {
  if (n == 0) return len == 0;
  return state_row_read(key, len, types, n, out) == len && len > 0;
}

/* ---- hash: a multiply-fold mixer over 16-byte blocks (in the style of wyhash, written for
 * sluice). Each block is folded by one 64x64->128 multiply; the length seeds the state. ---- */
#define H_K0 0xa0761d6478bd642full
#define H_K1 0xe7037ed1a0b428dbull
#define H_K2 0x8ebc6af09c88c6e3ull
#define H_K3 0x589965cc75374cc3ull

static inline uint64_t h_fold(uint64_t a, uint64_t b) {
  unsigned __int128 r = (unsigned __int128)a * b;
  return (uint64_t)r ^ (uint64_t)(r >> 64);
}
static inline uint64_t h_r64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}
static inline uint64_t h_r32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

uint64_t state_hash(const void *data, size_t n) {
  const uint8_t *p = data;
  uint64_t seed = H_K0 ^ h_fold((uint64_t)n ^ H_K1, H_K2);
  uint64_t a, b;
  if (n <= 16) {
    if (n >= 4) {
      /* two overlapping 4-byte reads from each end cover 4..16 bytes */
      a = (h_r32(p) << 32) | h_r32(p + ((n >> 3) << 2));
      b = (h_r32(p + n - 4) << 32) | h_r32(p + n - 4 - ((n >> 3) << 2));
    } else if (n > 0) {
      a = ((uint64_t)p[0] << 16) | ((uint64_t)p[n >> 1] << 8) | p[n - 1];
      b = 0;
    } else {
      a = b = 0;
    }
  } else {
    size_t i = n;
    uint64_t s1 = seed, s2 = seed ^ H_K3;
    while (i > 32) {
      s1 = h_fold(h_r64(p) ^ H_K1, h_r64(p + 8) ^ s1);
      s2 = h_fold(h_r64(p + 16) ^ H_K2, h_r64(p + 24) ^ s2);
      p += 32;
      i -= 32;
    }
    seed = s1 ^ s2;
    if (i > 16) {
      seed = h_fold(h_r64(p) ^ H_K1, h_r64(p + 8) ^ seed);
      p += 16;
      i -= 16;
    }
    /* the last 16 bytes, overlapping what came before */
    a = h_r64(p + i - 16);
    b = h_r64(p + i - 8);
  }
  a ^= H_K1;
  b ^= seed;
  unsigned __int128 r = (unsigned __int128)a * b;
  a = (uint64_t)r;
  b = (uint64_t)(r >> 64);
  return h_fold(a ^ H_K0 ^ (uint64_t)n, b ^ H_K1);
}
