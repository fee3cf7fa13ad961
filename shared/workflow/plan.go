package workflow

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/store"
)

// Plan is a run expanded into levels and slices: runs/<run_id>/plan.json.
type Plan struct {
	RunID     string      `json:"run_id"`
	Name      string      `json:"name"`
	Output    string      `json:"output"`
	Day       string      `json:"dt"` // the samples' partition day (UTC), fixed for the whole run
	CreatedAt time.Time   `json:"created_at"`
	Levels    []PlanLevel `json:"levels"`
	Workers   int         `json:"max_workers"` // the most slices any level runs at once
}

// PlanLevel is one concurrency level and its slices.
type PlanLevel struct {
	Index       int     `json:"index"`
	Concurrency int     `json:"concurrency"`
	Slices      []Slice `json:"slices"`
}

// Slice is one worker's share of a level. It is small on purpose: it
// travels through the state machine; everything else is in the store.
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

var unsafeRunID = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// NewRunID makes a run id that sorts by time and names the spec:
// <name>-20261123T060419Z-1a2b.
func NewRunID(name string, now time.Time) string {
	var b [2]byte
	_, _ = rand.Read(b[:])
	n := strings.Trim(unsafeRunID.ReplaceAllString(name, "-"), "-")
	if len(n) > 40 {
		n = n[:40]
	}
	return fmt.Sprintf("%s-%s-%s", n, now.UTC().Format("20060102T150405Z"), hex.EncodeToString(b[:]))
}

// ValidRunID reports whether id is safe in keys and SQL literals.
func ValidRunID(id string) bool {
	return id != "" && len(id) <= 100 && !unsafeRunID.MatchString(id)
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

// MaxSlices is the most slices a level may have: the inline Map's ceiling
// of concurrent iterations.
const MaxSlices = 40

// MakePlan expands a validated spec into a plan.
func MakePlan(s *spec.Spec, runID string, now time.Time) (*Plan, error) {
	if !ValidRunID(runID) {
		return nil, fmt.Errorf("workflow: plan: bad run id %q", runID)
	}
	p := &Plan{RunID: runID, Name: s.Name, Output: s.Output, Day: now.UTC().Format("2006-01-02"), CreatedAt: now.UTC()}
	for _, c := range s.Load.Levels {
		// The slices Map is an inline Map: Step Functions runs at most 40
		// iterations at once, so a level of more slices would not have all
		// its workers running together (later ones would start late).
		if n := (c + s.Load.SliceConcurrency - 1) / s.Load.SliceConcurrency; n > MaxSlices {
			return nil, fmt.Errorf("workflow: plan: level %d needs %d slices of at most %d streams; at most %d run at once: set load.slice_concurrency to at least %d",
				c, n, s.Load.SliceConcurrency, MaxSlices, (c+MaxSlices-1)/MaxSlices)
		}
	}
	for i, c := range s.Load.Levels {
		vus, reqs := Split(c, s.Load.SliceConcurrency, s.Load.Requests)
		lv := PlanLevel{Index: i, Concurrency: c}
		for w, v := range vus {
			sl := Slice{RunID: runID, Output: s.Output, Day: p.Day, Level: c, LevelIndex: i, Worker: w, Concurrency: v}
			if reqs != nil {
				sl.Requests = reqs[w]
			}
			lv.Slices = append(lv.Slices, sl)
		}
		if len(lv.Slices) > p.Workers {
			p.Workers = len(lv.Slices)
		}
		p.Levels = append(p.Levels, lv)
	}
	return p, nil
}

// SavePlan writes the spec and the plan under runs/<run_id>/.
func SavePlan(ctx context.Context, st store.Store, s *spec.Spec, p *Plan) error {
	for name, v := range map[string]any{"spec.json": s, "plan.json": p} {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return fmt.Errorf("workflow: encode %s: %w", name, err)
		}
		if err := st.Put(ctx, store.RunKey(p.RunID, name), append(b, '\n')); err != nil {
			return err
		}
	}
	return nil
}
