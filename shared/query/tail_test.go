package query_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/llmbench/llmbench/shared/query"
	"github.com/llmbench/llmbench/shared/query/querytest"
	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/summary"
)

// TestFailuresInTailByHand checks the failure-counting TTFT and the SLO
// attainment of one level worked out by hand: ok TTFTs 10, 20, …, 120 (x[i]
// = 10·(i+1), 12 values) and f failures after them, as h = (12 + f − 1)·p
// moves through the ranks.
func TestFailuresInTailByHand(t *testing.T) {
	ok := make([]float64, 12)
	for i := range ok {
		ok[i] = float64(10 * (i + 1))
	}
	okOnly := summary.Dist{N: 12, Mean: 65, P50: 65, P90: 109, P95: 114.5, P99: 118.9, Max: 120}
	tests := []struct {
		name     string
		timeouts int // failed rows (status timeout, their TTFT recorded: it counts as ∞ all the same)
		notSent  int // arrivals never sent
		want     summary.DistAll
		attained float64 // with the SLO TTFT ≤ 60: 6 ok rows meet it
	}{
		{"nothing failed", 0, 0, // equal to the ok-only figures
			summary.DistAll{N: 12, Mean: f64(65), P50: f64(65), P90: f64(109), P95: f64(114.5), P99: f64(118.9), Max: f64(120)}, 6.0 / 12},
		{"one timeout", 1, 0, // h = 12p: p50 at 6 → 70; p90 at 10.8 → 118, finite; p95 at 11.4 > 11 reaches ∞
			summary.DistAll{N: 13, Failures: 1, P50: f64(70), P90: f64(118)}, 6.0 / 13},
		{"a timeout and a not_sent arrival", 1, 1, // h = 13p: p50 at 6.5 → 75; p90 at 11.7 > 11
			summary.DistAll{N: 14, Failures: 2, P50: f64(75)}, 6.0 / 14},
		{"p50 on the last finite rank", 6, 5, // h = 22·0.5 = 11 = n − 1 exactly: x[11], no weight on the failure after it
			summary.DistAll{N: 23, Failures: 11, P50: f64(120)}, 6.0 / 23},
		{"half failed", 12, 0, // h = 23·0.5 = 11.5 > 11: every percentile infinite
			summary.DistAll{N: 24, Failures: 12}, 6.0 / 24},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rows []sample.Row
			add := func(status string, ttft float64) {
				ms := float64(len(rows)) * 100
				rows = append(rows, sample.Row{RunID: runID, Mode: "rate", RequestRate: 10, Status: status,
					IntendedMs: ms, StartMs: ms, EndMs: ms + 1000, TTFTMs: f64(ttft), E2EMs: f64(ttft + 500), TokenSource: "usage"})
			}
			for _, v := range ok {
				add("ok", v)
			}
			for range tt.timeouts {
				add("timeout", 1) // a fast TTFT before the timeout: a failure all the same
			}
			for range tt.notSent {
				rows = append(rows, notSentRow(sample.Row{RunID: runID, Mode: "rate", RequestRate: 10, IntendedMs: float64(len(rows)) * 100}, 0, rows[0].StartTime))
			}
			d := openDuckDB(t, querytest.WriteRows(t, t.TempDir(), "part.parquet", rows))
			got, err := query.Summarize(context.Background(), d, runID, query.SLO{TTFTMs: 60})
			if err != nil {
				t.Fatal(err)
			}
			l := got[0]
			for _, p := range diff("TTFTMs", reflect.ValueOf(l.TTFTMs), reflect.ValueOf(okOnly), 1e-12) {
				t.Error(p) // failures leave the ok-only figures alone
			}
			for _, p := range diff("TTFTAllMs", reflect.ValueOf(l.TTFTAllMs), reflect.ValueOf(tt.want), 1e-12) {
				t.Error(p)
			}
			if l.SLOAttainment == nil || !near(*l.SLOAttainment, tt.attained, 1e-15) {
				t.Errorf("SLOAttainment = %v, want %v", ptr(reflect.ValueOf(l.SLOAttainment)), tt.attained)
			}
		})
	}
}

// TestFailuresInTailWithoutFailures: on generated levels where nothing
// fails, every _all distribution is its ok-only one, to the last bit, and
// the attainment without an SLO is 1.
func TestFailuresInTailWithoutFailures(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	usage := func() string { return "usage" }
	var rows []sample.Row
	var files []string
	dir := t.TempDir()
	for _, g := range []genSpec{
		{index: 0, level: 1, mode: "concurrency", workers: 1, n: 40, source: usage},
		{index: 1, level: 16, mode: "concurrency", workers: 3, n: 200, source: usage},
		{index: 2, level: 8, mode: "rate", rate: 20, workers: 2, n: 150, source: usage},
	} {
		for w, rs := range genLevel(rng, runID, g) {
			rows = append(rows, rs...)
			files = append(files, querytest.WriteRows(t, dir, fmt.Sprintf("%d-%d.parquet", g.index, w), rs))
		}
	}
	got, err := query.Summarize(context.Background(), openDuckDB(t, files...), runID, query.SLO{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("%d levels, want 3", len(got))
	}
	for _, l := range got {
		if l.Errors != 0 || l.TTFTMs.N == 0 || l.ITLMs.N == 0 {
			t.Fatalf("level %d: %d errors, %d TTFT, %d ITL values: want no error and values", l.Index, l.Errors, l.TTFTMs.N, l.ITLMs.N)
		}
		for _, m := range []struct {
			name string
			d    summary.Dist
			all  summary.DistAll
		}{{"TTFT", l.TTFTMs, l.TTFTAllMs}, {"TPOT", l.TPOTMs, l.TPOTAllMs}, {"ITL", l.ITLMs, l.ITLAllMs}, {"E2E", l.E2EMs, l.E2EAllMs}} {
			want := summary.DistAll{N: m.d.N, Mean: &m.d.Mean, P50: &m.d.P50, P90: &m.d.P90, P95: &m.d.P95, P99: &m.d.P99, Max: &m.d.Max}
			if !reflect.DeepEqual(m.all, want) { // exact: the same SQL expression over the same ranks
				t.Errorf("level %d %s: all %s, want %s", l.Index, m.name, fmtAll(m.all), fmtAll(want))
			}
		}
		if l.SLOAttainment == nil || *l.SLOAttainment != 1 {
			t.Errorf("level %d: SLOAttainment %s, want 1", l.Index, ptr(reflect.ValueOf(l.SLOAttainment)))
		}
	}
	for _, p := range diff("levels", reflect.ValueOf(got), reflect.ValueOf(reference(rows, runID, query.SLO{})), 1e-9) {
		t.Error(p)
	}
}

// TestFailuresInTailRise injects failures, step by step, into a generated
// rate level where nothing failed (ok rows turned timeouts that keep
// their latencies, and more arrivals, not sent): at each step the summary agrees with the
// row-by-row reference, no _all percentile falls (a null, infinite, one
// stays null), and a percentile is null exactly when its rank reaches the
// failures, never a finite number there.
func TestFailuresInTailRise(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 4))
	base := genLevel(rng, runID, genSpec{index: 0, level: 0, mode: "rate", rate: 10, workers: 1, n: 220, source: func() string { return "usage" }})[0]
	var measured []int // indexes of the measured rows, in the order they fail
	for i, r := range base {
		if !r.Warmup {
			measured = append(measured, i)
		}
	}
	rng.Shuffle(len(measured), func(i, j int) { measured[i], measured[j] = measured[j], measured[i] })
	slo := query.SLO{TTFTMs: 1500}

	var prev *summary.Level
	sawFinite, sawNull := false, false
	for _, failures := range []int{0, 1, 2, 3, 5, 10, 20, 60, 120, 3 * len(measured) / 2} {
		rows := append([]sample.Row(nil), base...)
		timeouts := 0
		for k := range failures {
			if k%3 == 2 || timeouts == len(measured) { // one more arrival, never sent: a row that had no answer to lose
				r := base[measured[0]]
				rows = append(rows, notSentRow(r, 0, r.StartTime))
				continue
			}
			i := measured[timeouts]
			rows[i].Status, rows[i].Error = "timeout", "deadline" // its TTFT etc. stay: a failure is ∞ all the same
			timeouts++
		}
		d := openDuckDB(t, querytest.WriteRows(t, t.TempDir(), "part.parquet", rows))
		got, err := query.Summarize(context.Background(), d, runID, slo)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range diff(fmt.Sprintf("%d failures: levels", failures), reflect.ValueOf(got), reflect.ValueOf(reference(rows, runID, slo)), 1e-9) {
			t.Error(p)
		}
		l := &got[0]
		for _, m := range allDists(l) {
			if m.all.Failures != failures {
				t.Errorf("%d failures: %s counts %d", failures, m.name, m.all.Failures)
			}
			n := m.all.N - m.all.Failures // finite values
			for _, pc := range allPercentiles(m.all) {
				h := float64(m.all.N-1) * pc.p
				inTail := n == 0 || h > float64(n-1)
				if inTail != (pc.v == nil) {
					t.Errorf("%d failures: %s %s = %s with h %v over %d finite values: want null exactly in the failures", failures, m.name, pc.name, ptr(reflect.ValueOf(pc.v)), h, n)
				}
				if pc.v == nil {
					sawNull = true
				} else if failures > 0 {
					sawFinite = true
				}
			}
			if (m.all.Mean == nil || m.all.Max == nil) != (failures > 0 || m.all.N == 0) {
				t.Errorf("%d failures: %s mean %s, max %s: want null exactly when a request failed", failures, m.name, ptr(reflect.ValueOf(m.all.Mean)), ptr(reflect.ValueOf(m.all.Max)))
			}
		}
		if prev != nil {
			pm := allDists(prev)
			for j, m := range allDists(l) {
				pp := allPercentiles(pm[j].all)
				for k, pc := range allPercentiles(m.all) {
					if inf(pc.v) < inf(pp[k].v) {
						t.Errorf("%d failures: %s %s fell to %v from %v", failures, m.name, pc.name, inf(pc.v), inf(pp[k].v))
					}
				}
			}
			if *l.SLOAttainment > *prev.SLOAttainment {
				t.Errorf("%d failures: SLO attainment rose to %v from %v", failures, *l.SLOAttainment, *prev.SLOAttainment)
			}
		}
		prev = l
	}
	if !sawFinite || !sawNull {
		t.Errorf("weak test: finite percentiles with failures %v, null ones %v", sawFinite, sawNull)
	}
	if *prev.SLOAttainment != 0 || prev.TTFTAllMs.P50 != nil {
		t.Errorf("everything failed: attainment %v, TTFT p50 all %s; want 0 and null", *prev.SLOAttainment, ptr(reflect.ValueOf(prev.TTFTAllMs.P50)))
	}
}

type namedAll struct {
	name string
	all  summary.DistAll
}

func allDists(l *summary.Level) []namedAll {
	return []namedAll{{"TTFT", l.TTFTAllMs}, {"TPOT", l.TPOTAllMs}, {"ITL", l.ITLAllMs}, {"E2E", l.E2EAllMs}}
}

type namedP struct {
	name string
	p    float64
	v    *float64
}

func allPercentiles(d summary.DistAll) []namedP {
	return []namedP{{"p50", 0.50, d.P50}, {"p90", 0.90, d.P90}, {"p95", 0.95, d.P95}, {"p99", 0.99, d.P99}}
}

// inf reads a failure-counting figure: null is +Inf.
func inf(v *float64) float64 {
	if v == nil {
		return math.Inf(1)
	}
	return *v
}

func fmtAll(d summary.DistAll) string {
	f := func(v *float64) string { return ptr(reflect.ValueOf(v)) }
	return fmt.Sprintf("{N %d failures %d mean %s p50 %s p90 %s p95 %s p99 %s max %s}", d.N, d.Failures, f(d.Mean), f(d.P50), f(d.P90), f(d.P95), f(d.P99), f(d.Max))
}
