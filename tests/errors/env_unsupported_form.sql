CREATE TABLE t (id BIGINT)
WITH ('connector' = 'filesystem', 'path' = '${SLUICE_TEST_DIR:=/tmp}/x.jsonl', 'format' = 'json');
