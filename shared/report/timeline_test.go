package report

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/report/chart"
	"github.com/llmbench/llmbench/shared/summary"
)

// grid is the quantile grid of the fixtures (query.QuantileGrid's).
var grid = []float64{0, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65,
	0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.975, 0.99, 0.995, 0.999, 1}

// quantilesOf makes quantiles of a right-skewed distribution of median
// m: m·(1 + spread·z(p)) with z growing in the tail.
func quantilesOf(m, spread float64) []float64 {
	out := make([]float64, len(grid))
	for k, p := range grid {
		z := -math.Log(1-math.Min(p, 0.9999)) - math.Ln2 // 0 at the median
		out[k] = math.Max(0, m*(1+spread*z))
	}
	return out
}

// withCharts gives the levels of s quantiles and s a timeline: each level
// 12 s long, 3 s apart, its first 2 s warm-up, with errors in the last
// level's seconds.
func withCharts(s *summary.Summary) {
	tl := &summary.Timeline{Start: time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)}
	t := 0
	for i := range s.Levels {
		l := &s.Levels[i]
		if l.TTFTMs.N > 0 {
			l.Quantiles = &summary.Quantiles{P: grid, TTFTMs: quantilesOf(l.TTFTMs.P50, 0.2), E2EMs: quantilesOf(l.E2EMs.P50, 0.05),
				ITLMs: quantilesOf(l.ITLMs.P50, 0.6)}
		}
		tl.Levels = append(tl.Levels, summary.TimelineLevel{Index: l.Index, StartS: float64(t)})
		for k := range 12 {
			ttft := l.TTFTMs.P50 * (1 + 0.02*float64(k))
			tk := summary.Tick{T: t + k, Started: l.Concurrency, OK: l.Concurrency - l.Errors/12, Errors: l.Errors / 12,
				OutputTokens: int64(l.OutputTokenThroughput), InFlight: float64(l.Concurrency) * 0.97, TTFTP50Ms: &ttft}
			if k < 2 {
				tk.Warmup = tk.Started
			}
			tl.Seconds = append(tl.Seconds, tk)
		}
		t += 12
		for k := range 3 { // the pause between levels: nothing in flight
			tl.Seconds = append(tl.Seconds, summary.Tick{T: t + k})
		}
		t += 3
	}
	s.Timeline = tl
}

// figureData is what a golden file keeps of a figure: its title, axes
// and series (points, labels, marks), not the SVG.
type figureData struct {
	Caption string `json:"caption"`
	Chart   any    `json:"chart"`
}

func chartData(t *testing.T, figs ...[]Figure) []byte {
	t.Helper()
	var out []figureData
	for _, fs := range figs {
		for _, f := range fs {
			out = append(out, figureData{Caption: f.Caption, Chart: f.data})
		}
	}
	b, err := json.MarshalIndent(out, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

// TestChartDataGolden keeps the data of every chart of three runs: a
// concurrency sweep with errors (every chart but the open loop's), a
// sweep of rates, and a capacity search (its points labelled #k).
func TestChartDataGolden(t *testing.T) {
	for _, tt := range []struct {
		name string
		sum  func() *summary.Summary
	}{
		{"charts.json", func() *summary.Summary { s, _ := htmlFixture(); return s }},
		{"charts-rate.json", func() *summary.Summary { s, _ := rateFixture(); withCharts(s); return s }},
		{"charts-search.json", func() *summary.Summary { s := capFixture(); withCharts(s); return s }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.sum()
			figs, err := runFigures(s)
			if err != nil {
				t.Fatal(err)
			}
			suffix := ""
			if s.Simulated {
				suffix = " — SIMULATED server"
			}
			tl, err := timelineFigures(s, suffix)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tt.name, chartData(t, figs, tl))
		})
	}
}

// TestProfileSpacing: the percentile profile places q at log10(1/(1 − q)),
// p50 to p99.9 from the level's quantiles, the maximum half a decade past.
func TestProfileSpacing(t *testing.T) {
	tests := []struct {
		name      string
		quantiles bool
		wantX     []float64
		wantTicks []string
	}{
		{"from quantiles", true, []float64{math.Log10(2), 1, math.Log10(20), 2, 3, 3.5}, []string{"p50", "p90", "p95", "p99", "p99.9", "max"}},
		{"from the Dist alone", false, []float64{math.Log10(2), 1, math.Log10(20), 2, 2.5}, []string{"p50", "p90", "p95", "p99", "max"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := htmlFixture()
			if !tt.quantiles {
				for i := range s.Levels {
					s.Levels[i].Quantiles = nil
				}
			}
			f := &figures{}
			if err := f.profile(s.Levels); err != nil {
				t.Fatal(err)
			}
			lc := f.out[0].data.(*chart.Lines)
			var ticks []string
			for _, tk := range lc.XTicks {
				ticks = append(ticks, tk.Label)
			}
			if fmt.Sprint(ticks) != fmt.Sprint(tt.wantTicks) {
				t.Errorf("ticks %v, want %v", ticks, tt.wantTicks)
			}
			l := s.Levels[2]
			pts := lc.Series[2].Points
			if len(pts) != len(tt.wantX) {
				t.Fatalf("%d points, want %d", len(pts), len(tt.wantX))
			}
			for i, x := range tt.wantX {
				if math.Abs(pts[i].X-x) > 1e-12 {
					t.Errorf("point %d at x = %v, want %v", i, pts[i].X, x)
				}
			}
			if last := pts[len(pts)-1]; last.Y != l.TTFTMs.Max {
				t.Errorf("the last point is %v, want the max %v", last.Y, l.TTFTMs.Max)
			}
			if tt.quantiles && pts[0].Y != l.Quantiles.TTFTMs[12] {
				t.Errorf("p50 drawn at %v, the quantile is %v", pts[0].Y, l.Quantiles.TTFTMs[12])
			}
		})
	}
}

// TestCDFAxis: a CDF's x axis is logarithmic past a spread of 20, its
// zeros then left off and counted in the caption; linear otherwise.
func TestCDFAxis(t *testing.T) {
	tests := []struct {
		name    string
		spread  float64 // of the ITL quantiles
		wantLog bool
		note    string
	}{
		{"narrow", 0.05, false, ""},
		{"wide", 0.6, true, "x axis is logarithmic"},
		{"wide with zeros", 3, true, "quantile(s) of 0 ms, which it cannot place, left off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := htmlFixture()
			for i := range s.Levels {
				q := s.Levels[i].Quantiles
				q.ITLMs = quantilesOf(s.Levels[i].ITLMs.P50, tt.spread)
				if !tt.wantLog {
					q.ITLMs = quantilesOf(100, tt.spread)
				}
			}
			f := &figures{}
			if err := f.cdfs(s.Levels); err != nil {
				t.Fatal(err)
			}
			if len(f.out) != 3 {
				t.Fatalf("%d CDFs, want TTFT, E2E, ITL", len(f.out))
			}
			itl := f.out[2]
			lc := itl.data.(*chart.Lines)
			if lc.LogX != tt.wantLog || !strings.Contains(itl.Caption, tt.note) {
				t.Errorf("log x %v (spread %.1f), caption %q; want log %v, %q", lc.LogX, chart.Spread(lc.Series), itl.Caption, tt.wantLog, tt.note)
			}
			for _, sr := range lc.Series {
				for k := 1; k < len(sr.Points); k++ {
					if sr.Points[k].Y < sr.Points[k-1].Y || sr.Points[k].X < sr.Points[k-1].X {
						t.Errorf("%s: the CDF goes back at point %d", sr.Name, k)
					}
				}
				if tt.wantLog {
					continue
				}
				if n := len(sr.Points); sr.Points[0].Y != 0 || sr.Points[n-1].Y != 100 || n != len(grid) {
					t.Errorf("%s: %d points from %v%% to %v%%, want the whole grid from 0 to 100", sr.Name, n, sr.Points[0].Y, sr.Points[n-1].Y)
				}
			}
		})
	}
}

// TestTimelineBins: a long run is drawn in bins of whole seconds, at most
// maxTimelinePoints, and the bins keep every request and token.
func TestTimelineBins(t *testing.T) {
	tests := []struct {
		name       string
		seconds    int
		wantWidth  int
		wantPoints int
	}{
		{"short", 45, 1, 45},        // one point per second
		{"at the cap", 600, 1, 600}, // still one
		{"long", 1501, 3, 501},      // 3-second bins, the last one short
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := &summary.Timeline{}
			var started, tokens int64
			for i := range tt.seconds {
				tk := summary.Tick{T: i - 5, Started: i % 7, OK: i % 5, Errors: i % 3, OutputTokens: int64(i * 3), InFlight: 4}
				started += int64(tk.Started)
				tokens += tk.OutputTokens
				tl.Seconds = append(tl.Seconds, tk)
			}
			bins, width := timelineBins(tl)
			if width != tt.wantWidth || len(bins) != tt.wantPoints {
				t.Fatalf("%d bins of %d s, want %d of %d s", len(bins), width, tt.wantPoints, tt.wantWidth)
			}
			var gotStarted, gotTokens int64
			for _, b := range bins {
				gotStarted += int64(b.started)
				gotTokens += b.tokens
			}
			if gotStarted != started || gotTokens != tokens || bins[0].t0 != -5 || bins[0].inFlight != 4 {
				t.Errorf("bins hold %d requests and %d tokens from t=%d (in flight %v), want %d, %d from -5 (4)", gotStarted, gotTokens, bins[0].t0, bins[0].inFlight, started, tokens)
			}
		})
	}
}

// TestSearchPath: with a capacity search, the charts against load label
// each point with the order the search tried it.
func TestSearchPath(t *testing.T) {
	s := capFixture()
	figs, err := runFigures(s)
	if err != nil {
		t.Fatal(err)
	}
	lc := figs[0].data.(*chart.Lines) // output tok/s vs concurrency
	// Levels by concurrency 6 (index 0) and 32 (index 1): tried first and second.
	if got := fmt.Sprint(lc.Series[0].Labels); got != "[#1 #2]" || !strings.Contains(figs[0].Caption, "capacity search tried") {
		t.Errorf("labels %s, caption %q; want [#1 #2] and a word on them", got, figs[0].Caption)
	}
	s.Capacity = nil
	figs, _ = runFigures(s)
	if l := figs[0].data.(*chart.Lines).Series[0].Labels; l != nil {
		t.Errorf("labels %v without a search", l)
	}
}
