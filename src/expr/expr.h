/* expr.h - bound, typed expressions and their evaluation; the scalar function table; CAST.
 * Public header of the expr subsystem.
 *
 * The binder (plan/) turns sql_expr into sl_expr: names become column indexes into the input
 * row, every node has its result type, implicit casts are explicit E_CAST nodes, literals are
 * values. Evaluation walks the tree once per row and never allocates on the heap: strings it
 * makes go into ctx->arena (the arena of the output batch).
 *
 * Ownership: sl_expr trees live in the compile arena; a function's per-node state (a compiled
 * regular expression, say) is made at bind time and freed by expr_free_aux at job end. */
#ifndef SLUICE_EXPR_H
#define SLUICE_EXPR_H

#include "../value/value.h"

typedef enum expr_kind {
  E_COL = 1, /* input column `col` */
  E_LIT,     /* constant `lit` */
  E_CALL,    /* fn(args) */
  E_CAST,    /* CAST(args[0] AS type); flag 1 = TRY_CAST (NULL on failure) */
  E_AND,     /* three-valued */
  E_OR,
  E_NOT,
  E_CASE,   /* args: (cond, value)* [else]; flag 1 = has else */
  E_ISNULL, /* flag 1 = IS NOT NULL */
  E_ISBOOL, /* ival 1 true / 0 false / 2 unknown; flag 1 = NOT */
  E_IN,     /* args[0] IN args[1..]; flag 1 = NOT */
  E_CMP,    /* op in ival: EOP_EQ..EOP_GE; operands of one type */
  E_ARITH,  /* op in ival: EOP_ADD..EOP_MOD, EOP_NEG; operands already in the result type except
               for DECIMAL (args keep their own scale) and time +/- interval */
  E_CONCAT,
} expr_kind;

/* Operators of E_CMP and E_ARITH (in ival). The numbering is the SQL front end's sql_op, so
 * the binder passes its codes through; plan/binder.c checks that at compile time. */
typedef enum expr_op {
  EOP_EQ = 3,
  EOP_NE,
  EOP_LT,
  EOP_LE,
  EOP_GT,
  EOP_GE,
  EOP_CONCAT,
  EOP_ADD,
  EOP_SUB,
  EOP_MUL,
  EOP_DIV,
  EOP_MOD,
  EOP_NEG,
} expr_op;
/* "+", "<=" ... for explain. */
const char *expr_op_text(int op);

typedef struct sl_expr sl_expr;
typedef struct expr_ctx expr_ctx;
typedef struct fn_def fn_def;

struct sl_expr {
  uint8_t kind, flag;
  sl_type type;
  int col;
  sl_value lit;
  const fn_def *fn;
  sl_expr **args;
  int nargs;
  int64_t ival;
  void *aux;         /* per-node state made at bind time (compiled regex, LIKE pattern) */
  uint32_t off;      /* position in the pipeline text, for runtime errors */
  const char *label; /* source text of a column name, for explain */
};

struct expr_ctx {
  sl_arena *arena;      /* where result strings go */
  int64_t now_ms;       /* CURRENT_TIMESTAMP for this run (UTC epoch millis) */
  int64_t tz_offset_ms; /* session time zone ('table.local-time-zone'), fixed offset */
  int64_t watermark;    /* CURRENT_WATERMARK: the operator's input watermark (INT64_MIN: none) */
  sl_buf *scratch;      /* reused text buffer (owned by the operator); NULL: use a local one */
  char errmsg[256];     /* set when evaluation fails on a row */
  uint32_t erroff;
};

/* Evaluates x over row; on failure returns SL_EDATA with ctx->errmsg set (the row's fault:
 * a bad cast, division by zero...). */
sl_status expr_eval(const sl_expr *x, const sl_value *row, expr_ctx *ctx, sl_value *out);
/* Result of a boolean predicate: true only for non-NULL TRUE. */
sl_status expr_eval_pred(const sl_expr *x, const sl_value *row, expr_ctx *ctx, bool *keep);

/* CAST rules (Flink's): out gets v converted from type `from` to `to`. Failure: SL_EDATA with
 * a message in ctx. */
sl_status expr_cast(const sl_value *v, sl_type from, sl_type to, expr_ctx *ctx, sl_value *out);
/* Whether a cast from -> to is allowed at all (checked at bind time). */
bool expr_cast_allowed(sl_type from, sl_type to);
/* Common supertype for CASE, COALESCE, IN, UNION ALL, comparisons; false when none exists. */
bool expr_common_type(sl_type a, sl_type b, sl_type *out);
/* Whether a value of `from` may be put where `to` is expected without an explicit CAST. */
bool expr_implicit_ok(sl_type from, sl_type to);

/* ---- the function table ---- */

typedef sl_status (*fn_eval)(const sl_expr *call, const sl_value *args, expr_ctx *ctx,
                             sl_value *out);
/* Checks argument types, may wrap arguments in casts (via expr_coerce), sets call->type.
 * Returns a message (static or arena) on a type error, NULL when fine. */
typedef const char *(*fn_check)(sl_expr *call, sl_arena *a);

struct fn_def {
  const char *name;
  int min_args, max_args; /* max -1 = any */
  fn_check check;
  fn_eval eval;
  bool strict;          /* any NULL argument -> NULL result without calling eval */
  const char *category; /* docs: "string", "math", "time", "conditional" */
  const char *signature;
  const char *doc;
  const char *example; /* an expression (runs in docs tests) */
  const char *result;  /* what the print sink shows for it */
};

const fn_def *fn_lookup(const char *name);
const fn_def *fn_table(int *n);
/* Wraps x in a CAST to t unless it already has that type. */
sl_expr *expr_coerce(sl_expr *x, sl_type t, sl_arena *a);
/* Makes per-node state of a whole tree (compiled regular expressions). Returns an error
 * message or NULL. Called on the final trees an operator runs; expr_free_aux undoes it. */
const char *expr_prepare(sl_expr *x, sl_arena *a);
void expr_free_aux(sl_expr *x);
/* Appends a readable form (for explain) of x; col_names name the input columns. */
void expr_format(const sl_expr *x, const char *const *col_names, sl_buf *out);
/* Marks used input columns in used[] (size = input width). */
void expr_columns(const sl_expr *x, bool *used);
/* Deep copy with every E_COL i replaced by a copy of repl[i] (used to merge projections);
 * repl NULL: a plain deep copy. */
sl_expr *expr_substitute(const sl_expr *x, sl_expr *const *repl, sl_arena *a);
sl_expr *expr_new(sl_arena *a, int kind, sl_type t, uint32_t off);
/* Index of an EXTRACT / FLOOR TO unit name ("HOUR", "DOW"...), -1 when unknown. */
int fn_unit_index(const char *u);

#endif
