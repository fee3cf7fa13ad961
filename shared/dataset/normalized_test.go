package dataset_test

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/llmbench/llmbench/shared/dataset"
)

// TestJSONLRoundTrip writes records in the normalized form and reads them
// back unchanged, IDs with gaps included.
func TestJSONLRoundTrip(t *testing.T) {
	recs := []dataset.Record{
		{ID: 0, Prompt: "Why is the sky blue?", OutputTokens: 120},
		{ID: 3, Prompt: "no output length"},
		{ID: 4, Prompt: "  kept verbatim: <b>&</b>\n\t\"quoted\" \u00e9 \U0001F600  "},
		{ID: 9, Messages: []dataset.Message{
			{Role: dataset.RoleSystem, Content: "Be brief."},
			{Role: dataset.RoleUser, Content: "Why?"},
			{Role: dataset.RoleAssistant, Content: "Light."},
			{Role: dataset.RoleUser, Content: "More?"},
		}, OutputTokens: 7},
	}
	var buf bytes.Buffer
	if err := dataset.WriteJSONL(&buf, recs); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), "\n"); n != len(recs) {
		t.Errorf("%d lines for %d records:\n%s", n, len(recs), buf.String())
	}
	if !strings.Contains(buf.String(), "<b>&</b>") {
		t.Errorf("HTML characters escaped, want them as they are:\n%s", buf.String())
	}
	const first = `{"id":0,"prompt":"Why is the sky blue?","output_tokens":120}` + "\n"
	if !strings.HasPrefix(buf.String(), first) {
		t.Errorf("first line %q, want %q", strings.SplitAfter(buf.String(), "\n")[0], first)
	}
	got, err := dataset.ReadJSONL(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, recs) {
		t.Errorf("read back\n got %+v\nwant %+v", got, recs)
	}
}

// TestParseThenRoundTrip takes a parsed ShareGPT dataset through the
// normalized form, as the planner stores it and the workers read it.
func TestParseThenRoundTrip(t *testing.T) {
	in := array(conv("human", "a", "gpt", "b c"), conv("gpt", "skipped"), conv("human", "d", "gpt", "e"))
	recs, _ := parse(t, in, dataset.ShareGPT, dataset.Options{})
	var buf bytes.Buffer
	if err := dataset.WriteJSONL(&buf, recs); err != nil {
		t.Fatal(err)
	}
	got, err := dataset.ReadJSONL(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, recs) || got[1].ID != 2 {
		t.Errorf("read back %+v, want %+v", got, recs)
	}
}

func TestReadJSONLErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		line int
		msg  string
	}{
		// The id is what leads back to the source: it is required.
		{"no id", `{"id": 0, "prompt": "a"}` + "\n" + `{"prompt": "b"}`, 2, "dataset: parse normalized dataset line 2: no id"},
		{"negative id", `{"id": -1, "prompt": "a"}`, 1, "line 1: negative id -1"},
		// Strict like Parse: a source-only or unknown field is an error.
		{"unknown field", `{"id": 0, "prompt": "a", "extra": 1}`, 1, `line 1: json: unknown field "extra"`},
		{"both", `{"id": 0, "prompt": "a", "messages": [{"role": "user", "content": "b"}]}`, 1, "line 1: both prompt and messages"},
		{"neither", `{"id": 0}`, 1, "line 1: neither prompt nor messages"},
		{"negative output_tokens", `{"id": 0, "prompt": "a", "output_tokens": -5}`, 1, "line 1: negative output_tokens -5"},
		{"malformed", `{"id": 0, "prompt": "a"`, 1, "line 1: malformed JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := dataset.ReadJSONL(strings.NewReader(tt.in))
			var pe *dataset.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v, want a *ParseError", err)
			}
			if pe.Line != tt.line || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q at line %d, want %q at line %d", err, pe.Line, tt.msg, tt.line)
			}
		})
	}
	if _, err := dataset.ReadJSONL(strings.NewReader("\n")); !errors.Is(err, dataset.ErrEmpty) {
		t.Errorf("empty file: error %v, want ErrEmpty", err)
	}
}

// TestWriteJSONLRefuses checks that WriteJSONL writes nothing ReadJSONL
// would refuse, and nothing at all when it refuses.
func TestWriteJSONLRefuses(t *testing.T) {
	tests := []struct {
		name string
		recs []dataset.Record
		msg  string
	}{
		{"none", nil, "dataset: write: no usable record"},
		{"both", []dataset.Record{{Prompt: "a"}, {ID: 1, Prompt: "a", Messages: []dataset.Message{{Role: "user", Content: "b"}}}}, "write record 1 (id 1): both prompt and messages"},
		{"neither", []dataset.Record{{ID: 4}}, "write record 0 (id 4): neither prompt nor messages"},
		{"blank prompt", []dataset.Record{{Prompt: " "}}, "empty prompt"},
		{"bad role", []dataset.Record{{Messages: []dataset.Message{{Role: "gpt", Content: "b"}}}}, `message 0: role "gpt"`},
		{"negative output_tokens", []dataset.Record{{Prompt: "a", OutputTokens: -1}}, "negative output_tokens -1"},
		{"negative id", []dataset.Record{{ID: -2, Prompt: "a"}}, "negative id -2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := dataset.WriteJSONL(&buf, tt.recs)
			if err == nil || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %v, want %q", err, tt.msg)
			}
			if buf.Len() > 0 {
				t.Errorf("wrote %q before refusing", buf.String())
			}
		})
	}
}
