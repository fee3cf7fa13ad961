package cost_test

import (
	"math"
	"testing"

	"github.com/llmbench/llmbench/shared/cost"
)

// The seed rows price one instance by the hour; the prices below are the ones
// the seeds assume: $1.515/h (first row), $3.40/h (Azure), $0.88/h (GCP).
// The seeds print tokens per dollar-hour from an unrounded throughput and
// show the throughput rounded to 0.1 tok/s, so each is tested twice: with
// the displayed throughput, and with the throughput the printed figure
// implies (printed × price / 3600).
func TestFigures(t *testing.T) {
	tests := []struct {
		name       string
		usdPerHour float64
		instances  int
		tokPerSec  float64
		wantPerM   float64 // USD per 1M output tokens, rounded to cents
		wantTokens float64 // output tokens per USD-hour, rounded to a token
		tolTokens  float64 // allowed distance from wantTokens
	}{
		// First seed row as displayed: 950 × 3600 / 1.515 = 2,257,425.74.
		{"seed1 displayed", 1.515, 1, 950, 0.44, 2257426, 0},
		// First seed row as printed: 2,257,386 implies 949.983 tok/s (2,257,385.35).
		{"seed1 printed", 1.515, 1, 949.983, 0.44, 2257386, 1},
		// Azure at $3.40/h, 822.4 tok/s: 1.1484 $/1M, 870,776.47 tok/$h.
		{"azure", 3.40, 1, 822.4, 1.15, 870776, 0},
		// GCP at $0.88/h, 530.7 tok/s as displayed: 0.4606 $/1M, 2,171,045.45 tok/$h.
		{"gcp displayed", 0.88, 1, 530.7, 0.46, 2171045, 0},
		// GCP as printed: ≈2,170,860 implies 530.6547 tok/s (2,170,860.14).
		{"gcp printed", 0.88, 1, 530.6547, 0.46, 2170860, 1},
		// instances 0 means one instance.
		{"zero instances", 1.515, 0, 950, 0.44, 2257426, 0},
		// Two instances serving 950 tok/s together cost twice as much: 0.886 $/1M.
		{"two instances", 1.515, 2, 950, 0.89, 1128713, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			perM, ok := cost.PerMillionOutputTokens(tt.usdPerHour, tt.instances, tt.tokPerSec)
			if !ok {
				t.Fatalf("PerMillionOutputTokens: ok = false")
			}
			if got := math.Round(perM*100) / 100; got != tt.wantPerM {
				t.Errorf("PerMillionOutputTokens = %v (rounded %v), want %v", perM, got, tt.wantPerM)
			}
			tok, ok := cost.TokensPerUSDHour(tt.usdPerHour, tt.instances, tt.tokPerSec)
			if !ok {
				t.Fatalf("TokensPerUSDHour: ok = false")
			}
			if got := math.Round(tok); math.Abs(got-tt.wantTokens) > tt.tolTokens {
				t.Errorf("TokensPerUSDHour = %v (rounded %v), want %v ± %v", tok, got, tt.wantTokens, tt.tolTokens)
			}
		})
	}
}

func TestInvalid(t *testing.T) {
	tests := []struct {
		name       string
		usdPerHour float64
		instances  int
		tokPerSec  float64
	}{
		{"no throughput", 1.515, 1, 0},           // nothing measured
		{"negative throughput", 1.515, 1, -3},    // nonsense
		{"NaN throughput", 1.515, 1, math.NaN()}, // a 0/0 upstream
		{"no price", 0, 1, 950},                  // price unknown
		{"negative price", -1, 1, 950},           // nonsense
		{"NaN price", math.NaN(), 1, 950},        // nonsense
		{"negative instances", 1.515, -1, 950},   // nonsense
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			perM, ok1 := cost.PerMillionOutputTokens(tt.usdPerHour, tt.instances, tt.tokPerSec)
			tok, ok2 := cost.TokensPerUSDHour(tt.usdPerHour, tt.instances, tt.tokPerSec)
			if ok1 || ok2 {
				t.Errorf("ok = %v, %v (figures %v, %v), want false, false", ok1, ok2, perM, tok)
			}
		})
	}
}
