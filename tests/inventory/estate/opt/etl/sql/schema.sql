-- The warehouse's tables (run once by the DBA; no job runs it). The e2e test creates them in a
-- real PostgreSQL 15 before it runs every other SQL file of the estate.
CREATE SCHEMA staging;
CREATE SCHEMA mart;
CREATE SCHEMA web;
CREATE SCHEMA ops;
CREATE SCHEMA archive;
CREATE TABLE staging.orders (id bigint, customer_id bigint, amount numeric(12,2), currency text,
  ts timestamptz, loaded_at timestamptz DEFAULT now());
CREATE TABLE public.customers (id bigint PRIMARY KEY, name text, region text, segment text);
CREATE TABLE public.fx_rates (currency text PRIMARY KEY, rate numeric);
CREATE TABLE mart.order_facts (id bigint PRIMARY KEY, customer_id bigint, region text,
  amount_eur numeric(12,2), ts timestamptz);
CREATE TABLE mart.report_daily (day date, region text, revenue numeric, orders bigint);
CREATE TABLE web.clicks (ts timestamptz, page text, customer_id bigint);
CREATE TABLE mart.clicks_hourly (hour timestamptz, page text, clicks bigint, PRIMARY KEY (hour, page));
CREATE TABLE mart.customer_360 (customer_id bigint, name text, orders bigint, revenue numeric,
  clicks bigint, avg_monthly numeric);
CREATE TABLE ops.heartbeat (ts timestamptz);
CREATE TABLE ops.load_audit (day date, rows_loaded bigint);
CREATE TABLE archive.orders (LIKE staging.orders);
CREATE TABLE ops.decoy_unused (LIKE mart.report_daily);
