CREATE TABLE a (id INT, k INT, ts TIMESTAMP(3), pt AS PROCTIME(), WATERMARK FOR ts AS ts) WITH ('connector' = 'filesystem', 'path' = 'a.jsonl', 'format' = 'json');
CREATE TABLE b (id INT, k INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('connector' = 'filesystem', 'path' = 'b.jsonl', 'format' = 'json');
CREATE TABLE o WITH ('connector' = 'print');
INSERT INTO o SELECT a.id FROM a, b WHERE a.k = b.k AND b.ts BETWEEN a.ts + INTERVAL '1' HOUR AND a.ts;
