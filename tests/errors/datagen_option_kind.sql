CREATE TABLE g (id BIGINT, name STRING)
WITH ('connector' = 'datagen', 'fields.id.length' = '5');
CREATE TABLE p WITH ('connector' = 'print');
INSERT INTO p SELECT id, name FROM g;
