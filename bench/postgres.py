#!/usr/bin/env python3
"""bench/postgres.py - the jdbc connector against a real PostgreSQL 15 started for the run.

Data: a table t of ROWS rows (id bigint, name text, amount numeric(12,2), ts timestamptz,
flag boolean), made with generate_series.
Runs, alternating (A B A B ..., --rounds rounds, each run's best counts):
  - sluice: a bounded scan of t through the jdbc source (a server-side cursor, text rows
    decoded into batches) into a blackhole, on one worker;
  - psql: `\\copy t TO STDOUT` into /dev/null (libpq's COPY, no decoding) - the floor.
  Figure: rows per CPU-second of the client process (user + system from wait4; the server's
  CPU is not counted for either).
  - sluice: UPSERT_ROWS generated rows into a jdbc sink with a PRIMARY KEY (half the keys
    repeat: INSERT ... ON CONFLICT DO UPDATE, pipelined, one transaction per flush of
    'sink.buffer-flush.max-rows'), and the same rows into a keyless table (COPY append).
  Figure: rows per wall-clock second (the server's work included).
Prints a table and, last, the figures as one JSON line.
Usage: python3 bench/postgres.py [path/to/sluice] [--rows N] [--upsert-rows N] [--rounds R]
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("SLUICE_PARALLELISM", "1")
PG_BIN = os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin")


def as_pg(cmd):
    if os.getuid() == 0:
        return ["runuser", "-u", "postgres", "--"] + cmd
    return cmd


def run(cmd, stdout=subprocess.DEVNULL, env=None):
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE, env=env)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    err = p.stderr.read().decode()
    if status != 0:
        sys.exit(f"{cmd[0]} failed: {err}")
    return ru.ru_utime + ru.ru_stime, wall, err


class Server:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="sluice-pgbench.")
        os.chmod(self.dir, 0o755)
        if os.getuid() == 0:
            shutil.chown(self.dir, "postgres")
        data = os.path.join(self.dir, "data")
        subprocess.run(as_pg([f"{PG_BIN}/initdb", "-D", data, "-U", "postgres", "-A", "trust",
                              "-N", "-E", "UTF8", "--locale=C.UTF-8"]),
                       check=True, stdout=subprocess.DEVNULL, cwd="/")
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        conf = (f"listen_addresses = '127.0.0.1'\nport = {self.port}\n"
                f"unix_socket_directories = '{self.dir}'\nfsync = off\n"
                "synchronous_commit = off\nfull_page_writes = off\nshared_buffers = 128MB\n")
        subprocess.run(as_pg(["tee", "-a", os.path.join(data, "postgresql.conf")]),
                       input=conf.encode(), stdout=subprocess.DEVNULL, check=True)
        subprocess.run(as_pg([f"{PG_BIN}/pg_ctl", "-D", data, "-l",
                              os.path.join(self.dir, "server.log"), "-w", "start"]),
                       check=True, stdout=subprocess.DEVNULL, cwd="/")
        self.data = data
        os.environ.update(PGHOST="127.0.0.1", PGPORT=str(self.port), PGUSER="postgres",
                          PGDATABASE="postgres")
        self.url = f"postgresql://127.0.0.1:{self.port}/postgres"

    def sql(self, q):
        r = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", q],
                           capture_output=True, text=True)
        if r.returncode:
            sys.exit(f"psql: {r.stderr}")
        return r.stdout.strip()

    def stop(self):
        subprocess.run(as_pg([f"{PG_BIN}/pg_ctl", "-D", self.data, "-m", "immediate", "stop"]),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd="/")
        shutil.rmtree(self.dir, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("sluice", nargs="?", default="build/sluice")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--upsert-rows", type=int, default=200_000)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    sluice = os.path.abspath(a.sluice)
    srv = Server()
    work = tempfile.mkdtemp(prefix="sluice-pgbench-work.")
    try:
        srv.sql(f"CREATE TABLE t AS SELECT g::bigint AS id, 'name-' || g AS name, "
                f"(g % 100000) / 100.0::numeric(12,2) AS amount, "
                f"timestamptz '2024-01-01' + g * interval '1 second' AS ts, g % 3 = 0 AS flag "
                f"FROM generate_series(1, {a.rows}) g")
        srv.sql("VACUUM ANALYZE t")
        scan = os.path.join(work, "scan.sql")
        with open(scan, "w") as f:
            f.write(f"""CREATE TABLE t (id BIGINT, name STRING, amount DECIMAL(12,2),
  ts TIMESTAMP_LTZ(3), flag BOOLEAN) WITH ('connector' = 'jdbc', 'url' = '{srv.url}',
  'table-name' = 't', 'scan.fetch-size' = '10000');
CREATE TABLE b (id BIGINT, name STRING, amount DECIMAL(12,2), ts TIMESTAMP_LTZ(3), flag BOOLEAN)
  WITH ('connector' = 'blackhole');
INSERT INTO b SELECT * FROM t;
""")
        best = {"sluice": None, "psql": None}
        for _ in range(a.rounds):
            cpu, wall, err = run([sluice, "run", scan])
            if f"{a.rows} rows read" not in err:
                sys.exit(f"sluice read the wrong row count: {err}")
            best["sluice"] = min(best["sluice"] or cpu, cpu)
            cpu, wall, _ = run(["psql", "-X", "-q", "-c", "\\copy t TO STDOUT"])
            best["psql"] = min(best["psql"] or cpu, cpu)
        # sinks
        n = a.upsert_rows
        srv.sql("CREATE TABLE up (k bigint PRIMARY KEY, v text, amount numeric(12,2)); "
                "CREATE TABLE app (k bigint, v text, amount numeric(12,2))")
        sink = {}
        for name, key in (("upsert", ", PRIMARY KEY (k) NOT ENFORCED"), ("copy", "")):
            table = "up" if key else "app"
            q = os.path.join(work, f"{name}.sql")
            with open(q, "w") as f:
                f.write(f"""CREATE TABLE g (n BIGINT, v STRING, amount DECIMAL(12,2)) WITH (
  'connector' = 'datagen', 'number-of-rows' = '{n}', 'rows-per-second' = 'unlimited',
  'fields.n.kind' = 'sequence', 'fields.n.start' = '1', 'fields.n.end' = '{n}',
  'fields.v.length' = '20', 'fields.amount.min' = '0', 'fields.amount.max' = '1000');
CREATE TABLE s (k BIGINT, v STRING, amount DECIMAL(12,2){key}) WITH ('connector' = 'jdbc',
  'url' = '{srv.url}', 'table-name' = '{table}', 'sink.buffer-flush.max-rows' = '5000');
INSERT INTO s SELECT n % {max(n // 2, 1)}, v, amount FROM g;
""")
            walls = []
            for _ in range(a.rounds):
                srv.sql(f"TRUNCATE {table}")
                cpu, wall, err = run([sluice, "run", q])
                walls.append(wall)
            got = int(srv.sql(f"SELECT count(*) FROM {table}"))
            want = max(n // 2, 1) if key else n
            if got != want:
                sys.exit(f"{name} sink: {got} rows in the table, expected {want}")
            sink[name] = n / min(walls)
        res = {
            "rows": a.rows,
            "scan_rows_per_cpu_s_sluice": round(a.rows / best["sluice"]),
            "scan_rows_per_cpu_s_psql_copy": round(a.rows / best["psql"]),
            "upsert_rows_per_s": round(sink["upsert"]),
            "copy_append_rows_per_s": round(sink["copy"]),
        }
        print(f"bounded scan of {a.rows} rows, client CPU (best of {a.rounds}, A B A B):")
        print(f"  sluice jdbc scan -> blackhole  {best['sluice']:.2f} s  "
              f"{res['scan_rows_per_cpu_s_sluice']:>12,} rows/CPU-s")
        print(f"  psql \\copy t TO STDOUT        {best['psql']:.2f} s  "
              f"{res['scan_rows_per_cpu_s_psql_copy']:>12,} rows/CPU-s")
        print(f"sink of {n} rows (wall clock, server included):")
        print(f"  upsert by key (ON CONFLICT)   {res['upsert_rows_per_s']:>12,} rows/s")
        print(f"  COPY append                   {res['copy_append_rows_per_s']:>12,} rows/s")
        print(json.dumps(res))
    finally:
        srv.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
