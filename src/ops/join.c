/* join.c - the regular (unbounded) join, Flink's StreamingJoinOperator and
 * StreamingSemiAntiJoinOperator: INNER, LEFT, RIGHT, FULL, SEMI and ANTI (also null-aware, for
 * NOT IN). Each side keeps its rows in a state map from the packed join key to the rows of that
 * key; equal rows of an updating input share one entry with a count, and the rows of an outer
 * side (and the left side of SEMI/ANTI) carry the number of matching rows of the other side
 * ("associations"), so a NULL-padded row is retracted when its first match arrives and comes
 * back when its last one goes. Each arrival joins with what the other side holds for its key;
 * a -U/-D retracts one equal kept row and every joined row it made. Rows with a NULL key never
 * match: an outer side emits them padded at once and keeps nothing (null-aware ANTI keeps its
 * left ones: whether they show depends on the whole right side). Batch mode keeps both sides and
 * emits the final join once, at the end. State TTL per side (processing time, loop timer): a
 * key that saw no arrival on that side for its TTL is forgotten.
 * Snapshot and restore write both sides with counts and associations.
 * Must not touch: input batches beyond push (kept rows are copies in op->mem); rows appended to
 * the output reference the input row (this side) or kept rows of the other side, which are never
 * freed before join_flush. */
#include <stdlib.h>
#include <string.h>

#include "join_int.h"

/* One distinct kept row. */
typedef struct jrow {
  sl_value *row;  /* the kept copy (state_keep_row_alloc) */
  int64_t count;  /* equal occurrences */
  int64_t assoc;  /* matching occurrences on the other side (outer sides, SEMI/ANTI left) */
  uint64_t rhash; /* full-row hash when the side merges equal rows, else 0 */
} jrow;

/* The rows of one key: the first inline (most keys hold one row), more in an array. */
typedef struct jkey {
  jrow one;
  jrow *rows; /* cap > 0: every row is here */
  uint32_t n, cap;
} jkey;

typedef struct jside {
  state_map keys; /* packed join key -> jkey */
  jkey nulls;     /* rows with a NULL key that are kept (batch mode, null-aware left) */
  int64_t nulls_touched;
  int ncols;
  const sl_type *types;
  bool outer;  /* emits its unmatched rows NULL-padded */
  bool merge;  /* updating input: equal rows share an entry (found by hash) */
  int64_t ttl; /* ms, 0: never */
} jside;

typedef struct join_op {
  join_base jb;
  jside side[2];
  bool batch_mode, prepared, null_aware;
  int64_t rnull, rtotal; /* null-aware ANTI: right rows with a NULL key, all right rows */
  int64_t now;
  uint64_t timer, expired, missing;
  sl_buf key, rowkey;
  sl_value *cells; /* restore: one row of either side */
} join_op;

static jrow *rows_of(jkey *k) { return k->cap ? k->rows : &k->one; }

static sl_status no_memory(join_op *J, sl_error *e) {
  return op_state_full(&J->jb.base, e);
}

static int jtype(const join_op *J) { return J->jb.s.type; }
static bool semi_anti(const join_op *J) { return jtype(J) == JOIN_SEMI || jtype(J) == JOIN_ANTI; }

/* The decisions that need the connected inputs, made once. */
static void prepare(join_op *J) {
  if (J->prepared) return;
  J->prepared = true;
  for (int s = 0; s < 2; s++) J->side[s].merge = J->jb.base.nin > s && J->jb.base.in[s]->updating;
}

/* ---- the rows of a key ---- */

static bool same_row(const jside *sd, const sl_value *a, const sl_value *b) {
  for (int c = 0; c < sd->ncols; c++) {
    if (a[c].null || b[c].null) {
      if (a[c].null != b[c].null) return false;
      continue;
    }
    if (value_compare(&a[c], &b[c], sd->types[c]) != 0) return false;
  }
  return true;
}

static uint64_t row_hash(join_op *J, const jside *sd, const sl_value *row) {
  if (!sd->merge) return 0;
  J->rowkey.len = 0;
  state_key_pack(row, NULL, sd->types, sd->ncols, &J->rowkey);
  return state_hash(J->rowkey.data, J->rowkey.len);
}

static jrow *find_row(const jside *sd, jkey *k, const sl_value *row, uint64_t rh) {
  jrow *rs = rows_of(k);
  for (uint32_t i = 0; i < k->n; i++)
    if (rs[i].rhash == rh && same_row(sd, rs[i].row, row)) return &rs[i];
  return NULL;
}

/* One more occurrence of row in k (a new entry, or the equal one's count); NULL over the limit. */
static jrow *add_row(join_op *J, jside *sd, jkey *k, const sl_value *row, uint64_t rh,
                     int64_t count) {
  state_alloc *mem = &J->jb.base.mem;
  if (sd->merge) {
    jrow *r = find_row(sd, k, row, rh);
    if (r) {
      r->count += count;
      op_state_rows(&J->jb.base, count);
      return r;
    }
  }
  if (k->n == 1 && !k->cap) { /* the inline row moves into an array */
    jrow *a = state_malloc(mem, sizeof(jrow) * 4);
    if (!a) return NULL;
    a[0] = k->one;
    k->rows = a;
    k->cap = 4;
  } else if (k->cap && k->n == k->cap) {
    jrow *a = state_malloc(mem, sizeof(jrow) * k->cap * 2);
    if (!a) return NULL;
    memcpy(a, k->rows, sizeof(jrow) * k->n);
    state_free(mem, k->rows, sizeof(jrow) * k->cap);
    k->rows = a;
    k->cap *= 2;
  }
  sl_value *kept = state_keep_row_alloc(mem, row, sd->types, sd->ncols);
  if (!kept) return NULL;
  jrow *r = &rows_of(k)[k->n++];
  *r = (jrow){kept, count, 0, rh};
  op_state_rows(&J->jb.base, count);
  return r;
}

/* One occurrence of r fewer; the entry is freed with its last one. */
static void drop_one(join_op *J, jside *sd, jkey *k, jrow *r) {
  op_state_rows(&J->jb.base, -1);
  if (--r->count > 0) return;
  state_free_row(&J->jb.base.mem, r->row, sd->types, sd->ncols);
  jrow *rs = rows_of(k);
  *r = rs[--k->n];
}

static void free_key(join_op *J, jside *sd, jkey *k) {
  jrow *rs = rows_of(k);
  for (uint32_t i = 0; i < k->n; i++) {
    op_state_rows(&J->jb.base, -rs[i].count);
    state_free_row(&J->jb.base.mem, rs[i].row, sd->types, sd->ncols);
  }
  if (k->cap) state_free(&J->jb.base.mem, k->rows, sizeof(jrow) * k->cap);
  memset(k, 0, sizeof *k);
}

static void free_side(join_op *J, jside *sd) {
  size_t it = 0;
  state_entry *en;
  while ((en = state_map_next(&sd->keys, &it))) free_key(J, sd, state_entry_val(en));
  state_map_free(&sd->keys);
  free_key(J, sd, &sd->nulls);
}

/* ---- output ---- */

/* `times` copies of the joined row of `mine` (a row of side s) and `other` (NULL: padded). */
static sl_status put(join_op *J, int s, const sl_value *mine, const sl_value *other, int kind,
                     const sl_rowpos *pos, int64_t times, sl_error *e) {
  const sl_value *l = s ? other : mine, *r = s ? mine : other;
  sl_status st = SL_OK;
  for (int64_t i = 0; i < times && !st; i++) st = join_append(&J->jb, l, r, (uint8_t)kind, pos, e);
  return st;
}

static sl_status cond(join_op *J, int s, const sl_value *mine, const sl_value *other,
                      const sl_rowpos *pos, bool *match, sl_error *e) {
  return join_cond(&J->jb, s ? other : mine, s ? mine : other, pos, match, e);
}

/* Whether a left row of SEMI/ANTI shows, given the right side's NULL-key and total counts. */
static bool left_shows(const join_op *J, const jrow *l, bool null_key, int64_t rnull,
                       int64_t rtotal) {
  if (jtype(J) == JOIN_SEMI) return l->assoc > 0;
  if (!J->null_aware) return l->assoc == 0;
  if (rnull > 0) return false;
  return null_key ? rtotal == 0 : l->assoc == 0;
}

static sl_status reevaluate_key(join_op *J, jkey *k, bool null_key, int64_t rnull0, int64_t rtotal0,
                                const sl_rowpos *pos, sl_error *e) {
  jrow *rs = rows_of(k);
  sl_status st = SL_OK;
  for (uint32_t i = 0; i < k->n && !st; i++) {
    bool was = left_shows(J, &rs[i], null_key, rnull0, rtotal0);
    bool is = left_shows(J, &rs[i], null_key, J->rnull, J->rtotal);
    if (was != is) st = put(J, 0, rs[i].row, NULL, is ? RK_INSERT : RK_DELETE, pos, rs[i].count, e);
  }
  return st;
}

/* Null-aware ANTI: the right side's counts went from (rnull0, rtotal0) to the current ones;
 * every left row whose visibility changed is emitted or retracted (a change of the total
 * between zero and non-zero concerns the left rows with a NULL key only). */
static sl_status reevaluate(join_op *J, int64_t rnull0, int64_t rtotal0, const sl_rowpos *pos,
                            sl_error *e) {
  bool null_flip = (rnull0 > 0) != (J->rnull > 0), total_flip = (rtotal0 > 0) != (J->rtotal > 0);
  if (J->batch_mode || (!null_flip && !total_flip)) return SL_OK;
  jside *ls = &J->side[0];
  sl_status st = reevaluate_key(J, &ls->nulls, true, rnull0, rtotal0, pos, e);
  size_t it = 0;
  state_entry *en;
  while (!st && null_flip && (en = state_map_next(&ls->keys, &it)))
    st = reevaluate_key(J, state_entry_val(en), false, rnull0, rtotal0, pos, e);
  return st;
}

/* ---- arrivals ---- */

/* A row whose key has a NULL: it matches nothing. */
static sl_status null_key_row(join_op *J, int s, const sl_value *row, bool add,
                              const sl_rowpos *pos, sl_error *e) {
  jside *me = &J->side[s];
  bool anti_left = jtype(J) == JOIN_ANTI && s == 0;
  if (J->null_aware && s == 1) {
    int64_t rnull0 = J->rnull, rtotal0 = J->rtotal;
    if (!add && J->rnull == 0) {
      J->missing++;
      return SL_OK;
    }
    J->rnull += add ? 1 : -1;
    J->rtotal += add ? 1 : -1;
    return reevaluate(J, rnull0, rtotal0, pos, e);
  }
  bool keep = J->null_aware ? anti_left : J->batch_mode && (me->outer || anti_left);
  if (!keep) { /* shown padded (outer) or as an ANTI row at once; else dropped */
    if (me->outer || anti_left) return put(J, s, row, NULL, add ? RK_INSERT : RK_DELETE, pos, 1, e);
    return SL_OK;
  }
  me->nulls_touched = J->now;
  uint64_t rh = row_hash(J, me, row);
  jrow *r;
  if (add) {
    if (!(r = add_row(J, me, &me->nulls, row, rh, 1))) return no_memory(J, e);
    if (!J->batch_mode && left_shows(J, r, true, J->rnull, J->rtotal))
      return put(J, 0, row, NULL, RK_INSERT, pos, 1, e);
    return SL_OK;
  }
  if (!(r = find_row(me, &me->nulls, row, rh))) {
    J->missing++;
    return SL_OK;
  }
  sl_status st = SL_OK;
  if (!J->batch_mode && left_shows(J, r, true, J->rnull, J->rtotal))
    st = put(J, 0, row, NULL, RK_DELETE, pos, 1, e);
  drop_one(J, me, &me->nulls, r);
  if (!me->nulls.n) free_key(J, me, &me->nulls); /* its array */
  return st;
}

/* One occurrence of row arrives (add) on side s, or is retracted. */
static sl_status on_row(join_op *J, int s, const sl_value *row, bool add, const sl_rowpos *pos,
                        sl_error *e) {
  join_base *jb = &J->jb;
  jside *me = &J->side[s], *ot = &J->side[1 - s];
  uint64_t h;
  if (!join_key(jb, s, row, &J->key, &h)) return null_key_row(J, s, row, add, pos, e);
  uint64_t rh = row_hash(J, me, row);
  state_entry *me_en;
  jrow *mr;
  if (add) {
    bool created;
    me_en = state_map_upsert(&me->keys, J->key.data, J->key.len, h, &created);
    if (!me_en) return no_memory(J, e);
    if (!(mr = add_row(J, me, state_entry_val(me_en), row, rh, 1))) {
      if (created) state_map_remove(&me->keys, me_en);
      return no_memory(J, e);
    }
  } else {
    me_en = state_map_find(&me->keys, J->key.data, J->key.len, h);
    if (!me_en || !(mr = find_row(me, state_entry_val(me_en), row, rh))) {
      J->missing++; /* never kept, or forgotten (TTL): nothing to undo */
      return SL_OK;
    }
  }
  me_en->touched = J->now;
  jkey *mk = state_entry_val(me_en);
  /* TTL: only an arrival on its own side keeps a key (docs/joins.md; Flink writes a side's
   * state only for its own rows), a probe from the other side does not */
  state_entry *ot_en = state_map_find(&ot->keys, J->key.data, J->key.len, h);
  int64_t rtotal0 = J->rtotal;
  if (J->null_aware && s == 1) J->rtotal += add ? 1 : -1;
  sl_status st = SL_OK;
  if (J->batch_mode) goto done;
  int kind = add ? RK_INSERT : RK_DELETE;
  int64_t step = add ? 1 : -1;
  if (semi_anti(J) && s == 0) { /* a left row: shown by its own associations */
    if (add && mr->count == 1) {
      int64_t m = 0;
      jkey *ok = ot_en ? state_entry_val(ot_en) : NULL;
      jrow *os = ok ? rows_of(ok) : NULL;
      for (uint32_t i = 0; ok && i < ok->n && !st; i++) {
        bool match;
        if (!(st = cond(J, s, row, os[i].row, pos, &match, e)) && match) m += os[i].count;
      }
      mr->assoc = m;
    }
    if (!st && left_shows(J, mr, false, J->rnull, J->rtotal))
      st = put(J, 0, row, NULL, kind, pos, 1, e);
    goto done;
  }
  int64_t m = 0;
  jkey *ok = ot_en ? state_entry_val(ot_en) : NULL;
  for (uint32_t i = 0; ok && i < ok->n && !st; i++) {
    jrow *o = &rows_of(ok)[i];
    bool match;
    if ((st = cond(J, s, row, o->row, pos, &match, e)) || !match) continue;
    m += o->count;
    if (semi_anti(J)) { /* s == 1: a right row changes the left row's associations */
      bool was = left_shows(J, o, false, J->rnull, J->rtotal);
      o->assoc += step;
      bool is = left_shows(J, o, false, J->rnull, J->rtotal);
      if (was != is) st = put(J, 0, o->row, NULL, is ? RK_INSERT : RK_DELETE, pos, o->count, e);
      continue;
    }
    if (ot->outer && add && o->assoc == 0) /* its first match: the padded row goes */
      st = put(J, 1 - s, o->row, NULL, RK_DELETE, pos, o->count, e);
    if (!st) st = put(J, s, row, o->row, kind, pos, o->count, e);
    if (ot->outer) o->assoc += step;
    if (!st && ot->outer && !add && o->assoc == 0) /* its last match went: padded again */
      st = put(J, 1 - s, o->row, NULL, RK_INSERT, pos, o->count, e);
  }
  if (!st && me->outer) {
    if (m == 0) st = put(J, s, row, NULL, kind, pos, 1, e);
    mr->assoc = m;
  }
done:
  if (!st && J->null_aware && s == 1) st = reevaluate(J, J->rnull, rtotal0, pos, e);
  if (!add) {
    drop_one(J, me, mk, mr);
    if (mk->n == 0) {
      free_key(J, me, mk);
      state_map_remove(&me->keys, me_en);
    }
  }
  return st;
}

static sl_status join_push(sl_op *op, int port, const sl_batch *b, sl_error *e) {
  join_op *J = (join_op *)op;
  prepare(J);
  int s = port ? 1 : 0;
  J->now = J->side[0].ttl > 0 || J->side[1].ttl > 0 ? loop_now_ms() : 0;
  sl_status st = SL_OK;
  for (int r = 0; r < b->nrows && !st; r++) {
    int kind = b->kind[r];
    st = on_row(J, s, batch_row(b, r), kind == RK_INSERT || kind == RK_UPDATE_AFTER, &b->pos[r], e);
  }
  if (st) return st;
  return join_flush(&J->jb, e);
}

/* ---- batch mode: the final join, once ---- */

/* Every jkey of a side: the map's, then the kept NULL-key rows; *it starts at 0. */
static jkey *next_key(jside *sd, size_t *it, bool *null_key) {
  if (*it == SIZE_MAX) return NULL;
  state_entry *en = state_map_next(&sd->keys, it);
  *null_key = !en;
  if (en) return state_entry_val(en);
  *it = SIZE_MAX;
  return &sd->nulls;
}

static const sl_rowpos no_pos;

static sl_status batch_join(join_op *J, sl_error *e) {
  jside *ls = &J->side[0], *rs = &J->side[1];
  bool pairs = !semi_anti(J);
  sl_status st = SL_OK;
  size_t it = 0;
  state_entry *le;
  while (!st && (le = state_map_next(&ls->keys, &it))) {
    state_entry *re = state_map_find(&rs->keys, state_entry_key(le, &ls->keys), le->klen, le->hash);
    if (!re) continue;
    jkey *lk = state_entry_val(le), *rk = state_entry_val(re);
    for (uint32_t a = 0; a < lk->n && !st; a++) {
      jrow *l = &rows_of(lk)[a];
      for (uint32_t b = 0; b < rk->n && !st; b++) {
        jrow *r = &rows_of(rk)[b];
        bool match;
        if ((st = cond(J, 0, l->row, r->row, &no_pos, &match, e)) || !match) continue;
        l->assoc += r->count;
        r->assoc += l->count;
        if (pairs) st = put(J, 0, l->row, r->row, RK_INSERT, &no_pos, l->count * r->count, e);
      }
    }
  }
  for (int s = 0; s < 2 && !st; s++) {
    jside *sd = &J->side[s];
    if (s == 1 && !sd->outer) break;
    bool null_key;
    jkey *k;
    it = 0;
    while (!st && (k = next_key(sd, &it, &null_key)))
      for (uint32_t i = 0; i < k->n && !st; i++) {
        jrow *r = &rows_of(k)[i];
        bool show =
            pairs ? sd->outer && r->assoc == 0 : left_shows(J, r, null_key, J->rnull, J->rtotal);
        if (show) st = put(J, s, r->row, NULL, RK_INSERT, &no_pos, r->count, e);
      }
  }
  if (!st) st = join_flush(&J->jb, e);
  free_side(J, ls); /* the output has gone: the rows it referenced can go */
  free_side(J, rs);
  return st;
}

static sl_status join_finish(sl_op *op, sl_error *e) {
  join_op *J = (join_op *)op;
  prepare(J);
  if (J->batch_mode) return batch_join(J, e);
  return join_flush(&J->jb, e);
}

/* ---- state TTL: a key untouched for its side's TTL is forgotten silently (as Flink) ---- */

static int64_t key_rows(jkey *k) {
  int64_t n = 0;
  for (uint32_t i = 0; i < k->n; i++) n += rows_of(k)[i].count;
  return n;
}

static void ttl_sweep(sl_loop *l, uint64_t id, void *arg) {
  join_op *J = arg;
  int64_t now = loop_now_ms();
  for (int s = 0; s < 2; s++) {
    jside *sd = &J->side[s];
    if (sd->ttl <= 0) continue;
    size_t it = 0;
    state_entry *en;
    while ((en = state_map_next(&sd->keys, &it)))
      if (now - en->touched >= sd->ttl) {
        J->expired += (uint64_t)key_rows(state_entry_val(en));
        free_key(J, sd, state_entry_val(en));
        state_map_remove(&sd->keys, en);
      }
    if (sd->nulls.n && now - sd->nulls_touched >= sd->ttl) {
      J->expired += (uint64_t)key_rows(&sd->nulls);
      free_key(J, sd, &sd->nulls);
    }
  }
}

/* ---- explain ---- */

static void put_ms(sl_buf *out, int64_t ms) {
  static const struct {
    int64_t unit;
    const char *name;
  } units[] = {{86400000, "d"}, {3600000, "h"}, {60000, "min"}, {1000, "s"}};
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
    if (ms % units[i].unit == 0) {
      buf_printf(out, "%lld %s", (long long)(ms / units[i].unit), units[i].name);
      return;
    }
  buf_printf(out, "%lld ms", (long long)ms);
}

static void join_describe(const sl_op *op, sl_buf *out) {
  const join_op *J = (const join_op *)op;
  buf_printf(out, "%s JOIN%s ON ", join_type_name(jtype(J)), J->null_aware ? " (NOT IN)" : "");
  join_describe_keys(&J->jb, out);
  for (int s = 0; s < 2; s++)
    if (J->side[s].ttl > 0) {
      buf_printf(out, ", ttl %s ", s ? "right" : "left");
      put_ms(out, J->side[s].ttl);
    }
  if (J->expired) buf_printf(out, ", %llu rows expired", (unsigned long long)J->expired);
  if (J->missing)
    buf_printf(out, ", %llu retractions of rows not kept ignored", (unsigned long long)J->missing);
  if (J->batch_mode) buf_puts(out, "; final rows at the end (batch mode)");
}

static void join_free(sl_op *op) {
  join_op *J = (join_op *)op;
  if (J->timer && op->job && op->job->loop) loop_del_timer(op->job->loop, J->timer);
  free_side(J, &J->side[0]);
  free_side(J, &J->side[1]);
  join_base_free(&J->jb);
  buf_free(&J->key);
  buf_free(&J->rowkey);
  free(J->cells);
  free(J);
}

/* ---- snapshot: header "Join" v1, the counters, then per side its keys (packed bytes and
 * rows) and its kept NULL-key rows; a row is its count, associations and cells ---- */

static void put_rows(sl_buf *out, const jside *sd, jkey *k) {
  state_put_u64(out, k->n);
  for (uint32_t i = 0; i < k->n; i++) {
    jrow *r = &rows_of(k)[i];
    state_put_i64(out, r->count);
    state_put_i64(out, r->assoc);
    state_put_row(out, r->row, sd->types, sd->ncols);
  }
}

static sl_status join_snapshot(sl_op *op, sl_buf *out, sl_error *e) {
  join_op *J = (join_op *)op;
  state_put_header(out, "Join", 1);
  state_put_u64(out, J->expired);
  state_put_u64(out, J->missing);
  state_put_i64(out, J->rnull);
  state_put_i64(out, J->rtotal);
  for (int s = 0; s < 2; s++) {
    jside *sd = &J->side[s];
    state_put_u64(out, sd->keys.n);
    size_t it = 0;
    state_entry *en;
    while ((en = state_map_next(&sd->keys, &it))) {
      state_put_bytes(out, state_entry_key(en, &sd->keys), en->klen);
      put_rows(out, sd, state_entry_val(en));
    }
    put_rows(out, sd, &sd->nulls);
  }
  state_put_end(out);
  return SL_OK;
}

/* Reads the rows of one key; false when malformed or over the memory limit (*oom). A count is
 * 1 on a side that does not merge equal rows, at most INT32_MAX (as Flink's) on one that does,
 * where equal rows are one entry; associations stay far from overflowing. */
static bool get_rows(join_op *J, state_reader *r, jside *sd, jkey *k, bool *oom) {
  uint64_t n = state_get_u64(r);
  for (uint64_t i = 0; i < n && !r->bad; i++) {
    int64_t count = state_get_i64(r), assoc = state_get_i64(r);
    if (!state_get_row(r, J->cells, sd->types, sd->ncols) || count <= 0 || count > INT32_MAX ||
        (!sd->merge && count != 1) || assoc < 0 || assoc > INT64_MAX / 2)
      return false;
    uint64_t rh = row_hash(J, sd, J->cells);
    if (sd->merge && find_row(sd, k, J->cells, rh)) return false;
    jrow *row = add_row(J, sd, k, J->cells, rh, count);
    if (!row) return !(*oom = true);
    row->assoc = assoc;
  }
  return !r->bad;
}

static sl_status join_restore(sl_op *op, const void *p, size_t n, sl_error *e) {
  join_op *J = (join_op *)op;
  prepare(J);
  state_reader r;
  uint32_t version;
  if (!state_reader_open(&r, p, n, "Join", &version) || version != 1)
    return err_set(e, SL_ERUNTIME, "Join: the state snapshot is not a valid version 1 stream");
  r.strings = NULL; /* rows point into the stream: add_row copies them */
  J->expired = state_get_u64(&r);
  J->missing = state_get_u64(&r);
  J->rnull = state_get_i64(&r);
  J->rtotal = state_get_i64(&r);
  int64_t now = loop_now_ms();
  bool ok = !r.bad && J->rnull >= 0 && J->rtotal >= J->rnull && J->rtotal <= INT64_MAX / 2,
       oom = false;
  for (int s = 0; s < 2 && ok; s++) {
    jside *sd = &J->side[s];
    uint64_t nkeys = state_get_u64(&r);
    for (uint64_t i = 0; i < nkeys && ok && !r.bad; i++) {
      size_t klen;
      const void *key = state_get_bytes(&r, &klen);
      if (r.bad) break;
      bool created;
      state_entry *en = state_map_upsert(&sd->keys, key, klen, state_hash(key, klen), &created);
      if (!en) return no_memory(J, e);
      en->touched = now;
      ok = created && get_rows(J, &r, sd, state_entry_val(en), &oom) &&
           ((jkey *)state_entry_val(en))->n > 0;
    }
    sd->nulls_touched = now;
    if (ok) ok = get_rows(J, &r, sd, &sd->nulls, &oom);
  }
  if (oom) return no_memory(J, e);
  if (!ok || r.bad || r.p != r.end)
    return err_set(e, SL_ERUNTIME, "Join: the state snapshot is malformed");
  return SL_OK;
}

static const op_vt join_vt = {.kind = "Join",
                              .push = join_push,
                              .finish = join_finish,
                              .describe = join_describe,
                              .free = join_free,
                              .snapshot = join_snapshot,
                              .restore = join_restore,
                              .keeps = "every row of both inputs, by join key"};

/* INNER and SEMI are append-only over append-only inputs: updating is set here for the other
 * types, and op_connect sets it when an updating input is connected. */
sl_op *op_join_new(sl_job *j, const join_spec *s, bool batch_mode, op_cols out, sl_error *e) {
  int t = s->type;
  bool sa = t == JOIN_SEMI || t == JOIN_ANTI;
  if (t < JOIN_INNER || t > JOIN_ANTI || s->nkeys < 0 ||
      out.n != s->left.n + (sa ? 0 : s->right.n)) {
    err_set(e, SL_EINTERNAL, "Join: bad arguments (type %d, %d output columns for %d + %d)", t,
            out.n, s->left.n, s->right.n);
    return NULL;
  }
  if (s->null_aware && (t != JOIN_ANTI || s->nkeys != 1)) {
    err_set(e, SL_EINTERNAL, "Join: a null-aware join is an ANTI join on one key");
    return NULL;
  }
  join_op *J = xcalloc(1, sizeof *J);
  if (join_base_init(&J->jb, &join_vt, j, "join", s, out, e)) {
    join_base_free(&J->jb);
    free(J);
    return NULL;
  }
  J->batch_mode = batch_mode;
  J->null_aware = s->null_aware;
  for (int i = 0; i < 2; i++) {
    jside *sd = &J->side[i];
    const op_cols *c = i ? &s->right : &s->left;
    sd->ncols = c->n;
    sd->types = c->types;
    sd->outer = t == JOIN_FULL || t == (i ? JOIN_RIGHT : JOIN_LEFT);
    sd->ttl = batch_mode ? 0 : i ? s->ttl_right_ms : s->ttl_left_ms;
    if (sd->ttl < 0) sd->ttl = 0;
    state_map_init(&sd->keys, &J->jb.base.mem, sizeof(jkey));
  }
  int w = s->left.n > s->right.n ? s->left.n : s->right.n;
  J->cells = xcalloc((size_t)w + 1, sizeof(sl_value));
  J->jb.base.updating = !batch_mode && !(t == JOIN_INNER || t == JOIN_SEMI);
  int64_t ttl = J->side[0].ttl;
  if (!ttl || (J->side[1].ttl && J->side[1].ttl < ttl)) ttl = J->side[1].ttl;
  if (ttl > 0 && j->loop) {
    int64_t every = ttl / 2;
    if (every < 1) every = 1;
    if (every > 60000) every = 60000;
    J->timer = loop_add_timer(j->loop, every, every, ttl_sweep, J);
  }
  return &J->jb.base;
}
