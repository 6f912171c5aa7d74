/* kafka.h - what the Kafka connector's files share (kafka.c: options, client configuration and
 * the connector's row; kafka_source.c: the consumer; kafka_sink.c: the producer). Internal to
 * connector/. */
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
/* 'key.fields' ("a;b") as schema column indexes; n = 0 when absent. Returns NULL with e set
 * when a name is not a column. */
int *kafka_key_fields(const conn_ctx *c, int *n, sl_error *e);
/* The pipe librdkafka writes to when a queue gets something: its read end is registered with
 * the job's loop, which calls `ready` (the pipe drained first). */
int kafka_queue_pipe(rd_kafka_queue_t *q, sl_loop *loop, void (*ready)(sl_loop *, int, int, void *),
                     void *arg, int fds[2]);
void kafka_drain(int fd);

sl_op *kafka_source_new(const conn_ctx *c, sl_error *e);
sl_op *kafka_sink_new(const conn_ctx *c, sl_error *e);

#endif
