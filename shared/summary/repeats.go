package summary

import "github.com/llmbench/llmbench/shared/stats"

// Repeat says which run of which load point a level is (plan.Repeat).
type Repeat struct {
	Point int `json:"point"` // the load point's place in load.levels or load.rates, from 0
	Run   int `json:"run"`   // the round, from 1
	Of    int `json:"of"`    // load.repeats
}

// PointRepeats is one load point of a run with load.repeats: its levels
// (one per run) and, for each headline figure, what the runs say of its
// true value.
type PointRepeats struct {
	Point int `json:"point"`
	// The load point, as its levels have it (see Level).
	Mode        string  `json:"mode"`
	Concurrency int     `json:"concurrency"`
	RequestRate float64 `json:"request_rate"`
	Ramp        string  `json:"ramp,omitempty"`
	// Levels are the Index of its runs' levels, in run order.
	Levels []int `json:"levels"`
	// Figures are its headline figures over the runs.
	Figures RepeatFigures `json:"figures"`
}

// RepeatFigures are the headline figures of a load point, each over the
// runs that have it (a latency needs an ok request; a cost, a price): nil
// when fewer than two runs do.
type RepeatFigures struct {
	OutputTokenThroughput *Estimate `json:"output_token_throughput,omitempty"` // tok/s
	RequestThroughput     *Estimate `json:"request_throughput,omitempty"`      // req/s
	TTFTP50Ms             *Estimate `json:"ttft_p50_ms,omitempty"`
	TTFTP95Ms             *Estimate `json:"ttft_p95_ms,omitempty"`
	TPOTP50Ms             *Estimate `json:"tpot_p50_ms,omitempty"`
	E2EP50Ms              *Estimate `json:"e2e_p50_ms,omitempty"`
	E2EP95Ms              *Estimate `json:"e2e_p95_ms,omitempty"`
	ErrorRate             *Estimate `json:"error_rate,omitempty"` // 0..1, as Level.ErrorRate
	CostPer1MOutputTokens *Estimate `json:"cost_per_1m_output_tokens_usd,omitempty"`
}

// Estimate is one figure measured N times: the runs' values, their mean,
// sample standard deviation (n − 1), coefficient of variation (SD /
// |mean|, null when the mean is 0) and the 95% Student-t confidence
// interval of the mean, mean ± t(0.975, N − 1) · SD / √N (95% in
// summary.json).
type Estimate struct {
	N      int       `json:"n"`
	Values []float64 `json:"values"`
	Mean   float64   `json:"mean"`
	SD     float64   `json:"sd"`
	CV     *float64  `json:"cv"`
	CILow  float64   `json:"ci95_low"`
	CIHigh float64   `json:"ci95_high"`
}

// HalfWidth is half the confidence interval's width: the "± h" of
// "mean ± h".
func (e *Estimate) HalfWidth() float64 { return (e.CIHigh - e.CILow) / 2 }

// NewEstimate describes one figure measured len(xs) times, its interval
// at level conf (0.95 in summary.json); nil with fewer than two values,
// which say nothing of the figure's spread.
func NewEstimate(xs []float64, conf float64) *Estimate {
	s := stats.Of(xs)
	lo, hi, ok := s.CI(conf)
	if !ok {
		return nil
	}
	e := &Estimate{N: s.N, Values: xs, Mean: s.Mean, SD: s.SD, CILow: lo, CIHigh: hi}
	if cv, ok := s.CV(); ok {
		e.CV = &cv
	}
	return e
}

// Sample is the estimate as package stats takes it, for tests between
// two estimates (Welch).
func (e *Estimate) Sample() stats.Sample { return stats.Sample{N: e.N, Mean: e.Mean, SD: e.SD} }
