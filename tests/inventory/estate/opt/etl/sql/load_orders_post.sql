-- After the \copy: stamp the day's load in the audit table.
INSERT INTO ops.load_audit (day, rows_loaded)
SELECT :'day'::date, count(*)
FROM staging.orders
WHERE loaded_at >= :'day'::date;
