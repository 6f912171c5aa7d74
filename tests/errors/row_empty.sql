CREATE TABLE t (k INT, r ROW<>)
  WITH ('connector' = 'filesystem', 'path' = 't.csv', 'format' = 'csv');
