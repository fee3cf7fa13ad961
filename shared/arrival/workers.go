package arrival

import (
	"fmt"
	"math"
)

// Workers returns how many workers a level needs so that none is asked to
// send more than perWorkerMax requests per second when the level's rate
// peaks at peakRate (Spec.Peak): ⌈peakRate/perWorkerMax⌉, at least 1. A
// worker's share of arrival i mod W carries exactly 1/W of the arrivals,
// and its own gaps are sums of W global gaps, so its rate never bursts the
// way the global schedule's can.
func Workers(peakRate, perWorkerMax float64) (int, error) {
	if !positive(peakRate) || !positive(perWorkerMax) {
		return 0, fmt.Errorf("arrival: workers for %v req/s at %v req/s each: %w", peakRate, perWorkerMax, ErrNotPositive)
	}
	n := peakRate / perWorkerMax
	// A quotient one rounding error above an integer (0.3/0.1) is that
	// integer, not one more worker.
	if f := math.Floor(n); n-f <= 1e-9*n {
		n = f
	}
	n = math.Ceil(n)
	if n > math.MaxInt32 {
		return 0, fmt.Errorf("arrival: workers for %v req/s at %v req/s each: %.0f is too many", peakRate, perWorkerMax, n)
	}
	return max(int(n), 1), nil
}
