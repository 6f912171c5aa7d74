CREATE TABLE g (id BIGINT) WITH ('connector' = 'datagen', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1');
CREATE TABLE p WITH ('connector' = 'print');
INSERT INTO p SELECT id FROM g;
