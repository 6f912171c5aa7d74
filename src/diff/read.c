/* read.c - the input side of `sluice diff`: JSON-lines and CSV files read in chunks (any
 * size) into untyped cells, one callback per row. JSON: one object per line, values kept as
 * written (numbers as their text, nested objects and arrays as raw JSON). CSV: a header line
 * names the columns, RFC 4180 quoting, an unquoted empty field is NULL and a quoted "" is the
 * empty string. Each row's position (offset, length) is handed out with it, and a row is read
 * again from it (diff_reader_fetch); standard input and FIFOs are first copied to an unlinked
 * temporary file. Owns its buffers; must not touch the engine or the reports. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diff.h"

typedef struct rd {
  const char *path;
  uint64_t line;
  sl_arena a; /* decoded strings of the current row */
  diff_cell *cells;
  int ncells, cap;
  char **hdr; /* CSV */
  size_t *hlen;
  int nhdr;
} rd;

static diff_cell *cell_add(rd *r) {
  if (r->ncells == r->cap) {
    r->cap = r->cap ? r->cap * 2 : 32;
    r->cells = xrealloc(r->cells, sizeof(diff_cell) * (size_t)r->cap);
  }
  diff_cell *c = &r->cells[r->ncells++];
  memset(c, 0, sizeof *c);
  return c;
}

static void put_utf8(sl_buf *b, uint32_t cp) {
  if (cp < 0x80) {
    buf_putc(b, (char)cp);
  } else if (cp < 0x800) {
    buf_putc(b, (char)(0xC0 | (cp >> 6)));
    buf_putc(b, (char)(0x80 | (cp & 63)));
  } else if (cp < 0x10000) {
    buf_putc(b, (char)(0xE0 | (cp >> 12)));
    buf_putc(b, (char)(0x80 | ((cp >> 6) & 63)));
    buf_putc(b, (char)(0x80 | (cp & 63)));
  } else {
    buf_putc(b, (char)(0xF0 | (cp >> 18)));
    buf_putc(b, (char)(0x80 | ((cp >> 12) & 63)));
    buf_putc(b, (char)(0x80 | ((cp >> 6) & 63)));
    buf_putc(b, (char)(0x80 | (cp & 63)));
  }
}

static int hex4(const char *p, const char *end) {
  if (end - p < 4) return -1;
  int v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p[i];
    int d = c >= '0' && c <= '9'                 ? c - '0'
            : (c | 32) >= 'a' && (c | 32) <= 'f' ? (c | 32) - 87
                                                 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

/* A JSON string at *pp (after the opening quote): its text (sliced, or decoded into r->a). */
static bool json_str(rd *r, const char **pp, const char *end, const char **s, size_t *n) {
  const char *p = *pp, *st = p;
  while (p < end && *p != '"' && *p != '\\') p++;
  if (p < end && *p == '"') {
    *s = st;
    *n = (size_t)(p - st);
    *pp = p + 1;
    return true;
  }
  sl_buf b = {0};
  buf_put(&b, st, (size_t)(p - st));
  while (p < end && *p != '"') {
    if (*p != '\\') {
      buf_putc(&b, *p++);
      continue;
    }
    if (++p >= end) break;
    char c = *p++;
    switch (c) {
    case 'n': buf_putc(&b, '\n'); break;
    case 't': buf_putc(&b, '\t'); break;
    case 'r': buf_putc(&b, '\r'); break;
    case 'b': buf_putc(&b, '\b'); break;
    case 'f': buf_putc(&b, '\f'); break;
    case 'u': {
      int v = hex4(p, end);
      if (v < 0) goto bad;
      p += 4;
      uint32_t cp = (uint32_t)v;
      if (cp >= 0xD800 && cp < 0xDC00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
        int lo = hex4(p + 2, end);
        if (lo >= 0xDC00 && lo < 0xE000) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (uint32_t)(lo - 0xDC00);
          p += 6;
        }
      }
      put_utf8(&b, cp);
      break;
    }
    default: buf_putc(&b, c);
    }
  }
  if (p >= end) goto bad;
  *s = arena_strndup(&r->a, b.data ? b.data : "", b.len);
  *n = b.len;
  *pp = p + 1;
  buf_free(&b);
  return true;
bad:
  buf_free(&b);
  return false;
}

static const char *ws(const char *p, const char *end) {
  while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) p++;
  return p;
}

/* The end of a nested JSON value (object or array) starting at p. */
static const char *json_skip(const char *p, const char *end) {
  int depth = 0;
  bool str = false;
  for (; p < end; p++) {
    if (str) {
      if (*p == '\\')
        p++;
      else if (*p == '"')
        str = false;
    } else if (*p == '"') {
      str = true;
    } else if (*p == '{' || *p == '[') {
      depth++;
    } else if (*p == '}' || *p == ']') {
      if (--depth == 0) return p + 1;
    }
  }
  return NULL;
}

static sl_status json_line(rd *r, const char *p, const char *end, bool *row, sl_error *e) {
  p = ws(p, end);
  *row = p < end;
  if (p == end) return SL_OK; /* a blank line */
  if (*p != '{') goto bad;
  p = ws(p + 1, end);
  if (p < end && *p == '}') return SL_OK; /* {}: a row without cells */
  for (;;) {
    if (p >= end || *p != '"') goto bad;
    p++;
    diff_cell *c = cell_add(r);
    if (!json_str(r, &p, end, &c->name, &c->nlen)) goto bad;
    if (memchr(c->name, 0, c->nlen)) goto nul;
    p = ws(p, end);
    if (p >= end || *p != ':') goto bad;
    p = ws(p + 1, end);
    if (p >= end) goto bad;
    if (*p == '"') {
      p++;
      c->tag = DT_STR;
      if (!json_str(r, &p, end, &c->s, &c->len)) goto bad;
    } else if (*p == '{' || *p == '[') {
      const char *q = json_skip(p, end);
      if (!q) goto bad;
      c->tag = DT_NUM; /* raw JSON, printed as is */
      c->s = p;
      c->len = (size_t)(q - p);
      p = q;
    } else {
      const char *q = p;
      while (q < end && *q != ',' && *q != '}' && *q != ' ' && *q != '\t' && *q != '\r') q++;
      size_t n = (size_t)(q - p);
      if (n == 4 && !memcmp(p, "null", 4))
        c->tag = DT_NULL;
      else if ((n == 4 && !memcmp(p, "true", 4)) || (n == 5 && !memcmp(p, "false", 5)))
        c->tag = DT_BOOL;
      else if (n && ((*p >= '0' && *p <= '9') || *p == '-'))
        c->tag = DT_NUM;
      else
        goto bad;
      c->s = p;
      c->len = n;
      p = q;
    }
    p = ws(p, end);
    if (p < end && *p == ',') {
      p = ws(p + 1, end);
      continue;
    }
    if (p < end && *p == '}') break;
    goto bad;
  }
  return SL_OK;
bad:
  return err_set(e, SL_EDATA, "%s:%llu: not a JSON object on one line", r->path,
                 (unsigned long long)r->line);
nul:
  return err_set(e, SL_EDATA, "%s:%llu: a column name with a NUL character", r->path,
                 (unsigned long long)r->line);
}

/* One CSV record from p; *used = bytes consumed, 0 when incomplete (more input needed). */
static sl_status csv_record(rd *r, const char *p, const char *end, bool eof, size_t *used,
                            uint32_t *lines, sl_error *e) {
  const char *st = p;
  *lines = 0;
  for (;;) {
    diff_cell *c = cell_add(r);
    if (p < end && *p == '"') {
      sl_buf b = {0};
      p++;
      for (;;) {
        const char *q = memchr(p, '"', (size_t)(end - p));
        if (!q) {
          buf_free(&b);
          if (!eof) return *used = 0, SL_OK;
          return err_set(e, SL_EDATA, "%s:%llu: unterminated quoted CSV field", r->path,
                         (unsigned long long)r->line);
        }
        for (const char *x = p; x < q; x++) *lines += *x == '\n';
        buf_put(&b, p, (size_t)(q - p));
        if (q + 1 < end && q[1] == '"') {
          buf_putc(&b, '"');
          p = q + 2;
          continue;
        }
        if (q + 1 >= end && !eof) {
          buf_free(&b);
          return *used = 0, SL_OK;
        }
        p = q + 1;
        break;
      }
      c->tag = DT_TEXT;
      c->s = arena_strndup(&r->a, b.data ? b.data : "", b.len);
      c->len = b.len;
      buf_free(&b);
    } else {
      const char *q = p;
      while (q < end && *q != ',' && *q != '\n') q++;
      if (q == end && !eof) return *used = 0, SL_OK;
      size_t n = (size_t)(q - p);
      if (n && p[n - 1] == '\r' && (q == end || *q == '\n')) n--;
      c->tag = n ? DT_TEXT : DT_NULL;
      c->s = p;
      c->len = n;
      p = q;
    }
    if (p < end && *p == ',') {
      p++;
      continue;
    }
    if (p < end && *p == '\r') p++;
    if (p < end && *p == '\n') {
      p++;
      (*lines)++;
    } else if (p < end) {
      return err_set(e, SL_EDATA, "%s:%llu: text after a quoted CSV field", r->path,
                     (unsigned long long)r->line);
    } else if (!eof) {
      return *used = 0, SL_OK;
    }
    break;
  }
  *used = (size_t)(p - st);
  return SL_OK;
}

static bool ends_with(const char *s, const char *suf) {
  size_t n = strlen(s), m = strlen(suf);
  return n >= m && str_ieq(s + n - m, suf);
}

struct diff_reader {
  rd r;
  diff_fmt fmt;
  FILE *f;
  char *buf; /* scan buffer */
  size_t cap;
  sl_buf rec; /* fetch buffer */
};

/* Moves the unread bytes to the front and reads more (growing a full buffer). *base is the
 * file offset of buf[0]. */
static sl_status refill(diff_reader *d, size_t *lo, size_t *hi, uint64_t *base, bool *eof,
                        sl_error *e) {
  memmove(d->buf, d->buf + *lo, *hi - *lo);
  *base += *lo;
  *hi -= *lo;
  *lo = 0;
  if (d->cap - *hi < (1 << 16)) d->buf = xrealloc(d->buf, d->cap *= 2);
  size_t got = fread(d->buf + *hi, 1, d->cap - *hi, d->f);
  if (!got && ferror(d->f))
    return err_set(e, SL_ERUNTIME, "cannot read '%s': %s", d->r.path, strerror(errno));
  if (!got) *eof = true;
  *hi += got;
  return SL_OK;
}

/* Standard input, a FIFO or a device is copied to an unlinked temporary file first: rows are
 * fetched again by position. */
static sl_status spool(diff_reader *d, FILE *in, const char *tmpdir, sl_error *e) {
  const char *td = diff_tmpdir(tmpdir);
  char *tpl = xmalloc(strlen(td) + 32);
  sprintf(tpl, "%s/sluice-diff-in-XXXXXX", td);
  int fd = mkstemp(tpl);
  if (fd < 0) {
    sl_status st =
        err_set(e, SL_ERUNTIME, "cannot create a temporary file in %s: %s", td, strerror(errno));
    free(tpl);
    return st;
  }
  unlink(tpl);
  free(tpl);
  d->f = fdopen(fd, "w+b");
  char *b = xmalloc(1 << 16);
  size_t n;
  sl_status st = SL_OK;
  while (!st && (n = fread(b, 1, 1 << 16, in)) > 0)
    if (fwrite(b, 1, n, d->f) != n)
      st = err_set(e, SL_ERUNTIME, "cannot write a temporary file in %s", td);
  if (!st && ferror(in))
    st = err_set(e, SL_ERUNTIME, "cannot read '%s': %s", d->r.path, strerror(errno));
  free(b);
  if (!st && (fflush(d->f) || fseek(d->f, 0, SEEK_SET)))
    st = err_set(e, SL_ERUNTIME, "cannot write a temporary file in %s", td);
  return st;
}

sl_status diff_reader_open(const char *path, diff_fmt fmt, const char *tmpdir, diff_reader **out,
                           sl_error *e) {
  *out = NULL;
  diff_reader *d = xcalloc(1, sizeof *d);
  d->fmt = fmt == DF_AUTO ? (ends_with(path, ".csv") ? DF_CSV : DF_JSON) : fmt;
  d->r.path = path;
  arena_init(&d->r.a, 1 << 16);
  bool std = !strcmp(path, "-");
  FILE *f = std ? stdin : fopen(path, "rb");
  if (!f) {
    sl_status st = err_set(e, SL_ERUNTIME, "cannot open '%s': %s", path, strerror(errno));
    diff_reader_free(d);
    return st;
  }
  struct stat sb;
  if (!fstat(fileno(f), &sb) && S_ISREG(sb.st_mode)) {
    d->f = f;
  } else {
    sl_status st = spool(d, f, tmpdir, e);
    if (!std) fclose(f);
    if (st) {
      diff_reader_free(d);
      return st;
    }
  }
  *out = d;
  return SL_OK;
}

void diff_reader_free(diff_reader *d) {
  if (!d) return;
  if (d->f && d->f != stdin) fclose(d->f);
  free(d->buf);
  buf_free(&d->rec);
  rd *r = &d->r;
  for (int i = 0; i < r->nhdr; i++) free(r->hdr[i]);
  free(r->hdr);
  free(r->hlen);
  free(r->cells);
  arena_free(&r->a);
  free(d);
}

/* One record's cells from p..end (a JSON line without its newline, or a CSV record); *row false
 * for a blank line, the CSV header sets the names. */
static sl_status parse_record(diff_reader *d, const char *p, const char *end, bool eof,
                              size_t *used, uint32_t *lines, bool *row, sl_error *e) {
  rd *r = &d->r;
  r->ncells = 0;
  arena_reset(&r->a);
  *row = false;
  *lines = 1;
  if (d->fmt == DF_JSON) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    *used = 0;
    if (!nl && !eof) return SL_OK;
    const char *le = nl ? nl : end;
    *used = (size_t)(le - p) + (nl ? 1 : 0);
    return json_line(r, p, le, row, e);
  }
  sl_status st = csv_record(r, p, end, eof, used, lines, e);
  if (st || !*used) return st;
  *row = !(r->ncells == 1 && r->cells[0].tag == DT_NULL); /* not a blank line */
  if (*row && !r->hdr) {                                  /* the header */
    *row = false;
    r->nhdr = r->ncells;
    r->hdr = xcalloc((size_t)r->nhdr, sizeof(char *));
    r->hlen = xcalloc((size_t)r->nhdr, sizeof(size_t));
    for (int i = 0; i < r->nhdr; i++) {
      if (r->cells[i].len && memchr(r->cells[i].s, 0, r->cells[i].len))
        return err_set(e, SL_EDATA, "%s:%llu: a column name with a NUL character", r->path,
                       (unsigned long long)r->line);
      r->hdr[i] = xstrndup(r->cells[i].s ? r->cells[i].s : "", r->cells[i].len);
      r->hlen[i] = r->cells[i].len;
    }
  } else if (*row) {
    if (r->ncells != r->nhdr)
      return err_set(e, SL_EDATA, "%s:%llu: %d fields, the header has %d", r->path,
                     (unsigned long long)r->line, r->ncells, r->nhdr);
    for (int i = 0; i < r->ncells; i++) {
      r->cells[i].name = r->hdr[i];
      r->cells[i].nlen = r->hlen[i];
    }
  }
  return SL_OK;
}

sl_status diff_reader_scan(diff_reader *d, diff_row_fn fn, void *ctx, sl_error *e) {
  rd *r = &d->r;
  r->line = 1;
  d->cap = 1 << 20;
  d->buf = xrealloc(d->buf, d->cap);
  size_t lo = 0, hi = 0;
  uint64_t base = 0;
  bool eof = false;
  sl_status st = SL_OK;
  while (!st && !eof && hi < 3) st = refill(d, &lo, &hi, &base, &eof, e);
  if (hi >= 3 && !memcmp(d->buf, "\xEF\xBB\xBF", 3)) lo = 3;
  while (!st && !(lo == hi && eof)) {
    size_t used = 0;
    uint32_t lines = 1;
    bool row = false;
    st = parse_record(d, d->buf + lo, d->buf + hi, eof, &used, &lines, &row, e);
    if (st) break;
    if (!used) { /* an incomplete record: read more */
      st = refill(d, &lo, &hi, &base, &eof, e);
      continue;
    }
    if (row) {
      diff_pos pos = {base + lo, (uint32_t)used};
      if (used > UINT32_MAX)
        st = err_set(e, SL_EDATA, "%s:%llu: a record over 4 GB", r->path,
                     (unsigned long long)r->line);
      else
        st = fn(ctx, r->cells, r->ncells, &pos, e);
    }
    lo += used;
    r->line += lines;
  }
  return st;
}

sl_status diff_reader_fetch(diff_reader *d, const diff_pos *pos, const diff_cell **cells, int *n,
                            sl_error *e) {
  d->rec.len = 0;
  buf_reserve(&d->rec, pos->len);
  ssize_t got = pread(fileno(d->f), d->rec.data, pos->len, (off_t)pos->off);
  if (got != (ssize_t)pos->len)
    return err_set(e, SL_ERUNTIME, "cannot read '%s' again (was it changed?)", d->r.path);
  size_t used;
  uint32_t lines;
  bool row;
  sl_status st = parse_record(d, d->rec.data, d->rec.data + pos->len, true, &used, &lines, &row, e);
  if (!st && !row) st = err_set(e, SL_ERUNTIME, "'%s' changed while it was read", d->r.path);
  *cells = d->r.cells;
  *n = d->r.ncells;
  return st;
}
