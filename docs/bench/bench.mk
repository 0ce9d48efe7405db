# Benchmarks (issue 10). The Makefile includes this file.
#
#   make bench        the harness: every scenario against `ferry sandbox` on
#                     loopback, BENCH_RUNS runs each, with curl/find/sha256sum
#                     baselines; writes docs/bench/results.md, results.json and
#                     chart.png (about an hour; the machine should be idle)
#   make bench-quick  the same at small sizes, one run (10-20 minutes), into
#                     BENCH_QUICK_OUT so the published report stays as it is
#   make bench-go     every package's Go benchmarks (go test -bench)

BENCH_RUNS      ?= 3
BENCH_OUT       ?= docs/bench
BENCH_QUICK_OUT ?= $(or $(TMPDIR),/tmp)/ferry-bench-quick

.PHONY: bench bench-quick bench-go

bench: deps
	@command -v curl >/dev/null 2>&1 || { echo "make bench needs curl for its baseline (apt-get install curl)"; exit 1; }
	$(GO) test -count=1 -run '^TestHarness$$' -timeout 120m ./app/bench -args -out $(abspath $(BENCH_OUT)) -runs $(BENCH_RUNS)

bench-quick: deps
	@command -v curl >/dev/null 2>&1 || { echo "make bench-quick needs curl for its baseline (apt-get install curl)"; exit 1; }
	$(GO) test -count=1 -run '^TestHarness$$' -timeout 40m ./app/bench -args -quick -out $(abspath $(BENCH_QUICK_OUT))

bench-go:
	$(GO) test -run '^$$' -bench . -benchmem -timeout 60m ./...
