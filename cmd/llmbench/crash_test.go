package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/simllm"
	"github.com/llmbench/llmbench/shared/workflow"
)

// TestReportIncompleteRun: `llmbench report` of a run that has samples but
// no summary.json (killed before its aggregation) summarizes the rows on
// disk, writes summary.json as the aggregator does, and says on stderr how
// complete the run is. A run with no rows at all cannot be summarized.
func TestReportIncompleteRun(t *testing.T) {
	tests := []struct {
		name string
		// break_ undoes part of a finished run, as a kill would have.
		break_   func(t *testing.T, runDir, samplesDir string)
		code     int
		want     []string // on stderr
		requests int      // in the summary written, if code is 0
	}{
		{
			// Killed mid-level: the slice record says started, not done.
			name: "slice not done",
			break_: func(t *testing.T, runDir, _ string) {
				setDone(t, filepath.Join(runDir, "slices", "level=0", "worker=0.json"), false)
			},
			want:     []string{"is incomplete", "interrupted before its aggregation", "1 of 1 slices have no finished record (1 started and never finished)", "summarized the 20 requests on disk"},
			requests: 20,
		},
		{
			// Killed before the worker began: no slice record.
			name: "slice never started",
			break_: func(t *testing.T, runDir, _ string) {
				rm(t, filepath.Join(runDir, "slices"))
			},
			want:     []string{"is incomplete", "1 never started"},
			requests: 20,
		},
		{
			// Killed during the aggregation: every row is there.
			name:     "every slice done",
			break_:   func(*testing.T, string, string) {},
			want:     []string{"every slice finished", "summarized its 20 requests"},
			requests: 20,
		},
		{
			// Killed before the first part landed: nothing to summarize.
			name: "no rows",
			break_: func(t *testing.T, runDir, samplesDir string) {
				setDone(t, filepath.Join(runDir, "slices", "level=0", "worker=0.json"), false)
				rm(t, samplesDir)
			},
			code: 1,
			want: []string{"no samples on disk", "1 of 1 slices have no finished record"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			p := writeSpec(t, `{"name":"cut","target":{"kind":"sim","profile":"instant"},"load":{"levels":[2],"requests":20}}`)
			if code, _, errs := cli(t, nil, "run", "--quiet", "--out", out, p); code != 0 {
				t.Fatalf("run: exit %d\n%s", code, errs)
			}
			runDir := onlyDir(t, filepath.Join(out, "runs"))
			for _, f := range []string{"summary.json", "report.md", "report.html"} {
				rm(t, filepath.Join(runDir, f))
			}
			samples, _ := filepath.Glob(filepath.Join(out, "samples", "dt=*", "run_id="+filepath.Base(runDir)))
			if len(samples) != 1 {
				t.Fatalf("samples folders %v, want one", samples)
			}
			tt.break_(t, runDir, samples[0])

			code, stdout, errs := cli(t, nil, "report", runDir)
			if code != tt.code {
				t.Fatalf("report: exit %d, want %d\n%s%s", code, tt.code, stdout, errs)
			}
			for _, w := range tt.want {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errs)
				}
			}
			if tt.code != 0 {
				return
			}
			if !strings.Contains(stdout, "SIMULATED") {
				t.Errorf("report printed no table:\n%s", stdout)
			}
			s := readSummary(t, out)
			if len(s.Levels) != 1 || s.Levels[0].Requests != tt.requests {
				t.Errorf("summary.json: %d levels, %+v; want one level of %d requests", len(s.Levels), s.Levels, tt.requests)
			}
			for _, f := range []string{"report.md", "report.html"} {
				if _, err := os.Stat(filepath.Join(runDir, f)); err != nil {
					t.Errorf("report did not write %s: %v", f, err)
				}
			}
			// The summary is there now: report prints it as it stands.
			if code, _, errs := cli(t, nil, "report", runDir); code != 0 || strings.Contains(errs, "summarized") {
				t.Errorf("second report: exit %d, stderr %q; want 0 and no new summary", code, errs)
			}
		})
	}
}

// TestKillDuringRun is the crash test of issue 10: `llmbench run` killed
// with SIGKILL at a random instant 7–12 s into a 20 s level loses at most
// the rows of the last flush interval, leaves no unreadable Parquet file,
// and `llmbench report` then summarizes what is on disk and says the run
// is incomplete.
//
// The bound asserted: rows on disk >= requests the server completed before
// kill − (flush interval 5 s + 1 s of slack for the flush timer, the
// Parquet write and the client's read of the end of the stream), and
// <= every request it completed. The kill is at 7 s or later, so that
// bound is at least a second of requests: a run that writes nothing until
// the end fails it.
func TestKillDuringRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the CLI and runs it for up to 12 s")
	}
	const interval, slack = sample.DefaultFlushInterval, time.Second
	bin := filepath.Join(t.TempDir(), "llmbench")
	build := exec.Command("go", "build", "-o", bin, ".")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}

	srv, completed := countingSim(t)
	out := t.TempDir()
	spec := writeSpec(t, fmt.Sprintf(`{"name":"crash",
	  "target":{"kind":"openai","url":%q,"model":"m"},
	  "workload":{"input_tokens":8,"output_tokens":8},
	  "load":{"levels":[4],"duration":"20s"},"output":%q}`, srv.URL+"/v1", out))

	var stdout, stderr bytes.Buffer
	run := exec.Command(bin, "run", "--quiet", spec)
	run.Stdout, run.Stderr = &stdout, &stderr
	start := time.Now()
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- run.Wait() }()
	t.Cleanup(func() { run.Process.Kill(); <-exited })
	after := 7*time.Second + rand.N(5*time.Second)
	select {
	case <-time.After(time.Until(start.Add(after))):
	case err := <-exited:
		exited <- err
		t.Fatalf("run ended before the kill at %v: %v\n%s%s", after, err, stdout.String(), stderr.String())
	}
	killed := time.Now()
	if err := run.Process.Kill(); err != nil { // SIGKILL: no handler runs
		t.Fatal(err)
	}
	err := <-exited
	exited <- err
	t.Logf("run: %v after the kill", err)
	srv.Close() // handlers cut off by the kill have returned
	done := completed()
	t.Logf("killed at %v; the server completed %d requests", killed.Sub(start).Round(time.Millisecond), len(done))

	// Every Parquet file on disk reads whole.
	rows, parts := 0, 0
	var temps []string
	filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if strings.HasPrefix(d.Name(), ".tmp-") {
			temps = append(temps, p) // a Put cut by the kill: never listed, never read
			return nil
		}
		if !strings.HasSuffix(p, ".parquet") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rs, err := sample.ReadParquet(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Errorf("%s does not read: %v", p, err)
		}
		rows += len(rs)
		parts++
		return nil
	})
	cutoff := killed.Add(-interval - slack)
	before := 0
	for _, at := range done {
		if at.Before(cutoff) {
			before++
		}
	}
	t.Logf("on disk: %d rows in %d parts (%d temporary files); the server completed %d requests by kill − %v", rows, parts, len(temps), before, interval+slack)
	if rows < before {
		t.Errorf("%d rows on disk, want >= %d: the requests completed before kill − %v", rows, before, interval+slack)
	}
	if rows > len(done) {
		t.Errorf("%d rows on disk for %d requests completed", rows, len(done))
	}
	if before == 0 {
		t.Errorf("no request completed before kill − %v: the check proves nothing", interval+slack)
	}

	runDir := onlyDir(t, filepath.Join(out, "runs"))
	if _, err := os.Stat(filepath.Join(runDir, "summary.json")); err == nil {
		t.Fatal("a killed run has a summary.json")
	}
	rec := readRecord(t, filepath.Join(runDir, "slices", "level=0", "worker=0.json"))
	if rec.Done || rec.Parts > parts {
		t.Errorf("slice record: done %v, %d parts; want not done, at most the %d parts on disk", rec.Done, rec.Parts, parts)
	}

	// report summarizes what is on disk, and says the run is incomplete.
	rep := exec.Command(bin, "report", runDir)
	var rout, rerr bytes.Buffer
	rep.Stdout, rep.Stderr = &rout, &rerr
	if err := rep.Run(); err != nil {
		t.Fatalf("report: %v\n%s%s", err, rout.String(), rerr.String())
	}
	t.Logf("report:\n%s", rerr.String())
	if !strings.Contains(rerr.String(), "incomplete") || !strings.Contains(rerr.String(), "1 of 1 slices") {
		t.Errorf("report does not say the run is incomplete:\n%s", rerr.String())
	}
	s := readSummary(t, out)
	if len(s.Levels) != 1 || s.Levels[0].Requests != rows {
		t.Errorf("summary: %+v; want one level of the %d rows on disk", s.Levels, rows)
	}
}

// countingSim serves the simulated server (profile fixed, short) in the
// test process, and returns when each completed request ended: every
// token sent and the end of the response written.
func countingSim(t *testing.T) (*httptest.Server, func() []time.Time) {
	t.Helper()
	p, err := simllm.LookupProfile("fixed")
	if err != nil {
		t.Fatal(err)
	}
	p.TTFT, p.ITL = 20*time.Millisecond, 5*time.Millisecond
	sim, err := simllm.New(simllm.Options{Profile: p, RecordTruth: true})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var ends []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sim.ServeHTTP(w, r)
		if tr, ok := sim.TakeTruth(r.Header.Get(simllm.RequestIDHeader)); ok && tr.Completed {
			mu.Lock()
			ends = append(ends, time.Now())
			mu.Unlock()
		}
	}))
	t.Cleanup(func() { sim.Close(); srv.Close() })
	return srv, func() []time.Time {
		mu.Lock()
		defer mu.Unlock()
		return append([]time.Time(nil), ends...)
	}
}

func onlyDir(t *testing.T, dir string) string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil || len(ents) != 1 {
		t.Fatalf("%s: %d entries, %v; want one run", dir, len(ents), err)
	}
	return filepath.Join(dir, ents[0].Name())
}

func rm(t *testing.T, p string) {
	t.Helper()
	if err := os.RemoveAll(p); err != nil {
		t.Fatal(err)
	}
}

func readRecord(t *testing.T, p string) workflow.SliceRecord {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("slice record: %v", err)
	}
	var rec workflow.SliceRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		t.Fatalf("slice record %s: %v", p, err)
	}
	return rec
}

// setDone rewrites a slice record as a worker killed mid-slice leaves it.
func setDone(t *testing.T, p string, done bool) {
	t.Helper()
	rec := readRecord(t, p)
	rec.Done = done
	b, _ := json.Marshal(rec)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
