/* fuzz_util.h - small helpers shared by the fuzz targets that hand their input to a command
 * through files (inventory, migrate). Test code only. */
#ifndef SLUICE_FUZZ_UTIL_H
#define SLUICE_FUZZ_UTIL_H

#include <stdio.h>
#include <stdlib.h>

/* Writes n bytes to path (aborts when it cannot: the fuzzer's machine is broken). */
static inline void fuzz_put(const char *path, const void *p, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) abort();
  if (n && fwrite(p, 1, n, f) != n) abort();
  fclose(f);
}

#endif
