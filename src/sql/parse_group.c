/* parse_group.c - the GROUP BY clause: plain items, GROUPING SETS, ROLLUP, CUBE, composite
 * (a, b) items and the empty set (), expanded into the grouping sets of sql_query (sql.h): the
 * distinct grouping expressions once each (compared structurally), each set a list of indexes
 * into them. The number of expanded sets is capped (SQL_MAX_GSETS) with a located error. Must
 * not resolve names (the binder does) and leaves expressions to parse_expr.c. */
#include <string.h>

#include "parse_int.h"

/* Expanding further than this many sets (CUBE of 13 columns, or products of sets) is an error,
 * and so is a total of more than SQL_MAX_GSET_CELLS indexes over all sets. */
#define SQL_MAX_GSETS 4096
#define SQL_MAX_GSET_CELLS (1 << 20)

static bool same_names(const sql_expr *a, const sql_expr *b) {
  if (a->nnames != b->nnames || a->ival != b->ival) return false;
  for (int i = 0; i < a->nnames; i++) {
    bool quoted = (a->ival >> i) & 1;
    if (quoted ? strcmp(a->names[i], b->names[i]) : !str_ieq(a->names[i], b->names[i]))
      return false;
  }
  return true;
}

bool sql_expr_same(const sql_expr *a, const sql_expr *b) {
  if (a == b) return true;
  if (!a || !b) return false;
  if (a->kind != b->kind || a->op != b->op || a->flag != b->flag || a->nargs != b->nargs ||
      a->tlen != b->tlen)
    return false;
  if (a->filter || b->filter || a->over || b->over) return false; /* never merged */
  if ((a->text == NULL) != (b->text == NULL)) return false;
  if (a->text && memcmp(a->text, b->text, a->tlen)) return false;
  switch (a->kind) {
  case A_COLUMN:
  case A_STAR:
    if (!same_names(a, b)) return false;
    break;
  case A_CAST:
  case A_TYPED:
    if (a->type.id != b->type.id || a->type.prec != b->type.prec ||
        a->type.scale != b->type.scale || a->type.len != b->type.len)
      return false;
    break;
  default:
    if (a->ival != b->ival) return false;
  }
  for (int i = 0; i < a->nargs; i++)
    if (!sql_expr_same(a->args[i], b->args[i])) return false;
  return true;
}

/* A list of grouping sets while they are built; every array lives in the parser's arena. */
typedef struct gsets {
  int **v;
  int *n;
  int count;
} gsets;

typedef struct gctx {
  exprvec exprs;  /* the distinct grouping expressions */
  bool sets_used; /* GROUPING SETS, ROLLUP, CUBE or () appeared */
  uint8_t *mark;  /* scratch: one flag per expression, all clear between uses */
  int nmark;
} gctx;

static int expr_index(parser *p, gctx *g, sql_expr *x) {
  for (int i = 0; i < g->exprs.n; i++)
    if (sql_expr_same(g->exprs.v[i], x)) return i;
  sql_ev_push(p, &g->exprs, x);
  return g->exprs.n - 1;
}

static uint8_t *marks(parser *p, gctx *g) {
  if (g->nmark < g->exprs.n) {
    g->nmark = g->exprs.n * 2;
    g->mark = alloc(p, (size_t)g->nmark);
  }
  return g->mark;
}

static gsets one_set(parser *p, int *idx, int n) {
  gsets r;
  r.v = alloc(p, sizeof *r.v);
  r.n = alloc(p, sizeof *r.n);
  r.v[0] = idx;
  r.n[0] = n;
  r.count = 1;
  return r;
}

static void check_size(parser *p, uint32_t off, long sets, long cells) {
  if (sets > SQL_MAX_GSETS)
    sql_fail(p, off, "GROUP BY expands to more than %d grouping sets here", SQL_MAX_GSETS);
  if (cells > SQL_MAX_GSET_CELLS)
    sql_fail(p, off, "GROUP BY expands to more than %d grouping columns in all here",
             SQL_MAX_GSET_CELLS);
}

/* The union of index lists a and b, in order of first appearance, without repeats. */
static int *set_union(parser *p, gctx *g, const int *a, int na, const int *b, int nb, int *nout) {
  uint8_t *m = marks(p, g);
  int *r = alloc(p, sizeof *r * (size_t)(na + nb ? na + nb : 1));
  int n = 0;
  for (int pass = 0; pass < 2; pass++) {
    const int *s = pass ? b : a;
    int ns = pass ? nb : na;
    for (int i = 0; i < ns; i++)
      if (!m[s[i]]) {
        m[s[i]] = 1;
        r[n++] = s[i];
      }
  }
  for (int i = 0; i < n; i++) m[r[i]] = 0;
  *nout = n;
  return r;
}

/* Every set of a combined with every set of b (a plain GROUP BY item times a ROLLUP ...). */
static gsets cross(parser *p, gctx *g, uint32_t off, gsets a, gsets b) {
  check_size(p, off, (long)a.count * b.count, 0);
  long ca = 0, cb = 0;
  for (int i = 0; i < a.count; i++) ca += a.n[i];
  for (int j = 0; j < b.count; j++) cb += b.n[j];
  check_size(p, off, 0, ca * b.count + cb * a.count);
  gsets r;
  r.count = a.count * b.count;
  r.v = alloc(p, sizeof *r.v * (size_t)r.count);
  r.n = alloc(p, sizeof *r.n * (size_t)r.count);
  int k = 0;
  for (int i = 0; i < a.count; i++)
    for (int j = 0; j < b.count; j++, k++)
      r.v[k] = set_union(p, g, a.v[i], a.n[i], b.v[j], b.n[j], &r.n[k]);
  return r;
}

/* a followed by b (the sets of GROUPING SETS (..., ...)). */
static gsets concat(parser *p, uint32_t off, gsets a, gsets b) {
  long cells = 0;
  for (int i = 0; i < a.count; i++) cells += a.n[i];
  for (int i = 0; i < b.count; i++) cells += b.n[i];
  check_size(p, off, (long)a.count + b.count, cells);
  gsets r;
  r.count = a.count + b.count;
  r.v = alloc(p, sizeof *r.v * (size_t)(r.count ? r.count : 1));
  r.n = alloc(p, sizeof *r.n * (size_t)(r.count ? r.count : 1));
  if (a.count) {
    memcpy(r.v, a.v, sizeof *r.v * (size_t)a.count);
    memcpy(r.n, a.n, sizeof *r.n * (size_t)a.count);
  }
  if (b.count) {
    memcpy(r.v + a.count, b.v, sizeof *r.v * (size_t)b.count);
    memcpy(r.n + a.count, b.n, sizeof *r.n * (size_t)b.count);
  }
  return r;
}

/* Whether the parenthesis at the current token holds a list: () or a comma at its own level.
 * A linear scan to the matching parenthesis, no recursion. */
static bool paren_is_list(parser *p) {
  int depth = 0;
  for (int i = p->i; i < p->n && p->t[i].kind != TK_EOF; i++) {
    const sql_token *k = &p->t[i];
    if (k->kind != TK_PUNCT || k->len != 1) continue;
    char c = ttext(p, k)[0];
    if (c == '(') {
      depth++;
      if (depth == 1 && i + 1 < p->n && is_p_at(p, i + 1 - p->i, ")")) return true;
    } else if (c == ')') {
      if (--depth == 0) return false;
    } else if (c == ',' && depth == 1) {
      return true;
    }
  }
  return false;
}

/* An expression, a parenthesised list (a, b) or (): one set of indexes. */
static int *composite(parser *p, gctx *g, int *n) {
  if (is_p(p, "(") && paren_is_list(p)) {
    p->i++;
    int cap = 4, k = 0;
    int *v = alloc(p, sizeof *v * (size_t)cap);
    if (!is_p(p, ")")) do {
        if (k == cap) {
          int *nv = alloc(p, sizeof *nv * (size_t)cap * 2);
          memcpy(nv, v, sizeof *nv * (size_t)cap);
          v = nv;
          cap *= 2;
        }
        v[k++] = expr_index(p, g, sql_expr_p(p));
      } while (accept_p(p, ","));
    sql_expect_p(p, ")");
    return set_union(p, g, v, k, NULL, 0, n);
  }
  int *v = alloc(p, sizeof *v);
  v[0] = expr_index(p, g, sql_expr_p(p));
  *n = 1;
  return v;
}

static gsets group_elem(parser *p, gctx *g);

/* ROLLUP (c1, ..., cn): (c1..cn), (c1..cn-1), ..., (). CUBE (c1, ..., cn): every subset, the
 * largest first, in the order PostgreSQL uses: (a, b), (a), (b), (). */
static gsets rollup_cube(parser *p, gctx *g, bool cube) {
  uint32_t off = tok(p)->off;
  p->i += 2;
  int cap = 4, k = 0;
  int **c = alloc(p, sizeof *c * (size_t)cap);
  int *cn = alloc(p, sizeof *cn * (size_t)cap);
  do {
    if (k == cap) {
      int **nc = alloc(p, sizeof *nc * (size_t)cap * 2);
      int *nn = alloc(p, sizeof *nn * (size_t)cap * 2);
      memcpy(nc, c, sizeof *nc * (size_t)cap);
      memcpy(nn, cn, sizeof *nn * (size_t)cap);
      c = nc;
      cn = nn;
      cap *= 2;
    }
    c[k] = composite(p, g, &cn[k]);
    k++;
  } while (accept_p(p, ","));
  sql_expect_p(p, ")");
  long nsets = k + 1;
  if (cube) nsets = k >= 31 ? (long)SQL_MAX_GSETS + 1 : 1L << k;
  long cells = 0;
  for (int i = 0; i < k; i++) cells += cn[i];
  check_size(p, off, nsets, cells * nsets);
  gsets r;
  r.count = (int)nsets;
  r.v = alloc(p, sizeof *r.v * (size_t)nsets);
  r.n = alloc(p, sizeof *r.n * (size_t)nsets);
  for (long s = 0; s < nsets; s++) {
    int *cur = NULL, ncur = 0;
    for (int i = 0; i < k; i++) {
      bool in = cube ? ((nsets - 1 - s) >> (k - 1 - i)) & 1 : i < k - s;
      if (in) cur = set_union(p, g, cur, ncur, c[i], cn[i], &ncur);
    }
    if (!cur) cur = alloc(p, sizeof *cur);
    r.v[s] = cur;
    r.n[s] = ncur;
  }
  return r;
}

/* GROUPING SETS (e1, e2, ...): the sets of each element, one after another. */
static gsets grouping_sets(parser *p, gctx *g) {
  uint32_t off = tok(p)->off;
  p->i += 2;
  sql_expect_p(p, "(");
  gsets r = {0};
  do {
    r = concat(p, off, r, group_elem(p, g));
  } while (accept_p(p, ","));
  sql_expect_p(p, ")");
  return r;
}

static gsets group_elem(parser *p, gctx *g) {
  sql_enter(p);
  gsets r;
  if (is_kw(p, "GROUPING") && is_kw_at(p, 1, "SETS")) {
    g->sets_used = true;
    r = grouping_sets(p, g);
  } else if ((is_kw(p, "ROLLUP") || is_kw(p, "CUBE")) && is_p_at(p, 1, "(")) {
    g->sets_used = true;
    r = rollup_cube(p, g, is_kw(p, "CUBE"));
  } else {
    if (is_p(p, "(") && is_p_at(p, 1, ")")) g->sets_used = true;
    int n;
    int *v = composite(p, g, &n);
    r = one_set(p, v, n);
  }
  sql_leave(p);
  return r;
}

void sql_group_by_p(parser *p, sql_query *q) {
  gctx g = {0};
  gsets all = one_set(p, NULL, 0);
  do {
    uint32_t off = tok(p)->off;
    all = cross(p, &g, off, all, group_elem(p, &g));
  } while (accept_p(p, ","));
  q->group_by = g.exprs.v;
  q->ngroup = g.exprs.n;
  if (g.sets_used) {
    q->gsets = all.v;
    q->gset_n = all.n;
    q->ngsets = all.count;
  }
}
