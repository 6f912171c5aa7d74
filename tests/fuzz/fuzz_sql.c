/* fuzz_sql.c - libFuzzer target: the whole front end (lexer, parser, binder, planner) on
 * arbitrary pipeline text, in both dialects. Must never crash or leak. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  memcpy(text, data, size);
  text[size] = 0;
  sl_source src = {"fuzz.sql", text, strlen(text)};
  static FILE *devnull;
  if (!devnull) devnull = fopen("/dev/null", "w");
  for (int d = 0; d < 2; d++) {
    plan_opts o = {d ? SQL_POSTGRES : SQL_FLINK, NULL, 0, devnull};
    sl_pipeline *p = NULL;
    sl_error e = {0};
    if (plan_compile(&src, &o, &p, &e) == SL_OK) {
      sl_job *j = NULL;
      if (plan_build_job(p, true, &j, &e) == SL_OK) plan_explain(p, j, EXPLAIN_JSON, devnull);
      job_free(j);
    } else {
      err_print(devnull, &e);
    }
    plan_free(p);
  }
  free(text);
  return 0;
}
