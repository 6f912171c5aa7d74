-- Orders older than 90 days move to the archive.
WITH moved AS (
  DELETE FROM staging.orders
  WHERE ts < now() - interval '90 days'
  RETURNING *
)
INSERT INTO archive.orders SELECT * FROM moved;
