CREATE TABLE ch (id BIGINT, name STRING)
  WITH ('connector' = 'filesystem', 'path' = 'ev.jsonl', 'format' = 'debezium-json');
CREATE TABLE snap (id BIGINT, name STRING, PRIMARY KEY (id) NOT ENFORCED) PARTITIONED BY (name)
  WITH ('connector' = 'filesystem', 'path' = 'out/snap', 'format' = 'json');
INSERT INTO snap SELECT * FROM ch;
