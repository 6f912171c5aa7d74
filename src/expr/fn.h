/* fn.h - private to expr/: what the function files share (result helpers, UTF-8 helpers, the
 * type checks and evaluators the table in fn_table.c refers to). Not a public header: code
 * outside src/expr uses expr.h only. */
#ifndef SLUICE_EXPR_FN_H
#define SLUICE_EXPR_FN_H

#include "expr.h"

/* A string result copied into the batch arena (NUL-terminated). */
sl_value fn_str_out(expr_ctx *ctx, const char *s, size_t n);
/* Text a function builds goes through the operator's scratch buffer (no heap allocation per
 * row) and is then copied into the batch arena by fn_done(). */
sl_buf *fn_scratch(expr_ctx *ctx, sl_buf *local);
sl_value fn_done(expr_ctx *ctx, sl_buf *b, sl_buf *local);
/* A row error: SL_EDATA with msg in ctx->errmsg. */
sl_status fn_fail(expr_ctx *ctx, const char *msg);
/* UTF-8: byte offset of the k-th (0-based) character (n when past the end); character count. */
size_t fn_utf8_offset(const char *s, size_t n, int64_t k);
int64_t fn_utf8_len(const char *s, size_t n);

#define FN_CHECK(name) const char *name(sl_expr *call, sl_arena *a)
#define FN_EVAL(name)                                                                              \
  sl_status name(const sl_expr *call, const sl_value *v, expr_ctx *ctx, sl_value *out)

/* type checks (fn_check.c) */
FN_CHECK(chk_coalesce);
FN_CHECK(chk_concat);
FN_CHECK(chk_concat_ws);
FN_CHECK(chk_current_wm);
FN_CHECK(chk_date_format);
FN_CHECK(chk_floor);
FN_CHECK(chk_from_unixtime);
FN_CHECK(chk_greatest);
FN_CHECK(chk_if);
FN_CHECK(chk_like);
FN_CHECK(chk_mod);
FN_CHECK(chk_now_date);
FN_CHECK(chk_now_ltz);
FN_CHECK(chk_now_ts);
FN_CHECK(chk_nullif);
FN_CHECK(chk_num_double);
FN_CHECK(chk_num_same);
FN_CHECK(chk_position);
FN_CHECK(chk_regexp);
FN_CHECK(chk_regexp_extract);
FN_CHECK(chk_round);
FN_CHECK(chk_split_index);
FN_CHECK(chk_str);
FN_CHECK(chk_str_to_int);
FN_CHECK(chk_substring);
FN_CHECK(chk_to_date);
FN_CHECK(chk_to_ts);
FN_CHECK(chk_to_ts_ltz);
FN_CHECK(chk_ts_unit);
FN_CHECK(chk_time_part);
FN_CHECK(chk_count_char);
FN_CHECK(chk_unix_ts);

/* evaluators (fn_string.c, fn_regex.c, fn_math.c, fn_time.c) */
FN_EVAL(f_abs);
FN_EVAL(f_char_length);
FN_EVAL(f_coalesce);
FN_EVAL(f_concat);
FN_EVAL(f_count_char);
FN_EVAL(f_concat_ws);
FN_EVAL(f_current_watermark);
FN_EVAL(f_date_format);
FN_EVAL(f_extract);
FN_EVAL(f_floor);
FN_EVAL(f_floor_to);
FN_EVAL(f_from_unixtime);
FN_EVAL(f_greatest);
FN_EVAL(f_if);
FN_EVAL(f_initcap);
FN_EVAL(f_like);
FN_EVAL(f_ln);
FN_EVAL(f_mod);
FN_EVAL(f_now);
FN_EVAL(f_nullif);
FN_EVAL(f_position);
FN_EVAL(f_proctime);
FN_EVAL(f_power);
FN_EVAL(f_regexp);
FN_EVAL(f_regexp_extract);
FN_EVAL(f_regexp_replace);
FN_EVAL(f_replace);
FN_EVAL(f_round);
FN_EVAL(f_split_index);
FN_EVAL(f_sqrt);
FN_EVAL(f_substring);
FN_EVAL(f_to_date);
FN_EVAL(f_to_timestamp);
FN_EVAL(f_to_ts_ltz);
FN_EVAL(f_time_part);
FN_EVAL(f_trim);
FN_EVAL(f_unix_timestamp);
FN_EVAL(f_upper);

/* The EXTRACT unit index a HOUR/MINUTE/... function stands for (fn_time.c); -1 if none. */
int fn_part_unit(const char *name);

/* Per-node state of the regular expression functions (fn_regex.c). */
void *fn_regex_prepare(const sl_expr *call, const char **err, sl_arena *a);
void fn_regex_free(void *aux);

#endif
