/* bind_column.c - column references against a scope: c, t.c, and the fields of ROW columns,
 * which the catalog flattened into leaves named by their path (bid.auction, t.bid.auction,
 * a.b.c). A leading name that is a table or alias in scope is taken as the qualifier first
 * (Calcite's order); otherwise the parts are a path. A whole ROW (bid alone, or a.b with a.b.c
 * below it) is a located "not supported yet". Unknown names get "did you mean", leaf paths
 * included. Must not touch the catalog, plan nodes or other expression kinds (bind_expr.c). */
#include <string.h>

#include "plan_int.h"

static bool part_quoted(const sql_expr *x, int k) { return (x->ival >> k) & 1; }

/* Whether parts [from, from + np) of x match the first np dot-separated parts of name. */
static bool path_prefix(const char *name, const sql_expr *x, int from, int np) {
  const char *p = name;
  for (int k = 0; k < np; k++) {
    const char *dot = strchr(p, '.'), *part = x->names[from + k];
    size_t len = dot ? (size_t)(dot - p) : strlen(p);
    bool m = part_quoted(x, from + k) ? strlen(part) == len && !memcmp(p, part, len)
                                      : str_nieq(p, len, part);
    if (!m) return false;
    if (k + 1 < np) {
      if (!dot) return false;
      p = dot + 1;
    }
  }
  return true;
}

static bool qual_known(const scope *sc, const char *q) {
  for (int i = 0; i < sc->n; i++)
    if (sc->cols[i].qual && str_ieq(sc->cols[i].qual, q)) return true;
  return false;
}

/* Whether column c can be named by x (parts from `from` on) under qual. */
static bool visible(const scope_col *c, const char *qual) {
  if (qual) return c->qual && str_ieq(c->qual, qual);
  return !c->hidden;
}

static const char *joined(binder *b, const sql_expr *x, int from) {
  sl_buf t = {0};
  for (int k = from; k < x->nnames; k++) buf_printf(&t, "%s%s", k > from ? "." : "", x->names[k]);
  const char *r = arena_strdup(b->a, buf_cstr(&t));
  buf_free(&t);
  return r;
}

_Noreturn static void fail_unknown(binder *b, const scope *sc, const sql_expr *x, const char *qual,
                                   int from) {
  int np = x->nnames - from;
  const char *ref = joined(b, x, from);
  /* the name of a whole ROW */
  for (int i = 0; i < sc->n; i++) {
    const scope_col *c = &sc->cols[i];
    if (c->nest >= np && visible(c, qual) && path_prefix(c->name, x, from, np)) {
      char hint[300];
      snprintf(hint, sizeof hint, "use its fields, such as %s", c->name);
      plan_fail_hint(
          b, x->off, hint,
          arena_printf(b->a, "'%s' is a ROW column: using a whole ROW is not supported yet", ref));
    }
  }
  const char **names = arena_alloc(b->a, sizeof(char *) * (size_t)(sc->n + 1));
  int nn = 0;
  bool rows = false, head = false;
  for (int i = 0; i < sc->n; i++) {
    const scope_col *c = &sc->cols[i];
    rows |= c->nest > 0;
    if (!visible(c, qual)) continue;
    names[nn++] = c->name;
    head |= c->nest > 0 && path_prefix(c->name, x, from, 1);
  }
  const char *best = NULL;
  for (int i = 0; i < sc->n && np == 1 && !best; i++) { /* a field without its ROW: auction */
    const scope_col *c = &sc->cols[i];
    if (c->nest && visible(c, qual) && str_ieq(strrchr(c->name, '.') + 1, ref)) best = c->name;
  }
  if (!best) best = str_closest(ref, names, nn);
  if (np >= 2 && !qual && !head && x->nnames == 2) { /* neither a table nor a ROW */
    const char **quals = arena_alloc(b->a, sizeof(char *) * (size_t)(sc->n + 1));
    int nq = 0;
    for (int i = 0; i < sc->n; i++)
      if (sc->cols[i].qual) quals[nq++] = sc->cols[i].qual;
    const char *bq = best ? NULL : str_closest(x->names[0], quals, nq);
    char hint[300];
    if (best || bq) snprintf(hint, sizeof hint, "did you mean '%s'?", best ? best : bq);
    plan_fail_hint(b, x->off, best || bq ? hint : NULL,
                   arena_printf(b->a, "unknown %s '%s'",
                                rows ? "table, alias or ROW column" : "table or alias",
                                x->names[0]));
  }
  char hint[300];
  if (best) snprintf(hint, sizeof hint, "did you mean '%s'?", best);
  plan_fail_hint(b, x->off, best ? hint : NULL,
                 sc->n == 0
                     ? arena_printf(b->a, "unknown column '%s' (this query has no FROM)", ref)
                     : arena_printf(b->a, "unknown column '%s'", ref));
}

sl_expr *plan_bind_column(binder *b, const scope *sc, const sql_expr *x) {
  int from = 0;
  const char *qual = NULL;
  if (x->nnames >= 2 && qual_known(sc, x->names[0])) { /* a table or alias first */
    qual = x->names[0];
    from = 1;
  }
  int np = x->nnames - from;
  int found = -1;
  for (int i = 0; i < sc->n; i++) {
    const scope_col *c = &sc->cols[i];
    if (!visible(c, qual)) continue;
    bool m = np == 1 ? sql_name_match(c->name, x->names[from], part_quoted(x, from))
                     : c->nest == np - 1 && path_prefix(c->name, x, from, np);
    if (!m) continue;
    if (found >= 0 && sc->cols[found].level < c->level) continue; /* hidden by it */
    if (found >= 0 && sc->cols[found].level == c->level)
      plan_fail(b, x->off, "column '%s' is ambiguous; qualify it with a table name",
                joined(b, x, from));
    found = i;
  }
  if (found < 0) fail_unknown(b, sc, x, qual, from);
  sl_expr *r = expr_new(b->a, E_COL, sc->cols[found].type, x->off);
  r->col = found;
  r->label = sc->cols[found].name;
  return r;
}
