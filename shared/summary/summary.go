// Package summary defines summary.json: the per-level figures of one run,
// as the aggregator writes them and reports and comparisons read them.
//
// Every figure excludes warm-up rows. Latency distributions are over
// successful requests only; errors are counted, by status, beside them,
// and the _all variants (DistAll) count each failure as infinitely slow.
package summary

import "time"

// Summary is the content of runs/<run_id>/summary.json.
type Summary struct {
	RunID        string        `json:"run_id"`
	Name         string        `json:"name"`
	Platform     string        `json:"platform"`
	Engine       string        `json:"engine"`                // the query engine that computed it: duckdb or athena
	Simulated    bool          `json:"simulated"`             // the target was llmbench's simulated LLM server
	SimProfile   string        `json:"sim_profile,omitempty"` // its profile, when Simulated
	Target       string        `json:"target"`                // what was measured, without secrets: "openai http://…/v1 (chat, model m)"
	StartedAt    time.Time     `json:"started_at"`
	FinishedAt   time.Time     `json:"finished_at"`
	Definitions  Definitions   `json:"definitions"`
	Levels       []Level       `json:"levels"`
	FailedSlices []FailedSlice `json:"failed_slices,omitempty"`
	// RetriedSlices needed more than one attempt; the parts of interrupted
	// attempts were discarded, so no request is counted twice.
	RetriedSlices []RetriedSlice `json:"retried_slices,omitempty"`
	// SliceWarnings are slices that started late (after the level's common
	// start instant: a cold start longer than the margin) or stopped
	// issuing early (their Lambda deadline): their level held fewer
	// streams than its concurrency for a while.
	SliceWarnings []SliceWarning `json:"slice_warnings,omitempty"`
	// AllFailed lists the levels (their Index) whose every measured
	// request failed: a
	// scheduled run's verdict (the CLI exits 1 on them by default; the
	// execution's output carries their count as all_failed_levels).
	AllFailed []int `json:"all_failed_levels,omitempty"`
	// Unfinished lists the slices with no finished record: the run was
	// interrupted (a killed process, a Lambda killed mid-slice, a failed
	// slice) and its figures cover only the rows on disk.
	Unfinished []UnfinishedSlice `json:"unfinished_slices,omitempty"`
	// SweepError says why a load.profile sweep run has no rate levels: its
	// Sweep step failed (no rate between the two measured, or an error),
	// and the run aggregated the levels it had.
	SweepError string `json:"sweep_error,omitempty"`
	// Capacity is what a search (the spec's "search") found.
	Capacity *Capacity `json:"capacity,omitempty"`
	// Seed is the run's seed (the spec's, or the one drawn for it): give
	// it to the spec to send the same prompts again.
	Seed int64 `json:"seed"`
	// MaxWorkers is the most workers (Lambda invocations at once) a level
	// was allowed: load.max_workers, or the quota the deployment states,
	// or Lambda's default quota of 1,000.
	MaxWorkers int `json:"max_workers,omitempty"`
	// Dataset, when the prompts came from one, says what was read of it.
	Dataset *Dataset `json:"dataset,omitempty"`
	// BenchmarkCost is what the run itself cost (bill.go); nil for a
	// summary written before the figure.
	BenchmarkCost *BenchmarkCost `json:"benchmark_cost_usd,omitempty"`

	// Repeats (load.repeats above 1): for each load point, how its
	// headline figures spread over its runs (repeats.go). Empty without
	// repeats: the run has no noise estimate.
	Repeats []PointRepeats `json:"repeats,omitempty"`

	// Timeline is the whole run second by second on one clock
	// (timeline.go); nil when the slice records do not give the levels'
	// start instants (runs written before it).
	Timeline *Timeline `json:"timeline,omitempty"`
}

// Dataset is what a run read of its prompt dataset.
type Dataset struct {
	Source         string         `json:"source"`
	Format         string         `json:"format"`
	Sample         string         `json:"sample"`
	Records        int            `json:"records"`
	Skipped        int            `json:"skipped,omitempty"` // records that could be no request, by reason
	SkippedReasons map[string]int `json:"skipped_reasons,omitempty"`
}

// UnfinishedSlice is a slice whose worker did not record its end.
type UnfinishedSlice struct {
	Level  int `json:"level_index"` // the level's Index
	Worker int `json:"worker"`
	// Started tells a slice that began (its record says so) from one that
	// never did; Rows are those its record says were written so far.
	Started bool `json:"started"`
	Rows    int  `json:"rows_flushed,omitempty"`
	// Round is the level's round the slice did not finish, from 0 (a
	// level longer than one worker invocation runs in rounds).
	Round int `json:"round,omitempty"`
}

// SliceWarning is a slice that did not cover its level's whole window.
type SliceWarning struct {
	Level        int     `json:"level_index"` // the level's Index
	Worker       int     `json:"worker"`
	LateMs       float64 `json:"late_ms,omitempty"`
	StoppedEarly string  `json:"stopped_early,omitempty"` // why issuing stopped before the level's end: deadline, interrupted
	// StartSkewMs is the slice's start skew (StartSkew), when beyond the
	// level's tolerance.
	StartSkewMs float64 `json:"start_skew_ms,omitempty"`
}

// RetriedSlice is a worker slice that ran more than once.
type RetriedSlice struct {
	Level          int `json:"level_index"` // the level's Index
	Worker         int `json:"worker"`
	Attempts       int `json:"attempts"`
	DiscardedParts int `json:"discarded_parts"`
}

// Definitions states, in the file itself, what the figures mean, so a
// reader of summary.json alone can compare it with another tool's numbers.
type Definitions struct {
	TTFT       string `json:"ttft"`
	ITL        string `json:"itl"`
	TPOT       string `json:"tpot"`
	E2E        string `json:"e2e"`
	Window     string `json:"window"`
	Throughput string `json:"throughput"`
	Percentile string `json:"percentile"`
	Cost       string `json:"cost"`
	OpenLoop   string `json:"open_loop"`
	Turns      string `json:"turns,omitempty"`
	// TailAll, SLOAttainment and Capacity define the _all percentiles,
	// slo_attainment and a search's capacity.
	TailAll       string `json:"tail_all,omitempty"`
	SLOAttainment string `json:"slo_attainment,omitempty"`
	Capacity      string `json:"capacity,omitempty"`
	// StartSkew defines start_skew_ms (issue 14).
	StartSkew string `json:"start_skew,omitempty"`
	// Server defines the level's server figures (target.metrics).
	Server string `json:"server,omitempty"`
}

// Level holds the figures of one level: a concurrency (closed loop) or a
// request rate (open loop).
type Level struct {
	// Index is the level's place in the run (0, 1, ...): its identity in
	// the store's keys and the samples' level_index column.
	Index int `json:"index"`
	// Mode is how the level drove the target: "concurrency" (Concurrency
	// virtual users) or "rate" (RequestRate arrivals per second, at most
	// Concurrency in flight when the spec capped it, 0 when not).
	Mode string `json:"mode"`
	// Concurrency is the level's virtual users (mode concurrency; a
	// ramp's end), or its load.max_concurrency (mode rate, 0: no cap).
	Concurrency int `json:"concurrency"`
	// RequestRate is the rate asked, in requests per second (mode rate;
	// a ramp's end); 0 in mode concurrency.
	RequestRate float64 `json:"request_rate"`
	// Ramp, when the level ramped, says how: "linear 1→32 over 1m0s".
	Ramp string `json:"ramp,omitempty"`
	// ScheduledRequestRate is the rate of the level's measured arrivals
	// as drawn: (arrivals − 1) / (last intended − first intended), sent or
	// not. A random schedule's count differs from the asked rate by its
	// own spread (√n); the generator is judged by achieved against it.
	ScheduledRequestRate float64 `json:"scheduled_request_rate"`
	// AchievedRequestRate is the rate of the measured sends: (sent − 1) /
	// (last send − first send), not_sent rows excluded, in either mode.
	AchievedRequestRate float64 `json:"achieved_request_rate"`
	// NotSent counts arrivals that could not be sent before the level
	// ended (every slot busy, or the sender behind): rows with status
	// not_sent, counted in Requests and Errors too.
	NotSent int `json:"not_sent"`
	// SendLagMs is the send instant minus the intended instant
	// (sched_delay_ms), over the requests sent; QueueMs is the part of it
	// spent waiting for a load.max_concurrency slot (0 without a cap).
	SendLagMs Dist `json:"send_lag_ms"`
	QueueMs   Dist `json:"queue_ms"`

	Requests       int            `json:"requests"`        // measured requests (arrivals in mode rate), warm-up excluded
	WarmupRequests int            `json:"warmup_requests"` // warm-up requests issued (stored, not summarized)
	OK             int            `json:"ok"`
	Errors         int            `json:"errors"`
	ErrorsByStatus map[string]int `json:"errors_by_status,omitempty"`
	ErrorRate      float64        `json:"error_rate"`
	// Throttled counts requests answered 429 or 503: the server asking
	// the client to slow down (they are errors too, in ErrorsByStatus).
	Throttled int `json:"throttled"`
	// CutShort counts streams the server ended cleanly before their end
	// (no [DONE], no finish_reason): protocol errors, server-side.
	CutShort int `json:"cut_short"`
	// BackoffS is the time virtual users spent waiting after errors
	// (load.on_error backoff), summed over the level's requests.
	BackoffS float64 `json:"backoff_s"`

	DurationS             float64 `json:"duration_s"`              // the measured window, in seconds
	AchievedConcurrency   float64 `json:"achieved_concurrency"`    // mean requests in flight over the window
	RequestThroughput     float64 `json:"request_throughput"`      // ok requests per second
	OutputTokenThroughput float64 `json:"output_token_throughput"` // output tokens of ok requests per second
	InputTokenThroughput  float64 `json:"input_token_throughput"`  // input tokens of ok requests per second
	GoodputRPS            float64 `json:"goodput_rps"`             // ok requests meeting every SLO, per second
	OutputTokens          int64   `json:"output_tokens"`
	InputTokens           int64   `json:"input_tokens"`
	TokenSource           string  `json:"token_source"` // usage, chunks, or mixed

	TTFTMs Dist `json:"ttft_ms"`
	TPOTMs Dist `json:"tpot_ms"`
	ITLMs  Dist `json:"itl_ms"`
	E2EMs  Dist `json:"e2e_ms"`

	// ServerTTFTMs is the TTFT the server reported of itself (rows'
	// server_ttft_ms: llmbench's proxy, its call to SageMaker to the first
	// token) over the ok measured requests that reported one, and
	// ServerTTFTOverheadMs each such request's ttft_ms minus it: the
	// proxy's overhead plus the network between client and proxy. Both
	// nil when no request reported one.
	ServerTTFTMs         *Dist `json:"server_ttft_ms,omitempty"`
	ServerTTFTOverheadMs *Dist `json:"server_ttft_overhead_ms,omitempty"`

	// What the server reported, over the ok requests that reported it:
	// prompt tokens it served from its prefix cache
	// (usage.prompt_tokens_details.cached_tokens) and their share of
	// those requests' input tokens; reasoning tokens
	// (usage.completion_tokens_details.reasoning_tokens) and their share
	// of the output tokens. The ratios are null when no request said.
	CachedTokens    int64    `json:"cached_tokens"`
	CacheHitRatio   *float64 `json:"cache_hit_ratio"`
	ReasoningTokens int64    `json:"reasoning_tokens"`
	ReasoningShare  *float64 `json:"reasoning_share"`

	CostPer1MOutputTokensUSD *float64 `json:"cost_per_1m_output_tokens_usd"` // null without a price or without tokens
	OutputTokensPerUSDHour   *float64 `json:"output_tokens_per_usd_hour"`

	// Series is the level second by second, for reports to plot a ramp
	// or a queue building up.
	Series []Second `json:"series,omitempty"`
	// Quantiles are the level's empirical TTFT, E2E and ITL distributions
	// at a grid of probabilities (timeline.go), for the reports' CDFs.
	Quantiles *Quantiles `json:"quantiles,omitempty"`
	// Turns is the level's figures by turn of its conversations
	// (workload.session), in order of turn; empty without sessions.
	Turns []Turn `json:"turns,omitempty"`

	// Repeat (load.repeats above 1): which run of which load point the
	// level is; nil without repeats.
	Repeat *Repeat `json:"repeat,omitempty"`

	// Failures in the tail (issue 13). The latency distributions again,
	// with every failed measured request (any status but ok, not_sent
	// included: an arrival the load asked for that got no answer) counted
	// as one infinitely slow value, so that a level cannot look fast by
	// failing its slow requests. Equal to TTFTMs etc. when nothing failed.
	// TTFT, TPOT and E2E have one value per request: a failure's is
	// infinite, whatever it measured before failing. ITL pools gaps: it
	// holds every gap of every measured request, failed ones included (the
	// gaps they did receive), and one infinite gap per failed request (the
	// wait for its next token, or its first, that never ended); against the
	// many gaps of an ok request, its tail turns infinite only when the
	// failures outnumber that share of all gaps.
	TTFTAllMs DistAll `json:"ttft_all_ms"`
	TPOTAllMs DistAll `json:"tpot_all_ms"`
	ITLAllMs  DistAll `json:"itl_all_ms"`
	E2EAllMs  DistAll `json:"e2e_all_ms"`
	// SLOAttainment is the share of the measured requests (Requests:
	// errors and not_sent included) that finished ok and met every SLO the
	// spec set, the rows GoodputRPS counts; with no SLO, OK / Requests.
	// Null when the level has no measured request.
	SLOAttainment *float64 `json:"slo_attainment"`

	// Start skew (issue 14): how far apart the level's slices sent their
	// first request (skew.go); nil when no slice record says (a record
	// written before the figure).
	StartSkewMs *StartSkew `json:"start_skew_ms,omitempty"`
	// SlicesFailed, when more of the level's slices failed than
	// load.tolerated_failure_percent allows, says so (threshold.go): the
	// level is FAILED, its figures being what was measured.
	SlicesFailed *SliceThreshold `json:"slices_failed_threshold,omitempty"`
	// RoundGapMs, for a level run in rounds, is how long its slices were
	// idle between two rounds (RoundGap); nil for a level of one round.
	RoundGapMs *RoundGap `json:"round_gap_ms,omitempty"`
	// Server is the server's own view of the level (target.metrics);
	// nil without it.
	Server *Server `json:"server,omitempty"`
}

// DistAll is a latency distribution in which Failures of the N values are
// failed requests, each infinitely slow: the N − Failures finite values
// sorted first, then the failures, percentiles interpolated as Dist's.
// A percentile whose interpolation reaches a failure is infinite, and
// JSON has no infinity: it is null. Mean and Max are null when any
// request failed (infinite). With N = 0 (no value at all) every field is
// null too: read N first.
type DistAll struct {
	N        int      `json:"n"`
	Failures int      `json:"failures"`
	Mean     *float64 `json:"mean"`
	P50      *float64 `json:"p50"`
	P90      *float64 `json:"p90"`
	P95      *float64 `json:"p95"`
	P99      *float64 `json:"p99"`
	Max      *float64 `json:"max"`
}

// Dist is a distribution: exact percentiles with linear interpolation
// between closest ranks (numpy's default). N is the number of values.
type Dist struct {
	N    int     `json:"n"`
	Mean float64 `json:"mean"`
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P95  float64 `json:"p95"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
}

// FailedSlice records a worker slice whose Lambda failed for good; the run
// still aggregates what the other slices measured.
type FailedSlice struct {
	Level  int    `json:"level_index"` // the level's Index
	Worker int    `json:"worker"`
	Error  string `json:"error"`
	Cause  string `json:"cause,omitempty"`
	Round  int    `json:"round,omitempty"` // the level's round the slice failed in
}

// Turn is what the requests of one turn number of a level's
// conversations measured, warm-up excluded: a server with a prefix cache
// answers later turns, whose history it has seen, sooner.
type Turn struct {
	Turn     int `json:"turn"`     // from 1
	Requests int `json:"requests"` // the turn's requests, errors included
	OK       int `json:"ok"`
	// InputTokensMean is the mean prompt length of its ok requests, the
	// history included, as the server reported it (or the client counted).
	InputTokensMean float64 `json:"input_tokens_mean"`
	// CachedTokens and CacheHitRatio are as the level's, over the turn's
	// ok requests whose server reported cached_tokens; the ratio is null
	// when none did.
	CachedTokens  int64    `json:"cached_tokens"`
	CacheHitRatio *float64 `json:"cache_hit_ratio"`
	TTFTMs        Dist     `json:"ttft_ms"` // over ok requests
	E2EMs         Dist     `json:"e2e_ms"`  // over ok requests
}

// Second is one second of a level's time series, by intended send time
// (intended_ms, from the level's start, warm-up included so a ramp is seen
// whole): what was asked and what came of it.
type Second struct {
	T             int     `json:"t"`        // the second: intended_ms in [1000·T, 1000·(T+1))
	Arrivals      int     `json:"arrivals"` // requests meant to be sent in it (rows)
	Sent          int     `json:"sent"`     // of them, sent (not not_sent)
	OK            int     `json:"ok"`
	Errors        int     `json:"errors"` // not_sent included
	OutputTokens  int64   `json:"output_tokens"`
	TTFTMeanMs    float64 `json:"ttft_mean_ms"`     // mean TTFT of its ok requests, 0 without
	E2EMeanMs     float64 `json:"e2e_mean_ms"`      // mean E2E of its ok requests, 0 without
	SendLagMeanMs float64 `json:"send_lag_mean_ms"` // mean send lag of its sent requests
}

// Capacity is the result of a capacity search: the highest load whose
// level met every criterion of the spec's search.slo, the bracket it lies
// in, every level tried, and why the search stopped.
type Capacity struct {
	Over string `json:"over"` // concurrency or rate
	Unit string `json:"unit"` // "streams" or "req/s"
	// Load is the highest passing load below the lowest failing one; null
	// when no level passed. LevelIndex is its level.
	Load       *float64 `json:"load"`
	LevelIndex *int     `json:"level_index"`
	// The passing level's figures, when there is one.
	OutputTokenThroughput    float64  `json:"output_token_throughput"`
	RequestThroughput        float64  `json:"request_throughput"`
	TTFTP95Ms                float64  `json:"ttft_p95_ms"`
	TPOTP95Ms                float64  `json:"tpot_p95_ms"`
	E2EP95Ms                 float64  `json:"e2e_p95_ms"`
	CostPer1MOutputTokensUSD *float64 `json:"cost_per_1m_output_tokens_usd"`
	// Bracket is [last pass, first fail]: the first is null when no level
	// passed, the second when none failed (open at the top).
	Bracket [2]*float64 `json:"bracket"`
	Tried   []Tried     `json:"tried"`   // in the order they ran
	Stopped string      `json:"stopped"` // precision, adjacent, max_levels, min_fails, max_passes, not_run or step_failed
	Why     string      `json:"why"`     // the same, in words
}

// Tried is one level of a search.
type Tried struct {
	LevelIndex int     `json:"level_index"`
	Load       float64 `json:"load"`
	Pass       bool    `json:"pass"`
	Checks     []Check `json:"checks"`
}

// Check is one criterion of search.slo on one level.
type Check struct {
	Criterion string   `json:"criterion"` // ttft_p95_ms, tpot_p95_ms, e2e_p95_ms, error_rate, goodput_ratio
	Limit     float64  `json:"limit"`
	AtLeast   bool     `json:"at_least,omitempty"` // the figure must be at least the limit (goodput_ratio)
	Value     *float64 `json:"value"`              // null: nothing measured (no ok request)
	Pass      bool     `json:"pass"`
}
