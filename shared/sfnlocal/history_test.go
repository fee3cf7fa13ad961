package sfnlocal

import "testing"

// TestHistoryCounts: the events a small execution writes, counted by hand
// from Step Functions' history of the same shapes.
func TestHistoryCounts(t *testing.T) {
	seq := []Event{
		{Type: ExecutionStarted},                             // 1
		{Type: StateEntered, StateType: "Task"},              // TaskStateEntered, TaskScheduled, TaskStarted: 3
		{Type: StateRetry, StateType: "Task"},                // TaskFailed, TaskScheduled, TaskStarted: 3
		{Type: StateExited, StateType: "Task"},               // TaskSucceeded, TaskStateExited: 2
		{Type: StateEntered, StateType: "Choice"},            // 1
		{Type: StateExited, StateType: "Choice"},             // 1
		{Type: StateEntered, StateType: "Map"},               // MapStateEntered, MapStateStarted: 2
		{Type: MapIterationStarted, StateType: "Map"},        // 1
		{Type: StateEntered, StateType: "Task"},              // 3
		{Type: StateFailed, StateType: "Task", Caught: true}, // TaskFailed, TaskStateExited: 2
		{Type: StateEntered, StateType: "Pass"},              // 1
		{Type: StateExited, StateType: "Pass"},               // 1
		{Type: MapIterationSucceeded, StateType: "Map"},      // 1
		{Type: StateExited, StateType: "Map"},                // MapStateSucceeded, MapStateExited: 2
		{Type: ExecutionSucceeded},                           // 1
	}
	var h History
	for _, e := range seq {
		h.Observe(e)
	}
	if got, want := h.Events(), 25; got != want {
		t.Errorf("%d events, want %d", got, want)
	}
}
