package query

import "math"

// Percentile returns the p-th percentile (p in [0, 1]) of sorted, an
// ascending slice, with numpy's default linear interpolation: h = (n−1)·p,
// then x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]). It is the Go reference for
// the percentiles the summary SQL computes. It returns NaN for an empty
// slice or a p outside [0, 1].
func Percentile(sorted []float64, p float64) float64 {
	n := len(sorted)
	if n == 0 || !(p >= 0 && p <= 1) {
		return math.NaN()
	}
	h := float64(n-1) * p
	lo := math.Floor(h)
	i := int(lo)
	if i >= n-1 {
		return sorted[n-1]
	}
	return sorted[i] + (h-lo)*(sorted[i+1]-sorted[i])
}
