package dataset_test

import (
	"fmt"
	"io"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/llmbench/llmbench/shared/dataset"
)

// parse parses in, failing the test on an error.
func parse(t *testing.T, in, format string, opt dataset.Options) ([]dataset.Record, dataset.Stats) {
	t.Helper()
	recs, st, err := dataset.Parse(strings.NewReader(in), format, "test."+format, opt)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return recs, st
}

// conv writes a ShareGPT conversation of (from, value) pairs.
func conv(turns ...string) string {
	var b strings.Builder
	b.WriteString(`{"conversations":[`)
	for i := 0; i < len(turns); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"from":%q,"value":%q}`, turns[i], turns[i+1])
	}
	b.WriteString(`]}`)
	return b.String()
}

func array(convs ...string) string { return "[" + strings.Join(convs, ",\n") + "]" }

func TestParseShareGPT(t *testing.T) {
	tests := []struct {
		name string
		in   string
		opt  dataset.Options
		want []dataset.Record
	}{
		// The usual dump: prompt from the human turn, output length from
		// the gpt turn's words.
		{"human and gpt", array(
			conv("human", "Why is the sky blue?", "gpt", "Because of Rayleigh scattering, mostly."),
			conv("human", "Hi", "gpt", "Hello"),
		), dataset.Options{}, []dataset.Record{
			{ID: 0, Prompt: "Why is the sky blue?", OutputTokens: 5},
			{ID: 1, Prompt: "Hi", OutputTokens: 1},
		}},
		// Other dumps name the speakers user and assistant, in any case.
		{"user and assistant", array(conv("User", "Name a colour.", "ASSISTANT", "Blue, say.")),
			dataset.Options{}, []dataset.Record{{ID: 0, Prompt: "Name a colour.", OutputTokens: 2}}},
		// Models named for their product count as the answer.
		{"chatgpt and bard", array(conv("human", "a", "chatgpt", "b c"), conv("human", "d", "bard", "e f g")),
			dataset.Options{}, []dataset.Record{{ID: 0, Prompt: "a", OutputTokens: 2}, {ID: 1, Prompt: "d", OutputTokens: 3}}},
		// A leading system turn is not the prompt (vLLM would take it).
		{"system first", array(conv("system", "Be brief.", "human", "What is 2+2?", "gpt", "Four.")),
			dataset.Options{}, []dataset.Record{{ID: 0, Prompt: "What is 2+2?", OutputTokens: 1}}},
		// Only the first exchange of a long conversation counts.
		{"multi-turn", array(conv("human", "first question", "gpt", "first answer here", "human", "second", "gpt", "a much longer second answer")),
			dataset.Options{}, []dataset.Record{{ID: 0, Prompt: "first question", OutputTokens: 3}}},
		// Real dumps carry ids and other fields, in records and turns.
		{"unknown fields ignored", `[{"id":"QWJhYvA_0","model":"gpt-4","conversations":[{"from":"human","value":"q","markdown":null},{"from":"gpt","value":"a b"}]}]`,
			dataset.Options{}, []dataset.Record{{ID: 0, Prompt: "q", OutputTokens: 2}}},
		// A tokenizer replaces the word count.
		{"token counter", array(conv("human", "q", "gpt", "abcdefgh")),
			dataset.Options{CountTokens: func(s string) int { return len(s) / 4 }},
			[]dataset.Record{{ID: 0, Prompt: "q", OutputTokens: 2}}},
		// The prompt is kept as it is, white space and markup included.
		{"prompt verbatim", array(conv("human", "  <b>bold</b>\n\tand tabs  ", "gpt", "ok")),
			dataset.Options{}, []dataset.Record{{ID: 0, Prompt: "  <b>bold</b>\n\tand tabs  ", OutputTokens: 1}}},
		// Quotes, backslashes and brackets inside strings, and nested
		// values in other fields, do not confuse the array reader.
		{"strings and nesting", `[{"tags": [[1, 2], {"k": []}], "conversations": [{"from": "human", "value": "a \"quoted\" ] } [ { \u00e9 word\\"}, {"from": "gpt", "value": "x\\\""}]}]`,
			dataset.Options{}, []dataset.Record{{ID: 0, Prompt: `a "quoted" ] } [ { é word\`, OutputTokens: 1}}},
		// A byte order mark and white space around the array are fine.
		{"BOM and white space", "\uFEFF\n  " + array(conv("human", "q", "gpt", "a")) + "\n\n",
			dataset.Options{}, []dataset.Record{{ID: 0, Prompt: "q", OutputTokens: 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, st := parse(t, tt.in, dataset.ShareGPT, tt.opt)
			if !reflect.DeepEqual(recs, tt.want) {
				t.Errorf("records\n got %+v\nwant %+v", recs, tt.want)
			}
			if st.Records != len(tt.want) || st.Skipped != 0 {
				t.Errorf("stats %+v, want %d records and none skipped", st, len(tt.want))
			}
		})
	}
}

// TestParseShareGPTSkips checks that every unusable conversation is
// counted under its reason, and that the IDs of the others still give
// their index in the file.
func TestParseShareGPTSkips(t *testing.T) {
	in := array(
		conv("human", "kept 0", "gpt", "a"),              // 0
		`{"conversations":[]}`,                           // 1 no conversations
		`{"id":"no conversations key"}`,                  // 2 no conversations
		conv("gpt", "an answer to nothing"),              // 3 no human turn
		conv("system", "s", "gpt", "g"),                  // 4 no human turn
		conv("human", "alone"),                           // 5 no answer
		conv("human", "q", "human", "q again"),           // 6 no answer: the next turn is not the model's
		conv("human", "  \n ", "gpt", "an answer"),       // 7 empty prompt
		conv("human", "q", "gpt", " "),                   // 8 empty answer
		conv("Human", "kept 9", "gpt", "a b c"),          // 9
		conv("bot", "x", "human", "kept 10", "gpt", "y"), // 10: an unknown speaker before is ignored
		`null`, // 11 no conversations
	)
	recs, st := parse(t, in, dataset.ShareGPT, dataset.Options{})
	want := []dataset.Record{
		{ID: 0, Prompt: "kept 0", OutputTokens: 1},
		{ID: 9, Prompt: "kept 9", OutputTokens: 3},
		{ID: 10, Prompt: "kept 10", OutputTokens: 1},
	}
	if !reflect.DeepEqual(recs, want) {
		t.Errorf("records\n got %+v\nwant %+v", recs, want)
	}
	wantStats := dataset.Stats{Records: 3, Skipped: 9, SkippedReasons: map[string]int{
		dataset.SkipNoConversations: 3,
		dataset.SkipNoHumanTurn:     2,
		dataset.SkipNoAnswer:        2,
		dataset.SkipEmptyPrompt:     1,
		dataset.SkipEmptyAnswer:     1,
	}}
	if !reflect.DeepEqual(st, wantStats) {
		t.Errorf("stats\n got %+v\nwant %+v", st, wantStats)
	}
	const wantString = "9 skipped (3 no conversations, 2 no answer after the first human turn, 2 no human turn, 1 empty answer, 1 empty prompt)"
	if st.String() != wantString {
		t.Errorf("Stats.String() = %q, want %q", st.String(), wantString)
	}
}

// heapReader streams a ShareGPT array of conversations with long answers,
// made as it is read, and records the largest live heap it sees.
type heapReader struct {
	left, size int // conversations still to make, bytes made
	buf        []byte
	peak       uint64
	reads      int
}

func (h *heapReader) Read(p []byte) (int, error) {
	if len(h.buf) == 0 {
		switch {
		case h.left < 0:
			return 0, io.EOF
		case h.left == 0:
			h.buf = []byte("]")
		default:
			sep := ","
			if h.size == 0 {
				sep = "["
			}
			h.buf = []byte(sep + conv("human", "short prompt", "gpt", strings.Repeat("word ", 20_000)))
		}
		h.left--
		h.size += len(h.buf)
	}
	n := copy(p, h.buf)
	h.buf = h.buf[n:]
	if h.reads++; h.reads%64 == 0 {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		h.peak = max(h.peak, ms.HeapAlloc)
	}
	return n, nil
}

// TestParseShareGPTStreams parses a 100 MB dump without holding it: the
// heap stays a fraction of the file.
func TestParseShareGPTStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("parses 100 MB")
	}
	h := &heapReader{left: 1000}
	recs, _, err := dataset.Parse(h, dataset.ShareGPT, "big.json", dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1000 || recs[999].OutputTokens != 20_000 {
		t.Fatalf("%d records, the last %+v", len(recs), recs[len(recs)-1])
	}
	t.Logf("%d MB parsed, live heap at most %d MB", h.size>>20, h.peak>>20)
	if h.peak > uint64(h.size)/4 {
		t.Errorf("live heap reached %d MB parsing %d MB: the file is being held", h.peak>>20, h.size>>20)
	}
}
