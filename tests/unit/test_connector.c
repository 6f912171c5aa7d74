/* test_connector.c - unit tests of the filesystem connector's internals: record framing (JSON
 * lines, CSV with quoted line breaks and comments), the bounded reader over a pipe with a tiny
 * window (records cut by the window end are completed, never split), durations and sizes, and
 * partition paths. */
#include <stdlib.h>
#include <unistd.h>

#include "connector/fs.h"
#include "unit.h"

static size_t frame(const fs_framing *f, const char *s) { return fs_frame(f, s, strlen(s)); }

TEST(fs_frame_json_lines) {
  fs_framing j = {0, ',', false, false};
  CHECK(frame(&j, "") == 0);
  CHECK(frame(&j, "{\"a\":1}") == 0); /* no line break yet: not whole */
  CHECK(frame(&j, "{\"a\":1}\n{\"a\"") == 8);
  CHECK(frame(&j, "{}\n{}\n") == 6);
}

TEST(fs_frame_csv_quotes) {
  fs_framing c = {'"', ',', true, false};
  CHECK(frame(&c, "a,b\nc,d\n") == 8);
  CHECK(frame(&c, "a,\"x\ny\"\n") == 8);         /* a line break inside quotes */
  CHECK(frame(&c, "a,b\nc,\"x\ny") == 4);        /* the second record is still open */
  CHECK(frame(&c, "a,\"x\"\"") == 0);            /* a doubled quote may follow */
  CHECK(frame(&c, "a,\"x\"\"\n\"\n") == 9);      /* "x""<nl>" */
  CHECK(frame(&c, "ab\"c\nd\n") == 7);           /* a quote inside a field is text */
  CHECK(fs_frame(&c, "\"a\"x,\"b\nc", 10) == 8); /* bad after the quote: to the line break */
  CHECK(frame(&c, "\"a\"\r\nb\n") == 7);         /* CRLF after a closing quote */
  fs_framing cm = {'"', ',', true, true};
  CHECK(frame(&cm, "# it's \"odd\nx\n") == 14); /* a comment line is whole */
  fs_framing nq = {0, ',', true, false};
  CHECK(frame(&nq, "a,\"b\nc\n") == 7);
}

/* Reads everything from a pipe (or, mapped, from a file) with a window of `win` bytes; returns
 * the records joined by '|' as the source sees them (only whole ones, the last at EOF). */
static char *read_all_from(const char *data, size_t win, size_t max, int *toolong, bool mapped) {
  int fds[2];
  if (mapped) {
    char path[] = "/tmp/sluice-test-reader-XXXXXX";
    fds[0] = mkstemp(path);
    if (fds[0] < 0) return NULL;
    unlink(path);
    fds[1] = dup(fds[0]);
  } else if (pipe(fds) != 0) {
    return NULL;
  }
  ssize_t w = write(fds[1], data, strlen(data));
  (void)w;
  close(fds[1]);
  fs_framing c = {'"', ',', true, false};
  fs_reader r;
  fs_reader_init(&r, fds[0], mapped, 0, &c, win, max);
  r.final = true;
  if (mapped) {
    fs_reader_map(&r, (off_t)strlen(data));
    r.win = win; /* small windows, to cross every boundary */
  }
  sl_buf out = {0};
  *toolong = 0;
  for (;;) {
    size_t n = fs_reader_ready(&r);
    if (n) {
      size_t k = 1; /* the first whole record (or the rest, at EOF) */
      while (k < n && fs_frame(&c, r.buf + r.pos, k) != k) k++;
      buf_put(&out, r.buf + r.pos, k);
      buf_putc(&out, '|');
      r.pos += k;
      continue;
    }
    fs_fill fl = fs_reader_fill(&r);
    if (fl == FS_FILL_EOF) break;
    if (fl == FS_FILL_TOOLONG) {
      (*toolong)++;
      bool found;
      r.pos = r.len;
      while (fs_reader_skip_line(&r, &found), !found)
        if (fs_reader_fill(&r) == FS_FILL_EOF) break;
    }
    if (fl == FS_FILL_ERROR) break;
  }
  fs_reader_free(&r);
  close(fds[0]);
  buf_cstr(&out);
  return out.data;
}

static char *read_all(const char *data, size_t win, size_t max, int *toolong) {
  int tl2 = 0;
  char *a = read_all_from(data, win, max, toolong, false);
  char *b = read_all_from(data, win, max, &tl2, true);
  CHECK(a && b && !strcmp(a, b)); /* copied and mapped windows see the same records */
  CHECK(*toolong == tl2);
  free(b);
  return a;
}

TEST(fs_reader_window) {
  int tl;
  char *s = read_all("a,1\nbb,\"2\n2\"\nccc,3\nlast", 4, 64, &tl);
  CHECK_STR(s, "a,1\n|bb,\"2\n2\"\n|ccc,3\n|last|");
  CHECK(tl == 0);
  free(s);
  /* a record longer than the cap is reported and skipped to its line break */
  s = read_all("a\nbbbbbbbbbbbbbbbbbbbbbbbb\nc\n", 4, 8, &tl);
  CHECK_STR(s, "a\n|c\n|");
  CHECK(tl == 1);
  free(s);
}

TEST(fs_durations_sizes) {
  int64_t v = 0;
  CHECK(opt_parse_duration("1s", &v) == SL_OK && v == 1000);
  CHECK(opt_parse_duration("500 ms", &v) == SL_OK && v == 500);
  CHECK(opt_parse_duration("10 min", &v) == SL_OK && v == 600000);
  CHECK(opt_parse_duration("250", &v) == SL_OK && v == 250);
  CHECK(opt_parse_duration("1 fortnight", &v) != SL_OK);
  CHECK(opt_parse_duration("s", &v) != SL_OK);
  CHECK(opt_parse_size("128MB", &v) == SL_OK && v == 128 << 20);
  CHECK(opt_parse_size("1 kb", &v) == SL_OK && v == 1024);
  CHECK(opt_parse_size("100", &v) == SL_OK && v == 100);
}

TEST(fs_partition_paths) {
  sl_buf b = {0};
  fs_partition_escape("a/b=c%d", 7, &b);
  CHECK_STR(buf_cstr(&b), "a%2Fb%3Dc%25d");
  buf_free(&b);
  sl_arena a;
  arena_init(&a, 256);
  const char *names[] = {"dt", "country"};
  const char *vals[2];
  CHECK(fs_partition_parse("dt=2024-01-02/country=a%2Fb/part-0", 2, names, vals,
                           FS_DEFAULT_PARTITION, &a));
  CHECK_STR(vals[0], "2024-01-02");
  CHECK_STR(vals[1], "a/b");
  CHECK(fs_partition_parse("dt=x/country=__DEFAULT_PARTITION__/f", 2, names, vals,
                           FS_DEFAULT_PARTITION, &a));
  CHECK(vals[1] == NULL);
  CHECK(!fs_partition_parse("dt=x/f", 2, names, vals, FS_DEFAULT_PARTITION, &a));
  arena_free(&a);
}
