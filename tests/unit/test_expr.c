/* test_expr.c - expr/: CAST rules, common types, implicit conversions, literal folding,
 * Java-style date patterns, and evaluation of hand-built trees (three-valued AND). */
#include <time.h>

#include "expr/expr.h"
#include "unit.h"

static sl_status cast_text(const char *s, sl_type to, sl_value *out, sl_arena *a) {
  expr_ctx ctx = {0};
  ctx.arena = a;
  sl_value v = value_str(s, strlen(s));
  return expr_cast(&v, type_make(T_STRING), to, &ctx, out);
}

TEST(cast_from_string) {
  sl_arena a;
  arena_init(&a, 0);
  sl_value v;
  CHECK(cast_text(" 42 ", type_make(T_INT), &v, &a) == SL_OK && v.u.i == 42);
  CHECK(cast_text("2147483648", type_make(T_INT), &v, &a) == SL_EDATA);
  CHECK(cast_text("9223372036854775807", type_make(T_BIGINT), &v, &a) == SL_OK);
  CHECK(cast_text("0x10", type_make(T_DOUBLE), &v, &a) == SL_EDATA);
  CHECK(cast_text("1.5e3", type_make(T_DOUBLE), &v, &a) == SL_OK && v.u.d == 1500);
  CHECK(cast_text("TRUE", type_make(T_BOOLEAN), &v, &a) == SL_OK && v.u.i == 1);
  CHECK(cast_text(" Yes", type_make(T_BOOLEAN), &v, &a) == SL_OK && v.u.i == 1); /* Flink's */
  CHECK(cast_text("n", type_make(T_BOOLEAN), &v, &a) == SL_OK && v.u.i == 0);
  CHECK(cast_text("maybe", type_make(T_BOOLEAN), &v, &a) == SL_EDATA);
  CHECK(cast_text("1.9", type_make(T_INT), &v, &a) == SL_OK && v.u.i == 1);
  CHECK(cast_text("-.5", type_make(T_BIGINT), &v, &a) == SL_OK && v.u.i == 0);
  CHECK(cast_text("1.5x", type_make(T_INT), &v, &a) == SL_EDATA);
  CHECK(cast_text("1e2", type_make(T_INT), &v, &a) == SL_EDATA);
  CHECK(cast_text("-", type_make(T_INT), &v, &a) == SL_EDATA);
  CHECK(cast_text("2024-02-29", type_make(T_DATE), &v, &a) == SL_OK);
  CHECK(cast_text("2023-02-29", type_make(T_DATE), &v, &a) == SL_EDATA);
  arena_free(&a);
}

TEST(cast_numeric) {
  expr_ctx ctx = {0};
  sl_value v, out;
  v = value_double(-1.9);
  CHECK(expr_cast(&v, type_make(T_DOUBLE), type_make(T_INT), &ctx, &out) == SL_OK &&
        out.u.i == -1); /* truncation toward zero, as Java */
  v = value_int(3000000000LL);
  CHECK(expr_cast(&v, type_make(T_BIGINT), type_make(T_INT), &ctx, &out) == SL_OK &&
        out.u.i == -1294967296); /* narrowing wraps, as Java */
  v = value_int(12345);
  CHECK(expr_cast(&v, type_make(T_INT), type_decimal(4, 0), &ctx, &out) == SL_OK && out.null);
  v = value_decimal(12345); /* 123.45 */
  CHECK(expr_cast(&v, type_decimal(5, 2), type_decimal(5, 1), &ctx, &out) == SL_OK &&
        value_dec(&out) == 1235);
}

TEST(type_rules) {
  sl_type t;
  CHECK(expr_common_type(type_make(T_INT), type_make(T_BIGINT), &t) && t.id == T_BIGINT);
  CHECK(expr_common_type(type_decimal(10, 2), type_make(T_INT), &t) && t.id == T_DECIMAL &&
        t.prec == 12 && t.scale == 2);
  CHECK(expr_common_type(type_decimal(10, 2), type_make(T_DOUBLE), &t) && t.id == T_DOUBLE);
  CHECK(expr_common_type(type_make(T_DATE), type_make(T_TIMESTAMP), &t) && t.id == T_TIMESTAMP);
  CHECK(!expr_common_type(type_make(T_STRING), type_make(T_INT), &t));
  CHECK(expr_implicit_ok(type_make(T_INT), type_make(T_BIGINT)));
  CHECK(!expr_implicit_ok(type_make(T_BIGINT), type_make(T_INT)));
  CHECK(!expr_implicit_ok(type_make(T_DOUBLE), type_decimal(10, 2)));
  CHECK(!expr_implicit_ok(type_make(T_STRING), type_make(T_INT)));
  CHECK(expr_implicit_ok(type_make(T_TIMESTAMP_LTZ), type_make(T_TIMESTAMP)));
  CHECK(expr_implicit_ok(type_make(T_TIMESTAMP), type_make(T_TIMESTAMP_LTZ)));
  CHECK(!expr_implicit_ok(type_make(T_TIMESTAMP_LTZ), type_make(T_DATE)));
  CHECK(expr_cast_allowed(type_make(T_STRING), type_make(T_TIMESTAMP)));
  CHECK(!expr_cast_allowed(type_make(T_DATE), type_make(T_INT)));
}

TEST(literal_casts_fold) {
  sl_arena a;
  arena_init(&a, 0);
  sl_expr *lit = expr_new(&a, E_LIT, type_make(T_INT), 0);
  lit->lit = value_int(7);
  sl_expr *c = expr_coerce(lit, type_make(T_DOUBLE), &a);
  CHECK(c->kind == E_LIT && c->type.id == T_DOUBLE && c->lit.u.d == 7.0);
  sl_expr *col = expr_new(&a, E_COL, type_make(T_INT), 0);
  col->col = 0;
  CHECK(expr_coerce(col, type_make(T_BIGINT), &a)->kind == E_CAST);
  arena_free(&a);
}

TEST(three_valued_and) {
  sl_arena a;
  arena_init(&a, 0);
  sl_expr *x = expr_new(&a, E_AND, type_make(T_BOOLEAN), 0);
  x->nargs = 2;
  x->args = arena_alloc(&a, sizeof(sl_expr *) * 2);
  for (int i = 0; i < 2; i++) {
    x->args[i] = expr_new(&a, E_COL, type_make(T_BOOLEAN), 0);
    x->args[i]->col = i;
  }
  expr_ctx ctx = {0};
  ctx.arena = &a;
  sl_value row[2], out;
  row[0] = value_null();
  row[1] = value_int(0);
  CHECK(expr_eval(x, row, &ctx, &out) == SL_OK && !out.null && out.u.i == 0);
  row[1] = value_int(1);
  CHECK(expr_eval(x, row, &ctx, &out) == SL_OK && out.null);
  bool keep = true;
  CHECK(expr_eval_pred(x, row, &ctx, &keep) == SL_OK && !keep);
  arena_free(&a);
}

TEST(date_patterns) {
  int64_t ms;
  CHECK(time_parse_pattern("05/03/2024 10:30", 16, "dd/MM/yyyy HH:mm", 16, &ms));
  sl_buf b = {0};
  time_format_pattern(ms, "yyyy-MM-dd'T'HH:mm EEE MMM", 26, &b);
  CHECK_STR(buf_cstr(&b), "2024-03-05T10:30 Tue Mar");
  CHECK(!time_parse_pattern("31/04/2024 10:30", 16, "dd/MM/yyyy HH:mm", 16, &ms));
  CHECK(!time_parse_pattern("05/03/2024", 10, "dd/MM/yyyy HH:mm", 16, &ms));
  buf_free(&b);
}

TEST(function_table_docs_complete) {
  int n;
  const fn_def *f = fn_table(&n);
  for (int i = 0; i < n; i++) {
    CHECK(f[i].check && f[i].eval);
    if (f[i].name[0] != '$') CHECK(f[i].category && f[i].signature && f[i].doc);
    CHECK(fn_lookup(f[i].name) == &f[i]);
  }
  CHECK(fn_lookup("upper") && !fn_lookup("nope"));
}

/* fn(col0, <pattern>) with the pattern a literal (pat != NULL) or column 1. */
static sl_expr *regex_call(sl_arena *a, const char *fn, const char *pat) {
  sl_expr *x = expr_new(a, E_CALL, type_make(T_NULL), 0);
  x->fn = fn_lookup(fn);
  x->nargs = 2;
  x->args = arena_alloc(a, sizeof(sl_expr *) * 2);
  x->args[0] = expr_new(a, E_COL, type_make(T_STRING), 0);
  x->args[0]->col = 0;
  if (pat) {
    x->args[1] = expr_new(a, E_LIT, type_make(T_STRING), 7);
    x->args[1]->lit = value_str(pat, strlen(pat));
  } else {
    x->args[1] = expr_new(a, E_COL, type_make(T_STRING), 0);
    x->args[1]->col = 1;
  }
  x->fn->check(x, a);
  return x;
}

static const char *eval_str(const sl_expr *x, const char *s, const char *p, expr_ctx *ctx,
                            sl_status *st) {
  static char out[128];
  sl_value row[2] = {value_str(s, strlen(s)), p ? value_str(p, strlen(p)) : value_null()}, v;
  *st = expr_eval(x, row, ctx, &v);
  if (*st || v.null) return "NULL";
  snprintf(out, sizeof out, "%.*s", (int)v.len, v.u.s);
  return out;
}

TEST(regex_state_per_copy) {
  sl_arena a;
  arena_init(&a, 0);
  expr_ctx ctx = {0};
  ctx.arena = &a;
  sl_status st;
  /* a literal pattern is compiled by expr_prepare; a deep copy never shares that state */
  sl_expr *x = regex_call(&a, "REGEXP_EXTRACT", "h.llo");
  CHECK(expr_prepare(x, &a) == NULL && x->aux != NULL);
  sl_expr *y = expr_substitute(x, NULL, &a);
  CHECK(y->aux == NULL);
  CHECK(expr_prepare(y, &a) == NULL && y->aux != NULL && y->aux != x->aux);
  void *keep = x->aux;
  CHECK_STR(eval_str(x, "héllo", NULL, &ctx, &st), "héllo");
  CHECK_STR(eval_str(y, "hello", NULL, &ctx, &st), "hello");
  CHECK(x->aux == keep); /* compiled once */
  expr_free_aux(x);
  CHECK(x->aux == NULL);
  CHECK_STR(eval_str(y, "hallo", NULL, &ctx, &st), "hallo"); /* y lives on after x is freed */
  expr_free_aux(y);
  /* not prepared at all: still works, compiling per call */
  CHECK_STR(eval_str(y, "hüllo!", NULL, &ctx, &st), "hüllo");
  /* a bad literal is a prepare-time error naming the problem */
  sl_expr *bad = regex_call(&a, "REGEXP", "[a");
  const char *m = expr_prepare(bad, &a);
  CHECK(m && strstr(m, "invalid regular expression '[a'") && strstr(m, "missing terminating ]"));
  expr_free_aux(bad);
  /* a computed pattern: the last one is cached; a bad one is a row error with the reason */
  sl_expr *c = regex_call(&a, "REGEXP_REPLACE", NULL);
  c->nargs = 3;
  sl_expr **args = arena_alloc(&a, sizeof(sl_expr *) * 3);
  args[0] = c->args[0];
  args[1] = c->args[1];
  args[2] = expr_new(&a, E_LIT, type_make(T_STRING), 0);
  args[2]->lit = value_str("_", 1);
  c->args = args;
  CHECK(expr_prepare(c, &a) == NULL && c->aux != NULL);
  CHECK_STR(eval_str(c, "añb", "ñ", &ctx, &st), "a_b");
  CHECK_STR(eval_str(c, "añb", "ñ", &ctx, &st), "a_b");
  CHECK_STR(eval_str(c, "añb", "[ab]", &ctx, &st), "_ñ_");
  CHECK(eval_str(c, "añb", "(", &ctx, &st) && st == SL_EDATA &&
        strstr(ctx.errmsg, "invalid regular expression '('"));
  CHECK_STR(eval_str(c, "añb", ".", &ctx, &st), "___");
  expr_free_aux(c);
  arena_free(&a);
}

/* PROCTIME() and CURRENT_ROW_TIMESTAMP(): TIMESTAMP_LTZ(3), the wall clock read for each row
 * (not the run's CURRENT_TIMESTAMP, which stays where the run put it). */
TEST(proctime_reads_the_clock_per_row) {
  const char *const names[] = {"PROCTIME", "CURRENT_ROW_TIMESTAMP"};
  for (int f = 0; f < 2; f++) {
    sl_arena a;
    arena_init(&a, 0);
    sl_expr *x = expr_new(&a, E_CALL, type_make(T_NULL), 0);
    x->fn = fn_lookup(names[f]);
    CHECK(x->fn && x->fn->check(x, &a) == NULL && x->type.id == T_TIMESTAMP_LTZ);
    expr_ctx ctx = {0};
    ctx.arena = &a;
    ctx.now_ms = 1000; /* CURRENT_TIMESTAMP of the run */
    struct timespec t0, t1;
    clock_gettime(CLOCK_REALTIME, &t0);
    sl_value v1, v2;
    CHECK(expr_eval(x, NULL, &ctx, &v1) == SL_OK && !v1.null);
    struct timespec pause = {0, 20 * 1000000};
    nanosleep(&pause, NULL);
    CHECK(expr_eval(x, NULL, &ctx, &v2) == SL_OK && !v2.null);
    clock_gettime(CLOCK_REALTIME, &t1);
    int64_t lo = (int64_t)t0.tv_sec * 1000 + t0.tv_nsec / 1000000,
            hi = (int64_t)t1.tv_sec * 1000 + t1.tv_nsec / 1000000;
    CHECK(v1.u.i >= lo && v2.u.i <= hi && v2.u.i - v1.u.i >= 19);
    arena_free(&a);
  }
}
