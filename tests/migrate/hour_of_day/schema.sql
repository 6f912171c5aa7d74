CREATE TABLE hourly_orders (hour_of_day integer PRIMARY KEY, orders bigint, max_amount numeric(10,2));
