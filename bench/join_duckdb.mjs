// bench/join_duckdb.mjs - DuckDB's side of bench/join.py: the lookup join or the interval join
// as a batch hash join over the same JSON-lines files (read_ndjson with explicit columns), the
// joined rows (every column sluice's sink gets) materialised into a temporary table, or written
// to a JSON-lines file when OUT is given; then the number of joined rows on stdout.
// Usage: node bench/join_duckdb.mjs lookup EVENTS CUSTOMERS [OUT]
//        node bench/join_duckdb.mjs interval IMPRESSIONS CLICKS [OUT]
import { DuckDBInstance } from '@duckdb/node-api';

const [kind, a, b, out] = process.argv.slice(2);
const q = (s) => `'${s.replace(/'/g, "''")}'`;
const src = (file, cols) => `read_ndjson(${q(file)}, columns = {${cols}}, ` +
  `format = 'newline_delimited')`;
const queries = {
  // o JOIN customers FOR SYSTEM_TIME AS OF o.proc_time AS c ON o.customer_id = c.id
  lookup: `SELECT o.id, o.customer_id, o.amount, o.ts, c.name, c.country, c.tier
    FROM ${src(a, "id: 'BIGINT', customer_id: 'BIGINT', amount: 'DECIMAL(10,2)', ts: 'TIMESTAMP'")} o
    JOIN ${src(b, "id: 'BIGINT', name: 'VARCHAR', country: 'VARCHAR', tier: 'VARCHAR'")} c
    ON o.customer_id = c.id`,
  // clicks within 10 minutes after their impression
  interval: `SELECT i.imp_id, i.ad_id, i.ts AS imp_ts, c.click_id, c.ts AS click_ts
    FROM ${src(a, "imp_id: 'BIGINT', ad_id: 'BIGINT', ts: 'TIMESTAMP'")} i
    JOIN ${src(b, "click_id: 'BIGINT', imp_id: 'BIGINT', ts: 'TIMESTAMP'")} c
    ON c.imp_id = i.imp_id AND c.ts BETWEEN i.ts AND i.ts + INTERVAL 10 MINUTE`,
};
if (!queries[kind] || !b) {
  console.error('usage: join_duckdb.mjs lookup|interval FILE FILE [OUT]');
  process.exit(2);
}
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
if (out) {
  const r = await con.runAndReadAll(`COPY (${queries[kind]}) TO ${q(out)} (FORMAT json)`);
  console.log(String(r.getRows()[0][0]));
} else {
  await con.run(`CREATE TEMP TABLE r AS ${queries[kind]}`);
  const rows = (await con.runAndReadAll('SELECT COUNT(*) FROM r')).getRows();
  console.log(String(rows[0][0]));
}
