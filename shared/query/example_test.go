package query_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/llmbench/llmbench/shared/query"
	"github.com/llmbench/llmbench/shared/query/duckdb"
	"github.com/llmbench/llmbench/shared/sample"
)

// ExamplePercentile computes, in Go, the percentiles the summary SQL
// computes: exact, with numpy's default linear interpolation between the
// two nearest values.
func ExamplePercentile() {
	ttftMs := []float64{120, 80, 95, 300, 110, 90, 105, 100, 85, 115}
	sort.Float64s(ttftMs) // Percentile wants its input sorted
	for _, p := range []float64{0, 0.5, 0.9, 0.99, 1} {
		fmt.Printf("p%-3g %6.2f ms\n", p*100, query.Percentile(ttftMs, p))
	}
	fmt.Println("empty:", query.Percentile(nil, 0.5))
	// Output:
	// p0    80.00 ms
	// p50  102.50 ms
	// p90  138.00 ms
	// p99  283.80 ms
	// p100 300.00 ms
	// empty: NaN
}

// ExampleSummarize summarizes a run of one level from its Parquet rows with
// the DuckDB engine: the warm-up row is counted apart, the timeout counts
// in the error rate, the latencies come from the ok rows only, and goodput
// counts the ok rows within the 150 ms TTFT SLO.
func ExampleSummarize() {
	ms := func(v float64) *float64 { return &v }
	rows := []sample.Row{
		{RunID: "r1", Level: 2, Warmup: true, Status: "ok", StartMs: -500, EndMs: -100, TTFTMs: ms(900), E2EMs: ms(400), OutputTokens: 10},
		{RunID: "r1", Level: 2, Status: "ok", StartMs: 0, EndMs: 1000, TTFTMs: ms(100), E2EMs: ms(1000), OutputTokens: 50, TokenSource: "usage"},
		{RunID: "r1", Level: 2, Status: "ok", StartMs: 0, EndMs: 1500, TTFTMs: ms(200), E2EMs: ms(1500), OutputTokens: 70, TokenSource: "usage"},
		{RunID: "r1", Level: 2, Status: "timeout", StartMs: 1000, EndMs: 2000, Error: "request timeout"},
	}
	dir, err := os.MkdirTemp("", "query-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "part-0.parquet")
	f, err := os.Create(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := sample.WriteParquet(f, rows); err != nil {
		fmt.Println(err)
		return
	}
	if err := f.Close(); err != nil {
		fmt.Println(err)
		return
	}

	ctx := context.Background()
	db, err := duckdb.Open(ctx, []string{path})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	levels, err := query.Summarize(ctx, db, "r1", query.SLO{TTFTMs: 150})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, l := range levels {
		fmt.Printf("concurrency %d: %d requests (%d warm-up), %d ok, error rate %.3f, window %.1f s\n",
			l.Concurrency, l.Requests, l.WarmupRequests, l.OK, l.ErrorRate, l.DurationS)
		fmt.Printf("  %.0f output tok/s, %.1f req/s, goodput %.1f req/s\n", l.OutputTokenThroughput, l.RequestThroughput, l.GoodputRPS)
		fmt.Printf("  TTFT n=%d p50 %.0f ms p90 %.0f ms; E2E max %.0f ms\n", l.TTFTMs.N, l.TTFTMs.P50, l.TTFTMs.P90, l.E2EMs.Max)
	}
	// Output:
	// concurrency 2: 3 requests (1 warm-up), 2 ok, error rate 0.333, window 2.0 s
	//   60 output tok/s, 1.0 req/s, goodput 0.5 req/s
	//   TTFT n=2 p50 150 ms p90 190 ms; E2E max 1500 ms
}
