/* main.c - runs every registered unit test; exit status 1 when any check failed. */
#include <stdlib.h>

#include "unit.h"

int unit_failures;
static struct {
  const char *name;
  unit_fn fn;
} tests[512];
static int ntests;

void unit_register(const char *name, unit_fn fn) {
  if (ntests < 512) {
    tests[ntests].name = name;
    tests[ntests].fn = fn;
    ntests++;
  }
}

int main(void) {
  for (int i = 0; i < ntests; i++) {
    int before = unit_failures;
    tests[i].fn();
    if (unit_failures != before) fprintf(stderr, "test %s failed\n", tests[i].name);
  }
  printf("%d unit tests, %d failed checks\n", ntests, unit_failures);
  return unit_failures ? 1 : 0;
}
