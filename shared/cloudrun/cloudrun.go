// Package cloudrun starts a benchmark on the deployed state machine and
// follows it to the end: the CLI's `llmbench run --cloud`.
package cloudrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/llmbench/llmbench/shared/store"
)

// API is the part of the Step Functions client the runner calls.
type API interface {
	StartExecution(ctx context.Context, in *sfn.StartExecutionInput, opts ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error)
	DescribeExecution(ctx context.Context, in *sfn.DescribeExecutionInput, opts ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error)
	GetExecutionHistory(ctx context.Context, in *sfn.GetExecutionHistoryInput, opts ...func(*sfn.Options)) (*sfn.GetExecutionHistoryOutput, error)
	// DescribeMapRun counts the slices of a round: they are the child
	// executions of the Slices Distributed Map, whose events are not in
	// the execution's history.
	DescribeMapRun(ctx context.Context, in *sfn.DescribeMapRunInput, opts ...func(*sfn.Options)) (*sfn.DescribeMapRunOutput, error)
}

// Progress is what the runner has seen of an execution so far. The slice
// counts are the Map Runs' item counts (DescribeMapRun), summed over every
// round of every level so far.
type Progress struct {
	ExecutionArn  string
	Status        string
	LevelsDone    int // LevelDone states exited: levels whose every round ended
	SlicesRunning int // slices running now
	SlicesDone    int // slices that ended: succeeded, failed, timed out or aborted
	SlicesFailed  int // of those, the ones that failed, timed out or were aborted
	// Retries counts the failed Lambda invocations of the execution's own
	// Tasks (planner, sweeper, aggregator), retried or caught; the
	// workers' are in the slices' histories.
	Retries int
}

// Result is how the execution ended.
type Result struct {
	Progress
	Output string // the execution's output (the aggregator's answer) when it succeeded
}

// ErrExecutionFailed wraps an execution that did not succeed.
var ErrExecutionFailed = errors.New("cloudrun: execution did not succeed")

// Runner starts and follows executions.
type Runner struct {
	API      API
	Poll     time.Duration    // default 2 s
	OnUpdate func(p Progress) // called after every poll, optional
}

// Start starts an execution with the spec as its input.
func (r *Runner) Start(ctx context.Context, stateMachineArn string, spec []byte, name string) (string, error) {
	in := &sfn.StartExecutionInput{StateMachineArn: aws.String(stateMachineArn), Input: aws.String(string(spec))}
	if name != "" {
		in.Name = aws.String(name)
	}
	out, err := r.API.StartExecution(ctx, in)
	if err != nil {
		return "", fmt.Errorf("cloudrun: start execution on %s: %w", stateMachineArn, err)
	}
	return aws.ToString(out.ExecutionArn), nil
}

// Follow polls the execution until it ends, reporting progress read from
// its history. The error wraps ErrExecutionFailed, with Step Functions'
// error and cause, when the execution failed, timed out or was aborted.
func (r *Runner) Follow(ctx context.Context, executionArn string) (*Result, error) {
	poll := r.Poll
	if poll <= 0 {
		poll = 2 * time.Second
	}
	p := Progress{ExecutionArn: executionArn}
	var seen int64 // the highest history event id counted so far
	var runs mapRuns
	for {
		// Describe first: when it says the execution ended, the history
		// read after it is complete.
		d, err := r.API.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(executionArn)})
		if err != nil {
			return nil, fmt.Errorf("cloudrun: describe %s: %w", executionArn, err)
		}
		// Read the history newest first, only down to the events already
		// counted: a poll costs one call however long the history is (a
		// forward token cannot be kept: the last page has none).
		fresh, err := r.newEvents(ctx, executionArn, seen)
		if err != nil {
			return nil, err
		}
		for i := len(fresh) - 1; i >= 0; i-- {
			count(&p, fresh[i])
			runs.event(fresh[i])
			if fresh[i].Id > seen {
				seen = fresh[i].Id
			}
		}
		ended := d.Status != types.ExecutionStatusRunning && d.Status != types.ExecutionStatusPendingRedrive
		if err := runs.poll(ctx, r.API, ended); err != nil {
			return nil, err
		}
		p.SlicesRunning, p.SlicesDone, p.SlicesFailed = runs.counts()
		p.Status = string(d.Status)
		if r.OnUpdate != nil {
			r.OnUpdate(p)
		}
		switch d.Status {
		case types.ExecutionStatusRunning, types.ExecutionStatusPendingRedrive:
		case types.ExecutionStatusSucceeded:
			return &Result{Progress: p, Output: aws.ToString(d.Output)}, nil
		default:
			return &Result{Progress: p}, fmt.Errorf("%w: %s: %s: %s", ErrExecutionFailed, d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
		}
		select {
		case <-ctx.Done():
			return &Result{Progress: p}, ctx.Err()
		case <-time.After(poll):
		}
	}
}

// newEvents returns the history events with an id above seen, newest first.
func (r *Runner) newEvents(ctx context.Context, executionArn string, seen int64) ([]types.HistoryEvent, error) {
	var fresh []types.HistoryEvent
	var token *string
	for {
		h, err := r.API.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{
			ExecutionArn: aws.String(executionArn), NextToken: token, MaxResults: 1000,
			ReverseOrder: true, IncludeExecutionData: aws.Bool(false),
		})
		if err != nil {
			return nil, fmt.Errorf("cloudrun: history of %s: %w", executionArn, err)
		}
		for _, ev := range h.Events {
			if ev.Id <= seen {
				return fresh, nil
			}
			fresh = append(fresh, ev)
		}
		if h.NextToken == nil {
			return fresh, nil
		}
		token = h.NextToken
	}
}

// count updates progress from one history event. The state names are
// those of statemachine/benchmark.asl.json: a level's Slices Map runs
// once per round, its LevelDone Pass state once per level.
func count(p *Progress, ev types.HistoryEvent) {
	switch ev.Type {
	case types.HistoryEventTypePassStateExited:
		if d := ev.StateExitedEventDetails; d != nil && aws.ToString(d.Name) == "LevelDone" {
			p.LevelsDone++
		}
	case types.HistoryEventTypeTaskFailed, types.HistoryEventTypeLambdaFunctionFailed, types.HistoryEventTypeTaskTimedOut:
		p.Retries++
	}
}

// SummaryKey extracts the summary.json key from the execution's output.
func SummaryKey(output string) (runID, key string, err error) {
	var o struct {
		RunID   string `json:"run_id"`
		Summary string `json:"summary"`
	}
	if err := json.Unmarshal([]byte(output), &o); err != nil || o.Summary == "" {
		return "", "", fmt.Errorf("cloudrun: execution output has no summary key: %q", output)
	}
	if o.Summary != store.SummaryKey(o.RunID) {
		return "", "", fmt.Errorf("cloudrun: execution output names summary %q, not run %s's %q", o.Summary, o.RunID, store.SummaryKey(o.RunID))
	}
	return o.RunID, o.Summary, nil
}
