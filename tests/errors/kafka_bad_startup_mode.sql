CREATE TABLE t (n INT) WITH ('connector' = 'kafka', 'topic' = 'x', 'format' = 'json',
  'properties.bootstrap.servers' = 'localhost:9092', 'scan.startup.mode' = 'earliest');
CREATE TABLE s (n INT) WITH ('connector' = 'print');
INSERT INTO s SELECT n FROM t;
