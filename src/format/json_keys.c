/* json_keys.c - the JSON decoder's key tree: the needed columns of a schema as the objects a
 * record holds (ROW columns, flattened into leaves "bid.auction" with nest 1, become the object
 * value of "bid"), and one open-addressing table over (object, field name) so that a field name
 * is found in O(1) however wide the record. Built once per decoder.
 * Must not touch: the record loop and the scanner (json.c). */
#include <stdlib.h>
#include <string.h>

#include "json_int.h"

uint32_t json_hash(const char *s, size_t n) {
  uint64_t h = 0x9E3779B97F4A7C15ULL ^ n;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    memcpy(&w, s + i, 8);
    h = (h ^ w) * 0xff51afd7ed558ccdULL;
    h ^= h >> 29;
  }
  if (i < n) {
    uint64_t w = 0;
    memcpy(&w, s + i, n - i);
    h = (h ^ w) * 0xff51afd7ed558ccdULL;
  }
  h ^= h >> 32;
  return (uint32_t)h;
}

static uint32_t slot_of(uint32_t h, int g) { return h ^ (uint32_t)g * 0x9E3779B1u; }

int json_keys_find(const json_keys *k, int g, const char *s, size_t n, uint32_t h) {
  for (uint32_t i = slot_of(h, g) & k->mask;; i = (i + 1) & k->mask) {
    int32_t id = k->table[i] - 1;
    if (id < 0) return -1;
    const json_key *x = &k->keys[id];
    if (x->hash == h && x->group == g && x->len == n && memcmp(x->name, s, n) == 0) return id;
  }
}

static int add_key(json_keys *k, int *cap, int g, const char *name, size_t len) {
  if (k->nkeys == *cap) {
    *cap = *cap ? *cap * 2 : 16;
    k->keys = xrealloc(k->keys, (size_t)*cap * sizeof *k->keys);
  }
  json_key *x = &k->keys[k->nkeys];
  memset(x, 0, sizeof *x);
  x->name = name;
  x->len = (uint32_t)len;
  x->hash = json_hash(name, len);
  x->group = g;
  x->col = -1;
  x->sub = -1;
  x->plain = true;
  for (size_t c = 0; c < len; c++) {
    unsigned char ch = (unsigned char)name[c];
    if (ch < 0x20 || ch > 0x7e || ch == '"' || ch == '\\') x->plain = false;
  }
  json_group *gr = &k->groups[g];
  gr->members = xrealloc(gr->members, (size_t)(gr->n + 1) * sizeof(int));
  x->pos = gr->n;
  gr->members[gr->n++] = k->nkeys;
  return k->nkeys++;
}

/* The ROW member named [s, s+n) of group g, made when absent. */
static int row_key(json_keys *k, int *cap, int g, const char *s, size_t n, const char *path,
                   int col) {
  json_group *gr = &k->groups[g];
  for (int m = 0; m < gr->n; m++) {
    json_key *x = &k->keys[gr->members[m]];
    if (x->col < 0 && x->len == n && memcmp(x->name, s, n) == 0) return gr->members[m];
  }
  int id = add_key(k, cap, g, s, n);
  k->keys[id].sub = k->ngroups;
  k->keys[id].path = path;
  k->keys[id].path_col = col;
  k->groups = xrealloc(k->groups, (size_t)(k->ngroups + 1) * sizeof *k->groups);
  memset(&k->groups[k->ngroups], 0, sizeof *k->groups);
  k->ngroups++;
  return id;
}

void json_keys_build(json_keys *k, const fmt_schema *s) {
  memset(k, 0, sizeof *k);
  size_t total = 0;
  for (int i = 0; i < s->ncols; i++) /* the name split in parts, and each ROW's path */
    total += (size_t)((s->nest ? s->nest[i] : 0) + 1) * (strlen(s->names[i]) + 1);
  k->names = xmalloc(total + 1);
  char *w = k->names;
  k->groups = xcalloc(1, sizeof *k->groups);
  k->ngroups = 1;
  int cap = 0;
  int *chain = xcalloc((size_t)s->ncols + 1, sizeof(int)); /* the groups a leaf lies in */
  for (int i = 0; i < s->ncols; i++) {
    if (s->needed && !s->needed[i]) continue;
    const char *name = s->names[i];
    size_t len = strlen(name);
    int levels = s->nest ? s->nest[i] : 0;
    char *copy = w, *part = copy; /* split in place into the parts of the path */
    memcpy(copy, name, len + 1);
    w += len + 1;
    int g = 0;
    for (int l = 0; l < levels; l++) {
      char *dot = strchr(part, '.');
      if (!dot) break; /* fewer dots than levels: the rest is the leaf's name */
      *dot = 0;
      size_t plen = (size_t)(dot - copy); /* the path up to this ROW */
      char *path = w;
      memcpy(path, name, plen);
      path[plen] = 0;
      w += plen + 1;
      int id = row_key(k, &cap, g, part, (size_t)(dot - part), path, i);
      g = k->keys[id].sub;
      part = dot + 1;
    }
    int id = add_key(k, &cap, g, part, strlen(part));
    k->keys[id].col = i;
    k->keys[id].path = name;
    k->keys[id].path_col = i;
  }
  /* every leaf below each group: a null ROW makes them NULL */
  for (int id = 0; id < k->nkeys; id++) {
    if (k->keys[id].col < 0) continue;
    int n = 0;
    for (int g = k->keys[id].group;;) {
      chain[n++] = g;
      if (g == 0) break;
      int up = -1;
      for (int x = 0; x < k->nkeys && up < 0; x++)
        if (k->keys[x].sub == g) up = k->keys[x].group;
      g = up;
    }
    for (int c = 0; c < n; c++) {
      json_group *gr = &k->groups[chain[c]];
      gr->leaves = xrealloc(gr->leaves, (size_t)(gr->nleaves + 1) * sizeof(int));
      gr->leaves[gr->nleaves++] = k->keys[id].col;
    }
  }
  free(chain);
  uint32_t size = 16;
  while (size < 2u * (uint32_t)k->nkeys) size *= 2;
  k->mask = size - 1;
  k->table = xcalloc(size, sizeof *k->table);
  for (int id = 0; id < k->nkeys; id++) {
    uint32_t i = slot_of(k->keys[id].hash, k->keys[id].group) & k->mask;
    while (k->table[i]) i = (i + 1) & k->mask;
    k->table[i] = id + 1;
  }
}

void json_keys_free(json_keys *k) {
  for (int g = 0; g < k->ngroups; g++) {
    free(k->groups[g].members);
    free(k->groups[g].leaves);
  }
  free(k->groups);
  free(k->keys);
  free(k->table);
  free(k->names);
  memset(k, 0, sizeof *k);
}
