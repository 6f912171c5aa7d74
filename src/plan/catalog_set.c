/* catalog_set.c - SET keys: the ones sluice uses (time zone, runtime mode, parallelism, state
 * TTL and memory limits, early firing, batch size), their values checked, Flink keys it does
 * not use accepted with a warning, and --set KEY=VALUE from the command line.
 * Must not touch: tables and queries (catalog.c, bind_*.c). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plan_int.h"

static const char *const known_sets[] = {"table.local-time-zone",
                                         "pipeline.name",
                                         "parallelism.default",
                                         "execution.runtime-mode",
                                         "execution.checkpointing.interval",
                                         "table.exec.source.idle-timeout",
                                         "table.dml-sync",
                                         "sql-client.execution.result-mode",
                                         "table.exec.state.ttl",
                                         "table.exec.emit.early-fire.enabled",
                                         "table.exec.emit.early-fire.delay",
                                         "sluice.batch-size",
                                         "sluice.state.memory-limit",
                                         "pipeline.memory.limit",
                                         NULL};

static bool parse_tz(const char *v, int64_t *off) {
  if (str_ieq(v, "UTC") || str_ieq(v, "GMT") || str_ieq(v, "Z") || str_ieq(v, "Etc/UTC")) {
    *off = 0;
    return true;
  }
  const char *s = v;
  if (!strncasecmp(s, "UTC", 3) || !strncasecmp(s, "GMT", 3)) s += 3;
  if (*s != '+' && *s != '-') return false;
  int sign = *s == '-' ? -1 : 1, h = 0, m = 0;
  s++;
  if (sscanf(s, "%d:%d", &h, &m) < 1 || h > 18 || m > 59) return false;
  *off = sign * ((int64_t)h * 3600 + m * 60) * 1000;
  return true;
}

/* A bad SET value: a usage error for --set, a located one in the pipeline text. */
_Noreturn static void set_fail(binder *b, bool from_cli, const char *key, const char *value,
                               uint32_t val_off, const char *m) {
  if (from_cli) {
    err_set(b->e, SL_EUSAGE, "--set %s=%s: %s", key, value, m);
    longjmp(b->jb, 1);
  }
  plan_fail(b, val_off, "%s", m);
}

static int64_t set_duration(binder *b, bool from_cli, const char *key, const char *value,
                            uint32_t val_off) {
  int64_t ms;
  if (opt_parse_duration(value, &ms) || ms < 0) {
    char m[200];
    snprintf(m, sizeof m, "'%s' must be a duration such as '10 s', '5 min' or '1 h'", key);
    set_fail(b, from_cli, key, value, val_off, m);
  }
  return ms;
}

void plan_bind_set(binder *b, const char *key, const char *value, uint32_t key_off,
                   uint32_t val_off, bool from_cli) {
  sl_pipeline *p = b->p;
  bool known = false;
  for (int i = 0; known_sets[i]; i++) known |= !strcmp(known_sets[i], key);
  if (!strcmp(key, "table.local-time-zone") && !parse_tz(value, &p->tz_offset_ms))
    set_fail(b, from_cli, key, value, val_off,
             "'table.local-time-zone' must be UTC or a fixed offset such as '+02:00' "
             "(named zones are not supported yet)");
  if (!strcmp(key, "sluice.batch-size")) {
    char *end;
    long n = strtol(value, &end, 10);
    if (*end || n < 1 || n > 65536)
      set_fail(b, from_cli, key, value, val_off,
               "'sluice.batch-size' must be a whole number of rows from 1 to 65536");
    p->batch_rows = (int)n;
  }
  if (!strcmp(key, "parallelism.default")) {
    char *end;
    long n = strtol(value, &end, 10);
    if (*end || end == value || n < 1 || n > 256)
      set_fail(b, from_cli, key, value, val_off,
               "'parallelism.default' must be a whole number of workers from 1 to 256");
    p->parallelism = (int)n;
  }
  if (!strcmp(key, "execution.runtime-mode")) {
    if (!str_ieq(value, "streaming") && !str_ieq(value, "batch"))
      set_fail(b, from_cli, key, value, val_off,
               "'execution.runtime-mode' must be 'streaming' or 'batch'");
    p->batch_mode = str_ieq(value, "batch");
  }
  if (!strcmp(key, "table.exec.state.ttl"))
    p->state_ttl_ms = set_duration(b, from_cli, key, value, val_off);
  if (!strcmp(key, "table.exec.source.idle-timeout"))
    p->idle_timeout_ms = set_duration(b, from_cli, key, value, val_off);
  if (!strcmp(key, "execution.checkpointing.interval")) {
    p->checkpoint_ms = set_duration(b, from_cli, key, value, val_off);
    if (p->checkpoint_ms < 10)
      set_fail(b, from_cli, key, value, val_off,
               "'execution.checkpointing.interval' must be at least 10 ms");
  }
  if (!strcmp(key, "table.exec.emit.early-fire.delay"))
    p->early_fire_delay_ms = set_duration(b, from_cli, key, value, val_off);
  if (!strcmp(key, "table.exec.emit.early-fire.enabled")) {
    if (!str_ieq(value, "true") && !str_ieq(value, "false"))
      set_fail(b, from_cli, key, value, val_off,
               "'table.exec.emit.early-fire.enabled' must be 'true' or 'false'");
    p->early_fire = str_ieq(value, "true");
  }
  if (!strcmp(key, "pipeline.memory.limit")) {
    int64_t n;
    if (opt_parse_size(value, &n) || n < 0)
      set_fail(b, from_cli, key, value, val_off,
               "'pipeline.memory.limit' must be a size such as '512mb' or '2gb'");
    p->memory_limit = (size_t)n;
  }
  if (!strcmp(key, "sluice.state.memory-limit")) {
    int64_t n;
    if (opt_parse_size(value, &n) || n < 0)
      set_fail(b, from_cli, key, value, val_off,
               "'sluice.state.memory-limit' must be a size such as '512mb' or '2gb'");
    p->state_limit = (size_t)n;
  }
  if (!known) {
    const char *best =
        str_closest(key, known_sets, (int)(sizeof known_sets / sizeof known_sets[0]) - 1);
    if (from_cli) {
      err_set(b->e, SL_EUSAGE, "--set %s: no table of that name and not a known SET key", key);
      if (best) err_hint(b->e, "did you mean '%s'?", best);
      longjmp(b->jb, 1);
    }
    int line, col;
    src_linecol(&p->src, key_off, &line, &col);
    fprintf(b->o->warnings ? b->o->warnings : stderr,
            "%s:%d:%d: warning: SET '%s' is not used by sluice and is ignored%s%s%s\n", p->src.name,
            line, col, key, best ? " (did you mean '" : "", best ? best : "", best ? "'?)" : "");
  }
  p->sets = xrealloc(p->sets, sizeof(plan_set) * (size_t)(p->nsets + 1));
  p->sets[p->nsets].key = key;
  p->sets[p->nsets].value = value;
  p->nsets++;
}
