CREATE TABLE s WITH ('connector' = 'print');
INSERT INTO s SELECT 'a' + 1;
