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

// rateLevel is a rate level of rateFixture: asked req/s, cap (0: none),
// achieved req/s, arrivals not sent, TTFT p50 and E2E p50 in ms, and its
// per-second series.
func rateLevel(idx int, asked float64, capped int, achieved float64, notSent int, ttft, e2e float64, series []summary.Second) summary.Level {
	d := func(n int, p50 float64) summary.Dist {
		return summary.Dist{N: n, Mean: p50 * 1.05, P50: p50, P90: p50 * 1.3, P95: p50 * 1.5, P99: p50 * 2, Max: p50 * 3}
	}
	reqs := int(asked * 60)
	ok := reqs - notSent
	l := summary.Level{Index: idx, Mode: "rate", Concurrency: capped, RequestRate: asked, ScheduledRequestRate: asked, AchievedRequestRate: achieved, NotSent: notSent,
		SendLagMs: summary.Dist{N: ok, Mean: 0.4, P50: 0.3, P90: 0.8, P95: 1.2, P99: 2.5 * asked, Max: 40},
		Requests:  reqs, WarmupRequests: int(asked * 5), OK: ok, Errors: notSent, ErrorRate: float64(notSent) / float64(reqs),
		DurationS: 60, AchievedConcurrency: achieved * e2e / 1000, RequestThroughput: float64(ok) / 60,
		OutputTokenThroughput: float64(ok) / 60 * 64, GoodputRPS: float64(ok) / 60, TokenSource: "usage",
		TTFTMs: d(ok, ttft), TPOTMs: d(ok, (e2e-ttft)/63), ITLMs: d(ok*63, (e2e-ttft)/63), E2EMs: d(ok, e2e), Series: series}
	if notSent > 0 {
		l.ErrorsByStatus = map[string]int{"not_sent": notSent}
	}
	if capped > 0 {
		l.QueueMs = summary.Dist{N: ok, Mean: 30, P50: 12, P90: 80, P95: 120, P99: 310, Max: 900}
	}
	return withTail(l)
}

// seconds makes a series of n seconds at rate arrivals per second, the
// last notSent arrivals of the last second not sent, TTFT growing by
// grow ms a second; second 3 is missing (no arrival in it).
func seconds(n, rate, notSent int, ttft, grow float64) []summary.Second {
	var out []summary.Second
	for t := 0; t < n; t++ {
		if t == 3 {
			continue
		}
		x := summary.Second{T: t, Arrivals: rate, Sent: rate, OK: rate, OutputTokens: int64(64 * rate),
			TTFTMeanMs: ttft + grow*float64(t), E2EMeanMs: 900 + grow*float64(t), SendLagMeanMs: 0.5}
		if t == n-1 {
			x.Sent, x.OK, x.Errors = rate-notSent, rate-notSent, notSent
		}
		out = append(out, x)
	}
	return out
}

// rateFixture is an open-loop run of three rate levels, at most 16
// requests in flight: 2 req/s kept up, 4 req/s nearly, 8 req/s waited
// for slots and could not send 93 of its arrivals.
func rateFixture() (*summary.Summary, *spec.Spec) {
	s := &summary.Summary{
		RunID: "rate-20261203T060000Z-cafe", Name: "rate-demo", Platform: "sim", Engine: "duckdb",
		Target:    "openai http://127.0.0.1:8000/v1 (chat, model m)",
		StartedAt: time.Date(2026, 12, 3, 6, 0, 0, 0, time.UTC), FinishedAt: time.Date(2026, 12, 3, 6, 4, 0, 0, time.UTC),
		Definitions: summary.Definitions{TTFT: "t", ITL: "i", TPOT: "p", E2E: "e", Window: "w", Throughput: "th", Percentile: "pc", Cost: "c"},
		Levels: []summary.Level{
			rateLevel(0, 2, 16, 2.0, 0, 60, 950, seconds(6, 2, 0, 60, 0)),
			rateLevel(1, 4, 16, 3.98, 0, 75, 1010, seconds(6, 4, 0, 70, 2)),
			rateLevel(2, 8, 16, 6.45, 93, 410, 2400, seconds(6, 8, 3, 200, 150)),
		},
	}
	sp, err := spec.Parse(strings.NewReader(`{"name":"rate-demo","target":{"kind":"sim"},"load":{"mode":"rate","rates":[2,4,8],"arrival":"poisson","max_concurrency":16,"duration":"60s","warmup":"5s"}}`))
	if err != nil {
		panic(err)
	}
	return s, sp
}

func TestRateGolden(t *testing.T) {
	s, sp := rateFixture()
	golden(t, "rate.md", Markdown(s, sp))
	b, err := HTML(s, sp)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "rate.html", b)
	var tb bytes.Buffer
	if err := Table(&tb, s); err != nil {
		t.Fatal(err)
	}
	golden(t, "rate.txt", tb.Bytes())
}

// TestLabel: how every report names a level.
func TestLabel(t *testing.T) {
	tests := []struct {
		name string
		l    summary.Level
		want string
	}{
		// A concurrency level: its concurrency, as reports always said.
		{"concurrency", summary.Level{Mode: "concurrency", Concurrency: 32}, "32"},
		// A summary written before load.mode: a concurrency level.
		{"no mode", summary.Level{Concurrency: 6}, "6"},
		// A rate level without a cap: its asked rate (Concurrency 0 is no cap).
		{"rate", summary.Level{Mode: "rate", RequestRate: 4}, "4 req/s"},
		// Capped by load.max_concurrency.
		{"rate capped", summary.Level{Mode: "rate", RequestRate: 4, Concurrency: 16}, "4 req/s ≤16"},
		// A fractional rate keeps its digits, up to three decimals.
		{"fractional rate", summary.Level{Mode: "rate", RequestRate: 0.125}, "0.125 req/s"},
		// A sweep's computed rate is cut to three significant digits.
		{"sweep rate", summary.Level{Mode: "rate", RequestRate: 26.0 / 7}, "3.71 req/s"},
		// A large computed rate keeps one decimal.
		{"large sweep rate", summary.Level{Mode: "rate", RequestRate: 1000.0 / 3}, "333.3 req/s"},
		// A ramp, in either mode, is named by how it ramped.
		{"concurrency ramp", summary.Level{Mode: "concurrency", Concurrency: 32, Ramp: "linear 1→32 over 1m0s"}, "linear 1→32 over 1m0s"},
		{"rate ramp", summary.Level{Mode: "rate", RequestRate: 20, Concurrency: 8, Ramp: "exponential 1→20 over 30s"}, "exponential 1→20 over 30s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Label(&tt.l); got != tt.want {
				t.Errorf("Label = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestLevelName: the slice lists name a level by its Index; the reports
// print that level's label.
func TestLevelName(t *testing.T) {
	s := &summary.Summary{Levels: []summary.Level{
		{Index: 0, Mode: "concurrency", Concurrency: 1},
		{Index: 1, Mode: "concurrency", Concurrency: 32},
		{Index: 2, Mode: "rate", RequestRate: 4.5},
	}}
	old := &summary.Summary{Levels: []summary.Level{{Concurrency: 6}, {Concurrency: 12}}} // no index: both 0
	tests := []struct {
		name string
		s    *summary.Summary
		idx  int
		want string
	}{
		// Index 1 is the level of 32 streams, not "level 1".
		{"concurrency level", s, 1, "32"},
		// Index 2 is a rate level.
		{"rate level", s, 2, "4.5 req/s"},
		// An index no level has is printed as an index.
		{"unknown index", s, 7, "#7"},
		// Levels sharing an index (an old summary) name nothing for sure.
		{"ambiguous index", old, 0, "#0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := levelName(tt.s, tt.idx); got != tt.want {
				t.Errorf("levelName(%d) = %q, want %q", tt.idx, got, tt.want)
			}
		})
	}
}

// TestOldSummary: levels without a mode (summaries written before
// load.mode) render exactly as concurrency levels.
func TestOldSummary(t *testing.T) {
	s, sp := fixture()
	old, _ := fixture()
	for i := range old.Levels {
		old.Levels[i].Mode = ""
	}
	if a, b := Markdown(s, sp), Markdown(old, sp); !bytes.Equal(a, b) {
		t.Errorf("report.md differs without a mode:\n%s", b)
	}
	hs, sh := htmlFixture()
	oh, _ := htmlFixture()
	for i := range hs.Levels {
		hs.Levels[i].Mode = "concurrency"
	}
	a, err := HTML(hs, sh)
	if err != nil {
		t.Fatal(err)
	}
	b, err := HTML(oh, sh)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("report.html differs between mode concurrency and no mode")
	}
}

// chartTitles are the aria-labels of a page's charts, in order.
func chartTitles(page string) []string {
	var out []string
	for _, m := range svgRe.FindAllStringSubmatch(page, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestRateReport: a run of rate levels shows the open-loop table, the
// charts against request rate and each level's seconds, in report.md,
// report.html and the terminal table.
func TestRateReport(t *testing.T) {
	s, sp := rateFixture()
	md := string(Markdown(s, sp))
	for _, want := range []string{
		"| load | rates 2, 4, 8 req/s (poisson arrivals, at most 16 in flight), 60s per level after 5s warm-up |",
		"| level | reqs | err % |",
		"| 8 req/s ≤16 | 480 | 19.4 | 412.8 |",
		"## Open-loop load per level",
		"| level | asked req/s | scheduled req/s | achieved req/s | achieved % of scheduled | not sent | send lag p50 ms | send lag p99 ms | queue p50 ms | queue p99 ms |",
		"| 2 req/s ≤16 | 2 | 2.00 | 2.00 | 100.0 | 0 | 0.30 | 5.00 | 12.0 | 310 |",
		"| 8 req/s ≤16 | 8 | 8.00 | 6.45 | 80.6 | 93 | 0.30 | 20.0 | 12.0 | 310 |",
		"## Per second",
		"<details><summary>level 8 req/s ≤16: 5 seconds</summary>",
		"| 5 | 8 | 5 | 5 | 3 | 512 | 950 | 1650 | 0.50 |",
		"- level 8 req/s ≤16: not_sent 93",
		"- level 8 req/s ≤16 did NOT SEND 93 of 480 arrivals",
		"- **Send lag**:",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report.md lacks %q", want)
		}
	}

	b, err := HTML(s, sp)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	wantCharts := []string{
		"Output throughput vs request rate", "TTFT p50 and p95 vs request rate", "TPOT p50 and p95 vs request rate", "ITL p50 and p95 vs request rate",
		"E2E p50 and p95 vs request rate", "Error rate by kind vs request rate", "Achieved vs asked request rate", "Throughput vs E2E p95 latency", "Throughput vs TTFT p95 latency", "TTFT distribution per level (percentile profile)",
		"Errors by kind per level",
		"Arrivals and sent per second — 2 req/s ≤16", "TTFT mean per second — 2 req/s ≤16",
		"Arrivals and sent per second — 4 req/s ≤16", "TTFT mean per second — 4 req/s ≤16",
		"Arrivals and sent per second — 8 req/s ≤16", "TTFT mean per second — 8 req/s ≤16",
	}
	if got := chartTitles(page); strings.Join(got, "\n") != strings.Join(wantCharts, "\n") {
		t.Errorf("charts:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantCharts, "\n"))
	}
	for _, m := range svgRe.FindAllStringSubmatch(page, -1) {
		if !hasUnits(m[2]) {
			t.Errorf("chart %q lacks a unit on an axis", m[1])
		}
	}
	for _, want := range []string{
		`<h2 id="rate">Open-loop load per level</h2>`,
		`<tr><td class="n">8 req/s ≤16</td><td class="n">8</td><td class="n">8.00</td><td class="n">6.45</td><td class="n">80.6</td><td class="n">93</td><td class="n">0.30</td><td class="n">20.0</td><td class="n">12.0</td><td class="n">310</td></tr>`,
		"<h3>8 requests per second (at most 16 in flight)</h3>",
		"x is the achieved request rate (requests sent per second of the measured window)",
		"x is the rate asked",
		">93 not sent<", // the achieved-vs-asked chart counts what was not sent
		"<summary>per second (5 seconds)</summary>",
		`<td class="n">5</td><td class="n">8</td><td class="n">5</td><td class="n">5</td><td class="n">3</td>`,
		"load.max_concurrency slot",
	} {
		if !strings.Contains(page, escaped(want)) {
			t.Errorf("report.html lacks %q", want)
		}
	}

	var tb bytes.Buffer
	if err := Table(&tb, s); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`8 req/s ≤16 +8 +8\.00 +6\.45 +80\.6 +93 +0\.30 +20\.0 +12\.0 +310`).MatchString(tb.String()) {
		t.Errorf("the terminal table lacks the open-loop row of 8 req/s:\n%s", tb.String())
	}
}

// sweepFixture is a sweep: a synchronous level (1 stream), a throughput
// level (32 streams), then three rate levels between their request rates,
// uncapped; its slices are named by level index.
func sweepFixture() *summary.Summary {
	s, _ := rateFixture()
	conc := func(idx, c int, rate, tps, ttft, e2e float64) summary.Level {
		d := func(p50 float64) summary.Dist {
			return summary.Dist{N: 100, Mean: p50, P50: p50, P90: p50 * 1.2, P95: p50 * 1.3, P99: p50 * 1.5, Max: p50 * 2}
		}
		return summary.Level{Index: idx, Mode: "concurrency", Concurrency: c, AchievedRequestRate: rate, Requests: 100, OK: 100,
			DurationS: 60, RequestThroughput: rate, OutputTokenThroughput: tps, TokenSource: "usage",
			TTFTMs: d(ttft), TPOTMs: d(14), ITLMs: d(14), E2EMs: d(e2e)}
	}
	r := func(idx int, asked float64) summary.Level {
		l := rateLevel(idx, asked, 0, asked, 0, 60+10*asked, 950+40*asked, seconds(4, int(asked), 0, 60, 5))
		return l
	}
	s.Name, s.RunID = "sweep-demo", "sweep-20261203T060000Z-0001"
	s.Levels = []summary.Level{
		conc(0, 1, 1, 64, 55, 930),
		conc(1, 32, 10, 640, 400, 3100),
		r(2, 1+9.0/4), r(3, 1+2*9.0/4), r(4, 1+3*9.0/4),
	}
	s.Levels[3].Errors, s.Levels[3].ErrorsByStatus, s.Levels[3].ErrorRate = 3, map[string]int{"timeout": 3}, 0.01
	s.FailedSlices = []summary.FailedSlice{{Level: 3, Worker: 1, Error: "Lambda timed out"}}
	s.RetriedSlices = []summary.RetriedSlice{{Level: 1, Worker: 0, Attempts: 2, DiscardedParts: 1}}
	s.SliceWarnings = []summary.SliceWarning{{Level: 2, Worker: 0, LateMs: 2500}}
	s.Unfinished = []summary.UnfinishedSlice{{Level: 4, Worker: 2, Started: true, Rows: 40}}
	return s
}

// TestSweepReport: a run mixing concurrency and rate levels labels each
// by its own kind, maps its slices by index, and charts each kind
// against its own load.
func TestSweepReport(t *testing.T) {
	s := sweepFixture()
	sp, err := spec.Parse(strings.NewReader(`{"name":"sweep-demo","target":{"kind":"sim"},"load":{"mode":"rate","profile":"sweep","sweep_levels":3,"sweep_concurrency":32,"duration":"60s","warmup":"5s"}}`))
	if err != nil {
		t.Fatal(err)
	}
	md := string(Markdown(s, sp))
	for _, want := range []string{
		"| load | sweep: a synchronous level (1 stream), a throughput level (32 streams), then 3 rate levels between their request rates",
		"| level | reqs |",
		"\n| 1 | 100 |", "\n| 32 | 100 |", "\n| 3.25 req/s | 195 |", "\n| 7.75 req/s | 465 |",
		// Concurrency levels: nothing asked, scheduled or lagging (req/s in the first table).
		"| 32 | - | - | - | - | - | - | - | - | - |",
		"| 5.5 req/s | 5.5 | 5.50 | 5.50 | 100.0 | 0 | 0.30 | 13.8 | - | - |",
		"- level 5.5 req/s: timeout 3",
		"- FAILED slice: level 5.5 req/s worker 1: Lambda timed out",
		"- retried slice: level 32 worker 0 ran 2 times",
		"- warning: level 3.25 req/s worker 0 started 2.5 s after the level's start instant: the level sent less than its rate for a while",
		"level 7.75 req/s worker 2 stopped after 40 rows were written",
		"<details><summary>level 3.25 req/s: 3 seconds</summary>",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	if strings.Contains(md, "<details><summary>level 32") {
		t.Error("a steady concurrency level got a per-second table")
	}

	b, err := HTML(s, sp)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	got := chartTitles(page)
	wantPrefix := []string{
		"Output throughput vs concurrency", "TTFT p50 and p95 vs concurrency", "TPOT p50 and p95 vs concurrency", "ITL p50 and p95 vs concurrency",
		"E2E p50 and p95 vs concurrency",
		"Output throughput vs request rate", "TTFT p50 and p95 vs request rate", "TPOT p50 and p95 vs request rate", "ITL p50 and p95 vs request rate",
		"E2E p50 and p95 vs request rate", "Error rate by kind vs request rate", // the concurrency levels have no error
		"Achieved vs asked request rate", "Throughput vs E2E p95 latency", "Throughput vs TTFT p95 latency", "TTFT distribution per level (percentile profile)",
		"Errors by kind per level", "Arrivals and sent per second — 3.25 req/s",
	}
	if len(got) != len(wantPrefix)+5 { // and the other rate levels' two charts each, and 3.25's TTFT
		t.Errorf("%d charts, want %d:\n%s", len(got), len(wantPrefix)+5, strings.Join(got, "\n"))
	}
	for i, w := range wantPrefix {
		if i >= len(got) || got[i] != w {
			t.Fatalf("charts:\n%s\nwant first:\n%s", strings.Join(got, "\n"), strings.Join(wantPrefix, "\n"))
		}
	}
	for _, want := range []string{
		"<th>level (streams, req/s or ramp)</th>",
		"<h3>1 concurrent streams</h3>", "<h3>5.5 requests per second</h3>",
		">c=32<", ">5.5 req/s<", // the throughput–latency curves label both kinds
		">E2E p95, concurrency levels<", ">E2E p95, rate levels<",
		"FAILED slice: level 5.5 req/s worker 1",
		"warning: level 3.25 req/s worker 0 started 2.5 s",
	} {
		if !strings.Contains(page, escaped(want)) {
			t.Errorf("report.html lacks %q", want)
		}
	}

	// Each load axis holds its own kind of level only: a rate level's
	// Concurrency (its cap, 0 here) is not a concurrency.
	conc, rate := steady(s.Levels)
	if len(conc) != 2 || conc[0].Concurrency != 1 || conc[1].Concurrency != 32 || len(rate) != 3 || rate[0].RequestRate != 3.25 {
		t.Errorf("steady: concurrency %v, rate %v", conc, rate)
	}
}

// TestRampReport: a ramp is named by its Ramp, kept off the load axes,
// and drawn second by second.
func TestRampReport(t *testing.T) {
	s, _ := rateFixture()
	l := rateLevel(0, 20, 0, 11.2, 0, 90, 1100, seconds(30, 10, 0, 60, 10))
	l.Mode, l.Concurrency, l.RequestRate, l.Ramp = "concurrency", 32, 0, "linear 1→32 over 30s"
	s.Levels = []summary.Level{l}
	b, err := HTML(s, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(chartTitles(string(b)), "\n")
	want := strings.Join([]string{"Throughput vs E2E p95 latency", "Throughput vs TTFT p95 latency", "TTFT distribution per level (percentile profile)",
		"Arrivals and sent per second — linear 1→32 over 30s", "TTFT mean per second — linear 1→32 over 30s"}, "\n")
	if got != want {
		t.Errorf("charts:\n%s\nwant:\n%s", got, want)
	}
	if !strings.Contains(string(b), "<h3>ramp of concurrent streams: linear 1→32 over 30s</h3>") {
		t.Error("the ramp's section is not titled by its ramp")
	}
	if md := string(Markdown(s, nil)); !strings.Contains(md, "| linear 1→32 over 30s | 1200 |") || !strings.Contains(md, "<details><summary>level linear 1→32 over 30s: 29 seconds</summary>") {
		t.Errorf("report.md:\n%s", md)
	}
}

// TestDatasetNote: skipped dataset records are said, with their reasons.
func TestDatasetNote(t *testing.T) {
	s := &summary.Summary{Dataset: &summary.Dataset{Source: "d.json", Records: 297, Skipped: 3,
		SkippedReasons: map[string]int{"no human turn": 1, "empty prompt": 2}}}
	want := "dataset d.json: 3 of 300 records skipped, not sent (2 empty prompt, 1 no human turn)"
	if got := DatasetNote(s); got != want {
		t.Errorf("DatasetNote = %q, want %q", got, want)
	}
	s.Dataset.Skipped = 0
	if got := DatasetNote(s); got != "" {
		t.Errorf("DatasetNote of a whole dataset = %q", got)
	}
}

// TestServerReported: a level whose server reported its cache and
// reasoning says so in both reports; one that did not says nothing.
func TestServerReported(t *testing.T) {
	s, sp := rateFixture()
	hit, share := 0.412, 0.25
	s.Levels[1].CacheHitRatio, s.Levels[1].CachedTokens = &hit, 1234
	s.Levels[1].ReasoningShare, s.Levels[1].ReasoningTokens = &share, 40
	want := "level 4 req/s ≤16: its prefix cache served 41.2% of the input tokens (1234 cached tokens); reasoning was 25.0% of the output tokens (40), over the ok requests that reported it"
	if got := ServerReported(s); len(got) != 1 || got[0] != want {
		t.Errorf("ServerReported = %q, want [%q]", got, want)
	}
	if md := string(Markdown(s, sp)); !strings.Contains(md, "## What the server reported\n\n- "+want) {
		t.Errorf("report.md lacks the section")
	}
	page, err := HTML(s, sp)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), escaped(want)) {
		t.Errorf("report.html lacks %q", want)
	}
}
