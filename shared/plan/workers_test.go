package plan_test

import (
	"strings"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/plan"
)

// TestPlanRefusesMoreWorkersThanTheQuota: a level whose workers (Lambda
// invocations at once) exceed load.max_workers is refused with the
// numbers; at the limit it plans.
func TestPlanRefusesMoreWorkersThanTheQuota(t *testing.T) {
	tests := []struct {
		name string
		load string
		want string // "" plans
	}{
		// 200 streams at 40 per worker: 5 workers, one past the quota.
		{"concurrency past", `{"levels":[8,200],"requests":1,"slice_concurrency":40,"max_workers":4}`,
			"plan: level 200 (200 streams at load.slice_concurrency 40) needs 5 workers at once, more than the 4 of load.max_workers"},
		{"concurrency at", `{"levels":[8,200],"requests":1,"slice_concurrency":40,"max_workers":5}`, ""},
		// 450 req/s at 100 per worker: 5 workers.
		{"rate past", `{"mode":"rate","rates":[10,450],"duration":"5s","max_workers":4}`,
			"plan: load.rates[1] (450 req/s at load.slice_rate 100) needs 5 workers at once, more than the 4 of load.max_workers"},
		{"rate at", `{"mode":"rate","rates":[10,450],"duration":"5s","max_workers":5}`, ""},
		// A search is planned against its largest load.
		{"search past", `{"requests":1,"slice_concurrency":10,"max_workers":3},"search":{"over":"concurrency","min":1,"max":40,"slo":{"error_rate":0.01}}`,
			"needs 4 workers at once, more than the 3 of load.max_workers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := parseSpec(t, `{"name":"quota","target":{"kind":"sim"},"load":`+tt.load+`}`)
			_, err := plan.Make(s, "quota-20261204T000000Z-0000", time.Now())
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused at the limit: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("err = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

// TestDefaultWorkerLimitIsLambdasQuota: with no load.max_workers the
// limit is AWS Lambda's default concurrency quota, and the error says so.
func TestDefaultWorkerLimitIsLambdasQuota(t *testing.T) {
	s := parseSpec(t, `{"name":"quota","target":{"kind":"sim"},"load":{"levels":[4],"requests":1}}`)
	if got := s.Load.WorkerLimit(); got != 1000 {
		t.Fatalf("WorkerLimit() = %d, want 1000", got)
	}
}
