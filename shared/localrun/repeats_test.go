package localrun_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/llmbench/llmbench/shared/plan"
	"github.com/llmbench/llmbench/shared/store"
	"github.com/llmbench/llmbench/shared/workflow/workflowtest"
)

// TestRepeatsEndToEnd runs the definition with load.repeats 2 over two
// levels, in both load modes: 4 levels planned in rounds, every request a
// row under its own level index, and a summary whose load points carry
// their figures over the two runs (and a report showing them).
func TestRepeatsEndToEnd(t *testing.T) {
	for _, c := range []struct {
		name, load string
		loads      []string // each level's load, in plan order
	}{
		{"concurrency", `{"levels":[2,3],"requests":12,"slice_concurrency":2,"repeats":2}`, []string{"c2", "c3", "c2", "c3"}},
		{"rate", `{"rates":[40,80],"requests":12,"repeats":2}`, []string{"r40", "r80", "r40", "r80"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newEnv(t, `{"name":"rep","target":{"kind":"sim","profile":"fixed"},"workload":{"input_tokens":8,"output_tokens":4},"load":`+c.load+`}`)
			out, err := execution(f, nil).Run(context.Background(), "rep", f.Input)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			b, err := f.Store.Get(ctx, store.RunKey(out.RunID, "plan.json"))
			if err != nil {
				t.Fatal(err)
			}
			var p plan.Plan
			if err := json.Unmarshal(b, &p); err != nil {
				t.Fatal(err)
			}
			var loads []string
			for i, l := range p.Levels {
				ld := fmt.Sprintf("c%d", l.Concurrency)
				if l.Mode == "rate" {
					ld = fmt.Sprintf("r%g", l.Rate)
				}
				loads = append(loads, ld)
				if l.Index != i || l.Repeat == nil || l.Repeat.Run != i/2+1 || l.Repeat.Point != i%2 || l.Repeat.Of != 2 {
					t.Errorf("plan level %d: index %d, repeat %+v", i, l.Index, l.Repeat)
				}
			}
			if fmt.Sprint(loads) != fmt.Sprint(c.loads) {
				t.Errorf("planned %v, want %v", loads, c.loads)
			}

			rows := workflowtest.ReadRows(t, f.Store, out.RunID)
			perIndex := map[int]int{}
			for _, r := range rows {
				perIndex[int(r.LevelIndex)]++
			}
			sum := workflowtest.ReadSummary(t, f.Store, out.RunID)
			if len(sum.Levels) != 4 {
				t.Fatalf("%d levels in the summary, want 4", len(sum.Levels))
			}
			total := 0
			for _, l := range sum.Levels {
				n := l.Requests + l.WarmupRequests
				total += n
				if l.Requests != 12 || l.OK != 12 || perIndex[l.Index] != n {
					t.Errorf("level %d: %d requests, %d ok, %d rows", l.Index, l.Requests, l.OK, perIndex[l.Index])
				}
				if l.Repeat == nil || l.Repeat.Run != l.Index/2+1 {
					t.Errorf("level %d: repeat %+v", l.Index, l.Repeat)
				}
			}
			if len(rows) != total || out.Requests != total {
				t.Errorf("rows %d, summary %d, execution output %d: must reconcile", len(rows), total, out.Requests)
			}
			if len(sum.Repeats) != 2 {
				t.Fatalf("%d load points with repeats, want 2: %+v", len(sum.Repeats), sum.Repeats)
			}
			for k, pt := range sum.Repeats {
				fg := pt.Figures
				if pt.Point != k || fmt.Sprint(pt.Levels) != fmt.Sprint([]int{k, k + 2}) {
					t.Errorf("point %d: %+v", k, pt)
				}
				for name, e := range map[string]any{"tok/s": fg.OutputTokenThroughput, "req/s": fg.RequestThroughput, "TTFT p50": fg.TTFTP50Ms,
					"TTFT p95": fg.TTFTP95Ms, "TPOT p50": fg.TPOTP50Ms, "E2E p50": fg.E2EP50Ms, "E2E p95": fg.E2EP95Ms, "error rate": fg.ErrorRate} {
					if fmt.Sprint(e) == "<nil>" {
						t.Errorf("point %d: no %s estimate", k, name)
					}
				}
				if e := fg.OutputTokenThroughput; e != nil && (e.N != 2 || len(e.Values) != 2 || !(e.CILow <= e.Mean && e.Mean <= e.CIHigh)) {
					t.Errorf("point %d: tok/s estimate %+v", k, e)
				}
				if fg.CostPer1MOutputTokens != nil {
					t.Errorf("point %d: a cost without a price", k)
				}
			}
			md, err := f.Store.Get(ctx, store.RunKey(out.RunID, "report.md"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(md), "## Repeats") || !strings.Contains(string(md), " (2/2) |") {
				t.Errorf("report.md has no repeats:\n%s", md)
			}
		})
	}
}
