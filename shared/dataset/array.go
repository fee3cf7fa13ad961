package dataset

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// arrayReader splits a JSON array into the bytes of its elements, one at
// a time, counting offsets itself. A json.Decoder walking the array token
// by token would stream as well, but the offsets of its syntax errors
// leave out the commas and white space between elements: a byte per
// record, 100 KB astray at record 100,000 of a dump. Here the elements'
// starts are exact, and json.Unmarshal, given one element, places an
// error within it exactly.
//
// The reader checks only the array's own syntax and the nesting of
// brackets and strings in each element; json.Unmarshal checks the rest.
type arrayReader struct {
	br      *bufio.Reader
	off     int64  // offset in the file of br's next byte
	state   int    // where in the array the reader is
	buf     []byte // the current element, reused
	stack   []byte // the closing brackets the element awaits
	outside bool   // the last error is outside any element (before '[' or after ']')
}

const (
	arrayStart = iota // before '['
	arrayFirst        // after '[': an element or ']'
	arrayNext         // after an element: ',' or ']'
	arrayEnd          // after ']'
)

// next returns the next element and its offset in the file, io.EOF after
// the last (the array closed, nothing but white space after it), or an
// error, an *offsetError when it is a syntax error at a known byte.
func (a *arrayReader) next() ([]byte, int64, error) {
	for {
		c, at, err := a.nonSpace()
		switch {
		case err == io.EOF && a.state == arrayStart:
			a.outside = true
			return nil, 0, errors.New("empty file, want a JSON array of conversations")
		case err == io.EOF && a.state == arrayEnd:
			return nil, 0, io.EOF
		case err == io.EOF:
			return nil, 0, errTruncated
		case err != nil:
			return nil, 0, err
		}
		switch a.state {
		case arrayStart:
			if c != '[' {
				a.outside = true
				return nil, 0, &offsetError{at, fmt.Errorf("want a JSON array of conversations, the file starts with %q", c)}
			}
			a.state = arrayFirst
			continue
		case arrayEnd:
			a.outside = true
			return nil, 0, &offsetError{at, errors.New("trailing data after the array")}
		case arrayNext:
			switch c {
			case ']':
				a.state = arrayEnd
				continue
			case ',':
				if c, at, err = a.nonSpace(); err == io.EOF {
					return nil, 0, errTruncated
				} else if err != nil {
					return nil, 0, err
				}
				if c == ']' {
					return nil, 0, &offsetError{at, errors.New("malformed JSON: ']' after ',' (a trailing comma)")}
				}
			default:
				return nil, 0, &offsetError{at, fmt.Errorf("malformed JSON: invalid character %q after a record, want ',' or ']'", c)}
			}
		case arrayFirst:
			if c == ']' {
				a.state = arrayEnd
				continue
			}
		}
		a.state = arrayNext
		if err := a.element(c); err != nil {
			return nil, 0, err
		}
		return a.buf, at, nil
	}
}

var errTruncated = errors.New("malformed JSON: unexpected end of input (truncated?)")

// nonSpace returns the next byte that is not JSON white space, and its
// offset.
func (a *arrayReader) nonSpace() (byte, int64, error) {
	for {
		c, err := a.br.ReadByte()
		if err != nil {
			return 0, a.off, err
		}
		a.off++
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return c, a.off - 1, nil
		}
	}
}

// element reads into a.buf the element that starts with c: a string, an
// object or array up to its closing bracket, or a scalar up to the next
// delimiter.
func (a *arrayReader) element(c byte) error {
	a.buf = append(a.buf[:0], c)
	a.stack = a.stack[:0]
	switch c {
	case '"':
		return a.str()
	case '{':
		a.stack = append(a.stack, '}')
	case '[':
		a.stack = append(a.stack, ']')
	default:
		return a.scalar()
	}
	for len(a.stack) > 0 {
		c, err := a.br.ReadByte()
		if err == io.EOF {
			return errTruncated
		} else if err != nil {
			return err
		}
		a.off++
		a.buf = append(a.buf, c)
		switch c {
		case '"':
			if err := a.str(); err != nil {
				return err
			}
		case '{':
			a.stack = append(a.stack, '}')
		case '[':
			a.stack = append(a.stack, ']')
		case '}', ']':
			if want := a.stack[len(a.stack)-1]; c != want {
				return &offsetError{a.off - 1, fmt.Errorf("malformed JSON: invalid character %q, want %q", c, want)}
			}
			a.stack = a.stack[:len(a.stack)-1]
		}
	}
	return nil
}

// str reads the rest of a string whose opening quote is read, through
// its closing quote. Strings are most of a dump's bytes: it reads them a
// buffer at a time.
func (a *arrayReader) str() error {
	for {
		chunk, err := a.br.ReadSlice('"')
		a.off += int64(len(chunk))
		a.buf = append(a.buf, chunk...)
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF:
			return errTruncated
		case err != nil:
			return err
		}
		// The quote closes the string unless an odd number of
		// backslashes escapes it.
		n := 0
		for i := len(a.buf) - 2; i >= 0 && a.buf[i] == '\\'; i-- {
			n++
		}
		if n%2 == 0 {
			return nil
		}
	}
}

// scalar reads the rest of a number, true, false or null; json.Unmarshal
// judges it.
func (a *arrayReader) scalar() error {
	for {
		c, err := a.br.ReadByte()
		if err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
		switch c {
		case ',', ']', '}', '[', '{', '"', ' ', '\t', '\n', '\r':
			return a.br.UnreadByte()
		}
		a.off++
		a.buf = append(a.buf, c)
	}
}
