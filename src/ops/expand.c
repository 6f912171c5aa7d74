/* expand.c - GROUPING SETS / ROLLUP / CUBE (Flink's Expand): every input row comes out once per
 * grouping set, with the columns that set does not keep NULL and the set's index appended as a
 * BIGINT, so one group aggregation over (keys, id) computes every set. Row kinds and positions
 * pass through. Keeps no state.
 * Must not touch: the input rows (strings are shared with the input batch, which outlives the
 * emit: the output is emitted before push returns). */
#include <stdlib.h>
#include <string.h>

#include "ops.h"

typedef struct expand_op {
  sl_op base;
  int nsets, in_ncols;
  bool *keep; /* nsets * in_ncols */
  sl_batch out;
} expand_op;

static sl_status expand_push(sl_op *op, int port, const sl_batch *b, sl_error *e) {
  expand_op *x = (expand_op *)op;
  sl_status st;
  for (int r = 0; r < b->nrows; r++) {
    const sl_value *row = batch_row(b, r);
    for (int s = 0; s < x->nsets; s++) {
      sl_value *o = batch_row(&x->out, x->out.nrows);
      const bool *keep = x->keep + (size_t)s * (size_t)x->in_ncols;
      for (int c = 0; c < x->in_ncols; c++) o[c] = keep[c] ? row[c] : value_null();
      o[x->in_ncols] = value_int(s);
      x->out.kind[x->out.nrows] = b->kind[r];
      x->out.pos[x->out.nrows++] = b->pos[r];
      if (x->out.nrows == x->out.cap) {
        if ((st = op_emit(op, &x->out, e))) return st;
        batch_clear(&x->out);
      }
    }
  }
  st = op_emit(op, &x->out, e);
  batch_clear(&x->out);
  return st;
}

static void expand_describe(const sl_op *op, sl_buf *out) {
  const expand_op *x = (const expand_op *)op;
  buf_printf(out, "%d grouping sets:", x->nsets);
  for (int s = 0; s < x->nsets; s++) {
    buf_puts(out, s ? ", (" : " (");
    bool first = true;
    for (int c = 0; c < x->in_ncols; c++) {
      if (!x->keep[(size_t)s * (size_t)x->in_ncols + (size_t)c]) continue;
      if (!first) buf_puts(out, ", ");
      buf_puts(out, op->cols[c]);
      first = false;
    }
    buf_puts(out, ")");
  }
}

static void expand_free(sl_op *op) {
  expand_op *x = (expand_op *)op;
  batch_free(&x->out);
  free(x->keep);
  free(x);
}

static const op_vt expand_vt = {
    .kind = "Expand", .push = expand_push, .describe = expand_describe, .free = expand_free};

sl_op *op_expand_new(sl_job *j, int nsets, const bool *const *keep, op_cols out, sl_error *e) {
  if (nsets < 1 || out.n < 1) {
    err_set(e, SL_EINTERNAL, "Expand needs at least one grouping set and the id column");
    return NULL;
  }
  expand_op *x = xcalloc(1, sizeof *x);
  op_init(&x->base, &expand_vt, j, "expand");
  x->nsets = nsets;
  x->in_ncols = out.n - 1;
  x->keep = xcalloc((size_t)nsets * (size_t)(x->in_ncols ? x->in_ncols : 1), sizeof(bool));
  for (int s = 0; s < nsets; s++)
    for (int c = 0; c < x->in_ncols; c++)
      x->keep[(size_t)s * (size_t)x->in_ncols + (size_t)c] = keep[s][c];
  x->base.ncols = out.n;
  x->base.cols = out.names;
  x->base.types = out.types;
  batch_init(&x->out, out.n, j->batch_rows);
  return &x->base;
}
