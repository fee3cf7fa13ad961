package workflow

import (
	"testing"

	"github.com/llmbench/llmbench/shared/cost"
)

// TestUsageOf adds up usage records as the bill does.
func TestUsageOf(t *testing.T) {
	const mb = 1 << 20
	tests := []struct {
		name          string
		recs          []UsageRecord
		wantPut       int64
		wantGet       int64
		wantScanned   []int64
		wantEstimated bool
		wantLambda    bool
		wantFns       int
	}{
		{
			// Athena reported each query's scan: priced as measured.
			name: "athena measured in lambda",
			recs: []UsageRecord{
				{Step: StepWorker, Lambda: true, MemoryMB: 1769, BilledMs: 100, S3Put: 4, S3Get: 3, SampleBytes: 30 * mb},
				{Step: StepAggregator, Lambda: true, MemoryMB: 512, BilledMs: 50, S3Put: 5, S3List: 1, S3Get: 7, S3Delete: 2, AthenaScanned: []int64{3 * mb, 12 * mb}},
			},
			wantPut: 10, wantGet: 10, wantScanned: []int64{3 * mb, 12 * mb}, wantLambda: true, wantFns: 2,
		},
		{
			// DuckDB ran the queries: each is priced at the run's sample bytes.
			name: "engine queries estimated locally",
			recs: []UsageRecord{
				{Step: StepWorker, MemoryMB: 1769, BilledMs: 100, S3Put: 4, SampleBytes: 20 * mb},
				{Step: StepWorker, MemoryMB: 1769, BilledMs: 100, S3Put: 4, SampleBytes: 5 * mb},
				{Step: StepAggregator, MemoryMB: 512, BilledMs: 50, EngineQueries: 2},
			},
			wantPut: 8, wantScanned: []int64{25 * mb, 25 * mb}, wantEstimated: true, wantFns: 2,
		},
		{
			// One step outside Lambda makes the run local; the same
			// function at two memories is two lines.
			name: "mixed",
			recs: []UsageRecord{
				{Step: StepWorker, Lambda: true, MemoryMB: 1769},
				{Step: StepWorker, MemoryMB: 1024},
			},
			wantFns: 2,
		},
		{name: "no records", recs: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, est, lambda := usageOf(tt.recs)
			if u.S3Put != tt.wantPut || u.S3Get != tt.wantGet || est != tt.wantEstimated || lambda != tt.wantLambda || len(u.Functions) != tt.wantFns {
				t.Errorf("put %d get %d estimated %v lambda %v functions %d; want %d %d %v %v %d",
					u.S3Put, u.S3Get, est, lambda, len(u.Functions), tt.wantPut, tt.wantGet, tt.wantEstimated, tt.wantLambda, tt.wantFns)
			}
			if len(u.AthenaScanned) != len(tt.wantScanned) {
				t.Fatalf("scanned %v, want %v", u.AthenaScanned, tt.wantScanned)
			}
			for i := range u.AthenaScanned {
				if u.AthenaScanned[i] != tt.wantScanned[i] {
					t.Errorf("scanned %v, want %v", u.AthenaScanned, tt.wantScanned)
				}
			}
			var inv int
			for _, f := range u.Functions {
				inv += f.Invocations
			}
			if inv != len(tt.recs) {
				t.Errorf("%d invocations, want %d", inv, len(tt.recs))
			}
		})
	}
	// The priced bill of the second case: 2 queries at 25 MB each.
	u, _, _ := usageOf(tests[1].recs)
	if b := cost.DefaultPrices.Price(u); b.Athena.BilledBytes != 50*mb {
		t.Errorf("billed %d bytes, want 50 MB", b.Athena.BilledBytes)
	}
}
