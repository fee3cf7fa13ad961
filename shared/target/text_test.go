package target

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestAppendText: a chunk's visible text, decoded as encoding/json would,
// and nothing of its reasoning.
func TestAppendText(t *testing.T) {
	tests := []struct {
		name  string
		chunk string
		want  string
	}{
		// a chat delta as servers send it
		{"chat", `{"choices":[{"index":0,"delta":{"content":" hi"},"finish_reason":null}]}`, " hi"},
		// a completions chunk
		{"completions", `{"choices":[{"index":0,"text":" hi"}]}`, " hi"},
		// the escapes encoding/json writes, \u00e9 and a surrogate pair
		{"escapes", `{"choices":[{"delta":{"content":"a\nb \"q\" \u00e9 \ud83d\ude00 \\ \/ \t"}}]}`, "a\nb \"q\" é 😀 \\ / \t"},
		// UTF-8 sent as it is
		{"utf-8", `{"choices":[{"delta":{"content":"é😀"}}]}`, "é😀"},
		// a lone surrogate and invalid UTF-8 become U+FFFD, as in encoding/json
		{"lone surrogate", `{"choices":[{"text":"\ud800x"}]}`, "\ufffdx"},
		{"invalid utf-8", "{\"choices\":[{\"text\":\"a\xffb\"}]}", "a\ufffdb"},
		// reasoning is not visible text, alone or beside content
		{"reasoning_content", `{"choices":[{"delta":{"reasoning_content":"think"}}]}`, ""},
		{"reasoning", `{"choices":[{"delta":{"reasoning":"think","content":"c"}}]}`, "c"},
		// the role chunk, a finish, usage: no text
		{"role", `{"choices":[{"delta":{"role":"assistant","content":""}}]}`, ""},
		{"usage", `{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2}}`, ""},
		// only the first choice: a request asks for one answer
		{"first choice", `{"choices":[{"delta":{"content":"a"}},{"delta":{"content":"b"}}]}`, "a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseChunk([]byte(tc.chunk))
			if err != nil {
				t.Fatal(err)
			}
			if got := AppendText([]byte("<"), c); string(got) != "<"+tc.want {
				t.Errorf("got %q, want %q", got[1:], tc.want)
			}
			checkChunk(t, []byte(tc.chunk)) // and the reference agrees
		})
	}
}

// TestAppendTextAllocs: appending a chunk's text to a buffer with room,
// escaped or not, allocates nothing either.
func TestAppendTextAllocs(t *testing.T) {
	for _, s := range []string{seedContent(" tok"), seedContent("a\n\"é\"")} {
		b := []byte(s)
		buf := make([]byte, 0, 64)
		if n := testing.AllocsPerRun(100, func() {
			c, _ := ParseChunk(b)
			buf = AppendText(buf[:0], c)
		}); n != 0 {
			t.Errorf("%s: %v allocations per chunk", s, n)
		}
	}
}

// FuzzAppendJSONText holds the string decoder to encoding/json on any
// valid JSON value.
func FuzzAppendJSONText(f *testing.F) {
	for _, s := range []string{`"a"`, `""`, `"\n\"\\\/\b\f\r\t"`, `"\u00e9\ud83d\ude00"`, `"\ud800\ud800\udc00"`,
		`"\udc00\ud83d"`, "\"\xff\xed\xa0\x80\xf0\x9f\x98\"", `5`, `null`, `{"a":"b"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if !json.Valid(b) || len(bytes.TrimSpace(b)) != len(b) {
			AppendJSONText(nil, b) // not a Field's Raw: it must not panic, whatever it appends
			return
		}
		checkJSONText(t, b)
	})
}

func BenchmarkAppendText(b *testing.B) {
	chunk := []byte(seedContent(" tok"))
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		c, err := ParseChunk(chunk)
		if err != nil {
			b.Fatal(err)
		}
		buf = AppendText(buf[:0], c)
	}
}
