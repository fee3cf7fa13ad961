//go:build ignore

// genfixtures writes the four runs behind the executive-table test, made
// so that the seeds' "Performance Executive Summary" figures come out:
//
//	go run testdata/genfixtures.go testdata   (from shared/compare)
//
// Prices: AWS $1.515/h, Azure $3.40/h, GCP $0.88/h, Local none. The
// throughputs behind the seeds' tokens per $·h are the unrounded ones the
// printed figures imply: 949.9833 (AWS) and 530.6547 (GCP) tok/s.
// Request counts follow Little's law from the achieved concurrency and the
// mean E2E; the tokens per request follow from the throughput.
package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/llmbench/llmbench/shared/cost"
	"github.com/llmbench/llmbench/shared/summary"
	"github.com/llmbench/llmbench/shared/workflow"
)

type lv struct {
	c              int
	tps            float64
	e2e50, e2e95   float64
	ttft50, ttft95 float64
	errs           map[string]int
}

type run struct {
	id, name, platform, target string
	price                      float64
	levels                     []lv
}

func main() {
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	runs := []run{
		{"aws-20260301T120000Z-a1b2", "seeds-aws-g5-2xlarge", "aws", "sagemaker llama31-8b-awq (chat)", 1.515, []lv{
			{6, 265.3, 2151.0, 2298.7, 1862.5, 2010.2, nil},
			{12, 498.7, 2236.4, 2412.5, 1930.8, 2101.9, nil},
			{24, 801.2, 2447.9, 2730.1, 2041.6, 2260.4, nil},
			{32, 949.9833, 2690.2, 2974.3, 2123.0, 2398.7, nil},
		}},
		{"azure-20260301T130000Z-c3d4", "seeds-azure-nv36ads-a10", "azure", "openai https://aks.example.invalid/v1 (chat, model llama-3.1-8b-awq)", 3.40, []lv{
			{6, 301.9, 2488.0, 2690.4, 402.3, 470.8, nil},
			{12, 560.2, 2610.5, 2844.9, 455.9, 540.1, nil},
			{24, 822.4, 2893.2, 3180.6, 668.0, 801.5, nil},
			{32, 815.1, 3420.8, 3903.4, 1012.4, 1350.2, map[string]int{"http_429": 2}},
		}},
		{"gcp-20260301T140000Z-e5f6", "seeds-gcp-gke-l4", "gcp", "openai https://gke.example.invalid/v1 (chat, model llama-3.1-8b-awq)", 0.88, []lv{
			{6, 160.2, 3702.4, 4010.3, 980.1, 1101.7, map[string]int{"timeout": 7, "http_503": 2}},
			{12, 298.5, 3857.0, 4188.2, 1040.7, 1190.4, nil},
			{24, 470.9, 4210.6, 4702.9, 1175.3, 1380.6, nil},
			{32, 530.6547, 4655.3, 5301.8, 1279.0, 1544.2, nil},
		}},
		{"local-20260301T150000Z-g7h8", "seeds-local-m4-pro", "local", "openai http://127.0.0.1:8080/v1 (chat, model llama-3.1-8b-q4_k_m)", 0, []lv{
			{6, 41.6, 6160.0, 6543.2, 410.0, 488.6, nil},
			{12, 40.9, 11890.3, 12720.4, 5960.2, 6810.9, nil},
			{24, 40.2, 23544.9, 25102.7, 17670.4, 19230.5, nil},
			{32, 39.8, 31020.7, 33411.8, 25210.9, 27402.3, nil},
		}},
	}
	for i, r := range runs {
		s := summary.Summary{RunID: r.id, Name: r.name, Platform: r.platform, Engine: "duckdb", Target: r.target,
			StartedAt: start.Add(time.Duration(i) * time.Hour), Definitions: workflow.Definitions}
		t := s.StartedAt
		for _, l := range r.levels {
			const window = 300.0
			achieved := round(float64(l.c)*0.985, 10)
			e2eMean := round(l.e2e50*1.02, 100)
			ok := int(math.Round(achieved * window / (e2eMean / 1000)))
			errs := 0
			for _, n := range l.errs {
				errs += n
			}
			reqs := ok + errs
			tokens := int64(math.Round(l.tps * window))
			dur := float64(tokens) / l.tps
			perReq := float64(tokens) / float64(ok)
			tpot := (l.e2e50 - l.ttft50) / (perReq - 1)
			lev := summary.Level{Concurrency: l.c, Requests: reqs, WarmupRequests: 2 * l.c, OK: ok, Errors: errs,
				ErrorRate: float64(errs) / float64(reqs), DurationS: dur, AchievedConcurrency: achieved,
				RequestThroughput: float64(ok) / dur, OutputTokenThroughput: l.tps, InputTokenThroughput: float64(ok) * 256 / dur,
				GoodputRPS: float64(ok) / dur, OutputTokens: tokens, InputTokens: int64(ok) * 256, TokenSource: "usage",
				TTFTMs: dist(ok, l.ttft50, l.ttft95), TPOTMs: dist(ok, round(tpot, 100), round(tpot*1.12, 100)),
				ITLMs: dist(int(tokens)-ok, round(tpot*0.97, 100), round(tpot*1.3, 100)), E2EMs: dist(ok, l.e2e50, l.e2e95)}
			if len(l.errs) > 0 {
				lev.ErrorsByStatus = l.errs
			}
			if c, ok := cost.PerMillionOutputTokens(r.price, 1, l.tps); ok {
				lev.CostPer1MOutputTokensUSD = &c
			}
			if c, ok := cost.TokensPerUSDHour(r.price, 1, l.tps); ok {
				lev.OutputTokensPerUSDHour = &c
			}
			s.Levels = append(s.Levels, lev)
			t = t.Add(time.Duration(dur+60) * time.Second)
		}
		s.FinishedAt = t
		b, err := json.MarshalIndent(s, "", "  ")
		if err != nil {
			panic(err)
		}
		dir := filepath.Join(os.Args[1], "runs", r.id)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			panic(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "summary.json"), append(b, '\n'), 0o644); err != nil {
			panic(err)
		}
		fmt.Println(dir)
	}
}

func round(v, p float64) float64 { return math.Round(v*p) / p }

// dist makes a plausible distribution around a p50 and a p95.
func dist(n int, p50, p95 float64) summary.Dist {
	return summary.Dist{N: n, Mean: round(p50*1.02, 100), P50: p50, P90: round(p50+0.7*(p95-p50), 100), P95: p95,
		P99: round(p95*1.06, 100), Max: round(p95*1.15, 100)}
}
