package localrun_test

import (
	"context"
	"testing"

	"github.com/llmbench/llmbench/shared/workflow/workflowtest"
)

// TestTimelineSumsToTheRun runs two levels with a warm-up through the
// definition: summary.json's timeline places both, its seconds sum to
// the rows stored (requests and output tokens), and every level has its
// quantiles, the summary's own percentiles at their probabilities.
func TestTimelineSumsToTheRun(t *testing.T) {
	f := newEnv(t, `{"name":"timeline","target":{"kind":"sim","profile":"fixed"},
	  "workload":{"input_tokens":8,"output_tokens":6},
	  "load":{"levels":[2,3],"requests":18,"warmup":"200ms","slice_concurrency":2}}`)
	out, err := execution(f, nil).Run(context.Background(), "timeline", f.Input)
	if err != nil {
		t.Fatal(err)
	}
	rows := workflowtest.ReadRows(t, f.Store, out.RunID)
	sum := workflowtest.ReadSummary(t, f.Store, out.RunID)
	tl := sum.Timeline
	if tl == nil || len(tl.Levels) != 2 || len(tl.Seconds) == 0 {
		t.Fatalf("timeline %+v: want both levels placed", tl)
	}
	if tl.Levels[0].StartS != 0 || tl.Levels[1].StartS <= 0 {
		t.Errorf("levels start at %v s and %v s: want 0, then later", tl.Levels[0].StartS, tl.Levels[1].StartS)
	}
	var issued, ended, warmup int
	var tokens int64
	for i, tk := range tl.Seconds {
		issued += tk.Started + tk.NotSent
		ended += tk.OK + tk.Errors
		warmup += tk.Warmup
		tokens += tk.OutputTokens
		if i > 0 && tk.T != tl.Seconds[i-1].T+1 {
			t.Errorf("second %d follows second %d", tk.T, tl.Seconds[i-1].T)
		}
	}
	var rowTokens int64
	var rowWarmup int
	for _, r := range rows {
		if r.Status == "ok" {
			rowTokens += int64(r.OutputTokens)
		}
		if r.Warmup {
			rowWarmup++
		}
	}
	if issued != len(rows) || ended != len(rows) || warmup != rowWarmup || tokens != rowTokens {
		t.Errorf("the seconds hold %d issued, %d ended, %d warm-up, %d output tokens; the rows %d, %d warm-up, %d output tokens",
			issued, ended, warmup, tokens, len(rows), rowWarmup, rowTokens)
	}
	for _, l := range sum.Levels {
		q := l.Quantiles
		if q == nil || len(q.TTFTMs) != len(q.P) || len(q.E2EMs) != len(q.P) || len(q.ITLMs) != len(q.P) {
			t.Fatalf("level %d quantiles %+v", l.Index, q)
		}
		for k, p := range q.P {
			if p == 0.5 && q.TTFTMs[k] != l.TTFTMs.P50 || p == 1 && q.E2EMs[k] != l.E2EMs.Max {
				t.Errorf("level %d: quantile at %v differs from the summary's", l.Index, p)
			}
		}
	}
}
