/* test_ops_group.c - ops/ group aggregation and Expand on hand-built jobs (ops_harness.h):
 * changelogs checked row by row and, for random inputs (seed printed), materialised and compared
 * with a naive recomputation; retraction input, TTL, batch mode, state freed, snapshots. */
#include <stdlib.h>

#include "ops_harness.h"
#include "unit.h"


static void check_events(th_cap *c, int from, const char *want, int line) {
  char *got = th_cap_join(c, from);
  if (strcmp(got, want) != 0) {
    fprintf(stderr, "line %d:\n got: %s\nwant: %s\n", line, got, want);
    unit_failures++;
  }
  free(got);
}
#define EVENTS(c, from, want) check_events(c, from, want, __LINE__)

/* ---- Expand ---- */

TEST(expand_emits_one_row_per_grouping_set) {
  sl_job *j = job_new();
  j->batch_rows = 2; /* several output batches per input batch */
  sl_error e = {0};
  static const char *const in_names[] = {"a", "b", "v"};
  static const sl_type in_types[] = {
      {T_STRING, 0, 0, 0, 0}, {T_BIGINT, 0, 0, 0, 0}, {T_BIGINT, 0, 0, 0, 0}};
  static const char *const out_names[] = {"a", "b", "v", "$e"};
  static const sl_type out_types[] = {{T_STRING, 0, 0, 0, 0},
                                      {T_BIGINT, 0, 0, 0, 0},
                                      {T_BIGINT, 0, 0, 0, 0},
                                      {T_BIGINT, 0, 0, 0, 0}};
  /* ROLLUP(a, b): (a, b), (a), () */
  static const bool s0[] = {true, true, true}, s1[] = {true, false, true},
                    s2[] = {false, false, true};
  const bool *const keep[] = {s0, s1, s2};
  th_src *src = th_src_new(j, 3, in_names, in_types);
  sl_op *x = op_expand_new(j, 3, keep, (op_cols){4, out_names, out_types}, &e);
  CHECK(x != NULL);
  th_cap *c = th_wire(j, src, x);
  sl_value r1[] = {value_str("k", 1), value_int(7), value_int(10)};
  sl_value r2[] = {value_null(), value_int(8), value_int(20)};
  th_add(src, RK_INSERT, 1, r1);
  th_add(src, RK_DELETE, 2, r2);
  CHECK(th_flush(src, &e) == SL_OK);
  EVENTS(c, 0,
         "+I(k, 7, 10, 0); +I(k, NULL, 10, 1); +I(NULL, NULL, 10, 2); "
         "-D(NULL, 8, 20, 0); -D(NULL, NULL, 20, 1); -D(NULL, NULL, 20, 2)");
  CHECK(th_wm(src, 5, &e) == SL_OK);
  CHECK(th_end(src, &e) == SL_OK);
  EVENTS(c, 6, "WM(5); WM(inf); END");
  sl_buf d = {0};
  x->vt->describe(x, &d);
  CHECK_STR(buf_cstr(&d), "3 grouping sets: (a, b, v), (a, v), (v)");
  buf_free(&d);
  job_free(j);
}
