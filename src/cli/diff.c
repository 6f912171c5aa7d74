/* diff.c - `sluice diff LEFT RIGHT --key ...`: parses the options, turns a `pipeline.sql:table`
 * input into a file (the pipeline's CREATE TABLE/VIEW and SET statements, its INSERTs left
 * out, plus one INSERT of the table into a temporary JSON-lines file, run as a bounded job),
 * runs the diff (src/diff) and prints the report. Exit: 0 equal, 1 different (or not clean
 * enough in the history), 2 error. Must not touch the diff engine's internals. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../diff/diff.h"
#include "../plan/plan.h"
#include "cli.h"

static const char usage_diff[] =
    "usage: sluice diff LEFT RIGHT --key COL[,COL...] [options]\n"
    "\n"
    "Compares two result sets key by key. LEFT and RIGHT are JSON-lines or CSV files (by\n"
    "extension, or --input-format), or PIPELINE.sql:TABLE, a table (or view) of a pipeline\n"
    "file read through its connector (bounded: set a bounded mode for Kafka).\n"
    "  --key COLS                 key columns (LEFT names), composite with commas\n"
    "  --tolerance T              numeric tolerance, repeatable: 0.01 (absolute), 1% (of the\n"
    "                             larger magnitude), COL=0.01 or COL=1% (one column)\n"
    "  --truncate-timestamps U    compare timestamps truncated to U (millisecond, second,\n"
    "                             minute, hour, day); COL=U for one column; repeatable\n"
    "  --ignore COLS              columns not compared, repeatable\n"
    "  --map LEFT=RIGHT           LEFT's column LEFT is RIGHT's column RIGHT, repeatable\n"
    "  --window-column COL        counts per value of COL (a window start)\n"
    "  --samples N                differences shown (default 10)\n"
    "  --format text|json|html    the report (default text)\n"
    "  --input-format json|csv    how both inputs are read (default: by extension)\n"
    "  --memory SIZE              memory bound (default 512mb): larger inputs are\n"
    "                             hash-partitioned to temporary files\n"
    "  --tmpdir DIR               where temporary files go (default $TMPDIR or /tmp)\n"
    "  --history FILE             append the result to FILE (one JSON line)\n"
    "  --require-clean N          exit 1 unless the last N results in --history are equal\n"
    "  --set KEY=VALUE            for PIPELINE.sql:TABLE inputs, as in `sluice run`\n"
    "  --verbose, -v              rows, partitions and rate on stderr\n"
    "exit status: 0 equal, 1 different, 2 error\n";

typedef struct dargs {
  diff_opts o;
  const char *in[2];
  const char *history;
  int require_clean;
  diff_report fmt;
  bool verbose;
  const char **sets;
  int nsets;
  sl_arena a;
} dargs;

static int bad(const char *fmt, const char *what) {
  fprintf(stderr, "sluice diff: ");
  fprintf(stderr, fmt, what);
  fprintf(stderr, "\n(see sluice diff --help)\n");
  return 2;
}

/* Splits a comma list into *v (arena copies). */
static void split_list(sl_arena *a, const char *s, const char ***v, int *n) {
  while (*s) {
    const char *c = strchr(s, ',');
    size_t len = c ? (size_t)(c - s) : strlen(s);
    if (len) {
      *v = xrealloc((void *)*v, sizeof(char *) * (size_t)(*n + 1));
      (*v)[(*n)++] = arena_strndup(a, s, len);
    }
    s += len + (c ? 1 : 0);
  }
}

static diff_trunc trunc_unit(const char *s) {
  static const char *const names[] = {"millisecond", "second", "minute", "hour", "day"};
  for (int i = 0; i < 5; i++)
    if (str_ieq(s, names[i])) return (diff_trunc)(TR_MS + i);
  return TR_NONE;
}

static int parse_tol(dargs *d, const char *v) {
  diff_tol t = {0};
  const char *eq = strrchr(v, '=');
  if (eq) t.col = arena_strndup(&d->a, v, (size_t)(eq - v));
  const char *num = eq ? eq + 1 : v;
  size_t n = strlen(num);
  bool pct = n && num[n - 1] == '%';
  diff_num x;
  if (!diff_num_parse(num, pct ? n - 1 : n, &x) || x.neg)
    return bad("--tolerance '%s': expected 0.01, 1%%, COL=0.01 or COL=1%%", v);
  /* a column given twice keeps both kinds: absolute and relative */
  for (int i = 0; i < d->o.ntols; i++) {
    diff_tol *o = &d->o.tols[i];
    if ((!o->col && !t.col) || (o->col && t.col && !strcmp(o->col, t.col))) {
      if (pct)
        o->has_pct = true, o->pct = x;
      else
        o->has_abs = true, o->abs = x;
      return 0;
    }
  }
  if (pct)
    t.has_pct = true, t.pct = x;
  else
    t.has_abs = true, t.abs = x;
  d->o.tols = xrealloc(d->o.tols, sizeof(diff_tol) * (size_t)(d->o.ntols + 1));
  d->o.tols[d->o.ntols++] = t;
  return 0;
}

static int parse_dargs(int argc, char **argv, dargs *d) {
  d->o.samples = 10;
  d->o.memory = (size_t)512 << 20;
  int nin = 0;
  for (int i = 0; i < argc; i++) {
    const char *s = argv[i];
    if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
      fputs(usage_diff, stdout);
      return -1;
    }
    if (!strcmp(s, "--verbose") || !strcmp(s, "-v")) {
      d->verbose = true;
      continue;
    }
    if (s[0] != '-' || !s[1]) {
      if (nin == 2) return bad("unexpected argument '%s' (two inputs: LEFT RIGHT)", s);
      d->in[nin++] = s;
      continue;
    }
    char opt[64];
    const char *v = strchr(s, '=');
    size_t olen = v && s[1] == '-' ? (size_t)(v - s) : strlen(s);
    if (olen >= sizeof opt) return bad("unknown option '%s'", s);
    memcpy(opt, s, olen);
    opt[olen] = 0;
    v = s[olen] == '=' ? s + olen + 1 : (i + 1 < argc ? argv[++i] : NULL);
    if (!v) return bad("%s needs a value", opt);
    if (!strcmp(opt, "--key")) {
      split_list(&d->a, v, &d->o.keys, &d->o.nkeys);
    } else if (!strcmp(opt, "--ignore")) {
      split_list(&d->a, v, &d->o.ignore, &d->o.nignore);
    } else if (!strcmp(opt, "--map")) {
      const char *eq = strchr(v, '=');
      if (!eq || eq == v || !eq[1]) return bad("--map '%s': expected LEFT=RIGHT", v);
      d->o.maps = xrealloc(d->o.maps, sizeof(diff_map) * (size_t)(d->o.nmaps + 1));
      d->o.maps[d->o.nmaps++] =
          (diff_map){arena_strndup(&d->a, v, (size_t)(eq - v)), arena_strdup(&d->a, eq + 1)};
    } else if (!strcmp(opt, "--tolerance")) {
      if (parse_tol(d, v)) return 2;
    } else if (!strcmp(opt, "--truncate-timestamps")) {
      const char *eq = strchr(v, '=');
      diff_trunc u = trunc_unit(eq ? eq + 1 : v);
      if (!u)
        return bad("--truncate-timestamps '%s': expected millisecond, second, minute, hour or "
                   "day (or COL=UNIT)",
                   v);
      d->o.truncs = xrealloc(d->o.truncs, sizeof(diff_trunc_opt) * (size_t)(d->o.ntruncs + 1));
      d->o.truncs[d->o.ntruncs++] =
          (diff_trunc_opt){eq ? arena_strndup(&d->a, v, (size_t)(eq - v)) : NULL, u};
    } else if (!strcmp(opt, "--window-column")) {
      d->o.window_col = v;
    } else if (!strcmp(opt, "--samples")) {
      char *end;
      long n = strtol(v, &end, 10);
      if (!*v || *end || n < 0 || n > 100000) return bad("--samples '%s': expected 0 to 100000", v);
      d->o.samples = (int)n;
    } else if (!strcmp(opt, "--format")) {
      if (!strcmp(v, "text"))
        d->fmt = DR_TEXT;
      else if (!strcmp(v, "json"))
        d->fmt = DR_JSON;
      else if (!strcmp(v, "html"))
        d->fmt = DR_HTML;
      else
        return bad("unknown --format '%s'; valid: text, json, html", v);
    } else if (!strcmp(opt, "--input-format")) {
      if (!strcmp(v, "json"))
        d->o.in_fmt = DF_JSON;
      else if (!strcmp(v, "csv"))
        d->o.in_fmt = DF_CSV;
      else
        return bad("unknown --input-format '%s'; valid: json, csv", v);
    } else if (!strcmp(opt, "--memory")) {
      int64_t b;
      if (opt_parse_size(v, &b) || b < 1) return bad("--memory '%s': expected a size (256mb)", v);
      d->o.memory = (size_t)b;
    } else if (!strcmp(opt, "--tmpdir")) {
      d->o.tmpdir = v;
    } else if (!strcmp(opt, "--history")) {
      d->history = v;
    } else if (!strcmp(opt, "--require-clean")) {
      char *end;
      long n = strtol(v, &end, 10);
      if (!*v || *end || n < 1 || n > 1000000)
        return bad("--require-clean '%s': expected N >= 1", v);
      d->require_clean = (int)n;
    } else if (!strcmp(opt, "--set")) {
      d->sets = xrealloc(d->sets, sizeof(char *) * (size_t)(d->nsets + 1));
      d->sets[d->nsets++] = v;
    } else {
      return bad("unknown option '%s'", opt);
    }
  }
  if (nin < 2) return bad("%s", "expected two inputs: LEFT RIGHT");
  if (!d->o.nkeys) return bad("%s", "--key is required (the columns that identify a row)");
  if (d->require_clean && !d->history) return bad("%s", "--require-clean needs --history FILE");
  return 0;
}

/* `pipeline.sql:table`: the file part when it names an existing .sql file. */
static bool pipeline_input(const char *in, char **file, const char **table) {
  const char *c = strrchr(in, ':');
  if (!c || c - in < 5 || strncmp(c - 4, ".sql", 4) || !c[1]) return false;
  *file = xstrndup(in, (size_t)(c - in));
  *table = c + 1;
  if (access(*file, R_OK)) {
    free(*file);
    return false;
  }
  return true;
}

/* Runs `INSERT INTO <tmp json file> SELECT * FROM table` over the pipeline's declarations. */
static sl_status pipeline_dump(const char *file, const char *table, const dargs *d, const char *out,
                               sl_error *e) {
  size_t n;
  char *text = file_read_all(file, &n, e);
  if (!text) return SL_ERUNTIME;
  sl_arena a;
  arena_init(&a, 1 << 16);
  sl_source src = {.name = file, .text = text, .len = n};
  sql_script sc;
  sl_status st = sql_parse(&src, SQL_FLINK, &a, &sc, e);
  sl_buf b = {0};
  if (!st) {
    /* keep the text's positions: INSERTs and statement sets become blanks */
    buf_put(&b, text, n);
    for (int i = 0; i < sc.n; i++) {
      const sql_stmt *t = sc.stmts[i];
      bool sink_only = t->kind == S_CREATE_TABLE && !t->has_columns; /* typed by its INSERT */
      if (t->kind != S_INSERT && t->kind != S_STATEMENT_SET && !sink_only) continue;
      size_t from = sc.stmts[i]->off, to = i + 1 < sc.n ? sc.stmts[i + 1]->off : n;
      for (size_t k = from; k < to && k < n; k++)
        if (b.data[k] != '\n') b.data[k] = ' ';
    }
    /* the blanked span may have held a comment start; end the statement cleanly */
    buf_printf(&b,
               "\n;\nCREATE TABLE `__sluice_diff_out` WITH ('connector' = 'filesystem', 'path' = "
               "'%s', 'format' = 'json');\nINSERT INTO `__sluice_diff_out` SELECT * FROM %s;\n",
               out, table);
  }
  sl_source src2 = {.name = file, .text = b.data, .len = b.len};
  sl_pipeline *p = NULL;
  sl_job *j = NULL;
  plan_opts po = {SQL_FLINK, d->sets, d->nsets, NULL};
  if (!st) st = plan_compile(&src2, &po, &p, e);
  if (!st) st = plan_build_job(p, false, &j, e);
  if (!st) st = job_run(j, e);
  if (st) err_print(stderr, e); /* while the pipeline text is alive */
  if (j) job_free(j);
  plan_free(p);
  arena_free(&a);
  buf_free(&b);
  free(text);
  return st;
}

int cli_diff(int argc, char **argv) {
  dargs d;
  memset(&d, 0, sizeof d);
  arena_init(&d.a, 4096);
  int rc = parse_dargs(argc, argv, &d);
  char *tmp[2] = {NULL, NULL};
  const char *path[2] = {d.in[0], d.in[1]};
  sl_error e = {0};
  diff_result r;
  memset(&r, 0, sizeof r);
  if (rc) goto out;
  for (int s = 0; s < 2; s++) {
    char *file;
    const char *table;
    if (!pipeline_input(d.in[s], &file, &table)) continue;
    const char *td = diff_tmpdir(d.o.tmpdir);
    tmp[s] = xmalloc(strlen(td) + 40);
    sprintf(tmp[s], "%s/sluice-diff-%ld-%d.jsonl", td, (long)getpid(), s);
    sl_status st = pipeline_dump(file, table, &d, tmp[s], &e);
    free(file);
    if (st) {
      rc = 2;
      goto out;
    }
    path[s] = tmp[s];
  }
  d.o.left_name = d.in[0];
  d.o.right_name = d.in[1];
  if (diff_run(path[0], path[1], &d.o, &r, &e)) {
    err_print(stderr, &e);
    rc = 2;
    goto out;
  }
  diff_report_write(&r, &d.o, d.fmt, stdout);
  fflush(stdout);
  if (d.verbose)
    fprintf(stderr,
            "sluice diff: %lld + %lld rows in %.3f s (%.3f s CPU), %.0f rows/s, %d partition%s\n",
            (long long)r.left_rows, (long long)r.right_rows, r.seconds, r.cpu_seconds,
            r.seconds > 0 ? (double)(r.left_rows + r.right_rows) / r.seconds : 0.0, r.partitions,
            r.partitions == 1 ? "" : "s");
  rc = r.equal ? 0 : 1;
  if (d.history) {
    bool clean;
    int have;
    if (diff_history(d.history, &r, &d.o, d.require_clean, &clean, &have, &e)) {
      err_print(stderr, &e);
      rc = 2;
      goto out;
    }
    if (d.require_clean && !clean) {
      fprintf(stderr, "sluice diff: %d clean run%s in a row in %s; %d required\n", have,
              have == 1 ? "" : "s", d.history, d.require_clean);
      rc = 1;
    }
  }
out:
  for (int s = 0; s < 2; s++)
    if (tmp[s]) {
      unlink(tmp[s]);
      free(tmp[s]);
    }
  diff_result_free(&r);
  free(d.o.keys);
  free(d.o.ignore);
  free(d.o.maps);
  free(d.o.tols);
  free(d.o.truncs);
  free(d.sets);
  arena_free(&d.a);
  return rc < 0 ? 0 : rc;
}
