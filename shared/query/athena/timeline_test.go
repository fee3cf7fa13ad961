package athena_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/llmbench/llmbench/shared/query"
	"github.com/llmbench/llmbench/shared/query/athena/athenafake"
)

// TestTimelineMatchesDuckDB runs the run's timeline through Athena (the
// fake) and through DuckDB directly: the seconds must be identical, to
// the last bit.
func TestTimelineMatchesDuckDB(t *testing.T) {
	e := newEnv(t, sweepRows(), athenafake.Options{PageSize: 11, Polls: 1})
	ctx := context.Background()
	starts := map[int]float64{}
	for i := range 7 {
		starts[i] = float64(i)*61_000 + 0.125 // the levels one after another
	}
	want, err := query.Timeline(ctx, e.duck, "run-1", starts)
	if err != nil {
		t.Fatalf("DuckDB: %v", err)
	}
	got, err := query.Timeline(ctx, e.engine, "run-1", starts)
	if err != nil {
		t.Fatalf("Athena: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		for i := range min(len(got), len(want)) {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Errorf("second %d:\n athena %+v\n duckdb %+v", i, got[i], want[i])
			}
		}
		t.Fatalf("timelines differ (%d vs %d seconds)", len(got), len(want))
	}
	var rows, p50s int
	for _, tk := range want {
		rows += tk.Started + tk.NotSent
		if tk.TTFTP50Ms != nil {
			p50s++
		}
	}
	if len(want) < 100 || rows == 0 || p50s == 0 {
		t.Errorf("weak data: %d seconds, %d rows, %d with a TTFT p50", len(want), rows, p50s)
	}
}

// TestQuantilesMatchDuckDB runs the levels' quantiles through Athena (the
// fake) and through DuckDB directly: identical, to the last bit.
func TestQuantilesMatchDuckDB(t *testing.T) {
	e := newEnv(t, sweepRows(), athenafake.Options{PageSize: 4, Polls: 1})
	ctx := context.Background()
	want, err := query.Quantiles(ctx, e.duck, "run-1")
	if err != nil {
		t.Fatalf("DuckDB: %v", err)
	}
	got, err := query.Quantiles(ctx, e.engine, "run-1")
	if err != nil {
		t.Fatalf("Athena: %v", err)
	}
	if len(want) < 5 {
		t.Fatalf("weak data: quantiles of %d levels", len(want))
	}
	if !reflect.DeepEqual(got, want) {
		for i := range want {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Errorf("level %d:\n athena %+v\n duckdb %+v", i, got[i], want[i])
			}
		}
		t.Fatal("quantiles differ")
	}
}
