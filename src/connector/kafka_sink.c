/* kafka_sink.c - the kafka sink: an idempotent librdkafka producer per worker. Each row is
 * encoded by the table's format (metadata columns left out; a changelog format writes the
 * change kinds), its key by 'key.format' from 'key.fields', and produced to 'topic' in the
 * partition 'sink.partitioner' picks. Delivery reports are served when the producer's queue
 * wakes the job's loop; the first failed delivery (after librdkafka's own retries) fails the
 * run with the broker's message. An epoch is acknowledged (docs/delivery.md) from the delivery
 * reports once every message produced before its barrier is, without blocking: the messages
 * between two barriers are a generation counted down by its reports. The end of the input
 * waits for every message.
 * Must not touch: the rows (it only encodes them), other connectors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kafka.h"

enum { PART_DEFAULT, PART_FIXED, PART_RR };

typedef struct ksink {
  sl_op base;
  int sink;
  rd_kafka_t *rk;
  rd_kafka_topic_t *topic;
  rd_kafka_queue_t *mainq;
  int fds[2];
  fmt_encoder *val, *key;
  bool key_raw;
  int key_col;
  fmt_schema vs; /* the value's columns (without metadata) */
  int *vcols;    /* schema column of each value column */
  sl_value *vrow;
  fmt_schema ks; /* the key's columns */
  int *kcols;
  sl_value *krow;
  bool changelog, wait_acks;
  bool upsert; /* upsert-kafka: +I/+U values, -D tombstones, -U nothing */
  int partitioner, worker, nparts;
  uint64_t rr;
  sl_buf vbuf, kbuf;
  char *topic_name;
  /* Epochs waiting for acks: the messages produced between two barriers are a generation
   * (their msg_opaque); gens[0..ngens) from the oldest, the last one open. A closed one
   * whose messages are all acknowledged acknowledges its epoch (and every older one). */
  struct kgen {
    uint64_t gen, epoch;
    int64_t out; /* its messages not yet acknowledged */
    bool closed;
  } * gens;
  int ngens, capgens;
  uint64_t gen;
  sl_status dr_st; /* the first failed delivery */
  sl_error dr_err;
} ksink;

static struct kgen *gen_open(ksink *s) {
  if (!s->ngens || s->gens[s->ngens - 1].closed) {
    if (s->ngens == s->capgens) {
      s->capgens = s->capgens ? 2 * s->capgens : 8;
      s->gens = xrealloc(s->gens, sizeof(struct kgen) * (size_t)s->capgens);
    }
    s->gens[s->ngens++] = (struct kgen){++s->gen, 0, 0, false};
  }
  return &s->gens[s->ngens - 1];
}

/* Acknowledges the epochs whose messages the broker has all acknowledged. */
static void gens_settle(ksink *s) {
  int k = 0;
  uint64_t epoch = 0;
  while (k < s->ngens && s->gens[k].closed && s->gens[k].out <= 0) epoch = s->gens[k++].epoch;
  if (!k) return;
  memmove(s->gens, s->gens + k, sizeof(struct kgen) * (size_t)(s->ngens - k));
  s->ngens -= k;
  if (!s->dr_st) op_sink_durable(&s->base, epoch);
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  ksink *s = opaque;
  uint64_t g = (uint64_t)(uintptr_t)m->_private;
  for (int i = 0; i < s->ngens; i++)
    if (s->gens[i].gen == g) {
      s->gens[i].out--;
      break;
    }
  if (!m->err || s->dr_st) return;
  s->dr_st = err_set(&s->dr_err, SL_ERUNTIME,
                     "kafka sink '%s': a message to topic '%s' was not delivered: %s", s->base.name,
                     s->topic_name, rd_kafka_err2str(m->err));
}

static void on_ready(sl_loop *l, int fd, int mask, void *arg) {
  ksink *s = arg;
  kafka_drain(fd);
  rd_kafka_poll(s->rk, 0);
  gens_settle(s);
}

static sl_status failed(ksink *s, sl_error *e) {
  if (!s->dr_st) {
    char why[512];
    if (rd_kafka_fatal_error(s->rk, why, sizeof why))
      s->dr_st = err_set(&s->dr_err, SL_ERUNTIME, "kafka sink '%s': %s", s->base.name, why);
  }
  if (s->dr_st) *e = s->dr_err;
  return s->dr_st;
}

/* Waits until every message produced so far has been acknowledged (or failed). */
static sl_status wait_all(ksink *s, sl_error *e) {
  int64_t start = loop_now_ms();
  while (rd_kafka_outq_len(s->rk) > 0) {
    rd_kafka_flush(s->rk, 100);
    if (failed(s, e)) return e->code;
    if (loop_now_ms() - start > 120000)
      return err_set(e, SL_ERUNTIME,
                     "kafka sink '%s': %d messages not acknowledged after 120 s (is the broker "
                     "reachable?)",
                     s->base.name, rd_kafka_outq_len(s->rk));
  }
  return failed(s, e);
}

static int32_t partition_of(ksink *s) {
  if (s->partitioner == PART_DEFAULT) return RD_KAFKA_PARTITION_UA;
  if (s->nparts <= 0) {
    const struct rd_kafka_metadata *md = NULL;
    if (!rd_kafka_metadata(s->rk, 0, s->topic, &md, 10000) && md->topic_cnt == 1)
      s->nparts = md->topics[0].partition_cnt;
    if (md) rd_kafka_metadata_destroy(md);
    if (s->nparts <= 0) return RD_KAFKA_PARTITION_UA;
  }
  if (s->partitioner == PART_FIXED) return s->worker % s->nparts;
  return (int32_t)(s->rr++ % (uint64_t)s->nparts);
}

static sl_status kk_push(sl_op *op, int port, const sl_batch *b, sl_error *e) {
  ksink *s = (ksink *)op;
  if (failed(s, e)) return e->code;
  for (int r = 0; r < b->nrows; r++) {
    const sl_value *row = batch_row(b, r);
    if (s->upsert && b->kind[r] == RK_UPDATE_BEFORE) continue; /* the +U replaces it */
    bool tombstone = s->upsert && b->kind[r] == RK_DELETE;
    for (int i = 0; i < s->vs.ncols; i++) s->vrow[i] = row[s->vcols[i]];
    s->vbuf.len = 0;
    if (tombstone) {
    } else if (s->changelog) {
      s->val->vt->encode_change(s->val, b->kind[r], s->vrow, &s->vbuf);
    } else {
      s->val->vt->encode(s->val, s->vrow, &s->vbuf);
    }
    size_t vlen = s->vbuf.len;
    while (vlen && s->vbuf.data[vlen - 1] == '\n') vlen--; /* one record per message */
    const void *key = NULL;
    size_t klen = 0;
    if (s->key) {
      s->kbuf.len = 0;
      for (int i = 0; i < s->ks.ncols; i++) s->krow[i] = row[s->kcols[i]];
      s->key->vt->encode(s->key, s->krow, &s->kbuf);
      klen = s->kbuf.len;
      while (klen && s->kbuf.data[klen - 1] == '\n') klen--;
      key = s->kbuf.data;
    } else if (s->key_raw && !row[s->key_col].null) {
      key = row[s->key_col].u.s;
      klen = row[s->key_col].len;
    }
    int32_t part = partition_of(s);
    uint64_t g = gen_open(s)->gen;
    for (;;) {
      if (rd_kafka_produce(s->topic, part, RD_KAFKA_MSG_F_COPY, tombstone ? NULL : s->vbuf.data,
                           tombstone ? 0 : vlen, key, klen, (void *)(uintptr_t)g) == 0)
        break;
      rd_kafka_resp_err_t err = rd_kafka_last_error();
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL)
        return err_set(e, SL_ERUNTIME, "kafka sink '%s': cannot produce to '%s': %s", op->name,
                       s->topic_name, rd_kafka_err2str(err));
      rd_kafka_poll(s->rk, 10); /* backpressure: the producer's queue is full */
      if (failed(s, e)) return e->code;
    }
    s->gens[s->ngens - 1].out++; /* the open generation: g */
  }
  rd_kafka_poll(s->rk, 0);
  gens_settle(s);
  op->job->sinks[s->sink].rows_written += (uint64_t)b->nrows;
  return SL_OK;
}

static sl_status kk_barrier(sl_op *op, uint64_t epoch, sl_error *e) {
  ksink *s = (ksink *)op;
  if (!s->wait_acks) {
    op_sink_durable(op, epoch);
    return SL_OK;
  }
  /* not blocking: the epoch is acknowledged from the delivery reports (gens_settle) once the
   * broker has acknowledged every message produced before this barrier */
  struct kgen *g = gen_open(s);
  g->closed = true;
  g->epoch = epoch;
  rd_kafka_poll(s->rk, 0);
  gens_settle(s);
  return failed(s, e);
}

static sl_status kk_finish(sl_op *op, sl_error *e) { return wait_all((ksink *)op, e); }

static sl_status kk_stop(sl_op *op, bool publish, sl_error *e) {
  ksink *s = (ksink *)op;
  rd_kafka_flush(s->rk, 10000); /* what was produced goes out; a stop does not fail on it */
  return SL_OK;
}

static void kk_describe(const sl_op *op, sl_buf *out) {
  const ksink *s = (const ksink *)op;
  buf_printf(out, "kafka topic %s", s->topic_name);
}

static void kk_free(sl_op *op) {
  ksink *s = (ksink *)op;
  if (s->rk) {
    if (s->fds[0] >= 0) loop_del_fd(op->job->loop, s->fds[0]);
    rd_kafka_queue_io_event_enable(s->mainq, -1, NULL, 0);
    rd_kafka_queue_destroy(s->mainq);
    rd_kafka_flush(s->rk, 5000);
    rd_kafka_topic_destroy(s->topic);
    rd_kafka_destroy(s->rk);
  }
  if (s->fds[0] >= 0) close(s->fds[0]);
  if (s->fds[1] >= 0) close(s->fds[1]);
  if (s->val) s->val->vt->free(s->val);
  if (s->key) s->key->vt->free(s->key);
  buf_free(&s->vbuf);
  buf_free(&s->kbuf);
  free(s->vcols);
  free(s->vrow);
  free(s->kcols);
  free(s->krow);
  free((void *)s->ks.names);
  free((void *)s->ks.types);
  free((void *)s->vs.names);
  free((void *)s->vs.types);
  free(s->gens);
  free(s->topic_name);
  free(s);
}

static const op_vt kk_vt = {.kind = "Sink",
                            .push = kk_push,
                            .finish = kk_finish,
                            .stop = kk_stop,
                            .barrier = kk_barrier,
                            .describe = kk_describe,
                            .free = kk_free};

sl_op *kafka_sink_new(const conn_ctx *c, sl_error *e) {
  const opt_list *o = &c->opts;
  const char *topic = opt_get(o, kafka_opts, "topic");
  const char *bad = NULL;
  if (!topic || strchr(topic, ';'))
    bad = "the kafka sink needs one 'topic'";
  else if (opt_get(o, kafka_opts, "topic-pattern"))
    bad = "the kafka sink takes 'topic', not 'topic-pattern'";
  const char *dg = opt_get(o, kafka_opts, "sink.delivery-guarantee");
  if (!bad && !strcmp(dg, "exactly-once"))
    bad = "'sink.delivery-guarantee' = 'exactly-once' needs checkpoints and Kafka transactions, "
          "which sluice does not have yet; use 'at-least-once' (the default)";
  bool upsert = kafka_is_upsert(c);
  if (!bad && upsert && c->fmt->changelog)
    bad = "'upsert-kafka' takes a format of plain records in 'value.format' ('json', 'csv' ...): "
          "the changes are written by key";
  if (!bad && c->updating_input && !c->fmt->changelog && !upsert)
    bad = "an updating query needs a changelog format on the kafka sink ('debezium-json' or "
          "'changelog-json'), or the 'upsert-kafka' connector with a PRIMARY KEY";
  if (bad) {
    err_set(e, SL_EUSAGE, "table '%s': %s", c->table, bad);
    return NULL;
  }
  ksink *s = xcalloc(1, sizeof *s);
  op_init(&s->base, &kk_vt, c->job, c->table);
  s->fds[0] = s->fds[1] = -1;
  s->topic_name = xstrdup(topic);
  s->base.accepts_updates = c->fmt->changelog || upsert;
  s->upsert = upsert;
  s->changelog = c->fmt->changelog;
  s->wait_acks = strcmp(dg, "none") != 0;
  s->sink = job_add_sink(c->job, c->table, s->topic_name, &s->base);
  s->worker = c->worker;
  const char *pt = opt_get(o, kafka_opts, "sink.partitioner");
  s->partitioner = !strcmp(pt, "fixed")         ? PART_FIXED
                   : !strcmp(pt, "round-robin") ? PART_RR
                                                : PART_DEFAULT;
  int nk;
  int *kcols = kafka_key_fields(c, &nk, e);
  if (!kcols) {
    kk_free(&s->base);
    return NULL;
  }
  bool except = !strcmp(opt_get(o, kafka_opts, "value.fields-include"), "EXCEPT_KEY");
  int nc = c->schema.ncols, nv = 0;
  s->vcols = xcalloc((size_t)nc + 1, sizeof(int));
  const char **names = xcalloc((size_t)nc + 1, sizeof(char *));
  sl_type *types = xcalloc((size_t)nc + 1, sizeof(sl_type));
  for (int i = 0; i < nc; i++) {
    bool iskey = false;
    for (int j = 0; j < nk; j++) iskey |= kcols[j] == i;
    if ((!c->meta || !c->meta[i]) && !(except && iskey)) {
      s->vcols[nv] = i;
      names[nv] = c->schema.names[i];
      types[nv++] = c->schema.types[i];
    }
  }
  s->vs = c->schema;
  s->vs.ncols = nv;
  s->vs.names = names;
  s->vs.types = types;
  s->vs.needed = NULL;
  s->vs.nest = NULL;
  s->vrow = xcalloc((size_t)nv + 1, sizeof(sl_value));
  s->val = c->fmt->encoder_new(&s->vs, o);
  const char *kf = opt_get(o, kafka_opts, "key.format");
  sl_status st = SL_OK;
  if (!st && nk && !kf)
    st = err_set(e, SL_EUSAGE, "table '%s': 'key.fields' needs 'key.format'", c->table);
  if (!st && kf && !strcmp(kf, "raw")) {
    if (nk != 1 || c->schema.types[kcols[0]].id != T_STRING)
      st = err_set(e, SL_EUSAGE,
                   "table '%s': 'key.format' = 'raw' takes one STRING column in 'key.fields'",
                   c->table);
    else {
      s->key_raw = true;
      s->key_col = kcols[0];
    }
  } else if (!st && kf) {
    const fmt_def *fd = fmt_lookup(kf);
    if (!fd || fd->changelog) {
      st =
          err_set(e, SL_EUSAGE, "table '%s': 'key.format' must be 'json', 'csv' or 'raw', not '%s'",
                  c->table, kf);
    } else {
      /* the key's own schema: its columns, named without 'key.fields-prefix' */
      const char *prefix = opt_get(o, kafka_opts, "key.fields-prefix");
      size_t pl = prefix ? strlen(prefix) : 0;
      const char **kn = xcalloc((size_t)nk + 1, sizeof(char *));
      sl_type *kt = xcalloc((size_t)nk + 1, sizeof(sl_type));
      for (int j = 0; j < nk; j++) {
        const char *n = c->schema.names[kcols[j]];
        kn[j] = pl && !strncmp(n, prefix, pl) ? n + pl : n;
        kt[j] = c->schema.types[kcols[j]];
      }
      fmt_schema ks = c->schema;
      ks.ncols = nk;
      ks.names = kn;
      ks.types = kt;
      ks.needed = NULL;
      ks.nest = NULL;
      opt_list none = {NULL, 0};
      s->key = fd->encoder_new(&ks, &none);
      s->ks = ks;
      s->kcols = kcols;
      s->krow = xcalloc((size_t)nk + 1, sizeof(sl_value));
      kcols = NULL;
    }
  }
  free(kcols);
  if (st || c->dry) {
    if (st) {
      kk_free(&s->base);
      return NULL;
    }
    return &s->base;
  }
  const char *defaults[] = {"enable.idempotence",
                            s->wait_acks ? "true" : "false",
                            "linger.ms",
                            "5",
                            "log_level",
                            "3",
                            NULL};
  rd_kafka_conf_t *conf = kafka_conf(c, defaults, e);
  if (!conf) {
    kk_free(&s->base);
    return NULL;
  }
  rd_kafka_conf_set_opaque(conf, s);
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  char err[512];
  s->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!s->rk) {
    err_set(e, SL_EUSAGE, "table '%s': cannot create the Kafka producer: %s", c->table, err);
    kk_free(&s->base);
    return NULL;
  }
  s->topic = rd_kafka_topic_new(s->rk, topic, NULL);
  s->mainq = rd_kafka_queue_get_main(s->rk);
  if (kafka_queue_pipe(s->mainq, c->job->loop, on_ready, s, s->fds) != 0) {
    err_set(e, SL_ERUNTIME, "table '%s': cannot watch the Kafka producer", c->table);
    kk_free(&s->base);
    return NULL;
  }
  return &s->base;
}
