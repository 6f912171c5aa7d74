# lib/pg.sh - sourced (after lib/setup.sh) by the e2e scripts that need a real PostgreSQL 15
# server (not a test itself). pg_start makes a fresh cluster in its own temp directory, starts
# it on a free loopback port with wal_level = logical, and exports PGHOST, PGPORT, PGUSER,
# PGDATABASE (a database "test", owned by the superuser "postgres", trust authentication on
# 127.0.0.1 only), so `psql` and sluice's 'url' = 'postgresql://127.0.0.1:PORT/test' need no
# more. pgq runs SQL and prints unaligned, tuples-only rows. The server stops at exit.
# PostgreSQL refuses to run as root: as root the server runs as the `postgres` user (Debian's
# postgresql-15 package creates it), otherwise as the current user.
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_DIR=
pg_as() {
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}
pg_stop() {
  [ -n "$PG_DIR" ] || return 0
  pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
  rm -rf "$PG_DIR"
  PG_DIR=
}
pg_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
# pg_start [EXTRA postgresql.conf LINES...]
pg_start() {
  PG_DIR=$(mktemp -d /tmp/sluice-pg.XXXXXX)
  chmod 755 "$PG_DIR"
  [ "$(id -u)" = 0 ] && chown postgres "$PG_DIR"
  pg_as "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -N -E UTF8 --locale=C.UTF-8 \
    >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log"; return 1; }
  PGPORT=$(pg_free_port)
  {
    echo "listen_addresses = '127.0.0.1'"
    echo "port = $PGPORT"
    echo "unix_socket_directories = '$PG_DIR'"
    echo "wal_level = logical"
    echo "max_replication_slots = 10"
    echo "max_wal_senders = 10"
    echo "fsync = off"
    echo "synchronous_commit = off"
    echo "full_page_writes = off"
    echo "shared_buffers = 32MB"
    local l
    for l in "$@"; do echo "$l"; done
  } | pg_as tee -a "$PG_DIR/data/postgresql.conf" >/dev/null
  echo "host replication all 127.0.0.1/32 trust" | pg_as tee -a "$PG_DIR/data/pg_hba.conf" >/dev/null
  pg_as "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 start >/dev/null ||
    { cat "$PG_DIR/server.log"; return 1; }
  export PGHOST=127.0.0.1 PGPORT PGUSER=postgres PGDATABASE=postgres
  psql -q -X -v ON_ERROR_STOP=1 -c "CREATE DATABASE test" >/dev/null || return 1
  export PGDATABASE=test
  PG_URL="postgresql://127.0.0.1:$PGPORT/test"
  trap 'pg_stop; e2e_cleanup' EXIT
}
# pgq SQL: runs it, stops at the first error, prints rows as a|b|c lines.
pgq() { psql -X -q -A -t -v ON_ERROR_STOP=1 -c "$1"; }
