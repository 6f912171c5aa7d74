/* diff.c - the engine of `sluice diff`: rows of both inputs packed with their canonical key,
 * matched in a hash table per partition (one partition in memory, or many hash-partitioned to
 * temporary files when the inputs are larger than the memory bound), then each key classified
 * (matching, differing, missing, extra, duplicate) with per-column, per-window counts and the
 * first samples. Owns the result it fills; must not touch the readers or the reports. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../state/state.h"
#include "diff.h"

enum { CK_VALUE = -1, CK_IGNORED = -2 };

typedef struct entry {
  uint64_t hash;
  const char *key; /* canonical key bytes */
  uint32_t klen, lcount, rcount;
  const char *lrow, *rrow; /* first packed row of each side */
  uint64_t lseq, rseq;
} entry;

typedef struct poscache {
  char *name;
  size_t nlen;
  int id;
} poscache;

typedef struct eng {
  const diff_opts *o;
  diff_result *r;
  int *kind; /* per column: key position, CK_VALUE or CK_IGNORED */
  const diff_tol **tol;
  diff_trunc *tr;
  int ncolcap;
  int *keycol; /* per key: column id */
  int wincol;
  poscache *pc[2];
  int npc[2];
  uint64_t seq[2];
  /* partition in memory */
  sl_arena mem;
  entry *tab;
  size_t tcap, tn;
  /* spilling */
  int parts;
  FILE **files[2];
  char *dir;
  sl_buf row, key;
  struct ucell *rc; /* scratch: the cells of a right row */
  uint8_t *used;
  int rcap;
  int side;
  uint64_t win_hash_cap;
  int *win_idx; /* open addressing over r->windows */
} eng;

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

/* ---- packed rows ---- */
static void put32(sl_buf *b, uint32_t v) { buf_put(b, &v, 4); }
static uint32_t get32(const char *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

typedef struct ucell {
  int col;
  diff_tag tag;
  const char *s;
  uint32_t len;
} ucell;

/* Walks the cells of a packed row: returns the position of the next one, NULL at the end. */
static const char *cell_next(const char *p, const char *end, ucell *c) {
  if (p >= end) return NULL;
  c->col = (int)get32(p);
  c->tag = (diff_tag)(uint8_t)p[4];
  c->len = get32(p + 5);
  c->s = p + 9;
  return p + 9 + c->len;
}

/* ---- the in-memory table ---- */
static void tab_grow(eng *g) {
  size_t ncap = g->tcap ? g->tcap * 2 : 1024;
  entry *t = xcalloc(ncap, sizeof(entry));
  for (size_t i = 0; i < g->tcap; i++) {
    entry *x = &g->tab[i];
    if (!x->key) continue;
    size_t j = x->hash & (ncap - 1);
    while (t[j].key) j = (j + 1) & (ncap - 1);
    t[j] = *x;
  }
  free(g->tab);
  g->tab = t;
  g->tcap = ncap;
}

/* rec: [u64 seq][u32 klen][key][u32 rowlen][row] */
static void tab_add(eng *g, int side, const char *rec) {
  uint64_t seq;
  memcpy(&seq, rec, 8);
  uint32_t klen = get32(rec + 8);
  const char *key = rec + 12;
  const char *row = key + klen + 4; /* past the row's length */
  uint64_t h = state_hash(key, klen);
  if ((g->tn + 1) * 4 > g->tcap * 3) tab_grow(g);
  size_t j = h & (g->tcap - 1);
  while (g->tab[j].key &&
         !(g->tab[j].hash == h && g->tab[j].klen == klen && !memcmp(g->tab[j].key, key, klen)))
    j = (j + 1) & (g->tcap - 1);
  entry *x = &g->tab[j];
  if (!x->key) {
    x->key = key;
    x->klen = klen;
    x->hash = h;
    g->tn++;
  }
  if (side == 0 && !x->lcount++) {
    x->lrow = row;
    x->lseq = seq;
  }
  if (side == 1 && !x->rcount++) {
    x->rrow = row;
    x->rseq = seq;
  }
}

static void rec_store(eng *g, int side, const char *rec, size_t n) {
  char *c = arena_alloc(&g->mem, n);
  memcpy(c, rec, n);
  tab_add(g, side, c);
}

/* ---- rows in ---- */
static sl_status on_row(void *ctx, const diff_cell *cells, int n, sl_error *e) {
  eng *g = ctx;
  int s = g->side;
  const diff_opts *o = g->o;
  if (s)
    g->r->right_rows++;
  else
    g->r->left_rows++;
  int ids[n > 0 ? n : 1];
  for (int i = 0; i < n; i++) ids[i] = cell_col(g, s, i, &cells[i]);
  sl_buf *k = &g->key, *b = &g->row;
  k->len = 0;
  b->len = 0;
  bool null_key = false;
  for (int q = 0; q < o->nkeys; q++) {
    const diff_cell *c = NULL;
    for (int i = 0; i < n && !c; i++)
      if (g->kind[ids[i]] == q) c = &cells[i];
    if (!c || c->tag == DT_NULL) null_key = true;
    diff_key_canon(c ? c->tag : DT_NULL, c ? c->s : "", c ? c->len : 0, k);
  }
  if (null_key) g->r->null_keys++;
  uint64_t seq = g->seq[s]++ + (s ? (uint64_t)1 << 62 : 0);
  buf_put(b, &seq, 8);
  put32(b, (uint32_t)k->len);
  buf_put(b, k->data, k->len);
  size_t lenpos = b->len;
  put32(b, 0);
  for (int i = 0; i < n; i++) {
    if (g->kind[ids[i]] == CK_IGNORED) continue;
    put32(b, (uint32_t)ids[i]);
    buf_putc(b, (char)cells[i].tag);
    put32(b, (uint32_t)cells[i].len);
    buf_put(b, cells[i].s, cells[i].len);
  }
  uint32_t rowlen = (uint32_t)(b->len - lenpos - 4);
  memcpy(b->data + lenpos, &rowlen, 4);
  if (!g->parts) {
    rec_store(g, s, b->data, b->len);
    return SL_OK;
  }
  /* the high bits pick the partition: the table inside it indexes by the low ones */
  FILE *f = g->files[s][(state_hash(k->data, k->len) >> 40) % (uint64_t)g->parts];
  uint32_t total = (uint32_t)b->len;
  if (fwrite(&total, 4, 1, f) != 1 || fwrite(b->data, 1, b->len, f) != b->len)
    return err_set(e, SL_ERUNTIME, "cannot write a temporary partition in %s", g->dir);
  return SL_OK;
}

/* ---- classification ---- */
static void row_json(eng *g, const char *row, bool keys, sl_buf *out) {
  uint32_t n = get32(row - 4);
  const char *p = row, *end = row + n;
  ucell c;
  bool first = true;
  buf_putc(out, '{');
  while ((p = cell_next(p, end, &c))) {
    if ((g->kind[c.col] >= 0) != keys) continue;
    if (!first) buf_puts(out, ", ");
    first = false;
    diff_cell_json(DT_STR, g->r->cols.names[c.col], strlen(g->r->cols.names[c.col]), out);
    buf_puts(out, ": ");
    diff_cell_json(c.tag, c.s, c.len, out);
  }
  buf_putc(out, '}');
}

static diff_window *window_of(eng *g, const char *row) {
  if (g->wincol < 0) return NULL;
  uint32_t n = get32(row - 4);
  const char *p = row, *end = row + n;
  ucell c = {0}, w = {.tag = DT_NULL, .s = "", .len = 0};
  while ((p = cell_next(p, end, &c)))
    if (c.col == g->wincol) w = c;
  sl_buf t = {0};
  diff_cell_text(w.tag, w.s, w.len, &t);
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

static void sample_add(eng *g, const entry *x, const char *kind, const char *cols) {
  diff_result *r = g->r;
  uint64_t order = x->lcount ? x->lseq : x->rseq;
  int cap = g->o->samples;
  if (cap <= 0) return;
  if (r->nsamples == cap && r->samples[cap - 1].order < order) return;
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
  diff_sample *s = &r->samples[at];
  memset(s, 0, sizeof *s);
  s->order = order;
  s->kind = kind;
  sl_buf b = {0};
  row_json(g, x->lrow ? x->lrow : x->rrow, true, &b);
  s->key = xstrndup(b.data, b.len);
  if (x->lrow) {
    b.len = 0;
    row_json(g, x->lrow, false, &b);
    s->left = xstrndup(b.data, b.len);
  }
  if (x->rrow) {
    b.len = 0;
    row_json(g, x->rrow, false, &b);
    s->right = xstrndup(b.data, b.len);
  }
  if (cols) s->cols = xstrdup(cols);
  buf_free(&b);
}

static bool compare_rows(eng *g, const char *l, const char *rr, sl_buf *cols) {
  diff_result *r = g->r;
  /* the right row's cells */
  uint32_t rn = get32(rr - 4), ln = get32(l - 4);
  int nr = 0;
  const char *p = rr;
  ucell c;
  while ((p = cell_next(p, rr + rn, &c))) {
    if (nr == g->rcap) {
      g->rcap = g->rcap ? g->rcap * 2 : 64;
      g->rc = xrealloc(g->rc, sizeof(ucell) * (size_t)g->rcap);
      g->used = xrealloc(g->used, (size_t)g->rcap);
    }
    g->rc[nr++] = c;
  }
  ucell *rc = g->rc;
  uint8_t *used = g->used;
  if (nr) memset(used, 0, (size_t)nr);
  bool same = true;
  cols->len = 0;
  p = l;
  while ((p = cell_next(p, l + ln, &c))) {
    if (g->kind[c.col] != CK_VALUE) continue;
    const ucell *o = NULL;
    for (int i = 0; i < nr && !o; i++)
      if (rc[i].col == c.col && !used[i]) {
        o = &rc[i];
        used[i] = 1;
      }
    diff_tag ot = o ? o->tag : DT_NULL;
    if (!diff_cell_equal(c.tag, c.s, c.len, ot, o ? o->s : "", o ? o->len : 0, g->tol[c.col],
                         g->tr[c.col])) {
      same = false;
      r->col_diffs[c.col]++;
      buf_puts(cols, cols->len ? ", " : "[");
      diff_cell_json(DT_STR, r->cols.names[c.col], strlen(r->cols.names[c.col]), cols);
    }
  }
  for (int i = 0; i < nr; i++) {
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

static void classify(eng *g) {
  diff_result *r = g->r;
  sl_buf cols = {0};
  for (size_t i = 0; i < g->tcap; i++) {
    entry *x = &g->tab[i];
    if (!x->key) continue;
    diff_window *w = window_of(g, x->lrow ? x->lrow : x->rrow);
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
    } else if (compare_rows(g, x->lrow, x->rrow, &cols)) {
      r->matching++;
      if (w) w->matching++;
      continue;
    } else {
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
    sample_add(g, x, kind, cl);
  }
  buf_free(&cols);
}

static void part_reset(eng *g) {
  free(g->tab);
  g->tab = NULL;
  g->tcap = g->tn = 0;
  arena_reset(&g->mem);
}

static sl_status part_load(eng *g, int side, FILE *f, sl_error *e) {
  rewind(f);
  uint32_t n;
  sl_buf b = {0};
  while (fread(&n, 4, 1, f) == 1) {
    char *c = arena_alloc(&g->mem, n);
    if (fread(c, 1, n, f) != n) {
      buf_free(&b);
      return err_set(e, SL_ERUNTIME, "cannot read a temporary partition in %s", g->dir);
    }
    tab_add(g, side, c);
  }
  buf_free(&b);
  return SL_OK;
}

static int64_t file_size(const char *path) {
  struct stat st;
  return strcmp(path, "-") && !stat(path, &st) ? (int64_t)st.st_size : -1;
}

static int win_cmp(const void *a, const void *b) {
  return strcmp(((const diff_window *)a)->value, ((const diff_window *)b)->value);
}

sl_status diff_run(const char *left, const char *right, const diff_opts *o, diff_result *r,
                   sl_error *e) {
  memset(r, 0, sizeof *r);
  double w0 = clock_wall_seconds(), c0 = clock_cpu_seconds();
  eng g = {.o = o, .r = r, .wincol = -1};
  g.keycol = xcalloc((size_t)o->nkeys + 1, sizeof(int));
  arena_init(&g.mem, 1 << 20);
  if (o->samples > 0) r->samples = xcalloc((size_t)o->samples + 1, sizeof(diff_sample));
  /* in memory: about 2.5 bytes per input byte (packed rows, keys, the table) */
  int64_t ls = file_size(left), rs = file_size(right);
  double need = ls < 0 || rs < 0 ? 0 : 2.5 * (double)(ls + rs);
  size_t mem = o->memory ? o->memory : (size_t)512 << 20;
  sl_status st = SL_OK;
  if (need > (double)mem) {
    g.parts = (int)(need * 1.25 / (double)mem) + 1;
    if (g.parts > 256) g.parts = 256; /* two files each: stay under the usual 1024 descriptors */
    const char *td = o->tmpdir ? o->tmpdir : getenv("TMPDIR");
    g.dir = xmalloc(strlen(td && *td ? td : "/tmp") + 32);
    sprintf(g.dir, "%s/sluice-diff-XXXXXX", td && *td ? td : "/tmp");
    if (!mkdtemp(g.dir)) {
      st = err_set(e, SL_ERUNTIME, "cannot create a temporary directory in %s", td ? td : "/tmp");
      g.parts = 0;
    }
    for (int s = 0; !st && s < 2; s++) {
      g.files[s] = xcalloc((size_t)g.parts, sizeof(FILE *));
      for (int i = 0; i < g.parts && !st; i++) {
        char *p = arena_printf(&g.mem, "%s/%c%d", g.dir, s ? 'r' : 'l', i);
        g.files[s][i] = fopen(p, "w+b");
        if (!g.files[s][i])
          st = err_set(e, SL_ERUNTIME, "cannot create %s", p);
        else
          unlink(p); /* gone when closed, even after a crash */
      }
    }
  }
  r->partitions = g.parts ? g.parts : 1;
  if (!st) {
    g.side = 0;
    st = diff_read_file(left, o->in_fmt, on_row, &g, e);
  }
  if (!st) {
    g.side = 1;
    st = diff_read_file(right, o->in_fmt, on_row, &g, e);
  }
  if (!st && !g.parts) classify(&g);
  for (int i = 0; !st && i < g.parts; i++) {
    part_reset(&g);
    st = part_load(&g, 0, g.files[0][i], e);
    if (!st) st = part_load(&g, 1, g.files[1][i], e);
    if (!st) classify(&g);
    fclose(g.files[0][i]);
    fclose(g.files[1][i]);
    g.files[0][i] = g.files[1][i] = NULL;
  }
  for (int s = 0; s < 2; s++) {
    for (int i = 0; g.files[s] && i < g.parts; i++)
      if (g.files[s][i]) fclose(g.files[s][i]);
    free(g.files[s]);
  }
  if (g.dir) rmdir(g.dir);
  free(g.dir);
  if (r->nwindows) qsort(r->windows, (size_t)r->nwindows, sizeof(diff_window), win_cmp);
  r->equal = !st && !r->missing && !r->extra && !r->differing && !r->duplicate_keys;
  r->seconds = clock_wall_seconds() - w0;
  r->cpu_seconds = clock_cpu_seconds() - c0;
  part_reset(&g);
  arena_free(&g.mem);
  for (int s = 0; s < 2; s++) {
    for (int i = 0; i < g.npc[s]; i++) free(g.pc[s][i].name);
    free(g.pc[s]);
  }
  free(g.kind);
  free(g.tol);
  free(g.tr);
  free(g.keycol);
  free(g.rc);
  free(g.used);
  free(g.win_idx);
  buf_free(&g.row);
  buf_free(&g.key);
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
