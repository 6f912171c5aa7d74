-- bench/filter_project.sql: the benchmark pipeline (filter + project, file -> blackhole).
CREATE TABLE events (
  id BIGINT, user_id BIGINT, status STRING, amount DECIMAL(10, 2), currency STRING,
  ts TIMESTAMP(3), url STRING, pad STRING
) WITH ('connector' = 'filesystem', 'path' = '${BENCH_DATA}', 'format' = 'json');
CREATE TABLE sink WITH ('connector' = '${BENCH_SINK:-blackhole}');
INSERT INTO sink SELECT id, amount, ts, url FROM events WHERE status = 'paid' AND amount > 100;
