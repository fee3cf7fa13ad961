package target

import (
	"bytes"
	"unicode/utf16"
	"unicode/utf8"
)

// AppendText appends the visible text of c to dst, decoded: the first
// choice's delta.content, else its text (reasoning is not visible text).
// A stream's answer is the texts of its chunks appended in order. The
// text is read from the bytes c was parsed from, which must not have
// changed since. Only a client asked to keep the answer
// (Request.KeepText) calls it: ParseChunk itself copies nothing.
//
// Each choice of a chunk is one of n answers (the request's n): only the
// first choice is kept, the one answer a request for one asks for.
func AppendText(dst []byte, c Chunk) []byte { return c.text.appendTo(dst) }

// AppendJSONText appends the value of raw, a JSON value as ParseChunkFields
// hands it back (Field.Raw), to dst when it is a string; any other value
// appends nothing. The string is decoded as encoding/json decodes it.
func AppendJSONText(dst, raw []byte) []byte {
	if len(raw) < 2 || raw[0] != '"' {
		return dst
	}
	return rawString{raw: raw, escaped: bytes.IndexByte(raw, '\\') >= 0}.appendTo(dst)
}

// appendTo appends the decoded string. The string was validated by the
// parser (its escapes are well-formed); its bytes are UTF-8 or not.
func (s rawString) appendTo(dst []byte) []byte {
	if len(s.raw) < 2 {
		return dst
	}
	b := s.raw[1 : len(s.raw)-1]
	if !s.escaped && utf8.Valid(b) {
		return append(dst, b...) // what servers send: nothing to decode
	}
	return appendUnquoted(dst, b)
}

// appendUnquoted decodes the inside of a valid JSON string as encoding/json
// does (its unquote): escapes undone, a \u surrogate pair joined, a lone
// surrogate and each byte of invalid UTF-8 replaced by U+FFFD. The fuzz
// test holds it to encoding/json (FuzzParseChunk, FuzzAppendJSONText).
func appendUnquoted(dst, b []byte) []byte {
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c == '\\' && i+1 < len(b):
			switch e := b[i+1]; e {
			case 'b':
				dst = append(dst, '\b')
			case 'f':
				dst = append(dst, '\f')
			case 'n':
				dst = append(dst, '\n')
			case 'r':
				dst = append(dst, '\r')
			case 't':
				dst = append(dst, '\t')
			case 'u':
				r, ok := hex4(b[i+2:])
				if !ok {
					return dst // cannot happen in a validated string
				}
				i += 6
				if utf16.IsSurrogate(r) {
					if i+1 < len(b) && b[i] == '\\' && b[i+1] == 'u' {
						if r2, ok := hex4(b[i+2:]); ok {
							if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
								dst = utf8.AppendRune(dst, d)
								i += 6
								continue
							}
						}
					}
					r = utf8.RuneError
				}
				dst = utf8.AppendRune(dst, r)
				continue
			default: // '"', '\\', '/'
				dst = append(dst, e)
			}
			i += 2
		case c < utf8.RuneSelf:
			dst = append(dst, c)
			i++
		default:
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size == 1 {
				dst = utf8.AppendRune(dst, utf8.RuneError)
			} else {
				dst = append(dst, b[i:i+size]...)
			}
			i += size
		}
	}
	return dst
}

// hex4 reads the four hex digits of a \u escape.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
