/* fuzz_inventory.c - libFuzzer target: `sluice inventory` over an estate made of arbitrary
 * bytes: the input, split at NUL bytes, becomes /etc/crontab (system format), /opt/j.sh and
 * /opt/q.sql under a temporary --root, so the cron, shell, psql and PostgreSQL lineage parsers
 * and the analyses (schedule, graph, hazards, score) all run; then every text output is written.
 * Must never crash, leak or hang. Must not touch: the inventory's internals (inventory.h only). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "inventory/inventory.h"

static void put(const char *dir, const char *rel, const uint8_t *p, size_t n) {
  char path[512];
  snprintf(path, sizeof path, "%s%s", dir, rel);
  fuzz_put(path, p, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *names[] = {"/etc/crontab", "/opt/j.sh", "/opt/q.sql"};
  char dir[] = "/tmp/sluice-fuzz-inv-XXXXXX";
  if (!mkdtemp(dir)) return 0;
  char sub[512];
  snprintf(sub, sizeof sub, "%s/etc", dir);
  mkdir(sub, 0700);
  snprintf(sub, sizeof sub, "%s/opt", dir);
  mkdir(sub, 0700);
  size_t at = 0;
  for (int i = 0; i < 3; i++) {
    const uint8_t *nul = at < size ? memchr(data + at, 0, size - at) : NULL;
    size_t end = i < 2 && nul ? (size_t)(nul - data) : size;
    put(dir, names[i], data + at, at < end ? end - at : 0);
    at = end < size ? end + 1 : size;
  }
  static FILE *devnull;
  if (!devnull) devnull = fopen("/dev/null", "w");
  const char *paths[] = {"/etc/crontab"};
  inv_opts o = {.root = dir, .paths = paths, .npaths = 1};
  sl_error e = {0};
  inv_estate *es = inv_read(&o, &e);
  if (es) {
    inv_write_text(devnull, es);
    inv_write_json(devnull, es);
    inv_write_dot(devnull, es);
    inv_write_lineage(devnull, es);
    inv_free(es);
  }
  for (int i = 0; i < 3; i++) {
    char path[512];
    snprintf(path, sizeof path, "%s%s", dir, names[i]);
    unlink(path);
  }
  snprintf(sub, sizeof sub, "%s/etc", dir);
  rmdir(sub);
  snprintf(sub, sizeof sub, "%s/opt", dir);
  rmdir(sub);
  rmdir(dir);
  return 0;
}
