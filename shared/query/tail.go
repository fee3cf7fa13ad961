package query

import (
	"fmt"

	"github.com/llmbench/llmbench/shared/summary"
)

// distAll reads the _all columns of a distribution row of n values (their
// mean and maximum given), then the row's failures as infinite ones. A
// NULL percentile is one the interpolation took into the failures.
func distAll(c *cols, n int, mean, maximum float64) summary.DistAll {
	f := int(c.int("failures"))
	all := summary.DistAll{
		N:        n + f,
		Failures: f,
		P50:      c.floatOrNil("p50_all"),
		P90:      c.floatOrNil("p90_all"),
		P95:      c.floatOrNil("p95_all"),
		P99:      c.floatOrNil("p99_all"),
	}
	if f == 0 {
		all.Mean, all.Max = &mean, &maximum
	}
	return all
}

// failuresInTail completes the failure-counting figures of l, whose
// distributions Summarize has read: a metric with no ok value but
// failures gets a DistAll of failures only (the dists query has no row
// for it), every DistAll's failures must be the level's errors, ITL
// without failures takes ITLMs's mean, and the SLO attainment is good /
// Requests.
func failuresInTail(l *summary.Level, good int64) error {
	for _, m := range []struct {
		name string
		all  *summary.DistAll
	}{{metricTTFT, &l.TTFTAllMs}, {metricTPOT, &l.TPOTAllMs}, {metricE2E, &l.E2EAllMs}, {metricITLAll, &l.ITLAllMs}} {
		if m.all.N == 0 {
			*m.all = summary.DistAll{N: l.Errors, Failures: l.Errors}
		}
		if m.all.Failures != l.Errors {
			return fmt.Errorf("distribution %q counts %d failures, the level %d errors", m.name, m.all.Failures, l.Errors)
		}
	}
	if a := &l.ITLAllMs; a.Failures == 0 && a.N > 0 {
		// Nothing failed: the gaps of the sent rows are those of the ok
		// rows, ITLMs's; its mean is taken, since a second avg over the
		// same values, summed in another order, can differ in the last bit.
		a.Mean, a.Max = &l.ITLMs.Mean, &l.ITLMs.Max
	}
	if l.Requests > 0 {
		r := float64(good) / float64(l.Requests)
		l.SLOAttainment = &r
	}
	return nil
}
