CREATE TABLE t (k STRING, v INT, pt AS PROCTIME())
  WITH ('connector' = 'filesystem', 'path' = 't.jsonl', 'format' = 'json');
CREATE TABLE p WITH ('connector' = 'print');
INSERT INTO p SELECT window_start, k, SUM(v) AS s
FROM TABLE(HOP(TABLE t, DESCRIPTOR(pt), INTERVAL '1' MINUTE, INTERVAL '5' MINUTE))
GROUP BY window_start, window_end, k;
