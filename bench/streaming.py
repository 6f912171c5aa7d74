#!/usr/bin/env python3
"""bench/streaming.py - what an unbounded pipeline costs at rest and how fast it reacts.

1. Idle CPU: `sluice run` on a monitored JSON-lines file ('source.monitor-interval') into a
   print sink, left alone for IDLE_SECONDS; CPU time (user+system, from /proc/PID/stat) over
   that period as a percentage of one core. Baseline in the same invocation: `tail -F` on the
   same kind of file, the tool people use to follow a log.
2. Latency: a line is appended to the monitored file (write + flush) and the time until the
   print sink's line for it is read from sluice's stdout is measured; SAMPLES lines, a few ms
   apart; p50, p99 and max. Same measure for `tail -F` as the baseline.
Runs alternate A B A B (ROUNDS rounds). The last line is the figures as JSON.
Usage: python3 bench/streaming.py [path/to/sluice]   (env: SAMPLES, IDLE_SECONDS, ROUNDS)
"""
import json
import os
import select
import subprocess
import sys
import tempfile
import time

# per-core figures: sluice on one worker unless the caller says otherwise
os.environ.setdefault("SLUICE_PARALLELISM", "1")

SLUICE = sys.argv[1] if len(sys.argv) > 1 else "build/sluice"
SAMPLES = int(os.environ.get("SAMPLES", "300"))
IDLE = float(os.environ.get("IDLE_SECONDS", "5"))
ROUNDS = int(os.environ.get("ROUNDS", "2"))
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def start(kind, d):
    data = os.path.join(d, "in.jsonl")
    open(data, "w").close()
    if kind == "sluice":
        sql = os.path.join(d, "p.sql")
        with open(sql, "w") as f:
            f.write(
                "CREATE TABLE t (id BIGINT, msg STRING) WITH ('connector' = 'filesystem', "
                f"'path' = '{data}', 'format' = 'json', 'source.monitor-interval' = '1s');\n"
                "CREATE TABLE o WITH ('connector' = 'print');\n"
                "INSERT INTO o SELECT id, msg FROM t;\n")
        cmd = [SLUICE, "run", sql, "-q"]
    else:
        cmd = ["tail", "-n", "0", "-F", data]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0)
    time.sleep(0.5)  # let it open the file and settle
    return p, data


def read_line(p, buf, timeout):
    deadline = time.monotonic() + timeout
    while b"\n" not in buf[0]:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([p.stdout], [], [], left)[0]:
            return None
        chunk = os.read(p.stdout.fileno(), 65536)
        if not chunk:
            return None
        buf[0] += chunk
    line, buf[0] = buf[0].split(b"\n", 1)
    return line


def measure(kind):
    with tempfile.TemporaryDirectory() as d:
        p, data = start(kind, d)
        try:
            c0 = cpu_seconds(p.pid)
            time.sleep(IDLE)
            idle_pct = (cpu_seconds(p.pid) - c0) / IDLE * 100
            lat = []
            buf = [b""]
            with open(data, "a") as f:
                for i in range(SAMPLES):
                    t0 = time.monotonic()
                    f.write(json.dumps({"id": i, "msg": "event %d" % i}) + "\n")
                    f.flush()
                    line = read_line(p, buf, 5.0)
                    if line is None or str(i).encode() not in line:
                        raise SystemExit(f"{kind}: line {i} not seen (got {line!r})")
                    lat.append((time.monotonic() - t0) * 1000)
                    time.sleep(0.003)
        finally:
            p.terminate()
            p.wait()
    lat.sort()
    return {
        "idle_cpu_pct": idle_pct,
        "p50_ms": lat[len(lat) // 2],
        "p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))],
        "max_ms": lat[-1],
    }


def best(runs, key):
    return min(r[key] for r in runs)


results = {"sluice": [], "tail -F": []}
for _ in range(ROUNDS):  # A B A B: the VM's noise falls on both alike
    for kind in ("sluice", "tail -F"):
        results[kind].append(measure("sluice" if kind == "sluice" else "tail"))
RES = 100 / TICK / IDLE  # one clock tick over the idle period, in percent of a core
print(f"{SAMPLES} appended lines per run, {IDLE:.0f} s idle per run, {ROUNDS} rounds, best round;"
      f" idle CPU resolution {RES:.2f} % (one clock tick)")
out = {}
for kind, runs in results.items():
    fig = {k: best(runs, k) for k in runs[0]}
    out[kind] = fig
    print(f"{kind:10s} idle CPU {fig['idle_cpu_pct']:6.3f} %   latency p50 {fig['p50_ms']:6.2f} ms"
          f"   p99 {fig['p99_ms']:6.2f} ms   max {fig['max_ms']:7.2f} ms")
print(json.dumps({"bench": "streaming", "samples": SAMPLES, "idle_seconds": IDLE,
                  "idle_cpu_resolution_pct": RES, **out}))
