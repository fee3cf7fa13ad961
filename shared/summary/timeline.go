package summary

import "time"

// Timeline is a run second by second on one clock, every level and its
// warm-up included, where a user sees warm-up, saturation, throttling or a
// server slowing down over time. t = 0 is Start, the earliest level's
// common start instant; a request's instants are its level's start on
// that clock plus its start_ms and end_ms (the monotonic offsets from its
// level's start), so the timeline is as exact as the rows.
//
// A sent request counts in Started in the second it was issued, and in OK
// or Errors, and its output tokens (ok requests) in OutputTokens, in the
// second it ended: tokens belong to the second their request completed,
// as throughput counts the tokens of requests finished in its window. An
// arrival not sent counts in NotSent and Errors in the second it was due.
// So the seconds sum to the run's rows: Σ (Started + NotSent) = Σ (OK +
// Errors) = every request, warm-up included, and Σ OutputTokens = the
// output tokens of every ok request.
//
// InFlight is the mean number of requests in flight during the second:
// the time sent requests spent between issue and end within it, / 1 s
// (so Σ InFlight = Σ durations / 1 s, and its mean over a level's window
// is the level's achieved concurrency). TTFTP50Ms is the median TTFT of
// the ok requests issued in the second (exact, interpolated as every
// percentile), null when none.
type Timeline struct {
	Start time.Time `json:"start"`
	// Levels are where each level starts on the timeline.
	Levels []TimelineLevel `json:"levels"`
	// Seconds are every second from the first request's to the last
	// one's end, none left out (a second without an event has zero
	// counts and the previous second's requests still in flight).
	Seconds []Tick `json:"seconds"`
}

// TimelineLevel places a level on the timeline.
type TimelineLevel struct {
	Index  int     `json:"index"`   // the level's Index
	StartS float64 `json:"start_s"` // its common start instant, s after Timeline.Start
}

// Tick is one second of the timeline: t in [T, T+1) s.
type Tick struct {
	T            int      `json:"t"`
	Started      int      `json:"started"`  // requests issued in it
	NotSent      int      `json:"not_sent"` // arrivals due in it and never sent
	Warmup       int      `json:"warmup"`   // of Started and NotSent, warm-up requests
	OK           int      `json:"ok"`       // requests that ended ok in it
	Errors       int      `json:"errors"`   // requests that failed in it, not_sent at their due instant
	OutputTokens int64    `json:"output_tokens"`
	InFlight     float64  `json:"in_flight"`
	TTFTP50Ms    *float64 `json:"ttft_p50_ms"`
}

// Quantiles are a level's empirical distributions: at each probability
// P[k], the exact percentile (interpolated as every percentile) of its
// TTFT, E2E and ITL values over ok measured requests, as Dist's. A metric
// without a value has no slice.
type Quantiles struct {
	P      []float64 `json:"p"`
	TTFTMs []float64 `json:"ttft_ms,omitempty"`
	E2EMs  []float64 `json:"e2e_ms,omitempty"`
	ITLMs  []float64 `json:"itl_ms,omitempty"`
}
