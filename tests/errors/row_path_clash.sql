CREATE TABLE t (bid ROW<price INT>, `bid.price` INT)
  WITH ('connector' = 'filesystem', 'path' = 't.csv', 'format' = 'csv');
