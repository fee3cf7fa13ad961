package report

import (
	"strings"
	"testing"

	"github.com/llmbench/llmbench/shared/summary"
)

// TestMaxWorkersShown: the worker limit a run was planned against is in
// both reports' facts, and absent when the summary has none (old runs).
func TestMaxWorkersShown(t *testing.T) {
	for _, n := range []int{0, 7} {
		s := &summary.Summary{RunID: "r", Name: "n", MaxWorkers: n}
		md := string(Markdown(s, nil))
		page, err := HTML(s, nil)
		if err != nil {
			t.Fatal(err)
		}
		wantMD, wantHTML := "| max workers per level | 7 |", "max workers per level"
		if got := strings.Contains(md, wantMD); got != (n > 0) {
			t.Errorf("max_workers %d: report.md has %q: %v", n, wantMD, got)
		}
		if got := strings.Contains(string(page), wantHTML); got != (n > 0) {
			t.Errorf("max_workers %d: report.html has %q: %v", n, wantHTML, got)
		}
	}
}
