CREATE TABLE bids (item STRING, price DECIMAL(10, 2), bidtime TIMESTAMP(3),
  WATERMARK FOR bidtime AS bidtime - INTERVAL '1' SECOND)
  WITH ('connector' = 'filesystem', 'path' = 'bids.json', 'format' = 'json');
CREATE TABLE s WITH ('connector' = 'print');
INSERT INTO s SELECT * FROM TABLE(TUMBLE(TABLE bids, bidtime, INTERVAL '5' MINUTES));
