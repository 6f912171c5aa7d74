/* print.c - the AST back to Flink SQL text: expressions and queries as sluice's parser reads
 * them (used by `sluice migrate` to write the pipeline it translates). Binary operators get
 * parentheses where precedence needs them; names are quoted with backticks when they are not
 * plain lower-case words or collide with a keyword. Must not touch: parsing, binding, anything
 * that runs. */
#include <ctype.h>
#include <string.h>

#include "sql.h"

static const char *const reserved[] = {
    "all",      "and",       "as",          "between", "by",       "case",   "cast",  "count",
    "current",  "date",      "day",         "desc",    "distinct", "else",   "end",   "exists",
    "false",    "from",      "full",        "group",   "having",   "hour",   "in",    "inner",
    "interval", "is",        "join",        "key",     "left",     "like",   "limit", "minute",
    "month",    "not",       "null",        "on",      "or",       "order",  "over",  "partition",
    "range",    "right",     "row",         "rows",    "second",   "select", "table", "then",
    "time",     "timestamp", "to",          "true",    "union",    "user",   "using", "value",
    "values",   "when",      "where",       "window",  "with",     "year",   "start", "position",
    "result",   "language",  "system_time", NULL};

void sql_print_name(sl_buf *b, const char *n, bool quoted) {
  bool plain = n[0] && (islower((unsigned char)n[0]) || n[0] == '_');
  for (const char *c = n; *c && plain; c++)
    if (!(islower((unsigned char)*c) || isdigit((unsigned char)*c) || *c == '_')) plain = false;
  if (plain)
    for (int i = 0; reserved[i]; i++)
      if (!strcmp(reserved[i], n)) plain = false;
  if (plain) {
    buf_puts(b, n);
    return;
  }
  buf_putc(b, '`');
  for (const char *c = n; *c; c++) {
    if (*c == '`') buf_putc(b, '`');
    buf_putc(b, *c);
  }
  buf_putc(b, '`');
}

void sql_print_string(sl_buf *b, const char *s, size_t n) {
  buf_putc(b, '\'');
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '\'') buf_putc(b, '\'');
    buf_putc(b, s[i]);
  }
  buf_putc(b, '\'');
}

void sql_print_type(sl_buf *b, sl_type t) {
  switch (t.id) {
  case T_BOOLEAN: buf_puts(b, "BOOLEAN"); break;
  case T_INT: buf_puts(b, "INT"); break;
  case T_BIGINT: buf_puts(b, "BIGINT"); break;
  case T_FLOAT: buf_puts(b, "FLOAT"); break;
  case T_DOUBLE: buf_puts(b, "DOUBLE"); break;
  case T_DECIMAL: buf_printf(b, "DECIMAL(%d, %d)", t.prec, t.scale); break;
  case T_STRING: buf_puts(b, "STRING"); break;
  case T_DATE: buf_puts(b, "DATE"); break;
  case T_TIMESTAMP: buf_printf(b, "TIMESTAMP(%d)", t.prec); break;
  case T_TIMESTAMP_LTZ: buf_printf(b, "TIMESTAMP_LTZ(%d)", t.prec); break;
  default: buf_puts(b, "STRING"); break;
  }
}

void sql_print_interval(sl_buf *b, int64_t ms) {
  const char *sign = ms < 0 ? "-" : "";
  int64_t a = ms < 0 ? -ms : ms;
  if (a && a % 86400000 == 0)
    buf_printf(b, "INTERVAL '%s%lld' DAY", sign, (long long)(a / 86400000));
  else if (a && a % 3600000 == 0)
    buf_printf(b, "INTERVAL '%s%lld' HOUR", sign, (long long)(a / 3600000));
  else if (a && a % 60000 == 0)
    buf_printf(b, "INTERVAL '%s%lld' MINUTE", sign, (long long)(a / 60000));
  else if (a % 1000 == 0)
    buf_printf(b, "INTERVAL '%s%lld' SECOND", sign, (long long)(a / 1000));
  else
    buf_printf(b, "INTERVAL '%s%lld.%03lld' SECOND", sign, (long long)(a / 1000),
               (long long)(a % 1000));
}

/* 1 OR, 2 AND, 3 NOT, 4 comparisons and predicates, 5 + - ||, 6 * / %, 7 unary minus, 9 atoms */
static int prec(const sql_expr *x) {
  switch (x->kind) {
  case A_BINARY:
    switch (x->op) {
    case OP_OR: return 1;
    case OP_AND: return 2;
    case OP_ADD:
    case OP_SUB:
    case OP_CONCAT: return 5;
    case OP_MUL:
    case OP_DIV:
    case OP_MOD: return 6;
    default: return 4;
    }
  case A_UNARY: return x->op == OP_NOT ? 3 : 7;
  case A_ISNULL:
  case A_ISBOOL:
  case A_IN:
  case A_BETWEEN:
  case A_LIKE:
  case A_INSUB: return 4;
  default: return 9;
  }
}

static void expr(sl_buf *b, const sql_expr *x);

static void child(sl_buf *b, const sql_expr *c, int p, bool strict) {
  int cp = prec(c);
  bool paren = cp < p || (strict && cp == p) || (cp == 4 && p == 4);
  if (paren) buf_putc(b, '(');
  expr(b, c);
  if (paren) buf_putc(b, ')');
}

static void args(sl_buf *b, sql_expr *const *a, int n) {
  for (int i = 0; i < n; i++) {
    if (i) buf_puts(b, ", ");
    expr(b, a[i]);
  }
}

static void over(sl_buf *b, const sql_over *o) {
  buf_puts(b, " OVER (");
  bool sp = false;
  if (o->npart) {
    buf_puts(b, "PARTITION BY ");
    args(b, o->part, o->npart);
    sp = true;
  }
  if (o->norder) {
    buf_puts(b, sp ? " ORDER BY " : "ORDER BY ");
    for (int i = 0; i < o->norder; i++) {
      if (i) buf_puts(b, ", ");
      expr(b, o->order[i].e);
      if (o->order[i].desc) buf_puts(b, " DESC");
      if (o->order[i].nulls) buf_puts(b, o->order[i].nulls == 1 ? " NULLS FIRST" : " NULLS LAST");
    }
    sp = true;
  }
  if (o->frame) {
    buf_puts(b, o->frame == FRAME_ROWS ? " ROWS BETWEEN " : " RANGE BETWEEN ");
    if (o->lo_unbounded)
      buf_puts(b, "UNBOUNDED PRECEDING");
    else if (!o->lo)
      buf_puts(b, "CURRENT ROW");
    else {
      expr(b, o->lo);
      buf_puts(b, " PRECEDING");
    }
    buf_puts(b, " AND CURRENT ROW");
  }
  buf_putc(b, ')');
}

static void expr(sl_buf *b, const sql_expr *x) {
  switch (x->kind) {
  case A_INT:
  case A_NUM:
  case A_FLOAT: buf_put(b, x->text, x->tlen); break;
  case A_STR: sql_print_string(b, x->text, x->tlen); break;
  case A_BOOL: buf_puts(b, x->ival ? "TRUE" : "FALSE"); break;
  case A_NULL: buf_puts(b, "NULL"); break;
  case A_INTERVAL: sql_print_interval(b, x->ival); break;
  case A_TYPED:
    buf_puts(b, x->type.id == T_DATE        ? "DATE "
                : x->type.id == T_TIMESTAMP ? "TIMESTAMP "
                                            : "TIMESTAMP_LTZ ");
    sql_print_string(b, x->text, x->tlen);
    break;
  case A_COLUMN:
    for (int i = 0; i < x->nnames; i++) {
      if (i) buf_putc(b, '.');
      sql_print_name(b, x->names[i], (x->ival >> i) & 1);
    }
    break;
  case A_STAR:
    if (x->nnames) {
      sql_print_name(b, x->names[0], false);
      buf_putc(b, '.');
    }
    buf_putc(b, '*');
    break;
  case A_UNARY:
    if (x->op == OP_NOT) {
      buf_puts(b, "NOT ");
      child(b, x->args[0], 3, false);
    } else {
      buf_putc(b, '-');
      child(b, x->args[0], 7, true);
    }
    break;
  case A_BINARY: {
    int p = prec(x);
    for (int i = 0; i < x->nargs; i++) {
      if (i) buf_printf(b, " %s ", sql_op_text(x->op));
      child(b, x->args[i], p, i > 0 && p > 2);
    }
    break;
  }
  case A_FUNC:
    if (!strcmp(x->text, "POSITION") && x->nargs == 2 && !x->over) {
      buf_puts(b, "POSITION(");
      child(b, x->args[0], 5, false);
      buf_puts(b, " IN ");
      expr(b, x->args[1]);
      buf_putc(b, ')');
      break;
    }
    buf_puts(b, x->text);
    if (x->nargs == 0 && !(x->flag & 2) &&
        (!strcmp(x->text, "CURRENT_TIMESTAMP") || !strcmp(x->text, "CURRENT_DATE") ||
         !strcmp(x->text, "LOCALTIMESTAMP")))
      break;
    buf_putc(b, '(');
    if (x->flag & 1) buf_puts(b, "DISTINCT ");
    if (x->flag & 2) buf_putc(b, '*');
    args(b, x->args, x->nargs);
    buf_putc(b, ')');
    if (x->filter) {
      buf_puts(b, " FILTER (WHERE ");
      expr(b, x->filter);
      buf_putc(b, ')');
    }
    if (x->over) over(b, x->over);
    break;
  case A_CAST:
    buf_puts(b, x->flag & 1 ? "TRY_CAST(" : "CAST(");
    expr(b, x->args[0]);
    buf_puts(b, " AS ");
    sql_print_type(b, x->type);
    buf_putc(b, ')');
    break;
  case A_CASE: {
    buf_puts(b, "CASE");
    int i = 0, n = x->nargs;
    if (x->flag & 1) {
      buf_putc(b, ' ');
      expr(b, x->args[i++]);
    }
    int end = (x->flag & 2) ? n - 1 : n;
    for (; i + 1 < end; i += 2) {
      buf_puts(b, " WHEN ");
      expr(b, x->args[i]);
      buf_puts(b, " THEN ");
      expr(b, x->args[i + 1]);
    }
    if (x->flag & 2) {
      buf_puts(b, " ELSE ");
      expr(b, x->args[n - 1]);
    }
    buf_puts(b, " END");
    break;
  }
  case A_ISNULL:
    child(b, x->args[0], 4, true);
    buf_puts(b, x->flag & 1 ? " IS NOT NULL" : " IS NULL");
    break;
  case A_ISBOOL:
    child(b, x->args[0], 4, true);
    buf_puts(b, x->flag & 1 ? " IS NOT " : " IS ");
    buf_puts(b, x->ival == 1 ? "TRUE" : x->ival == 0 ? "FALSE" : "UNKNOWN");
    break;
  case A_IN:
    child(b, x->args[0], 4, true);
    buf_puts(b, x->flag & 1 ? " NOT IN (" : " IN (");
    args(b, x->args + 1, x->nargs - 1);
    buf_putc(b, ')');
    break;
  case A_BETWEEN:
    child(b, x->args[0], 4, true);
    buf_puts(b, x->flag & 1 ? " NOT BETWEEN " : " BETWEEN ");
    child(b, x->args[1], 5, false);
    buf_puts(b, " AND ");
    child(b, x->args[2], 5, false);
    break;
  case A_LIKE:
    child(b, x->args[0], 4, true);
    buf_puts(b, x->flag & 1 ? " NOT LIKE " : " LIKE ");
    child(b, x->args[1], 5, false);
    if (x->nargs > 2) {
      buf_puts(b, " ESCAPE ");
      expr(b, x->args[2]);
    }
    break;
  case A_EXTRACT:
    buf_printf(b, "EXTRACT(%s FROM ", x->text);
    expr(b, x->args[0]);
    buf_putc(b, ')');
    break;
  case A_FLOORTO:
    buf_puts(b, x->flag ? "CEIL(" : "FLOOR(");
    expr(b, x->args[0]);
    buf_printf(b, " TO %s)", x->text);
    break;
  case A_EXISTS:
    buf_puts(b, x->flag & 1 ? "NOT EXISTS (" : "EXISTS (");
    sql_print_query(b, x->sub);
    buf_putc(b, ')');
    break;
  case A_INSUB:
    child(b, x->args[0], 4, true);
    buf_puts(b, x->flag & 1 ? " NOT IN (" : " IN (");
    sql_print_query(b, x->sub);
    buf_putc(b, ')');
    break;
  default: buf_puts(b, "NULL"); break;
  }
}

void sql_print_expr(sl_buf *b, const sql_expr *x) { expr(b, x); }

static void from(sl_buf *b, const sql_from *f) {
  switch (f->kind) {
  case FROM_TABLE:
    sql_print_name(b, f->name, f->quoted);
    if (f->as_of) {
      buf_puts(b, " FOR SYSTEM_TIME AS OF ");
      expr(b, f->as_of);
    }
    break;
  case FROM_SUBQUERY:
    buf_puts(b, "(");
    sql_print_query(b, f->sub);
    buf_puts(b, ")");
    break;
  case FROM_TVF: {
    const sql_tvf *t = f->tvf;
    buf_printf(b, "TABLE(%s(", t->fn);
    if (t->input->kind == FROM_TABLE) {
      buf_puts(b, "TABLE ");
      sql_print_name(b, t->input->name, t->input->quoted);
    } else {
      from(b, t->input);
    }
    if (t->npart) {
      buf_puts(b, " PARTITION BY ");
      args(b, t->part, t->npart);
    }
    buf_puts(b, ", DESCRIPTOR(");
    sql_print_name(b, t->timecol, t->timecol_quoted);
    buf_puts(b, ")");
    for (int i = 0; i < t->nargs; i++) {
      buf_puts(b, ", ");
      expr(b, t->args[i]);
    }
    buf_puts(b, "))");
    break;
  }
  case FROM_JOIN: {
    from(b, f->left);
    static const char *const jn[] = {
        "", " JOIN ", " LEFT JOIN ", " RIGHT JOIN ", " FULL JOIN ", " CROSS JOIN "};
    buf_puts(b, f->join >= SJ_INNER && f->join <= SJ_CROSS ? jn[f->join] : " JOIN ");
    bool paren = f->right->kind == FROM_JOIN;
    if (paren) buf_putc(b, '(');
    from(b, f->right);
    if (paren) buf_putc(b, ')');
    if (f->on) {
      buf_puts(b, " ON ");
      expr(b, f->on);
    } else if (f->nusing) {
      buf_puts(b, " USING (");
      for (int i = 0; i < f->nusing; i++) {
        if (i) buf_puts(b, ", ");
        sql_print_name(b, f->using_cols[i], false);
      }
      buf_putc(b, ')');
    }
    return;
  }
  default: break;
  }
  if (f->alias) {
    buf_puts(b, " AS ");
    sql_print_name(b, f->alias, false);
  }
}

static void select_q(sl_buf *b, const sql_query *q) {
  buf_puts(b, q->distinct ? "SELECT DISTINCT " : "SELECT ");
  for (int i = 0; i < q->nitems; i++) {
    if (i) buf_puts(b, ", ");
    expr(b, q->items[i].e);
    if (q->items[i].alias) {
      buf_puts(b, " AS ");
      sql_print_name(b, q->items[i].alias, false);
    }
  }
  if (q->from) {
    buf_puts(b, "\nFROM ");
    from(b, q->from);
  }
  if (q->where) {
    buf_puts(b, "\nWHERE ");
    expr(b, q->where);
  }
  if (q->ngroup || q->ngsets) {
    buf_puts(b, "\nGROUP BY ");
    if (!q->ngsets) {
      args(b, q->group_by, q->ngroup);
    } else {
      buf_puts(b, "GROUPING SETS (");
      for (int s = 0; s < q->ngsets; s++) {
        buf_puts(b, s ? ", (" : "(");
        for (int k = 0; k < q->gset_n[s]; k++) {
          if (k) buf_puts(b, ", ");
          expr(b, q->group_by[q->gsets[s][k]]);
        }
        buf_putc(b, ')');
      }
      buf_putc(b, ')');
    }
  }
  if (q->having) {
    buf_puts(b, "\nHAVING ");
    expr(b, q->having);
  }
}

void sql_print_query(sl_buf *b, const sql_query *q) {
  if (q->nctes) {
    buf_puts(b, "WITH ");
    for (int i = 0; i < q->nctes; i++) {
      if (i) buf_puts(b, ",\n");
      sql_print_name(b, q->ctes[i].name, false);
      buf_puts(b, " AS (");
      sql_print_query(b, q->ctes[i].q);
      buf_putc(b, ')');
    }
    buf_putc(b, '\n');
  }
  if (q->kind == Q_UNION_ALL) {
    for (int i = 0; i < q->nterms; i++) {
      if (i) buf_puts(b, "\nUNION ALL\n");
      bool paren = q->terms[i]->nctes > 0;
      if (paren) buf_putc(b, '(');
      sql_print_query(b, q->terms[i]);
      if (paren) buf_putc(b, ')');
    }
    return;
  }
  select_q(b, q);
}
