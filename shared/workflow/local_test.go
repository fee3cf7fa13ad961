package workflow_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/llmbench/llmbench/shared/report"
	"net"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/query"
	"github.com/llmbench/llmbench/shared/query/duckdb"
	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/simllm"
	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/store"
	"github.com/llmbench/llmbench/shared/summary"
	"github.com/llmbench/llmbench/shared/workflow"
	"github.com/llmbench/llmbench/statemachine"
)

// duckdbEngine opens DuckDB over a local store's sample files of a run.
func duckdbEngine(ctx context.Context, s store.Store, p *workflow.Plan) (query.Engine, func(), error) {
	st := s.(*store.Local)
	db, err := duckdb.OpenRun(ctx, st, p.Day, p.RunID)
	if err != nil {
		return nil, nil, err
	}
	return db, func() { db.Close() }, nil
}

func parseSpec(t *testing.T, doc string) *spec.Spec {
	t.Helper()
	s, err := spec.Parse(bytes.NewBufferString(doc))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// readRows reads every Parquet file of a run back.
func readRows(t *testing.T, st *store.Local, runID string) []sample.Row {
	t.Helper()
	keys, err := st.List(context.Background(), "samples/")
	if err != nil {
		t.Fatal(err)
	}
	var rows []sample.Row
	for _, k := range keys {
		b, err := os.ReadFile(st.Path(k))
		if err != nil {
			t.Fatal(err)
		}
		rs, err := sample.ReadParquet(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		for _, r := range rs {
			if r.RunID != runID {
				t.Fatalf("%s holds a row of run %s", k, r.RunID)
			}
		}
		rows = append(rows, rs...)
	}
	return rows
}

func runLocal(t *testing.T, s *spec.Spec, baseURL string) (*summary.Summary, *store.Local, string, error) {
	t.Helper()
	st, err := store.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s.Output = st.Root()
	steps := &workflow.Steps{
		OpenStore:   func(context.Context, string) (store.Store, error) { return st, nil },
		OpenTarget:  workflow.OpenAIOpener(func(string) string { return "" }, baseURL),
		OpenEngine:  duckdbEngine,
		EngineName:  "duckdb",
		Render:      report.Files,
		StartMargin: 20 * time.Millisecond,
		PartRows:    7,
	}
	input, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	exec := &workflow.Execution{Definition: statemachine.Definition, Vars: statemachine.LocalVars(), Steps: steps}
	out, err := exec.Run(context.Background(), "test", input)
	if err != nil {
		return nil, st, "", err
	}
	b, err := st.Get(context.Background(), out.Summary)
	if err != nil {
		t.Fatal(err)
	}
	var sum summary.Summary
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	return &sum, st, out.RunID, nil
}

// TestLocalRunReconcilesWithFaults drives two levels against a simulated
// server that injects every kind of fault, and checks that each request
// issued is exactly one row with the right status, and that the summary's
// counts equal the rows.
func TestLocalRunReconcilesWithFaults(t *testing.T) {
	faults := []simllm.Fault{simllm.FaultNone, simllm.FaultHTTP429, simllm.FaultNone, simllm.FaultHTTP500,
		simllm.FaultCutMidStream, simllm.FaultNone, simllm.FaultMalformedChunk, simllm.FaultStall,
		simllm.FaultErrorInStream, simllm.FaultNone}
	var mu sync.Mutex
	given := map[simllm.Fault]int{}
	p, _ := simllm.LookupProfile("fixed")
	p.TTFT, p.ITL = 5*time.Millisecond, time.Millisecond
	sim, err := simllm.Start(simllm.Options{Profile: p, Fault: func(n int64, r *http.Request) simllm.Fault {
		f := faults[n%int64(len(faults))]
		mu.Lock()
		given[f]++
		mu.Unlock()
		return f
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()

	s := parseSpec(t, `{"name":"faults","target":{"kind":"sim","profile":"fixed"},
	  "workload":{"input_tokens":16,"output_tokens":8},
	  "load":{"levels":[3,5],"requests":40,"warmup":"30ms","request_timeout":"300ms","slice_concurrency":2},
	  "pricing":{"usd_per_hour":1.515}}`)
	sum, st, runID, err := runLocal(t, s, sim.URL)
	if err != nil {
		t.Fatal(err)
	}
	rows := readRows(t, st, runID)

	mu.Lock()
	issued := 0
	for _, n := range given {
		issued += n
	}
	mu.Unlock()
	if len(rows) != issued {
		t.Fatalf("%d rows for %d requests the server received", len(rows), issued)
	}
	byStatus := map[string]int{}
	http500 := 0
	for _, r := range rows {
		byStatus[r.Status]++
		if r.Status == string(sample.StatusHTTPError) && r.HTTPStatus == 500 {
			http500++
		}
	}
	checks := []struct {
		what      string
		got, want int
	}{
		{"ok", byStatus["ok"], given[simllm.FaultNone]},
		{"timeout (stall past request_timeout)", byStatus["timeout"], given[simllm.FaultStall]},
		{"protocol (cut stream + malformed chunk)", byStatus["protocol"], given[simllm.FaultCutMidStream] + given[simllm.FaultMalformedChunk]},
		{"http_error (429 + 500 + error in stream)", byStatus["http_error"], given[simllm.FaultHTTP429] + given[simllm.FaultHTTP500] + given[simllm.FaultErrorInStream]},
		{"http 500 (500 + error object code 500)", http500, given[simllm.FaultHTTP500] + given[simllm.FaultErrorInStream]},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: %d rows, want %d (statuses %v)", c.what, c.got, c.want, byStatus)
		}
	}

	// Per level: rows = requests + warmup_requests, and measured = the budget.
	perLevel := map[int32][2]int{}
	for _, r := range rows {
		v := perLevel[r.Level]
		if r.Warmup {
			v[1]++
		} else {
			v[0]++
		}
		perLevel[r.Level] = v
	}
	if len(sum.Levels) != 2 {
		t.Fatalf("summary has %d levels, want 2", len(sum.Levels))
	}
	for _, l := range sum.Levels {
		v := perLevel[int32(l.Concurrency)]
		if l.Requests != v[0] || l.WarmupRequests != v[1] {
			t.Errorf("level %d: summary %d+%d warm-up, rows %d+%d", l.Concurrency, l.Requests, l.WarmupRequests, v[0], v[1])
		}
		if l.Requests != 40 {
			t.Errorf("level %d: %d measured requests, want the budget of 40", l.Concurrency, l.Requests)
		}
		if l.OK+l.Errors != l.Requests {
			t.Errorf("level %d: ok %d + errors %d != requests %d", l.Concurrency, l.OK, l.Errors, l.Requests)
		}
	}

	// The stored summary is the returned one.
	b, err := os.ReadFile(st.Path(store.RunKey(runID, "summary.json")))
	if err != nil {
		t.Fatal(err)
	}
	var stored summary.Summary
	if err := json.Unmarshal(b, &stored); err != nil {
		t.Fatal(err)
	}
	if stored.Levels[0].Requests != sum.Levels[0].Requests {
		t.Error("summary.json differs from the returned summary")
	}
	for _, name := range []string{"spec.json", "plan.json", "report.md"} {
		if _, err := os.Stat(st.Path(store.RunKey(runID, name))); err != nil {
			t.Errorf("%s not written: %v", name, err)
		}
	}
}

// TestLocalRunConnectionRefused: an endpoint that is down gives one
// transport row per request and the run still completes.
func TestLocalRunConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("http://%s/v1", ln.Addr())
	ln.Close()
	s := parseSpec(t, `{"name":"down","target":{"kind":"openai","url":"`+url+`","model":"m"},
	  "load":{"levels":[2],"requests":10}}`)
	sum, st, runID, err := runLocal(t, s, "")
	if err != nil {
		t.Fatal(err)
	}
	rows := readRows(t, st, runID)
	if len(rows) != 10 {
		t.Fatalf("%d rows, want 10", len(rows))
	}
	for _, r := range rows {
		if r.Status != string(sample.StatusTransport) || r.Error == "" {
			t.Errorf("row status %q error %q, want transport with a message", r.Status, r.Error)
		}
	}
	l := sum.Levels[0]
	if l.Errors != 10 || l.ErrorRate != 1 || l.ErrorsByStatus["transport"] != 10 || l.TTFTMs.N != 0 {
		t.Errorf("summary of a dead endpoint: %+v", l)
	}
}

type summaryT = summary.Summary
