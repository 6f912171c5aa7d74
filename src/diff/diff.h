/* diff.h - `sluice diff`: two result sets compared key by key. Public header of the diff
 * subsystem: options, the reader of JSON-lines and CSV files into untyped cells, the value
 * semantics (exact decimal comparison, tolerances, timestamps as instants), the engine (a key,
 * a value fingerprint and a position per row, in memory or hash-partitioned to temporary files
 * past a memory bound; rows read again only where fingerprints differ) and the reports (text,
 * JSON, HTML, history lines).
 *
 * Values are untyped cells as read: NULL, a JSON number, a JSON string, true/false, or CSV
 * text. Two cells compare as numbers when both read as numbers (unless both are JSON strings),
 * as instants when both read as timestamps, else as text. Numbers never go through a double:
 * "1", "1.0" and "1e0" are equal. */
#ifndef SLUICE_DIFF_H
#define SLUICE_DIFF_H

#include "../base/base.h"

typedef enum diff_tag { DT_NULL = 0, DT_NUM, DT_STR, DT_BOOL, DT_TEXT /* CSV field */ } diff_tag;

/* A number as digits * 10^exp, digits without leading or trailing zeros ("" for zero). */
typedef struct diff_num {
  bool neg;
  int32_t exp;
  uint16_t ndig;
  char dig[80];
} diff_num;

/* Parses decimal text ([+-]digits[.digits][e[+-]digits], spaces around allowed): false when
 * it is not a number or has more than 80 significant digits. */
bool diff_num_parse(const char *s, size_t n, diff_num *out);
int diff_num_cmp(const diff_num *a, const diff_num *b);
/* |a - b| <= abs (abs may be NULL) and, when pct is given, |a - b| * 100 <= pct * max(|a|,|b|). */
bool diff_num_within(const diff_num *a, const diff_num *b, const diff_num *abs,
                     const diff_num *pct);
void diff_num_format(const diff_num *a, sl_buf *out); /* canonical text: "-12.5", "1E+30" */

/* Timestamp truncation units. */
typedef enum diff_trunc { TR_NONE = 0, TR_MS, TR_SECOND, TR_MINUTE, TR_HOUR, TR_DAY } diff_trunc;

/* Per-column (or default) comparison settings. */
typedef struct diff_tol {
  const char *col; /* NULL: the default for every column */
  bool has_abs, has_pct;
  diff_num abs, pct;
} diff_tol;

typedef struct diff_trunc_opt {
  const char *col; /* NULL: every column */
  diff_trunc unit;
} diff_trunc_opt;

typedef struct diff_map {
  const char *left, *right;
} diff_map;

typedef enum diff_fmt { DF_AUTO = 0, DF_JSON, DF_CSV } diff_fmt;

typedef struct diff_opts {
  const char **keys; /* key columns (LEFT names) */
  int nkeys;
  const char **ignore;
  int nignore;
  diff_map *maps;
  int nmaps;
  diff_tol *tols;
  int ntols;
  diff_trunc_opt *truncs;
  int ntruncs;
  const char *window_col; /* NULL: no per-window summary */
  int samples;            /* how many differences to show (default 10) */
  size_t memory;          /* bytes; past it inputs are hash-partitioned to temporary files */
  const char *tmpdir;     /* NULL: $TMPDIR or /tmp */
  diff_fmt in_fmt;        /* DF_AUTO: by extension */
  const char *left_name, *right_name; /* as given, for the report */
} diff_opts;

/* ---- rows: cells read from an input, columns numbered by name in diff_cols ---- */
typedef struct diff_cols {
  char **names;
  int n, cap;
  uint8_t *seen; /* bit 1: in LEFT, bit 2: in RIGHT */
} diff_cols;

/* One row handed out by a reader: cells in the order read, columns by name. */
typedef struct diff_cell {
  const char *name;
  size_t nlen;
  diff_tag tag;
  const char *s;
  size_t len;
} diff_cell;

/* Where a row is in its input: a byte offset and length (the bytes fetched to read it again). */
typedef struct diff_pos {
  uint64_t off;
  uint32_t len;
} diff_pos;

typedef sl_status (*diff_row_fn)(void *ctx, const diff_cell *cells, int n, const diff_pos *pos,
                                 sl_error *e);
/* A JSON-lines or CSV input (fmt DF_AUTO: by extension, .csv is CSV, else JSON lines; "-" is
 * standard input). Standard input and FIFOs are copied to an unlinked file in tmpdir (NULL:
 * $TMPDIR or /tmp) so that rows can be read again. Errors name the file and line. */
typedef struct diff_reader diff_reader;
sl_status diff_reader_open(const char *path, diff_fmt fmt, const char *tmpdir, diff_reader **out,
                           sl_error *e);
/* Calls fn per row, with its position. */
sl_status diff_reader_scan(diff_reader *d, diff_row_fn fn, void *ctx, sl_error *e);
/* Reads the row at pos again (after the scan); its cells stay valid until the next fetch. */
sl_status diff_reader_fetch(diff_reader *d, const diff_pos *pos, const diff_cell **cells, int *n,
                            sl_error *e);
void diff_reader_free(diff_reader *d);

/* ---- the result ---- */
typedef struct diff_sample {
  uint64_t order;     /* position in LEFT (or past it, in RIGHT): samples are the first ones */
  const char *kind;   /* "missing", "extra", "differing", "duplicate" */
  char *key;          /* JSON object text */
  char *left, *right; /* JSON object text or NULL */
  char *cols;         /* JSON array of differing column names, or NULL */
} diff_sample;

typedef struct diff_window {
  char *value; /* the window column's value as text */
  int64_t left_rows, right_rows, matching, missing, extra, differing, duplicate_keys;
} diff_window;

typedef struct diff_result {
  int64_t left_rows, right_rows, matching, missing, extra, differing, duplicate_keys, null_keys;
  bool equal;
  diff_cols cols;
  int64_t *col_diffs; /* per column of cols */
  bool *col_value;    /* per column: compared (not a key, not ignored) */
  diff_sample *samples;
  int nsamples;
  diff_window *windows;
  int nwindows, capwindows;
  int partitions;
  double seconds, cpu_seconds;
} diff_result;

/* Runs the whole diff. Returns SL_OK (the result says whether the inputs are equal) or an
 * error (bad input, I/O). */
sl_status diff_run(const char *left, const char *right, const diff_opts *o, diff_result *r,
                   sl_error *e);
void diff_result_free(diff_result *r);

/* ---- reports ---- */
typedef enum diff_report { DR_TEXT = 0, DR_JSON, DR_HTML } diff_report;
void diff_report_write(const diff_result *r, const diff_opts *o, diff_report f, FILE *out);
/* One compact JSON line: time, inputs, equal and the counts. */
void diff_history_line(const diff_result *r, const diff_opts *o, sl_buf *out);
/* Appends the line to path; then *clean is whether the last n lines are all "equal": true
 * (fewer than n lines: false). */
sl_status diff_history(const char *path, const diff_result *r, const diff_opts *o, int n,
                       bool *clean, int *have, sl_error *e);

/* Bytes such that two cells with equal bytes are equal under diff_cell_equal, whatever the
 * tolerance or truncation (with the kind): a number (not a JSON string) as sign, exponent and
 * digits, a date or timestamp (a JSON string or CSV text) as its instant, anything else as it
 * is. Unequal bytes say nothing (a JSON string "1" equals the number 1.0). The fingerprints are
 * made of these. */
typedef struct diff_canon {
  char kind;     /* '#' number, 'T' instant, 'S' the bytes as they are */
  const char *p; /* the bytes: buf, or the cell's own */
  size_t n;
  char buf[96];
} diff_canon;
void diff_value_canon(diff_tag tag, const char *s, size_t n, diff_canon *out);

/* ---- internals shared by the files of src/diff ---- */
int diff_col_id(diff_cols *c, const char *name, size_t n);
/* Where temporary files go: --tmpdir, else $TMPDIR, else /tmp. */
const char *diff_tmpdir(const char *opt);
void diff_cols_free(diff_cols *c);
/* The canonical form of a key cell appended to out (numbers and timestamps by value). */
void diff_key_canon(diff_tag tag, const char *s, size_t n, sl_buf *out);
/* Whether two cells are equal under the column's tolerance and truncation. */
bool diff_cell_equal(diff_tag ta, const char *a, size_t na, diff_tag tb, const char *b, size_t nb,
                     const diff_tol *tol, diff_trunc tr);
/* A cell as text: numbers canonical, timestamps as UTC "yyyy-MM-dd HH:mm:ss[.SSS]". */
void diff_cell_text(diff_tag tag, const char *s, size_t n, sl_buf *out);
/* A cell as a JSON value. */
void diff_cell_json(diff_tag tag, const char *s, size_t n, sl_buf *out);

#endif
