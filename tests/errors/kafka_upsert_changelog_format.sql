CREATE TABLE u (id STRING, v INT, PRIMARY KEY (id) NOT ENFORCED) WITH ('connector' = 'upsert-kafka',
  'topic' = 'u', 'properties.bootstrap.servers' = 'localhost:9092', 'key.format' = 'raw',
  'value.format' = 'debezium-json');
CREATE TABLE s (id STRING, v INT) WITH ('connector' = 'print');
INSERT INTO s SELECT id, v FROM u;
