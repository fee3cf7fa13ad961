package arrival

import (
	"math"
	"slices"
	"testing"
	"time"
)

// gaps returns the inter-arrival gaps of s in seconds, the first measured
// from the level's start.
func gaps(t testing.TB, s Spec) []float64 {
	t.Helper()
	all := global(t, s)
	g := make([]float64, len(all))
	var prev time.Duration
	for k, a := range all {
		g[k] = (a.at - prev).Seconds()
		prev = a.at
	}
	return g
}

// ks returns the Kolmogorov–Smirnov statistic of x against the CDF cdf
// and its asymptotic p-value, with Stephens' correction for finite n
// (Numerical Recipes, §14.3).
func ks(x []float64, cdf func(float64) float64) (d, p float64) {
	x = slices.Clone(x)
	slices.Sort(x)
	n := float64(len(x))
	for k, v := range x {
		f := cdf(v)
		d = max(d, float64(k+1)/n-f, f-float64(k)/n)
	}
	sn := math.Sqrt(n)
	return d, kolmogorovQ((sn + 0.12 + 0.11/sn) * d)
}

// kolmogorovQ is P(K > z) for the Kolmogorov distribution.
func kolmogorovQ(z float64) float64 {
	if z < 1.18 {
		// The series of the CDF that converges fast for small z.
		y := math.Exp(-math.Pi * math.Pi / (8 * z * z))
		cdf := math.Sqrt(2*math.Pi) / z * (y + math.Pow(y, 9) + math.Pow(y, 25) + math.Pow(y, 49))
		return 1 - cdf
	}
	var q float64
	for k := 1; k <= 100; k++ {
		term := math.Exp(-2 * float64(k*k) * z * z)
		if k%2 == 0 {
			term = -term
		}
		q += 2 * term
		if math.Abs(term) < 1e-16 {
			break
		}
	}
	return q
}

func TestKolmogorovQ(t *testing.T) {
	// Known quantiles of the Kolmogorov distribution.
	for _, c := range []struct{ z, q float64 }{{1.2238, 0.10}, {1.3581, 0.05}, {1.6276, 0.01}, {0.8276, 0.50}} {
		if got := kolmogorovQ(c.z); math.Abs(got-c.q) > 5e-4 {
			t.Errorf("Q(%v) = %.5f, want %v", c.z, got, c.q)
		}
	}
}

func TestPoissonGapsAreExponential(t *testing.T) {
	const rate = 100
	g := gaps(t, Spec{Rate: rate, Requests: 20000, Duration: time.Hour, Seed: 2026})
	if len(g) != 20000 {
		t.Fatalf("%d gaps", len(g))
	}
	d, p := ks(g, expCDF(rate))
	t.Logf("KS over %d gaps: D = %.5f, p = %.3f", len(g), d, p)
	if p < 0.01 {
		t.Errorf("KS rejects Exp(%d) at α = 0.01: D = %.5f, p = %.4f", rate, d, p)
	}

	// One seed could pass by luck: over many seeds the test must reject
	// about as often as α says, no more.
	const seeds, alpha = 200, 0.01
	rejected := 0
	for seed := range uint64(seeds) {
		g := gaps(t, Spec{Rate: rate, Requests: 10000, Seed: seed})
		if _, p := ks(g, expCDF(rate)); p < alpha {
			rejected++
		}
	}
	t.Logf("KS at α = %v rejects %d of %d seeds", alpha, rejected, seeds)
	// Binomial(200, 0.01): P(X ≥ 8) ≈ 0.001.
	if rejected >= 8 {
		t.Errorf("KS rejects %d of %d seeds at α = %v", rejected, seeds, alpha)
	}
}

func expCDF(rate float64) func(float64) float64 {
	return func(x float64) float64 { return -math.Expm1(-rate * x) }
}

// gammaCDFs are the CDFs, closed-form for these shapes, of the gaps of a
// gamma schedule of rate 1000: Gamma(b, 1/(1000·b)).
var gammaCDFs = map[float64]func(float64) float64{
	0.5: func(x float64) float64 { return math.Erf(math.Sqrt(500 * x)) },          // χ²₁ scaled
	1:   expCDF(1000),                                                             // Exp
	2:   func(x float64) float64 { y := 2000 * x; return 1 - math.Exp(-y)*(1+y) }, // Erlang 2
}

func TestGammaDispersion(t *testing.T) {
	const rate = 1000
	for _, b := range []float64{0.5, 1, 2} {
		g := gaps(t, Spec{Rate: rate, Process: Gamma, Burstiness: b, Requests: 200000, Seed: 7})
		mean, scv := moments(g)
		// The first gap is the equilibrium residual, not an ordinary one.
		d, p := ks(g[1:], gammaCDFs[b])
		t.Logf("burstiness %v: %d gaps, mean %.6f s (want %v), SCV %.4f (want %.4f, %+.2f%%), KS against Gamma(%v): D = %.5f, p = %.3f",
			b, len(g), mean, 1.0/rate, scv, 1/b, 100*(scv*b-1), b, d, p)
		if p < 0.01 {
			t.Errorf("burstiness %v: KS rejects the gamma distribution at α = 0.01: D = %.5f, p = %.4f", b, d, p)
		}
		if math.Abs(mean*rate-1) > 0.01 {
			t.Errorf("burstiness %v: mean gap %v s, want 1/rate = %v s within 1%%", b, mean, 1.0/rate)
		}
		if math.Abs(scv*b-1) > 0.05 {
			t.Errorf("burstiness %v: SCV %.4f, want 1/shape = %.4f within 5%%", b, scv, 1/b)
		}
	}
}

// moments returns the mean and the squared coefficient of variation of x.
func moments(x []float64) (mean, scv float64) {
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	var ss float64
	for _, v := range x {
		ss += (v - mean) * (v - mean)
	}
	return mean, ss / float64(len(x)-1) / (mean * mean)
}

func TestCountInWindow(t *testing.T) {
	const rate, level = 50, 600 * time.Second
	tests := []struct {
		name string
		spec Spec
		scv  float64 // of the gaps: the count's variance is about λT·SCV
	}{
		{"poisson", Spec{Rate: rate, Duration: level, Seed: 11}, 1},
		{"gamma 0.5", Spec{Rate: rate, Process: Gamma, Burstiness: 0.5, Duration: level, Seed: 12}, 2},
		{"gamma 2", Spec{Rate: rate, Process: Gamma, Burstiness: 2, Duration: level, Seed: 13}, 0.5},
	}
	windows := [][2]time.Duration{{0, level}, {0, 10 * time.Second}, {100 * time.Second, 400 * time.Second}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			all := global(t, tt.spec)
			for _, w := range windows {
				n := count(all, w[0], w[1])
				want := tt.spec.Expected(w[1]) - tt.spec.Expected(w[0])
				sigma := math.Sqrt(want * tt.scv)
				t.Logf("[%v, %v): %d arrivals, expected %.0f ± %.1f (%+.2fσ)", w[0], w[1], n, want, sigma, (float64(n)-want)/sigma)
				if math.Abs(float64(n)-want) > 3*sigma {
					t.Errorf("[%v, %v): %d arrivals, want %.0f within 3σ = %.1f", w[0], w[1], n, want, 3*sigma)
				}
			}
		})
	}
}

// count returns how many arrivals of all are at offsets in [from, to).
func count(all []arrival, from, to time.Duration) int {
	n := 0
	for _, a := range all {
		if a.at >= from && a.at < to {
			n++
		}
	}
	return n
}

// TestEquilibriumStart checks that a bursty schedule starts in equilibrium:
// the mean count of a short first window is rate × window, not the
// (1/b − 1)/2 more of a renewal process started with an ordinary gap.
func TestEquilibriumStart(t *testing.T) {
	const seeds = 4000
	for _, b := range []float64{0.25, 0.5, 2} {
		s := Spec{Rate: 10, Process: Gamma, Burstiness: b, Duration: 500 * time.Millisecond}
		want := s.Expected(s.Duration)
		var sum, sum2 float64
		for seed := range uint64(seeds) {
			s.Seed = seed
			n := float64(len(global(t, s)))
			sum += n
			sum2 += n * n
		}
		mean := sum / seeds
		se := math.Sqrt((sum2/seeds - mean*mean) / seeds)
		t.Logf("burstiness %v: mean count %.3f ± %.3f over %d seeds, want %v (an ordinary start: %.2f)", b, mean, se, seeds, want, want+(1/b-1)/2)
		if math.Abs(mean-want) > 3*se {
			t.Errorf("burstiness %v: mean count %.3f, want %v within 3 SE = %.3f", b, mean, want, 3*se)
		}
	}
}
