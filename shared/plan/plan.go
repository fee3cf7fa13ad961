package plan

import (
	"fmt"
	"time"

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
}

// Level is one concurrency level and its slices.
type Level struct {
	Index       int     `json:"index"`
	Concurrency int     `json:"concurrency"`
	Slices      []Slice `json:"slices"`
}

// Slice is one worker's share of a level.
type Slice struct {
	RunID       string `json:"run_id"`
	Output      string `json:"output"`
	Day         string `json:"dt"`
	Level       int    `json:"level"` // the level's concurrency
	LevelIndex  int    `json:"level_index"`
	Worker      int    `json:"worker"`
	Concurrency int    `json:"concurrency"`        // virtual users of this slice
	Requests    int    `json:"requests,omitempty"` // measured requests of this slice, when the spec counts requests
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

// MaxSlices is the most slices a level may have: the inline Map's ceiling
// of concurrent iterations. A level of more slices would not have all its
// workers running together (later ones would start late).
const MaxSlices = 40

// LambdaTimeout is AWS Lambda's hard limit on one invocation; a level's
// slice runs in one worker invocation.
const LambdaTimeout = 15 * time.Minute

// MaxLambdaLevel bounds a level's warm-up plus duration in AWS: Lambda's
// 15 minutes, less the worker's flush margin (20 s) and time for the
// requests in flight when issuing stops to end and their rows to be
// written.
const MaxLambdaLevel = LambdaTimeout - time.Minute

// Make expands a validated spec into a plan.
func Make(s *spec.Spec, runID string, now time.Time) (*Plan, error) {
	if !ValidRunID(runID) {
		return nil, fmt.Errorf("plan: bad run id %q", runID)
	}
	p := &Plan{RunID: runID, Name: s.Name, Output: s.Output, Day: now.UTC().Format(DayLayout), CreatedAt: now.UTC()}
	for _, c := range s.Load.Levels {
		if n := (c + s.Load.SliceConcurrency - 1) / s.Load.SliceConcurrency; n > MaxSlices {
			return nil, fmt.Errorf("plan: level %d needs %d slices of at most %d streams; at most %d run at once: set load.slice_concurrency to at least %d",
				c, n, s.Load.SliceConcurrency, MaxSlices, (c+MaxSlices-1)/MaxSlices)
		}
	}
	for i, c := range s.Load.Levels {
		vus, reqs := Split(c, s.Load.SliceConcurrency, s.Load.Requests)
		lv := Level{Index: i, Concurrency: c}
		for w, v := range vus {
			sl := Slice{RunID: runID, Output: s.Output, Day: p.Day, Level: c, LevelIndex: i, Worker: w, Concurrency: v}
			if reqs != nil {
				sl.Requests = reqs[w]
			}
			lv.Slices = append(lv.Slices, sl)
		}
		p.Workers = max(p.Workers, len(lv.Slices))
		p.Levels = append(p.Levels, lv)
	}
	return p, nil
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
		return Slice{}, fmt.Errorf("plan: worker %d out of range (level %d has %d slices)", worker, lv.Concurrency, len(lv.Slices))
	}
	return lv.Slices[worker], nil
}

// CheckLevelTime refuses a spec whose slices cannot run in one worker
// invocation of at most maxLevel (0: no bound): load.cooldown, the
// warm-up and the duration are all spent inside it.
func CheckLevelTime(s *spec.Spec, maxLevel time.Duration) error {
	d := s.Load.Cooldown.D() + s.Load.Warmup.D() + s.Load.Duration.D()
	if maxLevel > 0 && d > maxLevel {
		return fmt.Errorf("load.cooldown + load.warmup + load.duration is %v, above the %v a worker can run in one Lambda invocation", d, maxLevel)
	}
	return nil
}
