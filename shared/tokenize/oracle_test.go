package tokenize

import (
	"encoding/json"
	"os"
	"slices"
	"testing"
	"unicode/utf8"
)

// oracleCase is an encoding by Hugging Face's tokenizers library itself
// (testdata/oracle.js wrote them).
type oracleCase struct {
	File string `json:"file"`
	Text string `json:"text"`
	IDs  []int  `json:"ids"`
}

func readOracle(t *testing.T) []oracleCase {
	t.Helper()
	b, err := os.ReadFile("testdata/oracle.json")
	if err != nil {
		t.Fatal(err)
	}
	var o struct {
		Cases []oracleCase `json:"cases"`
	}
	if err := json.Unmarshal(b, &o); err != nil {
		t.Fatal(err)
	}
	if len(o.Cases) < 1000 {
		t.Fatalf("oracle.json has %d cases, want the 1610 oracle.js writes", len(o.Cases))
	}
	return o.Cases
}

// TestOracle: every text encodes to the ids the reference gave under each
// fixture (the Llama 3, GPT-2, Qwen 2 and o200k shapes, and the added
// tokens' options), and Count agrees with them.
func TestOracle(t *testing.T) {
	toks := map[string]*Tokenizer{}
	files := map[string]int{}
	for _, c := range readOracle(t) {
		tok, ok := toks[c.File]
		if !ok {
			tok = loadFixture(t, c.File)
			toks[c.File] = tok
		}
		files[c.File]++
		got := tok.Encode(c.Text)
		if !slices.Equal(got, c.IDs) && !(len(got) == 0 && len(c.IDs) == 0) {
			t.Errorf("%s: Encode(%q) = %v, the reference gives %v", c.File, c.Text, got, c.IDs)
			continue
		}
		if n := tok.Count(c.Text); n != len(c.IDs) {
			t.Errorf("%s: Count(%q) = %d, want %d", c.File, c.Text, n, len(c.IDs))
		}
	}
	if len(files) != len(fixtures) {
		t.Errorf("oracle.json covers %d fixtures, want %d", len(files), len(fixtures))
	}
}

// TestDecodeRoundTrip: with all 256 bytes in the vocabulary and no
// normalizer, decoding an encoding gives the text back, for every text of
// the oracle under the Llama 3 fixture.
func TestDecodeRoundTrip(t *testing.T) {
	tok := loadFixture(t, "tiny-llama3.json")
	for _, c := range readOracle(t) {
		if c.File != "tiny-llama3.json" || !utf8.ValidString(c.Text) {
			continue
		}
		got, err := tok.Decode(tok.Encode(c.Text))
		if err != nil || got != c.Text {
			t.Errorf("Decode(Encode(%q)) = %q, %v", c.Text, got, err)
		}
	}
}
