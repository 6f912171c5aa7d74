CREATE TABLE clicks (user_id BIGINT, ts TIMESTAMP(3))
WITH ('connector' = 'filesystem', 'path' = 'clicks.jsonl', 'format' = 'json',
      'late-data' = 'ignore', 'allowed-lateness' = '1 min', 'scan.watermark.idle-timeout' = '5 s');
CREATE TABLE out_t WITH ('connector' = 'print');
INSERT INTO out_t SELECT user_id FROM clicks;
