CREATE TABLE t (k INT, r ROW(a INT, b ROW<c INT, C STRING>))
  WITH ('connector' = 'filesystem', 'path' = 't.csv', 'format' = 'csv');
