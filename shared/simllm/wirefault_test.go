package simllm

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The faults added for issue 10 (503, reset, html, gzip, endless,
// after-done, drip, cut-short), over a real socket: a reset and a clean
// end are only real on one. The client is a plain net/http one that does
// not decode gzip, so the bytes checked are the bytes sent.

// wfResponse is what wfCall read.
type wfResponse struct {
	status  int
	header  http.Header
	body    []byte // as received (not decoded)
	readErr error  // the body ended with this error, not EOF
}

func wfCall(ctx context.Context, t *testing.T, url, fault string, stream bool, maxTokens int) wfResponse {
	t.Helper()
	b, _ := json.Marshal(map[string]any{
		"model": "m", "messages": []map[string]string{{"role": "user", "content": "hello there"}},
		"max_tokens": maxTokens, "stream": stream, "stream_options": map[string]bool{"include_usage": true},
	})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/chat/completions", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(FaultHeader, fault)
	req.Header.Set(RequestIDHeader, fault+"-"+map[bool]string{true: "stream", false: "whole"}[stream])
	c := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	defer c.CloseIdleConnections()
	resp, err := c.Do(req)
	if err != nil {
		return wfResponse{readErr: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return wfResponse{status: resp.StatusCode, header: resp.Header, body: body, readErr: err}
}

// wfEvents splits an SSE body into its data payloads.
func wfEvents(body []byte) []string {
	var out []string
	for _, ev := range strings.Split(string(body), "\n\n") {
		if d, ok := strings.CutPrefix(ev, "data: "); ok {
			out = append(out, d)
		}
	}
	return out
}

// wfTokens counts the token events of a chat stream and tells whether any
// carries a finish_reason.
func wfTokens(t *testing.T, events []string) (tokens int, finish bool) {
	t.Helper()
	for _, e := range events {
		var c struct {
			Choices []struct {
				Delta struct {
					Content string `json:"content"`
				} `json:"delta"`
				FinishReason *string `json:"finish_reason"`
			} `json:"choices"`
		}
		if json.Unmarshal([]byte(e), &c) != nil {
			continue
		}
		for _, ch := range c.Choices {
			if ch.Delta.Content != "" {
				tokens++
			}
			finish = finish || ch.FinishReason != nil
		}
	}
	return tokens, finish
}

func wfStart(t *testing.T) *Running {
	t.Helper()
	p, err := LookupProfile("fixed")
	if err != nil {
		t.Fatal(err)
	}
	p.TTFT, p.ITL = time.Millisecond, time.Millisecond
	rs, err := Start(Options{Profile: p, RecordTruth: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rs.Close)
	return rs
}

// TestWireFaultsStreaming: each new fault on a stream of 6 tokens
// (mid-stream faults act after 3).
func TestWireFaultsStreaming(t *testing.T) {
	rs := wfStart(t)
	tests := []struct {
		fault     string
		status    int
		gzip      bool // Content-Encoding: gzip (the events checked decoded)
		tokens    int  // token events received; -1: not checked
		finish    bool // a finish_reason came
		done      bool // [DONE] came
		readErr   string
		completed bool // the truth says the answer was whole
		check     func(t *testing.T, r wfResponse, events []string)
	}{
		{fault: "503", status: 503, tokens: 0, check: func(t *testing.T, r wfResponse, _ []string) {
			if r.header.Get("Retry-After") != "1" || !strings.Contains(string(r.body), `"code":503`) {
				t.Errorf("Retry-After %q, body %s", r.header.Get("Retry-After"), r.body)
			}
		}},
		// A reset may drop bytes the client had not read yet: at most 3
		// tokens, and the read fails.
		{fault: "reset", status: 200, tokens: -1, readErr: "reset"},
		{fault: "html", status: 200, tokens: 0, check: func(t *testing.T, r wfResponse, _ []string) {
			if !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") || !bytes.HasPrefix(r.body, []byte("<!DOCTYPE html>")) {
				t.Errorf("Content-Type %q, body %.40q", r.header.Get("Content-Type"), r.body)
			}
		}},
		{fault: "gzip", status: 200, gzip: true, tokens: 6, finish: true, done: true, completed: true},
		// After [DONE]: a late chunk and garbage, the answer itself whole.
		{fault: "after-done", status: 200, tokens: 6, finish: true, done: true, completed: true, check: func(t *testing.T, r wfResponse, events []string) {
			if i := bytes.Index(r.body, []byte("data: [DONE]")); i < 0 || !bytes.Contains(r.body[i:], []byte("not an event")) {
				t.Errorf("nothing after [DONE]: %s", r.body)
			}
		}},
		{fault: "drip", status: 200, tokens: 6, finish: true, done: true, completed: true},
		// Cut short: a clean end after 3 tokens, nothing saying why.
		{fault: "cut-short", status: 200, tokens: 3},
	}
	for _, tt := range tests {
		t.Run(tt.fault, func(t *testing.T) {
			r := wfCall(context.Background(), t, rs.URL, tt.fault, true, 6)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d (error %v)", r.status, tt.status, r.readErr)
			}
			if (tt.readErr == "") != (r.readErr == nil) || tt.readErr != "" && !strings.Contains(r.readErr.Error(), tt.readErr) {
				t.Errorf("read error %v, want %q", r.readErr, tt.readErr)
			}
			body := r.body
			if got := r.header.Get("Content-Encoding") == "gzip"; got != tt.gzip {
				t.Fatalf("Content-Encoding %q", r.header.Get("Content-Encoding"))
			}
			if tt.gzip {
				zr, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				if body, err = io.ReadAll(zr); err != nil {
					t.Fatalf("gzip body: %v", err)
				}
			}
			events := wfEvents(body)
			done := false // [DONE] came; what follows it is not the answer
			for i, e := range events {
				if e == "[DONE]" {
					events, done = events[:i], true
					break
				}
			}
			tokens, finish := wfTokens(t, events)
			if tt.tokens >= 0 && (tokens != tt.tokens || finish != tt.finish || done != tt.done) {
				t.Errorf("tokens %d finish %v done %v, want %d %v %v", tokens, finish, done, tt.tokens, tt.finish, tt.done)
			}
			if tt.fault == "reset" && (tokens > 3 || finish || done) {
				t.Errorf("reset: tokens %d finish %v done %v", tokens, finish, done)
			}
			if tt.check != nil {
				tt.check(t, r, events)
			}
			if tr, ok := rs.Server.Truth(tt.fault + "-stream"); !ok || tr.Fault.String() != tt.fault || tr.Completed != tt.completed {
				t.Errorf("truth %v: fault %v, completed %v", ok, tr.Fault, tr.Completed)
			}
		})
	}
}

// TestWireFaultsWhole: the same faults on non-streamed answers.
func TestWireFaultsWhole(t *testing.T) {
	rs := wfStart(t)
	tests := []struct {
		fault   string
		status  int
		valid   bool // the body (decoded) is a valid JSON answer
		gzip    bool
		readErr bool // no answer, or a body that fails
	}{
		{fault: "503", status: 503, valid: true},
		{fault: "reset", readErr: true}, // reset instead of the answer
		{fault: "html", status: 200},
		{fault: "gzip", status: 200, valid: true, gzip: true},
		{fault: "after-done", status: 200, valid: true}, // no stream: a plain answer
		{fault: "drip", status: 200, valid: true},
		{fault: "cut-short", status: 200}, // half the JSON, cleanly
	}
	for _, tt := range tests {
		t.Run(tt.fault, func(t *testing.T) {
			r := wfCall(context.Background(), t, rs.URL, tt.fault, false, 6)
			if r.status != tt.status || (r.readErr != nil) != tt.readErr {
				t.Fatalf("status %d, error %v; want %d, error %v", r.status, r.readErr, tt.status, tt.readErr)
			}
			body := r.body
			if got := r.header.Get("Content-Encoding") == "gzip"; got != tt.gzip {
				t.Fatalf("Content-Encoding %q", r.header.Get("Content-Encoding"))
			}
			if tt.gzip {
				zr, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				body, _ = io.ReadAll(zr)
			}
			if json.Valid(body) != tt.valid {
				t.Errorf("valid JSON %v, want %v: %.80q", json.Valid(body), tt.valid, body)
			}
		})
	}
}

// TestFaultEndless: an endless stream goes past max_tokens without a
// finish_reason until the client leaves, and then its handler returns;
// the whole answer sends blanks until then.
func TestFaultEndless(t *testing.T) {
	rs := wfStart(t)
	for _, stream := range []bool{true, false} {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		r := wfCall(ctx, t, rs.URL, "endless", stream, 4)
		cancel()
		if r.status != 200 || r.readErr == nil {
			t.Fatalf("stream %v: status %d, read error %v; want 200 ended by the client's deadline", stream, r.status, r.readErr)
		}
		if stream {
			tokens, finish := wfTokens(t, wfEvents(r.body))
			if tokens <= 4 || finish {
				t.Errorf("%d tokens, finish %v: want more than max_tokens 4, no finish_reason", tokens, finish)
			}
		} else if len(r.body) == 0 || len(bytes.TrimSpace(r.body)) != 0 {
			t.Errorf("whole body %.40q: want blanks only", r.body)
		}
	}
	deadline := time.Now().Add(2 * time.Second)
	for rs.Server.InFlight() != 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if n := rs.Server.InFlight(); n != 0 {
		t.Errorf("%d handlers still in flight after the client left", n)
	}
}

// TestFaultNames: every fault has a name ParseFault reads back, and the
// error for an unknown one lists them all.
func TestFaultNames(t *testing.T) {
	for _, f := range Faults() {
		if got, err := ParseFault(f.String()); err != nil || got != f {
			t.Errorf("ParseFault(%q) = %v, %v", f.String(), got, err)
		}
	}
	_, err := ParseFault("boom")
	for _, name := range []string{"503", "reset", "html", "gzip", "endless", "after-done", "drip", "cut-short"} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("ParseFault(boom) error %v, want it to list %s", err, name)
		}
	}
}
