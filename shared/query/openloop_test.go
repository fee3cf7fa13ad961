package query_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/llmbench/llmbench/shared/query"
	"github.com/llmbench/llmbench/shared/query/querytest"
	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/summary"
)

const sweepRun = "sweep-1"

// sweepRows are a small sweep worked out by hand: two concurrency levels
// (index 0 and 1) and four rate levels (2 to 5). Indexes 2, 3 and 5 all
// have level 0 (no max_concurrency), and index 4 (capped at 2) has the
// level of index 0: level_index alone tells them apart. Rows are out of
// level order, as workers' files would be.
func sweepRows() []sample.Row {
	const ns = string(sample.StatusNotSent)
	cc := func(index, level int32, mode string, r sample.Row) sample.Row {
		r.RunID, r.LevelIndex, r.Level, r.Mode = sweepRun, index, level, mode
		return r
	}
	rate := func(index, level int32, rps float64, r sample.Row) sample.Row {
		r.RunID, r.LevelIndex, r.Level, r.Mode, r.RequestRate = sweepRun, index, level, "rate", rps
		return r
	}
	// notSent is an arrival never sent, as the generator writes it.
	notSent := func(intended, queue float64) sample.Row {
		return sample.Row{Status: ns, Error: "no free slot", IntendedMs: intended, StartMs: intended, EndMs: intended, QueueMs: queue}
	}
	warm := func(r sample.Row) sample.Row { r.Warmup = true; return r }
	return []sample.Row{
		// Index 4, rate 10/s capped at 2 in flight: two ok rows, a 429
		// that waited 800 ms for a slot, an arrival that waited 1700 ms
		// and was never sent. Window 1..1501 ms.
		rate(4, 2, 10, sample.Row{Status: "ok", IntendedMs: 0, SchedDelayMs: 1, StartMs: 1, EndMs: 1001, TTFTMs: f64(100), E2EMs: f64(1000), OutputTokens: 4, TokenSource: "usage"}),
		rate(4, 2, 10, sample.Row{Status: "ok", IntendedMs: 100, QueueMs: 400, SchedDelayMs: 401, StartMs: 501, EndMs: 1501, TTFTMs: f64(300), E2EMs: f64(1000), OutputTokens: 6, TokenSource: "usage"}),
		rate(4, 2, 10, sample.Row{Status: "http_error", HTTPStatus: 429, IntendedMs: 200, QueueMs: 800, SchedDelayMs: 801, StartMs: 1001, EndMs: 1101}),
		rate(4, 2, 10, notSent(300, 1700)),

		// Index 0, concurrency 2: a warm-up row and two ok rows; window
		// 100..1300 ms.
		cc(0, 2, "concurrency", sample.Row{Warmup: true, Status: "ok", IntendedMs: -600, SchedDelayMs: 1, StartMs: -599, EndMs: -100, TTFTMs: f64(9), E2EMs: f64(499), OutputTokens: 1, TokenSource: "usage"}),
		cc(0, 2, "concurrency", sample.Row{Status: "ok", IntendedMs: 99, SchedDelayMs: 1, StartMs: 100, EndMs: 1300, TTFTMs: f64(100), E2EMs: f64(1200), OutputTokens: 10, TokenSource: "usage"}),
		cc(0, 2, "concurrency", sample.Row{Status: "ok", IntendedMs: 297, SchedDelayMs: 3, StartMs: 300, EndMs: 1100, TTFTMs: f64(200), E2EMs: f64(800), OutputTokens: 20, TokenSource: "usage"}),

		// Index 2, rate 4/s, no cap: a warm-up arrival and the level's
		// first arrival not sent, an ok row, a timeout, and a last arrival
		// not sent at 3000 ms, after the last end (2530). Window 260..2530.
		rate(2, 0, 4, warm(notSent(-100, 0))),
		rate(2, 0, 4, notSent(0, 0)),
		rate(2, 0, 4, sample.Row{Status: "ok", IntendedMs: 250, SchedDelayMs: 10, StartMs: 260, EndMs: 1260, TTFTMs: f64(50), E2EMs: f64(1000), InputTokens: 7, OutputTokens: 5, TokenSource: "usage"}),
		rate(2, 0, 4, sample.Row{Status: "timeout", IntendedMs: 500, SchedDelayMs: 30, StartMs: 530, EndMs: 2530, InputTokens: 30}),
		rate(2, 0, 4, notSent(3000, 0)),

		// Index 1, concurrency 4, mode left empty (rows of before
		// open-loop load): one ok row, 400 ms.
		cc(1, 4, "", sample.Row{Status: "ok", IntendedMs: 1500, StartMs: 1500, EndMs: 1900, TTFTMs: f64(40), E2EMs: f64(400), InputTokens: 1, OutputTokens: 2, TokenSource: "chunks"}),

		// Index 3, rate 8/s, no cap: two ok rows either side of the 1 s
		// boundary of intended time. Window 1000..1501.5 ms.
		rate(3, 0, 8, sample.Row{Status: "ok", IntendedMs: 999.5, SchedDelayMs: 2, StartMs: 1001.5, EndMs: 1501.5, TTFTMs: f64(20), E2EMs: f64(500), OutputTokens: 3, TokenSource: "usage"}),
		rate(3, 0, 8, sample.Row{Status: "ok", IntendedMs: 1000, StartMs: 1000, EndMs: 1100, TTFTMs: f64(10), E2EMs: f64(100), OutputTokens: 1, TokenSource: "usage"}),

		// Index 5, rate 16/s, no cap: nothing sent at all.
		rate(5, 0, 16, notSent(0, 0)),
		rate(5, 0, 16, notSent(500, 0)),

		// Another run, with the same level index.
		{RunID: "sweep-2", LevelIndex: 2, Mode: "rate", Status: "ok", IntendedMs: 0, StartMs: 0, EndMs: 99999},
	}
}

// TestSummarizeSweepByHand checks, level by level, figures worked out by
// hand on sweepRows: the level identity, the mode, the asked and achieved
// rates, the not_sent rows (counted as errors, outside the window) and the
// send lag and queue distributions.
func TestSummarizeSweepByHand(t *testing.T) {
	d := openDuckDB(t, querytest.WriteRows(t, t.TempDir(), "part.parquet", sweepRows()))
	got, err := query.Summarize(context.Background(), d, sweepRun, query.SLO{TTFTMs: 150})
	if err != nil {
		t.Fatal(err)
	}
	zeros := func(n int) summary.Dist { return summary.Dist{N: n} }
	one := func(v float64) summary.Dist {
		return summary.Dist{N: 1, Mean: v, P50: v, P90: v, P95: v, P99: v, Max: v}
	}
	// all is d with no failure: the same figures.
	all := func(d summary.Dist) summary.DistAll {
		return summary.DistAll{N: d.N, Mean: f64(d.Mean), P50: f64(d.P50), P90: f64(d.P90), P95: f64(d.P95), P99: f64(d.P99), Max: f64(d.Max)}
	}
	failed := func(n, f int) summary.DistAll { return summary.DistAll{N: n, Failures: f} } // every figure infinite
	ttft2, e2e2 := summary.Dist{N: 2, Mean: 150, P50: 150, P90: 190, P95: 195, P99: 199, Max: 200}, summary.Dist{N: 2, Mean: 1000, P50: 1000, P90: 1160, P95: 1180, P99: 1196, Max: 1200}
	ttft8, e2e8 := summary.Dist{N: 2, Mean: 15, P50: 15, P90: 19, P95: 19.5, P99: 19.9, Max: 20}, summary.Dist{N: 2, Mean: 300, P50: 300, P90: 460, P95: 480, P99: 496, Max: 500}
	tests := []struct {
		name string
		want summary.Level
	}{
		{"concurrency 2", summary.Level{ // two ok rows over 1.2 s; the warm-up row apart
			Index: 0, Mode: "concurrency", Concurrency: 2,
			Requests: 2, WarmupRequests: 1, OK: 2,
			DurationS: 1.2, AchievedConcurrency: 2000.0 / 1200, AchievedRequestRate: 1 / 0.2, ScheduledRequestRate: 1 / 0.198, // sends at 100 and 300 ms, intended at 99 and 297
			RequestThroughput: 2 / 1.2, GoodputRPS: 1 / 1.2, OutputTokenThroughput: 30 / 1.2, OutputTokens: 30, TokenSource: "usage",
			TTFTMs:    ttft2,
			E2EMs:     e2e2,
			SendLagMs: summary.Dist{N: 2, Mean: 2, P50: 2, P90: 2.8, P95: 2.9, P99: 2.98, Max: 3},
			QueueMs:   zeros(2),
			TTFTAllMs: all(ttft2), E2EAllMs: all(e2e2), // nothing failed: the same
			SLOAttainment: f64(0.5), // TTFT 100 meets 150, 200 does not
		}},
		{"concurrency 4, mode empty", summary.Level{ // read as concurrency
			Index: 1, Mode: "concurrency", Concurrency: 4,
			Requests: 1, OK: 1,
			DurationS: 0.4, AchievedConcurrency: 1, AchievedRequestRate: 2.5,
			RequestThroughput: 2.5, GoodputRPS: 2.5, OutputTokenThroughput: 5, InputTokenThroughput: 2.5,
			OutputTokens: 2, InputTokens: 1, TokenSource: "chunks",
			TTFTMs: one(40), E2EMs: one(400), SendLagMs: one(0), QueueMs: zeros(1),
			TTFTAllMs: all(one(40)), E2EAllMs: all(one(400)), SLOAttainment: f64(1),
		}},
		{"rate 4, no cap", summary.Level{ // the not_sent rows at 0 and 3000 ms do not widen 260..2530
			Index: 2, Mode: "rate", Concurrency: 0, RequestRate: 4,
			Requests: 4, WarmupRequests: 1, OK: 1, Errors: 3, NotSent: 2,
			ErrorsByStatus: map[string]int{"not_sent": 2, "timeout": 1}, ErrorRate: 0.75,
			DurationS: 2.27, AchievedConcurrency: 3000.0 / 2270, AchievedRequestRate: 1 / 0.27, ScheduledRequestRate: 1, // sends at 260 and 530 ms; 4 arrivals over 0..3000 ms
			RequestThroughput: 1 / 2.27, GoodputRPS: 1 / 2.27, OutputTokenThroughput: 5 / 2.27, InputTokenThroughput: 7 / 2.27,
			OutputTokens: 5, InputTokens: 7, TokenSource: "usage",
			TTFTMs: one(50), E2EMs: one(1000),
			SendLagMs: summary.Dist{N: 2, Mean: 20, P50: 20, P90: 28, P95: 29, P99: 29.8, Max: 30}, // the timeout's lag too
			QueueMs:   zeros(2),
			// 50, ∞, ∞, ∞: the timeout and both not_sent arrivals (the
			// warm-up one apart) are infinitely slow; h = 3p > 0 reaches
			// them from p50 on. No ok TPOT or ITL: failures only.
			TTFTAllMs: failed(4, 3), E2EAllMs: failed(4, 3), TPOTAllMs: failed(3, 3), ITLAllMs: failed(3, 3),
			SLOAttainment: f64(0.25), // 1 good of 4 arrivals, not_sent included
		}},
		{"rate 8, no cap", summary.Level{ // the same level value as index 2: another level
			Index: 3, Mode: "rate", Concurrency: 0, RequestRate: 8,
			Requests: 2, OK: 2,
			DurationS: 0.5015, AchievedConcurrency: 600 / 501.5, AchievedRequestRate: 1 / 0.0015, ScheduledRequestRate: 2000, // sends at 1000 and 1001.5 ms, intended 0.5 ms apart
			RequestThroughput: 2 / 0.5015, GoodputRPS: 2 / 0.5015, OutputTokenThroughput: 4 / 0.5015, OutputTokens: 4, TokenSource: "usage",
			TTFTMs:    ttft8,
			E2EMs:     e2e8,
			SendLagMs: summary.Dist{N: 2, Mean: 1, P50: 1, P90: 1.8, P95: 1.9, P99: 1.98, Max: 2},
			QueueMs:   zeros(2),
			TTFTAllMs: all(ttft8), E2EAllMs: all(e2e8), SLOAttainment: f64(1),
		}},
		{"rate 10, capped at 2", summary.Level{ // queue waits 0, 400, 800; the not_sent row's 1700 is no send
			Index: 4, Mode: "rate", Concurrency: 2, RequestRate: 10,
			Requests: 4, OK: 2, Errors: 2, NotSent: 1, Throttled: 1,
			ErrorsByStatus: map[string]int{"http_error": 1, "not_sent": 1}, ErrorRate: 0.5,
			DurationS: 1.5, AchievedConcurrency: 2100.0 / 1500, AchievedRequestRate: 2, ScheduledRequestRate: 10, // 3 sends over 1 s; 4 arrivals over 300 ms
			RequestThroughput: 2 / 1.5, GoodputRPS: 1 / 1.5, OutputTokenThroughput: 10 / 1.5, OutputTokens: 10, TokenSource: "usage",
			TTFTMs:    summary.Dist{N: 2, Mean: 200, P50: 200, P90: 280, P95: 290, P99: 298, Max: 300},
			E2EMs:     summary.Dist{N: 2, Mean: 1000, P50: 1000, P90: 1000, P95: 1000, P99: 1000, Max: 1000},
			SendLagMs: summary.Dist{N: 3, Mean: 401, P50: 401, P90: 721, P95: 761, P99: 793, Max: 801},
			QueueMs:   summary.Dist{N: 3, Mean: 400, P50: 400, P90: 720, P95: 760, P99: 792, Max: 800},
			// 100, 300, ∞, ∞ (the 429 and the not_sent arrival): h = 3p
			// passes rank 1 from p50 (1.5) on.
			TTFTAllMs: failed(4, 2), E2EAllMs: failed(4, 2), TPOTAllMs: failed(2, 2), ITLAllMs: failed(2, 2),
			SLOAttainment: f64(0.25), // TTFT 100 of 4 arrivals
		}},
		{"rate 16, nothing sent", summary.Level{ // an empty window: every rate 0 but the schedule's
			Index: 5, Mode: "rate", Concurrency: 0, RequestRate: 16, ScheduledRequestRate: 2, // 2 arrivals 500 ms apart
			Requests: 2, Errors: 2, NotSent: 2, ErrorsByStatus: map[string]int{"not_sent": 2}, ErrorRate: 1,
			TTFTAllMs: failed(2, 2), E2EAllMs: failed(2, 2), TPOTAllMs: failed(2, 2), ITLAllMs: failed(2, 2),
			SLOAttainment: f64(0), // arrivals the load asked for, none answered
		}},
	}
	if len(got) != len(tests) {
		t.Fatalf("%d levels, want %d: %+v", len(got), len(tests), got)
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got[i].Index != tt.want.Index {
				t.Fatalf("level %d has index %d, want %d: levels not in index order", i, got[i].Index, tt.want.Index)
			}
			for _, p := range diff("level", reflect.ValueOf(got[i]), reflect.ValueOf(tt.want), 1e-12) {
				t.Error(p)
			}
		})
	}
}
