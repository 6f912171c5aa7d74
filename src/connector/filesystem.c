/* filesystem.c - the filesystem connector's row in the connector table: its options (which
 * generate docs/connectors.md) and the parsers of their Flink-style durations and sizes. The
 * work is elsewhere: fs_source.c, fs_monitor.c and fs_reader.c read (bounded, or monitored and
 * unbounded with 'source.monitor-interval'); fs_sink.c writes (one file committed atomically in
 * a bounded run, rolling part files in an unbounded one); fs_upsert.c writes the materialised
 * table of a sink with a PRIMARY KEY; fs_partition.c maps PARTITIONED BY
 * columns to col=value/ directories. Internals shared by these files are in fs.h.
 * Must not touch: reading or writing (the files above). */
#include <stdlib.h>
#include <string.h>

#include "fs.h"

const opt_def fs_opts[] = {
    {"connector", OPT_STRING, NULL, NULL, true, "filesystem"},
    {"path", OPT_STRING, NULL, NULL, true,
     "source: a file, a directory (its visible files; with PARTITIONED BY its col=value/ "
     "directories), a glob (data/*.jsonl), or '-' or '/dev/stdin' for standard input, or a FIFO "
     "(both read as they arrive, until their end); sink: the file to write in a bounded run, the "
     "directory of part files in an unbounded run or with PARTITIONED BY; with a PRIMARY KEY "
     "(and a json or csv format) always the file of the materialised table"},
    {"format", OPT_ENUM, NULL, "json|csv|debezium-json|changelog-json", true, "record format"},
    {"source.monitor-interval", OPT_DURATION, NULL, NULL, false,
     "watch 'path' and read what is appended to its files and the files that appear (a "
     "duration: '1s', '500 ms', '10 s'); the source is then unbounded. Changes are seen at "
     "once through inotify; the interval is the rescan that backs it up. Only whole lines are "
     "read; a file renamed away is read to its end, a truncated one again from its start"},
    {"source.max-record-size", OPT_SIZE, "64mb", NULL, false,
     "sluice extension: the longest record the source reads (it reads through a window of "
     "1 MiB that grows for a longer record up to this); a longer one is dead-lettered"},
    {"source.split-size", OPT_SIZE, "4mb", NULL, false,
     "sluice extension: with several workers, a bounded file is read in chunks of this size "
     "(cut at record boundaries), each by the next worker free; a CSV file is one chunk (its "
     "quoted fields may hold line breaks)"},
    {"sink.rolling-policy.file-size", OPT_SIZE, "128mb", NULL, false,
     "unbounded runs: a part file is rolled (published) when it reaches this size"},
    {"sink.rolling-policy.rollover-interval", OPT_DURATION, "30 min", NULL, false,
     "unbounded runs: a part file is rolled when it has been open this long; with a PRIMARY "
     "KEY, how often the materialised table is published while it changes"},
    {"sink.rolling-policy.check-interval", OPT_DURATION, "1 min", NULL, false,
     "unbounded runs: how often the rollover interval is checked"},
    {"partition.default-name", OPT_STRING, FS_DEFAULT_PARTITION, NULL, false,
     "the directory name of a NULL partition value (PARTITIONED BY)"},
    {NULL, 0, NULL, NULL, false, NULL}};

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
    "the sink. A sink table with a PRIMARY KEY (...) NOT ENFORCED and the json or csv format "
    "is an upsert sink: it takes an updating stream, keeps the table by key (+I/+U replace the "
    "key's row, -U/-D remove it) and publishes its rows, in the order their keys first "
    "arrived, as the file 'path' (atomically) when the run ends, when an unbounded run stops, "
    "and every rollover interval while it changes.",
    fs_source_new,
    fs_sink_new,
    NULL,
    true, /* bounded files are read in chunks by every worker (fs_source.c) */
    false,
    NULL};
