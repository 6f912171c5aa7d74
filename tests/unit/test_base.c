/* test_base.c - base/: arena, buffers, edit distance and suggestions, error positions. */
#include <stdlib.h>

#include "base/base.h"
#include "unit.h"

TEST(arena_alloc_and_reset) {
  sl_arena a;
  arena_init(&a, 128);
  char *p = arena_alloc(&a, 100);
  memset(p, 1, 100);
  char *big = arena_alloc(&a, 10000); /* larger than a chunk */
  memset(big, 2, 10000);
  CHECK(((uintptr_t)arena_alloc(&a, 3) & 7) == 0);
  CHECK_STR(arena_printf(&a, "%d-%s", 42, "x"), "42-x");
  arena_reset(&a);
  CHECK(arena_alloc(&a, 16) != NULL);
  arena_free(&a);
}

TEST(buf_grows) {
  sl_buf b = {0};
  for (int i = 0; i < 1000; i++) buf_printf(&b, "%d,", i);
  CHECK(b.len > 3000);
  CHECK(strncmp(buf_cstr(&b), "0,1,2,", 6) == 0);
  buf_free(&b);
}

TEST(suggestions) {
  const char *names[] = {"amount", "status", "order_id"};
  CHECK_STR(str_closest("amout", names, 3), "amount");
  CHECK_STR(str_closest("STATUS", names, 3), "status");
  CHECK(str_closest("zzzzzzzz", names, 3) == NULL);
  CHECK(str_edit_distance("kitten", "sitting") == 3);
}

TEST(error_position_and_caret) {
  sl_source src = {"p.sql", "SELECT 1\nFROM x y z", 19};
  sl_error e;
  err_at(&e, SL_ESQL, &src, 16, "boom");
  int line, col;
  src_linecol(&src, 16, &line, &col);
  CHECK(line == 2 && col == 8);
  char *buf = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&buf, &n);
  err_print(f, &e);
  fclose(f);
  CHECK_STR(buf, "p.sql:2:8: error: boom\n  FROM x y z\n         ^\n");
  free(buf);
  CHECK(err_exit_code(SL_ESQL) == 2 && err_exit_code(SL_ERUNTIME) == 1 &&
        err_exit_code(SL_OK) == 0);
}
