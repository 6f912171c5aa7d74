/* test_inventory.c - inventory/: cron schedules as minutes of a week and runs per day. */
#include <stdlib.h>

#include "inventory/inv_int.h"
#include "unit.h"

static bool sched(inv_estate *es, inv_job *j, const char *spec) {
  free(j->fires);
  memset(j, 0, sizeof *j);
  return inv_schedule(es, j, spec);
}

TEST(inventory_schedules) {
  inv_estate es = {0};
  arena_init(&es.a, 0);
  inv_job j = {0};
  CHECK(sched(&es, &j, "0 2 * * *") && j.nfires == 7 && j.fires[0] == 120 && j.runs_per_day == 1);
  CHECK(sched(&es, &j, "*/15 * * * *") && j.nfires == 7 * 96 && j.runs_per_day == 96);
  CHECK(sched(&es, &j, "30 2 * * mon-fri") && j.nfires == 5 && j.fires[0] == 1440 + 150);
  CHECK(sched(&es, &j, "0 4 * * 7") && j.nfires == 1 && j.fires[0] == 240); /* 7 is Sunday */
  CHECK(sched(&es, &j, "@hourly") && j.nfires == 7 * 24 && !strcmp(j.schedule, "@hourly"));
  CHECK(sched(&es, &j, "@reboot") && j.reboot && j.nfires == 0);
  CHECK(sched(&es, &j, "0 0 1 * *") && j.monthly && j.runs_per_day < 0.04);
  CHECK(sched(&es, &j, "5,35 8-9 * jan,jul *") && j.nfires == 28 && j.runs_per_day > 0.66 &&
        j.runs_per_day < 0.67);
  CHECK(!sched(&es, &j, "61 * * * *"));
  CHECK(!sched(&es, &j, "* * * *"));
  CHECK(!sched(&es, &j, "0 2 * * funday"));
  CHECK(!strcmp(inv_minute_text(&es, 1440 + 150), "Mon 02:30"));
  free(j.fires);
  arena_free(&es.a);
}
