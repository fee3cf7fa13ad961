package compare

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/llmbench/llmbench/shared/summary"
)

// truth is a load point's true figures, which synthetic runs scatter.
type truth struct {
	conc                      int
	tps, ttftP95, e2eP95, err float64
}

var truths = []truth{{6, 412.2, 55.7, 931, 0}, {32, 952.1, 205, 2148, 0.002}}

// synthRun is a run of every load point repeated n times (n = 1: a run
// without load.repeats), its figures scattered around the truth with a
// run-to-run CV of cv, made slow times slower (1.2: 20% slower).
func synthRun(r *rand.Rand, n int, cv, slow float64) *summary.Summary {
	s := &summary.Summary{RunID: "synth", Name: "synth"}
	noisy := func(v float64) float64 { return v * (1 + cv*r.NormFloat64()) }
	for run := 1; run <= n; run++ {
		for point, tr := range truths {
			tps := noisy(tr.tps / slow)
			cost := 1.515 / (tps * 3600) * 1e6
			l := summary.Level{Index: len(s.Levels), Mode: "concurrency", Concurrency: tr.conc,
				Requests: 100, OK: 100, OutputTokenThroughput: tps, RequestThroughput: tps / 64,
				TTFTMs: summary.Dist{N: 100, P50: noisy(0.9 * tr.ttftP95 * slow), P95: noisy(tr.ttftP95 * slow)},
				E2EMs:  summary.Dist{N: 100, P50: noisy(0.95 * tr.e2eP95 * slow), P95: noisy(tr.e2eP95 * slow)},
				TPOTMs: summary.Dist{N: 100, P50: noisy(14 * slow)}, CostPer1MOutputTokensUSD: &cost,
				ErrorRate: math.Max(0, tr.err*(1+0.5*r.NormFloat64())),
			}
			if n > 1 {
				l.Repeat = &summary.Repeat{Point: point, Run: run, Of: n}
			}
			s.Levels = append(s.Levels, l)
		}
	}
	if n > 1 {
		s.Repeats = repeatsOf(s)
	}
	return s
}

// repeatsOf computes a run's repeat figures as the aggregator does
// (workflow.markRepeats), from its levels' Repeat tags.
func repeatsOf(s *summary.Summary) []summary.PointRepeats {
	var out []summary.PointRepeats
	for point := range truths {
		var runs []*summary.Level
		pt := summary.PointRepeats{Point: point}
		for i := range s.Levels {
			if l := &s.Levels[i]; l.Repeat != nil && l.Repeat.Point == point {
				runs = append(runs, l)
				pt.Levels = append(pt.Levels, l.Index)
				pt.Mode, pt.Concurrency = l.Mode, l.Concurrency
			}
		}
		est := func(f func(l *summary.Level) float64) *summary.Estimate {
			var xs []float64
			for _, l := range runs {
				xs = append(xs, f(l))
			}
			return summary.NewEstimate(xs, 0.95)
		}
		pt.Figures = summary.RepeatFigures{
			OutputTokenThroughput: est(func(l *summary.Level) float64 { return l.OutputTokenThroughput }),
			RequestThroughput:     est(func(l *summary.Level) float64 { return l.RequestThroughput }),
			TTFTP50Ms:             est(func(l *summary.Level) float64 { return l.TTFTMs.P50 }),
			TTFTP95Ms:             est(func(l *summary.Level) float64 { return l.TTFTMs.P95 }),
			TPOTP50Ms:             est(func(l *summary.Level) float64 { return l.TPOTMs.P50 }),
			E2EP50Ms:              est(func(l *summary.Level) float64 { return l.E2EMs.P50 }),
			E2EP95Ms:              est(func(l *summary.Level) float64 { return l.E2EMs.P95 }),
			ErrorRate:             est(func(l *summary.Level) float64 { return l.ErrorRate }),
			CostPer1MOutputTokens: est(func(l *summary.Level) float64 { return *l.CostPer1MOutputTokensUSD }),
		}
		out = append(out, pt)
	}
	return out
}

// TestNoiseFlagsRealSlowdown: three repeats a side, a run-to-run CV of 3%:
// a real 20% slowdown is Worse on every latency, throughput and cost at
// every level, each with Welch's p far below 0.05.
func TestNoiseFlagsRealSlowdown(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	base, cand := synthRun(r, 3, 0.03, 1), synthRun(r, 3, 0.03, 1.2)
	worse := map[Metric]int{}
	for _, d := range Diff(base, cand, Thresholds{MaxPct: 10, MaxErrorRatePP: 1}) {
		if d.Noise == nil {
			t.Fatalf("%s: no noise estimate, both runs repeated", d)
		}
		if d.Worse {
			worse[d.Metric]++
			t.Logf("%s", d)
		}
	}
	for _, m := range []Metric{TTFTP95, E2EP95, OutputTPS, CostPer1M} {
		if worse[m] != len(truths) {
			t.Errorf("%s worse at %d of %d levels", m, worse[m], len(truths))
		}
	}
	if worse[ErrorRate] != 0 {
		t.Errorf("error rate flagged: it did not change")
	}
}

// TestNoiseSelfRepeatNotFlagged: a run against a repeat of itself (the
// same truth, new noise) at a limit of 1%, which noise alone crosses: no
// regression, the crossings said to be within noise.
func TestNoiseSelfRepeatNotFlagged(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	base, cand := synthRun(r, 3, 0.03, 1), synthRun(r, 3, 0.03, 1)
	within := 0
	for _, d := range Diff(base, cand, Thresholds{MaxPct: 1, MaxErrorRatePP: 1}) {
		if d.Worse {
			t.Errorf("flagged: %s", d)
		}
		if d.WithinNoise {
			within++
			if !strings.Contains(d.String(), "within noise: Welch p ") {
				t.Errorf("String() = %q: does not say within noise", d)
			}
		}
	}
	if within == 0 {
		t.Error("no change crossed 1%: the test proves nothing")
	}
	tbl := string(DiffTable(Diff(base, cand, Thresholds{MaxPct: 1, MaxErrorRatePP: 1})))
	if !strings.Contains(tbl, "| Welch p |") || !strings.Contains(tbl, "within noise |") || !strings.Contains(tbl, "(n 3)") {
		t.Errorf("DiffTable:\n%s", tbl)
	}
}

// TestNoiseRates: over 500 seeded pairs, how often each rule flags a
// metric. The 20% slowdown is always flagged; a repeat of the same run at
// a 1% limit is flagged at about Welch's false-alarm rate (≤ 5%), where
// the limit alone would flag most of them.
func TestNoiseRates(t *testing.T) {
	const pairs = 500
	var detected, slowChecks, alarms, limitOnly, selfChecks int
	for seed := range uint64(pairs) {
		r := rand.New(rand.NewPCG(seed, 99))
		base := synthRun(r, 3, 0.03, 1)
		for _, d := range Diff(base, synthRun(r, 3, 0.03, 1.2), Thresholds{MaxPct: 10, MaxErrorRatePP: 1}) {
			if d.Metric == ErrorRate {
				continue
			}
			slowChecks++
			if d.Worse {
				detected++
			}
		}
		for _, d := range Diff(base, synthRun(r, 3, 0.03, 1), Thresholds{MaxPct: 1, MaxErrorRatePP: 1}) {
			if d.Metric == ErrorRate {
				continue
			}
			selfChecks++
			if d.Worse {
				alarms++
			}
			if d.Worse || d.WithinNoise {
				limitOnly++
			}
		}
	}
	t.Logf("20%% slowdown flagged in %d of %d metric checks; a repeat of itself at a 1%% limit: %d false alarms in %d (the limit alone: %d)",
		detected, slowChecks, alarms, selfChecks, limitOnly)
	if detected < slowChecks*98/100 {
		t.Errorf("slowdown detected in %d of %d", detected, slowChecks)
	}
	if rate := float64(alarms) / float64(selfChecks); rate > 0.05+4*math.Sqrt(0.05*0.95/float64(selfChecks)) {
		t.Errorf("false alarm rate %.3f", rate)
	}
}

// TestNoNoiseEstimate: runs without repeats behave as before (the limit
// alone), and the note says there is no noise estimate; with repeats on
// one side only, that side's means are compared, still without a test.
func TestNoNoiseEstimate(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	base, cand := synthRun(r, 1, 0.03, 1), synthRun(r, 1, 0.03, 1.2)
	for _, d := range Diff(base, cand, Thresholds{MaxPct: 10, MaxErrorRatePP: 1}) {
		if d.Noise != nil || d.WithinNoise {
			t.Errorf("%s: a noise verdict without repeats", d)
		}
	}
	if got := Regressions(base, cand, 10); len(got) != 4*len(truths) {
		t.Errorf("%d regressions without repeats, want %d: %s", len(got), 4*len(truths), Names(got))
	}
	if n := NoiseNote(base, cand); !strings.HasPrefix(n, "no noise estimate: neither run repeated") {
		t.Errorf("note %q", n)
	}
	rep := synthRun(r, 3, 0.03, 1)
	if n := NoiseNote(rep, cand); !strings.HasPrefix(n, "no noise estimate: the candidate ran each level once") {
		t.Errorf("note %q", n)
	}
	for _, d := range Diff(rep, cand, Thresholds{MaxPct: 10, MaxErrorRatePP: 1}) {
		if d.Noise != nil {
			t.Errorf("%s: a noise verdict with one side repeated", d)
		}
		if d.Metric == TTFTP95 && d.Level.Concurrency == 6 {
			if want := pooled(rep, d.Level).TTFTMs.P95; d.Baseline != want || want != rep.Repeats[0].Figures.TTFTP95Ms.Mean {
				t.Errorf("baseline TTFT p95 %v; want the mean of the repeats %v", d.Baseline, want)
			}
		}
	}
}

// TestExecutivePoolsRepeats: the executive table reads a repeated level
// once, by its runs' means, not its luckiest run.
func TestExecutivePoolsRepeats(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	s := synthRun(r, 3, 0.03, 1)
	row := Executive([]*summary.Summary{s}, DefaultRules)[0]
	if want := s.Repeats[1].Figures.OutputTokenThroughput.Mean; math.Abs(row.BestThroughput-want) > 1e-9 {
		t.Errorf("best throughput %v; want the mean of 32's repeats %v", row.BestThroughput, want)
	}
}
