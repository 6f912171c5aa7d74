# sluice - build, test, fuzz, format. `make quickstart` and `make test` set up everything on a
# fresh Debian 12 machine (as root or with sudo).
CC      ?= gcc
PREFIX  ?= /usr/local
WARN    := -Wall -Wextra -Werror -Wshadow -Wmissing-prototypes -Wno-unused-parameter
CSTD    := -std=c11 -D_GNU_SOURCE
CFLAGS  ?= -O2 -g
LDLIBS  := -lm -lpcre2-8 -lutf8proc -lpthread -lrdkafka -lpq -lsqlite3 -lgvc -lcgraph
SRCS    := $(shell find src -name '*.c' | sort)
HDRS    := $(shell find src -name '*.h')
LIBSRCS := $(filter-out src/main.c,$(SRCS))
OBJS    := $(SRCS:src/%.c=build/obj/%.o)
AOBJS   := $(SRCS:src/%.c=build/asan/obj/%.o)
ASAN    := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
UNIT    := $(sort $(filter-out tests/unit/json_diff.c,$(wildcard tests/unit/*.c)))
DEB_PKGS := gcc make clang libclang-rt-14-dev clang-format libjansson-dev libpcre2-dev libutf8proc-dev jq miller gawk python3 \
            librdkafka-dev kcat libpq-dev postgresql-15 libsqlite3-dev sqlite3 libgraphviz-dev \
            chromium nodejs

.PHONY: all deps quickstart test unit fuzz format install clean bench docs asan
all: build/sluice

# V=1 shows the full commands.
Q := $(if $(V),,@)
build/obj/%.o: src/%.c $(HDRS)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC      $<")
	$(Q)$(CC) $(CSTD) $(CFLAGS) $(WARN) -c $< -o $@

build/asan/obj/%.o: src/%.c $(HDRS)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC asan $<")
	$(Q)$(CC) $(CSTD) $(ASAN) $(WARN) -c $< -o $@

build/sluice: $(OBJS)
	$(Q)$(CC) $(CFLAGS) -o $@ $(OBJS) $(LDLIBS)

build/asan/sluice: $(AOBJS)
	$(Q)$(CC) $(ASAN) -o $@ $(AOBJS) $(LDLIBS)

# ThreadSanitizer build of the binary: the parallel tests run under it too (tests/run.sh).
build/tsan/sluice: $(SRCS) $(HDRS)
	@mkdir -p $(dir $@)
	@$(if $(V),,echo "  CC tsan sluice")
	$(Q)$(CC) $(CSTD) -O1 -g -fsanitize=thread $(WARN) -Isrc -o $@ $(SRCS) $(LDLIBS)

# Test programs link every object but main.o.
build/test_unit: $(UNIT) tests/unit/unit.h $(filter-out build/obj/main.o,$(OBJS))
	$(Q)$(CC) $(CSTD) $(CFLAGS) $(WARN) -Isrc -o $@ $(UNIT) $(filter-out build/obj/main.o,$(OBJS)) $(LDLIBS)
build/asan/test_unit: $(UNIT) tests/unit/unit.h $(filter-out build/asan/obj/main.o,$(AOBJS))
	$(Q)$(CC) $(CSTD) $(ASAN) $(WARN) -Isrc -o $@ $(UNIT) $(filter-out build/asan/obj/main.o,$(AOBJS)) $(LDLIBS)
build/test_json_diff: tests/unit/json_diff.c $(filter-out build/obj/main.o,$(OBJS))
	$(Q)$(CC) $(CSTD) $(CFLAGS) $(WARN) -Isrc -o $@ $^ $(LDLIBS) -ljansson
build/asan/test_json_diff: tests/unit/json_diff.c $(filter-out build/asan/obj/main.o,$(AOBJS))
	$(Q)$(CC) $(CSTD) $(ASAN) $(WARN) -Isrc -o $@ $^ $(LDLIBS) -ljansson
# Fuzz targets replayed over their corpora by a small driver (tests/fuzz/replay.c).
build/fuzz_replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(filter-out build/obj/main.o,$(OBJS))
	$(Q)$(CC) $(CSTD) $(CFLAGS) $(WARN) -Isrc -o $@ $^ $(LDLIBS)
build/asan/fuzz_replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(filter-out build/asan/obj/main.o,$(AOBJS))
	$(Q)$(CC) $(CSTD) $(ASAN) $(WARN) -Isrc -o $@ $^ $(LDLIBS)

# The Kafka of the tests: librdkafka's mock cluster in its own process (tests/kafka/).
build/kafka_mock: tests/kafka/mock_broker.c
	@mkdir -p build
	$(Q)$(CC) $(CSTD) -O1 -g $(WARN) -o $@ $< -lrdkafka

FUZZERS := sql json csv expr state changelog restore pgoutput diff inventory migrate
TESTBINS := build/sluice build/kafka_mock build/test_unit build/test_json_diff $(FUZZERS:%=build/fuzz_replay_%)
ASANBINS := build/asan/sluice build/asan/test_unit build/asan/test_json_diff $(FUZZERS:%=build/asan/fuzz_replay_%)
TSANBINS := build/tsan/sluice

deps:
	@sh tools/deps.sh $(DEB_PKGS)
	@command -v npm >/dev/null 2>&1 || sh tools/deps.sh npm # (a nodejs that bundles npm needs no package)

quickstart: deps build/sluice
	@sh examples/quickstart.sh

test: deps
	@$(MAKE) --no-print-directory $(TESTBINS) $(ASANBINS) $(TSANBINS)
	@[ -d tests/web/node_modules/playwright-core ] || (cd tests/web && npm install --no-audit --no-fund --silent)
	@bash tests/run.sh

unit: build/test_unit
	./build/test_unit

asan: $(ASANBINS)

fuzz: deps
	@sh tests/fuzz/run.sh $(or $(FUZZ_SECONDS),30)

bench: build/sluice
	@bash bench/run.sh
	@python3 bench/streaming.py build/sluice
	@python3 bench/window.py build/sluice
	@python3 bench/join.py build/sluice
	@python3 bench/sink.py build/sluice

docs: build/sluice
	./build/sluice docs connectors > docs/connectors.md

format:
	clang-format -i $(SRCS) $(HDRS) tests/unit/*.c tests/unit/*.h tests/fuzz/*.c

install: build/sluice
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 build/sluice $(DESTDIR)$(PREFIX)/bin/sluice

clean:
	rm -rf build
