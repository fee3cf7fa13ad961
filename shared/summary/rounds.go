package summary

// RoundGap is the idle time between a level's rounds (issue 14: a level
// longer than one worker invocation runs as consecutive rounds of the
// same slices). For each slice and each pair of consecutive rounds, the
// gap is the first send of round r+1 minus the end of round r's last
// request (wall clocks of the two invocations), in ms; Mean and Max are
// over those gaps (Gaps of them: up to slices × (rounds − 1)). The rows'
// times leave the gaps out: a level's rows read as one level.
type RoundGap struct {
	Rounds  int     `json:"rounds"`   // the level's rounds
	RoundMs int64   `json:"round_ms"` // one round's length (the last may be shorter)
	Gaps    int     `json:"gaps"`     // the slice-round pairs measured
	Mean    float64 `json:"mean"`
	Max     float64 `json:"max"`
	// Missing counts the pairs without both ends (a round that failed or
	// sent nothing).
	Missing int `json:"missing,omitempty"`
}
