package query_test

import (
	"context"
	"errors"
	"math"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/llmbench/llmbench/shared/query"
	"github.com/llmbench/llmbench/shared/query/querytest"
	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/summary"
)

const runID = "run-2025_01"

func TestSummarizeMatchesReference(t *testing.T) {
	sw := genSweep(t)
	d := openDuckDB(t, sw.files...)

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
			want := reference(sw.rows, runID, tt.slo)
			for _, p := range diff("levels", reflect.ValueOf(got), reflect.ValueOf(want), 1e-9) {
				t.Error(p)
			}
			if t.Failed() {
				return
			}
			checkSweepData(t, sw, got)
		})
	}
}

// checkSweepData fails when the generated sweep does not exercise what it
// claims to: errors, warm-up, ITL gaps, not_sent rows (one of them outside
// the sent rows' window), queue waits, empty modes, shared level values.
func checkSweepData(t *testing.T, sw sweep, got []summary.Level) {
	t.Helper()
	var ok, errs, warm, itl, notSent, queued int
	for _, l := range got {
		ok, errs, warm, itl = ok+l.OK, errs+l.Errors, warm+l.WarmupRequests, itl+l.ITLMs.N
		notSent += l.NotSent
		if l.QueueMs.Max > 0 {
			queued++
		}
	}
	if len(got) != len(sw.specs) || ok == 0 || errs == 0 || warm == 0 || itl == 0 || notSent == 0 || queued == 0 {
		t.Errorf("weak test data: %d levels, %d ok, %d errors, %d warm-up, %d ITL values, %d not sent, %d levels with queue waits",
			len(got), ok, errs, warm, itl, notSent, queued)
	}
	// A window over every non-warm-up row, not_sent included, differs
	// from DurationS in some level: the choice is tested.
	wider := 0
	for _, l := range got {
		first, last := math.Inf(1), math.Inf(-1)
		for _, r := range sw.rows {
			if r.RunID == runID && int(r.LevelIndex) == l.Index && !r.Warmup {
				first, last = math.Min(first, r.StartMs), math.Max(last, r.EndMs)
			}
		}
		if l.NotSent < l.Requests && (last-first)/1000 != l.DurationS {
			wider++
		}
	}
	emptyMode, shared := false, map[int]int{}
	for _, g := range sw.specs {
		emptyMode = emptyMode || g.mode == ""
		shared[g.level]++
	}
	if wider == 0 || !emptyMode || shared[0] < 2 || shared[8] < 2 {
		t.Errorf("weak test data: %d levels whose not_sent rows lie outside the window, empty mode %v, level values %v", wider, emptyMode, shared)
	}
}

// TestSummarizeByHand checks figures worked out by hand on a few rows.
func TestSummarizeByHand(t *testing.T) {
	const run = "it's-a-run" // a quote: the literal must be escaped
	rows := []sample.Row{
		// Level 2 (index 1): a warm-up row, two ok rows and a timeout;
		// window 0..3000 ms.
		// Send lags 1, 3, 2 ms (the warm-up's 50 does not count).
		{RunID: run, LevelIndex: 1, Level: 2, Mode: "concurrency", Warmup: true, Status: "ok", StartMs: -100, EndMs: 50, SchedDelayMs: 50, TTFTMs: f64(1), E2EMs: f64(1), InputTokens: 99, OutputTokens: 99, TokenSource: "usage"},
		{RunID: run, LevelIndex: 1, Level: 2, Mode: "concurrency", Status: "ok", StartMs: 0, EndMs: 1000, SchedDelayMs: 1, TTFTMs: f64(100), TPOTMs: f64(10), E2EMs: f64(900), ITLMs: []float64{10, 20}, InputTokens: 10, OutputTokens: 5, TokenSource: "usage"},
		{RunID: run, LevelIndex: 1, Level: 2, Mode: "concurrency", Status: "ok", StartMs: 500, EndMs: 2500, SchedDelayMs: 3, TTFTMs: f64(300), E2EMs: f64(2000), ITLMs: []float64{}, InputTokens: 20, OutputTokens: 1, TokenSource: "usage"},
		{RunID: run, LevelIndex: 1, Level: 2, Mode: "concurrency", Status: "timeout", StartMs: 1000, EndMs: 3000, SchedDelayMs: 2, InputTokens: 30, BackoffMs: 250},
		// Level 1: one error only, 10 ms; its mode left empty.
		{RunID: run, LevelIndex: 0, Level: 1, Status: "http_error", StartMs: 0, EndMs: 10, SchedDelayMs: 0.5, HTTPStatus: 503},
		// Level 5: one warm-up row only.
		{RunID: run, LevelIndex: 2, Level: 5, Mode: "concurrency", Warmup: true, Status: "ok", StartMs: 0, EndMs: 10, TokenSource: "usage"},
		// Another run.
		{RunID: "its-a-run", LevelIndex: 1, Level: 2, Status: "ok", StartMs: 0, EndMs: 99999},
	}
	d := openDuckDB(t, querytest.WriteRows(t, t.TempDir(), "part.parquet", rows))
	level2 := summary.Level{
		Index: 1, Mode: "concurrency", Concurrency: 2, Requests: 3, WarmupRequests: 1, OK: 2, Errors: 1,
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
		AchievedRequestRate:   2,                                                                          // 3 sends over 0..1000 ms
		SendLagMs:             summary.Dist{N: 3, Mean: 2, P50: 2, P90: 2.8, P95: 2.9, P99: 2.98, Max: 3}, // every sent row, the timeout too
		QueueMs:               summary.Dist{N: 3},                                                         // all zeros
		// The timeout is infinitely slow: TTFT 100, 300, ∞ (n = 3, h =
		// 2p): p50 at h = 1 is 300 exactly, the last finite rank with no
		// weight on the failure after it; p90 at h = 1.8 reaches it. TPOT
		// 10, ∞: h = p > 0 reaches it from p50 on.
		TTFTAllMs: summary.DistAll{N: 3, Failures: 1, P50: f64(300)},
		TPOTAllMs: summary.DistAll{N: 2, Failures: 1},
		ITLAllMs:  summary.DistAll{N: 3, Failures: 1, P50: f64(20)},
		E2EAllMs:  summary.DistAll{N: 3, Failures: 1, P50: f64(2000)},
	}
	failedOnly := summary.DistAll{N: 1, Failures: 1} // every figure infinite
	level1 := summary.Level{
		Mode: "concurrency", Concurrency: 1, Requests: 1, Errors: 1, ErrorsByStatus: map[string]int{"http_error": 1},
		ErrorRate: 1, DurationS: 0.01, AchievedConcurrency: 1, Throttled: 1, // a 503
		AchievedRequestRate: 100, // 1 in 10 ms
		SendLagMs:           summary.Dist{N: 1, Mean: 0.5, P50: 0.5, P90: 0.5, P95: 0.5, P99: 0.5, Max: 0.5},
		QueueMs:             summary.Dist{N: 1},
		TTFTAllMs:           failedOnly, TPOTAllMs: failedOnly, ITLAllMs: failedOnly, E2EAllMs: failedOnly,
		SLOAttainment: f64(0), // nothing ok
	}
	level5 := summary.Level{Index: 2, Mode: "concurrency", Concurrency: 5, WarmupRequests: 1} // no measured request: no attainment
	with := func(l summary.Level, goodput float64) summary.Level {
		l.GoodputRPS = goodput
		l.SLOAttainment = f64(goodput) // good / 3 requests: goodput's value, its window being 3 s
		return l
	}
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
	return []map[string]any{{
		"level_index": int64(0), "status": "ok", "concurrency": int64(1), "mode": "concurrency", "request_rate": 0.0,
		"warmup_requests": int64(0), "requests": 3.0,
	}}, nil
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
	series := query.SeriesSQL("a'b")
	for name, q := range map[string]string{"counts": counts, "dists": dists, "series": series} {
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
	if query.SeriesSQL("a'b") != series {
		t.Error("SeriesSQL is not deterministic")
	}
}
