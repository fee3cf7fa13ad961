package localrun_test

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/llmbench/llmbench/shared/localrun"
	"github.com/llmbench/llmbench/shared/query"
	"github.com/llmbench/llmbench/shared/report"
	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/simllm"
	"github.com/llmbench/llmbench/shared/store"
	"github.com/llmbench/llmbench/shared/summary"
	"github.com/llmbench/llmbench/shared/workflow"
	"github.com/llmbench/llmbench/shared/workflow/workflowtest"
)

// skewSpec is a run of short steady concurrency levels, one stream per
// slice, so that every level has several slices to start together.
const skewSpec = `{"name":"skew","target":{"kind":"sim","profile":"fixed"},
  "workload":{"input_tokens":8,"output_tokens":4},
  "load":{"levels":%s,"warmup":"100ms","duration":"700ms","slice_concurrency":1}}`

// runSkew runs spec levels over the definition with the given start
// margin, the worker handler wrapped by wrap if given, and returns the
// env and the summary.
func runSkew(t *testing.T, levels string, margin time.Duration, wrap func(*workflow.Worker) any) (*workflowtest.Env, *summary.Summary, string) {
	t.Helper()
	p, _ := simllm.LookupProfile("fixed")
	p.TTFT, p.ITL = 5*time.Millisecond, time.Millisecond
	sim := workflowtest.Sim(t, simllm.Options{Profile: p})
	env := workflowtest.New(t, strings.Replace(skewSpec, "%s", levels, 1), workflowtest.Options{BaseURL: sim.URL, StartMargin: margin})
	exec := execution(env, nil)
	if wrap != nil {
		exec.Functions = map[string]lambda.Handler{"worker": localrun.Strict(wrap(env.Worker))}
	}
	out, err := exec.Run(context.Background(), "skew", env.Input)
	if err != nil {
		t.Fatal(err)
	}
	return env, workflowtest.ReadSummary(t, env.Store, out.RunID), out.RunID
}

// sliceRecords reads the slice records of a level, by worker.
func sliceRecords(t *testing.T, st store.Store, runID string, level, workers int) []workflow.SliceRecord {
	t.Helper()
	recs := make([]workflow.SliceRecord, workers)
	for w := range recs {
		b, err := st.Get(context.Background(), store.SliceRecordKey(runID, level, w))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &recs[w]); err != nil {
			t.Fatal(err)
		}
	}
	return recs
}

// recordSkew is a record's skew as the summary defines it.
func recordSkew(t *testing.T, r workflow.SliceRecord) float64 {
	t.Helper()
	if r.FirstSendMs == nil || r.FirstIntendedMs == nil {
		t.Fatalf("level %d worker %d: record without first_send_ms / first_intended_ms", r.Level, r.Worker)
	}
	return *r.FirstSendMs - *r.FirstIntendedMs
}

// TestLocalRunStartSkew runs two steady levels (2 and 3 slices) locally
// and checks that each slice record's first_send_ms is the earliest
// start_ms of its rows, that every first request was due at the common
// start (first_intended_ms 0), that the summary's start_skew_ms are the
// p50/p99/max of the records' skews, that no slice of a healthy run is
// beyond the tolerance, and that report.md tables it.
func TestLocalRunStartSkew(t *testing.T) {
	env, sum, runID := runSkew(t, "[2,3]", 300*time.Millisecond, nil)
	rows := workflowtest.ReadRows(t, env.Store, runID)
	firstRow := map[[2]int]float64{} // level, worker → earliest start_ms of a sent row
	for _, r := range rows {
		if r.Status == string(sample.StatusNotSent) {
			continue
		}
		k := [2]int{int(r.LevelIndex), int(r.Worker)}
		if v, ok := firstRow[k]; !ok || r.StartMs < v {
			firstRow[k] = r.StartMs
		}
	}
	if len(sum.Levels) != 2 {
		t.Fatalf("%d levels, want 2", len(sum.Levels))
	}
	for _, l := range sum.Levels {
		recs := sliceRecords(t, env.Store, runID, l.Index, l.Concurrency)
		var ms []float64
		for _, r := range recs {
			if math.Abs(*r.FirstSendMs-firstRow[[2]int{r.Level, r.Worker}]) > 0.001 {
				t.Errorf("level %d worker %d: first_send_ms %.4f, earliest start_ms of its rows %.4f", r.Level, r.Worker, *r.FirstSendMs, firstRow[[2]int{r.Level, r.Worker}])
			}
			if *r.FirstIntendedMs != 0 {
				t.Errorf("level %d worker %d: first request due %.3f ms after the start, want 0 in a steady level", r.Level, r.Worker, *r.FirstIntendedMs)
			}
			ms = append(ms, recordSkew(t, r))
		}
		sort.Float64s(ms)
		got := l.StartSkewMs
		if got == nil {
			t.Fatalf("level %d: no start_skew_ms", l.Index)
		}
		t.Logf("level %d (%d slices): start skew p50 %.3f p99 %.3f max %.3f ms; late_ms %v", l.Index, got.Slices, got.P50, got.P99, got.Max, lates(recs))
		want := summary.StartSkew{Slices: len(ms), P50: query.Percentile(ms, 0.5), P99: query.Percentile(ms, 0.99), Max: ms[len(ms)-1], ToleranceMs: workflow.StartSkewToleranceMs}
		if got.Slices != want.Slices || got.P50 != want.P50 || got.P99 != want.P99 || got.Max != want.Max || got.ToleranceMs != want.ToleranceMs || len(got.Beyond) != 0 {
			t.Errorf("level %d: start_skew_ms %+v, want %+v from the slice records", l.Index, *got, want)
		}
		if ms[0] < 0 {
			t.Errorf("level %d: a first request sent %.3f ms before it was due", l.Index, ms[0])
		}
	}
	for _, w := range sum.SliceWarnings {
		if w.StartSkewMs != 0 {
			t.Errorf("healthy run: level %d worker %d flagged with a start skew of %.1f ms", w.Level, w.Worker, w.StartSkewMs)
		}
	}
	md, err := env.Store.Get(context.Background(), store.RunKey(runID, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(md, []byte("## Start skew")) || !bytes.Contains(md, []byte("none (> 50 ms)")) {
		t.Errorf("report.md has no start skew table without flags:\n%s", md)
	}
}

// TestLocalRunStartSkewFlagsDelayedSlice holds worker 1 of a 3-slice
// level back 500 ms before invoking it (a cold start far longer than the
// 100 ms margin) and checks that the summary flags it, and only it, with
// its skew as its record gives it, and that the reports and the terminal
// say so.
func TestLocalRunStartSkewFlagsDelayedSlice(t *testing.T) {
	const delay, margin = 500 * time.Millisecond, 100 * time.Millisecond
	wrap := func(w *workflow.Worker) any {
		return func(ctx context.Context, ev workflow.WorkEvent) (*workflow.WorkOutput, error) {
			if ev.Worker == 1 {
				select {
				case <-time.After(delay):
				case <-ctx.Done():
					return nil, ctx.Err()
				}
			}
			return w.Work(ctx, ev)
		}
	}
	env, sum, runID := runSkew(t, "[3]", margin, wrap)
	recs := sliceRecords(t, env.Store, runID, 0, 3)
	l := sum.Levels[0]
	if l.StartSkewMs == nil {
		t.Fatal("no start_skew_ms")
	}
	skew1 := recordSkew(t, recs[1])
	t.Logf("start skew %+v; worker skews %.3f %.3f %.3f ms", *l.StartSkewMs, recordSkew(t, recs[0]), skew1, recordSkew(t, recs[2]))
	if min := float64(delay-margin) / float64(time.Millisecond); skew1 < min-20 {
		t.Errorf("delayed worker's skew %.1f ms, want about %.0f (the delay past the margin)", skew1, min)
	}
	if got := l.StartSkewMs.Beyond; len(got) != 1 || got[0] != 1 {
		t.Errorf("beyond the tolerance: workers %v, want [1]", got)
	}
	if l.StartSkewMs.Max != skew1 {
		t.Errorf("max skew %.3f, want the delayed worker's %.3f", l.StartSkewMs.Max, skew1)
	}
	var flagged []summary.SliceWarning
	for _, w := range sum.SliceWarnings {
		if w.StartSkewMs != 0 {
			flagged = append(flagged, w)
		}
	}
	if len(flagged) != 1 || flagged[0].Level != 0 || flagged[0].Worker != 1 || flagged[0].StartSkewMs != skew1 {
		t.Fatalf("flagged slices %+v, want level 0 worker 1 with %.3f ms", flagged, skew1)
	}
	if flagged[0].LateMs != 0 {
		t.Errorf("late_ms %.1f set below the late-slice threshold of %d ms", flagged[0].LateMs, workflow.LateSliceMs)
	}

	want := "worker 1 sent its first request "
	var term bytes.Buffer
	if err := report.Table(&term, sum); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(term.String(), want) || strings.Contains(term.String(), "worker 0 sent") || strings.Contains(term.String(), "worker 2 sent") {
		t.Errorf("terminal does not flag worker 1 alone:\n%s", term.String())
	}
	for _, name := range []string{"report.md", "report.html"} {
		b, err := env.Store.Get(context.Background(), store.RunKey(runID, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte(want)) || !bytes.Contains(b, []byte("worker 1 (&gt; 50 ms)")) && !bytes.Contains(b, []byte("worker 1 (> 50 ms)")) {
			t.Errorf("%s does not flag worker 1:\n%s", name, b)
		}
	}
}

func lates(recs []workflow.SliceRecord) []float64 {
	out := make([]float64, len(recs))
	for i, r := range recs {
		out[i] = r.LateMs
	}
	return out
}
