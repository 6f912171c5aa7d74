/* agg.c - the aggregate function table: names, argument counts, Flink's result types, whether
 * a function can take retractions, and the reference docs generated from it (agg_docs).
 * Must not touch: accumulators (acc.c, side.c) or any operator. */
#include <string.h>

#include "agg.h"

static const char *rt_count(const sl_type *a, int n, sl_type *out) {
  (void)a;
  (void)n;
  *out = type_make(T_BIGINT);
  return NULL;
}

/* SUM: INT -> INT, BIGINT -> BIGINT, FLOAT/DOUBLE keep theirs, DECIMAL(p,s) -> DECIMAL(38,s). */
static const char *rt_sum(const sl_type *a, int n, sl_type *out) {
  (void)n;
  if (!type_is_numeric(a[0])) return "takes a numeric argument";
  *out = a[0].id == T_DECIMAL ? type_decimal(DEC_MAX_PREC, a[0].scale) : type_make(a[0].id);
  return NULL;
}

/* AVG, STDDEV_*, VAR_*: the argument's type, DECIMAL(p,s) -> DECIMAL(38, max(6,s)) (Flink's
 * FlinkTypeSystem.deriveAvgAggType; STDDEV/VAR are rewritten over SUM/COUNT in that type). */
static const char *rt_avg(const sl_type *a, int n, sl_type *out) {
  (void)n;
  if (!type_is_numeric(a[0])) return "takes a numeric argument";
  *out = a[0].id == T_DECIMAL ? type_decimal(DEC_MAX_PREC, a[0].scale > 6 ? a[0].scale : 6)
                              : type_make(a[0].id);
  return NULL;
}

static const char *rt_same(const sl_type *a, int n, sl_type *out) {
  (void)n;
  if (a[0].id == T_NULL) return "needs a typed argument (CAST the NULL)";
  *out = a[0];
  return NULL;
}

static const char *rt_listagg(const sl_type *a, int n, sl_type *out) {
  if (a[0].id != T_STRING) return "takes a STRING argument (CAST it first)";
  if (n > 1 && a[1].id != T_STRING) return "the LISTAGG separator must be a STRING literal";
  *out = type_make(T_STRING);
  return NULL;
}

static const agg_def defs[] = {
    {"COUNT", AGG_COUNT, 0, 1, rt_count, true,
     "Number of rows (`COUNT(*)`) or of non-NULL values of `x`; `DISTINCT` counts each value "
     "once. `BIGINT NOT NULL`: 0 for an empty group.",
     "COUNT(*), COUNT([DISTINCT] x)"},
    {"SUM", AGG_SUM, 1, 1, rt_sum, true,
     "Sum of the non-NULL values; NULL when there are none. `INT` -> `INT` and `BIGINT` -> "
     "`BIGINT` (overflow wraps around as in Java), `DECIMAL(p, s)` -> `DECIMAL(38, s)` (exact; "
     "NULL when the sum needs more than 38 digits), `DOUBLE` -> `DOUBLE`.",
     "SUM([DISTINCT] x)"},
    {"AVG", AGG_AVG, 1, 1, rt_avg, true,
     "Average of the non-NULL values; NULL when there are none. In the argument's type: "
     "`AVG(INT)` is an `INT` (the sum divided by the count, truncated), `DECIMAL(p, s)` -> "
     "`DECIMAL(38, max(6, s))` rounded HALF_UP.",
     "AVG([DISTINCT] x)"},
    {"MIN", AGG_MIN, 1, 1, rt_same, true,
     "Smallest non-NULL value, of any comparable type (numbers, strings bytewise, dates, "
     "timestamps, booleans). On updating input it keeps a count per distinct value.",
     "MIN(x)"},
    {"MAX", AGG_MAX, 1, 1, rt_same, true, "Largest non-NULL value; see `MIN`.", "MAX(x)"},
    {"STDDEV_POP", AGG_STDDEV_POP, 1, 1, rt_avg, true,
     "Population standard deviation, computed as Flink does: "
     "`POWER((SUM(x*x) - SUM(x)*SUM(x)/COUNT(x)) / COUNT(x), 0.5)` in the result type, which is "
     "the argument's type (so integer input gives a truncated integer) or `DECIMAL(38, max(6, "
     "s))`. NULL for an empty group.",
     "STDDEV_POP([DISTINCT] x)"},
    {"STDDEV_SAMP", AGG_STDDEV_SAMP, 1, 1, rt_avg, true,
     "Sample standard deviation: as `STDDEV_POP` divided by `COUNT(x) - 1`; NULL for fewer "
     "than two values.",
     "STDDEV_SAMP([DISTINCT] x)"},
    {"VAR_POP", AGG_VAR_POP, 1, 1, rt_avg, true,
     "Population variance: `STDDEV_POP` without the square root.", "VAR_POP([DISTINCT] x)"},
    {"VAR_SAMP", AGG_VAR_SAMP, 1, 1, rt_avg, true,
     "Sample variance: `STDDEV_SAMP` without the square root.", "VAR_SAMP([DISTINCT] x)"},
    {"FIRST_VALUE", AGG_FIRST_VALUE, 1, 1, rt_same, true,
     "First non-NULL value in arrival order. On updating input the values are kept in arrival "
     "order and a retraction removes the earliest equal one.",
     "FIRST_VALUE(x)"},
    {"LAST_VALUE", AGG_LAST_VALUE, 1, 1, rt_same, true,
     "Last non-NULL value in arrival order; see `FIRST_VALUE`.", "LAST_VALUE(x)"},
    {"LISTAGG", AGG_LISTAGG, 1, 2, rt_listagg, true,
     "The non-NULL strings joined in arrival order with `sep` (a string literal, default "
     "`,`); NULL when there are none. A retraction removes the earliest equal value.",
     "LISTAGG([DISTINCT] x [, sep])"},
};

const agg_def *agg_table(int *n) {
  *n = (int)(sizeof defs / sizeof defs[0]);
  return defs;
}

const agg_def *agg_lookup(const char *name) {
  int n;
  const agg_def *d = agg_table(&n);
  for (int i = 0; i < n; i++)
    if (str_ieq(d[i].name, name)) return &d[i];
  return NULL;
}

void agg_docs(FILE *f) {
  int n;
  const agg_def *d = agg_table(&n);
  fputs("| aggregate | description |\n|---|---|\n", f);
  for (int i = 0; i < n; i++) fprintf(f, "| `%s` | %s |\n", d[i].signature, d[i].doc);
}
