package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/summary"
)

// htmlFixture is a simulated run of four levels with full distributions and
// errors of three kinds, and a spec carrying secrets where none belongs (a
// spec that never went through Parse): each contains PLANTED, which must
// never reach the page.
func htmlFixture() (*summary.Summary, *spec.Spec) {
	p := func(v float64) *float64 { return &v }
	d := func(n int, p50 float64) summary.Dist {
		return summary.Dist{N: n, Mean: p50 * 1.04, P50: p50, P90: p50 * 1.3, P95: p50 * 1.45, P99: p50 * 1.9, Max: p50 * 2.6}
	}
	lv := func(i, c, reqs, errs int, tps, ttft, e2e float64, kinds map[string]int) summary.Level {
		ok := reqs - errs
		return withTail(summary.Level{Index: i, Concurrency: c, Requests: reqs, WarmupRequests: 2 * c, OK: ok, Errors: errs, ErrorsByStatus: kinds,
			ErrorRate: float64(errs) / float64(reqs), DurationS: 60, AchievedConcurrency: float64(c) * 0.98,
			RequestThroughput: float64(ok) / 60, OutputTokenThroughput: tps, GoodputRPS: float64(ok) / 60 * 0.97, TokenSource: "usage",
			TTFTMs: d(ok, ttft), TPOTMs: d(ok, (e2e-ttft)/63), ITLMs: d(ok*63, (e2e-ttft)/63*0.95), E2EMs: d(ok, e2e),
			CostPer1MOutputTokensUSD: p(1.515 / (tps * 3600) * 1e6), OutputTokensPerUSDHour: p(tps * 3600 / 1.515)})
	}
	s := &summary.Summary{
		RunID: "html-20261123T060000Z-beef", Name: "html-demo", Platform: "sim", Engine: "duckdb",
		Simulated: true, SimProfile: "g5-llama31-8b-awq", Target: "simulated LLM server",
		StartedAt: time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC), FinishedAt: time.Date(2026, 11, 23, 6, 5, 0, 0, time.UTC),
		Definitions: summary.Definitions{TTFT: "first token", ITL: "gaps", TPOT: "per token", E2E: "whole request", Window: "window", Throughput: "tokens / window", Percentile: "exact", Cost: "formula"},
		Levels: []summary.Level{
			lv(0, 6, 360, 0, 364.1, 55.0, 930.4, nil),
			lv(1, 12, 700, 3, 672.5, 81.2, 1010.8, map[string]int{"timeout": 3}),
			lv(2, 24, 1200, 14, 851.9, 140.6, 1742.3, map[string]int{"timeout": 4, "http_429": 8, "http_500": 2}),
			lv(3, 32, 1400, 35, 950.0, 203.2, 2144.0, map[string]int{"timeout": 5, "http_429": 30}),
		},
		RetriedSlices: []summary.RetriedSlice{{Level: 3, Worker: 0, Attempts: 2, DiscardedParts: 1}}, // level index 3: 32 streams
	}
	withCharts(s) // quantiles and a timeline (timeline_test.go)
	sp := &spec.Spec{Name: "html-demo", Platform: "sim",
		Target: spec.Target{Kind: "openai", URL: "https://user:PLANTED-3-pw@llm.example.invalid/v1?api-version=2024-06-01&sig=PLANTED-4-sig", Model: "m",
			Auth:    &spec.Auth{Header: "api-key", Secret: "sk-live-PLANTED-1"},
			Headers: map[string]string{"Authorization": "Bearer PLANTED-2", "X-Team": "bench"}},
		Workload: spec.Workload{InputTokens: spec.FixedLength(256), OutputTokens: spec.FixedLength(64)},
		Load:     spec.Load{Levels: []int{6, 12, 24, 32}, Duration: "60s", Warmup: "5s"},
		Pricing:  spec.Pricing{USDPerHour: 1.515, Instances: 1},
		SLO:      spec.SLO{TTFTMs: 2000, TPOTMs: 100},
	}
	return s, sp
}

func TestHTMLGolden(t *testing.T) {
	s, sp := htmlFixture()
	b, err := HTML(s, sp)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "report.html", b)
}

var (
	svgRe    = regexp.MustCompile(`(?s)<svg class="chart" role="img" aria-label="([^"]*)"[^>]*>(.*?)</svg>`)
	thRe     = regexp.MustCompile(`(?s)<table class="results">\s*<tr>(.*?)</tr>`)
	thCellRe = regexp.MustCompile(`<th>([^<]*)</th>`)
	// fetchRe finds anything that would make a browser load a resource.
	fetchRe = regexp.MustCompile(`(?i)\bsrc\s*=|\bhref\s*=|url\(|@import|@font-face|<script|<link|<iframe|<img|<object|<embed`)
)

// allCharts are the titles of htmlFixture's charts, in order: against
// concurrency, over the levels, the CDFs, then the run's timeline.
var allCharts = []string{
	"Output throughput vs concurrency", "TTFT p50 and p95 vs concurrency", "TPOT p50 and p95 vs concurrency", "ITL p50 and p95 vs concurrency",
	"E2E p50 and p95 vs concurrency", "Error rate by kind vs concurrency",
	"Throughput vs E2E p95 latency", "Throughput vs TTFT p95 latency", "TTFT distribution per level", "Errors by kind per level",
	"TTFT empirical CDF per level", "E2E empirical CDF per level", "ITL empirical CDF per level",
	"Output throughput over the run", "Requests in flight over the run", "TTFT p50 over the run", "Requests ended per second over the run"}

// without is charts less those beginning with one of drop.
func without(charts []string, drop ...string) []string {
	var out []string
next:
	for _, c := range charts {
		for _, d := range drop {
			if strings.HasPrefix(c, d) {
				continue next
			}
		}
		out = append(out, c)
	}
	return out
}

// TestHTMLStructure checks what the page must hold, for several runs.
func TestHTMLStructure(t *testing.T) {
	tests := []struct {
		name      string
		change    func(s *summary.Summary, sp **spec.Spec)
		charts    []string // the charts' titles, in order (a prefix of each)
		simulated bool
		contains  []string
	}{
		// The full fixture: every chart, the banner, the errors by kind.
		{"simulated with errors", func(*summary.Summary, **spec.Spec) {}, allCharts,
			true, []string{"SIMULATED SERVER", "— SIMULATED server", "http_429 30, timeout 5", "retried slice: level 32 worker 0 ran 2 times",
				"TTFT ≤ 2000 ms, TPOT ≤ 100 ms", "$1.515 per hour × 1 instance(s)"}},
		// A real endpoint without errors: no banner and no error chart.
		{"real, no errors", func(s *summary.Summary, _ **spec.Spec) {
			s.Simulated, s.SimProfile = false, ""
			for i := range s.Levels {
				s.Levels[i].Errors, s.Levels[i].ErrorsByStatus, s.Levels[i].ErrorRate = 0, nil, 0
			}
		}, without(allCharts, "Error rate by kind", "Errors by kind"),
			false, []string{"Results per level"}},
		// A level where every request failed has no latency: dashes, and no point.
		{"a level without ok requests", func(s *summary.Summary, _ **spec.Spec) {
			l := &s.Levels[3]
			l.OK, l.Errors, l.ErrorRate, l.ErrorsByStatus = 0, l.Requests, 1, map[string]int{"http_503": l.Requests}
			l.TTFTMs, l.TPOTMs, l.ITLMs, l.E2EMs = summary.Dist{}, summary.Dist{}, summary.Dist{}, summary.Dist{}
			l.OutputTokenThroughput, l.CostPer1MOutputTokensUSD, l.OutputTokensPerUSDHour = 0, nil, nil
			l.Quantiles = nil
		}, allCharts,
			true, []string{`<td class="n">100.0</td>`, "http_503 1400"}},
		// No spec: the page says so; a run without levels draws nothing.
		{"no spec, no levels", func(s *summary.Summary, sp **spec.Spec) {
			*sp = nil
			s.Levels = nil
			s.RetriedSlices = nil
			s.Timeline = nil
		}, nil,
			true, []string{"spec.json is not available", "No level has measurements to chart."}},
		// Latencies spanning more than a factor of 10 go on a log axis.
		{"wide latencies", func(s *summary.Summary, _ **spec.Spec) {
			s.Levels[3].TTFTMs.P95, s.Levels[3].TTFTMs.P99, s.Levels[3].TTFTMs.Max = 9000, 12000, 15000
		}, allCharts,
			true, []string{"TTFT (ms, log scale)", "so the y axis is logarithmic"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, sp := htmlFixture()
			tt.change(s, &sp)
			b, err := HTML(s, sp)
			if err != nil {
				t.Fatal(err)
			}
			page := string(b)
			if !strings.HasPrefix(page, "<!DOCTYPE html>") || !strings.HasSuffix(page, "</html>\n") {
				t.Error("not a whole HTML document")
			}
			// The one link: an empty inline icon, so that browsers do not ask
			// the server for /favicon.ico.
			const icon = `<link rel="icon" href="data:,">`
			if strings.Count(page, icon) != 1 {
				t.Error("no inline icon: browsers will fetch /favicon.ico")
			}
			if m := fetchRe.FindAllString(strings.Replace(page, icon, "", 1), -1); len(m) > 0 {
				t.Errorf("the page would fetch something: %q", m)
			}
			if strings.Contains(page, "<?xml") {
				t.Error("an XML prolog inside the page")
			}
			svgs := svgRe.FindAllStringSubmatch(page, -1)
			if len(svgs) != len(tt.charts) || strings.Count(page, "<svg") != len(tt.charts) {
				t.Fatalf("%d charts, want %d", len(svgs), len(tt.charts))
			}
			for i, m := range svgs {
				if !strings.HasPrefix(m[1], tt.charts[i]) {
					t.Errorf("chart %d is %q, want %q…", i, m[1], tt.charts[i])
				}
				if tt.simulated != strings.Contains(m[1], "SIMULATED") {
					t.Errorf("chart %q: simulated label wrong", m[1])
				}
				if strings.Count(m[2], "<path") < 5 || !strings.Contains(m[2], "<text") {
					t.Errorf("chart %q draws %d paths", m[1], strings.Count(m[2], "<path"))
				}
				if !hasUnits(m[2]) {
					t.Errorf("chart %q lacks a unit on an axis", m[1])
				}
			}
			if tt.simulated != strings.Contains(page, `id="simulated"`) {
				t.Errorf("banner present = %v, want %v", !tt.simulated, tt.simulated)
			}
			if h := thRe.FindStringSubmatch(page); h != nil {
				for _, c := range thCellRe.FindAllStringSubmatch(h[1], -1) {
					if !strings.Contains(c[1], "(") {
						t.Errorf("column %q has no unit", c[1])
					}
				}
			}
			for _, w := range tt.contains {
				if !strings.Contains(page, escaped(w)) {
					t.Errorf("page lacks %q", w)
				}
			}
			if i := strings.Index(page, "PLANTED"); i >= 0 {
				t.Errorf("page leaks a planted secret: …%s…", page[max(0, i-40):min(len(page), i+20)])
			}
			again, _ := HTML(s, sp)
			if !bytes.Equal(b, again) {
				t.Error("two renders differ")
			}
		})
	}
}

// hasUnits reports whether a chart's two axis labels both name a unit in
// parentheses: each chart has exactly two rotated or horizontal labels
// ending in ")" besides its title.
func hasUnits(svg string) bool {
	n := 0
	for _, unit := range []string{"(ms)", "(ms, log scale)", "(tok/s)", "(% of measured requests)", "(concurrent streams)", "(ordinal axis)",
		"(req/s)", "(s)", "(streams, req/s or ramp)", "(log scale of 1/(1 − q))", "(%)", "(count, mean)"} {
		n += strings.Count(svg, unit+"</text>")
	}
	return n >= 2
}

// escaped escapes a text the way html/template writes it in text.
func escaped(s string) string {
	return strings.NewReplacer("'", "&#39;", "+", "&#43;").Replace(s)
}

// TestRedactSpec checks what is kept and what goes.
func TestRedactSpec(t *testing.T) {
	tests := []struct {
		name   string
		target spec.Target
		want   spec.Target
	}{
		// An env: reference is not a secret and stays.
		{"env reference", spec.Target{Auth: &spec.Auth{Header: "Authorization", Scheme: "Bearer", Secret: "env:OPENAI_API_KEY"}},
			spec.Target{Auth: &spec.Auth{Header: "Authorization", Scheme: "Bearer", Secret: "env:OPENAI_API_KEY"}}},
		// A Secrets Manager ARN is a reference too.
		{"secrets manager ARN", spec.Target{Auth: &spec.Auth{Header: "x-api-key", Secret: "arn:aws:secretsmanager:us-east-1:123456789012:secret:llm/key-AbCdEf"}},
			spec.Target{Auth: &spec.Auth{Header: "x-api-key", Secret: "arn:aws:secretsmanager:us-east-1:123456789012:secret:llm/key-AbCdEf"}}},
		// A pasted key goes.
		{"pasted key", spec.Target{Auth: &spec.Auth{Header: "api-key", Secret: "sk-abc"}}, spec.Target{Auth: &spec.Auth{Header: "api-key", Secret: Redacted}}},
		// Every extra header's value goes; the names stay.
		{"headers", spec.Target{Headers: map[string]string{"X-Api-Key": "k", "X-Team": "t"}}, spec.Target{Headers: map[string]string{"X-Api-Key": Redacted, "X-Team": Redacted}}},
		// URL password and sensitive query values go; the rest stays.
		{"url", spec.Target{URL: "https://u:p@h.invalid/v1?api-version=1&api-key=k"}, spec.Target{URL: "https://u:redacted@h.invalid/v1?api-key=redacted&api-version=1"}},
		// A user name without a password may be a token: it goes too.
		{"url token as user", spec.Target{URL: "https://tok123@h.invalid/v1"}, spec.Target{URL: "https://redacted@h.invalid/v1"}},
		// A plain URL is untouched.
		{"plain url", spec.Target{URL: "http://127.0.0.1:8000/v1"}, spec.Target{URL: "http://127.0.0.1:8000/v1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig := tt.target
			sp := &spec.Spec{Target: tt.target}
			got := redactSpec(sp).Target
			if got.URL != tt.want.URL || (got.Auth == nil) != (tt.want.Auth == nil) || got.Auth != nil && *got.Auth != *tt.want.Auth || len(got.Headers) != len(tt.want.Headers) {
				t.Fatalf("got %+v (auth %+v), want %+v", got, got.Auth, tt.want)
			}
			for k, v := range tt.want.Headers {
				if got.Headers[k] != v {
					t.Errorf("header %s = %q, want %q", k, got.Headers[k], v)
				}
			}
			// The caller's spec is left alone.
			if sp.Target.URL != orig.URL || sp.Target.Auth != nil && sp.Target.Auth.Secret != orig.Auth.Secret {
				t.Error("redactSpec changed its argument")
			}
			for k, v := range orig.Headers {
				if sp.Target.Headers[k] != v {
					t.Error("redactSpec changed its argument's headers")
				}
			}
		})
	}
}
