package simllm

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
)

// TestFaultsStreaming: each X-Sim-Fault value does what it says on a
// streaming chat request of 6 tokens (mid-stream faults act after 3).
func TestFaultsStreaming(t *testing.T) {
	rs := start(t, Options{Profile: mustProfile(t, "instant"), RecordTruth: true})
	c := newClient()
	tests := []struct {
		fault      string
		status     int
		tokens     int  // token chunks the client gets
		done       bool // [DONE] is the last event
		readErr    bool // the body ends with an error, not EOF
		malformed  bool // a `{not json` event is present
		errorEvent bool // an {"error":...} event is present
	}{
		{fault: "none", status: 200, tokens: 6, done: true},                       // control row
		{fault: "429", status: 429},                                               // rate limited before any stream
		{fault: "500", status: 500},                                               // server error before any stream
		{fault: "cut", status: 200, tokens: 3, readErr: true},                     // connection aborted mid-stream, no [DONE]
		{fault: "malformed", status: 200, tokens: 6, done: true, malformed: true}, // one bad line, stream goes on
		{fault: "error", status: 200, tokens: 3, done: true, errorEvent: true},    // error event then [DONE], as vLLM
	}
	for _, tt := range tests {
		t.Run(tt.fault, func(t *testing.T) {
			id := "fault-" + tt.fault
			r := call(context.Background(), t, c, rs.URL+"/chat/completions",
				map[string]string{FaultHeader: tt.fault, RequestIDHeader: id}, chatBody("hello there", 6, true))
			if r.status != tt.status {
				t.Fatalf("status %d, want %d", r.status, tt.status)
			}
			if r.header.Get(SimulatedHeader) != "instant" {
				t.Errorf("%s = %q", SimulatedHeader, r.header.Get(SimulatedHeader))
			}
			if tt.status != 200 {
				checkErrorBody(t, r.body, tt.status)
				if tt.status == 429 && r.header.Get("Retry-After") == "" {
					t.Error("429 without Retry-After")
				}
				return
			}
			texts, _ := r.tokens(t)
			var malformed, errorEvent bool
			for _, e := range r.events {
				switch {
				case e.data == "{not json":
					malformed = true
				case strings.HasPrefix(e.data, `{"error":`):
					if c := parseChunk(t, e.data); c.Error == nil || c.Error.Code != 500 || c.Error.Message == "" {
						t.Errorf("bad error event %s", e.data)
					}
					errorEvent = true
				}
			}
			got := []any{len(texts), r.done(), r.readErr != nil, malformed, errorEvent}
			want := []any{tt.tokens, tt.done, tt.readErr, tt.malformed, tt.errorEvent}
			if !slices.Equal(got, want) {
				t.Errorf("tokens, done, readErr, malformed, errorEvent = %v, want %v (readErr %v)", got, want, r.readErr)
			}
			tr, _ := rs.Server.Truth(id)
			if tr.Fault.String() != tt.fault || tr.OutputTokens != tt.tokens || tr.Completed != (tt.tokens == 6 && tt.done) {
				t.Errorf("truth: fault %v, %d tokens, completed %v", tr.Fault, tr.OutputTokens, tr.Completed)
			}
		})
	}
}

// TestFaultsWhole: the same faults on non-streaming requests.
func TestFaultsWhole(t *testing.T) {
	rs := start(t, Options{Profile: mustProfile(t, "instant")})
	c := newClient()
	tests := []struct {
		fault   string
		status  int
		validJS bool // the body is valid JSON
		readErr bool // the body ends with an error, not EOF
	}{
		{fault: "none", status: 200, validJS: true},  // control row
		{fault: "429", status: 429, validJS: true},   // error object
		{fault: "500", status: 500, validJS: true},   // error object
		{fault: "cut", status: 200, readErr: true},   // half the body, then abort
		{fault: "malformed", status: 200},            // 200 with a broken body
		{fault: "error", status: 500, validJS: true}, // no stream to put an event in: a 500
	}
	for _, tt := range tests {
		t.Run(tt.fault, func(t *testing.T) {
			r := call(context.Background(), t, c, rs.URL+"/completions",
				map[string]string{FaultHeader: tt.fault}, map[string]any{"prompt": "a b c", "max_tokens": 4})
			if r.status != tt.status || json.Valid(r.body) != tt.validJS || (r.readErr != nil) != tt.readErr {
				t.Errorf("status %d, valid JSON %v, readErr %v; want %d, %v, %v", r.status, json.Valid(r.body), r.readErr, tt.status, tt.validJS, tt.readErr)
			}
			if tt.status != 200 {
				checkErrorBody(t, r.body, tt.status)
			}
		})
	}
}

// TestFaultStall: a stalled stream sends the role chunk (a whole answer:
// its status) and then nothing until the client gives up, after which its
// handler returns. It runs in virtual time (virtual_test.go): "nothing
// until" is every goroutine blocked, not a wait on the clock.
func TestFaultStall(t *testing.T) {
	for _, stream := range []bool{true, false} { // both response shapes stall
		synctest.Test(t, func(t *testing.T) {
			s := newVirtual(t, Options{Profile: mustProfile(t, "instant")})
			ctx, cancel := context.WithCancel(context.Background())
			w := newVirtualWriter(nil)
			returned := make(chan struct{})
			go func() {
				defer close(returned)
				serveTo(ctx, t, s, w, "/chat/completions", map[string]string{FaultHeader: "stall"}, chatBody("hi", 5, stream))
			}()
			synctest.Wait() // the handler is blocked
			select {
			case <-returned:
				t.Fatalf("stream %v: the handler returned before the client gave up", stream)
			default:
			}
			r := w.snapshot()
			if r.status != 200 {
				t.Errorf("stream %v: status %d, want 200", stream, r.status)
			}
			if stream {
				if len(r.events) != 1 || len(parseChunk(t, r.events[0].data).Choices) != 1 || parseChunk(t, r.events[0].data).Choices[0].Delta.Role == nil {
					t.Errorf("stalled stream events %v, want only the role chunk", r.events)
				}
			} else if len(r.body) != 0 {
				t.Errorf("stalled whole answer wrote %q, want nothing", r.body)
			}
			cancel()
			<-returned
			if n := s.InFlight(); n != 0 {
				t.Errorf("stream %v: %d handlers in flight after the stalled one returned", stream, n)
			}
		})
	}
}

// TestFaultOption: Options.Fault sees the server's request counter.
func TestFaultOption(t *testing.T) {
	var mu sync.Mutex
	var seen []int64
	rs := start(t, Options{Profile: mustProfile(t, "instant"), Fault: func(n int64, r *http.Request) Fault {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, n)
		if n%2 == 1 {
			return FaultHTTP500
		}
		return FaultNone
	}})
	c := newClient()
	var statuses []int
	for range 4 {
		statuses = append(statuses, call(context.Background(), t, c, rs.URL+"/chat/completions", nil, chatBody("x", 1, false)).status)
	}
	// The header still wins over the option.
	statuses = append(statuses, call(context.Background(), t, c, rs.URL+"/chat/completions", map[string]string{FaultHeader: "429"}, chatBody("x", 1, false)).status)
	if want := []int{200, 500, 200, 500, 429}; !slices.Equal(statuses, want) {
		t.Errorf("statuses %v, want %v", statuses, want)
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []int64{0, 1, 2, 3}; !slices.Equal(seen, want) {
		t.Errorf("Fault saw n = %v, want %v", seen, want)
	}
}

// TestParseFault round-trips every fault name.
func TestParseFault(t *testing.T) {
	for f := FaultNone; f <= FaultErrorInStream; f++ {
		if got, err := ParseFault(f.String()); err != nil || got != f {
			t.Errorf("ParseFault(%q) = %v, %v", f.String(), got, err)
		}
	}
	if _, err := ParseFault("boom"); err == nil || !strings.Contains(err.Error(), "stall") {
		t.Errorf("ParseFault(boom) error %v, want one listing the valid names", err)
	}
}

// checkErrorBody checks an OpenAI-style error object.
func checkErrorBody(t *testing.T, body []byte, status int) {
	t.Helper()
	var e struct {
		Error *apiError `json:"error"`
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Error == nil || e.Error.Message == "" || e.Error.Type == "" || e.Error.Code != status {
		t.Errorf("error body %s: want {\"error\":{message,type,code:%d}}", body, status)
	}
}
