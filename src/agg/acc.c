/* acc.c - aggregate accumulators: compiling calls into an agg_set (block layout), adding and
 * retracting rows, merging slices, results in Flink's types, and block snapshots. The numeric
 * forms (COUNT, SUM, AVG, STDDEV/VAR) live here; what hangs off a block (MIN/MAX counts, value
 * lists, DISTINCT maps, kept strings) is in side.c.
 * Must not touch: operators, batches, the state maps of the operator that owns the blocks. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "agg_int.h"

/* ---- wide decimal sums ---- */
#define P38 (dec_pow10[38])
static __int128 w_lo(const wide *w) {
  return (__int128)(((unsigned __int128)(uint64_t)w->lo1 << 64) | w->lo0);
}
/* lo + x with |lo|, |x| < 10^38, carried into hi so that no 128-bit sum overflows (2 * 10^38
 * does not fit): a same-signed lo is first moved one 10^38 toward zero. */
static void w_add(wide *w, __int128 x, int sign) {
  __int128 lo = w_lo(w);
  int64_t hi = w->hi;
  if (sign < 0) x = -x;
  if (lo > 0 && x > 0)
    lo -= P38, hi++;
  else if (lo < 0 && x < 0)
    lo += P38, hi--;
  lo += x;
  w->lo0 = (uint64_t)lo;
  w->lo1 = (int64_t)(lo >> 64);
  w->hi = hi;
}
static void w_addw(wide *d, const wide *s) {
  w_add(d, w_lo(s), 1);
  d->hi += s->hi;
}
/* The sum when it fits 38 digits. */
static bool w_get(const wide *w, __int128 *out) {
  __int128 lo = w_lo(w);
  if (w->hi == 0)
    *out = lo;
  else if (w->hi == 1 && lo < 0)
    *out = lo + P38;
  else if (w->hi == -1 && lo > 0)
    *out = lo - P38;
  else
    return false;
  return true;
}

/* ---- Flink's DECIMAL result types (LogicalTypeMerging), for the STDDEV/VAR rewrite ---- */
static sl_type d_adjust(int p, int s) {
  if (p <= 38) return type_decimal(p, s);
  int intd = p - s, mins = s < 6 ? s : 6;
  return type_decimal(38, 38 - intd > mins ? 38 - intd : mins);
}
static sl_type d_mul(sl_type a, sl_type b) {
  return d_adjust(a.prec + b.prec + 1, a.scale + b.scale);
}
static sl_type d_div(sl_type a, sl_type b) {
  int s = 6 > a.scale + b.prec + 1 ? 6 : a.scale + b.prec + 1;
  return d_adjust(a.prec - a.scale + b.scale + s, s);
}
static sl_type d_add(sl_type a, sl_type b) {
  int s = a.scale > b.scale ? a.scale : b.scale;
  int ip = a.prec - a.scale > b.prec - b.scale ? a.prec - a.scale : b.prec - b.scale;
  return d_adjust(ip + s + 1, s);
}

/* ---- compiling ---- */
static bool is_var(int k) {
  return k == AGG_STDDEV_POP || k == AGG_STDDEV_SAMP || k == AGG_VAR_POP || k == AGG_VAR_SAMP;
}

agg_set *agg_set_new(const agg_spec *calls, int n, state_alloc *alloc, bool retract) {
  agg_set *s = xcalloc(1, sizeof *s);
  s->n = n;
  s->c = xcalloc((size_t)(n ? n : 1), sizeof *s->c);
  s->retract = retract;
  s->alloc = alloc;
  s->scratch = xcalloc(1, sizeof *s->scratch);
  size_t off = 0;
  for (int i = 0; i < n; i++) {
    agg_call *c = &s->c[i];
    c->sp = calls[i];
    int k = c->sp.kind, t = c->sp.arg_type.id;
    bool fl = t == T_FLOAT || t == T_DOUBLE, dec = t == T_DECIMAL;
    /* DISTINCT changes nothing for MIN/MAX */
    c->distinct = c->sp.distinct && k != AGG_COUNT_STAR && k != AGG_MIN && k != AGG_MAX;
    if (k == AGG_COUNT_STAR || k == AGG_COUNT)
      c->form = F_COUNT, c->size = sizeof(acc_count);
    else if (k == AGG_SUM || k == AGG_SUM0 || k == AGG_AVG)
      c->form = dec  ? F_SUM_D
                : fl ? F_SUM_F
                     : F_SUM_I,
      c->size = dec ? sizeof(acc_sum_d) : sizeof(acc_sum_i);
    else if (is_var(k))
      c->form = dec  ? F_VAR_D
                : fl ? F_VAR_F
                     : F_VAR_I,
      c->size = dec ? sizeof(acc_var_d) : sizeof(acc_var_i);
    else if ((k == AGG_LISTAGG || k == AGG_LAST_VALUE) && c->distinct)
      /* merging DISTINCT slices needs each slice's values in order: always the list */
      c->form = F_LIST_R, c->size = sizeof(acc_side);
    else if (k == AGG_LISTAGG)
      c->form = retract ? F_LIST_R : F_LISTAGG,
      c->size = retract ? sizeof(acc_side) : sizeof(acc_lagg);
    else if (k == AGG_MIN || k == AGG_MAX)
      c->form = retract ? F_MINMAX_R : F_VALUE,
      c->size = retract ? sizeof(acc_side) : sizeof(acc_val);
    else
      c->form = retract ? F_LIST_R : F_VALUE,
      c->size = retract ? sizeof(acc_side) : sizeof(acc_val);
    if (c->form == F_VAR_D) {
      sl_type x = c->sp.arg_type, cnt = type_decimal(19, 0);
      c->s_arg = x.scale;
      c->s_res = x.scale > 6 ? x.scale : 6;
      sl_type r = type_decimal(38, c->s_res);
      c->t_mul = d_mul(r, r);                                       /* x*x and SUM(x)*SUM(x) */
      c->t_div = d_div(type_decimal(38, c->t_mul.scale), cnt);      /* .. / COUNT(x) */
      c->t_add = d_add(type_decimal(38, c->t_mul.scale), c->t_div); /* SUM(x*x) - .. */
      c->t_q = d_div(c->t_add, cnt);                                /* .. / COUNT(x) [- 1] */
    }
    if (c->distinct || c->form == F_LISTAGG || c->form == F_MINMAX_R || c->form == F_LIST_R ||
        (c->form == F_VALUE && c->sp.arg_type.id == T_STRING))
      s->side = true;
    c->off = off;
    c->ioff = off + (c->distinct ? sizeof(acc_side) : 0);
    off = c->ioff + ((c->size + 7) & ~(size_t)7);
  }
  s->size = off;
  return s;
}

void agg_set_free(agg_set *s) {
  if (!s) return;
  buf_free(s->scratch);
  free(s->scratch);
  free(s->c);
  free(s);
}
size_t agg_set_size(const agg_set *s) { return s->size; }
int agg_set_count(const agg_set *s) { return s->n; }
bool agg_set_has_side(const agg_set *s) { return s->side; }
bool agg_set_retracts(const agg_set *s) {
  for (int i = 0; i < s->n; i++)
    if (s->c[i].form == F_VALUE || s->c[i].form == F_LISTAGG) return false;
  return true;
}

sl_status agg_oom(const agg_set *s, sl_error *e) {
  return err_set(e, SL_ERUNTIME, "%s: state memory limit of %zu bytes reached",
                 s->alloc->owner ? s->alloc->owner : "aggregate", s->alloc->limit);
}

void agg_init(const agg_set *s, void *acc) {
  memset(acc, 0, s->size);
  for (int i = 0; i < s->n; i++)
    if (s->c[i].form == F_VALUE) ((acc_val *)blk(acc, s->c[i].ioff))->v = value_null();
}

void agg_release(const agg_set *s, void *acc) {
  if (!s->side) return;
  for (int i = 0; i < s->n; i++) side_release(s, &s->c[i], acc);
}

/* ---- adding and retracting ---- */
static inline int64_t wrap_add(int64_t a, int64_t b, int sign) {
  return (int64_t)(sign > 0 ? (uint64_t)a + (uint64_t)b : (uint64_t)a - (uint64_t)b);
}
static inline int64_t wrap_mul(int64_t a, int64_t b) {
  return (int64_t)((uint64_t)a * (uint64_t)b);
}

sl_status acc_value(const agg_set *s, const agg_call *c, void *a, const sl_value *x, int sign,
                    sl_error *e) {
  switch (c->form) {
  case F_COUNT: ((acc_count *)a)->n += sign; return SL_OK;
  case F_SUM_I: {
    acc_sum_i *p = a;
    p->sum = wrap_add(p->sum, x->u.i, sign);
    p->n += sign;
    return SL_OK;
  }
  case F_SUM_F: {
    acc_sum_f *p = a;
    p->sum = sign > 0 ? p->sum + x->u.d : p->sum - x->u.d;
    /* SUM(FLOAT) adds in float; AVG(FLOAT) keeps a DOUBLE sum as Flink does */
    if (c->sp.arg_type.id == T_FLOAT && c->sp.kind != AGG_AVG) p->sum = (float)p->sum;
    p->n += sign;
    return SL_OK;
  }
  case F_SUM_D: {
    acc_sum_d *p = a;
    w_add(&p->sum, value_dec(x), sign);
    p->n += sign;
    return SL_OK;
  }
  case F_VAR_I: {
    acc_var_i *p = a;
    int64_t v = x->u.i, sq = wrap_mul(v, v);
    if (c->sp.arg_type.id == T_INT) sq = (int32_t)sq; /* x*x is an INT */
    p->sq = wrap_add(p->sq, sq, sign);
    p->sum = wrap_add(p->sum, v, sign);
    p->n += sign;
    return SL_OK;
  }
  case F_VAR_F: {
    acc_var_f *p = a;
    double v = x->u.d, sq = v * v;
    bool f = c->sp.arg_type.id == T_FLOAT;
    if (f) sq = (float)sq;
    p->sq = sign > 0 ? p->sq + sq : p->sq - sq;
    p->sum = sign > 0 ? p->sum + v : p->sum - v;
    if (f) p->sq = (float)p->sq, p->sum = (float)p->sum;
    p->n += sign;
    return SL_OK;
  }
  case F_VAR_D: {
    acc_var_d *p = a;
    __int128 v = value_dec(x), r, sq;
    /* x cast to DECIMAL(38, s_res), squared in Flink's product type; an overflowing square
     * is a NULL that SUM skips */
    if (dec_rescale(v, c->s_arg, c->s_res, 38, &r) &&
        dec_mul(r, c->s_res, r, c->s_res, c->t_mul.prec, c->t_mul.scale, &sq))
      w_add(&p->sq, sq, sign);
    w_add(&p->sum, v, sign);
    p->n += sign;
    return SL_OK;
  }
  case F_VALUE: {
    if (sign < 0)
      return err_set(e, SL_EINTERNAL,
                     "%s: aggregate compiled for append-only input got a "
                     "retraction",
                     s->alloc->owner ? s->alloc->owner : "agg");
    acc_val *p = a;
    int k = c->sp.kind;
    bool take = p->v.null || k == AGG_LAST_VALUE;
    if (!take && (k == AGG_MIN || k == AGG_MAX)) {
      int cmp = value_compare(x, &p->v, c->sp.arg_type);
      take = k == AGG_MIN ? cmp < 0 : cmp > 0;
    }
    if (take && !val_keep(s, p, x, c->sp.arg_type)) return agg_oom(s, e);
    return SL_OK;
  }
  case F_LISTAGG: {
    if (sign < 0)
      return err_set(e, SL_EINTERNAL,
                     "%s: LISTAGG compiled for append-only input got a "
                     "retraction",
                     s->alloc->owner ? s->alloc->owner : "agg");
    acc_lagg *p = a;
    const char *sep = c->sp.sep ? c->sp.sep : ",";
    size_t seplen = c->sp.sep ? c->sp.seplen : 1;
    if ((p->n && !lagg_put(s, p, sep, seplen)) || !lagg_put(s, p, x->u.s, x->len))
      return agg_oom(s, e);
    p->n++;
    return SL_OK;
  }
  case F_MINMAX_R: return mm_value(s, c, a, x, sign, e);
  case F_LIST_R: return list_value(s, c, a, x, sign, e);
  }
  return SL_OK;
}

static inline bool counts(const agg_call *c, const sl_value *row) {
  if (c->sp.filter >= 0) {
    const sl_value *f = &row[c->sp.filter];
    if (f->null || !f->u.i) return false;
  }
  return c->sp.arg < 0 || !row[c->sp.arg].null;
}

static sl_status add_row(const agg_set *s, void *acc, const sl_value *row, int sign, sl_error *e) {
  for (int i = 0; i < s->n; i++) {
    const agg_call *c = &s->c[i];
    if (!counts(c, row)) continue;
    const sl_value *x = c->sp.arg >= 0 ? &row[c->sp.arg] : NULL;
    sl_status st = c->distinct ? dist_value(s, c, acc, x, sign, e)
                               : acc_value(s, c, blk(acc, c->ioff), x, sign, e);
    if (st) return st;
  }
  return SL_OK;
}

sl_status agg_add(const agg_set *s, void *acc, const sl_value *row, sl_error *e) {
  return add_row(s, acc, row, 1, e);
}
sl_status agg_retract(const agg_set *s, void *acc, const sl_value *row, sl_error *e) {
  return add_row(s, acc, row, -1, e);
}

/* ---- merging ---- */
sl_status acc_merge(const agg_set *s, const agg_call *c, void *dst, const void *src, sl_error *e) {
  switch (c->form) {
  case F_COUNT: ((acc_count *)dst)->n += ((const acc_count *)src)->n; return SL_OK;
  case F_SUM_I: {
    acc_sum_i *d = dst;
    const acc_sum_i *x = src;
    d->sum = wrap_add(d->sum, x->sum, 1);
    d->n += x->n;
    return SL_OK;
  }
  case F_SUM_F: {
    acc_sum_f *d = dst;
    const acc_sum_f *x = src;
    d->sum += x->sum;
    if (c->sp.arg_type.id == T_FLOAT && c->sp.kind != AGG_AVG) d->sum = (float)d->sum;
    d->n += x->n;
    return SL_OK;
  }
  case F_SUM_D: {
    acc_sum_d *d = dst;
    const acc_sum_d *x = src;
    w_addw(&d->sum, &x->sum);
    d->n += x->n;
    return SL_OK;
  }
  case F_VAR_I: {
    acc_var_i *d = dst;
    const acc_var_i *x = src;
    d->sq = wrap_add(d->sq, x->sq, 1);
    d->sum = wrap_add(d->sum, x->sum, 1);
    d->n += x->n;
    return SL_OK;
  }
  case F_VAR_F: {
    acc_var_f *d = dst;
    const acc_var_f *x = src;
    d->sq += x->sq;
    d->sum += x->sum;
    if (c->sp.arg_type.id == T_FLOAT) d->sq = (float)d->sq, d->sum = (float)d->sum;
    d->n += x->n;
    return SL_OK;
  }
  case F_VAR_D: {
    acc_var_d *d = dst;
    const acc_var_d *x = src;
    w_addw(&d->sq, &x->sq);
    w_addw(&d->sum, &x->sum);
    d->n += x->n;
    return SL_OK;
  }
  case F_VALUE: {
    const acc_val *x = src;
    if (x->v.null) return SL_OK;
    acc_val *d = dst;
    int k = c->sp.kind;
    bool take = d->v.null || k == AGG_LAST_VALUE;
    if (!take && (k == AGG_MIN || k == AGG_MAX)) {
      int cmp = value_compare(&x->v, &d->v, c->sp.arg_type);
      take = k == AGG_MIN ? cmp < 0 : cmp > 0;
    }
    if (take && !val_keep(s, d, &x->v, c->sp.arg_type)) return agg_oom(s, e);
    return SL_OK;
  }
  case F_LISTAGG: {
    const acc_lagg *x = src;
    if (!x->n) return SL_OK;
    acc_lagg *d = dst;
    const char *sep = c->sp.sep ? c->sp.sep : ",";
    size_t seplen = c->sp.sep ? c->sp.seplen : 1;
    if ((d->n && !lagg_put(s, d, sep, seplen)) || !lagg_put(s, d, x->buf, x->len))
      return agg_oom(s, e);
    d->n += x->n;
    return SL_OK;
  }
  case F_MINMAX_R: return mm_merge(s, c, dst, src, e);
  case F_LIST_R: return list_merge(s, c, dst, src, e);
  }
  return SL_OK;
}

sl_status agg_merge(const agg_set *s, void *dst, const void *src, sl_error *e) {
  for (int i = 0; i < s->n; i++) {
    const agg_call *c = &s->c[i];
    sl_status st = c->distinct ? dist_merge(s, c, dst, src, e)
                               : acc_merge(s, c, blk(dst, c->ioff), cblk(src, c->ioff), e);
    if (st) return st;
  }
  return SL_OK;
}

/* ---- results ---- */
/* Java's (int)/(long) cast of a double: NaN is 0, out-of-range values saturate. */
static int64_t java_d2l(double d, bool is_int) {
  double lo = is_int ? -2147483648.0 : -9223372036854775808.0;
  double hi = is_int ? 2147483647.0 : 9223372036854775807.0;
  if (isnan(d)) return 0;
  if (d <= lo) return is_int ? INT32_MIN : INT64_MIN;
  if (d >= hi) return is_int ? INT32_MAX : INT64_MAX;
  return (int64_t)d;
}

/* STDDEV/VAR as Flink rewrites them (Calcite's AggregateReduceFunctionsRule), in the result
 * type: (SUM(x*x) - SUM(x)*SUM(x)/COUNT(x)) / (COUNT(x) or COUNT(x)-1), then POWER(.., 0.5)
 * for STDDEV, cast back to the result type. */
static sl_value var_result(const agg_call *c, const void *a) {
  int k = c->sp.kind;
  bool samp = k == AGG_STDDEV_SAMP || k == AGG_VAR_SAMP;
  bool root = k == AGG_STDDEV_POP || k == AGG_STDDEV_SAMP;
  const int64_t n = *(const int64_t *)cblk(a, c->size - 8);
  if (n <= 0 || (samp && n == 1)) return value_null();
  int64_t den = samp ? n - 1 : n;
  switch (c->form) {
  case F_VAR_I: {
    const acc_var_i *p = a;
    bool i32 = c->sp.arg_type.id == T_INT;
    int64_t sq = i32 ? (int32_t)p->sq : p->sq, sum = i32 ? (int32_t)p->sum : p->sum;
    int64_t sum2 = wrap_mul(sum, sum);
    if (i32) sum2 = (int32_t)sum2;
    int64_t diff = wrap_add(sq, sum2 / n, -1);
    int64_t q = diff / den;
    if (root) return value_int(java_d2l(pow((double)q, 0.5), i32));
    return value_int(i32 ? (int32_t)q : q);
  }
  case F_VAR_F: {
    const acc_var_f *p = a;
    if (c->sp.arg_type.id == T_FLOAT) {
      float sum2 = (float)p->sum * (float)p->sum;
      float diff = (float)p->sq - sum2 / (float)n;
      float q = diff / (float)den;
      return value_double(root ? (float)pow(q, 0.5) : q);
    }
    double q = (p->sq - p->sum * p->sum / (double)n) / (double)den;
    return value_double(root ? pow(q, 0.5) : q);
  }
  default: {
    const acc_var_d *p = a;
    __int128 sq, sum, r, sum2, avg, diff, q, out;
    int ms = c->t_mul.scale;
    if (!w_get(&p->sq, &sq) || !w_get(&p->sum, &sum) ||
        !dec_rescale(sum, c->s_arg, c->s_res, 38, &r) ||
        !dec_mul(r, c->s_res, r, c->s_res, c->t_mul.prec, ms, &sum2) ||
        !dec_div(sum2, ms, n, 0, c->t_div.prec, c->t_div.scale, &avg) ||
        !dec_add(sq, ms, -avg, c->t_div.scale, c->t_add.prec, c->t_add.scale, &diff) ||
        !dec_div(diff, c->t_add.scale, den, 0, c->t_q.prec, c->t_q.scale, &q))
      return value_null();
    if (root) {
      double d = pow(dec_to_double(q, c->t_q.scale), 0.5);
      if (isnan(d) || !dec_from_double(d, 38, c->s_res, &out)) return value_null();
    } else if (!dec_rescale(q, c->t_q.scale, c->s_res, 38, &out)) {
      return value_null();
    }
    return value_decimal(out);
  }
  }
}

static sl_value copy_str(sl_value v, sl_type t, sl_arena *strings) {
  if (t.id == T_STRING && !v.null && strings)
    v.u.s = v.len ? arena_strndup(strings, v.u.s, v.len) : "";
  return v;
}

void acc_result(const agg_call *c, const void *a, sl_value *out, sl_arena *strings) {
  int k = c->sp.kind;
  sl_type at = c->sp.arg_type;
  switch (c->form) {
  case F_COUNT: *out = value_int(((const acc_count *)a)->n); return;
  case F_SUM_I: {
    const acc_sum_i *p = a;
    bool i32 = at.id == T_INT;
    if (p->n <= 0)
      *out = k == AGG_SUM0 ? value_int(0) : value_null();
    else if (k == AGG_AVG)
      *out = value_int(i32 ? (int32_t)(p->sum / p->n) : p->sum / p->n);
    else
      *out = value_int(i32 ? (int32_t)p->sum : p->sum);
    return;
  }
  case F_SUM_F: {
    const acc_sum_f *p = a;
    if (p->n <= 0)
      *out = k == AGG_SUM0 ? value_double(0) : value_null();
    else if (k == AGG_AVG)
      *out =
          value_double(at.id == T_FLOAT ? (float)(p->sum / (double)p->n) : p->sum / (double)p->n);
    else
      *out = value_double(p->sum);
    return;
  }
  case F_SUM_D: {
    const acc_sum_d *p = a;
    __int128 sum, r;
    if (p->n <= 0)
      *out = k == AGG_SUM0 ? value_decimal(0) : value_null();
    else if (!w_get(&p->sum, &sum))
      *out = value_null(); /* past 38 digits, as Flink */
    else if (k != AGG_AVG)
      *out = value_decimal(sum);
    else if (dec_div(sum, at.scale, p->n, 0, 38, c->sp.type.scale, &r))
      *out = value_decimal(r);
    else
      *out = value_null();
    return;
  }
  case F_VAR_I:
  case F_VAR_F:
  case F_VAR_D: *out = var_result(c, a); return;
  case F_VALUE: /* copied in place: a copy through a temporary stalls the store forwarding */
    *out = ((const acc_val *)a)->v;
    if (at.id == T_STRING && !out->null && strings)
      out->u.s = out->len ? arena_strndup(strings, out->u.s, out->len) : "";
    return;
  case F_LISTAGG: {
    const acc_lagg *p = a;
    *out = p->n ? copy_str(value_str(p->buf, p->len), at, strings) : value_null();
    return;
  }
  case F_MINMAX_R: {
    if (!mm_result(c, a, out)) *out = value_null();
    *out = copy_str(*out, at, strings);
    return;
  }
  case F_LIST_R: list_result(c, a, out, strings); return;
  }
}

void agg_result(const agg_set *s, const void *acc, sl_value *out, sl_arena *strings) {
  for (int i = 0; i < s->n; i++) {
    const agg_call *c = &s->c[i];
    const void *a = cblk(acc, c->ioff);
    /* the common forms without a call (one per result row and aggregate) */
    if (c->form == F_COUNT)
      out[i] = value_int(((const acc_count *)a)->n);
    else if (c->form == F_VALUE && c->sp.arg_type.id != T_STRING)
      out[i] = ((const acc_val *)a)->v;
    else
      acc_result(c, a, &out[i], strings);
  }
}

/* A restored wide sum must keep |lo| < 10^38 (or adding to it could overflow). */
static bool wides_ok(const agg_call *c, const void *a) {
  if (c->form == F_SUM_D)
    return w_lo(&((const acc_sum_d *)a)->sum) < P38 && w_lo(&((const acc_sum_d *)a)->sum) > -P38;
  if (c->form != F_VAR_D) return true;
  const acc_var_d *p = a;
  __int128 x = w_lo(&p->sq), y = w_lo(&p->sum);
  return x < P38 && x > -P38 && y < P38 && y > -P38;
}

/* ---- snapshots: the numeric forms are 8-byte words; the rest is side.c's ---- */
void agg_snapshot(const agg_set *s, const void *acc, sl_buf *out) {
  for (int i = 0; i < s->n; i++) {
    const agg_call *c = &s->c[i];
    if (c->form <= F_VAR_D) {
      const uint64_t *w = cblk(acc, c->ioff);
      for (size_t j = 0; j < c->size / 8; j++) state_put_u64(out, w[j]);
    }
    side_snapshot(c, acc, out);
  }
}

bool agg_restore(const agg_set *s, void *acc, state_reader *r) {
  for (int i = 0; i < s->n; i++) {
    const agg_call *c = &s->c[i];
    if (c->form <= F_VAR_D) {
      uint64_t *w = blk(acc, c->ioff);
      for (size_t j = 0; j < c->size / 8; j++) w[j] = state_get_u64(r);
      if (r->bad || !wides_ok(c, w)) return false;
    }
    if (!side_restore(s, c, acc, r)) return false;
  }
  return !r->bad;
}
