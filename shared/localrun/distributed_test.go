package localrun_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/llmbench/llmbench/shared/plan"
	"github.com/llmbench/llmbench/shared/sfnlocal"
	"github.com/llmbench/llmbench/shared/simllm"
	"github.com/llmbench/llmbench/shared/store"
	"github.com/llmbench/llmbench/shared/workflow/workflowtest"
)

// TestThousandSlices runs one level of 1,000 slices × 4 streams (under the
// race detector, 100 slices) through the definition's Distributed Map
// against the instant simulated server: every request is one row, every
// slice has one record, no state's input or output comes near 256 KiB,
// and every execution's history (the parent's and each slice's child
// execution) is what plan.HistoryEvents and plan.ChildHistoryEvents
// count, far below 25,000.
func TestThousandSlices(t *testing.T) {
	slices := 1000
	if raceEnabled {
		slices = 100
	}
	sim := workflowtest.Sim(t, simllm.Options{Profile: mustProfile(t, "instant")})
	env := workflowtest.New(t, fmt.Sprintf(`{"name":"wide","target":{"kind":"sim","profile":"instant"},
	  "workload":{"input_tokens":8,"output_tokens":4},
	  "load":{"levels":[%d],"requests":%d,"slice_concurrency":4}}`, 4*slices, 8*slices), workflowtest.Options{BaseURL: sim.URL, PartRows: 100})
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
	if maxConc != slices {
		t.Errorf("at most %d slices ran at once, want all %d", maxConc, slices)
	}
	// The map run's results are in the store: manifest and SUCCEEDED file.
	keys, _ := env.Store.List(context.Background(), store.MapRunPrefix(out.RunID, 0))
	if len(keys) != 2 || !strings.HasSuffix(keys[0], "/SUCCEEDED_0.json") || !strings.HasSuffix(keys[1], "/manifest.json") {
		t.Errorf("map run files %v", keys)
	}
}

func mustProfile(t *testing.T, name string) simllm.Profile {
	t.Helper()
	p, err := simllm.LookupProfile(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
