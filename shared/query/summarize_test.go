package query_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/query"
	"github.com/llmbench/llmbench/shared/query/querytest"
	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/summary"
)

const runID = "run-2025_01"

// genLevel generates the rows of one level: n requests per worker, with
// warm-up rows before the level's start, errors of every kind, null
// latencies and ITL lists from empty to long. tokenSource picks each ok
// row's token_source.
func genLevel(rng *rand.Rand, run string, level, workers, n int, errRate float64, tokenSource func() string) [][]sample.Row {
	statuses := []string{"http_error", "timeout", "transport", "protocol", "canceled"}
	// Some values on a coarse grid, so that ties occur.
	val := func(lo, hi float64) float64 {
		v := lo + rng.Float64()*(hi-lo)
		if rng.IntN(3) == 0 {
			v = math.Round(v*4) / 4
		}
		return v
	}
	t0 := time.Date(2025, 1, 2, 3, 0, 0, 0, time.UTC)
	files := make([][]sample.Row, workers)
	for w := range workers {
		for seq := range n {
			r := sample.Row{
				RunID: run, Level: int32(level), Worker: int32(w), Seq: int64(seq), VU: int32(rng.IntN(level)),
				Status: "ok", HTTPStatus: 200, InputTokens: int32(rng.IntN(2000)),
			}
			r.Warmup = seq < n/10
			if r.Warmup {
				r.StartMs = -val(0, 5000) // before the level's start instant
			} else {
				r.StartMs = val(0, 60_000)
			}
			r.StartTime = t0.Add(time.Duration(r.StartMs * float64(time.Millisecond))).Truncate(time.Microsecond)
			r.EndMs = r.StartMs + val(1, 20_000)
			chunks := rng.IntN(40)
			if rng.IntN(20) == 0 {
				chunks = 0 // an empty answer: no token, no TTFT
			}
			r.Chunks = int32(chunks)
			if chunks > 0 {
				r.TTFTMs = f64(val(5, 3000))
				r.TTFBMs = f64(*r.TTFTMs / 2)
				r.ITLMs = make([]float64, 0, chunks-1)
				for range chunks - 1 {
					r.ITLMs = append(r.ITLMs, val(0, 200))
				}
				if rng.IntN(5) == 0 {
					r.ITLMs = nil // a nil list: written as an empty one
				}
				r.E2EMs = f64(*r.TTFTMs + val(0, 10_000))
				r.OutputTokens = int32(chunks + rng.IntN(3))
				if r.OutputTokens > 1 {
					r.TPOTMs = f64((*r.E2EMs - *r.TTFTMs) / float64(r.OutputTokens-1))
				}
			} else if rng.IntN(2) == 0 {
				r.E2EMs = f64(r.EndMs - r.StartMs)
			}
			r.TokenSource = tokenSource()
			if rng.Float64() < errRate {
				r.Status = statuses[rng.IntN(len(statuses))]
				r.HTTPStatus = []int32{500, 429, 503, 0}[rng.IntN(4)]
				r.Error = "boom"
				r.BackoffMs = float64(rng.IntN(400))
				r.CutShort = r.Status == "protocol" && rng.IntN(2) == 0
				if rng.IntN(2) == 0 { // failed before any token
					r.TTFTMs, r.TPOTMs, r.E2EMs, r.ITLMs = nil, nil, nil, nil
				}
			}
			files[w] = append(files[w], r)
		}
	}
	return files
}

func TestSummarizeMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	usage := func() string { return "usage" }
	chunks := func() string { return "chunks" }
	mixed := func() string { return []string{"usage", "chunks"}[rng.IntN(2)] }
	var all []sample.Row
	var files []string
	dir := t.TempDir()
	add := func(name string, rows []sample.Row) {
		all = append(all, rows...)
		files = append(files, querytest.WriteRows(t, dir, name, rows))
	}
	levels := []struct {
		level, workers, n int
		errRate           float64
		source            func() string
	}{
		{1, 1, 40, 0.05, usage},   // one worker
		{4, 2, 150, 0.1, usage},   // usage counts
		{16, 3, 300, 0.2, chunks}, // chunk counts
		{32, 2, 200, 0.5, mixed},  // mixed counts, many errors
		{8, 2, 30, 1, usage},      // every request failed: no ok row
	}
	for _, lv := range levels {
		for w, rows := range genLevel(rng, runID, lv.level, lv.workers, lv.n, lv.errRate, lv.source) {
			add(fmt.Sprintf("level=%d-worker=%d.parquet", lv.level, w), rows)
		}
	}
	// Another run in the same files must not count.
	for w, rows := range genLevel(rng, "other-run", 4, 1, 100, 0.1, usage) {
		add(fmt.Sprintf("other-%d.parquet", w), rows)
	}
	d := openDuckDB(t, files...)

	tests := []struct {
		name string
		slo  query.SLO
	}{
		{"no SLO", query.SLO{}},                                                      // goodput = throughput
		{"TTFT only", query.SLO{TTFTMs: 1500}},                                       // about half pass
		{"all SLOs", query.SLO{TTFTMs: 2000, TPOTMs: 400, E2EMs: 8000}},              // tpot null passes
		{"odd limits", query.SLO{TTFTMs: 1234.25, TPOTMs: 123.456789, E2EMs: 1e300}}, // literal formats
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := query.Summarize(context.Background(), d, runID, tt.slo)
			if err != nil {
				t.Fatal(err)
			}
			want := reference(all, runID, tt.slo)
			for _, p := range diff("levels", reflect.ValueOf(got), reflect.ValueOf(want), 1e-9) {
				t.Error(p)
			}
			if t.Failed() {
				return
			}
			// The data must exercise what it claims to.
			var ok, errs, warm, itl int
			for _, l := range got {
				ok, errs, warm, itl = ok+l.OK, errs+l.Errors, warm+l.WarmupRequests, itl+l.ITLMs.N
			}
			if len(got) != len(levels) || ok == 0 || errs == 0 || warm == 0 || itl == 0 {
				t.Errorf("weak test data: %d levels, %d ok, %d errors, %d warm-up, %d ITL values", len(got), ok, errs, warm, itl)
			}
			t.Logf("%d levels, %d ok, %d errors, %d warm-up rows, %d ITL gaps; goodput level 4 %.3f of %.3f rps",
				len(got), ok, errs, warm, itl, got[1].GoodputRPS, got[1].RequestThroughput)
		})
	}
}

// TestSummarizeByHand checks figures worked out by hand on a few rows.
func TestSummarizeByHand(t *testing.T) {
	const run = "it's-a-run" // a quote: the literal must be escaped
	rows := []sample.Row{
		// Level 2: a warm-up row, two ok rows and a timeout; window 0..3000 ms.
		{RunID: run, Level: 2, Warmup: true, Status: "ok", StartMs: -100, EndMs: 50, TTFTMs: f64(1), E2EMs: f64(1), InputTokens: 99, OutputTokens: 99, TokenSource: "usage"},
		{RunID: run, Level: 2, Status: "ok", StartMs: 0, EndMs: 1000, TTFTMs: f64(100), TPOTMs: f64(10), E2EMs: f64(900), ITLMs: []float64{10, 20}, InputTokens: 10, OutputTokens: 5, TokenSource: "usage"},
		{RunID: run, Level: 2, Status: "ok", StartMs: 500, EndMs: 2500, TTFTMs: f64(300), E2EMs: f64(2000), ITLMs: []float64{}, InputTokens: 20, OutputTokens: 1, TokenSource: "usage"},
		{RunID: run, Level: 2, Status: "timeout", StartMs: 1000, EndMs: 3000, InputTokens: 30, BackoffMs: 250},
		// Level 1: one error only, 10 ms.
		{RunID: run, Level: 1, Status: "http_error", StartMs: 0, EndMs: 10, HTTPStatus: 503},
		// Level 5: one warm-up row only.
		{RunID: run, Level: 5, Warmup: true, Status: "ok", StartMs: 0, EndMs: 10, TokenSource: "usage"},
		// Another run.
		{RunID: "its-a-run", Level: 2, Status: "ok", StartMs: 0, EndMs: 99999},
	}
	d := openDuckDB(t, querytest.WriteRows(t, t.TempDir(), "part.parquet", rows))
	level2 := summary.Level{
		Concurrency: 2, Requests: 3, WarmupRequests: 1, OK: 2, Errors: 1,
		ErrorsByStatus: map[string]int{"timeout": 1}, ErrorRate: 1.0 / 3, BackoffS: 0.25,
		DurationS:             3,
		AchievedConcurrency:   5000.0 / 3000, // 1000 + 2000 + 2000 ms busy
		RequestThroughput:     2.0 / 3,
		OutputTokenThroughput: 6.0 / 3,
		InputTokenThroughput:  30.0 / 3, // the timeout's tokens do not count
		OutputTokens:          6,
		InputTokens:           30,
		TokenSource:           "usage",
		TTFTMs:                summary.Dist{N: 2, Mean: 200, P50: 200, P90: 280, P95: 290, P99: 298, Max: 300},
		TPOTMs:                summary.Dist{N: 1, Mean: 10, P50: 10, P90: 10, P95: 10, P99: 10, Max: 10},
		E2EMs:                 summary.Dist{N: 2, Mean: 1450, P50: 1450, P90: 1890, P95: 1945, P99: 1989, Max: 2000},
		ITLMs:                 summary.Dist{N: 2, Mean: 15, P50: 15, P90: 19, P95: 19.5, P99: 19.9, Max: 20},
	}
	level1 := summary.Level{
		Concurrency: 1, Requests: 1, Errors: 1, ErrorsByStatus: map[string]int{"http_error": 1},
		ErrorRate: 1, DurationS: 0.01, AchievedConcurrency: 1, Throttled: 1, // a 503
	}
	level5 := summary.Level{Concurrency: 5, WarmupRequests: 1}
	with := func(l summary.Level, goodput float64) summary.Level { l.GoodputRPS = goodput; return l }
	tests := []struct {
		name    string
		slo     query.SLO
		goodput float64 // of level 2
	}{
		{"no SLO", query.SLO{}, 2.0 / 3},                                 // both ok rows
		{"TTFT at the limit", query.SLO{TTFTMs: 100}, 1.0 / 3},           // 100 <= 100 meets it; 300 does not
		{"TPOT null meets it", query.SLO{TPOTMs: 10}, 2.0 / 3},           // 10 <= 10, and null
		{"TPOT too slow", query.SLO{TPOTMs: 9.5}, 1.0 / 3},               // only the null one
		{"E2E", query.SLO{E2EMs: 1999.999}, 1.0 / 3},                     // 2000 misses it
		{"all", query.SLO{TTFTMs: 300, TPOTMs: 9, E2EMs: 2000}, 1.0 / 3}, // row A misses TPOT
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := query.Summarize(context.Background(), d, run, tt.slo)
			if err != nil {
				t.Fatal(err)
			}
			want := []summary.Level{level1, with(level2, tt.goodput), level5}
			for _, p := range diff("levels", reflect.ValueOf(got), reflect.ValueOf(want), 1e-12) {
				t.Error(p)
			}
		})
	}
}

func TestSummarizeErrors(t *testing.T) {
	d := openDuckDB(t, querytest.WriteRows(t, t.TempDir(), "part.parquet", querytest.OneRow()))
	tests := []struct {
		name  string
		e     query.Engine
		run   string
		slo   query.SLO
		want  string
		isErr error
	}{
		{"unknown run", d, "nope", query.SLO{}, "no rows", query.ErrNoRows},                   // no row at all
		{"empty run ID", d, "", query.SLO{}, "invalid run ID", nil},                           // caller bug
		{"negative SLO", d, "r1", query.SLO{TTFTMs: -1}, "invalid TTFT SLO", nil},             // caller bug
		{"NaN SLO", d, "r1", query.SLO{E2EMs: math.NaN()}, "invalid E2E SLO", nil},            // caller bug
		{"engine fails", failing{}, "r1", query.SLO{}, "counts: engine down", errEngine},      // wrapped
		{"wrong type", wrongType{}, "r1", query.SLO{}, `column "requests": got float64`, nil}, // contract broken
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := query.Summarize(context.Background(), tt.e, tt.run, tt.slo)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "query: summarize: ") {
				t.Fatalf("error %v, want query: summarize: …%s…", err, tt.want)
			}
			if tt.isErr != nil && !errors.Is(err, tt.isErr) {
				t.Errorf("error %v is not %v", err, tt.isErr)
			}
		})
	}
}

var errEngine = errors.New("engine down")

type failing struct{}

func (failing) Query(context.Context, string) ([]map[string]any, error) { return nil, errEngine }

// wrongType returns a float64 where the contract wants an int64.
type wrongType struct{}

func (wrongType) Query(context.Context, string) ([]map[string]any, error) {
	return []map[string]any{{"level": int64(1), "status": "ok", "warmup_requests": int64(0), "requests": 3.0}}, nil
}

// TestSQLPortable keeps out of the SQL what Trino (Athena) lacks or
// computes differently.
func TestSQLPortable(t *testing.T) {
	slo := query.SLO{TTFTMs: 250.5, TPOTMs: 1e-7, E2EMs: 1e300}
	counts, dists := query.SummarySQL("a'b", slo)
	banned := []string{
		"approx_percentile", "quantile", "percentile_cont", "median", // inexact, or missing in one engine
		"filter", "count_if", // aggregate filters: CASE sums instead
		"::", "hugeint", "list_", "read_parquet", "//", "ilike", // DuckDB only
	}
	literal := regexp.MustCompile(`'(?:[^']|'')*'`)
	exponent := regexp.MustCompile(`\b\d+(\.\d*)?[eE][+-]?\d+\b`) // 1e3 is DOUBLE, 1.5 DECIMAL: cast instead
	for name, q := range map[string]string{"counts": counts, "dists": dists} {
		code := strings.ToLower(literal.ReplaceAllString(q, "''"))
		for _, b := range banned {
			if strings.Contains(code, b) {
				t.Errorf("%s SQL contains %q:\n%s", name, b, q)
			}
		}
		if m := exponent.FindString(code); m != "" {
			t.Errorf("%s SQL contains the bare exponent literal %s:\n%s", name, m, q)
		}
		if !strings.Contains(q, "FROM samples") || !strings.Contains(q, "run_id = 'a''b'") {
			t.Errorf("%s SQL does not read samples for run a'b:\n%s", name, q)
		}
	}
	for _, lit := range []string{"ttft_ms <= CAST('250.5' AS DOUBLE)", "tpot_ms <= CAST('1e-07' AS DOUBLE)", "e2e_ms <= CAST('1e+300' AS DOUBLE)"} {
		if !strings.Contains(counts, lit) {
			t.Errorf("counts SQL lacks %s:\n%s", lit, counts)
		}
	}
	if c2, d2 := query.SummarySQL("a'b", slo); c2 != counts || d2 != dists {
		t.Error("SummarySQL is not deterministic")
	}
}
