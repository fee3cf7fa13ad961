package arrival

import (
	"math"
	"testing"
	"time"
)

// ramps are the shapes of rate Λ⁻¹ must invert, with a level twice as long.
var ramps = map[string]Ramp{
	"linear up":          {From: 1, To: 32, Over: 60 * time.Second},
	"linear down":        {From: 32, To: 1, Over: 60 * time.Second},
	"linear from zero":   {From: 0, To: 32, Over: 60 * time.Second},
	"linear flat":        {From: 8, To: 8, Over: 60 * time.Second},
	"exponential up":     {From: 1, To: 32, Over: 60 * time.Second, Strategy: Exponential},
	"exponential down":   {From: 32, To: 1, Over: 60 * time.Second, Strategy: Exponential},
	"exponential flat":   {From: 8, To: 8, Over: 60 * time.Second, Strategy: Exponential},
	"exponential gentle": {From: 100, To: 100.0001, Over: 60 * time.Second, Strategy: Exponential},
}

func TestIntensity(t *testing.T) {
	for name, r := range ramps {
		t.Run(name, func(t *testing.T) {
			s := Spec{Ramp: &r, Duration: 2 * r.Over}
			if err := s.Validate(); err != nil {
				t.Fatal(err)
			}
			in := newIntensity(s)
			over := r.Over.Seconds()
			// The rate runs from From to To, then holds To, never turning back.
			if got := s.RateAt(0); math.Abs(got-r.From) > 1e-9*r.To {
				t.Errorf("RateAt(0) = %v, want %v", got, r.From)
			}
			if got := s.RateAt(r.Over); got != r.To {
				t.Errorf("RateAt(Over) = %v, want %v", got, r.To)
			}
			if r.Strategy == Exponential {
				if got, want := s.RateAt(r.Over/2), math.Sqrt(r.From*r.To); math.Abs(got-want) > 1e-9*want {
					t.Errorf("RateAt(Over/2) = %v, want the geometric mean %v", got, want)
				}
			} else if got, want := s.RateAt(r.Over/2), (r.From+r.To)/2; math.Abs(got-want) > 1e-9*want {
				t.Errorf("RateAt(Over/2) = %v, want the mean %v", got, want)
			}
			up := r.To >= r.From
			prev := s.RateAt(0)
			for ms := 0; ms <= int(2*over*1000); ms += 100 {
				rate := s.RateAt(time.Duration(ms) * time.Millisecond)
				if up && rate < prev*(1-1e-12) || !up && rate > prev*(1+1e-12) {
					t.Fatalf("rate at %d ms is %v after %v: not monotone", ms, rate, prev)
				}
				prev = rate
			}
			// Λ is the integral of the rate (midpoint rule), and Λ⁻¹ inverts it.
			const steps = 120000
			var sum float64
			h := 2 * over / steps
			for k := range steps {
				sum += in.rate((float64(k)+0.5)*h) * h
			}
			if got := in.cum(2 * over); math.Abs(got-sum) > 1e-6*sum {
				t.Errorf("Λ(2·Over) = %v, the integral of the rate is %v", got, sum)
			}
			for tk := 0.0; tk <= 2*over; tk += 0.37 {
				if got := in.inverse(in.cum(tk)); math.Abs(got-tk) > 1e-9*max(tk, 1) {
					t.Fatalf("Λ⁻¹(Λ(%v)) = %v", tk, got)
				}
			}
		})
	}
}

func TestExpected(t *testing.T) {
	lin := Spec{Ramp: &Ramp{From: 1, To: 32, Over: time.Minute}, Duration: 90 * time.Second}
	tests := []struct {
		name   string
		spec   Spec
		window time.Duration
		want   float64
	}{
		{"flat", Spec{Rate: 8, Duration: time.Minute}, 10 * time.Second, 80},
		{"flat, cut at the duration", Spec{Rate: 8, Duration: time.Minute}, time.Hour, 480},
		{"flat, cut at the request budget", Spec{Rate: 8, Duration: time.Minute, Requests: 100}, time.Minute, 100},
		{"linear ramp, its end: (1+32)/2·60", lin, time.Minute, 990},
		{"linear ramp, then 30 s at 32", lin, 90 * time.Second, 990 + 32*30},
		{"exponential ramp: 31/ln 32 per second of ramp", Spec{Ramp: &Ramp{From: 1, To: 32, Over: time.Minute, Strategy: Exponential}, Duration: time.Minute},
			time.Minute, 31 * 60 / math.Log(32)},
		{"negative window", Spec{Rate: 8, Duration: time.Minute}, -time.Second, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.spec.Expected(tt.window); math.Abs(got-tt.want) > 1e-9*tt.want {
				t.Errorf("Expected(%v) = %v, want %v", tt.window, got, tt.want)
			}
		})
	}
	if got := lin.Peak(); got != 32 {
		t.Errorf("Peak of a ramp to 32 = %v", got)
	}
}

// TestRampCounts draws ramped schedules and checks that every 10-second
// window holds ∫rate arrivals, within 3σ.
func TestRampCounts(t *testing.T) {
	tests := []struct {
		name string
		spec Spec
		scv  float64
	}{
		{"poisson, linear 1→32 over 60 s", Spec{Ramp: &Ramp{From: 1, To: 32, Over: time.Minute}, Duration: 90 * time.Second, Seed: 21}, 1},
		{"poisson, exponential 1→32 over 60 s", Spec{Ramp: &Ramp{From: 1, To: 32, Over: time.Minute, Strategy: Exponential}, Duration: 90 * time.Second, Seed: 22}, 1},
		{"poisson, linear 200→2000 over 60 s", Spec{Ramp: &Ramp{From: 200, To: 2000, Over: time.Minute}, Duration: 90 * time.Second, Seed: 23}, 1},
		{"gamma 0.5, exponential 10→1000 over 60 s", Spec{Process: Gamma, Burstiness: 0.5, Ramp: &Ramp{From: 10, To: 1000, Over: time.Minute, Strategy: Exponential}, Duration: 90 * time.Second, Seed: 24}, 2},
		{"gamma 2, linear 1000→10 over 60 s", Spec{Process: Gamma, Burstiness: 2, Ramp: &Ramp{From: 1000, To: 10, Over: time.Minute}, Duration: 90 * time.Second, Seed: 25}, 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			all := global(t, tt.spec)
			var worst float64
			for from := time.Duration(0); from < tt.spec.Duration; from += 10 * time.Second {
				to := from + 10*time.Second
				n := float64(count(all, from, to))
				want := tt.spec.Expected(to) - tt.spec.Expected(from)
				z := (n - want) / math.Sqrt(want*tt.scv)
				if math.Abs(z) > math.Abs(worst) {
					worst = z
				}
				if math.Abs(z) > 3 {
					t.Errorf("[%v, %v): %.0f arrivals, want %.1f within 3σ (%+.2fσ)", from, to, n, want, z)
				}
			}
			t.Logf("%d arrivals (expected %.0f); worst 10 s window %+.2fσ", len(all), tt.spec.Expected(tt.spec.Duration), worst)
		})
	}
}

// TestRampTimeRescaling checks a ramped poisson schedule by the
// time-rescaling theorem it is drawn with, read backwards: the gaps of
// Λ(t_i) are Exp(1), which KS must not reject.
func TestRampTimeRescaling(t *testing.T) {
	for _, strategy := range []string{Linear, Exponential} {
		s := Spec{Ramp: &Ramp{From: 20, To: 400, Over: time.Minute, Strategy: strategy}, Duration: 70 * time.Second, Seed: 31}
		in := newIntensity(s)
		all := global(t, s)
		g := make([]float64, len(all))
		prev := 0.0
		for k, a := range all {
			u := in.cum(a.at.Seconds())
			g[k], prev = u-prev, u
		}
		d, p := ks(g, expCDF(1))
		t.Logf("%s 20→400 req/s: %d arrivals, KS of the rescaled gaps against Exp(1): D = %.5f, p = %.3f", strategy, len(all), d, p)
		if p < 0.01 {
			t.Errorf("%s: KS rejects the rescaled gaps at α = 0.01: D = %.5f, p = %.4f", strategy, d, p)
		}
	}
}
