/* kafka_source.c - the kafka source: a librdkafka consumer per worker. Unbounded, it subscribes
 * to the topics (or the pattern) as a member of the group 'properties.group.id', so the workers
 * of a run and other sluice processes with the same group share the partitions by Kafka's own
 * rebalancing; bounded ('scan.bounded.mode'), it assigns itself the partitions whose number
 * modulo the workers is its own and ends when each has reached its end offset. Messages are
 * decoded by the table's format (the key by 'key.format' into 'key.fields'), metadata columns
 * filled from the message, and each partition is a split of its own for the watermark (pos.file
 * = the partition's index, pos.line = the offset). Offsets are never auto-committed: mark()
 * remembers the next offset of every partition, durable() commits it (docs/delivery.md). The
 * consumer queue wakes the job's loop through a pipe; nothing busy-waits. Which partitions a
 * bounded read takes, and the partition table: kafka_assign.c. upsert-kafka: the same consumer,
 * keeping the latest row of every key to emit the changelog.
 * Must not touch: what happens to the rows after op_emit, other connectors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kafka.h"

static void cb_fail(ksrc *k, const char *what, const char *msg) {
  if (k->cb_st) return;
  k->cb_st = err_set(&k->cb_err, SL_ERUNTIME, "kafka source '%s': %s: %s", k->base.name, what, msg);
}

/* Start offsets of a partition list by the startup mode (for partitions not seen before). */
static void set_start(ksrc *k, rd_kafka_topic_partition_list_t *l) {
  bool by_time = false;
  for (int i = 0; i < l->cnt; i++) {
    rd_kafka_topic_partition_t *t = &l->elems[i];
    kpart *x = kafka_part_of(k, t->topic, t->partition);
    if (x->seen) { /* back after a rebalance: where the group committed */
      t->offset = RD_KAFKA_OFFSET_STORED;
      continue;
    }
    x->seen = true;
    switch (k->startup) {
    case SM_EARLIEST: t->offset = RD_KAFKA_OFFSET_BEGINNING; break;
    case SM_LATEST: t->offset = RD_KAFKA_OFFSET_END; break;
    case SM_TIMESTAMP:
      t->offset = k->start_ts;
      by_time = true;
      break;
    case SM_SPECIFIC: {
      int64_t o = kafka_specific_offset(k->start_specific, t->partition);
      t->offset = o >= 0 ? o : RD_KAFKA_OFFSET_STORED;
      break;
    }
    default: t->offset = RD_KAFKA_OFFSET_STORED;
    }
  }
  if (by_time) {
    rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(k->rk, l, 10000);
    if (err)
      cb_fail(k, "finding the offsets of 'scan.startup.timestamp-millis'", rd_kafka_err2str(err));
  }
}

static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *l, void *opaque) {
  ksrc *k = opaque;
  bool coop = !strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE");
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    set_start(k, l);
    for (int i = 0; i < l->cnt; i++)
      kafka_part_of(k, l->elems[i].topic, l->elems[i].partition)->assigned = true;
    rd_kafka_error_t *ke = NULL;
    rd_kafka_resp_err_t e2 = RD_KAFKA_RESP_ERR_NO_ERROR;
    if (coop)
      ke = rd_kafka_incremental_assign(rk, l);
    else
      e2 = rd_kafka_assign(rk, l);
    if (ke) {
      cb_fail(k, "assigning partitions", rd_kafka_error_string(ke));
      rd_kafka_error_destroy(ke);
    } else if (e2) {
      cb_fail(k, "assigning partitions", rd_kafka_err2str(e2));
    }
    return;
  }
  /* revoked: their rows after the last committed epoch are read again by the next owner */
  for (int i = 0; i < l->cnt; i++) {
    kpart *x = kafka_part_of(k, l->elems[i].topic, l->elems[i].partition);
    x->assigned = false;
    x->next = -1;
    /* its pending marks are forgotten: were it assigned here again, a mark from before would
     * commit an offset older than its next owner's */
    for (int j = 0; j < k->nmarks; j++)
      rd_kafka_topic_partition_list_del(k->marks[j].offs, x->topic, x->part);
  }
  if (coop) {
    rd_kafka_error_t *ke = rd_kafka_incremental_unassign(rk, l);
    if (ke) rd_kafka_error_destroy(ke);
  } else {
    rd_kafka_assign(rk, NULL);
  }
}

static void on_ready(sl_loop *l, int fd, int mask, void *arg) {
  kafka_drain(fd);
  op_source_ready(arg);
}

/* ---- reading ---- */

static void fill_meta(ksrc *k, const rd_kafka_message_t *m, const kpart *x, sl_value *row) {
  for (int i = 0; i < k->base.ncols; i++) {
    switch (k->meta[i]) {
    case KMETA_TOPIC: row[i] = value_str(x->topic, strlen(x->topic)); break;
    case KMETA_PARTITION: row[i] = value_int(m->partition); break;
    case KMETA_OFFSET: row[i] = value_int(m->offset); break;
    case KMETA_TS: {
      rd_kafka_timestamp_type_t tt;
      int64_t ts = rd_kafka_message_timestamp(m, &tt);
      if (k->base.types[i].id == T_TIMESTAMP) ts += k->tz_offset_ms; /* local time */
      row[i] = tt == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? value_null() : value_int(ts);
      break;
    }
    case KMETA_TSTYPE: {
      rd_kafka_timestamp_type_t tt;
      rd_kafka_message_timestamp(m, &tt);
      const char *s = tt == RD_KAFKA_TIMESTAMP_CREATE_TIME       ? "CreateTime"
                      : tt == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME ? "LogAppendTime"
                                                                 : "NoTimestampType";
      row[i] = value_str(s, strlen(s));
      break;
    }
    case KMETA_HEADERS: { /* a JSON object of the headers (values as strings; null: none) */
      rd_kafka_headers_t *hs = NULL;
      row[i] = value_null();
      if (rd_kafka_message_headers(m, &hs) || !hs) break;
      sl_buf *h = &k->hbuf;
      h->len = 0;
      buf_puts(h, "{");
      const char *name;
      const void *val;
      size_t len;
      for (size_t j = 0; !rd_kafka_header_get_all(hs, j, &name, &val, &len); j++) {
        if (j) buf_puts(h, ",");
        buf_puts(h, "\"");
        fmt_json_escape(name, strlen(name), h);
        buf_puts(h, "\":");
        if (val) {
          buf_puts(h, "\"");
          fmt_json_escape(val, len, h);
          buf_puts(h, "\"");
        } else {
          buf_puts(h, "null");
        }
      }
      buf_puts(h, "}");
      char *s = arena_alloc(&k->b.arena, h->len);
      memcpy(s, h->data, h->len);
      row[i] = value_str(s, h->len);
      break;
    }
    default: break;
    }
  }
}

/* upsert-kafka: the row decoded at b->nrows (key and, unless a tombstone, value) against the
 * key's latest row: +I for a new key, -U old +U new for a changed value, -D old for a
 * tombstone; nothing for an unchanged value or a tombstone of an unknown key. */
static sl_status upsert_row(ksrc *k, bool tombstone, sl_rowpos pos, sl_error *e) {
  sl_batch *b = &k->b;
  sl_op *op = &k->base;
  sl_value *row = batch_row(b, b->nrows);
  k->kpack.len = 0;
  state_key_pack(row, k->key_raw ? &k->key_col : k->kcols, op->types, k->key_raw ? 1 : k->nk,
                 &k->kpack);
  uint64_t h = state_hash(k->kpack.data, k->kpack.len);
  state_entry *en = state_map_find(&k->latest, k->kpack.data, k->kpack.len, h);
  sl_value *old = en ? *(sl_value **)state_entry_val(en) : NULL;
  int nc = b->ncols;
  if (old && !tombstone) { /* unchanged: nothing to say */
    k->rpack.len = 0;
    state_key_pack(row, NULL, op->types, nc, &k->rpack);
    size_t n1 = k->rpack.len;
    state_key_pack(old, NULL, op->types, nc, &k->rpack);
    if (k->rpack.len == 2 * n1 && !memcmp(k->rpack.data, k->rpack.data + n1, n1)) return SL_OK;
  }
  if (tombstone && !old) return SL_OK;
  sl_value *fresh = NULL;
  if (!tombstone) {
    fresh = state_keep_row_alloc(&op->mem, row, op->types, nc);
    if (!fresh) return op_state_full(op, e);
  }
  if (old) { /* the old row goes out first: copied into the batch, its state freed */
    if (!tombstone) memcpy(batch_row(b, b->nrows + 1), row, sizeof(sl_value) * (size_t)nc);
    char *strings = arena_alloc(&b->arena, state_row_extra(old, op->types, nc) + 1);
    state_keep_row(row, old, op->types, nc, strings);
    b->kind[b->nrows] = tombstone ? RK_DELETE : RK_UPDATE_BEFORE;
    b->pos[b->nrows++] = pos;
    state_free_row(&op->mem, old, op->types, nc);
  }
  if (tombstone) {
    state_map_remove(&k->latest, en);
    op_state_rows(op, -1);
    return SL_OK;
  }
  if (!en) {
    bool created;
    en = state_map_upsert(&k->latest, k->kpack.data, k->kpack.len, h, &created);
    if (!en) {
      state_free_row(&op->mem, fresh, op->types, nc);
      return op_state_full(op, e);
    }
    op_state_rows(op, 1);
  }
  *(sl_value **)state_entry_val(en) = fresh;
  b->kind[b->nrows] = old ? RK_UPDATE_AFTER : RK_INSERT;
  b->pos[b->nrows++] = pos;
  return SL_OK;
}

/* One message into the batch (a changelog format may give two rows). */
static sl_status take(ksrc *k, const rd_kafka_message_t *m, kpart *x, sl_error *e) {
  sl_batch *b = &k->b;
  sl_rowpos pos = {(uint32_t)k->source, (uint32_t)x->file, (uint64_t)m->offset};
  char why[512];
  if (!m->payload && !k->upsert) {
    return job_reject(k->base.job, &pos, "decode",
                      "the message has no value (a tombstone): the kafka connector needs one; "
                      "'upsert-kafka' reads tombstones as deletes",
                      m->key, m->key ? m->key_len : 0, e);
  }
  if (k->upsert && !m->key)
    return job_reject(k->base.job, &pos, "decode",
                      "the message has no key: 'upsert-kafka' needs one (the PRIMARY KEY)",
                      m->payload, m->payload ? m->len : 0, e);
  const char *p = m->payload;
  size_t n = m->len;
  for (;;) {
    if (b->nrows + (k->upsert ? 1 : 0) >= b->cap)
      return err_set(e, SL_EINTERNAL, "kafka source: batch overflow");
    sl_value *row = batch_row(b, b->nrows);
    for (int i = 0; i < b->ncols; i++) row[i] = value_null();
    fmt_rec rec = {0};
    sl_status st;
    if (p) {
      for (int i = 0; i < k->nv; i++) k->vrow[i] = value_null();
      st = k->val->vt->decode(k->val, p, n, &rec, k->vrow, &b->arena, why, sizeof why);
      if (st == SL_EDATA) return job_reject(k->base.job, &pos, "decode", why, p, n, e);
      if (st) return st;
      for (int i = 0; i < k->nv; i++) row[k->vcols[i]] = k->vrow[i];
    }
    if (k->key && m->key) {
      fmt_rec kr = {0};
      for (int i = 0; i < k->nk; i++) k->krow[i] = value_null();
      st = k->key->vt->decode(k->key, m->key, m->key_len, &kr, k->krow, &b->arena, why, sizeof why);
      if (st == SL_EDATA)
        return job_reject(k->base.job, &pos, "decode", why, m->key, m->key_len, e);
      if (st) return st;
      for (int i = 0; i < k->nk; i++) row[k->kcols[i]] = k->krow[i];
    } else if (k->key_raw && m->key) {
      char *s = arena_alloc(&b->arena, m->key_len ? m->key_len : 1);
      memcpy(s, m->key, m->key_len);
      row[k->key_col] = value_str(s, m->key_len);
    }
    if (rec.no_row) return SL_OK;
    fill_meta(k, m, x, row);
    if (k->upsert) return upsert_row(k, !p, pos, e);
    b->kind[b->nrows] = rec.kind;
    b->pos[b->nrows] = pos;
    b->nrows++;
    if (!rec.again) return SL_OK;
  }
}

static sl_status ks_pump(sl_op *op, pump_result *res, sl_error *e) {
  ksrc *k = (ksrc *)op;
  if (k->cb_st) return *e = k->cb_err, k->cb_st;
  if (!k->group && k->ndone >= k->nassigned_bounded && k->bounded_mode != BM_UNBOUNDED) {
    *res = PUMP_ENDED;
    return SL_OK;
  }
  int cap = k->b.cap / 2 > 0 ? k->b.cap / 2 : 1; /* room for the second row of an update */
  if (cap > KBATCH) cap = KBATCH;
  ssize_t n = rd_kafka_consume_batch_queue(k->q, 0, k->msgs, (size_t)cap);
  if (k->cb_st) {
    for (ssize_t i = 0; i < n; i++) rd_kafka_message_destroy(k->msgs[i]);
    return *e = k->cb_err, k->cb_st;
  }
  if (n <= 0) {
    *res = PUMP_WAIT;
    return SL_OK;
  }
  sl_status st = SL_OK;
  for (ssize_t i = 0; i < n; i++) {
    rd_kafka_message_t *m = k->msgs[i];
    if (!st && m->err) {
      if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        rd_kafka_resp_err_t fe = rd_kafka_fatal_error(k->rk, NULL, 0);
        if (fe || m->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
            m->err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED)
          st = err_set(e, SL_ERUNTIME, "kafka source '%s': %s", op->name,
                       rd_kafka_message_errstr(m));
        else /* transient (a broker down): librdkafka retries */
          fprintf(stderr, "sluice: kafka source '%s': %s (retrying)\n", op->name,
                  rd_kafka_message_errstr(m));
      }
    } else if (!st) {
      kpart *x = kafka_part_of(k, rd_kafka_topic_name(m->rkt), m->partition);
      if (x->done || m->offset >= x->end) {
        if (!x->done) {
          x->done = true;
          k->ndone++;
        }
      } else {
        st = take(k, m, x, e);
        x->next = m->offset + 1;
        if (x->next >= x->end && !x->done) {
          x->done = true;
          k->ndone++;
        }
      }
    }
  }
  if (!st) {
    op->job->sources[k->source].rows_read += (uint64_t)k->b.nrows;
    st = op_emit(op, &k->b, e);
  }
  /* only now: a decoder's strings may point into the messages' payloads */
  for (ssize_t i = 0; i < n; i++) rd_kafka_message_destroy(k->msgs[i]);
  batch_clear(&k->b);
  if (st) return st;
  *res = PUMP_EMITTED;
  return st;
}

/* ---- delivery ---- */

static sl_status ks_mark(sl_op *op, uint64_t epoch, sl_error *e) {
  ksrc *k = (ksrc *)op;
  if (!k->commit) return SL_OK;
  if (k->nmarks == KMARKS) { /* the oldest goes: a newer mark covers it */
    rd_kafka_topic_partition_list_destroy(k->marks[0].offs);
    memmove(k->marks, k->marks + 1, sizeof(kmark) * (KMARKS - 1));
    k->nmarks--;
  }
  rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(k->nparts + 1);
  for (int i = 0; i < k->nparts; i++)
    if (k->parts[i].assigned && k->parts[i].next >= 0)
      rd_kafka_topic_partition_list_add(l, k->parts[i].topic, k->parts[i].part)->offset =
          k->parts[i].next;
  k->marks[k->nmarks++] = (kmark){epoch, l};
  return SL_OK;
}

static sl_status ks_durable(sl_op *op, uint64_t epoch, sl_error *e) {
  ksrc *k = (ksrc *)op;
  int last = -1;
  for (int i = 0; i < k->nmarks; i++)
    if (k->marks[i].epoch <= epoch) last = i;
  if (last < 0) return SL_OK;
  rd_kafka_topic_partition_list_t *l = k->marks[last].offs,
                                  *mine = rd_kafka_topic_partition_list_new(l->cnt + 1);
  for (int i = 0; i < l->cnt; i++) { /* a partition revoked since is someone else's now */
    kpart *x = kafka_part_of(k, l->elems[i].topic, l->elems[i].partition);
    if (x->assigned)
      rd_kafka_topic_partition_list_add(mine, x->topic, x->part)->offset = l->elems[i].offset;
  }
  if (mine->cnt) {
    /* asynchronous while running; at the end synchronous, before the consumer closes */
    rd_kafka_resp_err_t err = rd_kafka_commit(k->rk, mine, op->ended ? 0 : 1);
    if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET)
      fprintf(stderr,
              "sluice: kafka source '%s': committing offsets: %s (the next commit covers them)\n",
              op->name, rd_kafka_err2str(err));
  }
  rd_kafka_topic_partition_list_destroy(mine);
  for (int i = 0; i <= last; i++) rd_kafka_topic_partition_list_destroy(k->marks[i].offs);
  memmove(k->marks, k->marks + last + 1, sizeof(kmark) * (size_t)(k->nmarks - last - 1));
  k->nmarks -= last + 1;
  return SL_OK;
}

static sl_status ks_stop(sl_op *op, bool publish, sl_error *e) { return SL_OK; }

static void ks_describe(const sl_op *op, sl_buf *out) {
  const ksrc *k = (const ksrc *)op;
  buf_printf(out, "kafka %s", k->group ? "consumer group member" : "partitions by number");
  if (k->bounded_mode != BM_UNBOUNDED) buf_puts(out, ", bounded");
}

static void ks_free(sl_op *op) {
  ksrc *k = (ksrc *)op;
  if (k->rk) {
    if (k->fds[0] >= 0) loop_del_fd(op->job->loop, k->fds[0]);
    rd_kafka_queue_io_event_enable(k->q, -1, NULL, 0);
    rd_kafka_queue_destroy(k->q);
    rd_kafka_consumer_close(k->rk); /* commits nothing: auto-commit is off */
    rd_kafka_destroy(k->rk);
  }
  if (k->fds[0] >= 0) close(k->fds[0]);
  if (k->fds[1] >= 0) close(k->fds[1]);
  for (int i = 0; i < k->nmarks; i++) rd_kafka_topic_partition_list_destroy(k->marks[i].offs);
  if (k->upsert) {
    size_t it = 0;
    for (state_entry *en; (en = state_map_next(&k->latest, &it));)
      state_free_row(&op->mem, *(sl_value **)state_entry_val(en), op->types, op->ncols);
    state_map_free(&k->latest);
  }
  buf_free(&k->kpack);
  buf_free(&k->hbuf);
  buf_free(&k->rpack);
  for (int i = 0; i < k->nparts; i++) free(k->parts[i].topic);
  free(k->parts);
  if (k->val) k->val->vt->free(k->val);
  if (k->key) k->key->vt->free(k->key);
  free(k->meta);
  free(k->vcols);
  free(k->kcols);
  free(k->vrow);
  free(k->krow);
  free(k->vnames);
  free(k->knames);
  free(k->vtypes);
  free(k->ktypes);
  free(k->vneed);
  free(k->kneed);
  batch_free(&k->b);
  free(k);
}

static int64_t ks_frontier(const sl_op *op) { return WM_NONE; }

/* upsert-kafka: the same source with the latest row of every key (explain and the summary
 * show it); it holds no barrier (a restart reads the topic from the start again). */
static const op_vt ks_upsert_vt = {.kind = "Source",
                                   .pump = ks_pump,
                                   .stop = ks_stop,
                                   .describe = ks_describe,
                                   .free = ks_free,
                                   .mark = ks_mark,
                                   .durable = ks_durable,
                                   .keeps = "the latest row of every key",
                                   .frontier = ks_frontier};

static const op_vt ks_vt = {.kind = "Source",
                            .pump = ks_pump,
                            .stop = ks_stop,
                            .describe = ks_describe,
                            .free = ks_free,
                            .mark = ks_mark,
                            .durable = ks_durable};

static int enum_index(const char *v, const char *choices) {
  int i = 0;
  for (const char *p = choices; *p; i++) {
    const char *q = strchr(p, '|');
    size_t len = q ? (size_t)(q - p) : strlen(p);
    if (strlen(v) == len && !strncmp(v, p, len)) return i;
    if (!q) break;
    p = q + 1;
  }
  return 0;
}

static const opt_def *find_opt(const char *key) {
  for (const opt_def *d = kafka_opts; d->key; d++)
    if (!strcmp(d->key, key)) return d;
  return NULL;
}

/* The decoders: the value's fields are the table's columns but metadata (and but the key's
 * with EXCEPT_KEY), in order; the key's are 'key.fields', named without 'key.fields-prefix'.
 * Each decodes into its own row, scattered into the table's. */
static sl_status make_decoders(ksrc *k, const conn_ctx *c, sl_error *e) {
  int nk;
  int *kcols = kafka_key_fields(c, &nk, e);
  if (!kcols) return SL_EUSAGE;
  int nc = c->schema.ncols;
  bool except = !strcmp(opt_get(&c->opts, kafka_opts, "value.fields-include"), "EXCEPT_KEY");
  k->vcols = xcalloc((size_t)nc + 1, sizeof(int));
  k->vnames = xcalloc((size_t)nc + 1, sizeof(char *));
  k->vtypes = xcalloc((size_t)nc + 1, sizeof(sl_type));
  bool *vneed = xcalloc((size_t)nc + 1, 1), *kneed = xcalloc((size_t)nk + 1, 1);
  for (int i = 0; i < nc; i++) {
    bool iskey = false;
    for (int j = 0; j < nk; j++) iskey |= kcols[j] == i;
    if (k->meta[i] != KMETA_NONE || (except && iskey)) continue;
    vneed[k->nv] = !c->schema.needed || c->schema.needed[i];
    k->vnames[k->nv] = c->schema.names[i];
    k->vtypes[k->nv] = c->schema.types[i];
    k->vcols[k->nv++] = i;
  }
  k->vrow = xcalloc((size_t)k->nv + 1, sizeof(sl_value));
  fmt_schema vs = c->schema;
  vs.ncols = k->nv;
  vs.names = k->vnames;
  vs.types = k->vtypes;
  vs.needed = vneed;
  vs.nest = NULL;
  const char *kf = opt_get(&c->opts, kafka_opts, "key.format");
  sl_status st = SL_OK;
  if (nk && !kf) {
    st = err_set(e, SL_EUSAGE, "table '%s': 'key.fields' needs 'key.format'", c->table);
  } else if (kf && !nk) {
    st = err_set(e, SL_EUSAGE, "table '%s': 'key.format' needs 'key.fields'", c->table);
  } else if (kf && !strcmp(kf, "raw")) {
    if (nk != 1 || c->schema.types[kcols[0]].id != T_STRING)
      st = err_set(e, SL_EUSAGE,
                   "table '%s': 'key.format' = 'raw' takes one STRING column in 'key.fields'",
                   c->table);
    k->key_raw = true;
    k->key_col = kcols[0];
  } else if (kf) {
    const fmt_def *fd = fmt_lookup(kf);
    if (!fd || fd->changelog) {
      st =
          err_set(e, SL_EUSAGE, "table '%s': 'key.format' must be 'json', 'csv' or 'raw', not '%s'",
                  c->table, kf);
    } else {
      const char *prefix = opt_get(&c->opts, kafka_opts, "key.fields-prefix");
      size_t pl = prefix ? strlen(prefix) : 0;
      k->knames = xcalloc((size_t)nk + 1, sizeof(char *));
      k->ktypes = xcalloc((size_t)nk + 1, sizeof(sl_type));
      for (int j = 0; j < nk; j++) {
        const char *nm = c->schema.names[kcols[j]];
        k->knames[j] = pl && !strncmp(nm, prefix, pl) ? nm + pl : nm;
        k->ktypes[j] = c->schema.types[kcols[j]];
        kneed[j] = !c->schema.needed || c->schema.needed[kcols[j]];
      }
      fmt_schema ks = c->schema;
      ks.ncols = nk;
      ks.names = k->knames;
      ks.types = k->ktypes;
      ks.needed = kneed;
      ks.nest = NULL;
      opt_list none = {NULL, 0};
      k->key = fd->decoder_new(&ks, &none);
      k->krow = xcalloc((size_t)nk + 1, sizeof(sl_value));
      k->kcols = kcols;
      k->nk = nk;
      kcols = NULL;
    }
  }
  if (!st) k->val = c->fmt->decoder_new(&vs, &c->opts);
  k->vneed = vneed;
  k->kneed = kneed;
  free(kcols);
  return st;
}

sl_op *kafka_source_new(const conn_ctx *c, sl_error *e) {
  const opt_list *o = &c->opts;
  const char *topic = opt_get(o, kafka_opts, "topic"),
             *pattern = opt_get(o, kafka_opts, "topic-pattern");
  if (!topic && !pattern) {
    err_set(e, SL_EUSAGE, "table '%s': the kafka source needs 'topic' or 'topic-pattern'",
            c->table);
    return NULL;
  }
  if (topic && pattern) {
    err_set(e, SL_EUSAGE, "table '%s': give 'topic' or 'topic-pattern', not both", c->table);
    return NULL;
  }
  ksrc *k = xcalloc(1, sizeof *k);
  k->upsert = kafka_is_upsert(c);
  op_init(&k->base, k->upsert ? &ks_upsert_vt : &ks_vt, c->job, c->table);
  k->fds[0] = k->fds[1] = -1;
  k->source = c->source_index;
  k->startup = enum_index(opt_get(o, kafka_opts, "scan.startup.mode"),
                          find_opt("scan.startup.mode")->choices);
  k->bounded_mode = enum_index(opt_get(o, kafka_opts, "scan.bounded.mode"),
                               find_opt("scan.bounded.mode")->choices);
  k->base.bounded = k->bounded_mode != BM_UNBOUNDED;
  k->base.ncols = c->schema.ncols;
  k->base.cols = c->schema.names;
  k->base.types = c->schema.types;
  k->base.updating = (c->fmt && c->fmt->changelog) || k->upsert;
  if (k->upsert) { /* the latest value of a key may be anywhere in the topic */
    k->startup = SM_EARLIEST;
    state_map_init(&k->latest, &k->base.mem, sizeof(sl_value *));
  }
  k->tz_offset_ms = c->schema.tz_offset_ms;
  batch_init(&k->b, c->schema.ncols, c->job->batch_rows);
  k->meta = xcalloc((size_t)c->schema.ncols + 1, 1);
  for (int i = 0; c->meta && i < c->schema.ncols; i++) {
    const char *m = c->meta[i];
    if (!m) continue;
    k->meta[i] = !strcmp(m, "topic")       ? KMETA_TOPIC
                 : !strcmp(m, "partition") ? KMETA_PARTITION
                 : !strcmp(m, "offset")    ? KMETA_OFFSET
                 : !strcmp(m, "timestamp") ? KMETA_TS
                 : !strcmp(m, "headers")   ? KMETA_HEADERS
                                           : KMETA_TSTYPE;
  }
  const char *ts = opt_get(o, kafka_opts, "scan.startup.timestamp-millis");
  k->start_ts = ts ? strtoll(ts, NULL, 10) : -1;
  k->start_specific = opt_get(o, kafka_opts, "scan.startup.specific-offsets");
  const char *bad = NULL;
  if (k->startup == SM_TIMESTAMP && !ts)
    bad = "'scan.startup.mode' = 'timestamp' needs 'scan.startup.timestamp-millis'";
  if (k->startup == SM_SPECIFIC && !kafka_spec_ok(k->start_specific))
    bad = "'scan.startup.mode' = 'specific-offsets' needs 'scan.startup.specific-offsets' as "
          "'partition:0,offset:42;partition:1,offset:300'";
  if (k->bounded_mode == BM_TIMESTAMP && !opt_get(o, kafka_opts, "scan.bounded.timestamp-millis"))
    bad = "'scan.bounded.mode' = 'timestamp' needs 'scan.bounded.timestamp-millis'";
  if (k->bounded_mode == BM_SPECIFIC &&
      !kafka_spec_ok(opt_get(o, kafka_opts, "scan.bounded.specific-offsets")))
    bad = "'scan.bounded.mode' = 'specific-offsets' needs 'scan.bounded.specific-offsets' as "
          "'partition:0,offset:42;...'";
  if (k->bounded_mode != BM_UNBOUNDED && pattern)
    bad = "'topic-pattern' is read unbounded only: name the topics in 'topic'";
  if (k->upsert && c->fmt && c->fmt->changelog)
    bad = "'upsert-kafka' takes a format of plain records in 'value.format' ('json', 'csv' ...): "
          "the changes come from the keys";
  const char *gid = kafka_prop(o, "group.id");
  if (!bad && (k->startup == SM_GROUP || k->bounded_mode == BM_GROUP) &&
      k->bounded_mode != BM_UNBOUNDED && !gid)
    bad = "'group-offsets' needs 'properties.group.id'";
  if (bad) {
    err_set(e, SL_EUSAGE, "table '%s': %s", c->table, bad);
    ks_free(&k->base);
    return NULL;
  }
  if (make_decoders(k, c, e)) {
    ks_free(&k->base);
    return NULL;
  }
  k->group = k->bounded_mode == BM_UNBOUNDED;
  if (c->dry) return &k->base;
  k->commit = gid != NULL;
  /* new partitions and topics: librdkafka's metadata refresh, which a subscription follows */
  char discovery[32];
  int64_t disc_ms = 30000;
  const char *dv = opt_get(o, kafka_opts, "scan.topic-partition-discovery.interval");
  if (dv && opt_parse_duration(dv, &disc_ms) != SL_OK) disc_ms = 30000;
  snprintf(discovery, sizeof discovery, "%lld", (long long)(disc_ms > 0 ? disc_ms : 30000));
  char autogid[128];
  /* without a group of its own, the workers of this run still share the partitions */
  snprintf(autogid, sizeof autogid, "sluice-%s-%d", c->table, (int)getpid());
  const char *defaults[] = {"enable.auto.commit",
                            "false",
                            "enable.auto.offset.store",
                            "false",
                            "auto.offset.reset",
                            "earliest",
                            "queued.min.messages",
                            "1000000",
                            "fetch.wait.max.ms",
                            "100",
                            "queued.max.messages.kbytes",
                            "65536",
                            "topic.metadata.refresh.interval.ms",
                            discovery,
                            "log_level",
                            "3",
                            "group.id",
                            gid ? gid : autogid,
                            NULL};
  rd_kafka_conf_t *conf = kafka_conf(c, defaults, e);
  if (!conf) {
    ks_free(&k->base);
    return NULL;
  }
  char err[512];
  rd_kafka_conf_set_opaque(conf, k);
  if (k->group) rd_kafka_conf_set_rebalance_cb(conf, on_rebalance);
  k->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!k->rk) {
    err_set(e, SL_EUSAGE, "table '%s': cannot create the Kafka consumer: %s", c->table, err);
    ks_free(&k->base);
    return NULL;
  }
  rd_kafka_poll_set_consumer(k->rk);
  k->q = rd_kafka_queue_get_consumer(k->rk);
  if (kafka_queue_pipe(k->q, c->job->loop, on_ready, k, k->fds) != 0) {
    err_set(e, SL_ERUNTIME, "table '%s': cannot watch the Kafka consumer", c->table);
    ks_free(&k->base);
    return NULL;
  }
  sl_status st = SL_OK;
  if (k->group) {
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(4);
    if (pattern) {
      size_t n = strlen(pattern) + 2; /* librdkafka takes a topic starting with ^ as a regex */
      char *re = xmalloc(n);
      snprintf(re, n, "%s%s", pattern[0] == '^' ? "" : "^", pattern);
      rd_kafka_topic_partition_list_add(l, re, RD_KAFKA_PARTITION_UA);
      free(re);
    }
    for (const char *p = topic; p && *p;) {
      const char *q = strchr(p, ';');
      char *name = xstrndup(p, q ? (size_t)(q - p) : strlen(p));
      rd_kafka_topic_partition_list_add(l, name, RD_KAFKA_PARTITION_UA);
      free(name);
      p = q ? q + 1 : NULL;
    }
    rd_kafka_resp_err_t rerr = rd_kafka_subscribe(k->rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (rerr)
      st = err_set(e, SL_ERUNTIME, "kafka source '%s': cannot subscribe: %s", c->table,
                   rd_kafka_err2str(rerr));
  } else {
    st = kafka_bounded_assign(k, c, e);
  }
  if (st) {
    ks_free(&k->base);
    return NULL;
  }
  return &k->base;
}
