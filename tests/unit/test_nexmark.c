/* test_nexmark.c - unit tests of the Nexmark generator and the nexmark source: an event is the
 * same computed alone, in sequence, in any order and with any subset of fields; the kind mix;
 * the id rules of the spec on chosen events; hot-item frequencies; prices and strings; event
 * time at a rate and under a SQUARE rate shape; out-of-order groups; the source's columns,
 * NULLs for other kinds, option errors, and two instances sharing a split generating every
 * event exactly once. */
#include <math.h>
#include <stdlib.h>

#include "connector/nexmark.h"
#include "unit.h"

static bool same_event(const nexmark_ev *a, const nexmark_ev *b, uint64_t fields) {
  if (a->kind != b->kind || a->id != b->id || a->ts != b->ts) return false;
  for (int f = 0; f < NX_NFIELDS; f++) {
    if (!(fields & NX_BIT(f)) || (nx_fields[f].kind >= 0 && nx_fields[f].kind != a->kind)) continue;
    if (nx_fields[f].type == T_STRING) {
      if (a->s[f].n != b->s[f].n || memcmp(a->s[f].p, b->s[f].p, a->s[f].n)) return false;
    } else if (a->i[f] != b->i[f]) {
      return false;
    }
  }
  return true;
}

TEST(nexmark_event_is_a_function_of_its_number) {
  nexmark_cfg c;
  nexmark_cfg_default(&c);
  enum { N = 3000 };
  nexmark_ev *seq = malloc(sizeof(nexmark_ev) * N);
  for (uint64_t n = 0; n < N; n++) nexmark_event(&c, n, NX_ALL, &seq[n]);
  bool ok = true;
  nexmark_ev ev;
  for (uint64_t k = 0; k < N; k++) { /* backwards and strided: the same events */
    uint64_t n = (k * 7919) % N;
    nexmark_event(&c, n, NX_ALL, &ev);
    ok = ok && same_event(&ev, &seq[n], NX_ALL);
    nexmark_event(&c, N - 1 - k, NX_ALL, &ev);
    ok = ok && same_event(&ev, &seq[N - 1 - k], NX_ALL);
  }
  CHECK(ok);
  /* a subset of fields gives the same values for those fields */
  uint64_t some = NX_BIT(NX_B_PRICE) | NX_BIT(NX_A_RESERVE) | NX_BIT(NX_P_CARD) |
                  NX_BIT(NX_A_SELLER) | NX_BIT(NX_B_URL);
  ok = true;
  for (uint64_t n = 0; n < N; n++) {
    nexmark_event(&c, n, some, &ev);
    ok = ok && same_event(&ev, &seq[n], some);
  }
  CHECK(ok);
  /* another seed: other values, the same ids and times */
  nexmark_cfg c2 = c;
  c2.seed = 1;
  int differ = 0;
  for (uint64_t n = 0; n < N; n++) {
    nexmark_event(&c2, n, NX_ALL, &ev);
    CHECK(ev.id == seq[n].id && ev.ts == seq[n].ts && ev.kind == seq[n].kind);
    differ += ev.kind == NX_BID && ev.i[NX_B_PRICE] != seq[n].i[NX_B_PRICE];
  }
  CHECK(differ > N * 46 / 50 - 50);
  free(seq);
}

TEST(nexmark_kinds_and_ids) {
  nexmark_cfg c;
  nexmark_cfg_default(&c);
  nexmark_ev ev;
  int count[3] = {0};
  for (uint64_t n = 0; n < 50000; n++) {
    nexmark_event(&c, n, 0, &ev);
    count[ev.kind]++;
  }
  CHECK(count[0] == 1000 && count[1] == 3000 && count[2] == 46000);
  /* persons at ids 0 mod 50, auctions at 1..3 mod 50 */
  nexmark_event(&c, 0, NX_ALL, &ev);
  CHECK(ev.kind == NX_PERSON && ev.i[NX_P_ID] == 1000);
  nexmark_event(&c, 50, NX_ALL, &ev);
  CHECK(ev.kind == NX_PERSON && ev.i[NX_P_ID] == 1001);
  nexmark_event(&c, 5000, NX_ALL, &ev);
  CHECK(ev.kind == NX_PERSON && ev.i[NX_P_ID] == 1100);
  for (int k = 1; k <= 3; k++) {
    nexmark_event(&c, (uint64_t)k, NX_ALL, &ev);
    CHECK(ev.kind == NX_AUCTION && ev.i[NX_A_ID] == 1000 + k - 1);
    nexmark_event(&c, 50 + (uint64_t)k, NX_ALL, &ev);
    CHECK(ev.kind == NX_AUCTION && ev.i[NX_A_ID] == 1003 + k - 1);
  }
  nexmark_event(&c, 4, NX_ALL, &ev);
  CHECK(ev.kind == NX_BID);
  /* bids at event 10,049 (epoch 200): last person 200, last auction 602; the hot auction is
   * 600 and the hot bidder 201 (+1000 each) */
  bool ok = true;
  for (uint64_t n = 10004; n < 10050; n++) {
    nexmark_event(&c, n, NX_ALL, &ev);
    int64_t a = ev.i[NX_B_AUCTION] - 1000, b = ev.i[NX_B_BIDDER] - 1000;
    ok = ok && ev.kind == NX_BID;
    ok = ok && (a == 600 || (a >= 502 && a < 502 + 101 + 10)); /* hot, or in flight + lead */
    ok = ok && (b == 201 || (b >= 0 && b < 201 + 10));         /* hot, or active + lead */
  }
  CHECK(ok);
  /* sellers: the hot seller (first of the latest 100 persons) or an active person */
  ok = true;
  for (uint64_t e = 2000; e < 2100; e++) {
    nexmark_event(&c, e * 50 + 2, NX_ALL, &ev);
    int64_t s = ev.i[NX_A_SELLER] - 1000, people = (int64_t)e + 1;
    ok = ok && (s == (int64_t)e / 100 * 100 || (s >= people - 1000 && s < people + 10));
    ok = ok && ev.i[NX_A_CATEGORY] >= 10 && ev.i[NX_A_CATEGORY] < 15;
    ok = ok && ev.i[NX_A_RESERVE] > ev.i[NX_A_INITIAL];
    ok = ok && ev.i[NX_A_EXPIRES] > ev.ts;
  }
  CHECK(ok);
}

TEST(nexmark_hot_ratios_and_prices) {
  nexmark_cfg c;
  nexmark_cfg_default(&c);
  nexmark_ev ev;
  int bids = 0, hot_a = 0, hot_b = 0, auctions = 0, hot_s = 0, cheap = 0, hot_ch = 0;
  bool in_range = true;
  int64_t lo = INT64_MAX, hi = 0;
  for (uint64_t n = 500000; n < 700000; n++) {
    nexmark_event(&c, n, NX_ALL, &ev);
    int64_t epoch = (int64_t)n / 50;
    if (ev.kind == NX_BID) {
      bids++;
      hot_a += ev.i[NX_B_AUCTION] - 1000 == (epoch * 3 + 2) / 100 * 100;
      hot_b += ev.i[NX_B_BIDDER] - 1000 == epoch / 100 * 100 + 1;
      int64_t p = ev.i[NX_B_PRICE];
      in_range = in_range && p >= 100 && p <= 100000000;
      lo = p < lo ? p : lo;
      hi = p > hi ? p : hi;
      cheap += p < 100000; /* log-uniform over 6 decades: half below 10^5 */
      nx_str ch = ev.s[NX_B_CHANNEL];
      hot_ch += ch.n < 9 || memcmp(ch.p, "channel-", 8) != 0; /* Google, Facebook ... */
    } else if (ev.kind == NX_AUCTION) {
      auctions++;
      hot_s += ev.i[NX_A_SELLER] - 1000 == epoch / 100 * 100;
    }
  }
  CHECK(in_range);
  CHECK(lo < 110 && hi > 90000000);
  double fa = (double)hot_a / bids, fb = (double)hot_b / bids, fs = (double)hot_s / auctions;
  /* 1 - 1/ratio, plus the chance that a random pick hits the hot one (about 1/111, 1/1010) */
  CHECK(fa > 0.49 && fa < 0.52);
  CHECK(fb > 0.74 && fb < 0.76);
  CHECK(fs > 0.73 && fs < 0.77);
  CHECK(fabs((double)cheap / bids - 0.5) < 0.01);
  CHECK(fabs((double)hot_ch / bids - 0.5) < 0.01);
  /* other hot ratios */
  c.hot_auctions = 10;
  hot_a = bids = 0;
  for (uint64_t n = 500000; n < 600000; n++) {
    nexmark_event(&c, n, NX_BIT(NX_B_AUCTION), &ev);
    if (ev.kind != NX_BID) continue;
    bids++;
    hot_a += ev.i[NX_B_AUCTION] - 1000 == ((int64_t)n / 50 * 3 + 2) / 100 * 100;
  }
  CHECK(fabs((double)hot_a / bids - 0.9) < 0.01);
}

static bool all_in(nx_str s, const char *alphabet) {
  for (uint32_t i = 0; i < s.n; i++)
    if (!strchr(alphabet, s.p[i])) return false;
  return true;
}

TEST(nexmark_strings) {
  nexmark_cfg c;
  nexmark_cfg_default(&c);
  nexmark_ev ev;
  const char *lower = "abcdefghijklmnopqrstuvwxyz", *text = "abcdefghijklmnopqrstuvwxyz ";
  bool ok = true;
  int64_t size_sum[3] = {0}, nk[3] = {0};
  for (uint64_t n = 0; n < 20000; n++) {
    nexmark_event(&c, n, NX_ALL, &ev);
    int64_t size = 0;
    if (ev.kind == NX_PERSON) {
      nx_str card = ev.s[NX_P_CARD], mail = ev.s[NX_P_EMAIL];
      ok = ok && card.n == 19 && all_in(card, "0123456789 ") && card.p[4] == ' ' &&
           card.p[9] == ' ' && card.p[14] == ' ';
      ok = ok && mail.n >= 5 && mail.n <= 16 && !memcmp(mail.p + mail.n - 4, ".com", 4) &&
           memchr(mail.p, '@', mail.n);
      ok = ok && ev.s[NX_P_NAME].n >= 8 && memchr(ev.s[NX_P_NAME].p, ' ', ev.s[NX_P_NAME].n);
      ok = ok && ev.s[NX_P_STATE].n == 2 && ev.s[NX_P_CITY].n >= 4;
      ok = ok && all_in(ev.s[NX_P_EXTRA], lower);
      size = 8 + ev.s[NX_P_NAME].n + mail.n + 19 + ev.s[NX_P_CITY].n + 2 + ev.s[NX_P_EXTRA].n;
    } else if (ev.kind == NX_AUCTION) {
      nx_str item = ev.s[NX_A_ITEM], desc = ev.s[NX_A_DESC];
      ok = ok && item.n <= 19 && desc.n <= 99 && all_in(item, text) && all_in(desc, text);
      ok = ok && (!item.n || (item.p[0] != ' ' && item.p[item.n - 1] != ' '));
      size = 48 + item.n + desc.n + ev.s[NX_A_EXTRA].n;
    } else {
      nx_str ch = ev.s[NX_B_CHANNEL], url = ev.s[NX_B_URL];
      ok = ok && url.n > 40 && !memcmp(url.p, "https://www.nexmark.com/", 24);
      bool hot = ch.n < 9 || memcmp(ch.p, "channel-", 8);
      ok = ok && (!hot || ch.n <= 8);
      bool has_id = memmem(url.p, url.n, "&channel_id=", 12) != NULL;
      ok = ok && (!hot || !has_id); /* hot channels' URLs carry no id */
      ok = ok && all_in(ev.s[NX_B_EXTRA], lower);
      size = 32 + ev.s[NX_B_EXTRA].n;
    }
    size_sum[ev.kind] += size;
    nk[ev.kind]++;
  }
  CHECK(ok);
  /* 'extra' pads each kind to its average size */
  CHECK(llabs(size_sum[0] / nk[0] - 200) <= 4);
  CHECK(llabs(size_sum[1] / nk[1] - 500) <= 4);
  CHECK(llabs(size_sum[2] / nk[2] - 100) <= 2);
}

TEST(nexmark_event_time) {
  nexmark_cfg c;
  nexmark_cfg_default(&c);
  const int64_t base = 1436918400000LL; /* 2015-07-15 00:00:00 */
  CHECK(nexmark_ts(&c, 0) == base);
  CHECK(nexmark_ts(&c, 9) == base && nexmark_ts(&c, 10) == base + 1);
  CHECK(nexmark_ts(&c, 10000) == base + 1000);
  bool mono = true;
  for (uint64_t n = 1; n < 100000; n++) mono = mono && nexmark_ts(&c, n) >= nexmark_ts(&c, n - 1);
  CHECK(mono);
  CHECK(nexmark_cfg_rate(&c, 0, 100000, 100000, 1000) == NULL);
  CHECK(nexmark_ts(&c, 100000) == base + 1000);
  /* SQUARE: 1,000 events/s for 1 s, then 10,000 events/s for 1 s, and again */
  CHECK(nexmark_cfg_rate(&c, 0, 1000, 10000, 2000) == NULL);
  CHECK(nexmark_ts(&c, 999) == base + 999 && nexmark_ts(&c, 1000) == base + 1000);
  CHECK(nexmark_ts(&c, 1010) == base + 1001);
  CHECK(nexmark_ts(&c, 11000) == base + 2000 && nexmark_ts(&c, 12000) == base + 3000);
  CHECK(nexmark_delay_us(&c, 500) == 1000.0 && nexmark_delay_us(&c, 5000) == 100.0);
  mono = true;
  for (uint64_t n = 1; n < 50000; n++) mono = mono && nexmark_ts(&c, n) >= nexmark_ts(&c, n - 1);
  CHECK(mono);
  /* SINE: a full period spans the period */
  CHECK(nexmark_cfg_rate(&c, 1, 1000, 3000, 10000) == NULL);
  CHECK(c.nsteps == 10 && llabs(nexmark_ts(&c, c.epoch_events) - base - 10000) <= 10);
  CHECK(nexmark_cfg_rate(&c, 0, 1, 1000, 100) != NULL); /* a step with no event */
  /* auctions expire within 2 x the time of 1,666 events (here 1 event/ms) */
  nexmark_cfg_default(&c);
  CHECK(nexmark_cfg_rate(&c, 0, 1000, 1000, 1000) == NULL);
  nexmark_ev ev;
  bool ok = true;
  for (uint64_t n = 1; n < 20000; n += 50) {
    nexmark_event(&c, n, NX_BIT(NX_A_EXPIRES), &ev);
    ok = ok && ev.i[NX_A_EXPIRES] > ev.ts && ev.i[NX_A_EXPIRES] <= ev.ts + 1 + 2 * 1666;
  }
  CHECK(ok);
}

TEST(nexmark_out_of_order_groups) {
  nexmark_cfg c;
  nexmark_cfg_default(&c);
  c.ooo_group = 5;
  bool seen[10] = {false}, ok = true;
  nexmark_ev ev;
  for (uint64_t n = 0; n < 10; n++) {
    nexmark_event(&c, n, 0, &ev);
    ok = ok && ev.id / 5 == n / 5 && !seen[ev.id];
    seen[ev.id] = true;
  }
  CHECK(ok);
  CHECK(nexmark_adjusted(&c, 1) == 3); /* 953 mod 5 */
}

/* ---- the source ---- */

typedef struct nx_cap {
  sl_op base;
  uint8_t *seen; /* per event number */
  uint64_t n, max, dup, kinds[3], nulls_ok, price_sum;
  int ncols;
} nx_cap;

static sl_status nx_cap_push(sl_op *op, int port, const sl_batch *b, sl_error *e) {
  nx_cap *c = (nx_cap *)op;
  for (int r = 0; r < b->nrows; r++) {
    uint64_t num = b->pos[r].line - 1;
    if (num >= c->max || c->seen[num]++) c->dup++;
    const sl_value *v = batch_row(b, r);
    c->n++;
    int k = (int)v[0].u.i;
    c->kinds[k]++;
    /* columns: event_type, bid.price, person.name, auction.reserve */
    c->nulls_ok += (k == NX_BID) == !v[1].null && (k == NX_PERSON) == !v[2].null &&
                   (k == NX_AUCTION) == !v[3].null;
    if (k == NX_BID) c->price_sum += (uint64_t)v[1].u.i;
  }
  return SL_OK;
}
static void nx_cap_free(sl_op *op) {
  free(((nx_cap *)op)->seen);
  free(op);
}
static const op_vt nx_cap_vt = {.kind = "Cap", .push = nx_cap_push, .free = nx_cap_free};

static const char *const nx_names[4] = {"event_type", "BID.price", "person.name",
                                        "auction.reserve"};
static const sl_type nx_types[4] = {
    {T_INT, 0, 0, 0, 0}, {T_BIGINT, 0, 0, 0, 0}, {T_STRING, 0, 0, 0, 0}, {T_BIGINT, 0, 0, 0, 0}};

/* Runs `workers` instances of a nexmark table (sharing a split when more than one) into one
 * capture; NULL with e set when the source refuses. */
static nx_cap *nx_run(const opt_kv *kv, int nkv, int workers, uint64_t max, sl_error *e) {
  sl_job *j = job_new();
  j->batch_rows = 1000;
  conn_split split = {0};
  nx_cap *cap = calloc(1, sizeof *cap);
  op_init(&cap->base, &nx_cap_vt, j, "cap");
  cap->seen = calloc(max, 1);
  cap->max = max;
  job_add_op(j, &cap->base);
  for (int w = 0; w < workers; w++) {
    conn_ctx c = {.job = j,
                  .table = "nexmark",
                  .schema = {4, nx_names, nx_types, NULL, 0},
                  .opts = {kv, nkv},
                  .source_index = job_add_source(j, "nexmark", ON_ERROR_DLQ, "/dev/null"),
                  .worker = w,
                  .nworkers = workers,
                  .split = workers > 1 ? &split : NULL};
    sl_op *src = conn_nexmark.source_new(&c, e);
    if (!src) {
      job_free(j);
      return NULL;
    }
    src->ncols = 4;
    src->cols = nx_names;
    src->types = nx_types;
    job_add_op(j, src);
    op_connect(src, &cap->base);
  }
  CHECK(job_run(j, e) == SL_OK);
  nx_cap *out = malloc(sizeof *out);
  *out = *cap;
  cap->seen = NULL;
  job_free(j);
  return out;
}

TEST(nexmark_source_columns_and_split) {
  sl_error e = {0};
  static const opt_kv kv[] = {{"connector", "nexmark"}, {"events.num", "100000"}};
  nx_cap *one = nx_run(kv, 2, 1, 100000, &e);
  CHECK(one && one->n == 100000 && one->dup == 0 && one->nulls_ok == 100000);
  CHECK(one && one->kinds[0] == 2000 && one->kinds[1] == 6000 && one->kinds[2] == 92000);
  /* two instances sharing a split: every event once, the same values */
  nx_cap *two = nx_run(kv, 2, 2, 100000, &e);
  CHECK(two && two->n == 100000 && two->dup == 0 && two->nulls_ok == 100000);
  CHECK(one && two && two->price_sum == one->price_sum);
  bool all = two != NULL;
  for (uint64_t i = 0; two && i < 100000; i++) all = all && two->seen[i] == 1;
  CHECK(all);
  free(one ? one->seen : NULL);
  free(one);
  free(two ? two->seen : NULL);
  free(two);
}

TEST(nexmark_source_option_and_column_errors) {
  sl_error e = {0};
  static const opt_kv bad_rate[] = {{"connector", "nexmark"}, {"first-event.rate", "0"}};
  CHECK(nx_run(bad_rate, 2, 1, 1, &e) == NULL && strstr(e.msg, "first-event.rate"));
  e = (sl_error){0};
  static const opt_kv bad_size[] = {{"connector", "nexmark"}, {"bid.avg-size", "2mb"}};
  CHECK(nx_run(bad_size, 2, 1, 1, &e) == NULL && strstr(e.msg, "bid.avg-size"));
  /* an unknown column and a wrong type are refused, naming the columns */
  sl_job *j = job_new();
  static const char *const names[2] = {"event_type", "bid.prize"};
  static const sl_type types[2] = {{T_INT, 0, 0, 0, 0}, {T_BIGINT, 0, 0, 0, 0}};
  static const opt_kv kv[] = {{"connector", "nexmark"}};
  conn_ctx c = {.job = j, .table = "t", .schema = {2, names, types, NULL, 0}, .opts = {kv, 1}};
  e = (sl_error){0};
  CHECK(conn_nexmark.source_new(&c, &e) == NULL && strstr(e.msg, "'bid.prize'") &&
        strstr(e.msg, "bid ROW<auction"));
  static const char *const names2[1] = {"bid.price"};
  static const sl_type types2[1] = {{T_INT, 0, 0, 0, 0}};
  c.schema = (fmt_schema){1, names2, types2, NULL, 0, NULL};
  e = (sl_error){0};
  CHECK(conn_nexmark.source_new(&c, &e) == NULL && strstr(e.msg, "BIGINT"));
  job_free(j);
}
