/* test_agg.c - agg/: every aggregate against a naive recomputation over random rows (seeded,
 * the seed printed on failure) with random retractions of earlier rows, FILTER and DISTINCT;
 * merge of split slices equals the whole; snapshot/restore mid-stream continues exactly; Flink's
 * result types; fixed values for STDDEV/VAR and DECIMAL rounding; memory back to 0. */
#include <math.h>
#include <stdlib.h>

#include "agg/agg.h"
#include "unit.h"

static uint64_t rs;
static uint64_t rnd(void) {
  rs ^= rs << 13;
  rs ^= rs >> 7;
  rs ^= rs << 17;
  return rs;
}
static int64_t rint_(int64_t lo, int64_t hi) {
  return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1));
}

static const char *const strs[] = {"", "a", "b", "ab", "zz", "a\0b", "\xc3\xa9t\xc3\xa9", "b"};

/* A random argument value of type t (NULL about one time in seven). */
static sl_value rand_val(sl_type t) {
  if (rnd() % 7 == 0) return value_null();
  switch (t.id) {
  case T_INT: return value_int(rnd() % 10 == 0 ? (int32_t)rnd() : rint_(-40, 40));
  case T_BIGINT: return value_int(rnd() % 10 == 0 ? (int64_t)rnd() : rint_(-40, 40));
  case T_DOUBLE: return value_double((double)rint_(-400, 400) / 4);
  case T_DECIMAL: return value_decimal(rint_(-100000, 100000));
  case T_STRING: {
    int i = (int)(rnd() % 8);
    return value_str(strs[i], i == 5 ? 3 : strlen(strs[i]));
  }
  default: return value_int(rint_(1700000000000, 1700000100000)); /* TIMESTAMP */
  }
}

typedef struct row {
  sl_value v[2]; /* argument, filter */
  bool live;
} row;

static bool passes(const agg_spec *sp, const row *r) {
  if (sp->filter >= 0 && (r->v[1].null || !r->v[1].u.i)) return false;
  return sp->arg < 0 || !r->v[0].null;
}

static bool same(const sl_value *a, const sl_value *b, sl_type t) {
  if (a->null || b->null) return a->null == b->null;
  if (t.id == T_STRING) return a->len == b->len && !memcmp(a->u.s, b->u.s, a->len);
  if (t.id == T_DOUBLE || t.id == T_FLOAT)
    return a->u.d == b->u.d || (isnan(a->u.d) && isnan(b->u.d)) ||
           fabs(a->u.d - b->u.d) <= 1e-9 * fabs(b->u.d);
  return value_compare(a, b, t) == 0;
}

/* The values an aggregate sees from the live rows in arrival order (DISTINCT: the first of
 * each value; used where no retraction happened). */
static int naive_vals(const agg_spec *sp, const row *rows, int n, const sl_value **vals) {
  int m = 0;
  for (int i = 0; i < n; i++) {
    if (!rows[i].live || !passes(sp, &rows[i])) continue;
    if (sp->distinct && sp->arg >= 0) {
      bool dup = false;
      for (int j = 0; j < m && !dup; j++) dup = same(vals[j], &rows[i].v[0], sp->arg_type);
      if (dup) continue;
    }
    vals[m++] = &rows[i].v[0];
  }
  return m;
}

/* The naive result over the values, as Flink defines each aggregate. */
static sl_value naive(const agg_spec *sp, const sl_value **vals, int m, sl_buf *sbuf) {
  int k = sp->kind, t = sp->arg_type.id;
  if (k == AGG_COUNT_STAR || k == AGG_COUNT) return value_int(m);
  if (m == 0) return value_null();
  if (k == AGG_SUM || k == AGG_AVG) {
    if (t == T_DOUBLE) {
      double s = 0;
      for (int i = 0; i < m; i++) s += vals[i]->u.d;
      return value_double(k == AGG_AVG ? s / m : s);
    }
    if (t == T_DECIMAL) {
      __int128 s = 0, r;
      for (int i = 0; i < m; i++) s += value_dec(vals[i]);
      if (k == AGG_SUM) return value_decimal(s);
      CHECK(dec_div(s, sp->arg_type.scale, m, 0, 38, sp->type.scale, &r));
      return value_decimal(r);
    }
    uint64_t s = 0;
    for (int i = 0; i < m; i++) s += (uint64_t)vals[i]->u.i;
    if (k == AGG_SUM) return value_int(t == T_INT ? (int32_t)s : (int64_t)s);
    return value_int(t == T_INT ? (int32_t)((int64_t)s / m) : (int64_t)s / m);
  }
  if (k == AGG_MIN || k == AGG_MAX) {
    const sl_value *b = vals[0];
    for (int i = 1; i < m; i++) {
      int c = value_compare(vals[i], b, sp->arg_type);
      if (k == AGG_MIN ? c < 0 : c > 0) b = vals[i];
    }
    return *b;
  }
  if (k == AGG_FIRST_VALUE) return *vals[0];
  if (k == AGG_LAST_VALUE) return *vals[m - 1];
  if (k == AGG_LISTAGG) {
    sbuf->len = 0;
    for (int i = 0; i < m; i++) {
      if (i) buf_put(sbuf, sp->sep ? sp->sep : ",", sp->sep ? sp->seplen : 1);
      buf_put(sbuf, vals[i]->u.s, vals[i]->len);
    }
    buf_putc(sbuf, 0);
    return value_str(sbuf->data, sbuf->len - 1);
  }
  /* STDDEV/VAR: written out again from Flink's rewrite */
  bool samp = k == AGG_STDDEV_SAMP || k == AGG_VAR_SAMP;
  bool root = k == AGG_STDDEV_POP || k == AGG_STDDEV_SAMP;
  if (samp && m == 1) return value_null();
  int64_t den = samp ? m - 1 : m;
  if (t == T_DOUBLE) {
    double s = 0, q = 0;
    for (int i = 0; i < m; i++) s += vals[i]->u.d, q += vals[i]->u.d * vals[i]->u.d;
    double v = (q - s * s / m) / den;
    return value_double(root ? pow(v, 0.5) : v);
  }
  if (t == T_DECIMAL) { /* DECIMAL(10,2): result scale 6, products at scale 6 */
    __int128 s = 0, q = 0, x6, sq, s6, s2, avg, diff, res, out;
    for (int i = 0; i < m; i++) {
      x6 = value_dec(vals[i]) * 10000;
      CHECK(dec_mul(x6, 6, x6, 6, 38, 6, &sq));
      q += sq;
      s += value_dec(vals[i]);
    }
    s6 = s * 10000;
    CHECK(dec_mul(s6, 6, s6, 6, 38, 6, &s2));
    CHECK(dec_div(s2, 6, m, 0, 38, 6, &avg));
    diff = q - avg;
    CHECK(dec_div(diff, 6, den, 0, 38, 6, &res));
    if (!root) return value_decimal(res);
    CHECK(dec_from_double(pow(dec_to_double(res, 6), 0.5), 38, 6, &out));
    return value_decimal(out);
  }
  int64_t s = 0, q = 0;
  for (int i = 0; i < m; i++) {
    int64_t x = vals[i]->u.i, xx = (int64_t)((uint64_t)x * (uint64_t)x);
    if (t == T_INT) {
      s = (int32_t)(uint32_t)((uint64_t)s + (uint64_t)x);
      q = (int32_t)(uint32_t)((uint64_t)q + (uint64_t)(int32_t)xx);
    } else {
      s = (int64_t)((uint64_t)s + (uint64_t)x);
      q = (int64_t)((uint64_t)q + (uint64_t)xx);
    }
  }
  int64_t s2 = (int64_t)((uint64_t)s * (uint64_t)s);
  if (t == T_INT) s2 = (int32_t)s2;
  int64_t v = (int64_t)((uint64_t)q - (uint64_t)(s2 / m)) / den;
  if (!root) return value_int(t == T_INT ? (int32_t)v : v);
  double d = pow((double)v, 0.5);
  if (isnan(d)) return value_int(0);
  if (t == T_INT) return value_int(d >= 2147483647.0 ? INT32_MAX : (int64_t)d);
  return value_int(d >= 9223372036854775807.0 ? INT64_MAX : (int64_t)d);
}

static const agg_def *def_of(int kind) {
  int n;
  const agg_def *d = agg_table(&n);
  for (int i = 0; i < n; i++)
    if (d[i].kind == kind || (kind == AGG_COUNT_STAR && d[i].kind == AGG_COUNT)) return &d[i];
  return NULL;
}

static agg_spec make_spec(int kind, sl_type t, bool distinct, bool filter) {
  agg_spec sp = {0};
  sp.kind = kind;
  sp.arg = kind == AGG_COUNT_STAR ? -1 : 0;
  sp.filter = filter ? 1 : -1;
  sp.distinct = distinct;
  sp.arg_type = t;
  if (kind == AGG_LISTAGG && distinct) sp.sep = "|", sp.seplen = 1;
  const char *msg = def_of(kind)->result_type(&t, 1, &sp.type);
  CHECK(msg == NULL);
  return sp;
}

/* Restores `acc` from a snapshot of itself into a fresh block, which then replaces it. */
static void snap_swap(const agg_set *s, void *acc, state_alloc *al) {
  sl_buf b = {0};
  state_put_header(&b, "aggtest", 1);
  agg_snapshot(s, acc, &b);
  state_put_end(&b);
  void *fresh = malloc(agg_set_size(s));
  agg_init(s, fresh);
  state_reader r = {0};
  uint32_t v;
  CHECK(state_reader_open(&r, b.data, b.len, "aggtest", &v));
  CHECK(agg_restore(s, fresh, &r));
  CHECK(r.p == r.end);
  agg_release(s, acc);
  memcpy(acc, fresh, agg_set_size(s));
  free(fresh);
  buf_free(&b);
  (void)al;
}

/* One random run: rows added (and, on updating input, earlier rows retracted), the result
 * checked against the naive one after every step; a snapshot/restore now and then; at the end
 * the same rows split into slices merged in order must give the same result. */
static int run_case(int kind, sl_type t, bool distinct, bool filter, bool retract, uint64_t seed) {
  rs = seed;
  int before = unit_failures;
  agg_spec sp = make_spec(kind, t, distinct, filter);
  state_alloc al;
  state_alloc_init(&al, "aggtest", 0);
  agg_set *s = agg_set_new(&sp, 1, &al, retract);
  CHECK(agg_set_count(s) == 1);
  if (retract) CHECK(agg_set_retracts(s));
  void *acc = malloc(agg_set_size(s));
  agg_init(s, acc);
  enum { N = 300 };
  row rows[N];
  int n = 0;
  sl_error e;
  sl_arena strings;
  arena_init(&strings, 4096);
  sl_buf nb = {0};
  /* DISTINCT: each value enters the aggregate when its count goes 0 -> 1 and leaves at 1 -> 0
   * (Flink's distinct accumulator), so the order is that of entering */
  const sl_value *dord[N], *vals[N];
  int dcnt[N], dn = 0;
  for (int step = 0; step < N; step++) {
    bool ret = retract && n > 0 && rnd() % 3 == 0;
    if (ret) {
      int j = (int)(rnd() % (uint64_t)n);
      if (!rows[j].live) continue;
      CHECK(agg_retract(s, acc, rows[j].v, &e) == SL_OK);
      /* the accumulator drops the earliest equal value: so does the naive list */
      int drop = j;
      if (passes(&sp, &rows[j]))
        for (int i = 0; i < n; i++)
          if (rows[i].live && passes(&sp, &rows[i]) &&
              (sp.arg < 0 || same(&rows[i].v[0], &rows[j].v[0], t))) {
            drop = i;
            break;
          }
      rows[drop].live = false;
      for (int i = 0; sp.distinct && passes(&sp, &rows[j]) && i < dn; i++)
        if (same(dord[i], &rows[j].v[0], t)) {
          if (--dcnt[i] == 0) {
            memmove(&dord[i], &dord[i + 1], (size_t)(dn - i - 1) * sizeof *dord);
            memmove(&dcnt[i], &dcnt[i + 1], (size_t)(dn - i - 1) * sizeof *dcnt);
            dn--;
          }
          break;
        }
    } else {
      row *r = &rows[n++];
      r->v[0] = rand_val(t);
      r->v[1] = rnd() % 5 == 0 ? value_null() : value_int(rnd() % 3 != 0);
      r->live = true;
      CHECK(agg_add(s, acc, r->v, &e) == SL_OK);
      if (sp.distinct && passes(&sp, r)) {
        int i = 0;
        while (i < dn && !same(dord[i], &r->v[0], t)) i++;
        if (i == dn) dord[dn] = &r->v[0], dcnt[dn++] = 0;
        dcnt[i]++;
      }
    }
    if (rnd() % 50 == 0) snap_swap(s, acc, &al);
    sl_value got, want = sp.distinct ? naive(&sp, dord, dn, &nb)
                                     : naive(&sp, vals, naive_vals(&sp, rows, n, vals), &nb);
    agg_result(s, acc, &got, &strings);
    if (!same(&got, &want, sp.type)) {
      char tn[48];
      sl_buf g = {0}, w = {0};
      value_format(&got, sp.type, &g);
      value_format(&want, sp.type, &w);
      fprintf(stderr,
              "agg kind %d %s distinct=%d filter=%d retract=%d seed=%llu step %d: got %s "
              "want %s\n",
              kind, type_name(t, tn, sizeof tn), distinct, filter, retract,
              (unsigned long long)seed, step, got.null ? "NULL" : buf_cstr(&g),
              want.null ? "NULL" : buf_cstr(&w));
      buf_free(&g);
      buf_free(&w);
      unit_failures++;
      break;
    }
    arena_reset(&strings);
  }
  /* merge(split) == whole: the live rows, in order, into slices merged in order */
  int cuts = 1 + (int)(rnd() % 5);
  void *whole = malloc(agg_set_size(s)), *slice = malloc(agg_set_size(s));
  agg_init(s, whole);
  int i = 0;
  for (int c = 0; c <= cuts; c++) {
    int end = c == cuts ? n : i + (int)(rnd() % (uint64_t)(n - i + 1));
    agg_init(s, slice);
    for (; i < end; i++)
      if (rows[i].live) CHECK(agg_add(s, slice, rows[i].v, &e) == SL_OK);
    CHECK(agg_merge(s, whole, slice, &e) == SL_OK);
    agg_release(s, slice);
  }
  sl_value got, want = naive(&sp, vals, naive_vals(&sp, rows, n, vals), &nb);
  agg_result(s, whole, &got, &strings);
  if (!same(&got, &want, sp.type)) {
    fprintf(stderr, "agg kind %d merge mismatch, seed=%llu\n", kind, (unsigned long long)seed);
    unit_failures++;
  }
  agg_release(s, whole);
  agg_release(s, acc);
  CHECK(al.bytes == 0);
  free(whole);
  free(slice);
  free(acc);
  agg_set_free(s);
  arena_free(&strings);
  buf_free(&nb);
  return unit_failures - before;
}

TEST(agg_random_against_naive) {
  uint64_t seed = getenv("AGG_SEED") ? strtoull(getenv("AGG_SEED"), NULL, 10) : 20240607;
  sl_type num[] = {type_make(T_INT), type_make(T_BIGINT), type_make(T_DOUBLE), type_decimal(10, 2)};
  sl_type any[] = {type_make(T_INT), type_make(T_STRING), type_make(T_DOUBLE), type_decimal(10, 2),
                   type_make(T_TIMESTAMP)};
  int numk[] = {AGG_COUNT_STAR, AGG_COUNT,       AGG_SUM,     AGG_AVG,
                AGG_STDDEV_POP, AGG_STDDEV_SAMP, AGG_VAR_POP, AGG_VAR_SAMP};
  int anyk[] = {AGG_MIN, AGG_MAX, AGG_FIRST_VALUE, AGG_LAST_VALUE};
  int cases = 0, failed = 0;
  for (int rep = 0; rep < 3; rep++)
    for (int retract = 0; retract < 2; retract++)
      for (int flags = 0; flags < 4; flags++) {
        bool distinct = flags & 1, filter = flags & 2;
        for (size_t k = 0; k < sizeof numk / sizeof *numk; k++)
          for (size_t t = 0; t < 4; t++) {
            if (distinct && numk[k] == AGG_COUNT_STAR) continue;
            failed +=
                run_case(numk[k], num[t], distinct, filter, retract, seed + (uint64_t)cases++) != 0;
          }
        for (size_t k = 0; k < sizeof anyk / sizeof *anyk; k++)
          for (size_t t = 0; t < 5; t++)
            failed +=
                run_case(anyk[k], any[t], distinct, filter, retract, seed + (uint64_t)cases++) != 0;
        failed += run_case(AGG_LISTAGG, type_make(T_STRING), distinct, filter, retract,
                           seed + (uint64_t)cases++) != 0;
      }
  if (failed)
    fprintf(stderr, "agg_random_against_naive: %d of %d cases failed (AGG_SEED=%llu)\n", failed,
            cases, (unsigned long long)seed);
}

/* One call over the given argument values; returns the result (strings in `a`). */
static sl_value one(int kind, sl_type t, const sl_value *xs, int n, sl_arena *a) {
  agg_spec sp = make_spec(kind, t, false, false);
  state_alloc al;
  state_alloc_init(&al, "t", 0);
  agg_set *s = agg_set_new(&sp, 1, &al, false);
  void *acc = malloc(agg_set_size(s));
  agg_init(s, acc);
  sl_error e;
  for (int i = 0; i < n; i++) CHECK(agg_add(s, acc, &xs[i], &e) == SL_OK);
  sl_value out;
  agg_result(s, acc, &out, a);
  agg_release(s, acc);
  free(acc);
  agg_set_free(s);
  return out;
}

static __int128 one_dec(sl_value v) { return v.null ? -999 : value_dec(&v); }

TEST(agg_fixed_values) {
  sl_arena a;
  arena_init(&a, 1024);
  sl_type d = type_make(T_DOUBLE), i = type_make(T_INT), dec = type_decimal(10, 2);
  sl_value ds[8];
  double dv[] = {2, 4, 4, 4, 5, 5, 7, 9};
  for (int k = 0; k < 8; k++) ds[k] = value_double(dv[k]);
  CHECK(one(AGG_STDDEV_POP, d, ds, 8, &a).u.d == 2.0);
  CHECK(fabs(one(AGG_VAR_SAMP, d, ds, 8, &a).u.d - 32.0 / 7) < 1e-15);
  CHECK(one(AGG_STDDEV_SAMP, d, ds, 1, &a).null); /* one value: NULL */
  sl_value is[] = {value_int(1), value_int(2), value_int(3), value_int(4)};
  CHECK(one(AGG_STDDEV_POP, i, is, 4, &a).u.i == 1); /* ((30 - 100/4) / 4) = 1, sqrt -> 1 */
  CHECK(one(AGG_VAR_SAMP, i, is, 4, &a).u.i == 1);   /* 5 / 3 = 1 in INT */
  CHECK(one(AGG_AVG, i, is, 4, &a).u.i == 2);        /* 10 / 4 truncated */
  sl_value neg[] = {value_int(-1), value_int(-2)};
  CHECK(one(AGG_AVG, i, neg, 2, &a).u.i == -1); /* truncation toward zero */
  sl_value big[] = {value_int(INT32_MAX), value_int(1)};
  CHECK(one(AGG_SUM, i, big, 2, &a).u.i == INT32_MIN);  /* wraps as Java */
  CHECK(one(AGG_AVG, i, big, 2, &a).u.i == 1073741824); /* AVG(INT) sums in BIGINT */
  sl_value decs[] = {value_decimal(100), value_decimal(200), value_decimal(200)};
  CHECK(one_dec(one(AGG_VAR_POP, dec, decs, 2, &a)) == 250000);    /* 0.25 */
  CHECK(one_dec(one(AGG_STDDEV_POP, dec, decs, 2, &a)) == 500000); /* 0.5 */
  CHECK(one_dec(one(AGG_AVG, dec, decs, 3, &a)) == 1666667);       /* HALF_UP */
  CHECK(one_dec(one(AGG_SUM, dec, decs, 3, &a)) == 500);
  CHECK(one(AGG_SUM, dec, decs, 0, &a).null);
  CHECK(one(AGG_COUNT, dec, decs, 0, &a).u.i == 0);
  sl_value ss[] = {value_str("b", 1), value_str("ab", 2), value_str("c", 1)};
  sl_value r = one(AGG_MIN, type_make(T_STRING), ss, 3, &a);
  CHECK(r.len == 2 && !memcmp(r.u.s, "ab", 2));
  r = one(AGG_LISTAGG, type_make(T_STRING), ss, 3, &a);
  CHECK(r.len == 6 && !memcmp(r.u.s, "b,ab,c", 6));
  arena_free(&a);
}

TEST(agg_decimal_sum_overflow_is_null_and_exact_on_retract) {
  sl_type t = type_decimal(38, 0);
  agg_spec sp = make_spec(AGG_SUM, t, false, false);
  state_alloc al;
  state_alloc_init(&al, "t", 0);
  agg_set *s = agg_set_new(&sp, 1, &al, true);
  void *acc = malloc(agg_set_size(s));
  agg_init(s, acc);
  sl_error e;
  __int128 nine = dec_pow10[37] * 9;
  sl_value x = value_decimal(nine), out;
  agg_add(s, acc, &x, &e);
  agg_add(s, acc, &x, &e);
  agg_result(s, acc, &out, NULL);
  CHECK(out.null); /* 1.8e38 needs 39 digits */
  agg_retract(s, acc, &x, &e);
  agg_result(s, acc, &out, NULL);
  CHECK(!out.null && value_dec(&out) == nine);
  x = value_decimal(-nine);
  for (int k = 0; k < 3; k++) agg_add(s, acc, &x, &e);
  agg_result(s, acc, &out, NULL);
  CHECK(out.null); /* -1.8e38 */
  agg_retract(s, acc, &x, &e);
  agg_result(s, acc, &out, NULL);
  CHECK(!out.null && value_dec(&out) == -nine);
  agg_retract(s, acc, &x, &e);
  agg_retract(s, acc, &x, &e);
  x = value_decimal(nine);
  agg_retract(s, acc, &x, &e);
  agg_result(s, acc, &out, NULL);
  CHECK(out.null); /* empty again: SUM is NULL */
  free(acc);
  agg_set_free(s);
}

TEST(agg_result_types_and_table) {
  char b[48];
  sl_type out, t;
#define RT(name, arg, want)                                                                        \
  do {                                                                                             \
    t = arg;                                                                                       \
    CHECK(agg_lookup(name)->result_type(&t, 1, &out) == NULL);                                     \
    CHECK_STR(type_name(out, b, sizeof b), want);                                                  \
  } while (0)
  RT("sum", type_make(T_INT), "INT");
  RT("SUM", type_make(T_BIGINT), "BIGINT");
  RT("SUM", type_decimal(10, 2), "DECIMAL(38, 2)");
  RT("SUM", type_make(T_DOUBLE), "DOUBLE");
  RT("AVG", type_make(T_INT), "INT");
  RT("AVG", type_decimal(10, 2), "DECIMAL(38, 6)");
  RT("AVG", type_decimal(20, 8), "DECIMAL(38, 8)");
  RT("COUNT", type_make(T_STRING), "BIGINT");
  RT("MIN", type_make(T_STRING), "STRING");
  RT("MAX", type_make(T_TIMESTAMP), "TIMESTAMP(3)");
  RT("STDDEV_POP", type_make(T_DOUBLE), "DOUBLE");
  RT("VAR_SAMP", type_make(T_INT), "INT");
  RT("STDDEV_SAMP", type_decimal(5, 1), "DECIMAL(38, 6)");
  RT("FIRST_VALUE", type_make(T_DATE), "DATE");
  RT("LISTAGG", type_make(T_STRING), "STRING");
  t = type_make(T_STRING);
  CHECK(agg_lookup("SUM")->result_type(&t, 1, &out) != NULL);
  t = type_make(T_INT);
  CHECK(agg_lookup("LISTAGG")->result_type(&t, 1, &out) != NULL);
  CHECK(agg_lookup("nope") == NULL);
  CHECK(agg_lookup("Listagg")->max_args == 2);
  int n;
  const agg_def *d = agg_table(&n);
  for (int i = 0; i < n; i++) CHECK(d[i].doc && d[i].signature && d[i].retracts);
}

TEST(agg_memory_limit_and_counting) {
  state_alloc al;
  state_alloc_init(&al, "grp", 64);
  agg_spec sp[2] = {make_spec(AGG_MAX, type_make(T_STRING), false, false),
                    make_spec(AGG_COUNT, type_make(T_STRING), true, false)};
  agg_set *s = agg_set_new(sp, 2, &al, false);
  void *acc = malloc(agg_set_size(s));
  agg_init(s, acc);
  sl_error e;
  char big[200];
  memset(big, 'x', sizeof big);
  sl_value x = value_str(big, sizeof big);
  CHECK(agg_add(s, acc, &x, &e) == SL_ERUNTIME);
  CHECK(strstr(e.msg, "grp") != NULL);
  agg_release(s, acc);
  CHECK(al.bytes == 0);
  /* without a limit the bytes are counted and all come back */
  state_alloc_init(&al, "grp", 0);
  agg_init(s, acc);
  for (int k = 0; k < 100; k++) {
    x = value_str(big, (size_t)(k + 1));
    CHECK(agg_add(s, acc, &x, &e) == SL_OK);
  }
  CHECK(al.bytes > 100 * 100);
  agg_release(s, acc);
  CHECK(al.bytes == 0);
  free(acc);
  agg_set_free(s);
}
