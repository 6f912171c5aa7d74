/* print.c - the print sink (rows to stdout as +I[a, b, c], -U[...], +U[...], -D[...]: Flink's
 * form with the row kind) and the blackhole sink (counts and drops). Output is buffered and
 * written when the buffer fills and whenever the pipeline goes idle (flush), so a row appended
 * to a monitored file shows up at once. Both accept changelogs. The example to copy for a new
 * sink. Must not touch: the rows it is given. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "connector.h"

static const opt_def print_opts[] = {
    {"connector", OPT_STRING, NULL, NULL, true, "print"},
    {"print-identifier", OPT_STRING, NULL, NULL, false, "prefix of every line ('id> ')"},
    {"standard-error", OPT_BOOL, "false", NULL, false, "print to stderr instead of stdout"},
    {NULL, 0, NULL, NULL, false, NULL}};

static const opt_def blackhole_opts[] = {{"connector", OPT_STRING, NULL, NULL, true, "blackhole"},
                                         {NULL, 0, NULL, NULL, false, NULL}};

typedef struct print_sink {
  sl_op base;
  int sink;
  conn_writer w;
  char *prefix;
  bool blackhole;
  const sl_type *types;
  int64_t tz;
} print_sink;

static sl_status print_push(sl_op *op, int port, const sl_batch *b, sl_error *e) {
  print_sink *p = (print_sink *)op;
  op->job->sinks[p->sink].rows_written += (uint64_t)b->nrows;
  if (p->blackhole) return SL_OK;
  const sl_type *types = p->types;
  for (int r = 0; r < b->nrows; r++) {
    const sl_value *row = batch_row(b, r);
    if (p->prefix) buf_puts(&p->w.buf, p->prefix);
    buf_puts(&p->w.buf, rowkind_short(b->kind[r]));
    buf_putc(&p->w.buf, '[');
    for (int i = 0; i < b->ncols; i++) {
      if (i) buf_puts(&p->w.buf, ", ");
      value_print_tz(&row[i], types[i], p->tz, &p->w.buf);
    }
    buf_puts(&p->w.buf, "]\n");
  }
  if (p->w.buf.len > (1 << 16)) return conn_writer_flush(&p->w, e);
  return SL_OK;
}

static sl_status print_flush(sl_op *op, sl_error *e) {
  print_sink *p = (print_sink *)op;
  return p->blackhole || !p->w.buf.len ? SL_OK : conn_writer_flush(&p->w, e);
}

/* Rows already printed cannot be taken back, so a stop prints what is buffered too. */
static sl_status print_stop(sl_op *op, bool publish, sl_error *e) { return print_flush(op, e); }

static void print_describe(const sl_op *op, sl_buf *out) {
  const print_sink *p = (const print_sink *)op;
  buf_printf(out, "%s",
             p->blackhole   ? "blackhole"
             : p->w.fd == 2 ? "print to stderr"
                            : "print to stdout");
}

static void print_free(sl_op *op) {
  print_sink *p = (print_sink *)op;
  buf_free(&p->w.buf);
  free(p->prefix);
  free(p);
}

static const op_vt print_vt = {.kind = "Sink",
                               .push = print_push,
                               .finish = print_flush,
                               .stop = print_stop,
                               .flush = print_flush,
                               .describe = print_describe,
                               .free = print_free};

static sl_op *sink_new(const conn_ctx *c, bool blackhole) {
  print_sink *p = xcalloc(1, sizeof *p);
  op_init(&p->base, &print_vt, c->job, c->table);
  p->blackhole = blackhole;
  p->base.accepts_updates = true;
  p->types = c->schema.types;
  p->tz = c->schema.tz_offset_ms;
  p->w.fd = opt_get_bool(&c->opts, print_opts, "standard-error") ? 2 : 1;
  p->w.what = "standard output";
  const char *id = blackhole ? NULL : opt_get(&c->opts, print_opts, "print-identifier");
  if (id) {
    size_t n = strlen(id);
    p->prefix = xmalloc(n + 3);
    memcpy(p->prefix, id, n);
    memcpy(p->prefix + n, "> ", 3);
  }
  p->sink = job_add_sink(c->job, c->table,
                         blackhole      ? "blackhole"
                         : p->w.fd == 2 ? "stderr"
                                        : "stdout",
                         &p->base);
  return &p->base;
}

static sl_op *print_sink_new(const conn_ctx *c, sl_error *e) { return sink_new(c, false); }
static sl_op *blackhole_sink_new(const conn_ctx *c, sl_error *e) { return sink_new(c, true); }

const conn_def conn_print = {"print",
                             print_opts,
                             false,
                             true,
                             false,
                             "Writes every row to standard output as `+I[v1, v2, ...]`, as "
                             "Flink's print connector does.",
                             NULL,
                             print_sink_new,
                             NULL,
                             false,
                             false,
                             NULL};
const conn_def conn_blackhole = {"blackhole", blackhole_opts,
                                 false,       true,
                                 false,       "Counts rows and drops them (for benchmarks).",
                                 NULL,        blackhole_sink_new,
                                 NULL,        false,
                                 true,        NULL};
