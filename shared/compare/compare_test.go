package compare

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/llmbench/llmbench/shared/cost"
	"github.com/llmbench/llmbench/shared/summary"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// The four stored runs of testdata/runs (see testdata/genfixtures.go), in
// the seeds' order, and the price each ran at ($/h, one instance).
var seedRuns = []struct {
	id    string
	price float64
}{
	{"aws-20260301T120000Z-a1b2", 1.515},
	{"azure-20260301T130000Z-c3d4", 3.40},
	{"gcp-20260301T140000Z-e5f6", 0.88},
	{"local-20260301T150000Z-g7h8", 0},
}

func load(t *testing.T, id string) *summary.Summary {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "runs", id, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s summary.Summary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return &s
}

func loadSeeds(t *testing.T) []*summary.Summary {
	t.Helper()
	var runs []*summary.Summary
	for _, r := range seedRuns {
		runs = append(runs, load(t, r.id))
	}
	return runs
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./shared/compare -update to accept):\n%s", name, got)
	}
}

// TestExecutiveSeeds builds the seeds' "Performance Executive Summary" from
// four stored runs and checks every cell: against the seeds' printed
// figures, against the summaries' own level figures under the documented
// rules, and against shared/cost's formulas at the prices the runs had.
func TestExecutiveSeeds(t *testing.T) {
	runs := loadSeeds(t)
	rows := Executive(runs, DefaultRules)
	want := []struct {
		cells           [6]string
		tputAt, latAt   int // the levels the figures come from
		pricing         Pricing
		overErrorLimitt bool
	}{
		// AWS: the top level gives the best throughput, the lowest gives the best latency.
		{[6]string{"seeds-aws-g5-2xlarge · AWS", "950.0 @32", "2,151 E2E p50 @6", "2,123 TTFT p50 @32", "$0.44 @32", "2,257,386 @32"}, 32, 6, Priced, false},
		// Azure saturates: 24 streams beat 32 (which also had 0.07% errors, under the 1% limit).
		{[6]string{"seeds-azure-nv36ads-a10 · Azure", "822.4 @24", "2,488 E2E p50 @6", "668 TTFT p50 @24", "$1.15 @24", "870,776 @24"}, 24, 6, Priced, false},
		// GCP: level 6 is faster (3,702 ms) but failed 1.9% of its requests, so 12 gives the best latency.
		{[6]string{"seeds-gcp-gke-l4 · GCP", "530.7 @32", "3,857 E2E p50 @12", "1,279 TTFT p50 @32", "$0.46 @32", "2,170,860 @32"}, 32, 12, Priced, false},
		// Local: no price, so free; the lowest level is both the fastest and the most productive.
		{[6]string{"seeds-local-m4-pro · Local", "41.6 @6", "6,160 E2E p50 @6", "410 TTFT p50 @6", "$0.00 @6", "∞ @6"}, 6, 6, Free, false},
	}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	for i, w := range want {
		r, s := rows[i], runs[i]
		if got := r.Cells(); got != w.cells {
			t.Errorf("row %d cells = %q, want %q", i, got, w.cells)
		}
		if r.ThroughputLevel != (Key{Concurrency: w.tputAt}) || r.LatencyLevel != (Key{Concurrency: w.latAt}) || r.Pricing != w.pricing || r.OverErrorLimit != w.overErrorLimitt {
			t.Errorf("%s: throughput at %s, latency at %s, pricing %d, over limit %v; want %d, %d, %d, %v",
				r.Label, r.ThroughputLevel, r.LatencyLevel, r.Pricing, r.OverErrorLimit, w.tputAt, w.latAt, w.pricing, w.overErrorLimitt)
		}

		// The rules, recomputed from the summary's levels.
		var maxTPS, minE2E = 0.0, math.Inf(1)
		for _, l := range s.Levels {
			if l.ErrorRate > DefaultRules.MaxErrorRate {
				continue
			}
			maxTPS = math.Max(maxTPS, l.OutputTokenThroughput)
			minE2E = math.Min(minE2E, l.E2EMs.P50)
		}
		tl, ll := level(s, r.ThroughputLevel), level(s, r.LatencyLevel)
		if r.BestThroughput != maxTPS || tl.OutputTokenThroughput != maxTPS {
			t.Errorf("%s: best throughput %v, level %d has %v, max over eligible levels %v", r.Label, r.BestThroughput, tl.Concurrency, tl.OutputTokenThroughput, maxTPS)
		}
		if r.BestLatencyMs != minE2E || ll.E2EMs.P50 != minE2E {
			t.Errorf("%s: best latency %v, level %d E2E p50 %v, min over eligible levels %v", r.Label, r.BestLatencyMs, ll.Concurrency, ll.E2EMs.P50, minE2E)
		}
		if !r.HasTTFT || r.TTFTMs != tl.TTFTMs.P50 {
			t.Errorf("%s: TTFT %v, want the TTFT p50 %v of level %d", r.Label, r.TTFTMs, tl.TTFTMs.P50, tl.Concurrency)
		}

		// The cost cells, from the formulas at the run's price.
		price := seedRuns[i].price
		perM, ok1 := cost.PerMillionOutputTokens(price, 1, maxTPS)
		perH, ok2 := cost.TokensPerUSDHour(price, 1, maxTPS)
		if price == 0 {
			if ok1 || ok2 || r.Pricing != Free {
				t.Errorf("%s: unpriced run: pricing %d", r.Label, r.Pricing)
			}
			continue
		}
		if math.Abs(r.CostPer1M-perM) > 1e-9 || math.Abs(r.TokensPerUSDHour-perH) > 1e-6 {
			t.Errorf("%s: cost %v $/1M, %v tok/$h; formulas give %v, %v", r.Label, r.CostPer1M, r.TokensPerUSDHour, perM, perH)
		}
	}

	// Setting the prices by platform recomputes the same cells with shared/cost.
	priced := DefaultRules
	priced.Prices = map[string]Price{"AWS": {1.515, 1}, "azure": {3.40, 0}, "gcp": {USDPerHour: 0.88}, "local": {}}
	for i, r := range Executive(runs, priced) {
		if r.Cells() != want[i].cells {
			t.Errorf("with prices: row %d = %q, want %q", i, r.Cells(), want[i].cells)
		}
	}

	// The Markdown table bolds the best of each column where it leads
	// every other run by more than 2%: AWS's cost ($0.4430) leads GCP's
	// ($0.4606) by 3.8%, its tokens per $·h by 4.0%.
	wantTable := "| Run | Best Throughput (TPS) | Best Latency (ms) | TTFT (ms) | Cost per 1M Tokens | Tokens/$/Hour |\n" +
		"|----------|---:|---:|---:|---:|---:|\n" +
		"| **seeds-aws-g5-2xlarge · AWS** | **950.0 @32** | **2,151 E2E p50 @6** | 2,123 TTFT p50 @32 | **$0.44 @32** | **2,257,386 @32** |\n" +
		"| **seeds-azure-nv36ads-a10 · Azure** | 822.4 @24 | 2,488 E2E p50 @6 | 668 TTFT p50 @24 | $1.15 @24 | 870,776 @24 |\n" +
		"| **seeds-gcp-gke-l4 · GCP** | 530.7 @32 | 3,857 E2E p50 @12 | 1,279 TTFT p50 @32 | $0.46 @32 | 2,170,860 @32 |\n" +
		"| **seeds-local-m4-pro · Local** | 41.6 @6 | 6,160 E2E p50 @6 | **410 TTFT p50 @6** | $0.00 @6 | ∞ @6 |\n"
	if got := string(Table(rows, DefaultRules)); got != wantTable {
		t.Errorf("Table:\n%s\nwant:\n%s", got, wantTable)
	}
}

func TestMarkdownGolden(t *testing.T) {
	golden(t, "compare.md", Markdown(loadSeeds(t), DefaultRules))
}

// TestRules covers the choices behind the cells beyond the seeds' runs.
func TestRules(t *testing.T) {
	gcp := func(t *testing.T) *summary.Summary { return load(t, seedRuns[2].id) }
	tests := []struct {
		name  string
		runs  func(t *testing.T) []*summary.Summary
		rule  Rules
		check func(t *testing.T, rows []Row)
	}{
		// A looser error limit lets GCP's faster but failing level 6 count.
		{"error limit 2%", func(t *testing.T) []*summary.Summary { return []*summary.Summary{gcp(t)} }, Rules{MaxErrorRate: 0.02},
			func(t *testing.T, rows []Row) {
				if rows[0].LatencyLevel != (Key{Concurrency: 6}) || rows[0].Cells()[2] != "3,702 E2E p50 @6" {
					t.Errorf("latency at %s: %s", rows[0].LatencyLevel, rows[0].Cells()[2])
				}
			}},
		// When every level fails too often, the figures come from all levels, flagged.
		{"every level over the limit", func(t *testing.T) []*summary.Summary {
			s := gcp(t)
			for i := range s.Levels {
				s.Levels[i].ErrorRate = 0.05
			}
			return []*summary.Summary{s}
		}, DefaultRules, func(t *testing.T, rows []Row) {
			r := rows[0]
			if !r.OverErrorLimit || r.ThroughputLevel != (Key{Concurrency: 32}) || r.LatencyLevel != (Key{Concurrency: 6}) {
				t.Errorf("over limit %v, throughput at %s, latency at %s", r.OverErrorLimit, r.ThroughputLevel, r.LatencyLevel)
			}
			if n := Notes(rows, DefaultRules)[0]; !strings.Contains(n, "more than 1%") {
				t.Errorf("note: %s", n)
			}
		}},
		// A price set for an unpriced run replaces "free" with figures.
		{"price for local", func(t *testing.T) []*summary.Summary { return []*summary.Summary{load(t, seedRuns[3].id)} },
			Rules{MaxErrorRate: 0.01, Prices: map[string]Price{"local-20260301T150000Z-g7h8": {USDPerHour: 0.10}}},
			func(t *testing.T, rows []Row) {
				// 0.10 / (41.6 × 3600) × 1e6 = 0.6677 $/1M; 41.6 × 3600 / 0.10 = 1,497,600 tok/$h.
				if c := rows[0].Cells(); c[4] != "$0.67 @6" || c[5] != "1,497,600 @6" || rows[0].Pricing != Priced {
					t.Errorf("cells %q", c)
				}
			}},
		// A zero price makes a priced run free.
		{"zero price", func(t *testing.T) []*summary.Summary { return []*summary.Summary{load(t, seedRuns[0].id)} },
			Rules{MaxErrorRate: 0.01, Prices: map[string]Price{"aws": {}}},
			func(t *testing.T, rows []Row) {
				if c := rows[0].Cells(); c[4] != "$0.00 @32" || c[5] != "∞ @32" {
					t.Errorf("cells %q", c)
				}
			}},
		// A run without levels gives a row of dashes.
		{"empty run", func(t *testing.T) []*summary.Summary { return []*summary.Summary{{RunID: "x", Platform: "gcp"}} }, DefaultRules,
			func(t *testing.T, rows []Row) {
				if c := rows[0].Cells(); c != [6]string{"GCP", "-", "-", "-", "-", "-"} {
					t.Errorf("cells %q", c)
				}
			}},
		// Below one cent per 1M tokens, the cost keeps four decimals.
		{"tiny cost", func(t *testing.T) []*summary.Summary { return []*summary.Summary{load(t, seedRuns[0].id)} },
			Rules{MaxErrorRate: 0.01, Prices: map[string]Price{"aws": {USDPerHour: 0.02}}},
			func(t *testing.T, rows []Row) {
				// 0.02 / (949.9833 × 3600) × 1e6 = 0.00585 $/1M.
				if c := rows[0].Cells(); c[4] != "$0.0058 @32" {
					t.Errorf("cost cell %q", c[4])
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, Executive(tt.runs(t), tt.rule))
		})
	}
}

// scaled returns a copy of s with every level's figures changed by f.
func scaled(t *testing.T, s *summary.Summary, f func(l *summary.Level)) *summary.Summary {
	t.Helper()
	b, _ := json.Marshal(s)
	var c summary.Summary
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	for i := range c.Levels {
		f(&c.Levels[i])
	}
	return &c
}

func TestRegressions(t *testing.T) {
	base := load(t, seedRuns[0].id) // AWS: no errors, priced
	tests := []struct {
		name   string
		change func(l *summary.Level)
		want   []Metric // the metrics flagged at every level, in Diff's order
	}{
		// TTFT p95 up 15%: over the 10% limit.
		{"TTFT p95 +15%", func(l *summary.Level) { l.TTFTMs.P95 *= 1.15 }, []Metric{TTFTP95}},
		// Everything within 5%: passes.
		{"within 5%", func(l *summary.Level) {
			l.TTFTMs.P95 *= 1.05
			l.E2EMs.P95 *= 1.04
			l.OutputTokenThroughput *= 0.95
			*l.CostPer1MOutputTokensUSD *= 1.05
			l.ErrorRate = 0.005
		}, nil},
		// Exactly 10% worse is not more than 10%.
		{"exactly 10%", func(l *summary.Level) { l.E2EMs.P95 *= 1.10 }, nil},
		// E2E p95 up 10.5%.
		{"E2E p95 +10.5%", func(l *summary.Level) { l.E2EMs.P95 *= 1.105 }, []Metric{E2EP95}},
		// Throughput down 12%, and so the cost up 13.6%.
		{"throughput -12%", func(l *summary.Level) {
			l.OutputTokenThroughput *= 0.88
			*l.CostPer1MOutputTokensUSD /= 0.88
		}, []Metric{OutputTPS, CostPer1M}},
		// Error rate up 2 percentage points: over the 1 pp limit.
		{"errors +2 pp", func(l *summary.Level) { l.ErrorRate = 0.02 }, []Metric{ErrorRate}},
		// Faster and cheaper is never a regression, however large the change.
		{"improvement", func(l *summary.Level) {
			l.TTFTMs.P95 *= 0.5
			l.E2EMs.P95 *= 0.6
			l.OutputTokenThroughput *= 1.5
			*l.CostPer1MOutputTokensUSD *= 0.6
		}, nil},
		// A candidate without ok requests at all: no latency to compare, but
		// the throughput and the error rate show it.
		{"all failed", func(l *summary.Level) {
			l.TTFTMs, l.E2EMs = summary.Dist{}, summary.Dist{}
			l.OutputTokenThroughput, l.ErrorRate, l.CostPer1MOutputTokensUSD = 0, 1, nil
		}, []Metric{OutputTPS, ErrorRate}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cand := scaled(t, base, tt.change)
			got := Regressions(base, cand, 10)
			var want []Metric
			for range base.Levels {
				want = append(want, tt.want...)
			}
			if len(got) != len(want) {
				t.Fatalf("%d regressions, want %d: %s", len(got), len(want), Names(got))
			}
			for i, r := range got {
				if r.Metric != want[i] || !r.Worse {
					t.Errorf("regression %d = %s, want %s", i, r, want[i])
				}
			}
		})
	}
}

// TestRegressionMessage checks what the CLI prints of a regression.
func TestRegressionMessage(t *testing.T) {
	base := load(t, seedRuns[0].id)
	cand := scaled(t, base, func(l *summary.Level) {
		if l.Concurrency == 32 {
			l.TTFTMs.P95 *= 1.15
		}
	})
	rs := Regressions(base, cand, 10)
	if len(rs) != 1 {
		t.Fatalf("regressions: %s", Names(rs))
	}
	if got, want := rs[0].String(), "32 streams: TTFT p95 +15.0% (2,399 → 2,759 ms; limit +10%)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	tbl := string(DiffTable(Diff(base, cand, Thresholds{MaxPct: 10, MaxErrorRatePP: 1})))
	if !strings.Contains(tbl, "| 32 | TTFT p95 (ms) | 2,399 | 2,759 | +15.0% | +10% | **WORSE** |") ||
		!strings.Contains(tbl, "| 6 | error rate (%) | 0.00 | 0.00 | +0.00 pp | +1 pp | ok |") {
		t.Errorf("DiffTable:\n%s", tbl)
	}
}

// TestLevels: only levels both runs have are compared.
func TestLevels(t *testing.T) {
	base := load(t, seedRuns[0].id)
	cand := scaled(t, base, func(l *summary.Level) { l.TTFTMs.P95 *= 2 })
	cand.Levels = cand.Levels[1:]                                     // no 6
	cand.Levels = append(cand.Levels, summary.Level{Concurrency: 64}) // a new level
	common, onlyB, onlyC := Levels(base, cand)
	if len(common) != 3 || len(onlyB) != 1 || onlyB[0] != (Key{Concurrency: 6}) || len(onlyC) != 1 || onlyC[0] != (Key{Concurrency: 64}) {
		t.Errorf("common %v, only baseline %v, only candidate %v", common, onlyB, onlyC)
	}
	for _, r := range Regressions(base, cand, 10) {
		if r.Concurrency == 6 || r.Concurrency == 64 {
			t.Errorf("compared a level one run lacks: %s", r)
		}
	}
}

// TestHTML checks compare.html: self-contained, the table with the best
// figures emphasized, the overlaid charts, the simulated banner when a run
// measured the simulated server.
func TestHTML(t *testing.T) {
	fetch := regexp.MustCompile(`(?i)\bsrc\s*=|\bhref\s*=|url\(|@import|@font-face|<script|<img|<iframe|<object|<embed`)
	tests := []struct {
		name      string
		simulated bool
		charts    []string // aria-labels, in order
	}{
		// Four real runs: four overlaid charts, no banner.
		{"real runs", false, []string{"Output throughput vs concurrency, per run", "TTFT p95 vs concurrency, per run", "E2E p95 vs concurrency, per run", "Throughput vs E2E p95 latency, per run"}},
		// One simulated run: the banner names it.
		{"one simulated", true, []string{"Output throughput vs concurrency, per run", "TTFT p95 vs concurrency, per run", "E2E p95 vs concurrency, per run", "Throughput vs E2E p95 latency, per run"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runs := loadSeeds(t)
			runs[3].Simulated = tt.simulated
			b, err := HTML(runs, DefaultRules)
			if err != nil {
				t.Fatal(err)
			}
			page := strings.Replace(string(b), `<link rel="icon" href="data:,">`, "", 1)
			if m := fetch.FindAllString(page, -1); len(m) > 0 || strings.Contains(page, "<link") {
				t.Errorf("the page would fetch something: %q", m)
			}
			labels := regexp.MustCompile(`<svg class="chart" role="img" aria-label="([^"]*)"`).FindAllStringSubmatch(page, -1)
			if len(labels) != len(tt.charts) {
				t.Fatalf("%d charts, want %d", len(labels), len(tt.charts))
			}
			for i, l := range labels {
				if l[1] != tt.charts[i] {
					t.Errorf("chart %d = %q, want %q", i, l[1], tt.charts[i])
				}
			}
			if got := strings.Contains(page, `id="simulated"`); got != tt.simulated {
				t.Errorf("banner = %v, want %v", got, tt.simulated)
			}
			if tt.simulated && !strings.Contains(page, "seeds-local-m4-pro · Local (simulated) measured") {
				t.Error("the banner does not name the simulated run")
			}
			for _, w := range []string{`<b class="best">950.0 @32</b>`, `<b class="best">410 TTFT p50 @6</b>`, "<td class=\"n\">∞ @6</td>", "E2E p95 (ms, log scale)", `id="legend"`} {
				if !strings.Contains(page, w) {
					t.Errorf("page lacks %q", w)
				}
			}
		})
	}
}
