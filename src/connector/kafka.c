/* kafka.c - the kafka connector's options (Flink's keys; 'properties.*' go to librdkafka as
 * they are), its metadata columns, the client configuration both sides build, and its row in
 * the connector table. The consumer is kafka_source.c, the producer kafka_sink.c.
 * Must not touch: rows (the sides decode and encode them), other connectors. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kafka.h"

const opt_def kafka_opts[] = {
    {"connector", OPT_STRING, NULL, NULL, true, "kafka"},
    {"topic", OPT_STRING, NULL, NULL, false,
     "the topic to read or write; a source takes several separated by ';'"},
    {"topic-pattern", OPT_STRING, NULL, NULL, false,
     "source: a regular expression of topic names to read (instead of 'topic'); topics created "
     "later are picked up"},
    {"properties.*", OPT_STRING, NULL, NULL, false,
     "any librdkafka client property, such as 'properties.bootstrap.servers' (required) and "
     "'properties.group.id'; security settings go here too"},
    {"format", OPT_STRING, NULL, NULL, false, "the format of the message values"},
    {"value.format", OPT_STRING, NULL, NULL, false, "the same as 'format'"},
    {"value.fields-include", OPT_ENUM, "ALL", "ALL|EXCEPT_KEY", false,
     "whether the value holds the key fields too (ALL) or only the other columns (EXCEPT_KEY)"},
    {"key.format", OPT_STRING, NULL, NULL, false,
     "the format of the message keys ('json', 'csv' or 'raw': a one-column key as its bytes); "
     "needs 'key.fields'"},
    {"key.fields", OPT_STRING, NULL, NULL, false,
     "the columns that make the message key, separated by ';'"},
    {"key.fields-prefix", OPT_STRING, NULL, NULL, false,
     "a prefix of the key columns' names that the key's fields do not have"},
    {"scan.startup.mode", OPT_ENUM, "group-offsets",
     "earliest-offset|latest-offset|group-offsets|timestamp|specific-offsets", false,
     "source: where reading starts in a partition this process reads for the first time: the "
     "oldest message, the end, the group's committed offset (the oldest message when it has "
     "none), the first message at or after 'scan.startup.timestamp-millis', or the offsets of "
     "'scan.startup.specific-offsets'"},
    {"scan.startup.timestamp-millis", OPT_INT, NULL, NULL, false,
     "source, 'timestamp' mode: milliseconds since the epoch"},
    {"scan.startup.specific-offsets", OPT_STRING, NULL, NULL, false,
     "source, 'specific-offsets' mode: 'partition:0,offset:42;partition:1,offset:300' (other "
     "partitions start at the group's committed offsets)"},
    {"scan.bounded.mode", OPT_ENUM, "unbounded",
     "unbounded|latest-offset|group-offsets|timestamp|specific-offsets", false,
     "source: read the topic as a bounded input, up to the end offsets when the run starts, the "
     "group's committed offsets, a timestamp, or given offsets; the run then ends (the "
     "partitions are assigned to workers by number, without a consumer group)"},
    {"scan.bounded.timestamp-millis", OPT_INT, NULL, NULL, false,
     "source, bounded 'timestamp' mode: milliseconds since the epoch"},
    {"scan.bounded.specific-offsets", OPT_STRING, NULL, NULL, false,
     "source, bounded 'specific-offsets' mode: 'partition:0,offset:42;...'"},
    {"scan.topic-partition-discovery.interval", OPT_DURATION, "30 s", NULL, false,
     "source: how often new partitions and topics are looked for (Flink's default is 5 min); "
     "the consumer group then hands them out"},
    {"sink.partitioner", OPT_ENUM, "default", "default|fixed|round-robin", false,
     "sink: the partition of a message: by the hash of its key, or spread when it has none "
     "(default), the worker's own partition (fixed), or each in turn (round-robin)"},
    {"sink.delivery-guarantee", OPT_ENUM, "at-least-once", "none|at-least-once|exactly-once", false,
     "sink: at-least-once waits for the broker's acknowledgement of every message before the "
     "sources commit (an idempotent producer); none does not wait; exactly-once needs "
     "checkpoints and transactions, which sluice does not have yet"},
    {"sink.transactional-id-prefix", OPT_STRING, NULL, NULL, false,
     "sink, exactly-once: not supported yet"},
    {NULL, 0, NULL, NULL, false, NULL}};

static const conn_meta kafka_meta[] = {
    {"topic", T_STRING, "the topic of the message"},
    {"partition", T_INT, "its partition"},
    {"offset", T_BIGINT, "its offset in the partition"},
    {"timestamp", T_TIMESTAMP_LTZ, "its timestamp"},
    {"timestamp-type", T_STRING, "NoTimestampType, CreateTime or LogAppendTime"},
    {"headers", T_STRING,
     "its headers as a JSON object of strings, such as {\"trace\":\"ab12\"} (Flink's type is "
     "MAP<STRING, BYTES>; sluice has no MAP type); NULL when it has none. Read only: a sink "
     "writes no headers"},
    {NULL, T_NULL, NULL}};

const char *kafka_prop(const opt_list *o, const char *key) {
  char k[256];
  snprintf(k, sizeof k, "properties.%s", key);
  return opt_get(o, NULL, k);
}

rd_kafka_conf_t *kafka_conf(const conn_ctx *c, const char *const *defaults, sl_error *e) {
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  char err[512];
  for (int i = 0; defaults && defaults[i]; i += 2)
    if (!kafka_prop(&c->opts, defaults[i]) &&
        rd_kafka_conf_set(conf, defaults[i], defaults[i + 1], err, sizeof err) !=
            RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      err_set(e, SL_EINTERNAL, "table '%s': %s", c->table, err);
      return NULL;
    }
  for (int i = 0; i < c->opts.n; i++) {
    const char *k = c->opts.v[i].key;
    if (strncmp(k, "properties.", 11)) continue;
    if (rd_kafka_conf_set(conf, k + 11, c->opts.v[i].value, err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      err_set(e, SL_EUSAGE, "table '%s': option '%s': %s", c->table, k, err);
      return NULL;
    }
  }
  if (!kafka_prop(&c->opts, "bootstrap.servers")) {
    rd_kafka_conf_destroy(conf);
    err_set(e, SL_EUSAGE, "table '%s': the kafka connector needs 'properties.bootstrap.servers'",
            c->table);
    return NULL;
  }
  return conf;
}

bool kafka_is_upsert(const conn_ctx *c) {
  const char *cn = opt_get(&c->opts, NULL, "connector");
  return cn && str_ieq(cn, "upsert-kafka");
}

int *kafka_key_fields(const conn_ctx *c, int *n, sl_error *e) {
  *n = 0;
  if (kafka_is_upsert(c)) { /* the key is the primary key */
    if (!c->nprimary_key) {
      err_set(e, SL_EUSAGE,
              "table '%s': 'upsert-kafka' needs PRIMARY KEY (...) NOT ENFORCED: its columns "
              "make the message key",
              c->table);
      return NULL;
    }
    int *cols = xcalloc((size_t)c->nprimary_key, sizeof(int));
    for (int i = 0; i < c->nprimary_key; i++) {
      if (c->primary_key[i] < 0 || c->primary_key[i] >= c->schema.ncols) {
        err_set(e, SL_EUSAGE,
                "table '%s': the PRIMARY KEY of an 'upsert-kafka' table must name "
                "physical columns",
                c->table);
        free(cols);
        return NULL;
      }
      cols[(*n)++] = c->primary_key[i];
    }
    return cols;
  }
  const char *kf = opt_get(&c->opts, kafka_opts, "key.fields");
  if (!kf || !*kf) return xcalloc(1, sizeof(int));
  int *cols = xcalloc(strlen(kf) + 1, sizeof(int));
  const char *p = kf;
  while (*p) {
    const char *q = strchr(p, ';');
    size_t len = q ? (size_t)(q - p) : strlen(p);
    int found = -1;
    for (int i = 0; i < c->schema.ncols; i++)
      if (strlen(c->schema.names[i]) == len && !strncmp(c->schema.names[i], p, len)) found = i;
    if (found < 0) {
      err_set(e, SL_EUSAGE, "table '%s': 'key.fields' names '%.*s', which is not a column",
              c->table, (int)len, p);
      free(cols);
      return NULL;
    }
    cols[(*n)++] = found;
    p += len;
    if (*p == ';') p++;
  }
  return cols;
}

int kafka_queue_pipe(rd_kafka_queue_t *q, sl_loop *loop, void (*ready)(sl_loop *, int, int, void *),
                     void *arg, int fds[2]) {
  if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) return -1;
  rd_kafka_queue_io_event_enable(q, fds[1], "1", 1);
  return loop_add_fd(loop, fds[0], LOOP_READ, ready, arg);
}

void kafka_drain(int fd) {
  char buf[256];
  while (read(fd, buf, sizeof buf) > 0) {
  }
}

/* upsert-kafka: Flink's options of that connector. The key is the PRIMARY KEY; reading always
 * starts at the earliest offsets (the latest value of every key is in the whole topic). */
static const opt_def upsert_kafka_opts[] = {
    {"connector", OPT_STRING, NULL, NULL, true, "upsert-kafka"},
    {"topic", OPT_STRING, NULL, NULL, false,
     "the topic to read or write; a source takes several separated by ';'"},
    {"properties.*", OPT_STRING, NULL, NULL, false,
     "any librdkafka client property, such as 'properties.bootstrap.servers' (required) and "
     "'properties.group.id'"},
    {"key.format", OPT_STRING, NULL, NULL, true,
     "the format of the message keys, which hold the PRIMARY KEY columns ('json', 'csv', or "
     "'raw' for one STRING column)"},
    {"key.fields-prefix", OPT_STRING, NULL, NULL, false,
     "a prefix of the key columns' names that the key's fields do not have"},
    {"value.format", OPT_STRING, NULL, NULL, true,
     "the format of the message values (not a changelog format: the kind of a change comes "
     "from the key's history; a message without a value, a tombstone, is a delete)"},
    {"value.fields-include", OPT_ENUM, "ALL", "ALL|EXCEPT_KEY", false,
     "whether the value holds the key fields too (ALL) or only the other columns (EXCEPT_KEY)"},
    {"scan.bounded.mode", OPT_ENUM, "unbounded",
     "unbounded|latest-offset|group-offsets|timestamp|specific-offsets", false,
     "source: read up to the end offsets when the run starts (and so on, as the kafka "
     "connector's option), then end"},
    {"scan.bounded.timestamp-millis", OPT_INT, NULL, NULL, false,
     "source, bounded 'timestamp' mode: milliseconds since the epoch"},
    {"scan.bounded.specific-offsets", OPT_STRING, NULL, NULL, false,
     "source, bounded 'specific-offsets' mode: 'partition:0,offset:42;...'"},
    {"sink.delivery-guarantee", OPT_ENUM, "at-least-once", "none|at-least-once|exactly-once", false,
     "sink: as the kafka connector's option (exactly-once is not supported yet)"},
    {NULL, 0, NULL, NULL, false, NULL}};

const conn_def conn_upsert_kafka = {
    "upsert-kafka",
    upsert_kafka_opts,
    true,
    true,
    true,
    "Reads a Kafka topic as a changelog and writes one, by key, as Flink's upsert-kafka "
    "connector. The table's PRIMARY KEY (...) NOT ENFORCED columns are the message key. A "
    "source reads from the earliest offsets: a value whose key is new is an insert (+I), one "
    "whose key has a value already an update (-U of the value it keeps, +U), a message without "
    "a value (a tombstone) a delete (-D) of the key's value; a value equal to the kept one "
    "changes nothing. It keeps the latest row of every key (counted in the run's state "
    "memory). A sink takes an updating query: +I and +U rows are written as values, -D rows as "
    "tombstones, -U rows not at all (the +U that follows replaces the value). See "
    "docs/kafka.md.",
    kafka_source_new,
    kafka_sink_new,
    NULL,
    true,
    true,
    kafka_meta};

const conn_def conn_kafka = {
    "kafka",
    kafka_opts,
    true,
    true,
    true,
    "Reads and writes Kafka topics through librdkafka, with Flink's option keys. Source "
    "positions (offsets) are committed once every sink has made the rows before them durable "
    "(docs/delivery.md); several processes with the same 'properties.group.id' share a topic's "
    "partitions.",
    kafka_source_new,
    kafka_sink_new,
    NULL,
    true,
    true,
    kafka_meta};
