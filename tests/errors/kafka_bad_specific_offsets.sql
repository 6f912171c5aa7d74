CREATE TABLE t (n INT) WITH ('connector' = 'kafka', 'topic' = 'x', 'format' = 'json',
  'properties.bootstrap.servers' = 'localhost:9092', 'scan.startup.mode' = 'specific-offsets',
  'scan.startup.specific-offsets' = 'partition:0;offset:3');
CREATE TABLE s (n INT) WITH ('connector' = 'print');
INSERT INTO s SELECT n FROM t;
