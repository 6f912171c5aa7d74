/* fs_monitor.c - which files the filesystem source reads: the listing of 'path' (a file, a
 * directory of visible files, partition directories col=value/ under it, or a glob), the files
 * tracked by inode (new ones are read from their start, renamed ones are not read twice, one
 * whose name now points to a new inode is read to its end, a truncated one is read again), and
 * with 'source.monitor-interval' the watching: inotify on the directories for low latency and
 * a loop timer every interval as the fallback. Both only mark work and wake the source.
 * Must not touch: reading and decoding (fs_source.c, fs_reader.c). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"

typedef struct path_list {
  char **v;
  int n, cap;
} path_list;

static void pl_add(path_list *l, const char *p) {
  if (l->n == l->cap) {
    l->cap = l->cap ? l->cap * 2 : 16;
    l->v = xrealloc(l->v, sizeof(char *) * (size_t)l->cap);
  }
  l->v[l->n++] = xstrdup(p);
}

static void pl_free(path_list *l) {
  for (int i = 0; i < l->n; i++) free(l->v[i]);
  free(l->v);
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void watch_dir(fs_source *f, const char *dir) {
  if (f->ino_fd < 0) return;
  for (int i = 0; i < f->nwatched; i++)
    if (!strcmp(f->watched[i], dir)) return;
  int wd = inotify_add_watch(f->ino_fd, dir,
                             IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
                                 IN_CLOSE_WRITE);
  if (wd < 0) return; /* the timer still finds what changes there */
  f->watched = xrealloc(f->watched, sizeof(char *) * (size_t)(f->nwatched + 1));
  f->wds = xrealloc(f->wds, sizeof(int) * (size_t)(f->nwatched + 1));
  f->wds[f->nwatched] = wd;
  f->watched[f->nwatched++] = xstrdup(dir);
}

/* Watches the directory of path (a file or a pattern; not when that directory has a wildcard:
 * the interval timer covers it). */
static void watch_parent(fs_source *f, const char *path) {
  if (!f->monitor) return;
  char *copy = xstrdup(path);
  const char *dir = dirname(copy);
  if (!strpbrk(dir, "*?[")) watch_dir(f, dir);
  free(copy);
}

/* ---- tracked files by name (what inotify reports is a directory and a name) ---- */

static uint32_t hash_name(const char *s) {
  uint32_t h = 2166136261u;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
  return h;
}

static void byname_build(fs_source *f) {
  int n = 16;
  while (n < 2 * f->nfiles) n *= 2;
  f->byname = xrealloc(f->byname, sizeof(int) * (size_t)n);
  for (int i = 0; i < n; i++) f->byname[i] = -1;
  f->nbyname = n;
  for (int i = 0; i < f->nfiles; i++) {
    if (f->files[i].done || f->files[i].stream) continue;
    uint32_t h = hash_name(f->files[i].path) & (uint32_t)(n - 1);
    while (f->byname[h] >= 0) h = (h + 1) & (uint32_t)(n - 1);
    f->byname[h] = i;
  }
}

static fs_file *file_named(fs_source *f, const char *path) {
  if (!f->nbyname) byname_build(f);
  uint32_t m = (uint32_t)(f->nbyname - 1);
  for (uint32_t h = hash_name(path) & m; f->byname[h] >= 0; h = (h + 1) & m) {
    fs_file *x = &f->files[f->byname[h]];
    if (!x->done && !x->gone && !strcmp(x->path, path)) return x; /* not a rotated-away one */
  }
  return NULL;
}

/* The visible regular files of dir; with partitions, `depth` more levels of col=value/. */
static void list_dir(fs_source *f, const char *dir, int depth, path_list *out) {
  DIR *d = opendir(dir);
  if (!d) return;
  watch_dir(f, dir);
  struct dirent *de;
  while ((de = readdir(d))) {
    if (de->d_name[0] == '.' || de->d_name[0] == '_') continue; /* hidden and in-progress */
    size_t n = strlen(dir) + strlen(de->d_name) + 2;
    char *p = xmalloc(n);
    snprintf(p, n, "%s/%s", dir, de->d_name);
    struct stat st;
    if (stat(p, &st) == 0) {
      if (depth > 0 && S_ISDIR(st.st_mode) && strchr(de->d_name, '='))
        list_dir(f, p, depth - 1, out);
      else if (depth == 0 && S_ISREG(st.st_mode))
        pl_add(out, p);
    }
    free(p);
  }
  closedir(d);
}

static sl_status list_paths(fs_source *f, bool first, path_list *out, sl_error *e) {
  const char *path = f->path;
  struct stat st;
  if (strpbrk(path, "*?[")) {
    glob_t g;
    if (glob(path, 0, NULL, &g) == 0)
      for (size_t i = 0; i < g.gl_pathc; i++)
        if (stat(g.gl_pathv[i], &st) == 0 && S_ISREG(st.st_mode)) pl_add(out, g.gl_pathv[i]);
    globfree(&g);
    watch_parent(f, path);
    if (out->n == 0 && first && !f->monitor)
      return err_set(e, SL_ERUNTIME, "source '%s': no file matches '%s'", f->base.name, path);
    return SL_OK;
  }
  if (stat(path, &st) != 0) {
    if (f->monitor) { /* it may appear: watch where it would */
      watch_parent(f, path);
      return SL_OK;
    }
    return err_set(e, SL_ERUNTIME, "source '%s': cannot open '%s': %s", f->base.name, path,
                   strerror(errno));
  }
  if (!S_ISDIR(st.st_mode)) {
    if (f->nparts)
      return err_set(e, SL_ERUNTIME,
                     "source '%s': a partitioned table's 'path' must be a directory, not '%s'",
                     f->base.name, path);
    pl_add(out, path);
    watch_parent(f, path);
    return SL_OK;
  }
  if (access(path, R_OK | X_OK) != 0)
    return err_set(e, SL_ERUNTIME, "source '%s': cannot read directory '%s': %s", f->base.name,
                   path, strerror(errno));
  list_dir(f, path, f->nparts, out);
  qsort(out->v, (size_t)out->n, sizeof(char *), cmp_str);
  return SL_OK;
}

static fs_file *find_inode(fs_source *f, dev_t dev, ino_t ino) {
  for (int i = 0; i < f->nfiles; i++) {
    fs_file *x = &f->files[i];
    if (!x->done && !x->stream && x->dev == dev && x->ino == ino) return x;
  }
  return NULL;
}

/* Tracks the file at path: known by its inode, opened only when read (fs_file_open). It is
 * opened here once to fail early on a file that cannot be read. */
static sl_status track(fs_source *f, const char *path, sl_error *e) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (f->monitor && errno == ENOENT) return SL_OK; /* gone again before we looked */
    return err_set(e, SL_ERUNTIME, "source '%s': cannot open '%s': %s", f->base.name, path,
                   strerror(errno));
  }
  struct stat st;
  int rc = fstat(fd, &st);
  close(fd);
  if (rc != 0) return err_set(e, SL_ERUNTIME, "source '%s': cannot stat '%s'", f->base.name, path);
  if (find_inode(f, st.st_dev, st.st_ino)) return SL_OK; /* seen by its new name meanwhile */
  sl_value *pvals = NULL;
  if (f->nparts && (pvals = fs_partition_values(f, path, e)) == NULL)
    return e->code ? e->code : SL_ERUNTIME;
  fs_file *x = fs_file_add(f, path, path);
  f->nbyname = 0; /* rebuilt when inotify names a file */
  x->dev = st.st_dev;
  x->ino = st.st_ino;
  x->size_seen = -1;
  x->dirty = true;
  x->pvals = pvals;
  return SL_OK;
}

/* Opens path if it is the inode of x (fd, or -1). */
static int open_same(const fs_file *x, const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd >= 0 && (fstat(fd, &st) != 0 || st.st_dev != x->dev || st.st_ino != x->ino)) {
    close(fd);
    fd = -1;
  }
  return fd;
}

/* x's name is another file now: x may have been renamed within its directory (rotation). */
static int open_in_dir(fs_source *f, fs_file *x) {
  char *copy = xstrdup(x->path);
  const char *dir = dirname(copy);
  DIR *d = opendir(dir);
  int fd = -1;
  struct dirent *de;
  while (d && fd < 0 && (de = readdir(d))) {
    if (de->d_ino != x->ino) continue;
    char *p = fs_strf("%s/%s", dir, de->d_name);
    if ((fd = open_same(x, p)) >= 0) {
      free(x->path);
      x->path = p;
      f->nbyname = 0;
    } else {
      free(p);
    }
  }
  if (d) closedir(d);
  free(copy);
  return fd;
}

static void close_lru(fs_source *f) {
  fs_file *lru = NULL;
  for (int i = 0; i < f->nfiles; i++) {
    fs_file *x = &f->files[i];
    if (x->fd >= 0 && !x->stream && i != f->cur && (!lru || x->used_ms < lru->used_ms)) lru = x;
  }
  if (lru) fs_file_release(f, lru);
}

sl_status fs_file_open(fs_source *f, fs_file *x, sl_error *e) {
  if (x->fd >= 0 || x->stream) return SL_OK;
  if (f->nopen >= FS_OPEN_FILES) close_lru(f);
  int fd;
  if (!f->monitor) { /* bounded: the file under the name now */
    struct stat st;
    fd = open(x->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0) {
      if (fd >= 0) close(fd);
      return err_set(e, SL_ERUNTIME, "source '%s': cannot open '%s': %s", f->base.name, x->path,
                     strerror(errno));
    }
    x->dev = st.st_dev;
    x->ino = st.st_ino;
  } else if ((fd = open_same(x, x->path)) < 0 && (fd = open_in_dir(f, x)) < 0) {
    if (x->dirty && !x->gone)
      fprintf(stderr,
              "sluice: source '%s': '%s' was deleted or moved away while not open; what was "
              "written to it since it was last read is not read\n",
              f->base.name, x->path);
    x->done = true;
    x->dirty = false;
    f->rescan = true; /* a new file under its name is found by the listing */
    return SL_OK;
  }
  x->fd = fd;
  f->nopen++;
  return SL_OK;
}

static void check_file(fs_source *f, fs_file *x);

sl_status fs_scan(fs_source *f, bool first, bool sweep, sl_error *e) {
  path_list l = {0};
  sl_status st = list_paths(f, first, &l, e);
  bool *seen = xcalloc((size_t)f->nfiles + 1, sizeof(bool));
  int known = f->nfiles;
  for (int i = 0; i < l.n && st == SL_OK; i++) {
    struct stat sb;
    if (stat(l.v[i], &sb) != 0) continue;
    fs_file *x = find_inode(f, sb.st_dev, sb.st_ino);
    if (x) {
      seen[x - f->files] = true;
      x->gone = x->finishing = false;
      if (strcmp(x->path, l.v[i])) { /* renamed within what 'path' matches */
        free(x->path);
        x->path = xstrdup(l.v[i]);
        f->nbyname = 0;
        if (!sweep) check_file(f, x); /* its changes were reported under its new name */
      }
      continue;
    }
    st = track(f, l.v[i], e);
  }
  if (st == SL_OK && f->monitor)
    for (int i = 0; i < known; i++) {
      fs_file *x = &f->files[i];
      if (seen[i] || x->done) continue;
      /* rotated away or deleted: followed for one more interval (its writer may not have
       * moved on yet), then read to its end and closed */
      if (!x->gone) {
        x->gone = true;
        x->gone_ms = loop_now_ms();
        x->dirty = true;
      } else if (loop_now_ms() - x->gone_ms >= f->interval_ms) {
        x->finishing = x->dirty = true;
      }
    }
  free(seen);
  pl_free(&l);
  if (st == SL_OK && sweep) fs_check(f);
  return st;
}

void fs_file_mark(fs_file *x) {
  x->ntail = x->offset < (off_t)sizeof x->tail ? (int)x->offset : (int)sizeof x->tail;
  if (pread(x->fd, x->tail, (size_t)x->ntail, x->offset - x->ntail) != x->ntail) x->ntail = -1;
}

/* Truncated: shorter than what was read, or changed since and the bytes before the offset
 * are not those read (truncated and written again past the offset; x is opened to see). */
static bool truncated(fs_source *f, fs_file *x, const struct stat *st) {
  if (st->st_size < x->offset) return true;
  if (x->ntail <= 0 ||
      (st->st_mtim.tv_sec == x->mtime.tv_sec && st->st_mtim.tv_nsec == x->mtime.tv_nsec))
    return false;
  sl_error e = {0};
  if (fs_file_open(f, x, &e) != SL_OK || x->fd < 0) return false;
  char now[sizeof x->tail];
  return pread(x->fd, now, (size_t)x->ntail, x->offset - x->ntail) != x->ntail ||
         memcmp(now, x->tail, (size_t)x->ntail) != 0;
}

/* The size of x: through its fd, or by its name when it is closed (false when the name is
 * another file now: the listing will see it). */
static bool stat_file(fs_source *f, fs_file *x, struct stat *st) {
  if (x->fd >= 0) return fstat(x->fd, st) == 0;
  if (stat(x->path, st) == 0 && st->st_dev == x->dev && st->st_ino == x->ino) return true;
  if (!x->gone) f->rescan = true;
  return false;
}

/* Looks at one tracked file: grown means dirty, shrunk or rewritten means truncated. The file
 * the reader is on is looked at once it has read to its end (park, in fs_source.c). */
static void check_file(fs_source *f, fs_file *x) {
  struct stat st;
  x->check = false;
  if (f->cur == (int)(x - f->files) && x->dirty) {
    x->check = true; /* being read: its offset is the reader's */
    return;
  }
  if (x->done || x->stream || !stat_file(f, x, &st)) return;
  if (truncated(f, x, &st)) {
    fprintf(stderr, "sluice: source '%s': '%s' was truncated; reading it again from the start\n",
            f->base.name, x->path);
    if (f->cur == (int)(x - f->files)) fs_detach(f); /* its window is stale */
    x->offset = 0;
    x->line = 0;
    x->size_seen = -1;
    x->ntail = 0;
    x->skipping = false;
    x->dec->vt->file_start(x->dec);
  }
  x->mtime = st.st_mtim; /* unchanged at the next check: no need to compare the tail */
  if (st.st_size > x->offset && st.st_size != x->size_seen) x->dirty = true;
}

void fs_check(fs_source *f) {
  int64_t now = loop_now_ms();
  for (int i = 0; i < f->nfiles; i++) {
    fs_file *x = &f->files[i];
    check_file(f, x);
    /* not read for an interval: closed (reopened by name and inode when it grows) */
    if (x->fd >= 0 && !x->stream && !x->gone && !x->dirty && now - x->used_ms >= f->interval_ms) {
      if (i == f->cur) fs_detach(f); /* parked on it */
      fs_file_release(f, x);
    }
  }
}

void fs_check_marked(fs_source *f) {
  for (int i = 0; i < f->nfiles; i++)
    if (f->files[i].check) check_file(f, &f->files[i]);
}

/* ---- watching ---- */

/* A change to a file marks only that file (found by directory and name); a name that
 * appears, goes or moves (or a lost event) means a listing. */
static void on_inotify(sl_loop *l, int fd, int mask, void *arg) {
  fs_source *f = arg;
  char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) {
    for (char *p = buf; p < buf + n;) {
      const struct inotify_event *ev = (const struct inotify_event *)p;
      p += sizeof *ev + ev->len;
      if (!(ev->mask & (IN_MODIFY | IN_CLOSE_WRITE)) || !ev->len) {
        f->rescan = true; /* created, moved, deleted */
        if (ev->mask & IN_Q_OVERFLOW) f->sweep = true;
        continue;
      }
      if (ev->name[0] == '.' || ev->name[0] == '_') continue; /* never read */
      for (int i = 0; i < f->nwatched; i++) {
        if (f->wds[i] != ev->wd) continue;
        f->evpath.len = 0;
        buf_printf(&f->evpath, "%s/%s", f->watched[i], ev->name);
        fs_file *x = file_named(f, buf_cstr(&f->evpath));
        if (x)
          x->check = f->check = true;
        else /* maybe a file renamed away that its writer still appends to */
          for (int k = 0; k < f->nfiles; k++)
            if (f->files[k].gone && !f->files[k].done) f->files[k].check = f->check = true;
        break;
      }
    }
  }
  op_source_ready(&f->base);
}

static void on_timer(sl_loop *l, uint64_t id, void *arg) {
  fs_source *f = arg;
  f->rescan = f->sweep = true;
  op_source_ready(&f->base);
}

void fs_monitor_start(fs_source *f) {
  sl_loop *l = f->base.job->loop;
  f->timer = loop_add_timer(l, f->interval_ms, f->interval_ms, on_timer, f);
  f->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (f->ino_fd >= 0 && loop_add_fd(l, f->ino_fd, LOOP_READ, on_inotify, f) != 0) {
    close(f->ino_fd);
    f->ino_fd = -1;
  }
  if (f->ino_fd >= 0) { /* watch what the first listing saw */
    path_list pl = {0};
    sl_error e = {0};
    list_paths(f, false, &pl, &e);
    pl_free(&pl);
  }
}

void fs_monitor_stop(fs_source *f) {
  sl_loop *l = f->base.job->loop;
  if (f->timer) loop_del_timer(l, f->timer);
  f->timer = 0;
  if (f->ino_fd >= 0) {
    loop_del_fd(l, f->ino_fd);
    close(f->ino_fd);
  }
  f->ino_fd = -1;
  for (int i = 0; i < f->nwatched; i++) free(f->watched[i]);
  free(f->watched);
  free(f->wds);
  f->watched = NULL;
  f->wds = NULL;
  f->nwatched = 0;
  free(f->byname);
  f->byname = NULL;
  f->nbyname = 0;
  buf_free(&f->evpath);
}
