package sfnfake

import (
	"strings"
	"time"

	"github.com/llmbench/llmbench/shared/sfnlocal"
)

// Map Run statuses (types.MapRunStatus).
const (
	mapRunRunning   = "RUNNING"
	mapRunSucceeded = "SUCCEEDED"
	mapRunFailed    = "FAILED"
	mapRunAborted   = "ABORTED"
)

// mapRun is a Distributed Map's Map Run as DescribeMapRun reports it,
// counted from the sfnlocal events of the execution and its children.
type mapRun struct {
	arn, executionArn string
	status            string
	start, stop       time.Time
	counts            mapRunCounts // items; one child execution per item
}

// trackMapRun counts the Map Runs of the execution (and of its children:
// the Observer hears them all). MapRunStarted opens one with all its items
// pending; a child's ExecutionStarted makes one running, its
// ExecutionSucceeded or ExecutionFailed succeeded, failed or timed out;
// the Map Run's end aborts the children still running (sfnlocal stops
// them without an ending event). The caller holds ex.mu.
func (ex *execution) trackMapRun(e sfnlocal.Event, t time.Time) {
	switch e.Type {
	case sfnlocal.MapRunStarted:
		parent := e.Execution
		if parent == "" {
			parent = ex.arn
		}
		n := int64(e.MapRunItems)
		ex.mapRuns[e.MapRunArn] = &mapRun{arn: e.MapRunArn, executionArn: parent, status: mapRunRunning, start: t,
			counts: mapRunCounts{Pending: n, Total: n}}
		return
	case sfnlocal.MapRunSucceeded, sfnlocal.MapRunFailed:
		if r := ex.mapRuns[e.MapRunArn]; r != nil {
			status := mapRunSucceeded
			if e.Type == sfnlocal.MapRunFailed {
				status = mapRunFailed
			}
			r.end(status, t)
		}
		return
	}
	if e.Execution == "" || e.MapRunArn == "" {
		return // not a Map Run's child
	}
	r := ex.mapRuns[e.MapRunArn]
	if r == nil || r.status != mapRunRunning {
		return
	}
	c := &r.counts
	switch e.Type {
	case sfnlocal.ExecutionStarted:
		c.Pending--
		c.Running++
	case sfnlocal.ExecutionSucceeded:
		c.Running--
		c.Succeeded++
	case sfnlocal.ExecutionFailed:
		c.Running--
		if executionTimedOut(e.Error, e.Cause) {
			c.TimedOut++
		} else {
			c.Failed++
		}
	}
}

// abortMapRuns ends the Map Runs still running when the execution ends
// (stopped, or failed from elsewhere). The caller holds ex.mu.
func (ex *execution) abortMapRuns(t time.Time) {
	for _, r := range ex.mapRuns {
		if r.status == mapRunRunning {
			r.end(mapRunAborted, t)
		}
	}
}

func (r *mapRun) end(status string, t time.Time) {
	r.status, r.stop = status, t
	r.counts.Aborted += r.counts.Running
	r.counts.Running = 0
}

// describe is the DescribeMapRun answer. sfnlocal does not report the
// Map's MaxConcurrency, tolerated failures or what its ResultWriter
// wrote: those members are 0. No child can be redriven (sfnlocal's
// records say NOT_REDRIVABLE).
func (r *mapRun) describe() *describeMapRunOutput {
	c := r.counts
	c.FailuresNotRedrivable = c.Failed + c.TimedOut + c.Aborted
	out := &describeMapRunOutput{MapRunArn: r.arn, ExecutionArn: r.executionArn, Status: r.status,
		StartDate: epochTime(r.start), ItemCounts: c, ExecutionCounts: c}
	if r.status != mapRunRunning {
		stop := epochTime(r.stop)
		out.StopDate = &stop
	}
	return out
}

// executionTimedOut says whether an execution's error is its own
// TimeoutSeconds (TIMED_OUT in Step Functions), not a state's timeout.
func executionTimedOut(errName, cause string) bool {
	return errName == sfnlocal.ErrTimeout && strings.HasPrefix(cause, "the execution ran longer than its TimeoutSeconds")
}

func (s *Server) describeMapRun(in *mapRunArnInput) (*describeMapRunOutput, *apiError) {
	if in.MapRunArn == "" {
		return nil, errorf("ValidationException", "1 validation error detected: Value null at 'mapRunArn' failed to satisfy constraint: Member must not be null")
	}
	if _, ok := parseArn(in.MapRunArn, "mapRun"); !ok {
		return nil, errorf("InvalidArn", "Invalid Arn: '%s'", in.MapRunArn)
	}
	// A Map Run's ARN does not name its execution: look in each (the
	// fake holds a test's few).
	s.mu.Lock()
	execs := make([]*execution, 0, len(s.executions))
	for _, ex := range s.executions {
		execs = append(execs, ex)
	}
	s.mu.Unlock()
	for _, ex := range execs {
		ex.mu.Lock()
		r := ex.mapRuns[in.MapRunArn]
		var out *describeMapRunOutput
		if r != nil {
			out = r.describe()
		}
		ex.mu.Unlock()
		if out != nil {
			return out, nil
		}
	}
	e := errorf("ResourceNotFound", "Resource not found: '%s'", in.MapRunArn)
	e.resourceName = in.MapRunArn
	return nil, e
}
