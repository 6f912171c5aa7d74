/* agg.h - aggregate functions: the table of them (names, argument checks, result types as in
 * Flink, docs) and their accumulators, which every aggregating operator (group, window, OVER)
 * runs. Public header of the agg subsystem.
 *
 * An operator compiles its aggregate calls once into an agg_set. Each group (or window slice)
 * then holds one fixed-size accumulator block of agg_set_size() bytes, owned by the operator
 * (inline in its state map entry); agg_init/agg_add/agg_retract/agg_merge/agg_result work on
 * that block. What cannot be fixed-size (the distinct values of COUNT(DISTINCT x), the value
 * counts MIN/MAX keep to survive retraction, LISTAGG's list) hangs off the block in memory
 * counted in the agg_set's state_alloc; agg_release frees it.
 *
 * Input rows are already projected by a Calc below the operator: every argument and FILTER
 * condition is a column of the input row, so accumulators never evaluate expressions.
 * Must not touch: operators, batches, the SQL front end. */
#ifndef SLUICE_AGG_H
#define SLUICE_AGG_H

#include "../state/state.h"

typedef enum agg_kind {
  AGG_COUNT_STAR = 1, /* COUNT(*) / COUNT(1): BIGINT NOT NULL */
  AGG_COUNT,          /* COUNT(x): non-NULL x; BIGINT NOT NULL */
  AGG_SUM,            /* NULL when no non-NULL input */
  AGG_SUM0,           /* internal: SUM that is 0 on empty input (for AVG and rewrites) */
  AGG_AVG,
  AGG_MIN,
  AGG_MAX,
  AGG_STDDEV_POP,
  AGG_STDDEV_SAMP,
  AGG_VAR_POP,
  AGG_VAR_SAMP,
  AGG_FIRST_VALUE, /* first non-NULL value in arrival order */
  AGG_LAST_VALUE,  /* last non-NULL value in arrival order */
  AGG_LISTAGG,     /* LISTAGG(x [, sep]): non-NULL values joined with sep (default ',') */
  AGG__COUNT
} agg_kind;

typedef struct agg_def {
  const char *name; /* "COUNT", "SUM", ... (COUNT(*) is COUNT with star) */
  int kind;         /* agg_kind; COUNT resolves to AGG_COUNT_STAR for COUNT(*) at bind time */
  int min_args, max_args;
  /* The result type for these argument types (Flink's rules: SUM(INT) is INT, SUM(DECIMAL(p,s))
   * is DECIMAL(38,s), AVG(DECIMAL(p,s)) is DECIMAL(38, max(6,s)), AVG(INT) is INT, STDDEV/VAR
   * are DOUBLE for floating input and DECIMAL(38, max(6,s)) for exact input ...). Returns NULL,
   * or a message for a type the function does not take. */
  const char *(*result_type)(const sl_type *args, int nargs, sl_type *out);
  bool retracts;   /* can take retractions (-U/-D input rows) */
  const char *doc; /* docs/sql.md; the table generates the aggregate section */
  const char *signature;
} agg_def;

const agg_def *agg_lookup(const char *name); /* case-insensitive; NULL when not an aggregate */
const agg_def *agg_table(int *n);
/* Writes the aggregate function reference (markdown) from the table. */
void agg_docs(FILE *f);

/* One aggregate call as an operator runs it. */
typedef struct agg_spec {
  int kind;      /* agg_kind */
  int arg;       /* input column of the argument; -1 for COUNT(*) */
  int filter;    /* input BOOLEAN column: only rows where it is TRUE count; -1 for none */
  bool distinct; /* COUNT(DISTINCT x), SUM(DISTINCT x) ...: each distinct value once */
  sl_type arg_type;
  sl_type type;    /* result type (agg_def.result_type) */
  const char *sep; /* LISTAGG separator (a constant; ',' when NULL) */
  size_t seplen;
} agg_spec;

typedef struct agg_set agg_set;

/* Compiles n calls. alloc counts the memory of the side structures (it is the operator's).
 * retract: the input is updating (-U/-D rows will come). MIN/MAX then keep a value->count map
 * and FIRST_VALUE/LAST_VALUE/LISTAGG the list of their values, so a retraction is exact; false
 * picks the fast append-only form (one value, one buffer), where agg_retract fails for them. */
agg_set *agg_set_new(const agg_spec *calls, int n, state_alloc *alloc, bool retract);
void agg_set_free(agg_set *s);
size_t agg_set_size(const agg_set *s); /* bytes of one accumulator block */
int agg_set_count(const agg_set *s);
bool agg_set_retracts(const agg_set *s); /* every call can retract */
/* Whether a block can hold side structures; when false agg_release does nothing, so an owner
 * may drop its blocks without visiting them. */
bool agg_set_has_side(const agg_set *s);

void agg_init(const agg_set *s, void *acc);
/* Adds (an +I/+U row) or retracts (a -U/-D row) one input row into the block. SL_ERUNTIME,
 * naming the allocator's owner, when the state memory limit is reached. */
sl_status agg_add(const agg_set *s, void *acc, const sl_value *row, sl_error *e);
sl_status agg_retract(const agg_set *s, void *acc, const sl_value *row, sl_error *e);
/* dst += src (window slices into a window; both made by the same set). src is unchanged. */
sl_status agg_merge(const agg_set *s, void *dst, const void *src, sl_error *e);
/* Writes the n results to out[0..n-1]; strings (LISTAGG) go into `strings`. */
void agg_result(const agg_set *s, const void *acc, sl_value *out, sl_arena *strings);
/* Frees the side structures of a block (the block itself is the caller's). */
void agg_release(const agg_set *s, void *acc);

/* Snapshot of one block as bytes (versioned with the state stream, see state.h); restore reads
 * it back into a block made by agg_init. false on a malformed stream. */
void agg_snapshot(const agg_set *s, const void *acc, sl_buf *out);
bool agg_restore(const agg_set *s, void *acc, state_reader *r);

#endif
