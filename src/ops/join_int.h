/* join_int.h - what the join operators share (join.c, join_interval.c, join_window.c,
 * join_temporal.c, join_lookup.c): the copied join_spec with its prepared condition, key
 * packing, the condition on a pair, and the output batch that joined rows are appended to.
 * Internal to ops/; the planner sees only ops.h.
 * Must not touch: the plan's expressions (they are copied) or the pipeline's ports. */
#ifndef SLUICE_JOIN_INT_H
#define SLUICE_JOIN_INT_H

#include "ops.h"

typedef struct join_base {
  sl_op base;  /* first: a join operator is a join_base is an sl_op */
  join_spec s; /* the constructor's, with lkeys/rkeys/cond copied into `exprs` */
  sl_arena exprs;
  sl_expr *cond;             /* prepared copy, NULL: none */
  int lcols, rcols, outcols; /* widths: left, right, output (left + right, or left) */
  sl_batch out;
  sl_buf scratch;           /* for expressions */
  sl_arena cond_arena;      /* strings the condition makes, rewound per pair */
  sl_value *pair;           /* lcols + rcols cells: the pair the condition reads */
  const sl_value *null_row; /* max(lcols, rcols) NULL cells */
} join_base;

/* Fills jb (the operator's first member) from s and out; the caller has op_init'ed nothing
 * yet: this calls op_init(&jb->base, vt, j, name). Non-zero with e set when the condition
 * cannot be prepared. */
sl_status join_base_init(join_base *jb, const op_vt *vt, sl_job *j, const char *name,
                         const join_spec *s, op_cols out, sl_error *e);
void join_base_free(join_base *jb); /* what init made; not jb itself */

/* Packs the key columns of a row of `side` (0 left, 1 right) into out (cleared first) and
 * returns its hash; false when a key column is NULL (such a row matches nothing). */
bool join_key(const join_base *jb, int side, const sl_value *row, sl_buf *out, uint64_t *hash);
/* Whether the residual condition holds for the pair (l, r): true without a condition. An
 * expression error (a bad CAST in ON) counts as no match and is reported through job_reject
 * with the left row's position. */
sl_status join_cond(join_base *jb, const sl_value *l, const sl_value *r, const sl_rowpos *pos,
                    bool *match, sl_error *e);
/* Appends l ++ r to the output batch with `kind` and `pos` (l or r NULL: NULL-padded; for
 * SEMI/ANTI only l is written). Cells are copied; strings are referenced, so the rows must
 * stay alive until join_flush: flush before freeing a kept row that was appended. Emits (and
 * clears) the batch when it is full. */
sl_status join_append(join_base *jb, const sl_value *l, const sl_value *r, uint8_t kind,
                      const sl_rowpos *pos, sl_error *e);
/* Emits what join_append collected. */
sl_status join_flush(join_base *jb, sl_error *e);
/* "INNER", "LEFT" ... for describe. */
const char *join_type_name(int type);
/* Appends "k = k2 AND ..." (and the condition) to out, for describe. */
void join_describe_keys(const join_base *jb, sl_buf *out);

#endif
