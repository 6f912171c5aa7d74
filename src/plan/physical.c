/* physical.c - rewrites of the logical plan (merge Calc into Calc, push Calc through UNION ALL,
 * drop identity Calcs), column pruning (the decoder of a source parses only the columns some
 * Calc above it uses), the operator graph (one source operator per table however many queries
 * read it, one sink operator per table however many INSERTs write it) and explain. */
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

static sl_expr *and_of(sl_arena *a, sl_expr *x, sl_expr *y) {
  if (!x) return y;
  if (!y) return x;
  sl_expr *r = expr_new(a, E_AND, type_make(T_BOOLEAN), x->off);
  r->nargs = 2;
  r->args = arena_alloc(a, sizeof(sl_expr *) * 2);
  r->args[0] = x;
  r->args[1] = y;
  return r;
}

/* A Calc over `in` with n's output columns (names, types) and room for its projections. */
static plan_node *calc_shaped_like(sl_arena *a, const plan_node *n, plan_node *in) {
  plan_node *m = plan_new_node(a, P_CALC, 1, n->ncols);
  m->in[0] = in;
  m->off = n->off;
  m->proj = arena_alloc(a, sizeof(sl_expr *) * (size_t)(n->ncols ? n->ncols : 1));
  for (int i = 0; i < n->ncols; i++) {
    m->names[i] = n->names[i];
    m->types[i] = n->types[i];
  }
  return m;
}

static bool is_identity(const plan_node *n) {
  const plan_node *c = n->in[0];
  if (n->pred || n->ncols != c->ncols) return false;
  for (int i = 0; i < n->ncols; i++)
    if (n->proj[i]->kind != E_COL || n->proj[i]->col != i || !type_equal(n->types[i], c->types[i]))
      return false;
  return true;
}

static plan_node *opt(sl_arena *a, plan_node *n) {
  for (int i = 0; i < n->nin; i++) n->in[i] = opt(a, n->in[i]);
  if (n->kind != P_CALC) return n;
  plan_node *c = n->in[0];
  if (c->kind == P_CALC) { /* Calc(Calc(x)) -> Calc(x) */
    plan_node *m = calc_shaped_like(a, n, c->in[0]);
    for (int i = 0; i < n->ncols; i++) m->proj[i] = expr_substitute(n->proj[i], c->proj, a);
    m->pred = and_of(a, c->pred, n->pred ? expr_substitute(n->pred, c->proj, a) : NULL);
    return opt(a, m);
  }
  if (c->kind == P_UNION) { /* Calc(Union(x, y)) -> Union(Calc(x), Calc(y)) */
    plan_node *u = plan_new_node(a, P_UNION, c->nin, n->ncols);
    u->off = c->off;
    for (int i = 0; i < n->ncols; i++) {
      u->names[i] = n->names[i];
      u->types[i] = n->types[i];
    }
    for (int k = 0; k < c->nin; k++) {
      /* every branch gets its own copy of the expressions (per-node state is not shared) */
      plan_node *b = calc_shaped_like(a, n, c->in[k]);
      for (int i = 0; i < n->ncols; i++) b->proj[i] = expr_substitute(n->proj[i], NULL, a);
      if (n->pred) b->pred = expr_substitute(n->pred, NULL, a);
      u->in[k] = opt(a, b);
    }
    return u;
  }
  if (is_identity(n)) return c;
  return n;
}

sl_status plan_optimize(sl_pipeline *p, plan_node **node, sl_error *e) {
  *node = opt(&p->arena, *node);
  return SL_OK;
}

/* ---- column pruning ---- */

static bool *needed_of(cat_table *t) {
  if (!t->needed) t->needed = xcalloc((size_t)(t->nphys ? t->nphys : 1), sizeof(bool));
  return t->needed;
}

static void mark(plan_node *n) {
  if (n->kind == P_SCAN) {
    bool *u = needed_of(n->table);
    for (int i = 0; i < n->table->nphys; i++) u[i] = true;
    return;
  }
  if (n->kind == P_CALC && n->in[0]->kind == P_SCAN) {
    bool *u = needed_of(n->in[0]->table);
    if (n->pred) expr_columns(n->pred, u);
    for (int i = 0; i < n->ncols; i++) expr_columns(n->proj[i], u);
    return;
  }
  for (int i = 0; i < n->nin; i++) mark(n->in[i]);
}

/* ---- the operator graph ---- */

typedef struct builder {
  sl_pipeline *p;
  sl_job *j;
  bool dry;
  const char *dlq_default;
  sl_error *e;
} builder;

static on_error policy_of(const opt_list *o) {
  const char *v = opt_get(o, conn_source_opts, "on-error");
  if (v && str_ieq(v, "fail")) return ON_ERROR_FAIL;
  if (v && str_ieq(v, "skip")) return ON_ERROR_SKIP;
  return ON_ERROR_DLQ;
}

static sl_op *build(builder *b, plan_node *n) {
  sl_job *j = b->j;
  switch (n->kind) {
  case P_SCAN: {
    cat_table *t = n->table;
    if (t->src_op) return t->src_op;
    opt_list ol = {t->opts, t->nopts};
    const char *dlq = opt_get(&ol, conn_source_opts, "dlq.path");
    int idx = job_add_source(j, t->name, policy_of(&ol), dlq ? dlq : b->dlq_default);
    conn_ctx c = {
        j,     t->name, {t->nphys, t->phys_names, t->phys_types, needed_of(t), b->p->tz_offset_ms},
        ol,    t->fmt,  idx,
        b->dry};
    sl_op *op = t->conn->source_new(&c, b->e);
    if (!op) return NULL;
    op->ncols = t->nphys;
    op->cols = t->phys_names;
    op->types = t->phys_types;
    job_add_op(j, op);
    t->src_op = op;
    return op;
  }
  case P_ONEROW: {
    int idx = job_add_source(j, "(values)", ON_ERROR_DLQ, b->dlq_default);
    sl_op *op = op_onerow_new(j, idx);
    job_add_op(j, op);
    return op;
  }
  case P_CALC: {
    sl_op *in = build(b, n->in[0]);
    if (!in) return NULL;
    sl_op *op =
        op_calc_new(j, n->pred, n->proj, n->ncols, n->names, n->types, in->cols, in->ncols, b->e);
    if (!op) return NULL;
    job_add_op(j, op);
    op_connect(in, op);
    return op;
  }
  case P_UNION: {
    sl_op **ins = arena_alloc(&b->p->arena, sizeof(sl_op *) * (size_t)n->nin);
    for (int i = 0; i < n->nin; i++)
      if (!(ins[i] = build(b, n->in[i]))) return NULL;
    sl_op *op = op_union_new(j, n->ncols, n->names, n->types);
    job_add_op(j, op);
    for (int i = 0; i < n->nin; i++) op_connect(ins[i], op);
    return op;
  }
  case P_SINK: {
    cat_table *t = n->table;
    sl_op *in = build(b, n->in[0]);
    if (!in) return NULL;
    if (!t->sink_op) {
      opt_list ol = {t->opts, t->nopts};
      conn_ctx c = {
          j,     t->name, {t->nphys, t->phys_names, t->phys_types, NULL, b->p->tz_offset_ms},
          ol,    t->fmt,  -1,
          b->dry};
      sl_op *op = t->conn->sink_new(&c, b->e);
      if (!op) return NULL;
      op->ncols = t->nphys;
      op->cols = t->phys_names;
      op->types = t->phys_types;
      job_add_op(j, op);
      t->sink_op = op;
    }
    op_connect(in, t->sink_op);
    return t->sink_op;
  }
  }
  err_set(b->e, SL_EINTERNAL, "unknown plan node");
  return NULL;
}

sl_status plan_build_job(sl_pipeline *p, bool dry, sl_job **out, sl_error *e) {
  sl_job *j = job_new();
  *out = j;
  j->sql = &p->src;
  j->ctx.tz_offset_ms = p->tz_offset_ms;
  j->batch_rows = p->batch_rows;
  for (int i = 0; i < p->ntables; i++) {
    cat_table *t = p->tables[i];
    free(t->needed);
    t->needed = NULL;
    t->src_op = t->sink_op = NULL;
  }
  for (int i = 0; i < p->ninserts; i++) mark(p->inserts[i]);
  builder b = {p, j, dry, NULL, e};
  /* dead letters go next to the first filesystem sink, else into the working directory */
  b.dlq_default = "sluice-dlq.jsonl";
  for (int i = 0; i < p->ninserts; i++) {
    cat_table *t = p->inserts[i]->table;
    if (t->conn != &conn_filesystem) continue;
    opt_list ol = {t->opts, t->nopts};
    const char *path = opt_get(&ol, NULL, "path");
    char *copy = arena_strdup(&p->arena, path);
    b.dlq_default = arena_printf(&p->arena, "%s/sluice-dlq.jsonl", dirname(copy));
    break;
  }
  for (int i = 0; i < p->ninserts; i++)
    if (!build(&b, p->inserts[i])) return e->code ? e->code : SL_ERUNTIME;
  return SL_OK;
}

/* ---- explain ---- */

static void dot_escape(FILE *f, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '"' || s[i] == '\\') fputc('\\', f);
    fputc(s[i], f);
  }
}

void plan_explain(const sl_pipeline *p, const sl_job *j, explain_format fmt, FILE *f) {
  (void)p;
  if (fmt == EXPLAIN_DOT)
    fputs("digraph sluice {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n", f);
  if (fmt == EXPLAIN_JSON) fputs("{\"nodes\": [", f);
  for (int i = 0; i < j->nops; i++) {
    const sl_op *op = j->ops[i];
    sl_buf d = {0};
    op->vt->describe(op, &d);
    buf_cstr(&d);
    bool named = op->vt->pump || !strcmp(op->vt->kind, "Sink");
    if (fmt == EXPLAIN_TEXT) {
      fprintf(f, "[%d] %s%s%s", op->id, op->vt->kind, named ? " " : "", named ? op->name : "");
      if (op->nin) {
        fputs(" <-", f);
        for (int k = 0; k < op->nin; k++) fprintf(f, " [%d]", op->in[k]->id);
      }
      fprintf(f, ": %s\n", d.data);
    } else if (fmt == EXPLAIN_DOT) {
      fprintf(f, "  n%d [label=\"%s%s%s\\n", op->id, op->vt->kind, named ? " " : "",
              named ? op->name : "");
      dot_escape(f, d.data, d.len);
      fputs("\"];\n", f);
    } else {
      sl_buf s = {0};
      fmt_json_escape(d.data, d.len, &s);
      sl_buf nm = {0};
      fmt_json_escape(op->name, strlen(op->name), &nm);
      fprintf(f, "%s\n  {\"id\": %d, \"kind\": \"%s\", \"name\": \"%s\", \"detail\": \"%s\"}",
              i ? "," : "", op->id, op->vt->kind, buf_cstr(&nm), buf_cstr(&s));
      buf_free(&s);
      buf_free(&nm);
    }
    buf_free(&d);
  }
  if (fmt == EXPLAIN_JSON) fputs("\n], \"edges\": [", f);
  bool first = true;
  for (int i = 0; i < j->nops; i++) {
    const sl_op *op = j->ops[i];
    for (int k = 0; k < op->nout; k++) {
      if (fmt == EXPLAIN_DOT) fprintf(f, "  n%d -> n%d;\n", op->id, op->out[k]->id);
      if (fmt == EXPLAIN_JSON)
        fprintf(f, "%s\n  {\"from\": %d, \"to\": %d}", first ? "" : ",", op->id, op->out[k]->id);
      first = false;
    }
  }
  if (fmt == EXPLAIN_DOT) fputs("}\n", f);
  if (fmt == EXPLAIN_JSON) fputs("\n]}\n", f);
}
