CREATE TABLE t (k STRING, v INT) WITH ('connector' = 'filesystem', 'path' = 't.jsonl', 'format' = 'json');
CREATE VIEW totals AS SELECT k, SUM(v) AS s, PROCTIME() AS pt FROM t GROUP BY k;
CREATE TABLE p WITH ('connector' = 'print');
INSERT INTO p SELECT window_start, COUNT(*) AS n
FROM TABLE(TUMBLE(TABLE totals, DESCRIPTOR(pt), INTERVAL '10' SECOND))
GROUP BY window_start, window_end;
