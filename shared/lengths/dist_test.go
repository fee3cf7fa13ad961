package lengths

import (
	"math"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		d    Dist
		want []string // exactly these problems, in order
	}{
		// the number form
		{"fixed", Dist{Fixed: 512}, nil},
		{"fixed zero", Dist{}, []string{"must be between 1 and 1000000, got 0"}},
		{"fixed too long", Dist{Fixed: MaxTokens + 1}, []string{"must be between 1 and 1000000, got 1000001"}},
		// fields of a distribution without one: the missing dist is the problem, not the zero length
		{"fields without dist", Dist{Mean: 512}, []string{"dist: is required with mean, stddev, min or max: one of uniform, normal, lognormal"}},
		{"unknown dist", Dist{Kind: "gamma", Mean: 512}, []string{`dist: must be uniform, normal or lognormal, got "gamma"`}},
		{"both forms", Dist{Kind: Normal, Fixed: 5, Mean: 5, Stddev: 1}, []string{`has a fixed length (5) and a dist ("normal"): choose one`}},

		{"uniform", Dist{Kind: Uniform, Min: 16, Max: 2048}, nil},
		{"uniform of one count", Dist{Kind: Uniform, Min: 7, Max: 7}, nil},
		// uniform is min..max only
		{"uniform with mean and stddev", Dist{Kind: Uniform, Mean: 512, Stddev: 3, Min: 16, Max: 2048}, []string{
			`mean: is not for dist "uniform", which draws every count from min to max alike; got 512`,
			`stddev: is not for dist "uniform", which draws every count from min to max alike; got 3`}},
		{"uniform without bounds", Dist{Kind: Uniform}, []string{
			`min: must be between 1 and 1000000 (dist "uniform" draws from min to max), got 0`,
			`max: must be between 1 and 1000000 (dist "uniform" draws from min to max), got 0`}},
		{"uniform min > max", Dist{Kind: Uniform, Min: 600, Max: 500}, []string{"min 600 is greater than max 500"}},

		{"normal", Dist{Kind: Normal, Mean: 512, Stddev: 128}, nil},
		{"lognormal bounded", Dist{Kind: Lognormal, Mean: 512, Stddev: 128, Min: 16, Max: 4096}, nil},
		// stddev 0 is allowed: every count is the mean
		{"normal stddev 0", Dist{Kind: Normal, Mean: 512}, nil},
		{"mean 0", Dist{Kind: Normal, Stddev: 1}, []string{"mean: must be a finite number > 0 (the mean token count), got 0"}},
		{"mean < 0", Dist{Kind: Lognormal, Mean: -5, Stddev: 1}, []string{"mean: must be a finite number > 0 (the mean token count), got -5"}},
		{"mean NaN", Dist{Kind: Normal, Mean: math.NaN(), Stddev: 1}, []string{"mean: must be a finite number > 0 (the mean token count), got NaN"}},
		{"stddev < 0", Dist{Kind: Normal, Mean: 512, Stddev: -1}, []string{"stddev: must be a finite number >= 0 (of the token count), got -1"}},
		// every problem at once
		{"mean and stddev", Dist{Kind: Normal, Mean: -1, Stddev: -1, Max: MaxTokens + 1}, []string{
			"mean: must be a finite number > 0 (the mean token count), got -1",
			"stddev: must be a finite number >= 0 (of the token count), got -1",
			"max: must be between 1 and 1000000, got 1000001"}},
		{"normal min > max", Dist{Kind: Normal, Mean: 512, Stddev: 128, Min: 600, Max: 500}, []string{"min 600 is greater than max 500"}},
		// the default max is MaxTokens
		{"normal min > default max", Dist{Kind: Normal, Mean: 512, Stddev: 128, Min: MaxTokens + 1}, []string{"min: must be between 1 and 1000000, got 1000001"}},
		{"negative min", Dist{Kind: Normal, Mean: 512, Stddev: 128, Min: -1}, []string{"min: must be between 1 and 1000000, got -1"}},
		// z = (799.5-512)/128 = 2.25 keeps 1.2%: allowed; z = 3.03 keeps 0.12%: refused
		{"narrow tail kept", Dist{Kind: Normal, Mean: 512, Stddev: 128, Min: 800}, nil},
		{"far tail", Dist{Kind: Normal, Mean: 512, Stddev: 128, Min: 900}, []string{
			"min 900 and max 1000000 keep only 0.12% of this normal distribution (mean 512, stddev 128), less than 1%: " +
				"nearly every draw would be redrawn and the lengths would not average 512; widen min and max or move the mean"}},
		{"stddev 0 outside the bounds", Dist{Kind: Normal, Mean: 512, Min: 600, Max: 700}, []string{
			"min 600 and max 700 keep none of this normal distribution (mean 512, stddev 0), less than 1%: " +
				"nearly every draw would be redrawn and the lengths would not average 512; widen min and max or move the mean"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			if err := tt.d.Validate(); err != nil {
				for _, e := range err.(Problems) {
					got = append(got, e.Error())
				}
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("Validate(%+v):\n got %q\nwant %q", tt.d, got, tt.want)
			}
		})
	}
}

// TestExpectedAndKept checks the closed forms against a numerical
// integration of the continuous density over [Min−½, Max+½).
func TestExpectedAndKept(t *testing.T) {
	tests := []struct {
		name string
		d    Dist
	}{
		{"normal wide", Dist{Kind: Normal, Mean: 512, Stddev: 128, Min: 16, Max: 4096}},
		{"normal one-sided", Dist{Kind: Normal, Mean: 100, Stddev: 40, Min: 100}},
		{"normal tight", Dist{Kind: Normal, Mean: 512, Stddev: 128, Min: 480, Max: 544}},
		{"normal upper tail", Dist{Kind: Normal, Mean: 512, Stddev: 128, Min: 800, Max: 1200}},
		{"lognormal wide", Dist{Kind: Lognormal, Mean: 512, Stddev: 128, Min: 16, Max: 4096}},
		{"lognormal skewed", Dist{Kind: Lognormal, Mean: 200, Stddev: 400, Min: 10, Max: 1000}},
		{"lognormal tight", Dist{Kind: Lognormal, Mean: 512, Stddev: 128, Min: 400, Max: 450}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lo, hi := tt.d.Bounds()
			mass, first := integrate(tt.d, float64(lo)-0.5, float64(hi)+0.5)
			if got := tt.d.Kept(); math.Abs(got-mass) > 1e-6 {
				t.Errorf("Kept() = %.8f, integration gives %.8f", got, mass)
			}
			if got, want := tt.d.Expected(), first/mass; math.Abs(got-want) > 1e-4*want {
				t.Errorf("Expected() = %.6f, integration gives %.6f", got, want)
			}
		})
	}
	// truncation symmetric about the mean leaves it where it was
	d := Dist{Kind: Normal, Mean: 512, Stddev: 128, Min: 412, Max: 612}
	if got := d.Expected(); math.Abs(got-512) > 1e-9 {
		t.Errorf("symmetric truncation: Expected() = %v, want 512", got)
	}
	for _, c := range []struct {
		d    Dist
		want float64
	}{
		{Dist{Fixed: 300}, 300},
		{Dist{Kind: Uniform, Min: 16, Max: 2048}, 1032},
		{Dist{Kind: Normal, Mean: 511.6}, 512}, // stddev 0: the rounded mean, exactly what Draw gives
	} {
		if got := c.d.Expected(); got != c.want {
			t.Errorf("%v: Expected() = %v, want %v", c.d, got, c.want)
		}
	}
}

// integrate returns ∫pdf and ∫x·pdf over [a, b) by Simpson's rule with a
// step far below the distribution's scale.
func integrate(d Dist, a, b float64) (mass, first float64) {
	pdf := func(x float64) float64 {
		if d.Kind == Normal {
			z := (x - d.Mean) / d.Stddev
			return math.Exp(-z*z/2) / (d.Stddev * math.Sqrt(2*math.Pi))
		}
		// the lognormal of mean m and stddev s, written out independently of lognormalParams
		m, s := d.Mean, d.Stddev
		sigma2 := math.Log(1 + s*s/(m*m))
		mu := math.Log(m * m / math.Sqrt(s*s+m*m))
		z := (math.Log(x) - mu) / math.Sqrt(sigma2)
		return math.Exp(-z*z/2) / (x * math.Sqrt(2*math.Pi*sigma2))
	}
	const n = 200_000
	h := (b - a) / n
	for i := 0; i <= n; i++ {
		w := 2.0
		switch {
		case i == 0 || i == n:
			w = 1
		case i%2 == 1:
			w = 4
		}
		x := a + float64(i)*h
		mass += w * pdf(x)
		first += w * x * pdf(x)
	}
	return mass * h / 3, first * h / 3
}

// TestLognormalParams: the parameters give a lognormal of the asked mean
// and stddev of the token count, not of its logarithm.
func TestLognormalParams(t *testing.T) {
	for _, ms := range [][2]float64{{512, 128}, {200, 400}, {10, 1}} {
		mu, sigma := lognormalParams(ms[0], ms[1])
		mean := math.Exp(mu + sigma*sigma/2)
		sd := math.Sqrt((math.Exp(sigma*sigma) - 1) * math.Exp(2*mu+sigma*sigma))
		if math.Abs(mean-ms[0]) > 1e-9*ms[0] || math.Abs(sd-ms[1]) > 1e-9*ms[1] {
			t.Errorf("lognormalParams(%v, %v): the lognormal has mean %v and stddev %v", ms[0], ms[1], mean, sd)
		}
	}
}

func TestString(t *testing.T) {
	for _, c := range []struct {
		d    Dist
		want string
	}{
		{Dist{Fixed: 512}, "512"},
		{Dist{Kind: Uniform, Min: 16, Max: 2048}, "uniform 16..2048"},
		{Dist{Kind: Normal, Mean: 512, Stddev: 128}, "normal(mean 512, stddev 128)"},
		{Dist{Kind: Lognormal, Mean: 512, Stddev: 128, Min: 16}, "lognormal(mean 512, stddev 128) in 16..1000000"},
	} {
		if got := c.d.String(); got != c.want {
			t.Errorf("String() = %q, want %q", got, c.want)
		}
	}
}
