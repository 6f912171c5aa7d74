CREATE TABLE t (a INT, b INT, c INT, d INT, e INT, f INT, g INT, h INT, i INT, j INT, k INT, l INT, m INT)
  WITH ('connector' = 'filesystem', 'path' = 't.json', 'format' = 'json');
CREATE TABLE s WITH ('connector' = 'print');
INSERT INTO s SELECT COUNT(*) FROM t
GROUP BY CUBE (a, b, c, d, e, f, g, h, i, j, k, l, m);
