/* nexmark.c - the `nexmark` source (Flink's nexmark table and option keys): maps the table's
 * leaf columns ("bid.price" ...) to generator fields, generates only the needed ones straight
 * into its batch (NULL for the other kinds' columns), bounded by 'events.num' or unbounded,
 * as fast as possible or paced at the event-time rate by a loop timer; in a parallel run each
 * instance takes blocks of event numbers from the table's conn_split. Also the option table
 * and its reading, shared with `sluice gen nexmark` (nexmark_write.c).
 * Must not touch: anything after the source (the rows are emitted, nothing else). */
#include <stdlib.h>
#include <string.h>

#include "nexmark.h"

const opt_def nx_opts[] = {
    {"connector", OPT_STRING, NULL, NULL, true, "nexmark"},
    {"first-event.rate", OPT_INT, "10000", NULL, false,
     "events per second of event time (the event time of event n is 2015-07-15 00:00:00 plus "
     "n / rate seconds), and the emission rate of a paced run"},
    {"next-event.rate", OPT_INT, "10000", NULL, false,
     "the second rate of 'rate.shape': when it differs from 'first-event.rate' the rate "
     "alternates (SQUARE) or swings (SINE) between the two over 'rate.period'"},
    {"rate.shape", OPT_ENUM, "SQUARE", "SQUARE|SINE", false,
     "SQUARE: 'first-event.rate' for half of 'rate.period', then 'next-event.rate' for the other "
     "half, and again; SINE: a cosine from the first rate to the next and back over the period, "
     "in 10 steps (as Beam; Flink's nexmark source ignores the shape and the next rate)"},
    {"rate.period", OPT_DURATION, "600 s", NULL, false,
     "the period of 'rate.shape' (split exactly into its steps; Beam rounds steps up to seconds)"},
    {"rate.limited", OPT_BOOL, "false", NULL, false,
     "true: emit each event when it is due at the event-time rate, as 'max-emit-speed' = "
     "'false' does (Beam's meaning; Flink's nexmark source accepts it and ignores it)"},
    {"max-emit-speed", OPT_BOOL, "true", NULL, false,
     "true: emit as fast as the pipeline takes events; false: pace emission so that event "
     "time advances with the wall clock from the start of the run (a 'rate.shape' with two "
     "rates then makes bursts)"},
    {"events.num", OPT_INT, "0", NULL, false,
     "events to generate; the source is then bounded (0: unbounded)"},
    {"person.proportion", OPT_INT, "1", NULL, false,
     "persons in every person + auction + bid proportion of consecutive event ids"},
    {"auction.proportion", OPT_INT, "3", NULL, false, "auctions in every such block of event ids"},
    {"bid.proportion", OPT_INT, "46", NULL, false, "bids in every such block of event ids"},
    {"person.avg-size", OPT_SIZE, "200b", NULL, false,
     "average idealised size of a person (8 bytes per number or time plus the strings): "
     "'extra' pads it to this (at most 512kb)"},
    {"auction.avg-size", OPT_SIZE, "500b", NULL, false, "the same for auctions"},
    {"bid.avg-size", OPT_SIZE, "100b", NULL, false, "the same for bids"},
    {"bid.hot-ratio.auctions", OPT_INT, "2", NULL, false,
     "a bid is for a hot auction (the first of the latest 100) with probability 1 - 1/ratio"},
    {"bid.hot-ratio.bidders", OPT_INT, "4", NULL, false,
     "a bid is by a hot bidder (the second of the latest 100 persons) with probability "
     "1 - 1/ratio"},
    {"auction.hot-ratio.sellers", OPT_INT, "4", NULL, false,
     "an auction is by a hot seller (the first of the latest 100 persons) with probability "
     "1 - 1/ratio"},
    {"seed", OPT_INT, "0", NULL, false,
     "sluice extension: the seed of the per-event random draws (the same seed, the same events)"},
    {"events.out-of-order-group", OPT_INT, "1", NULL, false,
     "sluice extension (Beam's outOfOrderGroupSize): event ids and times are shuffled within "
     "groups of this many consecutive events (1: in order)"},
    {NULL, 0, NULL, NULL, false, NULL}};

static sl_status bad_opt(sl_error *e, const char *table, const char *key, const char *v,
                         const char *what) {
  return err_set(e, SL_ESQL, "table '%s': '%s' = '%s' %s", table, key, v, what);
}

static sl_status get_int(const opt_list *o, const char *table, const char *key, int64_t lo,
                         int64_t hi, int64_t *out, sl_error *e) {
  const char *v = opt_get(o, nx_opts, key);
  if (!text_to_int64(v, strlen(v), out) || *out < lo || *out > hi) {
    char what[96];
    snprintf(what, sizeof what, "is not an integer from %lld to %lld", (long long)lo,
             (long long)hi);
    return bad_opt(e, table, key, v, what);
  }
  return SL_OK;
}

static sl_status get_size(const opt_list *o, const char *table, const char *key, uint32_t *out,
                          sl_error *e) {
  const char *v = opt_get(o, nx_opts, key);
  int64_t n;
  if (opt_parse_size(v, &n) != SL_OK || n < 0 || n > 512 * 1024)
    return bad_opt(e, table, key, v, "is not a size from 0 to 512kb");
  *out = (uint32_t)n;
  return SL_OK;
}

sl_status nexmark_cfg_opts(const opt_list *o, const char *table, nexmark_cfg *c, uint64_t *events,
                           bool *paced, sl_error *e) {
  nexmark_cfg_default(c);
  int64_t first, next, num, pp, ap, bp, ha, hb, hs, seed, ooo, period;
  const int64_t big = INT32_MAX;
  if (get_int(o, table, "first-event.rate", 1, big, &first, e) ||
      get_int(o, table, "next-event.rate", 1, big, &next, e) ||
      get_int(o, table, "events.num", 0, INT64_MAX, &num, e) ||
      get_int(o, table, "person.proportion", 1, 1000000, &pp, e) ||
      get_int(o, table, "auction.proportion", 1, 1000000, &ap, e) ||
      get_int(o, table, "bid.proportion", 0, 1000000, &bp, e) ||
      get_int(o, table, "bid.hot-ratio.auctions", 1, big, &ha, e) ||
      get_int(o, table, "bid.hot-ratio.bidders", 1, big, &hb, e) ||
      get_int(o, table, "auction.hot-ratio.sellers", 1, big, &hs, e) ||
      get_int(o, table, "seed", INT64_MIN, INT64_MAX, &seed, e) ||
      get_int(o, table, "events.out-of-order-group", 1, 1000000, &ooo, e) ||
      get_size(o, table, "person.avg-size", &c->avg_size[NX_PERSON], e) ||
      get_size(o, table, "auction.avg-size", &c->avg_size[NX_AUCTION], e) ||
      get_size(o, table, "bid.avg-size", &c->avg_size[NX_BID], e))
    return e->code;
  const char *v = opt_get(o, nx_opts, "rate.period");
  if (opt_parse_duration(v, &period) != SL_OK || period <= 0)
    return bad_opt(e, table, "rate.period", v, "is not a positive duration");
  v = opt_get(o, nx_opts, "rate.shape");
  int shape = str_ieq(v, "SQUARE") ? 0 : str_ieq(v, "SINE") ? 1 : -1;
  if (shape < 0) return bad_opt(e, table, "rate.shape", v, "is not SQUARE or SINE");
  c->prop[0] = (uint32_t)pp;
  c->prop[1] = (uint32_t)ap;
  c->prop[2] = (uint32_t)bp;
  c->total = (uint32_t)(pp + ap + bp);
  c->hot_auctions = (uint32_t)ha;
  c->hot_bidders = (uint32_t)hb;
  c->hot_sellers = (uint32_t)hs;
  c->seed = (uint64_t)seed;
  c->ooo_group = (uint32_t)ooo;
  const char *m = nexmark_cfg_rate(c, shape, first, next, period);
  if (m) return err_set(e, SL_ESQL, "table '%s': %s", table, m);
  *events = (uint64_t)num;
  *paced = !opt_get_bool(o, nx_opts, "max-emit-speed") || opt_get_bool(o, nx_opts, "rate.limited");
  return SL_OK;
}

/* ---- the source ---- */

typedef struct nx_col {
  int col, field, kind; /* kind -1: event_type */
  bool str, copy;       /* copy: the string lives in the event (email, card) */
} nx_col;

typedef struct nx_source {
  sl_op base;
  int source;
  nexmark_cfg cfg;
  uint64_t needed;
  nx_col *cols;
  int ncols;
  sl_batch b;
  uint64_t total;    /* events to make (UINT64_MAX: unbounded) */
  uint64_t cur, end; /* the current block of event numbers */
  uint64_t block;    /* block size of a parallel run */
  conn_split *split; /* NULL: this instance makes every event */
  bool started;      /* the first (or only) block was taken */
  bool paced;
  int64_t start_ms;
  uint64_t timer;
} nx_source;

#define NX_BLOCK 8192

/* The next block of events for this instance; false when there is none. */
static bool next_block(nx_source *d) {
  if (!d->split) {
    if (d->started) return false;
    d->started = true;
    d->cur = 0;
    d->end = d->total;
    return d->total > 0;
  }
  uint64_t k = conn_split_take(d->split);
  if (k >= d->total / d->block + 1) return false;
  d->cur = k * d->block;
  if (d->cur >= d->total) return false;
  d->end = d->total - d->cur < d->block ? d->total : d->cur + d->block;
  return true;
}

static void pace_ready(sl_loop *l, uint64_t id, void *arg) {
  nx_source *d = arg;
  d->timer = 0;
  op_source_ready(&d->base);
}

/* How many of the n events from d->cur are due now; 0 with a timer set when too few are. */
static uint64_t due(nx_source *d, uint64_t n) {
  int64_t now = loop_now_ms();
  if (!d->start_ms) d->start_ms = now;
  int64_t limit = d->cfg.base_ms + (now - d->start_ms); /* event time due by now */
  uint64_t m = 0;
  if (nexmark_ts(&d->cfg, d->cur) <= limit) { /* the last k < n with ts(cur + k) <= limit */
    uint64_t lo = 0, hi = n - 1;
    while (lo < hi) {
      uint64_t mid = lo + (hi - lo + 1) / 2;
      if (nexmark_ts(&d->cfg, d->cur + mid) <= limit)
        lo = mid;
      else
        hi = mid - 1;
    }
    m = lo + 1;
  }
  /* wake at most about 50 times a second: wait for 20 ms worth of events */
  uint64_t want = (uint64_t)(20000.0 / nexmark_delay_us(&d->cfg, d->cur));
  if (want < 1) want = 1;
  if (want > n) want = n;
  if (m >= want) return m;
  int64_t at = nexmark_ts(&d->cfg, d->cur + want - 1) - limit;
  if (!d->timer) d->timer = loop_add_timer(d->base.job->loop, at > 1 ? at : 1, 0, pace_ready, d);
  return 0;
}

static sl_status nx_pump(sl_op *op, pump_result *res, sl_error *e) {
  nx_source *d = (nx_source *)op;
  sl_batch *b = &d->b;
  if (d->cur >= d->end && !next_block(d)) {
    *res = PUMP_ENDED;
    return SL_OK;
  }
  uint64_t n = (uint64_t)b->cap;
  if (n > d->end - d->cur) n = d->end - d->cur;
  if (d->paced && !(n = due(d, n))) {
    *res = PUMP_WAIT;
    return SL_OK;
  }
  int nc = b->ncols;
  nexmark_ev ev;
  for (uint64_t r = 0; r < n; r++) {
    uint64_t num = d->cur + r;
    nexmark_event(&d->cfg, num, d->needed, &ev);
    sl_value *row = b->v + (size_t)r * (size_t)nc;
    for (int k = 0; k < d->ncols; k++) {
      const nx_col *c = &d->cols[k];
      sl_value *v = row + c->col;
      if (c->kind >= 0 && c->kind != ev.kind)
        *v = value_null();
      else if (!c->str)
        *v = value_int(ev.i[c->field]);
      else if (!c->copy)
        *v = value_str(ev.s[c->field].p, ev.s[c->field].n);
      else
        *v = value_str(arena_strndup(&b->arena, ev.s[c->field].p, ev.s[c->field].n),
                       ev.s[c->field].n);
    }
    b->pos[r] = (sl_rowpos){(uint32_t)d->source, 0, num + 1};
  }
  b->nrows = (int)n;
  d->cur += n;
  op->job->sources[d->source].rows_read += n;
  sl_status st = op_emit(op, b, e);
  batch_clear(b);
  *res = PUMP_EMITTED;
  return st;
}

static sl_status nx_stop(sl_op *op, bool publish, sl_error *e) {
  nx_source *d = (nx_source *)op;
  if (d->timer) loop_del_timer(op->job->loop, d->timer);
  d->timer = 0;
  return SL_OK;
}

static void nx_describe(const sl_op *op, sl_buf *out) {
  const nx_source *d = (const nx_source *)op;
  buf_printf(out, "nexmark, %d of %d columns", d->ncols, d->b.ncols);
  if (d->total != UINT64_MAX) buf_printf(out, ", %llu events", (unsigned long long)d->total);
  if (d->paced) buf_printf(out, ", paced");
}

static void nx_free(sl_op *op) {
  nx_source *d = (nx_source *)op;
  if (d->timer && op->job->loop) loop_del_timer(op->job->loop, d->timer);
  batch_free(&d->b);
  free(d->cols);
  free(d);
}

static const op_vt nx_vt = {
    .kind = "Source", .pump = nx_pump, .stop = nx_stop, .describe = nx_describe, .free = nx_free};

static bool type_fits(int want, sl_type t) {
  switch (want) {
  case T_INT: return t.id == T_INT || t.id == T_BIGINT;
  case T_BIGINT: return t.id == T_BIGINT;
  case T_STRING: return t.id == T_STRING;
  default: return t.id == T_TIMESTAMP || t.id == T_TIMESTAMP_LTZ;
  }
}

static sl_status unknown_column(const conn_ctx *c, const char *name, sl_error *e) {
  err_set(e, SL_ESQL,
          "table '%s': column '%s' is not a nexmark column; the columns are event_type, "
          "person ROW<id, name, emailAddress, creditCard, city, state, dateTime, extra>, "
          "auction ROW<id, itemName, description, initialBid, reserve, dateTime, expires, "
          "seller, category, extra> and bid ROW<auction, bidder, price, channel, url, "
          "dateTime, extra>",
          c->table, name);
  const char *names[NX_NFIELDS];
  for (int i = 0; i < NX_NFIELDS; i++) names[i] = nx_fields[i].name;
  const char *near = str_closest(name, names, NX_NFIELDS);
  if (near) err_hint(e, "did you mean '%s'?", near);
  return SL_ESQL;
}

static sl_op *nx_source_new(const conn_ctx *c, sl_error *e) {
  nexmark_cfg cfg;
  uint64_t events;
  bool paced;
  if (nexmark_cfg_opts(&c->opts, c->table, &cfg, &events, &paced, e)) return NULL;
  nx_col *cols = xcalloc((size_t)(c->schema.ncols ? c->schema.ncols : 1), sizeof *cols);
  int ncols = 0;
  uint64_t needed = 0;
  for (int i = 0; i < c->schema.ncols; i++) {
    const char *name = c->schema.names[i];
    int f = 0;
    while (f < NX_NFIELDS && !str_ieq(nx_fields[f].name, name)) f++;
    if (f == NX_NFIELDS) {
      free(cols);
      return unknown_column(c, name, e), NULL;
    }
    sl_type t = c->schema.types[i];
    if (!type_fits(nx_fields[f].type, t)) {
      char tn[48], want[48];
      free(cols);
      return err_set(e, SL_ESQL, "table '%s': column '%s' is %s, but nexmark makes it %s", c->table,
                     name, type_name(t, tn, sizeof tn),
                     type_name(type_make(nx_fields[f].type), want, sizeof want)),
             NULL;
    }
    if (c->schema.needed && !c->schema.needed[i]) continue;
    cols[ncols++] = (nx_col){i, f, nx_fields[f].kind, nx_fields[f].type == T_STRING,
                             f == NX_P_EMAIL || f == NX_P_CARD};
    needed |= NX_BIT(f);
  }
  nx_source *d = xcalloc(1, sizeof *d);
  op_init(&d->base, &nx_vt, c->job, c->table);
  d->source = c->source_index;
  d->cfg = cfg;
  d->needed = needed;
  d->cols = cols;
  d->ncols = ncols;
  d->total = events ? events : UINT64_MAX;
  d->paced = paced;
  d->base.bounded = events > 0;
  if (c->nworkers > 1 && c->split) {
    d->split = c->split;
    d->block = NX_BLOCK;
    if (paced) { /* small blocks, so that the workers share the due events */
      double fastest = cfg.delay_us[0];
      for (int i = 1; i < cfg.nsteps; i++)
        if (cfg.delay_us[i] < fastest) fastest = cfg.delay_us[i];
      uint64_t in20ms = (uint64_t)(20000.0 / fastest);
      d->block = in20ms < 64 ? 64 : in20ms > NX_BLOCK ? NX_BLOCK : in20ms;
    }
  }
  batch_init(&d->b, c->schema.ncols, c->job->batch_rows);
  nexmark_init();
  return &d->base;
}

const conn_def conn_nexmark = {
    "nexmark",
    nx_opts,
    true,
    false,
    false,
    "Generates the Nexmark benchmark's auction events (Flink's nexmark table and option keys): "
    "persons, auctions and bids in the proportions 1 : 3 : 46, each computed from its event "
    "number alone, so every run (and every worker of a parallel run) makes the same events. "
    "Declare the columns `event_type INT`, `person ROW<...>`, `auction ROW<...>`, "
    "`bid ROW<...>` (see nexmark.md); the ROWs of the other kinds are NULL. Bounded by "
    "'events.num', else unbounded; as fast as possible unless 'max-emit-speed' is false. Only "
    "the columns a query uses are generated.",
    nx_source_new,
    NULL,
    NULL,
    true, /* every worker generates its blocks of events */
    false,
    NULL};
