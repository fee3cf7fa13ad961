package sfnlocal

import (
	"bytes"
	"context"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

// EventType says what an Event reports.
type EventType string

// The events an Observer hears.
const (
	ExecutionStarted   EventType = "ExecutionStarted"
	ExecutionSucceeded EventType = "ExecutionSucceeded"
	ExecutionFailed    EventType = "ExecutionFailed" // Error, Cause, State, Path of the failure
	StateEntered       EventType = "StateEntered"
	StateExited        EventType = "StateExited" // Next is the next state, "" at an end
	// StateFailed: the state raised Error. Caught tells whether a Catcher
	// took it (Next is then the Catcher's Next); if not, it propagates.
	StateFailed EventType = "StateFailed"
	// StateRetry: the state raised Error and will run again after Delay;
	// RetryCount is the number of retries so far in this visit, this one
	// included.
	StateRetry            EventType = "StateRetry"
	MapIterationStarted   EventType = "MapIterationStarted" // State is the Map, MapIndex the item
	MapIterationSucceeded EventType = "MapIterationSucceeded"
	MapIterationFailed    EventType = "MapIterationFailed" // with Error, Cause
	// A Distributed Map's Map Run, in the history of the execution that
	// runs the Map (its items are child executions with their own
	// events, Execution set): MapRunArn names it.
	MapRunStarted   EventType = "MapRunStarted"
	MapRunSucceeded EventType = "MapRunSucceeded"
	MapRunFailed    EventType = "MapRunFailed" // with Error, Cause
)

// Event is one step of an execution, for progress displays. Events from
// concurrent Map iterations and Parallel branches interleave.
type Event struct {
	Type EventType
	Time time.Time // from the Clock
	// State is the state's name; Path locates it in Map iterations and
	// Parallel branches, e.g. "Levels[2]/Fanout[7]/Work" or "Both[branch 1]/Add".
	State string
	Path  string
	// StateType is the state's Type (Task, Map, Pass, Choice, …); empty
	// for the execution's own events.
	StateType string
	// MapIndex is the index of the innermost Map item being processed,
	// -1 outside any Map iteration.
	MapIndex int
	// Execution is the ARN of the child execution (a Distributed Map's
	// item) the event belongs to, "" for the execution Execute started.
	// Each execution has its own history.
	Execution string
	// MapRunArn names the Map Run of a MapRun event, and on a Distributed
	// Map child's ExecutionStarted, ExecutionSucceeded and ExecutionFailed
	// the Map Run the child belongs to (so that an Observer can count a
	// Map Run's items, as DescribeMapRun does).
	MapRunArn string
	// MapRunItems is the number of items (child executions) of the Map
	// Run, on MapRunStarted.
	MapRunItems int
	// Bytes is the state's input (StateEntered) or output (StateExited)
	// as Step Functions measures it against its 256 KiB limit: UTF-8 JSON.
	Bytes      int
	Error      string
	Cause      string
	Caught     bool
	Next       string
	RetryCount int
	Delay      time.Duration
}

// Func wraps a Go Lambda handler function (any signature lambda.Start
// accepts) as a lambda.Handler that sfnlocal may invoke concurrently: each
// invocation gets a fresh lambda.NewHandler, so decoding and encoding are
// the aws-lambda-go runtime's (with opts, such as
// lambda.WithDisallowUnknownFields), and the output is copied out of its
// pooled buffer before another invocation can reuse it.
func Func(fn any, opts ...lambda.Option) lambda.Handler {
	return &funcHandler{fn: fn, opts: opts}
}

type funcHandler struct {
	fn   any
	opts []lambda.Option
}

func (f *funcHandler) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	out, err := lambda.NewHandlerWithOptions(f.fn, f.opts...).Invoke(ctx, payload)
	return bytes.Clone(out), err
}
