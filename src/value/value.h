/* value.h - SQL types, the value cell, row batches, exact DECIMAL arithmetic and date/time
 * conversions. Public header of the value subsystem.
 *
 * A value is 24 bytes: a payload union, a string length and a NULL flag. Strings are never
 * owned by a value: they point into the input buffer (zero-copy decode) or into the arena of
 * the batch that holds the row. A batch owns its cells and its arena; a row is valid until the
 * batch is cleared. Rows are row-major: row r is batch->v + r * batch->ncols.
 *
 * Representations: BOOLEAN/INT/BIGINT in i; FLOAT/DOUBLE in d; DECIMAL(p,s) as a 128-bit
 * unscaled integer in dec; DATE as days since 1970-01-01 in i; TIMESTAMP(3) as wall-clock
 * milliseconds since 1970-01-01 00:00 in i; TIMESTAMP_LTZ(3) as UTC epoch milliseconds in i;
 * INTERVAL (day-time) as milliseconds in i. */
#ifndef SLUICE_VALUE_H
#define SLUICE_VALUE_H

#include "../base/base.h"

typedef enum sl_type_id {
  T_NULL = 0, /* the type of the NULL literal before it meets a context */
  T_BOOLEAN,
  T_INT,
  T_BIGINT,
  T_FLOAT,
  T_DOUBLE,
  T_DECIMAL,
  T_STRING,
  T_DATE,
  T_TIMESTAMP,
  T_TIMESTAMP_LTZ,
  T_INTERVAL,
  T__COUNT
} sl_type_id;

typedef struct sl_type {
  uint8_t id;
  uint8_t prec;  /* DECIMAL precision (1..38); TIMESTAMP precision (0..3 kept as given) */
  uint8_t scale; /* DECIMAL scale */
  uint8_t pad;
  int32_t len; /* VARCHAR(n) length, 0 = STRING */
} sl_type;

typedef struct sl_value {
  union {
    int64_t i;
    double d;
    const char *s;
    struct {
      uint64_t lo;
      int64_t hi;
    } dec;
  } u;
  uint32_t len;
  uint8_t null;
} sl_value;

/* Where a row came from, for dead-letter records and located runtime errors. */
typedef struct sl_rowpos {
  uint32_t source; /* index of the source in the job */
  uint32_t file;   /* index of the file in that source */
  uint64_t line;   /* 1-based line (first line of the record) */
} sl_rowpos;

/* The change a row carries, as Flink's RowKind: an append-only stream has only +I; an updating
 * stream retracts a previous row (-U, then its replacement +U) or deletes one (-D). */
typedef enum sl_rowkind {
  RK_INSERT = 0,    /* +I */
  RK_UPDATE_BEFORE, /* -U */
  RK_UPDATE_AFTER,  /* +U */
  RK_DELETE,        /* -D */
} sl_rowkind;
/* "+I", "-U", "+U", "-D" */
const char *rowkind_short(int kind);

typedef struct sl_batch {
  int ncols, nrows, cap;
  sl_value *v;
  sl_rowpos *pos;
  uint8_t *kind; /* sl_rowkind per row; all RK_INSERT (0) in an append-only stream */
  sl_arena arena;
} sl_batch;

#define BATCH_ROWS 1024

static inline sl_type type_make(sl_type_id id) {
  sl_type t = {(uint8_t)id, 0, 0, 0, 0};
  if (id == T_TIMESTAMP || id == T_TIMESTAMP_LTZ) t.prec = 3;
  return t;
}
static inline sl_type type_decimal(int p, int s) {
  sl_type t = {T_DECIMAL, (uint8_t)p, (uint8_t)s, 0, 0};
  return t;
}
bool type_is_numeric(sl_type t);
bool type_is_integer(sl_type t);
bool type_is_time(sl_type t);
bool type_equal(sl_type a, sl_type b);
/* "DECIMAL(10, 2)", "TIMESTAMP(3)", "STRING" ... into a static-per-call-site buffer. */
const char *type_name(sl_type t, char *buf, size_t n);
/* Integer types as decimals: INT -> DECIMAL(10,0), BIGINT -> DECIMAL(19,0). */
sl_type type_as_decimal(sl_type t);

static inline sl_value value_null(void) {
  sl_value v;
  v.u.i = 0;
  v.len = 0;
  v.null = 1;
  return v;
}
static inline sl_value value_int(int64_t i) {
  sl_value v;
  v.u.i = i;
  v.len = 0;
  v.null = 0;
  return v;
}
static inline sl_value value_double(double d) {
  sl_value v;
  v.u.d = d;
  v.len = 0;
  v.null = 0;
  return v;
}
static inline sl_value value_str(const char *s, size_t n) {
  sl_value v;
  v.u.s = s;
  v.len = (uint32_t)n;
  v.null = 0;
  return v;
}
static inline __int128 value_dec(const sl_value *v) {
  return (__int128)(((unsigned __int128)(uint64_t)v->u.dec.hi << 64) | v->u.dec.lo);
}
static inline sl_value value_decimal(__int128 x) {
  sl_value v;
  v.u.dec.lo = (uint64_t)x;
  v.u.dec.hi = (int64_t)(x >> 64);
  v.len = 0;
  v.null = 0;
  return v;
}

/* Text forms. value_format is CAST(v AS STRING); value_print is the form used by the print
 * sink and CSV (same as value_format but BOOLEAN is lower case). */
void value_format(const sl_value *v, sl_type t, sl_buf *out);
void value_print(const sl_value *v, sl_type t, sl_buf *out);
/* TIMESTAMP_LTZ shown in a session zone (offset in ms): value_format_tz is CAST AS STRING,
 * value_print_tz the print sink. Without _tz an LTZ is written in UTC with a trailing Z. */
void value_format_tz(const sl_value *v, sl_type t, int64_t tz_ms, sl_buf *out);
void value_print_tz(const sl_value *v, sl_type t, int64_t tz_ms, sl_buf *out);
void double_format(double d, bool is_float, sl_buf *out); /* Java Double/Float.toString */
int double_chars(double d, bool is_float, char *out);     /* the same into out[40] */
/* Numbers from text (spaces and tabs around them allowed): an optionally signed decimal
 * integer that fits 64 bits; a decimal floating-point number (no hex, NaN/Infinity allowed).
 * The one parser used by CAST and by the decoders. */
bool text_to_int64(const char *s, size_t n, int64_t *out);
bool text_to_double(const char *s, size_t n, double *out);
/* CAST(text AS INT/BIGINT) as Flink parses it (BinaryStringDataUtil.toLong): an optional sign,
 * digits, and an optional '.' followed only by digits, which are dropped ('1.9' is 1). */
bool text_to_int64_cast(const char *s, size_t n, int64_t *out);
/* CAST(text AS BOOLEAN): t/true/y/yes/1 and f/false/n/no/0 in any case (Flink's lists). */
bool text_to_bool(const char *s, size_t n, bool *out);
/* Order and equality of two non-NULL values of the same type; strings bytewise. */
int value_compare(const sl_value *a, const sl_value *b, sl_type t);

/* ---- batches ---- */
void batch_init(sl_batch *b, int ncols, int cap);
void batch_clear(sl_batch *b); /* nrows = 0 and the arena rewound; cells keep their values */
void batch_free(sl_batch *b);
static inline sl_value *batch_row(const sl_batch *b, int r) { return b->v + (size_t)r * b->ncols; }

/* ---- DECIMAL ---- */
#define DEC_MAX_PREC 38
extern const __int128 dec_pow10[39];
/* Parse text (optional sign, digits, '.', exponent) into unscaled value at `scale`, rounding
 * HALF_UP; fails (returns false) on bad syntax or when the result needs more than prec digits. */
bool dec_parse(const char *s, size_t n, int prec, int scale, __int128 *out);
/* Change scale with HALF_UP rounding; false when the result does not fit prec digits. */
bool dec_rescale(__int128 v, int from, int to, int prec, __int128 *out);
bool dec_fits(__int128 v, int prec);
void dec_format(__int128 v, int scale, sl_buf *out);
double dec_to_double(__int128 v, int scale);
bool dec_from_double(double d, int prec, int scale, __int128 *out);
int dec_digits(__int128 v);
/* Exact a (scale sa) op b (scale sb) into unscaled *out at `scale`, HALF_UP, as Flink's
 * DecimalDataUtils does (division: the quotient is first rounded to 38 significant digits).
 * False when the result needs more than prec digits (Flink's NULL). dec_div and dec_mod need
 * b != 0. The intermediate is 256 bits, so no operand size loses a digit. */
bool dec_add(__int128 a, int sa, __int128 b, int sb, int prec, int scale, __int128 *out);
bool dec_mul(__int128 a, int sa, __int128 b, int sb, int prec, int scale, __int128 *out);
bool dec_div(__int128 a, int sa, __int128 b, int sb, int prec, int scale, __int128 *out);
bool dec_mod(__int128 a, int sa, __int128 b, int sb, int prec, int scale, __int128 *out);

/* ---- date and time ---- */
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);
void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);
/* Parses "yyyy-MM-dd", "yyyy-MM-dd HH:mm[:ss[.f{1,9}]]" with ' ' or 'T', optional "Z" or
 * "+hh:mm"/"+hhmm"/"+hh". *offset_ms gets the zone offset (0 without one) and *has_zone whether
 * one was given; the result is the wall-clock millis as written. */
bool ts_parse(const char *s, size_t n, int64_t *ms, bool *has_zone, int64_t *offset_ms);
bool date_parse(const char *s, size_t n, int64_t *days);
/* "yyyy-MM-dd HH:mm:ss.SSS" (iso: 'T' separator, and a trailing 'Z' when zulu). */
void ts_format(int64_t ms, bool iso, bool zulu, sl_buf *out);
void date_format(int64_t days, sl_buf *out);
static inline int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
  return q;
}
static inline int64_t floor_mod(int64_t a, int64_t b) { /* no overflow near INT64_MIN */
  int64_t m = a % b;
  return m && ((m < 0) != (b < 0)) ? m + b : m;
}

/* ---- date/time patterns (datefmt.c) ---- */
/* Java SimpleDateFormat letters (yyyy MM dd HH mm ss SSS EEE MMM a ...): wall-clock millis as
 * text, and text parsed back (false when it does not match the pattern). */
void time_format_pattern(int64_t ms, const char *pat, size_t patlen, sl_buf *out);
bool time_parse_pattern(const char *s, size_t n, const char *pat, size_t patlen, int64_t *ms);

#endif
