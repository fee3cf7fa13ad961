package sfnlocal

import "sync"

// MaxHistoryEvents is Step Functions' hard limit on the events of one
// (Standard) execution's history. An execution that reaches it fails with
// States.Runtime, "The execution reached the maximum number of history
// events (25000).", the failure being event 25,000.
const MaxHistoryEvents = 25_000

// History counts executions' events the way Step Functions writes them
// into their histories, from what an Observer hears: for every state, its
// Entered and Exited events; for a Task, each attempt's Scheduled and
// Started, then Succeeded or Failed; for a Map, MapStateStarted and
// MapStateSucceeded (or MapStateFailed), and each inline iteration's
// Started and Succeeded (or Failed); a Distributed Map writes
// MapRunStarted and MapRunSucceeded (or MapRunFailed) instead of
// iterations, its items being child executions with histories of their
// own; a Fail state has only its Entered event; each execution adds
// ExecutionStarted and its end. Use Observe as (or from)
// Options.Observer; it is safe for concurrent use.
type History struct {
	mu sync.Mutex
	n  map[string]int // by Event.Execution; "" is the top execution
}

// Observe counts e's history events.
func (h *History) Observe(e Event) {
	n := historyEvents(e)
	h.mu.Lock()
	if h.n == nil {
		h.n = map[string]int{}
	}
	h.n[e.Execution] += n
	h.mu.Unlock()
}

// Events returns the events counted so far in the history of the
// execution Execute started (not its child executions').
func (h *History) Events() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n[""]
}

// Children returns the events counted so far in each child execution's
// history, by execution ARN.
func (h *History) Children() map[string]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make(map[string]int, len(h.n))
	for k, v := range h.n {
		if k != "" {
			out[k] = v
		}
	}
	return out
}

// historyEvents is the number of history events e stands for.
func historyEvents(e Event) int {
	n := 0
	switch e.Type {
	case ExecutionStarted, ExecutionSucceeded, ExecutionFailed:
		n = 1
	case StateEntered:
		n = 1 // XStateEntered
		switch e.StateType {
		case "Task":
			n += 2 // TaskScheduled, TaskStarted
		case "Map":
			n++ // MapStateStarted
		}
	case StateExited:
		n = 1 // XStateExited
		switch e.StateType {
		case "Task":
			n++ // TaskSucceeded
		case "Map":
			n++ // MapStateSucceeded
		}
	case StateRetry:
		if e.StateType == "Task" {
			n = 3 // TaskFailed, then the next attempt's TaskScheduled and TaskStarted
		}
	case StateFailed:
		switch {
		case e.StateType == "Task" || e.StateType == "Map":
			n = 1 // TaskFailed or MapStateFailed
		}
		if e.Caught {
			n++ // XStateExited, on to the catcher's Next
		}
	case MapIterationStarted, MapIterationSucceeded, MapIterationFailed:
		n = 1
	case MapRunStarted, MapRunSucceeded, MapRunFailed:
		n = 1
	}
	return n
}
