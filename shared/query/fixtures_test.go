package query_test

// The Summarize tests run the summary SQL on DuckDB, over Parquet files of
// sample rows they write with the store's writer. The tests of the DuckDB
// engine itself are in package duckdb.

import (
	"context"
	"testing"

	"github.com/llmbench/llmbench/shared/query/duckdb"
)

// openDuckDB opens a DuckDB engine over files, closed at the end of the test.
func openDuckDB(t *testing.T, files ...string) *duckdb.DB {
	t.Helper()
	d, err := duckdb.Open(context.Background(), files)
	if err != nil {
		t.Fatalf("OpenDuckDB: %v", err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return d
}

func f64(v float64) *float64 { return &v }
