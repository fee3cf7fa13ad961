package athena_test

import (
	"context"
	"strings"
	"testing"

	"github.com/llmbench/llmbench/shared/query/athena/athenafake"
)

// TestQueryScanned reads DataScannedInBytes from the final
// GetQueryExecution of each query, through the real SDK client: a query
// that succeeds reports what it scanned; one Athena fails, nothing (a
// failed query is not billed).
func TestQueryScanned(t *testing.T) {
	e := newEnv(t, nil, athenafake.Options{Polls: 2, Scanned: func(sql string) int64 {
		return int64(len(sql)) * 1000 // a figure that depends on the query, so a mix-up shows
	}})
	ctx := context.Background()
	tests := []struct {
		name    string
		sql     string
		want    int64
		wantErr bool
	}{
		{"a select", "SELECT 1 AS x", 13_000, false},
		{"another, longer", "SELECT 1 AS x, 2 AS y", 21_000, false},
		{"a failing query bills nothing", "SELECT no_such_column FROM samples", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, scanned, err := e.engine.QueryScanned(ctx, tt.sql)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v, want error %v", err, tt.wantErr)
			}
			if scanned != tt.want {
				t.Errorf("scanned %d, want %d", scanned, tt.want)
			}
			if !tt.wantErr && len(rows) != 1 {
				t.Errorf("%d rows", len(rows))
			}
		})
	}
	if _, err := e.engine.Query(ctx, "SELECT 1 AS x"); err != nil || !strings.Contains(strings.Join(e.fake.Ops(), " "), "GetQueryExecution") {
		t.Errorf("Query: %v", err)
	}
}
