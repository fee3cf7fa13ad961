package summary

// SliceThreshold is a level whose slices failed past
// load.tolerated_failure_percent: its slices Map (a Distributed Map, with
// that ToleratedFailurePercentage) failed with
// States.ExceedToleratedFailureThreshold and stopped the slices still
// running. The run goes on; the level's figures are what its rows
// measured, and the level counts as failed.
type SliceThreshold struct {
	TolerancePercent float64 `json:"tolerated_failure_percent"`
	Slices           int     `json:"slices"`        // the level's slices
	Failed           int     `json:"failed_slices"` // slices that failed or were stopped (failed_slices names them)
	Round            int     `json:"round"`         // the first round past the threshold
	Error            string  `json:"error"`
	Cause            string  `json:"cause,omitempty"`
}
