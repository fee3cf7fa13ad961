package target

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

// refChunk is parseChunk's specification written with encoding/json: a
// generic decode, then the documented rules read off the decoded maps.
func refChunk(b []byte) (chunkInfo, bool) {
	if !json.Valid(b) {
		return chunkInfo{}, false
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return chunkInfo{}, false
	}
	m, ok := v.(map[string]any)
	if !ok {
		return chunkInfo{}, false
	}
	var info chunkInfo
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
		for _, e := range arr {
			c, ok := e.(map[string]any)
			if !ok {
				continue
			}
			text := nonEmpty(c["text"])
			var content, reasoning bool
			if d, ok := c["delta"].(map[string]any); ok {
				content = nonEmpty(d["content"])
				reasoning = nonEmpty(d["reasoning_content"]) || nonEmpty(d["reasoning"])
			}
			info.token = info.token || text || content || reasoning
			info.content = info.content || text || content
		}
	}
	if u, ok := m["usage"].(map[string]any); ok {
		if n, ok := intOf(u["completion_tokens"]); ok {
			info.usage, info.completionTokens = true, n
			info.promptTokens, _ = intOf(u["prompt_tokens"])
		}
	}
	if e, ok := m["error"]; ok && e != nil {
		info.isError = true
	}
	if o, ok := m["object"].(string); ok && o == "error" {
		info.isError = true
	}
	return info, true
}

var chunkSeeds = []string{
	roleChunk, emptyChunk, usageChunk, stopChunk, content("hi"), text("t"),
	reasoning("reasoning_content", "r"), reasoning("reasoning", "r"),
	`{"object":"error","message":"x","code":400}`,
	`{"error":{"message":"x"}}`, `{"error":null,"choices":[{"delta":{"content":"a"}}]}`,
	`{"choices":[{"delta":{"content":"a"}}],"choices":[]}`,
	`{"choices":[1,null,{"text":5},{"delta":[]},{"delta":{"content":"\u0000"}}]}`,
	`{"\u0063hoices":[{"text":"x"}],"object":"\u0065rror"}`,
	`{"usage":{"prompt_tokens":-0,"completion_tokens":9223372036854775807}}`,
	`{"usage":{"prompt_tokens":1.5,"completion_tokens":9223372036854775808}}`,
	`{"usage":{"completion_tokens":-9223372036854775808,"prompt_tokens":"3"}}`,
	`{"usage":{"completion_tokens":1e2}}`,
	`  {"a":[[[{}]]],"b":true,"c":false,"d":null,"e":-1.5e+10} `,
	`[]`, `"x"`, `null`, `{`, `{"a":}`, `{"a":1,}`, `{"a" 1}`, `{"a":01}`, `{"a":"\x01"}`, `{"a":"\q"}`,
	`{"a":"\u12G4"}`, `{} x`, `{"a":-}`, `{"a":1.}`, `{"a":1e}`, `{"a":tru}`, "{\"a\":\"\xff\"}",
}

// TestParseChunk pins parseChunk to its reference on hand-picked chunks.
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
	got, err := parseChunk(b)
	want, valid := refChunk(b)
	if (err == nil) != valid {
		t.Fatalf("%.200q: err %v, reference valid %v", b, err, valid)
	}
	if got != want {
		t.Fatalf("%.200q:\n got %+v\nwant %+v", b, got, want)
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
	chunk := []byte(content(" tok"))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseChunk(chunk); err != nil {
			b.Fatal(err)
		}
	}
}
