/* diff_int.h - private to src/diff: the engine's row records, lists, tables and state, shared
 * by diff.c (rows in, classification, the run) and store.c (lists, tables, partition files).
 * Not a public header: only src/diff includes it. */
#ifndef SLUICE_DIFF_INT_H
#define SLUICE_DIFF_INT_H

#include <stdio.h>

#include "diff.h"

enum { CK_VALUE = -1, CK_IGNORED = -2 };

/* A row as kept: the header, then the window text (wlen) and the canonical key (klen); 8-byte
 * aligned in memory. order: the byte offset in its input, RIGHT's past 2^62, so samples come in
 * LEFT's order, then RIGHT's. */
typedef struct rec {
  uint64_t order, fp1, fp2;
  uint32_t len, wlen, klen;
  uint8_t side, force; /* force: compare the rows even when the fingerprints agree */
  uint8_t pad[2];
} rec;

#define ORDER_RIGHT ((uint64_t)1 << 62)

static inline const char *rec_win(const rec *x) { return (const char *)(x + 1); }
static inline const char *rec_key(const rec *x) { return (const char *)(x + 1) + x->wlen; }
static inline size_t rec_size(const rec *x) { return sizeof(rec) + x->wlen + x->klen; }

typedef struct entry {
  uint64_t hash;
  const rec *l, *r; /* first row of each side */
  uint32_t lcount, rcount;
} entry;

typedef struct poscache {
  char *name;
  size_t nlen;
  int id;
} poscache;

typedef struct ucell {
  int col;
  diff_tag tag;
  const char *s;
  uint32_t len;
} ucell;

typedef struct block {
  char *data;
  size_t used, cap;
} block;

enum { NSUB_BITS = 6, NSUB = 1 << NSUB_BITS };

typedef struct sub { /* the rows of one list */
  block *blocks;
  int nblocks, capblocks;
  size_t rows;
} sub;

typedef struct eng {
  const diff_opts *o;
  diff_result *r;
  diff_reader *in[2];
  uint64_t insize[2]; /* bytes of each input (0: unknown) */
  int *kind;          /* per column: key position, CK_VALUE or CK_IGNORED */
  const diff_tol **tol;
  diff_trunc *tr;
  uint32_t *stamp; /* per column: the last row that had it (a column twice in a row) */
  uint32_t rowno;
  int ncolcap;
  int *keycol; /* per key: column id */
  int wincol;
  poscache *pc[2];
  int npc[2];
  /* the rows of the partition in memory */
  sub subs[NSUB];
  size_t held; /* bytes of the lists' blocks */
  char **pool; /* free blocks of block_size() */
  int npool, cappool;
  size_t mem; /* the bound */
  entry *tab;
  size_t tcap, tn;
  struct pend { /* rows whose slot is being prefetched, inserted PEND rows later */
    const rec *x;
    uint64_t h;
  } pend[16];
  int npend, phead;
  /* spilling */
  int parts;
  FILE **files[2];
  char *dir;
  sl_buf row, key, win;
  ucell *uc[2]; /* the cells of the rows read again */
  int ucap[2];
  uint8_t *used;
  int side;
  uint64_t win_hash_cap;
  int *win_idx; /* open addressing over r->windows */
} eng;

/* ---- store.c ---- */
void diff_rec_keep(eng *g, const rec *x, uint64_t h); /* into its list (8-byte aligned) */
void diff_tab_build(eng *g, const sub *u);            /* the list's table, rows in order */
void diff_part_reset(eng *g, bool pool);              /* empties the lists */
sl_status diff_rec_spill(eng *g, const rec *x, uint64_t h, sl_error *e);
sl_status diff_spill_start(eng *g, uint64_t done, sl_error *e);
sl_status diff_part_load(eng *g, FILE *f, sl_error *e);

#endif
