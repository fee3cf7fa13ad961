package lengths

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x1e46)) }

// moments returns the sample mean and standard deviation of n draws.
func moments(d Dist, r *rand.Rand, n int) (mean, sd float64) {
	var sum, sum2 float64
	for range n {
		x := float64(d.Draw(r))
		sum += x
		sum2 += x * x
	}
	mean = sum / float64(n)
	return mean, math.Sqrt((sum2 - float64(n)*mean*mean) / float64(n-1))
}

// TestDrawMoments: over 10,000 draws the lengths have the mean and stddev
// asked for, within 5% (the brief's bound; the log gives the measured
// errors), and their mean is Expected's within four standard errors.
func TestDrawMoments(t *testing.T) {
	tests := []struct {
		name     string
		d        Dist
		mean, sd float64 // of the untruncated distribution
	}{
		// bounds at -3.9σ and +28σ: truncation moves the mean by 0.03 token
		{"normal", Dist{Kind: Normal, Mean: 512, Stddev: 128, Min: 16, Max: 4096}, 512, 128},
		{"lognormal", Dist{Kind: Lognormal, Mean: 512, Stddev: 128, Min: 16, Max: 4096}, 512, 128},
		{"normal default bounds", Dist{Kind: Normal, Mean: 2048, Stddev: 512}, 2048, 512},
		// uniform: mean (min+max)/2, stddev √(((max-min+1)²-1)/12) for counts, ≈ (max-min)/√12
		{"uniform", Dist{Kind: Uniform, Min: 16, Max: 4096}, 2056, 4080 / math.Sqrt(12)},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const n = 10_000
			mean, sd := moments(tt.d, newRand(uint64(i)), n)
			em, es := (mean-tt.mean)/tt.mean, (sd-tt.sd)/tt.sd
			t.Logf("%v: mean %.2f (%+.2f%%), stddev %.2f (%+.2f%%)", tt.d, mean, 100*em, sd, 100*es)
			if math.Abs(em) > 0.05 {
				t.Errorf("mean %.2f, want %v within 5%%", mean, tt.mean)
			}
			if math.Abs(es) > 0.05 {
				t.Errorf("stddev %.2f, want %v within 5%%", sd, tt.sd)
			}
			if se := sd / math.Sqrt(n); math.Abs(mean-tt.d.Expected()) > 4*se {
				t.Errorf("mean %.2f, Expected() %.2f: more than 4 standard errors (%.2f) apart", mean, tt.d.Expected(), se)
			}
		})
	}
}

// TestDrawFrequencies compares the frequency of every count with the
// probability that the rounded, truncated distribution gives it, by a
// chi-square test: it catches flooring instead of rounding, clamping
// instead of redrawing, and a biased uniform.
func TestDrawFrequencies(t *testing.T) {
	tests := []struct {
		name string
		d    Dist
	}{
		{"normal truncated both sides", Dist{Kind: Normal, Mean: 10, Stddev: 4, Min: 5, Max: 18}},
		{"normal near 1", Dist{Kind: Normal, Mean: 3, Stddev: 3}},
		{"lognormal skewed", Dist{Kind: Lognormal, Mean: 8, Stddev: 6, Min: 2, Max: 30}},
		{"uniform", Dist{Kind: Uniform, Min: 3, Max: 12}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const n = 200_000
			lo, _ := tt.d.Bounds()
			r := newRand(100 + uint64(i))
			counts := map[int]int{}
			top := lo
			for range n {
				k := tt.d.Draw(r)
				counts[k]++
				top = max(top, k)
			}
			// counts expected fewer than 5 times share one bin, with
			// those above the largest drawn
			var chi2, rareE, sum float64
			bins, rareO := 0, 0
			for k := lo; k <= top; k++ {
				p := prob(tt.d, k)
				sum += p
				e, o := p*n, float64(counts[k])
				if e < 5 {
					rareE, rareO = rareE+e, rareO+counts[k]
					continue
				}
				chi2 += (o - e) * (o - e) / e
				bins++
			}
			rareE += (1 - sum) * n
			if rareE >= 5 {
				chi2 += (float64(rareO) - rareE) * (float64(rareO) - rareE) / rareE
				bins++
			} else if rareO > 20 {
				t.Errorf("rare counts drawn %d times, expected %.1f", rareO, rareE)
			}
			df := bins - 1
			// Wilson–Hilferty: chi2/df is nearly normal after a cube root
			v := 2 / (9 * float64(df))
			z := (math.Cbrt(chi2/float64(df)) - (1 - v)) / math.Sqrt(v)
			t.Logf("chi2 %.1f on %d degrees of freedom (z %.2f)", chi2, df, z)
			if z > 4 {
				t.Errorf("frequencies differ from the distribution's: chi2 %.1f on %d degrees of freedom (z %.2f)", chi2, df, z)
			}
		})
	}
}

// prob is the probability that d draws k.
func prob(d Dist, k int) float64 {
	lo, hi := d.Bounds()
	if k < lo || k > hi {
		return 0
	}
	if d.Kind == Uniform {
		return 1 / float64(hi-lo+1)
	}
	one := d
	one.Min, one.Max = k, k
	return one.Kept() / d.Kept()
}

// TestDrawBounds: whatever the distribution, every length is within its
// bounds, and a tight truncation is redrawn, not clamped (the bounds are
// not drawn more often than their neighbours).
func TestDrawBounds(t *testing.T) {
	tests := []struct {
		name string
		d    Dist
		flat bool // the density is nearly flat across [Min, Max]
	}{
		{"normal tight", Dist{Kind: Normal, Mean: 512, Stddev: 128, Min: 500, Max: 520}, true},
		{"normal off-centre", Dist{Kind: Normal, Mean: 512, Stddev: 128, Min: 600, Max: 640}, true},
		{"lognormal tight", Dist{Kind: Lognormal, Mean: 512, Stddev: 128, Min: 400, Max: 450}, true},
		{"lognormal heavy tail", Dist{Kind: Lognormal, Mean: 100, Stddev: 1000, Max: 2000}, false},
		{"normal near zero", Dist{Kind: Normal, Mean: 2, Stddev: 50}, false},
		{"normal stddev 0", Dist{Kind: Normal, Mean: 512, Min: 100, Max: 600}, false},
		{"uniform one count", Dist{Kind: Uniform, Min: 9, Max: 9}, false},
		{"uniform", Dist{Kind: Uniform, Min: 1, Max: MaxTokens}, false},
		{"fixed", Dist{Fixed: 77}, false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.d.Validate(); err != nil {
				t.Fatalf("the test's dist is invalid: %v", err)
			}
			lo, hi := tt.d.Bounds()
			r := newRand(200 + uint64(i))
			got := make([]int, 10_000)
			for j := range got {
				got[j] = tt.d.Draw(r)
				if got[j] < lo || got[j] > hi {
					t.Fatalf("draw %d = %d, outside [%d, %d]", j, got[j], lo, hi)
				}
			}
			if tt.flat {
				// a clamp would pile draws on the bounds: there they are as rare as next door
				ends := count(got, lo) + count(got, hi)
				inner := count(got, lo+1) + count(got, hi-1)
				if ends > inner*3/2+20 {
					t.Errorf("the bounds %d and %d were drawn %d times, their neighbours %d: clamped, not redrawn", lo, hi, ends, inner)
				}
			}
		})
	}
}

func count(xs []int, v int) int {
	n := 0
	for _, x := range xs {
		if x == v {
			n++
		}
	}
	return n
}

// TestDrawUnkeptClamps: a Dist that Validate refuses because its bounds
// keep nothing still returns, after MaxTries draws, within its bounds.
func TestDrawUnkeptClamps(t *testing.T) {
	d := Dist{Kind: Normal, Mean: 512, Stddev: 1, Min: 1000, Max: 1001}
	if d.Validate() == nil {
		t.Fatal("Validate accepted bounds 488 standard deviations away")
	}
	if got := d.Draw(newRand(1)); got != 1000 {
		t.Errorf("Draw = %d, want 1000 (the last draw, clamped)", got)
	}
}

// TestDrawDeterministic: the same generator state gives the same lengths,
// another seed others.
func TestDrawDeterministic(t *testing.T) {
	for _, d := range []Dist{
		{Kind: Normal, Mean: 512, Stddev: 128, Min: 16, Max: 4096},
		{Kind: Lognormal, Mean: 512, Stddev: 128, Min: 400, Max: 450},
		{Kind: Uniform, Min: 16, Max: 4096},
	} {
		seq := func(seed uint64) []int {
			r := newRand(seed)
			out := make([]int, 1000)
			for i := range out {
				out[i] = d.Draw(r)
			}
			return out
		}
		a := seq(7)
		if !slices.Equal(a, seq(7)) {
			t.Errorf("%v: the same seed gave two sequences", d)
		}
		if slices.Equal(a, seq(8)) {
			t.Errorf("%v: seeds 7 and 8 gave the same sequence", d)
		}
	}
}

func TestDrawUnknownPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Draw of an unknown dist did not panic")
		}
	}()
	Dist{Kind: "gamma", Mean: 1}.Draw(newRand(1))
}

func BenchmarkDraw(b *testing.B) {
	for _, d := range []Dist{
		{Kind: Uniform, Min: 16, Max: 4096},
		{Kind: Normal, Mean: 512, Stddev: 128, Min: 16, Max: 4096},
		{Kind: Lognormal, Mean: 512, Stddev: 128, Min: 16, Max: 4096},
		{Kind: Normal, Mean: 512, Stddev: 128, Min: 800, Max: 1200}, // keeps 1.2%
	} {
		b.Run(d.String(), func(b *testing.B) {
			r := newRand(1)
			for b.Loop() {
				d.Draw(r)
			}
		})
	}
}
