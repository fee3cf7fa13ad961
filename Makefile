# llmbench — make help lists the targets.
GO        ?= go
BIN       := bin/llmbench
SPEC      ?= events/local.json
FUZZTIME  ?= 5s

.PHONY: help build run test fuzz bench vet fmt clean package

FUNCTIONS := planner worker aggregator

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-8s %s\n", $$1, $$2}'

build: ## build the CLI into bin/llmbench (links DuckDB through cgo)
	$(GO) build -o $(BIN) ./cmd/llmbench

run: build ## run events/local.json against the built-in simulated server
	./$(BIN) run $(SPEC)

# -p 1: one test binary at a time. Several tests measure time against the
# simulated server's ground truth; on a 2-core machine two binaries at once
# stall each other's timers by milliseconds.
test: ## vet, all tests, and short fuzz runs of the stream parsers
	$(GO) vet ./...
	$(GO) test -count=1 -p 1 -timeout 30m ./...
	$(MAKE) fuzz

fuzz: ## bounded fuzz runs (FUZZTIME each) of the stream parsers
	$(GO) test -run '^$$' -fuzz '^FuzzDecoder$$' -fuzztime $(FUZZTIME) ./shared/sse
	$(GO) test -run '^$$' -fuzz '^FuzzParseChunk$$' -fuzztime $(FUZZTIME) ./shared/target
	$(GO) test -run '^$$' -fuzz '^FuzzPayloadParser$$' -fuzztime $(FUZZTIME) ./shared/target/sagemaker

bench: ## client timing accuracy and overhead at 1 to 10,000 streams
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 30m ./shared/loadgen
	$(GO) test -run '^$$' -bench . -benchmem ./shared/target

package: ## build build/{planner,worker,aggregator}.zip for Lambda (provided.al2023, arm64, no cgo)
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
