#!/usr/bin/env bash
# `sluice inventory` reading shell and crontab forms one at a time: each case writes a small
# estate under a fake root and checks the lineage (or opaque steps) of its job.
. "$(dirname "$0")/lib/setup.sh"
mkdir -p r/etc r/opt/x r/home/u
printf 'INSERT INTO f_out SELECT * FROM f_in;\n' >r/opt/x/f.sql
# lineage JOB-SCRIPT-TEXT EXPECTED: the script run by a crontab line; EXPECTED is
# "reads|writes|opaque count" of the job
lineage() {
  printf '#!/bin/bash\n%s\n' "$1" >r/opt/x/job.sh
  printf '0 1 * * * u /opt/x/job.sh\n' >r/etc/crontab
  "$S" inventory --root r --format json >j.json 2>err.txt || fail "inventory failed on: $1"
  got=$(jq -r '.jobs[0] | "\(.reads | join(","))|\(.writes | join(","))|\(.opaque | length)"' j.json)
  [ "$got" = "$2" ] || fail "script: $1
expected $2, got $got $(jq -c '.jobs[0].opaque, .diagnostics' j.json)"
}
lineage 'psql -f /opt/x/f.sql' 'f_in|f_out|0'
lineage 'cd /opt/x && psql -X -f f.sql' 'f_in|f_out|0'
lineage 'psql < /opt/x/f.sql' 'f_in|f_out|0'
lineage 'cat /opt/x/f.sql | psql -q' 'f_in|f_out|0'
lineage 'psql <<< "DELETE FROM hs_t WHERE x"' '|hs_t|0'
lineage 'D=${D:=/opt/x}; psql -f "$D/f.sql"' 'f_in|f_out|0'
lineage 'psql -f ${UNSET_DIR:-/opt/x}/f.sql' 'f_in|f_out|0'
lineage 'bash -c "psql -c \"TRUNCATE bc_t\""' '|bc_t|0'
lineage 'su - u -c "psql -f /opt/x/f.sql"' 'f_in|f_out|0'
lineage 'run() { psql "$@"; }
run -c "INSERT INTO fn_t SELECT * FROM fn_s"' 'fn_s|fn_t|0'
lineage 'for d in a b; do psql -tAc "SELECT count(*) FROM loop_t"; done' 'loop_t||0'
lineage 'case "$1" in full) psql -c "TRUNCATE case_t" ;; *) echo nothing ;; esac' '|case_t|0'
lineage 'if psql -c "SELECT 1 FROM if_t"; then psql -c "INSERT INTO then_t VALUES (1)"; fi' 'if_t|then_t|0'
lineage 'N=$(psql -tAc "SELECT count(*) FROM sub_t")' 'sub_t||0'
lineage 'psql -c "SELECT 1" || psql -c "INSERT INTO fail_t VALUES (1)"' '|fail_t|0'
lineage 'psql -v t=var_t -c "SELECT * FROM :t"' 'var_t||0'
lineage 'psql -c "SET search_path TO s1" -c "INSERT INTO sp SELECT * FROM src"' 's1.src|s1.sp|0'
lineage 'psql <<-EOF
	INSERT INTO tab_t SELECT * FROM tab_s;
	EOF' 'tab_s|tab_t|0'
lineage 'T=dyn_t; psql <<EOF
INSERT INTO $T SELECT * FROM ${T}_src;
EOF' 'dyn_t_src|dyn_t|0'
lineage "psql <<'EOF'
SELECT '\$T' FROM quoted_t;
EOF" 'quoted_t||0'
lineage 'pg_dump -t orders_d -t Lower -t '\''"Mixed"'\'' -n arch -f /tmp/d.sql mydb' 'Mixed,arch.*,lower,orders_d||0'
lineage 'pg_dump mydb > /tmp/all.sql' '||1'
lineage 'python3 /opt/x/etl.py --day today' '||1'
lineage 'curl -s https://example.com/hook' '||1'
lineage 'mystery_binary --flag' '||1'
lineage '/opt/x/missing.sh' '||1'
lineage '# psql -c "DROP TABLE commented_t"
echo "psql -c DROP TABLE echoed_t"' '||0'
printf '#!/bin/sh\npsql -c "INSERT INTO child_t SELECT * FROM child_s"\n' >r/opt/x/child.sh
lineage '/opt/x/child.sh && sh /opt/x/child.sh' 'child_s|child_t|0'
printf 'lib_f() { psql -c "INSERT INTO lib_t VALUES (1)"; }\nLIBV=lib_s\n' >r/opt/x/lib.sh
lineage '. /opt/x/lib.sh; lib_f; psql -c "SELECT * FROM $LIBV"' 'lib_s|lib_t|0'

# crontab forms
printf 'SQLF=/opt/x/f.sql\n@hourly psql -f $SQLF\n' >r/home/u/tab
"$S" inventory --root r /home/u/tab --format json >c.json || fail "user crontab"
[ "$(jq -c '.jobs[0] | [.schedule, .reads, .writes, .runs_per_day]' c.json)" = '["@hourly",["f_in"],["f_out"],24]' ] ||
  fail "user crontab: $(jq -c '.jobs[0]' c.json)"
printf '0 0 1 * * psql -f /opt/x/f.sql\n#0 0 2 * * psql -c "DROP TABLE x"\n# just a comment\n' >r/home/u/tab2
"$S" inventory --root r /home/u/tab2 --format json >c.json || fail "crontab 2"
[ "$(jq -c '[(.jobs | length), (.disabled | length), (.jobs[0].runs_per_day * 1000 | floor)]' c.json)" = '[1,1,32]' ] ||
  fail "monthly job and disabled line: $(jq -c . c.json | head -c 600)"
printf '30 2 * * mon-fri psql -X%%INSERT INTO pct_t SELECT * FROM pct_s;%%\n' >r/home/u/tab3
"$S" inventory --root r /home/u/tab3 --format json >c.json || fail "crontab 3"
[ "$(jq -c '.jobs[0] | [.reads, .writes, .runs_per_day]' c.json)" = '[["pct_s"],["pct_t"],0.7143]' ] ||
  fail "%% stdin: $(jq -c '.jobs[0]' c.json)"
exit 0
