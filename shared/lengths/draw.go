package lengths

import (
	"math"
	"math/bits"
	"math/rand/v2"
)

// MaxTries bounds the draws of one normal or lognormal length; past it the
// last draw is clamped to [Min, Max]. A valid Dist keeps at least MinKept
// of its draws, so the bound is reached with probability below
// 0.99^10000 ≈ 10⁻⁴⁴.
const MaxTries = 10_000

// Draw returns one length drawn from d with r, within d's Bounds. It reads
// r only through r.Uint64, so the same r state gives the same length on
// every platform. d must be valid; Draw panics if d.Kind is unknown.
func (d Dist) Draw(r *rand.Rand) int {
	switch d.Kind {
	case "":
		return d.Fixed
	case Uniform:
		if d.Max <= d.Min {
			return d.Min
		}
		return d.Min + int(uint64n(r, uint64(d.Max-d.Min)+1))
	case Normal, Lognormal:
	default:
		panic("lengths: Draw of unknown dist " + d.Kind)
	}
	lo, hi := d.Bounds()
	if !(d.Stddev > 0) {
		return clamp(math.Round(d.Mean), lo, hi)
	}
	mu, sigma := d.Mean, d.Stddev
	if d.Kind == Lognormal {
		mu, sigma = lognormalParams(d.Mean, d.Stddev)
	}
	a, b := float64(lo)-0.5, float64(hi)+0.5
	g := gauss{r: r}
	var x float64
	for range MaxTries {
		x = mu + sigma*g.next()
		if d.Kind == Lognormal {
			x = math.Exp(x)
		}
		// math.Round maps [lo−½, hi+½) onto lo..hi (halves round up).
		if x >= a && x < b {
			break
		}
	}
	return clamp(math.Round(x), lo, hi)
}

func clamp(x float64, lo, hi int) int {
	switch {
	case x < float64(lo):
		return lo
	case x > float64(hi):
		return hi
	}
	return int(x)
}

// uint64n returns a uniform integer in [0, n), n > 0, by Lemire's
// multiply-and-reject ("Fast random integer generation in an interval",
// 2019), whatever the platform's word size.
func uint64n(r *rand.Rand, n uint64) uint64 {
	hi, lo := bits.Mul64(r.Uint64(), n)
	if lo < n {
		thresh := -n % n
		for lo < thresh {
			hi, lo = bits.Mul64(r.Uint64(), n)
		}
	}
	return hi
}

// gauss makes standard normal deviates by Marsaglia's polar method, two at
// a time; it lives for one Draw, so a spare is used by the next try of the
// same length, never by another length.
type gauss struct {
	r     *rand.Rand
	spare float64
	has   bool
}

func (g *gauss) next() float64 {
	if g.has {
		g.has = false
		return g.spare
	}
	for {
		x, y := 2*unit(g.r)-1, 2*unit(g.r)-1
		s := x*x + y*y
		if s == 0 || s >= 1 {
			continue
		}
		f := math.Sqrt(-2 * math.Log(s) / s)
		g.spare, g.has = y*f, true
		return x * f
	}
}

// unit returns a uniform float64 in (0, 1], on a grid of 2⁻⁵³.
func unit(r *rand.Rand) float64 { return float64(r.Uint64()>>11+1) * 0x1p-53 }
