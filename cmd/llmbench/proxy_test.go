package main

import (
	"strings"
	"testing"
)

// TestLocalProxyEvent runs events/local-proxy.json as shipped: the OpenAI
// client → llmbench's proxy (in-process) → the real SageMaker SDK client →
// the simulated SageMaker runtime. Every request is measured through the
// proxy with the server's token counts, and every level has the proxy's
// own TTFT beside the client's, the client's the larger (the overhead is
// measured, per request, as non-negative).
func TestLocalProxyEvent(t *testing.T) {
	out := t.TempDir()
	code, stdout, errs := cli(t, nil, "run", "--out", out, "../../events/local-proxy.json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	s := readSummary(t, out)
	if !s.Simulated || !strings.Contains(s.Target, "through llmbench's proxy") || len(s.Levels) != 2 {
		t.Fatalf("summary: simulated=%v target=%q levels=%d", s.Simulated, s.Target, len(s.Levels))
	}
	for _, l := range s.Levels {
		if l.Requests == 0 || l.Errors != 0 || l.TokenSource != "usage" || l.TTFTMs.N != l.OK {
			t.Errorf("level %d: %d requests, %d errors, token source %q, %d TTFTs", l.Concurrency, l.Requests, l.Errors, l.TokenSource, l.TTFTMs.N)
		}
		if l.ServerTTFTMs == nil || l.ServerTTFTMs.N != l.OK || l.ServerTTFTOverheadMs == nil {
			t.Errorf("level %d: server TTFT %+v, overhead %+v, want one per ok request", l.Concurrency, l.ServerTTFTMs, l.ServerTTFTOverheadMs)
			continue
		}
		if o := l.ServerTTFTOverheadMs; o.P50 < 0 || l.ServerTTFTMs.P50 > l.TTFTMs.P50 {
			t.Errorf("level %d: client TTFT p50 %.2f, proxy's %.2f, overhead p50 %.2f", l.Concurrency, l.TTFTMs.P50, l.ServerTTFTMs.P50, o.P50)
		}
		t.Logf("level %d: client TTFT p50 %.2f ms, proxy's %.2f ms, overhead p50 %.2f p95 %.2f max %.2f ms",
			l.Concurrency, l.TTFTMs.P50, l.ServerTTFTMs.P50, l.ServerTTFTOverheadMs.P50, l.ServerTTFTOverheadMs.P95, l.ServerTTFTOverheadMs.Max)
	}
	if !strings.Contains(stdout, "server TTFT: p50") {
		t.Errorf("the terminal lacks the server TTFT:\n%s", stdout)
	}
}
