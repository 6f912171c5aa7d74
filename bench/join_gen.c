/* bench/join_gen.c - the data generator of bench/join.py: JSON-lines files for the lookup join
 * (customers, events) and the interval join (impressions, clicks), written at disk speed.
 * Owns only its output file; no part of sluice is linked in (a stand-alone program, built by
 * join.py with `cc -O2`). Deterministic: its own PRNG (splitmix64), seeded per file kind.
 *
 * usage: join_gen customers N OUT          ids 1..N, name, country, tier
 *        join_gen events N CUSTOMERS OUT   id, customer_id (1..CUSTOMERS * 1.05: ~5% miss),
 *                                           amount DECIMAL(10,2), ts (1 ms apart, in order)
 *        join_gen impressions N OUT        imp_id 1..N, ad_id, ts (STEP_MS apart on average,
 *                                           10% of rows up to 2 s early: out of order)
 *        join_gen clicks N OUT             click_id, imp_id, ts: a click of the impression
 *                                           0..11 min before it (~91% within 10 min), the same
 *                                           disorder
 * Timestamps are `yyyy-MM-dd HH:mm:ss.SSS` from 2024-01-01 00:00:00 on. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STEP_MS 1       /* interval join: an impression (and a click) per ms on average */
#define BASE_DAYS 19723 /* 2024-01-01 in days since 1970-01-01 */

static uint64_t rng_state;
static uint64_t rnd64(void) {
  uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
static uint64_t rnd(uint64_t n) { return (uint64_t)(((unsigned __int128)rnd64() * n) >> 64); }

static char buf[1 << 20];
static size_t used;
static FILE *out;
static void flush(void) {
  if (used && fwrite(buf, 1, used, out) != used) {
    perror("join_gen: write");
    exit(1);
  }
  used = 0;
}
static void put(const char *s, size_t n) {
  if (used + n > sizeof buf) flush();
  memcpy(buf + used, s, n);
  used += n;
}
static void puts_(const char *s) { put(s, strlen(s)); }
static void putu(uint64_t v) {
  char t[24];
  int n = 0;
  do t[sizeof t - 1 - n++] = (char)('0' + v % 10);
  while ((v /= 10) != 0);
  put(t + sizeof t - n, (size_t)n);
}
static void put2(unsigned v) {
  char t[2] = {(char)('0' + v / 10), (char)('0' + v % 10)};
  put(t, 2);
}

/* "yyyy-MM-dd HH:mm:ss.SSS" of ms after 2024-01-01 00:00:00 (ms >= 0); the date part of the
 * last day is kept. */
static void put_ts(int64_t ms) {
  static int64_t day = -1;
  static char date[40];
  int64_t d = ms / 86400000, r = ms % 86400000;
  if (d != day) { /* civil from days (Howard Hinnant's algorithm) */
    int64_t z = BASE_DAYS + d + 719468, era = z / 146097, doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    int64_t dd = doy - (153 * mp + 2) / 5 + 1, mm = mp < 10 ? mp + 3 : mp - 9;
    int64_t yy = yoe + era * 400 + (mm <= 2);
    snprintf(date, sizeof date, "%04d-%02d-%02d", (int)yy, (int)mm, (int)dd);
    day = d;
  }
  put(date, 10);
  put(" ", 1);
  unsigned s = (unsigned)(r / 1000);
  put2(s / 3600);
  put(":", 1);
  put2(s / 60 % 60);
  put(":", 1);
  put2(s % 60);
  unsigned f = (unsigned)(r % 1000);
  char t[4] = {'.', (char)('0' + f / 100), (char)('0' + f / 10 % 10), (char)('0' + f % 10)};
  put(t, 4);
}
static void put_amount(void) { /* 0.01 .. 9999.99 */
  uint64_t c = 1 + rnd(999999);
  putu(c / 100);
  put(".", 1);
  put2((unsigned)(c % 100));
}
/* STEP_MS per row, 10% of rows up to 2 s early */
static int64_t jittered(int64_t i) {
  int64_t t = i * STEP_MS;
  if (rnd(10) == 0) t -= (int64_t)rnd(2001);
  return t < 0 ? 0 : t;
}

static const char *countries[] = {"US", "DE", "FR", "GB", "JP", "BR", "IN", "CA", "IT", "ES",
                                  "NL", "SE", "PL", "MX", "AU", "KR", "CH", "AT", "BE", "NO"};
static const char *tiers[] = {"bronze", "silver", "gold", "platinum"};

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: join_gen customers|events|impressions|clicks N [CUSTOMERS] OUT\n");
    return 2;
  }
  const char *kind = argv[1];
  int64_t n = atoll(argv[2]);
  const char *path = argv[argc - 1];
  out = fopen(path, "w");
  if (!out) {
    perror(path);
    return 1;
  }
  if (!strcmp(kind, "customers")) {
    rng_state = 1;
    for (int64_t i = 1; i <= n; i++) {
      puts_("{\"id\":");
      putu((uint64_t)i);
      puts_(",\"name\":\"Customer ");
      putu(rnd(100000000));
      puts_("\",\"country\":\"");
      puts_(countries[rnd(sizeof countries / sizeof *countries)]);
      puts_("\",\"tier\":\"");
      puts_(tiers[rnd(4)]);
      puts_("\"}\n");
    }
  } else if (!strcmp(kind, "events") && argc == 5) {
    rng_state = 2;
    uint64_t ncust = (uint64_t)atoll(argv[3]);
    ncust += ncust / 20;
    for (int64_t i = 1; i <= n; i++) {
      puts_("{\"id\":");
      putu((uint64_t)i);
      puts_(",\"customer_id\":");
      putu(1 + rnd(ncust));
      puts_(",\"amount\":");
      put_amount();
      puts_(",\"ts\":\"");
      put_ts(i);
      puts_("\"}\n");
    }
  } else if (!strcmp(kind, "impressions")) {
    rng_state = 3;
    for (int64_t i = 1; i <= n; i++) {
      puts_("{\"imp_id\":");
      putu((uint64_t)i);
      puts_(",\"ad_id\":");
      putu(1 + rnd(10000));
      puts_(",\"ts\":\"");
      put_ts(jittered(i));
      puts_("\"}\n");
    }
  } else if (!strcmp(kind, "clicks")) {
    rng_state = 4;
    for (int64_t j = 1; j <= n; j++) {
      int64_t back = (int64_t)rnd(660000 / STEP_MS); /* 0 .. 11 min of impressions back */
      int64_t k = j - back >= 1 ? j - back : 1 + (int64_t)rnd((uint64_t)j); /* the first clicks */
      puts_("{\"click_id\":");
      putu((uint64_t)j);
      puts_(",\"imp_id\":");
      putu((uint64_t)k);
      puts_(",\"ts\":\"");
      put_ts(jittered(j));
      puts_("\"}\n");
    }
  } else {
    fprintf(stderr, "join_gen: unknown kind %s\n", kind);
    return 2;
  }
  flush();
  if (fclose(out) != 0) {
    perror(path);
    return 1;
  }
  return 0;
}
