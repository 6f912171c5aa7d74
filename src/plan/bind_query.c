/* bind_query.c - queries into plan nodes: SELECT (star expansion, WHERE), FROM (tables,
 * subqueries, views, CTEs), UNION ALL as one n-ary node, SELECT without FROM; CREATE VIEW and
 * INSERT (mapping query columns onto the sink's). Must not touch the catalog's options or SET
 * keys (catalog.c) or build operators (physical.c). */
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "plan_int.h"

/* ---- queries ---- */

plan_node *plan_calc_node(binder *b, plan_node *in, int ncols, uint32_t off) {
  plan_node *c = plan_new_node(b->a, P_CALC, 1, ncols);
  c->in[0] = in;
  c->proj = arena_zalloc(b->a, sizeof(sl_expr *) * (size_t)(ncols ? ncols : 1));
  c->off = off;
  return c;
}

/* The watermark assigner right above a scan (before any filter: every row counts), its
 * expression over the physical columns (computed columns substituted). */
static plan_node *watermark_node(binder *b, cat_table *t, plan_node *s, uint32_t off) {
  sl_expr **repl = arena_alloc(b->a, sizeof(sl_expr *) * (size_t)t->ncols);
  for (int i = 0; i < t->ncols; i++) {
    if (t->cols[i].computed) {
      repl[i] = t->cols[i].computed;
    } else {
      repl[i] = expr_new(b->a, E_COL, t->cols[i].type, off);
      repl[i]->col = t->cols[i].phys;
    }
  }
  plan_node *w = plan_new_node(b->a, P_WATERMARK, 1, t->nphys);
  w->in[0] = s;
  w->off = off;
  for (int i = 0; i < t->nphys; i++) {
    w->names[i] = s->names[i];
    w->types[i] = s->types[i];
  }
  w->op = arena_zalloc(b->a, sizeof *w->op);
  w->op->wm = expr_substitute(t->wm_expr, repl, b->a);
  opt_list ol = t->ol;
  const char *idle = opt_get(&ol, NULL, "scan.watermark.idle-timeout");
  int64_t ms = b->p->idle_timeout_ms;
  if (idle && opt_parse_duration(idle, &ms) != SL_OK) ms = 0; /* checked with the options */
  w->op->idle_ms = ms;
  return w;
}

static plan_node *scan_table(binder *b, cat_table *t, uint32_t off) {
  if (!t->conn->has_source)
    plan_fail(b, off, "table '%s' uses connector '%s', which cannot be read from", t->name,
              t->conn->name);
  if (t->inferred)
    plan_fail(b, off, "table '%s' was declared without columns, so it cannot be read from",
              t->name);
  plan_node *s = plan_new_node(b->a, P_SCAN, 0, t->nphys);
  s->table = t;
  s->off = off;
  for (int i = 0; i < t->nphys; i++) {
    s->names[i] = t->phys_names[i];
    s->types[i] = t->phys_types[i];
  }
  if (t->wm_col >= 0) s = watermark_node(b, t, s, off);
  if (t->nphys == t->ncols) return s;
  plan_node *c = plan_calc_node(b, s, t->ncols, off); /* computed columns */
  for (int i = 0; i < t->ncols; i++) {
    c->names[i] = t->cols[i].name;
    c->types[i] = t->cols[i].type;
    if (t->cols[i].computed) {
      c->proj[i] = t->cols[i].computed;
    } else {
      sl_expr *x = expr_new(b->a, E_COL, t->cols[i].type, off);
      x->col = t->cols[i].phys;
      c->proj[i] = x;
    }
  }
  return c;
}

/* Views and WITH queries built on each other make a plan as deep as their chain; past
 * PLAN_MAX_HEIGHT that is a located error (the rewrites and the builder walk it recursively). */
#define PLAN_MAX_HEIGHT 1000
static void check_height(binder *b, plan_node *n, uint32_t off) {
  if (plan_height(n) > PLAN_MAX_HEIGHT)
    plan_fail(b, off, "views and WITH queries build on each other more than %d levels deep here",
              PLAN_MAX_HEIGHT);
}

int plan_height(plan_node *n) {
  if (n->height) return n->height;
  int h = 0;
  for (int i = 0; i < n->nin; i++) {
    int k = plan_height(n->in[i]);
    if (k > h) h = k;
  }
  return n->height = h + 1;
}

static plan_node *from_node(binder *b, const sql_from *f, cte_env *env, const char **qual) {
  if (f->kind == FROM_TVF) {
    bound in = plan_bind_from(b, f->tvf->input, env);
    if (f->tvf->input->kind == FROM_JOIN)
      plan_fail(b, f->tvf->input->off, "a window TVF reads one table or subquery, not a join");
    *qual = f->alias ? f->alias : in.sc.n ? in.sc.cols[0].qual : NULL;
    return plan_bind_tvf(b, f->tvf, in.n);
  }
  if (f->kind == FROM_SUBQUERY) {
    *qual = f->alias;
    return plan_bind_query(b, f->sub, env);
  }
  *qual = f->alias ? f->alias : f->name;
  if (f->as_of)
    plan_fail(b, f->as_of_off,
              "FOR SYSTEM_TIME AS OF applies to the right side of a join (JOIN t FOR SYSTEM_TIME "
              "AS OF o.time ON ...)");
  for (cte_env *c = env; c; c = c->next)
    if (sql_name_match(c->cte->name, f->name, f->quoted))
      return c->n; /* bound once where it is defined; every use shares the node */
  cat_table *t = plan_find_table(b->p, f->name);
  if (!t) plan_fail_unknown_table(b, f->off, f->name, env);
  if (t->is_view) return t->view_plan; /* bound once at CREATE VIEW */
  return scan_table(b, t, f->off);
}

bound plan_bind_from(binder *b, const sql_from *f, cte_env *env) {
  if (f->kind == FROM_JOIN) return plan_bind_join(b, f, env);
  bound r;
  const char *qual = NULL;
  r.n = from_node(b, f, env, &qual);
  r.sc = plan_make_scope(b, r.n, qual);
  return r;
}

int plan_star_cols(const scope *sc, const char *qual, int *out) {
  int n = 0;
  for (int pass = qual ? 1 : 0; pass < 2; pass++)
    for (int j = 0; j < sc->n; j++) {
      const scope_col *c = &sc->cols[j];
      bool take = qual ? c->qual && str_ieq(c->qual, qual)
                       : !c->hidden && c->level == 0 && c->using_col == (pass == 0);
      if (take) out[n++] = j;
    }
  return n;
}

scope plan_make_scope(binder *b, plan_node *n, const char *qual) {
  scope s;
  s.n = n->ncols;
  s.cols = arena_alloc(b->a, sizeof(scope_col) * (size_t)(n->ncols ? n->ncols : 1));
  for (int i = 0; i < n->ncols; i++) {
    s.cols[i].name = n->names[i];
    s.cols[i].qual = qual;
    s.cols[i].type = n->types[i];
    s.cols[i].level = 0;
    s.cols[i].hidden = false;
    s.cols[i].using_col = false;
    s.cols[i].nest = plan_col_nest(n, i);
  }
  return s;
}

static plan_node *bind_select(binder *b, const sql_query *q0, cte_env *env) {
  bound in;
  struct join_ctx *saved = b->jc;
  struct join_ctx jcs = {0};
  b->jc = &jcs;
  sql_query qw = *q0; /* the WHERE left after joins took their conditions */
  const sql_query *q = &qw;
  if (q->from) {
    in = plan_bind_from(b, q->from, env);
    const sql_expr *rest;
    plan_check_hints(b, q0);
    in.n = plan_bind_where(b, q0, &in, env, &rest);
    qw.where = (sql_expr *)rest;
  } else {
    in.n = plan_new_node(b->a, P_ONEROW, 0, 0);
    in.n->off = q->off;
    in.sc = plan_make_scope(b, in.n, NULL);
    plan_check_hints(b, q0);
  }
  b->jc = saved;
  scope sc = in.sc;
  plan_node *agg = plan_bind_aggregate(b, q, in.n, &sc);
  if (agg) return agg;
  /* count output columns */
  int n = 0, *star = arena_alloc(b->a, sizeof(int) * (size_t)(sc.n + 1));
  for (int i = 0; i < q->nitems; i++) {
    const sql_expr *x = q->items[i].e;
    if (x->kind == A_STAR) {
      if (x->nnames == 0) {
        if (!q->from) plan_fail(b, x->off, "SELECT * needs a FROM clause");
        n += plan_star_cols(&sc, NULL, star);
      } else {
        int k = plan_star_cols(&sc, x->names[0], star);
        if (!k) plan_fail(b, x->off, "unknown table or alias '%s'", x->names[0]);
        n += k;
      }
    } else {
      n++;
    }
  }
  plan_node *c = plan_calc_node(b, in.n, n, q->off);
  int k = 0;
  for (int i = 0; i < q->nitems; i++) {
    const sql_select_item *it = &q->items[i];
    const sql_expr *x = it->e;
    if (x->kind == A_STAR) {
      int ns = plan_star_cols(&sc, x->nnames ? x->names[0] : NULL, star);
      for (int t = 0; t < ns; t++) {
        int j = star[t];
        sl_expr *y = expr_new(b->a, E_COL, sc.cols[j].type, x->off);
        y->col = j;
        c->proj[k] = y;
        c->names[k] = sc.cols[j].name;
        c->types[k++] = sc.cols[j].type;
      }
      continue;
    }
    sl_expr *y = plan_bind_expr(b, &sc, x);
    c->proj[k] = y;
    c->types[k] = y->type;
    if (it->alias)
      c->names[k] = it->alias;
    else if (x->kind == A_COLUMN)
      c->names[k] = x->names[x->nnames - 1];
    else
      c->names[k] = arena_printf(b->a, "EXPR$%d", k);
    k++;
  }
  if (q->where) {
    sl_expr *w = plan_bind_expr(b, &sc, q->where);
    plan_need_bool(b, w, "WHERE");
    c->pred = w;
  }
  return q->distinct ? plan_distinct(b, c, q->off) : c;
}

/* UNION ALL of q->nterms inputs: one n-ary node; an input whose column types differ from the
 * common ones gets a casting Calc. */
static plan_node *bind_union(binder *b, const sql_query *q, cte_env *env) {
  int n = q->nterms;
  plan_node **in = arena_alloc(b->a, sizeof(plan_node *) * (size_t)n);
  for (int k = 0; k < n; k++) {
    in[k] = plan_bind_query(b, q->terms[k], env);
    if (in[k]->ncols != in[0]->ncols)
      plan_fail(b, q->off, "UNION ALL inputs have %d and %d columns", in[0]->ncols, in[k]->ncols);
  }
  plan_node *u = plan_new_node(b->a, P_UNION, n, in[0]->ncols);
  u->off = q->off;
  for (int i = 0; i < u->ncols; i++) {
    sl_type t = in[0]->types[i];
    for (int k = 1; k < n; k++) {
      char t1[48], t2[48];
      if (!expr_common_type(t, in[k]->types[i], &t))
        plan_fail(b, q->off, "UNION ALL column %d (%s) has types %s and %s with no common type",
                  i + 1, in[0]->names[i], tn(t, t1), tn(in[k]->types[i], t2));
    }
    if (t.id == T_NULL) t = type_make(T_STRING);
    u->names[i] = in[0]->names[i];
    u->types[i] = t;
  }
  for (int k = 0; k < n; k++) {
    bool cast = false;
    for (int i = 0; i < u->ncols; i++) cast |= !type_equal(in[k]->types[i], u->types[i]);
    if (cast) {
      plan_node *c = plan_calc_node(b, in[k], u->ncols, q->off);
      for (int i = 0; i < u->ncols; i++) {
        sl_expr *x = expr_new(b->a, E_COL, in[k]->types[i], q->off);
        x->col = i;
        c->proj[i] = expr_coerce(x, u->types[i], b->a);
        c->names[i] = u->names[i];
        c->types[i] = u->types[i];
      }
      in[k] = c;
    }
    u->in[k] = in[k];
  }
  return u;
}

plan_node *plan_bind_query(binder *b, const sql_query *q, cte_env *env) {
  cte_env *local = env;
  for (int i = 0; i < q->nctes; i++) {
    for (int j = 0; j < i; j++)
      if (str_ieq(q->ctes[j].name, q->ctes[i].name))
        plan_fail(b, q->ctes[i].off, "WITH query '%s' is defined twice", q->ctes[i].name);
    /* bound once, here, seeing the WITH queries before it (unused ones are checked too) */
    cte_env *c = arena_zalloc(b->a, sizeof *c);
    c->cte = &q->ctes[i];
    c->n = plan_bind_query(b, q->ctes[i].q, local);
    check_height(b, c->n, q->ctes[i].off);
    c->next = local;
    local = c;
  }
  if (q->kind == Q_SELECT) return bind_select(b, q, local);
  return bind_union(b, q, local);
}
/* ---- statements ---- */

void plan_bind_create_view(binder *b, const sql_stmt *s) {
  sl_pipeline *p = b->p;
  if (plan_find_table(p, s->name)) {
    if (s->if_not_exists) return;
    plan_fail(b, s->name_off, "a table or view named '%s' already exists", s->name);
  }
  cat_table *t = arena_zalloc(b->a, sizeof *t);
  t->name = s->name;
  t->off = s->name_off;
  t->is_view = true;
  t->view = s;
  t->wm_col = -1;
  plan_node *n = plan_bind_query(b, s->query, NULL); /* bound once, here */
  if (s->ninsert_cols) {
    if (s->ninsert_cols != n->ncols)
      plan_fail(b, s->name_off, "view '%s' names %d columns but its query has %d", s->name,
                s->ninsert_cols, n->ncols);
    plan_node *c = plan_calc_node(b, n, n->ncols, s->name_off);
    for (int i = 0; i < n->ncols; i++) {
      c->names[i] = s->insert_cols[i];
      c->types[i] = n->types[i];
      c->proj[i] = expr_new(b->a, E_COL, n->types[i], s->name_off);
      c->proj[i]->col = i;
    }
    n = c;
  }
  check_height(b, n, s->name_off);
  t->view_plan = n;
  p->tables = xrealloc(p->tables, sizeof(cat_table *) * (size_t)(p->ntables + 1));
  p->tables[p->ntables++] = t;
}

void plan_bind_insert(binder *b, const sql_stmt *s) {
  sl_pipeline *p = b->p;
  cat_table *t = plan_find_table(p, s->name);
  char t1[48], t2[48];
  if (!t) plan_fail_unknown_table(b, s->name_off, s->name, NULL);
  if (t->is_view) plan_fail(b, s->name_off, "cannot INSERT INTO view '%s'", t->name);
  if (!t->conn->has_sink)
    plan_fail(b, s->name_off, "table '%s' uses connector '%s', which cannot be written to", t->name,
              t->conn->name);
  plan_node *q = plan_bind_query(b, s->query, NULL);
  if (t->inferred) {
    if (s->ninsert_cols)
      plan_fail(b, s->insert_col_off[0], "table '%s' has no declared columns to name", t->name);
    t->inferred = false;
    t->ncols = t->nphys = q->ncols;
    t->cols = arena_zalloc(b->a, sizeof(cat_column) * (size_t)q->ncols);
    t->phys_names = arena_zalloc(b->a, sizeof(char *) * (size_t)q->ncols);
    t->phys_types = arena_zalloc(b->a, sizeof(sl_type) * (size_t)q->ncols);
    t->phys_nest = arena_zalloc(b->a, (size_t)q->ncols); /* SELECT * keeps ROW leaves nested */
    for (int i = 0; i < q->ncols; i++) {
      if (!strncmp(q->names[i], "EXPR$", 5) && t->conn->needs_format)
        plan_fail(b, s->query->off,
                  "column %d of the query has no name; give it one with AS, so "
                  "table '%s' can take its columns from the query",
                  i + 1, t->name);
      for (int j = 0; j < i && t->conn->needs_format; j++)
        if (str_ieq(q->names[j], q->names[i]))
          plan_fail(b, s->query->off, "the query has two columns named '%s'; rename one with AS",
                    q->names[i]);
      sl_type ty = q->types[i].id == T_NULL ? type_make(T_STRING) : q->types[i];
      t->cols[i].name = t->phys_names[i] = q->names[i];
      t->cols[i].type = t->phys_types[i] = ty;
      t->cols[i].phys = i;
      t->cols[i].nest = t->phys_nest[i] = plan_col_nest(q, i);
    }
  }
  /* map query columns to sink columns */
  int *src_of = arena_alloc(b->a, sizeof(int) * (size_t)t->nphys);
  for (int i = 0; i < t->nphys; i++) src_of[i] = -1;
  int nexpected = t->nphys;
  if (s->ninsert_cols) {
    for (int i = 0; i < s->ninsert_cols; i++) {
      int k = -1;
      for (int j = 0; j < t->ncols; j++)
        if (str_ieq(t->cols[j].name, s->insert_cols[i])) k = j;
      if (k < 0)
        plan_fail(b, s->insert_col_off[i], "table '%s' has no column '%s'", t->name,
                  s->insert_cols[i]);
      if (t->cols[k].phys < 0)
        plan_fail(b, s->insert_col_off[i], "cannot write computed column '%s'", t->cols[k].name);
      if (src_of[t->cols[k].phys] >= 0)
        plan_fail(b, s->insert_col_off[i], "column '%s' is listed twice", t->cols[k].name);
      src_of[t->cols[k].phys] = i;
    }
    nexpected = s->ninsert_cols;
    for (int j = 0; j < t->ncols; j++)
      if (t->cols[j].phys >= 0 && src_of[t->cols[j].phys] < 0 && t->cols[j].not_null)
        plan_fail(b, s->name_off, "column '%s' is NOT NULL but the INSERT does not give it",
                  t->cols[j].name);
  } else {
    for (int i = 0; i < t->nphys; i++) src_of[i] = i;
  }
  if (q->ncols != nexpected)
    plan_fail(b, s->query->off, "the query gives %d columns but table '%s' takes %d", q->ncols,
              t->name, nexpected);
  plan_node *c = plan_calc_node(b, q, t->nphys, s->off);
  bool identity = q->ncols == t->nphys;
  for (int i = 0; i < t->nphys; i++) {
    c->names[i] = t->phys_names[i];
    c->types[i] = t->phys_types[i];
    int k = src_of[i];
    if (k < 0) {
      c->proj[i] = expr_new(b->a, E_LIT, t->phys_types[i], s->off);
      identity = false;
      continue;
    }
    if (k != i) identity = false;
    if (!expr_implicit_ok(q->types[k], t->phys_types[i])) {
      char msg[300];
      snprintf(msg, sizeof msg,
               "column %d ('%s') of the query is %s but column '%s' of table '%s' is %s", k + 1,
               q->names[k], tn(q->types[k], t1), t->phys_names[i], t->name,
               tn(t->phys_types[i], t2));
      plan_fail_hint(b, s->query->off, "add a CAST in the query", msg);
    }
    sl_expr *x = expr_new(b->a, E_COL, q->types[k], s->off);
    x->col = k;
    c->proj[i] = expr_coerce(x, t->phys_types[i], b->a);
    if (!type_equal(q->types[k], t->phys_types[i])) identity = false;
  }
  plan_node *sink = plan_new_node(b->a, P_SINK, 1, t->nphys);
  sink->in[0] = identity ? q : c;
  sink->table = t;
  sink->off = s->off;
  for (int i = 0; i < t->nphys; i++) {
    sink->names[i] = t->phys_names[i];
    sink->types[i] = t->phys_types[i];
  }
  p->inserts = xrealloc(p->inserts, sizeof(plan_node *) * (size_t)(p->ninserts + 1));
  p->inserts[p->ninserts++] = sink;
}
