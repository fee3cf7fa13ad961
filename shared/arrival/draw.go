package arrival

import "math"

// The draws are built from the PCG's raw 64-bit outputs and the math
// package only, so the sequence does not depend on how math/rand/v2
// implements its distributions.

// uniform returns a uniform float64 in (0, 1], on a grid of 2⁻⁵³.
func (sc *Schedule) uniform() float64 {
	return float64(sc.src.Uint64()>>11+1) * 0x1p-53
}

// exp returns an Exp(1) deviate by inversion.
func (sc *Schedule) exp() float64 { return -math.Log(sc.uniform()) }

// normal returns a standard normal deviate by Marsaglia's polar method,
// which makes two at a time.
func (sc *Schedule) normal() float64 {
	if sc.has {
		sc.has = false
		return sc.spare
	}
	for {
		x, y := 2*sc.uniform()-1, 2*sc.uniform()-1
		s := x*x + y*y
		if s == 0 || s >= 1 {
			continue
		}
		f := math.Sqrt(-2 * math.Log(s) / s)
		sc.spare, sc.has = y*f, true
		return x * f
	}
}

// gammaParams draws Gamma(shape, 1) deviates by Marsaglia and Tsang's
// method ("A simple method for generating gamma variables", 2000), with
// their boost for a shape below 1: Gamma(a) = Gamma(a+1)·U^(1/a).
type gammaParams struct {
	shape float64
	d, c  float64 // of max(shape, shape+1 when shape < 1)
}

func newGammaParams(shape float64) gammaParams {
	a := shape
	if a < 1 {
		a++
	}
	d := a - 1.0/3
	return gammaParams{shape: shape, d: d, c: 1 / math.Sqrt(9*d)}
}

func (g gammaParams) draw(sc *Schedule) float64 {
	for {
		x := sc.normal()
		v := 1 + g.c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := sc.uniform()
		x2 := x * x
		if u < 1-0.0331*x2*x2 || math.Log(u) < 0.5*x2+g.d*(1-v+math.Log(v)) {
			if g.shape < 1 {
				return g.d * v * math.Pow(sc.uniform(), 1/g.shape)
			}
			return g.d * v
		}
	}
}

// residual returns the first operational arrival of a gamma schedule in
// equilibrium: the time from an arbitrary instant to the next renewal, U·L
// with L length-biased, Gamma(b+1) for gaps Gamma(b) (both of scale 1/b).
func (sc *Schedule) residual() float64 {
	b := sc.spec.Burstiness
	return sc.uniform() * newGammaParams(b+1).draw(sc) / b
}
