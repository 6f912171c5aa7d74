/* test_delivery.c - barriers and durable epochs (pipeline/delivery.c, op.c): alignment over
 * inputs, stateful operators holding barriers until their rows have gone out, sinks
 * acknowledging, and the executor telling sources which positions they may commit. */
#include <stdlib.h>
#include <string.h>

#include "ops_harness.h"
#include "pipeline/pipeline.h"
#include "unit.h"

static const char *const names[2] = {"k", "ts"};
static const sl_type types[2] = {{T_BIGINT, 0, 0, 0, 0}, {T_TIMESTAMP, 3, 0, 0, 0}};

static sl_status barrier(th_src *s, uint64_t epoch, sl_error *e) {
  sl_signal b = {SIG_BARRIER, 0, epoch};
  return op_signal_emit(&s->base, &b, e);
}

static th_cap *sink_of(sl_job *j, sl_op *from) {
  th_cap *c = th_cap_new(j);
  op_connect(from, &c->base);
  job_add_sink(j, "out", "test", &c->base);
  return c;
}

TEST(barrier_aligns_over_inputs_and_skips_ended_ones) {
  sl_job *j = job_new();
  sl_error e = {0};
  th_src *a = th_src_new(j, 2, names, types), *b = th_src_new(j, 2, names, types);
  sl_op *u = op_union_new(j, 2, names, types);
  job_add_op(j, u);
  op_connect(&a->base, u);
  op_connect(&b->base, u);
  th_cap *c = sink_of(j, u);
  CHECK(barrier(a, 1, &e) == SL_OK);
  CHECK(c->base.durable_epoch == 0); /* port 1 has not passed epoch 1 yet */
  CHECK(barrier(b, 1, &e) == SL_OK);
  CHECK(c->base.durable_epoch == 1);
  CHECK(barrier(a, 3, &e) == SL_OK); /* epochs may be skipped: the newest covers the older */
  CHECK(barrier(b, 2, &e) == SL_OK);
  CHECK(c->base.durable_epoch == 2);
  CHECK(th_end(b, &e) == SL_OK); /* an ended input no longer holds barriers back */
  CHECK(c->base.durable_epoch == 3);
  job_free(j);
}

static sl_op *tumble_count(sl_job *j) {
  static const int keys[1] = {0};
  static const char *const out_names[5] = {"k", "cnt", "window_start", "window_end", "window_time"};
  static const sl_type out_types[5] = {{T_BIGINT, 0, 0, 0, 0},
                                       {T_BIGINT, 0, 0, 0, 0},
                                       {T_TIMESTAMP, 3, 0, 0, 0},
                                       {T_TIMESTAMP, 3, 0, 0, 0},
                                       {T_TIMESTAMP, 3, 0, 0, 0}};
  window_spec w = {.kind = WIN_TUMBLE, .time_col = 1, .size = 10};
  agg_spec cnt = {.kind = AGG_COUNT_STAR, .arg = -1, .filter = -1, .type = types[0]};
  window_emit em = {0};
  sl_error e = {0};
  sl_op *op =
      op_window_agg_new(j, &w, keys, 1, &cnt, 1, &em, (op_cols){5, out_names, out_types}, &e);
  if (op) job_add_op(j, op);
  return op;
}

TEST(window_aggregation_holds_a_barrier_until_its_windows_fire) {
  sl_job *j = job_new();
  sl_error e = {0};
  job_add_source(j, "events", ON_ERROR_DLQ, NULL);
  th_src *s = th_src_new(j, 2, names, types);
  sl_op *w = tumble_count(j);
  CHECK(w != NULL);
  if (!w) return;
  op_connect(&s->base, w);
  th_cap *c = sink_of(j, w);
  CHECK(barrier(s, 1, &e) == SL_OK); /* nothing kept: the barrier goes on at once */
  CHECK(c->base.durable_epoch == 1);
  sl_value r1[2] = {value_int(7), value_int(5)};
  th_add(s, RK_INSERT, 1, r1);
  CHECK(th_flush(s, &e) == SL_OK);
  CHECK(barrier(s, 2, &e) == SL_OK);
  CHECK(c->base.durable_epoch == 1); /* the row of window [0, 10) has not gone out */
  sl_value r2[2] = {value_int(7), value_int(15)};
  th_add(s, RK_INSERT, 2, r2);
  CHECK(th_flush(s, &e) == SL_OK);
  CHECK(barrier(s, 3, &e) == SL_OK);
  CHECK(th_wm(s, 8, &e) == SL_OK);
  CHECK(c->base.durable_epoch == 1);
  CHECK(th_wm(s, 9, &e) == SL_OK); /* [0, 10) fires: epoch 2's rows are out, not epoch 3's */
  CHECK(c->rows == 1);
  CHECK(c->base.durable_epoch == 2);
  CHECK(th_wm(s, 19, &e) == SL_OK);
  CHECK(c->rows == 2 && c->base.durable_epoch == 3);
  job_free(j);
}

TEST(group_aggregation_holds_barriers_for_good) {
  sl_job *j = job_new();
  sl_error e = {0};
  th_src *s = th_src_new(j, 2, names, types);
  static const int keys[1] = {0};
  static const char *const out_names[2] = {"k", "cnt"};
  static const sl_type out_types[2] = {{T_BIGINT, 0, 0, 0, 0}, {T_BIGINT, 0, 0, 0, 0}};
  agg_spec cnt = {.kind = AGG_COUNT_STAR, .arg = -1, .filter = -1, .type = types[0]};
  sl_op *g =
      op_group_agg_new(j, keys, 1, &cnt, 1, false, 0, (op_cols){2, out_names, out_types}, &e);
  CHECK(g != NULL);
  if (!g) return;
  job_add_op(j, g);
  op_connect(&s->base, g);
  th_cap *c = sink_of(j, g);
  sl_value r1[2] = {value_int(7), value_int(5)};
  th_add(s, RK_INSERT, 1, r1);
  CHECK(th_flush(s, &e) == SL_OK);
  CHECK(barrier(s, 1, &e) == SL_OK);
  CHECK(th_wm(s, 1000, &e) == SL_OK);
  CHECK(c->rows == 1 && c->base.durable_epoch == 0); /* a restart could not rebuild the count */
  job_free(j);
}

/* A source that emits `left` rows one batch per pump, waiting 1 ms between batches, and
 * records what the executor asks it to mark and commit. */
typedef struct pos_src {
  sl_op base;
  sl_batch b;
  int left, emitted;
  int marked[64];     /* marked[epoch]: rows emitted when the epoch's barrier left */
  int committed_rows; /* the rows the newest committed epoch covers */
  uint64_t committed; /* the newest committed epoch */
  bool backwards;     /* a commit went back */
  int ncommits;
} pos_src;

static void pos_wake(sl_loop *l, uint64_t id, void *arg) { op_source_ready(arg); }

static sl_status pos_pump(sl_op *op, pump_result *r, sl_error *e) {
  pos_src *s = (pos_src *)op;
  if (s->left == 0) {
    *r = PUMP_ENDED;
    return SL_OK;
  }
  s->b.nrows = 1;
  batch_row(&s->b, 0)[0] = value_int(s->left);
  batch_row(&s->b, 0)[1] = value_int(s->emitted);
  s->b.kind[0] = RK_INSERT;
  s->left--;
  s->emitted++;
  sl_status st = op_emit(op, &s->b, e);
  batch_clear(&s->b);
  loop_add_timer(op->job->loop, 1, 0, pos_wake, op);
  *r = PUMP_WAIT;
  return st;
}
static sl_status pos_mark(sl_op *op, uint64_t epoch, sl_error *e) {
  pos_src *s = (pos_src *)op;
  if (epoch < 64) s->marked[epoch] = s->emitted;
  return SL_OK;
}
static sl_status pos_durable(sl_op *op, uint64_t epoch, sl_error *e) {
  pos_src *s = (pos_src *)op;
  if (epoch < s->committed) s->backwards = true;
  s->committed = epoch;
  if (epoch < 64) s->committed_rows = s->marked[epoch];
  s->ncommits++;
  return SL_OK;
}
static void pos_free(sl_op *op) {
  batch_free(&((pos_src *)op)->b);
  free(op);
}
static const op_vt pos_vt = {.kind = "Positions",
                             .pump = pos_pump,
                             .mark = pos_mark,
                             .durable = pos_durable,
                             .free = pos_free};

TEST(executor_commits_positions_once_sinks_are_durable) {
  sl_job *j = job_new();
  sl_error e = {0};
  j->checkpoint_ms = 10;
  pos_src *s = calloc(1, sizeof *s);
  op_init(&s->base, &pos_vt, j, "positions");
  s->base.ncols = 2;
  s->base.cols = names;
  s->base.types = types;
  batch_init(&s->b, 2, 4);
  s->left = 60; /* ~60 ms: several epochs */
  job_add_op(j, &s->base);
  th_cap *c = sink_of(j, &s->base);
  CHECK(job_run(j, &e) == SL_OK);
  CHECK(c->rows == 60);
  CHECK(s->ncommits >= 2); /* at least one epoch while running, and the last one at the end */
  CHECK(!s->backwards);
  CHECK(s->committed_rows == 60); /* the end of a run commits everything */
  CHECK(j->dv == NULL);           /* freed by job_run, which set it up */
  job_free(j);
}

static char *describe(const sl_job *j) {
  char *txt = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&txt, &n);
  job_delivery_describe(j, f);
  fclose(f);
  return txt;
}

TEST(explain_says_when_positions_are_committed) {
  sl_job *j = job_new();
  sl_error e = {0};
  j->checkpoint_ms = 250;
  pos_src *s = calloc(1, sizeof *s);
  op_init(&s->base, &pos_vt, j, "positions");
  s->base.bounded = false;
  s->base.ncols = 2;
  s->base.cols = names;
  s->base.types = types;
  job_add_op(j, &s->base);
  static const int keys[1] = {0};
  static const char *const out_names[2] = {"k", "cnt"};
  static const sl_type out_types[2] = {{T_BIGINT, 0, 0, 0, 0}, {T_BIGINT, 0, 0, 0, 0}};
  agg_spec cnt = {.kind = AGG_COUNT_STAR, .arg = -1, .filter = -1, .type = types[0]};
  sink_of(j, &s->base);
  char *t = describe(j);
  CHECK(strstr(t, "at least once") && strstr(t, "every 250 ms"));
  free(t);
  sl_op *g =
      op_group_agg_new(j, keys, 1, &cnt, 1, false, 0, (op_cols){2, out_names, out_types}, &e);
  job_add_op(j, g);
  op_connect(&s->base, g);
  sink_of(j, g);
  t = describe(j);
  CHECK(strstr(t, "not committed while the run goes on: GroupAgg") != NULL);
  free(t);
  s->base.bounded = true;
  t = describe(j);
  CHECK(strstr(t, "read to its end") != NULL);
  free(t);
  sl_job *plain = job_new(); /* no source commits: nothing to say */
  t = describe(plain);
  CHECK(t && !*t);
  free(t);
  job_free(plain);
  job_free(j);
}
