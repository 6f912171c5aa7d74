# lib/kafka.sh - sourced (after lib/setup.sh) by the e2e scripts that need Kafka (not a test
# itself). kafka_start TOPIC:PARTITIONS... starts build/kafka_mock (librdkafka's mock cluster,
# 3 brokers on 127.0.0.1) in its own process and exports KB, its bootstrap list; kafka_cmd
# sends it a command (topic NAME N | down B | up B | leader TOPIC PART B | errors KEY ERR N).
# Produce and consume with kcat: kproduce TOPIC reads "key:value" lines (or values with -v),
# kconsume TOPIC prints "key value" lines of the whole topic. The mock stops at exit.
KAFKA_MOCK=${KAFKA_MOCK:-$ROOT/build/kafka_mock}
kafka_start() {
  mkfifo "$T/kafka.ctl"
  "$KAFKA_MOCK" "$@" <"$T/kafka.ctl" >"$T/kafka.out" 2>"$T/kafka.err" &
  pids+=($!)
  exec 7>"$T/kafka.ctl" # keeps the mock's stdin open
  local i
  for i in $(seq 1 100); do
    KB=$(awk '/^BOOTSTRAP/ {print $2}' "$T/kafka.out" 2>/dev/null)
    [ -n "$KB" ] && break
    sleep 0.1
  done
  [ -n "$KB" ] || { cat "$T/kafka.err"; return 1; }
  export KB
}
kafka_cmd() {
  local n
  n=$(grep -c . "$T/kafka.out")
  echo "$*" >&7
  local i
  for i in $(seq 1 50); do
    [ "$(grep -c . "$T/kafka.out")" -gt "$n" ] && return 0
    sleep 0.1
  done
  return 1
}
kproduce() { kcat -P -b "$KB" -t "$1" -K: 2>>"$T/kcat.err"; }
kproduce_values() { kcat -P -b "$KB" -t "$1" 2>>"$T/kcat.err"; }
kconsume() { kcat -C -b "$KB" -t "$1" -e -q -f '%k %s\n' 2>>"$T/kcat.err"; }
