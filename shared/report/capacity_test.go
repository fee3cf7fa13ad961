package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/llmbench/llmbench/shared/summary"
)

func capFixture() *summary.Summary {
	s, _ := fixture()
	f := func(v float64) *float64 { return &v }
	idx := 1
	check := func(tpot, errs float64) []summary.Check {
		return []summary.Check{
			{Criterion: "tpot_p95_ms", Limit: 25, Value: f(tpot), Pass: tpot <= 25},
			{Criterion: "error_rate", Limit: 0.01, Value: f(errs), Pass: errs <= 0.01},
		}
	}
	s.Capacity = &summary.Capacity{Over: "concurrency", Unit: "streams", Load: f(21), LevelIndex: &idx,
		OutputTokenThroughput: 812.5, RequestThroughput: 12.7, TTFTP95Ms: 88, TPOTP95Ms: 24.1, E2EP95Ms: 950,
		Bracket: [2]*float64{f(21), f(22)}, Stopped: "adjacent", Why: "21 streams passes and 22 streams fails: nothing lies between them",
		Tried: []summary.Tried{
			{LevelIndex: 0, Load: 1, Pass: true, Checks: check(11, 0)},
			{LevelIndex: 1, Load: 32, Pass: false, Checks: check(31.5, 0.02)},
			{LevelIndex: 2, Load: 21, Pass: true, Checks: check(24.1, 0)},
			{LevelIndex: 3, Load: 22, Pass: false, Checks: check(25.3, 0)},
		}}
	return s
}

// TestCapacityShown: the terminal, report.md and report.html say what the
// search found, and report.html draws its path against each criterion.
func TestCapacityShown(t *testing.T) {
	s := capFixture()
	var tb bytes.Buffer
	if err := Table(&tb, s); err != nil {
		t.Fatal(err)
	}
	md := string(Markdown(s, nil))
	html, err := HTML(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ where, got, want string }{
		{"table", tb.String(), "CAPACITY: 21 streams (812.5 output tok/s, 12.70 req/s, TTFT p95 88.0 ms, TPOT p95 24.1 ms, E2E p95 950 ms)"},
		{"table", tb.String(), "search: 4 levels tried; bracket [21 streams, 22 streams]; stopped: 21 streams passes and 22 streams fails"},
		{"report.md", md, "## Capacity"},
		{"report.md", md, "| level | load | result | TPOT p95 (ms) ≤ 25.0 | error rate ≤ 1.00% |"},
		{"report.md", md, "| 1 | 32 streams | FAIL | 31.5 ✗ | 2.00% ✗ |"},
		{"report.html", string(html), `<h2 id="capacity">Capacity</h2>`},
		{"report.html", string(html), "Search: TPOT p95 (ms) by load"},
		{"report.html", string(html), "Search: error rate (%) by load"},
	} {
		if !strings.Contains(c.got, c.want) {
			t.Errorf("%s lacks %q", c.where, c.want)
		}
	}
	// A search that found nothing says so.
	s.Capacity.Load, s.Capacity.Bracket[0] = nil, nil
	lines := strings.Join(CapacityLines(s), "\n")
	if !strings.Contains(lines, "CAPACITY: none") || !strings.Contains(lines, "bracket [none passed, 22 streams]") {
		t.Errorf("no capacity: %s", lines)
	}
}
