/* sql.h - the SQL front end: tokens, the abstract syntax tree and the parser. Public header of
 * the sql subsystem. The parser is hand-written recursive descent (see ARCHITECTURE.md for why);
 * it takes a dialect switch so that batch jobs in the PostgreSQL dialect go through the same
 * code. Every AST node carries the byte offset of its first token for located errors.
 *
 * Ownership: every node and string of a parse lives in the arena passed to sql_parse.
 * Must not touch: the catalog, types of columns, anything that runs. */
#ifndef SLUICE_SQL_H
#define SLUICE_SQL_H

#include "../value/value.h"

typedef enum sql_dialect { SQL_FLINK = 0, SQL_POSTGRES = 1 } sql_dialect;

typedef enum sql_tok_kind {
  TK_EOF = 0,
  TK_IDENT,    /* bare identifier or keyword */
  TK_QIDENT,   /* `quoted` (Flink) or "quoted" (PostgreSQL) identifier */
  TK_STRING,   /* 'text' with '' escapes */
  TK_INTEGER,  /* 123 */
  TK_NUMBER,   /* 1.5, .5, 1e3 */
  TK_PUNCT,    /* operators and punctuation */
  TK_HINT,     /* the opening of a hint comment right after SELECT: the hint's tokens follow */
  TK_HINT_END, /* and its closing */
} sql_tok_kind;

typedef struct sql_token {
  uint8_t kind;
  uint32_t off, len;
} sql_token;

/* Lexes the whole text. Returns SL_ESQL with a position on an unterminated string/comment or
 * a stray character. */
sl_status sql_lex(const sl_source *src, sql_dialect d, sl_arena *a, sql_token **toks, int *ntoks,
                  sl_error *e);

typedef enum sql_expr_kind {
  A_INT,      /* integer literal, text */
  A_NUM,      /* exact decimal literal, text */
  A_FLOAT,    /* approximate literal (has an exponent), text */
  A_STR,      /* string literal, text unescaped */
  A_BOOL,     /* ival 0/1 */
  A_NULL,     /* NULL */
  A_INTERVAL, /* ival milliseconds */
  A_TYPED,    /* DATE '...' / TIMESTAMP '...': type + text */
  A_COLUMN,   /* names[nnames], quoted bitmask in ival */
  A_STAR,     /* * or t.* (names[0] = qualifier) */
  A_UNARY,    /* op: '-', '+', 'N' (NOT) */
  A_BINARY,   /* op: see sql_op; OP_AND/OP_OR have nargs >= 2 (a chain is one node) */
  A_FUNC,     /* text = name, args; flag 1 = DISTINCT, 2 = f(*); filter = FILTER (WHERE ..);
                 over = OVER (...) */
  A_CAST,     /* args[0], type; flag 1 = TRY_CAST */
  A_CASE,     /* args: [operand?] (when then)* [else?]; flag 1 = operand, 2 = else */
  A_ISNULL,   /* args[0]; flag 1 = NOT */
  A_ISBOOL,   /* IS [NOT] TRUE/FALSE/UNKNOWN: ival 1 true, 0 false, 2 unknown; flag 1 = NOT */
  A_IN,       /* args[0] IN (args[1..]); flag 1 = NOT */
  A_BETWEEN,  /* args[0] BETWEEN args[1] AND args[2]; flag 1 = NOT */
  A_LIKE,     /* args[0] LIKE args[1] [ESCAPE args[2]]; flag 1 = NOT */
  A_EXTRACT,  /* text = unit, args[0] */
  A_FLOORTO,  /* FLOOR(args[0] TO unit): text = unit; flag 1 = CEIL */
  A_EXISTS,   /* [NOT] EXISTS (sub); flag 1 = NOT */
  A_INSUB,    /* args[0] [NOT] IN (sub); flag 1 = NOT */
} sql_expr_kind;

/* ORDER BY items (in OVER windows). nulls: 0 = default (Flink: NULLS FIRST for ASC, NULLS LAST
 * for DESC), 1 = NULLS FIRST, 2 = NULLS LAST. */
typedef struct sql_order {
  struct sql_expr *e;
  bool desc;
  uint8_t nulls;
  uint32_t off;
} sql_order;

/* The frame of an OVER window. */
typedef enum sql_frame_kind { FRAME_NONE = 0, FRAME_ROWS, FRAME_RANGE } sql_frame_kind;

/* OVER (PARTITION BY ... ORDER BY ... [ROWS|RANGE BETWEEN lo PRECEDING AND CURRENT ROW]).
 * `ROWS n PRECEDING` alone means BETWEEN n PRECEDING AND CURRENT ROW. lo: an A_INT (ROWS) or
 * A_INTERVAL (RANGE) expression; NULL with lo_unbounded for UNBOUNDED PRECEDING, NULL without it
 * for CURRENT ROW. Only CURRENT ROW is accepted as the upper bound (a located error otherwise).
 * The parser guarantees: lo is a non-negative A_INT for ROWS and a non-negative A_INTERVAL for
 * RANGE; FOLLOWING bounds and named windows (OVER w) are located errors. off is the OVER
 * keyword, frame_off the ROWS/RANGE keyword (frame = FRAME_NONE when no frame is written). */
typedef struct sql_over {
  uint32_t off;
  const char *name; /* OVER w: resolved by the parser from the SELECT's WINDOW clause */
  struct sql_expr **part;
  int npart;
  sql_order *order;
  int norder;
  int frame; /* sql_frame_kind */
  uint32_t frame_off;
  struct sql_expr *lo;
  bool lo_unbounded;
} sql_over;

typedef enum sql_op {
  OP_NONE = 0,
  OP_OR,
  OP_AND,
  OP_EQ,
  OP_NE,
  OP_LT,
  OP_LE,
  OP_GT,
  OP_GE,
  OP_CONCAT,
  OP_ADD,
  OP_SUB,
  OP_MUL,
  OP_DIV,
  OP_MOD,
  OP_NEG,
  OP_NOT,
} sql_op;

typedef struct sql_expr sql_expr;
struct sql_expr {
  uint8_t kind, op, flag;
  uint32_t height; /* 1 + the tallest argument, FILTER condition or OVER expression (bounded by
                      the parser) */
  uint32_t off;
  const char *text;
  size_t tlen;
  const char **names;
  int nnames;
  sql_expr **args;
  int nargs;
  sl_type type;
  int64_t ival;
  sql_expr *filter;      /* A_FUNC: agg(x) FILTER (WHERE filter) */
  sql_over *over;        /* A_FUNC: f(x) OVER (...) */
  struct sql_query *sub; /* A_EXISTS, A_INSUB */
};

typedef struct sql_query sql_query;

typedef struct sql_select_item {
  sql_expr *e; /* A_STAR for * and t.* */
  const char *alias;
  uint32_t off;
} sql_select_item;

typedef enum sql_from_kind { FROM_TABLE = 1, FROM_SUBQUERY, FROM_TVF, FROM_JOIN } sql_from_kind;

/* FROM_JOIN: left JOIN right; a comma is a CROSS join. A chain a JOIN b JOIN c nests to the
 * left: ((a JOIN b) JOIN c). */
typedef enum sql_join_kind {
  SJ_INNER = 1,
  SJ_LEFT,
  SJ_RIGHT,
  SJ_FULL,
  SJ_CROSS, /* CROSS JOIN, or a comma */
} sql_join_kind;

/* FROM_TVF: a windowing table-valued function, Flink's syntax:
 *   TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), size [, offset]))
 *   TABLE(HOP(TABLE t, DESCRIPTOR(ts), slide, size [, offset]))
 *   TABLE(CUMULATE(TABLE t, DESCRIPTOR(ts), step, size [, offset]))
 *   TABLE(SESSION(TABLE t [PARTITION BY k, ...], DESCRIPTOR(ts), gap))
 * Named arguments (DATA => TABLE t, TIMECOL => DESCRIPTOR(ts), SIZE =>, SLIDE =>, STEP =>,
 * GAP =>, OFFSET =>) are put into this positional order by the parser. The input is
 * `TABLE name` or a parenthesised query. The interval arguments are expressions (the binder
 * requires constant INTERVAL DAY TO SECOND values). nargs counts only what was given: TUMBLE 1
 * or 2 (size, offset), HOP 2 or 3 (slide, size, offset), CUMULATE 2 or 3 (step, size, offset),
 * SESSION 1 (gap). SESSION's keys are written PARTITION BY k1, k2 or PARTITION BY (k1, k2);
 * PARTITION BY on another TVF is a located error. The input has no alias; the sql_from holding
 * the TVF carries the alias written after TABLE(...). fn_off is the function name's offset;
 * sql_from.off the TABLE keyword's. */
typedef struct sql_tvf {
  const char *fn; /* "TUMBLE", "HOP", "CUMULATE", "SESSION" (upper case) */
  uint32_t fn_off;
  struct sql_from *input; /* FROM_TABLE or FROM_SUBQUERY */
  const char *timecol;    /* DESCRIPTOR(timecol) */
  bool timecol_quoted;
  uint32_t timecol_off;
  struct sql_expr **args; /* the intervals after the descriptor, in the order above */
  int nargs;
  struct sql_expr **part; /* SESSION ... PARTITION BY */
  int npart;
} sql_tvf;

typedef struct sql_from {
  int kind;
  const char *name; /* FROM_TABLE */
  bool quoted;
  uint32_t off;   /* FROM_JOIN: the JOIN keyword (or the comma) */
  sql_query *sub; /* FROM_SUBQUERY */
  sql_tvf *tvf;   /* FROM_TVF */
  const char *alias;
  struct sql_expr *as_of; /* FROM_TABLE: FOR SYSTEM_TIME AS OF as_of */
  uint32_t as_of_off;
  /* FROM_JOIN */
  int join; /* sql_join_kind */
  struct sql_from *left, *right;
  struct sql_expr *on;     /* NULL: none (CROSS, comma, USING) */
  const char **using_cols; /* USING (a, b) */
  uint32_t *using_offs;
  int nusing;
} sql_from;

/* A query hint: the comment that opens with slash-star-plus right after SELECT, holding
 * NAME('k' = 'v', ...) or NAME(a, b) items. */
typedef struct sql_hint {
  const char *name;
  uint32_t off;
  struct sql_option *kv; /* 'k' = 'v' pairs */
  int nkv;
  const char **args; /* plain identifiers */
  int nargs;
} sql_hint;

typedef struct sql_cte {
  const char *name;
  uint32_t off;
  sql_query *q;
} sql_cte;

typedef enum sql_query_kind { Q_SELECT = 1, Q_UNION_ALL } sql_query_kind;

struct sql_query {
  int kind;
  uint32_t off;
  sql_query **terms; /* Q_UNION_ALL: its inputs, in order (one n-ary node for a chain) */
  int nterms;
  sql_cte *ctes;
  int nctes;
  bool distinct;
  sql_select_item *items;
  int nitems;
  sql_from *from; /* NULL: SELECT without FROM (one row) */
  sql_expr *where;
  /* every distinct grouping expression once, in order of first appearance (distinct: not
   * structurally equal; unquoted names compare case-insensitively, (a + 1) equals a + 1, calls
   * with FILTER or OVER never merge). GROUP BY a, A has ngroup = 1. */
  sql_expr **group_by;
  int ngroup;
  uint32_t group_off;
  /* GROUPING SETS / ROLLUP / CUBE, expanded by the parser: ngsets sets, each a list of
   * indexes into group_by (gset_n[i] of them; an empty set is the grand total). ngsets = 0 for
   * a plain GROUP BY. Plain items mixed with sets multiply out as in SQL:
   * GROUP BY a, ROLLUP(b, c) = GROUPING SETS ((a, b, c), (a, b), (a)).
   * ngsets > 0 exactly when GROUPING SETS, ROLLUP, CUBE or () was written (GROUP BY () is one
   * empty set with ngroup = 0; GROUP BY (a, b) is plain). Within a set the indexes are distinct,
   * in order of first appearance; repeated sets are kept (GROUPING SETS ((a), (a)) has two).
   * ROLLUP(a, b) = (a, b), (a), (); CUBE(a, b) = (a, b), (a), (b), () (PostgreSQL's order);
   * ROLLUP/CUBE items may be composite: ROLLUP((a, b), c). At most 4096 sets. */
  int **gsets;
  int *gset_n;
  int ngsets;
  sql_expr *having;
  sql_hint *hints; /* the hint comment after SELECT */
  int nhints;
  uint32_t order_off, limit_off; /* non-zero when present (not supported yet) */
};

typedef struct sql_column_def {
  const char *name;
  uint32_t off;
  sl_type type;
  bool not_null;
  sql_expr *computed; /* c AS expr */
  bool metadata;
  const char *meta_key;
  /* ROW<f type, ...> or ROW(f type, ...): its fields (nfields >= 1; type is unused), each a
   * column definition of its own (nested ROWs nest). The parser guarantees: no empty ROW, no
   * field named twice in one ROW (case-insensitively), no '.' in the name of a ROW column or
   * of a field of one, at most SQL_MAX_ROW_DEPTH ROW levels. */
  struct sql_column_def *fields;
  int nfields;
} sql_column_def;
#define SQL_MAX_ROW_DEPTH 16

typedef struct sql_option {
  const char *key, *value;
  uint32_t key_off, val_off;
} sql_option;

typedef enum sql_stmt_kind {
  S_CREATE_TABLE = 1,
  S_CREATE_VIEW,
  S_INSERT,
  S_SET,
  S_STATEMENT_SET
} sql_stmt_kind;

typedef struct sql_stmt sql_stmt;
struct sql_stmt {
  int kind;
  uint32_t off;
  const char *name;
  uint32_t name_off;
  bool if_not_exists, has_columns;
  sql_column_def *cols;
  int ncols;
  const char *wm_col;
  uint32_t wm_off;
  sql_expr *wm_expr;
  const char **pk;
  uint32_t *pk_off;
  int npk;
  const char **part; /* PARTITIONED BY */
  uint32_t *part_offs, part_off;
  int npart;
  sql_option *opts;
  int nopts;
  sql_query *query;
  const char **insert_cols;
  uint32_t *insert_col_off;
  int ninsert_cols;
  sql_stmt **stmts; /* S_STATEMENT_SET */
  int nstmts;
};

typedef struct sql_script {
  sql_stmt **stmts;
  int n;
} sql_script;

sl_status sql_parse(const sl_source *src, sql_dialect d, sl_arena *a, sql_script *out, sl_error *e);
/* Parses one expression (the whole text must be one expression). */
sl_status sql_parse_expr(const sl_source *src, sql_dialect d, sl_arena *a, sql_expr **out,
                         sl_error *e);
/* ---- lineage of PostgreSQL statements (parse_pg.c; used by `sluice inventory`) ----
 * Names are lower-cased unless quoted (quotes removed) and qualified as written ("s.t"). */
enum {
  SQL_PG_WHERE = 1 << 0,      /* a WHERE clause (filtering/routing) */
  SQL_PG_DATE_TRUNC = 1 << 1, /* date_trunc(...) or a time bucket */
  SQL_PG_RECENT = 1 << 2,     /* now()/current_date/current_timestamp in a condition */
  SQL_PG_WINDOW_FN = 1 << 3,  /* a window function (OVER) */
  SQL_PG_TRUNCATE = 1 << 4,   /* TRUNCATE */
  SQL_PG_DELETE_ALL = 1 << 5, /* DELETE without WHERE */
  SQL_PG_UPSERT = 1 << 6,     /* INSERT ... ON CONFLICT, MERGE */
  SQL_PG_EXPORT = 1 << 7,     /* COPY ... TO */
  SQL_PG_IMPORT = 1 << 8,     /* COPY ... FROM */
  SQL_PG_DYNAMIC = 1 << 9,    /* EXECUTE of dynamic SQL (its tables are unknown) */
  SQL_PG_UPDATE = 1 << 10,    /* UPDATE or DELETE ... WHERE */
  SQL_PG_DISTINCT = 1 << 11,
  SQL_PG_INSERT = 1 << 12, /* INSERT (or CREATE TABLE AS / SELECT INTO) */
};

typedef struct sql_names {
  const char **v;
  int n, cap;
} sql_names;

typedef struct sql_pg_stmt {
  const char *kind;              /* "select", "insert", "create table as", ... */
  sql_names reads, writes;       /* CTE names are not counted */
  sql_names temps;               /* temporary tables (and views) this statement creates */
  sql_names calls;               /* functions called (to resolve functions defined elsewhere) */
  sql_names files_in, files_out; /* COPY FROM / TO a file or program */
  sql_names search_path;         /* SET search_path: the schemas ("" for RESET) */
  bool sets_search_path;
  const char *view;       /* CREATE VIEW / MATERIALIZED VIEW: the name (reads: its query's) */
  bool matview;           /* ... MATERIALIZED (also a write) */
  bool refresh;           /* REFRESH MATERIALIZED VIEW (writes[0]) */
  const char *function;   /* CREATE FUNCTION / PROCEDURE: the name (reads/writes: its body's) */
  const char *trigger_on; /* CREATE TRIGGER ... ON table ... EXECUTE FUNCTION calls.v[0] */
  unsigned flags;         /* SQL_PG_* */
  int joins, groups;      /* JOINs (and comma joins) and GROUP BYs in the statement */
} sql_pg_stmt;

/* Lineage of ONE PostgreSQL statement: src->text[off, end). psql :variables and
 * meta-commands must already be handled by the caller. SL_ESQL with a position when the
 * statement is not SQL this parser takes. Strings live in a. */
sl_status sql_pg_lineage(const sl_source *src, size_t off, size_t end, sl_arena *a,
                         sql_pg_stmt *out, sl_error *e);
void sql_names_add(sl_arena *a, sql_names *l, const char *s); /* once each */
bool sql_names_has(const sql_names *l, const char *s);

/* Unquoted identifiers match case-insensitively; quoted ones exactly. */
bool sql_name_match(const char *declared, const char *ref, bool quoted);
const char *sql_op_text(int op);

/* print.c: the AST back to Flink SQL text, appended to b (sluice migrate writes its pipelines
 * with these). Names are backquoted when they are not plain lower-case words or are keywords. */
void sql_print_expr(sl_buf *b, const sql_expr *x);
void sql_print_query(sl_buf *b, const sql_query *q);
void sql_print_name(sl_buf *b, const char *n, bool quoted);
void sql_print_string(sl_buf *b, const char *s, size_t n);
void sql_print_type(sl_buf *b, sl_type t);
void sql_print_interval(sl_buf *b, int64_t ms);

#endif
