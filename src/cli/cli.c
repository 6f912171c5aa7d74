/* cli.c - `sluice run|validate|explain|docs` (and `gen`, in gen.c): parses arguments, reads the
 * pipeline file, compiles it, builds and runs the job, prints located errors and the run summary.
 * Exit codes: 0 success, 1 runtime failure, 2 bad usage or bad SQL. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../agg/agg.h"
#include "../plan/plan.h"
#include "cli.h"

static const char usage_main[] =
    "sluice " SLUICE_VERSION " - streaming SQL pipelines in one binary\n"
    "\n"
    "usage: sluice COMMAND [options]\n"
    "\n"
    "commands:\n"
    "  run PIPELINE.sql        run the pipeline (bounded inputs: until they are read)\n"
    "  validate PIPELINE.sql   parse, bind and plan; report the first error with its position\n"
    "  explain PIPELINE.sql    print the operator graph (--format text|dot|json)\n"
    "  docs connectors|functions|aggregates  print generated reference docs (markdown)\n"
    "  gen nexmark --events N  write Nexmark benchmark events (JSON lines or CSV)\n"
    "  diff LEFT RIGHT --key K compare two result sets key by key (exit 1 when they differ)\n"
    "  migrate JOB.sql         translate a PostgreSQL batch job into a streaming pipeline\n"
    "  inventory PATH...       map a cron + SQL batch estate (jobs, lineage, hazards, scores)\n"
    "\n"
    "options: --help (also per command), --version\n"
    "exit status: 0 success, 1 runtime failure, 2 bad usage or SQL\n";

static const char usage_run[] =
    "usage: sluice run PIPELINE.sql [--set KEY=VALUE]... [--quiet]\n"
    "\n"
    "Runs every INSERT of the pipeline as one job; each source is read once.\n"
    "  --set TABLE.OPTION=VALUE  override a table's WITH option (e.g. orders.path=x.jsonl)\n"
    "  --set KEY=VALUE           a SET key (e.g. table.local-time-zone=+02:00)\n"
    "  --parallelism N, -p N     workers (threads); default: 'parallelism.default', else\n"
    "                            $SLUICE_PARALLELISM, else one per core\n"
    "  --quiet, -q               no summary on stderr\n"
    "  Option values may use ${VAR} and ${VAR:-default}.\n"
    "SIGINT/SIGTERM stop the run (a stop is not the end of the input). An unbounded run\n"
    "(a monitored source) publishes what it wrote and exits 0. A bounded run stopped before\n"
    "the end of its input publishes nothing (previous outputs stay) and exits 128+signal.\n";

static const char usage_validate[] =
    "usage: sluice validate PIPELINE.sql [--set KEY=VALUE]...\n"
    "\n"
    "Parses, binds and plans the pipeline without reading or writing any data.\n"
    "Prints 'ok' and exits 0, or prints the error as file:line:column with the line and a\n"
    "caret, and exits 2.\n";

static const char usage_explain[] =
    "usage: sluice explain PIPELINE.sql [--format text|dot|json] [--set KEY=VALUE]...\n"
    "\n"
    "Prints the operator graph after planning: sources with the columns their decoders\n"
    "read, Calc (filter + projection) operators, unions and sinks.\n";

static const char usage_docs[] =
    "usage: sluice docs connectors|functions|aggregates\n"
    "\n"
    "Prints reference docs generated from the connector/format option tables, the function\n"
    "table or the aggregate function table, as markdown.\n";

static const char *sig_name(int sig) { return sig == SIGINT ? "SIGINT" : "SIGTERM"; }

typedef struct args {
  const char *file;
  const char **sets;
  int nsets;
  const char *format;
  bool quiet;
  char **owned; /* --parallelism N as parallelism.default=N */
  int nowned;
} args;

static void args_free(args *a) {
  for (int i = 0; i < a->nowned; i++) free(a->owned[i]);
  free(a->owned);
  free(a->sets);
}

/* --parallelism or 'parallelism.default', else $SLUICE_PARALLELISM (the default of a machine or
 * a test suite, as Flink's configuration file sets parallelism.default), else one per core. */
static int workers_of(const sl_pipeline *p) {
  if (p->parallelism > 0) return p->parallelism;
  const char *env = getenv("SLUICE_PARALLELISM");
  char *end;
  long n = env && *env ? strtol(env, &end, 10) : 0;
  if (n >= 1 && n <= 256 && !*end) return (int)n;
  n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > 256 ? 256 : (int)n;
}

static int usage_error(const char *cmd_usage, const char *fmt, const char *what) {
  fprintf(stderr, "sluice: ");
  fprintf(stderr, fmt, what);
  fprintf(stderr, "\n\n%s", cmd_usage);
  return 2;
}

static int parse_args(int argc, char **argv, const char *usage, bool explain, args *a) {
  memset(a, 0, sizeof *a);
  a->sets = xcalloc((size_t)argc + 1, sizeof(char *));
  for (int i = 0; i < argc; i++) {
    const char *s = argv[i];
    if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
      fputs(usage, stdout);
      return -1;
    }
    if (!strcmp(s, "--set") || !strncmp(s, "--set=", 6)) {
      const char *v = s[5] == '=' ? s + 6 : (i + 1 < argc ? argv[++i] : NULL);
      if (!v) return usage_error(usage, "%s needs KEY=VALUE", "--set");
      if (!strchr(v, '=')) return usage_error(usage, "--set '%s': expected KEY=VALUE", v);
      a->sets[a->nsets++] = v;
      continue;
    }
    if (explain && (!strcmp(s, "--format") || !strncmp(s, "--format=", 9))) {
      const char *v = s[8] == '=' ? s + 9 : (i + 1 < argc ? argv[++i] : NULL);
      if (!v) return usage_error(usage, "%s needs a value: text, dot or json", "--format");
      if (strcmp(v, "text") && strcmp(v, "dot") && strcmp(v, "json"))
        return usage_error(usage, "unknown --format '%s'; valid: text, dot, json", v);
      a->format = v;
      continue;
    }
    if (!strcmp(s, "--parallelism") || !strncmp(s, "--parallelism=", 14) || !strcmp(s, "-p")) {
      const char *v =
          !strncmp(s, "--parallelism=", 14) ? s + 14 : (i + 1 < argc ? argv[++i] : NULL);
      char *end = NULL;
      long n = v ? strtol(v, &end, 10) : 0;
      if (!v || !*v || *end || n < 1 || n > 256)
        return usage_error(usage, "--parallelism '%s': expected a number of workers, 1 to 256",
                           v ? v : "");
      char *kv = xmalloc(strlen(v) + 32);
      sprintf(kv, "parallelism.default=%s", v);
      a->owned = xrealloc(a->owned, sizeof(char *) * (size_t)(a->nowned + 1));
      a->owned[a->nowned++] = kv;
      a->sets[a->nsets++] = kv;
      continue;
    }
    if (!strcmp(s, "--quiet") || !strcmp(s, "-q")) {
      a->quiet = true;
      continue;
    }
    if (s[0] == '-' && s[1]) {
      const char *valid = explain ? "--set, --format, --help" : "--set, --quiet, --help";
      fprintf(stderr, "sluice: unknown option '%s'; valid options: %s\n\n%s", s, valid, usage);
      return 2;
    }
    if (a->file) return usage_error(usage, "unexpected argument '%s' (one pipeline file only)", s);
    a->file = s;
  }
  if (!a->file) return usage_error(usage, "%s", "missing the pipeline file");
  return 0;
}

static int compile(const args *a, sl_source *src, char **text, sl_pipeline **p) {
  sl_error e = {0};
  size_t n;
  *text = file_read_all(strcmp(a->file, "-") ? a->file : "/dev/stdin", &n, &e);
  if (!*text) {
    err_print(stderr, &e);
    return 2; /* a pipeline file that cannot be read is bad usage */
  }
  src->name = a->file;
  src->text = *text;
  src->len = n;
  plan_opts o = {SQL_FLINK, a->sets, a->nsets, NULL};
  sl_status st = plan_compile(src, &o, p, &e);
  if (st) {
    err_print(stderr, &e);
    return err_exit_code(st);
  }
  return 0;
}

static int cmd_run(int argc, char **argv, int mode) {
  const char *usage = mode == 0 ? usage_run : mode == 1 ? usage_validate : usage_explain;
  args a;
  int rc = parse_args(argc, argv, usage, mode == 2, &a);
  if (rc) {
    args_free(&a);
    return rc < 0 ? 0 : rc;
  }
  sl_source src;
  char *text = NULL;
  sl_pipeline *p = NULL;
  sl_job *j = NULL, **jobs = NULL;
  sl_group *g = NULL;
  int nw = 0;
  sl_error e = {0};
  double w0 = clock_wall_seconds(), c0 = clock_cpu_seconds();
  rc = compile(&a, &src, &text, &p);
  if (rc) goto out;
  int want = workers_of(p);
  jobs = xcalloc((size_t)want, sizeof(sl_job *));
  const char *serial = NULL;
  nw = plan_build_workers(p, mode != 0, want, jobs, &g, &serial, &e);
  if (nw < 0) {
    err_print(stderr, &e);
    rc = err_exit_code((sl_status)-nw);
    nw = 0;
    goto out;
  }
  j = jobs[0];
  if (serial) /* a parallel run that cannot be split */
    j->serial = arena_printf(&p->arena, "the plan cannot be split (%s)", serial);
  if (mode == 1) {
    printf("ok: %d statement%s into %d sink%s\n", p->ninserts, p->ninserts == 1 ? "" : "s",
           j->nsinks, j->nsinks == 1 ? "" : "s");
    goto out;
  }
  if (mode == 2) {
    explain_format f = !a.format || !strcmp(a.format, "text") ? EXPLAIN_TEXT
                       : !strcmp(a.format, "dot")             ? EXPLAIN_DOT
                                                              : EXPLAIN_JSON;
    plan_explain(p, j, f, stdout);
    goto out;
  }
  j->handle_signals = true;
  sl_status st = g ? job_group_run(g, jobs, &e) : job_run(j, &e);
  fflush(stdout);
  if (st) {
    err_print(stderr, &e);
    rc = err_exit_code(st);
    if (loop_signal_caught()) { /* a stop that interrupted a blocked write */
      fprintf(stderr, "sluice: stopped by %s; outputs not published (previous files stay)\n",
              sig_name(loop_signal_caught()));
      rc = 128 + loop_signal_caught();
    }
    goto out;
  }
  if (j->stopped) {
    const char *sig = sig_name(j->stop_signal);
    if (j->bounded) {
      /* a scheduler must never take a bounded run cut short for a success */
      fprintf(stderr,
              "sluice: stopped by %s before the end of the input; outputs not published "
              "(previous files stay)\n",
              sig);
      rc = 128 + j->stop_signal;
    } else {
      fprintf(stderr, "sluice: stopped by %s; what was written is published\n", sig);
    }
  }
  if (!a.quiet)
    job_group_summary(jobs, nw, stderr, clock_wall_seconds() - w0, clock_cpu_seconds() - c0);
out:
  for (int i = 0; jobs && i < nw; i++) job_free(jobs[i]);
  free(jobs);
  job_group_free(g);
  plan_free(p);
  free(text);
  args_free(&a);
  return rc;
}

static void docs_functions(FILE *f) {
  int n;
  const fn_def *fns = fn_table(&n);
  static const char *const cats[] = {"string", "math", "conditional", "time"};
  fputs("| function | description | example | result |\n|---|---|---|---|\n", f);
  for (size_t c = 0; c < sizeof cats / sizeof cats[0]; c++)
    for (int i = 0; i < n; i++) {
      const fn_def *d = &fns[i];
      if (!d->category || strcmp(d->category, cats[c])) continue;
      fprintf(f, "| `%s` | %s | %s%s%s | %s%s%s |\n", d->signature, d->doc, d->example ? "`" : "",
              d->example ? d->example : "-", d->example ? "`" : "", d->result ? "`" : "",
              d->result ? d->result : "-", d->result ? "`" : "");
    }
}

static int cmd_docs(int argc, char **argv) {
  if (argc != 1 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
    fputs(usage_docs, argc == 1 ? stdout : stderr);
    return argc == 1 ? 0 : 2;
  }
  if (!strcmp(argv[0], "connectors"))
    conn_docs(stdout);
  else if (!strcmp(argv[0], "functions"))
    docs_functions(stdout);
  else if (!strcmp(argv[0], "aggregates"))
    agg_docs(stdout);
  else if (!strcmp(argv[0], "function-examples")) { /* for the docs tests: example TAB result */
    int n;
    const fn_def *fns = fn_table(&n);
    for (int i = 0; i < n; i++)
      if (fns[i].example) printf("%s\t%s\n", fns[i].example, fns[i].result);
  } else
    return usage_error(
        usage_docs, "unknown docs topic '%s'; valid: connectors, functions, aggregates", argv[0]);
  return 0;
}

int cli_main(int argc, char **argv) {
  if (argc < 2) {
    fputs(usage_main, stderr);
    return 2;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
    fputs(usage_main, stdout);
    return 0;
  }
  if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
    printf("sluice %s\n", SLUICE_VERSION);
    return 0;
  }
  if (!strcmp(cmd, "run")) return cmd_run(argc - 2, argv + 2, 0);
  if (!strcmp(cmd, "validate")) return cmd_run(argc - 2, argv + 2, 1);
  if (!strcmp(cmd, "explain")) return cmd_run(argc - 2, argv + 2, 2);
  if (!strcmp(cmd, "docs")) return cmd_docs(argc - 2, argv + 2);
  if (!strcmp(cmd, "gen")) return cli_gen(argc - 2, argv + 2);
  if (!strcmp(cmd, "diff")) return cli_diff(argc - 2, argv + 2);
  if (!strcmp(cmd, "migrate")) return cli_migrate(argc - 2, argv + 2);
  if (!strcmp(cmd, "inventory")) return cli_inventory(argc - 2, argv + 2);
  static const char *const cmds[] = {"run", "validate", "explain", "docs",
                                     "gen", "diff",     "migrate", "inventory"};
  const char *best = str_closest(cmd, cmds, 8);
  fprintf(stderr,
          "sluice: unknown command '%s'%s%s%s; valid commands: run, validate, explain, docs, gen, "
          "diff, migrate, inventory\n",
          cmd, best ? " (did you mean '" : "", best ? best : "", best ? "'?)" : "");
  return 2;
}
