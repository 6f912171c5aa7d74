// bench/diff_duckdb.mjs - DuckDB's side of bench/diff.py: the same diff as `sluice diff --key
// id` computed with a FULL OUTER JOIN of two NDJSON files (typed columns), the counts as one
// JSON line on stdout. Usage: node bench/diff_duckdb.mjs LEFT RIGHT
import { DuckDBInstance } from '@duckdb/node-api';

const [left, right] = process.argv.slice(2);
const src = (f) => `read_ndjson('${f.replace(/'/g, "''")}', columns = {id: 'BIGINT', ` +
  `name: 'VARCHAR', amount: 'DECIMAL(14,2)', ts: 'TIMESTAMP'}, format = 'newline_delimited')`;
const same = `l.name IS NOT DISTINCT FROM r.name AND l.amount IS NOT DISTINCT FROM r.amount
              AND l.ts IS NOT DISTINCT FROM r.ts`;
const q = `SELECT count(*) FILTER (WHERE r.id IS NULL) AS missing,
                  count(*) FILTER (WHERE l.id IS NULL) AS extra,
                  count(*) FILTER (WHERE l.id IS NOT NULL AND r.id IS NOT NULL AND NOT (${same})) AS differing,
                  count(*) FILTER (WHERE l.id IS NOT NULL AND r.id IS NOT NULL AND (${same})) AS matching
           FROM ${src(left)} l FULL OUTER JOIN ${src(right)} r ON l.id = r.id`;
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
const row = (await con.runAndReadAll(q)).getRows()[0];
console.log(JSON.stringify({ missing: Number(row[0]), extra: Number(row[1]),
  differing: Number(row[2]), matching: Number(row[3]) }));
