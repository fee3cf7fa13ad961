package stats

import (
	"math"
	"math/rand/v2"
	"testing"
)

// near reports whether a and b agree to within tol.
func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestOf(t *testing.T) {
	tests := []struct {
		name     string
		xs       []float64
		mean, sd float64
	}{
		// The sample standard deviation divides by n − 1: {2, 4, 4, 4, 5, 5, 7, 9} has population sd 2, sample sd √(32/7).
		{"eight values", []float64{2, 4, 4, 4, 5, 5, 7, 9}, 5, math.Sqrt(32.0 / 7)},
		// One value: a mean, no spread.
		{"one value", []float64{212}, 212, 0},
		// None: nothing.
		{"empty", nil, 0, 0},
		// A tiny spread beside a large mean survives (two passes, no cancellation).
		{"tiny spread", []float64{1e9 + 1, 1e9 + 2, 1e9 + 3}, 1e9 + 2, 1},
	}
	for _, tt := range tests {
		s := Of(tt.xs)
		if s.N != len(tt.xs) || !near(s.Mean, tt.mean, 1e-9) || !near(s.SD, tt.sd, 1e-9) {
			t.Errorf("%s: Of = %+v; want n %d, mean %g, sd %g", tt.name, s, len(tt.xs), tt.mean, tt.sd)
		}
	}
}

func TestCVAndInterval(t *testing.T) {
	// n = 3, sd √3: the half-width is t(0.975, 2) · √3 / √3 = 4.302652729911275 (tables).
	s := Sample{N: 3, Mean: 10, SD: math.Sqrt(3)}
	h, ok := s.HalfWidth(0.95)
	if !ok || !near(h, 4.302652729911275, 1e-9) {
		t.Errorf("half-width %v (%v); want t(0.975, 2) = 4.3026527", h, ok)
	}
	// n = 5, sd √5: t(0.975, 4) = 2.7764451051977987.
	if h, _ := (Sample{N: 5, Mean: 1, SD: math.Sqrt(5)}).HalfWidth(0.95); !near(h, 2.7764451051977987, 1e-9) {
		t.Errorf("half-width at n 5: %v; want 2.7764451", h)
	}
	lo, hi, _ := s.CI(0.95)
	if !near(lo, 10-4.302652729911275, 1e-9) || !near(hi, 10+4.302652729911275, 1e-9) {
		t.Errorf("CI [%v, %v]", lo, hi)
	}
	if cv, ok := s.CV(); !ok || !near(cv, math.Sqrt(3)/10, 1e-12) {
		t.Errorf("CV %v", cv)
	}
	// One value has no interval, a zero mean no CV.
	if _, _, ok := (Sample{N: 1, Mean: 3}).CI(0.95); ok {
		t.Error("CI of one value")
	}
	if _, ok := (Sample{N: 3, Mean: 0, SD: 0}).CV(); ok {
		t.Error("CV of a zero mean")
	}
}

// TestIntervalCoversTrueMean draws 2000 seeded trials of n measurements
// from a known normal distribution (a TTFT p95 of 212 ms with a run-to-run
// sd of 9 ms, as the simulated server's noise looks) and counts how often
// the 95% interval holds the true mean: a binomial count of 2000 at 0.95
// has sd 9.7 trials, so 4 sd either side is [0.9305, 0.9695].
func TestIntervalCoversTrueMean(t *testing.T) {
	const trials, mu, sigma = 2000, 212.0, 9.0
	tol := 4 * math.Sqrt(0.95*0.05/trials)
	for _, n := range []int{2, 3, 5, 10} {
		covered := 0
		for seed := range uint64(trials) {
			r := rand.New(rand.NewPCG(seed, uint64(n)))
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = mu + sigma*r.NormFloat64()
			}
			if lo, hi, ok := Of(xs).CI(0.95); ok && lo <= mu && mu <= hi {
				covered++
			}
		}
		got := float64(covered) / trials
		t.Logf("n=%d: the 95%% interval covered the true mean in %.1f%% of %d trials", n, 100*got, trials)
		if !near(got, 0.95, tol) {
			t.Errorf("n=%d: coverage %.4f, want 0.95 ± %.4f", n, got, tol)
		}
	}
}

func TestWelch(t *testing.T) {
	// Equal n and sd: df = 2(n − 1); a difference of t(0.975, 4) standard errors is p = 0.05 exactly.
	a := Sample{N: 3, Mean: 100, SD: 1}
	se := math.Sqrt(2.0 / 3)
	b := Sample{N: 3, Mean: 100 + 2.7764451051977987*se, SD: 1}
	w, ok := Welch(a, b)
	if !ok || !near(w.DF, 4, 1e-9) || !near(w.T, 2.7764451051977987, 1e-9) || !near(w.P, 0.05, 1e-9) {
		t.Errorf("Welch = %+v (%v); want df 4, t 2.776, p 0.05", w, ok)
	}
	// Unequal variances: Welch–Satterthwaite by hand. va = 4/3, vb = 36/5.
	va, vb := 4.0/3, 36.0/5
	w, _ = Welch(Sample{N: 3, Mean: 0, SD: 2}, Sample{N: 5, Mean: 3, SD: 6})
	if df := (va + vb) * (va + vb) / (va*va/2 + vb*vb/4); !near(w.DF, df, 1e-9) || !near(w.T, 3/math.Sqrt(va+vb), 1e-12) {
		t.Errorf("Welch = %+v; want df %v", w, df)
	}
	// No spread: equal means are p 1, different ones p 0.
	if w, _ := Welch(Sample{N: 2, Mean: 5}, Sample{N: 2, Mean: 5}); w.P != 1 {
		t.Errorf("identical constants: %+v", w)
	}
	if w, _ := Welch(Sample{N: 2, Mean: 5}, Sample{N: 2, Mean: 6}); w.P != 0 || !math.IsInf(w.T, 1) {
		t.Errorf("different constants: %+v", w)
	}
	// One value on a side: no test.
	if _, ok := Welch(Sample{N: 1, Mean: 5}, Sample{N: 3, Mean: 6, SD: 1}); ok {
		t.Error("Welch of a single value")
	}
}

// TestWelchFalseAlarmRate: under the null (both samples from one
// distribution) p < 0.05 in about 5% of 2000 seeded trials.
func TestWelchFalseAlarmRate(t *testing.T) {
	const trials = 2000
	for _, n := range []int{3, 5} {
		alarms := 0
		for seed := range uint64(trials) {
			r := rand.New(rand.NewPCG(seed, 77+uint64(n)))
			draw := func() Sample {
				xs := make([]float64, n)
				for i := range xs {
					xs[i] = 950 + 20*r.NormFloat64()
				}
				return Of(xs)
			}
			if w, _ := Welch(draw(), draw()); w.P < 0.05 {
				alarms++
			}
		}
		got := float64(alarms) / trials
		t.Logf("n=%d: p < 0.05 in %.1f%% of %d trials of equal means", n, 100*got, trials)
		// Welch's test is slightly conservative at small n; never liberal beyond the binomial tolerance.
		if got > 0.05+4*math.Sqrt(0.05*0.95/trials) || got < 0.02 {
			t.Errorf("n=%d: false alarm rate %.4f, want about 0.05", n, got)
		}
	}
}
