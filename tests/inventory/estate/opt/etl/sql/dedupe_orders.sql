-- Removes duplicate order lines (the feed sometimes sends an order twice).
DELETE FROM staging.orders a
USING staging.orders b
WHERE a.id = b.id
  AND a.ctid < b.ctid;
