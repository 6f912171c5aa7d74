-- the changelog of postgres-cdc cannot go into an append-only sink
CREATE TABLE t (id INT) WITH ('connector' = 'postgres-cdc', 'hostname' = 'localhost',
  'database-name' = 'db', 'table-name' = 't', 'username' = 'u', 'slot.name' = 's');
CREATE TABLE o (id INT) WITH ('connector' = 'filesystem', 'path' = 'out', 'format' = 'json');
INSERT INTO o SELECT id FROM t;
