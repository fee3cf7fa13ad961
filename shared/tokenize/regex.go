package tokenize

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// regexSplit runs a split pattern that no scanner knows through Go's
// regexp (behavior Isolated: matches and the text between them are each a
// piece). Two differences from the engines that wrote the pattern are
// bridged: \s is made Unicode's White_Space, and the lookahead `\s+(?!\S)`
// becomes a marked `\s+` whose match gives back its last space when a
// non-space follows, which is what the lookahead's backtracking does.
type regexSplit struct {
	re *regexp.Regexp
	ws int // index of the marked group, or -1
	// rest is the pattern without the marked alternative, anchored: what
	// the engine matches instead when the lookahead fails on one space.
	rest *regexp.Regexp
}

var _ splitter = (*regexSplit)(nil)

const (
	spaceClass   = `\t-\r \x{85}\p{Z}` // White_Space, inside a class
	wsLookahead  = `\s+(?!\S)`
	wsMarkedName = "tokenizews"
)

// newRegexSplit translates and compiles pattern; literal says it is a
// plain string to split on.
func newRegexSplit(pattern string, literal bool) (*regexSplit, error) {
	if literal {
		re, err := regexp.Compile(regexp.QuoteMeta(pattern))
		if err != nil {
			return nil, err
		}
		return &regexSplit{re: re, ws: -1}, nil
	}
	marked, err := translate(pattern, `(?P<`+wsMarkedName+`>[`+spaceClass+`]+)`)
	if err != nil {
		return nil, err
	}
	re, err := regexp.Compile(marked)
	if err != nil {
		return nil, fmt.Errorf("split pattern %q: %w", pattern, err)
	}
	r := &regexSplit{re: re, ws: re.SubexpIndex(wsMarkedName)}
	if r.ws >= 0 {
		never, err := translate(pattern, `[^\x00-\x{10FFFF}]`)
		if err != nil {
			return nil, err
		}
		if r.rest, err = regexp.Compile(`^(?:` + never + `)`); err != nil {
			return nil, fmt.Errorf("split pattern %q: %w", pattern, err)
		}
	}
	return r, nil
}

// translate rewrites a pattern of the Rust and Oniguruma engines into Go's
// syntax: \s and \S become White_Space classes, each `\s+(?!\S)` becomes
// ws, and any other lookaround is refused.
func translate(p, ws string) (string, error) {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(p); i++ {
		if !inClass && strings.HasPrefix(p[i:], wsLookahead) {
			b.WriteString(ws)
			i += len(wsLookahead) - 1
			continue
		}
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			switch e := p[i+1]; {
			case e == 's' && inClass:
				b.WriteString(spaceClass)
			case e == 's':
				b.WriteString(`[` + spaceClass + `]`)
			case e == 'S' && inClass:
				return "", fmt.Errorf("split pattern %q: \\S inside a class is not supported", p)
			case e == 'S':
				b.WriteString(`[^` + spaceClass + `]`)
			default:
				b.WriteByte(c)
				b.WriteByte(e)
			}
			i++
			continue
		case c == '[' && !inClass:
			inClass = true
			b.WriteByte(c)
			// A ']' or '^]' right after '[' is a literal.
			if strings.HasPrefix(p[i+1:], "^") {
				b.WriteByte('^')
				i++
			}
			if strings.HasPrefix(p[i+1:], "]") {
				b.WriteByte(']')
				i++
			}
			continue
		case c == ']' && inClass:
			inClass = false
		case c == '(' && !inClass:
			for _, look := range []string{"(?=", "(?!", "(?<=", "(?<!", "(?>"} {
				if strings.HasPrefix(p[i:], look) {
					return "", fmt.Errorf("split pattern %q: %s... is not supported (only %s is)", p, look, wsLookahead)
				}
			}
		}
		b.WriteByte(c)
	}
	return b.String(), nil
}

func (r *regexSplit) split(s string, emit func(string)) {
	pos, gap := 0, 0 // gap: where the text not yet emitted starts
	for pos < len(s) {
		loc := r.re.FindStringSubmatchIndex(s[pos:])
		if loc == nil {
			break
		}
		a, b := pos+loc[0], pos+loc[1]
		if a == b { // an empty match splits nothing
			_, w := utf8.DecodeRuneInString(s[a:])
			pos = a + max(w, 1)
			continue
		}
		if r.ws >= 0 && loc[2*r.ws] >= 0 && b < len(s) {
			// The marked \s+ ran into a non-space: the lookahead holds
			// only once the last space is given back.
			_, lw := utf8.DecodeLastRuneInString(s[a:b])
			if b-lw > a {
				b -= lw
			} else if l := r.rest.FindStringIndex(s[a:]); l != nil && l[1] > 0 {
				b = a + l[1]
			} else { // nothing else matches here: the space joins the gap
				pos = a + lw
				continue
			}
		}
		if a > gap {
			emit(s[gap:a])
		}
		emit(s[a:b])
		pos, gap = b, b
	}
	if gap < len(s) {
		emit(s[gap:])
	}
}
