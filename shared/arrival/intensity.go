package arrival

import "math"

// intensity is a level's rate as a function of time, in seconds, with its
// integral Λ and the inverse of Λ, which maps the operational time of a
// unit-rate process to real time.
type intensity struct {
	flat float64 // the rate without a ramp, or the ramp's To after Over
	ramp bool
	geo  bool    // exponential ramp
	from float64 // ramp start rate
	over float64 // ramp length
	a    float64 // linear: half the slope, (To−From)/(2·Over)
	k    float64 // exponential: growth per second, ln(To/From)/Over
	cumO float64 // Λ(Over)
}

func newIntensity(s Spec) intensity {
	r := s.Ramp
	if r == nil {
		return intensity{flat: s.Rate}
	}
	in := intensity{flat: r.To, ramp: true, from: r.From, over: r.Over.Seconds()}
	if r.Strategy == Exponential {
		in.geo = true
		in.k = math.Log(r.To/r.From) / in.over
	} else {
		in.a = (r.To - r.From) / (2 * in.over)
	}
	in.cumO = in.cum(in.over)
	return in
}

// rate is rate(t).
func (in *intensity) rate(t float64) float64 {
	switch {
	case !in.ramp || t >= in.over:
		return in.flat
	case t < 0:
		t = 0
	}
	if in.geo {
		return in.from * math.Exp(in.k*t)
	}
	return in.from + 2*in.a*t
}

// cum is Λ(t), the integral of rate over [0, t].
func (in *intensity) cum(t float64) float64 {
	switch {
	case !in.ramp:
		return in.flat * t
	case t > in.over:
		return in.cumO + in.flat*(t-in.over)
	case in.geo && in.k != 0:
		return in.from * math.Expm1(in.k*t) / in.k
	case in.geo:
		return in.from * t
	}
	return in.from*t + in.a*t*t
}

// inverse is Λ⁻¹(u) for u ≥ 0.
func (in *intensity) inverse(u float64) float64 {
	switch {
	case !in.ramp:
		return u / in.flat
	case u > in.cumO:
		return in.over + (u-in.cumO)/in.flat
	case in.geo && in.k != 0:
		// from·(e^{kt} − 1)/k = u
		return math.Log1p(in.k*u/in.from) / in.k
	case in.geo:
		return u / in.from
	}
	// a·t² + from·t = u; this form of the root is stable for a → 0 and
	// exact for from = 0, where the other one cancels.
	d := max(in.from*in.from+4*in.a*u, 0)
	if den := in.from + math.Sqrt(d); den > 0 {
		return 2 * u / den
	}
	return 0
}
