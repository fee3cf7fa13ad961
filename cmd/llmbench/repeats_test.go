package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestCompareRepeatsEndToEnd runs the simulated server (fixed profile:
// TTFT 100 ms, ITL 20 ms) three times with load.repeats 3: a baseline, a
// repeat of it, and a candidate whose answers are 10 tokens instead of 8
// (E2E 280 ms instead of 240: 17% slower). compare --baseline passes the
// repeat, with every verdict ok and a Welch p printed, and fails the
// slower candidate on E2E p95, beyond noise.
func TestCompareRepeatsEndToEnd(t *testing.T) {
	run := func(name string, tokens int) string {
		t.Helper()
		out := t.TempDir()
		spec := writeSpec(t, fmt.Sprintf(`{"name":%q,"target":{"kind":"sim","profile":"fixed"},
		  "workload":{"input_tokens":8,"output_tokens":%d,"ignore_eos":true},
		  "load":{"levels":[4],"requests":8,"repeats":3}}`, name, tokens))
		if code, stdout, stderr := cli(t, nil, "run", "--quiet", "--out", out, spec); code != 0 {
			t.Fatalf("run %s: exit %d\n%s%s", name, code, stdout, stderr)
		}
		s := readSummary(t, out)
		if len(s.Levels) != 3 || len(s.Repeats) != 1 || s.Repeats[0].Figures.E2EP95Ms == nil {
			t.Fatalf("run %s: %d levels, repeats %+v", name, len(s.Levels), s.Repeats)
		}
		dirs, _ := filepath.Glob(filepath.Join(out, "runs", "*"))
		return dirs[0]
	}
	base, again, slow := run("base", 8), run("base", 8), run("slow", 10)

	code, stdout, stderr := cli(t, nil, "compare", "--baseline", base, again)
	t.Logf("a repeat of itself:\n%s", stdout)
	if code != 0 || !strings.Contains(stdout, "| Welch p |") || strings.Contains(stdout, "WORSE") {
		t.Errorf("compare with a repeat: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = cli(t, nil, "compare", "--baseline", base, slow)
	t.Logf("17%% slower:\n%s%s", stdout, stderr)
	if code != 1 || !strings.Contains(stderr, "4 streams: E2E p95 +") || !strings.Contains(stderr, "beyond noise: Welch p") {
		t.Errorf("compare with the slower run: exit %d\n%s%s", code, stdout, stderr)
	}
}
