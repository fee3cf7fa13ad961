# llmbench — make help lists the targets.
GO        ?= go
BIN       := bin/llmbench
SPEC      ?= events/local.json
FUZZTIME  ?= 5s

.PHONY: help build run test fuzz bench worker-streams soak accuracy vet fmt clean package

FUNCTIONS := planner worker aggregator sweeper proxy

help: ## list the targets and the layout
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-8s %s\n", $$1, $$2}'
	@echo
	@echo "layout, in the data flow spec -> plan -> work -> aggregate (README: Development):"
	@echo "  cmd/llmbench, functions/{planner,worker,sweeper,aggregator}  entry points (CLI, Lambda mains)"
	@echo "  shared/localrun    the definition run in-process (CLI only)"
	@echo "  shared/workflow    the steps: Planner, Worker, Sweeper, Aggregator"
	@echo "  shared/plan  arrival  loadgen  target/{openai,sagemaker}  sample  store  query/{duckdb,athena}  report"
	@echo "  statemachine/benchmark.asl.json, events/*.json (specs), events/steps/*.json (step events)"

build: ## build the CLI into bin/llmbench (links DuckDB through cgo)
	$(GO) build -o $(BIN) ./cmd/llmbench

run: build ## run events/local.json against the built-in simulated server
	./$(BIN) run $(SPEC)

# -p 1: one test binary at a time. Several tests measure time against the
# simulated server's ground truth; on a 2-core machine two binaries at once
# stall each other's timers by milliseconds.
# The race detector runs on the packages whose goroutines share state: the
# load generator, the clients and their stream parsers, the States Language
# interpreter and the steps it runs.
RACE_PKGS := ./shared/loadgen ./shared/target/... ./shared/sse ./shared/sfnlocal ./shared/workflow/... ./shared/localrun

test: ## vet, all tests, the race detector on the concurrent core, short fuzz runs of the stream parsers
	$(GO) vet ./...
	$(GO) test -count=1 -p 1 -timeout 30m ./...
	$(GO) test -race -count=1 -p 1 -timeout 30m $(RACE_PKGS)
	$(MAKE) fuzz

fuzz: ## bounded fuzz runs (FUZZTIME each) of the stream parsers
	$(GO) test -run '^$$' -fuzz '^FuzzDecoder$$' -fuzztime $(FUZZTIME) ./shared/sse
	$(GO) test -run '^$$' -fuzz '^FuzzParseChunk$$' -fuzztime $(FUZZTIME) ./shared/target
	$(GO) test -run '^$$' -fuzz '^FuzzPayloadParser$$' -fuzztime $(FUZZTIME) ./shared/target/sagemaker

bench: ## client timing accuracy and overhead at 1 to 10,000 streams; open-loop send lag at 10 to 1,000 req/s
	$(GO) test -run '^$$' -bench '^BenchmarkTimingError$$' -benchtime 1x -timeout 30m ./shared/loadgen
	$(GO) test -run '^$$' -bench '^BenchmarkOpenLoopRate$$' -benchtime 1x -timeout 10m ./shared/loadgen
	$(GO) test -run '^$$' -bench '^BenchmarkClientCPU$$' -benchtime 1x -timeout 10m ./shared/loadgen
	$(GO) test -run '^$$' -bench . -benchmem ./shared/target/...

# A Lambda-sized worker (1 vCPU at 1,769 MB): the client on CPU 0 with
# GOMAXPROCS=1, the simulated server in a child process on CPU 1.
# LLMBENCH_WORKER_STREAMS=64,128 picks the stream counts.
worker-streams: ## streams one 1-vCPU worker drives against the instant server with delivery lag p99 < 1 ms (README: Development)
	@command -v taskset >/dev/null || { echo "make worker-streams needs taskset (util-linux)"; exit 1; }
	@mkdir -p bin
	$(GO) test -c -o bin/loadgen.test ./shared/loadgen
	GOMAXPROCS=1 LLMBENCH_SERVER_CPU=1 taskset -c 0 bin/loadgen.test -test.run '^$$' -test.bench '^BenchmarkWorkerStreams$$' -test.benchtime 1x -test.timeout 20m

# LLMBENCH_SOAK_DURATION=8s shortens every soak for a quick look (the
# samples then come every quarter of it).
soak: ## 2,000 streams for 60 s, 10,000 for 30 s: client RSS, goroutines, fds flat, rows = requests
	$(GO) test -run '^$$' -bench '^BenchmarkSoak$$' -benchtime 1x -timeout 10m ./shared/loadgen

# The wall-clock timing checks, kept out of the unit suite (build tag
# accuracy; tests named TestAccuracy*): the clients' stamps against the
# simulated server's record, and the simulator's schedule on a real clock.
# Tolerances: first-token lag and ITL error medians within 2 ms (OpenAI
# client at 1 and 64 streams, SageMaker client in every format); ingress
# median under 1 ms at one stream; fixed profile client TTFT 100 ms ± 10,
# mean ITL 20 ms ± 2, server chunk offsets ± 3 ms; g5 profile 950 tok/s
# ± 7% at 32 streams (± 10% through the CLI). Retries: each timing check
# runs up to 3 times (timingtest.Attempts) and fails only if every attempt
# does; counts and causality (every request's start precedes the server's
# receive) fail at once. -p 1 and a quiet machine: the checks time loopback
# HTTP, and a second test binary would stall their timers.
accuracy: ## timing checks vs the simulated server's truth (tolerances, 3 attempts: README)
	$(GO) vet -tags accuracy ./...
	$(GO) test -tags accuracy -run '^TestAccuracy' -count=1 -p 1 -timeout 20m ./...

package: ## build build/{planner,worker,aggregator,sweeper,proxy}.zip for Lambda (provided.al2023, arm64, no cgo)
	@command -v zip >/dev/null || { echo "make package needs zip (apt-get install zip)"; exit 1; }
	@for f in $(FUNCTIONS); do \
		mkdir -p build/$$f && \
		GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -tags lambda.norpc -trimpath -ldflags='-s -w' \
			-o build/$$f/bootstrap ./functions/$$f || exit 1; \
		rm -f build/$$f.zip && (cd build/$$f && zip -q -X ../$$f.zip bootstrap) || exit 1; \
	done
	@ls -l build/*.zip | awk '{printf "  %-24s %6.1f MiB\n", $$9, $$5/1048576}'

fmt: ## gofmt the tree
	gofmt -w $$(git ls-files '*.go')

clean: ## remove build outputs and local results
	rm -rf bin build results
