package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunSimulatedLabels runs a short request-bounded level against the
// simulated server through the whole CLI: the table, summary.json and
// report.md all say the server is simulated, every request succeeds with
// usage-reported tokens, and a cost is priced. (The calibrated figures of
// a timed run are make accuracy's TestAccuracyCalibratedRun.)
func TestRunSimulatedLabels(t *testing.T) {
	out := t.TempDir()
	p := writeSpec(t, `{"name":"labels","target":{"kind":"sim","profile":"instant"},
	  "load":{"levels":[2],"requests":20},"pricing":{"usd_per_hour":1.515}}`)
	code, stdout, errs := cli(t, nil, "run", "--quiet", "--out", out, p)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	if !strings.Contains(stdout, "SIMULATED") {
		t.Errorf("the table does not say the server is simulated:\n%s", stdout)
	}
	s := readSummary(t, out)
	if !s.Simulated || len(s.Levels) != 1 {
		t.Fatalf("summary: simulated=%v, %d levels", s.Simulated, len(s.Levels))
	}
	l := s.Levels[0]
	if l.Requests != 20 || l.Errors != 0 || l.TokenSource != "usage" || l.CostPer1MOutputTokensUSD == nil {
		t.Errorf("level: %d requests, %d errors, token source %q, cost %v; want 20, 0, usage, a cost", l.Requests, l.Errors, l.TokenSource, l.CostPer1MOutputTokensUSD)
	}
	md, err := os.ReadFile(filepath.Join(out, "runs", s.RunID, "report.md"))
	if err != nil || !bytes.Contains(md, []byte("Simulated server")) {
		t.Errorf("report.md missing or not labelled simulated: %v", err)
	}
}
