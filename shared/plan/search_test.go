package plan_test

import (
	"strings"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/plan"
)

func TestSearchPlan(t *testing.T) {
	s := parseSpec(t, `{"name":"s","target":{"kind":"sim"},"search":{"over":"concurrency","min":4,"max":200,"slo":{"ttft_p95_ms":500}},"load":{"duration":"10s","slice_concurrency":10}}`)
	p, err := plan.Make(s, "s-20261203T000000Z-abcd", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Levels) != 1 || p.Levels[0].Concurrency != 4 {
		t.Fatalf("planned %+v, want one level at search.min", p.Levels)
	}
	if err := p.AddLoad(s, 64, time.Now()); err != nil {
		t.Fatal(err)
	}
	if l := p.Levels[1]; l.Index != 1 || l.Concurrency != 64 || len(l.Slices) != 7 {
		t.Errorf("the next level: %+v, want index 1, 64 streams over 7 slices", l)
	}

	r := parseSpec(t, `{"name":"s","target":{"kind":"sim"},"search":{"over":"rate","min":0.5,"max":40,"slo":{"error_rate":0.01}},"load":{"duration":"10s"}}`)
	p, err = plan.Make(r, "s-20261203T000000Z-abcd", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if l := p.Levels[0]; l.Mode != "rate" || l.Rate != 0.5 {
		t.Errorf("rate search: first level %+v, want 0.5 req/s", l)
	}
}

// TestSearchRefusedPastTheHistory: a search whose longest course could
// write more than 25,000 history events is refused with the numbers; its
// max must be plannable.
func TestSearchRefusedPastTheHistory(t *testing.T) {
	// The slices are child executions of a Distributed Map: the longest
	// search (50 levels of 40 slices) stays far below the limit.
	s := parseSpec(t, `{"name":"s","target":{"kind":"sim"},"search":{"over":"rate","min":0.01,"max":4000,"precision":0.0001,"max_levels":50,"slo":{"error_rate":0.01}},"load":{"duration":"10s"}}`)
	if _, err := plan.Make(s, "s-20261203T000000Z-abcd", time.Now()); err != nil {
		t.Fatalf("err = %v, want the search planned", err)
	}
	batches := make([][]int, 51)
	for i := range 50 {
		batches[i] = []int{40}
	}
	if n := plan.HistoryEvents(batches, 50, true); n > plan.MaxHistoryEvents/10 {
		t.Errorf("the longest search's worst course writes %d events", n)
	}
	s = parseSpec(t, `{"name":"s","target":{"kind":"sim"},"search":{"over":"concurrency","min":1,"max":50000,"slo":{"ttft_p95_ms":500}},"load":{"duration":"10s"}}`)
	if _, err := plan.Make(s, "s-20261203T000000Z-abcd", time.Now()); err == nil || !strings.HasPrefix(err.Error(), "plan: search.max: ") {
		t.Fatalf("err = %v, want search.max refused (50000 streams need 1250 slices)", err)
	}
}

// TestHistoryEvents checks the count by hand: one batch of one level of
// two slices, no step.
func TestHistoryEvents(t *testing.T) {
	// execution 2, Plan 5, Aggregate 5; Levels Map 4, Choice 2; iteration 2,
	// Workers 2, LevelDone 2; one round: Slices (a Distributed Map) 6
	// whatever its slices, Round Pass 2, MoreRounds Choice 2.
	for _, slices := range []int{2, 1000} {
		if got, want := plan.HistoryEvents([][]int{{slices}}, 0, false), 2+5+5+4+2+2+2+2+(6+2+2); got != want {
			t.Errorf("HistoryEvents of %d slices = %d, want %d", slices, got, want)
		}
	}
	// Worst: Plan and Aggregate retry 6 times (3 each); the Slices Map's
	// failure is caught (MapRunFailed, MapStateFailed, Exited: 6 as well).
	if got, want := plan.HistoryEvents([][]int{{2}}, 0, true), 2+5+5+4+2+2+2+2+(6+2+2)+2*18; got != want {
		t.Errorf("worst HistoryEvents = %d, want %d", got, want)
	}
	// A slice's child execution: ExecutionStarted, Work 5, its end; worst
	// with the worker's 4 retries (3 each).
	if got, want := plan.ChildHistoryEvents(false), 2+5; got != want {
		t.Errorf("ChildHistoryEvents = %d, want %d", got, want)
	}
	if got, want := plan.ChildHistoryEvents(true), 2+5+4*3; got != want {
		t.Errorf("worst ChildHistoryEvents = %d, want %d", got, want)
	}
}
