/* mig_query.c - the query rewrites of `sluice migrate`, one INSERT at a time: the nightly
 * "yesterday" predicates dropped, time buckets in GROUP BY (date_trunc, FLOOR .. TO, ::date,
 * to_char, extract(hour) within a day) turned into TUMBLE windows, joins to dimension tables
 * into lookup joins and joins of two event tables into interval joins, GROUP BY without time
 * into an updating aggregation into a keyed sink, ON CONFLICT into an upsert sink, values cast
 * to the target's column types. Must not touch: statement splitting and output (migrate.c),
 * the tables' DDL (mig_ddl.c). */
#include <stdlib.h>
#include <string.h>

#include "mig_int.h"

typedef struct range {
  sql_from *f;     /* FROM_TABLE leaf */
  const char *ref; /* alias or name */
  mig_table *t;
} range;

typedef struct scope {
  range r[64];
  int n;
  const char **ctes;
  int nctes;
} scope;

static bool is_cte(const scope *s, const char *n) {
  for (int i = 0; i < s->nctes; i++)
    if (!strcmp(s->ctes[i], n)) return true;
  return false;
}

static void leaves(mig *m, scope *s, sql_from *f) {
  if (!f) return;
  if (f->kind == FROM_JOIN) {
    leaves(m, s, f->left);
    leaves(m, s, f->right);
  } else if (f->kind == FROM_TABLE && !is_cte(s, f->name) && s->n < 64) {
    range *r = &s->r[s->n++];
    r->f = f;
    r->ref = f->alias ? f->alias : f->name;
    r->t = mig_table_get(m, f->name, true);
    r->t->source = true;
  }
}

static range *resolve(scope *s, const sql_expr *c) {
  if (c->kind != A_COLUMN) return NULL;
  const char *col = c->names[c->nnames - 1];
  if (c->nnames >= 2) {
    for (int i = 0; i < s->n; i++)
      if (!strcmp(s->r[i].ref, c->names[c->nnames - 2])) return &s->r[i];
    return NULL;
  }
  for (int i = 0; i < s->n; i++)
    if (s->r[i].t->declared && mig_col_find(s->r[i].t, col)) return &s->r[i];
  return s->n == 1 ? &s->r[0] : NULL;
}

/* a column of a declared table (not an output alias) */
static bool resolve_declared(scope *s, const sql_expr *c) {
  for (int i = 0; i < s->n; i++)
    if (s->r[i].t->declared && mig_col_find(s->r[i].t, c->names[c->nnames - 1])) return true;
  return false;
}

static bool is_time_type(sl_type t) { return t.id == T_TIMESTAMP || t.id == T_TIMESTAMP_LTZ; }

static const mig_col *time_col_of(range *r, const sql_expr *c) {
  if (!r || !r->t->declared) return NULL;
  const mig_col *mc = mig_col_find(r->t, c->names[c->nnames - 1]);
  return mc && is_time_type(mc->t) ? mc : NULL;
}

/* every column reference under x: used columns of tables without DDL */
static void use_cols(mig *m, scope *s, const sql_expr *x) {
  if (!x) return;
  if (x->kind == A_COLUMN) {
    range *r = resolve(s, x);
    if (r && !r->t->declared) mig_use_col(m, r->t, x->names[x->nnames - 1]);
  }
  for (int i = 0; i < x->nargs; i++) use_cols(m, s, x->args[i]);
  use_cols(m, s, x->filter);
}

static void find_time_col(mig *m, scope *s, const sql_expr *x, const char *why) {
  if (!x) return;
  if (x->kind == A_COLUMN) {
    range *r = resolve(s, x);
    const mig_col *c = time_col_of(r, x);
    if (c && !r->t->time_col) {
      r->t->time_col = c->name;
      r->t->time_why = why;
      r->t->event = true;
    }
  }
  for (int i = 0; i < x->nargs; i++) find_time_col(m, s, x->args[i], why);
}

static bool has_over(const sql_expr *x) {
  if (!x) return false;
  if (x->over) return true;
  for (int i = 0; i < x->nargs; i++)
    if (has_over(x->args[i])) return true;
  return false;
}

static bool spans_day(const sql_expr *x) {
  if (!x) return false;
  if (x->kind == A_INTERVAL && x->ival == 86400000) return true;
  if (x->kind == A_FUNC && !strcmp(x->text, "CURRENT_DATE")) return true;
  for (int i = 0; i < x->nargs; i++)
    if (spans_day(x->args[i])) return true;
  return false;
}

/* WHERE: the conjuncts that compare with the time of the run ("yesterday") are dropped. */
static sql_expr *drop_now(mig *m, scope *s, sql_expr *w) {
  if (!w) return NULL;
  sql_expr **c = &w;
  int n = 1;
  if (w->kind == A_BINARY && w->op == OP_AND) c = w->args, n = w->nargs;
  int k = 0;
  for (int i = 0; i < n; i++) {
    if (mig_has_now(c[i])) {
      find_time_col(m, s, c[i], "the job's time predicates use it");
      if (spans_day(c[i])) m->dropped_day = true;
      mig_note(m,
               "dropped the batch predicate `%s`: the stream covers every period, and each "
               "window's result is final once the watermark passes its end",
               mig_expr_text(m, c[i]));
      continue;
    }
    c[k++] = c[i];
  }
  if (k == 0) return NULL;
  if (n == 1) return w;
  if (k == 1) return c[0];
  w->nargs = k;
  return w;
}

/* ---- time buckets ---- */

typedef struct bucket {
  sql_expr *col;   /* the time column */
  int64_t unit_ms; /* window size */
  sql_expr *repl;  /* what the bucket expression becomes */
  const char *form;
} bucket;

static int64_t unit_ms(const char *u) {
  if (!strcmp(u, "SECOND")) return 1000;
  if (!strcmp(u, "MINUTE")) return 60000;
  if (!strcmp(u, "HOUR")) return 3600000;
  if (!strcmp(u, "DAY")) return 86400000;
  return 0;
}

static sql_expr *ws(mig *m) { return mig_col_ref(m->a, NULL, "window_start"); }

static bool as_bucket(mig *m, scope *s, sql_expr *g, bucket *b) {
  memset(b, 0, sizeof *b);
  sql_expr *arg = g->nargs >= 1 ? g->args[0] : NULL;
  if (!arg || arg->kind != A_COLUMN || !time_col_of(resolve(s, arg), arg)) return false;
  b->col = arg;
  if (g->kind == A_FLOORTO && !g->flag && unit_ms(g->text)) {
    b->unit_ms = unit_ms(g->text);
    b->repl = ws(m);
    b->form = "date_trunc / FLOOR(.. TO ..)";
  } else if (g->kind == A_CAST && g->type.id == T_DATE) {
    b->unit_ms = 86400000;
    sql_expr *c = arena_zalloc(m->a, sizeof *c);
    *c = *g;
    c->args = arena_zalloc(m->a, sizeof(sql_expr *));
    c->args[0] = ws(m);
    b->repl = c;
    b->form = "::date";
  } else if (g->kind == A_FUNC && !strcmp(g->text, "DATE_FORMAT") && g->nargs == 2 &&
             g->args[1]->kind == A_STR) {
    const char *p = g->args[1]->text;
    b->unit_ms = strstr(p, "ss")   ? 1000
                 : strstr(p, "mm") ? 60000
                 : strstr(p, "HH") ? 3600000
                 : strstr(p, "dd") ? 86400000
                                   : 0;
    if (!b->unit_ms) return false;
    b->repl = mig_func(m->a, "DATE_FORMAT", 2, ws(m), g->args[1]);
    b->form = "to_char";
  } else if (g->kind == A_EXTRACT && !strcmp(g->text, "HOUR") && m->dropped_day) {
    b->unit_ms = 3600000;
    sql_expr *c = arena_zalloc(m->a, sizeof *c);
    *c = *g;
    c->args = arena_zalloc(m->a, sizeof(sql_expr *));
    c->args[0] = ws(m);
    b->repl = c;
    b->form = "extract(hour) within one day";
  } else {
    return false;
  }
  return true;
}

static sql_expr *subst(sql_expr *x, const sql_expr *from, sql_expr *to) {
  if (!x) return x;
  if (mig_expr_eq(x, from)) return to;
  for (int i = 0; i < x->nargs; i++) x->args[i] = subst(x->args[i], from, to);
  return x;
}

/* replaces the leftmost table leaf of f by t */
static bool replace_leftmost(sql_from **f, sql_from *leaf, sql_from *t) {
  if (*f == leaf) {
    *f = t;
    return true;
  }
  return (*f)->kind == FROM_JOIN && replace_leftmost(&(*f)->left, leaf, t);
}

/* ---- joins ---- */

static bool eq_covers_pk(scope *s, const sql_expr *on, range *r) {
  if (!r->t->npk || !on) return false;
  for (int k = 0; k < r->t->npk; k++) {
    bool found = false;
    const sql_expr *const *c = &on;
    int n = 1;
    if (on->kind == A_BINARY && on->op == OP_AND)
      c = (const sql_expr *const *)on->args, n = on->nargs;
    for (int i = 0; i < n && !found; i++) {
      if (c[i]->kind != A_BINARY || c[i]->op != OP_EQ) continue;
      for (int side = 0; side < 2; side++) {
        const sql_expr *a = c[i]->args[side];
        if (a->kind == A_COLUMN && resolve(s, a) == r &&
            !strcmp(a->names[a->nnames - 1], r->t->pk[k]))
          found = true;
      }
    }
    if (!found) return false;
  }
  return true;
}

static const char *first_time_col(mig_table *t) {
  for (int i = 0; i < t->ncols; i++)
    if (is_time_type(t->cols[i].t)) return t->cols[i].name;
  return NULL;
}

static bool mentions(scope *s, const sql_expr *x, range *r, const char *col) {
  if (!x) return false;
  if (x->kind == A_COLUMN && resolve(s, x) == r && !strcmp(x->names[x->nnames - 1], col))
    return true;
  for (int i = 0; i < x->nargs; i++)
    if (mentions(s, x->args[i], r, col)) return true;
  return false;
}

static sql_expr *and2(mig *m, sql_expr *a, sql_expr *b) {
  if (!a) return b;
  sql_expr *x = arena_zalloc(m->a, sizeof *x);
  x->kind = A_BINARY;
  x->op = OP_AND;
  x->nargs = 2;
  x->args = arena_zalloc(m->a, sizeof(sql_expr *) * 2);
  x->args[0] = a, x->args[1] = b;
  x->height = 3;
  return x;
}

static sql_expr *bin(mig *m, int op, sql_expr *a, sql_expr *b) {
  sql_expr *x = and2(m, a, b);
  x->op = (uint8_t)op;
  return x;
}

/* returns the number of event-to-event (interval) joins */
static int rewrite_joins(mig *m, scope *s, sql_query *q, sql_from *f, range *fact) {
  if (!f || f->kind != FROM_JOIN) return 0;
  int n = rewrite_joins(m, s, q, f->left, fact);
  if (f->right->kind != FROM_TABLE || is_cte(s, f->right->name)) return n;
  range *r = NULL;
  for (int i = 0; i < s->n; i++)
    if (s->r[i].f == f->right) r = &s->r[i];
  if (!r || r == fact) return n;
  bool event = r->t->event;
  if (!event && (f->join == SJ_INNER || f->join == SJ_LEFT) && eq_covers_pk(s, f->on, r)) {
    r->t->dim = true;
    fact->t->proctime = true;
    f->right->as_of = mig_col_ref(m->a, fact->ref, "proc_time");
    mig_note(m,
             "the join to dimension table %s became a lookup join (FOR SYSTEM_TIME AS OF "
             "%s.proc_time): each row sees the dimension row of its key as it is when the row "
             "is processed",
             r->t->name, fact->ref);
    return n;
  }
  const char *rt = r->t->time_col ? r->t->time_col : first_time_col(r->t);
  const char *lt = fact->t->time_col ? fact->t->time_col : first_time_col(fact->t);
  if (!rt || !lt || !fact->t->declared || !r->t->declared) {
    mig_note(m,
             "the join to %s stays a regular join (no key to look it up by and no time "
             "column to bound it): both sides are kept in state",
             r->t->name);
    return n;
  }
  r->t->event = fact->t->event = true;
  if (!r->t->time_col) r->t->time_col = rt, r->t->time_why = "its first timestamp column";
  if (!fact->t->time_col) fact->t->time_col = lt, fact->t->time_why = "its first timestamp column";
  if ((mentions(s, f->on, r, rt) && mentions(s, f->on, fact, lt)) ||
      (mentions(s, q->where, r, rt) && mentions(s, q->where, fact, lt))) {
    mig_note(m,
             "the join of event tables %s and %s is bounded by the job's own time condition: "
             "an interval join",
             fact->t->name, r->t->name);
    return n + 1;
  }
  sql_expr *rc = mig_col_ref(m->a, r->ref, rt), *lc = mig_col_ref(m->a, fact->ref, lt);
  sql_expr *iv = arena_zalloc(m->a, sizeof *iv);
  iv->kind = A_INTERVAL;
  iv->ival = m->o->join_bound_ms;
  iv->height = 1;
  sql_expr *bt = arena_zalloc(m->a, sizeof *bt);
  bt->kind = A_BETWEEN;
  bt->nargs = 3;
  bt->args = arena_zalloc(m->a, sizeof(sql_expr *) * 3);
  bt->args[0] = rc;
  bt->args[1] = bin(m, OP_SUB, lc, iv);
  bt->args[2] = bin(m, OP_ADD, lc, iv);
  bt->height = 4;
  f->on = and2(m, f->on, bt);
  mig_note(m,
           "the join of event tables %s and %s became an interval join: %s.%s within %lld s of "
           "%s.%s (a stated bound: widen it if matching rows are further apart; state is kept "
           "that long)",
           fact->t->name, r->t->name, r->ref, rt, (long long)(m->o->join_bound_ms / 1000),
           fact->ref, lt);
  return n + 1;
}

/* ---- windows over lookup joins ---- */

typedef struct lifted {
  mig *m;
  scope *s;
  range *fact;
  sql_select_item *items; /* the inner query's extra columns */
  int n, cap;
} lifted;

/* a column of a dimension table becomes a column of the windowed input: c.country is
 * o.c_country, selected as c.country AS c_country inside */
static sql_expr *lift(lifted *l, sql_expr *x) {
  if (!x) return x;
  if (x->kind == A_COLUMN) {
    range *r = resolve(l->s, x);
    if (!r || r == l->fact) return x;
    const char *col = x->names[x->nnames - 1];
    const char *nm = arena_printf(l->m->a, "%s_%s", r->ref, col);
    bool have = false;
    for (int i = 0; i < l->n; i++)
      if (!strcmp(l->items[i].alias, nm)) have = true;
    if (!have) {
      if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        sql_select_item *ni = arena_zalloc(l->m->a, sizeof *ni * (size_t)l->cap);
        if (l->n) memcpy(ni, l->items, sizeof *ni * (size_t)l->n);
        l->items = ni;
      }
      l->items[l->n].e = mig_col_ref(l->m->a, r->ref, col);
      l->items[l->n++].alias = nm;
    }
    return mig_col_ref(l->m->a, l->fact->ref, nm);
  }
  for (int i = 0; i < x->nargs; i++) x->args[i] = lift(l, x->args[i]);
  return x;
}

/* FROM fact JOIN dim FOR SYSTEM_TIME AS OF ... becomes the parenthesised input of the window */
static sql_from *lift_joins(mig *m, scope *s, sql_query *q, range *fact) {
  lifted l = {m, s, fact, NULL, 0, 0};
  for (int i = 0; i < q->nitems; i++) q->items[i].e = lift(&l, q->items[i].e);
  q->where = lift(&l, q->where);
  for (int i = 0; i < q->ngroup; i++) q->group_by[i] = lift(&l, q->group_by[i]);
  q->having = lift(&l, q->having);
  sql_query *in = arena_zalloc(m->a, sizeof *in);
  in->kind = Q_SELECT;
  in->nitems = l.n + 1;
  in->items = arena_zalloc(m->a, sizeof(sql_select_item) * (size_t)(l.n + 1));
  sql_expr *star = arena_zalloc(m->a, sizeof *star);
  star->kind = A_STAR;
  star->names = arena_zalloc(m->a, sizeof(char *));
  star->names[0] = fact->ref;
  star->nnames = 1;
  star->height = 1;
  in->items[0].e = star;
  for (int i = 0; i < l.n; i++) in->items[i + 1] = l.items[i];
  in->from = q->from;
  sql_from *f = arena_zalloc(m->a, sizeof *f);
  f->kind = FROM_SUBQUERY;
  f->sub = in;
  return f;
}

/* GROUP BY 1 and GROUP BY alias (PostgreSQL: an input column of that name wins) become the
 * expressions they name, as Flink SQL groups by expressions only */
static void resolve_group_refs(mig *m, scope *s, sql_query *q) {
  int n = 0;
  for (int g = 0; g < q->ngroup; g++) {
    sql_expr *x = q->group_by[g];
    int item = -1;
    if (x->kind == A_INT && x->ival >= 1 && x->ival <= q->nitems)
      item = (int)x->ival - 1;
    else if (x->kind == A_INT && x->text) {
      long v = strtol(x->text, NULL, 10);
      if (v >= 1 && v <= q->nitems) item = (int)v - 1;
    } else if (x->kind == A_COLUMN && x->nnames == 1 && !resolve_declared(s, x)) {
      for (int i = 0; i < q->nitems; i++)
        if (q->items[i].alias && !strcmp(q->items[i].alias, x->names[0])) item = i;
    }
    if (item < 0 || q->items[item].e->kind == A_STAR) continue;
    q->group_by[g] = q->items[item].e;
    n++;
  }
  if (n) mig_note(m, "GROUP BY by position or output name became GROUP BY the expressions named");
}

/* ---- output names ---- */

static const char *pg_name(const sql_expr *x) {
  switch (x->kind) {
  case A_COLUMN: return x->names[x->nnames - 1];
  case A_CAST: return pg_name(x->args[0]);
  case A_EXTRACT: return "extract";
  case A_CASE: return "case";
  default: return "?column?";
  }
}

static const char *func_name(mig *m, const sql_expr *x) {
  if (x->kind == A_FUNC) return mig_lower(m->a, x->text);
  if (x->kind == A_CAST && x->args[0]->kind == A_FUNC) return func_name(m, x->args[0]);
  return pg_name(x);
}

static void add_key(mig *m, mig_table *t, const char *c) {
  for (int i = 0; i < t->nsink_pk; i++)
    if (!strcmp(t->sink_pk[i], c)) return;
  const char **np = arena_alloc(m->a, sizeof(char *) * (size_t)(t->nsink_pk + 1));
  if (t->nsink_pk) memcpy(np, t->sink_pk, sizeof(char *) * (size_t)t->nsink_pk);
  np[t->nsink_pk++] = c;
  t->sink_pk = np;
}

bool mig_rewrite_insert(mig *m, mig_table *target, sql_stmt *st, const char **conflict,
                        int nconflict, bool conflict_update) {
  sql_query *q = st->query;
  mig_fold_query(m, q);
  for (int i = 0; i < st->ninsert_cols; i++)
    st->insert_cols[i] = mig_lower(m->a, st->insert_cols[i]);
  target->sink = true;
  m->dropped_day = false;
  if (q->kind != Q_SELECT) {
    for (int i = 0; i < q->nterms; i++) {
      scope s = {0};
      leaves(m, &s, q->terms[i]->from);
      q->terms[i]->where = drop_now(m, &s, q->terms[i]->where);
    }
    mig_map_query(m, q);
    return true;
  }
  scope s = {0};
  s.nctes = q->nctes;
  s.ctes = arena_alloc(m->a, sizeof(char *) * (size_t)(q->nctes + 1));
  for (int i = 0; i < q->nctes; i++) s.ctes[i] = q->ctes[i].name;
  leaves(m, &s, q->from);
  for (int i = 0; i < q->nitems; i++)
    if (has_over(q->items[i].e)) {
      mig_not_translated(m,
                         "`%s` is a window function over all history: it has no streaming "
                         "meaning (every new row changes it); rank within a time window "
                         "(ROW_NUMBER() OVER (PARTITION BY window_start ...) on a TUMBLE) or "
                         "bound it (OVER ... RANGE BETWEEN INTERVAL ... PRECEDING)",
                         mig_expr_text(m, q->items[i].e));
      return false;
    }
  /* PostgreSQL's output names, for a target without DDL */
  if (!target->declared && !st->ninsert_cols)
    for (int i = 0; i < q->nitems; i++)
      if (!q->items[i].alias && q->items[i].e->kind != A_STAR)
        q->items[i].alias = func_name(m, q->items[i].e);
  resolve_group_refs(m, &s, q);
  q->where = drop_now(m, &s, q->where);
  mig_map_query(m, q);
  for (int i = 0; i < q->nitems; i++) use_cols(m, &s, q->items[i].e);
  use_cols(m, &s, q->where);
  for (int i = 0; i < q->ngroup; i++) use_cols(m, &s, q->group_by[i]);
  use_cols(m, &s, q->having);

  /* time buckets */
  bucket bk = {0};
  int nb = 0, bi = -1;
  for (int i = 0; i < q->ngroup; i++) {
    bucket b;
    if (as_bucket(m, &s, q->group_by[i], &b)) {
      if (!nb) bk = b, bi = i;
      nb++;
    }
  }
  range *fact = NULL;
  if (q->from) {
    sql_from *l = q->from;
    while (l->kind == FROM_JOIN) l = l->left;
    for (int i = 0; i < s.n; i++)
      if (s.r[i].f == l) fact = &s.r[i];
  }
  if (nb == 1) find_time_col(m, &s, bk.col, "the job's time buckets use it");
  if (fact && fact->t->declared && !fact->t->time_col && first_time_col(fact->t)) {
    fact->t->time_col = first_time_col(fact->t);
    fact->t->time_why = "its first timestamp column";
    fact->t->event = true;
  }
  int nint = fact ? rewrite_joins(m, &s, q, q->from, fact) : 0;
  bool windowed = false;
  if (nb == 1 && fact && nint == 0 && q->ngsets == 0 && resolve(&s, bk.col) == fact &&
      !strcmp(fact->t->time_col ? fact->t->time_col : "", bk.col->names[bk.col->nnames - 1])) {
    sql_expr *g = q->group_by[bi];
    sql_from *tv = arena_zalloc(m->a, sizeof *tv);
    tv->kind = FROM_TVF;
    tv->alias = fact->ref;
    tv->tvf = arena_zalloc(m->a, sizeof *tv->tvf);
    tv->tvf->fn = "TUMBLE";
    sql_from *in = arena_zalloc(m->a, sizeof *in);
    in->kind = FROM_TABLE;
    in->name = fact->f->name;
    tv->tvf->input = in;
    if (q->from->kind == FROM_JOIN) {
      tv->tvf->input = lift_joins(m, &s, q, fact);
      g = q->group_by[bi];
      mig_note(m, "the lookup joins run before the window: its input is the joined rows, "
                  "dimension columns renamed table_column");
    }
    tv->tvf->timecol = fact->t->time_col;
    tv->tvf->nargs = 1;
    tv->tvf->args = arena_zalloc(m->a, sizeof(sql_expr *));
    sql_expr *iv = arena_zalloc(m->a, sizeof *iv);
    iv->kind = A_INTERVAL;
    iv->ival = bk.unit_ms;
    iv->height = 1;
    tv->tvf->args[0] = iv;
    if (q->from->kind == FROM_JOIN)
      q->from = tv;
    else
      replace_leftmost(&q->from, fact->f, tv);
    for (int i = 0; i < q->nitems; i++) q->items[i].e = subst(q->items[i].e, g, bk.repl);
    q->having = subst(q->having, g, bk.repl);
    sql_expr **ng = arena_alloc(m->a, sizeof(sql_expr *) * (size_t)(q->ngroup + 1));
    int k = 0;
    ng[k++] = ws(m);
    ng[k++] = mig_col_ref(m->a, NULL, "window_end");
    for (int i = 0; i < q->ngroup; i++)
      if (i != bi) ng[k++] = q->group_by[i];
    q->group_by = ng;
    q->ngroup = k;
    windowed = true;
    char *ivt = mig_expr_text(m, iv);
    mig_note(m,
             "GROUP BY %s on %s became a TUMBLE window of %s over event time %s: one result per "
             "window, written once the watermark closes it",
             bk.form, mig_expr_text(m, g), ivt, fact->t->time_col);
  } else if (nb > 0) {
    mig_note(m, "time buckets stay grouping keys of an updating aggregation (%s)",
             nb > 1 ? "more than one bucket"
             : nint ? "over an interval join"
                    : "not on the "
                      "driving table");
  }

  /* output names and types */
  const char **out = arena_zalloc(m->a, sizeof(char *) * (size_t)(q->nitems + 1));
  for (int i = 0; i < q->nitems; i++) {
    if (st->ninsert_cols)
      out[i] = i < st->ninsert_cols ? st->insert_cols[i] : NULL;
    else if (target->declared)
      out[i] = i < target->ncols ? target->cols[i].name : NULL;
    else
      out[i] = q->items[i].alias ? q->items[i].alias : pg_name(q->items[i].e);
  }
  if (target->declared) {
    bool any = false;
    for (int i = 0; i < q->nitems; i++) {
      const mig_col *c = out[i] ? mig_col_find(target, out[i]) : NULL;
      if (!c || q->items[i].e->kind == A_STAR) continue;
      sql_expr *x = q->items[i].e;
      if (x->kind == A_CAST && x->type.id == c->t.id && x->type.prec == c->t.prec &&
          x->type.scale == c->t.scale)
        continue;
      sql_expr *cst = arena_zalloc(m->a, sizeof *cst);
      cst->kind = A_CAST;
      cst->nargs = 1;
      cst->args = arena_zalloc(m->a, sizeof(sql_expr *));
      cst->args[0] = x;
      cst->type = c->t;
      cst->height = x->height + 1;
      if (!q->items[i].alias && x->kind == A_COLUMN) q->items[i].alias = out[i];
      q->items[i].e = cst;
      any = true;
    }
    if (any)
      mig_note(m, "values are cast to the column types of %s, as PostgreSQL's INSERT does",
               target->name);
  }

  /* keys of the sink */
  if (nconflict) {
    for (int i = 0; i < nconflict; i++) add_key(m, target, conflict[i]);
    target->sink_pk_why = arena_printf(m->a, "INSERT ... ON CONFLICT ... DO %s",
                                       conflict_update ? "UPDATE" : "NOTHING");
    mig_note(m, "ON CONFLICT ... DO %s became an upsert sink keyed by its conflict columns",
             conflict_update ? "UPDATE" : "NOTHING");
  } else if (windowed && bk.form[0] == 'e') { /* extract(hour): the hour of day is the key */
    for (int i = 0; i < q->nitems; i++) {
      const sql_expr *x = q->items[i].e;
      while (x->kind == A_CAST) x = x->args[0];
      bool key = mig_expr_eq(x, bk.repl);
      for (int g = 2; g < q->ngroup; g++) key = key || mig_expr_eq(x, q->group_by[g]);
      if (key && out[i]) add_key(m, target, out[i]);
    }
    target->sink_pk_why = "the hour of day and the other grouping columns";
    mig_note(m, "the sink is keyed by the hour of day: each day's windows replace the day "
                "before's, as the nightly job's table holds one day");
  } else if (q->ngroup && !windowed) {
    bool all = q->ngsets == 0;
    for (int g = 0; g < q->ngroup && all; g++) {
      int hit = -1;
      for (int i = 0; i < q->nitems; i++) {
        const sql_expr *x = q->items[i].e;
        if (x->kind == A_CAST && target->declared) x = x->args[0];
        if (mig_expr_eq(x, q->group_by[g]) && out[i]) hit = i;
      }
      if (hit < 0) all = false;
    }
    if (all) {
      for (int g = 0; g < q->ngroup; g++)
        for (int i = 0; i < q->nitems; i++) {
          const sql_expr *x = q->items[i].e;
          if (x->kind == A_CAST && target->declared) x = x->args[0];
          if (mig_expr_eq(x, q->group_by[g]) && out[i]) {
            add_key(m, target, out[i]);
            break;
          }
        }
      target->sink_pk_why = "the GROUP BY keys of its updating aggregation";
      mig_note(m,
               "GROUP BY without a time bucket became an updating aggregation: the sink %s "
               "is keyed by the grouping columns and holds the current result per key",
               target->name);
    } else if (target->npk) {
      for (int i = 0; i < target->npk; i++) add_key(m, target, target->pk[i]);
      target->sink_pk_why = "its PRIMARY KEY";
      mig_note(m, "an updating aggregation into %s, keyed by its primary key", target->name);
    } else {
      mig_note(m,
               "TODO: an updating aggregation whose grouping keys are not all in the output: "
               "give %s a PRIMARY KEY",
               target->name);
    }
  }
  if (target->truncated) {
    mig_note(m, "TRUNCATE + INSERT (a full refresh) became the updating query it recomputes: "
                "the sink always holds the current result");
    if (!target->nsink_pk && target->npk) {
      for (int i = 0; i < target->npk; i++) add_key(m, target, target->pk[i]);
      target->sink_pk_why = "its PRIMARY KEY (full refresh)";
    }
  }
  return true;
}
