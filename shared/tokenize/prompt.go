package tokenize

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode"
)

// ErrInexact: no prompt of the asked number of tokens was found, which
// happens only with words that the tokenizer does not split where the
// spaces are.
var ErrInexact = errors.New("no prompt of exactly that many tokens")

// Prompter draws prompts of an exact number of tokens: words drawn at
// random, separated by spaces, as the workload's prompts are.
type Prompter struct {
	tok   *Tokenizer
	words []string
	first []int // tokens of each word at the start of a prompt
	later []int // tokens of each word after a space
	// fill are single-token words after a space, for the last tokens of a
	// prompt when the next word drawn is too long; fillFirst are those
	// that are one token at the start.
	fill, fillFirst []string
}

// maxFix bounds the rounds of correction after a prompt's full count
// differs from the sum of its words' counts.
const maxFix = 8

// NewPrompter returns a Prompter drawing from words, each a non-empty
// string without spaces. It needs at least one word that is a single
// token after a space; if none of words is, it finds such words in the
// vocabulary.
func NewPrompter(t *Tokenizer, words []string) (*Prompter, error) {
	if len(words) == 0 {
		return nil, errors.New("tokenize: new prompter: no words")
	}
	p := &Prompter{tok: t, words: words, first: make([]int, len(words)), later: make([]int, len(words))}
	for i, w := range words {
		if w == "" || strings.ContainsFunc(w, unicode.IsSpace) {
			return nil, fmt.Errorf("tokenize: new prompter: word %d (%q) is empty or holds a space", i, w)
		}
		p.first[i], p.later[i] = t.Count(w), t.Count(" "+w)
		if p.first[i] == 0 || p.later[i] == 0 {
			return nil, fmt.Errorf("tokenize: new prompter: word %q encodes to no token", w)
		}
		if p.later[i] == 1 {
			p.fill = append(p.fill, w)
		}
		if p.first[i] == 1 {
			p.fillFirst = append(p.fillFirst, w)
		}
	}
	if len(p.fill) == 0 {
		p.fill = t.singleWords(16, " ")
	}
	if len(p.fillFirst) == 0 {
		p.fillFirst = t.singleWords(16, "")
	}
	if len(p.fill) == 0 || len(p.fillFirst) == 0 {
		return nil, errors.New("tokenize: new prompter: no word is a single token, at the start and after a space")
	}
	return p, nil
}

// singleWords returns up to n words of ASCII letters from the vocabulary
// that are one token after prefix, in id order.
func (t *Tokenizer) singleWords(n int, prefix string) []string {
	var out []string
	for _, tok := range t.tokens {
		if len(out) == n {
			break
		}
		w, ok := strings.CutPrefix(tok, string(appendByteLevel(nil, prefix)))
		if !ok || w == "" || strings.ContainsFunc(w, func(r rune) bool { return r > unicode.MaxASCII || !unicode.IsLetter(r) }) {
			continue
		}
		if t.Count(prefix+w) == 1 {
			out = append(out, w)
		}
	}
	return out
}

// Prompt returns a prompt of exactly n tokens, as Count counts them: words
// drawn with rng until the next would pass n, then single-token words. The
// sum of the words' counts is checked against a count of the whole prompt,
// and corrected (dropping words, adding single-token ones) where the
// tokenizer merged across a space.
func (p *Prompter) Prompt(n int, rng *rand.Rand) (string, error) {
	if n < 0 {
		return "", fmt.Errorf("tokenize: prompt of %d tokens: must be >= 0", n)
	}
	buf := make([]byte, 0, n*8)
	var ends []int // where each word ends in buf
	add := func(w string) {
		if len(buf) > 0 {
			buf = append(buf, ' ')
		}
		buf = append(buf, w...)
		ends = append(ends, len(buf))
	}
	fill := func() {
		if len(buf) == 0 {
			add(p.fillFirst[rng.IntN(len(p.fillFirst))])
		} else {
			add(p.fill[rng.IntN(len(p.fill))])
		}
	}
	for total := 0; total < n; {
		i := rng.IntN(len(p.words))
		c := p.later[i]
		if len(buf) == 0 {
			c = p.first[i]
		}
		if total+c > n { // too long: a single-token word instead
			fill()
			total++
			continue
		}
		add(p.words[i])
		total += c
	}
	for range maxFix {
		got := p.tok.Count(string(buf))
		switch {
		case got == n:
			return string(buf), nil
		case got > n: // drop a word per token over: each is one or more
			ends = ends[:len(ends)-min(len(ends), got-n)]
			buf = buf[:0]
			if len(ends) > 0 {
				buf = buf[:ends[len(ends)-1]]
			}
		default:
			for range n - got {
				fill()
			}
		}
	}
	return "", fmt.Errorf("tokenize: prompt of %d tokens: %w", n, ErrInexact)
}
