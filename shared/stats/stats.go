package stats

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// Sample is what a set of repeated measurements of one figure says about
// its true value: N values, their mean and their sample standard
// deviation (divided by N − 1).
type Sample struct {
	N    int
	Mean float64
	SD   float64
}

// Of describes xs. The standard deviation needs two values: with fewer it
// is 0, and CI and Welch say they cannot judge.
func Of(xs []float64) Sample {
	s := Sample{N: len(xs)}
	if s.N == 0 {
		return s
	}
	for _, x := range xs {
		s.Mean += x
	}
	s.Mean /= float64(s.N)
	if s.N < 2 {
		return s
	}
	var ss float64 // two passes: no cancellation when the spread is tiny beside the mean
	for _, x := range xs {
		ss += (x - s.Mean) * (x - s.Mean)
	}
	s.SD = math.Sqrt(ss / float64(s.N-1))
	return s
}

// CV is the coefficient of variation, SD / |Mean|; false when the mean is
// 0 (an error rate of zero in every repeat has no relative spread).
func (s Sample) CV() (float64, bool) {
	if s.N < 2 || s.Mean == 0 {
		return 0, false
	}
	return s.SD / math.Abs(s.Mean), true
}

// HalfWidth is the half-width of the two-sided confidence interval of the
// mean at level conf (0.95 for 95%): t(1 − (1−conf)/2, N − 1) · SD / √N.
// False with fewer than two values.
func (s Sample) HalfWidth(conf float64) (float64, bool) {
	if s.N < 2 || !(conf > 0 && conf < 1) {
		return 0, false
	}
	t := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(s.N - 1)}.Quantile(1 - (1-conf)/2)
	return t * s.SD / math.Sqrt(float64(s.N)), true
}

// CI is the two-sided Student-t confidence interval of the mean at level
// conf: Mean ± HalfWidth(conf).
func (s Sample) CI(conf float64) (lo, hi float64, ok bool) {
	h, ok := s.HalfWidth(conf)
	if !ok {
		return 0, 0, false
	}
	return s.Mean - h, s.Mean + h, true
}

// WelchTest is Welch's unequal-variances t-test of two samples' means.
type WelchTest struct {
	T  float64 // (b.Mean − a.Mean) / √(a.SD²/a.N + b.SD²/b.N)
	DF float64 // the Welch–Satterthwaite degrees of freedom
	P  float64 // two-sided p-value: the chance of a |T| at least this large were the means equal
}

// Welch tests whether a and b have the same mean, without assuming the
// same variance. False when either has fewer than two values. Two samples
// with no spread at all are equal (P 1) or certainly different (P 0,
// T ±Inf).
func Welch(a, b Sample) (WelchTest, bool) {
	if a.N < 2 || b.N < 2 {
		return WelchTest{}, false
	}
	va, vb := a.SD*a.SD/float64(a.N), b.SD*b.SD/float64(b.N)
	diff := b.Mean - a.Mean
	if va+vb == 0 {
		w := WelchTest{DF: float64(a.N + b.N - 2), P: 1}
		if diff != 0 {
			w.T, w.P = math.Copysign(math.Inf(1), diff), 0
		}
		return w, true
	}
	w := WelchTest{T: diff / math.Sqrt(va+vb)}
	w.DF = (va + vb) * (va + vb) / (va*va/float64(a.N-1) + vb*vb/float64(b.N-1))
	w.P = 2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: w.DF}.Survival(math.Abs(w.T))
	return w, true
}
