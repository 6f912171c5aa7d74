# sourced by every ETL script
export PGDATABASE=${PGDATABASE:-warehouse}
SQL_DIR=${SQL_DIR:-/opt/etl/sql}
DATA_DIR=/srv/data
PSQL="psql -X -v ON_ERROR_STOP=1"

log() { echo "$(date -Is) $*" >&2; }

# run_sql FILE [psql options]: one SQL file of the estate
run_sql() {
  local f=$1
  shift
  log "running $f"
  $PSQL "$@" -f "$SQL_DIR/$f"
}
