/* join_common.c - the part every join operator shares (join_int.h): copying the spec and
 * preparing its condition, key packing, the condition on a pair, the output batch.
 * Must not touch: state (each join keeps its own) or signals. */
#include <stdlib.h>
#include <string.h>

#include "../format/format.h"
#include "join_int.h"

const char *join_type_name(int type) {
  static const char *const names[] = {"?", "INNER", "LEFT", "RIGHT", "FULL", "SEMI", "ANTI"};
  return type >= 1 && type <= JOIN_ANTI ? names[type] : names[0];
}

sl_status join_base_init(join_base *jb, const op_vt *vt, sl_job *j, const char *name,
                         const join_spec *s, op_cols out, sl_error *e) {
  op_init(&jb->base, vt, j, name);
  arena_init(&jb->exprs, 4096);
  arena_init(&jb->cond_arena, 4096);
  jb->s = *s;
  int nk = s->nkeys ? s->nkeys : 1;
  int *lk = arena_alloc(&jb->exprs, sizeof(int) * (size_t)nk);
  int *rk = arena_alloc(&jb->exprs, sizeof(int) * (size_t)nk);
  for (int i = 0; i < s->nkeys; i++) lk[i] = s->lkeys[i], rk[i] = s->rkeys[i];
  jb->s.lkeys = lk;
  jb->s.rkeys = rk;
  jb->lcols = s->left.n;
  jb->rcols = s->right.n;
  jb->outcols = out.n;
  jb->base.ncols = out.n;
  jb->base.cols = out.names;
  jb->base.types = out.types;
  int w = jb->lcols + jb->rcols;
  jb->pair = arena_zalloc(&jb->exprs, sizeof(sl_value) * (size_t)(w ? w : 1));
  int m = jb->lcols > jb->rcols ? jb->lcols : jb->rcols;
  sl_value *nulls = arena_alloc(&jb->exprs, sizeof(sl_value) * (size_t)(m ? m : 1));
  for (int i = 0; i < m; i++) nulls[i] = value_null();
  jb->null_row = nulls;
  batch_init(&jb->out, out.n, j->batch_rows);
  jb->cond = NULL;
  if (s->cond) {
    jb->cond = expr_substitute(s->cond, NULL, &jb->exprs);
    const char *msg = expr_prepare(jb->cond, NULL);
    if (msg) {
      expr_free_aux(jb->cond);
      jb->cond = NULL;
      return err_set(e, SL_ESQL, "%s", msg);
    }
  }
  jb->s.cond = jb->cond;
  return SL_OK;
}

void join_base_free(join_base *jb) {
  if (jb->cond) expr_free_aux(jb->cond);
  batch_free(&jb->out);
  buf_free(&jb->scratch);
  arena_free(&jb->cond_arena);
  arena_free(&jb->exprs);
}

bool join_key(const join_base *jb, int side, const sl_value *row, sl_buf *out, uint64_t *hash) {
  const int *cols = side ? jb->s.rkeys : jb->s.lkeys;
  const sl_type *types = side ? jb->s.right.types : jb->s.left.types;
  for (int i = 0; i < jb->s.nkeys; i++)
    if (row[cols[i]].null) return false;
  out->len = 0;
  state_key_pack(row, cols, types, jb->s.nkeys, out);
  *hash = state_hash(out->data, out->len);
  return true;
}

sl_status join_cond(join_base *jb, const sl_value *l, const sl_value *r, const sl_rowpos *pos,
                    bool *match, sl_error *e) {
  if (!jb->cond) {
    *match = true;
    return SL_OK;
  }
  memcpy(jb->pair, l ? l : jb->null_row, sizeof(sl_value) * (size_t)jb->lcols);
  memcpy(jb->pair + jb->lcols, r ? r : jb->null_row, sizeof(sl_value) * (size_t)jb->rcols);
  arena_reset(&jb->cond_arena);
  expr_ctx ctx = jb->base.job->ctx;
  ctx.arena = &jb->cond_arena;
  ctx.scratch = &jb->scratch;
  ctx.erroff = 0;
  ctx.watermark = jb->base.wm;
  if (expr_eval_pred(jb->cond, jb->pair, &ctx, match) == SL_OK) return SL_OK;
  *match = false;
  sl_job *j = jb->base.job;
  char reason[512];
  if (j->sql) {
    int line, col;
    src_linecol(j->sql, ctx.erroff, &line, &col);
    snprintf(reason, sizeof reason, "%s (join condition at %s:%d:%d)", ctx.errmsg, j->sql->name,
             line, col);
  } else {
    snprintf(reason, sizeof reason, "%s (join condition)", ctx.errmsg);
  }
  sl_buf b = {0};
  fmt_row_json(jb->s.left.names, jb->s.left.types, jb->lcols, jb->pair, &b);
  sl_status st = job_reject(j, pos, "join", reason, b.data, b.len, e);
  buf_free(&b);
  return st;
}

sl_status join_append(join_base *jb, const sl_value *l, const sl_value *r, uint8_t kind,
                      const sl_rowpos *pos, sl_error *e) {
  sl_batch *o = &jb->out;
  sl_value *row = batch_row(o, o->nrows);
  memcpy(row, l ? l : jb->null_row, sizeof(sl_value) * (size_t)jb->lcols);
  if (jb->outcols > jb->lcols)
    memcpy(row + jb->lcols, r ? r : jb->null_row, sizeof(sl_value) * (size_t)jb->rcols);
  o->kind[o->nrows] = kind;
  if (pos)
    o->pos[o->nrows] = *pos;
  else
    memset(&o->pos[o->nrows], 0, sizeof *o->pos);
  if (++o->nrows == o->cap) return join_flush(jb, e);
  return SL_OK;
}

sl_status join_flush(join_base *jb, sl_error *e) {
  if (!jb->out.nrows) return SL_OK;
  sl_status st = op_emit(&jb->base, &jb->out, e);
  batch_clear(&jb->out);
  return st;
}

void join_describe_keys(const join_base *jb, sl_buf *out) {
  for (int i = 0; i < jb->s.nkeys; i++)
    buf_printf(out, "%s%s = %s", i ? " AND " : "", jb->s.left.names[jb->s.lkeys[i]],
               jb->s.right.names[jb->s.rkeys[i]]);
  if (jb->cond) {
    if (jb->s.nkeys) buf_printf(out, " AND ");
    const char **names = arena_alloc(&((join_base *)jb)->exprs,
                                     sizeof(char *) * (size_t)(jb->lcols + jb->rcols + 1));
    for (int i = 0; i < jb->lcols; i++) names[i] = jb->s.left.names[i];
    for (int i = 0; i < jb->rcols; i++) names[jb->lcols + i] = jb->s.right.names[i];
    expr_format(jb->cond, names, out);
  }
  if (!jb->s.nkeys && !jb->cond) buf_printf(out, "TRUE");
}
