package cloudrun_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/llmbench/llmbench/shared/cloudrun"
)

const execArn = "arn:aws:states:us-east-1:123456789012:execution:llmbench:e"

// Map Run ARNs of the Slices Map.
const (
	runA = "arn:aws:states:us-east-1:123456789012:mapRun:llmbench/Slices:a"
	runB = "arn:aws:states:us-east-1:123456789012:mapRun:llmbench/Slices:b"
)

// poll is what the scripted API answers in one poll of the runner.
type poll struct {
	status types.ExecutionStatus
	events []types.HistoryEvent // added to the history before this poll
	runs   map[string]mapRunNow // DescribeMapRun's answers, by ARN
}

type mapRunNow struct {
	status types.MapRunStatus
	items  types.MapRunItemCounts
}

// script is a Step Functions client that plays polls, one per
// DescribeExecution (the runner's first call of a poll), and records the
// Map Runs described in each.
type script struct {
	polls     []poll
	n         int // the poll being played, from 1
	history   []types.HistoryEvent
	described [][]string // by poll
}

var _ cloudrun.API = (*script)(nil)

func (s *script) StartExecution(context.Context, *sfn.StartExecutionInput, ...func(*sfn.Options)) (*sfn.StartExecutionOutput, error) {
	return nil, errors.New("script: not started here")
}

func (s *script) DescribeExecution(_ context.Context, in *sfn.DescribeExecutionInput, _ ...func(*sfn.Options)) (*sfn.DescribeExecutionOutput, error) {
	if s.n == len(s.polls) {
		return nil, fmt.Errorf("script: poll %d after the last", s.n+1)
	}
	p := s.polls[s.n]
	s.n++
	s.history = append(s.history, p.events...)
	s.described = append(s.described, nil)
	return &sfn.DescribeExecutionOutput{ExecutionArn: in.ExecutionArn, Status: p.status, Output: aws.String("{}")}, nil
}

// GetExecutionHistory answers newest first, in one page.
func (s *script) GetExecutionHistory(context.Context, *sfn.GetExecutionHistoryInput, ...func(*sfn.Options)) (*sfn.GetExecutionHistoryOutput, error) {
	out := &sfn.GetExecutionHistoryOutput{}
	for i := len(s.history) - 1; i >= 0; i-- {
		out.Events = append(out.Events, s.history[i])
	}
	return out, nil
}

func (s *script) DescribeMapRun(_ context.Context, in *sfn.DescribeMapRunInput, _ ...func(*sfn.Options)) (*sfn.DescribeMapRunOutput, error) {
	arn := aws.ToString(in.MapRunArn)
	s.described[s.n-1] = append(s.described[s.n-1], arn)
	r, ok := s.polls[s.n-1].runs[arn]
	if !ok {
		return nil, &types.ResourceNotFound{Message: aws.String("no map run " + arn)}
	}
	items := r.items
	return &sfn.DescribeMapRunOutput{MapRunArn: in.MapRunArn, ExecutionArn: aws.String(execArn), Status: r.status, ItemCounts: &items}, nil
}

// History events. ids are given by hand, as the rows' previousEventIds
// refer to them.
func event(id, prev int64, typ types.HistoryEventType) types.HistoryEvent {
	return types.HistoryEvent{Id: id, PreviousEventId: prev, Type: typ}
}

func mapRunStarted(id int64, arn string) types.HistoryEvent {
	e := event(id, id-1, types.HistoryEventTypeMapRunStarted)
	e.MapRunStartedEventDetails = &types.MapRunStartedEventDetails{MapRunArn: aws.String(arn)}
	return e
}

func exited(id int64, typ types.HistoryEventType, state string) types.HistoryEvent {
	e := event(id, id-1, typ)
	e.StateExitedEventDetails = &types.StateExitedEventDetails{Name: aws.String(state)}
	return e
}

// levelDone is the LevelDone Pass state that ends a level.
func levelDone(id int64) types.HistoryEvent {
	return exited(id, types.HistoryEventTypePassStateExited, "LevelDone")
}

func running(n int) types.MapRunItemCounts {
	return types.MapRunItemCounts{Running: int64(n)}
}

// progress is a Progress's counts, for comparison.
type progress struct{ levels, running, ended, failed int }

func countsOf(p cloudrun.Progress) progress {
	return progress{p.LevelsDone, p.SlicesRunning, p.SlicesDone, p.SlicesFailed}
}

// TestProgress: the runner's counts over a scripted history and
// DescribeMapRun's answers, poll by poll, and the Map Runs it describes
// in each poll.
func TestProgress(t *testing.T) {
	start := event(1, 0, types.HistoryEventTypeExecutionStarted)
	tests := []struct {
		name      string
		polls     []poll
		want      []progress
		described []string // the Map Runs described in each poll, "," joined
		err       string   // in Follow's error
	}{
		{
			// A level of one round: its Map Run described while it runs
			// and once after its end, whose counts stay.
			name: "one round",
			polls: []poll{
				{status: "RUNNING", events: []types.HistoryEvent{start, mapRunStarted(2, runA)},
					runs: map[string]mapRunNow{runA: {"RUNNING", types.MapRunItemCounts{Total: 5, Pending: 1, Running: 3, Succeeded: 1}}}},
				{status: "RUNNING", events: []types.HistoryEvent{event(3, 2, types.HistoryEventTypeMapRunSucceeded), levelDone(4)},
					runs: map[string]mapRunNow{runA: {"SUCCEEDED", types.MapRunItemCounts{Total: 5, Succeeded: 4, Failed: 1}}}},
				{status: "SUCCEEDED", events: []types.HistoryEvent{event(5, 4, types.HistoryEventTypeExecutionSucceeded)}},
			},
			want:      []progress{{0, 3, 1, 0}, {1, 0, 5, 1}, {1, 0, 5, 1}},
			described: []string{runA, runA, ""},
		},
		{
			// A level of two rounds: one level done (not one per Slices
			// Map), the slices of both rounds added up; timed out and
			// aborted slices failed. The ends' previousEventIds do not
			// point at their starts: each is the only Map Run open.
			name: "two rounds",
			polls: []poll{
				{status: "RUNNING", events: []types.HistoryEvent{start, mapRunStarted(2, runA)},
					runs: map[string]mapRunNow{runA: {"RUNNING", running(2)}}},
				{status: "RUNNING", events: []types.HistoryEvent{event(3, 0, types.HistoryEventTypeMapRunFailed), exited(4, types.HistoryEventTypeMapStateExited, "Slices"), mapRunStarted(5, runB)},
					runs: map[string]mapRunNow{
						runA: {"FAILED", types.MapRunItemCounts{Succeeded: 1, TimedOut: 1}},
						runB: {"RUNNING", running(2)}}},
				{status: "RUNNING", events: []types.HistoryEvent{event(6, 0, types.HistoryEventTypeMapRunSucceeded), exited(7, types.HistoryEventTypeMapStateExited, "Slices"), levelDone(8)},
					runs: map[string]mapRunNow{runB: {"SUCCEEDED", types.MapRunItemCounts{Succeeded: 1, Failed: 1, Aborted: 1}}}},
				{status: "SUCCEEDED"},
			},
			want:      []progress{{0, 2, 0, 0}, {0, 2, 2, 1}, {1, 0, 5, 3}, {1, 0, 5, 3}},
			described: []string{runA, runA + "," + runB, runB, ""},
		},
		{
			// A Map Run that started and ended between two polls is
			// described once, after its end.
			name: "between polls",
			polls: []poll{
				{status: "RUNNING", events: []types.HistoryEvent{start}},
				{status: "RUNNING", events: []types.HistoryEvent{mapRunStarted(2, runA), event(3, 2, types.HistoryEventTypeMapRunSucceeded), levelDone(4)},
					runs: map[string]mapRunNow{runA: {"SUCCEEDED", types.MapRunItemCounts{Succeeded: 6}}}},
				{status: "SUCCEEDED"},
			},
			want:      []progress{{0, 0, 0, 0}, {1, 0, 6, 0}, {1, 0, 6, 0}},
			described: []string{"", runA, ""},
		},
		{
			// No end event read, but DescribeMapRun says it ended: final.
			name: "ended by its status",
			polls: []poll{
				{status: "RUNNING", events: []types.HistoryEvent{start, mapRunStarted(2, runA)},
					runs: map[string]mapRunNow{runA: {"ABORTED", types.MapRunItemCounts{Succeeded: 1, Aborted: 2}}}},
				{status: "RUNNING"},
				{status: "SUCCEEDED"},
			},
			want:      []progress{{0, 0, 3, 2}, {0, 0, 3, 2}, {0, 0, 3, 2}},
			described: []string{runA, "", ""},
		},
		{
			// The execution was stopped while its Map Run, described
			// once more, still says RUNNING: its counts are final, and
			// no slice runs any more.
			name: "execution stopped",
			polls: []poll{
				{status: "RUNNING", events: []types.HistoryEvent{start, mapRunStarted(2, runA)},
					runs: map[string]mapRunNow{runA: {"RUNNING", types.MapRunItemCounts{Running: 2, Succeeded: 1}}}},
				{status: "ABORTED", events: []types.HistoryEvent{event(3, 2, types.HistoryEventTypeExecutionAborted)},
					runs: map[string]mapRunNow{runA: {"RUNNING", types.MapRunItemCounts{Running: 2, Succeeded: 1}}}},
			},
			want:      []progress{{0, 2, 1, 0}, {0, 0, 1, 0}},
			described: []string{runA, runA},
			err:       "ABORTED",
		},
		{
			// Two Map Runs at once (not in this definition, but the
			// runner does not rely on it): an end is the one whose start
			// it follows.
			name: "two at once",
			polls: []poll{
				{status: "RUNNING", events: []types.HistoryEvent{start, mapRunStarted(2, runA), mapRunStarted(3, runB)},
					runs: map[string]mapRunNow{runA: {"RUNNING", running(1)}, runB: {"RUNNING", running(1)}}},
				{status: "RUNNING", events: []types.HistoryEvent{event(4, 3, types.HistoryEventTypeMapRunSucceeded)},
					runs: map[string]mapRunNow{
						// A lagging answer: runB's end was read, its
						// status not yet changed.
						runA: {"RUNNING", running(1)}, runB: {"RUNNING", types.MapRunItemCounts{Succeeded: 1}}}},
				{status: "SUCCEEDED", events: []types.HistoryEvent{event(5, 2, types.HistoryEventTypeMapRunSucceeded)},
					runs: map[string]mapRunNow{runA: {"SUCCEEDED", types.MapRunItemCounts{Succeeded: 1}}}},
			},
			want:      []progress{{0, 2, 0, 0}, {0, 1, 1, 0}, {0, 0, 2, 0}},
			described: []string{runA + "," + runB, runA + "," + runB, runA},
		},
		{
			// DescribeMapRun refused (no states:DescribeMapRun): Follow
			// stops with the error.
			name: "describe refused",
			polls: []poll{
				{status: "RUNNING", events: []types.HistoryEvent{start, mapRunStarted(2, runA)}},
			},
			described: []string{runA},
			err:       "cloudrun: describe map run " + runA,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api := &script{polls: tc.polls}
			var got []progress
			r := &cloudrun.Runner{API: api, Poll: time.Nanosecond, OnUpdate: func(p cloudrun.Progress) { got = append(got, countsOf(p)) }}
			res, err := r.Follow(context.Background(), execArn)
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Fatalf("Follow: %v, want error %q", err, tc.err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("progress by poll (levels, running, ended, failed)\n got %v\nwant %v", got, tc.want)
			}
			if res != nil && len(tc.want) > 0 && countsOf(res.Progress) != tc.want[len(tc.want)-1] {
				t.Errorf("result %v, want the last progress %v", countsOf(res.Progress), tc.want[len(tc.want)-1])
			}
			var described []string
			for _, d := range api.described {
				described = append(described, strings.Join(d, ","))
			}
			if fmt.Sprint(described) != fmt.Sprint(tc.described) {
				t.Errorf("map runs described by poll\n got %q\nwant %q", described, tc.described)
			}
		})
	}
}
