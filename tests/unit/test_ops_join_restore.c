/* test_ops_join_restore.c - the join operators' restore() against damaged snapshots that keep a
 * valid CRC (what fuzzing found, tests/fuzz/fuzz_restore.c): each stream is written by hand
 * with state_put_* and must be refused (without allocating what it claims), while the same
 * stream with sane values is accepted. Operators are built by hand (ops_harness.h).
 * Must not touch: the operators' internals (only ops.h and the op_vt entry points). */
#include <stdlib.h>

#include "ops_harness.h"
#include "unit.h"

/* Both sides: k BIGINT, ws TIMESTAMP(3), we TIMESTAMP(3). */
static const char *const names[6] = {"k", "ws", "we", "k2", "ws2", "we2"};
static const sl_type types[6] = {
    {.id = T_BIGINT}, {.id = T_TIMESTAMP, .prec = 3}, {.id = T_TIMESTAMP, .prec = 3},
    {.id = T_BIGINT}, {.id = T_TIMESTAMP, .prec = 3}, {.id = T_TIMESTAMP, .prec = 3}};
static const int key0[1] = {0};

enum { OP_JOIN, OP_JOIN_UPDATING, OP_WINDOW, OP_TEMPORAL };

typedef struct rt {
  sl_job *j;
  sl_op *op;
} rt;

static void rt_open(rt *x, int kind) {
  x->j = job_new();
  job_add_source(x->j, "s", ON_ERROR_SKIP, NULL);
  join_spec s = {.type = JOIN_FULL, .lkeys = key0, .rkeys = key0, .nkeys = 1};
  s.left = (op_cols){3, names, types};
  s.right = (op_cols){3, names + 3, types + 3};
  op_cols out = {6, names, types};
  sl_error e = {0};
  th_src *l = th_src_new(x->j, 3, names, types), *r = th_src_new(x->j, 3, names + 3, types + 3);
  l->base.updating = r->base.updating = kind == OP_JOIN_UPDATING;
  if (kind == OP_WINDOW) x->op = op_window_join_new(x->j, &s, 1, 2, 1, 2, out, &e);
  if (kind == OP_TEMPORAL) {
    s.type = JOIN_LEFT;
    x->op = op_temporal_join_new(x->j, &s, 1, 1, out, &e);
  }
  if (kind == OP_JOIN || kind == OP_JOIN_UPDATING) x->op = op_join_new(x->j, &s, false, out, &e);
  CHECK(x->op != NULL);
  th_wire(x->j, l, x->op);
  op_connect(&r->base, x->op);
}

static sl_status rt_restore(rt *x, sl_buf *b) {
  sl_error e = {0};
  state_put_end(b);
  sl_status st = x->op->vt->restore(x->op, b->data, b->len, &e);
  buf_free(b);
  return st;
}

/* A "Join" stream: the right side empty, the left side one key 1 with the given rows (count,
 * then the row (1, 0, 1000)). */
static void join_stream(sl_buf *b, const int64_t *counts, int n) {
  sl_value row[3] = {value_int(1), value_int(0), value_int(1000)};
  sl_buf key = {0};
  state_key_pack(row, key0, types, 1, &key);
  state_put_header(b, "Join", 1);
  for (int i = 0; i < 4; i++) state_put_u64(b, 0); /* expired, missing, rnull, rtotal */
  state_put_u64(b, 1);
  state_put_bytes(b, key.data, key.len);
  state_put_u64(b, (uint64_t)n);
  for (int i = 0; i < n; i++) {
    state_put_i64(b, counts[i]);
    state_put_i64(b, 0);
    state_put_row(b, row, types, 3);
  }
  state_put_u64(b, 0); /* no NULL-key rows */
  state_put_u64(b, 0); /* the right side */
  state_put_u64(b, 0);
  buf_free(&key);
}

static sl_status join_case(int kind, const int64_t *counts, int n) {
  rt x;
  rt_open(&x, kind);
  sl_buf b = {0};
  join_stream(&b, counts, n);
  sl_status st = rt_restore(&x, &b);
  job_free(x.j);
  return st;
}

TEST(join_restore_refuses_impossible_counts) {
  /* a side that does not merge equal rows keeps each with count 1; one that does keeps counts
   * up to INT32_MAX, each distinct row once (a huge count made one probe emit it that often) */
  CHECK(join_case(OP_JOIN, (int64_t[]){1, 1}, 2) == SL_OK);
  CHECK(join_case(OP_JOIN, (int64_t[]){2}, 1) != SL_OK);
  CHECK(join_case(OP_JOIN_UPDATING, (int64_t[]){3}, 1) == SL_OK);
  CHECK(join_case(OP_JOIN_UPDATING, (int64_t[]){(int64_t)1 << 56}, 1) != SL_OK);
  CHECK(join_case(OP_JOIN_UPDATING, (int64_t[]){INT64_MAX, INT64_MAX}, 2) != SL_OK);
  CHECK(join_case(OP_JOIN_UPDATING, (int64_t[]){1, 1}, 2) != SL_OK);
}

TEST(temporal_restore_checks_the_version_count_before_allocating) {
  for (int big = 0; big < 2; big++) {
    rt x;
    rt_open(&x, OP_TEMPORAL);
    sl_value row[3] = {value_int(1), value_int(0), value_int(1000)};
    sl_buf key = {0}, b = {0};
    state_key_pack(row, key0, types, 1, &key);
    state_put_header(&b, "TemporalJoin", 1);
    for (int i = 0; i < 3; i++) state_put_i64(&b, WM_NONE); /* watermarks */
    state_put_u64(&b, 1);                                   /* seq */
    state_put_u64(&b, 0);                                   /* no left rows */
    state_put_u64(&b, 1);
    state_put_bytes(&b, key.data, key.len);
    state_put_u64(&b, big ? 0xfffffff0u : 1); /* versions */
    state_put_i64(&b, 0);
    state_put_u64(&b, 0);
    state_put_u64(&b, 1);
    state_put_row(&b, row, types, 3);
    sl_status st = rt_restore(&x, &b);
    CHECK(big ? st != SL_OK : st == SL_OK);
    CHECK(x.op->mem.peak < 65536); /* not 0xfffffff0 versions' worth */
    buf_free(&key);
    job_free(x.j);
  }
}

TEST(window_restore_refuses_impossible_windows) {
  /* a window ends after it starts (end INT64_MIN overflowed end - 1 when it fired), its rows
   * carry its bounds and name one of the job's sources */
  static const int64_t cases[][5] = {
      /* start, end, the row's ws, we, its position's source; only the first is sound */
      {0, 1000, 0, 1000, 0}, {0, INT64_MIN, 0, INT64_MIN, 0}, {1000, 1000, 1000, 1000, 0},
      {0, 1000, 0, 2000, 0}, {0, 1000, 0, 1000, 1}, /* the job has one source: job_reject read past
                                                       them */
  };
  for (int c = 0; c < 5; c++) {
    rt x;
    rt_open(&x, OP_WINDOW);
    sl_buf b = {0};
    state_put_header(&b, "WindowJoin", 1);
    state_put_i64(&b, WM_NONE);
    state_put_u64(&b, 2);
    state_put_i64(&b, WM_NONE);
    state_put_i64(&b, WM_NONE);
    state_put_u64(&b, 1);
    state_put_i64(&b, cases[c][0]);
    state_put_i64(&b, cases[c][1]);
    sl_value row[3] = {value_int(1), value_int(cases[c][2]), value_int(cases[c][3])};
    state_put_u64(&b, 1);
    state_put_u64(&b, (uint64_t)cases[c][4]); /* position: source, file, line */
    state_put_u64(&b, 0);
    state_put_u64(&b, 0);
    state_put_row(&b, row, types, 3);
    state_put_u64(&b, 0);
    sl_status st = rt_restore(&x, &b);
    CHECK(c == 0 ? st == SL_OK : st != SL_OK);
    sl_error e = {0};
    sl_signal w = {SIG_WATERMARK, 5000, 0};
    if (!st) CHECK(op_signal_emit(x.op->in[0], &w, &e) == SL_OK);
    job_free(x.j);
  }
}
