CREATE TABLE t (id BIGINT, n INT) WITH ('connector' = 'kafka', 'topic' = 'x', 'format' = 'json',
  'properties.bootstrap.servers' = 'localhost:9092', 'key.format' = 'json', 'key.fields' = 'idd');
CREATE TABLE s (n INT) WITH ('connector' = 'print');
INSERT INTO s SELECT n FROM t;
