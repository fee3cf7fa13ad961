package localrun_test

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/llmbench/llmbench/shared/localrun"
	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/simllm"
	"github.com/llmbench/llmbench/shared/workflow"
	"github.com/llmbench/llmbench/shared/workflow/workflowtest"
)

// TestCancelKeepsEveryRequest is two Ctrl-C with requests in flight: the
// execution is cancelled while every virtual user waits for a slow first
// token. The run still returns a summary, and every request the server
// received is a row, canceled.
func TestCancelKeepsEveryRequest(t *testing.T) {
	p, _ := simllm.LookupProfile("fixed")
	p.TTFT, p.ITL = time.Hour, time.Millisecond
	var received atomic.Int64
	sim := workflowtest.Sim(t, simllm.Options{Profile: p, Fault: func(n int64, r *http.Request) simllm.Fault {
		received.Add(1)
		return simllm.FaultNone
	}})
	env := workflowtest.New(t, `{"name":"cancel","target":{"kind":"sim","profile":"fixed"},
	  "workload":{"input_tokens":8,"output_tokens":4},"load":{"levels":[6],"duration":"1h","slice_concurrency":2}}`,
		workflowtest.Options{BaseURL: sim.URL})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for received.Load() < 6 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	out, err := execution(env, nil).Run(ctx, "cancel", env.Input)
	if !errors.Is(err, context.Canceled) && ctx.Err() == nil {
		t.Fatalf("err = %v, want the cancellation", err)
	}
	if out == nil {
		t.Fatalf("no summary after a cancel: %v", err)
	}
	rows := workflowtest.ReadRows(t, env.Store, out.RunID)
	if len(rows) != int(received.Load()) || len(rows) != 6 {
		t.Fatalf("%d rows for %d requests the server received; want 6 and 6", len(rows), received.Load())
	}
	for _, r := range rows {
		if r.Status != string(sample.StatusCanceled) {
			t.Errorf("row status %q, want canceled", r.Status)
		}
	}
	sum := workflowtest.ReadSummary(t, env.Store, out.RunID)
	if l := sum.Levels[0]; l.Requests != 6 || l.ErrorsByStatus["canceled"] != 6 {
		t.Errorf("summary: %d requests, by status %v; want 6 canceled", l.Requests, l.ErrorsByStatus)
	}
}

// TestStepErrorIsPlain: a step that fails the execution reaches the caller
// as the state and the step's own message, not the interpreter's JSON.
func TestStepErrorIsPlain(t *testing.T) {
	env := workflowtest.New(t, `{"name":"plain","target":{"kind":"sim","profile":"instant"},"load":{"levels":[1],"requests":1}}`,
		workflowtest.Options{BaseURL: workflowtest.Sim(t, simllm.Options{}).URL})
	exec := execution(env, nil)
	exec.Functions = map[string]lambda.Handler{"aggregator": localrun.Strict(func(context.Context, workflow.AggregateEvent) (*workflow.AggregateOutput, error) {
		return nil, errors.New("aggregate: the engine is down")
	})}
	_, err := exec.Run(context.Background(), "plain", env.Input)
	var se *localrun.StepError
	if !errors.As(err, &se) || err.Error() != "Aggregate: aggregate: the engine is down" {
		t.Fatalf("err = %v (%T); want the StepError \"Aggregate: aggregate: the engine is down\"", err, err)
	}
}
