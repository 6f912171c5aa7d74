/* fuzz_migrate.c - libFuzzer target: `sluice migrate` on arbitrary bytes. The input, split at
 * the first NUL byte, is the batch job (PostgreSQL SQL) and its --sources file; a fixed
 * PostgreSQL schema is given with --schema. Runs the PostgreSQL-dialect parser, every rewrite
 * and the validation of the pipeline it writes. Must never crash or leak; a translation that
 * succeeds must compile (mig_translate validates its output). Must not touch: the migrate
 * internals (migrate.h only). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "migrate/migrate.h"

static const char schema_sql[] =
    "CREATE TABLE shop.orders (order_id bigint PRIMARY KEY, customer_id int, amount "
    "numeric(10,2), status text, created_at timestamp);\n"
    "CREATE TABLE shop.customers (id int PRIMARY KEY, name text, country text);\n"
    "CREATE TABLE shop.shipments (order_id bigint, carrier text, shipped_at timestamp);\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char dir[] = "/tmp/sluice-fuzz-mig-XXXXXX";
  if (!mkdtemp(dir)) return 0;
  char job[512], src[512], sch[512];
  snprintf(job, sizeof job, "%s/job.sql", dir);
  snprintf(src, sizeof src, "%s/sources", dir);
  snprintf(sch, sizeof sch, "%s/schema.sql", dir);
  const uint8_t *nul = memchr(data, 0, size);
  size_t jn = nul ? (size_t)(nul - data) : size;
  fuzz_put(job, data, jn);
  if (nul) fuzz_put(src, nul + 1, size - jn - 1);
  fuzz_put(sch, schema_sql, sizeof schema_sql - 1);
  const char *schemas[] = {sch};
  mig_opts o = {job, nul ? src : NULL, schemas, 1, 5000, 3600000};
  mig_result r;
  memset(&r, 0, sizeof r);
  sl_error e = {0};
  mig_translate(&o, &r, &e);
  buf_free(&r.out);
  buf_free(&r.summary);
  unlink(job);
  unlink(src);
  unlink(sch);
  rmdir(dir);
  return 0;
}
