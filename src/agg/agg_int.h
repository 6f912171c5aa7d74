/* agg_int.h - internal to agg/: the compiled form of an aggregate call, the accumulator block
 * layouts and the helpers shared by acc.c (numbers, dispatch) and side.c (the structures that
 * hang off a block: MIN/MAX value counts, value lists, DISTINCT maps, kept strings).
 * Not a public header: only the files of agg/ include it. */
#ifndef SLUICE_AGG_INT_H
#define SLUICE_AGG_INT_H

#include "agg.h"

/* How a call accumulates. */
enum {
  F_COUNT,    /* COUNT(*), COUNT(x): acc_count */
  F_SUM_I,    /* SUM/SUM0/AVG over INT/BIGINT: acc_sum_i */
  F_SUM_F,    /* ... over FLOAT/DOUBLE: acc_sum_f */
  F_SUM_D,    /* ... over DECIMAL: acc_sum_d */
  F_VAR_I,    /* STDDEV/VAR over INT/BIGINT: acc_var_i */
  F_VAR_F,    /* ... over FLOAT/DOUBLE: acc_var_f */
  F_VAR_D,    /* ... over DECIMAL: acc_var_d */
  F_VALUE,    /* MIN/MAX/FIRST/LAST append-only: acc_val (one kept value) */
  F_MINMAX_R, /* MIN/MAX on updating input: acc_side -> mm_side (value -> count) */
  F_LIST_R,   /* FIRST/LAST/LISTAGG on updating input: acc_side -> vlist (arrival order) */
  F_LISTAGG,  /* LISTAGG append-only: acc_lagg (the joined string so far) */
};

/* A sum of 38-digit decimals that cannot overflow: hi * 10^38 + lo, |lo| < 10^38. The 128-bit
 * low part is kept as two words because a block is only 8-byte aligned. */
typedef struct wide {
  uint64_t lo0;
  int64_t lo1;
  int64_t hi;
} wide;

typedef struct acc_count {
  int64_t n;
} acc_count;
typedef struct acc_sum_i {
  int64_t sum; /* wraps like Java: INT results take the low 32 bits */
  int64_t n;   /* non-NULL values in */
} acc_sum_i;
typedef struct acc_sum_f {
  double sum;
  int64_t n;
} acc_sum_f;
typedef struct acc_sum_d {
  wide sum;
  int64_t n;
} acc_sum_d;
typedef struct acc_var_i {
  int64_t sq, sum, n;
} acc_var_i;
typedef struct acc_var_f {
  double sq, sum;
  int64_t n;
} acc_var_f;
typedef struct acc_var_d {
  wide sq, sum;
  int64_t n;
} acc_var_d;
typedef struct acc_val {
  sl_value v; /* v.null: nothing yet; a string points into buf */
  char *buf;
  uint64_t cap;
} acc_val;
typedef struct acc_side {
  void *p; /* mm_side or vlist, allocated on first use */
} acc_side;
typedef struct acc_lagg {
  char *buf;
  uint64_t len, cap;
  int64_t n;
} acc_lagg;

typedef struct agg_call {
  agg_spec sp;
  int form;
  bool distinct;
  size_t off;  /* of the call's part of the block (the DISTINCT map pointer first) */
  size_t ioff; /* of the accumulator proper */
  size_t size; /* bytes of the accumulator proper */
  /* DECIMAL STDDEV/VAR: the scales and types of Flink's rewrite (see acc.c) */
  int s_arg, s_res;
  sl_type t_mul, t_div, t_add, t_q;
} agg_call;

struct agg_set {
  int n;
  agg_call *c;
  size_t size;
  bool retract;
  bool side; /* some call keeps memory outside the block (agg_release has work to do) */
  state_alloc *alloc;
  sl_buf *scratch; /* packing one value (the set is used by one operator, one thread) */
};

static inline void *blk(void *acc, size_t off) { return (char *)acc + off; }
static inline const void *cblk(const void *acc, size_t off) { return (const char *)acc + off; }

sl_status agg_oom(const agg_set *s, sl_error *e);

/* acc.c: one value into (sign +1) or out of (-1) a call's accumulator; merge; result. */
sl_status acc_value(const agg_set *s, const agg_call *c, void *a, const sl_value *x, int sign,
                    sl_error *e);
sl_status acc_merge(const agg_set *s, const agg_call *c, void *dst, const void *src, sl_error *e);
void acc_result(const agg_call *c, const void *a, sl_value *out, sl_arena *strings);

/* side.c */
bool val_keep(const agg_set *s, acc_val *a, const sl_value *x, sl_type t);
void val_release(const agg_set *s, acc_val *a);
sl_status mm_value(const agg_set *s, const agg_call *c, acc_side *a, const sl_value *x, int sign,
                   sl_error *e);
sl_status mm_merge(const agg_set *s, const agg_call *c, acc_side *d, const acc_side *src,
                   sl_error *e);
bool mm_result(const agg_call *c, const acc_side *a, sl_value *out);
sl_status list_value(const agg_set *s, const agg_call *c, acc_side *a, const sl_value *x, int sign,
                     sl_error *e);
sl_status list_merge(const agg_set *s, const agg_call *c, acc_side *d, const acc_side *src,
                     sl_error *e);
void list_result(const agg_call *c, const acc_side *a, sl_value *out, sl_arena *strings);
bool lagg_put(const agg_set *s, acc_lagg *a, const char *p, size_t n);
sl_status dist_value(const agg_set *s, const agg_call *c, void *acc, const sl_value *x, int sign,
                     sl_error *e);
sl_status dist_merge(const agg_set *s, const agg_call *c, void *dst, const void *src, sl_error *e);
void side_release(const agg_set *s, const agg_call *c, void *acc);
void side_snapshot(const agg_call *c, const void *acc, sl_buf *out);
bool side_restore(const agg_set *s, const agg_call *c, void *acc, state_reader *r);

#endif
