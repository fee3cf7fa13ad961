package compare

import (
	"strings"
	"testing"

	"github.com/llmbench/llmbench/shared/summary"
)

// TestBillColumn: the executive table gains a Benchmark cost column when
// a run compared has benchmark_cost_usd, a local run's figure marked as
// an estimate; with a search too, it follows the Capacity column.
func TestBillColumn(t *testing.T) {
	runs := loadSeeds(t)
	if strings.Contains(string(Table(Executive(runs, DefaultRules), DefaultRules)), BillHead) {
		t.Fatal("a Benchmark cost column without any figure")
	}
	runs[0].BenchmarkCost = &summary.BenchmarkCost{TotalUSD: 0.0123456, Basis: "aws"}
	runs[1].BenchmarkCost = &summary.BenchmarkCost{TotalUSD: 0.002355, Basis: "local"}
	md := string(Table(Executive(runs, DefaultRules), DefaultRules))
	lines := strings.Split(strings.TrimSpace(md), "\n")
	if !strings.HasSuffix(lines[0], "| Benchmark cost |") {
		t.Fatalf("header: %s", lines[0])
	}
	for i, want := range []string{"| $0.0123 |", "| $0.002355 (local est.) |", "| - |"} {
		if !strings.HasSuffix(lines[2+i], want) {
			t.Errorf("row %d: %s, want it to end %q", i, lines[2+i], want)
		}
	}
	f := func(v float64) *float64 { return &v }
	runs[2].Capacity = &summary.Capacity{Unit: "streams", Load: f(21), Bracket: [2]*float64{f(21), f(22)}}
	md = string(Table(Executive(runs, DefaultRules), DefaultRules))
	if lines = strings.Split(strings.TrimSpace(md), "\n"); !strings.HasSuffix(lines[0], "| Capacity | Benchmark cost |") || !strings.HasSuffix(lines[4], "| 21 streams | - |") {
		t.Errorf("with a search: %s / %s", lines[0], lines[4])
	}
	html, err := HTML(runs, DefaultRules)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(html), "<th>Benchmark cost</th>") || !strings.Contains(string(html), "$0.002355 (local est.)") {
		t.Error("compare.html lacks the Benchmark cost column")
	}
}
