/* inventory_cmd.c - `sluice inventory PATH... [--root DIR] [--runs FILE] [--config FILE]
 * [--format text|json|dot|html|lineage] [--output FILE]`: arguments in, the estate read and
 * printed by src/inventory/. Exit codes: 0 done (problems inside the estate are reported, not
 * failures), 2 bad usage (an unknown option, a path that cannot be read, a bad config or run
 * log). Must not touch: the analysis itself. */
#include <stdlib.h>
#include <string.h>

#include "../inventory/inventory.h"
#include "cli.h"

static const char usage_inventory[] =
    "usage: sluice inventory [PATH...] [--root DIR] [--runs FILE] [--config FILE]\n"
    "                        [--format text|json|dot|html] [--output FILE]\n"
    "\n"
    "Maps a cron + shell + PostgreSQL batch estate: the jobs, what each reads and writes,\n"
    "which job feeds which, schedule hazards, and which jobs to move to streaming first.\n"
    "  PATH            a crontab, /etc/crontab or a cron.d file, a directory of them, a shell\n"
    "                  script or a SQL file (one job); none with --root: DIR/etc/crontab,\n"
    "                  DIR/etc/cron.d and DIR/var/spool/cron/crontabs\n"
    "  --root DIR      read every absolute path under DIR, as chroot does\n"
    "  --runs FILE     run log: lines '<ISO-8601 time> <job or script> start|end [rc=N]'\n"
    "  --config FILE   scoring weights: lines 'name = number' (see docs/inventory.md)\n"
    "  --format F      text (default), json, dot or html\n"
    "  --output FILE   write there instead of stdout\n"
    "exit status: 0 done, 2 bad usage\n";

static int bad(const char *fmt, const char *what) {
  fprintf(stderr, "sluice inventory: ");
  fprintf(stderr, fmt, what);
  fprintf(stderr, "\n\n%s", usage_inventory);
  return 2;
}

int cli_inventory(int argc, char **argv) {
  inv_opts o = {0};
  o.paths = xcalloc((size_t)argc + 1, sizeof *o.paths);
  const char *format = "text", *output = NULL;
  int rc = 2;
  for (int i = 0; i < argc; i++) {
    const char *s = argv[i];
    if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
      fputs(usage_inventory, stdout);
      rc = 0;
      goto out;
    }
    static const char *const opts[] = {"--root", "--runs", "--config", "--format", "--output"};
    const char *v = NULL;
    int k = 0;
    for (; k < 5; k++) {
      size_t n = strlen(opts[k]);
      if (!strncmp(s, opts[k], n) && (s[n] == 0 || s[n] == '=')) {
        v = s[n] == '=' ? s + n + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (!v) {
          rc = bad("%s needs a value", opts[k]);
          goto out;
        }
        break;
      }
    }
    if (k == 0)
      o.root = v;
    else if (k == 1)
      o.runs = v;
    else if (k == 2)
      o.config = v;
    else if (k == 3)
      format = v;
    else if (k == 4)
      output = v;
    else if (s[0] == '-' && s[1]) {
      rc = bad("unknown option '%s'", s);
      goto out;
    } else
      o.paths[o.npaths++] = s;
  }
  if (strcmp(format, "text") && strcmp(format, "json") && strcmp(format, "dot") &&
      strcmp(format, "html") && strcmp(format, "lineage")) {
    rc = bad("unknown --format '%s'; valid: text, json, dot, html", format);
    goto out;
  }
  if (!o.npaths && !o.root) {
    rc = bad("%s", "give the estate: PATH... or --root DIR");
    goto out;
  }
  sl_error e = {0};
  inv_estate *es = inv_read(&o, &e);
  if (!es) {
    fprintf(stderr, "sluice inventory: %s\n", e.msg);
    rc = 2;
    goto out;
  }
  FILE *f = output ? fopen(output, "w") : stdout;
  if (!f) {
    inv_free(es);
    rc = bad("cannot write %s", output);
    goto out;
  }
  rc = 0;
  if (!strcmp(format, "json"))
    inv_write_json(f, es);
  else if (!strcmp(format, "dot"))
    inv_write_dot(f, es);
  else if (!strcmp(format, "lineage"))
    inv_write_lineage(f, es);
  else if (!strcmp(format, "html")) {
    if (inv_write_html(f, es) != 0) {
      fprintf(stderr, "sluice inventory: Graphviz could not lay out the graph\n");
      rc = 1;
    }
  } else
    inv_write_text(f, es);
  if (output) fclose(f);
  inv_free(es);
out:
  free(o.paths);
  return rc;
}
