CREATE TABLE t (k INT, r AS ROW(k, k))
  WITH ('connector' = 'filesystem', 'path' = 't.csv', 'format' = 'csv');
