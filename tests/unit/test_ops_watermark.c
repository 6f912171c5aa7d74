/* test_ops_watermark.c - ops/watermark.c and the late-row plumbing of pipeline/ (dlq.c, the
 * summary): per-split watermarks and their minimum, never backwards, NULL and failing values,
 * idleness by the loop timer (IDLE, ACTIVE, an idle split no longer holds the others back),
 * late rows dead-lettered, dropped or counted as updates, state peaks in the summary. (Its own
 * file so that it merges apart from the other operator tests.) */
#include <stdlib.h>
#include <unistd.h>

#include "ops/ops.h"
#include "unit.h"

typedef struct wrec {
  sl_op base;
  int rows, ends, idles, actives;
  int64_t wms[32];
  int nwm;
} wrec;

static sl_status wrec_push(sl_op *op, int port, const sl_batch *b, sl_error *e) {
  ((wrec *)op)->rows += b->nrows;
  return SL_OK;
}
static sl_status wrec_signal(sl_op *op, int port, const sl_signal *s, sl_error *e) {
  wrec *r = (wrec *)op;
  if (s->kind == SIG_WATERMARK && r->nwm < 32) r->wms[r->nwm++] = s->ts;
  if (s->kind == SIG_END) r->ends++;
  if (s->kind == SIG_IDLE) r->idles++;
  if (s->kind == SIG_ACTIVE) r->actives++;
  return op_signal_default(op, port, s, e);
}
static void wfree(sl_op *op) { free(op); }
static const op_vt wrec_vt = {
    .kind = "Rec", .push = wrec_push, .signal = wrec_signal, .free = wfree};
static const op_vt wfeed_vt = {.kind = "Feeder", .free = wfree};

static const sl_type ts_t[2] = {{T_TIMESTAMP, 3, 0, 0, 0}, {T_BIGINT, 0, 0, 0, 0}};
static const char *const ts_names[2] = {"ts", "n"};

typedef struct wfix {
  sl_job *j;
  sl_op *feed, *wm;
  wrec *rec;
  sl_arena a;
  sl_batch b;
} wfix;

/* feeder -> watermark(ts - 5) -> recorder */
static void wfix_init(wfix *f, int64_t idle_ms) {
  f->j = job_new();
  sl_error e = {0};
  f->feed = calloc(1, sizeof(sl_op));
  op_init(f->feed, &wfeed_vt, f->j, "src");
  f->feed->ncols = 2;
  f->feed->cols = ts_names;
  f->feed->types = ts_t;
  job_add_op(f->j, f->feed);
  arena_init(&f->a, 1024);
  sl_expr *col = expr_new(&f->a, E_COL, ts_t[0], 0);
  col->col = 0;
  sl_expr *five = expr_new(&f->a, E_LIT, type_make(T_INTERVAL), 0);
  five->lit = value_int(5);
  sl_expr *sub = expr_new(&f->a, E_ARITH, ts_t[0], 0);
  sub->ival = EOP_SUB;
  sub->args = arena_alloc(&f->a, 2 * sizeof(sl_expr *));
  sub->args[0] = col;
  sub->args[1] = five;
  sub->nargs = 2;
  op_cols out = {2, ts_names, ts_t};
  f->wm = op_watermark_new(f->j, sub, idle_ms, out, &e);
  CHECK(f->wm != NULL);
  job_add_op(f->j, f->wm);
  f->rec = calloc(1, sizeof(wrec));
  op_init(&f->rec->base, &wrec_vt, f->j, "rec");
  job_add_op(f->j, &f->rec->base);
  op_connect(f->feed, f->wm);
  op_connect(f->wm, &f->rec->base);
  batch_init(&f->b, 2, 16);
}

static void wfix_free(wfix *f) {
  batch_free(&f->b);
  job_free(f->j);
  arena_free(&f->a);
}

/* One row of file `file` at time ts (nulls: ts NULL). */
static void add(wfix *f, uint32_t file, int64_t ts, bool null) {
  sl_value *row = batch_row(&f->b, f->b.nrows);
  row[0] = null ? value_null() : value_int(ts);
  row[1] = value_int(f->b.nrows);
  f->b.pos[f->b.nrows] = (sl_rowpos){0, file, (uint64_t)f->b.nrows + 1};
  f->b.kind[f->b.nrows++] = RK_INSERT;
}
static sl_status send(wfix *f) {
  sl_error e = {0};
  sl_status st = op_emit(f->feed, &f->b, &e);
  batch_clear(&f->b);
  return st;
}

TEST(watermark_is_the_minimum_over_splits_and_never_goes_back) {
  wfix f;
  wfix_init(&f, 0);
  add(&f, 0, 100, false);
  add(&f, 0, 130, false);
  add(&f, 0, 120, false); /* out of order: the split keeps its highest */
  CHECK(send(&f) == SL_OK);
  CHECK(f.rec->rows == 3);
  CHECK(f.rec->nwm == 1 && f.rec->wms[0] == 125); /* one watermark per batch, after it */
  add(&f, 1, 50, false); /* a second split, behind: the minimum holds (never backwards) */
  CHECK(send(&f) == SL_OK);
  CHECK(f.rec->nwm == 1);
  add(&f, 1, 110, false);
  add(&f, 0, 200, false);
  CHECK(send(&f) == SL_OK);
  CHECK(f.rec->nwm == 1); /* min(195, 105) = 105 is still below 125 */
  add(&f, 1, 150, false);
  CHECK(send(&f) == SL_OK);
  CHECK(f.rec->nwm == 2 && f.rec->wms[1] == 145);
  /* NULL values and a value that stays below move nothing; the rows still pass */
  add(&f, 1, 0, true);
  add(&f, 0, 0, true);
  add(&f, 1, 140, false);
  CHECK(send(&f) == SL_OK);
  CHECK(f.rec->rows == 10 && f.rec->nwm == 2);
  /* the end of the source: +infinity and END pass */
  sl_error e = {0};
  CHECK(op_end_source(f.feed, &e) == SL_OK);
  CHECK(f.rec->nwm == 3 && f.rec->wms[2] == WM_INFINITY && f.rec->ends == 1);
  wfix_free(&f);
}

TEST(watermark_split_with_only_null_values_holds_back) {
  wfix f;
  wfix_init(&f, 0);
  add(&f, 0, 1000, false);
  add(&f, 1, 0, true);
  CHECK(send(&f) == SL_OK);
  CHECK(f.rec->nwm == 0); /* split 1 has sent a row but no watermark yet */
  add(&f, 1, 2000, false);
  CHECK(send(&f) == SL_OK);
  CHECK(f.rec->nwm == 1 && f.rec->wms[0] == 995);
  wfix_free(&f);
}

TEST(watermark_failing_expression_lets_the_row_pass) {
  wfix f;
  wfix_init(&f, 0);
  /* a second assigner whose expression fails on every row: CAST('not a time' AS TIMESTAMP) */
  sl_arena *a = &f.a;
  sl_expr *s = expr_new(a, E_LIT, type_make(T_STRING), 0);
  s->lit = value_str("not a time", 10);
  sl_expr *cast = expr_new(a, E_CAST, ts_t[0], 0);
  cast->args = arena_alloc(a, sizeof(sl_expr *));
  cast->args[0] = s;
  cast->nargs = 1;
  sl_error e = {0};
  op_cols out = {2, ts_names, ts_t};
  sl_op *bad = op_watermark_new(f.j, cast, 0, out, &e);
  CHECK(bad != NULL);
  job_add_op(f.j, bad);
  wrec *r = calloc(1, sizeof(wrec));
  op_init(&r->base, &wrec_vt, f.j, "rec2");
  job_add_op(f.j, &r->base);
  op_connect(f.feed, bad);
  op_connect(bad, &r->base);
  add(&f, 0, 100, false);
  CHECK(send(&f) == SL_OK);
  CHECK(r->rows == 1 && r->nwm == 0);
  CHECK(f.rec->rows == 1 && f.rec->nwm == 1); /* the good assigner beside it */
  wfix_free(&f);
}

TEST(watermark_idle_split_stops_holding_back_then_all_idle) {
  wfix f;
  wfix_init(&f, 40);
  add(&f, 0, 1000, false);
  add(&f, 1, 100, false);
  CHECK(send(&f) == SL_OK);
  CHECK(f.rec->nwm == 1 && f.rec->wms[0] == 95);
  /* split 0 keeps sending, split 1 is silent: after the timeout it is idle */
  int64_t t0 = loop_now_ms();
  while (loop_now_ms() - t0 < 30) {
    add(&f, 0, 1000 + (loop_now_ms() - t0), false);
    CHECK(send(&f) == SL_OK);
    loop_poll(f.j->loop, 5);
  }
  while (f.rec->nwm < 2 && loop_now_ms() - t0 < 2000) {
    add(&f, 0, 1100, false);
    CHECK(send(&f) == SL_OK);
    loop_poll(f.j->loop, 5);
  }
  CHECK(f.rec->nwm >= 2 && f.rec->wms[f.rec->nwm - 1] >= 1025); /* split 0 alone decides */
  CHECK(f.rec->idles == 0);
  /* now nothing comes: every split idle, IDLE once */
  t0 = loop_now_ms();
  while (f.rec->idles == 0 && loop_now_ms() - t0 < 2000) loop_poll(f.j->loop, 50);
  CHECK(f.rec->idles == 1);
  CHECK(f.wm->idle);
  loop_poll(f.j->loop, 100);
  CHECK(f.rec->idles == 1);
  /* split 1 sends again: ACTIVE before its rows, and it holds the minimum again, but the
   * watermark does not go back */
  int nwm = f.rec->nwm;
  add(&f, 1, 200, false);
  CHECK(send(&f) == SL_OK);
  CHECK(f.rec->actives == 1 && !f.wm->idle);
  CHECK(f.rec->nwm == nwm);
  sl_error e = {0};
  CHECK(op_end_source(f.feed, &e) == SL_OK);
  CHECK(f.rec->wms[f.rec->nwm - 1] == WM_INFINITY);
  wfix_free(&f);
}

TEST(watermark_source_without_rows_goes_idle) {
  wfix f;
  wfix_init(&f, 20);
  int64_t t0 = loop_now_ms();
  while (f.rec->idles == 0 && loop_now_ms() - t0 < 2000) loop_poll(f.j->loop, 50);
  CHECK(f.rec->idles == 1 && f.rec->nwm == 0);
  wfix_free(&f);
}

/* ---- late rows and the summary ---- */

static const op_vt keeper_vt = {.kind = "WindowAgg", .free = wfree, .keeps = "rows per window"};

TEST(late_rows_follow_the_source_policy_and_are_counted) {
  sl_job *j = job_new();
  sl_error e = {0};
  char dlq[] = "/tmp/sluice-late-XXXXXX";
  int fd = mkstemp(dlq);
  CHECK(fd >= 0);
  close(fd);
  int a = job_add_source(j, "clicks", ON_ERROR_FAIL, dlq); /* 'on-error' does not apply */
  int b = job_add_source(j, "views", ON_ERROR_DLQ, dlq);
  j->sources[a].files = malloc(sizeof(char *));
  j->sources[a].files[0] = strdup("clicks.jsonl");
  j->sources[a].nfiles = 1;
  j->sources[b].late = LATE_DROP;
  sl_rowpos pa = {(uint32_t)a, 0, 7}, pb = {(uint32_t)b, 0, 3};
  const char *row = "{\"user\":\"a\\\"b\",\"n\":1}";
  CHECK(job_late(j, &pa, "window [10:00, 10:01) was emitted at watermark 10:01:05", row,
                 strlen(row), &e) == SL_OK);
  CHECK(job_late(j, &pb, "too late", "{}", 2, &e) == SL_OK);
  CHECK(job_late(j, &pb, "too late", "{}", 2, &e) == SL_OK);
  j->sources[a].late = LATE_UPDATE;
  job_late_updated(j, &pa);
  CHECK(job_late(j, &pa, "beyond 'allowed-lateness'", "{}", 2, &e) == SL_OK);
  CHECK(j->sources[a].late_rows == 3 && j->sources[a].late_dead_lettered == 2 &&
        j->sources[a].late_updates == 1 && j->sources[a].dead_lettered == 0);
  CHECK(j->sources[b].late_rows == 2 && j->sources[b].late_dropped == 2 &&
        j->sources[b].late_dead_lettered == 0);
  CHECK(job_dlq_flush(j, &e) == SL_OK);
  FILE *f = fopen(dlq, "r");
  char line[512] = {0};
  CHECK(f && fgets(line, sizeof line, f));
  CHECK_STR(line, "{\"source\":\"clicks\",\"file\":\"clicks.jsonl\",\"line\":7,\"stage\":\"late\","
                  "\"reason\":\"window [10:00, 10:01) was emitted at watermark 10:01:05\","
                  "\"raw\":\"{\\\"user\\\":\\\"a\\\\\\\"b\\\",\\\"n\\\":1}\"}\n");
  CHECK(f && fgets(line, sizeof line, f) && strstr(line, "beyond 'allowed-lateness'"));
  CHECK(f && !fgets(line, sizeof line, f)); /* the dropped ones are not in it */
  if (f) fclose(f);
  /* the summary: late rows per source, state per stateful operator */
  sl_op *k = calloc(1, sizeof(sl_op));
  op_init(k, &keeper_vt, j, "window");
  job_add_op(j, k);
  void *p = state_malloc(&k->mem, 3 << 20);
  state_free(&k->mem, p, 3 << 20);
  char *text = NULL;
  size_t n = 0;
  FILE *m = open_memstream(&text, &n);
  job_summary(j, m, 1, 1);
  fclose(m);
  char want[256];
  snprintf(want, sizeof want,
           "  source clicks           0 rows read; 3 late: 2 dead-lettered to %s, "
           "1 applied as updates\n",
           dlq);
  CHECK(strstr(text, want) != NULL);
  CHECK(strstr(text, "  source views            0 rows read; 2 late: 2 dropped\n") != NULL);
  CHECK(strstr(text, "  state  WindowAgg #1     keeps 3.0 MiB at peak, 0 B at end\n") != NULL);
  free(text);
  unlink(dlq);
  job_free(j);
}

static void fail_tick(sl_loop *l, uint64_t id, void *arg) {
  sl_error e = {0};
  err_set(&e, SL_ERUNTIME, "timer went wrong");
  job_fail(arg, &e);
}

static sl_status wait_pump(sl_op *op, pump_result *r, sl_error *e) {
  *r = PUMP_WAIT; /* never has rows, never ends */
  return SL_OK;
}

TEST(job_fail_from_a_timer_ends_the_run_with_its_error) {
  sl_job *j = job_new();
  sl_error e = {0};
  static const op_vt wait_vt = {.kind = "Wait", .pump = wait_pump, .free = wfree};
  sl_op *src = calloc(1, sizeof(sl_op));
  op_init(src, &wait_vt, j, "wait");
  src->bounded = false;
  job_add_op(j, src);
  loop_add_timer(j->loop, 10, 0, fail_tick, j); /* only the timer can end this run */
  CHECK(job_run(j, &e) == SL_ERUNTIME);
  CHECK_STR(e.msg, "timer went wrong");
  job_free(j);
}

/* ---- CURRENT_WATERMARK in a Calc ---- */

typedef struct vrec {
  sl_op base;
  sl_value got[8];
  int n;
} vrec;
static sl_status vrec_push(sl_op *op, int port, const sl_batch *b, sl_error *e) {
  vrec *r = (vrec *)op;
  for (int i = 0; i < b->nrows && r->n < 8; i++) r->got[r->n++] = batch_row(b, i)[0];
  return SL_OK;
}
static const op_vt vrec_vt = {.kind = "VRec", .push = vrec_push, .free = wfree};

TEST(current_watermark_is_the_calc_input_watermark) {
  wfix f;
  wfix_init(&f, 0);
  sl_error e = {0};
  sl_expr *col = expr_new(&f.a, E_COL, ts_t[0], 0);
  col->col = 0;
  sl_expr *call = expr_new(&f.a, E_CALL, ts_t[0], 0);
  call->fn = fn_lookup("CURRENT_WATERMARK");
  CHECK(call->fn != NULL);
  call->args = arena_alloc(&f.a, sizeof(sl_expr *));
  call->args[0] = col;
  call->nargs = 1;
  sl_expr *proj[1] = {call};
  sl_op *c = op_calc_new(f.j, NULL, proj, 1, ts_names, ts_t, ts_names, 2, &e);
  CHECK(c != NULL);
  job_add_op(f.j, c);
  vrec *r = calloc(1, sizeof(vrec));
  op_init(&r->base, &vrec_vt, f.j, "vrec");
  job_add_op(f.j, &r->base);
  op_connect(f.wm, c);
  op_connect(c, &r->base);
  add(&f, 0, 100, false);
  CHECK(send(&f) == SL_OK); /* the row passes before the watermark it makes */
  add(&f, 0, 300, false);
  add(&f, 0, 200, false);
  CHECK(send(&f) == SL_OK);
  CHECK(r->n == 3);
  CHECK(r->got[0].null);
  CHECK(!r->got[1].null && r->got[1].u.i == 95 && r->got[2].u.i == 95);
  add(&f, 0, 310, false);
  CHECK(send(&f) == SL_OK);
  CHECK(r->n == 4 && r->got[3].u.i == 295);
  wfix_free(&f);
}

/* Snapshot mid-stream, restore into a fresh assigner, continue: the same watermarks as an
 * uninterrupted run (a slow split still holds the minimum back, nothing goes backwards); a
 * damaged or foreign stream is refused. */
TEST(watermark_snapshot_restore_continues_identically) {
  wfix whole, first, rest;
  wfix_init(&whole, 0);
  wfix_init(&first, 0);
  wfix_init(&rest, 0);
  wfix *both[2] = {&whole, &first};
  for (int k = 0; k < 2; k++) {
    add(both[k], 0, 100, false);
    add(both[k], 1, 40, false);
    add(both[k], 0, 300, false);
    CHECK(send(both[k]) == SL_OK);
  }
  sl_error e = {0};
  sl_buf snap = {0};
  CHECK(first.wm->vt->snapshot(first.wm, &snap, &e) == SL_OK);
  CHECK(rest.wm->vt->restore(rest.wm, snap.data, snap.len, &e) == SL_OK);
  CHECK(rest.wm->vt->restore(rest.wm, snap.data, snap.len, &e) != SL_OK); /* not fresh */
  wfix *cont[2] = {&whole, &rest};
  int64_t seen[2][4];
  int n[2];
  for (int k = 0; k < 2; k++) {
    int before = cont[k]->rec->nwm;
    add(cont[k], 0, 400, false); /* split 1 (at 40) still holds the minimum */
    CHECK(send(cont[k]) == SL_OK);
    add(cont[k], 1, 30, false); /* behind its own maximum: nothing moves */
    CHECK(send(cont[k]) == SL_OK);
    add(cont[k], 1, 250, false);
    CHECK(send(cont[k]) == SL_OK);
    n[k] = cont[k]->rec->nwm - before;
    for (int i = 0; i < n[k] && i < 4; i++) seen[k][i] = cont[k]->rec->wms[before + i];
  }
  CHECK(n[0] == 1 && n[1] == 1 && seen[0][0] == 245 && seen[1][0] == 245);
  wfix fresh;
  wfix_init(&fresh, 0);
  CHECK(fresh.wm->vt->restore(fresh.wm, snap.data, snap.len - 1, &e) != SL_OK);
  sl_buf other = {0};
  state_put_header(&other, "Rank", 1);
  state_put_end(&other);
  CHECK(fresh.wm->vt->restore(fresh.wm, other.data, other.len, &e) != SL_OK);
  buf_free(&other);
  buf_free(&snap);
  wfix_free(&fresh);
  wfix_free(&whole);
  wfix_free(&first);
  wfix_free(&rest);
}
