CREATE TABLE s WITH ('connector' = 'print');
INSERT INTO s SELECT REGEXP_EXTRACT('abc', '(a', 1);
