package workflow_test

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/simllm"
	"github.com/llmbench/llmbench/shared/store"
	"github.com/llmbench/llmbench/shared/summary"
	"github.com/llmbench/llmbench/shared/workflow"
	"github.com/llmbench/llmbench/shared/workflow/workflowtest"
)

// newEnv builds the steps over a temporary store and a fixed-profile
// simulated server.
func newEnv(t *testing.T, doc string) *workflowtest.Env {
	t.Helper()
	sim := workflowtest.Sim(t, simllm.Options{})
	return workflowtest.New(t, doc, workflowtest.Options{BaseURL: sim.URL})
}

// TestWorkerStopsBeforeDeadline: a worker whose context has a deadline (a
// Lambda's) stops issuing FlushMargin before it, lets in-flight requests
// end, and writes every row.
func TestWorkerStopsBeforeDeadline(t *testing.T) {
	f := newEnv(t, `{"name":"deadline","target":{"kind":"sim","profile":"fixed"},
	  "workload":{"input_tokens":8,"output_tokens":4},"load":{"levels":[3],"duration":"1h"}}`)
	ctx := context.Background()
	plan, err := f.Planner.Plan(ctx, workflow.PlanEvent{Spec: f.Input})
	if err != nil {
		t.Fatal(err)
	}
	dctx, cancel := context.WithTimeout(ctx, workflow.FlushMargin+300*time.Millisecond)
	defer cancel()
	start := time.Now()
	out, err := f.Worker.Work(dctx, workflow.WorkEvent{RunID: plan.RunID, Output: plan.Output, LevelIndex: 0, Worker: 0})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("worker ran %v: it did not stop at the flush margin", took)
	}
	b, err := f.Store.Get(ctx, store.SliceRecordKey(plan.RunID, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	var rec workflow.SliceRecord
	json.Unmarshal(b, &rec)
	rows := workflowtest.ReadRows(t, f.Store, plan.RunID)
	if !rec.Done || rec.Drained != "deadline" || out.Requests == 0 || len(rows) != out.Requests {
		t.Errorf("record done=%v drained=%q, %d requests, %d rows", rec.Done, rec.Drained, out.Requests, len(rows))
	}
	for _, r := range rows {
		if r.Status != "ok" {
			t.Errorf("a request in flight at the drain ended %s, want ok", r.Status)
		}
	}
	// The summary warns that the slice stopped early.
	if _, err := f.Aggregator.Aggregate(ctx, workflow.AggregateEvent{RunID: plan.RunID, Output: plan.Output}); err != nil {
		t.Fatal(err)
	}
	sum := workflowtest.ReadSummary(t, f.Store, plan.RunID)
	if len(sum.SliceWarnings) != 1 || sum.SliceWarnings[0].StoppedEarly != "deadline" {
		t.Errorf("slice warnings %+v; want one, stopped early at the deadline", sum.SliceWarnings)
	}
}

// TestLateSliceWarned: a worker that arrives after its level's start
// instant still runs, and the summary says how late it was.
func TestLateSliceWarned(t *testing.T) {
	f := newEnv(t, `{"name":"late","target":{"kind":"sim","profile":"fixed"},
	  "workload":{"input_tokens":8,"output_tokens":4},"load":{"levels":[2],"requests":4}}`)
	ctx := context.Background()
	plan, err := f.Planner.Plan(ctx, workflow.PlanEvent{Spec: f.Input})
	if err != nil {
		t.Fatal(err)
	}
	entered := time.Now().Add(-3 * time.Second).UTC().Format(time.RFC3339Nano)
	out, err := f.Worker.Work(ctx, workflow.WorkEvent{RunID: plan.RunID, Output: plan.Output, Entered: entered})
	if err != nil || out.Requests != 4 {
		t.Fatalf("late worker: %+v, %v", out, err)
	}
	if _, err := f.Aggregator.Aggregate(ctx, workflow.AggregateEvent{RunID: plan.RunID, Output: plan.Output}); err != nil {
		t.Fatal(err)
	}
	sum := workflowtest.ReadSummary(t, f.Store, plan.RunID)
	if len(sum.SliceWarnings) != 1 || sum.SliceWarnings[0].LateMs < 2900 || sum.SliceWarnings[0].LateMs > 60000 {
		t.Errorf("slice warnings %+v; want one about 3 s late", sum.SliceWarnings)
	}
}

// TestCorruptRecordIsARetry: a slice record that cannot be decoded (a
// worker killed while writing it) is an interrupted attempt: the part files
// it left are deleted before the slice runs again, so every request is
// counted once, and the summary lists the slice as retried.
func TestCorruptRecordIsARetry(t *testing.T) {
	f := newEnv(t, `{"name":"corrupt","target":{"kind":"sim","profile":"fixed"},
	  "workload":{"input_tokens":8,"output_tokens":4},"load":{"levels":[2],"requests":6}}`)
	ctx := context.Background()
	pl, err := f.Planner.Plan(ctx, workflow.PlanEvent{Spec: f.Input})
	if err != nil {
		t.Fatal(err)
	}
	// What the killed attempt left: half a record and a part of 4 rows.
	if err := f.Store.Put(ctx, store.SliceRecordKey(pl.RunID, 0, 0), []byte(`{"attempt": 1, "done": fal`)); err != nil {
		t.Fatal(err)
	}
	stale := make([]sample.Row, 4)
	for i := range stale {
		stale[i] = sample.Row{RunID: pl.RunID, Level: 2, Worker: 0, Seq: int64(i), Status: "ok"}
	}
	var buf bytes.Buffer
	if err := sample.WriteParquet(&buf, stale); err != nil {
		t.Fatal(err)
	}
	if err := f.Store.Put(ctx, store.SampleKey(time.Now(), pl.RunID, 0, 0, 7), buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	out, err := f.Worker.Work(ctx, workflow.WorkEvent{RunID: pl.RunID, Output: pl.Output})
	if err != nil {
		t.Fatal(err)
	}
	if out.Replayed || out.Requests != 6 {
		t.Fatalf("work output %+v: want 6 requests run anew", out)
	}
	var rec workflow.SliceRecord
	b, _ := f.Store.Get(ctx, store.SliceRecordKey(pl.RunID, 0, 0))
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Attempt != 2 || rec.DiscardedParts != 1 || rec.Unreadable == "" || !rec.Done {
		t.Errorf("record %+v: want attempt 2, 1 discarded part, the decode error kept", rec)
	}
	rows := workflowtest.ReadRows(t, f.Store, pl.RunID)
	if len(rows) != 6 {
		t.Errorf("%d rows, want the 6 requests issued (the stale part must be gone)", len(rows))
	}
	if _, err := f.Aggregator.Aggregate(ctx, workflow.AggregateEvent{RunID: pl.RunID, Output: pl.Output}); err != nil {
		t.Fatal(err)
	}
	sum := workflowtest.ReadSummary(t, f.Store, pl.RunID)
	if l := sum.Levels[0]; l.Requests != 6 {
		t.Errorf("summary counts %d requests, want 6", l.Requests)
	}
	if len(sum.RetriedSlices) != 1 || sum.RetriedSlices[0].Attempts != 2 || sum.RetriedSlices[0].DiscardedParts != 1 {
		t.Errorf("retried slices %+v; want the slice, 2 attempts, 1 discarded part", sum.RetriedSlices)
	}
}

// TestAggregateSaysIncomplete: a slice whose record never says done (its
// worker was killed after flushing some parts) and a slice with no record
// at all make the summary list both as unfinished, while the figures cover
// the rows on disk.
func TestAggregateSaysIncomplete(t *testing.T) {
	f := newEnv(t, `{"name":"killed","target":{"kind":"sim","profile":"fixed"},
	  "workload":{"input_tokens":8,"output_tokens":4},"load":{"levels":[2],"requests":6,"slice_concurrency":1}}`)
	ctx := context.Background()
	pl, err := f.Planner.Plan(ctx, workflow.PlanEvent{Spec: f.Input})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Worker.Work(ctx, workflow.WorkEvent{RunID: pl.RunID, Output: pl.Output, Worker: 0}); err != nil {
		t.Fatal(err)
	}
	// Worker 0's record as a killed worker leaves it: started, 3 rows flushed.
	key := store.SliceRecordKey(pl.RunID, 0, 0)
	rec := workflow.SliceRecord{Attempt: 1, Started: time.Now(), SliceResult: workflow.SliceResult{Requests: 3}}
	b, _ := json.Marshal(rec)
	if err := f.Store.Put(ctx, key, b); err != nil {
		t.Fatal(err)
	}
	// Worker 1 never ran.
	if _, err := f.Aggregator.Aggregate(ctx, workflow.AggregateEvent{RunID: pl.RunID, Output: pl.Output}); err != nil {
		t.Fatal(err)
	}
	sum := workflowtest.ReadSummary(t, f.Store, pl.RunID)
	want := []summary.UnfinishedSlice{{Level: 0, Worker: 0, Started: true, Rows: 3}, {Level: 0, Worker: 1}}
	if !reflect.DeepEqual(sum.Unfinished, want) {
		t.Errorf("unfinished %+v, want %+v", sum.Unfinished, want)
	}
	if l := sum.Levels[0]; l.Requests != 3 {
		t.Errorf("level figures over %d requests, want the 3 on disk", l.Requests)
	}
}
