package target

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// extraKeys are the Fields the reference and the fuzz test ask for: LMI's
// and TGI's, as package sagemaker does.
var extraKeys = []string{"token", "generated_text", "details"}

// refChunk is ParseChunkFields's specification written with encoding/json:
// a generic decode, then the documented rules read off the decoded maps.
// text is the visible text AppendText must give; raw holds the compacted
// value of each extra key present.
func refChunk(b []byte) (c Chunk, text string, raw map[string]string, valid bool) {
	if !json.Valid(b) {
		return Chunk{}, "", nil, false
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return Chunk{}, "", nil, false
	}
	m, ok := v.(map[string]any)
	if !ok {
		return Chunk{}, "", nil, false
	}
	nonEmpty := func(v any) bool { s, ok := v.(string); return ok && s != "" }
	intOf := func(v any) (int, bool) {
		n, ok := v.(json.Number)
		if !ok {
			return 0, false
		}
		i, err := strconv.ParseInt(string(n), 10, 0)
		return int(i), err == nil
	}
	if arr, ok := m["choices"].([]any); ok {
		// The visible text: the first choice's delta.content, else its text.
		if ch, ok := firstChoice(arr); ok {
			d, _ := ch["delta"].(map[string]any)
			if s, _ := d["content"].(string); s != "" {
				text = s
			} else {
				text, _ = ch["text"].(string)
			}
		}
		for _, e := range arr {
			ch, ok := e.(map[string]any)
			if !ok {
				continue
			}
			text := nonEmpty(ch["text"])
			var content, reasoning bool
			if d, ok := ch["delta"].(map[string]any); ok {
				content = nonEmpty(d["content"])
				reasoning = nonEmpty(d["reasoning_content"]) || nonEmpty(d["reasoning"])
			}
			c.Token = c.Token || text || content || reasoning
			c.Content = c.Content || text || content
			if f, ok := ch["finish_reason"]; ok && f != nil {
				c.Finish = true
				if s, ok := f.(string); ok {
					c.FinishReason = s
				}
			}
		}
	}
	if u, ok := m["usage"].(map[string]any); ok {
		if n, ok := intOf(u["completion_tokens"]); ok {
			c.HasUsage, c.Usage.CompletionTokens = true, n
			c.Usage.PromptTokens, _ = intOf(u["prompt_tokens"])
			if d, ok := u["prompt_tokens_details"].(map[string]any); ok {
				c.Usage.CachedTokens, c.Usage.HasCached = intOf(d["cached_tokens"])
				if !c.Usage.HasCached {
					c.Usage.CachedTokens = 0
				}
			}
			if d, ok := u["completion_tokens_details"].(map[string]any); ok {
				c.Usage.ReasoningTokens, c.Usage.HasReasoning = intOf(d["reasoning_tokens"])
				if !c.Usage.HasReasoning {
					c.Usage.ReasoningTokens = 0
				}
			}
		}
	}
	if e, ok := m["error"]; ok && e != nil {
		c.Error = true
	}
	if o, ok := m["object"].(string); ok && o == "error" {
		c.Error = true
	}
	raw = map[string]string{}
	for _, k := range extraKeys {
		if x, ok := m[k]; ok {
			j, _ := json.Marshal(x)
			raw[k] = string(j)
		}
	}
	return c, text, raw, true
}

func firstChoice(arr []any) (map[string]any, bool) {
	if len(arr) == 0 {
		return nil, false
	}
	ch, ok := arr[0].(map[string]any)
	return ch, ok
}

// Chunks as OpenAI-compatible servers send them.
const (
	seedRole  = `{"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}`
	seedEmpty = `{"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":""},"finish_reason":null}]}`
	seedUsage = `{"id":"c1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":11,"completion_tokens":7,"total_tokens":18}}`
	seedStop  = `{"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`
)

func seedContent(s string) string {
	return fmt.Sprintf(`{"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":%q}}],"usage":null}`, s)
}

var chunkSeeds = []string{
	seedRole, seedEmpty, seedUsage, seedStop, seedContent("hi"),
	`{"id":"c1","object":"text_completion","choices":[{"index":0,"text":"t"}]}`,
	`{"id":"c1","choices":[{"index":0,"delta":{"reasoning_content":"r"}}]}`,
	`{"id":"c1","choices":[{"index":0,"delta":{"reasoning":"r"}}]}`,
	`{"object":"error","message":"x","code":400}`,
	`{"error":{"message":"x"}}`, `{"error":null,"choices":[{"delta":{"content":"a"}}]}`,
	// A later "object" does not undo an earlier "error".
	`{"error":{"message":"x"},"object":"chat.completion.chunk"}`,
	`{"object":"error","error":null}`,
	`{"choices":[{"delta":{"content":"a"}}],"choices":[]}`,
	`{"choices":[{"finish_reason":"stop","finish_reason":null},{"finish_reason":0}]}`,
	// The reason of the last choice whose finish_reason is a string.
	`{"choices":[{"finish_reason":"length"},{"finish_reason":0},{"finish_reason":null}]}`,
	`{"choices":[{"finish_reason":"stop"},{"finish_reason":"my_reason"}],"choices":[{"finish_reason":"eos_token"}]}`,
	`{"choices":[{"finish_reason":"st\u006fp"},{"finish_reason":""}]}`, `{"choices":[{"finish_reason":"\u00e9\t"}]}`,
	"{\"choices\":[{\"finish_reason\":\"a\xffb\"}]}",
	`{"choices":[1,null,{"text":5},{"delta":[]},{"delta":{"content":"\u0000"}}]}`,
	`{"\u0063hoices":[{"text":"x"}],"object":"\u0065rror"}`,
	`{"usage":{"prompt_tokens":-0,"completion_tokens":9223372036854775807}}`,
	`{"usage":{"prompt_tokens":1.5,"completion_tokens":9223372036854775808}}`,
	`{"usage":{"completion_tokens":-9223372036854775808,"prompt_tokens":"3"}}`,
	`{"usage":{"completion_tokens":1e2}}`,
	// The details: OpenAI's and vLLM's, absent, null, of the wrong type,
	// repeated, escaped, and without a completion count.
	`{"usage":{"prompt_tokens":120,"completion_tokens":50,"total_tokens":170,"prompt_tokens_details":{"cached_tokens":96,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":40,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}`,
	`{"usage":{"prompt_tokens_details":{"cached_tokens":3},"completion_tokens_details":{"reasoning_tokens":2},"completion_tokens":9}}`,
	`{"usage":{"prompt_tokens":1,"completion_tokens":2,"prompt_tokens_details":null,"completion_tokens_details":null}}`,
	`{"usage":{"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":null},"completion_tokens_details":{"reasoning_tokens":"4"}}}`,
	`{"usage":{"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":1.5},"completion_tokens_details":{"reasoning_tokens":1e1}}}`,
	`{"usage":{"completion_tokens":2,"prompt_tokens_details":[{"cached_tokens":1}],"completion_tokens_details":"x"}}`,
	`{"usage":{"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":1,"cached_tokens":"y"},"completion_tokens_details":{"reasoning_tokens":"y","reasoning_tokens":6}}}`,
	`{"usage":{"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":1},"prompt_tokens_details":{}}}`,
	`{"usage":{"completion_tokens":2,"prompt_tokens_details":{"\u0063ached_tokens":8,"x":{"cached_tokens":9}}}}`,
	`{"usage":{"prompt_tokens_details":{"cached_tokens":8},"completion_tokens_details":{"reasoning_tokens":1}}}`,
	`{"usage":{"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":-1},"completion_tokens_details":{"reasoning_tokens":9223372036854775808}}}`,
	`{"usage":{"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":1,}}}`,
	`{"usage":{"completion_tokens":2,"completion_tokens_details":{"reasoning_tokens":}}}`,
	// LMI and TGI lines: their extra keys.
	`{"token":{"id":1,"text":"A","log_prob":-0.05}}`,
	`{"index":1,"token":{"id":2,"text":"b","logprob":-0.1,"special":true},"generated_text":"all","details":{"finish_reason":"length","generated_tokens":2}}`,
	`{"token":null,"generated_text":null,"details":null,"t\u006fken":[1, 2],"token":{ }}`,
	`  {"a":[[[{}]]],"b":true,"c":false,"d":null,"e":-1.5e+10} `,
	`[]`, `"x"`, `null`, `{`, `{"a":}`, `{"a":1,}`, `{"a" 1}`, `{"a":01}`, `{"a":"\x01"}`, `{"a":"\q"}`,
	`{"a":"\u12G4"}`, `{} x`, `{"a":-}`, `{"a":1.}`, `{"a":1e}`, `{"a":tru}`, "{\"a\":\"\xff\"}",
	`{"token":{"id":1},"x":}`,
	// The visible text: escapes, a surrogate pair, lone surrogates, invalid
	// UTF-8; content before text; only the first choice; the last of a
	// repeated key; reasoning, which is not visible.
	`{"choices":[{"delta":{"content":"a\nb \"q\" \u00e9 \ud83d\ude00 \/\\\b\f\r\t"}}]}`,
	`{"choices":[{"text":"\ud800x\udc00\ud800\ud800\ud83d\u0041\uD83D\uDE00"}]}`,
	"{\"choices\":[{\"delta\":{\"content\":\"a\xffb\xed\xa0\x80\"}}]}",
	`{"choices":[{"text":"t","delta":{"content":"c"}}]}`, `{"choices":[{"delta":{"content":""},"text":"t"}]}`,
	`{"choices":[{"delta":{}},{"delta":{"content":"x"}}]}`, `{"choices":[1,{"text":"x"}]}`,
	`{"choices":[{"delta":{"content":"a","content":5}}]}`, `{"choices":[{"delta":{"content":"a"},"delta":{"reasoning":"r"}}]}`,
	`{"choices":[{"text":"a"}],"choices":[{"text":"b"}]}`, `{"choices":[{"text":"a"}],"choices":null}`,
	`{"choices":[{"delta":{"reasoning_content":"r","content":"c"}}]}`,
}

// TestParseChunk pins ParseChunkFields to its reference on hand-picked
// chunks.
func TestParseChunk(t *testing.T) {
	for _, s := range chunkSeeds {
		checkChunk(t, []byte(s))
	}
	// The nesting limit: encoding/json's 10000 levels, and one more fails.
	for _, depth := range []int{9999, 10000, 10001} {
		checkChunk(t, []byte(`{"a":`+strings.Repeat("[", depth-1)+strings.Repeat("]", depth-1)+`}`))
	}
}

func checkChunk(t *testing.T, b []byte) {
	t.Helper()
	fields := make([]Field, len(extraKeys))
	for i, k := range extraKeys {
		fields[i] = Field{Key: k, Raw: []byte("stale")}
	}
	got, err := ParseChunkFields(b, fields)
	want, wantText, wantRaw, valid := refChunk(b)
	if (err == nil) != valid {
		t.Fatalf("%.200q: err %v, reference valid %v", b, err, valid)
	}
	if !sameChunk(got, want) {
		t.Fatalf("%.200q:\n got %+v\nwant %+v", b, got, want)
	}
	if text := AppendText(nil, got); string(text) != wantText {
		t.Fatalf("%.200q: text %q, want %q", b, text, wantText)
	}
	for _, f := range fields {
		w, ok := wantRaw[f.Key]
		if (f.Raw != nil) != ok {
			t.Fatalf("%.200q: field %s = %q, want present %v", b, f.Key, f.Raw, ok)
		}
		if f.Raw == nil {
			continue
		}
		var x any // compare as the reference does: decoded and re-encoded
		dec := json.NewDecoder(bytes.NewReader(f.Raw))
		dec.UseNumber()
		if err := dec.Decode(&x); err != nil {
			t.Fatalf("%.200q: field %s = %q: %v", b, f.Key, f.Raw, err)
		}
		if j, _ := json.Marshal(x); string(j) != w {
			t.Fatalf("%.200q: field %s = %s, want %s", b, f.Key, j, w)
		}
		checkJSONText(t, f.Raw)
	}
	if plain, err2 := ParseChunk(b); !sameChunk(plain, got) ||
		string(AppendText(nil, plain)) != string(AppendText(nil, got)) || (err2 == nil) != (err == nil) {
		t.Fatalf("%.200q: ParseChunk %+v %v, ParseChunkFields %+v %v", b, plain, err2, got, err)
	}
}

// sameChunk compares two Chunks but for their text (which holds a slice,
// so Chunks are not comparable with ==; AppendText compares texts).
func sameChunk(a, b Chunk) bool {
	a.text, b.text = rawString{}, rawString{}
	return reflect.DeepEqual(a, b)
}

// checkJSONText holds AppendJSONText to encoding/json on one valid JSON
// value: a string's decoded value, nothing for any other value.
func checkJSONText(t *testing.T, raw []byte) {
	t.Helper()
	var s string
	want := ""
	if len(raw) > 0 && raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Fatalf("%.200q: %v", raw, err)
		}
		want = s
	}
	if got := AppendJSONText([]byte("x"), raw); string(got) != "x"+want {
		t.Fatalf("AppendJSONText(%.200q) = %q, want %q", raw, got[1:], want)
	}
}

// FuzzParseChunk holds the hand-written parser to encoding/json.
func FuzzParseChunk(f *testing.F) {
	for _, s := range chunkSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkChunk(t, b)
	})
}

func BenchmarkParseChunk(b *testing.B) {
	chunk := []byte(seedContent(" tok"))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseChunk(chunk); err != nil {
			b.Fatal(err)
		}
	}
}

// TestParseChunkFinishReasonAllocs: the chunk that ends a stream, with a
// common reason, allocates nothing either.
func TestParseChunkFinishReasonAllocs(t *testing.T) {
	b := []byte(seedStop)
	var c Chunk
	if n := testing.AllocsPerRun(100, func() { c, _ = ParseChunk(b) }); n != 0 {
		t.Errorf("%v allocations per chunk", n)
	}
	if !c.Finish || c.FinishReason != "stop" {
		t.Errorf("got %+v", c)
	}
}

// TestParseChunkUsageDetails pins the details' rule to what it means: the
// cached and reasoning counts are there only when the server sent an
// integer, and a usage that is not one (no integer completion_tokens)
// carries none.
func TestParseChunkUsageDetails(t *testing.T) {
	tests := []struct {
		name  string
		chunk string
		want  Usage
		has   bool // HasUsage
	}{
		// OpenAI's final chunk with both details, and the keys we do not read
		{"openai", `{"choices":[],"usage":{"prompt_tokens":120,"completion_tokens":50,"total_tokens":170,"prompt_tokens_details":{"cached_tokens":96,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":40,"audio_tokens":0}}}`,
			Usage{PromptTokens: 120, CompletionTokens: 50, CachedTokens: 96, HasCached: true, ReasoningTokens: 40, HasReasoning: true}, true},
		// vLLM: prompt details only, and an explicit 0 is sent, not absent
		{"vllm", `{"usage":{"prompt_tokens":10,"total_tokens":12,"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":0}}}`,
			Usage{PromptTokens: 10, CompletionTokens: 2, HasCached: true}, true},
		// no details: neither count
		{"lacks", `{"usage":{"prompt_tokens":1,"completion_tokens":2}}`,
			Usage{PromptTokens: 1, CompletionTokens: 2}, true},
		// null details, as vLLM sends without prefix caching
		{"null details", `{"usage":{"prompt_tokens":1,"completion_tokens":2,"prompt_tokens_details":null,"completion_tokens_details":null}}`,
			Usage{PromptTokens: 1, CompletionTokens: 2}, true},
		// null counts inside the details
		{"null counts", `{"usage":{"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":null},"completion_tokens_details":{"reasoning_tokens":null}}}`,
			Usage{CompletionTokens: 2}, true},
		// the details before the counts
		{"details first", `{"usage":{"prompt_tokens_details":{"cached_tokens":3},"completion_tokens_details":{"reasoning_tokens":2},"prompt_tokens":5,"completion_tokens":9}}`,
			Usage{PromptTokens: 5, CompletionTokens: 9, CachedTokens: 3, HasCached: true, ReasoningTokens: 2, HasReasoning: true}, true},
		// unknown keys around the count, one of them an object holding the same key
		{"unknown keys", `{"usage":{"completion_tokens":2,"prompt_tokens_details":{"a":[1,{"b":null}],"x":{"cached_tokens":9},"cached_tokens":8,"z":"s"}}}`,
			Usage{CompletionTokens: 2, CachedTokens: 8, HasCached: true}, true},
		// a string count is absent, as a string prompt_tokens is
		{"string counts", `{"usage":{"prompt_tokens":"3","completion_tokens":2,"prompt_tokens_details":{"cached_tokens":"4"},"completion_tokens_details":{"reasoning_tokens":"5"}}}`,
			Usage{CompletionTokens: 2}, true},
		// a fraction, an exponent, an overflow: not integers, absent
		{"not integers", `{"usage":{"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":1.5},"completion_tokens_details":{"reasoning_tokens":1e1}}}`,
			Usage{CompletionTokens: 2}, true},
		{"overflow", `{"usage":{"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":9223372036854775808}}}`,
			Usage{CompletionTokens: 2}, true},
		// details of the wrong type are absent
		{"details not objects", `{"usage":{"completion_tokens":2,"prompt_tokens_details":[{"cached_tokens":1}],"completion_tokens_details":7}}`,
			Usage{CompletionTokens: 2}, true},
		// a repeated key counts in its last occurrence, as in a decoded map
		{"repeated count", `{"usage":{"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":1,"cached_tokens":"y"},"completion_tokens_details":{"reasoning_tokens":"y","reasoning_tokens":6}}}`,
			Usage{CompletionTokens: 2, ReasoningTokens: 6, HasReasoning: true}, true},
		{"repeated details", `{"usage":{"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":1},"prompt_tokens_details":{}}}`,
			Usage{CompletionTokens: 2}, true},
		// an escaped key is its unescaped self
		{"escaped key", `{"usage":{"completion_tokens":2,"prompt_tokens_details":{"\u0063ached_tokens":8}}}`,
			Usage{CompletionTokens: 2, CachedTokens: 8, HasCached: true}, true},
		// details without completion_tokens: no usage at all
		{"no completion count", `{"usage":{"prompt_tokens_details":{"cached_tokens":8},"completion_tokens_details":{"reasoning_tokens":1}}}`,
			Usage{}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseChunk([]byte(tc.chunk))
			if err != nil {
				t.Fatal(err)
			}
			if c.HasUsage != tc.has || c.Usage != tc.want {
				t.Errorf("got HasUsage %v %+v, want %v %+v", c.HasUsage, c.Usage, tc.has, tc.want)
			}
			checkChunk(t, []byte(tc.chunk)) // and the reference agrees
		})
	}
	// Broken JSON inside the details is an error, as anywhere.
	for _, s := range []string{
		`{"usage":{"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":1,}}}`,
		`{"usage":{"completion_tokens":2,"completion_tokens_details":{"reasoning_tokens":}}}`,
		`{"usage":{"completion_tokens":2,"completion_tokens_details":{"reasoning_tokens":1}}`,
	} {
		if _, err := ParseChunk([]byte(s)); err == nil {
			t.Errorf("%s: no error", s)
		}
	}
}

// TestParseChunkUsageDetailsAllocs: the usage chunk with both details
// allocates nothing.
func TestParseChunkUsageDetailsAllocs(t *testing.T) {
	b := []byte(chunkSeeds[slices.IndexFunc(chunkSeeds, func(s string) bool { return strings.Contains(s, `"cached_tokens":96`) })])
	var c Chunk
	if n := testing.AllocsPerRun(100, func() { c, _ = ParseChunk(b) }); n != 0 {
		t.Errorf("%v allocations per chunk", n)
	}
	if !c.Usage.HasCached || !c.Usage.HasReasoning {
		t.Errorf("got %+v", c)
	}
}
