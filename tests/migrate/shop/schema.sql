-- The shop's PostgreSQL tables, read by every test job (sluice migrate --schema).
CREATE TABLE shop.orders (
  order_id bigint PRIMARY KEY,
  customer_id integer NOT NULL,
  amount numeric(10,2),
  status text,
  created_at timestamp without time zone NOT NULL
);
CREATE TABLE shop.customers (
  id integer PRIMARY KEY,
  name varchar(40) NOT NULL,
  country char(2),
  email text
);
CREATE TABLE shop.shipments (
  order_id bigint NOT NULL REFERENCES shop.orders (order_id),
  carrier text,
  shipped_at timestamp NOT NULL
);
