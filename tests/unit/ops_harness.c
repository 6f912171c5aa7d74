/* ops_harness.c - the feeder and capturing sink of ops_harness.h (for operator unit tests). */
#include "ops_harness.h"

#include <stdlib.h>
#include <string.h>

static void plain_free(sl_op *op) {
  batch_free(&((th_src *)op)->b);
  free(op);
}
static const op_vt src_vt = {.kind = "Feeder", .free = plain_free};

th_src *th_src_new(sl_job *j, int ncols, const char *const *names, const sl_type *types) {
  th_src *s = calloc(1, sizeof *s);
  op_init(&s->base, &src_vt, j, "feeder");
  s->base.ncols = ncols;
  s->base.cols = names;
  s->base.types = types;
  batch_init(&s->b, ncols, 1024);
  job_add_op(j, &s->base);
  return s;
}

void th_add(th_src *s, int kind, uint64_t line, const sl_value *row) {
  if (s->b.nrows == s->b.cap) return;
  memcpy(batch_row(&s->b, s->b.nrows), row, sizeof(sl_value) * (size_t)s->b.ncols);
  s->b.kind[s->b.nrows] = (uint8_t)kind;
  s->b.pos[s->b.nrows] = (sl_rowpos){0, 0, line};
  s->b.nrows++;
}

sl_status th_flush(th_src *s, sl_error *e) {
  /* strings into one malloc'd block freed after the push */
  size_t total = 0;
  for (int r = 0; r < s->b.nrows; r++)
    total += state_row_extra(batch_row(&s->b, r), s->base.types, s->b.ncols);
  char *mem = malloc(total ? total : 1), *p = mem;
  for (int r = 0; r < s->b.nrows; r++) {
    sl_value *row = batch_row(&s->b, r);
    size_t x = state_row_extra(row, s->base.types, s->b.ncols);
    state_keep_row(row, row, s->base.types, s->b.ncols, p);
    p += x;
  }
  sl_status st = op_emit(&s->base, &s->b, e);
  memset(mem, 0x5a, total);
  free(mem);
  for (int r = 0; r < s->b.nrows; r++) /* the cells point into freed memory now */
    for (int c = 0; c < s->b.ncols; c++) batch_row(&s->b, r)[c] = value_null();
  batch_clear(&s->b);
  return st;
}

sl_status th_wm(th_src *s, int64_t ts, sl_error *e) {
  sl_status st = th_flush(s, e);
  if (st) return st;
  sl_signal sig = {SIG_WATERMARK, ts, 0};
  return op_signal_emit(&s->base, &sig, e);
}

sl_status th_end(th_src *s, sl_error *e) {
  sl_status st = th_flush(s, e);
  if (st) return st;
  return op_end_source(&s->base, e);
}

/* ---- capture ---- */

static void cap_add(th_cap *c, char *s) {
  if (c->n == c->cap) {
    c->cap = c->cap ? c->cap * 2 : 64;
    c->ev = realloc(c->ev, sizeof(char *) * (size_t)c->cap);
  }
  c->ev[c->n++] = s;
}

char *th_row_text(const sl_value *row, const sl_type *types, int n) {
  sl_buf b = {0};
  buf_putc(&b, '(');
  for (int i = 0; i < n; i++) {
    if (i) buf_puts(&b, ", ");
    if (row[i].null)
      buf_puts(&b, "NULL");
    else
      value_print(&row[i], types[i], &b);
  }
  buf_putc(&b, ')');
  char *s = strdup(buf_cstr(&b));
  buf_free(&b);
  return s;
}

static sl_status cap_push(sl_op *op, int port, const sl_batch *b, sl_error *e) {
  th_cap *c = (th_cap *)op;
  const sl_op *from = op->in[port];
  for (int r = 0; r < b->nrows; r++) {
    char *t = th_row_text(batch_row(b, r), from->types, from->ncols);
    size_t n = strlen(t) + 4;
    char *s = malloc(n);
    snprintf(s, n, "%s%s", rowkind_short(b->kind[r]), t);
    free(t);
    cap_add(c, s);
    c->rows++;
  }
  return SL_OK;
}

static sl_status cap_signal(sl_op *op, int port, const sl_signal *sig, sl_error *e) {
  th_cap *c = (th_cap *)op;
  char buf[64];
  if (sig->kind == SIG_WATERMARK) {
    if (sig->ts == WM_INFINITY)
      snprintf(buf, sizeof buf, "WM(inf)");
    else
      snprintf(buf, sizeof buf, "WM(%lld)", (long long)sig->ts);
    cap_add(c, strdup(buf));
  }
  if (sig->kind == SIG_END) {
    cap_add(c, strdup("END"));
    c->ends++;
  }
  return op_signal_default(op, port, sig, e);
}

static void cap_free(sl_op *op) {
  th_cap *c = (th_cap *)op;
  for (int i = 0; i < c->n; i++) free(c->ev[i]);
  free(c->ev);
  free(c);
}

static const op_vt cap_vt = {
    .kind = "Capture", .push = cap_push, .signal = cap_signal, .free = cap_free};

th_cap *th_cap_new(sl_job *j) {
  th_cap *c = calloc(1, sizeof *c);
  op_init(&c->base, &cap_vt, j, "capture");
  c->base.accepts_updates = true;
  job_add_op(j, &c->base);
  return c;
}

char *th_cap_join(const th_cap *c, int from) {
  sl_buf b = {0};
  for (int i = from; i < c->n; i++) {
    if (i > from) buf_puts(&b, "; ");
    buf_puts(&b, c->ev[i]);
  }
  char *s = strdup(buf_cstr(&b));
  buf_free(&b);
  return s;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

char *th_join_sorted(char **rows, int n) {
  qsort(rows, (size_t)n, sizeof(char *), cmp_str);
  sl_buf b = {0};
  for (int i = 0; i < n; i++) {
    if (i) buf_puts(&b, "; ");
    buf_puts(&b, rows[i]);
  }
  char *s = strdup(buf_cstr(&b));
  buf_free(&b);
  return s;
}

char *th_cap_table(const th_cap *c) {
  char **rows = calloc((size_t)c->n + 1, sizeof(char *));
  int n = 0;
  bool bad = false;
  for (int i = 0; i < c->n && !bad; i++) {
    const char *ev = c->ev[i];
    if (ev[0] != '+' && ev[0] != '-') continue;
    const char *row = ev + 2;
    if (ev[0] == '+') {
      rows[n++] = (char *)row;
      continue;
    }
    int k = 0;
    while (k < n && strcmp(rows[k], row) != 0) k++;
    if (k == n)
      bad = true;
    else
      rows[k] = rows[--n];
  }
  char *s = bad ? NULL : th_join_sorted(rows, n);
  free(rows);
  return s;
}

th_cap *th_wire(sl_job *j, th_src *src, sl_op *op) {
  job_add_op(j, op);
  th_cap *c = th_cap_new(j);
  op_connect(&src->base, op);
  op_connect(op, &c->base);
  return c;
}
