package duckdb

import (
	"context"
	"errors"
	"fmt"

	"github.com/llmbench/llmbench/shared/store"
)

// ErrNoSamples is returned by OpenRun for a run without sample files.
var ErrNoSamples = errors.New("duckdb: no sample files")

// OpenRun opens DuckDB over one run's Parquet parts in a local store:
// samples/dt=<day>/run_id=<runID>/…, and telemetry/dt=<day>/run_id=<runID>/…
// as the relation telemetry when the run has any.
func OpenRun(ctx context.Context, st *store.Local, day, runID string) (*DB, error) {
	keys, err := st.List(ctx, store.RunSamplesPrefix(day, runID))
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w for run %s under %s", ErrNoSamples, runID, st.Root())
	}
	files := make([]string, len(keys))
	for i, k := range keys {
		files[i] = st.Path(k)
	}
	db, err := Open(ctx, files)
	if err != nil {
		return nil, err
	}
	// The server's scraped metrics (target.metrics), when there are any.
	tkeys, err := st.List(ctx, store.RunTelemetryPrefix(day, runID))
	if err == nil {
		tfiles := make([]string, len(tkeys))
		for i, k := range tkeys {
			tfiles[i] = st.Path(k)
		}
		err = db.AddTelemetry(ctx, tfiles)
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}
