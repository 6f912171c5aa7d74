/* join_interval_int.h - what the interval join's files share (join_interval.c: buckets, key
 * tables, probing, signals; join_interval_snap.c: snapshot and restore): the kept row, the
 * buckets, the key table's slots, each side and the operator. Internal to ops/.
 * Must not touch: anything outside the interval join. */
#ifndef SLUICE_JOIN_INTERVAL_INT_H
#define SLUICE_JOIN_INTERVAL_INT_H

#include "join_int.h"

typedef struct irow {
  struct irow *next; /* the next older row of its key (a lower or equal time) */
  int64_t next_s;    /* the start of next's bucket: next is gone once that bucket is freed */
  int64_t t;
  sl_rowpos pos;
  uint32_t klen; /* its packed key follows the cells, then the strings */
  bool matched;
  sl_value cells[];
} irow;

/* A bucket: the rows whose bound lies in [s, last], in one arena, freed whole once the
 * watermark passes last. The buckets of a side tile the bound axis without overlapping. */
typedef struct ibucket {
  int64_t s, last;
  size_t rows, bytes;
  state_arena arena;
} ibucket;

/* A slot of the key table: the newest row of a key and the start of its bucket. A slot whose
 * bucket was freed is dead (reusable, a tombstone for probes); NULL head: empty. */
typedef struct islot {
  uint64_t hash;
  int64_t s;
  irow *head;
} islot;

typedef struct iheap_ent {
  int64_t bound;
  irow *r;
} iheap_ent;

typedef struct iside {
  islot *slots;     /* open addressing, linear probing */
  size_t cap, used; /* used: slots not empty (live or dead) */
  ibucket *bk;      /* by s */
  int nb, bcap;
  int64_t freed_below; /* every bucket starting below was freed */
  int64_t w, base;     /* the width of new buckets (adapted to the row rate), its minimum */
  size_t chunk;        /* arena chunk size of new buckets */
  size_t rows;         /* rows held */
  iheap_ent *heap;     /* outer sides: every row not yet padded or expired, min-heap by bound */
  size_t hn, hcap;
  int tcol, ncols;
  const sl_type *types;
  const char *const *names;
  bool outer;    /* its unmatched rows come out NULL-padded */
  int64_t slack; /* a row is late when bound + slack < the watermark */
  int64_t off;   /* bound = t + off */
} iside;

typedef struct ijoin {
  join_base jb;
  iside side[2];
  int64_t lower, upper, hold;
  int64_t wm;  /* the input watermark rows were freed at (WM_NONE: none yet) */
  sl_buf key;  /* one row's packed key (restore) */
  sl_buf keys; /* a batch's packed keys */
  uint32_t *koff, *klen;
  uint64_t *hash;
  irow **cand; /* each row's candidate in the other side's table */
  int pcap;
} ijoin;

static inline int64_t sat_add(int64_t a, int64_t b) {
  if (b > 0 && a > INT64_MAX - b) return INT64_MAX;
  if (b < 0 && a < INT64_MIN - b) return INT64_MIN;
  return a + b;
}

static inline const char *row_key(const iside *s, const irow *r) {
  return (const char *)(r->cells + s->ncols);
}

static inline bool live(const iside *s, int64_t bs) { return bs >= s->freed_below; }

/* Copies a row of side p (its packed key and hash given) into the bucket of its bound and the
 * key table (join_interval.c). */
sl_status ij_keep_row(ijoin *a, int p, const sl_value *row, const char *key, size_t klen, int64_t t,
                      int64_t bound, uint64_t h, const sl_rowpos *pos, bool matched, bool in_heap,
                      sl_error *e);
sl_status ij_snapshot(sl_op *op, sl_buf *out, sl_error *e); /* join_interval_snap.c */
sl_status ij_restore(sl_op *op, const void *data, size_t len, sl_error *e);

#endif
