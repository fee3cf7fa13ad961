package report

import (
	"strings"
	"testing"

	"github.com/llmbench/llmbench/shared/summary"
)

// repeatedRun is a run of 32 streams three times, its TTFT p95 212 ± 9 ms.
func repeatedRun() *summary.Summary {
	s := &summary.Summary{Name: "rep", RunID: "rep-1"}
	ttft := []float64{203.5, 212, 220.5}
	tps := []float64{950, 952, 954}
	for i := range 3 {
		s.Levels = append(s.Levels, summary.Level{Index: i, Mode: "concurrency", Concurrency: 32, Requests: 100, OK: 100,
			OutputTokenThroughput: tps[i], TTFTMs: summary.Dist{N: 100, P50: 150, P95: ttft[i]}, E2EMs: summary.Dist{N: 100, P50: 2000, P95: 2100},
			Repeat: &summary.Repeat{Point: 0, Run: i + 1, Of: 3}})
	}
	s.Repeats = []summary.PointRepeats{{Point: 0, Mode: "concurrency", Concurrency: 32, Levels: []int{0, 1, 2}, Figures: summary.RepeatFigures{
		OutputTokenThroughput: summary.NewEstimate(tps, 0.95),
		TTFTP95Ms:             summary.NewEstimate(ttft, 0.95),
		ErrorRate:             summary.NewEstimate([]float64{0, 0, 0}, 0.95),
	}}}
	return s
}

func TestRepeatFigures(t *testing.T) {
	s := repeatedRun()
	// sd 8.5, half-width 4.303 · 8.5 / √3 = 21.1; CV 4.0%.
	lines := RepeatLines(s)
	want := "level 32, 3 runs (mean ± 95% CI): out tok/s 952.0 ± 5.0 (CV 0.21%) · TTFT p95 212 ± 21 ms (CV 4.0%) · err 0.00 ± 0.00 % (CV -)"
	if len(lines) != 1 || lines[0] != want {
		t.Errorf("RepeatLines = %q\nwant %q", lines, want)
	}
	if got := Label(&s.Levels[1]); got != "32 (2/3)" {
		t.Errorf("Label = %q", got)
	}
	var b strings.Builder
	if err := Table(&b, s); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), want) || !strings.Contains(b.String(), "32 (3/3)") {
		t.Errorf("terminal table:\n%s", b.String())
	}
	md := string(Markdown(s, nil))
	for _, w := range []string{"## Repeats", "| conc | runs | out tok/s | req/s | TTFT p50 ms |", "| 32 | 3 | 952.0 ± 5.0 (CV 0.21%) | - | - | 212 ± 21 (CV 4.0%) |"} {
		if !strings.Contains(md, w) {
			t.Errorf("report.md lacks %q:\n%s", w, md)
		}
	}
	page, err := HTML(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), `<h2 id="repeats">Repeats</h2>`) || !strings.Contains(string(page), "212 ± 21 (CV 4.0%)") {
		t.Error("report.html has no repeats table")
	}
	// Without repeats: nothing.
	s.Repeats = nil
	if RepeatLines(s) != nil || strings.Contains(string(Markdown(s, nil)), "## Repeats") {
		t.Error("repeat figures without repeats")
	}
}
