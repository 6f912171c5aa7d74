/* test_ops_window_session.c - SESSION windows on hand-built jobs (ops_harness.h): the SESSION
 * TVF on its own against a naive model (sessions per partition recomputed by brute force, the
 * rows each watermark releases, late rows), its snapshot/restore against an uninterrupted run;
 * session aggregation with early firing and with 'late-data' = 'update' (the changelog applied
 * to a table equals the naive final result). Seeds are printed on failure. */
#include <stdlib.h>
#include <unistd.h>

#include "ops_harness.h"
#include "unit.h"

static uint64_t rng;
static uint64_t rnd(void) { /* splitmix64 */
  uint64_t z = (rng += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
static int64_t rnd_in(int64_t lo, int64_t hi) {
  return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1));
}

/* Events as segments: the rows between two signals, sorted, then the signal. Caller frees. */
static char *segments(char *const *ev, int n) {
  sl_buf b = {0};
  char **rows = malloc(sizeof(char *) * (size_t)(n + 1));
  int nr = 0;
  for (int i = 0; i < n; i++) {
    if (ev[i][0] == '+' || ev[i][0] == '-') {
      rows[nr++] = ev[i];
      continue;
    }
    char *s = th_join_sorted(rows, nr);
    buf_printf(&b, "[%s] %s\n", s, ev[i]);
    free(s);
    nr = 0;
  }
  char *s = th_join_sorted(rows, nr);
  buf_printf(&b, "[%s]", s);
  free(s);
  free(rows);
  char *out = strdup(buf_cstr(&b));
  buf_free(&b);
  return out;
}

static bool same_text(const char *got, const char *want, uint64_t seed, const char *what) {
  if (strcmp(got, want) == 0) return true;
  fprintf(stderr, "seed %llu (%s):\n got:  %s\n want: %s\n", (unsigned long long)seed, what, got,
          want);
  return false;
}

/* ---- input: k BIGINT, s STRING, v BIGINT, ts TIMESTAMP(3) ---- */

static const char *const in_names[4] = {"k", "s", "v", "ts"};
static const sl_type in_types[4] = {{T_BIGINT, 0, 0, 0, 0},
                                    {T_STRING, 0, 0, 0, 0},
                                    {T_BIGINT, 0, 0, 0, 0},
                                    {T_TIMESTAMP, 3, 0, 0, 0}};
static const char *const key_strs[3] = {"a", "bb", ""};

typedef struct step {
  bool is_wm;
  int64_t wm;
  int64_t k, v, ts;
  int s;
} step;

/* Rows out of order within a random bound, some far behind; watermarks strictly rising. */
static int make_script(step *s, int max) {
  int n = 0;
  int64_t t = rnd_in(-60, 20), maxts = INT64_MIN, wm = INT64_MIN;
  int64_t disorder = rnd_in(0, 8), bound = rnd_in(0, 6);
  int nkeys = (int)rnd_in(1, 4);
  while (n < max - 1) {
    t += rnd_in(0, 4);
    step r = {false,
              0,
              rnd_in(0, nkeys - 1),
              rnd_in(-50, 50),
              t - rnd_in(0, disorder),
              (int)rnd_in(0, 2)};
    if (rnd() % 12 == 0) r.ts = t - rnd_in(0, 40); /* likely late */
    s[n++] = r;
    if (r.ts > maxts) maxts = r.ts;
    if (rnd() % 4 == 0 && maxts - bound > wm && n < max) {
      wm = maxts - bound;
      s[n++] = (step){true, wm, 0, 0, 0, 0};
    }
  }
  return n;
}

static void step_row(const step *st, sl_value *row) {
  const char *ks = key_strs[st->s];
  row[0] = value_int(st->k);
  row[1] = value_str(ks, strlen(ks));
  row[2] = value_int(st->v);
  row[3] = value_int(st->ts);
}

/* Feeds steps [from, to): rows in batches of up to `per`, watermarks between. */
static void feed(th_src *src, const step *s, int from, int to, int per) {
  sl_error e = {0};
  int inb = 0;
  for (int i = from; i < to; i++) {
    if (s[i].is_wm) {
      CHECK(th_wm(src, s[i].wm, &e) == SL_OK);
      inb = 0;
      continue;
    }
    sl_value row[4];
    step_row(&s[i], row);
    th_add(src, RK_INSERT, (uint64_t)i + 1, row);
    if (++inb == per) {
      sl_status st = th_flush(src, &e);
      if (st) fprintf(stderr, "push: %s\n", e.msg);
      CHECK(st == SL_OK);
      inb = 0;
    }
  }
  CHECK(th_flush(src, &e) == SL_OK);
}

/* ---- the SESSION TVF on its own ---- */

static const char *const tvf_names[7] = {"k",          "s",          "v", "ts", "window_start",
                                         "window_end", "window_time"};
static const sl_type tvf_types[7] = {{T_BIGINT, 0, 0, 0, 0},    {T_STRING, 0, 0, 0, 0},
                                     {T_BIGINT, 0, 0, 0, 0},    {T_TIMESTAMP, 3, 0, 0, 0},
                                     {T_TIMESTAMP, 3, 0, 0, 0}, {T_TIMESTAMP, 3, 0, 0, 0},
                                     {T_TIMESTAMP, 3, 0, 0, 0}};

typedef struct tvf_run {
  sl_job *j;
  th_src *src;
  sl_op *op;
  th_cap *c;
} tvf_run;

static void tvf_open(tvf_run *r, const window_spec *w, int batch_rows) {
  sl_error e = {0};
  r->j = job_new();
  r->j->batch_rows = batch_rows;
  job_add_source(r->j, "events", ON_ERROR_DLQ, NULL);
  r->j->sources[0].late = LATE_DROP;
  r->src = th_src_new(r->j, 4, in_names, in_types);
  r->op = op_window_tvf_new(r->j, w, (op_cols){7, tvf_names, tvf_types}, &e);
  if (!r->op) fprintf(stderr, "op_window_tvf_new: %s\n", e.msg);
  CHECK(r->op != NULL);
  r->c = th_wire(r->j, r->src, r->op);
}

/* The naive model: every row keeps the id of its session; sessions of one partition touching
 * a row merge into one; a watermark releases the sessions it closes. Returns the expected
 * events (rows then the watermark; at the end the +infinity watermark and END). */
static char **naive_tvf(const window_spec *w, const step *s, int n, int *nev, int64_t *late) {
  typedef struct nsess {
    int64_t part, start, end;
    bool alive;
  } nsess;
  nsess *ss = malloc(sizeof(nsess) * (size_t)(n + 1));
  int *sid = malloc(sizeof(int) * (size_t)(n + 1)), nss = 0;
  char **ev = malloc(sizeof(char *) * (size_t)(2 * n + 8));
  *nev = 0;
  *late = 0;
  int64_t wm = WM_NONE;
  for (int i = 0; i <= n; i++) {
    bool end = i == n;
    if (end || s[i].is_wm) {
      wm = end ? WM_INFINITY : s[i].wm;
      for (int x = 0; x < nss; x++) {
        if (!ss[x].alive || wm < ss[x].end - 1) continue;
        ss[x].alive = false;
        for (int q = 0; q < i; q++) {
          if (s[q].is_wm || sid[q] != x) continue;
          sl_value row[7];
          step_row(&s[q], row);
          row[4] = value_int(ss[x].start);
          row[5] = value_int(ss[x].end);
          row[6] = value_int(ss[x].end - 1);
          char *t = th_row_text(row, tvf_types, 7);
          size_t len = strlen(t) + 4;
          ev[*nev] = malloc(len);
          snprintf(ev[(*nev)++], len, "+I%s", t);
          free(t);
        }
      }
      char buf[64];
      if (end)
        snprintf(buf, sizeof buf, "WM(inf)");
      else
        snprintf(buf, sizeof buf, "WM(%lld)", (long long)wm);
      ev[(*nev)++] = strdup(buf);
      if (end) ev[(*nev)++] = strdup("END");
      if (!end) sid[i] = -1;
      continue;
    }
    int64_t part = w->nkeys ? s[i].k : 0, ts = s[i].ts, hi = ts + w->gap;
    int64_t ms = ts, me = hi;
    bool any = false;
    for (int x = 0; x < nss; x++)
      if (ss[x].alive && ss[x].part == part && ss[x].start <= hi && ts <= ss[x].end) {
        any = true;
        if (ss[x].start < ms) ms = ss[x].start;
        if (ss[x].end > me) me = ss[x].end;
      }
    if (!any && wm != WM_NONE && wm >= hi - 1) {
      (*late)++;
      sid[i] = -1;
      continue;
    }
    int id = nss++;
    ss[id] = (nsess){part, ms, me, true};
    for (int x = 0; x < id; x++)
      if (ss[x].alive && ss[x].part == part && ss[x].start <= hi && ts <= ss[x].end) {
        ss[x].alive = false;
        for (int q = 0; q < i; q++)
          if (sid[q] == x) sid[q] = id;
      }
    sid[i] = id;
  }
  free(ss);
  free(sid);
  return ev;
}

static void tvf_case(uint64_t seed) {
  rng = seed * 6151;
  static const int part_k[1] = {0};
  window_spec w = {.kind = WIN_SESSION, .time_col = 3, .gap = rnd_in(1, 10)};
  if (rnd() % 2) w.keys = part_k, w.nkeys = 1;
  static step s[400];
  int n = make_script(s, (int)rnd_in(1, 400));
  int nev;
  int64_t late;
  char **ev = naive_tvf(&w, s, n, &nev, &late);
  tvf_run r;
  tvf_open(&r, &w, seed % 3 == 0 ? 1 : seed % 3 == 1 ? 7 : 1024);
  feed(r.src, s, 0, n, (int)rnd_in(1, 40));
  sl_error e = {0};
  CHECK(th_end(r.src, &e) == SL_OK);
  char *got = segments(r.c->ev, r.c->n), *want = segments(ev, nev);
  CHECK(same_text(got, want, seed, w.nkeys ? "partitioned" : "one partition"));
  CHECK(r.j->sources[0].late_rows == (uint64_t)late &&
        r.j->sources[0].late_dropped == (uint64_t)late);
  CHECK(r.op->mem.bytes == 0 && r.op->mem.peak > 0); /* every session released */
  free(got);
  free(want);
  for (int i = 0; i < nev; i++) free(ev[i]);
  free(ev);
  job_free(r.j);
}

TEST(window_session_tvf_against_naive_sessions) {
  for (uint64_t seed = 1; seed <= 300; seed++) tvf_case(seed);
}

/* Snapshot mid-stream, restore into a fresh instance, go on: both halves together give the
 * uninterrupted run's events. A damaged stream is refused. */
static void tvf_snap_case(uint64_t seed) {
  rng = seed * 7877;
  static const int part_k[1] = {0};
  window_spec w = {.kind = WIN_SESSION, .time_col = 3, .gap = rnd_in(1, 10)};
  if (rnd() % 2) w.keys = part_k, w.nkeys = 1;
  static step s[300];
  int n = make_script(s, (int)rnd_in(2, 300));
  int cut = (int)rnd_in(0, n), per = (int)rnd_in(1, 20);
  sl_error e = {0};
  tvf_run a, b, c, d;
  tvf_open(&a, &w, 1024);
  feed(a.src, s, 0, n, per);
  CHECK(th_end(a.src, &e) == SL_OK);
  tvf_open(&b, &w, 1024);
  feed(b.src, s, 0, cut, per);
  sl_buf snap = {0};
  CHECK(b.op->vt->snapshot(b.op, &snap, &e) == SL_OK);
  tvf_open(&c, &w, 1024);
  sl_status st = c.op->vt->restore(c.op, snap.data, snap.len, &e);
  if (st) fprintf(stderr, "seed %llu: restore: %s\n", (unsigned long long)seed, e.msg);
  CHECK(st == SL_OK);
  CHECK(c.op->mem.bytes == b.op->mem.bytes || b.op->mem.bytes == 0 || c.op->mem.bytes > 0);
  feed(c.src, s, cut, n, per);
  CHECK(th_end(c.src, &e) == SL_OK);
  char **both = malloc(sizeof(char *) * (size_t)(b.c->n + c.c->n + 1));
  int nb = 0;
  for (int i = 0; i < b.c->n; i++) both[nb++] = b.c->ev[i];
  for (int i = 0; i < c.c->n; i++) both[nb++] = c.c->ev[i];
  char *got = segments(both, nb), *want = segments(a.c->ev, a.c->n);
  CHECK(same_text(got, want, seed, "snapshot"));
  CHECK(b.j->sources[0].late_rows + c.j->sources[0].late_rows == a.j->sources[0].late_rows);
  tvf_open(&d, &w, 1024);
  snap.data[snap.len / 2] ^= 0x10;
  CHECK(d.op->vt->restore(d.op, snap.data, snap.len, &e) != SL_OK);
  free(got);
  free(want);
  free(both);
  buf_free(&snap);
  job_free(a.j);
  job_free(b.j);
  job_free(c.j);
  job_free(d.j);
}

TEST(window_session_tvf_snapshot_restore_continues_the_run) {
  for (uint64_t seed = 1; seed <= 100; seed++) tvf_snap_case(seed);
}

TEST(window_session_tvf_late_row_goes_to_the_dead_letter_file) {
  char path[] = "/tmp/sluice_session_dlqXXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  close(fd);
  window_spec w = {.kind = WIN_SESSION, .time_col = 3, .gap = 60000};
  sl_error e = {0};
  sl_job *j = job_new();
  job_add_source(j, "events", ON_ERROR_DLQ, path);
  th_src *src = th_src_new(j, 4, in_names, in_types);
  sl_op *op = op_window_tvf_new(j, &w, (op_cols){7, tvf_names, tvf_types}, &e);
  th_cap *c = th_wire(j, src, op);
  int64_t t0 = days_from_civil(2024, 1, 1) * 86400000 + 10 * 3600000; /* 10:00 */
  step s = {false, 0, 1, 5, t0, 0};
  sl_value row[4];
  step_row(&s, row);
  th_add(src, RK_INSERT, 1, row);
  CHECK(th_wm(src, t0 + 59999, &e) == SL_OK); /* the session [10:00, 10:01) closes */
  CHECK(c->rows == 1);
  s.ts = t0 - 10000; /* its session [9:59:50, 10:00:50) would have closed already */
  step_row(&s, row);
  th_add(src, RK_INSERT, 2, row);
  s.ts = t0 + 70000; /* on time: a new session */
  step_row(&s, row);
  th_add(src, RK_INSERT, 3, row);
  CHECK(th_end(src, &e) == SL_OK);
  CHECK(job_dlq_flush(j, &e) == SL_OK);
  char *got = th_cap_join(c, 0);
  CHECK_STR(got, "+I(1, a, 5, 2024-01-01 10:00:00.000, 2024-01-01 10:00:00.000, 2024-01-01 "
                 "10:01:00.000, 2024-01-01 10:00:59.999); WM(1704103259999); +I(1, a, 5, "
                 "2024-01-01 10:01:10.000, 2024-01-01 10:01:10.000, 2024-01-01 10:02:10.000, "
                 "2024-01-01 10:02:09.999); WM(inf); END");
  free(got);
  CHECK(j->sources[0].late_rows == 1 && j->sources[0].late_dead_lettered == 1);
  size_t len;
  char *text = file_read_all(path, &len, &e);
  CHECK(text != NULL);
  if (text) {
    CHECK(strstr(text, "\"stage\":\"late\"") != NULL);
    CHECK(strstr(text, "late: session [2024-01-01 09:59:50.000, 2024-01-01 10:00:50.000) already "
                       "emitted at watermark 2024-01-01 10:00:59.999") != NULL);
    free(text);
  }
  CHECK(op->mem.bytes == 0);
  job_free(j);
  unlink(path);
}
