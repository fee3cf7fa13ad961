package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/summary"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func fixture() (*summary.Summary, *spec.Spec) {
	cost, tph := 0.443, 2257426.0
	s := &summary.Summary{
		RunID: "demo-20261123T060000Z-abcd", Name: "demo", Platform: "sim", Engine: "duckdb",
		Simulated: true, SimProfile: "g5-llama31-8b-awq", Target: "simulated LLM server",
		StartedAt: time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC), FinishedAt: time.Date(2026, 11, 23, 6, 1, 0, 0, time.UTC),
		Definitions: summary.Definitions{TTFT: "t", ITL: "i", TPOT: "p", E2E: "e", Window: "w", Throughput: "th", Percentile: "pc", Cost: "c"},
		Levels: []summary.Level{
			{Index: 0, Mode: "concurrency", Concurrency: 6, Requests: 60, WarmupRequests: 18, OK: 58, Errors: 2, ErrorsByStatus: map[string]int{"timeout": 1, "http_error": 1},
				ErrorRate: 2.0 / 60, DurationS: 10.2, AchievedConcurrency: 5.9, RequestThroughput: 5.69, OutputTokenThroughput: 364.1,
				GoodputRPS: 5.5, TokenSource: "usage",
				TTFTMs: summary.Dist{N: 58, Mean: 55, P50: 55.04, P90: 55.5, P95: 55.7, P99: 56, Max: 57},
				TPOTMs: summary.Dist{N: 58, P50: 13.93}, ITLMs: summary.Dist{N: 3654, P99: 15.1},
				E2EMs: summary.Dist{N: 58, P50: 930.4, P95: 931.2},
				// 2 failures in 60: p99 (h = 58.41 > 57) falls among them.
				TTFTAllMs:     summary.DistAll{N: 60, Failures: 2, P50: f64(55.1), P90: f64(55.6), P95: f64(56.1)},
				TPOTAllMs:     summary.DistAll{N: 60, Failures: 2, P50: f64(13.95)},
				ITLAllMs:      summary.DistAll{N: 3680, Failures: 2, P99: f64(15.2)},
				E2EAllMs:      summary.DistAll{N: 60, Failures: 2, P50: f64(930.5), P95: f64(931.3)},
				SLOAttainment: f64(0.9)},
			{Index: 1, Mode: "concurrency", Concurrency: 32, Requests: 160, WarmupRequests: 32, OK: 160, DurationS: 10.8, AchievedConcurrency: 31.8,
				RequestThroughput: 14.88, OutputTokenThroughput: 952.1, GoodputRPS: 14.88, TokenSource: "usage",
				TTFTMs: summary.Dist{N: 160, P50: 203.2, P95: 205.4}, TPOTMs: summary.Dist{N: 160, P50: 30.8},
				ITLMs: summary.Dist{N: 10080, P99: 33}, E2EMs: summary.Dist{N: 160, P50: 2144, P95: 2148},
				TTFTAllMs: summary.DistAll{N: 160, P50: f64(203.2), P90: f64(204), P95: f64(205.4), P99: f64(206)}, TPOTAllMs: summary.DistAll{N: 160, P50: f64(30.8)},
				ITLAllMs: summary.DistAll{N: 10080, P99: f64(33)}, E2EAllMs: summary.DistAll{N: 160, P50: f64(2144), P95: f64(2148), P99: f64(2150)},
				SLOAttainment:            f64(1),
				CostPer1MOutputTokensUSD: &cost, OutputTokensPerUSDHour: &tph},
		},
		RetriedSlices: []summary.RetriedSlice{{Level: 1, Worker: 0, Attempts: 2, DiscardedParts: 1}}, // level index 1: 32 streams
	}
	sp, _ := spec.Parse(strings.NewReader(`{"name":"demo","target":{"kind":"sim"},"load":{"levels":[6,32],"duration":"10s","warmup":"2s"},"pricing":{"usd_per_hour":1.515}}`))
	return s, sp
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
		t.Errorf("%s differs from the golden file (go test ./shared/report -update to accept):\n%s", name, got)
	}
}

func TestMarkdownGolden(t *testing.T) {
	s, sp := fixture()
	golden(t, "report.md", Markdown(s, sp))
}

func TestTableGolden(t *testing.T) {
	s, _ := fixture()
	var b bytes.Buffer
	if err := Table(&b, s); err != nil {
		t.Fatal(err)
	}
	golden(t, "table.txt", b.Bytes())
}

// TestLevelNotes: a throttled level and streams cut short are said in
// words in the table and report.md, with the figures that back them.
func TestLevelNotes(t *testing.T) {
	s := &summary.Summary{Name: "n", RunID: "r", Levels: []summary.Level{
		{Concurrency: 4, Requests: 24, Errors: 24, ErrorsByStatus: map[string]int{"http_error": 24}, ErrorRate: 1, Throttled: 24, BackoffS: 20},
		{Concurrency: 8, Requests: 60, OK: 59, Errors: 1, ErrorsByStatus: map[string]int{"protocol": 1}, CutShort: 1},
		{Concurrency: 16, Requests: 10, OK: 10},
	}}
	var tb bytes.Buffer
	if err := Table(&tb, s); err != nil {
		t.Fatal(err)
	}
	md := string(Markdown(s, nil))
	for _, want := range []string{
		"level 4 was THROTTLED: 24 of 24 requests answered 429 or 503; virtual users waited 20.0 s in all",
		"level 8 had 1 stream(s) CUT SHORT by the server",
	} {
		if !strings.Contains(tb.String(), want) || !strings.Contains(md, want) {
			t.Errorf("%q missing:\n%s\n%s", want, tb.String(), md)
		}
	}
	if strings.Contains(tb.String(), "level 16 was") || strings.Contains(tb.String(), "level 16 had") {
		t.Errorf("a clean level got a note:\n%s", tb.String())
	}
}
