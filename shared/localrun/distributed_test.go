package localrun_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/plan"
	"github.com/llmbench/llmbench/shared/sfnlocal"
	"github.com/llmbench/llmbench/shared/simllm"
	"github.com/llmbench/llmbench/shared/store"
	"github.com/llmbench/llmbench/shared/workflow/workflowtest"
)

// TestThousandSlices runs one level of 1,024 slices × 4 streams (under the
// race detector, 100 slices) through the definition's Distributed Map,
// its slice list read by its ItemReader,
// against the instant simulated server: every request is one row, every
// slice has one record, no state's input or output comes near 256 KiB,
// and every execution's history (the parent's and each slice's child
// execution) is what plan.HistoryEvents and plan.ChildHistoryEvents
// count, far below 25,000.
func TestThousandSlices(t *testing.T) {
	slices := 1024 // past the 1,000 items States.ArrayRange could list
	if raceEnabled {
		slices = 100
	}
	// The server holds the first 4 × slices requests until all have
	// arrived: every stream of every slice in flight at once, which only a
	// Map that runs all the level's slices together can reach. (Counting
	// Work states entered at once instead depends on how fast the machine
	// starts them: on a busy CI machine the first slices of the instant
	// server finished before the last were entered.)
	gate := newGate(4*slices, time.Minute)
	sim := workflowtest.Sim(t, simllm.Options{Profile: mustProfile(t, "instant"),
		Fault: func(int64, *http.Request) simllm.Fault { gate.wait(); return simllm.FaultNone }})
	env := workflowtest.New(t, fmt.Sprintf(`{"name":"wide","target":{"kind":"sim","profile":"instant"},
	  "workload":{"input_tokens":8,"output_tokens":4},
	  "load":{"levels":[%d],"requests":%d,"slice_concurrency":4,"max_workers":%d}}`, 4*slices, 8*slices, slices), workflowtest.Options{BaseURL: sim.URL, PartRows: 100})
	var (
		h       sfnlocal.History
		biggest atomic.Int64
		mu      sync.Mutex
		maxConc int
		running int
	)
	exec := execution(env, nil)
	exec.Observer = func(e sfnlocal.Event) {
		h.Observe(e)
		trackBytes(&biggest, e.Bytes)
		if e.State == "Work" { // serialized by the interpreter
			mu.Lock()
			switch e.Type {
			case sfnlocal.StateEntered:
				running++
				maxConc = max(maxConc, running)
			case sfnlocal.StateExited, sfnlocal.StateFailed:
				running--
			}
			mu.Unlock()
		}
	}
	out, err := exec.Run(context.Background(), "wide", env.Input)
	if err != nil {
		t.Fatal(err)
	}
	rows := workflowtest.ReadRows(t, env.Store, out.RunID)
	sum := workflowtest.ReadSummary(t, env.Store, out.RunID)
	l := sum.Levels[0]
	if len(rows) != l.Requests+l.WarmupRequests || out.Requests != l.Requests || l.Requests != 8*slices || l.OK != l.Requests {
		t.Errorf("%d rows, %d requests (%d ok), execution output %d; want %d, every request one row", len(rows), l.Requests, l.OK, out.Requests, 8*slices)
	}
	records, err := env.Store.List(context.Background(), store.RunKey(out.RunID, "slices/level=0/"))
	if err != nil || len(records) != slices {
		t.Errorf("%d slice records (%v), want %d", len(records), err, slices)
	}
	if len(sum.FailedSlices) != 0 || len(sum.Unfinished) != 0 || l.SlicesFailed != nil {
		t.Errorf("failed %v, unfinished %v, threshold %v", sum.FailedSlices, sum.Unfinished, l.SlicesFailed)
	}
	t.Logf("%d slices: largest state input or output %d bytes; parent history %d events; Work at once up to %d", slices, biggest.Load(), h.Events(), maxConc)
	if biggest.Load() > 32<<10 {
		t.Errorf("largest state payload %d bytes: not far below the 256 KiB limit", biggest.Load())
	}
	if want := plan.HistoryEvents([][]int{{slices}}, 0, false); h.Events() != want {
		t.Errorf("the parent wrote %d history events, plan.HistoryEvents counts %d", h.Events(), want)
	}
	children := h.Children()
	if len(children) != slices {
		t.Errorf("%d child executions, want %d", len(children), slices)
	}
	for arn, n := range children {
		if n != plan.ChildHistoryEvents(false) || !strings.Contains(arn, ":execution:llmbench/Slices:") {
			t.Errorf("child %s wrote %d history events, plan.ChildHistoryEvents counts %d", arn, n, plan.ChildHistoryEvents(false))
			break
		}
	}
	// MaxConcurrency is the level's slices: all of them ran at once.
	if !gate.opened() {
		t.Errorf("the server never had %d requests in flight at once (Work up to %d at once): not every slice ran together", 4*slices, maxConc)
	}
	// The map run's results are in the store, manifest and SUCCEEDED file,
	// beside the slice list its ItemReader read.
	keys, _ := env.Store.List(context.Background(), store.MapRunPrefix(out.RunID, 0))
	if len(keys) != 3 || !strings.HasSuffix(keys[0], "/SUCCEEDED_0.json") || !strings.HasSuffix(keys[1], "/manifest.json") || keys[2] != store.MapRunItemsKey(out.RunID, 0) {
		t.Errorf("map run files %v", keys)
	}
}

// gate holds callers until n have arrived, or until timeout has passed
// since the first; opened reports whether n arrived in that time.
type gate struct {
	n        int
	timeout  time.Duration
	mu       sync.Mutex
	arrived  int
	deadline time.Time // set by the first arrival
	full     chan struct{}
	ok       bool
}

func newGate(n int, timeout time.Duration) *gate {
	return &gate{n: n, timeout: timeout, full: make(chan struct{})}
}

func (g *gate) wait() {
	g.mu.Lock()
	g.arrived++
	if g.arrived == 1 {
		g.deadline = time.Now().Add(g.timeout)
	}
	left := time.Until(g.deadline)
	if g.arrived == g.n && left > 0 {
		g.ok = true
		close(g.full)
	}
	held := g.arrived <= g.n && left > 0
	g.mu.Unlock()
	if !held {
		return
	}
	t := time.NewTimer(left)
	defer t.Stop()
	select {
	case <-g.full:
	case <-t.C:
	}
}

func (g *gate) opened() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.ok
}

func mustProfile(t *testing.T, name string) simllm.Profile {
	t.Helper()
	p, err := simllm.LookupProfile(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
