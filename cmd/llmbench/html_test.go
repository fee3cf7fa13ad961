package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/llmbench/llmbench/shared/compare"
	"github.com/llmbench/llmbench/shared/report"
	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/summary"
)

// chromiumPath is Debian's chromium, which CI installs.
const chromiumPath = "/usr/bin/chromium"

// svgInfo is what the page reports of one chart.
type svgInfo struct {
	Label   string    `json:"label"`
	W       float64   `json:"w"`
	H       float64   `json:"h"`
	Drawn   int       `json:"drawn"`   // path, line, rect … elements
	Visible int       `json:"visible"` // those with a non-empty bounding box
	Texts   []svgText `json:"texts"`
}

// svgText is one text of a chart as the browser laid it out.
type svgText struct {
	Text string  `json:"text"`
	W    float64 `json:"w"`
	H    float64 `json:"h"`
}

const chartsJS = `(() => {
  const out = [];
  for (const s of document.querySelectorAll('svg')) {
    const r = s.getBoundingClientRect();
    let drawn = 0, visible = 0;
    for (const e of s.querySelectorAll('path, line, polyline, polygon, rect, circle, ellipse')) {
      drawn++;
      const b = e.getBBox();
      if (b.width > 0 || b.height > 0) visible++;
    }
    const texts = [];
    for (const t of s.querySelectorAll('text')) {
      const b = t.getBoundingClientRect();
      texts.push({text: t.textContent, w: b.width, h: b.height});
    }
    out.push({label: s.getAttribute('aria-label') || '', w: r.width, h: r.height, drawn, visible, texts});
  }
  return out;
})()`

const bannerJS = `(() => {
  const b = document.getElementById('simulated');
  if (!b) return {text: '', w: 0, h: 0};
  const r = b.getBoundingClientRect();
  return {text: b.innerText, w: r.width, h: r.height};
})()`

// axisLabel is an axis label as the reports write them: a quantity and
// its unit in parentheses, "TTFT (ms)", "time since the run's start (s)".
var axisLabel = regexp.MustCompile(`^[^()]+ \(.+\)$`)

// tickLabel is a number on an axis: "1,000", "0.5", "250", or a named
// tick ("p99", "max").
var tickLabel = regexp.MustCompile(`^(-?[0-9][0-9,]*(\.[0-9]+)?|p[0-9.]+|max)$`)

// chromium starts headless Chromium for the test, stopped at its end: a
// browser context and the URLs the pages it opens request.
func chromium(t *testing.T) (context.Context, func() []string) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing (%v): CI must install Debian's chromium (apt-get install -y chromium) for the browser test of report.html and compare.html", chromiumPath, err)
		}
		t.Skipf("%s is missing: apt-get install -y chromium to run the browser test", chromiumPath)
	}
	// The whole browser session gets two minutes; the machine is small.
	root, stop := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(stop)
	actx, cancelAlloc := chromedp.NewExecAllocator(root,
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		// This machine refuses Chromium's background connections.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("hide-scrollbars", true),
	)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil { // start the browser, open the tab
		t.Fatalf("start %s: %v", chromiumPath, err)
	}
	// Every request a page makes, as the browser reports it.
	var mu sync.Mutex
	var requested []string
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok {
			mu.Lock()
			requested = append(requested, e.Request.URL)
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	return ctx, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), requested...)
	}
}

// pageServer serves pages by path on 127.0.0.1 and records every
// request it gets.
func pageServer(t *testing.T, pages map[string][]byte) (*httptest.Server, func() []string) {
	t.Helper()
	var mu sync.Mutex
	var served []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		served = append(served, r.URL.Path)
		mu.Unlock()
		page, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), served...)
	}
}

// checkCharts: the browser drew as many charts as the page holds, each
// of a readable size, with drawn elements, its two axis labels (with
// their units) and tick labels laid out.
func checkCharts(t *testing.T, page string, charts []svgInfo) {
	t.Helper()
	if want := strings.Count(page, "<svg"); len(charts) != want || want == 0 {
		t.Errorf("the browser sees %d charts, the page has %d", len(charts), want)
	}
	for _, c := range charts {
		// The x axis's label is laid out across, the y axis's rotated
		// (taller than wide): a legend entry cannot pass for the latter.
		var axes, ticks []string
		across, rotated := false, false
		for _, tx := range c.Texts {
			if tx.W <= 0 || tx.H <= 0 {
				continue // not laid out: not seen
			}
			switch {
			case axisLabel.MatchString(tx.Text) && !strings.HasPrefix(tx.Text, c.Label):
				axes = append(axes, tx.Text)
				across, rotated = across || tx.W > tx.H, rotated || tx.H > tx.W
			case tickLabel.MatchString(tx.Text):
				ticks = append(ticks, tx.Text)
			}
		}
		t.Logf("chart %q: %.0f×%.0f px, %d drawn elements (%d visible), axes %q, %d tick labels", c.Label, c.W, c.H, c.Drawn, c.Visible, axes, len(ticks))
		if c.Label == "" {
			t.Errorf("a chart without its aria-label (title)")
		}
		if c.W < 200 || c.H < 100 {
			t.Errorf("chart %q is %.0f×%.0f px", c.Label, c.W, c.H)
		}
		if c.Visible < 5 {
			t.Errorf("chart %q draws %d visible elements", c.Label, c.Visible)
		}
		if !across || !rotated || len(ticks) < 4 {
			t.Errorf("chart %q shows axis labels %q and %d tick labels: want both axes named with units, and ticks", c.Label, axes, len(ticks))
		}
	}
}

// checkRequests: each page loaded nothing but itself, once.
func checkRequests(t *testing.T, srvURL string, paths []string, requested, served []string) {
	t.Helper()
	want := map[string]bool{}
	for _, p := range paths {
		want[srvURL+p] = true
	}
	for _, u := range requested {
		if !want[u] {
			t.Errorf("a page requested %s", u)
		}
	}
	if len(requested) != len(paths) || fmt.Sprint(served) != fmt.Sprint(paths) {
		t.Errorf("requests seen: browser %v, server %v; want the pages %v alone, once each", requested, served, paths)
	}
}

// withChartData gives a stored run what a run of this version writes for
// the charts the seeds' summaries predate: each level's quantiles (from
// its percentiles, interpolated between them) and a run timeline of 12
// seconds per level.
func withChartData(s *summary.Summary) {
	grid := []float64{0, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975, 0.99, 0.995, 0.999, 1}
	from := func(d summary.Dist) []float64 {
		ps := []float64{0, 0.5, 0.9, 0.95, 0.99, 1}
		vs := []float64{d.P50 * 0.8, d.P50, d.P90, d.P95, d.P99, d.Max}
		out := make([]float64, len(grid))
		for k, p := range grid {
			for i := 1; i < len(ps); i++ {
				if p <= ps[i] {
					out[k] = vs[i-1] + (vs[i]-vs[i-1])*(p-ps[i-1])/(ps[i]-ps[i-1])
					break
				}
			}
		}
		return out
	}
	tl := &summary.Timeline{Start: s.StartedAt}
	for i := range s.Levels {
		l := &s.Levels[i]
		l.Index = i // the seeds' summaries predate it
		if l.TTFTMs.N > 0 {
			l.Quantiles = &summary.Quantiles{P: grid, TTFTMs: from(l.TTFTMs), E2EMs: from(l.E2EMs), ITLMs: from(l.ITLMs)}
		}
		t0 := i * 14
		tl.Levels = append(tl.Levels, summary.TimelineLevel{Index: l.Index, StartS: float64(t0)})
		for k := range 12 {
			p50 := l.TTFTMs.P50 * (1 + 0.03*float64(k))
			tl.Seconds = append(tl.Seconds, summary.Tick{T: t0 + k, Started: l.Concurrency, OK: l.Concurrency - l.Errors/12, Errors: l.Errors / 12,
				OutputTokens: int64(l.OutputTokenThroughput), InFlight: float64(l.Concurrency), TTFTP50Ms: &p50})
		}
		tl.Seconds = append(tl.Seconds, summary.Tick{T: t0 + 12}, summary.Tick{T: t0 + 13})
	}
	s.Timeline = tl
}

// TestReportHTMLInChromium renders report.html for a stored run and
// compare.html for the seeds' four runs, serves them on 127.0.0.1 and
// opens them in headless Chromium: every chart must be drawn with its
// axis labels and ticks, the simulated banner shown, and each page must
// load nothing but itself. Set LLMBENCH_SCREENSHOT=FILE.png to keep the
// screenshot of report.html.
func TestReportHTMLInChromium(t *testing.T) {
	ctx, requested := chromium(t)

	// A stored run with errors at one level (so every chart is drawn),
	// labelled as the simulated server so that the banner shows, with
	// the quantiles and timeline a run writes.
	var runs []*summary.Summary
	for i := range seedRunIDs {
		b, err := os.ReadFile(filepath.Join(seedRun(i), "summary.json"))
		if err != nil {
			t.Fatal(err)
		}
		var sum summary.Summary
		if err := json.Unmarshal(b, &sum); err != nil {
			t.Fatal(err)
		}
		runs = append(runs, &sum)
	}
	sum := *runs[2]
	sum.Levels = append([]summary.Level(nil), sum.Levels...)
	sum.Simulated, sum.SimProfile = true, "g5-llama31-8b-awq"
	withChartData(&sum)
	sp, err := spec.Parse(strings.NewReader(`{"name":"seeds-gcp-gke-l4","platform":"gcp","target":{"kind":"openai","url":"http://127.0.0.1:9/v1","model":"m",
	  "auth":{"header":"Authorization","scheme":"Bearer","secret":"env:GCP_KEY"}},
	  "load":{"levels":[6,12,24,32],"duration":"300s","warmup":"30s"},"pricing":{"usd_per_hour":0.88}}`))
	if err != nil {
		t.Fatal(err)
	}
	reportPage, err := report.HTML(&sum, sp)
	if err != nil {
		t.Fatal(err)
	}
	comparePage, err := compare.HTML(runs, compare.DefaultRules)
	if err != nil {
		t.Fatal(err)
	}
	// Every kind of chart is on the page: against load, the CDFs, the
	// timeline.
	for _, title := range []string{"TPOT p50 and p95 vs concurrency", "ITL p50 and p95 vs concurrency", "Error rate by kind vs concurrency",
		"TTFT empirical CDF per level", "E2E empirical CDF per level", "ITL empirical CDF per level", "TTFT distribution per level",
		"Output throughput over the run", "Requests in flight over the run", "TTFT p50 over the run", "Requests ended per second over the run"} {
		if !strings.Contains(string(reportPage), `aria-label="`+title) {
			t.Errorf("report.html has no chart %q", title)
		}
	}

	srv, served := pageServer(t, map[string][]byte{"/report.html": reportPage, "/compare.html": comparePage})
	var shot []byte
	for _, p := range []struct {
		path string
		page []byte
	}{{"/report.html", reportPage}, {"/compare.html", comparePage}} {
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+p.path)); err != nil {
			t.Fatalf("navigate to %s: %v", p.path, err)
		}
		charts, err := chromedp.Run(ctx, chromedp.Evaluate[[]svgInfo](chartsJS))
		if err != nil {
			t.Fatalf("inspect the charts of %s: %v", p.path, err)
		}
		t.Run(strings.TrimPrefix(p.path, "/"), func(t *testing.T) { checkCharts(t, string(p.page), charts) })
		if p.path != "/report.html" {
			continue
		}
		banner, err := chromedp.Run(ctx, chromedp.Evaluate[struct {
			Text string  `json:"text"`
			W    float64 `json:"w"`
			H    float64 `json:"h"`
		}](bannerJS))
		if err != nil {
			t.Fatalf("inspect banner: %v", err)
		}
		if !strings.Contains(banner.Text, "SIMULATED SERVER") || banner.W < 200 || banner.H < 20 {
			t.Errorf("simulated banner: %q, %.0f×%.0f px", banner.Text, banner.W, banner.H)
		}
		if shot, err = chromedp.Run(ctx, chromedp.FullScreenshot(100)); err != nil {
			t.Fatalf("screenshot: %v", err)
		}
	}
	// Give a late request (a favicon, a font) the time to show.
	time.Sleep(300 * time.Millisecond)
	checkRequests(t, srv.URL, []string{"/report.html", "/compare.html"}, requested(), served())

	checkScreenshot(t, shot)
	if keep := os.Getenv("LLMBENCH_SCREENSHOT"); keep != "" {
		if err := os.WriteFile(keep, shot, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot kept in %s", keep)
	}
}

// checkScreenshot: a PNG of a whole page, in colour, showing the charts'
// first colour (the palette's blue, #0072B2) in quantity.
func checkScreenshot(t *testing.T, shot []byte) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	bounds := img.Bounds()
	if bounds.Dx() < 1000 || bounds.Dy() < 2000 {
		t.Errorf("screenshot is %v, want the whole page", bounds.Size())
	}
	colours := map[[3]uint32]bool{}
	blue := 0
	for y := bounds.Min.Y; y < bounds.Max.Y; y += 2 {
		for x := bounds.Min.X; x < bounds.Max.X; x += 2 {
			r, g, b := rgb(img, x, y)
			colours[[3]uint32{r >> 4, g >> 4, b >> 4}] = true
			if near(r, 0x00) && near(g, 0x72) && near(b, 0xB2) {
				blue++
			}
		}
	}
	t.Logf("screenshot %v, %d bytes, %d colours, %d blue samples", bounds.Size(), len(shot), len(colours), blue)
	if len(colours) < 30 {
		t.Errorf("screenshot has %d colours: blank?", len(colours))
	}
	if blue < 200 {
		t.Errorf("screenshot shows %d samples of the charts' blue: charts not drawn?", blue)
	}
}

func rgb(img image.Image, x, y int) (uint32, uint32, uint32) {
	r, g, b, _ := img.At(x, y).RGBA()
	return r >> 8, g >> 8, b >> 8
}

func near(v, want uint32) bool { return v+12 >= want && v <= want+12 }
