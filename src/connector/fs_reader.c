/* fs_reader.c - bounded reading for the filesystem source: a window of 1 MiB (growing for a
 * longer record up to 'source.max-record-size') that slides over a file, a FIFO or stdin (a
 * bounded source's regular files are mapped window by window instead of copied), and
 * the framing that tells where whole records end so a decoder is never given half a record.
 * Must not touch: decoding (format/), rows or batches: the source decides when the window may
 * slide (never while rows of the current batch point into it). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fs.h"

fs_framing fs_framing_of(const fmt_def *fmt, const opt_list *o) {
  fs_framing f = {0, ',', false, false};
  if (!fmt || strcmp(fmt->name, "csv")) return f; /* JSON lines: a record is a line */
  f.csv = true;
  const char *d = opt_get(o, fmt->opts, "csv.field-delimiter");
  if (d && *d) f.delim = !strcmp(d, "\\t") ? '\t' : d[0];
  const char *q = opt_get(o, fmt->opts, "csv.quote-character");
  f.quote = q && *q ? q[0] : '"';
  if (opt_get_bool(o, fmt->opts, "csv.disable-quote-character")) f.quote = 0;
  f.comments = opt_get_bool(o, fmt->opts, "csv.allow-comments");
  return f;
}

/* CSV framing mirrors csv_decode: a quote opens a quoted field only at the start of a field;
 * after its closing quote anything but a delimiter or a line break makes the record bad and
 * the decoder skips to the next line break. */
static size_t frame_csv(const fs_framing *f, const char *p, size_t n) {
  const char *e = p + n, *q = p, *last = p;
  while (q < e) {
    if (f->comments && *q == '#') { /* a comment line (blank lines are plain lines) */
      const char *nl = memchr(q, '\n', (size_t)(e - q));
      if (!nl) break;
      q = last = nl + 1;
      continue;
    }
    for (;;) { /* one field */
      if (q < e && *q == f->quote) {
        q++;
        for (;;) {
          const char *c = memchr(q, f->quote, (size_t)(e - q));
          if (!c) return (size_t)(last - p);
          if (c + 1 < e && c[1] == f->quote) {
            q = c + 2;
            continue;
          }
          if (c + 1 == e) return (size_t)(last - p); /* a doubled quote may follow */
          q = c + 1;
          break;
        }
        if (*q != f->delim && *q != '\n' && !(*q == '\r' && q + 1 < e && q[1] == '\n')) {
          const char *nl = memchr(q, '\n', (size_t)(e - q)); /* bad: to the line break */
          if (!nl) return (size_t)(last - p);
          q = nl;
        }
      } else {
        while (q < e && *q != f->delim && *q != '\n') q++;
      }
      if (q >= e) return (size_t)(last - p);
      if (*q == '\n') break;
      if (*q == '\r') {
        q++;
        continue; /* "\r\n" after a closing quote: the loop sees the '\n' */
      }
      q++; /* delimiter: the next field */
    }
    q = last = q + 1;
  }
  return (size_t)(last - p);
}

size_t fs_frame(const fs_framing *f, const char *p, size_t n) {
  if (!f->csv || !f->quote || !memchr(p, f->quote, n)) {
    if (f->csv && f->comments) return frame_csv(f, p, n);
    const char *nl = memrchr(p, '\n', n);
    return nl ? (size_t)(nl - p) + 1 : 0;
  }
  return frame_csv(f, p, n);
}

void fs_reader_init(fs_reader *r, int fd, bool seekable, off_t off, const fs_framing *f,
                    size_t initial, size_t max) {
  memset(r, 0, sizeof *r);
  r->fd = fd;
  r->seekable = seekable;
  r->off = off;
  r->framing = *f;
  r->max = max;
  r->cap = initial < max ? initial : max;
  r->buf = r->heap = xmalloc(r->cap);
}

/* ---- mapped windows and SIGBUS ----
 * Touching a mapped page past the end of a file that shrank raises SIGBUS. The handler looks
 * the address up among the live windows: if it is in one, it maps a zero page over the
 * faulting page (the read then sees zeros) and flags the reader; otherwise the signal is not
 * ours and takes its default action. */
enum { MAX_WINDOWS = 64 };
static struct {
  char *start, *end;
  fs_reader *r;
} windows[MAX_WINDOWS];

static long page_size;

/* Workers map windows at the same time: slots are claimed and freed under this lock; the
 * handler reads them without it (a slot's reader is published last and withdrawn first). */
static pthread_mutex_t windows_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t sigbus_once = PTHREAD_ONCE_INIT;
static bool sigbus_ok;

static void on_sigbus(int sig, siginfo_t *si, void *ctx) {
  char *a = si->si_addr;
  for (int i = 0; i < MAX_WINDOWS; i++)
    if (__atomic_load_n(&windows[i].r, __ATOMIC_ACQUIRE) && a >= windows[i].start &&
        a < windows[i].end) {
      long page = page_size;
      void *pg = (void *)((uintptr_t)a & ~(uintptr_t)(page - 1));
      if (mmap(pg, (size_t)page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) !=
          MAP_FAILED) {
        windows[i].r->truncated = 1;
        return;
      }
    }
  signal(SIGBUS, SIG_DFL); /* not a window of ours: the fault is real */
}

static void install_sigbus(void) {
  page_size = sysconf(_SC_PAGESIZE);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_sigbus;
  sa.sa_flags = SA_SIGINFO;
  sigemptyset(&sa.sa_mask);
  sigbus_ok = sigaction(SIGBUS, &sa, NULL) == 0;
}

static bool track_window(fs_reader *r) {
  pthread_once(&sigbus_once, install_sigbus);
  if (!sigbus_ok) return false;
  bool found = false;
  pthread_mutex_lock(&windows_lock);
  for (int i = 0; i < MAX_WINDOWS && !found; i++)
    if (!windows[i].r) {
      windows[i].start = r->map;
      windows[i].end = r->map + r->maplen;
      __atomic_store_n(&windows[i].r, r, __ATOMIC_RELEASE);
      found = true;
    }
  pthread_mutex_unlock(&windows_lock);
  return found; /* false: too many live windows, the caller reads instead */
}

static void unmap(fs_reader *r) {
  if (!r->map) return;
  pthread_mutex_lock(&windows_lock);
  for (int i = 0; i < MAX_WINDOWS; i++)
    if (windows[i].r == r) __atomic_store_n(&windows[i].r, NULL, __ATOMIC_RELEASE);
  pthread_mutex_unlock(&windows_lock);
  munmap(r->map, r->maplen);
  r->map = NULL;
  r->maplen = 0;
}

void fs_reader_free(fs_reader *r) {
  unmap(r);
  free(r->heap);
  r->buf = r->heap = NULL;
  r->cap = r->len = r->pos = r->complete = 0;
}

size_t fs_reader_ready(const fs_reader *r) {
  if (r->complete > r->pos) return r->complete - r->pos;
  if (r->eof && r->final) return r->len - r->pos;
  return 0;
}

void fs_reader_map(fs_reader *r, off_t size) {
  if (size == 0) return; /* empty, or a /proc file whose size says nothing: read it */
  r->mapped = true;
  r->truncated = 0;
  r->size = size;
  r->win = FS_MAP_WINDOW < r->max ? FS_MAP_WINDOW : r->max;
}

/* Mapped mode: the next window starts at the first unread byte. */
static fs_fill fill_map(fs_reader *r) {
  off_t start = r->off + (off_t)r->pos;
  if (r->pos == 0 && r->len > 0 && r->complete == 0 && !r->eof) { /* no whole record fits */
    if (r->win >= r->max) return FS_FILL_TOOLONG;
    r->win = r->win * 2 < r->max ? r->win * 2 : r->max;
  }
  unmap(r); /* the rows that pointed into it were emitted before this fill */
  r->buf = r->heap;
  r->off = start;
  r->len = r->pos = r->complete = 0;
  if (start >= r->size) {
    r->eof = true;
    return FS_FILL_EOF;
  }
  long page = sysconf(_SC_PAGESIZE);
  off_t at = start - start % page;
  size_t delta = (size_t)(start - at);
  size_t n = r->size - start < (off_t)r->win ? (size_t)(r->size - start) : r->win;
  void *m = mmap(NULL, n + delta, PROT_READ, MAP_PRIVATE, r->fd, at);
  if (m != MAP_FAILED) {
    r->map = m;
    r->maplen = n + delta;
  }
  if (m == MAP_FAILED || !track_window(r)) { /* cannot map (or guard) it: read instead */
    unmap(r);
    r->mapped = false;
    return fs_reader_fill(r);
  }
  madvise(m, n + delta, MADV_SEQUENTIAL);
  r->buf = (char *)m + delta;
  r->len = n;
  r->eof = start + (off_t)n >= r->size;
  r->complete = fs_frame(&r->framing, r->buf, n);
  return FS_FILL_DATA;
}

fs_fill fs_reader_fill(fs_reader *r) {
  if (r->mapped) return fill_map(r);
  unmap(r);         /* a mapped file's last window, if this reader was on one before */
  if (r->pos > 0) { /* slide: what was read is gone, the unread rest moves to the front */
    memmove(r->buf, r->buf + r->pos, r->len - r->pos);
    r->off += (off_t)r->pos;
    r->len -= r->pos;
    r->complete = r->complete > r->pos ? r->complete - r->pos : 0;
    r->pos = 0;
  }
  if (r->len == r->cap) {
    if (r->cap >= r->max) return FS_FILL_TOOLONG;
    r->cap = r->cap * 2 < r->max ? r->cap * 2 : r->max;
    r->buf = r->heap = xrealloc(r->heap, r->cap);
  }
  ssize_t n;
  do {
    n = r->seekable ? pread(r->fd, r->buf + r->len, r->cap - r->len, r->off + (off_t)r->len)
                    : read(r->fd, r->buf + r->len, r->cap - r->len);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? FS_FILL_NONE : FS_FILL_ERROR;
  if (n == 0) {
    r->eof = true;
    if (!r->final) return FS_FILL_NONE;
    return r->len > r->pos ? FS_FILL_DATA : FS_FILL_EOF;
  }
  r->eof = false;
  size_t from = r->complete; /* a record boundary: frame only what follows it */
  r->len += (size_t)n;
  r->complete = from + fs_frame(&r->framing, r->buf + from, r->len - from);
  return FS_FILL_DATA;
}

uint32_t fs_reader_skip_line(fs_reader *r, bool *found) {
  const char *p = r->buf + r->pos;
  size_t n = r->len - r->pos;
  const char *nl = memchr(p, '\n', n);
  *found = nl != NULL;
  r->pos += nl ? (size_t)(nl - p) + 1 : n;
  if (r->complete < r->pos) r->complete = r->pos;
  if (nl) { /* frame what follows the skipped line */
    r->complete = r->pos + fs_frame(&r->framing, r->buf + r->pos, r->len - r->pos);
    return 1;
  }
  return 0;
}
