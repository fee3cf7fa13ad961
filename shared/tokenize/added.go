package tokenize

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// addedToken is an entry of added_tokens: text that is one token wherever
// it appears, found before the pre-tokenizer runs.
type addedToken struct {
	id         int
	content    string
	singleWord bool // only where no word character touches it
	lstrip     bool // takes the spaces on its left
	rstrip     bool // takes the spaces on its right
}

// addedSet finds added tokens in a text: the leftmost match, and of those
// the longest, as the reference's Aho-Corasick automaton does.
type addedSet struct {
	byFirst [256][]addedToken // by first byte, longest first
	first   string            // the first bytes, when all are ASCII, for strings.IndexAny
}

func newAddedSet(toks []addedToken) *addedSet {
	if len(toks) == 0 {
		return nil
	}
	s := &addedSet{}
	ascii := true
	for _, t := range toks {
		c := t.content[0]
		if len(s.byFirst[c]) == 0 {
			s.first += string(rune(c))
		}
		ascii = ascii && c < utf8.RuneSelf
		s.byFirst[c] = append(s.byFirst[c], t)
	}
	if !ascii {
		s.first = ""
	}
	for _, l := range s.byFirst {
		sort.SliceStable(l, func(i, j int) bool { return len(l[i].content) > len(l[j].content) })
	}
	return s
}

// find returns the next match at or after from: the span it covers (with
// any stripped spaces) and its token; ok is false when there is none.
func (s *addedSet) find(text string, from int) (start, end int, tok addedToken, ok bool) {
	for i := from; i < len(text); i++ {
		if s.first != "" { // jump to the next byte that can start a token
			k := strings.IndexAny(text[i:], s.first)
			if k < 0 {
				break
			}
			i += k
		}
		for _, t := range s.byFirst[text[i]] {
			if !strings.HasPrefix(text[i:], t.content) {
				continue
			}
			a, b := i, i+len(t.content)
			if t.singleWord && (touchesWord(text[:a], true) || touchesWord(text[b:], false)) {
				continue
			}
			if t.lstrip {
				a = from + len(strings.TrimRightFunc(text[from:a], unicode.IsSpace))
			}
			if t.rstrip {
				b = len(text) - len(strings.TrimLeftFunc(text[b:], unicode.IsSpace))
			}
			return a, b, t, true
		}
	}
	return 0, 0, addedToken{}, false
}

// touchesWord says whether s ends (before) or starts (after) with a word
// character, which a single_word token may not touch.
func touchesWord(s string, before bool) bool {
	var r rune
	if before {
		r, _ = utf8.DecodeLastRuneInString(s)
	} else {
		r, _ = utf8.DecodeRuneInString(s)
	}
	return s != "" && (unicode.IsLetter(r) || unicode.IsNumber(r) || r == '_')
}

// splitAdded calls text for each stretch between added tokens and token
// for each added token found, in order. sets apply one after another, as
// the reference first splits on the tokens that skip the normalizer and
// then on the rest.
func splitAdded(s string, sets []*addedSet, text func(string), token func(int)) {
	if len(sets) == 0 {
		if s != "" {
			text(s)
		}
		return
	}
	set, rest := sets[0], sets[1:]
	if set == nil {
		splitAdded(s, rest, text, token)
		return
	}
	from := 0
	for {
		a, b, t, ok := set.find(s, from)
		if !ok {
			break
		}
		splitAdded(s[from:a], rest, text, token)
		token(t.id)
		from = b
	}
	splitAdded(s[from:], rest, text, token)
}
