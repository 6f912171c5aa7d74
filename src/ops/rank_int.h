/* rank_int.h - what rank.c (unbounded top-N and deduplication) and rank_window.c (window top-N,
 * watermarks, snapshots) share. Internal to ops/: nothing outside includes it. */
#ifndef SLUICE_RANK_INT_H
#define SLUICE_RANK_INT_H

#include "ops.h"

/* RANK_FIRST_PT: ORDER BY a PROCTIME() column ASC: the first `limit` rows to arrive per
 * partition; the map's value is a count (uint64_t), not a rank_part. */
enum { RANK_TOPN = 1, RANK_FIRST, RANK_LAST, RANK_WINDOW, RANK_FIRST_PT };

/* A kept row: a copy in op->mem, its arrival number (ties) and where it came from. */
typedef struct rank_row {
  sl_value *row;
  uint64_t seq;
  sl_rowpos pos;
} rank_row;

/* The rows of one partition, sorted (the state map's value block). */
typedef struct rank_part {
  rank_row *rows;
  uint32_t n, cap;
} rank_part;

/* One open window (per window top-N): its end and its partitions. */
typedef struct rank_win {
  int64_t end;
  state_map parts;
} rank_win;

typedef struct rank_op {
  sl_op base;
  int *part, npart;
  sort_key *order;
  int norder;
  int64_t limit;
  bool rn_out, batch_mode, keep_all, settled;
  bool arrival; /* ORDER BY a PROCTIME() column DESC: a new row always ranks first */
  int win_end_col, mode;
  int in_ncols;
  const sl_type *in_types; /* the output's first in_ncols types */
  state_map parts;         /* unbounded: partition -> rank_part (RANK_FIRST_PT: a count) */
  rank_win *wins;          /* per window: sorted by end */
  int nwins, capwins;
  uint64_t seq;
  int64_t ttl_ms, now;     /* state TTL (unbounded modes; 0: none); now: this push's clock */
  uint64_t timer, expired; /* the TTL sweep's loop timer; partitions it forgot */
  sl_batch out;
  sl_buf key;
} rank_op;

sl_status rank_no_memory(rank_op *k, sl_error *e);
bool rank_part_insert(rank_op *k, rank_part *p, uint32_t i, const sl_value *row,
                      const sl_rowpos *pos, uint64_t seq);
void rank_part_free(rank_op *k, rank_part *p);
sl_status rank_put(rank_op *k, int kind, const sl_value *row, int64_t rn, const sl_rowpos *pos,
                   sl_error *e);
sl_status rank_flush(rank_op *k, sl_error *e);
/* The partition of a row in map m (created when `create`; *out NULL when absent). */
sl_status rank_part_of(rank_op *k, state_map *m, const sl_value *row, bool create,
                       state_entry **out, sl_error *e);
void rank_settle_mode(rank_op *k);
void rank_free_windows(rank_op *k);
/* Inserts a row into a partition's top N (append-only, no output). */
sl_status rank_keep_top(rank_op *k, rank_part *p, const sl_value *row, const sl_rowpos *pos,
                        sl_error *e);

/* rank_window.c */
sl_status rank_window_push(rank_op *k, const sl_batch *b, sl_error *e);
/* Emits and frees every window whose end - 1 <= wm. */
sl_status rank_window_fire(rank_op *k, int64_t wm, sl_error *e);
sl_status rank_signal(sl_op *op, int port, const sl_signal *sig, sl_error *e);
sl_status rank_snapshot(sl_op *op, sl_buf *out, sl_error *e);
sl_status rank_restore(sl_op *op, const void *p, size_t n, sl_error *e);

#endif
