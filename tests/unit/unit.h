/* unit.h - a minimal unit-test harness: TEST(name) { CHECK(...); } registers itself; the
 * runner in main.c runs every test and prints failures with file:line. */
#ifndef SLUICE_UNIT_H
#define SLUICE_UNIT_H

#include <stdio.h>
#include <string.h>

typedef void (*unit_fn)(void);
void unit_register(const char *name, unit_fn fn);
extern int unit_failures;

#define TEST(name)                                                                                 \
  static void test_##name(void);                                                                   \
  __attribute__((constructor)) static void reg_##name(void) { unit_register(#name, test_##name); } \
  static void test_##name(void)

#define CHECK(c)                                                                                   \
  do {                                                                                             \
    if (!(c)) {                                                                                    \
      fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #c);                        \
      unit_failures++;                                                                             \
    }                                                                                              \
  } while (0)

#define CHECK_STR(a, b)                                                                            \
  do {                                                                                             \
    const char *a_ = (a), *b_ = (b);                                                               \
    if (strcmp(a_, b_) != 0) {                                                                     \
      fprintf(stderr, "%s:%d: '%s' != '%s'\n", __FILE__, __LINE__, a_, b_);                        \
      unit_failures++;                                                                             \
    }                                                                                              \
  } while (0)

#endif
