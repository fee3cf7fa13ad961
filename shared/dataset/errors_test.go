package dataset_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/llmbench/llmbench/shared/dataset"
)

// TestParseErrors checks that every malformed dataset is refused with an
// error naming the file and the place: the line (JSONL), the record
// (ShareGPT) and the byte of a JSON error.
func TestParseErrors(t *testing.T) {
	const ok = `{"prompt": "fine"}` + "\n"
	good := conv("human", "q", "gpt", "a")
	tests := []struct {
		name   string
		format string
		in     string
		line   int    // want ParseError.Line
		record int64  // want ParseError.Record
		at     string // the error's Offset is the last occurrence of at in the input; "" for none
		msg    string
	}{
		// JSONL.
		{"jsonl syntax", dataset.JSONL, ok + ok + `{"prompt": "a",}`, 3, -1, "}",
			`dataset: parse test.jsonl line 3 (offset 53): malformed JSON: invalid character '}' looking for beginning of object key string`},
		{"jsonl truncated", dataset.JSONL, ok + `{"prompt": "a"`, 2, -1, "", "test.jsonl line 2: malformed JSON: unexpected end of input (truncated?)"},
		{"jsonl not an object", dataset.JSONL, `["a"]`, 1, -1, "", "test.jsonl line 1: malformed record: json: cannot unmarshal array"},
		{"jsonl wrong type", dataset.JSONL, ok + `{"prompt": 42}`, 2, -1, "", "test.jsonl line 2: malformed record: json: cannot unmarshal number into Go struct field jsonlLine.prompt"},
		{"jsonl unknown field", dataset.JSONL, ok + `{"prompt": "a", "max_tokens": 3}`, 2, -1, "", `test.jsonl line 2: json: unknown field "max_tokens"`},
		{"jsonl unknown message field", dataset.JSONL, `{"messages": [{"role": "user", "content": "a", "name": "x"}]}`, 1, -1, "", `test.jsonl line 1: json: unknown field "name"`},
		{"jsonl two objects on a line", dataset.JSONL, `{"prompt": "a"}  {"prompt": "b"}`, 1, -1, `{"prompt": "b"}`, "test.jsonl line 1 (offset 17): trailing data after the object (one object per line)"},
		{"jsonl both", dataset.JSONL, `{"prompt": "a", "messages": [{"role": "user", "content": "b"}]}`, 1, -1, "", "test.jsonl line 1: both prompt and messages: give one"},
		{"jsonl neither", dataset.JSONL, ok + "\n" + `{"output_tokens": 5}`, 3, -1, "", "test.jsonl line 3: neither prompt nor messages"},
		{"jsonl null line", dataset.JSONL, `null`, 1, -1, "", "test.jsonl line 1: neither prompt nor messages"},
		{"jsonl empty prompt", dataset.JSONL, `{"prompt": ""}`, 1, -1, "", "test.jsonl line 1: empty prompt"},
		{"jsonl blank prompt", dataset.JSONL, `{"prompt": " \n "}`, 1, -1, "", "test.jsonl line 1: empty prompt"},
		{"jsonl empty messages", dataset.JSONL, `{"messages": []}`, 1, -1, "", "test.jsonl line 1: empty messages"},
		{"jsonl empty content", dataset.JSONL, `{"messages": [{"role": "user", "content": "a"}, {"role": "user", "content": ""}]}`, 1, -1, "", "test.jsonl line 1: message 1: empty content"},
		{"jsonl bad role", dataset.JSONL, `{"messages": [{"role": "human", "content": "a"}]}`, 1, -1, "", `test.jsonl line 1: message 0: role "human", want system, user or assistant`},
		{"jsonl negative output_tokens", dataset.JSONL, ok + `{"prompt": "a", "output_tokens": -1}`, 2, -1, "", "test.jsonl line 2: negative output_tokens -1"},
		{"jsonl fractional output_tokens", dataset.JSONL, `{"prompt": "a", "output_tokens": 1.5}`, 1, -1, "", "test.jsonl line 1: malformed record: json: cannot unmarshal number 1.5 into Go struct field jsonlLine.output_tokens of type int"},
		{"jsonl offsets count a BOM", dataset.JSONL, "\uFEFF" + ok + "{,}", 2, -1, ",}", "test.jsonl line 2 (offset 23): malformed JSON"},
		{"jsonl empty file", dataset.JSONL, "\n\n", 0, -1, "", "dataset: parse test.jsonl: no usable record: 0 skipped"},

		// ShareGPT.
		{"sharegpt syntax", dataset.ShareGPT, "[" + good + ",\n" + `{"conversations": [{"from": "human" "value": "x"}]}]`, 0, 1, `"value": "x"`,
			`dataset: parse test.sharegpt record 1 (offset 114): malformed JSON: invalid character '"' after object key:value pair`},
		{"sharegpt missing comma", dataset.ShareGPT, "[" + good + " " + good + "]", 0, 1, good, "test.sharegpt record 1 (offset 77): malformed JSON: invalid character '{' after a record, want ',' or ']'"},
		{"sharegpt offsets count a BOM", dataset.ShareGPT, "\uFEFF[" + good + " " + good + "]", 0, 1, good, "test.sharegpt record 1 (offset 80): malformed JSON"},
		{"sharegpt wrong type", dataset.ShareGPT, "[" + good + `,{"conversations": [{"from": "human", "value": 7}]}]`, 0, 1, "",
			"test.sharegpt record 1: malformed record: json: cannot unmarshal number into Go struct field turn.conversations.value of type string"},
		{"sharegpt record not an object", dataset.ShareGPT, `["just a string"]`, 0, 0, "", "test.sharegpt record 0: malformed record: json: cannot unmarshal string"},
		{"sharegpt truncated in a record", dataset.ShareGPT, "[" + good + `,{"conversations": [`, 0, 1, "", "test.sharegpt record 1: malformed JSON: unexpected end of input (truncated?)"},
		{"sharegpt truncated after a record", dataset.ShareGPT, "[" + good + ",", 0, 1, "", "test.sharegpt record 1: malformed JSON: unexpected end of input (truncated?)"},
		{"sharegpt unclosed array", dataset.ShareGPT, "[" + good, 0, 1, "", "test.sharegpt record 1: malformed JSON: unexpected end of input (truncated?)"},
		{"sharegpt not an array", dataset.ShareGPT, "\n " + good, 0, -1, good, `dataset: parse test.sharegpt (offset 2): want a JSON array of conversations, the file starts with '{'`},
		{"sharegpt trailing comma", dataset.ShareGPT, "[" + good + ",\n]", 0, 1, "]", "test.sharegpt record 1 (offset 78): malformed JSON: ']' after ',' (a trailing comma)"},
		{"sharegpt mismatched bracket", dataset.ShareGPT, "[" + good + `, {"conversations": [{"from": "human", "value": "x"}}]`, 0, 1, "}]", `test.sharegpt record 1 (offset 128): malformed JSON: invalid character '}', want ']'`},
		{"sharegpt bad literal", dataset.ShareGPT, "[" + good + `, {"conversations": nul}]`, 0, 1, "}]", `test.sharegpt record 1 (offset 99): malformed JSON: invalid character '}' in literal null (expecting 'l')`},
		// encoding/json's own stream offsets would be 2,000 bytes short
		// here (the commas and newlines between records).
		{"sharegpt syntax at record 1000", dataset.ShareGPT, "[" + strings.Repeat(good+",\n", 1000) + `{"conversations": nul}]`, 0, 1000, "}]", "test.sharegpt record 1000 (offset 77022): malformed JSON: invalid character '}' in literal null"},
		{"sharegpt control character in a string", dataset.ShareGPT, "[" + good + ",{\"conversations\": [{\"from\": \"hu\x01man\"}]}]", 0, 1, "\x01", `test.sharegpt record 1 (offset 108): malformed JSON: invalid character '\x01' in string literal`},
		{"sharegpt number for a record", dataset.ShareGPT, "[" + good + ", 42]", 0, 1, "", "test.sharegpt record 1: malformed record: json: cannot unmarshal number into Go value of type dataset.conversation"},
		{"sharegpt trailing data", dataset.ShareGPT, "[" + good + "]\n []", 0, -1, "[]", "dataset: parse test.sharegpt (offset 79): trailing data after the array"},
		{"sharegpt empty file", dataset.ShareGPT, " \n", 0, -1, "", "dataset: parse test.sharegpt: empty file, want a JSON array of conversations"},
		{"sharegpt empty array", dataset.ShareGPT, "[]", 0, -1, "", "dataset: parse test.sharegpt: no usable record: 0 skipped"},
		{"sharegpt all skipped", dataset.ShareGPT, array(conv("human", "q"), conv("gpt", "a"), conv("human", "q2")), 0, -1, "",
			"dataset: parse test.sharegpt: no usable record: 3 skipped (2 no answer after the first human turn, 1 no human turn)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs, _, err := dataset.Parse(strings.NewReader(tt.in), tt.format, "test."+tt.format, dataset.Options{})
			if err == nil {
				t.Fatalf("no error, %d records", len(recs))
			}
			if recs != nil {
				t.Errorf("records with the error: %+v", recs)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q\nwant it to contain %q", err, tt.msg)
			}
			if errors.Is(err, dataset.ErrEmpty) {
				return // not at a place in the file
			}
			var pe *dataset.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %q is not a *ParseError", err)
			}
			offset := int64(-1)
			if tt.at != "" {
				offset = int64(strings.LastIndex(tt.in, tt.at))
			}
			if pe.Name != "test."+tt.format || pe.Line != tt.line || pe.Record != tt.record || pe.Offset != offset {
				t.Errorf("at %s line %d record %d offset %d, want %s line %d record %d offset %d",
					pe.Name, pe.Line, pe.Record, pe.Offset, "test."+tt.format, tt.line, tt.record, offset)
			}
		})
	}
}

// TestParseEmpty checks that a dataset with nothing usable is an error
// that says what was skipped and still returns the Stats.
func TestParseEmpty(t *testing.T) {
	_, st, err := dataset.Parse(strings.NewReader(array(conv("human", ""), conv("gpt", "a"))), dataset.ShareGPT, "x.json", dataset.Options{})
	if !errors.Is(err, dataset.ErrEmpty) {
		t.Fatalf("error %v, want ErrEmpty", err)
	}
	if st.Skipped != 2 || st.Records != 0 {
		t.Errorf("stats %+v, want 2 skipped, 0 records", st)
	}
}

func TestParseUnknownFormat(t *testing.T) {
	_, _, err := dataset.Parse(strings.NewReader("[]"), "csv", "x.csv", dataset.Options{})
	if err == nil || !strings.Contains(err.Error(), `x.csv: format "csv", want "sharegpt" or "jsonl"`) {
		t.Errorf("error %v, want one naming the format", err)
	}
}
