package simllm

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// probeTokens is the answer's tokens, as streamed, to a request without a
// stop string on path: the text is a function of the seed and the prompt
// only, so the test can place stop strings in it.
func probeTokens(t *testing.T, rs *Running, path string, body map[string]any) []string {
	t.Helper()
	b := map[string]any{"stream": true}
	for k, v := range body {
		b[k] = v
	}
	r := call(context.Background(), t, newClient(), rs.URL+path, nil, b)
	toks, _ := r.tokens(t)
	if len(toks) == 0 {
		t.Fatalf("probe %s: no tokens", path)
	}
	return toks
}

// vllmCut is vLLM's stop rule written out independently: the stop
// occurrence that ends in the earliest token past the first minTokens
// (list order on a tie) ends the answer just before it. It returns the
// visible answer and the tokens sent (those with visible text; one if the
// answer is empty).
func vllmCut(toks, stops []string, minTokens int) (text string, tokens int, stop string) {
	full := strings.Join(toks, "")
	endTok := func(end int) int { // the token holding byte end-1
		n := 0
		for k, tk := range toks {
			n += len(tk)
			if end <= n {
				return k
			}
		}
		return len(toks)
	}
	best, bestTok := -1, len(toks)
	for _, s := range stops {
		for i := 0; i+len(s) <= len(full); i++ {
			if full[i:i+len(s)] != s {
				continue
			}
			if k := endTok(i + len(s)); k >= minTokens {
				if k < bestTok {
					best, bestTok, stop = i, k, s
				}
				break
			}
		}
	}
	if best < 0 {
		return full, len(toks), ""
	}
	start := 0
	for _, tk := range toks {
		if start >= best {
			break
		}
		tokens++
		start += len(tk)
	}
	return full[:best], max(tokens, 1), stop
}

// stopChunk is what the stop tests read of a chunk or a whole answer's
// choice.
type stopChoice struct {
	Text    *string `json:"text"`
	Message *struct {
		Content string `json:"content"`
	} `json:"message"`
	Delta *struct {
		Content *string `json:"content"`
	} `json:"delta"`
	FinishReason *string `json:"finish_reason"`
	StopReason   *string `json:"stop_reason"`
}

type stopBody struct {
	Choices []stopChoice `json:"choices"`
	Usage   *usage       `json:"usage"`
}

// TestStop places stop strings in a known answer and checks, streamed and
// whole, on both OpenAI endpoints, that the answer ends just before the
// first one (vLLM's rule), without it, with finish_reason "stop" (and
// stop_reason the string, in completions), that completion_tokens and the
// truth count the tokens sent, and that a stream has one chunk per token.
func TestStop(t *testing.T) {
	const maxTokens = 12
	rs := start(t, Options{Profile: mustProfile(t, "instant"), RecordTruth: true, Seed: 3})
	endpoints := []struct {
		name, path string
		body       map[string]any
	}{
		{"chat", "/chat/completions", map[string]any{"messages": user("one two three"), "max_tokens": maxTokens}},
		{"completions", "/completions", map[string]any{"prompt": "one two three", "max_tokens": maxTokens}},
	}
	for _, ep := range endpoints {
		toks := probeTokens(t, rs, ep.path, ep.body)
		tests := []struct {
			name      string
			stop      any // the request's stop
			minTokens int
			ignoreEOS bool
		}{
			// A whole token, its leading space included.
			{"string at a token", toks[5], 0, false},
			// A stop string beginning inside a token: the token is cut.
			{"array, inside a token", []string{toks[5][3:]}, 0, false},
			// Across two tokens: the first is cut where it begins.
			{"across tokens", toks[3][len(toks[3])-2:] + toks[4][:3], 0, false},
			// The one met first in the text wins, not the first listed.
			{"earliest of several", []string{toks[8], toks[3]}, 0, false},
			{"no match", []string{"zzz", "qqq"}, 0, false},
			// The answer begins with it: one empty token.
			{"at the start", toks[0], 0, false},
			// Every token begins with a space: it stops at once, unless
			// min_tokens holds the check back until token 6.
			{"space", " ", 0, false},
			{"space after min_tokens", " ", 5, false},
			// vLLM: ignore_eos is about the EOS token; stop strings still stop.
			{"ignore_eos", toks[5], 0, true},
			// On the last token the stop string wins over the length.
			{"last token", toks[maxTokens-1], 0, false},
			{"null", nil, 0, false},
			{"empty array", []string{}, 0, false},
		}
		for _, tt := range tests {
			var stops []string
			switch s := tt.stop.(type) {
			case string:
				stops = []string{s}
			case []string:
				stops = s
			}
			wantText, wantTokens, wantStop := vllmCut(toks, stops, tt.minTokens)
			wantFinish := map[bool]string{true: "stop", false: "length"}[wantStop != ""]
			for _, stream := range []bool{true, false} {
				name := ep.name + "/" + tt.name + map[bool]string{true: "/stream", false: "/whole"}[stream]
				t.Run(name, func(t *testing.T) {
					body := map[string]any{"stop": tt.stop, "stream": stream, "stream_options": map[string]bool{"include_usage": true}}
					if !stream {
						delete(body, "stream_options")
					}
					if tt.minTokens > 0 {
						body["min_tokens"] = tt.minTokens
					}
					if tt.ignoreEOS {
						body["ignore_eos"] = true
					}
					for k, v := range ep.body {
						body[k] = v
					}
					r := call(context.Background(), t, newClient(), rs.URL+ep.path, map[string]string{RequestIDHeader: name}, body)
					if r.status != http.StatusOK {
						t.Fatalf("status %d: %s", r.status, r.body)
					}
					text, chunks, finish, stopReason, u := readStopAnswer(t, r)
					if text != wantText || finish != wantFinish {
						t.Errorf("answer %q finish %q, want %q finish %q (stop %q in %q)", text, finish, wantText, wantFinish, tt.stop, strings.Join(toks, ""))
					}
					if u == nil || u.CompletionTokens != wantTokens {
						t.Errorf("usage %+v, want completion_tokens %d", u, wantTokens)
					}
					if stream && chunks != wantTokens {
						t.Errorf("%d token chunks, want %d", chunks, wantTokens)
					}
					if ep.name == "completions" && stopReason != wantStop {
						t.Errorf("stop_reason %q, want %q", stopReason, wantStop)
					}
					tr, _ := rs.Server.TakeTruth(name)
					if tr.OutputTokens != wantTokens || tr.StopString != wantStop || !tr.Completed {
						t.Errorf("truth %d tokens, stop %q, completed %v; want %d, %q", tr.OutputTokens, tr.StopString, tr.Completed, wantTokens, wantStop)
					}
				})
			}
		}
	}
}

// readStopAnswer reads an answer's visible text, its chunks with a choice
// (streamed), finish_reason, stop_reason and usage.
func readStopAnswer(t *testing.T, r *result) (text string, chunks int, finish, stopReason string, u *usage) {
	t.Helper()
	read := func(c stopChoice) {
		switch {
		case c.Text != nil:
			text += *c.Text
		case c.Message != nil:
			text += c.Message.Content
		case c.Delta != nil && c.Delta.Content != nil:
			text += *c.Delta.Content
		}
		if c.FinishReason != nil {
			finish = *c.FinishReason
		}
		if c.StopReason != nil {
			stopReason = *c.StopReason
		}
	}
	if r.events == nil {
		var b stopBody
		if err := json.Unmarshal(r.body, &b); err != nil || len(b.Choices) != 1 {
			t.Fatalf("body %s: %v", r.body, err)
		}
		read(b.Choices[0])
		return text, 0, finish, stopReason, b.Usage
	}
	for _, e := range r.events {
		if e.data == "[DONE]" {
			continue
		}
		var b stopBody
		if err := json.Unmarshal([]byte(e.data), &b); err != nil {
			t.Fatalf("chunk %s: %v", e.data, err)
		}
		if b.Usage != nil {
			u = b.Usage
		}
		for _, c := range b.Choices {
			if c.Delta != nil && c.Delta.Content != nil && c.FinishReason == nil && *c.Delta.Content == "" {
				continue // the role chunk
			}
			chunks++
			read(c)
		}
	}
	return text, chunks, finish, stopReason, u
}

// TestStopShapes: stop is a string or an array of at most 4 strings, none
// empty; anything else is a 400 that names stop, on both endpoints and in
// the SageMaker formats (a ModelError with the container's 400).
func TestStopShapes(t *testing.T) {
	rs := start(t, Options{Profile: mustProfile(t, "instant")})
	tests := []struct {
		name string
		stop any
		ok   bool
	}{
		{"string", "x", true},
		{"four strings", []string{"a", "b", "c", "d"}, true},
		{"null", nil, true},
		{"empty array", []string{}, true},
		// OpenAI's limit.
		{"five strings", []string{"a", "b", "c", "d", "e"}, false},
		// vLLM refuses it: it would match before the first character.
		{"empty string", "", false},
		{"empty string in array", []string{"a", ""}, false},
		{"number", 3, false},
		{"array of numbers", []int{1}, false},
		{"object", map[string]int{"a": 1}, false},
	}
	for _, tt := range tests {
		for _, path := range []string{"/chat/completions", "/completions"} {
			t.Run(tt.name+path, func(t *testing.T) {
				body := map[string]any{"max_tokens": 2, "stop": tt.stop, "messages": user("a b"), "prompt": "a b"}
				r := call(context.Background(), t, newClient(), rs.URL+path, nil, body)
				if tt.ok != (r.status == http.StatusOK) {
					t.Errorf("status %d, want ok %v: %s", r.status, tt.ok, r.body)
				}
				if !tt.ok && !strings.Contains(string(r.body), "stop") {
					t.Errorf("error %s does not name stop", r.body)
				}
			})
		}
		t.Run(tt.name+"/lmi", func(t *testing.T) {
			body := map[string]any{"inputs": "a b", "parameters": map[string]any{"max_new_tokens": 2, "stop": tt.stop}}
			r := smCall(t, rs, http.MethodPost, "/endpoints/ep/invocations", nil, body)
			if tt.ok != (r.status == http.StatusOK) {
				t.Errorf("status %d, want ok %v: %s", r.status, tt.ok, r.body)
			}
		})
	}
	// TGI's parameters.stop is a list: a bare string is refused.
	body := map[string]any{"inputs": "a b", "parameters": map[string]any{"max_new_tokens": 2, "details": true, "stop": "x"}}
	if r := smCall(t, rs, http.MethodPost, "/endpoints/ep/invocations", nil, body); r.status != http.StatusFailedDependency || !strings.Contains(string(r.body), "parameters.stop") {
		t.Errorf("tgi string stop: %d %s", r.status, r.body)
	}
}

// TestSageMakerStop: the SageMaker formats read the stop strings where our
// client writes them (chat: stop; lmi and tgi: parameters.stop) and end
// the answer by their container's rule: vLLM's for chat and lmi (also
// parameters.stop_sequences, LMI's documented name, and min_tokens), TGI's
// for tgi, whose answer keeps the stop string and ends only where a token
// ends with it. lmi and tgi report finish_reason "stop_sequence".
func TestSageMakerStop(t *testing.T) {
	const maxTokens = 10
	rs := start(t, Options{Profile: mustProfile(t, "instant"), RecordTruth: true, Seed: 5})
	// lmi and tgi answer "inputs" as completions answers "prompt".
	toks := probeTokens(t, rs, "/completions", map[string]any{"prompt": "one two three", "max_tokens": maxTokens})
	chatToks := probeTokens(t, rs, "/chat/completions", map[string]any{"messages": user("one two three"), "max_tokens": maxTokens})
	inside := toks[4][2:] // begins inside token 4, ends where it ends
	tests := []struct {
		name   string
		format string
		params map[string]any // lmi and tgi: parameters; chat: top-level members
		stops  []string       // what params asks for, for the expectation
		min    int
	}{
		{"lmi stop", SageMakerLMI, map[string]any{"stop": []string{inside}}, []string{inside}, 0},
		{"lmi stop string", SageMakerLMI, map[string]any{"stop": toks[6]}, []string{toks[6]}, 0},
		{"lmi stop_sequences", SageMakerLMI, map[string]any{"stop_sequences": []string{toks[6]}}, []string{toks[6]}, 0},
		// The space before every token stops at once, but for min_tokens.
		{"lmi min_tokens", SageMakerLMI, map[string]any{"stop": " ", "min_tokens": 3}, []string{" "}, 3},
		{"lmi no match", SageMakerLMI, map[string]any{"stop": []string{"zzz"}}, []string{"zzz"}, 0},
		// TGI keeps the stop string, found when a token ends with it.
		{"tgi stop", SageMakerTGI, map[string]any{"stop": []string{inside}}, []string{inside}, 0},
		// Not at the end of a token: TGI does not see it there.
		{"tgi inside a token", SageMakerTGI, map[string]any{"stop": []string{toks[4][1:3]}}, []string{toks[4][1:3]}, 0},
		// On the last token TGI reports the length.
		{"tgi last token", SageMakerTGI, map[string]any{"stop": []string{toks[maxTokens-1]}}, []string{toks[maxTokens-1]}, 0},
		{"chat", SageMakerChat, map[string]any{"stop": chatToks[4]}, []string{chatToks[4]}, 0},
	}
	for _, tt := range tests {
		var wantText, wantFinish string
		var wantTokens int
		switch tt.format {
		case SageMakerTGI:
			wantText, wantTokens, wantFinish = tgiCut(toks, tt.stops)
		case SageMakerLMI:
			var stop string
			wantText, wantTokens, stop = vllmCut(toks, tt.stops, tt.min)
			wantFinish = map[bool]string{true: "stop_sequence", false: "length"}[stop != ""]
		default:
			var stop string
			wantText, wantTokens, stop = vllmCut(chatToks, tt.stops, tt.min)
			wantFinish = map[bool]string{true: "stop", false: "length"}[stop != ""]
		}
		for _, stream := range []bool{true, false} {
			name := tt.name + map[bool]string{true: "/stream", false: "/whole"}[stream]
			t.Run(name, func(t *testing.T) {
				var body map[string]any
				switch tt.format {
				case SageMakerChat:
					body = map[string]any{"messages": user("one two three"), "max_tokens": maxTokens, "stream": stream}
					if stream {
						body["stream_options"] = map[string]bool{"include_usage": true}
					}
					for k, v := range tt.params {
						body[k] = v
					}
				default:
					params := map[string]any{"max_new_tokens": maxTokens}
					if tt.format == SageMakerTGI {
						params["details"] = true
					}
					for k, v := range tt.params {
						params[k] = v
					}
					body = map[string]any{"inputs": "one two three", "parameters": params, "stream": stream}
				}
				path := "/endpoints/ep/invocations"
				if stream {
					path = streamPath
				}
				r := smCall(t, rs, http.MethodPost, path, map[string]string{RequestIDHeader: name}, body)
				if r.status != http.StatusOK {
					t.Fatalf("status %d: %s", r.status, r.body)
				}
				text, tokens, finish := readSageMakerAnswer(t, tt.format, stream, r)
				// LMI's whole answer has no details (tokens -1).
				if text != wantText || (tokens != -1 && (finish != wantFinish || tokens != wantTokens)) {
					t.Errorf("answer %q, %d tokens, finish %q; want %q, %d, %q", text, tokens, finish, wantText, wantTokens, wantFinish)
				}
				tr, _ := rs.Server.TakeTruth(name)
				if tr.OutputTokens != wantTokens || !tr.Completed {
					t.Errorf("truth %d tokens, completed %v; want %d", tr.OutputTokens, tr.Completed, wantTokens)
				}
			})
		}
	}
}

// tgiCut is TGI's rule written out: the first token, before the last,
// after which the text ends with a stop string.
func tgiCut(toks, stops []string) (text string, tokens int, finish string) {
	text = ""
	for k, tk := range toks[:len(toks)-1] {
		text += tk
		for _, s := range stops {
			if strings.HasSuffix(text, s) {
				return text, k + 1, "stop_sequence"
			}
		}
	}
	return strings.Join(toks, ""), len(toks), "length"
}

// readSageMakerAnswer reads the answer's text, generated tokens (-1 where
// the format does not say) and finish reason.
func readSageMakerAnswer(t *testing.T, format string, stream bool, r smResponse) (text string, tokens int, finish string) {
	t.Helper()
	type details struct {
		FinishReason    string `json:"finish_reason"`
		GeneratedTokens int    `json:"generated_tokens"`
	}
	var last struct {
		GeneratedText *string  `json:"generated_text"`
		Details       *details `json:"details"`
	}
	switch {
	case format == SageMakerChat && stream:
		res := &result{}
		for _, l := range strings.Split(strings.TrimSpace(r.payload(t)), "\n") {
			res.events = append(res.events, event{data: l})
		}
		text, _, finish, _, u := readStopAnswer(t, res)
		return text, u.CompletionTokens, finish
	case format == SageMakerChat:
		text, _, finish, _, u := readStopAnswer(t, &result{body: r.body})
		return text, u.CompletionTokens, finish
	case stream:
		lines := strings.Split(strings.TrimSpace(r.payload(t)), "\n")
		for i := len(lines) - 1; i >= 0; i-- {
			if l := strings.TrimPrefix(lines[i], "data:"); strings.TrimSpace(l) != "" {
				if err := json.Unmarshal([]byte(l), &last); err != nil {
					t.Fatalf("line %q: %v", l, err)
				}
				break
			}
		}
	case format == SageMakerTGI:
		var arr []json.RawMessage
		if err := json.Unmarshal(r.body, &arr); err != nil || len(arr) != 1 || json.Unmarshal(arr[0], &last) != nil {
			t.Fatalf("body %s: %v", r.body, err)
		}
	default:
		if err := json.Unmarshal(r.body, &last); err != nil {
			t.Fatalf("body %s: %v", r.body, err)
		}
	}
	if last.GeneratedText == nil {
		t.Fatalf("no generated_text: %s%s", r.body, r.payload(t))
	}
	if last.Details == nil { // LMI's whole answer: generated_text only
		text, finish := *last.GeneratedText, ""
		return text, -1, finish
	}
	return *last.GeneratedText, last.Details.GeneratedTokens, last.Details.FinishReason
}

// TestStopFreesBatchSlot checks in virtual time that a sequence ended by a
// stop string leaves the batch then, not at max_tokens: with one slot, a
// request queued behind an answer stopped after 3 of 20 tokens gets its
// first token one step after the third.
func TestStopFreesBatchSlot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const step = 10 * time.Millisecond
		s := newVirtual(t, Options{Profile: Profile{Kind: KindBatching, StepBase: step, MaxBatch: 1}})
		probe := serve(context.Background(), t, s, "/completions", nil, map[string]any{"prompt": "a b", "max_tokens": 20, "stream": true}, nil)
		toks, _ := probe.tokens(t)
		stop, _, _ := vllmCut(toks, []string{toks[3]}, 0)
		if got := strings.Join(toks[:3], ""); stop != got {
			t.Skipf("token 3 %q also occurs earlier in %q", toks[3], strings.Join(toks, ""))
		}
		first := make(chan struct{})
		var once sync.Once
		var a *result
		var wg sync.WaitGroup
		wg.Go(func() {
			a = serve(context.Background(), t, s, "/completions", nil, map[string]any{"prompt": "a b", "max_tokens": 20, "stream": true, "stop": toks[3]},
				func(int) { once.Do(func() { close(first) }) })
		})
		<-first
		sent := time.Now()
		b := serve(context.Background(), t, s, "/completions", nil, map[string]any{"prompt": "c d", "max_tokens": 2, "stream": true}, nil)
		wg.Wait()
		if got, _ := a.tokens(t); len(got) != 3 {
			t.Fatalf("stopped answer has %d tokens, want 3", len(got))
		}
		_, at := b.tokens(t)
		// A's tokens 1 and 2 take two more steps; B's prefill step follows.
		if len(at) == 0 || at[0].Sub(sent) != 3*step {
			t.Errorf("queued request's first token %v after it was sent, want %v", at, 3*step)
		}
	})
}
