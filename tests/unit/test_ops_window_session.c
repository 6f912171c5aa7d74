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
  size_t i = 0; /* from the start of the item where they part */
  while (got[i] && got[i] == want[i]) i++;
  while (i > 0 && got[i - 1] != '(' && got[i - 1] != '[') i--;
  fprintf(stderr, "seed %llu (%s) differs at:\n got:  %.300s\n want: %.300s\n",
          (unsigned long long)seed, what, got + (i ? i - 1 : 0), want + (i ? i - 1 : 0));
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

/* ---- session aggregation: early firing and late updates ----
 * GROUP BY k, s with COUNT(*), SUM(v), MAX(v) over SESSION windows. */

static const char *const agg_names[8] = {
    "k", "s", "cnt", "total", "top", "window_start", "window_end", "window_time"};
static const sl_type agg_types[8] = {{T_BIGINT, 0, 0, 0, 0},    {T_STRING, 0, 0, 0, 0},
                                     {T_BIGINT, 0, 0, 0, 0},    {T_BIGINT, 0, 0, 0, 0},
                                     {T_BIGINT, 0, 0, 0, 0},    {T_TIMESTAMP, 3, 0, 0, 0},
                                     {T_TIMESTAMP, 3, 0, 0, 0}, {T_TIMESTAMP, 3, 0, 0, 0}};
static const int agg_keys[2] = {0, 1};

typedef struct sagg_run {
  sl_job *j;
  th_src *src;
  sl_op *op;
  th_cap *c;
} sagg_run;

static void sagg_open(sagg_run *r, int64_t gap, int64_t early_ms, late_mode late, int64_t lateness,
                      const char *dlq) {
  agg_spec sp[3];
  memset(sp, 0, sizeof sp);
  sp[0] = (agg_spec){.kind = AGG_COUNT_STAR, .arg = -1, .filter = -1, .type = in_types[0]};
  sp[1] = (agg_spec){
      .kind = AGG_SUM, .arg = 2, .filter = -1, .arg_type = in_types[2], .type = in_types[2]};
  sp[2] = (agg_spec){
      .kind = AGG_MAX, .arg = 2, .filter = -1, .arg_type = in_types[2], .type = in_types[2]};
  window_spec w = {.kind = WIN_SESSION, .time_col = 3, .gap = gap};
  window_emit em = {early_ms};
  sl_error e = {0};
  r->j = job_new();
  job_add_source(r->j, "events", ON_ERROR_DLQ, dlq);
  r->j->sources[0].late = late;
  r->j->sources[0].allowed_lateness = lateness;
  r->src = th_src_new(r->j, 4, in_names, in_types);
  r->op =
      op_window_agg_new(r->j, &w, agg_keys, 2, sp, 3, &em, (op_cols){8, agg_names, agg_types}, &e);
  if (!r->op) fprintf(stderr, "op_window_agg_new: %s\n", e.msg);
  CHECK(r->op != NULL);
  r->c = th_wire(r->j, r->src, r->op);
}

typedef struct ngroup {
  int64_t k, start, end, cnt, sum, max;
  int s;
  bool fired, alive;
} ngroup;

static char *ngroup_text(const ngroup *g) {
  const char *ks = key_strs[g->s];
  sl_value v[8] = {value_int(g->k),   value_str(ks, strlen(ks)), value_int(g->cnt),
                   value_int(g->sum), value_int(g->max),         value_int(g->start),
                   value_int(g->end), value_int(g->end - 1)};
  return th_row_text(v, agg_types, 8);
}

/* The naive model with lateness L under 'update' (upd): a fired session is kept until the
 * watermark passes end - 1 + L; a row touching kept sessions merges with them; a row whose
 * merged session is closed is a late update within its lateness, else late. Returns the final
 * table (sorted, "; "-joined) and counts late rows and late updates. */
static char *naive_final(const step *s, int n, int64_t gap, bool upd, int64_t L, int64_t *late,
                         int64_t *updates) {
  ngroup *g = malloc(sizeof(ngroup) * (size_t)(n + 1));
  int ng = 0;
  int64_t wm = WM_NONE;
  *late = *updates = 0;
  for (int i = 0; i < n; i++) {
    if (s[i].is_wm) {
      wm = s[i].wm;
      for (int x = 0; x < ng; x++) {
        if (g[x].alive && wm >= g[x].end - 1) g[x].fired = true;
        if (g[x].alive && g[x].fired && wm >= g[x].end - 1 + (upd ? L : 0)) g[x].alive = false;
      }
      continue;
    }
    int64_t ts = s[i].ts, hi = ts + gap, ms = ts, me = hi;
    for (int x = 0; x < ng; x++)
      if (g[x].alive && g[x].k == s[i].k && g[x].s == s[i].s && g[x].start <= hi &&
          ts <= g[x].end && (upd || !g[x].fired)) {
        if (g[x].start < ms) ms = g[x].start;
        if (g[x].end > me) me = g[x].end;
      }
    bool closed = wm != WM_NONE && wm >= me - 1;
    if (closed && !(upd && me - 1 + L > wm)) {
      (*late)++;
      continue;
    }
    ngroup m = {s[i].k, ms, me, 1, s[i].v, s[i].v, s[i].s, closed, true};
    for (int x = 0; x < ng; x++)
      if (g[x].alive && g[x].k == s[i].k && g[x].s == s[i].s && g[x].start <= hi &&
          ts <= g[x].end && (upd || !g[x].fired)) {
        m.cnt += g[x].cnt, m.sum += g[x].sum;
        if (g[x].max > m.max) m.max = g[x].max;
        g[x].alive = false;
        g[x].cnt = 0; /* absorbed: not a result */
      }
    if (closed) (*updates)++;
    g[ng++] = m;
  }
  char **rows = malloc(sizeof(char *) * (size_t)(ng + 1));
  int nr = 0;
  for (int x = 0; x < ng; x++)
    if (g[x].cnt) rows[nr++] = ngroup_text(&g[x]);
  char *out = th_join_sorted(rows, nr);
  for (int x = 0; x < nr; x++) free(rows[x]);
  free(rows);
  free(g);
  return out;
}

static void update_case(uint64_t seed, bool early, bool upd) {
  rng = seed * 9973 + (uint64_t)early * 2 + (uint64_t)upd;
  int64_t gap = rnd_in(1, 8), L = upd ? rnd_in(1, 30) : 0;
  static step s[300];
  int n = make_script(s, (int)rnd_in(1, 300));
  int64_t late, updates;
  char *want = naive_final(s, n, gap, upd, L, &late, &updates);
  char path[] = "/tmp/sluice_session_dlqXXXXXX";
  int fd = mkstemp(path);
  close(fd);
  sagg_run r;
  sagg_open(&r, gap, early ? 1 : 0, upd ? LATE_UPDATE : LATE_DROP, L, path);
  CHECK(r.op->updating == (early || upd));
  for (int i = 0; i < n;) { /* early results whenever the 1 ms timer comes */
    int to = i + (int)rnd_in(1, 20);
    feed(r.src, s, i, to < n ? to : n, (int)rnd_in(1, 8));
    i = to;
    if (early && rnd() % 2) loop_poll(r.j->loop, (int)rnd_in(0, 2));
  }
  sl_error e = {0};
  CHECK(th_end(r.src, &e) == SL_OK);
  char *got = th_cap_table(r.c);
  CHECK(got != NULL); /* every -U/-D retracts a row emitted before */
  if (got) CHECK(same_text(got, want, seed, early ? (upd ? "early+update" : "early") : "update"));
  CHECK(r.j->sources[0].late_rows == (uint64_t)(late + updates));
  CHECK(r.j->sources[0].late_updates == (uint64_t)updates);
  CHECK(r.op->mem.bytes == 0);
  free(got);
  free(want);
  job_free(r.j);
  unlink(path);
}

TEST(window_session_agg_late_updates_against_naive) {
  for (uint64_t seed = 1; seed <= 200; seed++) update_case(seed, false, true);
}
TEST(window_session_agg_early_firing_against_naive) {
  for (uint64_t seed = 1; seed <= 60; seed++) update_case(seed, true, false);
  for (uint64_t seed = 1; seed <= 60; seed++) update_case(seed, true, true);
}

static void add_row(th_src *src, int64_t v, int64_t ts, uint64_t line) {
  step st = {false, 0, 1, v, ts, 0};
  sl_value row[4];
  step_row(&st, row);
  th_add(src, RK_INSERT, line, row);
}

/* Waits (up to 2 s) until the capture has n events. */
static void wait_events(sagg_run *r, int n) {
  int64_t t0 = loop_now_ms();
  while (r->c->n < n && loop_now_ms() - t0 < 2000) loop_poll(r->j->loop, 5);
}

TEST(window_session_agg_early_firing_retracts_merged_sessions) {
  sagg_run r;
  sagg_open(&r, 10, 5, LATE_DROP, 0, NULL);
  sl_error e = {0};
  add_row(r.src, 5, 0, 1);
  add_row(r.src, 7, 15, 2);
  CHECK(th_flush(r.src, &e) == SL_OK);
  wait_events(&r, 2);
  char *got = th_cap_join(r.c, 0);
  CHECK(strstr(got, "+I(1, a, 1, 5, 5, 1970-01-01 00:00:00.000, 1970-01-01 00:00:00.010") &&
        strstr(got, "+I(1, a, 1, 7, 7, 1970-01-01 00:00:00.015, 1970-01-01 00:00:00.025"));
  free(got);
  CHECK(r.c->n == 2);
  add_row(r.src, 1, 10, 3); /* bridges both: [0, 25) */
  CHECK(th_flush(r.src, &e) == SL_OK);
  got = th_cap_join(r.c, 2);
  CHECK_STR(got, "-D(1, a, 1, 7, 7, 1970-01-01 00:00:00.015, 1970-01-01 00:00:00.025, "
                 "1970-01-01 00:00:00.024)");
  free(got);
  wait_events(&r, 5);
  got = th_cap_join(r.c, 3);
  CHECK_STR(got, "-U(1, a, 1, 5, 5, 1970-01-01 00:00:00.000, 1970-01-01 00:00:00.010, "
                 "1970-01-01 00:00:00.009); +U(1, a, 3, 13, 7, 1970-01-01 00:00:00.000, "
                 "1970-01-01 00:00:00.025, 1970-01-01 00:00:00.024)");
  free(got);
  CHECK(th_wm(r.src, 24, &e) == SL_OK); /* closes unchanged: nothing more */
  CHECK(r.c->n == 6 && strcmp(r.c->ev[5], "WM(24)") == 0);
  CHECK(th_end(r.src, &e) == SL_OK);
  got = th_cap_table(r.c);
  CHECK_STR(got ? got : "(bad changelog)", "(1, a, 3, 13, 7, 1970-01-01 00:00:00.000, 1970-01-01 "
                                           "00:00:00.025, 1970-01-01 00:00:00.024)");
  free(got);
  CHECK(r.op->mem.bytes == 0);
  job_free(r.j);
}

TEST(window_session_agg_late_update_sequence) {
  char path[] = "/tmp/sluice_session_dlqXXXXXX";
  int fd = mkstemp(path);
  close(fd);
  sagg_run r;
  sagg_open(&r, 10, 0, LATE_UPDATE, 100, path);
  sl_error e = {0};
  add_row(r.src, 1, 0, 1);
  CHECK(th_wm(r.src, 20, &e) == SL_OK);
  add_row(r.src, 2, 5, 2); /* late, within the lateness: corrected at once */
  CHECK(th_flush(r.src, &e) == SL_OK);
  add_row(r.src, 4, 12, 3); /* touches it and reopens it: [0, 22) closes at 21 */
  CHECK(th_flush(r.src, &e) == SL_OK);
  CHECK(th_wm(r.src, 30, &e) == SL_OK);
  add_row(r.src, 8, 40, 4);
  CHECK(th_wm(r.src, 60, &e) == SL_OK);
  add_row(r.src, 16, 25, 5); /* a session of its own, closed: emitted at once */
  CHECK(th_flush(r.src, &e) == SL_OK);
  add_row(r.src, 32, 33, 6); /* bridges [25, 35) and [40, 50): -D one, -U/+U the other */
  CHECK(th_flush(r.src, &e) == SL_OK);
  CHECK(th_wm(r.src, 200, &e) == SL_OK); /* past every lateness: state freed */
  CHECK(r.op->mem.bytes == 0);
  add_row(r.src, 64, 0, 7); /* too late: dead-lettered */
  CHECK(th_end(r.src, &e) == SL_OK);
  char *got = th_cap_join(r.c, 0);
  CHECK_STR(got, "+I(1, a, 1, 1, 1, 1970-01-01 00:00:00.000, 1970-01-01 00:00:00.010, 1970-01-01 "
                 "00:00:00.009); WM(20); "
                 "-U(1, a, 1, 1, 1, 1970-01-01 00:00:00.000, 1970-01-01 00:00:00.010, 1970-01-01 "
                 "00:00:00.009); "
                 "+U(1, a, 2, 3, 2, 1970-01-01 00:00:00.000, 1970-01-01 00:00:00.015, 1970-01-01 "
                 "00:00:00.014); "
                 "-U(1, a, 2, 3, 2, 1970-01-01 00:00:00.000, 1970-01-01 00:00:00.015, 1970-01-01 "
                 "00:00:00.014); "
                 "+U(1, a, 3, 7, 4, 1970-01-01 00:00:00.000, 1970-01-01 00:00:00.022, 1970-01-01 "
                 "00:00:00.021); WM(30); "
                 "+I(1, a, 1, 8, 8, 1970-01-01 00:00:00.040, 1970-01-01 00:00:00.050, 1970-01-01 "
                 "00:00:00.049); WM(60); "
                 "+I(1, a, 1, 16, 16, 1970-01-01 00:00:00.025, 1970-01-01 00:00:00.035, 1970-01-01 "
                 "00:00:00.034); "
                 "-D(1, a, 1, 8, 8, 1970-01-01 00:00:00.040, 1970-01-01 00:00:00.050, 1970-01-01 "
                 "00:00:00.049); "
                 "-U(1, a, 1, 16, 16, 1970-01-01 00:00:00.025, 1970-01-01 00:00:00.035, 1970-01-01 "
                 "00:00:00.034); "
                 "+U(1, a, 3, 56, 32, 1970-01-01 00:00:00.025, 1970-01-01 00:00:00.050, 1970-01-01 "
                 "00:00:00.049); WM(200); WM(inf); END");
  free(got);
  CHECK(r.j->sources[0].late_updates == 3 && r.j->sources[0].late_rows == 4);
  CHECK(r.j->sources[0].late_dead_lettered == 1);
  job_free(r.j);
  unlink(path);
}

/* Session aggregation with late updates: snapshot mid-stream (sessions kept past their end,
 * the rows they emitted), restore, go on: the same changelog as an uninterrupted run. */
static void update_snap_case(uint64_t seed) {
  rng = seed * 31337;
  int64_t gap = rnd_in(1, 8), L = rnd_in(1, 30);
  static step s[300];
  int n = make_script(s, (int)rnd_in(2, 300));
  int cut = (int)rnd_in(0, n), per = (int)rnd_in(1, 20);
  char path[] = "/tmp/sluice_session_dlqXXXXXX";
  int fd = mkstemp(path);
  close(fd);
  sl_error e = {0};
  sagg_run a, b, c;
  sagg_open(&a, gap, 0, LATE_UPDATE, L, path);
  feed(a.src, s, 0, n, per);
  CHECK(th_end(a.src, &e) == SL_OK);
  sagg_open(&b, gap, 0, LATE_UPDATE, L, path);
  feed(b.src, s, 0, cut, per);
  sl_buf snap = {0};
  CHECK(b.op->vt->snapshot(b.op, &snap, &e) == SL_OK);
  sagg_open(&c, gap, 0, LATE_UPDATE, L, path);
  sl_status st = c.op->vt->restore(c.op, snap.data, snap.len, &e);
  if (st) fprintf(stderr, "seed %llu: restore: %s\n", (unsigned long long)seed, e.msg);
  CHECK(st == SL_OK);
  feed(c.src, s, cut, n, per);
  CHECK(th_end(c.src, &e) == SL_OK);
  char **both = malloc(sizeof(char *) * (size_t)(b.c->n + c.c->n + 1));
  int nb = 0;
  for (int i = 0; i < b.c->n; i++) both[nb++] = b.c->ev[i];
  for (int i = 0; i < c.c->n; i++) both[nb++] = c.c->ev[i];
  char *got = segments(both, nb), *want = segments(a.c->ev, a.c->n);
  CHECK(same_text(got, want, seed, "session snapshot with late updates"));
  CHECK(b.j->sources[0].late_updates + c.j->sources[0].late_updates ==
        a.j->sources[0].late_updates);
  CHECK(c.op->mem.bytes == 0);
  free(got);
  free(want);
  free(both);
  buf_free(&snap);
  job_free(a.j);
  job_free(b.j);
  job_free(c.j);
  unlink(path);
}

TEST(window_session_agg_snapshot_with_late_updates_continues_the_run) {
  for (uint64_t seed = 1; seed <= 80; seed++) update_snap_case(seed);
}
