-- 'slot.name' is required
CREATE TABLE t (id INT) WITH ('connector' = 'postgres-cdc', 'hostname' = 'localhost',
  'database-name' = 'db', 'table-name' = 't', 'username' = 'u');
CREATE TABLE o (id INT) WITH ('connector' = 'print');
INSERT INTO o SELECT id FROM t;
