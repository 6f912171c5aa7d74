/* store.c - where `sluice diff` keeps its rows: the 64 lists of row records (blocks reused
 * between partitions), the hash table built for one list at a time (slot prefetching, rows
 * inserted in input order), and the partition files past the memory bound (written padded,
 * read back in large reads). Must not touch the readers, the classification or the reports. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../state/state.h"
#include "diff_int.h"

/* ---- the rows of a partition ----
 * Rows are appended to one of NSUB lists by the top bits of their key's hash; at
 * classification each list gets a hash table of its own, sized for it: small enough to stay in
 * cache, so inserting and probing rarely miss. */
static void tab_add(eng *g, const rec *x, uint64_t h) {
  size_t j = h & (g->tcap - 1);
  const char *key = rec_key(x);
  for (;; j = (j + 1) & (g->tcap - 1)) {
    entry *t = &g->tab[j];
    if (!t->lcount && !t->rcount) break;
    if (t->hash != h) continue;
    const rec *o = t->l ? t->l : t->r;
    if (o->klen == x->klen && !memcmp(rec_key(o), key, x->klen)) break;
  }
  entry *t = &g->tab[j];
  if (!t->lcount && !t->rcount) {
    t->hash = h;
    g->tn++;
  }
  if (x->side == 0 && !t->lcount++) t->l = x;
  if (x->side == 1 && !t->rcount++) t->r = x;
}

enum { PEND = 16 };

/* Inserts the pending rows in their order (the first row of a key stays the first). */
static void tab_flush(eng *g) {
  for (; g->npend; g->npend--, g->phead = (g->phead + 1) % PEND)
    tab_add(g, g->pend[g->phead].x, g->pend[g->phead].h);
}

/* Queues a row for the table and prefetches its slot: the probes of consecutive rows overlap
 * instead of waiting on one cache miss each. */
static void tab_push(eng *g, const rec *x, uint64_t h) {
  __builtin_prefetch(&g->tab[h & (g->tcap - 1)]);
  if (g->npend >= PEND / 2) { /* half way: its slot is in cache, prefetch the row it holds */
    const struct pend *m = &g->pend[(g->phead + g->npend - PEND / 2) % PEND];
    const entry *t = &g->tab[m->h & (g->tcap - 1)];
    if (t->hash == m->h && (t->l || t->r)) __builtin_prefetch(t->l ? t->l : t->r);
  }
  if (g->npend == PEND) {
    tab_add(g, g->pend[g->phead].x, g->pend[g->phead].h);
    g->phead = (g->phead + 1) % PEND;
    g->npend--;
  }
  g->pend[(g->phead + g->npend++) % PEND] = (struct pend){x, h};
}

/* The table of one list: every row of it inserted in input order. */
void diff_tab_build(eng *g, const sub *u) {
  size_t cap = 16;
  while (cap * 3 < u->rows * 4 + 4) cap *= 2;
  if (cap > g->tcap) {
    free(g->tab);
    g->tab = xmalloc(cap * sizeof(entry));
  }
  memset(g->tab, 0, cap * sizeof(entry));
  g->tcap = cap;
  g->tn = 0;
  g->npend = g->phead = 0;
  for (int b = 0; b < u->nblocks; b++)
    for (size_t at = 0; at < u->blocks[b].used;) {
      const rec *x = (const rec *)(const void *)(u->blocks[b].data + at);
      tab_push(g, x, state_hash(rec_key(x), x->klen));
      at += (rec_size(x) + 7) & ~(size_t)7;
    }
  tab_flush(g);
}

static size_t block_size(const eng *g) { /* 16 KB to 1 MB: small against the bound */
  size_t bs = g->mem / (NSUB * 8);
  return bs < ((size_t)16 << 10) ? (size_t)16 << 10 : bs > ((size_t)1 << 20) ? (size_t)1 << 20 : bs;
}

/* Copies a row into its list (8-byte aligned). */
void diff_rec_keep(eng *g, const rec *x, uint64_t h) {
  size_t n = (rec_size(x) + 7) & ~(size_t)7;
  sub *u = &g->subs[h >> (64 - NSUB_BITS)];
  block *b = u->nblocks ? &u->blocks[u->nblocks - 1] : NULL;
  if (!b || b->cap - b->used < n) {
    if (u->nblocks == u->capblocks) {
      u->capblocks = u->capblocks ? u->capblocks * 2 : 4;
      u->blocks = xrealloc(u->blocks, sizeof(block) * (size_t)u->capblocks);
    }
    b = &u->blocks[u->nblocks++];
    size_t bs = block_size(g);
    b->used = 0;
    if (n <= bs && g->npool) { /* a block of an earlier partition: its pages are mapped */
      b->data = g->pool[--g->npool];
      b->cap = bs;
    } else {
      b->cap = n > bs ? n : bs;
      b->data = xmalloc(b->cap);
    }
    g->held += b->cap;
  }
  memcpy(b->data + b->used, x, rec_size(x));
  memset(b->data + b->used + rec_size(x), 0, n - rec_size(x));
  b->used += n;
  u->rows++;
}

/* Empties the lists; their blocks are kept for the next partition (pool false: freed). */
void diff_part_reset(eng *g, bool pool) {
  size_t bs = block_size(g);
  for (int i = 0; i < NSUB; i++) {
    sub *u = &g->subs[i];
    for (int b = 0; b < u->nblocks; b++) {
      if (pool && u->blocks[b].cap == bs) {
        if (g->npool == g->cappool) {
          g->cappool = g->cappool ? g->cappool * 2 : 64;
          g->pool = xrealloc(g->pool, sizeof(char *) * (size_t)g->cappool);
        }
        g->pool[g->npool++] = u->blocks[b].data;
      } else {
        free(u->blocks[b].data);
      }
    }
    u->nblocks = 0;
    u->rows = 0;
  }
  g->held = 0;
}

/* x is followed by its zero padding to 8 bytes. */
sl_status diff_rec_spill(eng *g, const rec *x, uint64_t h, sl_error *e) {
  /* the middle bits pick the partition: the lists inside it are picked by the top ones, the
   * slots of their tables by the low ones */
  FILE *f = g->files[x->side][(h >> 32 & 0xffffff) % (uint64_t)g->parts];
  size_t n = (rec_size(x) + 7) & ~(size_t)7; /* with its zero padding: records stay aligned */
  if (fwrite_unlocked(x, 1, n, f) != n)
    return err_set(e, SL_ERUNTIME, "cannot write a temporary partition in %s", g->dir);
  return SL_OK;
}

/* Past the memory bound: the rows so far go to partition files, and so do the rest. The number
 * of partitions is what the bytes held so far project for the whole input. */
sl_status diff_spill_start(eng *g, uint64_t done, sl_error *e) {
  uint64_t total = g->insize[0] + g->insize[1];
  double frac = total && done ? (double)done / (double)total : 0.25;
  if (frac > 1) frac = 1;
  double need = (double)g->held / frac * 1.3;
  int parts = (int)(need / (double)g->mem) + 1;
  g->parts = parts < 2 ? 2 : parts > 256 ? 256 : parts; /* two files each: under 1024 fds */
  const char *td = diff_tmpdir(g->o->tmpdir);
  g->dir = xmalloc(strlen(td) + 32);
  sprintf(g->dir, "%s/sluice-diff-XXXXXX", td);
  if (!mkdtemp(g->dir)) {
    free(g->dir);
    g->dir = NULL;
    g->parts = 0;
    return err_set(e, SL_ERUNTIME, "cannot create a temporary directory in %s", td);
  }
  sl_buf p = {0};
  /* write buffers: an eighth of the bound over all files, 4 KB to 256 KB each */
  size_t bufsz = g->mem / 8 / (size_t)(2 * g->parts);
  bufsz = bufsz < 4096 ? 4096 : bufsz > ((size_t)256 << 10) ? (size_t)256 << 10 : bufsz;
  for (int s = 0; s < 2; s++) {
    g->files[s] = xcalloc((size_t)g->parts, sizeof(FILE *));
    for (int i = 0; i < g->parts; i++) {
      p.len = 0;
      buf_printf(&p, "%s/%c%d", g->dir, s ? 'r' : 'l', i);
      g->files[s][i] = fopen(buf_cstr(&p), "w+b");
      if (!g->files[s][i]) {
        sl_status st = err_set(e, SL_ERUNTIME, "cannot create %s", p.data);
        buf_free(&p);
        return st;
      }
      unlink(p.data); /* gone when closed, even after a crash */
      setvbuf(g->files[s][i], NULL, _IOFBF, bufsz);
    }
  }
  buf_free(&p);
  sl_status st = SL_OK;
  for (int i = 0; i < NSUB; i++)
    for (int b = 0; !st && b < g->subs[i].nblocks; b++)
      for (size_t at = 0; !st && at < g->subs[i].blocks[b].used;) {
        const rec *x = (const rec *)(const void *)(g->subs[i].blocks[b].data + at);
        st = diff_rec_spill(g, x, state_hash(rec_key(x), x->klen), e);
        at += (rec_size(x) + 7) & ~(size_t)7;
      }
  diff_part_reset(g, true);
  return st;
}

sl_status diff_part_load(eng *g, FILE *f, sl_error *e) {
  rewind(f);
  size_t cap = (size_t)1 << 20, lo = 0, hi = 0;
  char *buf = xmalloc(cap);
  sl_status st = SL_OK;
  for (;;) {
    if (hi - lo < sizeof(rec) ||
        hi - lo < ((rec_size((const rec *)(const void *)(buf + lo)) + 7) & ~(size_t)7)) {
      memmove(buf, buf + lo, hi - lo);
      hi -= lo;
      lo = 0;
      if (hi >= sizeof(rec) && rec_size((const rec *)(const void *)buf) > cap)
        buf = xrealloc(buf, cap = rec_size((const rec *)(const void *)buf) * 2);
      size_t got = fread(buf + hi, 1, cap - hi, f);
      if (!got) {
        if (ferror(f) || hi)
          st = err_set(e, SL_ERUNTIME, "cannot read a temporary partition in %s", g->dir);
        break;
      }
      hi += got;
      continue;
    }
    const rec *x = (const rec *)(const void *)(buf + lo);
    diff_rec_keep(g, x, state_hash(rec_key(x), x->klen));
    lo += (rec_size(x) + 7) & ~(size_t)7;
  }
  free(buf);
  return st;
}
