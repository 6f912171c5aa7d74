/* kafka.h - what the Kafka connector's files share (kafka.c: options, client configuration and
 * the connector's row; kafka_source.c: the consumer; kafka_assign.c: its partitions; kafka_sink.c:
 * the producer). Internal to connector/. */
#ifndef SLUICE_CONNECTOR_KAFKA_H
#define SLUICE_CONNECTOR_KAFKA_H

#include <librdkafka/rdkafka.h>

#include "connector.h"

extern const opt_def kafka_opts[];

/* A client configuration from the table's 'properties.*' options (the prefix removed), plus
 * sluice's defaults where the table sets none. NULL with e set (naming the option) when
 * librdkafka refuses one. */
rd_kafka_conf_t *kafka_conf(const conn_ctx *c, const char *const *defaults, sl_error *e);
/* The value of 'properties.KEY', or NULL. */
const char *kafka_prop(const opt_list *o, const char *key);
/* Whether the table is 'upsert-kafka' (its key is the PRIMARY KEY, the stream a changelog). */
bool kafka_is_upsert(const conn_ctx *c);
/* upsert-kafka: the PRIMARY KEY columns; else 'key.fields' ("a;b") as schema column indexes; n = 0
 * when absent. Returns NULL with e set when a name is not a column. */
int *kafka_key_fields(const conn_ctx *c, int *n, sl_error *e);
/* The pipe librdkafka writes to when a queue gets something: its read end is registered with
 * the job's loop, which calls `ready` (the pipe drained first). */
int kafka_queue_pipe(rd_kafka_queue_t *q, sl_loop *loop, void (*ready)(sl_loop *, int, int, void *),
                     void *arg, int fds[2]);
void kafka_drain(int fd);

/* ---- the source (kafka_source.c reads, kafka_assign.c assigns partitions) ---- */
enum { SM_EARLIEST, SM_LATEST, SM_GROUP, SM_TIMESTAMP, SM_SPECIFIC };
enum { BM_UNBOUNDED, BM_LATEST, BM_GROUP, BM_TIMESTAMP, BM_SPECIFIC };
enum {
  KMETA_NONE,
  KMETA_TOPIC,
  KMETA_PARTITION,
  KMETA_OFFSET,
  KMETA_TS,
  KMETA_TSTYPE,
  KMETA_HEADERS
};
enum { KMARKS = 16, KBATCH = 1024 };

typedef struct kpart {
  char *topic;
  int32_t part;
  int64_t next; /* the next offset to emit (-1: nothing read yet) */
  int64_t end;  /* bounded: the offset it ends before */
  int file;     /* index in the source's position table */
  bool assigned, seen, done;
} kpart;

typedef struct kmark {
  uint64_t epoch;
  rd_kafka_topic_partition_list_t *offs;
} kmark;

typedef struct ksrc {
  sl_op base;
  int source;
  rd_kafka_t *rk;
  rd_kafka_queue_t *q;
  int fds[2];
  fmt_decoder *val, *key;
  int *vcols, nv, *kcols, nk; /* the table column of each value / key field */
  sl_value *vrow, *krow;      /* decoded fields, scattered into the row */
  const char **vnames, **knames;
  sl_type *vtypes, *ktypes;
  bool *vneed, *kneed; /* the decoders keep pointers to their schemas */
  bool key_raw;
  int key_col;   /* raw key: its column */
  uint8_t *meta; /* KMETA_* per column */
  sl_batch b;
  sl_buf hbuf; /* scratch: the headers as JSON */
  rd_kafka_message_t *msgs[KBATCH];
  kpart *parts;
  int nparts, last;
  kmark marks[KMARKS];
  int nmarks;
  int startup, bounded_mode;
  int64_t start_ts;
  const char *start_specific;
  bool group, commit, cooperative;
  int ndone, nassigned_bounded;
  int64_t tz_offset_ms;
  bool upsert;      /* upsert-kafka: a changelog by key */
  state_map latest; /* upsert: packed key -> (sl_value *) the key's latest row, in base.mem */
  sl_buf kpack, rpack;
  sl_status cb_st; /* an error raised in a librdkafka callback, returned by the next pump */
  sl_error cb_err;
  char *names_key; /* scratch */
} ksrc;

/* The partition's entry, made (and registered as a split of the job's source) on first sight. */
kpart *kafka_part_of(ksrc *k, const char *topic, int32_t p);
/* 'partition:0,offset:42;partition:1,offset:300' -> the offset of partition p, or -1. */
int64_t kafka_specific_offset(const char *spec, int32_t p);
bool kafka_spec_ok(const char *spec);
/* A bounded read: assigns this worker's partitions between their start and end offsets. */
sl_status kafka_bounded_assign(ksrc *k, const conn_ctx *c, sl_error *e);

sl_op *kafka_source_new(const conn_ctx *c, sl_error *e);
sl_op *kafka_sink_new(const conn_ctx *c, sl_error *e);

#endif
