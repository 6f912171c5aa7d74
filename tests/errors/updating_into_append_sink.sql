CREATE TABLE changes (id BIGINT, name STRING)
  WITH ('connector' = 'filesystem', 'path' = 'changes.jsonl', 'format' = 'debezium-json');
CREATE TABLE snapshot WITH ('connector' = 'filesystem', 'path' = 'out/snapshot.jsonl', 'format' = 'json');
INSERT INTO snapshot SELECT id, name FROM changes WHERE id > 10;
