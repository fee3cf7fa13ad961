package localrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/llmbench/llmbench/shared/sfnlocal"
	"github.com/llmbench/llmbench/shared/workflow"
)

// Strict decodes a handler's event with unknown fields disallowed, as the
// Lambda mains do (lambda.WithDisallowUnknownFields).
func Strict(fn any) lambda.Handler {
	return sfnlocal.Func(fn, lambda.WithDisallowUnknownFields(true))
}

// Steps are the workflow's steps, one per Lambda function.
type Steps struct {
	Planner    *workflow.Planner
	Worker     *workflow.Worker
	Sweeper    *workflow.Sweeper
	Aggregator *workflow.Aggregator
}

// Functions are the steps as Lambda handlers, by function name: what the
// local state machine calls where AWS would invoke a Lambda.
func Functions(s Steps) map[string]lambda.Handler {
	return map[string]lambda.Handler{
		"planner":    Strict(s.Planner.Plan),
		"worker":     Strict(s.Worker.Work),
		"sweeper":    Strict(s.Sweeper.Sweep),
		"aggregator": Strict(s.Aggregator.Aggregate),
	}
}

// Execution runs the workflow definition in this process.
type Execution struct {
	Definition []byte
	Vars       map[string]string // the ${…_arn} placeholders
	Steps
	// Functions, if set, replaces handlers by name (tests inject faults).
	Functions map[string]lambda.Handler
	Observer  func(sfnlocal.Event)
	// Clock, if set, replaces real time for Retry and Wait (tests).
	Clock sfnlocal.Clock
	// MapRunFiles reads the definition's Distributed Map's slice lists (its
	// ItemReader) and stores what it exports (its ResultWriter), where Step
	// Functions reads and writes S3: give workflow.NewMapRunFiles over the
	// steps' stores.
	MapRunFiles sfnlocal.Objects
	// OnPlan, if set, hears the plan as soon as the planner returns, and
	// the levels a sweep step adds as soon as it returns.
	OnPlan func(*workflow.PlanOutput)
	// Transitions, if set, counts the execution's state transitions for
	// the run's bill (give the Aggregator the same).
	Transitions *Transitions
}

// Run executes the definition with the spec as input and returns the
// aggregator's answer. If ctx is cancelled (a second Ctrl-C), the samples
// written so far are still aggregated.
func (e *Execution) Run(ctx context.Context, name string, specJSON []byte) (*workflow.AggregateOutput, error) {
	var planned *workflow.PlanOutput
	fns := Functions(e.Steps)
	fns["planner"] = Strict(func(ctx context.Context, ev workflow.PlanEvent) (*workflow.PlanOutput, error) {
		out, err := e.Planner.Plan(ctx, ev)
		planned = out
		if err == nil && e.OnPlan != nil {
			e.OnPlan(out)
		}
		return out, err
	})
	fns["sweeper"] = Strict(func(ctx context.Context, ev workflow.SweepEvent) (*workflow.PlanOutput, error) {
		out, err := e.Sweeper.Sweep(ctx, ev)
		if err == nil && e.OnPlan != nil {
			e.OnPlan(out)
		}
		return out, err
	})
	for n, h := range e.Functions {
		fns[n] = h
	}
	// The interpreter returns as soon as ctx is cancelled, while workers
	// may still be writing the rows of their cancelled requests: track
	// them, so that the aggregation below waits for every row.
	var inflight sync.WaitGroup
	work := fns["worker"]
	fns["worker"] = handlerFunc(func(ctx context.Context, payload []byte) ([]byte, error) {
		inflight.Add(1)
		defer inflight.Done()
		return work.Invoke(ctx, payload)
	})
	m, err := sfnlocal.Load(e.Definition, sfnlocal.Options{
		Vars:            e.Vars,
		Functions:       fns,
		Observer:        e.observer(name),
		Clock:           e.Clock,
		ResultWriter:    e.MapRunFiles,
		ItemReader:      e.MapRunFiles,
		StateMachineArn: StateMachineArn,
	})
	if err != nil {
		return nil, fmt.Errorf("localrun: load state machine: %w", err)
	}
	out, err := m.Execute(ctx, name, specJSON)
	if err != nil {
		err = plain(err)
		if ctx.Err() != nil && planned != nil {
			// Interrupted: keep what was measured, once every worker has
			// written its rows.
			inflight.Wait()
			res, aerr := e.Aggregator.Aggregate(context.WithoutCancel(ctx), workflow.AggregateEvent{Execution: ExecutionArn(name), RunID: planned.RunID, Output: planned.Output})
			if aerr != nil {
				return nil, errors.Join(err, aerr)
			}
			return res, err
		}
		return nil, err
	}
	var res workflow.AggregateOutput
	if err := json.Unmarshal(out, &res); err != nil {
		return nil, fmt.Errorf("localrun: execution output %s: %w", out, err)
	}
	return &res, nil
}

type handlerFunc func(ctx context.Context, payload []byte) ([]byte, error)

func (f handlerFunc) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	return f(ctx, payload)
}

// plain rewords an execution's failure for people: a step's own error
// message, named by the state it failed in, rather than the interpreter's
// Error and Cause with the Lambda error JSON inside.
func plain(err error) error {
	var ee *sfnlocal.ExecutionError
	if !errors.As(err, &ee) {
		return err
	}
	msg, ok := ee.LambdaMessage()
	if !ok {
		return err
	}
	where := ee.State
	if ee.Path != "" {
		where = ee.Path
	}
	return &StepError{State: where, Message: msg, err: err}
}

// StepError is a step (a Lambda function of the definition) that failed
// the execution, with the step's own message.
type StepError struct {
	State   string // where it failed, e.g. Plan or Levels[0]/Slices[1]/Work
	Message string
	err     error
}

func (e *StepError) Error() string { return e.State + ": " + e.Message }

// Unwrap gives the interpreter's error.
func (e *StepError) Unwrap() error { return e.err }
