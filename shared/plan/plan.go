package plan

import (
	"fmt"
	"hash/fnv"
	"math"
	"strconv"
	"time"

	"github.com/llmbench/llmbench/shared/arrival"
	"github.com/llmbench/llmbench/shared/spec"
)

// Plan is a run expanded into levels and slices: runs/<run_id>/plan.json.
type Plan struct {
	RunID     string    `json:"run_id"`
	Name      string    `json:"name"`
	Output    string    `json:"output"`
	Day       string    `json:"dt"` // the samples' partition day (UTC), fixed for the whole run
	CreatedAt time.Time `json:"created_at"`
	Levels    []Level   `json:"levels"`
	Workers   int       `json:"max_workers"` // the most slices any level runs at once
	// Seed fixes the run's prompts and arrival schedules: the spec's seed,
	// or, when it has none, one drawn for the run, so that two runs of one
	// spec send different prompts (a server's prefix cache cannot flatter
	// a repeat) and a given seed reproduces them exactly.
	Seed int64 `json:"seed"`
	// Dataset, when the prompts come from one, says what was read.
	Dataset *Dataset `json:"dataset,omitempty"`
	// Tokenizer, when the spec names one, is its source; its copy is the
	// run's tokenizer.json.
	Tokenizer string `json:"tokenizer,omitempty"`
	// RoundLimitMs is the longest one worker invocation may run a level
	// (MaxLevelIn of the worker's configured timeout and start margin), in
	// ms; 0: no bound. A longer level runs in rounds (rounds.go); levels a
	// sweep or a search adds later are split by it too.
	RoundLimitMs int64 `json:"round_limit_ms,omitempty"`
}

// Level is one level and its slices: Concurrency virtual users (mode
// concurrency), or arrivals at Rate requests per second (mode rate), at
// most Concurrency in flight when it is > 0.
type Level struct {
	Index       int     `json:"index"`
	Mode        string  `json:"mode"`
	Concurrency int     `json:"concurrency"`
	Rate        float64 `json:"rate,omitempty"`
	// Seed fixes the level's arrival schedule (mode rate): the plan's
	// seed (the schedule mixes in the level's index).
	Seed uint64 `json:"seed,omitempty"`
	// Ramp is the spec's load.ramp when the level is a ramp.
	Ramp *spec.Ramp `json:"ramp,omitempty"`
	// Repeat, with load.repeats above 1, says which run of which load
	// point the level is (see repeats.go); nil otherwise.
	Repeat *Repeat `json:"repeat,omitempty"`
	// Rounds, above 1, is how many consecutive rounds of its slices the
	// level runs, each RoundMs of the level's time (the last what is
	// left): a level longer than one worker invocation (rounds.go).
	Rounds  int   `json:"rounds,omitempty"`
	RoundMs int64 `json:"round_ms,omitempty"`
	// ToleratedFailurePercent is load.tolerated_failure_percent: the share
	// of the level's slices that may fail before its slices Map (a
	// Distributed Map) fails and the level is marked failed.
	ToleratedFailurePercent float64 `json:"tolerated_failure_percent"`
	Slices                  []Slice `json:"slices"`
}

// Label names the level for people: "32" (virtual users), "4 req/s",
// "4 req/s ≤16", or its ramp.
func (l Level) Label() string { return Label(l.Mode, l.Concurrency, l.Rate, l.Ramp) }

// Label names a level from its load model.
func Label(mode string, concurrency int, rate float64, r *spec.Ramp) string {
	if r != nil {
		unit := " users"
		if mode == spec.ModeRate {
			unit = " req/s"
		}
		return fmt.Sprintf("%s %g→%g%s over %s", r.Strategy, r.From, r.To, unit, r.Over)
	}
	if mode != spec.ModeRate {
		return fmt.Sprint(concurrency)
	}
	l := fmt.Sprintf("%g req/s", rate)
	if concurrency > 0 {
		l += fmt.Sprintf(" ≤%d", concurrency)
	}
	return l
}

// Slice is one worker's share of a level.
type Slice struct {
	RunID       string `json:"run_id"`
	Output      string `json:"output"`
	Day         string `json:"dt"`
	Level       int    `json:"level"` // the level's concurrency
	LevelIndex  int    `json:"level_index"`
	Worker      int    `json:"worker"`
	Concurrency int    `json:"concurrency"`        // virtual users of this slice; mode rate: its cap on requests in flight, 0 for none
	Requests    int    `json:"requests,omitempty"` // measured requests of this slice, when the spec counts requests (mode rate: of the whole level)
	// Mode rate: the worker's share of the level's schedule is arrival
	// i with i mod Workers == Worker.
	Workers int `json:"workers,omitempty"`
	// Users is the number of the level's virtual users before this
	// slice's, in the order a concurrency ramp adds them: the slice's
	// virtual user k is the level's user Users+k.
	Users int `json:"users,omitempty"`
	// Start is the level's common start instant, shared by its slices.
	// Zero lets the worker start at once.
	Start time.Time `json:"start,omitempty"`
}

// DayTime is the slice's partition day as a time.
func (sl Slice) DayTime() (time.Time, error) {
	d, err := time.Parse(DayLayout, sl.Day)
	if err != nil {
		return time.Time{}, fmt.Errorf("plan: slice of level %d worker %d: bad dt %q: %w", sl.Level, sl.Worker, sl.Day, err)
	}
	return d, nil
}

// DayLayout is the format of a plan's partition day.
const DayLayout = "2006-01-02"

// MaxSlices is the most slices a level may have: the definition's slices
// Map is a Distributed Map, which runs up to 10,000 child executions at
// once, over the level's slice list its ItemReader reads from the store.
// (load.max_workers, the Lambda concurrency quota, usually binds first.)
const MaxSlices = 10_000

// checkWorkers refuses a level (named by what) that needs more workers
// than load.max_workers: its workers run at once, each a Lambda
// invocation, so past the account's concurrency quota some would be
// throttled and start late, or never.
func checkWorkers(s *spec.Spec, workers int, what string) error {
	if limit := s.Load.WorkerLimit(); workers > limit {
		src := "load.max_workers"
		if s.Load.MaxWorkers == 0 {
			src = fmt.Sprintf("load.max_workers (unset: the default, AWS Lambda's default concurrency quota of %d)", spec.DefaultMaxWorkers)
		}
		return fmt.Errorf("plan: %s needs %d workers at once, more than the %d of %s: raise the account's Lambda concurrency quota and load.max_workers, or lower the load",
			what, workers, limit, src)
	}
	return nil
}

// LambdaTimeout is AWS Lambda's hard limit on one invocation; a level's
// slice runs in one worker invocation.
const LambdaTimeout = 15 * time.Minute

// MaxLambdaLevel bounds a level's warm-up plus duration in AWS: Lambda's
// 15 minutes, less the worker's flush margin (20 s) and time for the
// requests in flight when issuing stops to end and their rows to be
// written.
const MaxLambdaLevel = LambdaTimeout - time.Minute

// MaxLevelIn is how long a level (cool-down, warm-up and duration) may be
// for a worker whose invocation times out after timeout and waits
// startMargin for the level's common start: the rest, less the minute
// MaxLambdaLevel keeps for the flush margin and the requests in flight.
// It is 0 (no level fits) when the timeout leaves nothing.
func MaxLevelIn(timeout, startMargin time.Duration) time.Duration {
	return max(timeout-startMargin-(LambdaTimeout-MaxLambdaLevel), 0)
}

// Make expands a validated spec into a plan. A sweep's plan holds its
// first two levels (synchronous, then throughput); AddRates appends the
// rates measured from them.
func Make(s *spec.Spec, runID string, now time.Time) (*Plan, error) {
	return MakeIn(s, runID, now, 0)
}

// MakeIn is Make for workers that run at most maxRound per invocation
// (MaxLevelIn of their configured timeout and start margin; 0: no bound):
// a longer level runs as consecutive rounds (rounds.go).
func MakeIn(s *spec.Spec, runID string, now time.Time, maxRound time.Duration) (*Plan, error) {
	p, err := makeLevels(s, runID, now, maxRound)
	if err != nil {
		return nil, err
	}
	if err := p.checkRoundHistory(); err != nil {
		return nil, err
	}
	return p, nil
}

func makeLevels(s *spec.Spec, runID string, now time.Time, maxRound time.Duration) (*Plan, error) {
	if !ValidRunID(runID) {
		return nil, fmt.Errorf("plan: bad run id %q", runID)
	}
	p := &Plan{RunID: runID, Name: s.Name, Output: s.Output, Day: now.UTC().Format(DayLayout), CreatedAt: now.UTC(), Seed: runSeed(s.Seed, runID, now),
		RoundLimitMs: maxRound.Milliseconds()}
	if n := s.Load.RepeatCount(); n > 1 {
		return p, p.addRounds(s, n, runID, now)
	}
	l := s.Load
	switch {
	case s.Search != nil:
		return p, p.makeSearch(s, now)
	case l.Profile == spec.ProfileSweep:
		for _, c := range []int{1, l.SweepConcurrency} {
			if err := p.addConcurrency(s, c, nil); err != nil {
				return nil, err
			}
		}
	case l.Mode == spec.ModeRate && l.Ramp != nil:
		return p, p.AddRates(s, []float64{0}, now)
	case l.Mode == spec.ModeRate:
		return p, p.AddRates(s, l.Rates, now)
	case l.Ramp != nil:
		return p, p.addConcurrency(s, int(l.Ramp.To), l.Ramp)
	default:
		for _, c := range l.Levels {
			if err := p.addConcurrency(s, c, nil); err != nil {
				return nil, err
			}
		}
	}
	return p, nil
}

// addConcurrency appends a level of c virtual users (a ramp's end, with
// r).
func (p *Plan) addConcurrency(s *spec.Spec, c int, r *spec.Ramp) error {
	sc := s.Load.SliceConcurrency
	if n := (c + sc - 1) / sc; n > MaxSlices {
		return fmt.Errorf("plan: level %d needs %d slices of at most %d streams; a level has at most %d: set load.slice_concurrency to at least %d",
			c, n, sc, MaxSlices, (c+MaxSlices-1)/MaxSlices)
	}
	if err := checkWorkers(s, (c+sc-1)/sc, fmt.Sprintf("level %d (%d streams at load.slice_concurrency %d)", c, c, sc)); err != nil {
		return err
	}
	i := len(p.Levels)
	vus, reqs := Split(c, sc, s.Load.Requests)
	lv := Level{Index: i, Mode: spec.ModeConcurrency, Concurrency: c, Ramp: r, ToleratedFailurePercent: s.Load.ToleratedFailurePercent}
	users := 0
	for w, v := range vus {
		sl := Slice{RunID: p.RunID, Output: p.Output, Day: p.Day, Level: c, LevelIndex: i, Worker: w, Concurrency: v, Users: users}
		if reqs != nil {
			sl.Requests = reqs[w]
		}
		users += v
		lv.Slices = append(lv.Slices, sl)
	}
	if err := p.splitRounds(s, &lv); err != nil {
		return err
	}
	p.add(lv)
	return nil
}

// AddRates appends a rate level for each rate of a validated spec in
// mode rate (a ramp's level: one rate, ignored). The workers of a level
// are as many as keep each at or below load.slice_rate at the level's
// peak, and load.max_concurrency / load.slice_concurrency; its cap is
// split among them.
func (p *Plan) AddRates(s *spec.Spec, rates []float64, now time.Time) error {
	l := s.Load
	for k, rate := range rates {
		a := ArrivalSpec(s, Level{Index: len(p.Levels), Rate: rate, Ramp: l.Ramp})
		path := fmt.Sprintf("load.rates[%d]", k)
		if l.Ramp != nil {
			path, rate = "load.ramp.to", 0
		}
		if err := a.Validate(); err != nil {
			return fmt.Errorf("plan: %s: %w", path, err)
		}
		peak := a.Peak()
		w, err := arrival.Workers(peak, l.SliceRate)
		if err != nil {
			return fmt.Errorf("plan: %s: %w", path, err)
		}
		w = max(w, (l.MaxConcurrency+l.SliceConcurrency-1)/l.SliceConcurrency)
		if w > MaxSlices {
			return fmt.Errorf("plan: %s: %s req/s needs %d workers at load.slice_rate %g req/s each (and load.max_concurrency %d at load.slice_concurrency %d); a level has at most %d: raise load.slice_rate (at most %g, what one worker is measured to send on time) or lower the rate",
				path, strconv.FormatFloat(peak, 'f', -1, 64), w, l.SliceRate, l.MaxConcurrency, l.SliceConcurrency, MaxSlices, spec.MaxSliceRate)
		}
		if err := checkWorkers(s, w, fmt.Sprintf("%s (%s req/s at load.slice_rate %g)", path, strconv.FormatFloat(peak, 'f', -1, 64), l.SliceRate)); err != nil {
			return err
		}
		i := len(p.Levels)
		lv := Level{Index: i, Mode: spec.ModeRate, Concurrency: l.MaxConcurrency, Rate: rate, Seed: uint64(p.Seed), Ramp: l.Ramp, ToleratedFailurePercent: l.ToleratedFailurePercent}
		if l.MaxConcurrency > 0 && l.MaxConcurrency < w {
			return fmt.Errorf("plan: load.max_concurrency: %d is below the %d workers %s needs at load.slice_rate %g req/s (each worker holds at least one slot): raise it, or load.slice_rate",
				l.MaxConcurrency, w, path, l.SliceRate)
		}
		var caps []int // the cap split evenly over the workers, each at least 1
		for wk := 0; l.MaxConcurrency > 0 && wk < w; wk++ {
			c := l.MaxConcurrency / w
			if wk < l.MaxConcurrency%w {
				c++
			}
			caps = append(caps, c)
		}
		for wk := 0; wk < w; wk++ {
			sl := Slice{RunID: p.RunID, Output: p.Output, Day: p.Day, Level: l.MaxConcurrency, LevelIndex: i, Worker: wk, Workers: w, Requests: l.Requests}
			if caps != nil {
				sl.Concurrency = caps[wk]
			}
			lv.Slices = append(lv.Slices, sl)
		}
		if err := p.splitRounds(s, &lv); err != nil {
			return err
		}
		p.add(lv)
	}
	return nil
}

func (p *Plan) add(lv Level) {
	p.Workers = max(p.Workers, len(lv.Slices))
	p.Levels = append(p.Levels, lv)
}

// ArrivalSpec is the arrival schedule of a rate level of a validated spec:
// a pure function of the level's seed, index, rate or ramp, and the
// spec's arrival process, warm-up, duration and request budget.
func ArrivalSpec(s *spec.Spec, lv Level) arrival.Spec {
	l := s.Load
	a := arrival.Spec{
		Level: lv.Index, Rate: lv.Rate, Process: l.Arrival, Burstiness: l.Burstiness,
		Warmup: l.Warmup.D(), Requests: l.Requests, Seed: lv.Seed,
	}
	if l.Duration.D() > 0 {
		a.Duration = l.Warmup.D() + l.Duration.D()
	}
	if r := lv.Ramp; r != nil {
		a.Rate = 0
		ramp := r.Arrival()
		a.Ramp = &ramp
	}
	return a
}

// runSeed is the run's seed: the spec's, or, when it has none, one drawn
// from the run id and the planning instant (never 0, which means "draw").
func runSeed(seed int64, runID string, now time.Time) int64 {
	if seed != 0 {
		return seed
	}
	h := fnv.New64a()
	fmt.Fprintf(h, "%s %d", runID, now.UnixNano())
	return int64(h.Sum64()>>1) | 1
}

// Split divides a level's concurrency into slices of at most max virtual
// users, as even as possible, and its request budget in proportion.
func Split(concurrency, max, requests int) (vus, reqs []int) {
	n := (concurrency + max - 1) / max
	for i := 0; i < n; i++ {
		v := concurrency / n
		if i < concurrency%n {
			v++
		}
		vus = append(vus, v)
	}
	if requests > 0 {
		given := 0
		for i, v := range vus {
			r := requests * v / concurrency
			if i == len(vus)-1 {
				r = requests - given
			}
			reqs = append(reqs, r)
			given += r
		}
	}
	return vus, reqs
}

// Slice returns the slice a step event names, or an error saying which
// index is out of range.
func (p *Plan) Slice(levelIndex, worker int) (Slice, error) {
	if levelIndex < 0 || levelIndex >= len(p.Levels) {
		return Slice{}, fmt.Errorf("plan: level index %d out of range (plan has %d levels)", levelIndex, len(p.Levels))
	}
	lv := p.Levels[levelIndex]
	if worker < 0 || worker >= len(lv.Slices) {
		return Slice{}, fmt.Errorf("plan: worker %d out of range (level %d, %s, has %d slices)", worker, lv.Index, lv.Label(), len(lv.Slices))
	}
	return lv.Slices[worker], nil
}

// SweepRates are a sweep's rate levels: n rates evenly spaced strictly
// between the synchronous level's measured request rate lo and the
// throughput level's hi (GuideLLM's sweep), rounded to 0.001 req/s.
func SweepRates(lo, hi float64, n int) ([]float64, error) {
	switch {
	case n < 1:
		return nil, fmt.Errorf("plan: sweep of %d levels: want at least 1", n)
	case !(lo > 0):
		return nil, fmt.Errorf("plan: sweep: the synchronous level measured %g ok requests per second: nothing to sweep from", lo)
	case !(hi > lo):
		return nil, fmt.Errorf("plan: sweep: the throughput level measured %g ok requests per second, not above the synchronous level's %g: no rate lies between them", hi, lo)
	}
	rates := make([]float64, 0, n)
	for k := 1; k <= n; k++ {
		r := math.Round((lo+(hi-lo)*float64(k)/float64(n+1))*1000) / 1000
		if len(rates) > 0 && r <= rates[len(rates)-1] || r <= 0 {
			return nil, fmt.Errorf("plan: sweep: %d rates between %g and %g req/s are closer than 0.001 req/s", n, lo, hi)
		}
		rates = append(rates, r)
	}
	return rates, nil
}

// Dataset is what the planner made of the spec's dataset
// (workload.prompts "dataset"): its normalized copy is the run's
// dataset.jsonl, which workers read.
type Dataset struct {
	Source  string `json:"source"` // workload.dataset.path
	Format  string `json:"format"`
	Sample  string `json:"sample"`
	Records int    `json:"records"` // usable records, in dataset.jsonl
	// Skipped counts the source's records that could not be requests (no
	// human turn, no answer, an empty prompt), by reason.
	Skipped        int            `json:"skipped,omitempty"`
	SkippedReasons map[string]int `json:"skipped_reasons,omitempty"`
}
