package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/store"
)

// TestLayout pins every key of the layout: the Glue projection, the
// README and the tests of other packages depend on these exact strings.
func TestLayout(t *testing.T) {
	d := time.Date(2026, 11, 23, 23, 59, 0, 0, time.FixedZone("x", -3600)) // 2026-11-24 in UTC
	for _, c := range []struct{ got, want string }{
		{store.RunSamplesPrefix("2026-11-24", "r1"), "samples/dt=2026-11-24/run_id=r1/"},
		{store.SamplePrefix(d, "r1", 6), "samples/dt=2026-11-24/run_id=r1/level=6/"},
		{store.WorkerPartsPrefix(d, "r1", 6, 2), "samples/dt=2026-11-24/run_id=r1/level=6/worker=2-part-"},
		{store.SampleKey(d, "r1", 6, 2, 3), "samples/dt=2026-11-24/run_id=r1/level=6/worker=2-part-3.parquet"},
		{store.RunTelemetryPrefix("2026-11-24", "r1"), "telemetry/dt=2026-11-24/run_id=r1/"},
		{store.TelemetryPrefix(d, "r1", 6), "telemetry/dt=2026-11-24/run_id=r1/level=6/"},
		{store.TelemetryKey(d, "r1", 6, 3), "telemetry/dt=2026-11-24/run_id=r1/level=6/part-3.parquet"},
		{store.RunKey("r1", store.PlanFile), "runs/r1/plan.json"},
		{store.SummaryKey("r1"), "runs/r1/summary.json"},
		{store.SliceRecordKey("r1", 6, 2), "runs/r1/slices/level=6/worker=2.json"},
		{store.LevelLinesKey("2026-11-24", "r1"), "summaries/dt=2026-11-24/run_id=r1.json"},
		// Rounds: round 0 keeps the keys above; later rounds have their own.
		{store.RoundPartsPrefix(d, "r1", 6, 2, 0), "samples/dt=2026-11-24/run_id=r1/level=6/worker=2-part-"},
		{store.RoundSampleKey(d, "r1", 6, 2, 3, 1), "samples/dt=2026-11-24/run_id=r1/level=6/worker=2-round=3-part-1.parquet"},
		{store.RoundRecordKey("r1", 6, 2, 0), "runs/r1/slices/level=6/worker=2.json"},
		{store.RoundRecordKey("r1", 6, 2, 3), "runs/r1/slices/level=6/worker=2-round=3.json"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	// The projection templates produce the prefixes the writers use.
	fill := strings.NewReplacer("${dt}", "2026-11-24", "${run_id}", "r1")
	if got := fill.Replace(store.SamplesLocationTemplate); got != store.RunSamplesPrefix("2026-11-24", "r1") {
		t.Errorf("samples template gives %q", got)
	}
	if got := fill.Replace(store.TelemetryLocationTemplate); got != store.RunTelemetryPrefix("2026-11-24", "r1") {
		t.Errorf("telemetry template gives %q", got)
	}
	if got := fill.Replace(store.SummariesLocationTemplate); !strings.HasPrefix(store.LevelLinesKey("2026-11-24", "r1"), got) {
		t.Errorf("summaries template gives %q, not a prefix of the trend file", got)
	}
}
