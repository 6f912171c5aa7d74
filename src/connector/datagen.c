/* datagen.c - the datagen source (Flink's option keys): rows made up from per-column rules,
 * random (uniform between min and max, hex strings of a length, timestamps up to max-past in
 * the past) or sequence (start to end, which bounds the source), with a NULL rate, paced at
 * 'rows-per-second' by a loop timer, bounded by 'number-of-rows'. Every column has its own
 * generator seeded from 'seed' and the column's name, so a column's values do not depend on
 * which other columns a query reads, nor on the batch size: only the columns the plan needs
 * are generated, straight into the batch.
 * Must not touch: anything after the source (the rows are emitted, nothing else). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "connector.h"

static const opt_def dg_opts[] = {
    {"connector", OPT_STRING, NULL, NULL, true, "datagen"},
    {"rows-per-second", OPT_STRING, "10000", NULL, false,
     "rows generated per second (a positive integer), or 'unlimited' (sluice extension: as fast "
     "as the pipeline takes them, for benchmarks)"},
    {"number-of-rows", OPT_INT, NULL, NULL, false,
     "rows to generate; the source is then bounded (default: unbounded unless a column is a "
     "sequence, which ends the source at its end)"},
    {"seed", OPT_INT, "0", NULL, false,
     "sluice extension: the seed of the random generators; the same seed gives the same rows "
     "every run (timestamps with 'max-past' are relative to the time of the run)"},
    {"fields.#.kind", OPT_ENUM, "random", "random|sequence", false,
     "generator of column # (its name): random values, or a sequence from 'start' to 'end'"},
    {"fields.#.min", OPT_STRING, NULL, NULL, false,
     "random: smallest value (numbers; default the type's smallest; sluice also takes a "
     "timestamp or date here)"},
    {"fields.#.max", OPT_STRING, NULL, NULL, false,
     "random: largest value (numbers; default the type's largest; sluice also takes a timestamp "
     "or date here)"},
    {"fields.#.max-past", OPT_DURATION, "0", NULL, false,
     "random TIMESTAMP/TIMESTAMP_LTZ without min/max: the value is the time of the run minus a "
     "random duration up to this"},
    {"fields.#.length", OPT_INT, "100", NULL, false, "random STRING: characters (hex digits)"},
    {"fields.#.start", OPT_STRING, NULL, NULL, false,
     "sequence: first value (required; integers and decimals, and as a sluice extension "
     "timestamps and dates, which step by one millisecond or day)"},
    {"fields.#.end", OPT_STRING, NULL, NULL, false,
     "sequence: last value (required); the source ends after it"},
    {"fields.#.null-rate", OPT_STRING, "0", NULL, false,
     "fraction of NULL values of the column, 0 to 1"},
    {NULL, 0, NULL, NULL, false, NULL}};

typedef struct dg_field {
  sl_type t;
  bool needed, sequence;
  uint64_t rng;      /* splitmix64 state */
  uint64_t null_cut; /* a draw below this is NULL (0: never) */
  /* random: [lo, lo + span] (span UINT64_MAX: the full 64-bit range); sequence: lo + row */
  int64_t lo;
  uint64_t span;
  __int128 dlo, dspan; /* DECIMAL random */
  int64_t dstep;       /* DECIMAL sequence: unscaled step of 1 */
  double flo, fhi;     /* DOUBLE/FLOAT random */
  int len;             /* STRING random */
  bool past;           /* TIMESTAMP random relative to now: value = now - draw */
} dg_field;

typedef struct dg_source {
  sl_op base;
  int source;
  dg_field *f;
  int nf;
  sl_batch b;
  uint64_t row, total; /* rows made, rows to make (UINT64_MAX: unbounded) */
  int64_t rate;        /* rows per second, 0 unlimited */
  int64_t start_ms;
  uint64_t timer;
  int64_t tz;
} dg_source;

static inline uint64_t splitmix(uint64_t *s) {
  uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* Uniform in [0, span] (span + 1 values; UINT64_MAX: any 64 bits). */
static inline uint64_t below(uint64_t *s, uint64_t span) {
  uint64_t x = splitmix(s);
  if (span == UINT64_MAX) return x;
  return (uint64_t)(((unsigned __int128)x * (span + 1)) >> 64);
}

static void fill_column(dg_source *d, int c, int n, int64_t now) {
  dg_field *f = &d->f[c];
  sl_batch *b = &d->b;
  int nc = b->ncols;
  sl_value *v = b->v + c;
  static const char hex[] = "0123456789abcdef";
  for (int r = 0; r < n; r++, v += nc) {
    if (f->null_cut && splitmix(&f->rng) < f->null_cut) {
      *v = value_null();
      continue;
    }
    uint64_t row = d->row + (uint64_t)r;
    switch (f->t.id) {
    case T_BOOLEAN:
      *v = value_int(f->sequence ? (int64_t)(row & 1) : (int64_t)(splitmix(&f->rng) >> 63));
      break;
    case T_DECIMAL:
      if (f->sequence)
        *v = value_decimal(f->dlo + (__int128)row * f->dstep);
      else {
        unsigned __int128 x = ((unsigned __int128)splitmix(&f->rng) << 64) | splitmix(&f->rng);
        *v = value_decimal(f->dlo + (__int128)(x % ((unsigned __int128)f->dspan + 1)));
      }
      break;
    case T_FLOAT:
    case T_DOUBLE:
      if (f->sequence)
        *v = value_double((double)(f->lo + (int64_t)row));
      else {
        double u = (double)(splitmix(&f->rng) >> 11) * 0x1.0p-53;
        *v = value_double(f->flo + u * (f->fhi - f->flo));
      }
      break;
    case T_STRING:
      if (f->sequence) {
        char tmp[24];
        int k = snprintf(tmp, sizeof tmp, "%lld", (long long)(f->lo + (int64_t)row));
        *v = value_str(arena_strndup(&b->arena, tmp, (size_t)k), (size_t)k);
      } else {
        char *s = arena_alloc(&b->arena, (size_t)f->len + 1);
        for (int i = 0; i < f->len; i += 16) {
          uint64_t x = splitmix(&f->rng);
          for (int k = 0; k < 16 && i + k < f->len; k++, x >>= 4) s[i + k] = hex[x & 15];
        }
        s[f->len] = 0;
        *v = value_str(s, (size_t)f->len);
      }
      break;
    default: /* INT, BIGINT, DATE, TIMESTAMP(_LTZ): 64-bit integers */
      if (f->sequence)
        *v = value_int(f->lo + (int64_t)row);
      else if (f->past)
        *v = value_int(now - (int64_t)below(&f->rng, f->span));
      else
        *v = value_int((int64_t)((uint64_t)f->lo + below(&f->rng, f->span)));
      break;
    }
  }
}

static void pace_ready(sl_loop *l, uint64_t id, void *arg) {
  dg_source *d = arg;
  d->timer = 0;
  op_source_ready(&d->base);
}

static sl_status dg_pump(sl_op *op, pump_result *res, sl_error *e) {
  dg_source *d = (dg_source *)op;
  sl_batch *b = &d->b;
  if (d->row >= d->total) {
    *res = PUMP_ENDED;
    return SL_OK;
  }
  uint64_t n = (uint64_t)b->cap, left = d->total - d->row;
  if (n > left) n = left;
  if (d->rate > 0) { /* rows due by now at the rate; wait for a handful when none is */
    int64_t now = loop_now_ms();
    if (!d->start_ms) d->start_ms = now;
    uint64_t due = (uint64_t)((__int128)(now - d->start_ms) * d->rate / 1000) + 1;
    uint64_t want = (uint64_t)(d->rate / 50 > 0 ? d->rate / 50 : 1); /* <= 50 wake-ups/s */
    if (want > n) want = n;
    if (due < d->row + want) {
      int64_t at =
          d->start_ms + (int64_t)(((__int128)(d->row + want) * 1000 + d->rate - 1) / d->rate);
      if (!d->timer) d->timer = loop_add_timer(op->job->loop, at - now, 0, pace_ready, d);
      *res = PUMP_WAIT;
      return SL_OK;
    }
    if (due - d->row < n) n = due - d->row;
  }
  int64_t now = op->job->ctx.now_ms;
  for (int c = 0; c < d->nf; c++) {
    dg_field *f = &d->f[c];
    if (!f->needed) continue;
    fill_column(d, c, (int)n, f->t.id == T_TIMESTAMP ? now + d->tz : now);
  }
  for (int r = 0; r < (int)n; r++)
    b->pos[r] = (sl_rowpos){(uint32_t)d->source, 0, d->row + (uint64_t)r + 1};
  b->nrows = (int)n;
  d->row += n;
  op->job->sources[d->source].rows_read += n;
  sl_status st = op_emit(op, b, e);
  batch_clear(b);
  *res = PUMP_EMITTED;
  return st;
}

static sl_status dg_stop(sl_op *op, bool publish, sl_error *e) {
  dg_source *d = (dg_source *)op;
  if (d->timer) loop_del_timer(op->job->loop, d->timer);
  d->timer = 0;
  return SL_OK;
}

static void dg_describe(const sl_op *op, sl_buf *out) {
  const dg_source *d = (const dg_source *)op;
  int used = 0;
  for (int i = 0; i < d->nf; i++) used += d->f[i].needed;
  buf_printf(out, "datagen, %d of %d columns", used, d->nf);
  if (d->total != UINT64_MAX) buf_printf(out, ", %llu rows", (unsigned long long)d->total);
  if (d->rate) buf_printf(out, ", %lld rows/s", (long long)d->rate);
}

static void dg_free(sl_op *op) {
  dg_source *d = (dg_source *)op;
  if (d->timer && op->job->loop) loop_del_timer(op->job->loop, d->timer);
  batch_free(&d->b);
  free(d->f);
  free(d);
}

static const op_vt dg_vt = {
    .kind = "Source", .pump = dg_pump, .stop = dg_stop, .describe = dg_describe, .free = dg_free};

/* ---- options ---- */

typedef struct dg_ctx {
  const conn_ctx *c;
  sl_error *e;
  const char *col;
  char key[160];
} dg_ctx;

static const char *fopt(dg_ctx *x, const char *name) {
  snprintf(x->key, sizeof x->key, "fields.%s.%s", x->col, name);
  return opt_get(&x->c->opts, NULL, x->key);
}

static sl_status bad(dg_ctx *x, const char *key, const char *v, const char *what) {
  return err_set(x->e, SL_ESQL, "table '%s': '%s' = '%s' is not %s", x->c->table, key, v, what);
}

/* A bound (min, max, start, end) in the column's representation: integers as they are,
 * DATE in days, timestamps in milliseconds (extensions), decimals unscaled. */
static sl_status parse_bound(dg_ctx *x, const char *name, sl_type t, int64_t *i, __int128 *dec,
                             double *dbl) {
  const char *v = fopt(x, name);
  size_t n = strlen(v);
  char tn[48];
  switch (t.id) {
  case T_INT:
  case T_BIGINT:
    if (!text_to_int64(v, n, i) || (t.id == T_INT && (*i < INT32_MIN || *i > INT32_MAX)))
      return bad(x, x->key, v, t.id == T_INT ? "an INT" : "a BIGINT");
    return SL_OK;
  case T_FLOAT:
  case T_DOUBLE:
    if (!text_to_double(v, n, dbl) || !isfinite(*dbl)) return bad(x, x->key, v, "a number");
    *i = (int64_t)*dbl;
    return SL_OK;
  case T_DECIMAL:
    if (!dec_parse(v, n, t.prec, t.scale, dec))
      return bad(x, x->key, v, type_name(t, tn, sizeof tn));
    return SL_OK;
  case T_DATE:
    if (!date_parse(v, n, i)) return bad(x, x->key, v, "a date such as '2024-01-31'");
    return SL_OK;
  case T_TIMESTAMP:
  case T_TIMESTAMP_LTZ: {
    bool zone;
    int64_t off;
    if (!ts_parse(v, n, i, &zone, &off))
      return bad(x, x->key, v, "a timestamp such as '2024-01-31 10:00:00'");
    if (t.id == T_TIMESTAMP_LTZ) *i -= zone ? off : x->c->schema.tz_offset_ms;
    return SL_OK;
  }
  case T_STRING: /* sequence of numbers as text */
    if (!text_to_int64(v, n, i)) return bad(x, x->key, v, "an integer");
    return SL_OK;
  default: return bad(x, x->key, v, "a value of this column's type");
  }
}

static bool supported(sl_type t) {
  switch (t.id) {
  case T_BOOLEAN:
  case T_INT:
  case T_BIGINT:
  case T_FLOAT:
  case T_DOUBLE:
  case T_DECIMAL:
  case T_STRING:
  case T_DATE:
  case T_TIMESTAMP:
  case T_TIMESTAMP_LTZ: return true;
  default: return false;
  }
}

/* An option that does not apply to the column's kind or type is an error, not a silent no-op. */
static sl_status refuse(dg_ctx *x, const char *name, bool applies, const char *why) {
  if (applies || !fopt(x, name)) return SL_OK;
  return err_set(x->e, SL_ESQL, "table '%s': '%s' %s", x->c->table, x->key, why);
}

static sl_status setup_field(dg_ctx *x, dg_field *f, uint64_t seed) {
  sl_type t = f->t;
  char tn[48];
  type_name(t, tn, sizeof tn);
  if (!supported(t))
    return err_set(x->e, SL_ESQL, "table '%s': datagen cannot generate column '%s' of type %s",
                   x->c->table, x->col, tn);
  /* the column's own stream: the seed and its name, nothing else */
  uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a of the name */
  for (const char *p = x->col; *p; p++) h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
  f->rng = seed ^ h;
  splitmix(&f->rng);
  const char *kind = fopt(x, "kind");
  f->sequence = kind && str_ieq(kind, "sequence");
  const char *nr = fopt(x, "null-rate");
  if (nr) {
    double r;
    if (!text_to_double(nr, strlen(nr), &r) || !(r >= 0 && r <= 1))
      return bad(x, x->key, nr, "a fraction between 0 and 1");
    f->null_cut = r >= 1 ? UINT64_MAX : (uint64_t)(r * 18446744073709551616.0);
  }
  bool ts = t.id == T_TIMESTAMP || t.id == T_TIMESTAMP_LTZ;
  sl_status st;
  if ((st = refuse(x, "length", t.id == T_STRING && !f->sequence,
                   "applies to random STRING columns only")) ||
      (st =
           refuse(x, "max-past", ts && !f->sequence, "applies to random TIMESTAMP columns only")) ||
      (st = refuse(x, "start", f->sequence, "applies to 'kind' = 'sequence' only")) ||
      (st = refuse(x, "end", f->sequence, "applies to 'kind' = 'sequence' only")) ||
      (st = refuse(x, "min", !f->sequence && t.id != T_STRING && t.id != T_BOOLEAN,
                   "applies to random numbers, dates and timestamps only")) ||
      (st = refuse(x, "max", !f->sequence && t.id != T_STRING && t.id != T_BOOLEAN,
                   "applies to random numbers, dates and timestamps only")))
    return st;
  if (f->sequence) {
    if (t.id == T_BOOLEAN || (!fopt(x, "start") || !fopt(x, "end"))) {
      if (t.id == T_BOOLEAN)
        return err_set(x->e, SL_ESQL, "table '%s': a BOOLEAN column cannot be a sequence",
                       x->c->table);
      return err_set(x->e, SL_ESQL,
                     "table '%s': column '%s' is a sequence: it needs 'fields.%s.start' and "
                     "'fields.%s.end'",
                     x->c->table, x->col, x->col, x->col);
    }
    return SL_OK; /* bounds read by the caller (they bound the source) */
  }
  switch (t.id) {
  case T_STRING: {
    const char *l = fopt(x, "length");
    int64_t len = 100;
    if (l && (!text_to_int64(l, strlen(l), &len) || len < 0 || len > 1 << 20))
      return bad(x, x->key, l, "a length between 0 and 1048576");
    if (t.len > 0 && len > t.len) len = t.len;
    f->len = (int)len;
    return SL_OK;
  }
  case T_BOOLEAN: return SL_OK;
  case T_FLOAT:
  case T_DOUBLE: {
    int64_t i;
    __int128 d;
    f->flo = t.id == T_FLOAT ? 1.17549435e-38 : 4.9e-324; /* Flink's defaults: MIN_VALUE .. */
    f->fhi = t.id == T_FLOAT ? 3.40282347e+38 : 1.7976931348623157e308; /* .. MAX_VALUE */
    if (fopt(x, "min") && (st = parse_bound(x, "min", t, &i, &d, &f->flo))) return st;
    if (fopt(x, "max") && (st = parse_bound(x, "max", t, &i, &d, &f->fhi))) return st;
    if (f->flo > f->fhi) break;
    return SL_OK;
  }
  case T_DECIMAL: {
    int64_t i;
    double dd;
    __int128 lo = -(dec_pow10[t.prec] - 1), hi = dec_pow10[t.prec] - 1;
    if (fopt(x, "min") && (st = parse_bound(x, "min", t, &i, &lo, &dd))) return st;
    if (fopt(x, "max") && (st = parse_bound(x, "max", t, &i, &hi, &dd))) return st;
    if (lo > hi) break;
    f->dlo = lo;
    f->dspan = hi - lo;
    return SL_OK;
  }
  default: { /* INT, BIGINT, DATE, TIMESTAMP(_LTZ) */
    int64_t lo = t.id == T_INT ? INT32_MIN : INT64_MIN, hi = t.id == T_INT ? INT32_MAX : INT64_MAX;
    __int128 d;
    double dd;
    if (t.id == T_DATE) { /* Flink: today; sluice: between min and max when given */
      lo = hi = floor_div(x->c->job->ctx.now_ms + x->c->schema.tz_offset_ms, 86400000);
    }
    if (ts && !fopt(x, "min") && !fopt(x, "max")) { /* Flink: now - random(max-past) */
      int64_t past = 0;
      const char *mp = fopt(x, "max-past");
      if (mp && opt_parse_duration(mp, &past) != SL_OK) return bad(x, x->key, mp, "a duration");
      f->past = true;
      f->span = (uint64_t)past;
      return SL_OK;
    }
    if (fopt(x, "min") && (st = parse_bound(x, "min", t, &lo, &d, &dd))) return st;
    if (fopt(x, "max") && (st = parse_bound(x, "max", t, &hi, &d, &dd))) return st;
    if (lo > hi) break;
    f->lo = lo;
    f->span = (uint64_t)hi - (uint64_t)lo;
    return SL_OK;
  }
  }
  return err_set(x->e, SL_ESQL, "table '%s': 'fields.%s.min' is above 'fields.%s.max'", x->c->table,
                 x->col, x->col);
}

/* A sequence column: its start and step; returns how many values it has. */
static sl_status setup_sequence(dg_ctx *x, dg_field *f, uint64_t *count) {
  sl_type t = f->t;
  int64_t a = 0, b = 0;
  __int128 da = 0, db = 0;
  double fa = 0, fb = 0;
  sl_status st;
  if ((st = parse_bound(x, "start", t, &a, &da, &fa)) ||
      (st = parse_bound(x, "end", t, &b, &db, &fb)))
    return st;
  if (t.id == T_DECIMAL) {
    f->dlo = da;
    f->dstep = (int64_t)dec_pow10[t.scale];
    if (db < da) goto backwards;
    *count = (uint64_t)((db - da) / f->dstep) + 1;
    return SL_OK;
  }
  if (t.id == T_FLOAT || t.id == T_DOUBLE) {
    a = (int64_t)ceil(fa);
    b = (int64_t)floor(fb);
  }
  if (b < a) goto backwards;
  f->lo = a;
  *count = (uint64_t)b - (uint64_t)a + 1;
  if (*count == 0) *count = UINT64_MAX; /* the whole 64-bit range */
  return SL_OK;
backwards:
  return err_set(x->e, SL_ESQL, "table '%s': 'fields.%s.end' is before 'fields.%s.start'",
                 x->c->table, x->col, x->col);
}

/* Every 'fields.<name>.<option>' key must name a column of the table. */
static sl_status check_field_keys(const conn_ctx *c, sl_error *e) {
  for (int i = 0; i < c->opts.n; i++) {
    const char *k = c->opts.v[i].key;
    if (strncmp(k, "fields.", 7)) continue;
    const char *name = k + 7, *dot = strrchr(name, '.');
    if (!dot) continue;
    bool found = false;
    for (int j = 0; j < c->schema.ncols && !found; j++)
      found = strlen(c->schema.names[j]) == (size_t)(dot - name) &&
              !strncmp(c->schema.names[j], name, (size_t)(dot - name));
    if (found) continue;
    err_set(e, SL_ESQL, "table '%s': option '%s' names no column of the table", c->table, k);
    char col[128];
    snprintf(col, sizeof col, "%.*s", (int)(dot - name), name);
    const char *near = str_closest(col, c->schema.names, c->schema.ncols);
    if (near) err_hint(e, "did you mean 'fields.%s%s'?", near, dot);
    return SL_ESQL;
  }
  return SL_OK;
}

static sl_op *dg_source_new(const conn_ctx *c, sl_error *e) {
  if (check_field_keys(c, e)) return NULL;
  int64_t rate = 10000, seed = 0, rows = -1;
  const char *v = opt_get(&c->opts, dg_opts, "rows-per-second");
  if (str_ieq(v, "unlimited"))
    rate = 0;
  else if (!text_to_int64(v, strlen(v), &rate) || rate <= 0)
    return err_set(e, SL_ESQL,
                   "table '%s': 'rows-per-second' = '%s' is not a positive number of rows "
                   "(or 'unlimited')",
                   c->table, v),
           NULL;
  v = opt_get(&c->opts, dg_opts, "number-of-rows");
  if (v && (!text_to_int64(v, strlen(v), &rows) || rows < 0))
    return err_set(e, SL_ESQL, "table '%s': 'number-of-rows' = '%s' is not a number of rows",
                   c->table, v),
           NULL;
  v = opt_get(&c->opts, dg_opts, "seed");
  if (!text_to_int64(v, strlen(v), &seed))
    return err_set(e, SL_ESQL, "table '%s': 'seed' = '%s' is not an integer", c->table, v), NULL;
  dg_source *d = xcalloc(1, sizeof *d);
  op_init(&d->base, &dg_vt, c->job, c->table);
  d->source = c->source_index;
  d->nf = c->schema.ncols;
  d->f = xcalloc((size_t)(d->nf ? d->nf : 1), sizeof(dg_field));
  d->rate = rate;
  d->tz = c->schema.tz_offset_ms;
  d->total = rows >= 0 ? (uint64_t)rows : UINT64_MAX;
  dg_ctx x = {c, e, NULL, {0}};
  for (int i = 0; i < d->nf; i++) {
    dg_field *f = &d->f[i];
    f->t = c->schema.types[i];
    f->needed = !c->schema.needed || c->schema.needed[i];
    x.col = c->schema.names[i];
    uint64_t count = UINT64_MAX;
    if (setup_field(&x, f, (uint64_t)seed) || (f->sequence && setup_sequence(&x, f, &count))) {
      dg_free(&d->base);
      return NULL;
    }
    if (f->sequence && count < d->total) d->total = count; /* Flink: the first end ends it */
  }
  d->base.bounded = d->total != UINT64_MAX;
  batch_init(&d->b, d->nf, c->job->batch_rows);
  return &d->base;
}

const conn_def conn_datagen = {
    "datagen",
    dg_opts,
    true,
    false,
    false,
    "Generates rows (as Flink's datagen): per column random values or a sequence, at "
    "'rows-per-second', bounded by 'number-of-rows' or by the end of a sequence column, else "
    "unbounded. Per-column options are `fields.<column>.<option>`. With the same 'seed' a run "
    "makes the same rows (random timestamps without min/max are relative to the time of the "
    "run, as in Flink). Types: BOOLEAN, INT, BIGINT, FLOAT, DOUBLE, DECIMAL, STRING, DATE, "
    "TIMESTAMP(3), TIMESTAMP_LTZ(3). Only the columns a query uses are generated.",
    dg_source_new,
    NULL,
    NULL,
    false, /* one generator, on worker 0: its rows continue one random sequence per column */
    false,
    NULL};
