/* join_harness.c - what the time-bounded join tests share (join_harness.h): a capture that
 * records rows as text (with an optional projection) and watermarks in order, a seeded random
 * generator, and an order-free comparison that prints the first difference with the seed. */
#include "join_harness.h"

#include <stdlib.h>
#include <string.h>

#include "ops_harness.h"

/* ---- a capture: rows as "+I|v|v..." (a projection with COALESCE) and "WM(ts)" ---- */

static void jt_add(jt_cap *c, char *s) {
  if (c->n == c->cap) {
    c->cap = c->cap ? c->cap * 2 : 64;
    c->ev = realloc(c->ev, sizeof(char *) * (size_t)c->cap);
  }
  c->ev[c->n++] = s;
}

char *jt_fmt(const sl_value *row, const sl_type *types, int n, const int (*proj)[2], int nproj) {
  sl_buf t = {0};
  buf_puts(&t, "+I");
  for (int i = 0; i < (nproj ? nproj : n); i++) {
    const sl_value *v = &row[nproj ? proj[i][0] : i];
    sl_type ty = types[nproj ? proj[i][0] : i];
    if (nproj && v->null && proj[i][1] >= 0) v = &row[proj[i][1]], ty = types[proj[i][1]];
    buf_putc(&t, '|');
    value_format(v, ty, &t);
  }
  char *s = xstrdup(buf_cstr(&t));
  buf_free(&t);
  return s;
}

static sl_status jt_push(sl_op *op, int port, const sl_batch *b, sl_error *e) {
  jt_cap *c = (jt_cap *)op;
  const sl_op *in = op->in[port];
  for (int r = 0; r < b->nrows; r++) {
    const sl_value *row = batch_row(b, r);
    char *s = jt_fmt(row, in->types, in->ncols, (const int(*)[2])c->proj, c->nproj);
    if (b->kind[r] != RK_INSERT) s[0] = '?';
    jt_add(c, s);
    c->nrows++;
    for (int k = 0; k < 2; k++)
      if (c->tcols[k] >= 0 && !row[c->tcols[k]].null && c->last_wm != WM_NONE &&
          row[c->tcols[k]].u.i < c->last_wm)
        c->behind++;
  }
  return SL_OK;
}

static sl_status jt_signal(sl_op *op, int port, const sl_signal *sig, sl_error *e) {
  jt_cap *c = (jt_cap *)op;
  char buf[64];
  if (sig->kind == SIG_WATERMARK) {
    if (sig->ts < c->last_wm) c->wm_back++;
    c->last_wm = sig->ts;
    if (sig->ts == WM_INFINITY)
      snprintf(buf, sizeof buf, "WM(inf)");
    else
      snprintf(buf, sizeof buf, "WM(%lld)", (long long)sig->ts);
    jt_add(c, xstrdup(buf));
  }
  if (sig->kind == SIG_END) c->ends++;
  return op_signal_default(op, port, sig, e);
}

static void jt_free(sl_op *op) {
  jt_cap *c = (jt_cap *)op;
  for (int i = 0; i < c->n; i++) free(c->ev[i]);
  free(c->ev);
  free(c);
}

static const op_vt jt_vt = {
    .kind = "Capture", .push = jt_push, .signal = jt_signal, .free = jt_free};

jt_cap *jt_new(sl_job *j, sl_op *from) {
  jt_cap *c = calloc(1, sizeof *c);
  op_init(&c->base, &jt_vt, j, "capture");
  c->last_wm = WM_NONE;
  c->tcols[0] = c->tcols[1] = -1;
  job_add_op(j, &c->base);
  op_connect(from, &c->base);
  return c;
}

/* Events [from, n) joined with "; " (caller frees). */
char *jt_events(const jt_cap *c, int from) {
  sl_buf b = {0};
  for (int i = from; i < c->n; i++) {
    if (i > from) buf_puts(&b, "; ");
    buf_puts(&b, c->ev[i]);
  }
  char *s = xstrdup(buf_cstr(&b));
  buf_free(&b);
  return s;
}

/* The rows only, sorted, joined with "; " (caller frees). */
char *jt_rows(const jt_cap *c) {
  char **rows = calloc((size_t)c->n + 1, sizeof(char *));
  int n = 0;
  for (int i = 0; i < c->n; i++)
    if (c->ev[i][0] != 'W') rows[n++] = c->ev[i];
  char *s = th_join_sorted(rows, n);
  free(rows);
  return s;
}

uint64_t jt_rng;
uint64_t jt_rnd(void) { /* splitmix64 */
  uint64_t z = (jt_rng += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
int64_t jt_rnd_in(int64_t lo, int64_t hi) {
  return lo + (int64_t)(jt_rnd() % (uint64_t)(hi - lo + 1));
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The same rows in any order; the first difference is printed with the seed. */
bool same_sorted(char **a, int na, char **b, int nb, uint64_t seed, const char *what) {
  if (na > 1) qsort(a, (size_t)na, sizeof(char *), cmp_str);
  if (nb > 1) qsort(b, (size_t)nb, sizeof(char *), cmp_str);
  for (int i = 0; i < na || i < nb; i++) {
    const char *x = i < na ? a[i] : "(none)", *y = i < nb ? b[i] : "(none)";
    if (strcmp(x, y)) {
      fprintf(stderr, "seed %llu (%s): %d rows, want %d; row %d: got %s, want %s\n",
              (unsigned long long)seed, what, na, nb, i, x, y);
      return false;
    }
  }
  return true;
}
