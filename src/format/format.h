/* format.h - record formats (json, csv): decoders that parse only the columns a plan needs
 * straight into row cells, encoders that write rows, and the option tables every connector and
 * format declares (these tables also generate docs/connectors.md). Public header of the format
 * subsystem.
 *
 * Decoder contract: decode() is given the unread rest of the input [p, p+n) and consumes one
 * record (framing is the format's business: CSV records may span lines). It reports how many
 * bytes and lines it consumed, writes the needed columns of `row` (the others are left alone
 * and stay NULL), and puts strings that are not plain slices of the input into `a`. On a bad
 * record it still consumes it, returns SL_EDATA and writes the reason into why.
 * To add a format: copy format/csv.c's tables and callbacks and add a row to fmt_defs[]. */
#ifndef SLUICE_FORMAT_H
#define SLUICE_FORMAT_H

#include "../value/value.h"

/* ---- option tables ---- */

typedef enum opt_kind {
  OPT_STRING,
  OPT_BOOL,
  OPT_INT,
  OPT_ENUM,
  OPT_CHAR,
  OPT_DURATION, /* '1s', '500 ms', '10 min', '1 h' (Flink's duration syntax); a bare number is ms */
  OPT_SIZE,     /* '64mb', '1 kb', '1048576' (Flink's memory size syntax); a bare number is bytes */
} opt_kind;

typedef struct opt_def {
  const char *key;
  opt_kind kind;
  const char *def;     /* default shown in docs and used when absent; NULL = none */
  const char *choices; /* OPT_ENUM: "a|b|c" */
  bool required;
  const char *doc;
} opt_def;

/* One WITH option, and a table's options after ${VAR} substitution and --set overrides (the
 * planner fills these; format/ does not depend on the SQL front end). */
typedef struct opt_kv {
  const char *key, *value;
} opt_kv;
typedef struct opt_list {
  const opt_kv *v;
  int n;
} opt_list;

/* The value of key (or the table default when absent). */
const char *opt_get(const opt_list *o, const opt_def *defs, const char *key);
bool opt_get_bool(const opt_list *o, const opt_def *defs, const char *key);
/* Checks values against their kinds (bool, int, enum, single char, duration, size). */
const char *opt_check_value(const opt_def *d, const char *value, sl_arena *a);
/* Durations to milliseconds and sizes to bytes (units case-insensitive, spaces allowed);
 * SL_ESQL when the text is not one. */
sl_status opt_parse_duration(const char *s, int64_t *ms);
sl_status opt_parse_size(const char *s, int64_t *bytes);

/* ---- decoders and encoders ---- */

typedef struct fmt_schema {
  int ncols;
  const char *const *names;
  const sl_type *types;
  const bool *needed;   /* NULL = all */
  int64_t tz_offset_ms; /* session zone, for showing TIMESTAMP_LTZ */
  /* ROW columns are flattened: a column `bid ROW<auction BIGINT, ...>` becomes physical leaf
   * columns named "bid.auction" ...; nest[i] is how many ROW levels lead to column i (0 for a
   * plain column, 1 for "bid.auction", 2 for "a.b.c"), so a name such as `a.b` declared with
   * backquotes (nest 0) is one field, not a path. NULL = all 0. */
  const uint8_t *nest;
} fmt_schema;

typedef struct fmt_rec {
  size_t consumed; /* bytes of this record including its terminator */
  uint32_t lines;  /* line breaks consumed */
  bool no_row;     /* consumed something that is not a record (blank line, header) */
  uint8_t kind;    /* the row's change kind (sl_rowkind); +I unless the format is a changelog */
  bool again;      /* the record holds another row (an update's +U after its -U): consumed is
                      0 and the caller decodes the same bytes once more for it */
} fmt_rec;

typedef struct fmt_decoder fmt_decoder;
typedef struct fmt_decoder_vt {
  /* Called at the start of every input file (CSV reads its header here). */
  void (*file_start)(fmt_decoder *d);
  sl_status (*decode)(fmt_decoder *d, const char *p, size_t n, fmt_rec *rec, sl_value *row,
                      sl_arena *a, char *why, size_t whyn);
  void (*free)(fmt_decoder *d);
} fmt_decoder_vt;

struct fmt_decoder {
  const fmt_decoder_vt *vt;
  fmt_schema schema;
};

typedef struct fmt_encoder fmt_encoder;
typedef struct fmt_encoder_vt {
  void (*header)(fmt_encoder *e, sl_buf *out); /* once per output file, may be NULL */
  void (*encode)(fmt_encoder *e, const sl_value *row, sl_buf *out);
  void (*free)(fmt_encoder *e);
  /* Changelog formats: encodes a row with its change kind (sl_rowkind). NULL otherwise. */
  void (*encode_change)(fmt_encoder *e, int kind, const sl_value *row, sl_buf *out);
} fmt_encoder_vt;

struct fmt_encoder {
  const fmt_encoder_vt *vt;
  fmt_schema schema;
};

typedef struct fmt_def {
  const char *name;
  const opt_def *opts; /* keys carry the format prefix, e.g. "json.ignore-parse-errors" */
  const char *doc;
  fmt_decoder *(*decoder_new)(const fmt_schema *s, const opt_list *o);
  fmt_encoder *(*encoder_new)(const fmt_schema *s, const opt_list *o);
  bool changelog; /* rows carry change kinds: the decoder sets rec.kind, the encoder writes them */
} fmt_def;

const fmt_def *fmt_lookup(const char *name);
const fmt_def *const *fmt_table(int *n);

/* Text (from CSV, or a JSON string for a non-string column) to a typed cell. Returns false with
 * a reason in why. Strings are sliced, not copied. */
bool fmt_text_to_value(const char *s, size_t n, sl_type t, sl_value *out, char *why, size_t whyn);
/* JSON string escaping of s into out (without the quotes). Invalid UTF-8 becomes U+FFFD (one
 * per maximal invalid subsequence, as Java's decoders do), so the output is always valid. */
void fmt_json_escape(const char *s, size_t n, sl_buf *out);
/* A row as one JSON object {"name": value, ...} (numbers and booleans bare, everything else as
 * its printed text in a string): how dead-letter records show rows that have no raw text. */
void fmt_row_json(const char *const *names, const sl_type *types, int n, const sl_value *row,
                  sl_buf *out);
/* Whether s is valid UTF-8; s with each invalid sequence replaced by U+FFFD, appended to out. */
bool fmt_utf8_valid(const char *s, size_t n);
void fmt_utf8_sanitize(const char *s, size_t n, sl_buf *out);
/* 3 when p starts with a UTF-8 byte-order mark (the filesystem source skips it at offset 0). */
size_t fmt_bom(const char *p, size_t n);

extern const fmt_def fmt_json_def, fmt_csv_def, fmt_debezium_json_def, fmt_changelog_json_def;
/* The JSON encoder (json_enc.c), for fmt_json_def. */
fmt_encoder *fmt_json_encoder_new(const fmt_schema *s, const opt_list *o);

#endif
