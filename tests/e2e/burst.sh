#!/usr/bin/env bash
# Backpressure under a burst (scaled down): a paced nexmark source runs at 2,000 events/s, then
# bursts to 20,000 events/s (10x) for a second, then slows down again ('rate.shape' SQUARE). Two
# workers; every bid goes through an exchange to a print sink whose reader takes only 6,000
# lines/s, while a windowed count per auction keeps state under 'pipeline.memory.limit'.
# Expected: the sink slows the sources down (the bids arrive later than they were due: the
# lag grows during the burst), nothing is dropped (every bid arrives once), and memory stays
# bounded (peak RSS well under the bound; not checked under ASan, whose shadow memory
# dominates, nor under ThreadSanitizer).
. "$(dirname "$0")/lib/setup.sh"
cat >p.sql <<'Q'
SET 'pipeline.memory.limit' = '32mb';
CREATE TABLE nexmark (event_type INT,
  `bid.auction` BIGINT, `bid.bidder` BIGINT, `bid.price` BIGINT, `bid.dateTime` TIMESTAMP(3),
  WATERMARK FOR `bid.dateTime` AS `bid.dateTime` - INTERVAL '4' SECOND)
  WITH ('connector' = 'nexmark', 'events.num' = '24000', 'max-emit-speed' = 'false',
        'first-event.rate' = '2000', 'next-event.rate' = '20000', 'rate.shape' = 'SQUARE',
        'rate.period' = '2 s');
CREATE TABLE out WITH ('connector' = 'print');
CREATE TABLE counts WITH ('connector' = 'blackhole');
EXECUTE STATEMENT SET BEGIN
INSERT INTO out SELECT `bid.auction`, `bid.bidder`, `bid.price`, `bid.dateTime` FROM nexmark
  WHERE event_type = 2;
INSERT INTO counts SELECT `bid.auction`, window_start, COUNT(*) AS n
  FROM TABLE(TUMBLE(TABLE nexmark, DESCRIPTOR(`bid.dateTime`), INTERVAL '1' SECOND))
  WHERE event_type = 2 GROUP BY `bid.auction`, window_start, window_end;
END;
Q
cat >reader.py <<'PY'
import sys, time
rate = 6000.0
t0 = time.monotonic()
n = 0
with open("arrivals.txt", "w") as out:
    for line in sys.stdin:
        n += 1
        # at most `rate` lines per second: a slow consumer
        ahead = n / rate - (time.monotonic() - t0)
        if ahead > 0:
            time.sleep(ahead)
        out.write("%.3f\t%s" % (time.monotonic() - t0, line))
PY
/usr/bin/time -f "%M" -o rss.txt "$S" run p.sql -p 2 2>err.txt | python3 reader.py ||
  fail "run failed: $(cat err.txt)"
grep -q "24000 rows read" err.txt || fail "source: $(cat err.txt)"
bids=$(wc -l <arrivals.txt)
[ "$bids" = 22080 ] || fail "$bids bids arrived, expected 22080 (46 of every 50 of 24,000 events)"
[ "$(cut -f2 arrivals.txt | sort -u | wc -l)" = 22080 ] || fail "a bid arrived twice"
# the lag: when a bid arrived minus when it was due (its event time from the first one's; the
# source paces event time with the wall clock); the burst must have been slowed down
python3 - <<'PY' || exit 1
import datetime
rows = []
for line in open("arrivals.txt"):
    t, row = line.rstrip("\n").split("\t")
    ts = row.rsplit(", ", 1)[1].rstrip("]")
    rows.append((float(t), datetime.datetime.strptime(ts, "%Y-%m-%d %H:%M:%S.%f")))
first = rows[0][1]
lags = [t - (ev - first).total_seconds() for t, ev in rows]
calm = max(lags[:1000])   # the first second: 2,000 events/s, 1,840 bids/s, under the reader's rate
burst = max(lags)
print("lag before the burst %.2f s, at its worst %.2f s" % (calm, burst))
if burst < 0.5 or burst < calm + 0.4:
    raise SystemExit("the burst did not make the pipeline lag: %.2f s (before %.2f s)" % (burst, calm))
PY
case $S in
  */asan/* | */tsan/*) ;;
  *) [ "$(cat rss.txt)" -lt 60000 ] || fail "peak RSS $(cat rss.txt) KB under a burst" ;;
esac
echo ok
