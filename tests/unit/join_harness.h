/* join_harness.h - shared by test_ops_join_time.c and test_ops_join_window.c: a capture that
 * records every row as "+I|v|v..." (optionally projected, with COALESCE of two columns) and every
 * watermark as "WM(ts)", and checks that no row is behind a watermark already forwarded; a
 * seeded splitmix64; an order-free row comparison. */
#ifndef SLUICE_JOIN_HARNESS_H
#define SLUICE_JOIN_HARNESS_H

#include "ops/ops.h"
#include "unit.h"

typedef struct jt_cap {
  sl_op base;
  char **ev;
  int n, cap, nrows;
  int proj[12][2]; /* output column: in column [0], or [1] (>= 0) when that is NULL */
  int nproj;       /* 0: every column */
  int tcols[2];    /* time columns checked against the last watermark (-1: none) */
  int64_t last_wm;
  int behind;  /* rows with a time below the watermark already forwarded */
  int wm_back; /* watermarks that went backwards */
  int ends;
} jt_cap;

jt_cap *jt_new(sl_job *j, sl_op *from); /* a capture fed by `from` (added to the job) */
/* A row as the capture shows it: proj NULL (nproj 0) for every column. Caller frees. */
char *jt_fmt(const sl_value *row, const sl_type *types, int n, const int (*proj)[2], int nproj);
char *jt_events(const jt_cap *c, int from); /* events [from, n) joined with "; " */
char *jt_rows(const jt_cap *c);             /* the rows only, sorted, joined with "; " */

extern uint64_t jt_rng;
uint64_t jt_rnd(void);
int64_t jt_rnd_in(int64_t lo, int64_t hi);

/* The same rows in any order (both arrays are sorted); prints the first difference. */
bool same_sorted(char **a, int na, char **b, int nb, uint64_t seed, const char *what);

#define CHECK_OWN(expr, want)                                                                      \
  do {                                                                                             \
    char *got_ = (expr);                                                                           \
    CHECK_STR(got_, want);                                                                         \
    free(got_);                                                                                    \
  } while (0)

#endif
