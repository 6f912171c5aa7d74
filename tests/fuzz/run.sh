#!/bin/sh
# make fuzz: builds each libFuzzer target with clang (ASan+UBSan) and fuzzes it for N seconds,
# starting from the committed corpus, with tests/fuzz/NAME.dict when there is one (FUZZ_TARGETS
# picks targets). New finds land in build/fuzz/corpus-NAME; merge them into the committed corpus
# with build/fuzz/fuzz_NAME -merge=1 tests/fuzz/corpus/NAME build/fuzz/corpus-NAME so the
# normal test run replays them.
set -e
secs=${1:-30}
# undefined behaviour stops the fuzzer like a crash (by default UBSan only reports it), as it
# fails the ASan+UBSan replay of the corpus in make test
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
cd "$(dirname "$0")/../.."
mkdir -p build/fuzz
srcs=$(find src -name '*.c' ! -name main.c | sort)
for t in ${FUZZ_TARGETS:-sql json csv expr state changelog restore pgoutput diff inventory migrate}; do
  clang -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
    -o build/fuzz/fuzz_$t tests/fuzz/fuzz_$t.c $srcs -lm -lpcre2-8 -lutf8proc -lpthread -lrdkafka -lpq -lsqlite3 -lgvc -lcgraph
  mkdir -p build/fuzz/corpus-$t
  dict=""
  [ -f tests/fuzz/$t.dict ] && dict="-dict=tests/fuzz/$t.dict"
  echo "fuzzing $t for ${secs}s"
  build/fuzz/fuzz_$t -max_total_time="$secs" -timeout=10 -max_len=4096 $dict \
    build/fuzz/corpus-$t tests/fuzz/corpus/$t 2>&1 | tail -n 3
done
