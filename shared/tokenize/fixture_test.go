package tokenize

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the testdata/tiny-*.json fixtures from testdata/corpus.txt")

// trainMerges is how many merges the fixtures learn: enough for whole
// common words (" the", " and") and for merges of merges.
const trainMerges = 300

// trainBPE learns merges over corpus as a byte-level BPE trainer does:
// the corpus cut into words by the Llama 3 pattern, each word a row of
// byte symbols, and at each step the most frequent adjacent pair merged
// everywhere (ties go to the smallest pair, so the result repeats). It
// returns the vocabulary in id order, the 256 bytes first.
func trainBPE(corpus string, n int) (tokens []string, merges [][2]string) {
	counts := map[string]int{}
	scanLlama3.split(corpus, func(w string) { counts[w]++ })
	type word struct {
		syms  []string
		count int
	}
	var words []word
	for w, c := range counts {
		var syms []string
		for _, r := range string(appendByteLevel(nil, w)) {
			syms = append(syms, string(r))
		}
		words = append(words, word{syms, c})
	}
	seen := map[string]bool{}
	for b := range 256 {
		tokens = append(tokens, string(byteRunes[b]))
		seen[tokens[b]] = true
	}
	for range n {
		freq := map[[2]string]int{}
		for _, w := range words {
			for i := 0; i+1 < len(w.syms); i++ {
				freq[[2]string{w.syms[i], w.syms[i+1]}] += w.count
			}
		}
		var best [2]string
		bestN := 0
		for p, c := range freq {
			if c > bestN || c == bestN && (p[0] < best[0] || p[0] == best[0] && p[1] < best[1]) {
				best, bestN = p, c
			}
		}
		if bestN == 0 {
			break
		}
		merges = append(merges, best)
		if joined := best[0] + best[1]; !seen[joined] {
			tokens = append(tokens, joined)
			seen[joined] = true
		}
		for k := range words {
			s := words[k].syms
			out := s[:0]
			for i := 0; i < len(s); i++ {
				if i+1 < len(s) && s[i] == best[0] && s[i+1] == best[1] {
					out = append(out, best[0]+best[1])
					i++
					continue
				}
				out = append(out, s[i])
			}
			words[k].syms = out
		}
	}
	return tokens, merges
}

// extraVocab are whole pieces put in every fixture's vocabulary with no
// merge that makes them: with ignore_merges a piece that is one of them is
// one token, without it the merges spell it out.
var extraVocab = []string{"Ġlighthouse", "Ġcliffs", ".:.:", "ĠĠĠ"}

// fixture is one tokenizer.json the tests write, in the shape of a real
// model's file.
type fixture struct {
	name         string
	added        []map[string]any // added_tokens without their ids, which follow the vocabulary
	preTokenizer string           // JSON
	postProc     string           // JSON
	ignoreMerges *bool            // nil: the field is absent, as in files older than the flag
	stringMerges bool             // merges as "a b" rather than ["a", "b"]
}

func special(content string, normalized bool) map[string]any {
	return map[string]any{"content": content, "single_word": false, "lstrip": false, "rstrip": false, "normalized": normalized, "special": true}
}

func splitThenByteLevel(pattern string) string {
	p, _ := json.Marshal(pattern)
	return `{"type": "Sequence", "pretokenizers": [{"type": "Split", "pattern": {"Regex": ` + string(p) + `}, "behavior": "Isolated", "invert": false}, {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false}]}`
}

// patternO200k is o200k_base's pattern, which no scanner knows: a file
// with it runs through the regexp translation.
const patternO200k = `[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`

var (
	yes, no = true, false
	// llamaAdded are Llama 3's first special tokens.
	llamaAdded = []map[string]any{
		special("<|begin_of_text|>", false), special("<|end_of_text|>", false),
		special("<|reserved_special_token_0|>", false), special("<|start_header_id|>", false),
		special("<|end_header_id|>", false), special("<|eot_id|>", false),
	}
	byteLevelPost = `{"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true}`
	fixtures      = []fixture{
		{ // Llama 3.1's shape: the Split then ByteLevel, ignore_merges, merges as pairs, a template post-processor.
			name: "tiny-llama3.json", added: llamaAdded, preTokenizer: splitThenByteLevel(patternLlama3),
			postProc:     `{"type": "Sequence", "processors": [` + byteLevelPost + `, {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}], "pair": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}], "special_tokens": {"<|begin_of_text|>": {"id": "<|begin_of_text|>", "ids": [FIRST_ADDED_ID], "tokens": ["<|begin_of_text|>"]}}}]}`,
			ignoreMerges: &yes,
		},
		{ // GPT-2's shape: ByteLevel with its own regex, merges as strings, no ignore_merges field.
			name: "tiny-gpt2.json", added: []map[string]any{special("<|endoftext|>", true)},
			preTokenizer: `{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true}`,
			postProc:     byteLevelPost, stringMerges: true,
		},
		{ // Qwen 2's pattern (digits one by one), ignore_merges off.
			name: "tiny-qwen2.json", added: []map[string]any{special("<|endoftext|>", false), special("<|im_start|>", false), special("<|im_end|>", false)},
			preTokenizer: splitThenByteLevel(patternQwen2), postProc: byteLevelPost, ignoreMerges: &no,
		},
		{ // o200k's pattern, which only the regexp translation runs.
			name: "tiny-o200k.json", added: []map[string]any{special("<|endoftext|>", false)},
			preTokenizer: splitThenByteLevel(patternO200k), postProc: byteLevelPost, ignoreMerges: &yes,
		},
		{ // The options of added tokens, and ByteLevel's add_prefix_space (RoBERTa's).
			name: "tiny-options.json",
			added: []map[string]any{
				{"content": "<mask>", "single_word": false, "lstrip": true, "rstrip": false, "normalized": false, "special": true},
				{"content": "[SEP]", "single_word": false, "lstrip": false, "rstrip": true, "normalized": false, "special": true},
				{"content": "qq", "single_word": true, "lstrip": false, "rstrip": false, "normalized": true, "special": false},
				{"content": "zz", "single_word": false, "lstrip": false, "rstrip": false, "normalized": true, "special": false},
				{"content": "ab", "single_word": false, "lstrip": false, "rstrip": false, "normalized": true, "special": false},
				{"content": "bcd", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true},
			},
			preTokenizer: `{"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true}`,
			postProc:     byteLevelPost, stringMerges: true,
		},
	}
)

// write renders the fixture's tokenizer.json, one vocabulary entry and
// one merge a line, in the order of the reference's own files.
func (f fixture) write(tokens []string, merges [][2]string) []byte {
	q := func(v any) string {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			panic(err)
		}
		return strings.TrimSpace(b.String())
	}
	var b bytes.Buffer
	b.WriteString("{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n  \"padding\": null,\n  \"added_tokens\": [")
	for i, a := range f.added {
		if i > 0 {
			b.WriteString(",")
		}
		a["id"] = len(tokens) + i
		fmt.Fprintf(&b, "\n    %s", q(a))
	}
	fmt.Fprintf(&b, "\n  ],\n  \"normalizer\": null,\n  \"pre_tokenizer\": %s,\n  \"post_processor\": %s,\n", f.preTokenizer,
		strings.ReplaceAll(f.postProc, "FIRST_ADDED_ID", fmt.Sprint(len(tokens))))
	b.WriteString("  \"decoder\": {\"type\": \"ByteLevel\", \"add_prefix_space\": true, \"trim_offsets\": true, \"use_regex\": true},\n")
	b.WriteString("  \"model\": {\n    \"type\": \"BPE\",\n    \"dropout\": null,\n    \"unk_token\": null,\n    \"continuing_subword_prefix\": null,\n    \"end_of_word_suffix\": null,\n    \"fuse_unk\": false,\n    \"byte_fallback\": false,\n")
	if f.ignoreMerges != nil {
		fmt.Fprintf(&b, "    \"ignore_merges\": %v,\n", *f.ignoreMerges)
	}
	b.WriteString("    \"vocab\": {")
	for id, tok := range tokens {
		if id > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, "\n      %s: %d", q(tok), id)
	}
	b.WriteString("\n    },\n    \"merges\": [")
	for i, m := range merges {
		if i > 0 {
			b.WriteString(",")
		}
		if f.stringMerges {
			fmt.Fprintf(&b, "\n      %s", q(m[0]+" "+m[1]))
		} else {
			fmt.Fprintf(&b, "\n      %s", q(m[:]))
		}
	}
	b.WriteString("\n    ]\n  }\n}\n")
	return b.Bytes()
}

// TestFixtures: the fixtures are what the trainer makes of the corpus
// (go test -update rewrites them), so a change to either shows here, and
// the oracle's encodings (oracle_test.go) are of these very files.
func TestFixtures(t *testing.T) {
	corpus, err := os.ReadFile("testdata/corpus.txt")
	if err != nil {
		t.Fatal(err)
	}
	tokens, merges := trainBPE(string(corpus), trainMerges)
	if len(merges) != trainMerges {
		t.Fatalf("trained %d merges, want %d", len(merges), trainMerges)
	}
	for _, x := range extraVocab {
		if slices.Contains(tokens, x) {
			t.Fatalf("%q is already trained: choose an extra token the merges do not make", x)
		}
	}
	tokens = append(tokens, extraVocab...)
	for _, f := range fixtures {
		want := f.write(tokens, merges)
		path := filepath.Join("testdata", f.name)
		if *update {
			if err := os.WriteFile(path, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test -update writes it)", err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is not what the trainer makes of corpus.txt: run go test -update and regenerate oracle.json", path)
		}
	}
}

// loadFixture loads testdata/name.
func loadFixture(t testing.TB, name string) *Tokenizer {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tok, err := Load(f)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// loadString loads a tokenizer.json given as text.
func loadString(t testing.TB, s string) *Tokenizer {
	t.Helper()
	tok, err := Load(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
