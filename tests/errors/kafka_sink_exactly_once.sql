CREATE TABLE t (n INT) WITH ('connector' = 'kafka', 'topic' = 'x', 'format' = 'json',
  'properties.bootstrap.servers' = 'localhost:9092', 'sink.delivery-guarantee' = 'exactly-once');
INSERT INTO t SELECT 1;
