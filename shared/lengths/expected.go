package lengths

import "math"

// Kept returns the share of d's untruncated distribution that Min and Max
// keep: the probability that one draw need not be redrawn. It is 1 for a
// fixed or uniform length.
func (d Dist) Kept() float64 {
	switch d.Kind {
	case Normal, Lognormal:
		if z, ok := d.standard(); ok {
			return mass(z.alpha, z.beta)
		}
		return d.degenerateKept()
	}
	return 1
}

// Expected returns the mean length of a valid d, truncation included: the
// planner's and the cost estimate's tokens per request. For normal and
// lognormal it is the mean of the continuous distribution conditioned on
// [Min−½, Max+½), which the rounded counts match to well under a token
// unless Stddev is below 1 (it is exact for Stddev 0).
func (d Dist) Expected() float64 {
	switch d.Kind {
	case "":
		return float64(d.Fixed)
	case Uniform:
		return (float64(d.Min) + float64(d.Max)) / 2
	}
	z, ok := d.standard()
	if !ok {
		return math.Round(d.Mean)
	}
	k := mass(z.alpha, z.beta)
	if k == 0 {
		return d.Mean // invalid: nothing is kept
	}
	if d.Kind == Normal {
		return d.Mean + d.Stddev*(phi(z.alpha)-phi(z.beta))/k
	}
	// E[X; a ≤ X < b] for lognormal X = m·P(a ≤ Y < b) where Y is
	// lognormal with μ+σ²: the standardized bounds move down by σ.
	return d.Mean * mass(z.alpha-z.sigma, z.beta-z.sigma) / k
}

// standardized is a normal or lognormal in standard form: alpha and beta
// are the truncation bounds Min−½ and Max+½ (their logarithms for
// lognormal) in standard deviations from the mean (mu, sigma: of the
// logarithm for lognormal).
type standardized struct {
	mu, sigma   float64
	alpha, beta float64
}

// standard returns d in standard form; ok is false when Stddev is 0 (or
// d is not a valid normal or lognormal).
func (d Dist) standard() (z standardized, ok bool) {
	if !(d.Stddev > 0) || !(d.Mean > 0) {
		return z, false
	}
	lo, hi := d.Bounds()
	a, b := float64(lo)-0.5, float64(hi)+0.5
	z.mu, z.sigma = d.Mean, d.Stddev
	if d.Kind == Lognormal {
		z.mu, z.sigma = lognormalParams(d.Mean, d.Stddev)
		a, b = math.Log(max(a, 0)), math.Log(b)
	}
	z.alpha, z.beta = (a-z.mu)/z.sigma, (b-z.mu)/z.sigma
	return z, true
}

// lognormalParams returns the μ and σ of the logarithm of a lognormal
// whose mean is m and standard deviation s.
func lognormalParams(m, s float64) (mu, sigma float64) {
	v := math.Log1p(s * s / (m * m))
	return math.Log(m) - v/2, math.Sqrt(v)
}

// degenerateKept is Kept for Stddev 0: all or nothing.
func (d Dist) degenerateKept() float64 {
	lo, hi := d.Bounds()
	if n := math.Round(d.Mean); n >= float64(lo) && n <= float64(hi) {
		return 1
	}
	return 0
}

// mass returns P(alpha ≤ Z < beta) for a standard normal Z, from the upper
// tail when both bounds are above the mean so that a far tail's small
// probability keeps its digits.
func mass(alpha, beta float64) float64 {
	if alpha > 0 {
		return max(upper(alpha)-upper(beta), 0)
	}
	return max(upper(-beta)-upper(-alpha), 0)
}

// upper returns P(Z > x) for a standard normal Z.
func upper(x float64) float64 { return 0.5 * math.Erfc(x/math.Sqrt2) }

// phi is the standard normal density.
func phi(x float64) float64 { return math.Exp(-x*x/2) / math.Sqrt(2*math.Pi) }
