/* mig_expr.c - expression work of `sluice migrate`: PostgreSQL's name folding applied to a
 * parsed job, PostgreSQL functions mapped to sluice's (date_trunc, date_part, length, strpos,
 * split_part, btrim, to_char, date(), '::numeric'), structural equality, and the comment
 * helpers. Must not touch: statement handling (migrate.c), query shapes (mig_query.c). */
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "mig_int.h"

void mig_note(mig *m, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  size_t at = m->notes.len;
  buf_puts(&m->notes, "-- rewrite: ");
  buf_vprintf(&m->notes, fmt, ap);
  buf_putc(&m->notes, '\n');
  va_end(ap);
  /* the same rewrite twice in one statement (a shared expression) is said once */
  size_t n = m->notes.len - at;
  for (size_t i = 0; i + n <= at; i++)
    if ((i == 0 || m->notes.data[i - 1] == '\n') &&
        !memcmp(m->notes.data + i, m->notes.data + at, n)) {
      m->notes.len = at;
      return;
    }
  m->rewrites++;
}

void mig_not_translated(mig *m, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  buf_puts(&m->notes, "-- NOT TRANSLATED: ");
  buf_vprintf(&m->notes, fmt, ap);
  buf_putc(&m->notes, '\n');
  va_end(ap);
  va_start(ap, fmt);
  buf_puts(&m->summary, "  not translated: ");
  buf_vprintf(&m->summary, fmt, ap);
  buf_putc(&m->summary, '\n');
  va_end(ap);
  m->untranslated++;
}

char *mig_lower(sl_arena *a, const char *s) {
  char *r = arena_strdup(a, s);
  for (char *c = r; *c; c++) *c = (char)tolower((unsigned char)*c);
  return r;
}

char *mig_expr_text(mig *m, const sql_expr *x) {
  sl_buf b = {0};
  sql_print_expr(&b, x);
  char *r = arena_strdup(m->a, buf_cstr(&b));
  buf_free(&b);
  for (char *c = r; *c; c++)
    if (*c == '\n') *c = ' ';
  return r;
}

sql_expr *mig_col_ref(sl_arena *a, const char *qual, const char *name) {
  sql_expr *x = arena_zalloc(a, sizeof *x);
  x->kind = A_COLUMN;
  x->height = 1;
  x->names = arena_zalloc(a, sizeof(char *) * 2);
  if (qual) x->names[x->nnames++] = qual;
  x->names[x->nnames++] = name;
  return x;
}

sql_expr *mig_func(sl_arena *a, const char *name, int nargs, ...) {
  sql_expr *x = arena_zalloc(a, sizeof *x);
  x->kind = A_FUNC;
  x->text = name;
  x->tlen = strlen(name);
  x->nargs = nargs;
  x->args = arena_zalloc(a, sizeof(sql_expr *) * (size_t)(nargs ? nargs : 1));
  va_list ap;
  va_start(ap, nargs);
  for (int i = 0; i < nargs; i++) x->args[i] = va_arg(ap, sql_expr *);
  va_end(ap);
  x->height = 2;
  return x;
}

/* ---- folding ---- */

static void fold_expr(mig *m, sql_expr *x);
static void fold_from(mig *m, sql_from *f) {
  if (!f) return;
  if (f->name && !f->quoted) f->name = mig_lower(m->a, f->name);
  if (f->alias) f->alias = mig_lower(m->a, f->alias);
  if (f->sub) mig_fold_query(m, f->sub);
  if (f->on) fold_expr(m, f->on);
  for (int i = 0; i < f->nusing; i++) f->using_cols[i] = mig_lower(m->a, f->using_cols[i]);
  fold_from(m, f->left);
  fold_from(m, f->right);
}

static void fold_expr(mig *m, sql_expr *x) {
  if (!x) return;
  if (x->kind == A_COLUMN || (x->kind == A_STAR && x->nnames))
    for (int i = 0; i < x->nnames; i++)
      if (!((x->ival >> i) & 1)) x->names[i] = mig_lower(m->a, x->names[i]);
  for (int i = 0; i < x->nargs; i++) fold_expr(m, x->args[i]);
  fold_expr(m, x->filter);
  if (x->over) {
    for (int i = 0; i < x->over->npart; i++) fold_expr(m, x->over->part[i]);
    for (int i = 0; i < x->over->norder; i++) fold_expr(m, x->over->order[i].e);
  }
  if (x->sub) mig_fold_query(m, x->sub);
}

void mig_fold_query(mig *m, sql_query *q) {
  for (int i = 0; i < q->nctes; i++) {
    q->ctes[i].name = mig_lower(m->a, q->ctes[i].name);
    mig_fold_query(m, q->ctes[i].q);
  }
  for (int i = 0; i < q->nterms; i++) mig_fold_query(m, q->terms[i]);
  for (int i = 0; i < q->nitems; i++) {
    fold_expr(m, q->items[i].e);
    if (q->items[i].alias) q->items[i].alias = mig_lower(m->a, q->items[i].alias);
  }
  fold_from(m, q->from);
  fold_expr(m, q->where);
  for (int i = 0; i < q->ngroup; i++) fold_expr(m, q->group_by[i]);
  fold_expr(m, q->having);
}

/* ---- equality ---- */

bool mig_expr_eq(const sql_expr *x, const sql_expr *y) {
  if (x == y) return true;
  if (!x || !y || x->kind != y->kind || x->op != y->op || x->flag != y->flag ||
      x->nargs != y->nargs || x->nnames != y->nnames)
    return false;
  if ((x->text == NULL) != (y->text == NULL)) return false;
  if (x->text && (x->tlen != y->tlen || strncmp(x->text, y->text, x->tlen))) return false;
  if (x->kind == A_INTERVAL || x->kind == A_BOOL || x->kind == A_ISBOOL) {
    if (x->ival != y->ival) return false;
  }
  if (x->kind == A_CAST || x->kind == A_TYPED) {
    if (x->type.id != y->type.id || x->type.prec != y->type.prec || x->type.scale != y->type.scale)
      return false;
  }
  if (x->kind == A_COLUMN) {
    /* a.col and col may be the same column: compare the last names, and qualifiers if both */
    if (strcmp(x->names[x->nnames - 1], y->names[y->nnames - 1])) return false;
  } else {
    for (int i = 0; i < x->nnames; i++)
      if (strcmp(x->names[i], y->names[i])) return false;
  }
  if (x->over || y->over || x->filter || y->filter || x->sub || y->sub) return false;
  for (int i = 0; i < x->nargs; i++)
    if (!mig_expr_eq(x->args[i], y->args[i])) return false;
  return true;
}

bool mig_has_now(const sql_expr *x) {
  if (!x) return false;
  if (x->kind == A_FUNC &&
      (!strcmp(x->text, "NOW") || !strcmp(x->text, "CURRENT_DATE") ||
       !strcmp(x->text, "CURRENT_TIMESTAMP") || !strcmp(x->text, "LOCALTIMESTAMP") ||
       !strcmp(x->text, "TRANSACTION_TIMESTAMP") || !strcmp(x->text, "STATEMENT_TIMESTAMP")))
    return true;
  for (int i = 0; i < x->nargs; i++)
    if (mig_has_now(x->args[i])) return true;
  return false;
}

/* ---- functions ---- */

static const char *unit_name(const char *s, size_t n) {
  static const char *const u[] = {"SECOND", "MINUTE",  "HOUR", "DAY",         "WEEK",
                                  "MONTH",  "QUARTER", "YEAR", "MILLISECOND", "DOW",
                                  "DOY",    "EPOCH",   NULL};
  for (int i = 0; u[i]; i++)
    if (str_nieq(s, n, u[i])) return u[i];
  return NULL;
}

/* PostgreSQL to_char patterns for dates and times as Java (DATE_FORMAT) patterns; unit_ms gets
 * the finest field (1000 SS, 60000 MI, 3600000 HH24, 86400000 DD, 0 coarser). NULL: a pattern
 * element this does not know. */
const char *mig_java_pattern(sl_arena *a, const char *pg, int64_t *unit_ms) {
  sl_buf b = {0};
  int64_t unit = 0;
  const char *p = pg;
  while (*p) {
    if (!strncmp(p, "YYYY", 4)) {
      buf_puts(&b, "yyyy"), p += 4;
    } else if (!strncmp(p, "MM", 2)) {
      buf_puts(&b, "MM"), p += 2;
      if (!unit) unit = -1;
    } else if (!strncmp(p, "DD", 2)) {
      buf_puts(&b, "dd"), p += 2;
      if (!unit || unit < 0 || unit > 86400000) unit = 86400000;
    } else if (!strncmp(p, "HH24", 4)) {
      buf_puts(&b, "HH"), p += 4;
      unit = 3600000;
    } else if (!strncmp(p, "MI", 2)) {
      buf_puts(&b, "mm"), p += 2;
      unit = 60000;
    } else if (!strncmp(p, "SS", 2)) {
      buf_puts(&b, "ss"), p += 2;
      unit = 1000;
    } else if (isalpha((unsigned char)*p)) {
      buf_free(&b);
      return NULL;
    } else {
      if (*p == '\'') buf_putc(&b, '\'');
      buf_putc(&b, *p++);
    }
  }
  *unit_ms = unit < 0 ? 0 : unit;
  const char *r = arena_strdup(a, b.len ? buf_cstr(&b) : "");
  buf_free(&b);
  return r;
}

static sql_expr *node(sl_arena *a, int kind, int nargs) {
  sql_expr *x = arena_zalloc(a, sizeof *x);
  x->kind = (uint8_t)kind;
  x->nargs = nargs;
  x->args = arena_zalloc(a, sizeof(sql_expr *) * (size_t)(nargs ? nargs : 1));
  x->height = 2;
  return x;
}

static sql_expr *str_lit(sl_arena *a, const char *s) {
  sql_expr *x = node(a, A_STR, 0);
  x->text = s;
  x->tlen = strlen(s);
  return x;
}

static bool is_fn(const sql_expr *x, const char *name, int nargs) {
  return x->kind == A_FUNC && !strcmp(x->text, name) && x->nargs == nargs && !x->over;
}

sql_expr *mig_map_functions(mig *m, sql_expr *x) {
  if (!x) return x;
  for (int i = 0; i < x->nargs; i++) x->args[i] = mig_map_functions(m, x->args[i]);
  if (x->filter) x->filter = mig_map_functions(m, x->filter);
  if (x->sub) mig_map_query(m, x->sub);
  if (x->kind == A_CAST && x->type.id == T_DECIMAL && x->type.prec == 10 && x->type.scale == 0 &&
      x->off + 2 < m->job.len && !strncmp(m->job.text + x->off, "::", 2)) {
    /* '::numeric' without a precision: PostgreSQL keeps every digit */
    const char *p = m->job.text + x->off + 2;
    while (isspace((unsigned char)*p)) p++;
    while (isalpha((unsigned char)*p)) p++;
    while (isspace((unsigned char)*p)) p++;
    if (*p != '(') {
      x->type = type_decimal(38, 10);
      mig_note(m, "'::numeric' (unbounded in PostgreSQL) became DECIMAL(38, 10)");
    }
  }
  if (x->kind != A_FUNC) return x;
  if (is_fn(x, "DATE_TRUNC", 2) && x->args[0]->kind == A_STR) {
    const char *u = unit_name(x->args[0]->text, x->args[0]->tlen);
    if (u) {
      sql_expr *f = node(m->a, A_FLOORTO, 1);
      f->text = u;
      f->tlen = strlen(u);
      f->args[0] = x->args[1];
      return f;
    }
  }
  if ((is_fn(x, "DATE_PART", 2)) && x->args[0]->kind == A_STR) {
    const char *u = unit_name(x->args[0]->text, x->args[0]->tlen);
    if (u) {
      sql_expr *f = node(m->a, A_EXTRACT, 1);
      f->text = u;
      f->tlen = strlen(u);
      f->args[0] = x->args[1];
      return f;
    }
  }
  if (is_fn(x, "DATE", 1)) {
    sql_expr *c = node(m->a, A_CAST, 1);
    c->args[0] = x->args[0];
    c->type = type_make(T_DATE);
    return c;
  }
  if (is_fn(x, "LENGTH", 1)) {
    x->text = "CHAR_LENGTH", x->tlen = 11;
    return x;
  }
  if (is_fn(x, "BTRIM", 1) || is_fn(x, "BTRIM", 2)) {
    x->text = "TRIM", x->tlen = 4;
    return x;
  }
  if (is_fn(x, "STRPOS", 2)) {
    sql_expr *s = x->args[0];
    x->args[0] = x->args[1];
    x->args[1] = s;
    x->text = "POSITION", x->tlen = 8;
    return x;
  }
  if (is_fn(x, "LEFT", 2)) {
    sql_expr *one = node(m->a, A_INT, 0);
    one->text = "1", one->tlen = 1;
    return mig_func(m->a, "SUBSTRING", 3, x->args[0], one, x->args[1]);
  }
  if (is_fn(x, "SPLIT_PART", 3)) {
    sql_expr *one = node(m->a, A_INT, 0);
    one->text = "1", one->tlen = 1;
    sql_expr *sub = node(m->a, A_BINARY, 2);
    sub->op = OP_SUB;
    sub->args[0] = x->args[2];
    sub->args[1] = one;
    if (x->args[2]->kind == A_INT && x->args[2]->ival > 0) {
      sub = node(m->a, A_INT, 0);
      sub->ival = x->args[2]->ival - 1;
      sub->text = arena_printf(m->a, "%lld", (long long)sub->ival);
      sub->tlen = strlen(sub->text);
    }
    mig_note(m, "split_part(s, d, n) became SPLIT_INDEX(s, d, n - 1) (NULL, not '', past the "
                "last field)");
    return mig_func(m->a, "SPLIT_INDEX", 3, x->args[0], x->args[1], sub);
  }
  if (is_fn(x, "TO_CHAR", 2) && x->args[1]->kind == A_STR) {
    int64_t unit;
    const char *pat = mig_java_pattern(m->a, x->args[1]->text, &unit);
    if (pat) return mig_func(m->a, "DATE_FORMAT", 2, x->args[0], str_lit(m->a, pat));
  }
  if (is_fn(x, "TRANSACTION_TIMESTAMP", 0) || is_fn(x, "STATEMENT_TIMESTAMP", 0) ||
      is_fn(x, "CLOCK_TIMESTAMP", 0)) {
    x->text = "NOW", x->tlen = 3;
    return x;
  }
  return x;
}

static void map_from(mig *m, sql_from *f) {
  if (!f) return;
  if (f->sub) mig_map_query(m, f->sub);
  if (f->on) f->on = mig_map_functions(m, f->on);
  map_from(m, f->left);
  map_from(m, f->right);
}

void mig_map_query(mig *m, sql_query *q) {
  for (int i = 0; i < q->nctes; i++) mig_map_query(m, q->ctes[i].q);
  for (int i = 0; i < q->nterms; i++) mig_map_query(m, q->terms[i]);
  for (int i = 0; i < q->nitems; i++) q->items[i].e = mig_map_functions(m, q->items[i].e);
  map_from(m, q->from);
  q->where = mig_map_functions(m, q->where);
  for (int i = 0; i < q->ngroup; i++) q->group_by[i] = mig_map_functions(m, q->group_by[i]);
  q->having = mig_map_functions(m, q->having);
}
