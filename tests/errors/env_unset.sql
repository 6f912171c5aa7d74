CREATE TABLE t (id BIGINT)
WITH ('connector' = 'filesystem', 'path' = '${SLUICE_TEST_SURELY_UNSET}/x.jsonl', 'format' = 'json');
