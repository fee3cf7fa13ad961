package query_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/llmbench/llmbench/shared/query"
)

// TestTurnsMatchesReference: the figures by turn of two levels of
// conversations (3 and 7 turns, many errors, some turns without an ok
// request) are those computed row by row in Go; levels without
// conversations have none.
func TestTurnsMatchesReference(t *testing.T) {
	sw := genSweep(t)
	d := openDuckDB(t, sw.files...)
	got, err := query.Turns(context.Background(), d, runID)
	if err != nil {
		t.Fatal(err)
	}
	want := referenceTurns(sw.rows, runID)
	if len(got) != 2 || len(want) != 2 {
		t.Fatalf("turns of %d levels (reference: %d), want the 2 levels with conversations", len(got), len(want))
	}
	for index, wt := range want {
		gt := got[index]
		if len(gt) != len(wt) {
			t.Errorf("level %d: %d turns, want %d", index, len(gt), len(wt))
			continue
		}
		for i := range wt {
			for _, p := range diff("turn", reflect.ValueOf(gt[i]), reflect.ValueOf(wt[i]), 1e-9) {
				t.Errorf("level %d turn %d: %s", index, wt[i].Turn, p)
			}
		}
	}
	if n := len(want[3]); n != 7 {
		t.Errorf("level 3 has %d turns, want 7", n)
	}
}

// TestTurnsWithoutSessions: a run whose rows have no turn has no turns.
func TestTurnsWithoutSessions(t *testing.T) {
	sw := genSweep(t)
	d := openDuckDB(t, sw.files...)
	got, err := query.Turns(context.Background(), d, "other-run")
	if err != nil || len(got) != 0 {
		t.Fatalf("Turns = %v, %v; want none", got, err)
	}
}
