package simllm

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// TestStreamFormat checks the event sequence vLLM emits, for both
// endpoints, with and without the usage chunk.
func TestStreamFormat(t *testing.T) {
	rs := start(t, Options{Profile: mustProfile(t, "instant")})
	c := newClient()
	tests := []struct {
		name  string
		path  string
		body  map[string]any
		chat  bool // a role-only chunk comes first
		usage bool // a usage chunk comes before [DONE]
	}{
		{"chat with usage", "/chat/completions", chatBody(words(7), 5, true), true, true},                                                                                              // the common benchmark shape
		{"chat without usage", "/chat/completions", map[string]any{"messages": []map[string]string{{"role": "user", "content": "a b"}}, "max_tokens": 5, "stream": true}, true, false}, // no stream_options
		{"completions with usage", "/completions", map[string]any{"prompt": words(7), "max_tokens": 5, "stream": true, "stream_options": map[string]bool{"include_usage": true}}, false, true},
		{"completions without usage", "/completions", map[string]any{"prompt": "a b", "max_tokens": 5, "stream": true}, false, false}, // text_completion chunks only
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(context.Background(), t, c, rs.URL+tt.path, nil, tt.body)
			if r.status != 200 || r.header.Get("Content-Type") != "text/event-stream" || r.header.Get(SimulatedHeader) != "instant" {
				t.Fatalf("status %d, content type %q, %s %q", r.status, r.header.Get("Content-Type"), SimulatedHeader, r.header.Get(SimulatedHeader))
			}
			ev := r.events
			if !r.done() {
				t.Fatalf("last event is not [DONE]: %v", ev)
			}
			ev = ev[:len(ev)-1]
			wantObject := "text_completion"
			if tt.chat {
				wantObject = "chat.completion.chunk"
				first := parseChunk(t, ev[0].data)
				if len(first.Choices) != 1 {
					t.Fatalf("first event %s", ev[0].data)
				}
				if d := first.Choices[0].Delta; d.Role == nil || *d.Role != "assistant" || d.Content == nil || *d.Content != "" {
					t.Errorf("first event %s, want a role-only chunk", ev[0].data)
				}
				ev = ev[1:]
			}
			if tt.usage {
				u := parseChunk(t, ev[len(ev)-1].data)
				if len(u.Choices) != 0 || u.Usage == nil || !reflect.DeepEqual(*u.Usage, usage{PromptTokens: 7, CompletionTokens: 5, TotalTokens: 12, PromptTokensDetails: &promptDetails{}}) {
					t.Errorf("usage event %s", ev[len(ev)-1].data)
				}
				ev = ev[:len(ev)-1]
			}
			if len(ev) != 5 {
				t.Fatalf("%d token events, want 5: %v", len(ev), ev)
			}
			for i, e := range ev {
				ch := parseChunk(t, e.data)
				text, ok := ch.tokenText()
				if ch.Object != wantObject || !ok || !strings.HasPrefix(text, " ") || len(strings.Fields(text)) != 1 {
					t.Errorf("token event %d: %s", i, e.data)
					continue
				}
				fr := ch.Choices[0].FinishReason
				if last := i == len(ev)-1; last != (fr != nil && *fr == "length") {
					t.Errorf("token event %d finish_reason %v", i, fr)
				}
			}
		})
	}
}

// TestWholeResponse checks non-streaming bodies and their usage.
func TestWholeResponse(t *testing.T) {
	rs := start(t, Options{Profile: mustProfile(t, "instant"), Model: "my-model", RecordTruth: true})
	c := newClient()
	tests := []struct {
		name string
		path string
		body map[string]any
		in   int // prompt_tokens expected
		out  int // completion_tokens expected
	}{
		{"chat default max_tokens", "/chat/completions", map[string]any{"messages": []map[string]string{{"role": "user", "content": "one two three"}}}, 3, 64},                                    // 64 when absent
		{"chat max_tokens", "/chat/completions", chatBody(words(12), 9, false), 12, 9},                                                                                                            // honoured exactly
		{"max_completion_tokens wins", "/chat/completions", map[string]any{"messages": []map[string]string{{"role": "user", "content": "x"}}, "max_tokens": 3, "max_completion_tokens": 7}, 1, 7}, // vLLM's precedence
		{"completions", "/completions", map[string]any{"prompt": " spaced   out\twords\n", "max_tokens": 2}, 3, 2},                                                                                // whitespace-separated words
		{"completions token ids", "/completions", map[string]any{"prompt": []int{5, 6, 7, 8}, "max_tokens": 1}, 4, 1},                                                                             // ids count one each
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := "w" + string(rune('0'+i))
			r := call(context.Background(), t, c, rs.URL+tt.path, map[string]string{RequestIDHeader: id}, tt.body)
			if r.status != 200 || r.header.Get(SimulatedHeader) != "instant" {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			var resp struct {
				Object  string `json:"object"`
				Model   string `json:"model"`
				Choices []struct {
					Text    string `json:"text"`
					Message struct {
						Role    string `json:"role"`
						Content string `json:"content"`
					} `json:"message"`
					FinishReason string `json:"finish_reason"`
				} `json:"choices"`
				Usage usage `json:"usage"`
			}
			if err := json.Unmarshal(r.body, &resp); err != nil {
				t.Fatal(err)
			}
			text := resp.Choices[0].Text + resp.Choices[0].Message.Content
			if resp.Model != "my-model" || resp.Choices[0].FinishReason != "length" || len(strings.Fields(text)) != tt.out {
				t.Errorf("body %s", r.body)
			}
			if want := (usage{tt.in, tt.out, tt.in + tt.out, &promptDetails{}, nil}); !reflect.DeepEqual(resp.Usage, want) {
				t.Errorf("usage %+v, want %+v", resp.Usage, want)
			}
			if tr, ok := rs.Server.Truth(id); !ok || tr.InputTokens != tt.in || tr.OutputTokens != tt.out || len(tr.Chunks) != 1 || !tr.Completed {
				t.Errorf("truth %+v", tr)
			}
		})
	}
}

// TestPromptTokens checks the tokenizer stand-in over message shapes.
func TestPromptTokens(t *testing.T) {
	tests := []struct {
		name     string
		messages any
		want     int
	}{
		{"one message", []map[string]any{{"role": "user", "content": "a b c"}}, 3},                                                                       // plain words
		{"all messages count", []map[string]any{{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi there you"}}, 5},              // system + user
		{"content parts", []map[string]any{{"role": "user", "content": []map[string]string{{"type": "text", "text": "x y"}, {"type": "image_url"}}}}, 2}, // text parts only
		{"null content", []map[string]any{{"role": "assistant", "content": nil}, {"role": "user", "content": "z"}}, 1},                                   // tool-call style message
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := http.NewRequest(http.MethodPost, "/", strings.NewReader(mustJSON(t, map[string]any{"messages": tt.messages})))
			if err != nil {
				t.Fatal(err)
			}
			req, err := parseRequest(r, true)
			if err != nil || req.inputTokens != tt.want {
				t.Errorf("inputTokens %d, %v; want %d", req.inputTokens, err, tt.want)
			}
		})
	}
}

// TestBadRequests: each is answered with an OpenAI-style error object.
func TestBadRequests(t *testing.T) {
	rs := start(t, Options{Profile: mustProfile(t, "instant")})
	c := newClient()
	tests := []struct {
		name   string
		method string
		path   string
		body   string
		header map[string]string
		status int
	}{
		{"bad JSON", "POST", "/chat/completions", `{"messages":`, nil, 400},                                                                         // truncated body
		{"no messages", "POST", "/chat/completions", `{"max_tokens":3}`, nil, 400},                                                                  // chat needs messages
		{"message without role", "POST", "/chat/completions", `{"messages":[{"content":"x"}]}`, nil, 400},                                           // role is required
		{"no prompt", "POST", "/completions", `{"max_tokens":3}`, nil, 400},                                                                         // completions needs a prompt
		{"max_tokens 0", "POST", "/chat/completions", `{"messages":[{"role":"user","content":"x"}],"max_tokens":0}`, nil, 400},                      // at least one token
		{"n 2", "POST", "/chat/completions", `{"messages":[{"role":"user","content":"x"}],"n":2}`, nil, 400},                                        // one choice only
		{"batch prompt", "POST", "/completions", `{"prompt":["a","b"]}`, nil, 400},                                                                  // one prompt only
		{"bad fault header", "POST", "/chat/completions", `{"messages":[{"role":"user","content":"x"}]}`, map[string]string{FaultHeader: "x"}, 400}, // unknown fault name
		{"GET completions", "GET", "/chat/completions", "", nil, 405},                                                                               // POST only
		{"unknown path", "GET", "/nope", "", nil, 404},                                                                                              // no such route
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, rs.URL+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body json.RawMessage
			json.NewDecoder(resp.Body).Decode(&body)
			if resp.StatusCode != tt.status || resp.Header.Get(SimulatedHeader) != "instant" {
				t.Errorf("status %d, %s %q; want %d", resp.StatusCode, SimulatedHeader, resp.Header.Get(SimulatedHeader), tt.status)
			}
			checkErrorBody(t, body, tt.status)
		})
	}
}

// TestModelsAndHealth checks the two GET endpoints.
func TestModelsAndHealth(t *testing.T) {
	rs := start(t, Options{Profile: mustProfile(t, "fixed")})
	c := newClient()
	r := call(context.Background(), t, c, rs.URL+"/models", nil, nil)
	var models struct {
		Object string `json:"object"`
		Data   []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(r.body, &models); err != nil || r.status != 200 || models.Object != "list" || len(models.Data) != 1 || models.Data[0].ID != "sim-fixed" {
		t.Errorf("models: %d %s (%v)", r.status, r.body, err)
	}
	h := call(context.Background(), t, c, strings.TrimSuffix(rs.URL, "/v1")+"/health", nil, nil)
	if h.status != 200 || h.header.Get(SimulatedHeader) != "fixed" {
		t.Errorf("health: %d, %s %q", h.status, SimulatedHeader, h.header.Get(SimulatedHeader))
	}
}

// TestDeterminism: the same seed and prompt give the same tokens, on any
// server and any profile; another seed or prompt gives others.
func TestDeterminism(t *testing.T) {
	c := newClient()
	texts := func(profile string, seed int64, prompt string) string {
		t.Helper()
		rs := start(t, Options{Profile: mustProfile(t, profile), Seed: seed})
		r := call(context.Background(), t, c, rs.URL+"/chat/completions", nil, chatBody(prompt, 16, true))
		got, _ := r.tokens(t)
		return strings.Join(got, "")
	}
	base := texts("instant", 42, "same prompt")
	if base == "" {
		t.Fatal("no tokens")
	}
	tests := []struct {
		name    string
		profile string
		seed    int64
		prompt  string
		same    bool
	}{
		{"same seed, new server", "instant", 42, "same prompt", true},              // restart-stable
		{"same seed, other profile", "g5-llama31-8b-awq", 42, "same prompt", true}, // timing does not change text
		{"other seed", "instant", 43, "same prompt", false},                        // the seed matters
		{"other prompt", "instant", 42, "other prompt", false},                     // the prompt matters
	}
	for _, tt := range tests {
		if got := texts(tt.profile, tt.seed, tt.prompt); (got == base) != tt.same {
			t.Errorf("%s: %q vs %q, same = %v", tt.name, got, base, got == base)
		}
	}
}

// TestProfiles checks the preset table and lookup errors.
func TestProfiles(t *testing.T) {
	names := Profiles()
	if !slices.IsSorted(names) || !slices.Contains(names, "g5-llama31-8b-awq") || !slices.Contains(names, "local-llamacpp-m4") ||
		!slices.Contains(names, "fixed") || !slices.Contains(names, "instant") {
		t.Errorf("Profiles() = %v", names)
	}
	for _, n := range names {
		p := mustProfile(t, n)
		if p.Name != n || p.validate() != nil || p.Description == "" {
			t.Errorf("profile %s: %+v, %v", n, p, p.validate())
		}
	}
	if p := mustProfile(t, "fixed"); p.TTFT != 100*time.Millisecond || p.ITL != 20*time.Millisecond {
		t.Errorf("fixed defaults %v/%v, want 100ms/20ms", p.TTFT, p.ITL)
	}
	_, err := LookupProfile("nope")
	if err == nil || !strings.Contains(err.Error(), strings.Join(names, ", ")) {
		t.Errorf("LookupProfile(nope) error %v, want the valid names", err)
	}
}

// TestNewRejectsBadProfiles: New validates before starting anything.
func TestNewRejectsBadProfiles(t *testing.T) {
	tests := []struct {
		name string
		p    Profile
	}{
		{"zero profile", Profile{}},              // no kind
		{"unknown kind", Profile{Kind: "turbo"}}, // typo
		{"batching without batch", Profile{Kind: KindBatching, StepBase: time.Millisecond}}, // MaxBatch 0
		{"batching zero step", Profile{Kind: KindBatching, MaxBatch: 4}},                    // would spin
		{"fixed negative", Profile{Kind: KindFixed, TTFT: -1}},                              // nonsense
	}
	for _, tt := range tests {
		if s, err := New(Options{Profile: tt.p}); err == nil || !strings.HasPrefix(err.Error(), "simllm: new:") {
			t.Errorf("%s: err %v", tt.name, err)
			if s != nil {
				s.Close()
			}
		}
	}
}

// TestClose: after Close, waiting handlers return and new requests get 503.
func TestClose(t *testing.T) {
	s, err := New(Options{Profile: mustProfile(t, "g5-llama31-8b-awq")})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s.Close() // idempotent
	// A stream waiting on the engine ends as soon as the server closes:
	// at the same instant of virtual time (virtual_test.go).
	synctest.Test(t, func(t *testing.T) {
		s := newVirtual(t, Options{Profile: mustProfile(t, "g5-llama31-8b-awq")})
		w := newVirtualWriter(nil)
		returned := make(chan struct{})
		go func() {
			defer close(returned)
			serveTo(context.Background(), t, s, w, "/chat/completions", nil, chatBody("x", 100000, true))
		}()
		time.Sleep(100 * time.Millisecond) // virtual: a few steps in
		closed := time.Now()
		s.Close()
		<-returned
		r := w.snapshot()
		if texts, _ := r.tokens(t); len(texts) == 0 || r.done() || time.Since(closed) != 0 {
			t.Errorf("stream of %d tokens ended %v after Close (done %v), want tokens, at once, without [DONE]", len(texts), time.Since(closed), r.done())
		}
	})
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, mustRequest(t, chatBody("x", 2, true)))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("status %d after Close, want 503", rec.Code)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func mustRequest(t *testing.T, body any) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, "/v1/chat/completions", strings.NewReader(mustJSON(t, body)))
	if err != nil {
		t.Fatal(err)
	}
	return r
}
