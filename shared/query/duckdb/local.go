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
// samples/dt=<day>/run_id=<runID>/….
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
	return Open(ctx, files)
}
