package tokenize

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
)

// TestByteRunes: the byte-level alphabet is GPT-2's, checked at the
// entries every byte-level vocabulary shows (Ġ for a space, Ċ for a
// newline) and as a one-to-one map.
func TestByteRunes(t *testing.T) {
	for _, c := range []struct {
		b    byte
		want rune
	}{
		{'a', 'a'}, {'!', '!'}, {'~', '~'},
		{0x00, 'Ā'}, // U+0100: the first byte that is not printable
		{'\t', 'ĉ'}, // U+0109
		{'\n', 'Ċ'}, // U+010A
		{' ', 'Ġ'},  // U+0120: the 33rd unprintable byte
		{0x7F, 'ġ'}, // U+0121: DEL follows the space
		{0xA0, 'ł'}, // U+0142: NBSP, the last of 0x7F..0xA0
		{0xA1, '¡'}, // printable Latin-1 stands for itself
		{0xAD, 'Ń'}, // U+0143: the soft hyphen, the last unprintable byte
		{0xFF, 'ÿ'},
	} {
		if got := byteRunes[c.b]; got != c.want {
			t.Errorf("byte %#x stands for %q, want %q", c.b, got, c.want)
		}
	}
	if len(runeBytes) != 256 {
		t.Errorf("%d distinct runes for 256 bytes", len(runeBytes))
	}
}

// handFile is a tokenizer.json small enough to encode by hand: letters,
// the space, six merges and one added token.
const handFile = `{
  "added_tokens": [{"id": 14, "content": "<|x|>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}],
  "normalizer": null,
  "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
  "model": {"type": "BPE", "ignore_merges": IGNORE,
    "vocab": {"a": 0, "b": 1, "c": 2, "Ġ": 3, "bc": 4, "ab": 5, "abc": 6, "Ġa": 7, "aa": 8, "xyz": 9, "x": 10, "y": 11, "z": 12, "aaaa": 13},
    "merges": [["b", "c"], ["a", "b"], ["a", "bc"], ["Ġ", "a"], ["a", "a"], ["aa", "aa"]]}
}`

func handTokenizer(t *testing.T, ignoreMerges bool) *Tokenizer {
	t.Helper()
	return loadString(t, strings.Replace(handFile, "IGNORE", map[bool]string{true: "true", false: "false"}[ignoreMerges], 1))
}

// TestHandEncodings: encodings worked out by hand from handFile's six
// merges, ranked in file order.
func TestHandEncodings(t *testing.T) {
	for _, c := range []struct {
		text   string
		ignore bool
		want   []int
	}{
		// b+c (rank 0) goes before a+b (rank 1), then a+bc (rank 2):
		// "abc" in one token, never "ab" "c".
		{"abc", false, []int{6}},
		// No merge for ab+c: "abab" -> ab ab, and "abcb" -> abc b.
		{"abab", false, []int{5, 5}},
		{"abcb", false, []int{6, 1}},
		// Equal pairs merge from the left: a a a -> aa a; four a -> aa aa -> aaaa.
		{"aaa", false, []int{8, 0}},
		{"aaaa", false, []int{13}},
		// The space starts the next word's piece (Ġa), and a piece of its
		// own before another space.
		{"a a", false, []int{0, 7}},
		{"a  a", false, []int{0, 3, 7}},
		// xyz is in the vocabulary but no merge makes it: only
		// ignore_merges gives it whole.
		{"xyz", false, []int{10, 11, 12}},
		{"xyz", true, []int{9}},
		// ignore_merges changes nothing for a piece that is not in the
		// vocabulary.
		{"abcb", true, []int{6, 1}},
		// The added token is cut out before anything else.
		{"a<|x|>bc", false, []int{0, 14, 4}},
		{"<|x|><|x|>", false, []int{14, 14}},
		// A byte the vocabulary lacks ('q') is dropped, and its neighbours
		// merge across it, as the reference does (tokenizers 0.23.2).
		{"aqa", false, []int{8}},
		{"", false, nil},
	} {
		tok := handTokenizer(t, c.ignore)
		if got := tok.Encode(c.text); !slices.Equal(got, c.want) {
			t.Errorf("ignore_merges %v: Encode(%q) = %v, want %v", c.ignore, c.text, got, c.want)
		}
		if got := tok.Count(c.text); got != len(c.want) {
			t.Errorf("ignore_merges %v: Count(%q) = %d, want %d", c.ignore, c.text, got, len(c.want))
		}
	}
}

func TestDecode(t *testing.T) {
	tok := handTokenizer(t, false)
	got, err := tok.Decode([]int{6, 14, 7, 3})
	if err != nil || got != "abc<|x|> a " {
		t.Errorf("Decode = %q, %v; want %q", got, err, "abc<|x|> a ")
	}
	for _, id := range []int{-1, 15, 100} {
		if _, err := tok.Decode([]int{id}); err == nil {
			t.Errorf("Decode(%d): no error for an id the file does not define", id)
		}
	}
}

func TestID(t *testing.T) {
	tok := loadFixture(t, "tiny-llama3.json")
	for _, c := range []struct {
		token string
		ok    bool
	}{{"<|begin_of_text|>", true}, {"<|eot_id|>", true}, {"Ġthe", true}, {"a", true}, {"<|nope|>", false}, {"", false}} {
		id, ok := tok.ID(c.token)
		if ok != c.ok {
			t.Errorf("ID(%q) found %v, want %v", c.token, ok, c.ok)
			continue
		}
		if ok {
			if s, _ := tok.Decode([]int{id}); s != strings.ReplaceAll(c.token, "Ġ", " ") {
				t.Errorf("ID(%q) = %d, which decodes to %q", c.token, id, s)
			}
		}
	}
	if got := tok.VocabSize(); got != 256+trainMerges+len(extraVocab)+len(llamaAdded) {
		t.Errorf("VocabSize = %d", got)
	}
}

// TestAddedIDs: added tokens get the ids the reference gives them
// (tokenizers 0.23.2 gave these), not the file's: the next past the
// vocabulary, or the vocabulary's own for a token in it; a repeat is
// dropped.
func TestAddedIDs(t *testing.T) {
	vocab := map[string]int{"a": 0, "b": 1, "bc": 2}
	added := []addedJSON{{ID: 100, Content: "<|x|>"}, {ID: 50, Content: "bc"}, {ID: 7, Content: "<|y|>"}, {ID: 100, Content: "<|x|>"}}
	if got, want := addedIDs(added, vocab), []int{3, 2, 4, -1}; !slices.Equal(got, want) {
		t.Errorf("addedIDs = %v, want %v", got, want)
	}
	tok := loadString(t, strings.NewReplacer("IGNORE", "false", `"added_tokens": [`, `"added_tokens": [{"id": 3, "content": "bc", "normalized": false, "special": true}, {"id": 99, "content": "<|y|>", "normalized": false, "special": true}, `).Replace(handFile))
	if got, want := tok.Encode("abc<|y|><|x|>"), []int{0, 4, 14, 15}; !slices.Equal(got, want) {
		t.Errorf("Encode = %v, want %v (bc cut out before the merges)", got, want)
	}
}

// TestMergeForms: a file with its merges as "a b" strings encodes every
// text as the same file with ["a", "b"] pairs.
func TestMergeForms(t *testing.T) {
	raw, err := os.ReadFile("testdata/tiny-llama3.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	model := doc["model"].(map[string]any)
	var strs []string
	for _, m := range model["merges"].([]any) {
		p := m.([]any)
		strs = append(strs, p[0].(string)+" "+p[1].(string))
	}
	model["merges"] = strs
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	pairs, strings := loadString(t, string(raw)), loadString(t, string(b))
	for _, c := range readOracle(t) {
		if a, b := pairs.Encode(c.Text), strings.Encode(c.Text); !slices.Equal(a, b) {
			t.Errorf("Encode(%q): %v with pairs, %v with strings", c.Text, a, b)
		}
	}
}

// TestMergeLong: the heap used for long pieces merges in the order of the
// scan used for short ones, on random runs of the fixture's symbols.
func TestMergeLong(t *testing.T) {
	m := loadFixture(t, "tiny-llama3.json").model
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := "  aeehhilnorstt.,\n"
	for range 2000 {
		b := make([]byte, 1+rng.IntN(60))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		var syms []int
		for _, c := range b {
			syms = append(syms, m.byteID[c])
		}
		short, long := m.mergeShort(slices.Clone(syms)), m.mergeLong(slices.Clone(syms))
		if !slices.Equal(short, long) {
			t.Fatalf("%q: scan %v, heap %v", b, short, long)
		}
	}
}

// TestLoadErrors: each way a file can be wrong gives the error a caller
// can tell apart, with what was wrong in its text.
func TestLoadErrors(t *testing.T) {
	good, err := os.ReadFile("testdata/tiny-llama3.json")
	if err != nil {
		t.Fatal(err)
	}
	// edit returns the fixture with old replaced by new (which must occur).
	edit := func(old, new string) string {
		t.Helper()
		if !strings.Contains(string(good), old) {
			t.Fatalf("fixture lacks %q", old)
		}
		return strings.Replace(string(good), old, new, 1)
	}
	const model = `"model": {`
	for _, c := range []struct {
		name, file string
		want       error
		says       string
	}{
		{"not JSON", "this is not JSON", ErrMalformed, "invalid character"},
		{"empty", "", ErrMalformed, "EOF"},
		{"cut short", string(good[:len(good)/2]), ErrMalformed, "unexpected EOF"},
		{"vocab not an object", edit(`"vocab": {`, `"vocab": 3, "x": {`), ErrMalformed, "model.vocab"},
		{"a merge of three", edit(`["Ġ","t"]`, `"Ġ t x"`), ErrMalformed, "not two tokens"},
		{"a merge not a pair", edit(`["Ġ","t"]`, `["Ġ"]`), ErrMalformed, "not a pair"},
		{"no model", `{"added_tokens": []}`, ErrInvalid, "no model"},
		{"no vocab", edit(`"vocab": {`, `"vocabulary": {`), ErrInvalid, "no model.vocab"},
		{"no merges", edit(`"merges": [`, `"merged": [`), ErrInvalid, "no model.merges"},
		{"merges null", `{"pre_tokenizer": {"type": "ByteLevel"}, "model": {"type": "BPE", "vocab": {"a": 0}, "merges": null}}`, ErrInvalid, "no model.merges"},
		{"a merge of unknown tokens", edit(`["Ġ","t"]`, `["Ġ","nope"]`), ErrInvalid, `"Ġ" "nope"`},
		{"an id past any vocabulary", edit(`"a": 97,`, `"a": 1000000000,`), ErrInvalid, "1000000000"},
		{"unknown unk_token", edit(`"unk_token": null`, `"unk_token": "<unk>"`), ErrInvalid, "unk_token"},
		{"empty added token", edit(`"content":"<|eot_id|>"`, `"content":""`), ErrInvalid, "added_tokens[5]"},
		{"a Unigram model", `{"pre_tokenizer": {"type": "Metaspace"}, "model": {"type": "Unigram", "vocab": [["a", -1.0]]}}`, ErrUnsupported, `model.type "Unigram"`},
		{"a WordPiece model", edit(model+"\n    \"type\": \"BPE\"", model+"\n    \"type\": \"WordPiece\""), ErrUnsupported, "WordPiece"},
		{"a normalizer", edit(`"normalizer": null`, `"normalizer": {"type": "NFC"}`), ErrUnsupported, "NFC"},
		{"dropout", edit(`"dropout": null`, `"dropout": 0.1`), ErrUnsupported, "dropout"},
		{"a subword prefix", edit(`"continuing_subword_prefix": null`, `"continuing_subword_prefix": "##"`), ErrUnsupported, "##"},
		{"a Metaspace pre-tokenizer", `{"pre_tokenizer": {"type": "Metaspace"}, "model": {"type": "BPE", "vocab": {}, "merges": []}}`, ErrUnsupported, "Metaspace"},
		{"no pre-tokenizer", `{"pre_tokenizer": null, "model": {"type": "BPE", "vocab": {}, "merges": []}}`, ErrUnsupported, "ByteLevel"},
		{"a Split without ByteLevel", edit(`, {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false}`, ``), ErrUnsupported, "ByteLevel"},
		{"a Split that removes", edit(`"behavior": "Isolated"`, `"behavior": "Removed"`), ErrUnsupported, "Removed"},
		{"a lookbehind", edit(`"Regex": "(?i:`, `"Regex": "(?<=x)|(?i:`), ErrUnsupported, "(?<="},
		{"a pattern Go cannot compile", edit(`"Regex": "(?i:`, `"Regex": "\\p{Nope}|(?i:`), ErrUnsupported, "Nope"},
	} {
		_, err := Load(strings.NewReader(c.file))
		if !errors.Is(err, c.want) {
			t.Errorf("%s: error %v, want %v", c.name, err, c.want)
			continue
		}
		if !strings.HasPrefix(err.Error(), "tokenize: load: ") || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s: error %q does not say %q", c.name, err, c.says)
		}
	}
}

// TestLoadFixtures: every fixture loads, and the one with neither a type
// nor ignore_merges field (as files before the flag) still reads as BPE.
func TestLoadFixtures(t *testing.T) {
	for _, f := range fixtures {
		loadFixture(t, f.name)
	}
	tok := loadString(t, `{"pre_tokenizer": {"type": "ByteLevel"}, "model": {"vocab": {"a": 0, "Ġ": 1, "Ġa": 2}, "merges": ["Ġ a"]}}`)
	if got := tok.Encode("a a"); !slices.Equal(got, []int{0, 2}) {
		t.Errorf("Encode = %v, want [0 2]", got)
	}
}

// TestConcurrent: goroutines share a Tokenizer and its cache (run with
// -race) and count as one alone does.
func TestConcurrent(t *testing.T) {
	tok := loadFixture(t, "tiny-llama3.json")
	cases := readOracle(t)
	want := make([]int, len(cases))
	for i, c := range cases {
		want[i] = len(c.IDs)
	}
	errs := make(chan string, 4)
	for g := range 4 {
		go func() {
			for i := range cases {
				k := (i + g*len(cases)/4) % len(cases)
				if c := cases[k]; c.File == "tiny-llama3.json" && tok.Count(c.Text) != want[k] {
					errs <- c.Text
					return
				}
			}
			errs <- ""
		}()
	}
	for range 4 {
		if s := <-errs; s != "" {
			t.Errorf("Count(%q) differs under concurrent use", s)
		}
	}
}
