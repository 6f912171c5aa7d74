/* nexmark_gen.c - the Nexmark generator: event number n -> a Person, Auction or Bid, computed
 * in O(1) from n alone (Beam's and Flink's rules for ids, kinds, hot items, prices, strings,
 * channels, expiry, padding and event time), so any worker can generate any range and every
 * run makes the same events. Owns the static text pools and tables (built once per process)
 * and the event-time curve. Must not touch: batches, options, the pipeline.
 *
 * Where it follows the spec statistically rather than bit for bit: every event draws from its
 * own splitmix64 stream keyed by its id (Beam seeds java.util.Random with the id, Flink uses
 * an unseeded SplittableRandom), so values have the same distributions but not the same
 * digits as either. Random strings are slices of a 1 MiB pool of random text (lowercase
 * letters, a space with probability 1/13) at a random offset, trimmed, with the length drawn
 * per event as Flink draws it; 'extra' is a slice of a 1 MiB pool of letters (as Flink's
 * reusable extra string). Person names are one draw over the 99 first/last pairs. */
#include <math.h>
#include <pthread.h>
#include <string.h>

#include "nexmark.h"

const nx_field_def nx_fields[NX_NFIELDS] = {
    {"event_type", "event_type", -1, T_INT},
    {"person.id", "id", NX_PERSON, T_BIGINT},
    {"person.name", "name", NX_PERSON, T_STRING},
    {"person.emailAddress", "emailAddress", NX_PERSON, T_STRING},
    {"person.creditCard", "creditCard", NX_PERSON, T_STRING},
    {"person.city", "city", NX_PERSON, T_STRING},
    {"person.state", "state", NX_PERSON, T_STRING},
    {"person.dateTime", "dateTime", NX_PERSON, T_TIMESTAMP},
    {"person.extra", "extra", NX_PERSON, T_STRING},
    {"auction.id", "id", NX_AUCTION, T_BIGINT},
    {"auction.itemName", "itemName", NX_AUCTION, T_STRING},
    {"auction.description", "description", NX_AUCTION, T_STRING},
    {"auction.initialBid", "initialBid", NX_AUCTION, T_BIGINT},
    {"auction.reserve", "reserve", NX_AUCTION, T_BIGINT},
    {"auction.dateTime", "dateTime", NX_AUCTION, T_TIMESTAMP},
    {"auction.expires", "expires", NX_AUCTION, T_TIMESTAMP},
    {"auction.seller", "seller", NX_AUCTION, T_BIGINT},
    {"auction.category", "category", NX_AUCTION, T_BIGINT},
    {"auction.extra", "extra", NX_AUCTION, T_STRING},
    {"bid.auction", "auction", NX_BID, T_BIGINT},
    {"bid.bidder", "bidder", NX_BID, T_BIGINT},
    {"bid.price", "price", NX_BID, T_BIGINT},
    {"bid.channel", "channel", NX_BID, T_STRING},
    {"bid.url", "url", NX_BID, T_STRING},
    {"bid.dateTime", "dateTime", NX_BID, T_TIMESTAMP},
    {"bid.extra", "extra", NX_BID, T_STRING},
};

/* ---- constants (Beam/Flink) ---- */
#define FIRST_PERSON_ID 1000
#define FIRST_AUCTION_ID 1000
#define FIRST_CATEGORY_ID 10
#define NUM_CATEGORIES 5
#define ID_LEAD 10
#define HOT_BLOCK 100 /* HOT_SELLER/AUCTION/BIDDER_RATIO */
#define NUM_CHANNELS 10000
#define BASE_MS 1436918400000LL /* 2015-07-15 00:00:00.000 */

/* ---- static pools and tables ---- */
#define POOL (1u << 20)
static char text_pool[POOL + 128]; /* letters and spaces (1/13) */
static char letter_pool[POOL];     /* letters only: 'extra' */
static char card_digits[10000][4];
static char names[99][16];
static uint8_t name_len[99];
static const char *const cities[] = {"Phoenix",  "Los Angeles", "San Francisco", "Boise",
                                     "Portland", "Bend",        "Redmond",       "Seattle",
                                     "Kent",     "Cheyenne"};
static const char *const states[] = {"AZ", "CA", "ID", "OR", "WA", "WY"};
static const char *const hot_channels[] = {"Google", "Facebook", "Baidu", "Apple"};
static nx_str hot_urls[4];
static nx_str channel_name[NUM_CHANNELS], channel_url[NUM_CHANNELS];
static char *table_text; /* the channel names and URLs, one block for the process */
static uint8_t city_len[10];

static inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
#define GAMMA 0x9e3779b97f4a7c15ULL

static inline uint64_t next64(uint64_t *s) { return mix64(*s += GAMMA); }
/* Uniform in [0, m). */
static inline uint64_t below(uint64_t x, uint64_t m) {
  return (uint64_t)(((unsigned __int128)x * m) >> 64);
}
static inline uint32_t below32(uint32_t x, uint32_t m) {
  return (uint32_t)(((uint64_t)x * m) >> 32);
}

/* Java's String.trim() of a random string: it only ever has spaces to trim. */
static inline nx_str trimmed(const char *p, uint32_t n) {
  while (n && *p == ' ') p++, n--;
  while (n && p[n - 1] == ' ') n--;
  return (nx_str){p, n};
}

static char rand_char(uint64_t *s, char special) {
  uint64_t x = next64(s);
  return below(x, 13) == 0 ? special : (char)('a' + below(x << 4, 26));
}

/* Flink's getBaseUrl: three random 3..4-letter parts with '_' as the separator. */
static size_t base_url(uint64_t *s, char *out) {
  size_t n = (size_t)sprintf(out, "https://www.nexmark.com/");
  for (int part = 0; part < 3; part++) {
    int len = 3 + (int)below(next64(s), 2);
    for (int k = 0; k < len; k++) out[n++] = rand_char(s, '_');
    out[n++] = '/';
  }
  n += (size_t)sprintf(out + n, "item.htm?query=1");
  return n;
}

static uint32_t reverse32(uint32_t x) {
  x = ((x >> 1) & 0x55555555u) | ((x & 0x55555555u) << 1);
  x = ((x >> 2) & 0x33333333u) | ((x & 0x33333333u) << 2);
  x = ((x >> 4) & 0x0f0f0f0fu) | ((x & 0x0f0f0f0fu) << 4);
  x = ((x >> 8) & 0x00ff00ffu) | ((x & 0x00ff00ffu) << 8);
  return (x >> 16) | (x << 16);
}

static double price_hi[1024], price_mid[1024];
static void build_price_tables(void) {
  for (int i = 0; i < 1024; i++) {
    price_hi[i] = 100.0 * pow(10.0, 6.0 * i / 1024.0);
    price_mid[i] = pow(10.0, 6.0 * i / (1024.0 * 1024.0));
  }
}
static void build_tables(void) {
  uint64_t s = 0x6e65786d61726bULL; /* "nexmark": fixed, so every process has the same pools */
  for (size_t i = 0; i < sizeof text_pool; i++) text_pool[i] = rand_char(&s, ' ');
  for (size_t i = 0; i < POOL; i++) letter_pool[i] = (char)('a' + below(next64(&s), 26));
  for (int i = 0; i < 10000; i++) {
    card_digits[i][0] = (char)('0' + i / 1000);
    card_digits[i][1] = (char)('0' + i / 100 % 10);
    card_digits[i][2] = (char)('0' + i / 10 % 10);
    card_digits[i][3] = (char)('0' + i % 10);
  }
  static const char *const first[] = {"Peter", "Paul",  "Luke",  "John",   "Saul",  "Vicky",
                                      "Kate",  "Julie", "Sarah", "Deiter", "Walter"};
  static const char *const last[] = {"Shultz", "Abrams", "Spencer", "White", "Bartels",
                                     "Walton", "Smith",  "Jones",   "Noris"};
  for (int i = 0; i < 99; i++)
    name_len[i] = (uint8_t)snprintf(names[i], sizeof names[i], "%s %s", first[i / 9], last[i % 9]);
  for (int i = 0; i < 10; i++) city_len[i] = (uint8_t)strlen(cities[i]);
  build_price_tables();
  /* channel names and URLs: at most 13 + 64 + 24 bytes each */
  size_t cap = (size_t)(NUM_CHANNELS + 4) * 112, used = 0;
  table_text = xmalloc(cap);
  for (int i = 0; i < 4; i++) {
    char *u = table_text + used;
    size_t n = base_url(&s, u);
    hot_urls[i] = (nx_str){u, (uint32_t)n};
    used += n;
  }
  for (int i = 0; i < NUM_CHANNELS; i++) {
    char *c = table_text + used;
    size_t n = (size_t)sprintf(c, "channel-%d", i);
    channel_name[i] = (nx_str){c, (uint32_t)n};
    used += n;
    char *u = table_text + used;
    n = base_url(&s, u);
    if (below(next64(&s), 10) > 0) {
      /* Java's Math.abs(Integer.reverse(i)): abs of INT_MIN (i = 1) stays negative */
      int32_t r = (int32_t)reverse32((uint32_t)i);
      long long a = r == INT32_MIN ? (long long)r : (long long)(r < 0 ? -r : r);
      n += (size_t)sprintf(u + n, "&channel_id=%lld", a);
    }
    channel_url[i] = (nx_str){u, (uint32_t)n};
    used += n;
  }
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
void nexmark_init(void) { pthread_once(&once, build_tables); }

/* ---- configuration and event time ---- */

void nexmark_cfg_default(nexmark_cfg *c) {
  memset(c, 0, sizeof *c);
  c->prop[0] = 1;
  c->prop[1] = 3;
  c->prop[2] = 46;
  c->total = 50;
  c->avg_size[0] = 200;
  c->avg_size[1] = 500;
  c->avg_size[2] = 100;
  c->hot_auctions = 2;
  c->hot_bidders = 4;
  c->hot_sellers = 4;
  c->in_flight = 100;
  c->active_people = 1000;
  c->ooo_group = 1;
  c->base_ms = BASE_MS;
  nexmark_cfg_rate(c, 0, 10000, 10000, 600000);
}

/* Beam's RateShape and GeneratorConfig, with the period split exactly (Beam rounds each step
 * up to whole seconds). */
const char *nexmark_cfg_rate(nexmark_cfg *c, int shape, int64_t first, int64_t next,
                             int64_t period_ms) {
  if (first <= 0 || next <= 0) return "event rates must be positive";
  c->nsteps = 1;
  c->delay_us[0] = 1e6 / (double)first;
  c->epoch_events = 0;
  if (first == next) return NULL;
  if (shape == 0) {
    c->nsteps = 2;
    c->delay_us[1] = 1e6 / (double)next;
  } else {
    double mid = (double)(first + next) / 2.0, amp = (double)(first - next) / 2.0;
    c->nsteps = NX_MAX_STEPS;
    for (int i = 0; i < NX_MAX_STEPS; i++)
      c->delay_us[i] = 1e6 / (double)llround(mid + amp * cos(2.0 * M_PI * i / NX_MAX_STEPS));
  }
  if (period_ms <= 0) return "'rate.period' must be positive";
  double step_us = (double)period_ms * 1000.0 / c->nsteps;
  c->epoch_ms = 0;
  for (int i = 0; i < c->nsteps; i++) {
    c->step_events[i] = (uint64_t)(step_us / c->delay_us[i]);
    if (!c->step_events[i]) return "'rate.period' is too short: a step of the rate holds no event";
    c->step_ms[i] = (int64_t)((double)c->step_events[i] * c->delay_us[i] / 1000.0);
    c->epoch_events += c->step_events[i];
    c->epoch_ms += c->step_ms[i];
  }
  return NULL;
}

int64_t nexmark_ts(const nexmark_cfg *c, uint64_t n) {
  if (c->nsteps == 1 || !c->epoch_events)
    return c->base_ms + (int64_t)((double)n * c->delay_us[0]) / 1000;
  uint64_t epoch = n / c->epoch_events, k = n % c->epoch_events;
  int64_t t = c->base_ms + (int64_t)epoch * c->epoch_ms;
  for (int i = 0; i < c->nsteps; i++) {
    if (k < c->step_events[i]) return t + (int64_t)((double)k * c->delay_us[i]) / 1000;
    k -= c->step_events[i];
    t += c->step_ms[i];
  }
  return t; /* not reached */
}

double nexmark_delay_us(const nexmark_cfg *c, uint64_t n) {
  if (c->nsteps == 1 || !c->epoch_events) return c->delay_us[0];
  uint64_t k = n % c->epoch_events;
  for (int i = 0; i < c->nsteps; i++) {
    if (k < c->step_events[i]) return c->delay_us[i];
    k -= c->step_events[i];
  }
  return c->delay_us[0]; /* not reached */
}

uint64_t nexmark_adjusted(const nexmark_cfg *c, uint64_t n) {
  uint64_t g = c->ooo_group;
  if (g <= 1) return n;
  return n / g * g + (uint64_t)(((unsigned __int128)n * 953) % g);
}

/* ---- ids (GeneratorConfig, PersonGenerator, AuctionGenerator) ---- */

/* The last person and auction ids (base 0) at an event id = epoch * total + off: the new
 * one's when the event makes one. */
typedef struct nx_last {
  int64_t person, auction;
} nx_last;

static inline nx_last last_ids(const nexmark_cfg *c, int64_t epoch, int64_t off) {
  nx_last l;
  int64_t pp = c->prop[0], ap = c->prop[1];
  l.person = epoch * pp + (off < pp ? off : pp - 1);
  if (off < pp) /* a person: the last auction of the previous epoch */
    l.auction = (epoch - 1) * ap + ap - 1;
  else if (off >= pp + ap) /* a bid: the last auction of this epoch */
    l.auction = epoch * ap + ap - 1;
  else
    l.auction = epoch * ap + off - pp;
  return l;
}

static inline int64_t random_person(const nexmark_cfg *c, const nx_last *l, uint64_t x) {
  int64_t people = l->person + 1;
  int64_t active = people < (int64_t)c->active_people ? people : (int64_t)c->active_people;
  return people - active + (int64_t)below(x, (uint64_t)(active + ID_LEAD));
}

static inline int64_t random_auction(const nexmark_cfg *c, const nx_last *l, uint64_t x) {
  int64_t hi = l->auction, lo = hi - (int64_t)c->in_flight;
  if (lo < 0) lo = 0;
  return lo + (int64_t)below(x, (uint64_t)(hi - lo + 1 + ID_LEAD));
}

/* round(100 * 10^(6u)), log-uniform from 100 to 100,000,000, for u = the top 32 bits of x as a
 * fraction: 10^(6u) is the product of 10^(6a/2^10), 10^(6b/2^20) (tables) and 10^(6c/2^32)
 * for the low 12 bits c, which is 1 + c * 6 ln 10 / 2^32 within 1e-10. */
static inline int64_t price(uint64_t x) {
  uint32_t u = (uint32_t)(x >> 32);
  double low = 1.0 + (double)(u & 4095) * (6.0 * M_LN10 / 4294967296.0);
  return (int64_t)(price_hi[u >> 22] * price_mid[(u >> 12) & 1023] * low + 0.5);
}

/* StringsGenerator.nextString(max): 3 + uniform[0, max-3) characters, trimmed. */
static inline nx_str text(uint64_t x, uint32_t max) {
  uint32_t len = 3 + below32((uint32_t)(x >> 32), max - 3);
  uint32_t off = below32((uint32_t)x, POOL);
  return trimmed(text_pool + off, len);
}

/* StringsGenerator.nextExtra: letters so that current + length averages target. */
static inline nx_str extra(uint64_t x, uint32_t current, uint32_t target) {
  if (current > target) return (nx_str){letter_pool, 0};
  uint32_t m = target - current, d = (uint32_t)lround(m * 0.2);
  uint32_t len = m - d + (d ? below32((uint32_t)(x >> 32), 2 * d) : 0);
  uint32_t off = below32((uint32_t)x, POOL - len);
  return (nx_str){letter_pool + off, len};
}

#define NEED(f) (needed & NX_BIT(f))
#define R(k) mix64(s0 + (uint64_t)(k)*GAMMA)

static void person(const nexmark_cfg *c, nexmark_ev *ev, const nx_last *l, uint64_t s0,
                   uint64_t needed) {
  ev->i[NX_P_ID] = FIRST_PERSON_ID + l->person;
  ev->i[NX_P_TIME] = ev->ts;
  bool ext = NEED(NX_P_EXTRA);
  uint32_t size = 8;
  if (ext || NEED(NX_P_NAME)) {
    uint32_t k = (uint32_t)below(R(1), 99);
    ev->s[NX_P_NAME] = (nx_str){names[k], name_len[k]};
    size += name_len[k];
  }
  if (ext || NEED(NX_P_EMAIL)) {
    nx_str a = text(R(2), 7), b = text(R(3), 5);
    char *p = ev->email;
    memcpy(p, a.p, a.n);
    p += a.n;
    *p++ = '@';
    memcpy(p, b.p, b.n);
    p += b.n;
    memcpy(p, ".com", 4);
    p += 4;
    ev->s[NX_P_EMAIL] = (nx_str){ev->email, (uint32_t)(p - ev->email)};
    size += (uint32_t)(p - ev->email);
  }
  if (ext || NEED(NX_P_CARD)) {
    uint64_t x = R(4), y = R(5);
    uint32_t g[4] = {(uint32_t)(x >> 32), (uint32_t)x, (uint32_t)(y >> 32), (uint32_t)y};
    char *p = ev->card;
    for (int i = 0; i < 4; i++) {
      memcpy(p, card_digits[below32(g[i], 10000)], 4);
      p[4] = ' ';
      p += 5;
    }
    ev->s[NX_P_CARD] = (nx_str){ev->card, 19};
    size += 19;
  }
  if (ext || NEED(NX_P_CITY)) {
    uint32_t k = (uint32_t)below(R(6), 10);
    ev->s[NX_P_CITY] = (nx_str){cities[k], city_len[k]};
    size += city_len[k];
  }
  if (ext || NEED(NX_P_STATE)) {
    ev->s[NX_P_STATE] = (nx_str){states[below(R(7), 6)], 2};
    size += 2;
  }
  if (ext) ev->s[NX_P_EXTRA] = extra(R(8), size, c->avg_size[NX_PERSON]);
}

static void auction(const nexmark_cfg *c, nexmark_ev *ev, const nx_last *l, uint64_t s0,
                    uint64_t needed) {
  ev->i[NX_A_ID] = FIRST_AUCTION_ID + l->auction;
  ev->i[NX_A_TIME] = ev->ts;
  if (NEED(NX_A_SELLER)) {
    int64_t seller;
    if (below(R(1), c->hot_sellers) > 0)
      seller = l->person / HOT_BLOCK * HOT_BLOCK;
    else
      seller = random_person(c, l, R(2));
    ev->i[NX_A_SELLER] = FIRST_PERSON_ID + seller;
  }
  if (NEED(NX_A_CATEGORY))
    ev->i[NX_A_CATEGORY] = FIRST_CATEGORY_ID + (int64_t)below(R(3), NUM_CATEGORIES);
  if (NEED(NX_A_INITIAL) || NEED(NX_A_RESERVE)) ev->i[NX_A_INITIAL] = price(R(4));
  if (NEED(NX_A_RESERVE)) ev->i[NX_A_RESERVE] = ev->i[NX_A_INITIAL] + price(R(8));
  if (NEED(NX_A_EXPIRES)) {
    /* an auction lasts 1 + uniform[0, 2H) ms, H the event time until in_flight more
     * auctions have been made */
    uint64_t ahead = (uint64_t)c->in_flight * c->total / c->prop[1];
    int64_t h = nexmark_ts(c, ev->id + ahead) - ev->ts;
    int64_t span = 2 * h > 1 ? 2 * h : 1;
    ev->i[NX_A_EXPIRES] = ev->ts + 1 + (int64_t)below(R(5), (uint64_t)span);
  }
  bool ext = NEED(NX_A_EXTRA);
  if (ext || NEED(NX_A_ITEM)) ev->s[NX_A_ITEM] = text(R(6), 20);
  if (ext || NEED(NX_A_DESC)) ev->s[NX_A_DESC] = text(R(7), 100);
  if (ext)
    ev->s[NX_A_EXTRA] =
        extra(R(9), 8 + ev->s[NX_A_ITEM].n + ev->s[NX_A_DESC].n + 40, c->avg_size[NX_AUCTION]);
}

static void bid(const nexmark_cfg *c, nexmark_ev *ev, const nx_last *l, uint64_t s0,
                uint64_t needed) {
  ev->i[NX_B_TIME] = ev->ts;
  if (NEED(NX_B_AUCTION)) {
    int64_t a;
    if (below(R(1), c->hot_auctions) > 0)
      a = l->auction / HOT_BLOCK * HOT_BLOCK;
    else
      a = random_auction(c, l, R(2));
    ev->i[NX_B_AUCTION] = FIRST_AUCTION_ID + a;
  }
  if (NEED(NX_B_BIDDER)) {
    int64_t b;
    if (below(R(3), c->hot_bidders) > 0)
      b = l->person / HOT_BLOCK * HOT_BLOCK + 1;
    else
      b = random_person(c, l, R(4));
    ev->i[NX_B_BIDDER] = FIRST_PERSON_ID + b; /* once, as Beam (Flink adds it twice) */
  }
  if (NEED(NX_B_PRICE)) ev->i[NX_B_PRICE] = price(R(5));
  if (NEED(NX_B_CHANNEL) || NEED(NX_B_URL)) {
    uint64_t x = R(6);
    if (x >> 63) { /* a hot channel with probability 1/2 */
      uint64_t k = below(x << 1, 4);
      ev->s[NX_B_CHANNEL] = (nx_str){hot_channels[k], (uint32_t)strlen(hot_channels[k])};
      ev->s[NX_B_URL] = hot_urls[k];
    } else {
      uint64_t k = below(x << 1, NUM_CHANNELS);
      ev->s[NX_B_CHANNEL] = channel_name[k];
      ev->s[NX_B_URL] = channel_url[k];
    }
  }
  if (NEED(NX_B_EXTRA)) ev->s[NX_B_EXTRA] = extra(R(7), 32, c->avg_size[NX_BID]);
}

void nexmark_event(const nexmark_cfg *c, uint64_t n, uint64_t needed, nexmark_ev *ev) {
  nexmark_init();
  uint64_t a = nexmark_adjusted(c, n);
  ev->id = a;
  ev->ts = nexmark_ts(c, a);
  uint64_t epoch = a / c->total, off = a - epoch * c->total;
  ev->kind = off < c->prop[0] ? NX_PERSON : off < c->prop[0] + c->prop[1] ? NX_AUCTION : NX_BID;
  nx_last l = last_ids(c, (int64_t)epoch, (int64_t)off);
  ev->i[NX_EVENT_TYPE] = ev->kind;
  uint64_t s0 = mix64(a ^ mix64(c->seed + GAMMA));
  switch (ev->kind) {
  case NX_PERSON:
    if (needed & (NX_BIT(NX_P_EXTRA + 1) - NX_BIT(NX_P_ID))) person(c, ev, &l, s0, needed);
    break;
  case NX_AUCTION:
    if (needed & (NX_BIT(NX_A_EXTRA + 1) - NX_BIT(NX_A_ID))) auction(c, ev, &l, s0, needed);
    break;
  default:
    if (needed & (NX_BIT(NX_B_EXTRA + 1) - NX_BIT(NX_B_AUCTION))) bid(c, ev, &l, s0, needed);
    break;
  }
}
