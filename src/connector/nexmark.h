/* nexmark.h - the Nexmark event generator, internal to the connector subsystem:
 * nexmark_gen.c computes any event from its number alone, nexmark.c is the `nexmark` source
 * and nexmark_write.c writes events as JSON lines or CSV for `sluice gen nexmark`. */
#ifndef SLUICE_NEXMARK_H
#define SLUICE_NEXMARK_H

#include "connector.h"

enum { NX_PERSON = 0, NX_AUCTION = 1, NX_BID = 2 };

/* The leaf columns of Flink's nexmark table, in its order. */
typedef enum nx_field {
  NX_EVENT_TYPE,
  NX_P_ID,
  NX_P_NAME,
  NX_P_EMAIL,
  NX_P_CARD,
  NX_P_CITY,
  NX_P_STATE,
  NX_P_TIME,
  NX_P_EXTRA,
  NX_A_ID,
  NX_A_ITEM,
  NX_A_DESC,
  NX_A_INITIAL,
  NX_A_RESERVE,
  NX_A_TIME,
  NX_A_EXPIRES,
  NX_A_SELLER,
  NX_A_CATEGORY,
  NX_A_EXTRA,
  NX_B_AUCTION,
  NX_B_BIDDER,
  NX_B_PRICE,
  NX_B_CHANNEL,
  NX_B_URL,
  NX_B_TIME,
  NX_B_EXTRA,
  NX_NFIELDS
} nx_field;

#define NX_BIT(f) (1ull << (f))
#define NX_ALL ((1ull << NX_NFIELDS) - 1)

typedef struct nx_field_def {
  const char *name; /* "bid.price" */
  const char *leaf; /* "price" */
  int kind;         /* NX_PERSON ..., -1 for event_type */
  uint8_t type;     /* T_INT, T_BIGINT, T_STRING or T_TIMESTAMP */
} nx_field_def;
extern const nx_field_def nx_fields[NX_NFIELDS];

#define NX_MAX_STEPS 10 /* SINE: the rate curve in 10 steps, as Beam */

typedef struct nexmark_cfg {
  uint32_t prop[3], total; /* person, auction, bid proportions and their sum */
  uint32_t avg_size[3];    /* idealised bytes per person, auction, bid (pads 'extra') */
  uint32_t hot_auctions, hot_bidders, hot_sellers;
  uint32_t in_flight, active_people;
  uint32_t ooo_group; /* out-of-order group size (1: in order) */
  int64_t base_ms;    /* event time of event 0 (TIMESTAMP(3) milliseconds) */
  uint64_t seed;
  /* event time: nsteps inter-event delays, each held for step_events[i] events */
  int nsteps;
  double delay_us[NX_MAX_STEPS];
  uint64_t step_events[NX_MAX_STEPS];
  int64_t step_ms[NX_MAX_STEPS]; /* event time a step spans */
  uint64_t epoch_events;         /* one round of all steps */
  int64_t epoch_ms;
} nexmark_cfg;

typedef struct nx_str {
  const char *p; /* static text (pools and tables), or the event's own email/card buffers */
  uint32_t n;
} nx_str;

/* One event. Only the fields asked for (and those they depend on) are set; the others of its
 * kind are garbage. i[] holds integers and times, s[] strings, both indexed by nx_field. */
typedef struct nexmark_ev {
  int kind;
  uint64_t id; /* the event id (the event number, adjusted for out-of-order groups) */
  int64_t ts;  /* event time */
  int64_t i[NX_NFIELDS];
  nx_str s[NX_NFIELDS];
  char email[24], card[20]; /* s[NX_P_EMAIL] and s[NX_P_CARD] point here */
} nexmark_ev;

/* Flink's defaults (10,000 events/s), base time 2015-07-15 00:00:00.000. */
void nexmark_cfg_default(nexmark_cfg *c);
/* Event-time rate: shape 0 SQUARE (first, next, first ... each for half a period), 1 SINE
 * (a cosine from first to next and back over the period, in 10 steps). Rates in events per
 * second of event time. NULL, or a message when the period is too short for the rates. */
const char *nexmark_cfg_rate(nexmark_cfg *c, int shape, int64_t first, int64_t next,
                             int64_t period_ms);
/* Event time of event number n (monotone in n). */
int64_t nexmark_ts(const nexmark_cfg *c, uint64_t n);
/* The inter-event delay (microseconds of event time) at event number n. */
double nexmark_delay_us(const nexmark_cfg *c, uint64_t n);
/* The event number n's id after out-of-order grouping. */
uint64_t nexmark_adjusted(const nexmark_cfg *c, uint64_t n);
/* Event number n, computed from n alone; `needed` is a mask of NX_BIT(field). Thread-safe. */
void nexmark_event(const nexmark_cfg *c, uint64_t n, uint64_t needed, nexmark_ev *out);
/* Builds the static text pools and tables once per process (nexmark_event calls it). */
void nexmark_init(void);

/* The connector's options (nexmark.c), and the generator configuration they give: events
 * (0: unbounded), paced (emit at the event-time rate). Used by the source and `sluice gen`. */
extern const opt_def nx_opts[];
sl_status nexmark_cfg_opts(const opt_list *o, const char *table, nexmark_cfg *c, uint64_t *events,
                           bool *paced, sl_error *e);

#endif
