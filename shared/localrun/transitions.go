package localrun

import (
	"context"
	"fmt"
	"sync"

	"github.com/llmbench/llmbench/shared/sfnlocal"
	"github.com/llmbench/llmbench/shared/workflow"
)

// Transitions counts the state transitions Step Functions would bill for
// the executions run in this process, from what the interpreter reports:
// one per state entered, one per retry (AWS: "each retry will be charged
// as an additional state transition"), in the execution and in any child
// execution it starts (a Distributed Map's items). It is the aggregator's
// workflow.TransitionCounter for a local run: give the same one to the
// Aggregator's config and to each Execution. Safe for concurrent use.
type Transitions struct {
	mu sync.Mutex
	n  map[string]int // by execution ARN
}

var _ workflow.TransitionCounter = (*Transitions)(nil)

// NewTransitions returns an empty counter.
func NewTransitions() *Transitions { return &Transitions{n: map[string]int{}} }

// counter starts counting an execution and returns its Observer.
func (t *Transitions) counter(execution string) func(sfnlocal.Event) {
	t.mu.Lock()
	t.n[execution] = 0
	t.mu.Unlock()
	return func(e sfnlocal.Event) {
		if n := transitions(e); n > 0 {
			t.mu.Lock()
			t.n[execution] += n
			t.mu.Unlock()
		}
	}
}

// transitions is how many billed transitions an event is.
func transitions(e sfnlocal.Event) int {
	switch e.Type {
	case sfnlocal.StateEntered, sfnlocal.StateRetry:
		return 1
	}
	return 0
}

// Transitions returns the transitions counted so far for an execution
// this process ran.
// Child executions are in the count: mapRuns is always 0.
func (t *Transitions) Transitions(_ context.Context, execution string) (count, mapRuns int, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n, ok := t.n[execution]
	if !ok {
		return 0, 0, fmt.Errorf("localrun: transitions of %s: not an execution of this process", execution)
	}
	return n, 0, nil
}

// StateMachineArn is the ARN the local interpreter gives the definition.
const StateMachineArn = "arn:aws:states:local:000000000000:stateMachine:llmbench"

// ExecutionArn is the ARN ($$.Execution.Id) of the local execution name.
func ExecutionArn(name string) string {
	return "arn:aws:states:local:000000000000:execution:llmbench:" + name
}

// observer is the Observer of the execution name: e.Observer, after the
// transition count when e has one.
func (e *Execution) observer(name string) func(sfnlocal.Event) {
	if e.Transitions == nil {
		return e.Observer
	}
	count, next := e.Transitions.counter(ExecutionArn(name)), e.Observer
	return func(ev sfnlocal.Event) {
		count(ev)
		if next != nil {
			next(ev)
		}
	}
}
