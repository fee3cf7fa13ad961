package summary

// StartSkew is how far apart a level's slices started (issue 14): each
// slice's start skew is its first request's send instant minus the
// instant that request was due, in ms. In a steady concurrency level every
// first request is due at the level's common start instant, so the skew
// is the first send minus that instant; a ramp's later users and an open
// loop share's later arrivals are due later by design, and only their
// lateness counts.
type StartSkew struct {
	Slices int     `json:"slices"` // the slices whose record gives a first send
	P50    float64 `json:"p50"`    // over the slices, interpolated as Dist's
	P99    float64 `json:"p99"`
	Max    float64 `json:"max"`
	// ToleranceMs is the skew past which a slice is listed in Beyond (its
	// worker) and in the summary's slice warnings.
	ToleranceMs float64 `json:"tolerance_ms"`
	Beyond      []int   `json:"beyond,omitempty"`
}
