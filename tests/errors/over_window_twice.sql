CREATE TABLE pay (card STRING, amount DECIMAL(10, 2), ts TIMESTAMP(3),
  WATERMARK FOR ts AS ts - INTERVAL '5' SECOND)
  WITH ('connector' = 'filesystem', 'path' = 'pay.json', 'format' = 'json');
CREATE TABLE s WITH ('connector' = 'print');
INSERT INTO s SELECT card, SUM(amount) OVER w FROM pay
WINDOW w AS (PARTITION BY card ORDER BY ts), w AS (ORDER BY ts);
