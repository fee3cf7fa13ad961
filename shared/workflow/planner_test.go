package workflow_test

import (
	"context"
	"strings"
	"testing"

	"github.com/llmbench/llmbench/shared/workflow"
	"github.com/llmbench/llmbench/shared/workflow/workflowtest"
)

// TestPlannerWorkerQuota: a deployment's stated Lambda concurrency quota
// bounds the workers of a level whose spec states no load.max_workers,
// and the spec's own value wins over it.
func TestPlannerWorkerQuota(t *testing.T) {
	tests := []struct {
		name  string
		load  string
		quota int
		want  string // "" plans
	}{
		// 12 streams at 4 per worker: 3 workers.
		{"quota binds", `{"levels":[12],"requests":1,"slice_concurrency":4}`, 2, "needs 3 workers at once, more than the 2 of load.max_workers"},
		{"quota holds", `{"levels":[12],"requests":1,"slice_concurrency":4}`, 3, ""},
		{"spec wins", `{"levels":[12],"requests":1,"slice_concurrency":4,"max_workers":3}`, 2, ""},
		{"no quota stated", `{"levels":[12],"requests":1,"slice_concurrency":4}`, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := workflowtest.New(t, `{"name":"quota","target":{"kind":"sim"},"load":`+tt.load+`}`, workflowtest.Options{BaseURL: "http://127.0.0.1:1"})
			p := env.Planner.WithMaxWorkers(tt.quota)
			_, err := p.Plan(context.Background(), workflow.PlanEvent{Spec: env.Input})
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("err = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}
