# The two commands of the README:
#   make demo   install what is missing, build, run the main job
#   make test   install what is missing, build, run the unit tests
# and the rest of what CI runs:
#   make sanitize   unit tests built with address,undefined sanitizers
#   make fuzz       every libFuzzer harness for FUZZ_SECONDS each
#   make bench      the crypto benchmark
#   make bench-backup  coffer against restic and borg (bench/backup/run.sh)
#   make bench-load    cofferd under load, baseline then attack (bench/server/load.sh)
#   make vectors    rewrite tests/vectors/ from the test binaries
# CI=true (as CI sets it) turns warnings into errors.

BUILD	?= build
ASAN	?= build-asan
FUZZ	?= build-fuzz
FUZZ_SECONDS ?= 30
JOBS	?= $(shell nproc)
WERROR	:= $(if $(filter true 1 yes,$(CI)),ON,OFF)
CMAKE_FLAGS ?=

.PHONY: all deps build test demo sanitize fuzz bench vectors clean

all: build

deps:
	@scripts/deps.sh build test

build: deps
	@cmake -S . -B $(BUILD) -DCOFFER_WERROR=$(WERROR) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	@scripts/run-tests.sh $(BUILD)

demo: build
	@scripts/demo.sh $(BUILD)

sanitize: deps
	@cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Debug -DCOFFER_SANITIZE=ON \
		-DCOFFER_BENCH=OFF -DCOFFER_WERROR=$(WERROR) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(ASAN) -j $(JOBS)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		scripts/run-tests.sh $(ASAN)

fuzz:
	@scripts/deps.sh fuzz
	@CC=clang cmake -S . -B $(FUZZ) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DCOFFER_FUZZ=ON -DCOFFER_WERROR=$(WERROR) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(FUZZ) -j $(JOBS)
	@scripts/fuzz.sh $(FUZZ) $(FUZZ_SECONDS)

bench: build
	@$(BUILD)/bench/bench-crypto

# The backup benchmark (bench/README.md): coffer, restic, borg and cp -a on a
# 1 GiB data set built under COFFER_BENCH_DIR (default /var/tmp/coffer-bench).
#   make bench-backup BENCH_BACKUP_ARGS="--only restic,borg,cp --runs 3"
.PHONY: bench-backup
bench-backup: build
	@scripts/deps.sh bench
	@bench/backup/run.sh --build $(BUILD) $(BENCH_BACKUP_ARGS)

# cofferd under 100 clients' load, without then with an attacker
# (bench/README.md, "Load under attack"); about 21 minutes:
#   make bench-load BENCH_LOAD_ARGS="--minutes 1 --clients 20"
.PHONY: bench-load
bench-load: build
	@bench/server/load.sh --build $(BUILD) --compare $(BENCH_LOAD_ARGS)

vectors: build
	@scripts/vectors.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN) $(FUZZ)
