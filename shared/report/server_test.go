package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/llmbench/llmbench/shared/summary"
)

func f(v float64) *float64 { return &v }

// TestServer checks the server telemetry in every report: report.md's
// table beside the load, report.html's, the terminal's lines, a level's
// warning in all three, and nothing for a run without target.metrics.
func TestServer(t *testing.T) {
	s := &summary.Summary{Name: "srv", RunID: "r", Definitions: summary.Definitions{Server: "the gauges"}, Levels: []summary.Level{
		{Index: 0, Mode: "concurrency", Concurrency: 8, AchievedConcurrency: 7.96, Server: &summary.Server{
			RunningMean: f(7.94), RunningMax: f(8), WaitingMean: f(0.06), WaitingMax: f(1), KVCacheMean: f(0.0212), KVCacheMax: f(0.0245), Samples: 20, Scrapes: 22}},
		// A level whose endpoint failed: no figure, a warning.
		{Index: 1, Mode: "concurrency", Concurrency: 16, AchievedConcurrency: 15.9, Server: &summary.Server{
			Scrapes: 22, Failed: 22, Warning: "22 of 22 scrapes failed, the first: scrape http://h/metrics: HTTP 404"}},
	}}
	md := string(Markdown(s, nil))
	for _, want := range []string{
		"## Server telemetry\n\n| conc | achieved conc | running mean | running max | waiting mean | waiting max | KV cache mean % | KV cache max % | scrapes |\n",
		"| 8 | 8.0 | 7.9 | 8 | 0.1 | 1 | 2.1 | 2.5 | 20 of 22 |\n",
		"| 16 | 15.9 | - | - | - | - | - | - | 0 of 22 |\n",
		"- warning: level 16 server telemetry: 22 of 22 scrapes failed, the first: scrape http://h/metrics: HTTP 404\n",
		"- **Server telemetry**: the gauges\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report.md lacks %q:\n%s", want, md)
		}
	}
	html, err := HTML(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<h2 id="server">Server telemetry</h2>`, "<td class=\"n\">7.9</td>", "level 16 server telemetry: 22 of 22 scrapes failed"} {
		if !bytes.Contains(html, []byte(want)) {
			t.Errorf("report.html lacks %q", want)
		}
	}
	var term bytes.Buffer
	if err := Table(&term, s); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"level 8 server: running 7.9 mean / 8 max, waiting 0.1 / 1, KV cache 2.1% / 2.5% (20 scrapes) beside achieved concurrency 8.0",
		"warning: level 16 server telemetry: 22 of 22 scrapes failed",
	} {
		if !strings.Contains(term.String(), want) {
			t.Errorf("terminal lacks %q:\n%s", want, term.String())
		}
	}

	for i := range s.Levels {
		s.Levels[i].Server = nil // a run without target.metrics
	}
	if md := Markdown(s, nil); bytes.Contains(md, []byte("Server telemetry")) {
		t.Errorf("a run without telemetry shows it:\n%s", md)
	}
}
