package workflow

import (
	"strings"
	"testing"

	"github.com/llmbench/llmbench/shared/summary"
	"github.com/llmbench/llmbench/shared/telemetry"
)

// TestServerOf: the warning a level's server figures carry, by what the
// scrapes and the SQL gave.
func TestServerOf(t *testing.T) {
	v := 3.0
	figures := &summary.Server{RunningMean: &v, RunningMax: &v, Samples: 9}
	ok := &telemetry.Result{Scrapes: 10, Rows: 30, Parts: 1}
	tests := []struct {
		name   string
		q      *summary.Server
		r      *telemetry.Result
		rounds int
		want   string // "" for no warning
	}{
		{"all well", figures, ok, 1, ""},
		{"no record", figures, nil, 1, "left no scrape record"},
		{"failures", figures, &telemetry.Result{Scrapes: 10, Failed: 2, Error: "scrape http://h/metrics: HTTP 503"}, 1, "2 of 10 scrapes failed, the first: scrape http://h/metrics: HTTP 503"},
		{"lost rows", figures, &telemetry.Result{Scrapes: 10, WriteError: "30 rows lost: disk full"}, 1, "telemetry not stored: 30 rows lost"},
		{"nothing after the warm-up", nil, ok, 1, "no scrape after the warm-up"},
		{"other gauges", &summary.Server{Samples: 9}, ok, 1, "none of vLLM's gauges"},
		{"rounds", figures, ok, 3, "ran in 3 rounds: its server was scraped during the first round only"},
	}
	for _, tt := range tests {
		got := serverOf(tt.q, tt.r, tt.rounds)
		if tt.want == "" && got.Warning != "" || !strings.Contains(got.Warning, tt.want) {
			t.Errorf("%s: warning %q, want %q", tt.name, got.Warning, tt.want)
		}
		if tt.r != nil && (got.Scrapes != tt.r.Scrapes || got.Failed != tt.r.Failed) {
			t.Errorf("%s: scrapes %d failed %d, the record says %d, %d", tt.name, got.Scrapes, got.Failed, tt.r.Scrapes, tt.r.Failed)
		}
		if tt.q != nil && got.Samples != tt.q.Samples {
			t.Errorf("%s: samples %d, want %d", tt.name, got.Samples, tt.q.Samples)
		}
	}
}
