/* fuzz_restore.c - libFuzzer target: arbitrary bytes into the restore() of every join operator
 * (regular INNER/LEFT/RIGHT/FULL/SEMI/ANTI and null-aware ANTI, interval, window, temporal,
 * lookup over a local table, with a primary key, and remote through a cache), each built by
 * hand over a small fixed schema. When restore accepts the bytes, a few rows, watermarks and
 * END go through the operator, its state is snapshot again and restored into a fresh instance,
 * and everything is freed. Must never crash, leak or read uninitialised memory.
 * Input: byte 0 picks the operator, byte 1 the options (FZ_* below), the rest is the snapshot
 * without its CRC (appended here, so the fuzzer reaches the records; with FZ_RAW the bytes go
 * in as they are, CRC included). Built with -DFUZZ_RESTORE_GEN it is the seed generator, which
 * writes real snapshots of operators fed with rows (and truncated and damaged ones) as
 * tests/fuzz/corpus/restore/seed-VARIANT-OPTIONS*:
 *   make build/sluice && cc -std=c11 -D_GNU_SOURCE -DFUZZ_RESTORE_GEN -Isrc -o gen \
 *     tests/fuzz/fuzz_restore.c $(find build/obj -name '*.o' ! -name main.o) \
 *     -lm -lpcre2-8 -lutf8proc && ./gen tests/fuzz/corpus/restore
 * Must not touch: the operators' internals (only ops.h and the op_vt entry points). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/ops.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Options (byte 1). */
#define FZ_COND 1        /* ON ... AND CAST(l.s AS BIGINT) <> r.k (fails on "x": job_reject) */
#define FZ_TWO_KEYS 2    /* keys (k, s) instead of (k) */
#define FZ_UPDATING 4    /* updating inputs (-U/-D rows on the regular and lookup joins) */
#define FZ_BATCH_MODE 8  /* the regular join in batch mode */
#define FZ_SMALL_MEM 16  /* a state limit of a few KB: restore runs out of memory */
#define FZ_TINY_BATCH 32 /* output batches of 1 (or 7 with FZ_TTL) rows */
#define FZ_TTL 64        /* the regular join with a state TTL */
#define FZ_RAW 128       /* the bytes are the whole snapshot, CRC included */

/* Both sides: k BIGINT, t TIMESTAMP(3), ws TIMESTAMP(3), we TIMESTAMP(3), s STRING. */
#define NC 5
static const char *const l_names[NC] = {"k", "t", "ws", "we", "s"};
static const char *const r_names[NC] = {"k2", "t2", "ws2", "we2", "s2"};
static const char *const o_names[2 * NC] = {"k",  "t",  "ws",  "we",  "s",
                                            "k2", "t2", "ws2", "we2", "s2"};
static const sl_type types[2 * NC] = {{T_BIGINT, 0, 0, 0, 0},    {T_TIMESTAMP, 3, 0, 0, 0},
                                      {T_TIMESTAMP, 3, 0, 0, 0}, {T_TIMESTAMP, 3, 0, 0, 0},
                                      {T_STRING, 0, 0, 0, 0},    {T_BIGINT, 0, 0, 0, 0},
                                      {T_TIMESTAMP, 3, 0, 0, 0}, {T_TIMESTAMP, 3, 0, 0, 0},
                                      {T_TIMESTAMP, 3, 0, 0, 0}, {T_STRING, 0, 0, 0, 0}};
static const int keys[2] = {0, 4};
static const int pk[1] = {0};

enum { K_JOIN, K_INTERVAL, K_WINDOW, K_TEMPORAL, K_LOOKUP, K_LOOKUP_PK, K_LOOKUP_REMOTE };
typedef struct variant {
  int kind, type;
  bool null_aware;
} variant;
static const variant variants[] = {
    {K_JOIN, JOIN_INNER, 0},     {K_JOIN, JOIN_LEFT, 0},      {K_JOIN, JOIN_RIGHT, 0},
    {K_JOIN, JOIN_FULL, 0},      {K_JOIN, JOIN_SEMI, 0},      {K_JOIN, JOIN_ANTI, 0},
    {K_JOIN, JOIN_ANTI, 1},      {K_INTERVAL, JOIN_INNER, 0}, {K_INTERVAL, JOIN_LEFT, 0},
    {K_INTERVAL, JOIN_RIGHT, 0}, {K_INTERVAL, JOIN_FULL, 0},  {K_WINDOW, JOIN_INNER, 0},
    {K_WINDOW, JOIN_LEFT, 0},    {K_WINDOW, JOIN_RIGHT, 0},   {K_WINDOW, JOIN_FULL, 0},
    {K_WINDOW, JOIN_SEMI, 0},    {K_WINDOW, JOIN_ANTI, 0},    {K_WINDOW, JOIN_ANTI, 1},
    {K_TEMPORAL, JOIN_INNER, 0}, {K_TEMPORAL, JOIN_LEFT, 0},  {K_LOOKUP, JOIN_INNER, 0},
    {K_LOOKUP, JOIN_LEFT, 0},    {K_LOOKUP_PK, JOIN_LEFT, 0}, {K_LOOKUP_REMOTE, JOIN_LEFT, 0},
};
#define NVARIANTS ((int)(sizeof variants / sizeof variants[0]))

/* ---- a feeder and a sink ---- */

typedef struct fz_src {
  sl_op base;
  sl_batch b;
} fz_src;

static void src_free(sl_op *op) {
  batch_free(&((fz_src *)op)->b);
  free(op);
}
static const op_vt src_vt = {.kind = "Feeder", .free = src_free};

static fz_src *src_new(sl_job *j, const char *const *names) {
  fz_src *s = calloc(1, sizeof *s);
  op_init(&s->base, &src_vt, j, "feeder");
  s->base.ncols = NC;
  s->base.cols = names;
  s->base.types = types;
  batch_init(&s->b, NC, 1024);
  job_add_op(j, &s->base);
  return s;
}

/* The sink reads every cell it gets (ASan sees a row that points into freed state). */
typedef struct fz_sink {
  sl_op base;
  uint64_t sum;
  int64_t rows;
} fz_sink;

/* A restored count of equal rows may be large (up to INT32_MAX copies of a row): past this many
 * rows the sink fails the run, as a full disk would. */
#define MAX_OUT_ROWS 200000

static sl_status sink_push(sl_op *op, int port, const sl_batch *b, sl_error *e) {
  fz_sink *k = (fz_sink *)op;
  const sl_op *in = op->in[port];
  if ((k->rows += b->nrows) > MAX_OUT_ROWS) return err_set(e, SL_ERUNTIME, "too many rows");
  for (int r = 0; r < b->nrows; r++) {
    const sl_value *row = batch_row(b, r);
    k->sum += b->kind[r];
    for (int c = 0; c < in->ncols; c++) {
      if (row[c].null) continue;
      if (in->types[c].id == T_STRING)
        for (uint32_t i = 0; i < row[c].len; i++) k->sum += (uint8_t)row[c].u.s[i];
      else
        k->sum += (uint64_t)row[c].u.i;
    }
  }
  return SL_OK;
}
static void plain_free(sl_op *op) { free(op); }
static const op_vt sink_vt = {.kind = "Sink", .push = sink_push, .free = plain_free};

/* ---- a remote table: key k has rows (k, k * 1000, 0, 1000, "r") for k in 0..3 ---- */

static sl_status remote_lookup(sl_lookup *l, const sl_value *kv, lookup_row_fn fn, void *arg,
                               sl_error *e) {
  (void)l;
  if (kv[0].null || kv[0].u.i < 0 || kv[0].u.i > 3) return SL_OK;
  char s[2] = {'r', 0};
  sl_value row[NC] = {kv[0], value_int(kv[0].u.i * 1000), value_int(0), value_int(1000),
                      value_str(s, 1)};
  return fn(arg, row, e);
}
static void remote_free(sl_lookup *l) { free(l); }
static const lookup_vt remote_vt = {.kind = "fuzz", .lookup = remote_lookup, .free = remote_free};

/* ---- one operator in its job ---- */

typedef struct fz {
  sl_job *j;
  fz_src *l, *r; /* r NULL: a remote lookup join */
  sl_op *op;
  sl_arena a;
  int opts, kind;
} fz;

static sl_expr *cond_expr(sl_arena *a) {
  sl_expr *s = expr_new(a, E_COL, types[4], 0), *k = expr_new(a, E_COL, types[5], 0);
  s->col = 4;
  k->col = NC; /* r.k */
  sl_expr *c = expr_new(a, E_CAST, types[0], 0);
  c->args = arena_alloc(a, sizeof(sl_expr *));
  c->args[0] = s;
  c->nargs = 1;
  sl_expr *ne = expr_new(a, E_CMP, type_make(T_BOOLEAN), 0);
  ne->ival = EOP_NE;
  ne->args = arena_alloc(a, 2 * sizeof(sl_expr *));
  ne->args[0] = c;
  ne->args[1] = k;
  ne->nargs = 2;
  return ne;
}

static bool fz_build(fz *f, int v, int opts) {
  const variant *va = &variants[v];
  memset(f, 0, sizeof *f);
  f->opts = opts;
  f->kind = va->kind;
  f->j = job_new();
  arena_init(&f->a, 1024);
  if (opts & FZ_TINY_BATCH) f->j->batch_rows = opts & FZ_TTL ? 7 : 1;
  if (opts & FZ_SMALL_MEM) f->j->state_limit = 3000;
  int src = job_add_source(f->j, "fuzz", ON_ERROR_SKIP, NULL);
  f->j->sources[src].late = LATE_DROP;
  bool two = (opts & FZ_TWO_KEYS) && !va->null_aware;
  join_spec s = {.type = va->type,
                 .lkeys = keys,
                 .rkeys = keys,
                 .nkeys = two ? 2 : 1,
                 .cond = opts & FZ_COND ? cond_expr(&f->a) : NULL,
                 .left = {NC, l_names, types},
                 .right = {NC, r_names, types},
                 .null_aware = va->null_aware,
                 .ttl_left_ms = opts & FZ_TTL ? 5 : 0,
                 .ttl_right_ms = opts & FZ_TTL ? 7 : 0};
  bool sa = va->type == JOIN_SEMI || va->type == JOIN_ANTI;
  op_cols out = {sa ? NC : 2 * NC, o_names, types};
  sl_error e = {0};
  f->l = src_new(f->j, l_names);
  if (va->kind != K_LOOKUP_REMOTE) f->r = src_new(f->j, r_names);
  bool upd = opts & FZ_UPDATING;
  switch (va->kind) {
  case K_JOIN:
    f->l->base.updating = f->r->base.updating = upd;
    f->op = op_join_new(f->j, &s, opts & FZ_BATCH_MODE, out, &e);
    break;
  case K_INTERVAL: f->op = op_interval_join_new(f->j, &s, 1, 1, -1000, 2000, out, &e); break;
  case K_WINDOW: f->op = op_window_join_new(f->j, &s, 2, 3, 2, 3, out, &e); break;
  case K_TEMPORAL:
    f->r->base.updating = upd;
    f->op = op_temporal_join_new(f->j, &s, 1, 1, out, &e);
    break;
  case K_LOOKUP:
  case K_LOOKUP_PK:
    f->r->base.updating = upd;
    f->op = op_lookup_join_new(f->j, &s, NULL, NULL, pk, va->kind == K_LOOKUP_PK, out, &e);
    break;
  case K_LOOKUP_REMOTE: {
    sl_lookup *rl = calloc(1, sizeof *rl);
    *rl = (sl_lookup){&remote_vt, NC, types, keys, s.nkeys};
    lookup_cache_opts c = {opts & FZ_TTL ? 2 : 100, 0, 0, !(opts & FZ_UPDATING)};
    f->op = op_lookup_join_new(f->j, &s, rl, &c, NULL, 0, out, &e);
    break;
  }
  }
  if (!f->op) {
    fprintf(stderr, "variant %d: %s\n", v, e.msg);
    abort();
  }
  job_add_op(f->j, f->op);
  op_connect(&f->l->base, f->op);
  if (f->r) op_connect(&f->r->base, f->op);
  fz_sink *k = calloc(1, sizeof *k);
  op_init(&k->base, &sink_vt, f->j, "sink");
  job_add_op(f->j, &k->base);
  op_connect(f->op, &k->base);
  return f->op->vt->restore != NULL;
}

static void fz_free(fz *f) {
  job_free(f->j);
  arena_free(&f->a);
}

/* ---- the rows: phase 0 before a snapshot, phase 1 after; strings copied per push ---- */

static void add(fz_src *s, int kind, int64_t k, int64_t t, const char *str) {
  if (s->b.nrows == s->b.cap) return;
  int64_t ws = (t >= 0 ? t : t - 999) / 1000 * 1000;
  sl_value *row = batch_row(&s->b, s->b.nrows);
  row[0] = k < 0 ? value_null() : value_int(k);
  row[1] = value_int(t);
  row[2] = value_int(ws);
  row[3] = value_int(ws + 1000);
  row[4] = value_str(str, strlen(str));
  s->b.kind[s->b.nrows] = (uint8_t)kind;
  s->b.pos[s->b.nrows] = (sl_rowpos){0, 0, (uint64_t)s->b.nrows + 1};
  s->b.nrows++;
}

static sl_status flush(fz_src *s, sl_error *e) {
  if (!s) return SL_OK;
  size_t total = 0;
  for (int r = 0; r < s->b.nrows; r++) total += state_row_extra(batch_row(&s->b, r), types, NC);
  char *mem = malloc(total ? total : 1), *p = mem;
  for (int r = 0; r < s->b.nrows; r++) {
    sl_value *row = batch_row(&s->b, r);
    state_keep_row(row, row, types, NC, p);
    p += state_row_extra(row, types, NC);
  }
  sl_status st = op_emit(&s->base, &s->b, e);
  free(mem); /* an operator that kept a pointer into the batch reads freed memory */
  batch_clear(&s->b);
  return st;
}

static sl_status wm(fz_src *s, int64_t ts, sl_error *e) {
  sl_status st = flush(s, e);
  if (st || !s) return st;
  sl_signal sig = {SIG_WATERMARK, ts, 0};
  return op_signal_emit(&s->base, &sig, e);
}

static sl_status rows(fz *f, int phase, sl_error *e) {
  /* retractions only into the joins that take updating inputs */
  bool upd = (f->opts & FZ_UPDATING) && f->kind != K_INTERVAL && f->kind != K_WINDOW;
  int64_t b = phase * 3000;
  static const char *const strs[] = {"x", "1", "2", "yy"};
  sl_status st;
  if (f->r) { /* the right side (the table of a lookup join) first */
    for (int i = 0; i < 5; i++) add(f->r, RK_INSERT, i % 3, b + i * 500 - 200, strs[i % 4]);
    if (upd) {
      add(f->r, RK_DELETE, 0, b - 200, strs[0]);
      add(f->r, RK_UPDATE_BEFORE, 1, b + 300, strs[1]);
      add(f->r, RK_UPDATE_AFTER, 1, b + 350, strs[2]);
    }
    add(f->r, RK_INSERT, -1, b + 100, strs[3]);
    if ((st = flush(f->r, e))) return st;
  }
  for (int i = 0; i < 6; i++) add(f->l, RK_INSERT, i == 5 ? -1 : i % 3, b + i * 400, strs[i % 2]);
  if (upd) {
    add(f->l, RK_UPDATE_BEFORE, 1, b + 400, strs[1]);
    add(f->l, RK_UPDATE_AFTER, 2, b + 450, strs[2]);
  }
  if ((st = flush(f->l, e))) return st;
  if ((st = wm(f->l, b + 1500, e)) || (st = wm(f->r, b + 1200, e))) return st;
  add(f->l, RK_INSERT, 2, b + 1100, strs[3]); /* behind the watermark: late or joined */
  if (f->r) add(f->r, RK_INSERT, 2, b + 900, strs[2]);
  if ((st = flush(f->l, e)) || (st = flush(f->r, e))) return st;
  if ((st = wm(f->l, b + 2500, e))) return st;
  return wm(f->r, b + 2600, e);
}

static sl_status end(fz *f, sl_error *e) {
  sl_status st = op_end_source(&f->l->base, e);
  if (!st && f->r) st = op_end_source(&f->r->base, e);
  return st;
}

/* A snapshot body with its CRC (or as it is, FZ_RAW) restored into a fresh f. */
static sl_status restore(fz *f, const void *p, size_t n, sl_error *e) {
  sl_buf b = {0};
  buf_put(&b, p, n);
  if (!(f->opts & FZ_RAW)) state_put_end(&b);
  uint8_t *copy = malloc(b.len ? b.len : 1); /* exact size, so ASan sees overreads */
  if (b.len) memcpy(copy, b.data, b.len);
  sl_status st = f->op->vt->restore(f->op, copy, b.len, e);
  free(copy);
  buf_free(&b);
  return st;
}

#ifndef FUZZ_RESTORE_GEN

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  int v = data[0] % NVARIANTS, opts = data[1];
  fz f;
  fz_build(&f, v, opts);
  sl_error e = {0};
  if (restore(&f, data + 2, size - 2, &e) == SL_OK) {
    sl_buf snap = {0};
    if (rows(&f, 1, &e) == SL_OK && f.op->vt->snapshot(f.op, &snap, &e) == SL_OK) {
      /* the driven state snapshots and goes on in a fresh instance (which may refuse it:
       * fuzzed state need not be consistent) */
      fz g;
      fz_build(&g, v, opts & ~FZ_RAW);
      if (snap.len >= 4 && restore(&g, snap.data, snap.len - 4, &e) == SL_OK) {
        if (rows(&g, 2, &e) == SL_OK) end(&g, &e);
      }
      fz_free(&g);
    }
    buf_free(&snap);
    end(&f, &e);
  }
  fz_free(&f);
  return 0;
}

#else /* the seed generator */

static int nfiles;

static void put_file(const char *dir, int v, int opts, const void *p, size_t n, const char *tag) {
  char path[4096];
  snprintf(path, sizeof path, "%s/seed-%02d-%02x%s", dir, v, opts, tag);
  FILE *fp = fopen(path, "wb");
  if (!fp) {
    perror(path);
    exit(1);
  }
  uint8_t head[2] = {(uint8_t)v, (uint8_t)opts};
  fwrite(head, 1, 2, fp);
  fwrite(p, 1, n, fp);
  fclose(fp);
  nfiles++;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  static const int option_sets[] = {0, FZ_COND | FZ_TWO_KEYS, FZ_UPDATING, FZ_TINY_BATCH | FZ_TTL};
  for (int v = 0; v < NVARIANTS; v++)
    for (size_t o = 0; o < sizeof option_sets / sizeof option_sets[0]; o++) {
      int opts = option_sets[o];
      if ((opts & FZ_UPDATING) && variants[v].kind != K_JOIN && variants[v].kind != K_LOOKUP &&
          variants[v].kind != K_LOOKUP_PK && variants[v].kind != K_TEMPORAL)
        continue;
      fz f;
      if (!fz_build(&f, v, opts)) {
        fz_free(&f);
        continue;
      }
      sl_error e = {0};
      sl_buf snap = {0};
      if (rows(&f, 0, &e) || f.op->vt->snapshot(f.op, &snap, &e)) {
        fprintf(stderr, "variant %d options %x: %s\n", v, opts, e.msg);
        return 1;
      }
      /* the snapshot goes back into a fresh instance: the seed is valid */
      fz g;
      fz_build(&g, v, opts);
      if (restore(&g, snap.data, snap.len - 4, &e)) {
        fprintf(stderr, "variant %d options %x: restore: %s\n", v, opts, e.msg);
        return 1;
      }
      fz_free(&g);
      put_file(argv[1], v, opts, snap.data, snap.len - 4, "");
      if (o == 0) { /* damaged: truncated, a byte changed, and whole (raw) with a bad CRC */
        put_file(argv[1], v, opts, snap.data, (snap.len - 4) / 2, "-half");
        snap.data[snap.len / 2] ^= 0x41;
        put_file(argv[1], v, opts, snap.data, snap.len - 4, "-flip");
        put_file(argv[1], v, opts | FZ_RAW, snap.data, snap.len, "-badcrc");
      }
      buf_free(&snap);
      end(&f, &e);
      fz_free(&f);
    }
  printf("%d seeds\n", nfiles);
  return 0;
}

#endif
