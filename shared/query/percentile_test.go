package query_test

import (
	"math"
	"testing"

	"github.com/llmbench/llmbench/shared/query"
)

// seq returns from, from+1, …, to.
func seq(from, to int) []float64 {
	out := make([]float64, 0, to-from+1)
	for v := from; v <= to; v++ {
		out = append(out, float64(v))
	}
	return out
}

// The wanted values are numpy.percentile(x, 100*p) (method "linear"),
// derived by hand: h = (n-1)p, x[⌊h⌋] + (h-⌊h⌋)(x[⌊h⌋+1] - x[⌊h⌋]).
func TestPercentile(t *testing.T) {
	tests := []struct {
		name   string
		sorted []float64
		p      float64
		want   float64
	}{
		{"n=1 p50", []float64{7}, 0.5, 7},                                // h=0
		{"n=1 p99", []float64{7}, 0.99, 7},                               // h=0
		{"n=2 p50", []float64{1, 3}, 0.5, 2},                             // h=0.5: 1 + 0.5·2
		{"n=2 p90", []float64{1, 3}, 0.9, 2.8},                           // h=0.9: 1 + 0.9·2
		{"n=2 p99", []float64{1, 3}, 0.99, 2.98},                         // h=0.99: 1 + 0.99·2
		{"even n p50", []float64{1, 2, 3, 4}, 0.5, 2.5},                  // h=1.5: the mean of the middle two
		{"odd n p50", []float64{1, 2, 3, 4, 100}, 0.5, 3},                // h=2: the middle value
		{"n=5 p90", []float64{10, 20, 30, 40, 50}, 0.9, 46},              // h=3.6: 40 + 0.6·10
		{"n=5 p95", []float64{10, 20, 30, 40, 50}, 0.95, 48},             // h=3.8: 40 + 0.8·10
		{"101 values p99", seq(0, 100), 0.99, 99},                        // h=99 exactly
		{"101 values p95", seq(1, 101), 0.95, 96},                        // h=95: x[95]=96
		{"100 values p99", seq(1, 100), 0.99, 99.01},                     // h=98.01: 99 + 0.01·1
		{"100 values p90", seq(1, 100), 0.9, 90.1},                       // h=89.1: 90 + 0.1·1
		{"ties p50", []float64{5, 5, 5, 9}, 0.5, 5},                      // h=1.5 between two 5s
		{"ties p90", []float64{5, 5, 5, 9}, 0.9, 7.8},                    // h=2.7: 5 + 0.7·4
		{"p0 is the minimum", []float64{-3, 0.5, 8}, 0, -3},              // h=0
		{"p100 is the maximum", []float64{-3, 0.5, 8}, 1, 8},             // h=n-1
		{"negative values", []float64{-10, -4, -1}, 0.25, -7},            // h=0.5: -10 + 0.5·6
		{"fractions", []float64{0.125, 0.25, 1.75}, 0.75, 1},             // h=1.5: 0.25 + 0.5·1.5
		{"large n p99", seq(1, 1000), 0.99, 990.01},                      // h=989.01: 990 + 0.01
		{"n=3 p99 unequal gaps", []float64{1, 2, 10}, 0.99, 9.84},        // h=1.98: 2 + 0.98·8
		{"n=4 p99", []float64{100, 200, 300, 1000}, 0.99, 979},           // h=2.97: 300 + 0.97·700
		{"n=4 p95", []float64{100, 200, 300, 1000}, 0.95, 895},           // h=2.85: 300 + 0.85·700
		{"n=10 p50", seq(1, 10), 0.5, 5.5},                               // h=4.5
		{"n=10 p99", seq(1, 10), 0.99, 9.91},                             // h=8.91: 9 + 0.91
		{"n=11 p90", seq(0, 10), 0.9, 9},                                 // h=9
		{"n=21 p95", seq(0, 20), 0.95, 19},                               // h=19
		{"n=2 equal", []float64{4, 4}, 0.37, 4},                          // no spread
		{"n=3 p50 of a spread", []float64{1e-3, 1, 1e6}, 0.5, 1},         // h=1
		{"n=3 p90 of a spread", []float64{1e-3, 1, 1e6}, 0.9, 8e5 + 0.2}, // h=1.8: 1 + 0.8·(1e6-1)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := query.Percentile(tt.sorted, tt.p)
			if !near(got, tt.want, 1e-12) {
				t.Errorf("Percentile(%v, %v) = %v, want %v", short(tt.sorted), tt.p, got, tt.want)
			}
		})
	}
}

func TestPercentileUndefined(t *testing.T) {
	tests := []struct {
		name   string
		sorted []float64
		p      float64
	}{
		{"empty", nil, 0.5},               // no value
		{"p below 0", []float64{1}, -0.1}, // out of range
		{"p above 1", []float64{1}, 1.5},  // a percent, not a fraction
		{"p NaN", []float64{1}, math.NaN()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := query.Percentile(tt.sorted, tt.p); !math.IsNaN(got) {
				t.Errorf("Percentile(%v, %v) = %v, want NaN", tt.sorted, tt.p, got)
			}
		})
	}
}

// near reports whether a and b agree to a relative tolerance.
func near(a, b, rel float64) bool {
	if a == b {
		return true
	}
	return math.Abs(a-b) <= rel*math.Max(math.Abs(a), math.Abs(b))
}

func short(x []float64) any {
	if len(x) > 6 {
		return []any{x[0], x[1], "…", x[len(x)-1], len(x)}
	}
	return x
}
