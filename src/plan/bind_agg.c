/* bind_agg.c - the binder for everything that aggregates or looks across rows: GROUP BY (with
 * GROUPING SETS, ROLLUP and CUBE), HAVING, aggregate calls with DISTINCT and FILTER, SELECT
 * DISTINCT, aggregation over the windowing TVFs (bind_window.c binds the TVFs themselves) and
 * the legacy GROUP BY TUMBLE(...) with TUMBLE_START ..., ROW_NUMBER() OVER (top-N, dedup) and
 * aggregate OVER windows. Aggregates met while binding an expression become placeholders (E_COL
 * with a column number past PH_AGG); once the SELECT list is bound they are lifted onto the output
 * of the aggregating node: a Calc below computes keys, arguments and FILTER conditions as
 * columns, the stateful node works on column numbers only, a Calc above projects the SELECT
 * list and applies HAVING. Must not touch the catalog or build operators (physical.c). */
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "plan_int.h"

/* Placeholder column numbers (never real: rows are at most a few thousand columns wide). */
#define PH_WIN (1 << 24)  /* + 0/1/2: legacy TUMBLE_START / _END / _ROWTIME */
#define PH_AGG (1 << 25)  /* + i: the i-th aggregate call */
#define PH_OVER (1 << 26) /* + i: the i-th OVER call */

typedef struct over_call {
  const sql_expr *x; /* the call (its OVER clause) */
  bool row_number;
  agg_spec spec;
  sl_expr *arg, *filter;
} over_call;

struct agg_bind {
  const scope *in;
  bool nested;     /* binding the arguments of an aggregate */
  bool allow_over; /* binding the SELECT list */
  agg_spec *specs;
  sl_expr **args, **filters;
  const char **labels;
  int n, cap;
  over_call *over;
  int nover, overcap;
  /* legacy GROUP BY TUMBLE(ts, size) / HOP / SESSION */
  const char *legacy;
  window_spec legacy_win;
  sl_type legacy_type;
};

bool plan_expr_equal(const sl_expr *x, const sl_expr *y) {
  if (x == y) return true;
  if (!x || !y) return false;
  if (x->kind != y->kind || x->flag != y->flag || !type_equal(x->type, y->type) ||
      x->ival != y->ival || x->fn != y->fn || x->nargs != y->nargs)
    return false;
  if (x->kind == E_COL && x->col != y->col) return false;
  if (x->kind == E_LIT) {
    if (x->lit.null != y->lit.null) return false;
    if (!x->lit.null && value_compare(&x->lit, &y->lit, x->type)) return false;
  }
  for (int i = 0; i < x->nargs; i++)
    if (!plan_expr_equal(x->args[i], y->args[i])) return false;
  return true;
}

/* A bigger copy of an array in the compile arena (n items of size sz kept). */
static void *grow(binder *b, void *old, size_t sz, int n, int cap) {
  void *p = arena_alloc(b->a, sz * (size_t)cap);
  if (n) memcpy(p, old, sz * (size_t)n);
  return p;
}

static sl_expr *col_ref(binder *b, int col, sl_type t, uint32_t off) {
  return plan_col(b->a, col, t, off);
}

/* ---- calls met while binding an expression ---- */

static bool is_rank_fn(const char *name) {
  return str_ieq(name, "ROW_NUMBER") || str_ieq(name, "RANK") || str_ieq(name, "DENSE_RANK");
}

/* TUMBLE_START, HOP_END, SESSION_ROWTIME ...: 0 start, 1 end, 2 rowtime; -1 otherwise. */
static int legacy_aux(const char *name, const char **group_fn) {
  static const char *const fns[] = {"TUMBLE", "HOP", "SESSION"};
  static const char *const parts[] = {"_START", "_END", "_ROWTIME"};
  for (int i = 0; i < 3; i++) {
    size_t n = strlen(fns[i]);
    if (strncasecmp(name, fns[i], n)) continue;
    for (int k = 0; k < 3; k++)
      if (str_ieq(name + n, parts[k])) {
        *group_fn = fns[i];
        return k;
      }
  }
  return -1;
}

static sl_expr *bind_agg_call(binder *b, const scope *sc, const sql_expr *x, const agg_def *d) {
  agg_bind *ab = b->agg;
  if (!ab)
    plan_fail(b, x->off,
              "aggregate function %s is not allowed here (aggregates belong in the SELECT list "
              "or HAVING)",
              d->name);
  if (ab->nested) plan_fail(b, x->off, "aggregate functions cannot be nested");
  agg_spec s = {0};
  s.kind = d->kind;
  s.arg = -1;
  s.filter = -1;
  s.distinct = x->flag & 1;
  sl_expr *arg = NULL, *filter = NULL;
  ab->nested = true;
  bool allow_over = ab->allow_over;
  ab->allow_over = false;
  if (x->flag & 2) {
    if (d->kind != AGG_COUNT) plan_fail(b, x->off, "%s(*) is not allowed", d->name);
    s.kind = AGG_COUNT_STAR;
  } else {
    if (x->nargs < d->min_args || x->nargs > d->max_args) {
      if (d->min_args == d->max_args)
        plan_fail(b, x->off, "%s takes %d argument%s, not %d", d->name, d->min_args,
                  d->min_args == 1 ? "" : "s", x->nargs);
      plan_fail(b, x->off, "%s takes %d to %d arguments, not %d", d->name, d->min_args, d->max_args,
                x->nargs);
    }
    arg = plan_bind_expr(b, sc, x->args[0]);
    if (d->kind == AGG_COUNT && !s.distinct && arg->kind == E_LIT && !arg->lit.null)
      s.kind = AGG_COUNT_STAR, arg = NULL; /* COUNT(1) */
    if (x->nargs == 2) {                   /* LISTAGG separator */
      sl_expr *sep = plan_bind_expr(b, sc, x->args[1]);
      if (sep->kind != E_LIT || sep->type.id != T_STRING || sep->lit.null)
        plan_fail(b, x->args[1]->off, "the separator of %s must be a constant string", d->name);
      s.sep = sep->lit.u.s;
      s.seplen = sep->lit.len;
    }
  }
  if (x->filter) {
    filter = plan_bind_expr(b, sc, x->filter);
    plan_need_bool(b, filter, "FILTER (WHERE ...)");
  }
  ab->nested = false;
  ab->allow_over = allow_over;
  if (arg) {
    if (arg->type.id == T_NULL) arg = expr_coerce(arg, type_make(T_INT), b->a);
    s.arg_type = arg->type;
  }
  if (s.kind == AGG_COUNT_STAR || s.kind == AGG_COUNT) {
    s.type = type_make(T_BIGINT);
  } else {
    const char *m = d->result_type(&s.arg_type, 1, &s.type);
    char t1[48];
    if (m) plan_fail(b, x->off, "%s %s, not %s", d->name, m, tn(s.arg_type, t1));
  }
  if (ab->n == ab->cap) { /* arena memory: a located failure longjmps past any free() */
    int cap = ab->cap ? ab->cap * 2 : 8;
    ab->specs = grow(b, ab->specs, sizeof *ab->specs, ab->n, cap);
    ab->args = grow(b, ab->args, sizeof *ab->args, ab->n, cap);
    ab->filters = grow(b, ab->filters, sizeof *ab->filters, ab->n, cap);
    ab->labels = grow(b, ab->labels, sizeof *ab->labels, ab->n, cap);
    ab->cap = cap;
  }
  /* the same call twice (SELECT SUM(x) ... HAVING SUM(x) > 0) is computed once */
  for (int i = 0; i < ab->n; i++)
    if (ab->specs[i].kind == s.kind && ab->specs[i].distinct == s.distinct &&
        plan_expr_equal(ab->args[i], arg) && plan_expr_equal(ab->filters[i], filter) &&
        ab->specs[i].seplen == s.seplen && (!s.sep || !memcmp(ab->specs[i].sep, s.sep, s.seplen)))
      return col_ref(b, PH_AGG + i, s.type, x->off);
  ab->specs[ab->n] = s;
  ab->args[ab->n] = arg;
  ab->filters[ab->n] = filter;
  ab->labels[ab->n] =
      arena_printf(b->a, "%s(%s%s)", d->name, s.distinct ? "DISTINCT " : "",
                   !arg                                     ? "*"
                   : arg->kind == E_COL && arg->col < sc->n ? sc->cols[arg->col].name
                                                            : "...");
  return col_ref(b, PH_AGG + ab->n++, s.type, x->off);
}

static bool same_over(const sql_over *a, const sql_over *o) {
  /* compared by their text would be stricter; the bound columns are compared by the caller */
  return a->npart == o->npart && a->norder == o->norder && a->frame == o->frame &&
         a->lo_unbounded == o->lo_unbounded && !a->lo == !o->lo;
}

static sl_expr *bind_over_call(binder *b, const scope *sc, const sql_expr *x) {
  agg_bind *ab = b->agg;
  if (!ab || !ab->allow_over)
    plan_fail(b, x->over->off, "OVER windows are only allowed in the SELECT list");
  over_call c = {0};
  c.x = x;
  c.row_number = str_ieq(x->text, "ROW_NUMBER");
  sl_type t;
  if (is_rank_fn(x->text)) {
    if (!c.row_number)
      plan_fail(b, x->off, "%s is not supported yet; use ROW_NUMBER() for top-N and dedup",
                x->text);
    if (x->nargs) plan_fail(b, x->off, "ROW_NUMBER takes no arguments");
    t = type_make(T_BIGINT);
  } else {
    const agg_def *d = agg_lookup(x->text);
    if (!d)
      plan_fail(b, x->off, "%s is not an aggregate function, so it cannot have an OVER window",
                x->text);
    /* bind it as an aggregate into a private collector, then move it here */
    agg_bind sub = {0};
    sub.in = sc;
    b->agg = &sub;
    sql_expr plain = *x;
    plain.over = NULL;
    bind_agg_call(b, sc, &plain, d);
    b->agg = ab;
    c.spec = sub.specs[0];
    c.arg = sub.args[0];
    c.filter = sub.filters[0];
    t = c.spec.type;
  }
  if (ab->nover &&
      (!same_over(ab->over[0].x->over, x->over) || ab->over[0].row_number != c.row_number))
    plan_fail(b, x->over->off,
              "every OVER window of one SELECT must be the same (and ROW_NUMBER cannot be mixed "
              "with aggregates); use a subquery");
  if (ab->nover == ab->overcap) {
    int cap = ab->overcap ? ab->overcap * 2 : 4;
    ab->over = grow(b, ab->over, sizeof *ab->over, ab->nover, cap);
    ab->overcap = cap;
  }
  ab->over[ab->nover] = c;
  return col_ref(b, PH_OVER + ab->nover++, t, x->off);
}

sl_expr *plan_bind_special_call(binder *b, const scope *sc, const sql_expr *x) {
  if (x->over) return bind_over_call(b, sc, x);
  const agg_def *d = agg_lookup(x->text);
  if (d) return bind_agg_call(b, sc, x, d);
  if (x->filter)
    plan_fail(b, x->filter->off, "FILTER (WHERE ...) is only allowed on aggregate functions");
  if (is_rank_fn(x->text))
    plan_fail(b, x->off, "%s needs an OVER (PARTITION BY ... ORDER BY ...) clause", x->text);
  const char *group_fn;
  int part = legacy_aux(x->text, &group_fn);
  if (part >= 0) {
    if (!b->agg || !b->agg->legacy || !str_ieq(b->agg->legacy, group_fn))
      plan_fail(b, x->off, "%s needs GROUP BY %s(...) in the same query", x->text, group_fn);
    return col_ref(b, PH_WIN + part, b->agg->legacy_type, x->off);
  }
  if (str_ieq(x->text, "TUMBLE") || str_ieq(x->text, "HOP") || str_ieq(x->text, "SESSION") ||
      str_ieq(x->text, "CUMULATE"))
    plan_fail(b, x->off,
              "%s is a window: use it in FROM TABLE(%s(TABLE t, DESCRIPTOR(ts), ...)) or in "
              "GROUP BY",
              x->text, x->text);
  return NULL;
}

/* ---- lifting bound expressions onto an aggregate's output ---- */

typedef struct lift_map {
  sl_expr **keys; /* bound group keys (over the input) */
  int nkeys;
  int *key_out; /* output column of each key */
  int agg_base; /* output column of aggregate 0 */
  int win_base; /* output column of window_start (window_end, window_time follow); -1 */
  int wt_in;    /* input column of a TVF's window_time (selectable when windowed); -1 */
  const scope *in;
} lift_map;

static sl_expr *lift(binder *b, const lift_map *m, const sl_expr *x) {
  for (int k = 0; k < m->nkeys; k++)
    if (plan_expr_equal(x, m->keys[k])) return col_ref(b, m->key_out[k], x->type, x->off);
  if (x->kind == E_COL) {
    if (x->col >= PH_AGG && x->col < PH_OVER)
      return col_ref(b, m->agg_base + x->col - PH_AGG, x->type, x->off);
    if (x->col >= PH_WIN && x->col < PH_WIN + 3 && m->win_base >= 0)
      return col_ref(b, m->win_base + x->col - PH_WIN, x->type, x->off);
    if (x->col == m->wt_in && m->win_base >= 0) return col_ref(b, m->win_base + 2, x->type, x->off);
    const char *name = x->col < m->in->n ? m->in->cols[x->col].name : "?";
    plan_fail(b, x->off,
              "column '%s' must be in GROUP BY or inside an aggregate function such as "
              "MAX(%s)",
              name, name);
  }
  sl_expr *y = arena_alloc(b->a, sizeof *y);
  *y = *x;
  if (x->nargs) {
    y->args = arena_alloc(b->a, sizeof(sl_expr *) * (size_t)x->nargs);
    for (int i = 0; i < x->nargs; i++) y->args[i] = lift(b, m, x->args[i]);
  }
  return y;
}

/* Whether x uses an input column >= from (and below the placeholders). */
static bool uses_cols_from(const sl_expr *x, int from) {
  if (!x) return false;
  if (x->kind == E_COL) return x->col >= from && x->col < PH_WIN;
  for (int i = 0; i < x->nargs; i++)
    if (uses_cols_from(x->args[i], from)) return true;
  return false;
}

/* ---- the Calc below a stateful node: every key, argument and condition as a column ---- */

typedef struct pre_calc {
  binder *b;
  sl_expr **e;
  int n, cap;
} pre_calc;

static int pre_add(pre_calc *p, sl_expr *x) {
  for (int i = 0; i < p->n; i++)
    if (plan_expr_equal(p->e[i], x)) return i;
  if (p->n == p->cap) {
    int cap = p->cap ? p->cap * 2 : 16;
    p->e = grow(p->b, p->e, sizeof *p->e, p->n, cap);
    p->cap = cap;
  }
  p->e[p->n] = x;
  return p->n++;
}

static plan_node *pre_node(binder *b, pre_calc *p, plan_node *in, const scope *sc, uint32_t off) {
  plan_node *c = plan_calc_node(b, in, p->n, off);
  for (int i = 0; i < p->n; i++) {
    c->proj[i] = p->e[i];
    c->types[i] = p->e[i]->type;
    c->names[i] = p->e[i]->kind == E_COL && p->e[i]->col < sc->n ? sc->cols[p->e[i]->col].name
                                                                 : arena_printf(b->a, "$%d", i);
  }
  return c;
}

static void agg_args_to_pre(binder *b, agg_bind *ab, pre_calc *pre) {
  for (int i = 0; i < ab->n; i++) {
    if (ab->args[i]) ab->specs[i].arg = pre_add(pre, ab->args[i]);
    if (ab->filters[i]) ab->specs[i].filter = pre_add(pre, ab->filters[i]);
  }
  (void)b;
}

/* SELECT DISTINCT over n: a group aggregation keyed by every column. */
plan_node *plan_distinct(binder *b, plan_node *n, uint32_t off) {
  plan_node *d = plan_new_node(b->a, P_AGG, 1, n->ncols);
  d->in[0] = n;
  d->off = off;
  d->op = arena_zalloc(b->a, sizeof *d->op);
  d->op->keys = arena_alloc(b->a, sizeof(int) * (size_t)(n->ncols ? n->ncols : 1));
  d->op->nkeys = n->ncols;
  for (int i = 0; i < n->ncols; i++) {
    d->op->keys[i] = i;
    d->names[i] = n->names[i];
    d->types[i] = n->types[i];
  }
  return d;
}

/* The SELECT list bound over sc (stars expanded) with aggregates and OVER calls collected
 * into ab. */
typedef struct sel_list {
  sl_expr **e;
  const char **names;
  int n;
} sel_list;

static sel_list bind_items(binder *b, const sql_query *q, const scope *sc, agg_bind *ab) {
  int n = 0;
  for (int i = 0; i < q->nitems; i++) n += q->items[i].e->kind == A_STAR ? sc->n : 1;
  sel_list r = {arena_alloc(b->a, sizeof(sl_expr *) * (size_t)(n ? n : 1)),
                arena_alloc(b->a, sizeof(char *) * (size_t)(n ? n : 1)), 0};
  b->agg = ab;
  ab->allow_over = true;
  for (int i = 0; i < q->nitems; i++) {
    const sql_select_item *it = &q->items[i];
    if (it->e->kind == A_STAR) {
      const sql_expr *x = it->e;
      int *star = arena_alloc(b->a, sizeof(int) * (size_t)(sc->n + 1));
      int ns = plan_star_cols(sc, x->nnames ? x->names[0] : NULL, star);
      for (int t = 0; t < ns; t++) {
        int j = star[t];
        r.e[r.n] = col_ref(b, j, sc->cols[j].type, x->off);
        r.names[r.n++] = sc->cols[j].name;
      }
      continue;
    }
    r.e[r.n] = plan_bind_expr(b, sc, it->e);
    r.names[r.n] = it->alias                 ? it->alias
                   : it->e->kind == A_COLUMN ? it->e->names[it->e->nnames - 1]
                                             : arena_printf(b->a, "EXPR$%d", r.n);
    r.n++;
  }
  ab->allow_over = false;
  b->agg = NULL;
  return r;
}

/* Whether the AST of x calls an aggregate, an OVER window or a legacy window function. */
static bool special_in(const sql_expr *x) {
  if (!x) return false;
  if (x->kind == A_FUNC) {
    const char *g;
    if (x->over || agg_lookup(x->text) || is_rank_fn(x->text) || legacy_aux(x->text, &g) >= 0)
      return true;
  }
  for (int i = 0; i < x->nargs; i++)
    if (special_in(x->args[i])) return true;
  return special_in(x->filter);
}

/* ---- OVER: ROW_NUMBER top-N / dedup and aggregate windows ---- */

/* Placeholder PH_OVER + k -> column base + k; other columns keep their number (the window's
 * output starts with its input's columns). Expressions are as deep as the parser allows. */
static void renumber_over(sl_expr *x, int base) {
  if (x->kind == E_COL && x->col >= PH_OVER) x->col = base + x->col - PH_OVER;
  for (int k = 0; k < x->nargs; k++) renumber_over(x->args[k], base);
}

static plan_node *bind_over(binder *b, const sql_query *q, plan_node *in, const scope *sc,
                            agg_bind *ab, sl_expr *where, sel_list items) {
  const sql_over *o = ab->over[0].x->over;
  plan_node *base = in;
  if (where) { /* WHERE comes before the window function */
    sl_expr *w = where;
    plan_node *f = plan_calc_node(b, in, in->ncols, q->where->off);
    for (int i = 0; i < in->ncols; i++) {
      f->proj[i] = col_ref(b, i, in->types[i], q->where->off);
      f->names[i] = in->names[i];
      f->types[i] = in->types[i];
    }
    f->pred = w;
    base = f;
  }
  plan_opspec *s = arena_zalloc(b->a, sizeof *s);
  s->keys = arena_alloc(b->a, sizeof(int) * (size_t)(o->npart ? o->npart : 1));
  s->nkeys = o->npart;
  for (int i = 0; i < o->npart; i++) {
    sl_expr *k = plan_bind_expr(b, sc, o->part[i]);
    if (k->kind != E_COL) plan_fail(b, o->part[i]->off, "PARTITION BY takes columns");
    s->keys[i] = k->col;
  }
  bool rank = ab->over[0].row_number;
  plan_node *n;
  int base_cols;
  if (rank) {
    if (!o->norder) plan_fail(b, o->off, "ROW_NUMBER() needs ORDER BY in its OVER clause");
    if (o->frame) plan_fail(b, o->frame_off, "ROW_NUMBER() takes no ROWS/RANGE frame");
    if (ab->nover > 1) plan_fail(b, ab->over[1].x->off, "ROW_NUMBER() is used twice");
    s->order = arena_alloc(b->a, sizeof(sort_key) * (size_t)o->norder);
    s->norder = o->norder;
    for (int i = 0; i < o->norder; i++) {
      sl_expr *k = plan_bind_expr(b, sc, o->order[i].e);
      if (k->kind != E_COL) plan_fail(b, o->order[i].off, "ORDER BY of ROW_NUMBER takes columns");
      s->order[i].col = k->col;
      s->order[i].desc = o->order[i].desc;
      s->order[i].nulls_first = o->order[i].nulls ? o->order[i].nulls == 1 : !o->order[i].desc;
    }
    /* ORDER BY a PROCTIME() column alone: rows rank by arrival (processing-time dedup/top-N) */
    s->proctime = o->norder == 1 && plan_is_proctime(in, s->order[0].col);
    s->rn_out = true;
    s->win_end_col = -1;
    int ws = plan_find_col(base, "window_start"), we = plan_find_col(base, "window_end");
    bool has_ws = false, has_we = false;
    for (int i = 0; i < s->nkeys; i++) has_ws |= s->keys[i] == ws, has_we |= s->keys[i] == we;
    if (ws >= 0 && we >= 0 && has_ws && has_we) {
      s->win_end_col = we;
      /* rows straight from a window TVF: a late one is judged once, by its earliest window,
       * before the TVF fans it out (as a window aggregation judges it) */
      plan_node *t = base;
      while (t->kind == P_CALC) t = t->in[0];
      if (t->kind == P_WINTVF) t->op->win.late_check = true;
    }
    n = plan_new_node(b->a, P_RANK, 1, base->ncols + 1);
    n->names[base->ncols] = "$rn";
    n->types[base->ncols] = type_make(T_BIGINT);
    base_cols = base->ncols;
    n->in[0] = base;
  } else {
    if (o->norder != 1)
      plan_fail(b, o->off, "an OVER window orders by one time column, e.g. ORDER BY ts");
    sl_expr *t = plan_bind_expr(b, sc, o->order[0].e);
    if (t->kind != E_COL || (t->type.id != T_TIMESTAMP && t->type.id != T_TIMESTAMP_LTZ) ||
        o->order[0].desc)
      plan_fail(b, o->order[0].off,
                "an OVER window orders by a time column (TIMESTAMP(3) with a WATERMARK), "
                "ascending");
    bool pt = plan_is_proctime(in, t->col); /* rows in arrival order, stamped below the OVER */
    pre_calc pre = {b, NULL, 0, 0};
    for (int i = 0; i < base->ncols; i++) pre_add(&pre, col_ref(b, i, base->types[i], q->off));
    s->time_col = t->col;
    s->frame = o->frame == FRAME_ROWS ? OVER_ROWS : OVER_RANGE;
    s->preceding = -1;
    if (o->lo) {
      scope none = {NULL, 0};
      sl_expr *lo = plan_bind_expr(b, &none, o->lo);
      if (lo->kind != E_LIT || lo->lit.null)
        plan_fail(b, o->lo->off, "the frame bound must be a constant");
      if (s->frame == OVER_ROWS && !type_is_integer(lo->type))
        plan_fail(b, o->lo->off, "ROWS BETWEEN takes a number of rows");
      if (s->frame == OVER_RANGE && lo->type.id != T_INTERVAL)
        plan_fail(b, o->lo->off, "RANGE BETWEEN over a time column takes an INTERVAL");
      s->preceding = lo->lit.u.i;
      if (s->preceding < 0) plan_fail(b, o->lo->off, "the frame bound must not be negative");
    } else if (o->frame && !o->lo_unbounded) {
      s->preceding = 0; /* CURRENT ROW */
    }
    s->aggs = arena_alloc(b->a, sizeof(agg_spec) * (size_t)ab->nover);
    s->naggs = ab->nover;
    for (int i = 0; i < ab->nover; i++) {
      s->aggs[i] = ab->over[i].spec;
      if (ab->over[i].arg) s->aggs[i].arg = pre_add(&pre, ab->over[i].arg);
      if (ab->over[i].filter) s->aggs[i].filter = pre_add(&pre, ab->over[i].filter);
    }
    int npre = pre.n;
    plan_node *pc = pre_node(b, &pre, base, sc, q->off);
    n = plan_new_node(b->a, P_OVER, 1, npre + ab->nover);
    for (int i = 0; i < ab->nover; i++) {
      n->names[npre + i] = arena_printf(b->a, "$w%d", i);
      n->types[npre + i] = s->aggs[i].type;
    }
    base_cols = npre;
    n->in[0] = pt ? plan_proctime_node(b, pc, t->col, NULL, o->off) : pc;
    base = pc;
  }
  for (int i = 0; i < base->ncols; i++) {
    n->names[i] = base->names[i];
    n->types[i] = base->types[i];
  }
  n->op = s;
  n->off = o->off;
  /* the SELECT list over the window's output: OVER calls become its extra columns */
  plan_node *c = plan_calc_node(b, n, items.n, q->off);
  for (int i = 0; i < items.n; i++) {
    renumber_over(items.e[i], base_cols);
    c->proj[i] = items.e[i];
    c->types[i] = items.e[i]->type;
    c->names[i] = items.names[i];
  }
  return c;
}

/* ---- GROUP BY ---- */

plan_node *plan_bind_aggregate(binder *b, const sql_query *q, plan_node *in, const scope *sc) {
  bool special = q->ngroup || q->ngsets || (q->having != NULL);
  for (int i = 0; i < q->nitems && !special; i++) special = special_in(q->items[i].e);
  if (!special) return NULL; /* SELECT DISTINCT alone: the plain SELECT, then plan_distinct */
  agg_bind ab = {0};
  ab.in = sc;
  /* legacy GROUP BY TUMBLE(ts, size) / HOP(ts, slide, size) / SESSION(ts, gap) */
  int legacy_at = -1;
  bool legacy_pt = false; /* the legacy window is over a processing-time attribute */
  for (int i = 0; i < q->ngroup; i++) {
    const sql_expr *g = q->group_by[i];
    if (g->kind != A_FUNC || g->over) continue;
    window_spec w = {0};
    int nargs;
    if (str_ieq(g->text, "TUMBLE"))
      w.kind = WIN_TUMBLE, nargs = 2;
    else if (str_ieq(g->text, "HOP"))
      w.kind = WIN_HOP, nargs = 3;
    else if (str_ieq(g->text, "SESSION"))
      w.kind = WIN_SESSION, nargs = 2;
    else
      continue;
    if (legacy_at >= 0) plan_fail(b, g->off, "only one group window per GROUP BY");
    if (g->nargs != nargs)
      plan_fail(b, g->off, "%s takes %s", g->text,
                w.kind == WIN_TUMBLE ? "(time_col, size)"
                : w.kind == WIN_HOP  ? "(time_col, slide, size)"
                                     : "(time_col, gap)");
    sl_expr *t = plan_bind_expr(b, sc, g->args[0]);
    if (t->kind != E_COL) plan_fail(b, g->args[0]->off, "the window's time must be a column");
    plan_need_time(b, in, t->col, g->args[0]->off, sc->cols[t->col].name);
    legacy_pt = plan_is_proctime(in, t->col);
    w.time_col = t->col;
    if (w.kind == WIN_TUMBLE) w.size = plan_const_interval(b, g->args[1], "window size");
    if (w.kind == WIN_HOP) {
      w.slide = plan_const_interval(b, g->args[1], "slide");
      w.size = plan_const_interval(b, g->args[2], "window size");
    }
    if (w.kind == WIN_SESSION) w.gap = plan_const_interval(b, g->args[1], "session gap");
    if (q->ngsets) plan_fail(b, g->off, "group windows cannot be combined with GROUPING SETS yet");
    legacy_at = i;
    ab.legacy = g->text[0] == 'T' || g->text[0] == 't'   ? "TUMBLE"
                : g->text[0] == 'H' || g->text[0] == 'h' ? "HOP"
                                                         : "SESSION";
    ab.legacy_win = w;
    ab.legacy_type = in->types[t->col];
    ab.legacy_type.prec = 3;
  }
  /* group keys, bound over the input (no aggregates in them) */
  int nk = 0;
  sl_expr **keys = arena_alloc(b->a, sizeof(sl_expr *) * (size_t)(q->ngroup + 1));
  int *key_of_group = arena_alloc(b->a, sizeof(int) * (size_t)(q->ngroup + 1));
  for (int i = 0; i < q->ngroup; i++) {
    key_of_group[i] = -1;
    if (i == legacy_at) continue;
    if (special_in(q->group_by[i]))
      plan_fail(b, q->group_by[i]->off, "GROUP BY cannot contain aggregate or window functions");
    keys[nk] = plan_bind_expr(b, sc, q->group_by[i]);
    key_of_group[i] = nk++;
  }
  /* WHERE, then the SELECT list and HAVING with aggregates collected */
  plan_node *base = in;
  if (legacy_pt) base = plan_proctime_node(b, in, ab.legacy_win.time_col, &ab.legacy_win, q->off);
  sl_expr *where = NULL;
  if (q->where) {
    where = plan_bind_expr(b, sc, q->where);
    plan_need_bool(b, where, "WHERE");
  }
  sel_list items = bind_items(b, q, sc, &ab);
  if (ab.nover) {
    if (q->ngroup || ab.n)
      plan_fail(b, ab.over[0].x->over->off,
                "OVER windows cannot be mixed with GROUP BY or aggregates in one SELECT yet; use "
                "a subquery");
    plan_node *r = bind_over(b, q, in, sc, &ab, where, items);
    return q->distinct ? plan_distinct(b, r, q->off) : r;
  }
  sl_expr *having = NULL;
  if (q->having) {
    b->agg = &ab;
    having = plan_bind_expr(b, sc, q->having);
    b->agg = NULL;
    plan_need_bool(b, having, "HAVING");
  }
  /* windowing: a TVF in FROM grouped by window_start and window_end, or a legacy window */
  bool tvf = in->kind == P_WINTVF;
  int ws_in = tvf ? in->ncols - 3 : -1;
  int ws_key = -1, we_key = -1;
  for (int k = 0; tvf && k < nk; k++) {
    if (keys[k]->kind == E_COL && keys[k]->col == ws_in) ws_key = k;
    if (keys[k]->kind == E_COL && keys[k]->col == ws_in + 1) we_key = k;
  }
  /* Flink's cascading window aggregation: GROUP BY the window_start and window_end of a
   * TUMBLE or HOP aggregation's rows (renamed or not) aggregates per the same windows: a
   * TUMBLE of the upstream's slide over window_end - 1 ms, whose rows are on time (they
   * come before the watermark that closed their window), its window_start that of the
   * upstream window. */
  const plan_node *up = NULL;
  int up_end = -1;
  for (int k = 0; !tvf && legacy_at < 0 && k < nk; k++) {
    const plan_node *t = NULL;
    int w = keys[k]->kind == E_COL ? plan_window_col(in, keys[k]->col, &t) : 0;
    if (!w || t->kind != P_WINAGG || (up && t != up)) continue;
    up = t;
    if (w == 1) ws_key = k;
    if (w == 2) we_key = k, up_end = keys[k]->col;
  }
  bool cascade = up && ws_key >= 0 && we_key >= 0 && !up->op->proctime &&
                 (up->op->win.kind == WIN_TUMBLE || up->op->win.kind == WIN_HOP) && !q->ngsets;
  if (!cascade) ws_key = tvf ? ws_key : -1, we_key = tvf ? we_key : -1;
  bool windowed = legacy_at >= 0 || (ws_key >= 0 && we_key >= 0);
  window_spec win = legacy_at >= 0 ? ab.legacy_win : tvf ? in->op->win : (window_spec){0};
  if (cascade) {
    const window_spec *uw = &up->op->win;
    win.kind = WIN_TUMBLE;
    win.size = uw->kind == WIN_HOP ? uw->slide : uw->size;
    win.offset = uw->offset;
    win.out_size = uw->out_size ? uw->out_size : uw->size;
  }
  if (tvf && windowed) base = in->in[0];
  if (where) { /* filter before aggregating (below the TVF's window columns: they are unused) */
    if (tvf && windowed && uses_cols_from(where, ws_in))
      plan_fail(b, q->where->off, "WHERE cannot use window_start, window_end or window_time here");
  }
  /* the Calc below: keys, then arguments and conditions */
  pre_calc pre = {b, NULL, 0, 0};
  int *kcol = arena_alloc(b->a, sizeof(int) * (size_t)(nk + 1));    /* pre column of each key */
  int *key_col = arena_alloc(b->a, sizeof(int) * (size_t)(nk + 1)); /* of each operator key */
  int *key_out = arena_alloc(b->a, sizeof(int) * (size_t)(nk + 1));
  int nkeys_op = 0;
  for (int k = 0; k < nk; k++) {
    kcol[k] = -1;
    if (windowed && (k == ws_key || k == we_key)) continue;
    if (windowed && tvf && keys[k]->kind == E_COL && keys[k]->col == ws_in + 2)
      continue; /* window_time: one per window, like window_start and window_end */
    if (windowed && tvf && uses_cols_from(keys[k], ws_in))
      plan_fail(b, q->group_off, "window_time cannot be a GROUP BY key of a window aggregation");
    kcol[k] = pre_add(&pre, keys[k]);
    bool dup = false; /* a key listed twice is one operator key */
    for (int j = 0; j < nkeys_op; j++) dup |= key_col[j] == kcol[k];
    if (!dup) key_col[nkeys_op++] = kcol[k];
  }
  agg_args_to_pre(b, &ab, &pre);
  for (int i = 0; i < ab.n && tvf && windowed; i++)
    if (uses_cols_from(ab.args[i], ws_in) || uses_cols_from(ab.filters[i], ws_in))
      plan_fail(b, q->off, "aggregates of a window aggregation cannot use the window's columns");
  if (windowed && cascade) { /* window_end - 1 ms: the upstream window's window_time */
    sl_expr *t = arena_zalloc(b->a, sizeof *t), *lit = arena_zalloc(b->a, sizeof *lit);
    lit->kind = E_LIT;
    lit->type = type_make(T_INTERVAL);
    lit->lit = value_int(1);
    lit->off = q->off;
    t->kind = E_ARITH;
    t->ival = EOP_SUB;
    t->type = in->types[up_end];
    t->nargs = 2;
    t->args = arena_alloc(b->a, 2 * sizeof(sl_expr *));
    t->args[0] = col_ref(b, up_end, in->types[up_end], q->off);
    t->args[1] = lit;
    t->off = q->off;
    win.time_col = pre_add(&pre, t);
  } else if (windowed)
    win.time_col = pre_add(&pre, col_ref(b, win.time_col, in->types[win.time_col], q->off));
  if (windowed && win.kind == WIN_SESSION && tvf && in->op->nkeys) {
    /* sessions are kept per GROUP BY key, so PARTITION BY must name some of those keys */
    for (int i = 0; i < in->op->nkeys; i++) {
      bool found = false;
      for (int k = 0; k < nk; k++)
        found |= keys[k]->kind == E_COL && keys[k]->col == in->op->keys[i];
      if (!found)
        plan_fail(b, q->group_off,
                  "a SESSION window's PARTITION BY column '%s' must also be a GROUP BY key",
                  sc->cols[in->op->keys[i]].name);
    }
  }
  plan_node *pc = pre_node(b, &pre, base, sc, q->off);
  if (where) pc->pred = where;
  int nsets = q->ngsets;
  if (nsets == 1 && q->gset_n[0] == q->ngroup) nsets = 0; /* GROUP BY GROUPING SETS ((a, b)) */
  if (nsets == 1 && q->gset_n[0] == 0) nsets = 0, nkeys_op = 0;
  plan_node *agg_in = pc;
  int gid_col = -1;
  if (nsets) {
    plan_node *ex = plan_new_node(b->a, P_EXPAND, 1, pc->ncols + 1);
    ex->in[0] = pc;
    ex->off = q->group_off;
    ex->op = arena_zalloc(b->a, sizeof *ex->op);
    ex->op->nsets = nsets;
    ex->op->keep = arena_alloc(b->a, sizeof(bool *) * (size_t)nsets);
    for (int s = 0; s < nsets; s++) {
      bool *keep = arena_zalloc(b->a, sizeof(bool) * (size_t)pc->ncols);
      for (int c = 0; c < pc->ncols; c++) keep[c] = true;
      for (int k = 0; k < nkeys_op; k++) keep[key_col[k]] = false;
      for (int j = 0; j < q->gset_n[s]; j++) {
        int g = key_of_group[q->gsets[s][j]];
        if (g >= 0) keep[kcol[g]] = true;
      }
      ex->op->keep[s] = keep;
    }
    for (int i = 0; i < pc->ncols; i++) {
      ex->names[i] = pc->names[i];
      ex->types[i] = pc->types[i];
    }
    gid_col = pc->ncols;
    ex->names[gid_col] = "$g";
    ex->types[gid_col] = type_make(T_BIGINT);
    agg_in = ex;
  }
  int nop_keys = nkeys_op + (gid_col >= 0);
  int nout = nop_keys + ab.n + (windowed ? 3 : 0);
  plan_node *an = plan_new_node(b->a, windowed ? P_WINAGG : P_AGG, 1, nout);
  an->in[0] = agg_in;
  an->off = q->group_off ? q->group_off : q->off;
  an->op = arena_zalloc(b->a, sizeof *an->op);
  an->op->win = win;
  an->op->proctime = legacy_at >= 0 ? legacy_pt : tvf && in->op->proctime;
  an->op->keys = arena_alloc(b->a, sizeof(int) * (size_t)(nop_keys ? nop_keys : 1));
  for (int k = 0; k < nkeys_op; k++) an->op->keys[k] = key_col[k];
  if (gid_col >= 0) an->op->keys[nkeys_op] = gid_col;
  an->op->nkeys = nop_keys;
  an->op->aggs = ab.specs ? arena_alloc(b->a, sizeof(agg_spec) * (size_t)ab.n) : NULL;
  for (int i = 0; i < ab.n; i++) an->op->aggs[i] = ab.specs[i];
  an->op->naggs = ab.n;
  for (int k = 0; k < nop_keys; k++) {
    an->names[k] = agg_in->names[an->op->keys[k]];
    an->types[k] = agg_in->types[an->op->keys[k]];
  }
  for (int i = 0; i < ab.n; i++) {
    an->names[nop_keys + i] = ab.labels[i];
    an->types[nop_keys + i] = ab.specs[i].type;
  }
  int win_base = -1;
  if (windowed) {
    win_base = nop_keys + ab.n;
    sl_type tt = cascade
                     ? in->types[up_end]
                     : in->types[legacy_at >= 0 ? ab.legacy_win.time_col : in->op->win.time_col];
    tt.prec = 3;
    an->names[win_base] = "window_start";
    an->names[win_base + 1] = "window_end";
    an->names[win_base + 2] = "window_time";
    an->types[win_base] = an->types[win_base + 1] = an->types[win_base + 2] = tt;
  }
  /* lift the SELECT list and HAVING onto the aggregate's output */
  for (int k = 0; k < nk; k++) {
    if (windowed && k == ws_key)
      key_out[k] = win_base;
    else if (windowed && k == we_key)
      key_out[k] = win_base + 1;
    else if (windowed && kcol[k] < 0)
      key_out[k] = win_base + 2; /* window_time */
    else
      for (int j = 0; j < nkeys_op; j++)
        if (key_col[j] == kcol[k]) key_out[k] = j;
  }
  lift_map m = {keys, nk, key_out, nop_keys, win_base, tvf && windowed ? ws_in + 2 : -1, sc};
  plan_node *c = plan_calc_node(b, an, items.n, q->off);
  for (int i = 0; i < items.n; i++) {
    c->proj[i] = lift(b, &m, items.e[i]);
    c->types[i] = c->proj[i]->type;
    c->names[i] = items.names[i];
  }
  if (having) c->pred = lift(b, &m, having);
  return q->distinct ? plan_distinct(b, c, q->off) : c;
}
