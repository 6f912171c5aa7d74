/* kafka_assign.c - which partitions a kafka source reads and from where: the table of the
 * partitions it has seen (each a split of its own for the watermark, registered in the job's
 * source as topic + partition), 'partition:0,offset:42;...' offsets, and the bounded read's
 * assignment (partitions by number modulo the workers, start and end offsets by the startup
 * and bounded modes). The consumer itself is kafka_source.c.
 * Must not touch: messages and rows (kafka_source.c decodes them). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka.h"

kpart *kafka_part_of(ksrc *k, const char *topic, int32_t p) {
  if (k->last < k->nparts && k->parts[k->last].part == p && !strcmp(k->parts[k->last].topic, topic))
    return &k->parts[k->last];
  for (int i = 0; i < k->nparts; i++)
    if (k->parts[i].part == p && !strcmp(k->parts[i].topic, topic)) return &k->parts[k->last = i];
  k->parts = xrealloc(k->parts, sizeof(kpart) * (size_t)(k->nparts + 1));
  kpart *x = &k->parts[k->nparts];
  memset(x, 0, sizeof *x);
  x->topic = xstrdup(topic);
  x->part = p;
  x->next = -1;
  x->end = INT64_MAX;
  job_source *s = &k->base.job->sources[k->source];
  s->files = xrealloc(s->files, sizeof(char *) * (size_t)(s->nfiles + 1));
  s->partitions = xrealloc(s->partitions, sizeof(int32_t) * (size_t)(s->nfiles + 1));
  s->files[s->nfiles] = xstrdup(topic);
  s->partitions[s->nfiles] = p;
  x->file = s->nfiles++;
  k->last = k->nparts;
  return &k->parts[k->nparts++];
}

/* 'partition:0,offset:42;partition:1,offset:300' -> the offset of partition p, or -1. */
int64_t kafka_specific_offset(const char *spec, int32_t p) {
  for (const char *s = spec; s && *s;) {
    int part;
    long long off;
    if (sscanf(s, "partition:%d,offset:%lld", &part, &off) == 2 && part == p) return off;
    s = strchr(s, ';');
    if (s) s++;
  }
  return -1;
}

bool kafka_spec_ok(const char *spec) {
  if (!spec || !*spec) return false;
  for (const char *s = spec; *s;) {
    int part, n = 0;
    long long off;
    if (sscanf(s, "partition:%d,offset:%lld%n", &part, &off, &n) != 2 || part < 0 || off < 0)
      return false;
    s += n;
    if (*s == ';')
      s++;
    else if (*s)
      return false;
  }
  return true;
}

/* ---- bounded: partitions by number, start and end offsets ---- */

sl_status kafka_bounded_assign(ksrc *k, const conn_ctx *c, sl_error *e) {
  const char *topics = opt_get(&c->opts, kafka_opts, "topic");
  rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(8);
  int global = 0;
  for (const char *p = topics; p && *p;) {
    const char *q = strchr(p, ';');
    char *name = xstrndup(p, q ? (size_t)(q - p) : strlen(p));
    rd_kafka_topic_t *t = rd_kafka_topic_new(k->rk, name, NULL);
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t err = rd_kafka_metadata(k->rk, 0, t, &md, 10000);
    if (!err && (md->topic_cnt != 1 || md->topics[0].err))
      err = md->topic_cnt ? md->topics[0].err : RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
    if (err) {
      if (md) rd_kafka_metadata_destroy(md);
      rd_kafka_topic_destroy(t);
      rd_kafka_topic_partition_list_destroy(l);
      err_set(e, SL_ERUNTIME, "kafka source '%s': cannot read the partitions of topic '%s': %s",
              k->base.name, name, rd_kafka_err2str(err));
      free(name);
      return SL_ERUNTIME;
    }
    for (int i = 0; i < md->topics[0].partition_cnt; i++, global++)
      if (global % c->nworkers == c->worker)
        rd_kafka_topic_partition_list_add(l, name, md->topics[0].partitions[i].id);
    rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(t);
    free(name);
    p = q ? q + 1 : NULL;
  }
  if (k->startup == SM_GROUP || k->bounded_mode == BM_GROUP) {
    if (k->commit) rd_kafka_committed(k->rk, l, 10000);
  }
  /* ends */
  rd_kafka_topic_partition_list_t *ends = rd_kafka_topic_partition_list_copy(l);
  for (int i = 0; i < ends->cnt; i++) {
    rd_kafka_topic_partition_t *t = &ends->elems[i];
    int64_t lo = 0, hi = 0;
    rd_kafka_resp_err_t err =
        rd_kafka_query_watermark_offsets(k->rk, t->topic, t->partition, &lo, &hi, 10000);
    if (err) {
      rd_kafka_topic_partition_list_destroy(ends);
      rd_kafka_topic_partition_list_destroy(l);
      return err_set(e, SL_ERUNTIME, "kafka source '%s': cannot read the end offsets of '%s': %s",
                     k->base.name, t->topic, rd_kafka_err2str(err));
    }
    int64_t end = hi;
    if (k->bounded_mode == BM_SPECIFIC) {
      int64_t o = kafka_specific_offset(
          opt_get(&c->opts, kafka_opts, "scan.bounded.specific-offsets"), t->partition);
      end = o >= 0 ? o : hi;
    } else if (k->bounded_mode == BM_GROUP) {
      end = l->elems[i].offset >= 0 ? l->elems[i].offset : 0;
    }
    t->offset = end;
    kpart *x = kafka_part_of(k, t->topic, t->partition);
    x->end = end;
    x->assigned = true;
    x->seen = true;
  }
  if (k->bounded_mode == BM_TIMESTAMP) {
    const char *ts = opt_get(&c->opts, kafka_opts, "scan.bounded.timestamp-millis");
    for (int i = 0; i < ends->cnt; i++) ends->elems[i].offset = ts ? strtoll(ts, NULL, 10) : 0;
    rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(k->rk, ends, 10000);
    if (err) {
      rd_kafka_topic_partition_list_destroy(ends);
      rd_kafka_topic_partition_list_destroy(l);
      return err_set(e, SL_ERUNTIME,
                     "kafka source '%s': cannot find the offsets of "
                     "'scan.bounded.timestamp-millis': %s",
                     k->base.name, rd_kafka_err2str(err));
    }
    for (int i = 0; i < ends->cnt; i++) {
      kpart *x = kafka_part_of(k, ends->elems[i].topic, ends->elems[i].partition);
      if (ends->elems[i].offset >= 0) x->end = ends->elems[i].offset;
    }
  }
  /* starts: the startup mode; a group's committed offsets were read above */
  for (int i = 0; i < l->cnt; i++) {
    rd_kafka_topic_partition_t *t = &l->elems[i];
    int64_t committed = t->offset;
    switch (k->startup) {
    case SM_EARLIEST: t->offset = RD_KAFKA_OFFSET_BEGINNING; break;
    case SM_LATEST: t->offset = RD_KAFKA_OFFSET_END; break;
    case SM_TIMESTAMP: t->offset = k->start_ts; break;
    case SM_SPECIFIC: {
      int64_t o = kafka_specific_offset(k->start_specific, t->partition);
      t->offset = o >= 0 ? o : committed >= 0 ? committed : RD_KAFKA_OFFSET_BEGINNING;
      break;
    }
    default: t->offset = committed >= 0 ? committed : RD_KAFKA_OFFSET_BEGINNING;
    }
  }
  if (k->startup == SM_TIMESTAMP) rd_kafka_offsets_for_times(k->rk, l, 10000);
  rd_kafka_topic_partition_list_destroy(ends);
  /* a partition already at its end (or empty) is done before it starts */
  for (int i = 0; i < l->cnt; i++) {
    kpart *x = kafka_part_of(k, l->elems[i].topic, l->elems[i].partition);
    int64_t start = l->elems[i].offset;
    if (start == RD_KAFKA_OFFSET_BEGINNING) {
      int64_t lo = 0, hi = 0;
      if (!rd_kafka_query_watermark_offsets(k->rk, x->topic, x->part, &lo, &hi, 10000)) start = lo;
    }
    if (start == RD_KAFKA_OFFSET_END || (start >= 0 && start >= x->end) || x->end == 0) {
      x->done = true;
      k->ndone++;
    }
  }
  k->nassigned_bounded = l->cnt;
  rd_kafka_resp_err_t err = rd_kafka_assign(k->rk, l);
  rd_kafka_topic_partition_list_destroy(l);
  if (err)
    return err_set(e, SL_ERUNTIME, "kafka source '%s': cannot assign partitions: %s", k->base.name,
                   rd_kafka_err2str(err));
  return SL_OK;
}
