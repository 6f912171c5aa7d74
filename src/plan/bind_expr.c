/* bind_expr.c - expressions into typed sl_expr: literals, column names (bind_column.c resolves
 * them), operators with Flink's implicit casts and result types (DECIMAL precision
 * rules), functions from the function table, CASE, CAST, IN, BETWEEN, LIKE, EXTRACT. AND/OR
 * chains become one n-ary node and left-deep operator chains are bound in a loop. Must not
 * touch the catalog or plan nodes. */
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "plan_int.h"

int fn_unit_index(const char *u); /* expr/functions.c */

static sl_expr *bind_literal(binder *b, const scope *sc, const sql_expr *x);
static sl_expr *bind_unary(binder *b, const scope *sc, const sql_expr *x);
static sl_expr *bind_func(binder *b, const scope *sc, const sql_expr *x);
static sl_expr *bind_cast(binder *b, const scope *sc, const sql_expr *x);
static sl_expr *bind_case(binder *b, const scope *sc, const sql_expr *x);
static sl_expr *bind_isnull(binder *b, const scope *sc, const sql_expr *x);
static sl_expr *bind_isbool(binder *b, const scope *sc, const sql_expr *x);
static sl_expr *bind_in(binder *b, const scope *sc, const sql_expr *x);
static sl_expr *bind_between(binder *b, const scope *sc, const sql_expr *x);
static sl_expr *bind_like(binder *b, const scope *sc, const sql_expr *x);
static sl_expr *bind_extract(binder *b, const scope *sc, const sql_expr *x);

/* ---- expressions ---- */

static sl_expr *lit(binder *b, sl_type t, sl_value v, uint32_t off) {
  sl_expr *r = expr_new(b->a, E_LIT, t, off);
  r->lit = v;
  return r;
}

static sl_expr *node(binder *b, int kind, sl_type t, uint32_t off, int nargs) {
  sl_expr *r = expr_new(b->a, kind, t, off);
  r->nargs = nargs;
  r->args = nargs ? arena_zalloc(b->a, sizeof(sl_expr *) * (size_t)nargs) : NULL;
  return r;
}

void plan_need_bool(binder *b, sl_expr *x, const char *what) {
  char t[48];
  if (x->type.id != T_BOOLEAN && x->type.id != T_NULL)
    plan_fail(b, x->off, "%s must be a BOOLEAN, not %s", what, tn(x->type, t));
  if (x->type.id == T_NULL) x->type = type_make(T_BOOLEAN);
}

/* Common type of two operands for comparison: a string meets a number, date or timestamp by
 * being cast to it (Calcite's implicit coercion). */
static sl_type cmp_type(binder *b, sl_expr *l, sl_expr *r, uint32_t off, const char *op) {
  sl_type t;
  if (expr_common_type(l->type, r->type, &t)) return t;
  if (l->type.id == T_STRING && r->type.id != T_INTERVAL) return r->type;
  if (r->type.id == T_STRING && l->type.id != T_INTERVAL) return l->type;
  char t1[48], t2[48];
  plan_fail(b, off, "cannot compare %s with %s using '%s'", tn(l->type, t1), tn(r->type, t2), op);
}

/* expr/ has its own operator codes; the binder passes sql_op codes through unchanged. */
_Static_assert((int)EOP_EQ == (int)OP_EQ && (int)EOP_GE == (int)OP_GE &&
                   (int)EOP_CONCAT == (int)OP_CONCAT && (int)EOP_ADD == (int)OP_ADD &&
                   (int)EOP_MOD == (int)OP_MOD && (int)EOP_NEG == (int)OP_NEG,
               "expr_op and sql_op numbering differ");

static sl_type dec_adjust(int p, int s) {
  if (p <= 38) return type_decimal(p, s);
  int intd = p - s;
  int mins = s < 6 ? s : 6;
  s = 38 - intd > mins ? 38 - intd : mins;
  return type_decimal(38, s);
}

static sl_expr *bind_arith(binder *b, int op, sl_expr *l, sl_expr *r, uint32_t off) {
  char t1[48], t2[48];
  sl_type lt = l->type, rt = r->type;
  if (lt.id == T_NULL) lt = rt.id == T_NULL ? type_make(T_INT) : rt;
  if (rt.id == T_NULL) rt = lt;
  sl_expr *x = node(b, E_ARITH, lt, off, 2);
  x->ival = op;
  if (type_is_numeric(lt) && type_is_numeric(rt)) {
    sl_type t;
    if (lt.id == T_DOUBLE || rt.id == T_DOUBLE || lt.id == T_FLOAT || rt.id == T_FLOAT) {
      t = (lt.id == T_FLOAT && rt.id == T_FLOAT) ? lt : type_make(T_DOUBLE);
      if ((lt.id == T_FLOAT) != (rt.id == T_FLOAT) && !(lt.id == T_DOUBLE || rt.id == T_DOUBLE) &&
          (lt.id == T_FLOAT ? type_is_integer(rt) : type_is_integer(lt)))
        t = type_make(T_FLOAT);
      l = expr_coerce(l, t, b->a);
      r = expr_coerce(r, t, b->a);
    } else if (lt.id == T_DECIMAL || rt.id == T_DECIMAL) {
      sl_type da = type_as_decimal(lt), db = type_as_decimal(rt);
      int p1 = da.prec, s1 = da.scale, p2 = db.prec, s2 = db.scale;
      switch (op) {
      case OP_ADD:
      case OP_SUB: {
        int s = s1 > s2 ? s1 : s2;
        int ip = (p1 - s1 > p2 - s2 ? p1 - s1 : p2 - s2);
        t = dec_adjust(ip + s + 1, s);
        break;
      }
      case OP_MUL: t = dec_adjust(p1 + p2 + 1, s1 + s2); break;
      case OP_DIV: {
        int intd = p1 - s1 + s2;
        int s = 6 > s1 + p2 + 1 ? 6 : s1 + p2 + 1;
        t = dec_adjust(intd + s, s);
        break;
      }
      default: { /* MOD; Flink keeps the divisor's type when both scales are 0 */
        int s = s1 > s2 ? s1 : s2;
        int ip = p1 - s1 < p2 - s2 ? p1 - s1 : p2 - s2;
        t = s1 == 0 && s2 == 0 ? db : dec_adjust(ip + s, s);
        break;
      }
      }
      l = expr_coerce(l, da, b->a);
      r = expr_coerce(r, db, b->a);
    } else {
      t = (lt.id == T_BIGINT || rt.id == T_BIGINT) ? type_make(T_BIGINT) : type_make(T_INT);
      l = expr_coerce(l, t, b->a);
      r = expr_coerce(r, t, b->a);
    }
    x->type = t;
  } else if ((op == OP_ADD || op == OP_SUB) &&
             (lt.id == T_TIMESTAMP || lt.id == T_TIMESTAMP_LTZ || lt.id == T_DATE) &&
             rt.id == T_INTERVAL) {
    x->type = lt;
  } else if (op == OP_ADD && lt.id == T_INTERVAL &&
             (rt.id == T_TIMESTAMP || rt.id == T_TIMESTAMP_LTZ || rt.id == T_DATE)) {
    x->type = rt;
  } else if ((op == OP_ADD || op == OP_SUB) && lt.id == T_INTERVAL && rt.id == T_INTERVAL) {
    x->type = lt;
  } else {
    const char *hint = NULL;
    if ((lt.id == T_TIMESTAMP || lt.id == T_DATE) && (rt.id == T_TIMESTAMP || rt.id == T_DATE))
      hint = "use TIMESTAMPDIFF or compare the values instead";
    if (lt.id == T_STRING || rt.id == T_STRING) hint = "CAST the string to a number first";
    char msg[200];
    snprintf(msg, sizeof msg, "cannot apply '%s' to %s and %s", sql_op_text(op), tn(lt, t1),
             tn(rt, t2));
    plan_fail_hint(b, off, hint, msg);
  }
  x->args[0] = l;
  x->args[1] = r;
  return x;
}

static sl_expr *bind_call(binder *b, const fn_def *fn, sl_expr **args, int nargs, uint32_t off) {
  sl_expr *x = node(b, E_CALL, type_make(T_NULL), off, nargs);
  x->fn = fn;
  for (int i = 0; i < nargs; i++) x->args[i] = args[i];
  return x;
}

static void check_call(binder *b, sl_expr *x, uint32_t off) {
  const char *m = x->fn->check(x, b->a);
  if (m) plan_fail(b, off, "%s", m);
  /* a literal regular expression is compiled now so a bad one is a located error */
  m = expr_prepare(x, b->a);
  expr_free_aux(x);
  if (m) plan_fail(b, x->nargs > 1 ? x->args[1]->off : off, "%s", m);
}

static __attribute__((noinline)) sl_expr *bind_literal(binder *b, const scope *sc,
                                                       const sql_expr *x) {
  char t1[48], t2[48];
  (void)t1, (void)t2, (void)sc;
  switch (x->kind) {
  case A_INT: {
    int64_t v = x->ival;
    bool small = v >= INT32_MIN && v <= INT32_MAX;
    return lit(b, type_make(small ? T_INT : T_BIGINT), value_int(v), x->off);
  }
  case A_NUM: {
    const char *s = x->text;
    int digits = 0, scale = 0;
    bool dot = false;
    for (; *s; s++) {
      if (*s == '.')
        dot = true;
      else if (*s >= '0' && *s <= '9') {
        digits++;
        if (dot) scale++;
      }
    }
    /* strip leading zeros from the precision */
    const char *q = x->text;
    if (*q == '-') q++;
    while (*q == '0' && q[1] && q[1] != '.' && digits > 1) q++, digits--;
    if (*q == '0' && q[1] == '.' && digits > scale) digits--;
    int prec = digits < 1 ? 1 : digits;
    if (prec < scale) prec = scale;
    if (prec > 38) plan_fail(b, x->off, "numeric literal has more than 38 digits");
    __int128 v;
    if (!dec_parse(x->text, x->tlen, prec, scale, &v)) plan_fail(b, x->off, "bad numeric literal");
    return lit(b, type_decimal(prec, scale), value_decimal(v), x->off);
  }
  case A_FLOAT: return lit(b, type_make(T_DOUBLE), value_double(strtod(x->text, NULL)), x->off);
  case A_STR: {
    sl_type t = type_make(T_STRING);
    return lit(b, t, value_str(x->text, x->tlen), x->off);
  }
  case A_BOOL: return lit(b, type_make(T_BOOLEAN), value_int(x->ival), x->off);
  case A_NULL: return lit(b, type_make(T_NULL), value_null(), x->off);
  case A_INTERVAL: return lit(b, type_make(T_INTERVAL), value_int(x->ival), x->off);
  case A_TYPED: {
    int64_t v, off;
    bool z;
    if (x->type.id == T_DATE) {
      if (!date_parse(x->text, x->tlen, &v))
        plan_fail(b, x->off, "invalid DATE literal '%s'", x->text);
    } else {
      if (!ts_parse(x->text, x->tlen, &v, &z, &off))
        plan_fail(b, x->off, "invalid TIMESTAMP literal '%s'", x->text);
      if (x->type.id == T_TIMESTAMP_LTZ)
        v -= z ? off : b->p->tz_offset_ms;
      else if (z)
        v -= off;
    }
    return lit(b, x->type, value_int(v), x->off);
  }
  }
  plan_fail(b, x->off, "internal: unknown literal");
}

static __attribute__((noinline)) sl_expr *bind_unary(binder *b, const scope *sc,
                                                     const sql_expr *x) {
  char t1[48], t2[48];
  (void)t1, (void)t2, (void)sc;
  sl_expr *a = plan_bind_expr(b, sc, x->args[0]);
  if (x->op == OP_NOT) {
    plan_need_bool(b, a, "the operand of NOT");
    sl_expr *r = node(b, E_NOT, type_make(T_BOOLEAN), x->off, 1);
    r->args[0] = a;
    return r;
  }
  if (!type_is_numeric(a->type) && a->type.id != T_INTERVAL && a->type.id != T_NULL)
    plan_fail(b, x->off, "cannot negate %s", tn(a->type, t1));
  sl_expr *r = node(b, E_ARITH, a->type.id == T_NULL ? type_make(T_INT) : a->type, x->off, 1);
  r->ival = OP_NEG;
  r->args[0] = expr_coerce(a, r->type, b->a);
  return r;
}

static __attribute__((noinline)) sl_expr *bind_func(binder *b, const scope *sc, const sql_expr *x) {
  char t1[48], t2[48];
  (void)t1, (void)t2, (void)sc;
  sl_expr *special = plan_bind_special_call(b, sc, x);
  if (special) return special;
  const fn_def *fn = fn_lookup(x->text);
  if (!fn && str_ieq(x->text, "ROW"))
    plan_fail_hint(b, x->off,
                   "ROW types are supported for the columns of tables: declare one there",
                   "ROW values (ROW(...)) are not supported yet");
  if (!fn || fn->name[0] == '$') {
    int n;
    const fn_def *all = fn_table(&n);
    const char *names[128];
    int k = 0;
    for (int i = 0; i < n && k < 128; i++)
      if (all[i].name[0] != '$') names[k++] = all[i].name;
    plan_fail_unknown(b, x->off, "function", x->text, names, k, NULL);
  }
  if (x->flag & 1) plan_fail(b, x->off, "DISTINCT is only allowed in aggregate functions");
  if (x->flag & 2) plan_fail(b, x->off, "%s(*) is not allowed", fn->name);
  if (x->nargs < fn->min_args || (fn->max_args >= 0 && x->nargs > fn->max_args)) {
    if (fn->min_args == fn->max_args)
      plan_fail(b, x->off, "%s takes %d argument%s, not %d", fn->name, fn->min_args,
                fn->min_args == 1 ? "" : "s", x->nargs);
    plan_fail(b, x->off, "%s takes %d to %d arguments, not %d", fn->name, fn->min_args,
              fn->max_args < 0 ? 64 : fn->max_args, x->nargs);
  }
  if (x->nargs > 64) plan_fail(b, x->off, "too many arguments");
  sl_expr *args[64];
  for (int i = 0; i < x->nargs; i++) args[i] = plan_bind_expr(b, sc, x->args[i]);
  sl_expr *y = bind_call(b, fn, args, x->nargs, x->off);
  check_call(b, y, x->off);
  return y;
}

static __attribute__((noinline)) sl_expr *bind_cast(binder *b, const scope *sc, const sql_expr *x) {
  char t1[48], t2[48];
  (void)t1, (void)t2, (void)sc;
  sl_expr *a = plan_bind_expr(b, sc, x->args[0]);
  if (!expr_cast_allowed(a->type, x->type))
    plan_fail(b, x->off, "cannot CAST %s to %s", tn(a->type, t1), tn(x->type, t2));
  if (a->type.id == T_NULL) return lit(b, x->type, value_null(), x->off);
  sl_expr *y = node(b, E_CAST, x->type, x->off, 1);
  y->flag = x->flag;
  y->args[0] = a;
  return y;
}

static __attribute__((noinline)) sl_expr *bind_case(binder *b, const scope *sc, const sql_expr *x) {
  char t1[48], t2[48];
  (void)t1, (void)t2, (void)sc;
  bool has_operand = x->flag & 1, has_else = x->flag & 2;
  int first = has_operand ? 1 : 0;
  int pairs = (x->nargs - first - (has_else ? 1 : 0)) / 2;
  sl_expr *operand = has_operand ? plan_bind_expr(b, sc, x->args[0]) : NULL;
  sl_expr *y = node(b, E_CASE, type_make(T_NULL), x->off, pairs * 2 + (has_else ? 1 : 0));
  y->flag = has_else;
  sl_type rt = type_make(T_NULL);
  for (int i = 0; i < pairs; i++) {
    sl_expr *c = plan_bind_expr(b, sc, x->args[first + 2 * i]);
    if (operand) {
      sl_type t = cmp_type(b, operand, c, c->off, "=");
      sl_expr *eq = node(b, E_CMP, type_make(T_BOOLEAN), c->off, 2);
      eq->ival = OP_EQ;
      eq->args[0] = expr_coerce(operand, t, b->a);
      eq->args[1] = expr_coerce(c, t, b->a);
      c = eq;
    }
    plan_need_bool(b, c, "a WHEN condition");
    y->args[2 * i] = c;
    y->args[2 * i + 1] = plan_bind_expr(b, sc, x->args[first + 2 * i + 1]);
  }
  if (has_else) y->args[y->nargs - 1] = plan_bind_expr(b, sc, x->args[x->nargs - 1]);
  for (int i = 0; i < y->nargs; i++) {
    if (i < pairs * 2 && i % 2 == 0) continue;
    sl_type nt;
    if (!expr_common_type(rt, y->args[i]->type, &nt))
      plan_fail(b, y->args[i]->off, "CASE branches have no common type (%s and %s)", tn(rt, t1),
                tn(y->args[i]->type, t2));
    rt = nt;
  }
  for (int i = 0; i < y->nargs; i++)
    if (!(i < pairs * 2 && i % 2 == 0)) y->args[i] = expr_coerce(y->args[i], rt, b->a);
  y->type = rt;
  return y;
}

static __attribute__((noinline)) sl_expr *bind_isnull(binder *b, const scope *sc,
                                                      const sql_expr *x) {
  char t1[48], t2[48];
  (void)t1, (void)t2, (void)sc;
  sl_expr *y = node(b, E_ISNULL, type_make(T_BOOLEAN), x->off, 1);
  y->flag = x->flag;
  y->args[0] = plan_bind_expr(b, sc, x->args[0]);
  return y;
}

static __attribute__((noinline)) sl_expr *bind_isbool(binder *b, const scope *sc,
                                                      const sql_expr *x) {
  char t1[48], t2[48];
  (void)t1, (void)t2, (void)sc;
  sl_expr *y = node(b, E_ISBOOL, type_make(T_BOOLEAN), x->off, 1);
  y->flag = x->flag;
  y->ival = x->ival;
  y->args[0] = plan_bind_expr(b, sc, x->args[0]);
  plan_need_bool(b, y->args[0], "the operand of IS TRUE/FALSE/UNKNOWN");
  return y;
}

static __attribute__((noinline)) sl_expr *bind_in(binder *b, const scope *sc, const sql_expr *x) {
  char t1[48], t2[48];
  (void)t1, (void)t2, (void)sc;
  sl_expr *y = node(b, E_IN, type_make(T_BOOLEAN), x->off, x->nargs);
  y->flag = x->flag;
  for (int i = 0; i < x->nargs; i++) y->args[i] = plan_bind_expr(b, sc, x->args[i]);
  sl_type t = y->args[0]->type;
  for (int i = 1; i < x->nargs; i++)
    t = cmp_type(b, &(sl_expr){.type = t}, y->args[i], y->args[i]->off, "IN");
  if (t.id == T_NULL) t = type_make(T_INT);
  for (int i = 0; i < x->nargs; i++) y->args[i] = expr_coerce(y->args[i], t, b->a);
  return y;
}

static __attribute__((noinline)) sl_expr *bind_between(binder *b, const scope *sc,
                                                       const sql_expr *x) {
  char t1[48], t2[48];
  (void)t1, (void)t2, (void)sc;
  sl_expr *a = plan_bind_expr(b, sc, x->args[0]);
  sl_expr *lo = plan_bind_expr(b, sc, x->args[1]), *hi = plan_bind_expr(b, sc, x->args[2]);
  sl_type t = cmp_type(b, a, lo, x->off, "BETWEEN");
  t = cmp_type(b, &(sl_expr){.type = t}, hi, x->off, "BETWEEN");
  sl_expr *y = node(b, E_AND, type_make(T_BOOLEAN), x->off, 2);
  for (int i = 0; i < 2; i++) {
    sl_expr *c = node(b, E_CMP, type_make(T_BOOLEAN), x->off, 2);
    c->ival = i == 0 ? OP_GE : OP_LE;
    c->args[0] = expr_coerce(a, t, b->a);
    c->args[1] = expr_coerce(i == 0 ? lo : hi, t, b->a);
    y->args[i] = c;
  }
  if (!x->flag) return y;
  sl_expr *n = node(b, E_NOT, type_make(T_BOOLEAN), x->off, 1);
  n->args[0] = y;
  return n;
}

static __attribute__((noinline)) sl_expr *bind_like(binder *b, const scope *sc, const sql_expr *x) {
  char t1[48], t2[48];
  (void)t1, (void)t2, (void)sc;
  sl_expr *args[3];
  for (int i = 0; i < x->nargs; i++) args[i] = plan_bind_expr(b, sc, x->args[i]);
  sl_expr *y = bind_call(b, fn_lookup("$LIKE"), args, x->nargs, x->off);
  if (!(args[0]->type.id == T_STRING || args[0]->type.id == T_NULL) ||
      !(args[1]->type.id == T_STRING || args[1]->type.id == T_NULL))
    plan_fail(b, x->off, "LIKE needs strings, not %s and %s", tn(args[0]->type, t1),
              tn(args[1]->type, t2));
  check_call(b, y, x->off);
  y->type = type_make(T_BOOLEAN);
  if (!x->flag) return y;
  sl_expr *n = node(b, E_NOT, type_make(T_BOOLEAN), x->off, 1);
  n->args[0] = y;
  return n;
}

static __attribute__((noinline)) sl_expr *bind_extract(binder *b, const scope *sc,
                                                       const sql_expr *x) {
  char t1[48], t2[48];
  (void)t1, (void)t2, (void)sc;
  sl_expr *a = plan_bind_expr(b, sc, x->args[0]);
  const char *fname = x->kind == A_EXTRACT ? "$EXTRACT" : (x->flag ? "$CEIL_TO" : "$FLOOR_TO");
  sl_expr *y = bind_call(b, fn_lookup(fname), &a, 1, x->off);
  y->ival = fn_unit_index(x->text);
  if (x->kind == A_FLOORTO && (y->ival < 0 || y->ival > 8))
    plan_fail(b, x->off, "FLOOR/CEIL cannot round to %s", x->text);
  if (x->kind == A_EXTRACT && a->type.id == T_DATE && y->ival >= 0 && y->ival <= 3)
    plan_fail(b, x->off, "a DATE has no %s", x->text);
  check_call(b, y, x->off);
  return y;
}

/* AND/OR: the parser gives a whole chain as one node; nested chains of the same kind are
 * flattened, so eval sees one n-ary E_AND/E_OR. */
static __attribute__((noinline)) sl_expr *bind_logic(binder *b, const scope *sc,
                                                     const sql_expr *x) {
  int kind = x->op == OP_AND ? E_AND : E_OR;
  const char *what = x->op == OP_AND ? "an operand of AND" : "an operand of OR";
  sl_expr **parts = arena_alloc(b->a, sizeof(sl_expr *) * (size_t)x->nargs);
  int n = 0;
  for (int i = 0; i < x->nargs; i++) {
    parts[i] = plan_bind_expr(b, sc, x->args[i]);
    plan_need_bool(b, parts[i], what);
    n += parts[i]->kind == kind ? parts[i]->nargs : 1;
  }
  sl_expr *y = node(b, kind, type_make(T_BOOLEAN), x->off, n);
  int k = 0;
  for (int i = 0; i < x->nargs; i++) {
    if (parts[i]->kind == kind)
      for (int j = 0; j < parts[i]->nargs; j++) y->args[k++] = parts[i]->args[j];
    else
      y->args[k++] = parts[i];
  }
  return y;
}

/* One binary operator (comparison, ||, arithmetic) over bound operands. */
static sl_expr *bind_binop(binder *b, const sql_expr *x, sl_expr *l, sl_expr *r) {
  char t1[48], t2[48];
  int op = x->op;
  if (op >= OP_EQ && op <= OP_GE) {
    sl_type t = cmp_type(b, l, r, x->off, sql_op_text(op));
    if (t.id == T_NULL) t = type_make(T_INT);
    sl_expr *y = node(b, E_CMP, type_make(T_BOOLEAN), x->off, 2);
    y->ival = op;
    /* unscaled DECIMALs of one scale compare as they are, whatever their precision */
    y->args[0] = t.id == T_DECIMAL && l->type.id == T_DECIMAL && l->type.scale == t.scale
                     ? l
                     : expr_coerce(l, t, b->a);
    y->args[1] = t.id == T_DECIMAL && r->type.id == T_DECIMAL && r->type.scale == t.scale
                     ? r
                     : expr_coerce(r, t, b->a);
    return y;
  }
  if (op == OP_CONCAT) {
    sl_expr *y = node(b, E_CONCAT, type_make(T_STRING), x->off, 2);
    if (l->type.id == T_INTERVAL || r->type.id == T_INTERVAL)
      plan_fail(b, x->off, "cannot concatenate %s and %s", tn(l->type, t1), tn(r->type, t2));
    y->args[0] = expr_coerce(l, type_make(T_STRING), b->a);
    y->args[1] = expr_coerce(r, type_make(T_STRING), b->a);
    return y;
  }
  return bind_arith(b, op, l, r, x->off);
}

static bool is_chain_op(const sql_expr *x) {
  return x->kind == A_BINARY && x->op != OP_AND && x->op != OP_OR;
}

/* A left-deep chain (a + b - c ...) is walked in a loop down its left spine, then bound from
 * the innermost operator out; only right operands recurse. */
static __attribute__((noinline)) sl_expr *bind_chain(binder *b, const scope *sc,
                                                     const sql_expr *x) {
  int n = 0;
  for (const sql_expr *y = x; is_chain_op(y); y = y->args[0]) n++;
  const sql_expr **spine = arena_alloc(b->a, sizeof(sql_expr *) * (size_t)n);
  n = 0;
  for (const sql_expr *y = x; is_chain_op(y); y = y->args[0]) spine[n++] = y;
  sl_expr *acc = plan_bind_expr(b, sc, spine[n - 1]->args[0]);
  for (int i = n - 1; i >= 0; i--)
    acc = bind_binop(b, spine[i], acc, plan_bind_expr(b, sc, spine[i]->args[1]));
  return acc;
}

/* The dispatcher keeps a small frame: it is on the stack once per level of the tree. */
sl_expr *plan_bind_expr(binder *b, const scope *sc, const sql_expr *x) {
  switch (x->kind) {
  case A_INT:
  case A_NUM:
  case A_FLOAT:
  case A_STR:
  case A_BOOL:
  case A_NULL:
  case A_INTERVAL:
  case A_TYPED: return bind_literal(b, sc, x);
  case A_COLUMN: return plan_bind_column(b, sc, x);
  case A_STAR: plan_fail(b, x->off, "'*' is only allowed in a select list");
  case A_UNARY: return bind_unary(b, sc, x);
  case A_BINARY:
    return x->op == OP_AND || x->op == OP_OR ? bind_logic(b, sc, x) : bind_chain(b, sc, x);
  case A_FUNC: return bind_func(b, sc, x);
  case A_CAST: return bind_cast(b, sc, x);
  case A_CASE: return bind_case(b, sc, x);
  case A_ISNULL: return bind_isnull(b, sc, x);
  case A_ISBOOL: return bind_isbool(b, sc, x);
  case A_IN: return bind_in(b, sc, x);
  case A_BETWEEN: return bind_between(b, sc, x);
  case A_LIKE: return bind_like(b, sc, x);
  case A_EXTRACT:
  case A_FLOORTO: return bind_extract(b, sc, x);
  case A_EXISTS:
  case A_INSUB:
    plan_fail(b, x->off,
              "IN (SELECT ...) and EXISTS (...) are supported as conditions of WHERE joined by "
              "AND, not here");
  default: plan_fail(b, x->off, "internal: unknown expression");
  }
}
