//go:build accuracy

package main

import (
	"testing"

	"github.com/llmbench/llmbench/shared/timingtest"
)

// TestAccuracyCalibratedRun runs the simulated ml.g5.2xlarge profile
// through the whole CLI on a real clock: 32 streams give 950 ± 10% output
// tok/s in summary.json, 6 streams clearly less, and a million output
// tokens at 32 streams cost about $0.44. Throughput over a 5 s window
// depends on the machine, so it runs under make accuracy (build tag
// accuracy), each run retried up to timingtest.Attempts times; what the
// run writes is TestRunSimulatedLabels's.
func TestAccuracyCalibratedRun(t *testing.T) {
	p := writeSpec(t, `{"name":"cal","target":{"kind":"sim","profile":"g5-llama31-8b-awq"},
	  "load":{"levels":[6,32],"duration":"5s","warmup":"1s"},"pricing":{"usd_per_hour":1.515}}`)
	timingtest.Retry(t, func(fail func(string, ...any)) {
		out := t.TempDir()
		code, _, errs := cli(t, nil, "run", "--quiet", "--out", out, p)
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, errs)
		}
		s := readSummary(t, out)
		if !s.Simulated || len(s.Levels) != 2 {
			t.Fatalf("summary: simulated=%v, %d levels", s.Simulated, len(s.Levels))
		}
		for _, l := range s.Levels {
			if l.Errors != 0 || l.WarmupRequests == 0 {
				t.Errorf("level %d: errors %d, warm-up %d", l.Concurrency, l.Errors, l.WarmupRequests)
			}
		}
		at6, at32 := s.Levels[0].OutputTokenThroughput, s.Levels[1].OutputTokenThroughput
		t.Logf("output tok/s: %.1f at 6, %.1f at 32", at6, at32)
		if at32 < 855 || at32 > 1045 {
			fail("32 streams: %.1f output tok/s, want 950 ± 10%%", at32)
		}
		if at6 > 0.7*at32 {
			fail("6 streams: %.1f tok/s is not clearly below 32 streams' %.1f", at6, at32)
		}
		if c := s.Levels[1].CostPer1MOutputTokensUSD; c == nil || *c < 0.40 || *c > 0.49 {
			fail("cost per 1M at 32 streams = %v, want about $0.44", c)
		}
	})
}
