CREATE TABLE g (id BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '0');
CREATE TABLE p WITH ('connector' = 'print');
INSERT INTO p SELECT id FROM g;
