/* rank.c - top-N and deduplication (ROW_NUMBER() OVER (PARTITION BY .. ORDER BY ..) with rn <= N,
 * Flink's AppendOnlyTopN/RetractableTopN/Deduplicate and WindowRank). Unbounded: per partition
 * the rows sorted by the ORDER BY items (ties: arrival order); only the top N when the input is
 * append-only, every row when it is updating (a retracted top row makes the next one move up).
 * The output is a changelog. Limit 1 without the row number on one ORDER BY item is Flink's
 * event-time deduplication: one kept row per key, replaced (-U/+U) by a row that sorts before
 * it; ties keep the first row (ASC) or let the later one win (DESC).
 * Per window: rows are buffered per (partition, window) and the top N emitted once when the
 * watermark reaches the window end, then freed; a row for a window already emitted is late.
 * Batch mode: only the final rows, at the end. Every kept row is copied into op->mem.
 * Must not touch: input batches beyond push; output strings are copied into the output batch
 * (a kept row may be freed before the batch goes out). */
#include <stdlib.h>
#include <string.h>

#include "../format/format.h"
#include "rank_int.h"

/* ---- the sorted rows of one partition ---- */

static int cmp_order(const rank_op *k, const sl_value *a, const sl_value *b) {
  for (int i = 0; i < k->norder; i++) {
    const sort_key *s = &k->order[i];
    const sl_value *va = &a[s->col], *vb = &b[s->col];
    if (va->null || vb->null) {
      if (va->null && vb->null) continue;
      int c = va->null ? -1 : 1;
      return s->nulls_first ? c : -c;
    }
    int c = value_compare(va, vb, k->in_types[s->col]);
    if (c) return s->desc ? -c : c;
  }
  return 0;
}

static bool same_row(const rank_op *k, const sl_value *a, const sl_value *b) {
  for (int c = 0; c < k->in_ncols; c++) {
    if (a[c].null || b[c].null) {
      if (a[c].null != b[c].null) return false;
      continue;
    }
    if (value_compare(&a[c], &b[c], k->in_types[c]) != 0) return false;
  }
  return true;
}

/* First index whose row sorts after `row` (equal rows stay in arrival order). */
static uint32_t upper_bound(const rank_op *k, const rank_part *p, const sl_value *row) {
  uint32_t lo = 0, hi = p->n;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (cmp_order(k, p->rows[mid].row, row) <= 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/* Index of a row equal to `row` in every column, or -1. */
static int64_t find_row(const rank_op *k, const rank_part *p, const sl_value *row) {
  uint32_t lo = 0, hi = p->n;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (cmp_order(k, p->rows[mid].row, row) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  for (uint32_t i = lo; i < p->n && cmp_order(k, p->rows[i].row, row) == 0; i++)
    if (same_row(k, p->rows[i].row, row)) return i;
  return -1;
}

sl_status rank_no_memory(rank_op *k, sl_error *e) {
  return op_state_full(&k->base, e);
}

static bool part_reserve(rank_op *k, rank_part *p, uint32_t n) {
  if (n <= p->cap) return true;
  uint32_t cap = p->cap ? p->cap * 2 : 4;
  while (cap < n) cap *= 2;
  rank_row *rows = state_malloc(&k->base.mem, sizeof(rank_row) * cap);
  if (!rows) return false;
  if (p->n) memcpy(rows, p->rows, sizeof(rank_row) * p->n);
  if (p->rows) state_free(&k->base.mem, p->rows, sizeof(rank_row) * p->cap);
  p->rows = rows;
  p->cap = cap;
  return true;
}

/* Inserts a copy of row at index i. */
bool rank_part_insert(rank_op *k, rank_part *p, uint32_t i, const sl_value *row,
                      const sl_rowpos *pos, uint64_t seq) {
  if (!part_reserve(k, p, p->n + 1)) return false;
  sl_value *kept = state_keep_row_alloc(&k->base.mem, row, k->in_types, k->in_ncols);
  if (!kept) return false;
  memmove(p->rows + i + 1, p->rows + i, sizeof(rank_row) * (p->n - i));
  p->rows[i] = (rank_row){kept, seq, *pos};
  p->n++;
  return true;
}

static void part_remove(rank_op *k, rank_part *p, uint32_t i) {
  state_free_row(&k->base.mem, p->rows[i].row, k->in_types, k->in_ncols);
  memmove(p->rows + i, p->rows + i + 1, sizeof(rank_row) * (p->n - i - 1));
  p->n--;
}

void rank_part_free(rank_op *k, rank_part *p) {
  for (uint32_t i = 0; i < p->n; i++)
    state_free_row(&k->base.mem, p->rows[i].row, k->in_types, k->in_ncols);
  if (p->rows) state_free(&k->base.mem, p->rows, sizeof(rank_row) * p->cap);
  p->rows = NULL;
  p->n = p->cap = 0;
}

/* ---- output ---- */

sl_status rank_put(rank_op *k, int kind, const sl_value *row, int64_t rn, const sl_rowpos *pos,
                   sl_error *e) {
  sl_batch *o = &k->out;
  sl_value *dst = batch_row(o, o->nrows);
  for (int c = 0; c < k->in_ncols; c++) {
    dst[c] = row[c];
    if (!dst[c].null && k->in_types[c].id == T_STRING && dst[c].len)
      dst[c].u.s = arena_strndup(&o->arena, dst[c].u.s, dst[c].len);
  }
  if (k->rn_out) dst[k->in_ncols] = value_int(rn);
  o->kind[o->nrows] = (uint8_t)kind;
  o->pos[o->nrows] = *pos;
  if (++o->nrows < o->cap) return SL_OK;
  sl_status st = op_emit(&k->base, o, e);
  batch_clear(o);
  return st;
}

sl_status rank_flush(rank_op *k, sl_error *e) {
  sl_status st = op_emit(&k->base, &k->out, e);
  batch_clear(&k->out);
  return st;
}

/* ---- unbounded top-N ---- */

static sl_status topn_add(rank_op *k, rank_part *p, const sl_value *row, const sl_rowpos *pos,
                          bool emit, sl_error *e) {
  uint32_t i = k->arrival ? 0 : upper_bound(k, p, row);
  if ((int64_t)i >= k->limit && !k->keep_all) return SL_OK; /* not in the top N */
  uint32_t before = p->n;
  if (!rank_part_insert(k, p, i, row, pos, k->seq++)) return rank_no_memory(k, e);
  sl_status st = SL_OK;
  if (emit && (int64_t)i < k->limit) {
    if (k->rn_out) {
      int64_t m = p->n < k->limit ? p->n : k->limit;
      for (int64_t r = i; r < m && !st; r++) {
        if (r < before) {
          st = rank_put(k, RK_UPDATE_BEFORE, p->rows[r + 1].row, r + 1, &p->rows[r + 1].pos, e);
          if (!st) st = rank_put(k, RK_UPDATE_AFTER, p->rows[r].row, r + 1, &p->rows[r].pos, e);
        } else {
          st = rank_put(k, RK_INSERT, p->rows[r].row, r + 1, &p->rows[r].pos, e);
        }
      }
    } else {
      if ((int64_t)p->n > k->limit) /* the row pushed out of the top N */
        st = rank_put(k, RK_DELETE, p->rows[k->limit].row, 0, &p->rows[k->limit].pos, e);
      if (!st) st = rank_put(k, RK_INSERT, p->rows[i].row, 0, &p->rows[i].pos, e);
    }
  }
  if (!k->keep_all)
    while ((int64_t)p->n > k->limit) part_remove(k, p, p->n - 1);
  return st;
}

static sl_status topn_retract(rank_op *k, rank_part *p, const sl_value *row, bool emit,
                              sl_error *e) {
  int64_t i = find_row(k, p, row);
  if (i < 0) return SL_OK; /* never seen (or forgotten): nothing to undo */
  sl_status st = SL_OK;
  if (emit && i < k->limit) {
    int64_t n = p->n;
    if (k->rn_out) {
      int64_t m = n < k->limit ? n : k->limit;
      for (int64_t r = i; r < m && !st; r++) {
        if (r + 1 < n) { /* the next row moves up to rank r + 1 */
          st = rank_put(k, RK_UPDATE_BEFORE, p->rows[r].row, r + 1, &p->rows[r].pos, e);
          if (!st)
            st = rank_put(k, RK_UPDATE_AFTER, p->rows[r + 1].row, r + 1, &p->rows[r + 1].pos, e);
        } else {
          st = rank_put(k, RK_DELETE, p->rows[r].row, r + 1, &p->rows[r].pos, e);
        }
      }
    } else {
      st = rank_put(k, RK_DELETE, p->rows[i].row, 0, &p->rows[i].pos, e);
      if (!st && n > k->limit) /* the next row moves up into the top N */
        st = rank_put(k, RK_INSERT, p->rows[k->limit].row, 0, &p->rows[k->limit].pos, e);
    }
  }
  part_remove(k, p, (uint32_t)i);
  return st;
}

sl_status rank_part_of(rank_op *k, state_map *m, const sl_value *row, bool create,
                       state_entry **out, sl_error *e) {
  k->key.len = 0;
  state_key_pack(row, k->part, k->in_types, k->npart, &k->key);
  uint64_t h = state_hash(k->key.data, k->key.len);
  *out = state_map_find(m, k->key.data, k->key.len, h);
  if (!*out && create) {
    bool created;
    *out = state_map_upsert(m, k->key.data, k->key.len, h, &created);
    if (!*out) return rank_no_memory(k, e);
  }
  if (*out) (*out)->touched = k->now; /* state TTL: the partition was used */
  return SL_OK;
}

sl_status rank_keep_top(rank_op *k, rank_part *p, const sl_value *row, const sl_rowpos *pos,
                        sl_error *e) {
  return topn_add(k, p, row, pos, false, e);
}

/* Deduplication (ROW_NUMBER() ... = 1 on one ORDER BY item), as Flink's event-time
 * deduplication: the kept row is replaced by one that sorts before it (-U/+U); on a tie the
 * first row stays (keep first, ORDER BY ts) or the later one wins (keep last, ORDER BY ts
 * DESC). Out-of-order input therefore ends with the row a batch run would pick. */
static sl_status dedup_push(rank_op *k, const sl_value *row, const sl_rowpos *pos, bool ties_win,
                            sl_error *e) {
  state_entry *en;
  sl_status st = rank_part_of(k, &k->parts, row, true, &en, e);
  if (st) return st;
  rank_part *p = state_entry_val(en);
  if (p->n == 0) {
    if (!rank_part_insert(k, p, 0, row, pos, k->seq++)) return rank_no_memory(k, e);
    return rank_put(k, RK_INSERT, row, 1, pos, e);
  }
  int c = k->arrival ? -1 : cmp_order(k, row, p->rows[0].row); /* by arrival: the newest */
  if (c > 0 || (c == 0 && !ties_win)) return SL_OK;            /* the kept row stays */
  if ((st = rank_put(k, RK_UPDATE_BEFORE, p->rows[0].row, 1, &p->rows[0].pos, e))) return st;
  part_remove(k, p, 0);
  if (!rank_part_insert(k, p, 0, row, pos, k->seq++)) return rank_no_memory(k, e);
  return rank_put(k, RK_UPDATE_AFTER, row, 1, pos, e);
}

/* Processing-time top-N/dedup keeping the first rows (ORDER BY a PROCTIME() column ASC): the
 * first `limit` rows to arrive per partition are emitted once, as +I, and only their count is
 * kept: a later row never ranks before them, so nothing is ever retracted. */
static sl_status first_by_arrival(rank_op *k, const sl_value *row, const sl_rowpos *pos,
                                  sl_error *e) {
  state_entry *en;
  sl_status st = rank_part_of(k, &k->parts, row, true, &en, e);
  if (st) return st;
  uint64_t *seen = state_entry_val(en);
  if ((int64_t)*seen >= k->limit) return SL_OK;
  ++*seen;
  return rank_put(k, RK_INSERT, row, (int64_t)*seen, pos, e);
}

/* The mode is settled at the first use, when the input is connected: an updating input takes
 * the general top-N that keeps every row (ranked by the ORDER BY values, even for PROCTIME(): a
 * retraction must find its row). */
void rank_settle_mode(rank_op *k) {
  if (k->settled) return;
  k->settled = true;
  bool updating_in = k->base.nin > 0 && k->base.in[0]->updating;
  int mode = k->mode;
  if (updating_in && k->win_end_col < 0) {
    mode = RANK_TOPN;
    k->keep_all = true;
    k->arrival = false;
  }
  if (mode == k->mode) return;
  state_map_free(&k->parts); /* still empty: nothing has been pushed or restored */
  state_map_init(&k->parts, &k->base.mem, sizeof(rank_part));
  k->mode = mode;
}

static sl_status rank_push(sl_op *op, int port, const sl_batch *b, sl_error *e) {
  rank_op *k = (rank_op *)op;
  rank_settle_mode(k);
  if (k->mode == RANK_WINDOW) return rank_window_push(k, b, e);
  if (k->ttl_ms > 0) k->now = loop_now_ms();
  sl_status st = SL_OK;
  bool emit = !k->batch_mode;
  for (int r = 0; r < b->nrows && !st; r++) {
    const sl_value *row = batch_row(b, r);
    bool add = b->kind[r] == RK_INSERT || b->kind[r] == RK_UPDATE_AFTER;
    if (k->mode == RANK_FIRST || k->mode == RANK_LAST) {
      st = dedup_push(k, row, &b->pos[r], k->mode == RANK_LAST, e);
      continue;
    }
    if (k->mode == RANK_FIRST_PT) {
      if (add) st = first_by_arrival(k, row, &b->pos[r], e);
      continue;
    }
    state_entry *en;
    if ((st = rank_part_of(k, &k->parts, row, add, &en, e)) || !en) continue;
    rank_part *p = state_entry_val(en);
    st = add ? topn_add(k, p, row, &b->pos[r], emit, e) : topn_retract(k, p, row, emit, e);
    if (p->n == 0) {
      rank_part_free(k, p);
      state_map_remove(&k->parts, en);
    }
  }
  if (st) return st;
  return rank_flush(k, e);
}

/* Batch mode: the top N of every partition, once. */
static sl_status rank_finish(sl_op *op, sl_error *e) {
  rank_op *k = (rank_op *)op;
  rank_settle_mode(k);
  if (k->mode == RANK_WINDOW) return rank_window_fire(k, WM_INFINITY, e);
  if (!k->batch_mode) return SL_OK;
  size_t it = 0;
  state_entry *en;
  sl_status st = SL_OK;
  while (!st && (en = state_map_next(&k->parts, &it))) {
    rank_part *p = state_entry_val(en);
    for (uint32_t i = 0; i < p->n && (int64_t)i < k->limit && !st; i++)
      st = rank_put(k, RK_INSERT, p->rows[i].row, (int64_t)i + 1, &p->rows[i].pos, e);
    rank_part_free(k, p);
    state_map_remove(&k->parts, en);
  }
  if (st) return st;
  return rank_flush(k, e);
}

static void rank_describe(const sl_op *op, sl_buf *out) {
  const rank_op *k = (const rank_op *)op;
  static const char *const modes[] = {
      "",     "top-N", "deduplicate keep first row", "deduplicate keep last row", "window top-N",
      "top-N"};
  bool by_arrival = k->arrival || k->mode == RANK_FIRST_PT;
  if (k->mode == RANK_FIRST_PT && k->limit == 1)
    buf_puts(out, "deduplicate keep first row");
  else
    buf_printf(out, "%s", modes[k->mode]);
  if (k->mode == RANK_TOPN || k->mode == RANK_WINDOW || (k->mode == RANK_FIRST_PT && k->limit > 1))
    buf_printf(out, " %lld", (long long)k->limit);
  if (by_arrival) buf_puts(out, " on processing time");
  buf_puts(out, " partition by ");
  for (int i = 0; i < k->npart; i++) buf_printf(out, "%s%s", i ? ", " : "", op->cols[k->part[i]]);
  buf_puts(out, " order by ");
  for (int i = 0; i < k->norder; i++)
    buf_printf(out, "%s%s%s", i ? ", " : "", op->cols[k->order[i].col],
               k->order[i].desc ? " DESC" : "");
  if (k->rn_out) buf_printf(out, "; row number as %s", op->cols[k->in_ncols]);
  if (k->batch_mode) buf_puts(out, "; final rows at the end (batch mode)");
  if (k->ttl_ms > 0)
    buf_printf(out, "; state ttl %lld ms, %llu partitions expired", (long long)k->ttl_ms,
               (unsigned long long)k->expired);
}

/* State TTL (loop timer): a partition untouched for ttl_ms is forgotten, nothing is emitted
 * (as Flink: a key seen again starts afresh, so its results may then be wrong). */
static void ttl_sweep(sl_loop *l, uint64_t id, void *arg) {
  rank_op *k = arg;
  if (k->mode == RANK_WINDOW) return;
  int64_t now = loop_now_ms();
  size_t it = 0;
  state_entry *en;
  while ((en = state_map_next(&k->parts, &it)))
    if (now - en->touched >= k->ttl_ms) {
      if (k->mode != RANK_FIRST_PT) rank_part_free(k, state_entry_val(en));
      state_map_remove(&k->parts, en);
      k->expired++;
    }
}

static void free_parts(rank_op *k, state_map *m) {
  size_t it = 0;
  state_entry *en;
  if (m->val_size >= sizeof(rank_part))
    while ((en = state_map_next(m, &it))) rank_part_free(k, state_entry_val(en));
  state_map_free(m);
}

void rank_free_windows(rank_op *k) {
  for (int w = 0; w < k->nwins; w++) free_parts(k, &k->wins[w].parts);
  if (k->wins) state_free(&k->base.mem, k->wins, sizeof(rank_win) * (size_t)k->capwins);
  k->wins = NULL;
  k->nwins = k->capwins = 0;
}

static void rank_free(sl_op *op) {
  rank_op *k = (rank_op *)op;
  if (k->timer && op->job && op->job->loop) loop_del_timer(op->job->loop, k->timer);
  free_parts(k, &k->parts);
  rank_free_windows(k);
  batch_free(&k->out);
  buf_free(&k->key);
  free(k->part);
  free(k->order);
  free(k);
}

static const op_vt rank_vt = {.kind = "Rank",
                              .push = rank_push,
                              .signal = rank_signal,
                              .finish = rank_finish,
                              .describe = rank_describe,
                              .free = rank_free,
                              .snapshot = rank_snapshot,
                              .restore = rank_restore,
                              .keeps = "the top rows per partition"};

sl_op *op_rank_new(sl_job *j, const int *part, int npart, const sort_key *order, int norder,
                   int64_t limit, bool rn_out, int win_end_col, bool batch_mode, bool proctime,
                   int64_t ttl_ms, op_cols out, sl_error *e) {
  int in_ncols = out.n - (rn_out ? 1 : 0);
  if (limit < 1 || norder < 1 || in_ncols < 1 || win_end_col >= in_ncols) {
    err_set(e, SL_EINTERNAL, "Rank: bad arguments (limit %lld, %d order items, %d columns)",
            (long long)limit, norder, out.n);
    return NULL;
  }
  rank_op *k = xcalloc(1, sizeof *k);
  op_init(&k->base, &rank_vt, j, "rank");
  k->part = xmalloc(sizeof(int) * (size_t)(npart + 1));
  if (npart) memcpy(k->part, part, sizeof(int) * (size_t)npart);
  k->npart = npart;
  k->order = xmalloc(sizeof(sort_key) * (size_t)norder);
  memcpy(k->order, order, sizeof(sort_key) * (size_t)norder);
  k->norder = norder;
  k->limit = limit;
  k->rn_out = rn_out;
  k->win_end_col = win_end_col;
  k->batch_mode = batch_mode;
  k->in_ncols = in_ncols;
  k->in_types = out.types;
  k->base.ncols = out.n;
  k->base.cols = out.names;
  k->base.types = out.types;
  k->mode = RANK_TOPN;
  bool pt = proctime && norder == 1 && win_end_col < 0 && !batch_mode;
  if (win_end_col >= 0)
    k->mode = RANK_WINDOW;
  else if (pt && !order[0].desc)
    k->mode = RANK_FIRST_PT;
  else if (limit == 1 && !rn_out && norder == 1 && !batch_mode)
    k->mode = order[0].desc ? RANK_LAST : RANK_FIRST;
  k->arrival = pt && order[0].desc;
  k->base.updating = win_end_col < 0 && !batch_mode && k->mode != RANK_FIRST_PT;
  state_map_init(&k->parts, &k->base.mem,
                 k->mode == RANK_FIRST_PT ? sizeof(uint64_t) : sizeof(rank_part));
  batch_init(&k->out, out.n, j->batch_rows);
  if (ttl_ms > 0 && win_end_col < 0 && j->loop) { /* a window's state dies with the window */
    k->ttl_ms = ttl_ms;
    int64_t every = ttl_ms / 2 < 1 ? 1 : ttl_ms / 2 > 60000 ? 60000 : ttl_ms / 2;
    k->timer = loop_add_timer(j->loop, every, every, ttl_sweep, k);
  }
  return &k->base;
}
