-- Nightly: shipped orders with their carrier (two event tables joined).
CREATE TABLE shipped_orders AS
SELECT o.order_id, o.amount, lower(s.carrier) AS carrier, length(s.carrier) AS carrier_len,
       s.shipped_at
FROM shop.orders o
JOIN shop.shipments s ON s.order_id = o.order_id
WHERE o.status <> 'cancelled';
