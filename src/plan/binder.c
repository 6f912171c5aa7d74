/* binder.c - statements into the catalog and plan: CREATE TABLE (options checked against the
 * connector and format tables, computed columns, WATERMARK, PRIMARY KEY), CREATE VIEW, SET,
 * INSERT; queries into plan nodes (CTEs, subqueries, views, UNION ALL, SELECT without FROM);
 * expressions into typed sl_expr with Flink's implicit casts and result-type rules. Every error
 * points at the offending token and unknown names suggest the closest known one. */
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

int fn_unit_index(const char *u); /* expr/functions.c */

typedef struct scope_col {
  const char *name, *qual;
  sl_type type;
} scope_col;

typedef struct scope {
  scope_col *cols;
  int n;
} scope;

typedef struct cte_env cte_env;
struct cte_env {
  const sql_cte *cte;
  cte_env *outer; /* CTEs visible where this one was defined */
  cte_env *next;
};

typedef struct binder {
  sl_pipeline *p;
  sl_arena *a;
  sl_error *e;
  jmp_buf jb;
  const plan_opts *o;
  bool *set_used;
  int view_depth;
} binder;

static _Noreturn __attribute__((format(printf, 3, 4))) void fail(binder *b, uint32_t off,
                                                                 const char *fmt, ...) {
  va_list ap;
  char msg[700];
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  err_at(b->e, SL_ESQL, &b->p->src, off, "%s", msg);
  longjmp(b->jb, 1);
}

static _Noreturn void fail_hint(binder *b, uint32_t off, const char *hint, const char *msg) {
  err_at(b->e, SL_ESQL, &b->p->src, off, "%s", msg);
  if (hint) err_hint(b->e, "%s", hint);
  longjmp(b->jb, 1);
}

/* "unknown <what> 'value'", a "did you mean" when a name is close, and, when list is set, every
 * valid name: the one shape of all unknown-name errors. */
static _Noreturn void fail_unknown(binder *b, uint32_t off, const char *what, const char *value,
                                   const char *const *names, int n, const char *list) {
  char msg[300];
  sl_buf hint = {0};
  snprintf(msg, sizeof msg, "unknown %s '%s'", what, value);
  const char *best = str_closest(value, names, n);
  if (best) buf_printf(&hint, "did you mean '%s'?", best);
  if (list) {
    buf_printf(&hint, "%svalid %s: ", best ? " " : "", list);
    for (int i = 0; i < n; i++) buf_printf(&hint, "%s%s", i ? ", " : "", names[i]);
  }
  err_at(b->e, SL_ESQL, &b->p->src, off, "%s", msg);
  if (hint.len) err_hint(b->e, "%s", buf_cstr(&hint));
  buf_free(&hint);
  longjmp(b->jb, 1);
}

static const char *tn(sl_type t, char *buf) { return type_name(t, buf, 48); }

plan_node *plan_new_node(sl_arena *a, int kind, int nin, int ncols) {
  plan_node *n = arena_zalloc(a, sizeof *n);
  n->kind = kind;
  n->nin = nin;
  n->in = nin ? arena_zalloc(a, sizeof(plan_node *) * (size_t)nin) : NULL;
  n->ncols = ncols;
  n->names = arena_zalloc(a, sizeof(char *) * (size_t)(ncols ? ncols : 1));
  n->types = arena_zalloc(a, sizeof(sl_type) * (size_t)(ncols ? ncols : 1));
  return n;
}

static cat_table *find_table(sl_pipeline *p, const char *name) {
  for (int i = 0; i < p->ntables; i++)
    if (str_ieq(p->tables[i]->name, name)) return p->tables[i];
  return NULL;
}

static _Noreturn void fail_unknown(binder *b, uint32_t off, const char *what, const char *value,
                                   const char *const *names, int n, const char *list);

static _Noreturn void fail_unknown_table(binder *b, uint32_t off, const char *name, cte_env *env) {
  const char *names[256];
  int n = 0;
  for (int i = 0; i < b->p->ntables && n < 256; i++) names[n++] = b->p->tables[i]->name;
  for (cte_env *c = env; c && n < 256; c = c->next) names[n++] = c->cte->name;
  fail_unknown(b, off, "table", name, names, n, NULL);
}

/* ---- environment substitution ---- */

sl_status plan_substitute_env(const sl_source *src, uint32_t val_off, const char *in, sl_arena *a,
                              const char **out, sl_error *e) {
  if (!strstr(in, "${")) {
    *out = in;
    return SL_OK;
  }
  sl_buf b = {0};
  const char *s = in;
  while (*s) {
    const char *d = strstr(s, "${");
    if (!d) {
      buf_puts(&b, s);
      break;
    }
    buf_put(&b, s, (size_t)(d - s));
    const char *end = strchr(d, '}');
    uint32_t pos = val_off + 1 + (uint32_t)(d - in);
    if (!end) {
      buf_free(&b);
      return err_at(e, SL_ESQL, src, pos, "'${' without a closing '}'");
    }
    char name[256];
    const char *dflt = NULL;
    size_t nl = (size_t)(end - d - 2);
    const char *colon = memchr(d + 2, ':', nl);
    size_t dl = 0;
    if (colon && colon[1] == '-') {
      dflt = colon + 2;
      dl = (size_t)(end - dflt);
      nl = (size_t)(colon - d - 2);
    }
    if (nl == 0 || nl >= sizeof name) {
      buf_free(&b);
      return err_at(e, SL_ESQL, src, pos, "bad variable reference");
    }
    memcpy(name, d + 2, nl);
    name[nl] = 0;
    const char *v = getenv(name);
    if (v)
      buf_puts(&b, v);
    else if (dflt)
      buf_put(&b, dflt, dl);
    else {
      buf_free(&b);
      err_at(e, SL_ESQL, src, pos, "environment variable '%s' is not set", name);
      err_hint(e, "set it, or give a default: ${%s:-value}", name);
      return SL_ESQL;
    }
    s = end + 1;
  }
  *out = arena_strdup(a, buf_cstr(&b));
  buf_free(&b);
  return SL_OK;
}

/* ---- expressions ---- */

static sl_expr *bind_expr(binder *b, const scope *sc, const sql_expr *x);

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

static void need_bool(binder *b, sl_expr *x, const char *what) {
  char t[48];
  if (x->type.id != T_BOOLEAN && x->type.id != T_NULL)
    fail(b, x->off, "%s must be a BOOLEAN, not %s", what, tn(x->type, t));
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
  fail(b, off, "cannot compare %s with %s using '%s'", tn(l->type, t1), tn(r->type, t2), op);
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
    fail_hint(b, off, hint, msg);
  }
  x->args[0] = l;
  x->args[1] = r;
  return x;
}

static const char *const aggregates[] = {
    "COUNT",       "SUM",        "AVG",      "MIN",        "MAX",     "STDDEV_POP",
    "STDDEV_SAMP", "VAR_POP",    "VAR_SAMP", "COLLECT",    "LISTAGG", "FIRST_VALUE",
    "LAST_VALUE",  "ROW_NUMBER", "RANK",     "DENSE_RANK", NULL};

static sl_expr *bind_call(binder *b, const fn_def *fn, sl_expr **args, int nargs, uint32_t off) {
  sl_expr *x = node(b, E_CALL, type_make(T_NULL), off, nargs);
  x->fn = fn;
  for (int i = 0; i < nargs; i++) x->args[i] = args[i];
  return x;
}

static void check_call(binder *b, sl_expr *x, uint32_t off) {
  const char *m = x->fn->check(x, b->a);
  if (m) fail(b, off, "%s", m);
  /* a literal regular expression is compiled now so a bad one is a located error */
  m = expr_prepare(x, b->a);
  expr_free_aux(x);
  if (m) fail(b, x->nargs > 1 ? x->args[1]->off : off, "%s", m);
}

static sl_expr *resolve_column(binder *b, const scope *sc, const sql_expr *x) {
  const char *qual = x->nnames >= 2 ? x->names[x->nnames - 2] : NULL;
  const char *name = x->names[x->nnames - 1];
  bool quoted = (x->ival >> (x->nnames - 1)) & 1;
  if (x->nnames > 2) fail(b, x->off, "nested field access (a.b.c) is not supported yet");
  int found = -1;
  for (int i = 0; i < sc->n; i++) {
    if (!sql_name_match(sc->cols[i].name, name, quoted)) continue;
    if (qual && (!sc->cols[i].qual || !str_ieq(sc->cols[i].qual, qual))) continue;
    if (found >= 0) fail(b, x->off, "column '%s' is ambiguous; qualify it with a table name", name);
    found = i;
  }
  if (found < 0) {
    if (qual) {
      bool qual_known = false;
      for (int i = 0; i < sc->n; i++)
        qual_known |= sc->cols[i].qual && str_ieq(sc->cols[i].qual, qual);
      if (!qual_known) {
        const char *quals[256];
        int nq = 0;
        for (int i = 0; i < sc->n && nq < 256; i++)
          if (sc->cols[i].qual) quals[nq++] = sc->cols[i].qual;
        const char *best = str_closest(qual, quals, nq);
        char hint[128], msg[200];
        if (best) snprintf(hint, sizeof hint, "did you mean '%s'?", best);
        snprintf(msg, sizeof msg, "unknown table or alias '%s'", qual);
        fail_hint(b, x->off, best ? hint : NULL, msg);
      }
    }
    const char *names[512];
    int nn = 0;
    for (int i = 0; i < sc->n && nn < 512; i++)
      if (!qual || (sc->cols[i].qual && str_ieq(sc->cols[i].qual, qual)))
        names[nn++] = sc->cols[i].name;
    const char *best = str_closest(name, names, nn);
    char hint[160], msg[200];
    if (best) snprintf(hint, sizeof hint, "did you mean '%s'?", best);
    if (sc->n == 0)
      snprintf(msg, sizeof msg, "unknown column '%s' (this query has no FROM)", name);
    else
      snprintf(msg, sizeof msg, "unknown column '%s'", name);
    fail_hint(b, x->off, best ? hint : NULL, msg);
  }
  sl_expr *r = expr_new(b->a, E_COL, sc->cols[found].type, x->off);
  r->col = found;
  r->label = sc->cols[found].name;
  return r;
}

static sl_expr *bind_expr(binder *b, const scope *sc, const sql_expr *x) {
  char t1[48], t2[48];
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
    if (prec > 38) fail(b, x->off, "numeric literal has more than 38 digits");
    __int128 v;
    if (!dec_parse(x->text, x->tlen, prec, scale, &v)) fail(b, x->off, "bad numeric literal");
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
      if (!date_parse(x->text, x->tlen, &v)) fail(b, x->off, "invalid DATE literal '%s'", x->text);
    } else {
      if (!ts_parse(x->text, x->tlen, &v, &z, &off))
        fail(b, x->off, "invalid TIMESTAMP literal '%s'", x->text);
      if (x->type.id == T_TIMESTAMP_LTZ)
        v -= z ? off : b->p->tz_offset_ms;
      else if (z)
        v -= off;
    }
    return lit(b, x->type, value_int(v), x->off);
  }
  case A_COLUMN: return resolve_column(b, sc, x);
  case A_STAR: fail(b, x->off, "'*' is only allowed in a select list");
  case A_UNARY: {
    sl_expr *a = bind_expr(b, sc, x->args[0]);
    if (x->op == OP_NOT) {
      need_bool(b, a, "the operand of NOT");
      sl_expr *r = node(b, E_NOT, type_make(T_BOOLEAN), x->off, 1);
      r->args[0] = a;
      return r;
    }
    if (!type_is_numeric(a->type) && a->type.id != T_INTERVAL && a->type.id != T_NULL)
      fail(b, x->off, "cannot negate %s", tn(a->type, t1));
    sl_expr *r = node(b, E_ARITH, a->type.id == T_NULL ? type_make(T_INT) : a->type, x->off, 1);
    r->ival = OP_NEG;
    r->args[0] = expr_coerce(a, r->type, b->a);
    return r;
  }
  case A_BINARY: {
    sl_expr *l = bind_expr(b, sc, x->args[0]), *r = bind_expr(b, sc, x->args[1]);
    int op = x->op;
    if (op == OP_AND || op == OP_OR) {
      need_bool(b, l, op == OP_AND ? "an operand of AND" : "an operand of OR");
      need_bool(b, r, op == OP_AND ? "an operand of AND" : "an operand of OR");
      int kind = op == OP_AND ? E_AND : E_OR;
      int n = (l->kind == kind ? l->nargs : 1) + (r->kind == kind ? r->nargs : 1);
      sl_expr *y = node(b, kind, type_make(T_BOOLEAN), x->off, n);
      int k = 0;
      sl_expr *parts[2] = {l, r};
      for (int i = 0; i < 2; i++) {
        if (parts[i]->kind == kind)
          for (int j = 0; j < parts[i]->nargs; j++) y->args[k++] = parts[i]->args[j];
        else
          y->args[k++] = parts[i];
      }
      return y;
    }
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
        fail(b, x->off, "cannot concatenate %s and %s", tn(l->type, t1), tn(r->type, t2));
      y->args[0] = expr_coerce(l, type_make(T_STRING), b->a);
      y->args[1] = expr_coerce(r, type_make(T_STRING), b->a);
      return y;
    }
    return bind_arith(b, op, l, r, x->off);
  }
  case A_FUNC: {
    for (int i = 0; aggregates[i]; i++)
      if (str_ieq(x->text, aggregates[i]))
        fail(b, x->off,
             "aggregate function %s is not supported yet (GROUP BY comes with the "
             "windowed aggregation issue)",
             aggregates[i]);
    const fn_def *fn = fn_lookup(x->text);
    if (!fn || fn->name[0] == '$') {
      int n;
      const fn_def *all = fn_table(&n);
      const char *names[128];
      int k = 0;
      for (int i = 0; i < n && k < 128; i++)
        if (all[i].name[0] != '$') names[k++] = all[i].name;
      fail_unknown(b, x->off, "function", x->text, names, k, NULL);
    }
    if (x->flag & 1) fail(b, x->off, "DISTINCT is only allowed in aggregate functions");
    if (x->flag & 2) fail(b, x->off, "%s(*) is not allowed", fn->name);
    if (x->nargs < fn->min_args || (fn->max_args >= 0 && x->nargs > fn->max_args)) {
      if (fn->min_args == fn->max_args)
        fail(b, x->off, "%s takes %d argument%s, not %d", fn->name, fn->min_args,
             fn->min_args == 1 ? "" : "s", x->nargs);
      fail(b, x->off, "%s takes %d to %d arguments, not %d", fn->name, fn->min_args,
           fn->max_args < 0 ? 64 : fn->max_args, x->nargs);
    }
    if (x->nargs > 64) fail(b, x->off, "too many arguments");
    sl_expr *args[64];
    for (int i = 0; i < x->nargs; i++) args[i] = bind_expr(b, sc, x->args[i]);
    sl_expr *y = bind_call(b, fn, args, x->nargs, x->off);
    check_call(b, y, x->off);
    return y;
  }
  case A_CAST: {
    sl_expr *a = bind_expr(b, sc, x->args[0]);
    if (!expr_cast_allowed(a->type, x->type))
      fail(b, x->off, "cannot CAST %s to %s", tn(a->type, t1), tn(x->type, t2));
    if (a->type.id == T_NULL) return lit(b, x->type, value_null(), x->off);
    sl_expr *y = node(b, E_CAST, x->type, x->off, 1);
    y->flag = x->flag;
    y->args[0] = a;
    return y;
  }
  case A_CASE: {
    bool has_operand = x->flag & 1, has_else = x->flag & 2;
    int first = has_operand ? 1 : 0;
    int pairs = (x->nargs - first - (has_else ? 1 : 0)) / 2;
    sl_expr *operand = has_operand ? bind_expr(b, sc, x->args[0]) : NULL;
    sl_expr *y = node(b, E_CASE, type_make(T_NULL), x->off, pairs * 2 + (has_else ? 1 : 0));
    y->flag = has_else;
    sl_type rt = type_make(T_NULL);
    for (int i = 0; i < pairs; i++) {
      sl_expr *c = bind_expr(b, sc, x->args[first + 2 * i]);
      if (operand) {
        sl_type t = cmp_type(b, operand, c, c->off, "=");
        sl_expr *eq = node(b, E_CMP, type_make(T_BOOLEAN), c->off, 2);
        eq->ival = OP_EQ;
        eq->args[0] = expr_coerce(operand, t, b->a);
        eq->args[1] = expr_coerce(c, t, b->a);
        c = eq;
      }
      need_bool(b, c, "a WHEN condition");
      y->args[2 * i] = c;
      y->args[2 * i + 1] = bind_expr(b, sc, x->args[first + 2 * i + 1]);
    }
    if (has_else) y->args[y->nargs - 1] = bind_expr(b, sc, x->args[x->nargs - 1]);
    for (int i = 0; i < y->nargs; i++) {
      if (i < pairs * 2 && i % 2 == 0) continue;
      sl_type nt;
      if (!expr_common_type(rt, y->args[i]->type, &nt))
        fail(b, y->args[i]->off, "CASE branches have no common type (%s and %s)", tn(rt, t1),
             tn(y->args[i]->type, t2));
      rt = nt;
    }
    for (int i = 0; i < y->nargs; i++)
      if (!(i < pairs * 2 && i % 2 == 0)) y->args[i] = expr_coerce(y->args[i], rt, b->a);
    y->type = rt;
    return y;
  }
  case A_ISNULL: {
    sl_expr *y = node(b, E_ISNULL, type_make(T_BOOLEAN), x->off, 1);
    y->flag = x->flag;
    y->args[0] = bind_expr(b, sc, x->args[0]);
    return y;
  }
  case A_ISBOOL: {
    sl_expr *y = node(b, E_ISBOOL, type_make(T_BOOLEAN), x->off, 1);
    y->flag = x->flag;
    y->ival = x->ival;
    y->args[0] = bind_expr(b, sc, x->args[0]);
    need_bool(b, y->args[0], "the operand of IS TRUE/FALSE/UNKNOWN");
    return y;
  }
  case A_IN: {
    sl_expr *y = node(b, E_IN, type_make(T_BOOLEAN), x->off, x->nargs);
    y->flag = x->flag;
    for (int i = 0; i < x->nargs; i++) y->args[i] = bind_expr(b, sc, x->args[i]);
    sl_type t = y->args[0]->type;
    for (int i = 1; i < x->nargs; i++)
      t = cmp_type(b, &(sl_expr){.type = t}, y->args[i], y->args[i]->off, "IN");
    if (t.id == T_NULL) t = type_make(T_INT);
    for (int i = 0; i < x->nargs; i++) y->args[i] = expr_coerce(y->args[i], t, b->a);
    return y;
  }
  case A_BETWEEN: {
    sl_expr *a = bind_expr(b, sc, x->args[0]);
    sl_expr *lo = bind_expr(b, sc, x->args[1]), *hi = bind_expr(b, sc, x->args[2]);
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
  case A_LIKE: {
    sl_expr *args[3];
    for (int i = 0; i < x->nargs; i++) args[i] = bind_expr(b, sc, x->args[i]);
    sl_expr *y = bind_call(b, fn_lookup("$LIKE"), args, x->nargs, x->off);
    if (!(args[0]->type.id == T_STRING || args[0]->type.id == T_NULL) ||
        !(args[1]->type.id == T_STRING || args[1]->type.id == T_NULL))
      fail(b, x->off, "LIKE needs strings, not %s and %s", tn(args[0]->type, t1),
           tn(args[1]->type, t2));
    check_call(b, y, x->off);
    y->type = type_make(T_BOOLEAN);
    if (!x->flag) return y;
    sl_expr *n = node(b, E_NOT, type_make(T_BOOLEAN), x->off, 1);
    n->args[0] = y;
    return n;
  }
  case A_EXTRACT:
  case A_FLOORTO: {
    sl_expr *a = bind_expr(b, sc, x->args[0]);
    const char *fname = x->kind == A_EXTRACT ? "$EXTRACT" : (x->flag ? "$CEIL_TO" : "$FLOOR_TO");
    sl_expr *y = bind_call(b, fn_lookup(fname), &a, 1, x->off);
    y->ival = fn_unit_index(x->text);
    if (x->kind == A_FLOORTO && (y->ival < 0 || y->ival > 8))
      fail(b, x->off, "FLOOR/CEIL cannot round to %s", x->text);
    if (x->kind == A_EXTRACT && a->type.id == T_DATE && y->ival >= 0 && y->ival <= 3)
      fail(b, x->off, "a DATE has no %s", x->text);
    check_call(b, y, x->off);
    return y;
  }
  default: fail(b, x->off, "internal: unknown expression");
  }
}

/* ---- queries ---- */

typedef struct bound {
  plan_node *n;
  const char *qual;
} bound;

static plan_node *bind_query(binder *b, const sql_query *q, cte_env *env);

static plan_node *calc_node(binder *b, plan_node *in, int ncols, uint32_t off) {
  plan_node *c = plan_new_node(b->a, P_CALC, 1, ncols);
  c->in[0] = in;
  c->proj = arena_zalloc(b->a, sizeof(sl_expr *) * (size_t)(ncols ? ncols : 1));
  c->off = off;
  return c;
}

static plan_node *scan_table(binder *b, cat_table *t, uint32_t off) {
  if (!t->conn->has_source)
    fail(b, off, "table '%s' uses connector '%s', which cannot be read from", t->name,
         t->conn->name);
  if (t->inferred)
    fail(b, off, "table '%s' was declared without columns, so it cannot be read from", t->name);
  plan_node *s = plan_new_node(b->a, P_SCAN, 0, t->nphys);
  s->table = t;
  s->off = off;
  for (int i = 0; i < t->nphys; i++) {
    s->names[i] = t->phys_names[i];
    s->types[i] = t->phys_types[i];
  }
  if (t->nphys == t->ncols) return s;
  plan_node *c = calc_node(b, s, t->ncols, off); /* computed columns */
  for (int i = 0; i < t->ncols; i++) {
    c->names[i] = t->cols[i].name;
    c->types[i] = t->cols[i].type;
    if (t->cols[i].computed) {
      c->proj[i] = t->cols[i].computed;
    } else {
      sl_expr *x = expr_new(b->a, E_COL, t->cols[i].type, off);
      x->col = t->cols[i].phys;
      c->proj[i] = x;
    }
  }
  return c;
}

static bound bind_from(binder *b, const sql_from *f, cte_env *env) {
  bound r = {0};
  if (f->kind == FROM_SUBQUERY) {
    r.n = bind_query(b, f->sub, env);
    r.qual = f->alias;
    return r;
  }
  r.qual = f->alias ? f->alias : f->name;
  for (cte_env *c = env; c; c = c->next)
    if (sql_name_match(c->cte->name, f->name, f->quoted)) {
      r.n = bind_query(b, c->cte->q, c->outer);
      return r;
    }
  cat_table *t = find_table(b->p, f->name);
  if (!t) fail_unknown_table(b, f->off, f->name, env);
  if (t->is_view) {
    if (++b->view_depth > 32) fail(b, f->off, "views nest too deeply (a view that uses itself?)");
    plan_node *n = bind_query(b, t->view->query, NULL);
    b->view_depth--;
    if (t->view->ninsert_cols) {
      if (t->view->ninsert_cols != n->ncols)
        fail(b, t->view->name_off, "view '%s' names %d columns but its query has %d", t->name,
             t->view->ninsert_cols, n->ncols);
      plan_node *c = calc_node(b, n, n->ncols, f->off);
      for (int i = 0; i < n->ncols; i++) {
        c->names[i] = t->view->insert_cols[i];
        c->types[i] = n->types[i];
        c->proj[i] = expr_new(b->a, E_COL, n->types[i], f->off);
        c->proj[i]->col = i;
      }
      n = c;
    }
    r.n = n;
    return r;
  }
  r.n = scan_table(b, t, f->off);
  return r;
}

static scope make_scope(binder *b, plan_node *n, const char *qual) {
  scope s;
  s.n = n->ncols;
  s.cols = arena_alloc(b->a, sizeof(scope_col) * (size_t)(n->ncols ? n->ncols : 1));
  for (int i = 0; i < n->ncols; i++) {
    s.cols[i].name = n->names[i];
    s.cols[i].qual = qual;
    s.cols[i].type = n->types[i];
  }
  return s;
}

static plan_node *bind_select(binder *b, const sql_query *q, cte_env *env) {
  if (q->ngroup)
    fail(b, q->group_off,
         "GROUP BY is not supported yet (it comes with the windowed aggregation issue)");
  if (q->having) fail(b, q->having->off, "HAVING is not supported yet");
  if (q->distinct) fail(b, q->off, "SELECT DISTINCT is not supported yet");
  bound in;
  if (q->from) {
    in = bind_from(b, q->from, env);
  } else {
    in.n = plan_new_node(b->a, P_ONEROW, 0, 0);
    in.n->off = q->off;
    in.qual = NULL;
  }
  scope sc = make_scope(b, in.n, in.qual);
  /* count output columns */
  int n = 0;
  for (int i = 0; i < q->nitems; i++) {
    const sql_expr *x = q->items[i].e;
    if (x->kind == A_STAR) {
      if (x->nnames == 0) {
        if (!q->from) fail(b, x->off, "SELECT * needs a FROM clause");
        n += sc.n;
      } else {
        int k = 0;
        for (int j = 0; j < sc.n; j++)
          k += sc.cols[j].qual && str_ieq(sc.cols[j].qual, x->names[0]);
        if (!k) fail(b, x->off, "unknown table or alias '%s'", x->names[0]);
        n += k;
      }
    } else {
      n++;
    }
  }
  plan_node *c = calc_node(b, in.n, n, q->off);
  int k = 0;
  for (int i = 0; i < q->nitems; i++) {
    const sql_select_item *it = &q->items[i];
    const sql_expr *x = it->e;
    if (x->kind == A_STAR) {
      for (int j = 0; j < sc.n; j++) {
        if (x->nnames && !(sc.cols[j].qual && str_ieq(sc.cols[j].qual, x->names[0]))) continue;
        sl_expr *y = expr_new(b->a, E_COL, sc.cols[j].type, x->off);
        y->col = j;
        c->proj[k] = y;
        c->names[k] = sc.cols[j].name;
        c->types[k++] = sc.cols[j].type;
      }
      continue;
    }
    sl_expr *y = bind_expr(b, &sc, x);
    c->proj[k] = y;
    c->types[k] = y->type;
    if (it->alias)
      c->names[k] = it->alias;
    else if (x->kind == A_COLUMN)
      c->names[k] = x->names[x->nnames - 1];
    else
      c->names[k] = arena_printf(b->a, "EXPR$%d", k);
    k++;
  }
  if (q->where) {
    sl_expr *w = bind_expr(b, &sc, q->where);
    need_bool(b, w, "WHERE");
    c->pred = w;
  }
  return c;
}

static plan_node *bind_query(binder *b, const sql_query *q, cte_env *env) {
  cte_env *local = env;
  for (int i = 0; i < q->nctes; i++) {
    for (int j = 0; j < i; j++)
      if (str_ieq(q->ctes[j].name, q->ctes[i].name))
        fail(b, q->ctes[i].off, "WITH query '%s' is defined twice", q->ctes[i].name);
    cte_env *c = arena_zalloc(b->a, sizeof *c);
    c->cte = &q->ctes[i];
    c->outer = local;
    c->next = local;
    local = c;
  }
  for (int i = 0; i < q->nctes; i++) bind_query(b, q->ctes[i].q, local); /* check unused ones too */
  if (q->kind == Q_SELECT) return bind_select(b, q, local);
  plan_node *l = bind_query(b, q->l, local), *r = bind_query(b, q->r, local);
  if (l->ncols != r->ncols)
    fail(b, q->off, "UNION ALL inputs have %d and %d columns", l->ncols, r->ncols);
  plan_node *u = plan_new_node(b->a, P_UNION, 2, l->ncols);
  u->off = q->off;
  bool cast_l = false, cast_r = false;
  for (int i = 0; i < l->ncols; i++) {
    sl_type t;
    char t1[48], t2[48];
    if (!expr_common_type(l->types[i], r->types[i], &t))
      fail(b, q->off, "UNION ALL column %d (%s) has types %s and %s with no common type", i + 1,
           l->names[i], tn(l->types[i], t1), tn(r->types[i], t2));
    if (t.id == T_NULL) t = type_make(T_STRING);
    u->names[i] = l->names[i];
    u->types[i] = t;
    cast_l |= !type_equal(l->types[i], t);
    cast_r |= !type_equal(r->types[i], t);
  }
  plan_node *sides[2] = {l, r};
  bool cast[2] = {cast_l, cast_r};
  for (int s = 0; s < 2; s++) {
    plan_node *in = sides[s];
    if (cast[s]) {
      plan_node *c = calc_node(b, in, in->ncols, q->off);
      for (int i = 0; i < in->ncols; i++) {
        sl_expr *x = expr_new(b->a, E_COL, in->types[i], q->off);
        x->col = i;
        c->proj[i] = expr_coerce(x, u->types[i], b->a);
        c->names[i] = u->names[i];
        c->types[i] = u->types[i];
      }
      in = c;
    }
    u->in[s] = in;
  }
  return u;
}

/* ---- statements ---- */

static const opt_def *opt_find(const opt_def *d, const char *key) {
  for (; d && d->key; d++)
    if (!strcmp(d->key, key)) return d;
  return NULL;
}

static void apply_set_overrides(binder *b, const sql_stmt *s, sql_option **opts, int *nopts) {
  for (int i = 0; i < b->o->nsets; i++) {
    const char *kv = b->o->sets[i];
    const char *dot = strchr(kv, '.'), *eq = strchr(kv, '=');
    if (!dot || !eq || dot > eq) continue;
    if (!str_nieq(kv, (size_t)(dot - kv), s->name)) continue;
    b->set_used[i] = true;
    const char *key = arena_strndup(b->a, dot + 1, (size_t)(eq - dot - 1));
    const char *val = arena_strdup(b->a, eq + 1);
    int j;
    for (j = 0; j < *nopts; j++)
      if (!strcmp((*opts)[j].key, key)) break;
    if (j == *nopts) {
      sql_option *no = arena_zalloc(b->a, sizeof *no * (size_t)(*nopts + 1));
      if (*nopts) memcpy(no, *opts, sizeof *no * (size_t)*nopts);
      *opts = no;
      (*nopts)++;
      no[j].key = key;
      no[j].key_off = s->name_off;
    }
    (*opts)[j].value = val;
    (*opts)[j].val_off = s->name_off;
  }
}

static void bind_create_table(binder *b, const sql_stmt *s) {
  sl_pipeline *p = b->p;
  if (find_table(p, s->name)) {
    if (s->if_not_exists) return;
    fail(b, s->name_off, "table '%s' already exists", s->name);
  }
  cat_table *t = arena_zalloc(b->a, sizeof *t);
  t->name = s->name;
  t->off = s->name_off;
  t->wm_col = -1;
  /* options: copy, substitute ${VAR}, apply --set overrides */
  int nopts = s->nopts;
  sql_option *opts = arena_zalloc(b->a, sizeof *opts * (size_t)(nopts ? nopts : 1));
  for (int i = 0; i < nopts; i++) {
    opts[i] = s->opts[i];
    if (plan_substitute_env(&p->src, opts[i].val_off, opts[i].value, b->a, &opts[i].value, b->e))
      longjmp(b->jb, 1);
  }
  apply_set_overrides(b, s, &opts, &nopts);
  t->opts = opts;
  t->nopts = nopts;
  opt_kv *kv = arena_zalloc(b->a, sizeof *kv * (size_t)(nopts ? nopts : 1));
  for (int i = 0; i < nopts; i++) kv[i] = (opt_kv){opts[i].key, opts[i].value};
  t->ol = (opt_list){kv, nopts};
  opt_list ol = t->ol;
  const char *cname = opt_get(&ol, NULL, "connector");
  int nconn;
  const conn_def *const *conns = conn_table(&nconn);
  if (!cname)
    fail_hint(b, s->name_off, "add WITH ('connector' = 'filesystem', ...)",
              "table has no 'connector' option");
  t->conn = conn_lookup(cname);
  if (!t->conn) {
    const char *names[16];
    for (int i = 0; i < nconn && i < 16; i++) names[i] = conns[i]->name;
    uint32_t off = s->name_off;
    for (int i = 0; i < nopts; i++)
      if (!strcmp(opts[i].key, "connector")) off = opts[i].val_off;
    fail_unknown(b, off, "connector", cname, names, nconn < 16 ? nconn : 16, "connectors");
  }
  if (t->conn->needs_format) {
    const char *fname = opt_get(&ol, NULL, "format");
    if (!fname)
      fail_hint(b, s->name_off, "add 'format' = 'json' or 'format' = 'csv'",
                "connector needs a 'format' option");
    t->fmt = fmt_lookup(fname);
    if (!t->fmt) {
      uint32_t off = s->name_off;
      for (int i = 0; i < nopts; i++)
        if (!strcmp(opts[i].key, "format")) off = opts[i].val_off;
      int nf;
      const fmt_def *const *fmts = fmt_table(&nf);
      const char *names[16];
      for (int i = 0; i < nf && i < 16; i++) names[i] = fmts[i]->name;
      fail_unknown(b, off, "format", fname, names, nf < 16 ? nf : 16, "formats");
    }
  }
  for (int i = 0; i < nopts; i++) {
    const char *k = opts[i].key;
    const opt_def *d = opt_find(t->conn->opts, k);
    if (!d && t->fmt) d = opt_find(t->fmt->opts, k);
    if (!d && t->conn->has_source) d = opt_find(conn_source_opts, k);
    if (!d) {
      const char *names[64];
      int n = 0;
      const opt_def *tabs[3] = {t->conn->opts, t->fmt ? t->fmt->opts : NULL,
                                t->conn->has_source ? conn_source_opts : NULL};
      for (int ti = 0; ti < 3; ti++)
        for (const opt_def *od = tabs[ti]; od && od->key && n < 64; od++) names[n++] = od->key;
      char list[160];
      snprintf(list, sizeof list, "options of connector '%s'%s%s%s", t->conn->name,
               t->fmt ? " with format '" : "", t->fmt ? t->fmt->name : "", t->fmt ? "'" : "");
      fail_unknown(b, opts[i].key_off, "option", k, names, n, list);
    }
    const char *m = opt_check_value(d, opts[i].value, b->a);
    if (m) fail(b, opts[i].val_off, "%s", m);
  }
  for (const opt_def *d = t->conn->opts; d->key; d++)
    if (d->required && !opt_get(&ol, NULL, d->key))
      fail(b, s->name_off, "connector '%s' needs the option '%s' (%s)", t->conn->name, d->key,
           d->doc);
  /* columns */
  t->inferred = !s->has_columns;
  if (s->has_columns && s->ncols == 0) fail(b, s->name_off, "a table needs at least one column");
  if (t->inferred && t->conn->has_source && !t->conn->has_sink)
    fail(b, s->name_off, "a source table needs its columns declared");
  t->ncols = s->ncols;
  t->cols = arena_zalloc(b->a, sizeof(cat_column) * (size_t)(s->ncols ? s->ncols : 1));
  int nphys = 0;
  for (int i = 0; i < s->ncols; i++)
    if (!s->cols[i].computed) nphys++;
  t->nphys = nphys;
  t->phys_names = arena_zalloc(b->a, sizeof(char *) * (size_t)(nphys ? nphys : 1));
  t->phys_types = arena_zalloc(b->a, sizeof(sl_type) * (size_t)(nphys ? nphys : 1));
  scope phys = {arena_zalloc(b->a, sizeof(scope_col) * (size_t)(nphys ? nphys : 1)), 0};
  for (int i = 0; i < s->ncols; i++) {
    const sql_column_def *cd = &s->cols[i];
    cat_column *c = &t->cols[i];
    c->name = cd->name;
    c->off = cd->off;
    c->not_null = cd->not_null;
    c->phys = -1;
    if (cd->metadata) fail(b, cd->off, "connector '%s' has no metadata columns", t->conn->name);
    if (!cd->computed) {
      c->type = cd->type;
      c->phys = phys.n;
      t->phys_names[phys.n] = cd->name;
      t->phys_types[phys.n] = cd->type;
      phys.cols[phys.n].name = cd->name;
      phys.cols[phys.n].qual = s->name;
      phys.cols[phys.n].type = cd->type;
      phys.n++;
    }
  }
  for (int i = 0; i < s->ncols; i++) {
    const sql_column_def *cd = &s->cols[i];
    if (!cd->computed) continue;
    sl_expr *x = bind_expr(b, &phys, cd->computed);
    if (x->type.id == T_NULL) x = expr_coerce(x, type_make(T_STRING), b->a);
    t->cols[i].computed = x;
    t->cols[i].type = x->type;
  }
  if (s->wm_col) {
    int k = -1;
    for (int i = 0; i < t->ncols; i++)
      if (str_ieq(t->cols[i].name, s->wm_col)) k = i;
    if (k < 0) fail(b, s->wm_off, "WATERMARK FOR names an unknown column '%s'", s->wm_col);
    sl_type ct = t->cols[k].type;
    char t1[48];
    if (ct.id != T_TIMESTAMP && ct.id != T_TIMESTAMP_LTZ)
      fail(b, s->wm_off,
           "the event-time column '%s' must be TIMESTAMP(3) or TIMESTAMP_LTZ(3), not %s", s->wm_col,
           tn(ct, t1));
    scope all = {arena_zalloc(b->a, sizeof(scope_col) * (size_t)t->ncols), t->ncols};
    for (int i = 0; i < t->ncols; i++) {
      all.cols[i].name = t->cols[i].name;
      all.cols[i].qual = s->name;
      all.cols[i].type = t->cols[i].type;
    }
    sl_expr *w = bind_expr(b, &all, s->wm_expr);
    if (w->type.id != ct.id)
      fail(b, s->wm_expr->off, "the WATERMARK expression must be %s, not %s", tn(ct, t1),
           tn(w->type, (char[48]){0}));
    t->wm_col = k;
    t->wm_expr = w;
  }
  if (s->npk) {
    t->pk = arena_zalloc(b->a, sizeof(int) * (size_t)s->npk);
    t->npk = s->npk;
    for (int i = 0; i < s->npk; i++) {
      int k = -1;
      for (int j = 0; j < t->ncols; j++)
        if (str_ieq(t->cols[j].name, s->pk[i])) k = j;
      if (k < 0) fail(b, s->pk_off[i], "PRIMARY KEY names an unknown column '%s'", s->pk[i]);
      t->pk[i] = k;
      t->cols[k].not_null = true;
    }
  }
  if (s->npart) { /* PARTITIONED BY: physical columns of a filesystem table */
    if (t->conn != &conn_filesystem)
      fail(b, s->part_off, "PARTITIONED BY is supported by the filesystem connector only");
    if (!s->has_columns) fail(b, s->part_off, "PARTITIONED BY needs the table's columns declared");
    t->part_keys = arena_zalloc(b->a, sizeof(char *) * (size_t)s->npart);
    t->nparts = s->npart;
    for (int i = 0; i < s->npart; i++) {
      int k = -1;
      for (int j = 0; j < t->ncols; j++)
        if (str_ieq(t->cols[j].name, s->part[i])) k = j;
      if (k < 0 || t->cols[k].phys < 0)
        fail(b, s->part_offs[i], "PARTITIONED BY names %s '%s'",
             k < 0 ? "an unknown column" : "a computed column", s->part[i]);
      for (int j = 0; j < i; j++)
        if (str_ieq(t->part_keys[j], t->cols[k].name))
          fail(b, s->part_offs[i], "PARTITIONED BY names '%s' twice", s->part[i]);
      t->part_keys[i] = t->cols[k].name;
    }
    if (s->npart >= t->nphys)
      fail(b, s->part_off, "PARTITIONED BY cannot take every column: the records need one");
  }
  p->tables = xrealloc(p->tables, sizeof(cat_table *) * (size_t)(p->ntables + 1));
  p->tables[p->ntables++] = t;
}

static void bind_create_view(binder *b, const sql_stmt *s) {
  sl_pipeline *p = b->p;
  if (find_table(p, s->name)) {
    if (s->if_not_exists) return;
    fail(b, s->name_off, "a table or view named '%s' already exists", s->name);
  }
  cat_table *t = arena_zalloc(b->a, sizeof *t);
  t->name = s->name;
  t->off = s->name_off;
  t->is_view = true;
  t->view = s;
  t->wm_col = -1;
  plan_node *n = bind_query(b, s->query, NULL); /* check it now, at the view */
  if (s->ninsert_cols && s->ninsert_cols != n->ncols)
    fail(b, s->name_off, "view '%s' names %d columns but its query has %d", s->name,
         s->ninsert_cols, n->ncols);
  p->tables = xrealloc(p->tables, sizeof(cat_table *) * (size_t)(p->ntables + 1));
  p->tables[p->ntables++] = t;
}

static void bind_insert(binder *b, const sql_stmt *s) {
  sl_pipeline *p = b->p;
  cat_table *t = find_table(p, s->name);
  char t1[48], t2[48];
  if (!t) fail_unknown_table(b, s->name_off, s->name, NULL);
  if (t->is_view) fail(b, s->name_off, "cannot INSERT INTO view '%s'", t->name);
  if (!t->conn->has_sink)
    fail(b, s->name_off, "table '%s' uses connector '%s', which cannot be written to", t->name,
         t->conn->name);
  plan_node *q = bind_query(b, s->query, NULL);
  if (t->inferred) {
    if (s->ninsert_cols)
      fail(b, s->insert_col_off[0], "table '%s' has no declared columns to name", t->name);
    t->inferred = false;
    t->ncols = t->nphys = q->ncols;
    t->cols = arena_zalloc(b->a, sizeof(cat_column) * (size_t)q->ncols);
    t->phys_names = arena_zalloc(b->a, sizeof(char *) * (size_t)q->ncols);
    t->phys_types = arena_zalloc(b->a, sizeof(sl_type) * (size_t)q->ncols);
    for (int i = 0; i < q->ncols; i++) {
      if (!strncmp(q->names[i], "EXPR$", 5) && t->conn->needs_format)
        fail(b, s->query->off,
             "column %d of the query has no name; give it one with AS, so "
             "table '%s' can take its columns from the query",
             i + 1, t->name);
      for (int j = 0; j < i && t->conn->needs_format; j++)
        if (str_ieq(q->names[j], q->names[i]))
          fail(b, s->query->off, "the query has two columns named '%s'; rename one with AS",
               q->names[i]);
      sl_type ty = q->types[i].id == T_NULL ? type_make(T_STRING) : q->types[i];
      t->cols[i].name = t->phys_names[i] = q->names[i];
      t->cols[i].type = t->phys_types[i] = ty;
      t->cols[i].phys = i;
    }
  }
  /* map query columns to sink columns */
  int *src_of = arena_alloc(b->a, sizeof(int) * (size_t)t->nphys);
  for (int i = 0; i < t->nphys; i++) src_of[i] = -1;
  int nexpected = t->nphys;
  if (s->ninsert_cols) {
    for (int i = 0; i < s->ninsert_cols; i++) {
      int k = -1;
      for (int j = 0; j < t->ncols; j++)
        if (str_ieq(t->cols[j].name, s->insert_cols[i])) k = j;
      if (k < 0)
        fail(b, s->insert_col_off[i], "table '%s' has no column '%s'", t->name, s->insert_cols[i]);
      if (t->cols[k].phys < 0)
        fail(b, s->insert_col_off[i], "cannot write computed column '%s'", t->cols[k].name);
      if (src_of[t->cols[k].phys] >= 0)
        fail(b, s->insert_col_off[i], "column '%s' is listed twice", t->cols[k].name);
      src_of[t->cols[k].phys] = i;
    }
    nexpected = s->ninsert_cols;
    for (int j = 0; j < t->ncols; j++)
      if (t->cols[j].phys >= 0 && src_of[t->cols[j].phys] < 0 && t->cols[j].not_null)
        fail(b, s->name_off, "column '%s' is NOT NULL but the INSERT does not give it",
             t->cols[j].name);
  } else {
    for (int i = 0; i < t->nphys; i++) src_of[i] = i;
  }
  if (q->ncols != nexpected)
    fail(b, s->query->off, "the query gives %d columns but table '%s' takes %d", q->ncols, t->name,
         nexpected);
  plan_node *c = calc_node(b, q, t->nphys, s->off);
  bool identity = q->ncols == t->nphys;
  for (int i = 0; i < t->nphys; i++) {
    c->names[i] = t->phys_names[i];
    c->types[i] = t->phys_types[i];
    int k = src_of[i];
    if (k < 0) {
      c->proj[i] = expr_new(b->a, E_LIT, t->phys_types[i], s->off);
      identity = false;
      continue;
    }
    if (k != i) identity = false;
    if (!expr_implicit_ok(q->types[k], t->phys_types[i])) {
      char msg[300];
      snprintf(msg, sizeof msg,
               "column %d ('%s') of the query is %s but column '%s' of table '%s' is %s", k + 1,
               q->names[k], tn(q->types[k], t1), t->phys_names[i], t->name,
               tn(t->phys_types[i], t2));
      fail_hint(b, s->query->off, "add a CAST in the query", msg);
    }
    sl_expr *x = expr_new(b->a, E_COL, q->types[k], s->off);
    x->col = k;
    c->proj[i] = expr_coerce(x, t->phys_types[i], b->a);
    if (!type_equal(q->types[k], t->phys_types[i])) identity = false;
  }
  plan_node *sink = plan_new_node(b->a, P_SINK, 1, t->nphys);
  sink->in[0] = identity ? q : c;
  sink->table = t;
  sink->off = s->off;
  for (int i = 0; i < t->nphys; i++) {
    sink->names[i] = t->phys_names[i];
    sink->types[i] = t->phys_types[i];
  }
  p->inserts = xrealloc(p->inserts, sizeof(plan_node *) * (size_t)(p->ninserts + 1));
  p->inserts[p->ninserts++] = sink;
}

static const char *const known_sets[] = {"table.local-time-zone",
                                         "pipeline.name",
                                         "parallelism.default",
                                         "execution.runtime-mode",
                                         "execution.checkpointing.interval",
                                         "table.exec.source.idle-timeout",
                                         "table.dml-sync",
                                         "sql-client.execution.result-mode",
                                         "table.exec.state.ttl",
                                         "sluice.batch-size",
                                         NULL};

static bool parse_tz(const char *v, int64_t *off) {
  if (str_ieq(v, "UTC") || str_ieq(v, "GMT") || str_ieq(v, "Z") || str_ieq(v, "Etc/UTC")) {
    *off = 0;
    return true;
  }
  const char *s = v;
  if (!strncasecmp(s, "UTC", 3) || !strncasecmp(s, "GMT", 3)) s += 3;
  if (*s != '+' && *s != '-') return false;
  int sign = *s == '-' ? -1 : 1, h = 0, m = 0;
  s++;
  if (sscanf(s, "%d:%d", &h, &m) < 1 || h > 18 || m > 59) return false;
  *off = sign * ((int64_t)h * 3600 + m * 60) * 1000;
  return true;
}

static void bind_set(binder *b, const char *key, const char *value, uint32_t key_off,
                     uint32_t val_off, bool from_cli) {
  sl_pipeline *p = b->p;
  bool known = false;
  for (int i = 0; known_sets[i]; i++) known |= !strcmp(known_sets[i], key);
  if (!strcmp(key, "table.local-time-zone") && !parse_tz(value, &p->tz_offset_ms)) {
    const char *m = "'table.local-time-zone' must be UTC or a fixed offset such as '+02:00' "
                    "(named zones are not supported yet)";
    if (from_cli) {
      err_set(b->e, SL_EUSAGE, "--set %s=%s: %s", key, value, m);
      longjmp(b->jb, 1);
    }
    fail(b, val_off, "%s", m);
  }
  if (!strcmp(key, "sluice.batch-size")) {
    char *end;
    long n = strtol(value, &end, 10);
    if (*end || n < 1 || n > 65536) {
      const char *m = "'sluice.batch-size' must be a whole number of rows from 1 to 65536";
      if (from_cli) {
        err_set(b->e, SL_EUSAGE, "--set %s=%s: %s", key, value, m);
        longjmp(b->jb, 1);
      }
      fail(b, val_off, "%s", m);
    }
    p->batch_rows = (int)n;
  }
  if (!known) {
    const char *best =
        str_closest(key, known_sets, (int)(sizeof known_sets / sizeof known_sets[0]) - 1);
    if (from_cli) {
      err_set(b->e, SL_EUSAGE, "--set %s: no table of that name and not a known SET key", key);
      if (best) err_hint(b->e, "did you mean '%s'?", best);
      longjmp(b->jb, 1);
    }
    int line, col;
    src_linecol(&p->src, key_off, &line, &col);
    fprintf(b->o->warnings ? b->o->warnings : stderr,
            "%s:%d:%d: warning: SET '%s' is not used by sluice and is ignored%s%s%s\n", p->src.name,
            line, col, key, best ? " (did you mean '" : "", best ? best : "", best ? "'?)" : "");
  }
  p->sets = xrealloc(p->sets, sizeof(plan_set) * (size_t)(p->nsets + 1));
  p->sets[p->nsets].key = key;
  p->sets[p->nsets].value = value;
  p->nsets++;
}

sl_status plan_compile(const sl_source *src, const plan_opts *o, sl_pipeline **out, sl_error *e) {
  sl_pipeline *p = xcalloc(1, sizeof *p);
  arena_init(&p->arena, 64 * 1024);
  p->src = *src;
  p->batch_rows = BATCH_ROWS;
  *out = p;
  sql_script script;
  sl_status st = sql_parse(&p->src, o->dialect, &p->arena, &script, e);
  if (st) return st;
  binder B = {0}, *b = &B;
  b->p = p;
  b->a = &p->arena;
  b->e = e;
  b->o = o;
  b->set_used = arena_zalloc(&p->arena, (size_t)o->nsets + 1);
  if (setjmp(b->jb)) return e->code ? e->code : SL_ESQL;
  for (int i = 0; i < script.n; i++) {
    const sql_stmt *s = script.stmts[i];
    switch (s->kind) {
    case S_CREATE_TABLE: bind_create_table(b, s); break;
    case S_CREATE_VIEW: bind_create_view(b, s); break;
    case S_INSERT: bind_insert(b, s); break;
    case S_STATEMENT_SET:
      for (int k = 0; k < s->nstmts; k++) bind_insert(b, s->stmts[k]);
      break;
    case S_SET: {
      const char *v;
      if (plan_substitute_env(&p->src, s->opts[0].val_off, s->opts[0].value, b->a, &v, e))
        return SL_ESQL;
      bind_set(b, s->opts[0].key, v, s->opts[0].key_off, s->opts[0].val_off, false);
      break;
    }
    }
  }
  /* --set keys that named no table are SET keys */
  for (int i = 0; i < o->nsets; i++) {
    if (b->set_used[i]) continue;
    const char *kv = o->sets[i], *eq = strchr(kv, '=');
    if (!eq) return err_set(e, SL_EUSAGE, "--set '%s': expected key=value", kv);
    const char *key = arena_strndup(b->a, kv, (size_t)(eq - kv));
    bind_set(b, key, arena_strdup(b->a, eq + 1), 0, 0, true);
  }
  if (p->ninserts == 0) {
    err_set(e, SL_ESQL, "%s: the pipeline has no INSERT INTO statement, so there is nothing to run",
            src->name);
    err_hint(e, "write the query into a table: INSERT INTO sink SELECT ...");
    return SL_ESQL;
  }
  for (int i = 0; i < p->ntables; i++) {
    cat_table *t = p->tables[i];
    if (t->inferred)
      return err_at(e, SL_ESQL, &p->src, t->off,
                    "table '%s' has no columns and no INSERT INTO it to take them from", t->name);
  }
  for (int i = 0; i < p->ninserts; i++)
    if ((st = plan_optimize(p, &p->inserts[i], e))) return st;
  return SL_OK;
}

void plan_free(sl_pipeline *p) {
  if (!p) return;
  for (int i = 0; i < p->ntables; i++) free(p->tables[i]->needed);
  free(p->tables);
  free(p->inserts);
  free(p->sets);
  arena_free(&p->arena);
  free(p);
}
