package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/llmbench/llmbench/shared/summary"
)

// The stored runs behind the seeds' executive table (shared/compare/testdata).
const seedRunsDir = "../../shared/compare/testdata/runs"

var seedRunIDs = []string{"aws-20260301T120000Z-a1b2", "azure-20260301T130000Z-c3d4", "gcp-20260301T140000Z-e5f6", "local-20260301T150000Z-g7h8"}

func seedRun(i int) string { return filepath.Join(seedRunsDir, seedRunIDs[i]) }

// writeRun stores a changed copy of a seed run as a new run and returns its
// folder.
func writeRun(t *testing.T, from int, id string, change func(l *summary.Level)) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(seedRun(from), "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s summary.Summary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	s.RunID = id
	for i := range s.Levels {
		change(&s.Levels[i])
	}
	dir := filepath.Join(t.TempDir(), "runs", id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	b, _ = json.Marshal(&s)
	if err := os.WriteFile(filepath.Join(dir, "summary.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestCompareSeeds runs `llmbench compare` on the four stored runs: it
// prints the seeds' table and writes compare.md and compare.html.
func TestCompareSeeds(t *testing.T) {
	out := filepath.Join(t.TempDir(), "cmp")
	args := []string{"compare", "--out", out}
	for i := range seedRunIDs {
		args = append(args, seedRun(i))
	}
	code, stdout, errs := cli(t, nil, args...)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	for _, row := range []string{
		"| **AWS** | **950.0** | **2,151** | 2,123 | **$0.44** | **2,257,386** |",
		"| **Azure** | 822.4 | 2,488 | 668 | $1.15 | 870,776 |",
		"| **GCP** | 530.7 | 3,857 | 1,279 | $0.46 | 2,170,860 |",
		"| **Local** | 41.6 | 6,160 | **410** | $0.00 | ∞ |",
		"Local: throughput, TTFT and cost at 6 concurrent streams; best latency at 6. No price given",
	} {
		if !strings.Contains(stdout, row) {
			t.Errorf("output lacks %q:\n%s", row, stdout)
		}
	}
	md, err := os.ReadFile(filepath.Join(out, "compare.md"))
	if err != nil || !strings.Contains(string(md), "## TTFT p95 per level (ms)") {
		t.Errorf("compare.md: %v\n%s", err, md)
	}
	page, err := os.ReadFile(filepath.Join(out, "compare.html"))
	if err != nil || strings.Count(string(page), "<svg") != 4 {
		t.Errorf("compare.html: %v, %d charts", err, strings.Count(string(page), "<svg"))
	}

	// A price on the command line replaces "free".
	code, stdout, errs = cli(t, nil, "compare", "--out", t.TempDir(), "--price", "local=0.10", seedRun(3))
	if code != 0 || !strings.Contains(stdout, "| **Local** | 41.6 | 6,160 | 410 | $0.67 | 1,497,600 |") {
		t.Errorf("--price: exit %d\n%s%s", code, stdout, errs)
	}
}

// TestCompareBaseline gates a candidate on a baseline.
func TestCompareBaseline(t *testing.T) {
	base := seedRun(0)
	ttft15 := writeRun(t, 0, "ttft-15", func(l *summary.Level) { l.TTFTMs.P95 *= 1.15 })
	within5 := writeRun(t, 0, "within-5", func(l *summary.Level) {
		l.TTFTMs.P95 *= 1.05
		l.E2EMs.P95 *= 1.05
		l.OutputTokenThroughput *= 0.95
	})
	slowAndFailing := writeRun(t, 0, "slow-failing", func(l *summary.Level) {
		l.OutputTokenThroughput *= 0.8
		l.ErrorRate = 0.03
	})
	otherLevels := writeRun(t, 0, "other-levels", func(l *summary.Level) { l.Concurrency *= 10 })
	tests := []struct {
		name string
		args []string
		code int
		want []string // in stdout+stderr
	}{
		// TTFT p95 +15% at every level fails a 10% gate, naming the metric.
		{"ttft +15% fails", []string{"--baseline", base, "--max-regression", "10%", ttft15}, 1,
			[]string{"4 regression(s)", "32 streams: TTFT p95 +15.0%", "| 32 | TTFT p95 (ms) | 2,399 | 2,759 | +15.0% | +10% | **WORSE** |"}},
		// The default limit is 10%.
		{"default limit", []string{"--baseline", base, ttft15}, 1, []string{"TTFT p95 +15.0%"}},
		// Within 5% passes, and says so.
		{"within 5% passes", []string{"--baseline", base, "--max-regression", "10%", within5}, 0, []string{"no regression beyond 10%"}},
		// A looser gate lets +15% through.
		{"20% gate", []string{"--baseline", base, "--max-regression", "20", ttft15}, 0, []string{"no regression beyond 20%"}},
		// Flags may follow the candidate; throughput and error rate are named.
		{"throughput and errors", []string{slowAndFailing, "--baseline", base}, 1, []string{"output tok/s -20.0%", "error rate +3.00 pp"}},
		// A looser error gate leaves only the throughput.
		{"error gate", []string{"--baseline", base, "--max-error-increase", "5", slowAndFailing}, 1, []string{"4 regression(s)", "output tok/s"}},
		// No level in common: nothing can be checked, and that fails.
		{"no common level", []string{"--baseline", base, otherLevels}, 1, []string{"No level in common: the baseline has concurrency levels", "only in the baseline"}},
		// Usage errors exit 2.
		{"no candidate", []string{"--baseline", base}, 2, []string{"want one candidate run"}},
		{"two candidates", []string{"--baseline", base, within5, ttft15}, 2, []string{"want one candidate run"}},
		{"bad percentage", []string{"--baseline", base, "--max-regression", "ten", ttft15}, 2, []string{"want a percentage"}},
		{"gate without baseline", []string{"--max-regression", "10%", ttft15}, 2, []string{"need --baseline"}},
		{"no run", nil, 2, []string{"want at least one run"}},
		{"not a run address", []string{"/tmp/nowhere"}, 2, []string{"not a run address"}},
		{"bad price", []string{"--price", "local", base}, 2, []string{"RUN_OR_PLATFORM=USD_PER_HOUR"}},
		// A run folder without summary.json fails like `report`.
		{"missing run", []string{"--baseline", base, filepath.Join(t.TempDir(), "runs", "nope")}, 1, []string{"has the run finished?"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, errs := cli(t, nil, append([]string{"compare"}, tt.args...)...)
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tt.code, stdout, errs)
			}
			for _, w := range tt.want {
				if !strings.Contains(stdout+errs, w) {
					t.Errorf("output lacks %q:\n%s%s", w, stdout, errs)
				}
			}
		})
	}
}

// TestCompareMainCode: a regression reaches the process as exit code 1,
// with the message on stderr.
func TestCompareMainCode(t *testing.T) {
	cand := writeRun(t, 0, "worse", func(l *summary.Level) { l.E2EMs.P95 *= 1.5 })
	var out, errb strings.Builder
	code := mainCode(t.Context(), []string{"compare", "--baseline", seedRun(0), cand}, &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "E2E p95 +50.0%") {
		t.Errorf("exit %d, stderr %s", code, errb.String())
	}
}
