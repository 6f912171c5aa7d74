CREATE TABLE logs (msg STRING)
  WITH ('connector' = 'filesystem', 'path' = 'logs', 'format' = 'json',
        'source.monitor-interval' = '10 seconds please');
CREATE TABLE o WITH ('connector' = 'print');
INSERT INTO o SELECT msg FROM logs;
