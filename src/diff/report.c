/* report.c - the output side of `sluice diff`: the result as text, JSON or HTML, and the
 * history file (one JSON line per run) behind --require-clean. Reads the result only; must
 * not touch the engine or the readers. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diff.h"

static void jstr(sl_buf *b, const char *s) { diff_cell_json(DT_STR, s, strlen(s), b); }

static void counts_json(const diff_result *r, sl_buf *b) {
  buf_printf(b,
             "\"equal\": %s, \"left_rows\": %lld, \"right_rows\": %lld, \"matching\": %lld, "
             "\"missing\": %lld, \"extra\": %lld, \"differing\": %lld, \"duplicate_keys\": %lld, "
             "\"null_keys\": %lld",
             r->equal ? "true" : "false", (long long)r->left_rows, (long long)r->right_rows,
             (long long)r->matching, (long long)r->missing, (long long)r->extra,
             (long long)r->differing, (long long)r->duplicate_keys, (long long)r->null_keys);
}

static void only_json(const diff_result *r, int bit, sl_buf *b) {
  bool first = true;
  buf_putc(b, '[');
  for (int i = 0; i < r->cols.n; i++)
    if (r->col_value[i] && r->cols.seen[i] == bit) {
      if (!first) buf_puts(b, ", ");
      first = false;
      jstr(b, r->cols.names[i]);
    }
  buf_putc(b, ']');
}

static double rate(const diff_result *r) {
  double rows = (double)(r->left_rows + r->right_rows);
  return r->seconds > 0 ? rows / r->seconds : rows;
}

static void report_json(const diff_result *r, const diff_opts *o, sl_buf *b) {
  buf_puts(b, "{\"left\": ");
  jstr(b, o->left_name);
  buf_puts(b, ", \"right\": ");
  jstr(b, o->right_name);
  buf_puts(b, ", \"keys\": [");
  for (int i = 0; i < o->nkeys; i++) {
    if (i) buf_puts(b, ", ");
    jstr(b, o->keys[i]);
  }
  buf_puts(b, "], ");
  counts_json(r, b);
  buf_puts(b, ", \"columns\": {");
  bool first = true;
  for (int i = 0; i < r->cols.n; i++)
    if (r->col_value[i]) {
      if (!first) buf_puts(b, ", ");
      first = false;
      jstr(b, r->cols.names[i]);
      buf_printf(b, ": %lld", (long long)r->col_diffs[i]);
    }
  buf_puts(b, "}, \"columns_only_left\": ");
  only_json(r, 1, b);
  buf_puts(b, ", \"columns_only_right\": ");
  only_json(r, 2, b);
  buf_puts(b, ", \"samples\": [");
  for (int i = 0; i < r->nsamples; i++) {
    const diff_sample *s = &r->samples[i];
    buf_printf(b, "%s\n  {\"kind\": \"%s\", \"key\": %s, \"left\": %s, \"right\": %s", i ? "," : "",
               s->kind, s->key, s->left ? s->left : "null", s->right ? s->right : "null");
    if (s->cols) buf_printf(b, ", \"columns\": %s", s->cols);
    buf_putc(b, '}');
  }
  buf_puts(b, "]");
  if (o->window_col) {
    buf_puts(b, ", \"window_column\": ");
    jstr(b, o->window_col);
    buf_puts(b, ", \"windows\": [");
    for (int i = 0; i < r->nwindows; i++) {
      const diff_window *w = &r->windows[i];
      bool eq = !w->missing && !w->extra && !w->differing && !w->duplicate_keys;
      buf_printf(b, "%s\n  {\"window\": ", i ? "," : "");
      jstr(b, w->value);
      buf_printf(b,
                 ", \"equal\": %s, \"left_rows\": %lld, \"right_rows\": %lld, \"matching\": %lld, "
                 "\"missing\": %lld, \"extra\": %lld, \"differing\": %lld, \"duplicate_keys\": "
                 "%lld}",
                 eq ? "true" : "false", (long long)w->left_rows, (long long)w->right_rows,
                 (long long)w->matching, (long long)w->missing, (long long)w->extra,
                 (long long)w->differing, (long long)w->duplicate_keys);
    }
    buf_puts(b, "]");
  }
  buf_printf(b,
             ", \"partitions\": %d, \"seconds\": %.3f, \"cpu_seconds\": %.3f, "
             "\"rows_per_second\": %.0f}\n",
             r->partitions, r->seconds, r->cpu_seconds, rate(r));
}

static void html_esc(sl_buf *b, const char *s) {
  for (; *s; s++) {
    if (*s == '<')
      buf_puts(b, "&lt;");
    else if (*s == '>')
      buf_puts(b, "&gt;");
    else if (*s == '&')
      buf_puts(b, "&amp;");
    else if (*s == '"')
      buf_puts(b, "&quot;");
    else
      buf_putc(b, *s);
  }
}

static void report_html(const diff_result *r, const diff_opts *o, sl_buf *b) {
  buf_puts(b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>sluice diff</title>\n"
              "<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px "
              "solid #ccc;padding:2px 6px;font-family:monospace}.bad{color:#b00}.ok{color:#070}"
              "</style></head><body>\n<h1>sluice diff: ");
  html_esc(b, o->left_name);
  buf_puts(b, " vs ");
  html_esc(b, o->right_name);
  buf_printf(b, "</h1>\n<p class=\"%s\">%s</p>\n<table>\n", r->equal ? "ok" : "bad",
             r->equal ? "equal" : "different");
  const char *names[] = {"left rows", "right rows", "matching",       "missing",
                         "extra",     "differing",  "duplicate keys", "null keys"};
  int64_t v[] = {r->left_rows, r->right_rows, r->matching,       r->missing,
                 r->extra,     r->differing,  r->duplicate_keys, r->null_keys};
  for (int i = 0; i < 8; i++)
    buf_printf(b, "<tr><th>%s</th><td>%lld</td></tr>\n", names[i], (long long)v[i]);
  buf_puts(b,
           "</table>\n<h2>Columns</h2>\n<table><tr><th>column</th><th>rows differing</th></tr>\n");
  for (int i = 0; i < r->cols.n; i++)
    if (r->col_value[i]) {
      buf_puts(b, "<tr><td>");
      html_esc(b, r->cols.names[i]);
      buf_printf(b, "</td><td>%lld</td></tr>\n", (long long)r->col_diffs[i]);
    }
  buf_puts(b, "</table>\n");
  if (o->window_col) {
    buf_puts(b, "<h2>Windows</h2>\n<table><tr><th>window</th><th>left</th><th>right</th>"
                "<th>matching</th><th>missing</th><th>extra</th><th>differing</th></tr>\n");
    for (int i = 0; i < r->nwindows; i++) {
      const diff_window *w = &r->windows[i];
      bool eq = !w->missing && !w->extra && !w->differing && !w->duplicate_keys;
      buf_printf(b, "<tr class=\"%s\"><td>", eq ? "ok" : "bad");
      html_esc(b, w->value);
      buf_printf(b,
                 "</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td>"
                 "<td>%lld</td></tr>\n",
                 (long long)w->left_rows, (long long)w->right_rows, (long long)w->matching,
                 (long long)w->missing, (long long)w->extra, (long long)w->differing);
    }
    buf_puts(b, "</table>\n");
  }
  buf_puts(b, "<h2>First differences</h2>\n<table><tr><th>kind</th><th>key</th><th>left</th>"
              "<th>right</th><th>columns</th></tr>\n");
  for (int i = 0; i < r->nsamples; i++) {
    const diff_sample *s = &r->samples[i];
    buf_printf(b, "<tr><td>%s</td><td>", s->kind);
    html_esc(b, s->key);
    buf_puts(b, "</td><td>");
    html_esc(b, s->left ? s->left : "");
    buf_puts(b, "</td><td>");
    html_esc(b, s->right ? s->right : "");
    buf_puts(b, "</td><td>");
    html_esc(b, s->cols ? s->cols : "");
    buf_puts(b, "</td></tr>\n");
  }
  buf_puts(b, "</table>\n</body></html>\n");
}

static void report_text(const diff_result *r, const diff_opts *o, sl_buf *b) {
  buf_printf(b, "sluice diff: %s vs %s (key:", o->left_name, o->right_name);
  for (int i = 0; i < o->nkeys; i++) buf_printf(b, "%s%s", i ? ", " : " ", o->keys[i]);
  buf_printf(b, ")\nrows: left %lld, right %lld\n", (long long)r->left_rows,
             (long long)r->right_rows);
  buf_printf(b,
             "matching %lld, missing %lld (in left only), extra %lld (in right only), differing "
             "%lld, duplicate keys %lld, null keys %lld\n",
             (long long)r->matching, (long long)r->missing, (long long)r->extra,
             (long long)r->differing, (long long)r->duplicate_keys, (long long)r->null_keys);
  bool any = false;
  for (int i = 0; i < r->cols.n; i++)
    if (r->col_value[i] && r->col_diffs[i]) {
      buf_printf(b, "%s%s %lld", any ? ", " : "columns differing: ", r->cols.names[i],
                 (long long)r->col_diffs[i]);
      any = true;
    }
  if (any) buf_putc(b, '\n');
  for (int bit = 1; bit <= 2; bit++) {
    bool f = true;
    for (int i = 0; i < r->cols.n; i++)
      if (r->col_value[i] && r->cols.seen[i] == bit) {
        buf_printf(b, "%s%s", f ? (bit == 1 ? "only in left: " : "only in right: ") : ", ",
                   r->cols.names[i]);
        f = false;
      }
    if (!f) buf_putc(b, '\n');
  }
  if (o->window_col && r->nwindows) {
    buf_printf(b, "windows (%s):\n", o->window_col);
    for (int i = 0; i < r->nwindows; i++) {
      const diff_window *w = &r->windows[i];
      int64_t bad = w->missing + w->extra + w->differing + w->duplicate_keys;
      if (!bad)
        buf_printf(b, "  window %s: equal (%lld rows)\n", w->value, (long long)w->matching);
      else
        buf_printf(b,
                   "  window %s differs by %lld row%s (%lld missing, %lld extra, %lld differing, "
                   "%lld duplicate keys)\n",
                   w->value, (long long)bad, bad == 1 ? "" : "s", (long long)w->missing,
                   (long long)w->extra, (long long)w->differing, (long long)w->duplicate_keys);
    }
  }
  if (r->nsamples) buf_puts(b, "first differences:\n");
  for (int i = 0; i < r->nsamples; i++) {
    const diff_sample *s = &r->samples[i];
    buf_printf(b, "  %-9s key %s", s->kind, s->key);
    if (s->cols) buf_printf(b, " columns %s", s->cols);
    buf_printf(b, "\n    left:  %s\n    right: %s\n", s->left ? s->left : "-",
               s->right ? s->right : "-");
  }
  buf_printf(b, "%s\n", r->equal ? "EQUAL" : "DIFFERENT");
}

void diff_report_write(const diff_result *r, const diff_opts *o, diff_report f, FILE *out) {
  sl_buf b = {0};
  if (f == DR_JSON)
    report_json(r, o, &b);
  else if (f == DR_HTML)
    report_html(r, o, &b);
  else
    report_text(r, o, &b);
  fwrite(b.data, 1, b.len, out);
  buf_free(&b);
}

void diff_history_line(const diff_result *r, const diff_opts *o, sl_buf *b) {
  char ts[32];
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
  buf_printf(b, "{\"time\": \"%s\", \"left\": ", ts);
  jstr(b, o->left_name);
  buf_puts(b, ", \"right\": ");
  jstr(b, o->right_name);
  buf_puts(b, ", ");
  counts_json(r, b);
  buf_puts(b, "}\n");
}

sl_status diff_history(const char *path, const diff_result *r, const diff_opts *o, int n,
                       bool *clean, int *have, sl_error *e) {
  sl_buf b = {0};
  diff_history_line(r, o, &b);
  FILE *f = fopen(path, "a");
  if (!f || fwrite(b.data, 1, b.len, f) != b.len || fclose(f)) {
    buf_free(&b);
    return err_set(e, SL_ERUNTIME, "cannot append to the history file '%s': %s", path,
                   strerror(errno));
  }
  buf_free(&b);
  *clean = false;
  *have = 0;
  if (n <= 0) return SL_OK;
  size_t len;
  char *text = file_read_all(path, &len, e);
  if (!text) return SL_ERUNTIME;
  /* walk the lines backwards: the last n must all say "equal": true */
  int seen = 0, ok = 0;
  size_t end = len;
  while (end > 0 && seen < n) {
    size_t st = end - 1; /* end is past a '\n' (or the end of the file) */
    while (st > 0 && text[st - 1] != '\n') st--;
    if (end - st > 1) {
      seen++;
      char *line = xstrndup(text + st, end - st);
      bool eq = strstr(line, "\"equal\": true") != NULL;
      free(line);
      if (!eq) break;
      ok++;
    }
    end = st;
  }
  free(text);
  *have = ok;
  *clean = ok == n;
  return SL_OK;
}
