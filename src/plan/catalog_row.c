/* catalog_row.c - ROW columns in the catalog: CREATE TABLE's ROW columns flattened into physical
 * leaf columns named by their dotted path ("bid.auction", "a.b.c") with their ROW levels (the
 * nest[] that fmt_schema passes to formats and connectors), and the ROW levels of a plan
 * node's column, followed down to the table that declared it. No ROW value exists at run time.
 * Must not bind expressions or queries, and must not build operators. */
#include <string.h>

#include "plan_int.h"

typedef struct flat {
  sql_column_def *v;
  uint8_t *nest;
  int n, cap;
} flat;

static void flat_push(binder *b, flat *f, const sql_column_def *c, uint8_t nest) {
  if (f->n == f->cap) {
    int cap = f->cap ? f->cap * 2 : 16;
    sql_column_def *nv = arena_zalloc(b->a, sizeof *nv * (size_t)cap);
    uint8_t *nn = arena_zalloc(b->a, (size_t)cap);
    if (f->n) {
      memcpy(nv, f->v, sizeof *nv * (size_t)f->n);
      memcpy(nn, f->nest, (size_t)f->n);
    }
    f->v = nv;
    f->nest = nn;
    f->cap = cap;
  }
  f->v[f->n] = *c;
  f->nest[f->n++] = nest;
}

static void flatten(binder *b, flat *f, const sql_column_def *c, const char *prefix, uint8_t nest,
                    bool not_null) {
  const char *name = prefix ? arena_printf(b->a, "%s.%s", prefix, c->name) : c->name;
  if (!c->nfields) {
    sql_column_def leaf = *c;
    leaf.name = name;
    leaf.not_null = not_null && c->not_null;
    flat_push(b, f, &leaf, nest);
    return;
  }
  for (int i = 0; i < c->nfields; i++)
    flatten(b, f, &c->fields[i], name, (uint8_t)(nest + 1), not_null && c->not_null);
}

const sql_column_def *plan_row_flatten(binder *b, const sql_stmt *s, int *ncols, uint8_t **nest) {
  flat f = {0};
  for (int i = 0; i < s->ncols; i++) flatten(b, &f, &s->cols[i], NULL, 0, true);
  /* a leaf's path may meet a column declared with that name in backquotes */
  for (int i = 0; i < f.n; i++)
    for (int j = 0; j < i; j++)
      if ((f.nest[i] || f.nest[j]) && str_ieq(f.v[i].name, f.v[j].name))
        plan_fail(b, f.v[i].off,
                  "the name '%s' is declared twice: as a column and as the path of a ROW field",
                  f.v[i].name);
  *ncols = f.n;
  *nest = f.nest;
  return f.v ? f.v : arena_zalloc(b->a, sizeof(sql_column_def));
}

uint8_t plan_col_nest(const plan_node *n, int col) {
  if (col < 0 || col >= n->ncols || !strchr(n->names[col], '.')) return 0;
  const char *name = n->names[col];
  for (;;) {
    if (col < 0 || col >= n->ncols || strcmp(n->names[col], name)) return 0;
    switch (n->kind) {
    case P_SCAN: return n->table->phys_nest ? n->table->phys_nest[col] : 0;
    case P_CALC: {
      const sl_expr *x = n->proj[col];
      if (x->kind != E_COL) return 0;
      col = x->col;
      n = n->in[0];
      break;
    }
    case P_JOIN:
      if (col >= n->in[0]->ncols) {
        col -= n->in[0]->ncols;
        n = n->in[1];
      } else {
        n = n->in[0];
      }
      break;
    case P_UNION: /* the first input names the columns */
    case P_WATERMARK:
    case P_WINTVF:
    case P_RANK:
    case P_OVER:
    case P_EXPAND: n = n->in[0]; break;
    default: return 0;
    }
  }
}
