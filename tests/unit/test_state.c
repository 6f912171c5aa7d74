/* test_state.c - state/: packed keys (round trip, normalization), the hash map against a naive
 * array (inserts, removes, iteration with removal, bytes back to 0), the snapshot stream (round
 * trip, truncation and bit flips rejected). */
#include <math.h>
#include <stdlib.h>

#include "state/state.h"
#include "unit.h"

static sl_value dec_v(__int128 x) { return value_decimal(x); }

TEST(state_key_round_trip_every_type) {
  sl_type t[] = {type_make(T_BOOLEAN),       type_make(T_INT),      type_make(T_BIGINT),
                 type_make(T_FLOAT),         type_make(T_DOUBLE),   type_decimal(38, 4),
                 type_make(T_STRING),        type_make(T_DATE),     type_make(T_TIMESTAMP),
                 type_make(T_TIMESTAMP_LTZ), type_make(T_INTERVAL), type_make(T_STRING),
                 type_make(T_NULL),          type_make(T_BIGINT)};
  int n = (int)(sizeof t / sizeof t[0]);
  static const char nul_str[] = {'a', 0, 'b', 0};
  sl_value row[14] = {value_int(1),
                      value_int(-7),
                      value_int(INT64_MIN),
                      value_double(1.5),
                      value_double(-2.25e300),
                      dec_v(-((__int128)1 << 100) - 12345),
                      value_str(nul_str, 4),
                      value_int(-1),
                      value_int(1700000000123),
                      value_int(42),
                      value_int(86400000),
                      value_str("", 0),
                      value_null(),
                      value_null()};
  sl_buf b = {0};
  state_key_pack(row, NULL, t, n, &b);
  sl_value out[14];
  CHECK(state_key_unpack(b.data, b.len, t, n, out));
  for (int i = 0; i < n; i++) {
    CHECK(out[i].null == row[i].null);
    if (!row[i].null && t[i].id != T_NULL) CHECK(value_compare(&out[i], &row[i], t[i]) == 0);
  }
  CHECK(out[6].len == 4 && memcmp(out[6].u.s, nul_str, 4) == 0);
  /* truncated or extended bytes are malformed */
  for (size_t k = 0; k < b.len; k++) CHECK(!state_key_unpack(b.data, k, t, n, out));
  buf_put(&b, "x", 1);
  CHECK(!state_key_unpack(b.data, b.len, t, n, out));
  /* a column subset through cols */
  int cols[] = {6, 2};
  sl_type t2[] = {type_make(T_STRING), type_make(T_BIGINT)};
  b.len = 0;
  state_key_pack(row, cols, t, 2, &b); /* types are the row's, indexed by column */
  CHECK(state_key_unpack(b.data, b.len, t2, 2, out));
  CHECK(out[0].len == 4 && out[1].u.i == INT64_MIN);
  buf_free(&b);
}

static bool pack_equal(sl_value a, sl_value b, sl_type t) {
  sl_buf x = {0}, y = {0};
  state_key_pack(&a, NULL, &t, 1, &x);
  state_key_pack(&b, NULL, &t, 1, &y);
  bool eq = x.len == y.len && memcmp(x.data, y.data, x.len) == 0 &&
            state_hash(x.data, x.len) == state_hash(y.data, y.len);
  buf_free(&x);
  buf_free(&y);
  return eq;
}

TEST(state_key_equal_values_pack_equal) {
  sl_type d = type_make(T_DOUBLE), s = type_make(T_STRING), i = type_make(T_BIGINT);
  CHECK(pack_equal(value_double(0.0), value_double(-0.0), d));
  CHECK(pack_equal(value_double(NAN), value_double(-NAN), d));
  CHECK(pack_equal(value_double(NAN), value_double(sqrt(-1.0)), d));
  CHECK(!pack_equal(value_double(1.0), value_double(-1.0), d));
  CHECK(pack_equal(value_null(), value_null(), s));
  CHECK(!pack_equal(value_null(), value_str("", 0), s));
  CHECK(!pack_equal(value_str("ab", 2), value_str("ab\0", 3), s));
  CHECK(!pack_equal(value_null(), value_int(0), i));
  sl_value n1 = value_null(), n2 = value_null();
  n2.u.i = 99; /* garbage payload under a NULL does not matter */
  CHECK(pack_equal(n1, n2, i));
  /* two string columns: ("a","bc") and ("ab","c") must differ */
  sl_type ss[] = {s, s};
  sl_value r1[] = {value_str("a", 1), value_str("bc", 2)},
           r2[] = {value_str("ab", 2), value_str("c", 1)};
  sl_buf x = {0}, y = {0};
  state_key_pack(r1, NULL, ss, 2, &x);
  state_key_pack(r2, NULL, ss, 2, &y);
  CHECK(x.len != y.len || memcmp(x.data, y.data, x.len) != 0);
  buf_free(&x);
  buf_free(&y);
}

TEST(state_hash_spreads) {
  /* every length 0..64 hashes differently for related inputs, and low bits are used */
  char buf[64] = {0};
  uint64_t seen[65];
  for (int n = 0; n <= 64; n++) {
    seen[n] = state_hash(buf, (size_t)n);
    for (int k = 0; k < n; k++) CHECK(seen[k] != seen[n]);
  }
  int buckets[16] = {0};
  for (int64_t k = 0; k < 16000; k++) buckets[state_hash(&k, 8) & 15]++;
  for (int j = 0; j < 16; j++) CHECK(buckets[j] > 800 && buckets[j] < 1200);
  /* a flipped bit anywhere changes the hash */
  char a[40];
  for (int j = 0; j < 40; j++) a[j] = (char)j;
  uint64_t h = state_hash(a, 40);
  for (int bit = 0; bit < 320; bit++) {
    a[bit / 8] ^= (char)(1 << (bit % 8));
    CHECK(state_hash(a, 40) != h);
    a[bit / 8] ^= (char)(1 << (bit % 8));
  }
}

static uint64_t rnd_state;
static uint64_t rnd(void) {
  rnd_state ^= rnd_state << 13;
  rnd_state ^= rnd_state >> 7;
  rnd_state ^= rnd_state << 17;
  return rnd_state;
}

TEST(state_map_against_naive_array) {
  rnd_state = 0x5eed1234;
  state_alloc al;
  state_alloc_init(&al, "test", 0);
  state_map m;
  state_map_init(&m, &al, 12);
  enum { K = 100000 };
  int64_t *naive = calloc(K, sizeof *naive); /* value+1 per key id, 0 = absent */
  size_t present = 0;
  char key[32];
  for (int step = 0; step < 300000; step++) {
    int id = (int)(rnd() % K);
    /* keys of varying length: "k<id>" padded by id % 17 */
    int kl = snprintf(key, sizeof key, "k%d", id);
    for (int p = 0; p < id % 17; p++) key[kl++] = (char)('a' + p);
    uint64_t h = state_hash(key, (size_t)kl);
    int op = (int)(rnd() % 3);
    if (op < 2) {
      bool created;
      state_entry *e = state_map_upsert(&m, key, (size_t)kl, h, &created);
      CHECK(e != NULL);
      CHECK(created == (naive[id] == 0));
      int64_t *v = state_entry_val(e);
      if (created) {
        CHECK(v[0] == 0);
        present++;
      } else {
        CHECK(v[0] == naive[id]);
      }
      v[0] = step + 1;
      naive[id] = step + 1;
      CHECK(memcmp(state_entry_key(e, &m), key, (size_t)kl) == 0);
    } else {
      state_entry *e = state_map_find(&m, key, (size_t)kl, h);
      CHECK((e != NULL) == (naive[id] != 0));
      if (e) {
        CHECK(*(int64_t *)state_entry_val(e) == naive[id]);
        state_map_remove(&m, e);
        naive[id] = 0;
        present--;
      }
    }
    CHECK(m.n == present);
  }
  /* iteration sees every present key once; remove every other entry while iterating */
  size_t it = 0, seen = 0, removed = 0;
  state_entry *e;
  while ((e = state_map_next(&m, &it))) {
    seen++;
    if (seen % 2) {
      state_map_remove(&m, e);
      removed++;
    }
  }
  CHECK(seen == present);
  CHECK(m.n == present - removed);
  it = 0;
  seen = 0;
  while ((e = state_map_next(&m, &it))) {
    seen++;
    state_map_remove(&m, e); /* remove all while iterating */
  }
  CHECK(seen == present - removed);
  CHECK(m.n == 0);
  CHECK(al.bytes == 0);
  CHECK(al.peak > 0);
  /* state_map_free releases what is left */
  bool created;
  for (int64_t k = 0; k < 1000; k++) state_map_upsert(&m, &k, 8, state_hash(&k, 8), &created);
  CHECK(m.n == 1000 && al.bytes > 0);
  state_map_free(&m);
  CHECK(al.bytes == 0);
  free(naive);
}

/* Entries from an arena (a window slice's map): the same answers as the naive array through
 * inserts, removals (unlink only) and a reserve; the bytes go back only with the arena. */
TEST(state_map_arena_entries_and_reserve) {
  rnd_state = 0xa7e4a;
  state_alloc al;
  state_alloc_init(&al, "test", 0);
  state_arena ar;
  state_arena_init(&ar, &al, 4096);
  state_map m;
  state_map_init(&m, &al, 8);
  state_map_use_arena(&m, &ar);
  CHECK(state_map_reserve(&m, 3000));
  size_t cap = m.cap;
  CHECK(cap >= 4000);
  enum { K = 5000 };
  int64_t naive[K] = {0};
  size_t present = 0;
  for (int step = 0; step < 20000; step++) {
    int64_t id = (int64_t)(rnd() % K);
    uint64_t h = state_hash(&id, 8);
    if (rnd() % 3 < 2) {
      bool created;
      state_entry *e = state_map_upsert(&m, &id, 8, h, &created);
      CHECK(e != NULL && created == (naive[id] == 0));
      int64_t *v = state_entry_val(e);
      CHECK(*v == (created ? 0 : naive[id]));
      *v = naive[id] = step + 1;
      if (created) present++;
    } else {
      state_entry *e = state_map_find(&m, &id, 8, h);
      CHECK((e != NULL) == (naive[id] != 0));
      if (e) {
        state_map_remove(&m, e);
        naive[id] = 0;
        present--;
      }
    }
    CHECK(m.n == present);
  }
  for (int64_t id = 0; id < K; id++) {
    state_entry *e = state_map_find(&m, &id, 8, state_hash(&id, 8));
    CHECK((e != NULL) == (naive[id] != 0));
    if (e) CHECK(*(int64_t *)state_entry_val(e) == naive[id]);
  }
  CHECK(state_map_reserve(&m, m.n)); /* already room: no rebuild */
  state_map_free(&m);
  CHECK(al.bytes > 0); /* the entries are the arena's */
  state_arena_free(&ar);
  CHECK(al.bytes == 0);
}

TEST(state_map_limit_returns_null) {
  state_alloc al;
  state_alloc_init(&al, "test", 4096);
  state_map m;
  state_map_init(&m, &al, 64);
  bool created = false;
  int64_t k = 0;
  state_entry *e;
  while ((e = state_map_upsert(&m, &k, 8, state_hash(&k, 8), &created))) k++;
  CHECK(k > 0 && k < 100);
  CHECK(al.bytes <= 4096);
  state_map_free(&m);
  CHECK(al.bytes == 0);
}

static void make_stream(sl_buf *b) {
  sl_type t[] = {type_make(T_BIGINT), type_make(T_STRING), type_decimal(20, 2), type_make(T_DOUBLE),
                 type_make(T_BOOLEAN)};
  sl_value row[] = {value_int(-5), value_str("hello\0x", 7), dec_v(123456), value_double(-0.0),
                    value_null()};
  state_put_header(b, "group", 3);
  state_put_u64(b, 0xdeadbeefcafeull);
  state_put_i64(b, -42);
  state_put_bytes(b, "abc", 3);
  state_put_row(b, row, t, 5);
  state_put_bytes(b, "", 0);
  state_put_end(b);
}

static bool read_stream(const void *p, size_t n, sl_arena *strings) {
  sl_type t[] = {type_make(T_BIGINT), type_make(T_STRING), type_decimal(20, 2), type_make(T_DOUBLE),
                 type_make(T_BOOLEAN)};
  state_reader r = {0};
  r.strings = strings;
  uint32_t ver;
  if (!state_reader_open(&r, p, n, "group", &ver)) return false;
  bool ok = ver == 3;
  ok &= state_get_u64(&r) == 0xdeadbeefcafeull;
  ok &= state_get_i64(&r) == -42;
  size_t bn;
  const char *bp = state_get_bytes(&r, &bn);
  ok &= !r.bad && bn == 3 && memcmp(bp, "abc", 3) == 0;
  sl_value row[5];
  ok &= state_get_row(&r, row, t, 5);
  ok &= row[0].u.i == -5 && row[1].len == 7 && memcmp(row[1].u.s, "hello\0x", 7) == 0;
  ok &= value_dec(&row[2]) == 123456 && signbit(row[3].u.d) && row[3].u.d == 0 && row[4].null;
  if (strings)
    ok &= !((const char *)row[1].u.s >= (const char *)p &&
            (const char *)row[1].u.s < (const char *)p + n);
  state_get_bytes(&r, &bn);
  ok &= bn == 0;
  ok &= !r.bad && r.p == r.end;
  return ok;
}

TEST(state_stream_round_trip_and_rejects) {
  sl_buf b = {0};
  make_stream(&b);
  sl_arena a;
  arena_init(&a, 1024);
  CHECK(read_stream(b.data, b.len, NULL));
  CHECK(read_stream(b.data, b.len, &a));
  state_reader r = {0};
  uint32_t v;
  CHECK(!state_reader_open(&r, b.data, b.len, "window", &v) && r.bad);
  /* every truncation fails */
  for (size_t k = 0; k < b.len; k++) CHECK(!read_stream(b.data, k, NULL));
  /* every single bit flip fails (the CRC catches it) */
  for (size_t bit = 0; bit < b.len * 8; bit++) {
    b.data[bit / 8] ^= (char)(1 << (bit % 8));
    CHECK(!read_stream(b.data, b.len, NULL));
    b.data[bit / 8] ^= (char)(1 << (bit % 8));
  }
  /* reads past the end of a valid stream set bad and return zeros */
  CHECK(state_reader_open(&r, b.data, b.len, "group", &v));
  r.p = r.end - 2;
  CHECK(state_get_u64(&r) == 0 && r.bad);
  size_t n;
  CHECK(state_get_bytes(&r, &n) == NULL && n == 0);
  arena_free(&a);
  buf_free(&b);
}
