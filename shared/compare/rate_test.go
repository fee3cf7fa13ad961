package compare

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/llmbench/llmbench/shared/summary"
)

// rateRun is a run of rate levels, one per asked rate, at most 16 in
// flight, each level's figures growing with its rate.
func rateRun(id, platform string, rates ...float64) *summary.Summary {
	s := &summary.Summary{RunID: id, Name: id, Platform: platform, Target: "openai http://127.0.0.1:8000/v1 (chat, model m)"}
	for i, r := range rates {
		d := func(p50 float64) summary.Dist {
			return summary.Dist{N: 100, Mean: p50, P50: p50, P90: p50 * 1.2, P95: p50 * 1.3, P99: p50 * 1.5, Max: p50 * 2}
		}
		reqs := int(60 * r)
		s.Levels = append(s.Levels, summary.Level{Index: i, Mode: "rate", Concurrency: 16, RequestRate: r, AchievedRequestRate: r * 0.995,
			SendLagMs: summary.Dist{N: reqs, P50: 0.3, P99: 2 + r}, QueueMs: summary.Dist{N: reqs, P50: 1, P99: 10 * r},
			Requests: reqs, OK: reqs, DurationS: 60, RequestThroughput: r, OutputTokenThroughput: 64 * r, TokenSource: "usage",
			TTFTMs: d(50 + 10*r), TPOTMs: d(14), ITLMs: d(14), E2EMs: d(900 + 40*r)})
	}
	return s
}

// TestKeys: the identity that matches levels across runs.
func TestKeys(t *testing.T) {
	tests := []struct {
		name  string
		a, b  summary.Level
		match bool
	}{
		// Concurrency levels match by concurrency, as they always did.
		{"same concurrency", summary.Level{Mode: "concurrency", Concurrency: 32}, summary.Level{Mode: "concurrency", Concurrency: 32, RequestRate: 0}, true},
		// A summary from before load.mode is a concurrency level.
		{"no mode is concurrency", summary.Level{Concurrency: 32}, summary.Level{Mode: "concurrency", Concurrency: 32}, true},
		// Rate levels match by the rate asked, whatever their cap.
		{"same rate, other cap", summary.Level{Mode: "rate", RequestRate: 4, Concurrency: 16}, summary.Level{Mode: "rate", RequestRate: 4}, true},
		{"other rate", summary.Level{Mode: "rate", RequestRate: 4}, summary.Level{Mode: "rate", RequestRate: 8}, false},
		// Exactly: two sweeps' computed rates a hair apart are not the same load.
		{"rate a hair apart", summary.Level{Mode: "rate", RequestRate: 26.0 / 7}, summary.Level{Mode: "rate", RequestRate: 26.0/7 + 1e-9}, false},
		// Never a rate level with a concurrency level, even at the same number.
		{"rate vs concurrency", summary.Level{Mode: "rate", RequestRate: 6, Concurrency: 6}, summary.Level{Mode: "concurrency", Concurrency: 6}, false},
		// A ramp is not its end.
		{"ramp vs steady", summary.Level{Mode: "concurrency", Concurrency: 32, Ramp: "linear 1→32 over 1m0s"}, summary.Level{Mode: "concurrency", Concurrency: 32}, false},
		{"same ramp", summary.Level{Mode: "concurrency", Concurrency: 32, Ramp: "linear 1→32 over 1m0s"}, summary.Level{Mode: "concurrency", Concurrency: 32, Ramp: "linear 1→32 over 1m0s"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := KeyOf(&tt.a) == KeyOf(&tt.b); got != tt.match {
				t.Errorf("%v == %v: %v, want %v", KeyOf(&tt.a), KeyOf(&tt.b), got, tt.match)
			}
		})
	}
	// The stored runs, written before load.mode, are concurrency levels.
	for _, l := range load(t, seedRuns[0].id).Levels {
		if k := KeyOf(&l); k.Rate || k.Concurrency != l.Concurrency || l.Mode != "" {
			t.Errorf("stored level %d: mode %q, key %+v", l.Concurrency, l.Mode, k)
		}
	}
	// Keys print as the tables name levels; a slice of them, as the CLI does.
	ks := []Key{{Concurrency: 6}, {Rate: true, RequestRate: 0.5}, {Rate: true, RequestRate: 26.0 / 7}}
	if got := fmt.Sprintf("%v", ks); got != "[6 0.5 req/s 3.71 req/s]" {
		t.Errorf("keys print as %s", got)
	}
}

// TestCompareRateRuns: two rate runs are compared at the rates both asked
// for, with the open-loop figures beside the others, for context only.
func TestCompareRateRuns(t *testing.T) {
	base := rateRun("rate-a", "aws", 2, 4, 8)
	cand := rateRun("rate-b", "aws", 2, 4, 16)
	cand.Name = "rate-b"
	for i := range cand.Levels {
		l := &cand.Levels[i]
		if l.RequestRate == 4 {
			l.TTFTMs.P95 *= 1.2             // a regression
			l.AchievedRequestRate = 3.5     // far below the baseline's 3.98…
			l.NotSent, l.Requests = 30, 240 // …and 12.5% not sent…
			l.SendLagMs.P99 = 600           // …and late: context, never a regression
		}
	}
	common, onlyB, onlyC := Levels(base, cand)
	if got := fmt.Sprintf("%v %v %v", common, onlyB, onlyC); got != "[2 req/s 4 req/s] [8 req/s] [16 req/s]" {
		t.Errorf("levels: %s", got)
	}
	if n := NoCommonLevel(base, cand); n != "" {
		t.Errorf("NoCommonLevel with common levels: %s", n)
	}
	rs := Regressions(base, cand, 10)
	if len(rs) != 1 || rs[0].Metric != TTFTP95 || rs[0].Level != (Key{Rate: true, RequestRate: 4}) {
		t.Fatalf("regressions: %s", Names(rs))
	}
	if got, want := rs[0].String(), "4 req/s: TTFT p95 +20.0% (117 → 140 ms; limit +10%)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	diffs := Diff(base, cand, Thresholds{MaxPct: 10, MaxErrorRatePP: 1})
	var metrics []string
	for _, d := range diffs {
		if d.Level.RequestRate == 4 {
			metrics = append(metrics, string(d.Metric))
		}
		if d.Info && d.Worse {
			t.Errorf("a context figure is a regression: %s", d)
		}
	}
	if got := strings.Join(metrics, ", "); got != "TTFT p95, E2E p95, output tok/s, error rate, achieved req/s, not sent, send lag p99" {
		t.Errorf("metrics at 4 req/s: %s", got)
	}
	tbl := string(DiffTable(diffs))
	for _, want := range []string{
		"| level | metric | baseline | candidate | change | limit | |",
		"| 4 req/s | TTFT p95 (ms) | 117 | 140 | +20.0% | +10% | **WORSE** |",
		"| 4 req/s | achieved req/s | 3.98 | 3.50 | -12.1% | - | info |",
		"| 4 req/s | not sent (%) | 0.00 | 12.50 | +12.50 pp | - | info |",
		"| 4 req/s | send lag p99 (ms) | 6.0 | 600 | +9900.0% | - | info |",
		"| 2 req/s | achieved req/s | 1.99 | 1.99 | +0.0% | - | info |",
	} {
		if !strings.Contains(tbl, want) {
			t.Errorf("DiffTable lacks %q:\n%s", want, tbl)
		}
	}

	md := string(Markdown([]*summary.Summary{base, cand}, DefaultRules))
	for _, want := range []string{
		"- rate-a · AWS: throughput, TTFT and cost at 8 req/s; best latency at 2 req/s.",
		"- rate-b · AWS: throughput, TTFT and cost at 16 req/s; best latency at 2 req/s.",
		"## Output throughput per level (tok/s)\n\n| level | rate-a · AWS | rate-b · AWS |",
		"## Achieved request rate per level (req/s)",
		"| 4 req/s | 3.98 | 3.50 |", "| 8 req/s | 7.96 | - |", "| 16 req/s | - | 15.92 |",
		"## Not sent per level (% of arrivals)", "| 4 req/s | 0.00 | 12.50 |",
		"## Send lag p99 per level (ms)", "| 4 req/s | 6.0 | 600 |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("compare.md lacks %q", want)
		}
	}
	if strings.Contains(md, "No level is common") {
		t.Error("compare.md says no level is common")
	}

	b, err := HTML([]*summary.Summary{base, cand}, DefaultRules)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	var charts []string
	for _, m := range regexp.MustCompile(`<svg class="chart" role="img" aria-label="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		charts = append(charts, m[1])
	}
	want := []string{"Output throughput vs request rate, per run", "TTFT p95 vs request rate, per run", "E2E p95 vs request rate, per run",
		"Achieved request rate vs request rate, per run", "Throughput vs E2E p95 latency, per run"}
	if strings.Join(charts, "\n") != strings.Join(want, "\n") {
		t.Errorf("charts:\n%s\nwant:\n%s", strings.Join(charts, "\n"), strings.Join(want, "\n"))
	}
	for _, w := range []string{"<th>level (streams or req/s)</th>", "placed by the rate asked", "asked request rate (req/s)", ">16 req/s<",
		"<h3>Not sent per level (% of arrivals)</h3>", `<tr><td class="n">4 req/s</td><td class="n">3.98</td><td class="n">3.50</td></tr>`} {
		if !strings.Contains(page, w) {
			t.Errorf("compare.html lacks %q", w)
		}
	}
}

// TestCompareRateWithConcurrency: a rate run and a concurrency run have
// no level in common, even where a rate equals a concurrency; every
// rendering says so.
func TestCompareRateWithConcurrency(t *testing.T) {
	base := load(t, seedRuns[0].id) // concurrency 6, 12, 24, 32, no mode
	cand := rateRun("rate-6-12", "aws", 6, 12)
	common, onlyB, onlyC := Levels(base, cand)
	if len(common) != 0 || len(onlyB) != 4 || len(onlyC) != 2 {
		t.Fatalf("common %v, only baseline %v, only candidate %v", common, onlyB, onlyC)
	}
	if ds := Diff(base, cand, Thresholds{MaxPct: 10, MaxErrorRatePP: 1}); len(ds) != 0 {
		t.Errorf("compared levels of different kinds: %s", Names(ds))
	}
	wantNote := "No level in common: the baseline has concurrency levels 6, 12, 24, 32, the candidate rate levels 6 req/s, 12 req/s; " +
		"a concurrency level is compared only with a level of the same concurrency, a rate level only with one of the same asked rate, never a rate level with a concurrency level."
	if got := NoCommonLevel(base, cand); got != wantNote {
		t.Errorf("NoCommonLevel:\n%s\nwant:\n%s", got, wantNote)
	}
	if got := string(DiffTable(nil)); !strings.HasPrefix(got, "No level in common: nothing compared (") {
		t.Errorf("DiffTable of nothing: %q", got)
	}
	md := string(Markdown([]*summary.Summary{base, cand}, DefaultRules))
	for _, want := range []string{
		"> No level is common to two of these runs",
		"| level | seeds-aws-g5-2xlarge · AWS | rate-6-12 · AWS |",
		"| 6 | 265.3 | - |", "| 6 req/s | - | 384.0 |",
		"- rate-6-12 · AWS: throughput, TTFT and cost at 12 req/s; best latency at 6 req/s.",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("compare.md lacks %q", want)
		}
	}
	b, err := HTML([]*summary.Summary{base, cand}, DefaultRules)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, w := range []string{`id="no-common-level"`, "Output throughput vs concurrency, per run", "Output throughput vs request rate, per run"} {
		if !strings.Contains(page, w) {
			t.Errorf("compare.html lacks %q", w)
		}
	}
	// Mixing two kinds: the concurrency chart's ticks are the concurrencies only.
	conc := regexp.MustCompile(`(?s)aria-label="Output throughput vs concurrency, per run".*?</svg>`).FindString(page)
	if strings.Contains(conc, "req/s") {
		t.Error("the concurrency chart shows a rate level")
	}
}

// TestCompareSweeps: two sweeps share their synchronous and throughput
// levels; their computed rates match only where exactly equal.
func TestCompareSweeps(t *testing.T) {
	sweep := func(id string, rates ...float64) *summary.Summary {
		s := rateRun(id, "gcp", rates...)
		conc := []summary.Level{
			{Index: 0, Mode: "concurrency", Concurrency: 1, AchievedRequestRate: 1, Requests: 60, OK: 60, OutputTokenThroughput: 64, E2EMs: summary.Dist{N: 60, P50: 900, P95: 950}, TTFTMs: summary.Dist{N: 60, P95: 50}},
			{Index: 1, Mode: "concurrency", Concurrency: 32, AchievedRequestRate: 10, Requests: 600, OK: 600, OutputTokenThroughput: 640, E2EMs: summary.Dist{N: 600, P50: 3000, P95: 3300}, TTFTMs: summary.Dist{N: 600, P95: 400}},
		}
		for i := range s.Levels {
			s.Levels[i].Index += 2
		}
		s.Levels = append(conc, s.Levels...)
		return s
	}
	a := sweep("sweep-a", 1+9.0/4, 1+2*9.0/4, 1+3*9.0/4)
	b := sweep("sweep-b", 1+9.0/4, 1+2*9.1/4, 1+3*9.1/4) // its throughput level measured 10.1 req/s
	common, onlyA, onlyB := Levels(a, b)
	if got := fmt.Sprintf("%v | %v | %v", common, onlyA, onlyB); got != "[1 32 3.25 req/s] | [5.5 req/s 7.75 req/s] | [5.55 req/s 7.825 req/s]" {
		t.Errorf("levels: %s", got)
	}
	tbl := string(DiffTable(Diff(a, b, Thresholds{MaxPct: 10, MaxErrorRatePP: 1})))
	for _, want := range []string{"| level | metric |", "| 1 | output tok/s |", "| 32 | E2E p95 (ms) |", "| 3.25 req/s | achieved req/s |"} {
		if !strings.Contains(tbl, want) {
			t.Errorf("DiffTable lacks %q:\n%s", want, tbl)
		}
	}
	if strings.Contains(tbl, "| 32 | achieved req/s") {
		t.Error("a concurrency level got the open-loop figures")
	}
}
