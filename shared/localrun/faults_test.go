package localrun_test

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/simllm"
	"github.com/llmbench/llmbench/shared/store"
	"github.com/llmbench/llmbench/shared/workflow/workflowtest"
)

// faultRow is what one fault must leave in its row.
type faultRow struct {
	status   sample.Status
	http     int32  // the row's http_status
	err      string // a substring of the row's error; "" for an ok row
	finish   string // the row's finish_reason
	cutShort bool
}

// faultMatrix is every fault the simulated server injects, on a streamed
// chat request of 8 tokens (mid-stream faults act after 4, the fifth
// chunk after the role chunk), and the row it must give.
var faultMatrix = map[simllm.Fault]faultRow{
	simllm.FaultNone:    {status: sample.StatusOK, http: 200, finish: "length"},                             // the control
	simllm.FaultHTTP429: {status: sample.StatusHTTPError, http: 429, err: "HTTP 429: simulated rate limit"}, // with Retry-After: 1
	simllm.FaultHTTP503: {status: sample.StatusHTTPError, http: 503, err: "HTTP 503: simulated overload"},   // likewise
	simllm.FaultHTTP500: {status: sample.StatusHTTPError, http: 500, err: "HTTP 500: simulated server error"},
	// The connection aborted mid-chunk: a broken stream, not one cut short.
	simllm.FaultCutMidStream: {status: sample.StatusProtocol, http: 200, err: "stream broken after 5 chunks ("},
	// A TCP reset mid-stream, likewise; how many chunks arrive first
	// depends on what the kernel had delivered.
	simllm.FaultReset:          {status: sample.StatusProtocol, http: 200, err: "connection reset by peer"},
	simllm.FaultMalformedChunk: {status: sample.StatusProtocol, http: 200, err: "malformed chunk: "},
	simllm.FaultStall:          {status: sample.StatusTimeout, http: 200, err: "timed out after 1 chunks"},
	simllm.FaultEndless:        {status: sample.StatusTimeout, http: 200, err: "timed out after "},
	// vLLM's error event: http_error with the object's code.
	simllm.FaultErrorInStream: {status: sample.StatusHTTPError, http: 500, err: "error in stream: simulated error in stream"},
	// A proxy's page where the stream should be: what came, said plainly.
	simllm.FaultHTML: {status: sample.StatusProtocol, http: 200, err: `expected text/event-stream, got 200 text/html: "<!DOCTYPE html>`},
	// Valid answers, whatever the wire did: gzip decoded, bytes after
	// [DONE] ignored, a dripped chunk reassembled.
	simllm.FaultGzip:      {status: sample.StatusOK, http: 200, finish: "length"},
	simllm.FaultAfterDone: {status: sample.StatusOK, http: 200, finish: "length"},
	simllm.FaultDrip:      {status: sample.StatusOK, http: 200, finish: "length"},
	// Ollama's clean early end: protocol, cut short, with the evidence.
	simllm.FaultCutShort: {status: sample.StatusProtocol, http: 200, cutShort: true,
		err: `stream ended before [DONE] after 5 chunks (`},
}

// TestLocalRunFaultMatrix drives a whole local run (the state machine
// definition, two levels, two slices each) against a simulated server
// that injects every fault in turn, and checks that each request the
// server counted is exactly one row, that each row says what its fault
// did (status, HTTP status, error, finish_reason, cut_short), and that the
// summary counts the throttled and cut-short requests the rows hold.
func TestLocalRunFaultMatrix(t *testing.T) {
	faults := simllm.Faults()
	for _, f := range faults {
		if _, ok := faultMatrix[f]; !ok {
			t.Fatalf("fault %v has no row in the matrix", f)
		}
	}
	var mu sync.Mutex
	byID := map[string]simllm.Fault{} // X-Request-Id → the fault injected
	given := map[simllm.Fault]int{}
	p, _ := simllm.LookupProfile("fixed")
	p.TTFT, p.ITL = 5*time.Millisecond, time.Millisecond
	sim := workflowtest.Sim(t, simllm.Options{Profile: p, Fault: func(n int64, r *http.Request) simllm.Fault {
		f := faults[n%int64(len(faults))]
		mu.Lock()
		byID[r.Header.Get(simllm.RequestIDHeader)] = f
		given[f]++
		mu.Unlock()
		return f
	}})

	// The stall and the endless stream end at request_timeout: short. No
	// back-off after errors, so the run stays quick and every fault comes
	// round in each level.
	s := workflowtest.ParseSpec(t, `{"name":"fault-matrix","target":{"kind":"sim","profile":"fixed"},
	  "workload":{"input_tokens":16,"output_tokens":8},
	  "load":{"levels":[3,4],"requests":45,"warmup":"20ms","request_timeout":"250ms","slice_concurrency":2,"on_error":"immediate"},
	  "pricing":{"usd_per_hour":1.515}}`)
	sum, st, runID, err := runLocal(t, s, sim.URL)
	if err != nil {
		t.Fatal(err)
	}
	rows := workflowtest.ReadRows(t, st, runID)

	mu.Lock()
	defer mu.Unlock()
	issued := 0
	for _, n := range given {
		issued += n
	}
	if len(rows) != issued {
		t.Fatalf("%d rows for %d requests the server counted", len(rows), issued)
	}
	seen := map[simllm.Fault]int{}
	var throttled, cutShort int // measured rows, as the summary counts them
	for _, r := range rows {
		id := fmt.Sprintf("%s-%d-%d-%d", runID, r.LevelIndex, r.Worker, r.Seq) // as the worker names its requests
		f, ok := byID[id]
		if !ok {
			t.Errorf("row %s: the server never saw the request", id)
			continue
		}
		seen[f]++
		want := faultMatrix[f]
		got := faultRow{status: sample.Status(r.Status), http: r.HTTPStatus, err: r.Error, finish: r.FinishReason, cutShort: r.CutShort}
		if got.status != want.status || got.http != want.http || got.finish != want.finish || got.cutShort != want.cutShort ||
			!strings.Contains(got.err, want.err) || (want.err == "") != (got.err == "") {
			t.Errorf("fault %v: row %s %d finish %q cut_short %v error %q\nwant %s %d finish %q cut_short %v error containing %q",
				f, got.status, got.http, got.finish, got.cutShort, got.err, want.status, want.http, want.finish, want.cutShort, want.err)
		}
		if f == simllm.FaultCutShort && !strings.Contains(r.Error, "no finish_reason; last event: {") {
			t.Errorf("cut short without its evidence: %q", r.Error)
		}
		if want.status == sample.StatusOK && (r.OutputTokens != 8 || r.TokenSource != sample.TokensFromUsage) {
			t.Errorf("fault %v: ok row with %d output tokens (%s), want 8 from usage", f, r.OutputTokens, r.TokenSource)
		}
		if !r.Warmup {
			if r.HTTPStatus == 429 || r.HTTPStatus == 503 {
				throttled++
			}
			if r.CutShort {
				cutShort++
			}
		}
	}
	for _, f := range faults {
		if seen[f] == 0 {
			t.Errorf("fault %v: no row (the rotation did not reach it)", f)
		}
	}

	var sumThrottled, sumCutShort int
	for _, l := range sum.Levels {
		sumThrottled += l.Throttled
		sumCutShort += l.CutShort
		if l.Requests != 45 || l.OK+l.Errors != l.Requests {
			t.Errorf("level %d: %d measured requests (ok %d + errors %d), want the budget of 45", l.Concurrency, l.Requests, l.OK, l.Errors)
		}
	}
	if sumThrottled != throttled || sumCutShort != cutShort || cutShort == 0 {
		t.Errorf("summary: throttled %d, cut short %d; the measured rows hold %d and %d", sumThrottled, sumCutShort, throttled, cutShort)
	}
	report, err := os.ReadFile(st.Path(store.RunKey(runID, "report.md")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(report), "CUT SHORT") {
		t.Errorf("report.md does not say that streams were cut short:\n%s", report)
	}
}
