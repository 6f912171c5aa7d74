-- a replication slot name has lower-case letters, digits and _ only
CREATE TABLE t (id INT) WITH ('connector' = 'postgres-cdc', 'hostname' = 'localhost',
  'database-name' = 'db', 'table-name' = 't', 'username' = 'u', 'slot.name' = 'My-Slot');
CREATE TABLE o (id INT) WITH ('connector' = 'print');
INSERT INTO o SELECT id FROM t;
