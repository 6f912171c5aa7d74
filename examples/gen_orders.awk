# gen_orders.awk - writes the bundled sample: an e-commerce order event log as JSON lines.
# Deterministic (own LCG, no srand), so `awk -f examples/gen_orders.awk > examples/data/orders.jsonl`
# reproduces the committed file byte for byte. A few malformed records are included on
# purpose: they show the dead-letter file at work.
function rnd(n) { seed = (seed * 1103515245 + 12345) % 2147483648; return int(seed / 65536) % n }
BEGIN {
  seed = 42
  split("created paid paid paid shipped shipped cancelled refunded", st, " ")
  split("DE FR NL ES IT US US GB CA JP BR", co, " ")
  split("web app app marketplace", ch, " ")
  split("sku-shoe sku-shirt sku-lamp sku-book sku-mug sku-desk sku-chair sku-phone", sk, " ")
  t = 1717200000  # 2024-06-01 00:00:00 UTC
  for (i = 1; i <= 3000; i++) {
    t += 1 + rnd(40)
    d = int(t / 86400); s = t % 86400
    # civil date from days (1970-01-01 = 0)
    z = d + 719468; era = int(z / 146097); doe = z - era * 146097
    yoe = int((doe - int(doe / 1460) + int(doe / 36524) - int(doe / 146096)) / 365)
    y = yoe + era * 400; doy = doe - (365 * yoe + int(yoe / 4) - int(yoe / 100))
    mp = int((5 * doy + 2) / 153); dd = doy - int((153 * mp + 2) / 5) + 1
    mm = mp < 10 ? mp + 3 : mp - 9; if (mm <= 2) y++
    ts = sprintf("%04d-%02d-%02dT%02d:%02d:%02dZ", y, mm, dd, int(s / 3600), int(s / 60) % 60, s % 60)
    amount = sprintf("%d.%02d", 5 + rnd(400), rnd(100))
    if (i % 997 == 0) { printf "{\"order_id\": %d, \"status\": \"paid\", \"amount_usd\": \"12,50\"}\n", 100000 + i; continue }
    if (i % 1499 == 0) { printf "{\"order_id\": %d, \"status\": \"paid\", \n", 100000 + i; continue }
    printf "{\"order_id\":%d,\"customer_id\":%d,\"status\":\"%s\",\"amount_usd\":%s,\"country\":\"%s\",\"channel\":\"%s\",\"sku\":\"%s\",\"qty\":%d,\"ts\":\"%s\"}\n",
      100000 + i, 5000 + rnd(800), st[1 + rnd(8)], amount, co[1 + rnd(11)], ch[1 + rnd(4)], sk[1 + rnd(8)], 1 + rnd(4), ts
  }
}
