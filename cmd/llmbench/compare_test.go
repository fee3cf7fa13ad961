package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

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
		"| **seeds-aws-g5-2xlarge · AWS** | **950.0 @32** | **2,151 E2E p50 @6** | 2,123 TTFT p50 @32 | **$0.44 @32** | **2,257,386 @32** |",
		"| **seeds-azure-nv36ads-a10 · Azure** | 822.4 @24 | 2,488 E2E p50 @6 | 668 TTFT p50 @24 | $1.15 @24 | 870,776 @24 |",
		"| **seeds-gcp-gke-l4 · GCP** | 530.7 @32 | 3,857 E2E p50 @12 | 1,279 TTFT p50 @32 | $0.46 @32 | 2,170,860 @32 |",
		"| **seeds-local-m4-pro · Local** | 41.6 @6 | 6,160 E2E p50 @6 | **410 TTFT p50 @6** | $0.00 @6 | ∞ @6 |",
		"seeds-local-m4-pro · Local: throughput, TTFT and cost at 6 concurrent streams; best latency at 6. No price given",
		"Bold: the best of its column, ahead of every other run by more than 2%",
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
	if code != 0 || !strings.Contains(stdout, "| **seeds-local-m4-pro · Local** | 41.6 @6 | 6,160 E2E p50 @6 | 410 TTFT p50 @6 | $0.67 @6 | 1,497,600 @6 |") {
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

// TestCompareLabels: --label names a run by its address as given, its run
// ID or its place; labels that cannot tell the rows apart are refused.
func TestCompareLabels(t *testing.T) {
	aws, gcp := seedRun(0), seedRun(2)
	tests := []struct {
		name string
		args []string
		code int
		want []string // in stdout+stderr
	}{
		// By place, by run ID, by address.
		{"place", []string{"--label", "1=before", aws, gcp}, 0, []string{"| **before** |", "| **seeds-gcp-gke-l4 · GCP** |"}},
		{"run id", []string{"--label", "gcp-20260301T140000Z-e5f6=after", aws, gcp}, 0, []string{"| **seeds-aws-g5-2xlarge · AWS** |", "| **after** |"}},
		{"address", []string{"--label", gcp + "=after", "--label", "1=before", aws, gcp}, 0, []string{"| **before** |", "| **after** |"}},
		// The same run twice: its run ID would name both rows, so the place does.
		{"same run twice", []string{aws, aws}, 0, []string{"| **aws-20260301T120000Z-a1b2 · AWS** |", "| **aws-20260301T120000Z-a1b2 · AWS #2** |"}},
		// The same run twice, labelled by place: fine.
		{"same run labelled", []string{"--label", "1=a", "--label", "2=b", aws, aws}, 0, []string{"| **a** |", "| **b** |"}},
		// ... but not by its address, which is both.
		{"ambiguous address", []string{"--label", aws + "=a", aws, aws}, 2, []string{"is runs 1 and 2; name it by its place"}},
		// Two runs, one label.
		{"collision", []string{"--label", "1=x", "--label", "2=x", aws, gcp}, 2, []string{`runs 1 and 2 would both be labelled "x"`}},
		// A label equal to another run's default moves that one to its run ID.
		{"given equals default", []string{"--label", "2=seeds-aws-g5-2xlarge · AWS", aws, gcp}, 0, []string{"| **aws-20260301T120000Z-a1b2 · AWS** |", "| **seeds-aws-g5-2xlarge · AWS** |"}},
		// No such run, a run labelled twice, no '=', an empty name.
		{"unknown run", []string{"--label", "3=x", aws, gcp}, 2, []string{"no run compared is 3"}},
		{"labelled twice", []string{"--label", "1=x", "--label", "1=y", aws, gcp}, 2, []string{`run 1 is already labelled "x"`}},
		{"no equals", []string{"--label", "1", aws, gcp}, 2, []string{"want RUN=NAME"}},
		{"empty name", []string{"--label", "1= ", aws, gcp}, 2, []string{"want RUN=NAME"}},
		// Labels are for side-by-side tables, not the regression check.
		{"with baseline", []string{"--label", "1=x", "--baseline", aws, gcp}, 2, []string{"make no sense with --baseline"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"compare", "--out", t.TempDir()}, tt.args...)
			if tt.name == "with baseline" {
				args = append([]string{"compare"}, tt.args...)
			}
			code, stdout, errs := cli(t, nil, args...)
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

// shortLocalSpec is events/local.json as shipped but short: levels 4 and
// 8 of one second each, no warm-up (the same target, price and seed).
func shortLocalSpec(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../events/local.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	load := doc["load"].(map[string]any)
	load["levels"], load["duration"] = []int{4, 8}, "1s"
	delete(load, "warmup")
	b, _ = json.Marshal(doc)
	p, err := filepath.Abs(writeSpec(t, string(b)))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// cellRE is an executive table cell that names its level: "950.0 @32",
// "2,151 E2E p50 @6", "$0.44 @32", "∞ @6".
var cellRE = regexp.MustCompile(`^\**(\$?[\d,.]+|∞)( (E2E|TTFT) p50)? @(\d+)\**$`)

// TestCompareTwoLocalRuns: two runs of (a short events/local.json),
// compared with and without labels, from an empty working folder that
// stays empty: every cell of the executive table names its level (and a
// latency its percentile), the level being the one the rules pick from
// the run's summary; the files go to comparisons/<time>/ in the first
// run's store, a second comparison in the same second to a folder of its
// own, or to --out.
func TestCompareTwoLocalRuns(t *testing.T) {
	spec := shortLocalSpec(t)
	root := t.TempDir()
	var runDirs []string
	for _, name := range []string{"a", "b"} {
		out := filepath.Join(root, name)
		if code, stdout, errs := cli(t, nil, "run", "--quiet", "--out", out, spec); code != 0 {
			t.Fatalf("run %s: exit %d\n%s%s", name, code, stdout, errs)
		}
		dirs, _ := filepath.Glob(filepath.Join(out, "runs", "*"))
		if len(dirs) != 1 {
			t.Fatalf("run %s: runs %v", name, dirs)
		}
		runDirs = append(runDirs, dirs[0])
	}
	cwd := t.TempDir()
	t.Chdir(cwd)
	defer func(now func() time.Time) { compareNow = now }(compareNow)
	compareNow = func() time.Time { return time.Date(2026, 12, 4, 5, 0, 0, 0, time.UTC) }

	// Without labels: one spec twice, so each row names its run ID.
	code, stdout, errs := cli(t, nil, "compare", runDirs[0], runDirs[1])
	if code != 0 {
		t.Fatalf("compare: exit %d\n%s%s", code, stdout, errs)
	}
	for _, d := range runDirs {
		if !strings.Contains(stdout, "| **"+filepath.Base(d)+" · Sim** |") {
			t.Errorf("no row labelled by run ID %s:\n%s", filepath.Base(d), stdout)
		}
	}
	// With labels, a second comparison in the same second.
	code, stdout, errs = cli(t, nil, "compare", "--label", "1=first", "--label", "2=second", runDirs[0], runDirs[1])
	if code != 0 {
		t.Fatalf("compare --label: exit %d\n%s%s", code, stdout, errs)
	}
	t.Logf("%s%s", stdout, errs)
	rows := 0
	for _, line := range strings.Split(stdout, "\n") {
		label, ok := strings.CutPrefix(line, "| **")
		if !ok {
			continue
		}
		label, _, _ = strings.Cut(label, "**")
		i := map[string]int{"first": 0, "second": 1}[label]
		if label != "first" && label != "second" {
			t.Errorf("row %q: want the labels given", line)
			continue
		}
		rows++
		s := readSummary(t, filepath.Dir(filepath.Dir(runDirs[i])))
		tput, lat := s.Levels[0], s.Levels[0]
		for _, l := range s.Levels {
			if l.ErrorRate <= 0.01 && l.OutputTokenThroughput > tput.OutputTokenThroughput {
				tput = l
			}
			if l.ErrorRate <= 0.01 && l.E2EMs.P50 < lat.E2EMs.P50 {
				lat = l
			}
		}
		cells := strings.Split(strings.Trim(line, "| "), " | ")[1:]
		// The last cell is the benchmark's own cost (no level: it is the
		// whole run's).
		if len(cells) != 6 {
			t.Fatalf("row %q: %d figure cells, want 6", line, len(cells))
		}
		if !strings.Contains(cells[5], "$") || !strings.Contains(cells[5], "local est.") {
			t.Errorf("%s: benchmark cost cell %q, want a local estimate in dollars", label, cells[5])
		}
		cells = cells[:5]
		wantAt := []int{tput.Concurrency, lat.Concurrency, tput.Concurrency, tput.Concurrency, tput.Concurrency}
		wantWhat := []string{"", "E2E", "TTFT", "", ""}
		for c, cell := range cells {
			m := cellRE.FindStringSubmatch(cell)
			if m == nil {
				t.Errorf("%s: cell %q names no level", label, cell)
				continue
			}
			if m[3] != wantWhat[c] || m[4] != fmt.Sprint(wantAt[c]) {
				t.Errorf("%s: cell %q, want %s p50 @%d", label, cell, wantWhat[c], wantAt[c])
			}
		}
	}
	if rows != 2 {
		t.Errorf("%d labelled rows, want 2:\n%s", rows, stdout)
	}

	// Nothing in the working folder; both comparisons in the first run's store.
	if left, _ := os.ReadDir(cwd); len(left) != 0 {
		t.Errorf("the working folder got %v", left)
	}
	store0 := filepath.Dir(filepath.Dir(runDirs[0]))
	for _, dir := range []string{"20261204T050000Z", "20261204T050000Z-2"} {
		for _, f := range []string{"compare.md", "compare.html"} {
			if _, err := os.Stat(filepath.Join(store0, "comparisons", dir, f)); err != nil {
				t.Errorf("default location: %v", err)
			}
		}
	}
	if md, _ := os.ReadFile(filepath.Join(store0, "comparisons", "20261204T050000Z-2", "compare.md")); !strings.Contains(string(md), "| **first** |") {
		t.Errorf("the second comparison's compare.md lacks its labels:\n%s", md)
	}
	if !strings.Contains(errs, filepath.Join(store0, "comparisons", "20261204T050000Z-2", "compare.html")) {
		t.Errorf("stderr does not say where it wrote: %s", errs)
	}

	// --out: there and nowhere else.
	out := filepath.Join(t.TempDir(), "cmp")
	if code, stdout, errs := cli(t, nil, "compare", "--out", out, runDirs[0], runDirs[1]); code != 0 {
		t.Fatalf("compare --out: exit %d\n%s%s", code, stdout, errs)
	}
	for _, f := range []string{"compare.md", "compare.html"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("--out: %v", err)
		}
	}
	if got, _ := filepath.Glob(filepath.Join(store0, "comparisons", "*")); len(got) != 2 {
		t.Errorf("--out also wrote into the store: %v", got)
	}
	if left, _ := os.ReadDir(cwd); len(left) != 0 {
		t.Errorf("the working folder got %v", left)
	}
}
