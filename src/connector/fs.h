/* fs.h - internals of the filesystem connector shared by its files (filesystem.c: the connector
 * row and options; fs_reader.c: bounded reading and record framing; fs_source.c and
 * fs_monitor.c: the source; fs_sink.c: the sink; fs_upsert.c: the sink of a table with a
 * PRIMARY KEY; fs_partition.c: PARTITIONED BY paths) and by
 * tests/unit/test_connector.c. Not a public header: the rest of sluice uses connector.h. */
#ifndef SLUICE_FS_H
#define SLUICE_FS_H

#include <signal.h>
#include <sys/types.h>
#include <time.h>

#include "connector.h"

extern const opt_def fs_opts[];

/* ---- bounded reading (fs_reader.c) ---- */

/* Where records end: JSON lines end at a line break; CSV records at a line break outside a
 * quoted field (quote 0: no quoting; comments: lines starting with '#' are whole records). */
typedef struct fs_framing {
  char quote, delim;
  bool csv, comments;
} fs_framing;

/* The framing of a format given the table options. */
fs_framing fs_framing_of(const fmt_def *fmt, const opt_list *o);
/* Length of the longest prefix of [p, p+n) made of whole records (0: not one whole record). */
size_t fs_frame(const fs_framing *f, const char *p, size_t n);

enum { FS_BUF_INITIAL = 1 << 20, FS_MAX_RECORD = 64 << 20 };

/* A window over a file or stream: buf[pos, len) is unread, buf[pos, complete) holds whole
 * records. The window slides and refills only between batches (rows point into it). */
typedef struct fs_reader {
  int fd;
  bool seekable; /* pread at off + len; else read() */
  bool final;    /* EOF ends the last record even without its line break (not monitoring) */
  bool eof;      /* the last read returned 0 */
  char *buf;     /* the window: into heap, or into map */
  size_t cap, len, pos, complete, max;
  off_t off; /* file offset of buf[0] (seekable) */
  fs_framing framing;
  char *heap;         /* the owned buffer reads copy into */
  bool mapped;        /* this file is mapped window by window instead (fs_reader_map) */
  char *map;          /* the current mapping (unmapped at the next fill: rows may point in) */
  size_t maplen, win; /* its length; the window size in mapped mode */
  off_t size;         /* mapped mode: the file's size when it was opened */
  volatile sig_atomic_t truncated; /* a mapped page vanished: the file shrank while read */
} fs_reader;

typedef enum fs_fill {
  FS_FILL_DATA,    /* new bytes (or a final EOF): look again */
  FS_FILL_NONE,    /* nothing to read now (EAGAIN, or EOF of a monitored file) */
  FS_FILL_EOF,     /* EOF and nothing unread */
  FS_FILL_TOOLONG, /* buf[pos, len) is max bytes without a whole record */
  FS_FILL_ERROR,   /* errno set */
} fs_fill;

void fs_reader_init(fs_reader *r, int fd, bool seekable, off_t off, const fs_framing *f,
                    size_t initial, size_t max);
void fs_reader_free(fs_reader *r);
/* Bytes of whole records (or, at a final EOF, of the rest) ready to decode at buf + pos. */
size_t fs_reader_ready(const fs_reader *r);
/* Slides the window (only with no row pointing into it) and reads more. */
fs_fill fs_reader_fill(fs_reader *r);
/* The file being attached is a regular file read once to its end (a bounded source): its
 * windows are mapped, not copied, which saves the kernel-to-user copy of every byte. Memory
 * stays bounded: one window (FS_MAP_WINDOW, or longer for a long record) is mapped at a time.
 * If another process truncates the file meanwhile, the pages past its new end read as zeros
 * (a SIGBUS handler maps a zero page there) and r->truncated is set: the source must then
 * fail the run rather than use what it decoded. An empty-looking file (/proc) or a failed
 * mmap falls back to reads. */
void fs_reader_map(fs_reader *r, off_t size);
enum { FS_MAP_WINDOW = 8 << 20 };
/* Drops buf[pos, len) up to and including the next line break; returns the line breaks dropped
 * and whether the line break was found (else everything buffered was dropped). */
uint32_t fs_reader_skip_line(fs_reader *r, bool *found);
/* File offset of the next unread byte. */
static inline off_t fs_reader_offset(const fs_reader *r) { return r->off + (off_t)r->pos; }

/* ---- the source (fs_source.c, fs_monitor.c) ---- */

/* A file the source reads (or a stream: stdin, a FIFO). Files are known by inode, so a file
 * renamed within what 'path' matches is not read twice. */
typedef struct fs_file {
  char *path;      /* its name when last seen */
  int index;       /* in job_source.files, for positions */
  int fd;          /* open while read and for a while after (fs_file_open), else -1 */
  int64_t used_ms; /* when last attached: the least recently used file is closed first */
  dev_t dev;
  ino_t ino;
  off_t offset;    /* next unread byte (whole records before it are read) */
  off_t size_seen; /* size when the last read found nothing new */
  char tail[32];   /* the bytes before offset when last read, to see a truncate + rewrite */
  int ntail;
  struct timespec mtime; /* its mtime at the last check */
  uint64_t line;         /* lines read */
  fmt_decoder *dec;
  bool stream; /* stdin or a FIFO: read(), non-blocking through the loop */
  bool fifo;   /* a named FIFO: a read of 0 is the end only once a writer has gone */
  bool is_stdin;
  bool poll_first; /* stdin: its file description is shared (a tty with the shell), so it stays
                      blocking and is read only when poll() says it is readable */
  bool done;       /* bounded: read to its end */
  bool gone;       /* monitoring: no name matches it any more (renamed away, deleted) */
  bool finishing;  /* gone for a monitor interval: read to its end, then closed */
  int64_t gone_ms;
  bool dirty;       /* may have unread bytes */
  bool check;       /* inotify named it: look at its size at the next pump */
  bool bom_pending; /* read from offset 0: a UTF-8 byte-order mark there is skipped */
  bool skipping;    /* dropping the rest of a record longer than max_record: survives a detach,
                       cleared at the record's line break, a truncation or a new file */
  sl_value *pvals;  /* PARTITIONED BY values (one per partition column) */
} fs_file;

typedef struct fs_source {
  sl_op base;
  int source;
  const fmt_def *fmtdef;
  opt_list opts;
  fmt_schema schema;
  sl_batch b;
  char *path;
  fs_file *files;
  int nfiles, filecap;
  int cur;   /* the file the reader is on, -1 none */
  int nopen; /* files (not streams) with an open fd: at most FS_OPEN_FILES */
  fs_reader r;
  fs_framing framing;
  size_t max_record;
  bool monitor; /* 'source.monitor-interval' set: unbounded */
  int64_t interval_ms;
  int ino_fd; /* inotify, -1 without */
  uint64_t timer;
  bool rescan;    /* list the files again before reading */
  bool sweep;     /* with the listing, look at the sizes of every file (the interval timer) */
  bool check;     /* look at the sizes of the files marked x->check */
  char **watched; /* directories given to inotify, and their watch descriptors */
  int *wds;
  int nwatched;
  int *byname; /* open addressing: file indexes by path (inotify names a file), -1 empty */
  int nbyname; /* its size (a power of 2), 0: to build */
  sl_buf evpath;
  /* PARTITIONED BY: the partition columns (indexes into the schema); the record columns */
  int nparts;
  int *part_cols, *rec_cols;
  bool scatter;       /* the record columns are not simply the first ones */
  fmt_schema dschema; /* what the decoders get: the record columns */
  /* parallel reading (conn_ctx.split): the files as work units, chunks of split_size bytes
   * (one per CSV file); unit_base[i] is file i's first unit, unit_base[nfiles] the count */
  conn_split *split;
  int64_t split_size;
  uint64_t *unit_base;
  int64_t chunk_end; /* the current unit: records that start before this offset (-1: none) */
  bool by_offset;    /* the current unit starts mid-file: positions are byte offsets */
  bool chunk_done;   /* its last record is read */
  bool split_over;   /* every unit is taken */
  int nworkers;      /* of the run (explain) */
  bool idle_worker;  /* not worker 0 and the input cannot be split: this instance reads nothing */
  sl_arena parena;   /* partition values and the decoder schema */
} fs_source;

/* Lists the files 'path' matches now and tracks the new ones (fs_monitor.c). Bounded runs call
 * it once; a missing path is an error unless monitoring. With sweep, fs_check follows. */
sl_status fs_scan(fs_source *f, bool first, bool sweep, sl_error *e);
/* Looks at the sizes of every tracked file: grown means dirty, shrunk (or rewritten) means
 * truncated: read again from the start. Closes the files not read for an interval. */
void fs_check(fs_source *f);
/* The same for the files marked x->check only. */
void fs_check_marked(fs_source *f);
/* Leaves the file the reader is on (its offset is noted; its window is dropped). */
void fs_detach(fs_source *f);
/* Registers inotify and the monitor-interval timer with the job's loop. */
void fs_monitor_start(fs_source *f);
void fs_monitor_stop(fs_source *f);
/* A new file of the source: its name registered in job_source.files (as `shown`, for the
 * positions of rows and dead letters), its decoder made; closed (fd -1). */
fs_file *fs_file_add(fs_source *f, const char *path, const char *shown);
/* Files are known by path + inode and opened only to be read: at most FS_OPEN_FILES at once
 * (the least recently read is closed), so the fds in use do not grow with the files. */
enum { FS_OPEN_FILES = 64 };
/* Opens x by its path if it is closed. Monitoring, the inode must be x's: if the name is now
 * another file, x is looked for by inode in its directory (rotated by a rename); if it cannot
 * be found its end is lost: x is done (and a rescan finds the new file). */
sl_status fs_file_open(fs_source *f, fs_file *x, sl_error *e);
/* Closes x's fd (x stays tracked and is reopened when read again). */
void fs_file_release(fs_source *f, fs_file *x);
/* The end of x: closes it and frees its decoder. */
void fs_file_close(fs_source *f, fs_file *x);
/* Notes the bytes before x->offset, to see a truncation + rewrite at the next check. */
void fs_file_mark(fs_file *x);

/* The connector's constructors (fs_source.c, fs_sink.c); option values are parsed by
 * opt_parse_duration / opt_parse_size (format/). */
sl_op *fs_source_new(const conn_ctx *c, sl_error *e);
sl_op *fs_sink_new(const conn_ctx *c, sl_error *e);

/* ---- PARTITIONED BY paths (fs_partition.c) ---- */

#define FS_DEFAULT_PARTITION "__DEFAULT_PARTITION__"

/* The partition columns of a source (from conn_ctx.partition_keys) and the schema its decoders
 * get: without them, as they are not in the records. */
sl_status fs_partition_setup(fs_source *f, const conn_ctx *c, sl_error *e);
/* The partition values of a file of the source, from its col=value/ directories (NULL and an
 * error when a directory is missing or a value does not convert). Caller frees. */
sl_value *fs_partition_values(fs_source *f, const char *path, sl_error *e);
/* Moves the record columns of a decoded row from their places in the decoder's schema to
 * theirs in the table's, then sets the partition values. */
void fs_partition_fill(const fs_source *f, sl_value *row, const sl_value *pvals);
/* The sink's partition columns and the others (the record columns), as schema indexes. */
sl_status fs_sink_partitions(const char *path, const conn_ctx *c, int *nparts, int **part_cols,
                             int **rec_cols, sl_error *e);
/* printf into a new heap string. */
char *fs_strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Escapes a partition value for a directory name as Hive and Flink do (%XX for '/', '=', '%',
 * control characters ...). */
void fs_partition_escape(const char *s, size_t n, sl_buf *out);
/* Reads "col=value" path components of rel (a path relative to the source root) into vals
 * (one per partition column, in the order of names; unescaped, in arena a); false when a
 * column is missing. A value equal to default_name is NULL (vals[i] = NULL). */
bool fs_partition_parse(const char *rel, int n, const char *const *names, const char **vals,
                        const char *default_name, sl_arena *a);

/* ---- the upsert sink (fs_upsert.c): a PRIMARY KEY with an append-only format ---- */

/* The sink of a table with a PRIMARY KEY and a format without change kinds (json, csv): it
 * keeps the materialised table by key and publishes it as the file 'path' at each commit
 * (fs_sink_new hands it the parsed rollover and check intervals). */
sl_op *fs_upsert_new(const conn_ctx *c, int64_t rollover_ms, int64_t check_ms, sl_error *e);

/* The materialised table: rows by packed primary key (a state_map), kept in the order their
 * keys first arrived, every byte counted in a state_alloc. */
typedef struct fs_utable fs_utable;
fs_utable *fs_utable_new(state_alloc *mem, const sl_type *types, int ncols, const int *pk, int npk);
void fs_utable_free(fs_utable *t);
/* Applies one change: +I/+U put the row under its key (replacing the row there, keeping its
 * place), -U/-D remove the key's row. false when the state memory limit is reached. */
bool fs_utable_apply(fs_utable *t, int kind, const sl_value *row);
/* The rows in order: i starts at 0; NULL at the end. */
const sl_value *fs_utable_next(const fs_utable *t, size_t *i);
size_t fs_utable_rows(const fs_utable *t);
/* Forgets the places of removed keys (a key that comes back then goes last). Called after a
 * commit: between two commits a removed key that comes back (-U then +U) keeps its place. */
void fs_utable_compact(fs_utable *t);
/* Its snapshot records (state.h's stream, inside the sink's header and CRC), and reading them
 * back into an empty table: 0, -1 for a malformed stream, 1 over the memory limit. */
void fs_utable_snapshot(const fs_utable *t, sl_buf *out);
int fs_utable_restore(fs_utable *t, state_reader *rd);

/* ---- files (fs_sink.c) ---- */

/* Creates dir and its missing parents. */
sl_status fs_mkdirs(const char *dir, sl_error *e);
/* fsync of a directory (after a rename in it). */
sl_status fs_fsync_dir(const char *dir, sl_error *e);

/* ---- stale temp files (fs_sink.c) ---- */

/* Removes in dir the files named ".<prefix>*.inprogress.<pid>" (exact: ".<prefix>.inprogress.
 * <pid>") whose pid is not a live process, with a note on stderr per file; returns how many. */
int fs_remove_stale(const char *dir, const char *prefix, bool exact, const char *table);

#endif
