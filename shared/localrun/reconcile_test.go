package localrun_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/simllm"
	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/store"
	"github.com/llmbench/llmbench/shared/summary"
	"github.com/llmbench/llmbench/shared/workflow/workflowtest"
)

// runLocal runs s through the definition against baseURL (or the spec's
// own URL) and returns the summary it wrote.
func runLocal(t *testing.T, s *spec.Spec, baseURL string) (*summary.Summary, *store.Local, string, error) {
	t.Helper()
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	env := workflowtest.New(t, string(b), workflowtest.Options{BaseURL: baseURL, PartRows: 7})
	out, err := execution(env, nil).Run(context.Background(), "test", env.Input)
	if err != nil {
		return nil, env.Store, "", err
	}
	return workflowtest.ReadSummary(t, env.Store, out.RunID), env.Store, out.RunID, nil
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

	s := workflowtest.ParseSpec(t, `{"name":"faults","target":{"kind":"sim","profile":"fixed"},
	  "workload":{"input_tokens":16,"output_tokens":8},
	  "load":{"levels":[3,5],"requests":40,"warmup":"30ms","request_timeout":"300ms","slice_concurrency":2},
	  "pricing":{"usd_per_hour":1.515}}`)
	sum, st, runID, err := runLocal(t, s, sim.URL)
	if err != nil {
		t.Fatal(err)
	}
	rows := workflowtest.ReadRows(t, st, runID)

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
	s := workflowtest.ParseSpec(t, `{"name":"down","target":{"kind":"openai","url":"`+url+`","model":"m"},
	  "load":{"levels":[2],"requests":10}}`)
	sum, st, runID, err := runLocal(t, s, "")
	if err != nil {
		t.Fatal(err)
	}
	rows := workflowtest.ReadRows(t, st, runID)
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
