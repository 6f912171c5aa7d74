/* bind_window.c - the windowing table-valued functions in FROM (TUMBLE, HOP, CUMULATE, SESSION
 * with PARTITION BY): their arguments (constant intervals, the time column, offsets reduced to
 * their remainder) and the P_WINTVF node that adds window_start, window_end and window_time;
 * over a processing-time attribute, the P_PROCTIME assigner below it (plan_proctime_node).
 * bind_agg.c uses the same argument checks for the legacy GROUP BY TUMBLE(...) windows.
 * Must not touch the catalog or build operators (physical.c). */
#include <string.h>

#include "plan_int.h"

int64_t plan_const_interval(binder *b, const sql_expr *x, const char *what) {
  scope none = {NULL, 0};
  const sql_expr *lit = x->kind == A_UNARY && x->nargs == 1 ? x->args[0] : x;
  if (lit->kind != A_INTERVAL)
    plan_fail(b, x->off, "the %s must be a constant interval such as INTERVAL '10' MINUTE", what);
  sl_expr *v = plan_bind_expr(b, &none, x);
  if (v->kind != E_LIT || v->type.id != T_INTERVAL || v->lit.null)
    plan_fail(b, x->off, "the %s must be a constant interval such as INTERVAL '10' MINUTE", what);
  if (v->lit.u.i <= 0 && strcmp(what, "offset"))
    plan_fail(b, x->off, "the %s must be positive", what);
  return v->lit.u.i;
}

int plan_find_col(const plan_node *n, const char *name) {
  for (int i = 0; i < n->ncols; i++)
    if (str_ieq(n->names[i], name)) return i;
  return -1;
}

void plan_need_time(binder *b, const plan_node *in, int col, uint32_t off, const char *name) {
  if (col < 0)
    plan_fail(b, off, "the window's time column '%s' is not a column of its input", name);
  sl_type t = in->types[col];
  char t1[48];
  if (t.id != T_TIMESTAMP && t.id != T_TIMESTAMP_LTZ)
    plan_fail(b, off,
              "the window's time column '%s' must be TIMESTAMP(3) or TIMESTAMP_LTZ(3), not %s",
              name, tn(t, t1));
}

/* Processing-time windows fire on the wall clock: every kind's window ends lie on a grid (TUMBLE:
 * every size; HOP: every slide, shifted by the size; CUMULATE: every step), which is where the
 * assigner's timer sends the watermark. Sessions and OVER end anywhere: a heartbeat. */
#define PT_HEARTBEAT_MS 200

plan_node *plan_proctime_node(binder *b, plan_node *in, int col, const window_spec *w,
                              uint32_t off) {
  plan_node *n = plan_new_node(b->a, P_PROCTIME, 1, in->ncols);
  n->in[0] = in;
  n->off = off;
  for (int i = 0; i < in->ncols; i++) {
    n->names[i] = in->names[i];
    n->types[i] = in->types[i];
  }
  plan_opspec *s = n->op = arena_zalloc(b->a, sizeof *n->op);
  s->time_col = col;
  s->pt_period = PT_HEARTBEAT_MS;
  if (!w) { /* OVER: rows come out 1 ms after their batch */
    s->pt_after = 1;
    return n;
  }
  switch (w->kind) {
  case WIN_TUMBLE: s->pt_period = w->size, s->pt_phase = w->offset; break;
  case WIN_HOP: s->pt_period = w->slide, s->pt_phase = w->offset + w->size % w->slide; break;
  case WIN_CUMULATE: s->pt_period = w->step, s->pt_phase = w->offset; break;
  default:
    if (w->gap < PT_HEARTBEAT_MS) s->pt_period = w->gap;
  }
  return n;
}

plan_node *plan_bind_tvf(binder *b, const sql_tvf *f, plan_node *in) {
  window_spec w = {0};
  int nmin, nmax;
  const char *shape;
  if (str_ieq(f->fn, "TUMBLE")) {
    w.kind = WIN_TUMBLE, nmin = 1, nmax = 2, shape = "(TABLE t, DESCRIPTOR(col), size [, offset])";
  } else if (str_ieq(f->fn, "HOP")) {
    w.kind = WIN_HOP, nmin = 2, nmax = 3,
    shape = "(TABLE t, DESCRIPTOR(col), slide, size [, offset])";
  } else if (str_ieq(f->fn, "CUMULATE")) {
    w.kind = WIN_CUMULATE, nmin = 2, nmax = 3,
    shape = "(TABLE t, DESCRIPTOR(col), step, size [, offset])";
  } else if (str_ieq(f->fn, "SESSION")) {
    w.kind = WIN_SESSION, nmin = 1, nmax = 1,
    shape = "(TABLE t [PARTITION BY col, ...], DESCRIPTOR(col), gap)";
  } else {
    plan_fail(b, f->fn_off, "unknown window function '%s' (TUMBLE, HOP, CUMULATE or SESSION)",
              f->fn);
  }
  if (f->nargs < nmin || f->nargs > nmax) plan_fail(b, f->fn_off, "%s takes %s", f->fn, shape);
  w.time_col = plan_find_col(in, f->timecol);
  plan_need_time(b, in, w.time_col, f->timecol_off, f->timecol);
  switch (w.kind) {
  case WIN_TUMBLE: w.size = plan_const_interval(b, f->args[0], "window size"); break;
  case WIN_HOP:
    w.slide = plan_const_interval(b, f->args[0], "slide");
    w.size = plan_const_interval(b, f->args[1], "window size");
    break;
  case WIN_CUMULATE:
    w.step = plan_const_interval(b, f->args[0], "step");
    w.size = plan_const_interval(b, f->args[1], "window size");
    if (w.size % w.step)
      plan_fail(b, f->args[1]->off, "a CUMULATE window's size must be a multiple of its step");
    break;
  case WIN_SESSION: w.gap = plan_const_interval(b, f->args[0], "session gap"); break;
  }
  if (f->nargs == nmax && w.kind != WIN_SESSION) {
    /* any offset: windows repeat every slide (HOP) or size, so only its remainder counts */
    int64_t period = w.kind == WIN_HOP ? w.slide : w.size;
    w.offset = floor_mod(plan_const_interval(b, f->args[nmax - 1], "offset"), period);
  }
  bool pt = plan_is_proctime(in, w.time_col);
  plan_node *n = plan_new_node(b->a, P_WINTVF, 1, in->ncols + 3);
  n->in[0] = pt ? plan_proctime_node(b, in, w.time_col, &w, f->fn_off) : in;
  n->off = f->fn_off;
  n->op = arena_zalloc(b->a, sizeof *n->op);
  n->op->win = w;
  n->op->proctime = pt;
  if (f->npart) {
    if (w.kind != WIN_SESSION)
      plan_fail(b, f->part[0]->off, "PARTITION BY is only for SESSION windows");
    n->op->keys = arena_alloc(b->a, sizeof(int) * (size_t)f->npart);
    scope sc = plan_make_scope(b, in, NULL);
    for (int i = 0; i < f->npart; i++) {
      sl_expr *k = plan_bind_expr(b, &sc, f->part[i]);
      if (k->kind != E_COL) plan_fail(b, f->part[i]->off, "PARTITION BY takes columns");
      n->op->keys[i] = k->col;
    }
    n->op->nkeys = f->npart;
  }
  for (int i = 0; i < in->ncols; i++) {
    n->names[i] = in->names[i];
    n->types[i] = in->types[i];
  }
  sl_type tt = in->types[w.time_col];
  tt.prec = 3;
  n->names[in->ncols] = "window_start";
  n->names[in->ncols + 1] = "window_end";
  n->names[in->ncols + 2] = "window_time";
  n->types[in->ncols] = n->types[in->ncols + 1] = n->types[in->ncols + 2] = tt;
  return n;
}
