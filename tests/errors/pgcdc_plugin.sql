-- postgres-cdc decodes pgoutput only: another plugin is refused with the valid value
CREATE TABLE t (id INT) WITH ('connector' = 'postgres-cdc', 'hostname' = 'localhost',
  'database-name' = 'db', 'table-name' = 't', 'username' = 'u', 'slot.name' = 's',
  'decoding.plugin.name' = 'wal2json');
CREATE TABLE o (id INT) WITH ('connector' = 'print');
INSERT INTO o SELECT id FROM t;
