/* parse_row.c - the type of a table column, which may be a ROW: ROW<name type, ...> and
 * ROW(name type, ...) (Flink accepts both), nested ROWs, NOT NULL and a description string on
 * fields. Located errors for an empty ROW, a field named twice and a '.' in a name (the catalog
 * names flattened leaves by their dotted path). Every other type is sql_parse_type's
 * (parse_expr.c). Must not touch statements (parser.c) nor resolve names. */
#include <string.h>

#include "parse_int.h"

static void column_type(parser *p, sql_column_def *c, int depth);

/* The fields of a ROW, after the ROW keyword at off. */
static void row_fields(parser *p, sql_column_def *c, uint32_t off, int depth) {
  if (depth >= SQL_MAX_ROW_DEPTH)
    sql_fail(p, off, "ROW types nest more than %d levels deep here", SQL_MAX_ROW_DEPTH);
  if (is_p(p, "<>") || (is_p(p, "(") && is_p_at(p, 1, ")")) || (is_p(p, "<") && is_p_at(p, 1, ">")))
    sql_fail(p, off, "a ROW type needs at least one field");
  const char *close;
  if (accept_p(p, "<"))
    close = ">";
  else if (accept_p(p, "("))
    close = ")";
  else
    sql_fail_expected(p, "'<' or '(' after ROW");
  int cap = 8;
  c->fields = alloc(p, sizeof *c->fields * (size_t)cap);
  do {
    if (c->nfields == cap) {
      sql_column_def *nf = alloc(p, sizeof *nf * (size_t)cap * 2);
      memcpy(nf, c->fields, sizeof *nf * (size_t)cap);
      c->fields = nf;
      cap *= 2;
    }
    sql_column_def *f = &c->fields[c->nfields++];
    f->off = tok(p)->off;
    f->name = sql_ident(p, NULL, "a field name");
    if (strchr(f->name, '.'))
      sql_fail(p, f->off, "the field name '%s' of a ROW cannot contain '.'", f->name);
    for (int j = 0; j < c->nfields - 1; j++)
      if (str_ieq(c->fields[j].name, f->name))
        sql_fail(p, f->off, "field '%s' is declared twice in this ROW", f->name);
    column_type(p, f, depth + 1);
    if (accept_kw(p, "NOT")) {
      sql_expect_kw(p, "NULL");
      f->not_null = true;
    } else {
      accept_kw(p, "NULL");
    }
    if (tok(p)->kind == TK_STRING) sql_string_lit(p, "a field description"); /* Flink's */
  } while (accept_p(p, ","));
  sql_expect_p(p, close);
}

static void column_type(parser *p, sql_column_def *c, int depth) {
  if (!is_kw(p, "ROW")) {
    c->type = sql_parse_type(p);
    return;
  }
  uint32_t off = tok(p)->off;
  p->i++;
  sql_enter(p);
  row_fields(p, c, off, depth);
  sql_leave(p);
}

void sql_column_type_p(parser *p, sql_column_def *c) {
  if (is_kw(p, "ROW") && strchr(c->name, '.'))
    sql_fail(p, c->off, "the name '%s' of a ROW column cannot contain '.'", c->name);
  column_type(p, c, 0);
}
