CREATE TABLE t (id BIGINTT) WITH ('connector' = 'print');
