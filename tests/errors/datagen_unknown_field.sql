CREATE TABLE g (id BIGINT, price DOUBLE)
WITH ('connector' = 'datagen', 'fields.id.kind' = 'sequence', 'fields.id.start' = '1',
      'fields.id.end' = '10', 'fields.prize.max' = '100');
CREATE TABLE p WITH ('connector' = 'print');
INSERT INTO p SELECT id, price FROM g;
