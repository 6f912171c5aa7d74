/* physical.c - rewrites of the logical plan (merge Calc into Calc, push Calc through UNION ALL,
 * drop identity Calcs), column pruning (the decoder of a source parses only the columns some
 * Calc above it uses), the operator graph (one source operator per table however many queries
 * read it, one sink operator per table however many INSERTs write it, one operator per shared
 * plan node, fanning out) and explain. The plan is a DAG and is never written while a job is
 * built: per-build state lives in the builder. Must not bind names or touch the catalog. */
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include "../ops/ops.h"
#include "physical_int.h"

/* A merge of two Calcs is skipped when its expressions would exceed these (it would copy a
 * shared expression too often, or nest deeper than the evaluator's stack allows). */
#define MERGE_MAX_SIZE 100000
#define MERGE_MAX_HEIGHT 2000

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

/* Size and height of x with every E_COL i standing for repl[i] (repl NULL: x itself), to keep
 * a merge from making an expression too big to copy or too deep to evaluate. */
static void merged_shape(const sl_expr *x, sl_expr *const *repl, int depth, long *size,
                         int *height) {
  if (repl && x->kind == E_COL) {
    merged_shape(repl[x->col], NULL, depth, size, height);
    return;
  }
  (*size)++;
  if (depth + 1 > *height) *height = depth + 1;
  for (int i = 0; i < x->nargs && *size < MERGE_MAX_SIZE; i++)
    merged_shape(x->args[i], repl, depth + 1, size, height);
}

/* Whether Calc n over Calc c may become one Calc: c is not shared, and the merged expressions
 * stay small and shallow. */
static bool can_merge(const plan_node *n, const plan_node *c) {
  if (c->nparents > 1) return false;
  long size = 0;
  int height = 0;
  for (int i = 0; i < n->ncols; i++) merged_shape(n->proj[i], c->proj, 0, &size, &height);
  if (n->pred) merged_shape(n->pred, c->proj, 0, &size, &height);
  if (c->pred) merged_shape(c->pred, NULL, 0, &size, &height);
  return size < MERGE_MAX_SIZE && height < MERGE_MAX_HEIGHT;
}

/* An integer constant (through casts of literals). */
static bool int_const(const sl_expr *x, int64_t *v) {
  while (x->kind == E_CAST && x->nargs == 1) x = x->args[0];
  if (x->kind != E_LIT || x->lit.null || !type_is_integer(x->type)) return false;
  *v = x->lit.u.i;
  return true;
}

/* The top-N bound a conjunct puts on the row number column rn: rn <= N, rn < N, rn = 1, and
 * the same written the other way round; 0 when it is not one. */
static int64_t rn_bound(const sl_expr *x, int rn) {
  if (x->kind != E_CMP || x->nargs != 2) return 0;
  int op = (int)x->ival;
  const sl_expr *l = x->args[0], *r = x->args[1];
  while (l->kind == E_CAST && l->nargs == 1) l = l->args[0];
  while (r->kind == E_CAST && r->nargs == 1) r = r->args[0];
  int64_t v;
  if (r->kind == E_COL && r->col == rn && int_const(l, &v)) { /* N >= rn */
    const sl_expr *t = l;
    l = r, r = t;
    op = op == EOP_GE ? EOP_LE : op == EOP_GT ? EOP_LT : op == EOP_EQ ? EOP_EQ : 0;
  }
  if (l->kind != E_COL || l->col != rn || !int_const(r, &v)) return 0;
  if (op == EOP_LE && v >= 1) return v;
  if (op == EOP_LT && v >= 2) return v - 1;
  if (op == EOP_EQ && v == 1) return 1;
  return 0;
}

static bool uses_col(const sl_expr *x, int col) {
  if (x->kind == E_COL) return x->col == col;
  for (int i = 0; i < x->nargs; i++)
    if (uses_col(x->args[i], col)) return true;
  return false;
}

/* Calc(pred: rn <= N AND rest) over ROW_NUMBER -> a top-N: the bound moves into the rank node
 * and, when nothing else reads rn, the row number is not even an output column (its changes
 * then never ripple through the other rows). */
static void rank_limit(sl_arena *a, plan_node *n, plan_node *c) {
  int rn = c->ncols - 1;
  sl_expr **conj = &n->pred;
  int nconj = 1;
  if (n->pred->kind == E_AND) conj = n->pred->args, nconj = n->pred->nargs;
  int found = -1;
  for (int i = 0; i < nconj && found < 0; i++) {
    int64_t v = rn_bound(conj[i], rn);
    if (v) c->op->limit = v, found = i;
  }
  if (found < 0) return;
  if (nconj == 1) {
    n->pred = NULL;
  } else {
    sl_expr *rest = NULL;
    for (int i = 0; i < nconj; i++)
      if (i != found) rest = plan_and(a, rest, conj[i]);
    n->pred = rest;
  }
  bool used = n->pred && uses_col(n->pred, rn);
  for (int i = 0; i < n->ncols; i++) used |= uses_col(n->proj[i], rn);
  if (!used) {
    c->op->rn_out = false;
    c->ncols--;
  }
}

/* One node whose inputs are already rewritten. A shared input (a view or WITH query used more
 * than once) is never merged into or pushed through: it stays one node, built once. */
static plan_node *rewrite(sl_arena *a, plan_node *n) {
  if (n->kind != P_CALC) return n;
  plan_node *c = n->in[0];
  if (c->kind == P_RANK && !c->op->limit && c->nparents <= 1 && n->pred) rank_limit(a, n, c);
  if (c->kind == P_CALC && can_merge(n, c)) { /* Calc(Calc(x)) -> Calc(x) */
    plan_node *m = calc_shaped_like(a, n, c->in[0]);
    for (int i = 0; i < n->ncols; i++) m->proj[i] = expr_substitute(n->proj[i], c->proj, a);
    m->pred = plan_and(a, c->pred, n->pred ? expr_substitute(n->pred, c->proj, a) : NULL);
    m->nparents = n->nparents;
    return rewrite(a, m);
  }
  if (c->kind == P_UNION && c->nparents <= 1) { /* Calc(Union(x, y)) -> Union(Calc(x), ...) */
    plan_node *u = plan_new_node(a, P_UNION, c->nin, n->ncols);
    u->off = c->off;
    u->nparents = n->nparents;
    for (int i = 0; i < n->ncols; i++) {
      u->names[i] = n->names[i];
      u->types[i] = n->types[i];
    }
    for (int k = 0; k < c->nin; k++) {
      /* every branch gets its own copy of the expressions (per-node state is not shared) */
      plan_node *b = calc_shaped_like(a, n, c->in[k]);
      for (int i = 0; i < n->ncols; i++) b->proj[i] = expr_substitute(n->proj[i], NULL, a);
      if (n->pred) b->pred = expr_substitute(n->pred, NULL, a);
      b->nparents = 1;
      u->in[k] = rewrite(a, b);
    }
    return u;
  }
  if (c->kind == P_JOIN && c->nparents <= 1) { /* Calc(Join(x, y)) -> Calc(Join(Calc(x), ..)) */
    plan_node *m = plan_prune_join(a, n);
    if (m != n) {
      plan_node *j = m->in[0];
      for (int i = 0; i < 2; i++)
        if (j->in[i] != c->in[i]) j->in[i] = rewrite(a, j->in[i]);
      return rewrite(a, m);
    }
  }
  if (c->kind == P_PROCTIME && c->nparents <= 1) { /* Calc(stamp(x)) -> stamp(Calc(x)) */
    plan_node *m = plan_push_below_proctime(a, n);
    if (m != n) {
      m->in[0] = rewrite(a, m->in[0]);
      return m;
    }
  }
  if (is_identity(n)) {
    c->nparents += n->nparents - 1; /* n's parents now point at c */
    return c;
  }
  return n;
}

static void count_parents(plan_node *n) {
  if (n->nparents++) return; /* seen: only count the edge */
  for (int i = 0; i < n->nin; i++) count_parents(n->in[i]);
}

static plan_node *opt(sl_arena *a, plan_node *n) {
  if (n->memo) return n->memo;
  for (int i = 0; i < n->nin; i++) n->in[i] = opt(a, n->in[i]);
  plan_node *r = rewrite(a, n);
  n->memo = r;
  r->memo = r;
  return r;
}

static void number(sl_pipeline *p, plan_node *n) {
  if (n->id) return;
  n->id = ++p->nnodes;
  for (int i = 0; i < n->nin; i++) number(p, n->in[i]);
}

sl_status plan_optimize(sl_pipeline *p, sl_error *e) {
  (void)e;
  for (int i = 0; i < p->ninserts; i++) count_parents(p->inserts[i]);
  for (int i = 0; i < p->ninserts; i++) p->inserts[i] = opt(&p->arena, p->inserts[i]);
  for (int i = 0; i < p->ninserts; i++) number(p, p->inserts[i]);
  plan_reuse(p); /* after numbering: it marks the nodes it has seen by id */
  return SL_OK;
}

/* ---- column pruning ---- */

static int table_index(const sl_pipeline *p, const cat_table *t) {
  for (int i = 0; i < p->ntables; i++)
    if (p->tables[i] == t) return i;
  return 0;
}

static bool *needed_of(builder *b, const cat_table *t) {
  int k = table_index(b->p, t);
  if (!b->needed[k])
    b->needed[k] = arena_zalloc(&b->p->arena, (size_t)(t->nphys ? t->nphys : 1) * sizeof(bool));
  return b->needed[k];
}

static void mark(builder *b, const plan_node *n) {
  if (b->marked[n->id]) return;
  b->marked[n->id] = true;
  if (n->kind == P_SCAN) {
    bool *u = needed_of(b, n->table);
    for (int i = 0; i < n->table->nphys; i++) u[i] = true;
    return;
  }
  if (n->kind == P_JOIN) {
    for (int i = 0; i < n->nin; i++) mark(b, n->in[i]);
    return;
  }
  const plan_node *below = n->nin ? n->in[0] : NULL;
  if (below && below->kind == P_WATERMARK) {
    b->marked[below->id] = true;
    expr_columns(below->op->wm, needed_of(b, below->in[0]->table));
    if (n->kind != P_CALC) { /* the assigner's parent takes every column */
      mark(b, below->in[0]);
      return;
    }
    below = below->in[0];
  }
  if (n->kind == P_WATERMARK) {
    expr_columns(n->op->wm, needed_of(b, n->in[0]->table));
    mark(b, n->in[0]);
    return;
  }
  if (n->kind == P_CALC && below->kind == P_SCAN) {
    bool *u = needed_of(b, below->table);
    if (n->pred) expr_columns(n->pred, u);
    for (int i = 0; i < n->ncols; i++) expr_columns(n->proj[i], u);
    return;
  }
  for (int i = 0; i < n->nin; i++) mark(b, n->in[i]);
}

/* ---- the operator graph ---- */

static on_error policy_of(const opt_list *o) {
  const char *v = opt_get(o, conn_source_opts, "on-error");
  if (v && str_ieq(v, "fail")) return ON_ERROR_FAIL;
  if (v && str_ieq(v, "skip")) return ON_ERROR_SKIP;
  return ON_ERROR_DLQ;
}

static sl_op *build(builder *b, const plan_node *n);

/* 'late-data' and 'allowed-lateness' (checked with the other options when the table was
 * declared; 'scan.watermark.idle-timeout' goes to the watermark node, bind_query.c). */
static void late_options(job_source *s, const opt_list *o) {
  const char *v = opt_get(o, conn_source_opts, "late-data");
  s->late = v && str_ieq(v, "drop")     ? LATE_DROP
            : v && str_ieq(v, "update") ? LATE_UPDATE
                                        : LATE_DLQ;
  v = opt_get(o, conn_source_opts, "allowed-lateness");
  if (!v || opt_parse_duration(v, &s->allowed_lateness) != SL_OK) s->allowed_lateness = 0;
}

/* The sources under op are read first (a lookup join's dimension table). */
static void preload(sl_op *op) {
  if (op->vt->pump) op->preload = true;
  for (int i = 0; i < op->nin; i++) preload(op->in[i]);
}

static sl_op *build_node(builder *b, const plan_node *n) {
  sl_job *j = b->j;
  switch (n->kind) {
  case P_SCAN: {
    cat_table *t = n->table;
    sl_op **src = &b->src[table_index(b->p, t)];
    if (*src && b->nworkers > 1 && b->src_rep[table_index(b->p, t)] != (b->replicate > 0)) {
      /* one source per table: read whole by every worker (a lookup join's dimension) and
       * split as a stream elsewhere cannot both hold */
      b->serial = "a table is both a lookup join's dimension and a stream read elsewhere";
      err_set(b->e, SL_ERUNTIME, "%s", b->serial);
      return NULL;
    }
    if (*src) return *src;
    b->src_rep[table_index(b->p, t)] = b->replicate > 0;
    opt_list ol = t->ol;
    const char *dlq = opt_get(&ol, conn_source_opts, "dlq.path");
    int idx = job_add_source(j, t->name, policy_of(&ol), dlq ? dlq : b->dlq_default);
    late_options(&j->sources[idx], &ol);
    bool split = b->nworkers > 1 && !b->replicate;
    if (split && !t->conn->parallel_source && b->worker > 0 && !b->dry) {
      sl_op *op = op_empty_source_new(j, t->name); /* worker 0 reads it */
      op->ncols = t->nphys;
      op->cols = t->phys_names;
      op->types = t->phys_types;
      op->updating = t->fmt && t->fmt->changelog;
      job_add_op(j, op);
      *src = op;
      return op;
    }
    conn_ctx c = {
        .job = j,
        .table = t->name,
        .schema = {t->nphys, t->phys_names, t->phys_types, needed_of(b, t), b->p->tz_offset_ms},
        .opts = ol,
        .fmt = t->fmt,
        .source_index = idx,
        .dry = b->dry,
        .partition_keys = t->part_keys,
        .npartition_keys = t->nparts,
        .worker = split ? b->worker : 0,
        .nworkers = split ? b->nworkers : 1,
        .split = split ? &b->splits[table_index(b->p, t)] : NULL,
        .meta = t->phys_meta,
        .nprimary_key = t->npk};
    int *ppk = t->npk ? arena_alloc(&b->p->arena, sizeof(int) * (size_t)t->npk) : NULL;
    for (int i = 0; i < t->npk; i++) ppk[i] = t->cols[t->pk[i]].phys; /* physical indexes */
    c.primary_key = ppk;
    c.schema.nest = t->phys_nest; /* ROW leaves */
    sl_op *op = t->conn->source_new(&c, b->e);
    if (!op) return NULL;
    if (b->p->batch_mode && !op->bounded) {
      err_at(b->e, SL_ESQL, &b->p->src, n->off,
             "SET 'execution.runtime-mode' = 'batch' needs bounded sources, but table '%s' is "
             "unbounded",
             t->name);
      err_hint(b->e, "drop 'source.monitor-interval' (or read files, not a stream), or run in "
                     "streaming mode");
      job_add_op(j, op); /* freed with the job */
      return NULL;
    }
    op->ncols = t->nphys;
    op->cols = t->phys_names;
    op->types = t->phys_types;
    job_add_op(j, op);
    *src = op;
    return op;
  }
  case P_ONEROW: {
    int idx = job_add_source(j, "(values)", ON_ERROR_DLQ, b->dlq_default);
    sl_op *op =
        b->worker > 0 && !b->replicate ? op_empty_source_new(j, "(values)") : op_onerow_new(j, idx);
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
    if (!t->conn->parallel_sink) { /* written once, by worker 0 */
      in = plan_exchange(b, in, XCHG_SINGLE, NULL, 0);
      if (b->worker > 0 && b->nworkers > 1) return in;
    }
    sl_op **snk = &b->snk[table_index(b->p, t)];
    if (!*snk) {
      opt_list ol = t->ol;
      conn_ctx c = {.job = j,
                    .table = t->name,
                    .schema = {t->nphys, t->phys_names, t->phys_types, NULL, b->p->tz_offset_ms},
                    .opts = ol,
                    .fmt = t->fmt,
                    .source_index = -1,
                    .dry = b->dry,
                    .partition_keys = t->part_keys,
                    .npartition_keys = t->nparts,
                    .primary_key = t->pk,
                    .nprimary_key = t->npk,
                    .updating_input = in->updating,
                    .meta = t->phys_meta};
      c.schema.nest = t->phys_nest; /* ROW leaves */
      sl_op *op = t->conn->sink_new(&c, b->e);
      if (!op) return NULL;
      op->ncols = t->nphys;
      op->cols = t->phys_names;
      op->types = t->phys_types;
      job_add_op(j, op);
      *snk = op;
    }
    if (in->updating && !(*snk)->accepts_updates) {
      const sl_op *why = in; /* the operator that makes the stream updating */
      for (bool more = true; more;) {
        more = false;
        for (int k = 0; k < why->nin; k++)
          if (why->in[k]->updating) {
            why = why->in[k];
            more = true;
            break;
          }
      }
      err_at(b->e, SL_ESQL, &b->p->src, n->off,
             "INSERT INTO %s: the query produces an updating stream (rows that retract or "
             "replace earlier ones: -U/+U/-D) because %s '%s' does, but sink '%s' accepts only "
             "appends (+I)",
             t->name, why->vt->pump ? "source" : "its operator",
             why->vt->pump ? why->name : why->vt->kind, t->name);
      err_hint(b->e, "write it to a sink that takes changes: %s%s", conn_updating_choices(),
               why->vt->pump ? ""
                             : "; or, for a bounded input, SET 'execution.runtime-mode' = "
                               "'batch' to write only the final rows");
      return NULL;
    }
    op_connect(in, *snk);
    return *snk;
  }
  case P_WATERMARK: /* one per table, however many queries read it */
    /* batch mode reads everything before any window closes (the +infinity watermark at the
     * end closes them all), as Flink's batch mode: no watermarks, so nothing is late */
    if (b->p->batch_mode) return build(b, n->in[0]);
    if (b->wm[table_index(b->p, n->in[0]->table)]) return b->wm[table_index(b->p, n->in[0]->table)];
    /* fall through */
  case P_WINTVF:
  case P_WINAGG:
  case P_AGG:
  case P_EXPAND:
  case P_RANK:
  case P_OVER:
  case P_PROCTIME: {
    sl_op *in = build(b, n->in[0]);
    if (!in) return NULL;
    if (plan_two_phase(b, n, in)) return plan_build_two_phase(b, n, in);
    in = plan_keyed_input(b, n, in);
    if (plan_single_elsewhere(b, n)) return plan_stand_in(b, n, in, NULL);
    sl_op *op = plan_build_stateful(b->p, j, n, in, b->e);
    if (!op) return NULL;
    op->ncols = n->ncols;
    op->cols = n->names;
    op->types = n->types;
    job_add_op(j, op);
    op_connect(in, op);
    if (n->kind == P_WATERMARK) b->wm[table_index(b->p, n->in[0]->table)] = op;
    op->retention = plan_retention(b->p, n);
    return op;
  }
  case P_JOIN: {
    sl_op *l = build(b, n->in[0]);
    if (!l) return NULL;
    bool lookup = n->op->join_kind == PJ_LOOKUP;
    /* NOT IN needs to know whether the whole right side holds a NULL, or is empty: on one
     * worker */
    int nk = n->op->null_aware ? 0 : n->op->nkeys;
    const int *lk = n->op->keys, *rk = n->op->rkeys;
    if (n->op->join_kind == PJ_WINDOW) { /* the window is a key too: windows spread out */
      int *a = arena_alloc(&b->p->arena, sizeof(int) * (size_t)(nk + 2));
      int *c = arena_alloc(&b->p->arena, sizeof(int) * (size_t)(nk + 2));
      for (int i = 0; i < nk; i++) a[i] = lk[i], c[i] = rk[i];
      a[nk] = n->op->lwin[0], a[nk + 1] = n->op->lwin[1];
      c[nk] = n->op->rwin[0], c[nk + 1] = n->op->rwin[1];
      lk = a, rk = c, nk += 2;
    }
    if (!lookup) l = plan_exchange(b, l, XCHG_HASH, lk, nk);
    const plan_node *rn = n->in[1];
    sl_lookup *remote = NULL; /* a table asked by key: it is not read as a stream */
    if (n->op->join_kind == PJ_LOOKUP && rn->kind == P_SCAN && rn->table->conn->lookup_new) {
      cat_table *t = rn->table;
      conn_ctx c = {.job = j,
                    .table = t->name,
                    .schema = {t->nphys, t->phys_names, t->phys_types, NULL, b->p->tz_offset_ms},
                    .opts = t->ol,
                    .fmt = t->fmt,
                    .source_index = -1,
                    .dry = b->dry};
      c.schema.nest = t->phys_nest; /* ROW leaves */
      if (!(remote = t->conn->lookup_new(&c, n->op->rkeys, n->op->nkeys, b->e))) return NULL;
    }
    if (lookup) b->replicate++; /* every worker keeps the whole dimension */
    sl_op *r = remote ? NULL : build(b, rn);
    if (lookup) b->replicate--;
    if (!remote && !r) return NULL;
    if (r && !lookup) r = plan_exchange(b, r, XCHG_HASH, rk, nk);
    if (r && plan_single_elsewhere(b, n)) return plan_stand_in(b, n, l, r);
    sl_op *op = plan_build_join(b->p, j, n, l, r, remote, b->e);
    if (!op) return NULL;
    op->ncols = n->ncols;
    op->cols = n->names;
    op->types = n->types;
    job_add_op(j, op);
    op_connect(l, op);        /* port 0 */
    if (r) op_connect(r, op); /* port 1 */
    if (r && n->op->join_kind == PJ_LOOKUP) preload(r);
    return op;
  }
  }
  err_set(b->e, SL_EINTERNAL, "unknown plan node");
  return NULL;
}

/* A node reached from several parents (a shared view or WITH query) is built once; each
 * parent connects to the same operator, which fans its batches out. */
static sl_op *build(builder *b, const plan_node *n) {
  if (!b->ops[n->id]) {
    b->rep_built[n->id] = b->replicate > 0;
    b->ops[n->id] = build_node(b, n);
  } else if (b->nworkers > 1 && b->rep_built[n->id] != (b->replicate > 0)) {
    /* read whole by every worker for a lookup join, and as a split stream elsewhere */
    b->serial = "a table is both a lookup join's dimension and a stream read elsewhere";
    err_set(b->e, SL_ERUNTIME, "%s", b->serial);
    return NULL;
  }
  return b->ops[n->id];
}

static sl_status build_worker(const sl_pipeline *cp, bool dry, builder *proto, sl_job **out,
                              sl_error *e) {
  sl_pipeline *p = (sl_pipeline *)cp; /* only its arena grows; the plan is not written */
  sl_job *j = job_new();
  *out = j;
  j->sql = &p->src;
  j->ctx.tz_offset_ms = p->tz_offset_ms;
  j->batch_rows = p->batch_rows;
  j->batch_mode = p->batch_mode;
  j->state_limit = p->state_limit;
  j->checkpoint_ms = p->checkpoint_ms;
  if (!proto->budget) { /* one for the run, whatever the workers */
    proto->budget = arena_zalloc(&p->arena, sizeof(state_budget));
    proto->budget->limit = p->memory_limit;
  }
  j->budget = proto->budget;
  builder b = *proto;
  b.p = p;
  b.j = j;
  b.dry = dry;
  b.e = e;
  size_t nt = (size_t)p->ntables + 1, nn = (size_t)p->nnodes + 1;
  b.needed = arena_zalloc(&p->arena, nt * sizeof(bool *));
  b.src = xcalloc(nt, sizeof(sl_op *));
  b.snk = xcalloc(nt, sizeof(sl_op *));
  b.wm = xcalloc(nt, sizeof(sl_op *));
  b.ops = xcalloc(nn, sizeof(sl_op *));
  b.marked = xcalloc(nn, sizeof(bool));
  b.rep_built = xcalloc(nn, sizeof(bool));
  b.src_rep = xcalloc(nt, sizeof(bool));
  for (int i = 0; i < p->ninserts; i++) mark(&b, p->inserts[i]);
  /* dead letters go next to the first filesystem sink, else into the working directory */
  b.dlq_default = "sluice-dlq.jsonl";
  for (int i = 0; i < p->ninserts; i++) {
    cat_table *t = p->inserts[i]->table;
    if (t->conn != &conn_filesystem) continue;
    opt_list ol = t->ol;
    const char *path = opt_get(&ol, NULL, "path");
    char *copy = arena_strdup(&p->arena, path);
    b.dlq_default = arena_printf(&p->arena, "%s/sluice-dlq.jsonl", dirname(copy));
    break;
  }
  sl_status st = SL_OK;
  for (int i = 0; i < p->ninserts && !st; i++)
    if (!build(&b, p->inserts[i])) st = e->code ? e->code : SL_ERUNTIME;

  free(b.src);
  free(b.snk);
  free(b.wm);
  free(b.ops);
  free(b.marked);
  free(b.rep_built);
  free(b.src_rep);
  proto->serial = b.serial;
  return st;
}

sl_status plan_build_job(const sl_pipeline *p, bool dry, sl_job **out, sl_error *e) {
  builder proto = {.nworkers = 1};
  return build_worker(p, dry, &proto, out, e);
}

int plan_build_workers(const sl_pipeline *cp, bool dry, int n, sl_job **jobs, sl_group **g,
                       const char **serial, sl_error *e) {
  sl_pipeline *p = (sl_pipeline *)cp;
  *g = NULL;
  *serial = NULL;
  if (n > 1) {
    builder proto = {.nworkers = n, .group = job_group_new(n)};
    proto.splits = arena_zalloc(&p->arena, sizeof(conn_split) * (size_t)(p->ntables + 1));
    sl_status st = SL_OK;
    int built = 0;
    for (int w = 0; w < n && !st; w++, built++) {
      proto.worker = w;
      proto.nxchg = 0;
      st = build_worker(p, dry, &proto, &jobs[w], e);
    }
    if (!st) {
      *g = proto.group;
      for (int w = 0; w < n; w++) jobs[w]->group = proto.group, jobs[w]->worker = w;
      return n;
    }
    for (int w = 0; w < built; w++) {
      job_free(jobs[w]);
      jobs[w] = NULL;
    }
    job_group_free(proto.group);
    if (!proto.serial) return -(int)st;
    *serial = proto.serial; /* runs, on one worker */
    memset(e, 0, sizeof *e);
  }
  sl_status st = plan_build_job(p, dry, &jobs[0], e);
  if (st) {
    job_free(jobs[0]);
    jobs[0] = NULL;
    return -(int)st;
  }
  return 1;
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
  bool bounded = true; /* state of a bounded run ends with its input */
  for (int i = 0; i < j->nops; i++)
    if (j->ops[i]->vt->pump && !j->ops[i]->bounded) bounded = false;
  for (int i = 0; i < j->nops; i++) {
    const sl_op *op = j->ops[i];
    sl_buf d = {0};
    op->vt->describe(op, &d);
    buf_cstr(&d);
    bool named = op->vt->pump || !strcmp(op->vt->kind, "Sink");
    if (fmt == EXPLAIN_TEXT) {
      fprintf(f, "[%d] %s%s%s", op->id, op->vt->kind, named ? " " : "", named ? op->name : "");
      if (op->nin) { /* a receiver's ports are the workers: one sender here */
        fputs(" <-", f);
        for (int k = 0; k < (op->self_ready ? 1 : op->nin); k++) fprintf(f, " [%d]", op->in[k]->id);
      }
      fprintf(f, ": %s%s%s%s%s", d.data, op->vt->pump && !op->bounded ? " [unbounded]" : "",
              op->updating ? " [changelog]" : "", op->vt->keeps ? "; keeps " : "",
              op->vt->keeps ? op->vt->keeps : "");
      if (op->vt->keeps && op->retention) fprintf(f, ", %s", op->retention);
      if (op->vt->keeps && !op->retention && bounded)
        fputs(", until the end of the input (every source is bounded)", f);
      if (op->vt->keeps && !op->retention && !bounded)
        fputs("; WARNING unbounded state: add a TTL ('table.exec.state.ttl', or a STATE_TTL hint "
              "on a join) or a time bound (a window, an interval join)",
              f);
      fputc('\n', f);
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
      fprintf(f,
              "%s\n  {\"id\": %d, \"kind\": \"%s\", \"name\": \"%s\", \"detail\": \"%s\", "
              "\"bounded\": %s, \"changelog\": %s",
              i ? "," : "", op->id, op->vt->kind, buf_cstr(&nm), buf_cstr(&s),
              op->bounded ? "true" : "false", op->updating ? "true" : "false");
      if (op->vt->keeps) {
        sl_buf k = {0};
        fmt_json_escape(op->vt->keeps, strlen(op->vt->keeps), &k);
        fprintf(f, ", \"keeps\": \"%s\"", buf_cstr(&k));
        buf_free(&k);
        if (op->retention) {
          fmt_json_escape(op->retention, strlen(op->retention), &k);
          fprintf(f, ", \"retention\": \"%s\"", buf_cstr(&k));
          buf_free(&k);
        }
        fprintf(f, ", \"unbounded_state\": %s", op->retention || bounded ? "false" : "true");
      }
      fputc('}', f);
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
      if (fmt == EXPLAIN_DOT) fprintf(f, "  n%d -> n%d;\n", op->id, op->out[k].to->id);
      if (fmt == EXPLAIN_JSON)
        fprintf(f, "%s\n  {\"from\": %d, \"to\": %d}", first ? "" : ",", op->id, op->out[k].to->id);
      first = false;
    }
  }
  int workers = j->group ? job_group_workers(j->group) : 1;
  if (fmt == EXPLAIN_DOT) fputs("}\n", f);
  if (fmt == EXPLAIN_JSON) fprintf(f, "\n], \"workers\": %d}\n", workers);
  if (fmt == EXPLAIN_TEXT) job_delivery_describe(j, f);
  if (fmt == EXPLAIN_TEXT && (workers > 1 || j->serial))
    fprintf(f, "runs on %d worker%s%s%s\n", workers, workers > 1 ? "s" : "", j->serial ? ": " : "",
            j->serial ? j->serial : "");
}
