package sfnfake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/llmbench/llmbench/shared/sfnlocal"
)

// Execution statuses (types.ExecutionStatus).
const (
	statusRunning   = "RUNNING"
	statusSucceeded = "SUCCEEDED"
	statusFailed    = "FAILED"
	statusTimedOut  = "TIMED_OUT"
	statusAborted   = "ABORTED"
)

// roleArn is what ExecutionStarted reports as the execution's role.
const roleArn = "arn:aws:iam::000000000000:role/sfnfake"

// execution is one run of a machine and its history.
type execution struct {
	m          *machine
	arn, name  string
	input      string
	start      time.Time
	ctx        context.Context
	cancel     context.CancelFunc
	done       chan struct{} // closed when the execution has ended
	mu         sync.Mutex
	events     []historyEvent
	last       map[string]int64   // last event id by scope, for previousEventId
	mapRuns    map[string]*mapRun // by ARN, its children's and theirs too
	status     string
	stop       time.Time
	output     string
	errName    string
	cause      string
	aborted    bool
	abortError string
	abortCause string
}

func newExecution(parent context.Context, m *machine, arn, name, input string) *execution {
	ex := &execution{m: m, arn: arn, name: name, input: input, start: now(),
		done: make(chan struct{}), last: map[string]int64{}, mapRuns: map[string]*mapRun{}, status: statusRunning}
	ex.ctx, ex.cancel = context.WithCancel(parent)
	in := input
	yes := true
	ex.add(ex.start, "", "", historyEvent{Type: "ExecutionStarted",
		ExecutionStarted: &executionStartedDetails{Input: &in, InputDetails: &dataDetails{Included: &yes}, RoleArn: roleArn}})
	return ex
}

// run executes the definition with sfnlocal, recording its events.
func (ex *execution) run() {
	defer close(ex.done)
	defer ex.cancel()
	sm := ex.m.sm
	m, err := sfnlocal.Load(sm.Definition, sfnlocal.Options{
		Vars: sm.Vars, Functions: sm.Functions, Clock: sm.Clock,
		Observer: ex.observe, StateMachineArn: ex.m.arn, ResultWriter: sm.MapRunFiles, ItemReader: sm.MapRunFiles,
	})
	var out []byte
	if err == nil {
		out, err = m.Execute(ex.ctx, ex.name, []byte(ex.input))
	}
	ex.finish(out, err)
}

// abort stops a running execution (StopExecution, Close).
func (ex *execution) abort(errName, cause string) {
	ex.mu.Lock()
	if ex.status == statusRunning && !ex.aborted {
		ex.aborted, ex.abortError, ex.abortCause = true, errName, cause
	}
	ex.mu.Unlock()
	ex.cancel()
}

// finish records how the execution ended.
func (ex *execution) finish(out []byte, err error) {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	ex.stop = now()
	ex.abortMapRuns(ex.stop)
	var ee *sfnlocal.ExecutionError
	switch {
	case err == nil:
		ex.status, ex.output = statusSucceeded, string(out)
		o, yes := ex.output, true
		ex.add(ex.stop, "", "", historyEvent{Type: "ExecutionSucceeded",
			ExecutionSucceeded: &outputDetails{Output: &o, OutputDetails: &dataDetails{Included: &yes}}})
	case ex.aborted || ex.ctx.Err() != nil:
		ex.status, ex.errName, ex.cause = statusAborted, ex.abortError, ex.abortCause
		ex.add(ex.stop, "", "", historyEvent{Type: "ExecutionAborted", ExecutionAborted: &errorDetails{Error: ex.errName, Cause: ex.cause}})
	case errors.As(err, &ee) && executionTimedOut(ee.ErrorName, ee.Cause):
		ex.status, ex.errName, ex.cause = statusTimedOut, ee.ErrorName, ee.Cause
		ex.add(ex.stop, "", "", historyEvent{Type: "ExecutionTimedOut", ExecutionTimedOut: &errorDetails{Error: ex.errName, Cause: ex.cause}})
	case ee != nil:
		ex.status, ex.errName, ex.cause = statusFailed, ee.ErrorName, ee.Cause
		ex.add(ex.stop, "", "", historyEvent{Type: "ExecutionFailed", ExecutionFailed: &errorDetails{Error: ex.errName, Cause: ex.cause}})
	default:
		ex.status, ex.errName, ex.cause = statusFailed, sfnlocal.ErrRuntime, err.Error()
		ex.add(ex.stop, "", "", historyEvent{Type: "ExecutionFailed", ExecutionFailed: &errorDetails{Error: ex.errName, Cause: ex.cause}})
	}
}

// add appends an event: its id is the next number, its previousEventId the
// last event of prevScope (or the event just before), and it becomes the
// last event of scope.
func (ex *execution) add(t time.Time, prevScope, scope string, ev historyEvent) {
	ev.ID = int64(len(ex.events) + 1)
	ev.PreviousEventID = ev.ID - 1
	if p, ok := ex.last[prevScope]; ok {
		ev.PreviousEventID = p
	}
	ev.Timestamp = epochTime(t)
	ex.events = append(ex.events, ev)
	ex.last[scope] = ev.ID
}

// observe is sfnlocal's Observer: it maps each event to Step Functions'
// history events. sfnlocal serializes the calls.
func (ex *execution) observe(e sfnlocal.Event) {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	t := e.Time
	if t.IsZero() {
		t = now()
	}
	ex.trackMapRun(e, t)
	if e.Execution != "" {
		return // a Distributed Map's child execution: its events are its own history's
	}
	scope := scopeOf(e.Path)
	add := func(ev historyEvent) { ex.add(t, scope, scope, ev) }
	switch e.Type {
	case sfnlocal.ExecutionStarted, sfnlocal.ExecutionSucceeded, sfnlocal.ExecutionFailed:
		return // recorded by StartExecution and finish, with the input and output
	case sfnlocal.MapRunStarted:
		add(historyEvent{Type: string(e.Type), MapRunStarted: &mapRunStartedDetails{MapRunArn: e.MapRunArn}})
		return
	case sfnlocal.MapRunSucceeded:
		add(historyEvent{Type: string(e.Type)})
		return
	case sfnlocal.MapRunFailed:
		add(historyEvent{Type: string(e.Type), MapRunFailed: &errorDetails{Error: e.Error, Cause: e.Cause}})
		return
	case sfnlocal.MapIterationStarted, sfnlocal.MapIterationSucceeded, sfnlocal.MapIterationFailed:
		iter := fmt.Sprintf("%s[%d]/", e.Path, e.MapIndex)
		d := &mapIterationDetails{Name: e.State, Index: e.MapIndex}
		ev := historyEvent{Type: string(e.Type)}
		switch e.Type {
		case sfnlocal.MapIterationStarted:
			ev.MapIterationStarted = d
			ex.add(t, scope, iter, ev)
		case sfnlocal.MapIterationSucceeded:
			ev.MapIterationSucceeded = d
			ex.add(t, iter, iter, ev)
		default:
			ev.MapIterationFailed = d
			ex.add(t, iter, iter, ev)
		}
		return
	}
	st, ok := ex.m.states[stateKey(e.Path)]
	if !ok {
		return // cannot be: Load accepted the definition stateTypes read
	}
	name := &stateDetails{Name: e.State}
	switch e.Type {
	case sfnlocal.StateEntered:
		add(historyEvent{Type: st.typ + "StateEntered", StateEntered: name})
		if st.typ == "Task" {
			ex.scheduled(add, st)
		}
	case sfnlocal.StateExited:
		switch st.typ {
		case "Task":
			ex.succeeded(add, st)
		case "Map", "Parallel":
			add(historyEvent{Type: st.typ + "StateSucceeded"})
		}
		if st.typ != "Fail" {
			add(historyEvent{Type: st.typ + "StateExited", StateExited: name})
		}
	case sfnlocal.StateRetry:
		if st.typ == "Task" {
			ex.failed(add, st, e.Error, e.Cause)
			ex.scheduled(add, st)
		}
	case sfnlocal.StateFailed:
		switch st.typ {
		case "Task":
			ex.failed(add, st, e.Error, e.Cause)
		case "Map", "Parallel":
			add(historyEvent{Type: st.typ + "StateFailed"})
		}
		if e.Caught && st.typ != "Fail" {
			add(historyEvent{Type: st.typ + "StateExited", StateExited: name})
		}
	}
}

// scheduled records the start of a Task attempt.
func (ex *execution) scheduled(add func(historyEvent), st stateInfo) {
	if st.lambdaArn {
		add(historyEvent{Type: "LambdaFunctionScheduled", LambdaScheduled: &lambdaScheduledDetails{Resource: st.resource}})
		add(historyEvent{Type: "LambdaFunctionStarted"})
		return
	}
	add(historyEvent{Type: "TaskScheduled", TaskScheduled: &taskScheduledDetails{
		ResourceType: st.resourceType, Resource: st.resource, Region: ex.m.region}})
	add(historyEvent{Type: "TaskStarted", TaskStarted: &taskDetails{ResourceType: st.resourceType, Resource: st.resource}})
}

func (ex *execution) succeeded(add func(historyEvent), st stateInfo) {
	if st.lambdaArn {
		add(historyEvent{Type: "LambdaFunctionSucceeded", LambdaSucceeded: &outputDetails{}})
		return
	}
	add(historyEvent{Type: "TaskSucceeded", TaskSucceeded: &taskDetails{ResourceType: st.resourceType, Resource: st.resource}})
}

func (ex *execution) failed(add func(historyEvent), st stateInfo, errName, cause string) {
	timedOut := errName == sfnlocal.ErrTimeout
	switch {
	case st.lambdaArn && timedOut:
		add(historyEvent{Type: "LambdaFunctionTimedOut", LambdaTimedOut: &errorDetails{Error: errName, Cause: cause}})
	case st.lambdaArn:
		add(historyEvent{Type: "LambdaFunctionFailed", LambdaFailed: &errorDetails{Error: errName, Cause: cause}})
	case timedOut:
		add(historyEvent{Type: "TaskTimedOut", TaskTimedOut: &taskDetails{ResourceType: st.resourceType, Resource: st.resource, Error: errName, Cause: cause}})
	default:
		add(historyEvent{Type: "TaskFailed", TaskFailed: &taskDetails{ResourceType: st.resourceType, Resource: st.resource, Error: errName, Cause: cause}})
	}
}

// withoutData drops the execution's input and output from an event, as
// includeExecutionData false asks.
func withoutData(ev historyEvent) historyEvent {
	if d := ev.ExecutionStarted; d != nil {
		c := *d
		c.Input, c.InputDetails = nil, nil
		ev.ExecutionStarted = &c
	}
	if ev.ExecutionSucceeded != nil {
		ev.ExecutionSucceeded = &outputDetails{}
	}
	return ev
}

// stateInfo is what the history needs of a state's definition.
type stateInfo struct {
	typ string // Task, Pass, Map, …
	// Tasks: a Lambda function ARN gives LambdaFunction* events; a service
	// integration arn:aws:states:::SERVICE:ACTION gives Task* events with
	// resourceType SERVICE and resource ACTION.
	lambdaArn              bool
	resourceType, resource string
}

// stateTypes reads the states of a definition, nested ones included, by
// their key: the state names from the top, joined by "/", with a Parallel
// branch as "[branch N]" — the Observer's Path without Map item indexes.
func stateTypes(def []byte, vars map[string]string) (map[string]stateInfo, error) {
	text := string(def)
	for k, v := range vars {
		text = strings.ReplaceAll(text, "${"+k+"}", v)
	}
	type scope struct {
		States map[string]json.RawMessage
	}
	type state struct {
		Type          string
		Resource      string
		ItemProcessor *scope
		Iterator      *scope
		Branches      []scope
	}
	out := map[string]stateInfo{}
	var walk func(prefix string, sc *scope) error
	walk = func(prefix string, sc *scope) error {
		for name, raw := range sc.States {
			var st state
			if err := json.Unmarshal(raw, &st); err != nil {
				return fmt.Errorf("state %s%s: %w", prefix, name, err)
			}
			key := prefix + name
			info := stateInfo{typ: st.Type}
			if st.Type == "Task" {
				info.resourceType, info.resource = "lambda", st.Resource
				if strings.HasPrefix(st.Resource, "arn:aws:lambda:") {
					info.lambdaArn = true
				} else if rest, ok := strings.CutPrefix(st.Resource, "arn:aws:states:::"); ok {
					info.resourceType, info.resource, _ = strings.Cut(rest, ":")
				}
			}
			out[key] = info
			switch {
			case st.ItemProcessor != nil:
				if err := walk(key+"/", st.ItemProcessor); err != nil {
					return err
				}
			case st.Iterator != nil:
				if err := walk(key+"/", st.Iterator); err != nil {
					return err
				}
			}
			for i := range st.Branches {
				if err := walk(fmt.Sprintf("%s[branch %d]/", key, i), &st.Branches[i]); err != nil {
					return err
				}
			}
		}
		return nil
	}
	var top scope
	if err := json.Unmarshal([]byte(text), &top); err != nil {
		return nil, fmt.Errorf("definition: %w", err)
	}
	if err := walk("", &top); err != nil {
		return nil, err
	}
	return out, nil
}

var mapIndex = regexp.MustCompile(`\[[0-9]+\]`)

// stateKey turns an Observer Path ("Levels[2]/Slices[7]/Work") into the
// key of stateTypes ("Levels/Slices/Work").
func stateKey(path string) string { return mapIndex.ReplaceAllString(path, "") }

// scopeOf is the Map iteration or branch a Path is in: "Levels[2]/Slices[7]/"
// for "Levels[2]/Slices[7]/Work", "" at the top.
func scopeOf(path string) string {
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		return path[:i+1]
	}
	return ""
}
