CREATE TABLE o WITH ('conector' = 'print');
INSERT INTO o SELECT 1 AS x;
