CREATE TABLE g (id BIGINT) WITH ('connector' = 'datagen', 'fields.id.kind' = 'sequential');
CREATE TABLE p WITH ('connector' = 'print');
INSERT INTO p SELECT id FROM g;
