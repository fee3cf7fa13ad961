# llmbench — make help lists the targets.
GO        ?= go
BIN       := bin/llmbench
SPEC      ?= events/local.json
FUZZTIME  ?= 5s

.PHONY: help build run test fuzz bench vet fmt clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-8s %s\n", $$1, $$2}'

build: ## build the CLI into bin/llmbench (links DuckDB through cgo)
	$(GO) build -o $(BIN) ./cmd/llmbench

run: build ## run events/local.json against the built-in simulated server
	./$(BIN) run $(SPEC)

test: ## vet, all tests, and short fuzz runs of the stream parsers
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...
	$(MAKE) fuzz

fuzz: ## bounded fuzz runs (FUZZTIME each) of the SSE decoder
	$(GO) test -run '^$$' -fuzz '^FuzzDecoder$$' -fuzztime $(FUZZTIME) ./shared/sse

bench: ## client timing accuracy and overhead at 1 to 10,000 streams
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 30m ./shared/loadgen
	$(GO) test -run '^$$' -bench . -benchmem ./shared/target

fmt: ## gofmt the tree
	gofmt -w $$(git ls-files '*.go')

clean: ## remove build outputs and local results
	rm -rf bin build results
