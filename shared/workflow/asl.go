package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/llmbench/llmbench/shared/sfnlocal"
)

// Functions are the three steps as Lambda handlers, by function name: what
// the local state machine calls where AWS would invoke a Lambda.
func (s *Steps) Functions() map[string]lambda.Handler {
	return map[string]lambda.Handler{
		"planner":    sfnlocal.Func(s.Plan),
		"worker":     sfnlocal.Func(s.Work),
		"aggregator": sfnlocal.Func(s.Aggregate),
	}
}

// Execution runs the workflow definition in this process.
type Execution struct {
	Definition []byte
	Vars       map[string]string // the ${…_arn} placeholders
	Steps      *Steps
	Observer   func(sfnlocal.Event)
	// Clock, if set, replaces real time for Retry and Wait (tests).
	Clock sfnlocal.Clock
	// OnPlan, if set, hears the plan as soon as the planner returns.
	OnPlan func(*PlanOutput)
}

// Run executes the definition with the spec as input and returns the
// aggregator's answer. If ctx is cancelled (a second Ctrl-C), the samples
// written so far are still aggregated.
func (e *Execution) Run(ctx context.Context, name string, specJSON []byte) (*AggregateOutput, error) {
	var planned *PlanOutput
	plan := e.Steps.Plan
	fns := e.Steps.Functions()
	fns["planner"] = sfnlocal.Func(func(ctx context.Context, ev PlanEvent) (*PlanOutput, error) {
		out, err := plan(ctx, ev)
		planned = out
		if err == nil && e.OnPlan != nil {
			e.OnPlan(out)
		}
		return out, err
	})
	m, err := sfnlocal.Load(e.Definition, sfnlocal.Options{
		Vars:            e.Vars,
		Functions:       fns,
		Observer:        e.Observer,
		Clock:           e.Clock,
		StateMachineArn: "arn:aws:states:local:000000000000:stateMachine:llmbench",
	})
	if err != nil {
		return nil, fmt.Errorf("workflow: load state machine: %w", err)
	}
	out, err := m.Execute(ctx, name, specJSON)
	if err != nil {
		if ctx.Err() != nil && planned != nil {
			// Interrupted: keep what was measured.
			res, aerr := e.Steps.Aggregate(context.WithoutCancel(ctx), AggregateEvent{RunID: planned.RunID, Output: planned.Output})
			if aerr != nil {
				return nil, errors.Join(err, aerr)
			}
			return res, err
		}
		return nil, err
	}
	var res AggregateOutput
	if err := json.Unmarshal(out, &res); err != nil {
		return nil, fmt.Errorf("workflow: execution output %s: %w", out, err)
	}
	return &res, nil
}
