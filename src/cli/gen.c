/* gen.c - `sluice gen nexmark`: parses its arguments into the nexmark connector's options and
 * has the connector's writer put the events into a file or stdout. Exit codes as cli.c: 0
 * success, 1 a write failure, 2 bad usage. Must not touch: the pipeline, the planner. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../connector/connector.h"
#include "cli.h"

static const char usage_gen[] =
    "usage: sluice gen nexmark --events N [--format json|csv] [-o FILE] [--rate R]\n"
    "                          [--seed S] [--option KEY=VALUE]...\n"
    "\n"
    "Writes the first N events of the nexmark connector: the same events a nexmark table\n"
    "with the same options gives.\n"
    "  --events N         how many events ('events.num')\n"
    "  --format json|csv  JSON lines in Flink's shape (default) or CSV with a header and the\n"
    "                     leaf columns (event_type,person.id,...), empty for NULL\n"
    "  -o FILE            write to FILE (default: stdout)\n"
    "  --rate R           events per second of event time ('first-event.rate' and\n"
    "                     'next-event.rate'; default 10000)\n"
    "  --seed S           the generator's seed ('seed', default 0)\n"
    "  --option KEY=VALUE any other option of the nexmark connector, e.g.\n"
    "                     --option bid.avg-size=200b (see `sluice docs connectors`)\n";

static int gen_usage(const char *fmt, const char *what) {
  fprintf(stderr, "sluice: ");
  fprintf(stderr, fmt, what);
  fprintf(stderr, "\n\n%s", usage_gen);
  return 2;
}

/* The value of option argv[*i] ("--x V" or "--x=V"), or NULL. */
static const char *arg_value(int argc, char **argv, int *i, const char *name) {
  size_t n = strlen(name);
  if (strncmp(argv[*i], name, n)) return NULL;
  if (argv[*i][n] == '=') return argv[*i] + n + 1;
  if (argv[*i][n]) return NULL;
  return *i + 1 < argc ? argv[++*i] : "";
}

int cli_gen(int argc, char **argv) {
  if (argc >= 1 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h"))) {
    fputs(usage_gen, stdout);
    return 0;
  }
  if (argc < 1 || strcmp(argv[0], "nexmark"))
    return gen_usage("%s", argc < 1 ? "gen needs a generator: nexmark"
                                    : "unknown generator; valid: nexmark");
  opt_kv *kv = xcalloc((size_t)argc * 2 + 4, sizeof *kv);
  int nkv = 0, rc = 0;
  sl_arena ar; /* option keys and messages */
  arena_init(&ar, 4096);
  const char *out = NULL, *events = NULL, *v;
  bool csv = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      fputs(usage_gen, stdout);
      goto done;
    } else if ((v = arg_value(argc, argv, &i, "--events"))) {
      events = v;
    } else if ((v = arg_value(argc, argv, &i, "--format"))) {
      if (strcmp(v, "json") && strcmp(v, "csv")) {
        rc = gen_usage("unknown --format '%s'; valid: json, csv", v);
        goto done;
      }
      csv = !strcmp(v, "csv");
    } else if ((v = arg_value(argc, argv, &i, "-o")) ||
               (v = arg_value(argc, argv, &i, "--output"))) {
      out = v;
    } else if ((v = arg_value(argc, argv, &i, "--rate"))) {
      kv[nkv++] = (opt_kv){"first-event.rate", v};
      kv[nkv++] = (opt_kv){"next-event.rate", v};
    } else if ((v = arg_value(argc, argv, &i, "--seed"))) {
      kv[nkv++] = (opt_kv){"seed", v};
    } else if ((v = arg_value(argc, argv, &i, "--option"))) {
      const char *eq = strchr(v, '=');
      if (!eq || eq == v) {
        rc = gen_usage("--option '%s': expected KEY=VALUE", v);
        goto done;
      }
      kv[nkv++] = (opt_kv){arena_strndup(&ar, v, (size_t)(eq - v)), eq + 1};
    } else {
      rc = gen_usage("unknown argument '%s'; valid: --events, --format, -o, --rate, --seed, "
                     "--option, --help",
                     a);
      goto done;
    }
  }
  if (!events || !*events) {
    rc = gen_usage("%s", "missing --events N");
    goto done;
  }
  kv[nkv++] = (opt_kv){"events.num", events};
  /* every key must be the connector's, every value of its kind (as a table's WITH) */
  for (int i = 0; i < nkv && !rc; i++) {
    const opt_def *d = conn_nexmark.opts;
    while (d->key && strcmp(d->key, kv[i].key)) d++;
    const char *m =
        !d->key || !strcmp(d->key, "connector")
            ? arena_printf(&ar, "unknown option '%s' of the nexmark connector", kv[i].key)
            : opt_check_value(d, kv[i].value, &ar);
    if (m) rc = gen_usage("%s", m);
  }
  if (rc) goto done;
  int fd = 1;
  if (out && strcmp(out, "-")) {
    fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      fprintf(stderr, "sluice: cannot create '%s': %s\n", out, strerror(errno));
      rc = 1;
      goto done;
    }
  }
  sl_error e = {0};
  opt_list ol = {kv, nkv};
  sl_status st = conn_nexmark_write(&ol, fd, csv, &e);
  if (fd != 1 && close(fd) != 0 && !st)
    st = err_set(&e, SL_ERUNTIME, "cannot write '%s': %s", out, strerror(errno));
  if (st) {
    err_print(stderr, &e);
    rc = st == SL_ESQL ? 2 : 1;
  }
done:
  arena_free(&ar);
  free(kv);
  return rc;
}
