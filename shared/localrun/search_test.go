package localrun_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/llmbench/llmbench/shared/plan"
	"github.com/llmbench/llmbench/shared/sfnlocal"
	"github.com/llmbench/llmbench/shared/simllm"
	"github.com/llmbench/llmbench/shared/summary"
	"github.com/llmbench/llmbench/shared/workflow/workflowtest"
)

// searchWorkload is short requests against the calibrated profile, whose
// decode step grows with the sequences in the batch (9.8 ms + 0.65 ms
// each): TPOT p95 crosses 25 ms near 20 streams.
const searchWorkload = `"target":{"kind":"sim","profile":"g5-llama31-8b-awq"},"workload":{"input_tokens":32,"output_tokens":8},"slo":{"tpot_ms":25}`

// runSearchSpec runs doc against the calibrated simulated server and
// returns its summary, its plan and the history events it wrote.
func runSearchSpec(t *testing.T, doc string) (*summary.Summary, *plan.Plan, int) {
	t.Helper()
	p, err := simllm.LookupProfile("g5-llama31-8b-awq")
	if err != nil {
		t.Fatal(err)
	}
	sim := workflowtest.Sim(t, simllm.Options{Profile: p})
	env := workflowtest.New(t, doc, workflowtest.Options{BaseURL: sim.URL})
	var h sfnlocal.History
	exec := execution(env, nil)
	exec.Observer = h.Observe
	out, err := exec.Run(context.Background(), "search", env.Input)
	if err != nil {
		t.Fatal(err)
	}
	_, pl, err := plan.Load(context.Background(), env.Store, out.RunID)
	if err != nil {
		t.Fatal(err)
	}
	return workflowtest.ReadSummary(t, env.Store, pl.RunID), pl, h.Events()
}

// TestSearchMatchesExhaustiveSweep: on the calibrated simulated profile
// the search, run by the definition's own loop, finds the capacity an
// exhaustive sweep of every concurrency finds (within the precision, or
// one stream), in far fewer levels; the execution writes exactly the
// history events plan.HistoryEvents counts for its course, under the
// worst-case bound the planner checked.
func TestSearchMatchesExhaustiveSweep(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("runs about 35 levels in real time, judging latencies (not under -short or the race detector)")
	}
	const precision = 0.05
	sum, pl, events := runSearchSpec(t, `{"name":"search",`+searchWorkload+`,
	  "search":{"over":"concurrency","min":1,"max":64,"precision":0.05,"slo":{"tpot_p95_ms":25,"error_rate":0.01}},
	  "load":{"duration":"500ms"}}`)
	c := sum.Capacity
	if c == nil || c.Load == nil || c.Bracket[1] == nil {
		t.Fatalf("capacity %+v: want a load and a closed bracket", c)
	}
	if len(c.Tried) != len(pl.Levels) || len(sum.Levels) != len(pl.Levels) {
		t.Fatalf("%d levels tried, %d planned, %d summarized", len(c.Tried), len(pl.Levels), len(sum.Levels))
	}
	for _, tr := range c.Tried {
		if len(tr.Checks) != 2 {
			t.Errorf("level %d: %d checks, want tpot_p95_ms and error_rate", tr.LevelIndex, len(tr.Checks))
		}
	}
	// The history: exactly the count of this course, one level per search
	// step, then the last step's empty batch.
	batches := make([][]int, len(pl.Levels)+1)
	for i, lv := range pl.Levels {
		batches[i] = []int{len(lv.Slices)}
	}
	if want := plan.HistoryEvents(batches, len(pl.Levels), false); events != want {
		t.Errorf("the execution wrote %d history events, plan.HistoryEvents counts %d", events, want)
	}

	// The exhaustive sweep: every concurrency from 1 to just past the
	// bracket, judged by the same criteria.
	top := int(*c.Bracket[1]) + 3
	levels := ""
	for i := 1; i <= top; i++ {
		levels += fmt.Sprintf("%s%d", map[bool]string{true: "", false: ","}[i == 1], i)
	}
	sweep, _, _ := runSearchSpec(t, `{"name":"sweep",`+searchWorkload+`,"load":{"levels":[`+levels+`],"duration":"500ms"}}`)
	exhaustive := 0
	for _, l := range sweep.Levels {
		if l.TTFTMs.N == 0 || l.TPOTMs.P95 > 25 || l.ErrorRate > 0.01 {
			break
		}
		exhaustive = l.Concurrency
	}
	// Within the precision, plus the noise at the edge: near the capacity
	// a stream more moves TPOT p95 by 0.65 ms, about what a busy 2-core
	// machine adds to a timer (a loaded run once measured 19 against 22).
	found := int(*c.Load)
	tol := int(precision*float64(exhaustive)+0.5) + 3
	if d := found - exhaustive; d < -tol || d > tol {
		t.Errorf("search found %d streams, the exhaustive sweep %d (tolerance ±%d: the precision and 3 streams of noise at the edge)", found, exhaustive, tol)
	}
	if len(c.Tried) >= top/2 {
		t.Errorf("the search ran %d levels, the sweep %d: want far fewer", len(c.Tried), top)
	}
	t.Logf("capacity %d streams in %d levels (%s; bracket %g..%g), exhaustive sweep %d over %d levels; %d history events",
		found, len(c.Tried), c.Why, *c.Bracket[0], *c.Bracket[1], exhaustive, top, events)
}

// TestSearchEnds: a search whose min already fails reports no capacity,
// and one whose max passes reports the bracket open at the top.
func TestSearchEnds(t *testing.T) {
	for _, tc := range []struct {
		name, search, stopped string
		levels                int
	}{
		{"min fails", `{"over":"concurrency","min":40,"max":64,"slo":{"tpot_p95_ms":15}}`, "min_fails", 1},
		{"max passes", `{"over":"concurrency","min":1,"max":4,"slo":{"tpot_p95_ms":500}}`, "max_passes", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sum, pl, _ := runSearchSpec(t, `{"name":"ends",`+searchWorkload+`,"search":`+tc.search+`,"load":{"duration":"400ms"}}`)
			c := sum.Capacity
			if c == nil || c.Stopped != tc.stopped || len(pl.Levels) != tc.levels {
				t.Fatalf("capacity %+v after %d levels; want stopped %q after %d", c, len(pl.Levels), tc.stopped, tc.levels)
			}
			switch tc.stopped {
			case "min_fails":
				if c.Load != nil || c.Bracket[0] != nil || c.Bracket[1] == nil || *c.Bracket[1] != 40 {
					t.Errorf("min fails: load %v bracket %v; want none, [null, 40]", c.Load, c.Bracket)
				}
			case "max_passes":
				if c.Load == nil || *c.Load != 4 || c.Bracket[1] != nil {
					t.Errorf("max passes: load %v bracket %v; want 4, [4, null]", c.Load, c.Bracket)
				}
			}
			if c.Why == "" {
				t.Error("no reason given")
			}
		})
	}
}
