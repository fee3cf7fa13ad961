package sse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"
)

const (
	// DefaultBufferSize is the initial size of a Decoder's read buffer. It
	// holds a few typical LLM stream chunks (150–400 bytes each) so that a
	// burst of events costs one Read.
	DefaultBufferSize = 8 << 10
	// MaxLineSize bounds a line, and an event's joined data, so that a
	// misbehaving server cannot make the client buffer without limit.
	MaxLineSize = 4 << 20

	minBufferSize = 4   // room for a BOM check and a byte of progress
	maxEmptyReads = 100 // like bufio: a reader that returns (0, nil) forever is broken
)

// ErrTooLong is returned by Err when a line, or the data of one event, is
// longer than the Decoder's limit (MaxLineSize unless set otherwise).
var ErrTooLong = errors.New("sse: line or event too long")

var bom = []byte("\xEF\xBB\xBF")

// Event is one dispatched event.
type Event struct {
	// Type is the value of the last "event:" field, or "" when the event
	// had none (the standard calls that type "message").
	Type string
	// Data holds the event's data lines joined with "\n". It aliases the
	// Decoder's buffer: valid only until the next call to Next. Copy it to
	// keep it.
	Data []byte
	// ID is the last event ID: the value of the most recent "id:" field
	// seen in the stream, in this event or an earlier one.
	ID string
	// Time is time.Now taken right after the Read that delivered the
	// event's terminating blank line (for a Partial event: its last byte).
	// It carries a monotonic clock reading.
	Time time.Time
	// Partial is set on an event the stream ended before terminating: the
	// standard would discard it; see the package comment.
	Partial bool
}

// Decoder reads events from a stream. It is not safe for concurrent use.
type Decoder struct {
	r   io.Reader
	max int

	buf        []byte
	start, end int // unconsumed bytes are buf[start:end]
	scanned    int // how many of them are known to hold no line terminator

	skipLF  bool // the last line ended with '\r': a '\n' next is part of it
	bomDone bool // the start of the stream was checked for a BOM
	eof     bool // the reader is exhausted (io.EOF or an error)
	rerr    error
	err     error
	done    bool

	first    time.Time // arrival of the first byte
	lastRead time.Time // arrival of the last bytes read
	n        int64

	// The event being built. data holds each data line followed by '\n',
	// so a non-empty data means "at least one data line".
	data    []byte
	typ     []byte
	typeStr string // the string form of the last non-empty type, reused while it repeats
	id      string
	reset   bool // data was handed out by the last Next: clear it before reuse
	ev      Event
}

// NewDecoder returns a Decoder reading from r with the default buffer sizes.
func NewDecoder(r io.Reader) *Decoder {
	return NewDecoderSize(r, DefaultBufferSize, MaxLineSize)
}

// NewDecoderSize returns a Decoder whose buffer starts at initial bytes and
// may grow to maxSize bytes: the longest accepted line, and the largest
// joined data of one event, is maxSize-1 bytes.
func NewDecoderSize(r io.Reader, initial, maxSize int) *Decoder {
	initial = max(initial, minBufferSize)
	maxSize = max(maxSize, initial)
	return &Decoder{r: r, max: maxSize, buf: make([]byte, initial)}
}

// Next advances to the next event and reports whether there is one. It
// returns false at the end of the stream or on an error; see Err.
func (d *Decoder) Next() bool {
	if d.done {
		return false
	}
	if d.reset {
		d.data = d.data[:0]
		d.reset = false
	}
	for {
		line, ok := d.line()
		if !ok {
			d.done = true
			// At the end of the input, clean or by a read error, dispatch a
			// pending event anyway (the standard would drop it): its bytes
			// arrived. After a decoding error (ErrTooLong), do not: the
			// stream is not trustworthy.
			if d.err == nil && len(d.data) > 0 {
				d.dispatch(true)
				return true
			}
			return false
		}
		if len(line) == 0 {
			if len(d.data) > 0 {
				d.dispatch(false)
				return true
			}
			d.typ = d.typ[:0]
			continue
		}
		if err := d.field(line); err != nil {
			d.err = err
			d.done = true
			return false
		}
	}
}

// Event returns the event found by the last call to Next. Its Data is valid
// until the next call to Next.
func (d *Decoder) Event() Event { return d.ev }

// Err returns the error that stopped the stream: a read error other than
// io.EOF, or ErrTooLong (wrapped), or io.ErrNoProgress. It is nil after a
// clean end of stream.
func (d *Decoder) Err() error {
	if d.err != nil {
		return d.err
	}
	return d.rerr
}

// FirstByte returns when the first byte of the stream arrived, or the zero
// time if none has.
func (d *Decoder) FirstByte() time.Time { return d.first }

// Bytes returns how many bytes have been read from the stream.
func (d *Decoder) Bytes() int64 { return d.n }

func (d *Decoder) dispatch(partial bool) {
	typ := ""
	if len(d.typ) > 0 {
		// The comparison does not allocate; most streams repeat one type.
		if string(d.typ) != d.typeStr {
			d.typeStr = string(d.typ)
		}
		typ = d.typeStr
	}
	d.ev = Event{
		Type:    typ,
		Data:    d.data[:len(d.data)-1], // drop the '\n' after the last line
		ID:      d.id,
		Time:    d.lastRead,
		Partial: partial,
	}
	d.typ = d.typ[:0]
	d.reset = true
}

// field processes one non-empty line.
func (d *Decoder) field(line []byte) error {
	if line[0] == ':' {
		return nil // a comment: keep-alives and padding
	}
	name, value := line, []byte(nil)
	if i := bytes.IndexByte(line, ':'); i >= 0 {
		name, value = line[:i], line[i+1:]
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
	}
	switch string(name) {
	case "data":
		if len(d.data)+len(value)+1 > d.max-1 {
			return fmt.Errorf("%w: event data exceeds %d bytes", ErrTooLong, d.max-1)
		}
		d.data = append(d.data, value...)
		d.data = append(d.data, '\n')
	case "event":
		d.typ = append(d.typ[:0], value...)
	case "id":
		if bytes.IndexByte(value, 0) < 0 && string(value) != d.id {
			d.id = string(value)
		}
	}
	return nil
}

// line returns the next line without its terminator, reading as needed. The
// slice aliases the buffer: it is valid until the next call. At the end of
// the input an unterminated last line is returned as a line. ok is false at
// the end of input or on an error (d.err).
func (d *Decoder) line() (line []byte, ok bool) {
	for {
		if d.skipLF && d.start < d.end {
			if d.buf[d.start] == '\n' {
				d.start++
			}
			d.skipLF = false
		}
		if !d.bomDone {
			// Decide only once three bytes (or the end) are in: a BOM can be
			// split across reads like anything else.
			pending := d.buf[d.start:d.end]
			if len(pending) >= len(bom) || d.eof || !bytes.HasPrefix(bom, pending) {
				if bytes.HasPrefix(pending, bom) {
					d.start += len(bom)
				}
				d.bomDone = true
			}
		}
		if d.bomDone {
			from := d.start + d.scanned
			if i := indexEOL(d.buf[from:d.end]); i >= 0 {
				j := from + i
				line = d.buf[d.start:j]
				d.skipLF = d.buf[j] == '\r'
				d.start, d.scanned = j+1, 0
				return line, true
			}
			d.scanned = d.end - d.start
			// The limit is checked before looking at EOF so that the outcome
			// does not depend on whether EOF came with the last bytes or on a
			// read of its own.
			if d.scanned >= d.max {
				d.err = fmt.Errorf("%w: a line exceeds %d bytes", ErrTooLong, d.max-1)
				return nil, false
			}
			if d.eof {
				if d.start == d.end {
					return nil, false
				}
				line = d.buf[d.start:d.end]
				d.start, d.scanned = d.end, 0
				return line, true
			}
		}
		if err := d.fill(); err != nil {
			d.err = err
			return nil, false
		}
	}
}

// fill reads more bytes into the buffer, compacting or growing it first.
// On io.EOF or a read error it sets d.eof (and d.rerr) and returns nil: the
// bytes already buffered are still to be decoded.
func (d *Decoder) fill() error {
	if d.start > 0 {
		d.end = copy(d.buf, d.buf[d.start:d.end])
		d.start = 0
	}
	if d.end == len(d.buf) {
		// Only reached below max: line() fails a line that fills max.
		nb := make([]byte, min(2*len(d.buf), d.max))
		copy(nb, d.buf[:d.end])
		d.buf = nb
	}
	for range maxEmptyReads {
		n, err := d.r.Read(d.buf[d.end:])
		if n > 0 {
			// The stamp that becomes Event.Time: taken before any parsing.
			now := time.Now()
			if d.first.IsZero() {
				d.first = now
			}
			d.lastRead = now
			d.n += int64(n)
			d.end += n
		}
		if err != nil {
			d.eof = true
			if err != io.EOF {
				d.rerr = err
			}
			return nil
		}
		if n > 0 {
			return nil
		}
	}
	return io.ErrNoProgress
}

// indexEOL returns the index of the first '\n' or '\r' in b, or -1. LF is
// searched first with the vectorised IndexByte; CR is rare and only searched
// in the part before it.
func indexEOL(b []byte) int {
	i := bytes.IndexByte(b, '\n')
	head := b
	if i >= 0 {
		head = b[:i]
	}
	if j := bytes.IndexByte(head, '\r'); j >= 0 {
		return j
	}
	return i
}
