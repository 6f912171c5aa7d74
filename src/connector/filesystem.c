/* filesystem.c - the filesystem connector's row in the connector table: its options (which
 * generate docs/connectors.md) and the parsers of their Flink-style durations and sizes. The
 * work is elsewhere: fs_source.c, fs_monitor.c and fs_reader.c read (bounded, or monitored and
 * unbounded with 'source.monitor-interval'); fs_sink.c writes (one file committed atomically in
 * a bounded run, rolling part files in an unbounded one); fs_partition.c maps PARTITIONED BY
 * columns to col=value/ directories. Internals shared by these files are in fs.h.
 * Must not touch: reading or writing (the files above). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "fs.h"

const opt_def fs_opts[] = {
    {"connector", OPT_STRING, NULL, NULL, true, "filesystem"},
    {"path", OPT_STRING, NULL, NULL, true,
     "source: a file, a directory (its visible files; with PARTITIONED BY its col=value/ "
     "directories), a glob (data/*.jsonl), or '-' or '/dev/stdin' for standard input, or a FIFO "
     "(both read as they arrive, until their end); sink: the file to write in a bounded run, the "
     "directory of part files in an unbounded run or with PARTITIONED BY"},
    {"format", OPT_ENUM, NULL, "json|csv|debezium-json", true, "record format"},
    {"source.monitor-interval", OPT_STRING, NULL, NULL, false,
     "watch 'path' and read what is appended to its files and the files that appear (a "
     "duration: '1s', '500 ms', '10 s'); the source is then unbounded. Changes are seen at "
     "once through inotify; the interval is the rescan that backs it up. Only whole lines are "
     "read; a file renamed away is read to its end, a truncated one again from its start"},
    {"source.max-record-size", OPT_STRING, "64mb", NULL, false,
     "sluice extension: the longest record the source reads (it reads through a window of "
     "1 MiB that grows for a longer record up to this); a longer one is dead-lettered"},
    {"sink.rolling-policy.file-size", OPT_STRING, "128mb", NULL, false,
     "unbounded runs: a part file is rolled (published) when it reaches this size"},
    {"sink.rolling-policy.rollover-interval", OPT_STRING, "30 min", NULL, false,
     "unbounded runs: a part file is rolled when it has been open this long"},
    {"sink.rolling-policy.check-interval", OPT_STRING, "1 min", NULL, false,
     "unbounded runs: how often the rollover interval is checked"},
    {"partition.default-name", OPT_STRING, FS_DEFAULT_PARTITION, NULL, false,
     "the directory name of a NULL partition value (PARTITIONED BY)"},
    {NULL, 0, NULL, NULL, false, NULL}};

/* A number followed by an optional unit from units (name, factor), case-insensitive, with
 * optional spaces between. */
typedef struct unit_def {
  const char *name;
  int64_t factor;
} unit_def;

static sl_status parse_with_units(const char *s, const unit_def *units, int64_t *out) {
  while (isspace((unsigned char)*s)) s++;
  if (!isdigit((unsigned char)*s)) return SL_ESQL;
  char *end;
  unsigned long long v = strtoull(s, &end, 10);
  while (isspace((unsigned char)*end)) end++;
  size_t n = strlen(end);
  while (n && isspace((unsigned char)end[n - 1])) n--;
  if (n == 0) {
    *out = (int64_t)v * units[0].factor;
    return SL_OK;
  }
  for (const unit_def *u = units; u->name; u++)
    if (strlen(u->name) == n && str_nieq(end, n, u->name)) {
      if (v > (unsigned long long)(INT64_MAX / u->factor)) return SL_ESQL;
      *out = (int64_t)v * u->factor;
      return SL_OK;
    }
  return SL_ESQL;
}

sl_status fs_parse_duration(const char *s, int64_t *ms) {
  static const unit_def units[] = {{"ms", 1},          {"milli", 1},        {"millis", 1},
                                   {"millisecond", 1}, {"milliseconds", 1}, {"s", 1000},
                                   {"sec", 1000},      {"secs", 1000},      {"second", 1000},
                                   {"seconds", 1000},  {"min", 60000},      {"m", 60000},
                                   {"minute", 60000},  {"minutes", 60000},  {"h", 3600000},
                                   {"hour", 3600000},  {"hours", 3600000},  {"d", 86400000},
                                   {"day", 86400000},  {"days", 86400000},  {NULL, 0}};
  return parse_with_units(s, units, ms);
}

sl_status fs_parse_size(const char *s, int64_t *bytes) {
  static const unit_def units[] = {{"b", 1},           {"bytes", 1},
                                   {"k", 1 << 10},     {"kb", 1 << 10},
                                   {"kib", 1 << 10},   {"kibibytes", 1 << 10},
                                   {"m", 1 << 20},     {"mb", 1 << 20},
                                   {"mib", 1 << 20},   {"mebibytes", 1 << 20},
                                   {"g", 1 << 30},     {"gb", 1 << 30},
                                   {"gib", 1 << 30},   {"gibibytes", 1 << 30},
                                   {"t", 1LL << 40},   {"tb", 1LL << 40},
                                   {"tib", 1LL << 40}, {NULL, 0}};
  return parse_with_units(s, units, bytes);
}

const conn_def conn_filesystem = {
    "filesystem",
    fs_opts,
    true,
    true,
    true,
    "Reads files through a bounded window: bounded (the run ends when all are read) unless "
    "'source.monitor-interval' makes it follow them. Writes in a bounded run one file, "
    "committed atomically when the run ends; in an unbounded run (a monitored source) rolling "
    "part files `part-<uuid>-<n>` in the 'path' directory, written as hidden "
    "`.part-<uuid>-<n>.inprogress.<pid>` files and published by fsync and rename when rolled "
    "and when the run stops. Temp files left by a killed run are removed by the next run of "
    "the sink.",
    fs_source_new,
    fs_sink_new};
