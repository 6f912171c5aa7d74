/* diff.c - the engine of `sluice diff`. Per row it keeps the canonical key, a 128-bit
 * fingerprint of the value cells (two independent hash sums over (column, diff_value_canon) of
 * the non-NULL values), the window's text and the row's position in its input: no row is held.
 * Rows go to 64 lists by key hash, each matched in a hash table of its own when the inputs are
 * read (past the memory bound the rows so far and the rest are hash-partitioned to temporary
 * files first, and matched partition by partition). Equal canonical bytes are equal values, so
 * a key whose two fingerprints agree matches without its rows; the others (and every sample)
 * are read again from the inputs by position and compared cell by cell with the value semantics
 * (numbers exactly, timestamps as instants, tolerances). Owns the run and the result it fills;
 * the lists, tables and partition files are store.c's. Must not touch the readers or the
 * reports. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../state/state.h"
#include "diff_int.h"

static const char *right_to_left(const diff_opts *o, const char *s, size_t n, size_t *ln) {
  for (int i = 0; i < o->nmaps; i++)
    if (strlen(o->maps[i].right) == n && !memcmp(o->maps[i].right, s, n)) {
      *ln = strlen(o->maps[i].left);
      return o->maps[i].left;
    }
  *ln = n;
  return s;
}

static bool name_is(const char *a, const char *s, size_t n) {
  return strlen(a) == n && !memcmp(a, s, n);
}

static int col_of(eng *g, const char *name, size_t n) {
  diff_cols *c = &g->r->cols;
  int before = c->n;
  int id = diff_col_id(c, name, n);
  if (id < before) return id;
  if (c->n > g->ncolcap) {
    g->stamp = xrealloc(g->stamp, sizeof(uint32_t) * (size_t)c->cap);
    memset(g->stamp + g->ncolcap, 0, sizeof(uint32_t) * (size_t)(c->cap - g->ncolcap));
    g->ncolcap = c->cap;
    g->kind = xrealloc(g->kind, sizeof(int) * (size_t)c->cap);
    g->tol = xrealloc(g->tol, sizeof(void *) * (size_t)c->cap);
    g->tr = xrealloc(g->tr, sizeof(diff_trunc) * (size_t)c->cap);
    g->r->col_diffs = xrealloc(g->r->col_diffs, sizeof(int64_t) * (size_t)c->cap);
    g->r->col_value = xrealloc(g->r->col_value, (size_t)c->cap);
  }
  const diff_opts *o = g->o;
  g->kind[id] = CK_VALUE;
  for (int i = 0; i < o->nignore; i++)
    if (name_is(o->ignore[i], name, n)) g->kind[id] = CK_IGNORED;
  for (int i = 0; i < o->nkeys; i++)
    if (name_is(o->keys[i], name, n)) {
      g->kind[id] = i;
      g->keycol[i] = id;
    }
  if (o->window_col && name_is(o->window_col, name, n)) g->wincol = id;
  g->tol[id] = NULL;
  g->tr[id] = TR_NONE;
  for (int i = 0; i < o->ntols; i++)
    if (!o->tols[i].col || name_is(o->tols[i].col, name, n))
      if (o->tols[i].col || !g->tol[id]) g->tol[id] = &o->tols[i];
  for (int i = 0; i < o->ntruncs; i++)
    if (!o->truncs[i].col || name_is(o->truncs[i].col, name, n))
      if (o->truncs[i].col || !g->tr[id]) g->tr[id] = o->truncs[i].unit;
  g->r->col_diffs[id] = 0;
  g->r->col_value[id] = g->kind[id] == CK_VALUE;
  return id;
}

/* The column id of the i-th cell of a row of side s (cached by position). */
static int cell_col(eng *g, int s, int i, const diff_cell *c) {
  if (i < g->npc[s] && g->pc[s][i].nlen == c->nlen && !memcmp(g->pc[s][i].name, c->name, c->nlen))
    return g->pc[s][i].id;
  size_t n = c->nlen;
  const char *name = s ? right_to_left(g->o, c->name, c->nlen, &n) : c->name;
  int id = col_of(g, name, n);
  if (i >= g->npc[s]) {
    g->pc[s] = xrealloc(g->pc[s], sizeof(poscache) * (size_t)(i + 1));
    for (int k = g->npc[s]; k <= i; k++) g->pc[s][k] = (poscache){NULL, 0, -1};
    g->npc[s] = i + 1;
  }
  free(g->pc[s][i].name);
  g->pc[s][i] = (poscache){xstrndup(c->name, c->nlen), c->nlen, id};
  g->r->cols.seen[id] |= (uint8_t)(1 << s);
  return id;
}

/* ---- fingerprints ---- */
static inline uint64_t mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

/* FNV-1a, a hash family independent of state_hash for the second sum */
static inline uint64_t fnv64(const char *s, size_t n, uint64_t h) {
  for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 0x100000001b3ULL;
  return h;
}

/* ---- rows in ---- */
static sl_status on_row(void *ctx, const diff_cell *cells, int n, const diff_pos *pos,
                        sl_error *e) {
  eng *g = ctx;
  int s = g->side;
  const diff_opts *o = g->o;
  if (s)
    g->r->right_rows++;
  else
    g->r->left_rows++;
  int ids[n > 0 ? n : 1];
  for (int i = 0; i < n; i++) ids[i] = cell_col(g, s, i, &cells[i]);
  sl_buf *k = &g->key, *w = &g->win;
  k->len = 0;
  bool null_key = false;
  for (int q = 0; q < o->nkeys; q++) {
    const diff_cell *c = NULL;
    for (int i = 0; i < n && !c; i++)
      if (g->kind[ids[i]] == q) c = &cells[i];
    if (!c || c->tag == DT_NULL) null_key = true;
    diff_key_canon(c ? c->tag : DT_NULL, c ? c->s : "", c ? c->len : 0, k);
  }
  if (null_key) g->r->null_keys++;
  rec x = {.order = pos->off + (s ? ORDER_RIGHT : 0), .len = pos->len, .side = (uint8_t)s};
  uint64_t f1 = 0, f2 = 0;
  const diff_cell *wc = NULL;
  if (!++g->rowno) { /* the stamps wrap: start over */
    memset(g->stamp, 0, sizeof(uint32_t) * (size_t)g->ncolcap);
    g->rowno = 1;
  }
  for (int i = 0; i < n; i++) {
    int id = ids[i];
    if (id == g->wincol) wc = &cells[i];
    if (g->stamp[id] == g->rowno) x.force = 1; /* a column twice: the rows decide */
    g->stamp[id] = g->rowno;
    if (g->kind[id] != CK_VALUE || cells[i].tag == DT_NULL) continue; /* NULL = absent */
    uint64_t salt = (uint64_t)(id + 1) * 0x9e3779b97f4a7c15ULL;
    diff_canon cv;
    diff_value_canon(cells[i].tag, cells[i].s, cells[i].len, &cv);
    salt ^= (uint64_t)(uint8_t)cv.kind << 56;
    f1 += mix64(state_hash(cv.p, cv.n) ^ salt);
    f2 += mix64(fnv64(cv.p, cv.n, 0xcbf29ce484222325ULL ^ salt));
  }
  x.fp1 = f1;
  x.fp2 = f2;
  w->len = 0;
  if (o->window_col) {
    if (wc)
      diff_cell_text(wc->tag, wc->s, wc->len, w);
    else
      diff_cell_text(DT_NULL, "", 0, w);
  }
  x.wlen = (uint32_t)w->len;
  x.klen = (uint32_t)k->len;
  sl_buf *b = &g->row;
  b->len = 0;
  buf_put(b, &x, sizeof x);
  buf_put(b, w->data, w->len);
  buf_put(b, k->data, k->len);
  static const char zero[8];
  buf_put(b, zero, ((b->len + 7) & ~(size_t)7) - b->len); /* the padding rec_spill writes */
  const rec *xr = (const rec *)(const void *)b->data;
  uint64_t h = state_hash(k->data, k->len);
  if (!g->parts) {
    /* the rows take at most 7/8 of the bound: the tables of the lists are built one at a
     * time, each about 1/NSUB of the rows */
    if (g->held && g->held + b->len + 8 > g->mem / 8 * 7) {
      sl_status st = diff_spill_start(g, (s ? g->insize[0] : 0) + pos->off, e);
      if (st) return st;
    }
  }
  if (g->parts) return diff_rec_spill(g, xr, h, e);
  diff_rec_keep(g, xr, h);
  return SL_OK;
}

/* ---- classification ---- */
/* Reads the row again: its cells with their column ids (ignored columns left out). */
static sl_status row_cells(eng *g, const rec *x, int *n, sl_error *e) {
  int s = x->side;
  diff_pos pos = {x->order & (ORDER_RIGHT - 1), x->len};
  const diff_cell *c;
  int m;
  sl_status st = diff_reader_fetch(g->in[s], &pos, &c, &m, e);
  if (st) return st;
  if (m > g->ucap[s]) {
    g->ucap[s] = m;
    g->uc[s] = xrealloc(g->uc[s], sizeof(ucell) * (size_t)m);
  }
  int k = 0;
  for (int i = 0; i < m; i++) {
    int id = cell_col(g, s, i, &c[i]);
    if (g->kind[id] == CK_IGNORED) continue;
    g->uc[s][k++] = (ucell){id, c[i].tag, c[i].s, (uint32_t)c[i].len};
  }
  *n = k;
  return SL_OK;
}

static void row_json(eng *g, const ucell *c, int n, bool keys, sl_buf *out) {
  bool first = true;
  buf_putc(out, '{');
  for (int i = 0; i < n; i++) {
    if ((g->kind[c[i].col] >= 0) != keys) continue;
    if (!first) buf_puts(out, ", ");
    first = false;
    const char *name = g->r->cols.names[c[i].col];
    diff_cell_json(DT_STR, name, strlen(name), out);
    buf_puts(out, ": ");
    diff_cell_json(c[i].tag, c[i].s, c[i].len, out);
  }
  buf_putc(out, '}');
}

static diff_window *window_of(eng *g, const rec *x) {
  if (!g->o->window_col || g->wincol < 0) return NULL;
  sl_buf t = {0};
  buf_put(&t, rec_win(x), x->wlen);
  buf_cstr(&t);
  diff_result *r = g->r;
  uint64_t h = state_hash(t.data, t.len);
  if ((uint64_t)(r->nwindows + 1) * 2 > g->win_hash_cap) {
    g->win_hash_cap = g->win_hash_cap ? g->win_hash_cap * 2 : 64;
    free(g->win_idx);
    g->win_idx = xmalloc(sizeof(int) * g->win_hash_cap);
    memset(g->win_idx, -1, sizeof(int) * g->win_hash_cap);
    for (int i = 0; i < r->nwindows; i++) {
      uint64_t j = state_hash(r->windows[i].value, strlen(r->windows[i].value));
      while (g->win_idx[j & (g->win_hash_cap - 1)] >= 0) j++;
      g->win_idx[j & (g->win_hash_cap - 1)] = i;
    }
  }
  for (uint64_t j = h;; j++) {
    int *slot = &g->win_idx[j & (g->win_hash_cap - 1)];
    if (*slot >= 0 && !strcmp(r->windows[*slot].value, t.data)) {
      buf_free(&t);
      return &r->windows[*slot];
    }
    if (*slot < 0) {
      if (r->nwindows == r->capwindows) {
        r->capwindows = r->capwindows ? r->capwindows * 2 : 16;
        r->windows = xrealloc(r->windows, sizeof(diff_window) * (size_t)r->capwindows);
      }
      *slot = r->nwindows;
      diff_window *w2 = &r->windows[r->nwindows++];
      memset(w2, 0, sizeof *w2);
      w2->value = t.data;
      return w2;
    }
  }
}

/* The first samples in input order: a later difference replaces the last kept one. */
static sl_status sample_add(eng *g, const entry *x, const char *kind, const char *cols,
                            sl_error *e) {
  diff_result *r = g->r;
  uint64_t order = x->lcount ? x->l->order : x->r->order;
  int cap = g->o->samples;
  if (cap <= 0) return SL_OK;
  if (r->nsamples == cap && r->samples[cap - 1].order < order) return SL_OK;
  int n[2] = {0, 0};
  for (int s = 0; s < 2; s++) {
    const rec *y = s ? x->r : x->l;
    if (!y) continue;
    sl_status st = row_cells(g, y, &n[s], e);
    if (st) return st;
  }
  if (r->nsamples == cap) { /* drop the last */
    diff_sample *d = &r->samples[--r->nsamples];
    free(d->key);
    free(d->left);
    free(d->right);
    free(d->cols);
  }
  int at = r->nsamples;
  while (at > 0 && r->samples[at - 1].order > order) at--;
  memmove(&r->samples[at + 1], &r->samples[at], sizeof(diff_sample) * (size_t)(r->nsamples - at));
  r->nsamples++;
  diff_sample *d = &r->samples[at];
  memset(d, 0, sizeof *d);
  d->order = order;
  d->kind = kind;
  sl_buf b = {0};
  int ks = x->l ? 0 : 1;
  row_json(g, g->uc[ks], n[ks], true, &b);
  d->key = xstrndup(b.data, b.len);
  for (int s = 0; s < 2; s++) {
    if (!(s ? x->r : x->l)) continue;
    b.len = 0;
    row_json(g, g->uc[s], n[s], false, &b);
    char *j = xstrndup(b.data, b.len);
    if (s)
      d->right = j;
    else
      d->left = j;
  }
  if (cols) d->cols = xstrdup(cols);
  buf_free(&b);
  return SL_OK;
}

/* Compares the two rows cell by cell; the differing columns go to cols as a JSON array. */
static bool compare_rows(eng *g, int ln, int rn, sl_buf *cols) {
  diff_result *r = g->r;
  const ucell *lc = g->uc[0], *rc = g->uc[1];
  if (rn) {
    g->used = xrealloc(g->used, (size_t)rn);
    memset(g->used, 0, (size_t)rn);
  }
  uint8_t *used = g->used;
  bool same = true;
  cols->len = 0;
  for (int k = 0; k < ln; k++) {
    const ucell *c = &lc[k];
    if (g->kind[c->col] != CK_VALUE) continue;
    const ucell *o = NULL;
    for (int i = 0; i < rn && !o; i++)
      if (rc[i].col == c->col && !used[i]) {
        o = &rc[i];
        used[i] = 1;
      }
    diff_tag ot = o ? o->tag : DT_NULL;
    if (!diff_cell_equal(c->tag, c->s, c->len, ot, o ? o->s : "", o ? o->len : 0, g->tol[c->col],
                         g->tr[c->col])) {
      same = false;
      r->col_diffs[c->col]++;
      buf_puts(cols, cols->len ? ", " : "[");
      diff_cell_json(DT_STR, r->cols.names[c->col], strlen(r->cols.names[c->col]), cols);
    }
  }
  for (int i = 0; i < rn; i++) {
    if (used[i] || g->kind[rc[i].col] != CK_VALUE || rc[i].tag == DT_NULL) continue;
    same = false; /* a value on the right only (NULL or absent on the left) */
    r->col_diffs[rc[i].col]++;
    buf_puts(cols, cols->len ? ", " : "[");
    diff_cell_json(DT_STR, r->cols.names[rc[i].col], strlen(r->cols.names[rc[i].col]), cols);
  }
  if (cols->len) buf_putc(cols, ']');
  buf_cstr(cols);
  return same;
}

static sl_status classify(eng *g, sl_error *e) {
  diff_result *r = g->r;
  sl_buf cols = {0};
  sl_status st = SL_OK;
  for (size_t i = 0; !st && i < g->tcap; i++) {
    entry *x = &g->tab[i];
    if (!x->lcount && !x->rcount) continue;
    diff_window *w = window_of(g, x->l ? x->l : x->r);
    if (w) {
      w->left_rows += x->lcount;
      w->right_rows += x->rcount;
    }
    int64_t *slot;
    const char *kind;
    const char *cl = NULL;
    if (x->lcount > 1 || x->rcount > 1) {
      slot = &r->duplicate_keys;
      kind = "duplicate";
    } else if (!x->rcount) {
      slot = &r->missing;
      kind = "missing";
    } else if (!x->lcount) {
      slot = &r->extra;
      kind = "extra";
    } else {
      bool same = x->l->fp1 == x->r->fp1 && x->l->fp2 == x->r->fp2 && !x->l->force && !x->r->force;
      if (!same) {
        int ln, rn;
        st = row_cells(g, x->l, &ln, e);
        if (!st) st = row_cells(g, x->r, &rn, e);
        if (st) break;
        same = compare_rows(g, ln, rn, &cols);
      }
      if (same) {
        r->matching++;
        if (w) w->matching++;
        continue;
      }
      slot = &r->differing;
      kind = "differing";
      cl = cols.data;
    }
    ++*slot;
    if (w) {
      int64_t *ws = slot == &r->duplicate_keys ? &w->duplicate_keys
                    : slot == &r->missing      ? &w->missing
                    : slot == &r->extra        ? &w->extra
                                               : &w->differing;
      ++*ws;
    }
    st = sample_add(g, x, kind, cl, e);
  }
  buf_free(&cols);
  return st;
}

/* Every list of the partition in memory: its table, then its keys classified. */
static sl_status classify_all(eng *g, sl_error *e) {
  sl_status st = SL_OK;
  for (int i = 0; !st && i < NSUB; i++) {
    if (!g->subs[i].rows) continue;
    diff_tab_build(g, &g->subs[i]);
    st = classify(g, e);
  }
  return st;
}

/* Reads a partition file back into the lists, in large reads. */
static int win_cmp(const void *a, const void *b) {
  return strcmp(((const diff_window *)a)->value, ((const diff_window *)b)->value);
}

static uint64_t size_of(const char *path) {
  struct stat st;
  return strcmp(path, "-") && !stat(path, &st) && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
}

sl_status diff_run(const char *left, const char *right, const diff_opts *o, diff_result *r,
                   sl_error *e) {
  memset(r, 0, sizeof *r);
  double w0 = clock_wall_seconds(), c0 = clock_cpu_seconds();
  eng g = {.o = o, .r = r, .wincol = -1};
  g.keycol = xcalloc((size_t)o->nkeys + 1, sizeof(int));
  g.mem = o->memory ? o->memory : (size_t)512 << 20;
  g.insize[0] = size_of(left);
  g.insize[1] = size_of(right);
  if (o->samples > 0) r->samples = xcalloc((size_t)o->samples + 1, sizeof(diff_sample));
  sl_status st = diff_reader_open(left, o->in_fmt, o->tmpdir, &g.in[0], e);
  if (!st) st = diff_reader_open(right, o->in_fmt, o->tmpdir, &g.in[1], e);
  for (int s = 0; !st && s < 2; s++) {
    g.side = s;
    st = diff_reader_scan(g.in[s], on_row, &g, e);
  }
  if (!st && !g.parts) st = classify_all(&g, e);
  for (int i = 0; !st && i < g.parts; i++) {
    diff_part_reset(&g, true);
    st = diff_part_load(&g, g.files[0][i], e);
    if (!st) st = diff_part_load(&g, g.files[1][i], e);
    if (!st) st = classify_all(&g, e);
  }
  r->partitions = g.parts ? g.parts : 1;
  for (int s = 0; s < 2; s++) {
    for (int i = 0; g.files[s] && i < g.parts; i++)
      if (g.files[s][i]) fclose(g.files[s][i]);
    free(g.files[s]);
    diff_reader_free(g.in[s]);
  }
  if (g.dir) rmdir(g.dir);
  free(g.dir);
  if (r->nwindows) qsort(r->windows, (size_t)r->nwindows, sizeof(diff_window), win_cmp);
  r->equal = !st && !r->missing && !r->extra && !r->differing && !r->duplicate_keys;
  r->seconds = clock_wall_seconds() - w0;
  r->cpu_seconds = clock_cpu_seconds() - c0;
  diff_part_reset(&g, false);
  for (int i = 0; i < g.npool; i++) free(g.pool[i]);
  free(g.pool);
  for (int i = 0; i < NSUB; i++) free(g.subs[i].blocks);
  free(g.tab);
  for (int s = 0; s < 2; s++) {
    for (int i = 0; i < g.npc[s]; i++) free(g.pc[s][i].name);
    free(g.pc[s]);
    free(g.uc[s]);
  }
  free(g.kind);
  free(g.tol);
  free(g.tr);
  free(g.stamp);
  free(g.keycol);
  free(g.used);
  free(g.win_idx);
  buf_free(&g.row);
  buf_free(&g.key);
  buf_free(&g.win);
  return st;
}

void diff_result_free(diff_result *r) {
  for (int i = 0; i < r->nsamples; i++) {
    free(r->samples[i].key);
    free(r->samples[i].left);
    free(r->samples[i].right);
    free(r->samples[i].cols);
  }
  free(r->samples);
  for (int i = 0; i < r->nwindows; i++) free(r->windows[i].value);
  free(r->windows);
  free(r->col_diffs);
  free(r->col_value);
  diff_cols_free(&r->cols);
  memset(r, 0, sizeof *r);
}
