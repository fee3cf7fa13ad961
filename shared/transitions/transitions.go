// Package transitions counts the state transitions Step Functions bills
// for a Standard execution, from the execution's own history
// (GetExecutionHistory): one per state entered (every *StateEntered
// event), and one per retry (AWS: "each retry will be charged as an
// additional state transition"), a retry being a Task attempt scheduled
// after the first in its state. The aggregator counts its own execution
// while it runs (its Aggregate state, the last, already entered).
//
// Why the history and not a count computed from the definition: only the
// history has the retries of attempts whose code never ran (a Lambda
// service error, throttling), and reading it costs no transitions and no
// charge (at most 25 pages of 1,000 events). A Distributed Map's child
// executions keep histories of their own: they are not read (one call per
// child would take minutes at Step Functions' history rate): Transitions
// returns how many map runs the history started, for the caller to count
// their children otherwise.
package transitions

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// API is the part of the Step Functions client a Counter uses; *sfn.Client
// satisfies it.
type API interface {
	GetExecutionHistory(ctx context.Context, in *sfn.GetExecutionHistoryInput, optFns ...func(*sfn.Options)) (*sfn.GetExecutionHistoryOutput, error)
}

// Counter reads executions' histories.
type Counter struct{ api API }

// New returns a Counter over api.
func New(api API) *Counter { return &Counter{api: api} }

// maxPages bounds the pages read: a Standard execution has at most
// 25,000 events, 1,000 a page.
const maxPages = 30

// Transitions counts the billed transitions of an execution's history so
// far, and the Distributed Map runs it started, whose child executions'
// transitions are not in the count.
func (c *Counter) Transitions(ctx context.Context, execution string) (count, mapRuns int, err error) {
	in := &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(execution), MaxResults: 1000, IncludeExecutionData: aws.Bool(false)}
	var n Tally
	for page := 0; ; page++ {
		if page == maxPages {
			return 0, 0, fmt.Errorf("transitions: history of %s: more than %d pages", execution, maxPages)
		}
		out, err := c.api.GetExecutionHistory(ctx, in)
		if err != nil {
			return 0, 0, fmt.Errorf("transitions: history of %s: %w", execution, err)
		}
		for _, e := range out.Events {
			n.Add(string(e.Type))
		}
		if aws.ToString(out.NextToken) == "" {
			break
		}
		in.NextToken = out.NextToken
	}
	return n.Count(), n.MapRuns, nil
}

// Tally counts history events by the billing rule.
type Tally struct {
	Entered   int // *StateEntered events
	Tasks     int // TaskStateEntered events
	Scheduled int // task attempts: TaskScheduled, LambdaFunctionScheduled, ActivityScheduled
	MapRuns   int // MapRunStarted events
}

// Add counts one event of type t.
func (n *Tally) Add(t string) {
	switch {
	case t == string(types.HistoryEventTypeTaskStateEntered):
		n.Entered++
		n.Tasks++
	case strings.HasSuffix(t, "StateEntered"):
		n.Entered++
	case t == string(types.HistoryEventTypeTaskScheduled), t == string(types.HistoryEventTypeLambdaFunctionScheduled),
		t == string(types.HistoryEventTypeActivityScheduled):
		n.Scheduled++
	case t == string(types.HistoryEventTypeMapRunStarted):
		n.MapRuns++
	}
}

// Count is the billed transitions: every state entered, plus every task
// attempt after a state's first.
func (n Tally) Count() int { return n.Entered + max(0, n.Scheduled-n.Tasks) }
