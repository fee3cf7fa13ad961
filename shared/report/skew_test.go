package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/llmbench/llmbench/shared/summary"
)

// TestSkew checks the start skew in every report: report.md's table, a
// flagged slice's warning in report.md, report.html and the terminal, and
// nothing at all for a summary written before the figure.
func TestSkew(t *testing.T) {
	s := &summary.Summary{Name: "skew", RunID: "r", Levels: []summary.Level{
		{Index: 0, Mode: "concurrency", Concurrency: 3, StartSkewMs: &summary.StartSkew{Slices: 3, P50: 1.5, P99: 396.1, Max: 404.2, ToleranceMs: 50, Beyond: []int{1}}},
		{Index: 1, Mode: "concurrency", Concurrency: 4, StartSkewMs: &summary.StartSkew{Slices: 4, P50: 0.8, P99: 2.1, Max: 2.2, ToleranceMs: 50}},
	}, SliceWarnings: []summary.SliceWarning{{Level: 0, Worker: 1, StartSkewMs: 404.2}}}
	md := string(Markdown(s, nil))
	for _, want := range []string{
		"## Start skew\n\n| conc | slices | skew p50 ms | skew p99 ms | skew max ms | beyond tolerance |\n",
		"| 3 | 3 | 1.50 | 396 | 404 | worker 1 (> 50 ms) |\n",
		"| 4 | 4 | 0.80 | 2.10 | 2.20 | none (> 50 ms) |\n",
		"- warning: level 3 worker 1 sent its first request 404 ms after it was due (start skew, tolerance 50 ms): the level held fewer streams",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report.md lacks %q:\n%s", want, md)
		}
	}
	html, err := HTML(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(html, []byte(`<h2 id="skew">Start skew</h2>`)) || !bytes.Contains(html, []byte("worker 1 sent its first request 404 ms after it was due")) {
		t.Errorf("report.html lacks the start skew")
	}
	var term bytes.Buffer
	if err := Table(&term, s); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(term.String(), "warning: level 3 worker 1 sent its first request 404 ms") {
		t.Errorf("terminal lacks the flagged slice:\n%s", term.String())
	}

	for i := range s.Levels {
		s.Levels[i].StartSkewMs = nil // a summary written before the figure
	}
	s.SliceWarnings = nil
	if md := Markdown(s, nil); bytes.Contains(md, []byte("Start skew")) {
		t.Errorf("a summary without start skews shows a section:\n%s", md)
	}
}
