/* plan_int.h - what the binder files share: the binder state, name scopes, the CTE environment
 * and the located-failure helpers. catalog.c owns CREATE TABLE, options, ${VAR}, SET and the
 * compile entry point; bind_expr.c owns expressions; bind_query.c owns queries, views, CTEs and
 * INSERT. Internal to plan/; nothing outside this folder includes it. */
#ifndef SLUICE_PLAN_INT_H
#define SLUICE_PLAN_INT_H

#include <setjmp.h>

#include "plan.h"

typedef struct scope_col {
  const char *name, *qual;
  sl_type type;
  uint8_t level;  /* 0: the query's own FROM; 1: the outer query (a correlated subquery): a name
                     found at a lower level hides the same name further out */
  bool hidden;    /* the right column of a USING pair: only its qualified name finds it, and *
                     leaves it out (the left one stands for both) */
  bool using_col; /* the column that stands for a USING pair: SELECT * puts it first */
  uint8_t nest;   /* a leaf of a ROW column, named by its path ("bid.auction"): its ROW levels */
} scope_col;

typedef struct scope {
  scope_col *cols;
  int n;
} scope;
/* The columns SELECT * (qual NULL) or t.* expands to, in order (USING columns first, as SQL
 * says), into out (room for sc->n); returns how many. */
int plan_star_cols(const scope *sc, const char *qual, int *out);

typedef struct cte_env cte_env;

/* A bound FROM item: its plan and the names it offers (a join's columns carry the qualifier
 * of their side). */
typedef struct bound {
  plan_node *n;
  scope sc;
} bound;
struct cte_env {
  const sql_cte *cte;
  plan_node *n; /* bound once, where the WITH clause is; every use shares it */
  cte_env *next;
};

typedef struct agg_bind agg_bind;

/* A join of the FROM clause being bound, waiting for the WHERE conjuncts before it is decided
 * (bind_join.c). */
typedef struct pending {
  plan_node *n;
  int as_of;           /* left column of FOR SYSTEM_TIME AS OF, -1 */
  uint32_t as_of_off;  /* its position */
  cat_table *rtable;   /* the right side when it is a table (AS OF needs one) */
  const char *lq, *rq; /* the sides' names (table or alias) for STATE_TTL, NULL if several */
} pending;

struct join_ctx {
  pending *v;
  int n, cap;
};

typedef struct binder {
  sl_pipeline *p;
  sl_arena *a;
  sl_error *e;
  jmp_buf jb;
  const plan_opts *o;
  bool *set_used;
  agg_bind *agg;       /* set while binding a SELECT list or HAVING: collects aggregate and OVER
                          calls (bind_agg.c); NULL where they are not allowed (WHERE, GROUP BY) */
  struct join_ctx *jc; /* the joins of the FROM clause being bound (bind_join.c) */
} binder;

_Noreturn __attribute__((format(printf, 3, 4))) void plan_fail(binder *b, uint32_t off,
                                                               const char *fmt, ...);
_Noreturn void plan_fail_hint(binder *b, uint32_t off, const char *hint, const char *msg);
/* "unknown <what> 'value'", a "did you mean" when a name is close, and, when list is set, every
 * valid name: the one shape of all unknown-name errors. */
_Noreturn void plan_fail_unknown(binder *b, uint32_t off, const char *what, const char *value,
                                 const char *const *names, int n, const char *list);
_Noreturn void plan_fail_unknown_table(binder *b, uint32_t off, const char *name, cte_env *env);
cat_table *plan_find_table(sl_pipeline *p, const char *name);

static inline const char *tn(sl_type t, char *buf) { return type_name(t, buf, 48); }

/* bind_expr.c */
sl_expr *plan_bind_expr(binder *b, const scope *sc, const sql_expr *x);
void plan_need_bool(binder *b, sl_expr *x, const char *what);

/* bind_agg.c: aggregate calls, OVER calls and the legacy window functions met while binding
 * an expression (bind_func hands them over); NULL when x is none of these. */
sl_expr *plan_bind_special_call(binder *b, const scope *sc, const sql_expr *x);
/* SELECT with GROUP BY, aggregates, DISTINCT, window TVFs, OVER or ROW_NUMBER. Returns NULL
 * when the query has none of these (the plain path in bind_query.c binds it). */
plan_node *plan_bind_aggregate(binder *b, const sql_query *q, plan_node *in, const scope *sc);
/* SELECT DISTINCT over n: a group aggregation keyed by every column. */
plan_node *plan_distinct(binder *b, plan_node *n, uint32_t off);
/* bind_window.c: a constant positive INTERVAL (what names it in errors; "offset" may be 0 or
 * negative), a column by name (-1 when absent), and the checks on a window's time column. */
int64_t plan_const_interval(binder *b, const sql_expr *x, const char *what);
int plan_find_col(const plan_node *n, const char *name);
void plan_need_time(binder *b, const plan_node *in, int col, uint32_t off, const char *name);
/* The processing-time assigner over in, stamping column col, its timer on the ends of window w
 * (NULL: an OVER aggregation), to go right below the window or OVER node. */
plan_node *plan_proctime_node(binder *b, plan_node *in, int col, const window_spec *w,
                              uint32_t off);
/* A FROM TVF (TUMBLE/HOP/CUMULATE/SESSION) over the bound input. */
plan_node *plan_bind_tvf(binder *b, const sql_tvf *f, plan_node *in);
/* Structural equality of bound expressions (GROUP BY matching). */
bool plan_expr_equal(const sl_expr *x, const sl_expr *y);

/* catalog.c: whether column col of n is a processing-time attribute: a PROCTIME() computed column,
 * passed on unchanged by projections (and by every input of a UNION ALL). */
bool plan_is_proctime(const plan_node *n, int col);
bool plan_is_proctime_call(const sl_expr *x);

/* bind_join.c: a FROM_JOIN item (its joins wait in b->jc until plan_bind_where decides how
 * each runs); WHERE conjuncts pushed into the joins and IN / EXISTS subqueries as SEMI / ANTI
 * joins: returns the input the rest of the SELECT works on, and in *rest the WHERE still to
 * bind over it (NULL: none). Whether a column is an event-time attribute. */
bound plan_bind_join(binder *b, const sql_from *f, cte_env *env);
plan_node *plan_bind_where(binder *b, const sql_query *q, bound *in, cte_env *env,
                           const sql_expr **rest);
bool plan_is_rowtime(const plan_node *n, int col);
/* 1 when column col of n is a window TVF's or window aggregation's window_start, 2 for its
 * window_end (seen through Calc projections of plain columns); that node in *tvf. */
int plan_window_col(const plan_node *n, int col, const plan_node **tvf);
/* SET key = value (catalog_set.c): from the pipeline text (offsets locate errors) or from
 * --set KEY=VALUE (from_cli: errors are usage errors). */
void plan_bind_set(binder *b, const char *key, const char *value, uint32_t key_off,
                   uint32_t val_off, bool from_cli);
/* The hints of a SELECT: known ones only; STATE_TTL names inputs of its joins (b->jc). */
void plan_check_hints(binder *b, const sql_query *q);
/* What bind_join.c and bind_join_kind.c share: the
 * conjuncts of x, which sides (bit 1 left: columns < nl, bit 2 right) x reads, x with columns
 * >= from moved by delta, a P_JOIN node over l and r, a join type's name, and the decision of
 * how a pending join runs (keys, condition, kind; q's hints set its TTLs). */
void plan_conjuncts(binder *b, sl_expr *x, sl_expr ***v, int *n, int *cap);
int plan_sides_of(binder *b, const sl_expr *x, int nl, int nr);
sl_expr *plan_shift_cols(binder *b, const sl_expr *x, int ncols, int from, int delta,
                         const sl_type *types);
plan_node *plan_new_join(binder *b, int type, plan_node *l, plan_node *r, uint32_t off);
const char *plan_join_type_name(int t);
void plan_join_decide(binder *b, pending *pd, const sql_query *q);

/* catalog_row.c: the columns of CREATE TABLE with every ROW column flattened into its leaves
 * (named by their path "a.b", nest[i] their ROW levels, NOT NULL only when every level is), in
 * declaration order; and the ROW levels of column col of n (0 unless it passes a ROW leaf of a
 * table on unchanged, under the same name). */
const sql_column_def *plan_row_flatten(binder *b, const sql_stmt *s, int *ncols, uint8_t **nest);
uint8_t plan_col_nest(const plan_node *n, int col);
/* bind_column.c: a column reference (t.c, c, a ROW field path bid.auction, t.bid.auction,
 * a.b.c) against a scope; located errors with "did you mean" for unknown names. */
sl_expr *plan_bind_column(binder *b, const scope *sc, const sql_expr *x);

/* bind_query.c */
bound plan_bind_from(binder *b, const sql_from *f, cte_env *env);
scope plan_make_scope(binder *b, plan_node *n, const char *qual);
plan_node *plan_bind_query(binder *b, const sql_query *q, cte_env *env);
plan_node *plan_calc_node(binder *b, plan_node *in, int ncols, uint32_t off);
void plan_bind_create_view(binder *b, const sql_stmt *s);
void plan_bind_insert(binder *b, const sql_stmt *s);

#endif
