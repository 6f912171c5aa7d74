#!/usr/bin/env python3
"""bench/cdc.py - postgres-cdc throughput: changes decoded per CPU-second of sluice.

Starts a throwaway PostgreSQL 15 (as tests/e2e/lib/pg.sh does: its own directory, a loopback
port, wal_level = logical), fills a table of SLUICE_BENCH_ROWS (default 1,000,000) rows
(id int primary key, v int, name text, amount numeric(12,2), ts timestamptz; REPLICA IDENTITY
FULL, so every update carries its before-image), starts `sluice run` on it ('latest-offset', a
blackhole sink, one worker), then runs one bulk UPDATE of every row. The figure is the rows
changed divided by sluice's CPU time (user + system, from /proc/PID/stat) from just before the
UPDATE until the slot's confirmed position has passed the UPDATE's commit, i.e. every change has
been decoded, emitted and acknowledged. PostgreSQL's own CPU is not counted. Prints a summary
and, last, the figures as one JSON line.
Usage: python3 bench/cdc.py [path/to/sluice]
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
N = int(os.environ.get("SLUICE_BENCH_ROWS", "1000000"))
SLUICE = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build/sluice"))
PG_BIN = os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin")
ROOTUSER = os.getuid() == 0


def as_pg(cmd):
    return (["runuser", "-u", "postgres", "--"] + cmd) if ROOTUSER else cmd


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd="/", **kw).stdout


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main():
    d = tempfile.mkdtemp(prefix="sluice-cdc-bench.")
    os.chmod(d, 0o755)
    if ROOTUSER:
        shutil.chown(d, "postgres")
    data, port = os.path.join(d, "data"), free_port()
    sh(as_pg([f"{PG_BIN}/initdb", "-D", data, "-U", "postgres", "-A", "trust", "-N", "-E", "UTF8", "--locale=C.UTF-8"]))
    conf = [f"listen_addresses = '127.0.0.1'", f"port = {port}", f"unix_socket_directories = '{d}'",
            "wal_level = logical", "max_replication_slots = 4", "max_wal_senders = 4", "fsync = off",
            "synchronous_commit = off", "full_page_writes = off", "shared_buffers = 256MB", "max_wal_size = 4GB"]
    sh(as_pg(["tee", "-a", f"{data}/postgresql.conf"]), input="\n".join(conf) + "\n", text=True)
    sh(as_pg(["tee", "-a", f"{data}/pg_hba.conf"]), input="host replication all 127.0.0.1/32 trust\n", text=True)
    sh(as_pg([f"{PG_BIN}/pg_ctl", "-D", data, "-l", f"{d}/server.log", "-w", "-t", "60", "start"]))
    env = dict(os.environ, PGHOST="127.0.0.1", PGPORT=str(port), PGUSER="postgres", PGDATABASE="postgres")
    proc = None

    def q(sql, db="test"):
        return subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql],
                              check=True, env=env, stdout=subprocess.PIPE, text=True).stdout.strip()

    try:
        q("CREATE DATABASE test", db="postgres")
        q("CREATE TABLE b (id int PRIMARY KEY, v int, name text, amount numeric(12,2), ts timestamptz);"
          "ALTER TABLE b REPLICA IDENTITY FULL;"
          f"INSERT INTO b SELECT g, g, 'name ' || g, g * 0.01, '2024-01-01'::timestamptz + g * interval '1 s' "
          f"FROM generate_series(1, {N}) g")
        work = os.path.join(d, "run")
        os.makedirs(work)
        with open(os.path.join(work, "p.sql"), "w") as f:
            f.write(f"""SET 'execution.checkpointing.interval' = '200 ms';
CREATE TABLE b (id INT, v INT, name STRING, amount DECIMAL(12, 2), ts TIMESTAMP_LTZ(3)) WITH (
  'connector' = 'postgres-cdc', 'hostname' = '127.0.0.1', 'port' = '{port}', 'database-name' = 'test',
  'table-name' = 'b', 'username' = 'postgres', 'slot.name' = 'bench', 'scan.startup.mode' = 'latest-offset');
CREATE TABLE o (id INT, v INT, name STRING, amount DECIMAL(12, 2), ts TIMESTAMP_LTZ(3)) WITH ('connector' = 'blackhole');
INSERT INTO o SELECT * FROM b;
""")
        proc = subprocess.Popen([SLUICE, "run", "p.sql", "-p", "1"], cwd=work, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        for _ in range(600):
            if q("SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'bench'") == "1":
                break
            time.sleep(0.05)
        time.sleep(0.5)
        cpu0 = cpu_seconds(proc.pid)
        t0 = time.time()
        q("UPDATE b SET v = v + 1")
        t_pg = time.time() - t0
        end = q("SELECT pg_current_wal_lsn()")
        while q(f"SELECT confirmed_flush_lsn >= '{end}' FROM pg_replication_slots WHERE slot_name = 'bench'") != "t":
            if proc.poll() is not None:
                sys.exit("sluice ended: " + proc.stderr.read())
            time.sleep(0.05)
        wall = time.time() - t0
        cpu = cpu_seconds(proc.pid) - cpu0
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
        proc = None
        rows = [l for l in err.splitlines() if "rows read" in l]
        q("SELECT pg_drop_replication_slot('bench')")
        res = {"bench": "cdc", "changes": N, "rows_emitted": 2 * N, "sluice_cpu_s": round(cpu, 3),
               "changes_per_cpu_s": round(N / cpu) if cpu > 0 else None, "wall_s": round(wall, 2),
               "pg_update_s": round(t_pg, 2)}
        print(f"bulk UPDATE of {N} rows (REPLICA IDENTITY FULL: -U and +U per row)")
        print(f"  sluice CPU {cpu:.2f} s, {res['changes_per_cpu_s']} changes per CPU-second; "
              f"wall {wall:.1f} s (the UPDATE itself {t_pg:.1f} s)")
        print("  " + (rows[0].strip() if rows else ""))
        print(json.dumps(res))
    finally:
        if proc:
            proc.kill()
        subprocess.run(as_pg([f"{PG_BIN}/pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"]), cwd="/",
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
