#!/usr/bin/env python3
"""bench/kafka.py - Kafka -> filter/project -> Kafka, messages per CPU-second of sluice.
build/kafka_mock (librdkafka's mock cluster, in its own process) holds a topic of
SLUICE_BENCH_KAFKA_MSGS (default 1,000,000) JSON messages of about 100 bytes on 32 partitions
(the mock keeps at most 5 MB a partition; keyed by id, so they spread evenly). Each round reads the whole topic once with sluice (a
bounded read: earliest to the end offsets, WHERE status = 'ok', three of six fields, into a
fresh 32-partition topic through the idempotent producer) and once with
`kcat -C | jq -c 'select(.status == "ok") | {id, amount, user}' | kcat -P` into another fresh
topic, alternating (A B A B, SLUICE_BENCH_ROUNDS rounds, default 3; each side's best round
counts). CPU time is user + system of each process and its threads (wait4; the kcat/jq side is
the sum of its three processes); the mock's own CPU during each run is reported apart (from
/proc). Both outputs must hold the same number of messages. Prints a table and, last, the
figures as one JSON line.
Usage: python3 bench/kafka.py [path/to/sluice]
"""
import json
import os
import random
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("SLUICE_PARALLELISM", "1")  # per-core figures

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
N = int(os.environ.get("SLUICE_BENCH_KAFKA_MSGS", "1000000"))
ROUNDS = int(os.environ.get("SLUICE_BENCH_ROUNDS", "3"))
PARTS = 32
TICK = os.sysconf("SC_CLK_TCK")

SQL = """CREATE TABLE src (id BIGINT, `user` STRING, status STRING, amount DOUBLE, ts BIGINT,
  pad STRING) WITH ('connector' = 'kafka', 'topic' = 'in', 'properties.bootstrap.servers' = '%s',
  'scan.startup.mode' = 'earliest-offset', 'scan.bounded.mode' = 'latest-offset',
  'format' = 'json');
CREATE TABLE dst (id BIGINT, amount DOUBLE, `user` STRING) WITH ('connector' = 'kafka',
  'topic' = '%s', 'properties.bootstrap.servers' = '%s', 'format' = 'json');
INSERT INTO dst SELECT id, amount, `user` FROM src WHERE status = 'ok';
"""
JQ = 'select(.status == "ok") | {id, amount, user}'


def proc_cpu(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


class Mock:
    def __init__(self, topics):
        self.p = subprocess.Popen([os.path.join(ROOT, "build", "kafka_mock")] + topics,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True)
        line = self.p.stdout.readline()
        if not line.startswith("BOOTSTRAP "):
            sys.exit("kafka_mock did not start")
        self.bootstrap = line.split()[1]

    def cmd(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        self.p.stdout.readline()  # its answer

    def cpu(self):
        return proc_cpu(self.p.pid)

    def stop(self):
        self.p.stdin.close()
        self.p.wait()


def waited(procs, what):
    """CPU seconds of the processes (wait4 each); fails on a non-zero exit."""
    cpu = 0.0
    for p in procs:
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        if p.returncode != 0:
            sys.exit("failed: %s (exit %d)" % (what, p.returncode))
        cpu += ru.ru_utime + ru.ru_stime
    return cpu


def count(kb, topic):
    out = subprocess.run(["kcat", "-C", "-b", kb, "-t", topic, "-e", "-q", "-f", "x\n"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True)
    return out.stdout.count(b"\n")


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build", "sluice")
    mock = Mock(["in:%d" % PARTS])
    kb = mock.bootstrap
    tmp = tempfile.mkdtemp(prefix="sluice-kafka-bench-")
    rnd = random.Random(9)
    data = os.path.join(tmp, "in.jsonl")
    with open(data, "w") as f:
        for i in range(N):
            st = "ok" if rnd.random() < 0.5 else "failed"
            rec = '{"id":%d,"user":"u%06d","status":"%s","amount":%d.%02d,"ts":%d,"pad":"' % (
                i, rnd.randrange(10**6), st, rnd.randrange(10000), rnd.randrange(100),
                1700000000000 + i)
            f.write("%d|" % i + rec + "x" * max(1, 98 - len(rec)) + '"}\n')  # key|value
    t0 = time.time()
    with open(data) as f:
        subprocess.run(["kcat", "-P", "-K", "|", "-b", kb, "-t", "in", "-X", "linger.ms=20",
                        "-X", "batch.num.messages=10000"], stdin=f, check=True,
                       stderr=subprocess.DEVNULL)
    have = count(kb, "in")
    if have < N * 0.9:
        sys.exit("the mock kept %d of %d messages (retention): use fewer" % (have, N))
    n_in = have  # what the topic holds is what both sides read
    print("produced %d messages, the topic holds %d, in %.1f s" % (N, n_in, time.time() - t0))
    ok = None  # messages that pass the filter: both sides must write as many
    best = {"sluice": None, "kcat_jq": None}
    mock_cpu = {"sluice": [], "kcat_jq": []}
    for r in range(ROUNDS):
        for side in ("sluice", "kcat_jq"):
            topic = "out_%s_%d" % (side, r)
            mock.cmd("topic %s %d" % (topic, PARTS))
            m0 = mock.cpu()
            w0 = time.time()
            if side == "sluice":
                sql = os.path.join(tmp, "bench.sql")
                with open(sql, "w") as f:
                    f.write(SQL % (kb, topic, kb))
                p = subprocess.Popen([binary, "run", sql, "-q"], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
                cpu = waited([p], "sluice run")
            else:
                c = subprocess.Popen(["kcat", "-C", "-b", kb, "-t", "in", "-e", "-q", "-o",
                                      "beginning", "-X", "queued.min.messages=1000000"],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
                j = subprocess.Popen(["jq", "-c", JQ], stdin=c.stdout, stdout=subprocess.PIPE)
                c.stdout.close()
                pr = subprocess.Popen(["kcat", "-P", "-b", kb, "-t", topic], stdin=j.stdout,
                                      stderr=subprocess.DEVNULL)
                j.stdout.close()
                cpu = waited([c, j, pr], "kcat | jq | kcat")
            wall = time.time() - w0
            mock_cpu[side].append(mock.cpu() - m0)
            got = count(kb, topic)
            if ok is None:
                ok = got
            if got != ok or not 0.4 * n_in < got < 0.6 * n_in:
                sys.exit("%s wrote %d messages, expected %d of %d" % (side, got, ok, n_in))
            rate = n_in / cpu if cpu > 0 else 0
            print("round %d %-8s %6.2f CPU-s %6.2f s wall %10.0f msgs/CPU-s (mock %.2f CPU-s)"
                  % (r + 1, side, cpu, wall, rate, mock_cpu[side][-1]))
            if best[side] is None or cpu < best[side][0]:
                best[side] = (cpu, wall)
    mock.stop()
    res = {"messages": n_in, "passed": ok, "partitions": PARTS, "rounds": ROUNDS}
    for side in best:
        cpu, wall = best[side]
        res[side] = {"cpu_s": round(cpu, 3), "wall_s": round(wall, 3),
                     "msgs_per_cpu_s": round(n_in / cpu), "mock_cpu_s": round(min(mock_cpu[side]), 3)}
    res["ratio"] = round(res["sluice"]["msgs_per_cpu_s"] / res["kcat_jq"]["msgs_per_cpu_s"], 1)
    print("sluice %d msgs/CPU-s, kcat|jq|kcat %d msgs/CPU-s (%.1fx)" % (
        res["sluice"]["msgs_per_cpu_s"], res["kcat_jq"]["msgs_per_cpu_s"], res["ratio"]))
    print(json.dumps(res))


if __name__ == "__main__":
    main()
