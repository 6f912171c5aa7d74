-- Nightly: yesterday's orders per e-mail domain, the day written by to_char (GROUP BY 1, 2).
CREATE TABLE domain_day (day text, domain text, orders bigint);

INSERT INTO domain_day
SELECT to_char(o.created_at, 'YYYY-MM-DD'), split_part(c.email, '@', 2), count(*)
FROM shop.orders o
JOIN shop.customers c ON o.customer_id = c.id
WHERE o.created_at >= current_date - interval '1 day'
  AND o.created_at < current_date
  AND strpos(c.email, '@') > 0
GROUP BY 1, 2;
