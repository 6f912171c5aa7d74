CREATE TABLE nexmark (event_type INT, bid ROW<auction BIGINT, price BIGINT>)
  WITH ('connector' = 'filesystem', 'path' = 'n.csv', 'format' = 'csv');
CREATE TABLE p WITH ('connector' = 'print');
INSERT INTO p SELECT bid.auctoin FROM nexmark;
