package cloudrun

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
)

// mapRuns follows the execution's Map Runs, one per round of a level's
// Slices Distributed Map: the history says when one starts and ends,
// DescribeMapRun how many of its slices run, ended and failed.
type mapRuns struct {
	open []*mapRun // started and not yet counted for good
	// done and failed add up the final counts of the Map Runs that ended.
	done, failed int
}

// mapRun is a Map Run still followed.
type mapRun struct {
	arn     string
	startID int64 // the id of its MapRunStarted event
	ended   bool  // its MapRunSucceeded, MapRunFailed or MapRunAborted has been read
	// From its last DescribeMapRun.
	running, done, failed int
}

// event notes a Map Run starting or ending.
func (m *mapRuns) event(ev types.HistoryEvent) {
	switch ev.Type {
	case types.HistoryEventTypeMapRunStarted:
		if d := ev.MapRunStartedEventDetails; d != nil && aws.ToString(d.MapRunArn) != "" {
			m.open = append(m.open, &mapRun{arn: aws.ToString(d.MapRunArn), startID: ev.Id})
		}
	case types.HistoryEventTypeMapRunSucceeded, types.HistoryEventTypeMapRunFailed, types.HistoryEventTypeMapRunAborted:
		// The end names no Map Run: it is the one whose start the event
		// follows (previousEventId) or, failing that, the only one open.
		// An end left unattributed is found by DescribeMapRun's status.
		var running []*mapRun
		for _, r := range m.open {
			if r.ended {
				continue
			}
			if r.startID == ev.PreviousEventId {
				r.ended = true
				return
			}
			running = append(running, r)
		}
		if len(running) == 1 {
			running[0].ended = true
		}
	}
}

// poll describes every Map Run followed. One that has ended (by its end
// event, its status, or the execution's end) is described once after its
// end and its counts are then final: they join the totals and it is no
// longer followed.
func (m *mapRuns) poll(ctx context.Context, api API, executionEnded bool) error {
	var open []*mapRun
	for _, r := range m.open {
		d, err := api.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: aws.String(r.arn)})
		if err != nil {
			return fmt.Errorf("cloudrun: describe map run %s: %w", r.arn, err)
		}
		if c := d.ItemCounts; c != nil {
			r.running = int(c.Running)
			r.done = int(c.Succeeded + c.Failed + c.TimedOut + c.Aborted)
			r.failed = int(c.Failed + c.TimedOut + c.Aborted)
		}
		if r.ended || d.Status != types.MapRunStatusRunning || executionEnded {
			m.done += r.done
			m.failed += r.failed
			continue
		}
		open = append(open, r)
	}
	m.open = open
	return nil
}

// counts are the slices running now, and those that ended and failed in
// every Map Run so far.
func (m *mapRuns) counts() (running, done, failed int) {
	done, failed = m.done, m.failed
	for _, r := range m.open {
		running += r.running
		done += r.done
		failed += r.failed
	}
	return running, done, failed
}
