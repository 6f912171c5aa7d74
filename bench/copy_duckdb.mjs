// bench/copy_duckdb.mjs - DuckDB's side of bench/stateless.py: COPY of an NDJSON file with the
// given columns to a CSV file (no header). Usage: node bench/copy_duckdb.mjs IN COLUMNS OUT
// where COLUMNS is DuckDB's struct text, e.g. "a: 'BIGINT', b: 'VARCHAR'".
import { DuckDBInstance } from '@duckdb/node-api';

const [file, cols, out] = process.argv.slice(2);
const q = (s) => s.replace(/'/g, "''");
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
await con.run(`COPY (SELECT * FROM read_ndjson('${q(file)}', columns = {${cols}}, ` +
  `format = 'newline_delimited')) TO '${q(out)}' (HEADER false)`);
