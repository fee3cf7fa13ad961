package dataset

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode"
)

// Options adjust Parse. The zero value is the default.
type Options struct {
	// CountTokens counts the tokens of a ShareGPT answer, which become the
	// record's OutputTokens. nil counts whitespace-separated words
	// (CountWords), a fair approximation of an English text's tokens
	// without a tokenizer.
	CountTokens func(string) int
}

// Parse reads a dataset of the given format (ShareGPT or JSONL) from r, a
// file the caller calls name in errors. It returns the usable records in
// file order and Stats saying what it skipped; only ShareGPT records are
// skipped, for the reasons of the Skip… constants. An error in the file
// is a *ParseError naming the line (JSONL) or the record (ShareGPT), and
// the byte of a JSON syntax error; a file with no usable record is an
// error wrapping ErrEmpty, returned with the Stats.
//
// Parse streams: it holds one source record at a time besides the
// records it returns.
func Parse(r io.Reader, format, name string, opt Options) ([]Record, Stats, error) {
	if opt.CountTokens == nil {
		opt.CountTokens = CountWords
	}
	br := bufio.NewReaderSize(r, 64<<10)
	base := skipBOM(br)
	var (
		recs []Record
		st   Stats
		err  error
	)
	switch format {
	case ShareGPT:
		recs, st, err = parseShareGPT(br, name, base, opt)
	case JSONL:
		recs, err = parseJSONL(br, name, base)
	default:
		return nil, Stats{}, fmt.Errorf("dataset: parse %s: format %q, want %q or %q", name, format, ShareGPT, JSONL)
	}
	if err != nil {
		return nil, st, err
	}
	st.Records = len(recs)
	if len(recs) == 0 {
		return nil, st, fmt.Errorf("dataset: parse %s: %w: %s", name, ErrEmpty, st)
	}
	return recs, st, nil
}

// CountWords returns the number of whitespace-separated words of s.
func CountWords(s string) int {
	n, in := 0, false
	for _, c := range s {
		space := unicode.IsSpace(c)
		if !space && !in {
			n++
		}
		in = !space
	}
	return n
}

// skipBOM drops a UTF-8 byte order mark, which some editors write at the
// start of a file and JSON does not allow, and returns its length.
func skipBOM(br *bufio.Reader) int64 {
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\uFEFF")) {
		br.Discard(3)
		return 3
	}
	return 0
}

// jsonlLine is a line of a JSONL dataset. Prompt is a pointer to tell an
// empty prompt from a missing one.
type jsonlLine struct {
	Prompt       *string   `json:"prompt,omitempty"`
	Messages     []Message `json:"messages,omitempty"`
	OutputTokens int       `json:"output_tokens,omitempty"`
}

func parseJSONL(br *bufio.Reader, name string, base int64) ([]Record, error) {
	var recs []Record
	err := eachLine(br, base, func(line []byte, off int64) error {
		var l jsonlLine
		if err := decodeLine(line, off, &l); err != nil {
			return err
		}
		if err := check(l.Prompt != nil, deref(l.Prompt), l.Messages, l.OutputTokens); err != nil {
			return err
		}
		recs = append(recs, Record{ID: int64(len(recs)), Prompt: deref(l.Prompt), Messages: l.Messages, OutputTokens: l.OutputTokens})
		return nil
	})
	if err != nil {
		return nil, withName(err, name)
	}
	return recs, nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// eachLine calls f with every non-blank line of br, trimmed of JSON white
// space, and the byte offset in the file where the trimmed line starts,
// br starting at byte base. An error of f becomes a *ParseError of that
// line.
func eachLine(br *bufio.Reader, base int64, f func(line []byte, off int64) error) error {
	off := base
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if err != nil && err != io.EOF {
			return &ParseError{Line: n, Record: -1, Offset: -1, Err: err}
		}
		start := off
		off += int64(len(line))
		trimmed := bytes.TrimLeft(line, jsonSpace)
		start += int64(len(line) - len(trimmed))
		if trimmed = bytes.TrimRight(trimmed, jsonSpace); len(trimmed) > 0 {
			if ferr := f(trimmed, start); ferr != nil {
				pe := &ParseError{Line: n, Record: -1, Offset: -1, Err: ferr}
				if e, ok := ferr.(*offsetError); ok {
					pe.Offset, pe.Err = e.off, e.err
				}
				return pe
			}
		}
		if err == io.EOF {
			return nil
		}
	}
}

// offsetError is an error at a byte offset of the file.
type offsetError struct {
	off int64
	err error
}

func (e *offsetError) Error() string { return e.err.Error() }

// decodeLine decodes the one JSON object of line, which starts at byte
// off of the file, into v, refusing unknown fields and trailing data.
func decodeLine(line []byte, off int64, v any) error {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err, off)
	}
	if end := dec.InputOffset(); end < int64(len(line)) {
		end += int64(len(line[end:]) - len(bytes.TrimLeft(line[end:], jsonSpace)))
		return &offsetError{off + end, errors.New("trailing data after the object (one object per line)")}
	}
	return nil
}

// jsonSpace is the white space JSON allows between tokens.
const jsonSpace = " \t\r\n"

// jsonError explains a JSON decoding error, placing a syntax error at its
// byte in the file, the decoder having started at byte base. A type error
// keeps no offset: encoding/json places it loosely (after the value, or
// inside it), and its message names the field.
func jsonError(err error, base int64) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return &offsetError{base + se.Offset - 1, fmt.Errorf("malformed JSON: %w", err)}
	case errors.As(err, &te):
		return fmt.Errorf("malformed record: %w", err)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return errors.New("malformed JSON: unexpected end of input (truncated?)")
	}
	return err
}

func withName(err error, name string) error {
	var pe *ParseError
	if errors.As(err, &pe) {
		pe.Name = name
		return pe
	}
	return &ParseError{Name: name, Record: -1, Offset: -1, Err: err}
}
