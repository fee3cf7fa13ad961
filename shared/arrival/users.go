package arrival

import (
	"math"
	"time"
)

// UserStart is when a concurrency ramp (load.ramp in mode concurrency)
// starts virtual user u (0, 1, ...) of its level: the first instant the
// ramp's count of users, From→To over Over, reaches u+1. Users below From
// start at 0; the count is linear in time, or geometric (Exponential:
// multiplied by the same factor every second). A user at or beyond To
// never starts within the ramp: it returns Over.
func UserStart(r Ramp, u int) time.Duration {
	n := float64(u + 1)
	switch {
	case n <= r.From:
		return 0
	case n > r.To || r.To <= r.From:
		return r.Over
	}
	var f float64 // the fraction of Over at which the count reaches n
	if r.Strategy == Exponential && r.From > 0 {
		f = math.Log(n/r.From) / math.Log(r.To/r.From)
	} else {
		f = (n - r.From) / (r.To - r.From)
	}
	return time.Duration(math.Round(f * float64(r.Over)))
}
