/* mock_broker.c - the Kafka of the tests: librdkafka's mock cluster in its own process.
 *   build/kafka_mock [--brokers N] [TOPIC:PARTITIONS ...]
 * creates the cluster (brokers 1..N on 127.0.0.1, ephemeral ports) and the topics, prints
 * `BOOTSTRAP host:port,...` on stdout, then serves until stdin ends or SIGTERM/SIGINT. Commands
 * on stdin, one per line (each answered with `ok` or `error ...` on stdout):
 *   topic NAME PARTITIONS      create a topic
 *   down BROKER | up BROKER    a broker refuses connections / accepts them again
 *   leader TOPIC PART BROKER   move a partition's leader
 *   errors APIKEY ERR COUNT    the next COUNT requests of that API key fail with ERR
 * The mock keeps everything in memory: data is gone when it exits. Not part of sluice. */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t stop;
static void on_sig(int s) { stop = s; }

int main(int argc, char **argv) {
  int brokers = 3, first = 1;
  if (argc > 2 && !strcmp(argv[1], "--brokers")) {
    brokers = atoi(argv[2]);
    first = 3;
  }
  char err[256];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk) {
    fprintf(stderr, "kafka_mock: %s\n", err);
    return 1;
  }
  rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
  if (!mc) {
    fprintf(stderr, "kafka_mock: cannot create the mock cluster\n");
    return 1;
  }
  for (int i = first; i < argc; i++) {
    char name[256];
    int parts = 1;
    if (sscanf(argv[i], "%255[^:]:%d", name, &parts) < 1) continue;
    if (rd_kafka_mock_topic_create(mc, name, parts, brokers < 3 ? brokers : 3)) {
      fprintf(stderr, "kafka_mock: cannot create topic %s\n", name);
      return 1;
    }
  }
  struct sigaction sa = {0};
  sa.sa_handler = on_sig;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  printf("BOOTSTRAP %s\n", rd_kafka_mock_cluster_bootstraps(mc));
  fflush(stdout);
  char line[512];
  while (!stop && fgets(line, sizeof line, stdin)) {
    char a[256] = "", b[256] = "";
    int x = 0, y = 0, z = 0, r = 1;
    if (sscanf(line, "topic %255s %d", a, &x) == 2)
      r = rd_kafka_mock_topic_create(mc, a, x, brokers < 3 ? brokers : 3) != 0;
    else if (sscanf(line, "down %d", &x) == 1)
      r = rd_kafka_mock_broker_set_down(mc, x) != 0;
    else if (sscanf(line, "up %d", &x) == 1)
      r = rd_kafka_mock_broker_set_up(mc, x) != 0;
    else if (sscanf(line, "leader %255s %d %d", a, &x, &y) == 3)
      r = rd_kafka_mock_partition_set_leader(mc, a, x, y) != 0;
    else if (sscanf(line, "errors %d %d %d", &x, &y, &z) == 3) {
      rd_kafka_resp_err_t *errs = calloc((size_t)(z > 0 ? z : 1), sizeof *errs);
      for (int i = 0; i < z; i++) errs[i] = (rd_kafka_resp_err_t)y;
      rd_kafka_mock_push_request_errors_array(mc, (int16_t)x, (size_t)z, errs);
      free(errs);
      r = 0;
    }
    (void)b;
    printf(r ? "error %s" : "ok\n", line);
    fflush(stdout);
  }
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return 0;
}
