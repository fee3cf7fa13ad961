package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/summary"
)

// TestTurns: a level of conversations shows its figures by turn in the
// terminal (one line), report.md and report.html, and the workload says
// how its conversations were drawn; a level without has none.
func TestTurns(t *testing.T) {
	s, _ := fixture()
	hit2 := 0.781
	s.Levels[1].Turns = []summary.Turn{
		{Turn: 1, Requests: 32, OK: 32, InputTokensMean: 256, TTFTMs: summary.Dist{N: 32, P50: 41.25, P90: 50, P99: 60}, E2EMs: summary.Dist{N: 32, P50: 900}},
		{Turn: 2, Requests: 30, OK: 29, InputTokensMean: 577, CachedTokens: 9000, CacheHitRatio: &hit2, TTFTMs: summary.Dist{N: 29, P50: 23, P90: 30, P99: 35}, E2EMs: summary.Dist{N: 29, P50: 880}},
	}
	sp, err := spec.Parse(strings.NewReader(`{"name":"demo","target":{"kind":"sim"},"workload":{"session":{"turns":{"dist":"uniform","min":2,"max":4},"think_time":"1500ms"}},
	  "load":{"levels":[6,32],"duration":"10s"}}`))
	if err != nil {
		t.Fatal(err)
	}
	var tb bytes.Buffer
	if err := Table(&tb, s); err != nil {
		t.Fatal(err)
	}
	md := string(Markdown(s, sp))
	html, err := HTML(s, sp)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ where, got, want string }{
		{"table", tb.String(), "level 32 by turn: TTFT p50 41.2 → 23.0 ms, cache hit - → 78.1 %"},
		{"report.md", md, "## By turn"},
		{"report.md", md, "| 2 | 30 | 29 | 577 | 78.1 | 23.0 | 30.0 | 35.0 | 880 |"},
		{"report.md", md, "conversations of uniform 2..4 turns (think time 1500ms)"},
		{"report.html", string(html), "<td class=\"n\">78.1</td>"},
		{"report.html", string(html), "<h4>By turn</h4>"},
	} {
		if !strings.Contains(c.got, c.want) {
			t.Errorf("%s lacks %q:\n%s", c.where, c.want, c.got)
		}
	}
	if strings.Contains(md, "\nlevel 6:") || strings.Contains(tb.String(), "level 6 by turn") {
		t.Errorf("report.md has turns for the level without conversations")
	}
	if strings.Count(string(html), "<h4>By turn</h4>") != 1 {
		t.Errorf("report.html: want one table by turn")
	}
}
