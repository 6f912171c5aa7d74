CREATE TABLE a (id INT, k INT, ts TIMESTAMP(3), pt AS PROCTIME(), WATERMARK FOR ts AS ts) WITH ('connector' = 'filesystem', 'path' = 'a.jsonl', 'format' = 'json');
CREATE TABLE b (id INT, k INT, ts TIMESTAMP(3), WATERMARK FOR ts AS ts) WITH ('connector' = 'filesystem', 'path' = 'b.jsonl', 'format' = 'json');
CREATE TABLE o WITH ('connector' = 'print');
INSERT INTO o SELECT a.id, b.id FROM a FULL JOIN b FOR SYSTEM_TIME AS OF a.pt ON a.k = b.k;
