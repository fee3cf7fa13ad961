package workload

import (
	"math"
	"slices"
	"testing"

	"github.com/llmbench/llmbench/shared/lengths"
)

var (
	normal    = lengths.Dist{Kind: lengths.Normal, Mean: 512, Stddev: 128, Min: 16, Max: 4096}
	lognormal = lengths.Dist{Kind: lengths.Lognormal, Mean: 256, Stddev: 64, Min: 16, Max: 4096}
)

// requests returns the input and output lengths of n requests of worker
// w at level 3.
func requests(l *Lengths, w, n int) (in, out []float64) {
	in, out = make([]float64, n), make([]float64, n)
	for seq := range n {
		i, o := l.Of(3, w, int64(seq))
		in[seq], out[seq] = float64(i), float64(o)
	}
	return in, out
}

func TestLengthsRepeatable(t *testing.T) {
	l := NewLengths(42, normal, lognormal)
	in, out := requests(l, 0, 100)
	in2, out2 := requests(NewLengths(42, normal, lognormal), 0, 100)
	if !slices.Equal(in, in2) || !slices.Equal(out, out2) {
		t.Error("the same seed gave other lengths")
	}
	// every other request key gives other lengths
	for name, other := range map[string]func(seq int64) (int, int){
		"seed":   func(seq int64) (int, int) { return NewLengths(43, normal, lognormal).Of(3, 0, seq) },
		"level":  func(seq int64) (int, int) { return l.Of(4, 0, seq) },
		"worker": func(seq int64) (int, int) { return l.Of(3, 1, seq) },
		"seq":    func(seq int64) (int, int) { return l.Of(3, 0, seq+100) },
	} {
		same := 0
		for seq := range 100 {
			if i, _ := other(int64(seq)); float64(i) == in[seq] {
				same++
			}
		}
		if same > 10 { // a count of a stddev-128 normal repeats by chance 0.3% of the time
			t.Errorf("another %s gave %d of 100 input lengths the same", name, same)
		}
	}
}

// TestLengthsStreams: the output lengths do not depend on the input's
// distribution, and the two are uncorrelated.
func TestLengthsStreams(t *testing.T) {
	const n = 10_000
	in, out := requests(NewLengths(7, normal, lognormal), 0, n)
	fixedIn, out2 := requests(NewLengths(7, lengths.Dist{Fixed: 100}, lognormal), 0, n)
	if !slices.Equal(out, out2) {
		t.Error("changing the input distribution changed the output lengths")
	}
	if fixedIn[0] != 100 || slices.Max(fixedIn) != 100 || slices.Min(fixedIn) != 100 {
		t.Errorf("a fixed input length of 100 drew %v..%v", slices.Min(fixedIn), slices.Max(fixedIn))
	}
	// |r| of independent samples is below 4/√n but for 1 time in 16,000
	if r := correlation(in, out); math.Abs(r) > 4/math.Sqrt(n) {
		t.Errorf("input and output lengths correlate: r = %.4f", r)
	}
}

// TestLengthsMoments: across the requests of a worker the lengths have the
// asked mean and stddev (within 5%), and neighbouring requests are
// uncorrelated (their generators start from unrelated states).
func TestLengthsMoments(t *testing.T) {
	const n = 10_000
	in, out := requests(NewLengths(2026, normal, lognormal), 5, n)
	for _, c := range []struct {
		name string
		xs   []float64
		d    lengths.Dist
	}{{"input", in, normal}, {"output", out, lognormal}} {
		mean, sd := meanSD(c.xs)
		em, es := (mean-c.d.Mean)/c.d.Mean, (sd-c.d.Stddev)/c.d.Stddev
		t.Logf("%s %v: mean %.2f (%+.2f%%), stddev %.2f (%+.2f%%)", c.name, c.d, mean, 100*em, sd, 100*es)
		if math.Abs(em) > 0.05 || math.Abs(es) > 0.05 {
			t.Errorf("%s: mean %.2f and stddev %.2f, want %v and %v within 5%%", c.name, mean, sd, c.d.Mean, c.d.Stddev)
		}
		if r := correlation(c.xs[:n-1], c.xs[1:]); math.Abs(r) > 4/math.Sqrt(n) {
			t.Errorf("%s: requests seq and seq+1 correlate: r = %.4f", c.name, r)
		}
	}
}

func meanSD(xs []float64) (mean, sd float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	for _, x := range xs {
		sd += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(sd / float64(len(xs)-1))
}

func correlation(xs, ys []float64) float64 {
	mx, sx := meanSD(xs)
	my, sy := meanSD(ys)
	var c float64
	for i := range xs {
		c += (xs[i] - mx) * (ys[i] - my)
	}
	return c / float64(len(xs)-1) / (sx * sy)
}

func BenchmarkLengthsOf(b *testing.B) {
	l := NewLengths(1, normal, lognormal)
	var seq int64
	for b.Loop() {
		l.Of(0, 0, seq)
		seq++
	}
}
