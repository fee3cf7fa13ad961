package report

import (
	"strings"
	"testing"

	"github.com/llmbench/llmbench/shared/summary"
)

func f64(v float64) *float64 { return &v }

// TestTail checks the failure-counting cells and when the reports show
// them.
func TestTail(t *testing.T) {
	d := summary.DistAll{N: 10, Failures: 2, P50: f64(123.4)}
	cells := []struct {
		name string
		d    summary.DistAll
		v    *float64
		want string
	}{
		{"finite", d, d.P50, "123"},                      // as msCell writes it
		{"among the failures", d, d.P99, Infinity},       // null: infinitely slow
		{"no value at all", summary.DistAll{}, nil, "-"}, // N = 0: nothing measured, not infinite
	}
	for _, c := range cells {
		if got := allCell(c.d, c.v); got != c.want {
			t.Errorf("%s: allCell = %q, want %q", c.name, got, c.want)
		}
	}

	failed := summary.Level{Concurrency: 4, Requests: 10, OK: 8, Errors: 2, TTFTAllMs: d, E2EAllMs: d, SLOAttainment: f64(0.7)}
	strict := summary.Level{Concurrency: 8, Requests: 10, OK: 10, SLOAttainment: f64(0.6)} // the SLO turned 4 ok requests away
	clean := summary.Level{Concurrency: 16, Requests: 10, OK: 10, SLOAttainment: f64(1)}
	old := summary.Level{Concurrency: 32, Requests: 10, OK: 8, Errors: 2} // a summary written before the figures
	shows := []struct {
		name   string
		levels []summary.Level
		want   bool
	}{
		{"a level failed", []summary.Level{clean, failed}, true},
		{"an SLO missed", []summary.Level{strict}, true},
		{"nothing to add", []summary.Level{clean}, false}, // the level table says it all
		{"an old summary", []summary.Level{old}, false},   // no figure to show
	}
	for _, tt := range shows {
		s := &summary.Summary{Levels: tt.levels}
		if got := hasTail(s); got != tt.want {
			t.Errorf("%s: hasTail = %v, want %v", tt.name, got, tt.want)
		}
		if md := string(Markdown(s, nil)); strings.Contains(md, "## Failures in the tail") != tt.want {
			t.Errorf("%s: report.md has the section: %v, want %v", tt.name, !tt.want, tt.want)
		}
	}
	lines := TailLines(&summary.Summary{Levels: []summary.Level{clean, failed, old}})
	want := "level 4 counting its 2 failed of 10 requests as infinitely slow: TTFT p50 123 p95 ∞ ms, E2E p50 123 p95 ∞ ms; SLO attained by 70.0%"
	if len(lines) != 1 || lines[0] != want {
		t.Errorf("TailLines = %q, want only %q", lines, want)
	}
}

// withTail gives a fixture level its failure-counting figures, from its
// ok-only ones: its Errors ranked after the ok values, a percentile among
// them infinite (nil), a finite one a little above the ok-only one (a
// failure moves every rank up); the attainment is goodput / request rate
// over the measured requests.
func withTail(l summary.Level) summary.Level {
	all := func(d summary.Dist) summary.DistAll {
		a := summary.DistAll{N: d.N + l.Errors, Failures: l.Errors}
		if a.N == 0 {
			return a
		}
		at := func(p, v float64) *float64 {
			switch {
			case float64(a.N-1)*p > float64(d.N-1):
				return nil
			case l.Errors == 0:
				return f64(v)
			}
			return f64(v * 1.02)
		}
		a.P50, a.P90, a.P95, a.P99 = at(0.5, d.P50), at(0.9, d.P90), at(0.95, d.P95), at(0.99, d.P99)
		if l.Errors == 0 {
			a.Mean, a.Max = f64(d.Mean), f64(d.Max)
		}
		return a
	}
	l.TTFTAllMs, l.TPOTAllMs, l.ITLAllMs, l.E2EAllMs = all(l.TTFTMs), all(l.TPOTMs), all(l.ITLMs), all(l.E2EMs)
	if l.Requests > 0 && l.RequestThroughput > 0 {
		l.SLOAttainment = f64(l.GoodputRPS / l.RequestThroughput * float64(l.OK) / float64(l.Requests))
	}
	return l
}
