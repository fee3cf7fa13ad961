package tokenize

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func pieces(s splitter, text string) []string {
	var out []string
	s.split(text, func(p string) { out = append(out, p) })
	return out
}

// TestSplitHand: pieces worked out by hand from the patterns, one
// alternative at a time, in order.
func TestSplitHand(t *testing.T) {
	for _, c := range []struct {
		name string
		sc   scanner
		text string
		want []string
	}{
		// A space goes with the word after it.
		{"llama3", scanLlama3, "Hello world", []string{"Hello", " world"}},
		// Of two spaces, the first is a piece (\s+(?!\S)), the second leads the word.
		{"llama3", scanLlama3, "a  b", []string{"a", " ", " b"}},
		// Spaces at the end stay together.
		{"llama3", scanLlama3, "hi  ", []string{"hi", "  "}},
		// Contractions in any case; 'sam is 's then am.
		{"llama3", scanLlama3, "it's IT'S I'm 'sam", []string{"it", "'s", " IT", "'S", " I", "'m", " '", "sam"}},
		// Any one non-letter, non-digit, non-newline leads a letter run.
		{"llama3", scanLlama3, "(hello)\tthere", []string{"(hello", ")", "\tthere"}},
		// Digits by three, with no space in front.
		{"llama3", scanLlama3, "12345 678", []string{"123", "45", " ", "678"}},
		// Punctuation takes a space before it and the newlines after it.
		{"llama3", scanLlama3, "end.\n\nNext ...", []string{"end", ".\n\n", "Next", " ..."}},
		// \s*[\r\n]+: whitespace up to the last newline of the run.
		{"llama3", scanLlama3, "a \n \n  b", []string{"a", " \n \n", " ", " b"}},
		{"llama3", scanLlama3, "a\r\n", []string{"a", "\r\n"}},
		// A newline does not lead a word.
		{"llama3", scanLlama3, "\nx", []string{"\n", "x"}},
		// A Unicode space is a space (\s), NBSP and the ideographic one.
		{"llama3", scanLlama3, "a\u00a0\u00a0b\u3000", []string{"a", "\u00a0", "\u00a0b", "\u3000"}},
		// Qwen 2: digits one at a time.
		{"qwen2", scanQwen2, "x123", []string{"x", "1", "2", "3"}},
		// GPT-2: only a space leads a word, and digit runs are whole.
		{"gpt2", scanGPT2, "(hello)\tthere 12345", []string{"(", "hello", ")", "\t", "there", " 12345"}},
		// GPT-2's contractions are lower case only.
		{"gpt2", scanGPT2, "it's IT'S", []string{"it", "'s", " IT", "'", "S"}},
		// GPT-2 has no newline alternative: a newline run before a word
		// gives back its last character.
		{"gpt2", scanGPT2, "a\n\nb", []string{"a", "\n", "\n", "b"}},
		{"gpt2", scanGPT2, "a  b  ", []string{"a", " ", " b", "  "}},
	} {
		if got := pieces(c.sc, c.text); !slices.Equal(got, c.want) {
			t.Errorf("%s: split(%q) = %q, want %q", c.name, c.text, got, c.want)
		}
	}
}

// splitParts are the pieces random texts are made of: the cases where the
// patterns' alternatives compete.
var splitParts = []string{
	"a", "B", "the", " the", "ſ", "é", "e\u0301", "中", "ǅ", "ʰ", "1", "12", "1234", "٣", "Ⅻ", "½",
	" ", "  ", "\t", "\n", "\r", "\r\n", "\v", "\f", "\u00a0", "\u3000", "\u2028", "\u0085", "\u200b",
	"'", "'s", "'S", "'t", "'re", "'VE", "'ll", "'d", "'m", "'x", ".", ",", "!?", "(", "/", "_", "😀", "\u00ad", "\xff",
}

func randomText(rng *rand.Rand) string {
	var b strings.Builder
	for range 1 + rng.IntN(16) {
		b.WriteString(splitParts[rng.IntN(len(splitParts))])
	}
	return b.String()
}

// TestScannersMatchRegexp: each scanner cuts texts as its pattern does
// when run through the regexp translation, two implementations that share
// nothing but the character classes.
func TestScannersMatchRegexp(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, c := range []struct {
		pattern string
		sc      scanner
	}{{patternGPT2, scanGPT2}, {patternLlama3, scanLlama3}, {patternQwen2, scanQwen2}} {
		re, err := newRegexSplit(c.pattern, false)
		if err != nil {
			t.Fatal(err)
		}
		for range 20000 {
			text := randomText(rng)
			if a, b := pieces(c.sc, text), pieces(re, text); !slices.Equal(a, b) {
				t.Fatalf("%s\n%q: scanner %q, regexp %q", c.pattern, text, a, b)
			}
		}
	}
}

// FuzzScanners: the same on any text (go test -fuzz FuzzScanners), and the
// pieces tile the text.
func FuzzScanners(f *testing.F) {
	for _, s := range []string{"Hello world", "a  b  ", "it's IT'S", "12345", "end.\n\nNext", "\xff\xfe", "a\u00a0\u00a0b"} {
		f.Add(s)
	}
	type pair struct {
		sc scanner
		re *regexSplit
	}
	var pairs []pair
	for _, c := range []struct {
		p  string
		sc scanner
	}{{patternGPT2, scanGPT2}, {patternLlama3, scanLlama3}, {patternQwen2, scanQwen2}} {
		re, err := newRegexSplit(c.p, false)
		if err != nil {
			f.Fatal(err)
		}
		pairs = append(pairs, pair{c.sc, re})
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, p := range pairs {
			a, b := pieces(p.sc, text), pieces(p.re, text)
			if strings.Join(a, "") != text {
				t.Fatalf("%q: pieces %q do not tile the text", text, a)
			}
			if !slices.Equal(a, b) {
				t.Fatalf("%q: scanner %q, regexp %q", text, a, b)
			}
		}
	})
}

// TestTranslate: \s is White_Space in and out of classes, the one
// lookahead is marked, and others are refused.
func TestTranslate(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`\s+`, `[` + spaceClass + `]+`},
		{`[^\s\p{L}]`, `[^` + spaceClass + `\p{L}]`},
		{`\S`, `[^` + spaceClass + `]`},
		{`a\s+(?!\S)|b`, `aWS|b`},
		{`[\s+(?!]`, `[` + spaceClass + `+(?!]`}, // inside a class, ( and ? are characters
		{`\\s`, `\\s`},
		{`[]\s]`, `[]` + spaceClass + `]`},
	} {
		got, err := translate(c.in, "WS")
		if err != nil || got != c.want {
			t.Errorf("translate(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{`a(?=b)`, `(?<!x)y`, `(?<=x)`, `(?>x)`, `x(?!y)`, `[\S]`} {
		if _, err := translate(bad, "WS"); err == nil {
			t.Errorf("translate(%q): no error", bad)
		}
	}
}
