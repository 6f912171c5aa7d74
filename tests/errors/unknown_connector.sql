CREATE TABLE t (id BIGINT) WITH ('connector' = 'filesytem', 'path' = 'x');
