#!/usr/bin/env bash
# nexmark end to end: (1) `sluice gen nexmark` writes N events as JSON lines and as CSV with the
# kinds 1 : 3 : 46, and both hold the same events (jq flattens the JSON into the CSV's lines);
# (2) a query over the nexmark connector (bounded by 'events.num') writes byte for byte the
# CSV that gen wrote, and counts and sums per kind agree with awk over it; (3) the filesystem
# source reads gen's CSV back to the same counts; (4) a paced run ('max-emit-speed' = 'false')
# of N events at rate R takes about N/R seconds, an unpaced one does not wait, and a SQUARE
# rate shape makes a 10x burst; (5) usage errors exit 2.
. "$(dirname "$0")/lib/setup.sh"
N=20000

# (1)
"$S" gen nexmark --events $N --format json -o ev.json || fail "(1) gen json failed"
"$S" gen nexmark --events $N --format csv -o ev.csv || fail "(1) gen csv failed"
[ "$(wc -l < ev.json)" = $N ] || fail "(1) $(wc -l < ev.json) JSON lines, expected $N"
[ "$(wc -l < ev.csv)" = $((N + 1)) ] || fail "(1) $(wc -l < ev.csv) CSV lines, expected $N + header"
kinds=$(jq -r .event_type ev.json | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}')
[ "$kinds" = "0:400 1:1200 2:18400 " ] || fail "(1) JSON kinds: $kinds"
kinds=$(awk -F, 'NR > 1 {n[$1]++} END {printf "0:%d 1:%d 2:%d ", n[0], n[1], n[2]}' ev.csv)
[ "$kinds" = "0:400 1:1200 2:18400 " ] || fail "(1) CSV kinds: $kinds"
jq -r '[.event_type,
        (.person | .id, .name, .emailAddress, .creditCard, .city, .state, .dateTime, .extra),
        (.auction | .id, .itemName, .description, .initialBid, .reserve, .dateTime, .expires,
                    .seller, .category, .extra),
        (.bid | .auction, .bidder, .price, .channel, .url, .dateTime, .extra)]
       | map(if . == null then "" else tostring end) | join(",")' ev.json > flat.csv
tail -n +2 ev.csv | cmp -s - flat.csv || fail "(1) the JSON and CSV events differ"
jq -e 'select(.event_type == 2) | .person == null and .auction == null and (.bid.price >= 100)' \
  ev.json | grep -q false && fail "(1) a bid with a person/auction or a price below 100"

# (2)
cols='event_type INT, `person.id` BIGINT, `person.name` STRING, `person.emailAddress` STRING,
  `person.creditCard` STRING, `person.city` STRING, `person.state` STRING,
  `person.dateTime` TIMESTAMP(3), `person.extra` STRING, `auction.id` BIGINT,
  `auction.itemName` STRING, `auction.description` STRING, `auction.initialBid` BIGINT,
  `auction.reserve` BIGINT, `auction.dateTime` TIMESTAMP(3), `auction.expires` TIMESTAMP(3),
  `auction.seller` BIGINT, `auction.category` BIGINT, `auction.extra` STRING,
  `bid.auction` BIGINT, `bid.bidder` BIGINT, `bid.price` BIGINT, `bid.channel` STRING,
  `bid.url` STRING, `bid.dateTime` TIMESTAMP(3), `bid.extra` STRING'
cat > all.sql <<Q
CREATE TABLE nexmark ($cols) WITH ('connector' = 'nexmark', 'events.num' = '$N');
CREATE TABLE o WITH ('connector' = 'filesystem', 'path' = 'all.csv', 'format' = 'csv',
  'csv.header' = 'true');
INSERT INTO o SELECT * FROM nexmark;
Q
"$S" run all.sql 2>err.txt || fail "(2) run failed"
grep -q "source nexmark *$N rows read" err.txt || fail "(2) summary: $(cat err.txt)"
cmp -s all.csv ev.csv || fail "(2) the connector's events differ from gen's"
sums='SUM(`bid.price`) AS bp, SUM(`person.id`) AS pid, SUM(`auction.reserve`) AS ar'
cat > sums.sql <<Q
SET 'execution.runtime-mode' = 'batch';
CREATE TABLE nexmark (event_type INT, \`bid.price\` BIGINT, \`person.id\` BIGINT,
  \`auction.reserve\` BIGINT) WITH ('connector' = 'nexmark', 'events.num' = '$N');
CREATE TABLE o WITH ('connector' = 'filesystem', 'path' = 'sums.csv', 'format' = 'csv');
INSERT INTO o SELECT event_type, COUNT(*) AS n, $sums FROM nexmark GROUP BY event_type;
Q
"$S" run sums.sql -q 2>err.txt || fail "(2) sums run failed"
awk -F, 'NR > 1 {n[$1]++; bp[$1] += $22; pid[$1] += $2; ar[$1] += $14}
  END {for (k in n) printf "%s,%d,%s,%s,%s\n", k, n[k], bp[k] ? bp[k] : "", pid[k] ? pid[k] : "",
       ar[k] ? ar[k] : ""}' ev.csv | sort > want.csv
sort sums.csv | cmp -s - want.csv || fail "(2) sums: $(sort sums.csv) vs $(cat want.csv)"

# (3)
cat > back.sql <<Q
SET 'execution.runtime-mode' = 'batch';
CREATE TABLE ev ($cols) WITH ('connector' = 'filesystem', 'path' = 'ev.csv', 'format' = 'csv',
  'csv.header' = 'true');
CREATE TABLE o WITH ('connector' = 'filesystem', 'path' = 'back.csv', 'format' = 'csv');
INSERT INTO o SELECT event_type, COUNT(*) AS n, $sums FROM ev GROUP BY event_type;
Q
"$S" run back.sql -q 2>err.txt || fail "(3) run failed"
sort back.csv | cmp -s - want.csv || fail "(3) read back: $(sort back.csv)"

# (4) 1,500 events at 1,000 per second of event time: about 1.5 s when paced
cat > paced.sql <<'Q'
CREATE TABLE nexmark (event_type INT, `bid.price` BIGINT) WITH ('connector' = 'nexmark',
  'events.num' = '1500', 'first-event.rate' = '1000', 'next-event.rate' = '1000',
  'max-emit-speed' = 'false');
CREATE TABLE o WITH ('connector' = 'filesystem', 'path' = 'paced.csv', 'format' = 'csv');
INSERT INTO o SELECT event_type, `bid.price` FROM nexmark;
Q
t0=$(now_ms)
"$S" run paced.sql -q 2>err.txt || fail "(4) paced run failed"
took=$(($(now_ms) - t0))
[ "$(wc -l < paced.csv)" = 1500 ] || fail "(4) $(wc -l < paced.csv) rows, expected 1500"
[ $took -ge 750 ] || fail "(4) 1500 events at 1000/s took $took ms"
sed -i "s/'max-emit-speed' = 'false'/'max-emit-speed' = 'true'/" paced.sql
t0=$(now_ms)
"$S" run paced.sql -q 2>err.txt || fail "(4) unpaced run failed"
took=$(($(now_ms) - t0))
[ $took -lt 750 ] || fail "(4) an unpaced run of 1500 events took $took ms"
"$S" explain paced.sql | grep -q "nexmark, 2 of 2 columns, 1500 events" ||
  fail "(4) explain: $("$S" explain paced.sql)"

# (4b) a burst: SQUARE between 200 and 2,000 events per second, 0.5 s each: 1,100 events take
# about 1 s paced (5.5 s at the first rate alone)
cat > burst.sql <<'Q'
CREATE TABLE nexmark (event_type INT) WITH ('connector' = 'nexmark', 'events.num' = '1100',
  'first-event.rate' = '200', 'next-event.rate' = '2000', 'rate.shape' = 'SQUARE',
  'rate.period' = '1 s', 'max-emit-speed' = 'false');
CREATE TABLE o WITH ('connector' = 'filesystem', 'path' = 'burst.csv', 'format' = 'csv');
INSERT INTO o SELECT event_type FROM nexmark;
Q
t0=$(now_ms)
"$S" run burst.sql -q 2>err.txt || fail "(4b) burst run failed"
took=$(($(now_ms) - t0))
[ "$(wc -l < burst.csv)" = 1100 ] || fail "(4b) $(wc -l < burst.csv) rows, expected 1100"
[ $took -ge 500 ] && [ $took -lt 3000 ] || fail "(4b) the burst took $took ms, expected about 1 s"

# (5)
"$S" gen nexmark > /dev/null 2>err.txt
[ $? = 2 ] && grep -q "missing --events" err.txt || fail "(5) gen without --events"
"$S" gen nexmark --events 5 --option bid.hot-ratio=3 > /dev/null 2>err.txt
[ $? = 2 ] && grep -q "unknown option 'bid.hot-ratio'" err.txt || fail "(5) unknown --option"
"$S" gen nexmark --events 5 --rate 0 > /dev/null 2>err.txt
[ $? = 2 ] && grep -q "first-event.rate" err.txt || fail "(5) --rate 0"
"$S" gen nexmark --events 5 --format xml > /dev/null 2>err.txt
[ $? = 2 ] || fail "(5) --format xml"
exit 0
