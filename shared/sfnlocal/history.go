package sfnlocal

import "sync"

// MaxHistoryEvents is Step Functions' hard limit on the events of one
// (Standard) execution's history.
const MaxHistoryEvents = 25_000

// History counts an execution's events the way Step Functions writes them
// into its history, from what an Observer hears: for every state, its
// Entered and Exited events; for a Task, each attempt's Scheduled and
// Started, then Succeeded or Failed; for a Map, MapStateStarted and
// MapStateSucceeded (or MapStateFailed), and each iteration's Started
// and Succeeded (or Failed); a Fail state has only its Entered event; the
// execution adds ExecutionStarted and its end. Use Observe as (or from)
// Options.Observer; it is safe for concurrent use.
type History struct {
	mu sync.Mutex
	n  int
}

// Observe counts e's history events.
func (h *History) Observe(e Event) {
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
	}
	h.mu.Lock()
	h.n += n
	h.mu.Unlock()
}

// Events returns the events counted so far.
func (h *History) Events() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n
}
