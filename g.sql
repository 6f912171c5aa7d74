SET 'execution.checkpointing.interval' = '1 h';
CREATE TABLE grp (n INT) WITH ('connector' = 'kafka', 'topic' = 'grp',
  'properties.bootstrap.servers' = '127.0.0.1:34767,127.0.0.1:46401,127.0.0.1:33759', 'properties.group.id' = 'g-kill',
  'properties.session.timeout.ms' = '6000', 'properties.heartbeat.interval.ms' = '1000',
  'properties.fetch.wait.max.ms' = '20', 'scan.startup.mode' = 'group-offsets', 'format' = 'json');
CREATE TABLE s (n INT) WITH ('connector' = 'print');
INSERT INTO s SELECT n FROM grp;
