/* fn_table.c - the scalar function table: name, arity, type check, evaluation and the docs
 * line (signature, description, an example expression and its printed result; `sluice docs
 * functions` prints it and the docs tests run every example). To add a function: write a check
 * (fn_check.c, or reuse one), an eval in the file of its family, declare both in fn.h and add
 * one row here. Also the per-node state hooks expr_prepare/expr_free_aux. Must not touch: rows,
 * batches, operators, the SQL front end (src/sql). */
#include <stdlib.h>
#include <string.h>

#include "fn.h"

/* ---- the table ---- */

#define STR "string"
#define MATH "math"
#define TIME "time"
#define COND "conditional"

static const fn_def fn_defs[] = {
    {"UPPER", 1, 1, chk_str, f_upper, true, STR, "UPPER(s)",
     "s in upper case (Unicode, as Java's toUpperCase: ß becomes SS)", "UPPER('Straße')",
     "STRASSE"},
    {"LOWER", 1, 1, chk_str, f_upper, true, STR, "LOWER(s)",
     "s in lower case (Unicode, as Java's toLowerCase, final sigma included)", "LOWER('ÉCOLE')",
     "école"},
    {"TRIM", 1, 2, chk_str, f_trim, true, STR, "TRIM([BOTH] [chars FROM] s)",
     "s without leading and trailing spaces (or the given characters)", "TRIM('  a b  ')", "a b"},
    {"LTRIM", 1, 2, chk_str, f_trim, true, STR, "LTRIM(s) / TRIM(LEADING chars FROM s)",
     "s without leading spaces (or characters)", "TRIM(LEADING 'x' FROM 'xxabcxx')", "abcxx"},
    {"RTRIM", 1, 2, chk_str, f_trim, true, STR, "RTRIM(s) / TRIM(TRAILING chars FROM s)",
     "s without trailing spaces (or characters)", "RTRIM('abc  ')", "abc"},
    {"SUBSTRING", 2, 3, chk_substring, f_substring, true, STR,
     "SUBSTRING(s FROM start [FOR len]) / SUBSTRING(s, start [, len])",
     "characters of s from 1-based start (0: the first; negative: from the end); '' when start is "
     "outside s, NULL when len is negative",
     "SUBSTRING('streaming' FROM 3 FOR 4)", "ream"},
    {"SUBSTR", 2, 3, chk_substring, f_substring, true, STR, "SUBSTR(s, start [, len])",
     "same as SUBSTRING", "SUBSTR('streaming', -3)", "ing"},
    {"CONCAT", 1, -1, chk_concat, f_concat, true, STR, "CONCAT(a, b, ...)",
     "the arguments joined; NULL if any is NULL", "CONCAT('order-', 42)", "order-42"},
    {"CONCAT_WS", 2, -1, chk_concat_ws, f_concat_ws, false, STR, "CONCAT_WS(sep, a, b, ...)",
     "the non-NULL arguments joined by sep", "CONCAT_WS('/', 'a', CAST(NULL AS STRING), 'c')",
     "a/c"},
    {"CHAR_LENGTH", 1, 1, chk_str_to_int, f_char_length, true, STR, "CHAR_LENGTH(s)",
     "number of characters", "CHAR_LENGTH('naïve')", "5"},
    {"CHARACTER_LENGTH", 1, 1, chk_str_to_int, f_char_length, true, STR, "CHARACTER_LENGTH(s)",
     "same as CHAR_LENGTH", "CHARACTER_LENGTH('abc')", "3"},
    {"REPLACE", 3, 3, chk_str, f_replace, true, STR, "REPLACE(s, from, to)",
     "every occurrence of from replaced by to", "REPLACE('a-b-c', '-', '+')", "a+b+c"},
    {"POSITION", 2, 2, chk_position, f_position, true, STR, "POSITION(needle IN s)",
     "1-based position of needle in s, 0 when absent", "POSITION('am' IN 'stream')", "5"},
    {"REGEXP", 2, 2, chk_regexp, f_regexp, true, STR, "REGEXP(s, regex)",
     "TRUE when some part of s matches regex", "REGEXP('naïve café', '^\\w+ caf.$')", "true"},
    {"REGEXP_EXTRACT", 2, 3, chk_regexp_extract, f_regexp_extract, true, STR,
     "REGEXP_EXTRACT(s, regex [, group])",
     "the group (default 0: the whole match) of the first match; NULL if none or no such group",
     "REGEXP_EXTRACT('id=123;', 'id=(\\d+)', 1)", "123"},
    {"REGEXP_REPLACE", 3, 3, chk_str, f_regexp_replace, true, STR,
     "REGEXP_REPLACE(s, regex, replacement)",
     "every match replaced ($1 or ${name} refer to groups, \\$ is a literal $); NULL for a bad "
     "group reference",
     "REGEXP_REPLACE('a1b22', '[0-9]+', '#')", "a#b#"},
    {"SPLIT_INDEX", 3, 3, chk_split_index, f_split_index, true, STR, "SPLIT_INDEX(s, sep, index)",
     "the 0-based index-th field of s split by sep, NULL if none", "SPLIT_INDEX('a,b,c', ',', 1)",
     "b"},
    {"COUNT_CHAR", 2, 2, chk_count_char, f_count_char, false, STR, "COUNT_CHAR(s, c)",
     "how many bytes of s equal the first byte of c (Nexmark's CountChar UDF, q14, as a built-in); "
     "0 when s is NULL, NULL when c is NULL or empty",
     "COUNT_CHAR('cacao', 'c')", "2"},
    {"INITCAP", 1, 1, chk_str, f_initcap, true, STR, "INITCAP(s)",
     "first letter of every word (a run of letters and digits) in title case, the rest lower",
     "INITCAP('élan sTREAM')", "Élan Stream"},
    {"ABS", 1, 1, chk_num_same, f_abs, true, MATH, "ABS(n)", "absolute value", "ABS(-4.50)",
     "4.50"},
    {"ROUND", 1, 2, chk_round, f_round, true, MATH, "ROUND(n [, d])",
     "n rounded half up to d (default 0) decimal places", "ROUND(2.345, 2)", "2.35"},
    {"FLOOR", 1, 1, chk_floor, f_floor, true, MATH, "FLOOR(n)", "largest integer <= n",
     "FLOOR(-1.5)", "-2"},
    {"CEIL", 1, 1, chk_floor, f_floor, true, MATH, "CEIL(n) / CEILING(n)", "smallest integer >= n",
     "CEIL(1.2)", "2"},
    {"CEILING", 1, 1, chk_floor, f_floor, true, MATH, "CEILING(n)", "same as CEIL", "CEILING(1.2)",
     "2"},
    {"MOD", 2, 2, chk_mod, f_mod, true, MATH, "MOD(a, b)", "remainder of a / b (sign of a)",
     "MOD(17, 5)", "2"},
    {"POWER", 2, 2, chk_num_double, f_power, true, MATH, "POWER(a, b)", "a to the power b",
     "POWER(2, 10)", "1024.0"},
    {"SQRT", 1, 1, chk_num_double, f_sqrt, true, MATH, "SQRT(n)", "square root", "SQRT(16)", "4.0"},
    {"LN", 1, 1, chk_num_double, f_ln, true, MATH, "LN(n)", "natural logarithm", "LN(1)", "0.0"},
    {"LOG10", 1, 1, chk_num_double, f_ln, true, MATH, "LOG10(n)", "base-10 logarithm",
     "LOG10(1000)", "3.0"},
    {"EXP", 1, 1, chk_num_double, f_ln, true, MATH, "EXP(n)", "e to the power n", "EXP(0)", "1.0"},
    {"COALESCE", 1, -1, chk_coalesce, f_coalesce, false, COND, "COALESCE(a, b, ...)",
     "the first non-NULL argument", "COALESCE(CAST(NULL AS INT), 7)", "7"},
    {"NULLIF", 2, 2, chk_nullif, f_nullif, false, COND, "NULLIF(a, b)", "NULL if a = b, else a",
     "NULLIF(5, 5)", "NULL"},
    {"IF", 3, 3, chk_if, f_if, false, COND, "IF(cond, a, b)", "a when cond is TRUE, else b",
     "IF(3 > 2, 'yes', 'no')", "yes"},
    {"GREATEST", 1, -1, chk_greatest, f_greatest, true, COND, "GREATEST(a, b, ...)",
     "the largest argument; NULL if any is NULL", "GREATEST(3, 9, 4)", "9"},
    {"LEAST", 1, -1, chk_greatest, f_greatest, true, COND, "LEAST(a, b, ...)",
     "the smallest argument; NULL if any is NULL", "LEAST(3, 9, 4)", "3"},
    {"DATE_FORMAT", 2, 2, chk_date_format, f_date_format, true, TIME, "DATE_FORMAT(ts, pattern)",
     "ts as text in a Java SimpleDateFormat pattern (yyyy MM dd HH mm ss SSS EEE MMM a)",
     "DATE_FORMAT(TIMESTAMP '2024-03-05 14:07:09', 'yyyy/MM/dd HH:mm')", "2024/03/05 14:07"},
    {"YEAR", 1, 1, chk_time_part, f_time_part, true, TIME, "YEAR(t)",
     "the year of a date or timestamp, as EXTRACT(YEAR FROM t) (BIGINT)", "YEAR(DATE '2024-03-05')",
     "2024"},
    {"QUARTER", 1, 1, chk_time_part, f_time_part, true, TIME, "QUARTER(t)",
     "the quarter (1 to 4), as EXTRACT(QUARTER FROM t) (BIGINT)", "QUARTER(DATE '2024-03-05')",
     "1"},
    {"MONTH", 1, 1, chk_time_part, f_time_part, true, TIME, "MONTH(t)",
     "the month (1 to 12), as EXTRACT(MONTH FROM t) (BIGINT)",
     "MONTH(TIMESTAMP '2024-03-05 14:07:09')", "3"},
    {"WEEK", 1, 1, chk_time_part, f_time_part, true, TIME, "WEEK(t)",
     "the ISO week of the year (1 to 53), as EXTRACT(WEEK FROM t) (BIGINT)",
     "WEEK(DATE '2024-03-05')", "10"},
    {"DAYOFYEAR", 1, 1, chk_time_part, f_time_part, true, TIME, "DAYOFYEAR(t)",
     "the day of the year (1 to 366), as EXTRACT(DOY FROM t) (BIGINT)",
     "DAYOFYEAR(DATE '2024-03-05')", "65"},
    {"DAYOFMONTH", 1, 1, chk_time_part, f_time_part, true, TIME, "DAYOFMONTH(t)",
     "the day of the month (1 to 31), as EXTRACT(DAY FROM t) (BIGINT)",
     "DAYOFMONTH(DATE '2024-03-05')", "5"},
    {"DAYOFWEEK", 1, 1, chk_time_part, f_time_part, true, TIME, "DAYOFWEEK(t)",
     "the day of the week (1 = Sunday to 7 = Saturday), as EXTRACT(DOW FROM t) (BIGINT)",
     "DAYOFWEEK(DATE '2024-03-05')", "3"},
    {"HOUR", 1, 1, chk_time_part, f_time_part, true, TIME, "HOUR(t)",
     "the hour of the day (0 to 23) of a timestamp, as EXTRACT(HOUR FROM t) (BIGINT)",
     "HOUR(TIMESTAMP '2024-03-05 14:07:09')", "14"},
    {"MINUTE", 1, 1, chk_time_part, f_time_part, true, TIME, "MINUTE(t)",
     "the minute of the hour (0 to 59) of a timestamp, as EXTRACT(MINUTE FROM t) (BIGINT)",
     "MINUTE(TIMESTAMP '2024-03-05 14:07:09')", "7"},
    {"SECOND", 1, 1, chk_time_part, f_time_part, true, TIME, "SECOND(t)",
     "the second of the minute (0 to 59) of a timestamp, as EXTRACT(SECOND FROM t) (BIGINT)",
     "SECOND(TIMESTAMP '2024-03-05 14:07:09')", "9"},
    {"TO_TIMESTAMP", 1, 2, chk_to_ts, f_to_timestamp, true, TIME, "TO_TIMESTAMP(s [, pattern])",
     "s parsed as TIMESTAMP(3) (default 'yyyy-MM-dd HH:mm:ss[.SSS]'); NULL when it does not parse",
     "TO_TIMESTAMP('05/03/2024 10:30', 'dd/MM/yyyy HH:mm')", "2024-03-05 10:30:00.000"},
    {"TO_TIMESTAMP_LTZ", 1, 2, chk_to_ts_ltz, f_to_ts_ltz, true, TIME,
     "TO_TIMESTAMP_LTZ(epoch [, 0|3])",
     "epoch seconds (0) or milliseconds (3, the default) as TIMESTAMP_LTZ(3)",
     "TO_TIMESTAMP_LTZ(1700000000, 0)", "2023-11-14 22:13:20.000"},
    {"TO_DATE", 1, 2, chk_to_date, f_to_date, true, TIME, "TO_DATE(s [, pattern])",
     "s parsed as DATE (default 'yyyy-MM-dd')", "TO_DATE('2024-02-29')", "2024-02-29"},
    {"UNIX_TIMESTAMP", 0, 2, chk_unix_ts, f_unix_timestamp, true, TIME,
     "UNIX_TIMESTAMP([s [, pattern]])",
     "epoch seconds now, or of s (default pattern 'yyyy-MM-dd HH:mm:ss') in the session zone",
     "UNIX_TIMESTAMP('2024-01-01 00:00:00')", "1704067200"},
    {"FROM_UNIXTIME", 1, 2, chk_from_unixtime, f_from_unixtime, true, TIME,
     "FROM_UNIXTIME(seconds [, pattern])",
     "epoch seconds as text (default pattern 'yyyy-MM-dd HH:mm:ss') in the session zone",
     "FROM_UNIXTIME(86400)", "1970-01-02 00:00:00"},
    {"CURRENT_TIMESTAMP", 0, 0, chk_now_ltz, f_now, false, TIME, "CURRENT_TIMESTAMP",
     "the time the job started (a bounded run, as in Flink's batch mode) or the time the current "
     "batch is processed (an unbounded run), as TIMESTAMP_LTZ(3)",
     NULL, NULL},
    {"NOW", 0, 0, chk_now_ltz, f_now, false, TIME, "NOW()", "same as CURRENT_TIMESTAMP", NULL,
     NULL},
    {"CURRENT_ROW_TIMESTAMP", 0, 0, chk_now_ltz, f_proctime, false, TIME, "CURRENT_ROW_TIMESTAMP()",
     "the wall-clock time the row is processed, as TIMESTAMP_LTZ(3)", NULL, NULL},
    {"PROCTIME", 0, 0, chk_now_ltz, f_proctime, false, TIME, "PROCTIME()",
     "the processing-time attribute: the wall-clock time the row is processed, read per row, as "
     "TIMESTAMP_LTZ(3); declared as a computed column (pt AS PROCTIME()) or in a view, it "
     "orders processing-time deduplication, top-N and OVER, and windows over it fire on the "
     "wall clock",
     NULL, NULL},
    {"LOCALTIMESTAMP", 0, 0, chk_now_ts, f_now, false, TIME, "LOCALTIMESTAMP",
     "the job start time in the session zone, as TIMESTAMP(3)", NULL, NULL},
    {"CURRENT_DATE", 0, 0, chk_now_date, f_now, false, TIME, "CURRENT_DATE",
     "the job start date in the session zone", NULL, NULL},
    {"CURRENT_WATERMARK", 1, 1, chk_current_wm, f_current_watermark, false, TIME,
     "CURRENT_WATERMARK(ts)",
     "the current watermark of the input, with the type of the time attribute ts; NULL when "
     "there is none yet (as Flink's, e.g. WHERE ts > CURRENT_WATERMARK(ts) OR "
     "CURRENT_WATERMARK(ts) IS NULL keeps only rows that are not late)",
     "CURRENT_WATERMARK(TIMESTAMP '2024-01-01 00:00:00')", "NULL"},
    /* internal: the binder makes these from LIKE, EXTRACT and FLOOR/CEIL(... TO unit) */
    {"$LIKE", 2, 3, chk_like, f_like, true, NULL, NULL, NULL, NULL, NULL},
    {"$EXTRACT", 1, 1, chk_ts_unit, f_extract, true, NULL, NULL, NULL, NULL, NULL},
    {"$FLOOR_TO", 1, 1, chk_ts_unit, f_floor_to, true, NULL, NULL, NULL, NULL, NULL},
    {"$CEIL_TO", 1, 1, chk_ts_unit, f_floor_to, true, NULL, NULL, NULL, NULL, NULL},
};

const fn_def *fn_lookup(const char *name) {
  for (size_t i = 0; i < sizeof fn_defs / sizeof fn_defs[0]; i++)
    if (str_ieq(fn_defs[i].name, name)) return &fn_defs[i];
  return NULL;
}

const fn_def *fn_table(int *n) {
  *n = (int)(sizeof fn_defs / sizeof fn_defs[0]);
  return fn_defs;
}

static bool is_regex(const fn_def *fn) {
  return fn->eval == f_regexp || fn->eval == f_regexp_extract || fn->eval == f_regexp_replace;
}

const char *expr_prepare(sl_expr *x, sl_arena *a) {
  for (int i = 0; i < x->nargs; i++) {
    const char *m = expr_prepare(x->args[i], a);
    if (m) return m;
  }
  if (x->kind != E_CALL || x->aux || !is_regex(x->fn)) return NULL;
  const char *err = NULL;
  x->aux = fn_regex_prepare(x, &err, a);
  return err;
}

void expr_free_aux(sl_expr *x) {
  if (!x) return;
  for (int i = 0; i < x->nargs; i++) expr_free_aux(x->args[i]);
  if (x->aux && x->kind == E_CALL && is_regex(x->fn)) fn_regex_free(x->aux);
  if (x->kind == E_CALL) x->aux = NULL;
}
