CREATE TABLE t (k STRING, v INT, pt AS PROCTIME(), WATERMARK FOR pt AS pt - INTERVAL '1' SECOND)
  WITH ('connector' = 'filesystem', 'path' = 't.jsonl', 'format' = 'json');
CREATE TABLE p WITH ('connector' = 'print');
INSERT INTO p SELECT k FROM t;
