package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/llmbench/llmbench/shared/report"
	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/summary"
)

// chromiumPath is Debian's chromium, which CI installs.
const chromiumPath = "/usr/bin/chromium"

// svgInfo is what the page reports of one chart.
type svgInfo struct {
	Label   string  `json:"label"`
	W       float64 `json:"w"`
	H       float64 `json:"h"`
	Drawn   int     `json:"drawn"`   // path, line, rect … elements
	Visible int     `json:"visible"` // those with a non-empty bounding box
	Texts   int     `json:"texts"`
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
    out.push({label: s.getAttribute('aria-label') || '', w: r.width, h: r.height, drawn, visible, texts: s.querySelectorAll('text').length});
  }
  return out;
})()`

const bannerJS = `(() => {
  const b = document.getElementById('simulated');
  if (!b) return {text: '', w: 0, h: 0};
  const r = b.getBoundingClientRect();
  return {text: b.innerText, w: r.width, h: r.height};
})()`

// TestReportHTMLInChromium renders report.html for a stored run, serves it
// on 127.0.0.1 and opens it in headless Chromium: every chart must be drawn,
// the simulated banner shown, and the page must load nothing but itself.
// Set LLMBENCH_SCREENSHOT=FILE.png to keep the screenshot.
func TestReportHTMLInChromium(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing (%v): CI must install Debian's chromium (apt-get install -y chromium) for the browser test of report.html", chromiumPath, err)
		}
		t.Skipf("%s is missing: apt-get install -y chromium to run the browser test", chromiumPath)
	}

	// A stored run with errors at one level (so every chart is drawn),
	// labelled as the simulated server so that the banner shows.
	b, err := os.ReadFile(filepath.Join(seedRun(2), "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var sum summary.Summary
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	sum.Simulated, sum.SimProfile = true, "g5-llama31-8b-awq"
	sp, err := spec.Parse(strings.NewReader(`{"name":"seeds-gcp-gke-l4","platform":"gcp","target":{"kind":"openai","url":"http://127.0.0.1:9/v1","model":"m",
	  "auth":{"header":"Authorization","scheme":"Bearer","secret":"env:GCP_KEY"}},
	  "load":{"levels":[6,12,24,32],"duration":"300s","warmup":"30s"},"pricing":{"usd_per_hour":0.88}}`))
	if err != nil {
		t.Fatal(err)
	}
	page, err := report.HTML(&sum, sp)
	if err != nil {
		t.Fatal(err)
	}
	wantCharts := strings.Count(string(page), "<svg")
	if wantCharts != 7 {
		t.Fatalf("report.html has %d charts, want 7", wantCharts)
	}

	// The server records every request it gets.
	var mu sync.Mutex
	var served []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		served = append(served, r.URL.Path)
		mu.Unlock()
		if r.URL.Path != "/report.html" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	}))
	defer srv.Close()
	pageURL := srv.URL + "/report.html"

	// The whole browser session gets two minutes; the machine is small.
	root, stop := context.WithTimeout(context.Background(), 2*time.Minute)
	defer stop()
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
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	if err := chromedp.Do(ctx); err != nil { // start the browser, open the tab
		t.Fatalf("start %s: %v", chromiumPath, err)
	}

	// Every request the page makes, as the browser reports it.
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

	if err := chromedp.Do(ctx, chromedp.Navigate(pageURL)); err != nil {
		t.Fatalf("navigate: %v", err)
	}
	charts, err := chromedp.Run(ctx, chromedp.Evaluate[[]svgInfo](chartsJS))
	if err != nil {
		t.Fatalf("inspect charts: %v", err)
	}
	banner, err := chromedp.Run(ctx, chromedp.Evaluate[struct {
		Text string  `json:"text"`
		W    float64 `json:"w"`
		H    float64 `json:"h"`
	}](bannerJS))
	if err != nil {
		t.Fatalf("inspect banner: %v", err)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	// Give a late request (a favicon, a font) the time to show.
	time.Sleep(300 * time.Millisecond)

	if len(charts) != wantCharts {
		t.Errorf("the browser sees %d charts, want %d", len(charts), wantCharts)
	}
	for _, c := range charts {
		t.Logf("chart %q: %.0f×%.0f px, %d drawn elements (%d visible), %d texts", c.Label, c.W, c.H, c.Drawn, c.Visible, c.Texts)
		if c.W < 200 || c.H < 100 {
			t.Errorf("chart %q is %.0f×%.0f px", c.Label, c.W, c.H)
		}
		if c.Visible < 5 || c.Texts < 5 {
			t.Errorf("chart %q draws %d visible elements and %d texts", c.Label, c.Visible, c.Texts)
		}
	}
	if !strings.Contains(banner.Text, "SIMULATED SERVER") || banner.W < 200 || banner.H < 20 {
		t.Errorf("simulated banner: %q, %.0f×%.0f px", banner.Text, banner.W, banner.H)
	}

	mu.Lock()
	for _, u := range requested {
		if u != pageURL {
			t.Errorf("the page requested %s", u)
		}
	}
	for _, p := range served {
		if p != "/report.html" {
			t.Errorf("the server was asked for %s", p)
		}
	}
	if len(requested) == 0 || len(served) != 1 {
		t.Errorf("requests seen: browser %v, server %v; want the page alone, once", requested, served)
	}
	mu.Unlock()

	checkScreenshot(t, shot)
	path := filepath.Join(t.TempDir(), "report.png")
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
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
