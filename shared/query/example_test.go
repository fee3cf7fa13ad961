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
	ctx := context.Background()
	db, done, err := exampleDB(ctx, rows)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer done()
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

// ExampleSeries cuts a rate level into seconds of intended send time: the
// arrival intended at 1.5 s was never sent (every slot busy), and counts
// as an error of its second.
func ExampleSeries() {
	ms := func(v float64) *float64 { return &v }
	rate := func(r sample.Row) sample.Row {
		r.RunID, r.LevelIndex, r.Mode, r.RequestRate, r.Level = "r1", 0, "rate", 2, 1
		return r
	}
	rows := []sample.Row{
		rate(sample.Row{Status: "ok", IntendedMs: 0, SchedDelayMs: 2, StartMs: 2, EndMs: 802, TTFTMs: ms(100), E2EMs: ms(800), OutputTokens: 40}),
		rate(sample.Row{Status: "ok", IntendedMs: 500, QueueMs: 302, SchedDelayMs: 304, StartMs: 804, EndMs: 1504, TTFTMs: ms(120), E2EMs: ms(700), OutputTokens: 30}),
		rate(sample.Row{Status: string(sample.StatusNotSent), IntendedMs: 1500, StartMs: 1500, EndMs: 1500, QueueMs: 500}),
	}
	ctx := context.Background()
	db, done, err := exampleDB(ctx, rows)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer done()
	series, err := query.Series(ctx, db, "r1")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range series[0] {
		fmt.Printf("t=%ds: %d arrivals, %d sent, %d ok, %d errors, %d tokens, TTFT %.0f ms, send lag %.0f ms\n",
			s.T, s.Arrivals, s.Sent, s.OK, s.Errors, s.OutputTokens, s.TTFTMeanMs, s.SendLagMeanMs)
	}
	// Output:
	// t=0s: 2 arrivals, 2 sent, 2 ok, 0 errors, 70 tokens, TTFT 110 ms, send lag 153 ms
	// t=1s: 1 arrivals, 0 sent, 0 ok, 1 errors, 0 tokens, TTFT 0 ms, send lag 0 ms
}

// exampleDB writes rows to a Parquet file in a temporary directory and
// opens DuckDB over it; done closes it and removes the directory.
func exampleDB(ctx context.Context, rows []sample.Row) (db *duckdb.DB, done func(), err error) {
	dir, err := os.MkdirTemp("", "query-example")
	if err != nil {
		return nil, nil, err
	}
	path := filepath.Join(dir, "part-0.parquet")
	f, err := os.Create(path)
	if err == nil {
		err = sample.WriteParquet(f, rows)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err == nil {
		db, err = duckdb.Open(ctx, []string{path})
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return db, func() { db.Close(); os.RemoveAll(dir) }, nil
}
