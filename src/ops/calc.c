/* calc.c - filter and projection in one pass over a batch (Flink's Calc): evaluates the
 * predicate, then the projections into the operator's own output batch; each row keeps its
 * change kind. A row whose expressions fail (a bad CAST, division by zero) is rejected through
 * the job with the expression's position in the pipeline text; the batch goes on. Each
 * instance runs its own copy of the plan's expressions (their compiled regexes included).
 * Must not touch: the plan's expression trees (they are shared by every instance). */
#include <stdlib.h>
#include <string.h>

#include "../format/format.h"
#include "ops.h"

typedef struct calc_op {
  sl_op base;
  sl_arena exprs; /* this instance's copies of the expressions */
  sl_expr *pred;
  sl_expr **proj;
  int *col; /* per projection: the input column it copies (a plain column), or -1 */
  int nproj;
  bool all_cols; /* no predicate and every projection a plain column: rows are copied */
  sl_batch out;
  sl_buf scratch; /* text built by expressions, reused for every row */
  const char *const *in_names;
  int in_ncols;
} calc_op;

static sl_status reject(calc_op *c, const sl_value *row, const sl_rowpos *pos, expr_ctx *ctx,
                        sl_error *e) {
  sl_job *j = c->base.job;
  char reason[512];
  if (j->sql) {
    int line, col;
    src_linecol(j->sql, ctx->erroff, &line, &col);
    snprintf(reason, sizeof reason, "%s (expression at %s:%d:%d)", ctx->errmsg, j->sql->name, line,
             col);
  } else {
    snprintf(reason, sizeof reason, "%s", ctx->errmsg);
  }
  sl_buf b = {0};
  fmt_row_json(c->in_names, c->base.in[0]->types, c->in_ncols, row, &b);
  sl_status st = job_reject(j, pos, "expression", reason, b.data, b.len, e);
  buf_free(&b);
  ctx->erroff = 0;
  ctx->errmsg[0] = 0;
  return st;
}

/* Every projection a plain column and no predicate: cells are copied (strings still point
 * into the input batch, which outlives the emit below). */
static sl_status copy_cols(calc_op *c, const sl_batch *b, sl_error *e) {
  const int *col = c->col;
  int n = c->nproj;
  for (int r = 0; r < b->nrows; r++) {
    const sl_value *row = batch_row(b, r);
    sl_value *o = batch_row(&c->out, c->out.nrows);
    for (int i = 0; i < n; i++) o[i] = row[col[i]];
    c->out.kind[c->out.nrows] = b->kind[r];
    c->out.pos[c->out.nrows++] = b->pos[r];
    if (c->out.nrows == c->out.cap) {
      sl_status st = op_emit(&c->base, &c->out, e);
      batch_clear(&c->out);
      if (st) return st;
    }
  }
  sl_status st = op_emit(&c->base, &c->out, e);
  batch_clear(&c->out);
  return st;
}

static sl_status calc_push(sl_op *op, int port, const sl_batch *b, sl_error *e) {
  calc_op *c = (calc_op *)op;
  expr_ctx ctx = op->job->ctx;
  ctx.arena = &c->out.arena;
  ctx.scratch = &c->scratch;
  ctx.erroff = 0;
  ctx.watermark = op->nin ? op->ports[port].wm : WM_NONE; /* CURRENT_WATERMARK */
  sl_status st;
  if (c->all_cols) return copy_cols(c, b, e);
  for (int r = 0; r < b->nrows; r++) {
    const sl_value *row = batch_row(b, r);
    if (c->pred) {
      bool keep;
      st = expr_eval_pred(c->pred, row, &ctx, &keep);
      if (st == SL_EDATA) {
        if ((st = reject(c, row, &b->pos[r], &ctx, e))) return st;
        continue;
      }
      if (st) return st;
      if (!keep) continue;
    }
    sl_value *o = batch_row(&c->out, c->out.nrows);
    bool bad = false;
    for (int i = 0; i < c->nproj; i++) {
      if (c->col[i] >= 0) {
        o[i] = row[c->col[i]];
        continue;
      }
      st = expr_eval(c->proj[i], row, &ctx, &o[i]);
      if (st == SL_EDATA) {
        if ((st = reject(c, row, &b->pos[r], &ctx, e))) return st;
        bad = true;
        break;
      }
      if (st) return st;
    }
    if (bad) continue;
    c->out.kind[c->out.nrows] = b->kind[r];
    c->out.pos[c->out.nrows++] = b->pos[r];
    if (c->out.nrows == c->out.cap) {
      if ((st = op_emit(op, &c->out, e))) return st;
      batch_clear(&c->out);
    }
  }
  st = op_emit(op, &c->out, e);
  batch_clear(&c->out);
  return st;
}

static void calc_describe(const sl_op *op, sl_buf *out) {
  const calc_op *c = (const calc_op *)op;
  if (c->pred) {
    buf_puts(out, "where ");
    expr_format(c->pred, c->in_names, out);
    buf_puts(out, "; ");
  }
  buf_puts(out, "select ");
  for (int i = 0; i < c->nproj; i++) {
    if (i) buf_puts(out, ", ");
    sl_buf t = {0};
    expr_format(c->proj[i], c->in_names, &t);
    buf_put(out, t.data, t.len);
    if (c->proj[i]->kind != E_COL || strcmp(buf_cstr(&t), op->cols[i]))
      buf_printf(out, " AS %s", op->cols[i]);
    buf_free(&t);
  }
}

static void calc_free(sl_op *op) {
  calc_op *c = (calc_op *)op;
  expr_free_aux(c->pred);
  for (int i = 0; i < c->nproj; i++) expr_free_aux(c->proj[i]);
  batch_free(&c->out);
  buf_free(&c->scratch);
  arena_free(&c->exprs);
  free(c);
}

static const op_vt calc_vt = {
    .kind = "Calc", .push = calc_push, .describe = calc_describe, .free = calc_free};

sl_op *op_calc_new(sl_job *j, const sl_expr *pred, sl_expr *const *proj, int nproj,
                   const char *const *names, const sl_type *types, const char *const *in_names,
                   int in_ncols, sl_error *e) {
  calc_op *c = xcalloc(1, sizeof *c);
  op_init(&c->base, &calc_vt, j, "calc");
  arena_init(&c->exprs, 4096);
  c->pred = pred ? expr_substitute(pred, NULL, &c->exprs) : NULL;
  c->proj = arena_alloc(&c->exprs, sizeof(sl_expr *) * (size_t)(nproj ? nproj : 1));
  c->col = arena_alloc(&c->exprs, sizeof(int) * (size_t)(nproj ? nproj : 1));
  c->all_cols = !c->pred;
  for (int i = 0; i < nproj; i++) {
    c->proj[i] = expr_substitute(proj[i], NULL, &c->exprs);
    c->col[i] = c->proj[i]->kind == E_COL ? c->proj[i]->col : -1;
    if (c->col[i] < 0) c->all_cols = false;
  }
  c->nproj = nproj;
  c->in_names = in_names;
  c->in_ncols = in_ncols;
  c->base.ncols = nproj;
  c->base.cols = names;
  c->base.types = types;
  batch_init(&c->out, nproj, j->batch_rows);
  const char *m = c->pred ? expr_prepare(c->pred, NULL) : NULL;
  for (int i = 0; i < nproj && !m; i++) m = expr_prepare(c->proj[i], NULL);
  if (m) {
    calc_free(&c->base);
    err_set(e, SL_ESQL, "%s", m);
    return NULL;
  }
  return &c->base;
}
