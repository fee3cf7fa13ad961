package tokenize

import (
	"unicode"
	"unicode/utf8"
)

// A splitter cuts a text into the pieces that BPE encodes one at a time:
// no merge ever crosses a piece's edge.
type splitter interface {
	split(s string, emit func(piece string))
}

// The split patterns of the models this package reads. Each is matched by
// its exact text in tokenizer.json and run by a scanner, since Go's regexp
// has no lookahead for their `\s+(?!\S)`.
const (
	// patternGPT2 is GPT-2's, which ByteLevel applies when use_regex is
	// true (its default).
	patternGPT2 = `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
	// patternLlama3 is Llama 3's (tiktoken's cl100k_base).
	patternLlama3 = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
	// patternQwen2 is Llama 3's with digits one at a time.
	patternQwen2 = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
)

// scanner runs one of the patterns above. Both families are alternations
// tried in order at each position (the first that matches wins, as in a
// backtracking engine), and between them they match every character, so
// the pieces tile the text.
type scanner struct {
	foldCase    bool // contractions match in any case: (?i:'s|...)
	anyPrefix   bool // a letter run takes one non-letter, non-digit, non-newline in front, not only a space
	maxDigits   int  // a digit run is at most this long; 0: unbounded, with an optional space in front
	newlineRuns bool // punctuation takes the newlines after it, and \s*[\r\n]+ is an alternative
}

var (
	scanGPT2   = scanner{}
	scanLlama3 = scanner{foldCase: true, anyPrefix: true, maxDigits: 3, newlineRuns: true}
	scanQwen2  = scanner{foldCase: true, anyPrefix: true, maxDigits: 1, newlineRuns: true}
)

var _ splitter = scanner{}

func (sc scanner) split(s string, emit func(string)) {
	for i := 0; i < len(s); {
		j := sc.next(s, i)
		emit(s[i:j])
		i = j
	}
}

// Character classes. \s is Unicode's White_Space, as in the Rust and
// Oniguruma engines that wrote these patterns (Go's regexp \s is ASCII
// only): unicode.IsSpace is exactly that property.
func isSpace(r rune) bool  { return unicode.IsSpace(r) }
func isLetter(r rune) bool { return unicode.IsLetter(r) }
func isNumber(r rune) bool { return unicode.IsNumber(r) }

// isOther is [^\s\p{L}\p{N}].
func isOther(r rune) bool { return !isSpace(r) && !isLetter(r) && !isNumber(r) }

func isNewline(r rune) bool { return r == '\r' || r == '\n' }

// at decodes the rune at i; past the end it is utf8.RuneError of width 0.
func at(s string, i int) (rune, int) {
	if i >= len(s) {
		return utf8.RuneError, 0
	}
	return utf8.DecodeRuneInString(s[i:])
}

// run returns the end of the run of runes from i that satisfy f, taking
// at most max runes (0: no limit).
func run(s string, i int, f func(rune) bool, max int) int {
	for n := 0; i < len(s) && (max == 0 || n < max); n++ {
		r, w := at(s, i)
		if !f(r) {
			break
		}
		i += w
	}
	return i
}

// next returns the end of the piece that starts at i (i < len(s)).
func (sc scanner) next(s string, i int) int {
	c, w := at(s, i)
	if c == '\'' {
		if j := sc.contraction(s, i+w); j > 0 {
			return j
		}
	}
	d, dw := at(s, i+w)
	// Letters: ?\p{L}+ (GPT-2) or [^\r\n\p{L}\p{N}]?\p{L}+.
	if isLetter(c) {
		return run(s, i, isLetter, 0)
	}
	prefix := c == ' '
	if sc.anyPrefix {
		prefix = !isNewline(c) && !isLetter(c) && !isNumber(c)
	}
	if prefix && dw > 0 && isLetter(d) {
		return run(s, i+w, isLetter, 0)
	}
	// Digits: ?\p{N}+ (GPT-2) or \p{N}{1,n}.
	if isNumber(c) {
		return run(s, i, isNumber, sc.maxDigits)
	}
	if sc.maxDigits == 0 && c == ' ' && dw > 0 && isNumber(d) {
		return run(s, i+w, isNumber, 0)
	}
	// Punctuation: ?[^\s\p{L}\p{N}]+, then [\r\n]* for Llama 3.
	if isOther(c) || (c == ' ' && dw > 0 && isOther(d)) {
		j := i + w
		if c == ' ' {
			j += dw
		}
		j = run(s, j, isOther, 0)
		if sc.newlineRuns {
			j = run(s, j, isNewline, 0)
		}
		return j
	}
	// Whitespace (c is a space of some kind).
	end := run(s, i, isSpace, 0)
	if sc.newlineRuns {
		// \s*[\r\n]+ backtracks to the run's last newline.
		for k := end; k > i; {
			r, rw := utf8.DecodeLastRuneInString(s[:k])
			if isNewline(r) {
				return k
			}
			k -= rw
		}
	}
	// \s+(?!\S): the whole run at the end of the text; before a non-space,
	// all of it but its last rune, which goes with what follows.
	if end == len(s) {
		return end
	}
	if _, lw := utf8.DecodeLastRuneInString(s[:end]); end-lw > i {
		return end - lw
	}
	return end // \s+: a single space before a non-space
}

// contraction returns the end of 's, 't, 're, 've, 'm, 'll or 'd whose
// letters start at i, or 0.
func (sc scanner) contraction(s string, i int) int {
	lower := func(k int) (rune, int) {
		r, w := at(s, k)
		if sc.foldCase {
			r = foldASCII(r)
		}
		return r, w
	}
	a, aw := lower(i)
	switch a {
	case 's', 't', 'm', 'd':
		return i + aw
	case 'r', 'v', 'l':
		b, bw := lower(i + aw)
		if (a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l') {
			return i + aw + bw
		}
	}
	return 0
}

// foldASCII maps the runes that (?i) matches to the lower-case letters of
// the contractions: ASCII capitals, and the long s (U+017F), which Unicode
// folds to s.
func foldASCII(r rune) rune {
	switch {
	case r >= 'A' && r <= 'Z':
		return r + 'a' - 'A'
	case r == 'ſ':
		return 's'
	}
	return r
}
