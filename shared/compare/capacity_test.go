package compare

import (
	"strings"
	"testing"

	"github.com/llmbench/llmbench/shared/summary"
)

// TestCapacityColumn: the executive table gains a Capacity column when a
// run compared had a search, saying what each found; without one, the
// seeds' six columns stay as they are.
func TestCapacityColumn(t *testing.T) {
	runs := loadSeeds(t)
	if strings.Contains(string(Table(Executive(runs, DefaultRules), DefaultRules)), CapacityHead) {
		t.Fatal("a Capacity column without any search")
	}
	f := func(v float64) *float64 { return &v }
	runs[0].Capacity = &summary.Capacity{Unit: "streams", Load: f(21), Bracket: [2]*float64{f(21), f(22)}}
	runs[1].Capacity = &summary.Capacity{Unit: "req/s", Load: f(40), Bracket: [2]*float64{f(40), nil}}
	runs[2].Capacity = &summary.Capacity{Unit: "streams", Bracket: [2]*float64{nil, f(1)}}
	md := string(Table(Executive(runs, DefaultRules), DefaultRules))
	lines := strings.Split(strings.TrimSpace(md), "\n")
	if !strings.HasSuffix(lines[0], "| Capacity |") {
		t.Fatalf("header: %s", lines[0])
	}
	for i, want := range []string{"| 21 streams |", "| ≥ 40 req/s |", "| none |", "| - |"} {
		if !strings.HasSuffix(lines[2+i], want) {
			t.Errorf("row %d: %s, want it to end %q", i, lines[2+i], want)
		}
	}
	html, err := HTML(runs, DefaultRules)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(html), "<th>Capacity</th>") || !strings.Contains(string(html), "≥ 40 req/s") {
		t.Error("compare.html lacks the Capacity column")
	}
}
