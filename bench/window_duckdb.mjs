// bench/window_duckdb.mjs - DuckDB's side of bench/window.py: one windowed aggregation over an
// NDJSON file, materialised into a temporary table (so that no aggregate is optimised away),
// then the number of result rows on stdout. Windows are integer division of epoch millis.
// Usage: node bench/window_duckdb.mjs tumble|hop FILE
import { DuckDBInstance } from '@duckdb/node-api';

const [kind, file] = process.argv.slice(2);
const src = `read_ndjson('${file.replace(/'/g, "''")}', columns = {key: 'VARCHAR', ` +
  `price: 'DECIMAL(10,2)', ts: 'TIMESTAMP'}, format = 'newline_delimited')`;
const queries = {
  // TUMBLE 1 minute
  tumble: `SELECT key, epoch_ms(ts) // 60000 * 60000 AS ws, COUNT(*) AS c, SUM(price) AS s,
           MAX(price) AS m FROM ${src} GROUP BY key, ws`,
  // HOP 10 s / 2 s: every row in the 5 windows starting at the 2 s boundaries before it
  hop: `SELECT key, epoch_ms(ts) // 2000 * 2000 - j * 2000 AS ws, COUNT(*) AS c, SUM(price) AS s,
        MAX(price) AS m FROM ${src}, range(5) AS r(j) GROUP BY key, ws`,
};
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
await con.run(`CREATE TEMP TABLE r AS ${queries[kind]}`);
const rows = (await con.runAndReadAll('SELECT COUNT(*) FROM r')).getRows();
console.log(String(rows[0][0]));
