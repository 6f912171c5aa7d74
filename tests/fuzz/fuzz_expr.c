/* fuzz_expr.c - libFuzzer target: expressions evaluated over decoded data. Input: a SQL
 * expression, a line "---", then JSON lines for the table t below (no separator: the expression
 * over one built-in row). The expression is compiled into
 *   INSERT INTO o SELECT <expr> FROM t
 * with plan_compile; every Calc plan node's expressions are deep-copied (as each operator
 * instance does), prepared and evaluated directly over each decoded row (not through the job
 * runner). Must never crash, leak or read out of bounds, and when all of its input is valid
 * UTF-8 no string it produces may be invalid UTF-8. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/format.h"
#include "plan/plan.h"

#define NCOLS 10
static const char pipeline_head[] =
    "CREATE TABLE t (i INT, b BIGINT, d DOUBLE, m DECIMAL(10, 2), s STRING, u STRING,\n"
    "  ts TIMESTAMP(3), dt DATE, f BOOLEAN, l TIMESTAMP_LTZ(3))\n"
    "  WITH ('connector' = 'filesystem', 'path' = 'in.jsonl', 'format' = 'json');\n"
    "CREATE TABLE o WITH ('connector' = 'blackhole');\n"
    "INSERT INTO o SELECT ";
static const char default_row[] =
    "{\"i\": 7, \"b\": -9000000000, \"d\": 2.5, \"m\": \"12.34\", \"s\": \"h\\u00e9llo "
    "w\\u00f6rld\","
    " \"u\": \"\\u00df-\\u03a3\", \"ts\": \"2024-03-10 13:45:30.250\", \"dt\": \"2024-02-29\","
    " \"f\": true, \"l\": \"2024-03-10 13:45:30Z\"}\n";

static bool valid_utf8(const char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    unsigned char c = (unsigned char)s[i];
    size_t k;
    uint32_t cp;
    if (c < 0x80) {
      i++;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      k = 2, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      k = 3, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      k = 4, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + k > n) return false;
    for (size_t j = 1; j < k; j++) {
      if (((unsigned char)s[i + j] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | ((unsigned char)s[i + j] & 0x3F);
    }
    if ((k == 2 && cp < 0x80) || (k == 3 && cp < 0x800) || (k == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += k;
  }
  return true;
}

typedef struct run {
  const char *data; /* JSON lines */
  size_t n;
  bool utf8_in;    /* expression and data are valid UTF-8 */
  int calcs, rows; /* how much was evaluated (FUZZ_EXPR_VERBOSE) */
  sl_buf scratch, text;
} run;

static void check_value(run *r, const sl_value *v, sl_type t) {
  if (v->null) return;
  if (t.id == T_STRING && r->utf8_in && !valid_utf8(v->u.s, v->len)) abort();
  r->text.len = 0;
  value_print(v, t, &r->text);
}

static void eval_calc(run *r, const plan_node *n) {
  const plan_node *in = n->in[0];
  if ((in->kind != P_SCAN && in->kind != P_ONEROW) || in->ncols > NCOLS) return;
  sl_arena a;
  arena_init(&a, 4096);
  /* each operator instance runs its own deep copy of the trees */
  sl_expr *pred = n->pred ? expr_substitute(n->pred, NULL, &a) : NULL;
  sl_expr **proj = arena_alloc(&a, sizeof(sl_expr *) * (size_t)(n->ncols ? n->ncols : 1));
  for (int i = 0; i < n->ncols; i++) proj[i] = expr_substitute(n->proj[i], NULL, &a);
  const char *m = pred ? expr_prepare(pred, &a) : NULL;
  for (int i = 0; i < n->ncols && !m; i++) m = expr_prepare(proj[i], &a);
  if (!m) {
    r->calcs++;
    fmt_decoder *d = NULL;
    if (in->kind == P_SCAN) {
      fmt_schema s = {in->ncols, in->names, in->types, NULL, 0, NULL};
      d = fmt_json_def.decoder_new(&s, NULL);
    }
    sl_arena rows;
    arena_init(&rows, 4096);
    size_t pos = 0;
    int nrows = 0;
    while (nrows < 64 && (d ? pos < r->n : nrows == 0)) {
      sl_value row[NCOLS + 1];
      for (int i = 0; i <= NCOLS; i++) row[i] = value_null();
      char why[256];
      if (d) {
        fmt_rec rec;
        sl_status st =
            d->vt->decode(d, r->data + pos, r->n - pos, &rec, row, &rows, why, sizeof why);
        if (rec.consumed == 0) abort();
        pos += rec.consumed;
        if (st != SL_OK || rec.no_row) continue;
      }
      nrows++;
      r->rows++;
      bool row_utf8 = true;
      for (int i = 0; d && i < in->ncols && i < NCOLS; i++)
        if (!row[i].null && in->types[i].id == T_STRING && !valid_utf8(row[i].u.s, row[i].len))
          row_utf8 = false;
      bool keep_utf8 = r->utf8_in;
      r->utf8_in = r->utf8_in && row_utf8;
      expr_ctx ctx = {0};
      ctx.arena = &rows;
      ctx.now_ms = 1710078330250;
      ctx.tz_offset_ms = 2 * 3600000;
      ctx.scratch = &r->scratch;
      bool keep = true;
      if (pred && expr_eval_pred(pred, row, &ctx, &keep) != SL_OK) keep = false;
      for (int i = 0; keep && i < n->ncols; i++) {
        sl_value out;
        ctx.errmsg[0] = 0;
        if (expr_eval(proj[i], row, &ctx, &out) == SL_OK)
          check_value(r, &out, n->types[i]);
        else if (!ctx.errmsg[0])
          abort(); /* a row error always says why */
      }
      r->utf8_in = keep_utf8;
      arena_reset(&rows);
    }
    arena_free(&rows);
    if (d) d->vt->free(d);
  }
  if (pred) expr_free_aux(pred);
  for (int i = 0; i < n->ncols; i++) expr_free_aux(proj[i]);
  arena_free(&a);
}

static void walk(run *r, const plan_node *n) {
  for (int i = 0; i < n->nin; i++) walk(r, n->in[i]);
  if (n->kind == P_CALC) eval_calc(r, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *in = (const char *)data;
  size_t elen = size;
  const char *rows = default_row;
  size_t rlen = sizeof default_row - 1;
  const char *sep = memmem(in, size, "\n---\n", 5);
  if (sep) {
    elen = (size_t)(sep - in);
    rows = sep + 5;
    rlen = size - elen - 5;
  }
  if (memchr(in, 0, elen)) return 0; /* the pipeline text is a C string */
  sl_buf text = {0};
  buf_puts(&text, pipeline_head);
  buf_put(&text, in, elen);
  buf_puts(&text, "\nFROM t;\n");
  char *rowcopy = malloc(rlen ? rlen : 1); /* exact-size copy so ASan sees overreads */
  if (rlen) memcpy(rowcopy, rows, rlen);
  sl_source src = {"fuzz.sql", buf_cstr(&text), text.len};
  static FILE *devnull;
  if (!devnull) devnull = fopen("/dev/null", "w");
  plan_opts o = {SQL_FLINK, NULL, 0, devnull};
  sl_pipeline *p = NULL;
  sl_error e = {0};
  static int verbose = -1; /* FUZZ_EXPR_VERBOSE=1: say why an input does not compile */
  if (verbose < 0) verbose = getenv("FUZZ_EXPR_VERBOSE") != NULL;
  sl_status st = plan_compile(&src, &o, &p, &e);
  if (st != SL_OK && verbose) err_print(stderr, &e);
  if (st == SL_OK) {
    run r = {rowcopy, rlen, valid_utf8(in, elen) && valid_utf8(rows, rlen), 0, 0, {0}, {0}};
    for (int i = 0; i < p->ninserts; i++) walk(&r, p->inserts[i]);
    if (verbose) fprintf(stderr, "%d Calc nodes, %d rows evaluated\n", r.calcs, r.rows);
    buf_free(&r.scratch);
    buf_free(&r.text);
  }
  plan_free(p);
  free(rowcopy);
  buf_free(&text);
  return 0;
}
