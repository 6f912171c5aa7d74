/* migrate.c (cli) - `sluice migrate JOB.sql [--sources FILE] [--schema DDL.sql]... [-o OUT.sql]`:
 * arguments, the output file and the summary on stderr. The translation is src/migrate's.
 * Exit codes: 0 translated fully, 1 in part (output still written), 2 bad usage or SQL that
 * cannot be read. Must not touch: the translation itself. */
#include <stdlib.h>
#include <string.h>

#include "../migrate/migrate.h"
#include "cli.h"

static const char usage_migrate[] =
    "usage: sluice migrate JOB.sql [--sources FILE] [--schema DDL.sql]... [-o OUT.sql]\n"
    "\n"
    "Translates a PostgreSQL batch job (INSERT ... SELECT, CREATE TABLE AS, TRUNCATE + INSERT,\n"
    "INSERT ... ON CONFLICT) into a sluice streaming pipeline, every rewrite commented.\n"
    "  --sources FILE   one table a line: TABLE CONNECTOR LOCATION [FORMAT]\n"
    "                   (CONNECTOR: filesystem, kafka, postgres-cdc, jdbc)\n"
    "  --schema FILE    PostgreSQL CREATE TABLE statements giving column types (repeatable)\n"
    "  -o FILE          write the pipeline there (default: standard output)\n"
    "  --watermark MS   the watermark bound in milliseconds (default 5000)\n"
    "  --join-bound MS  the bound of interval joins in milliseconds (default 3600000)\n"
    "exit status: 0 translated fully, 1 in part (parts marked '-- NOT TRANSLATED:'),\n"
    "2 bad usage or SQL that cannot be read\n";

int cli_migrate(int argc, char **argv) {
  mig_opts o = {0};
  o.watermark_ms = 5000;
  o.join_bound_ms = 3600000;
  const char *out = NULL;
  const char **schema = xcalloc((size_t)argc + 1, sizeof(char *));
  int rc = 2;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    bool more = i + 1 < argc;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      fputs(usage_migrate, stdout);
      rc = 0;
      goto done;
    } else if (!strcmp(a, "--sources") && more) {
      o.sources = argv[++i];
    } else if (!strcmp(a, "--schema") && more) {
      schema[o.nschema++] = argv[++i];
    } else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && more) {
      out = argv[++i];
    } else if ((!strcmp(a, "--watermark") || !strcmp(a, "--join-bound")) && more) {
      char *end;
      long long v = strtoll(argv[++i], &end, 10);
      if (*end || v <= 0) {
        fprintf(stderr, "sluice migrate: %s takes a positive number of milliseconds\n", a);
        goto done;
      }
      if (!strcmp(a, "--watermark"))
        o.watermark_ms = v;
      else
        o.join_bound_ms = v;
    } else if (a[0] == '-' && a[1]) {
      fprintf(stderr, "sluice migrate: unknown or incomplete option '%s'\n%s", a, usage_migrate);
      goto done;
    } else if (!o.job) {
      o.job = a;
    } else {
      fprintf(stderr, "sluice migrate: more than one job file ('%s')\n", a);
      goto done;
    }
  }
  if (!o.job) {
    fputs(usage_migrate, stderr);
    goto done;
  }
  o.schema = schema;
  mig_result r;
  sl_error e = {0};
  sl_status st = mig_translate(&o, &r, &e);
  if (st) {
    err_print(stderr, &e);
    rc = 2;
    goto done;
  }
  FILE *f = out ? fopen(out, "w") : stdout;
  if (!f) {
    perror(out);
    rc = 2;
  } else {
    fwrite(r.out.data, 1, r.out.len, f);
    if (out ? fclose(f) != 0 : fflush(f) != 0) {
      perror(out ? out : "stdout");
      rc = 2;
    } else {
      rc = r.untranslated ? 1 : 0;
    }
  }
  if (r.untranslated)
    fprintf(stderr, "sluice migrate: %s translated in part: %d part%s not translated\n%s", o.job,
            r.untranslated, r.untranslated == 1 ? "" : "s",
            r.summary.len ? buf_cstr(&r.summary) : "");
  buf_free(&r.out);
  buf_free(&r.summary);
done:
  free(schema);
  return rc;
}
