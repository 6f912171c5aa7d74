# gen.awk - N NDJSON records of about 250 bytes (ids, a status, an amount, a timestamp, a URL,
# padding) for bench/run.sh. Deterministic: its own LCG.
function rnd(n) { seed = (seed * 1103515245 + 12345) % 2147483648; return int(seed / 65536) % n }
BEGIN {
  seed = 7
  split("paid created shipped cancelled refunded paid paid open", st, " ")
  pad = "lorem-ipsum-dolor-sit-amet-consectetur-adipiscing-elit-sed-do-eiusmod-tempor"
  for (i = 1; i <= n; i++) {
    s = i % 86400
    printf "{\"id\":%d,\"user_id\":%d,\"status\":\"%s\",\"amount\":%d.%02d,\"currency\":\"USD\",\"ts\":\"2024-06-%02d %02d:%02d:%02d.%03d\",\"url\":\"https://shop.example.com/p/%d?ref=c%d\",\"pad\":\"%s\"}\n",
      1000000 + i, rnd(100000), st[1 + rnd(8)], rnd(500), rnd(100), 1 + int(i / 86400) % 28,
      int(s / 3600), int(s / 60) % 60, s % 60, rnd(1000), rnd(50000), rnd(100), substr(pad, 1, 65 + rnd(12))
  }
}
