/* fuzz_diff.c - libFuzzer target: `sluice diff`'s reader and engine over arbitrary bytes. The
 * first byte chooses JSON lines or CSV, a tiny memory bound (hash partitioning) or not, and the
 * key column. Every row is read again by its position and must give the same cells; every value
 * goes through the number, timestamp and key canonical forms, and two neighbouring cells with
 * the same canonical value bytes must compare equal; then the input is diffed against itself,
 * which must find nothing missing, extra or differing (only duplicate keys). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diff/diff.h"

typedef struct seen {
  diff_pos *pos;
  int *ncells;
  int n, cap;
} seen;

static sl_status on_row(void *ctx, const diff_cell *cells, int n, const diff_pos *pos,
                        sl_error *e) {
  (void)e;
  seen *s = ctx;
  if (s->n == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 64;
    s->pos = realloc(s->pos, sizeof(diff_pos) * (size_t)s->cap);
    s->ncells = realloc(s->ncells, sizeof(int) * (size_t)s->cap);
  }
  s->pos[s->n] = *pos;
  s->ncells[s->n++] = n;
  sl_buf b = {0};
  diff_tol tol = {NULL, true, true, {0}, {0}};
  diff_num_parse("0.5", 3, &tol.abs);
  diff_num_parse("1", 1, &tol.pct);
  for (int i = 0; i < n; i++) {
    const diff_cell *c = &cells[i];
    diff_num x;
    if (diff_num_parse(c->s, c->len, &x)) diff_num_format(&x, &b);
    diff_key_canon(c->tag, c->s, c->len, &b);
    diff_cell_text(c->tag, c->s, c->len, &b);
    diff_cell_json(c->tag, c->s, c->len, &b);
    if (!diff_cell_equal(c->tag, c->s, c->len, c->tag, c->s, c->len, &tol, TR_SECOND)) abort();
    if (i) { /* equal canonical bytes must be equal values (the fingerprints rely on it) */
      const diff_cell *p = &cells[i - 1];
      diff_canon cp, cc;
      diff_value_canon(p->tag, p->s, p->len, &cp);
      diff_value_canon(c->tag, c->s, c->len, &cc);
      bool eq = diff_cell_equal(p->tag, p->s, p->len, c->tag, c->s, c->len, NULL, TR_NONE);
      if (p->tag != DT_NULL && c->tag != DT_NULL && cp.kind == cc.kind && cp.n == cc.n &&
          !memcmp(cp.p, cc.p, cp.n) && !eq)
        abort();
    }
    b.len = 0;
  }
  buf_free(&b);
  return SL_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0) return 0;
  uint8_t mode = data[0];
  char path[] = "/tmp/sluice-fuzz-diff-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return 0;
  if (write(fd, data + 1, size - 1) != (ssize_t)(size - 1)) abort();
  close(fd);
  diff_fmt fmt = mode & 1 ? DF_CSV : DF_JSON;
  diff_reader *r = NULL;
  sl_error e = {0};
  seen s = {0};
  if (!diff_reader_open(path, fmt, NULL, &r, &e) && !diff_reader_scan(r, on_row, &s, &e)) {
    for (int i = 0; i < s.n; i++) {
      const diff_cell *c;
      int n;
      if (diff_reader_fetch(r, &s.pos[i], &c, &n, &e) || n != s.ncells[i]) abort();
    }
  }
  diff_reader_free(r);
  static const char *keys[][2] = {{"a", NULL}, {"b", NULL}, {"a", "b"}, {"id", NULL}};
  const char **k = keys[(mode >> 2) & 3];
  diff_opts o = {.keys = k, .nkeys = k[1] ? 2 : 1, .samples = 3, .in_fmt = fmt};
  if (mode & 2) o.memory = 1; /* every row past the bound: partitioned */
  if (mode & 16) o.window_col = "b";
  diff_result res;
  if (!diff_run(path, path, &o, &res, &e))
    if (res.missing || res.extra || res.differing || res.left_rows != res.right_rows) abort();
  diff_result_free(&res); /* the result owns what it holds, error or not */
  unlink(path);
  free(s.pos);
  free(s.ncells);
  return 0;
}
