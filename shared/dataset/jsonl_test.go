package dataset_test

import (
	"reflect"
	"testing"

	"github.com/llmbench/llmbench/shared/dataset"
)

func TestParseJSONL(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []dataset.Record
	}{
		// A prompt, with and without an output length.
		{"prompts", `{"prompt": "Why is the sky blue?", "output_tokens": 120}
{"prompt": "Hi"}
`, []dataset.Record{
			{ID: 0, Prompt: "Why is the sky blue?", OutputTokens: 120},
			{ID: 1, Prompt: "Hi"},
		}},
		// A chat is kept message by message, in order.
		{"messages", `{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Why?"}, {"role": "assistant", "content": "Light."}, {"role": "user", "content": "More?"}], "output_tokens": 7}`,
			[]dataset.Record{{ID: 0, Messages: []dataset.Message{
				{Role: "system", Content: "Be brief."}, {Role: "user", Content: "Why?"},
				{Role: "assistant", Content: "Light."}, {Role: "user", Content: "More?"},
			}, OutputTokens: 7}}},
		// Blank lines are not records: IDs count records, not lines.
		{"blank lines", "\n{\"prompt\": \"a\"}\n   \n\n{\"prompt\": \"b\"}\n\n",
			[]dataset.Record{{ID: 0, Prompt: "a"}, {ID: 1, Prompt: "b"}}},
		// CRLF line ends, a byte order mark and no final newline.
		{"CRLF, BOM, no final newline", "\uFEFF{\"prompt\": \"a\"}\r\n{\"prompt\": \"b\", \"output_tokens\": 0}",
			[]dataset.Record{{ID: 0, Prompt: "a"}, {ID: 1, Prompt: "b"}}},
		// The prompt is kept verbatim.
		{"verbatim", `{"prompt": "  line one\nline <two> & three  "}`,
			[]dataset.Record{{ID: 0, Prompt: "  line one\nline <two> & three  "}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, st := parse(t, tt.in, dataset.JSONL, dataset.Options{})
			if !reflect.DeepEqual(recs, tt.want) {
				t.Errorf("records\n got %+v\nwant %+v", recs, tt.want)
			}
			if st.Records != len(tt.want) || st.Skipped != 0 || st.SkippedReasons != nil {
				t.Errorf("stats %+v, want %d records and nothing skipped", st, len(tt.want))
			}
		})
	}
}

func TestCountWords(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", 0},                              // nothing
		{"   \n\t ", 0},                      // only white space
		{"one", 1},                           // a word
		{"  two  words ", 2},                 // padded
		{"tabs\tand\nnew lines", 4},          // any white space separates
		{"non\u00a0breaking space", 3},       // U+00A0 separates words too
		{"punctuation, stays; attached.", 3}, // not a tokenizer
	}
	for _, tt := range tests {
		if got := dataset.CountWords(tt.in); got != tt.want {
			t.Errorf("CountWords(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}
