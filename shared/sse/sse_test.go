package sse

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// got is an Event without its time, comparable with ==.
type got struct {
	Type, Data, ID string
	Partial        bool
}

func (g got) String() string {
	return fmt.Sprintf("{type=%q data=%q id=%q partial=%v}", g.Type, g.Data, g.ID, g.Partial)
}

// chunkReader returns its input in pieces whose sizes come from cuts, in a
// cycle. A cut byte's low six bits are the size (0: an empty read, never
// twice in a row so the reader always progresses); bit 7 returns io.EOF
// together with the last bytes, as io.Reader allows.
type chunkReader struct {
	data    []byte
	cuts    []byte
	i       int
	wasZero bool
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	size, eofWith := len(c.data), false
	if len(c.cuts) > 0 {
		cut := c.cuts[c.i%len(c.cuts)]
		c.i++
		size, eofWith = int(cut&0x3f), cut&0x80 != 0
		if size == 0 {
			if !c.wasZero {
				c.wasZero = true
				return 0, nil
			}
			size = 1
		}
	}
	c.wasZero = false
	n := copy(p, c.data[:min(size, len(c.data))])
	c.data = c.data[n:]
	if len(c.data) == 0 && eofWith {
		return n, io.EOF
	}
	return n, nil
}

// decodeAll runs a Decoder to the end and collects what it produced,
// checking the invariants every stream must keep.
func decodeAll(t testing.TB, d *Decoder) ([]got, error) {
	t.Helper()
	var out []got
	var last time.Time
	for d.Next() {
		ev := d.Event()
		if ev.Time.IsZero() || ev.Time.Before(last) || ev.Time.Before(d.FirstByte()) {
			t.Fatalf("event %d: time %v out of order (previous %v, first byte %v)", len(out), ev.Time, last, d.FirstByte())
		}
		last = ev.Time
		out = append(out, got{ev.Type, string(ev.Data), ev.ID, ev.Partial})
	}
	return out, d.Err()
}

// refDecode is the reference: the standard's algorithm written plainly over
// the whole input at once, plus this package's two additions (a Partial last
// event, and the size limit). The Decoder must agree with it whatever the
// chunking.
func refDecode(in []byte, maxSize int) ([]got, error) {
	in = bytes.TrimPrefix(in, bom)
	var (
		out     []got
		data    []string
		dataLen int
		typ, id string
	)
	for len(in) > 0 {
		var line []byte
		if i := bytes.IndexAny(in, "\r\n"); i < 0 {
			line, in = in, nil
		} else {
			cr := in[i] == '\r'
			line, in = in[:i], in[i+1:]
			if cr && len(in) > 0 && in[0] == '\n' {
				in = in[1:]
			}
		}
		if len(line) >= maxSize {
			return out, ErrTooLong
		}
		if len(line) == 0 {
			if len(data) > 0 {
				out = append(out, got{typ, strings.Join(data, "\n"), id, false})
			}
			data, dataLen, typ = nil, 0, ""
			continue
		}
		if line[0] == ':' {
			continue
		}
		name, value, _ := strings.Cut(string(line), ":")
		value = strings.TrimPrefix(value, " ")
		switch name {
		case "data":
			dataLen += len(value) + 1
			if dataLen > maxSize-1 {
				return out, ErrTooLong
			}
			data = append(data, value)
		case "event":
			typ = value
		case "id":
			if !strings.Contains(value, "\x00") {
				id = value
			}
		}
	}
	if len(data) > 0 {
		out = append(out, got{typ, strings.Join(data, "\n"), id, true})
	}
	return out, nil
}

// chunkings are the ways each table case is fed to the Decoder: every case
// must decode the same whatever the read boundaries.
var chunkings = []struct {
	name string
	cuts []byte
}{
	{"whole", nil},
	{"bytewise", []byte{1}},
	{"bytewise-empty-reads", []byte{0, 1}},
	{"uneven", []byte{3, 7, 2, 5}},
	{"eof-with-data", []byte{0x80 | 5}},
}

func TestDecoder(t *testing.T) {
	const small = 16 // a buffer limit for the size cases
	long := strings.Repeat("x", 3000)
	tests := []struct {
		name    string
		in      string
		max     int // 0: MaxLineSize
		want    []got
		wantErr error
	}{
		// The common case: one data line, one blank line.
		{"simple", "data: hello\n\n", 0, []got{{Data: "hello"}}, nil},
		// Several data lines of one event are joined with "\n".
		{"multiline data", "data: a\ndata: b\ndata:\n\n", 0, []got{{Data: "a\nb\n"}}, nil},
		// Windows line endings, including the blank line.
		{"crlf", "data: a\r\n\r\ndata: b\r\n\r\n", 0, []got{{Data: "a"}, {Data: "b"}}, nil},
		// Old Mac line endings: a lone CR ends a line.
		{"cr", "data: a\r\rdata: b\r\r", 0, []got{{Data: "a"}, {Data: "b"}}, nil},
		// A CR then a CR LF: two line ends, so the blank line dispatches.
		{"cr then crlf", "data: a\r\r\ndata: b\n\n", 0, []got{{Data: "a"}, {Data: "b"}}, nil},
		// Mixed endings in one stream.
		{"mixed endings", "data: a\r\ndata: b\rdata: c\n\r\n", 0, []got{{Data: "a\nb\nc"}}, nil},
		// Comments (keep-alives, padding) are ignored, even between data lines.
		{"comments", ": keep-alive\n\ndata: a\n: ping\ndata: b\n\n:\n\n", 0, []got{{Data: "a\nb"}}, nil},
		// No space after the colon: the value starts right there.
		{"no space", "data:x\n\n", 0, []got{{Data: "x"}}, nil},
		// Only one space is dropped.
		{"two spaces", "data:  x\n\n", 0, []got{{Data: " x"}}, nil},
		// "data" alone is a data line with an empty value: an empty event.
		{"data without colon", "data\n\n", 0, []got{{Data: ""}}, nil},
		// An event without data is not dispatched, and its type is reset.
		{"no data", "event: ping\n\ndata: x\n\n", 0, []got{{Data: "x"}}, nil},
		// The type applies to its own event only.
		{"event type", "event: delta\ndata: a\n\ndata: b\n\n", 0, []got{{Type: "delta", Data: "a"}, {Data: "b"}}, nil},
		// The last event ID persists; an id with NUL is ignored; an empty id resets it.
		{"ids", "id: 1\ndata: a\n\ndata: b\n\nid: 2\x00\ndata: c\n\nid\ndata: d\n\n", 0,
			[]got{{Data: "a", ID: "1"}, {Data: "b", ID: "1"}, {Data: "c", ID: "1"}, {Data: "d"}}, nil},
		// retry and unknown fields are ignored; a field name is case-sensitive.
		{"other fields", "retry: 10\nfoo: bar\nData: no\ndata: yes\n\n", 0, []got{{Data: "yes"}}, nil},
		// Runs of blank lines dispatch nothing more.
		{"blank runs", "\n\n\ndata: a\n\n\n\n", 0, []got{{Data: "a"}}, nil},
		// A leading BOM is dropped; a later one is data.
		{"bom", "\xEF\xBB\xBFdata: a\n\ndata: \xEF\xBB\xBFb\n\n", 0, []got{{Data: "a"}, {Data: "\xEF\xBB\xBFb"}}, nil},
		// A BOM that is the whole stream.
		{"bom only", "\xEF\xBB\xBF", 0, nil, nil},
		// Part of a BOM is not a BOM: the bytes are a (nameless) field.
		{"bom prefix", "\xEF\xBBdata: a\n\n", 0, nil, nil},
		// The stream ends after a data line but before the blank line: the
		// event is dispatched anyway, flagged Partial.
		{"unterminated event", "data: a\n\ndata: b\n", 0, []got{{Data: "a"}, {Data: "b", Partial: true}}, nil},
		// The stream ends in the middle of the last line: still dispatched.
		{"unterminated line", "data: a\n\ndata: [DONE]", 0, []got{{Data: "a"}, {Data: "[DONE]", Partial: true}}, nil},
		// An unterminated comment or a non-data field dispatches nothing.
		{"unterminated comment", "data: a\n\n: bye", 0, []got{{Data: "a"}}, nil},
		// Empty input: nothing, no error.
		{"empty", "", 0, nil, nil},
		// A line longer than the initial buffer makes it grow.
		{"long line", "data: " + long + "\n\n", 0, []got{{Data: long}}, nil},
		// The longest line the limit accepts: max-1 bytes.
		{"line at limit", "data: " + strings.Repeat("y", small-7) + "\n\n", small, []got{{Data: strings.Repeat("y", small-7)}}, nil},
		// One byte more fails, after the events before it.
		{"line over limit", "data: a\n\ndata: " + strings.Repeat("y", small-6) + "\n\n", small, []got{{Data: "a"}}, ErrTooLong},
		// The limit holds for an unterminated last line too.
		{"last line over limit", "data: " + strings.Repeat("y", small), small, nil, ErrTooLong},
		// Short lines that add up to too much data for one event fail too.
		{"data over limit", strings.Repeat("data: abcd\n", 4) + "\n", small, nil, ErrTooLong},
	}
	for _, tt := range tests {
		for _, ch := range chunkings {
			t.Run(tt.name+"/"+ch.name, func(t *testing.T) {
				maxSize := tt.max
				if maxSize == 0 {
					maxSize = MaxLineSize
				}
				d := NewDecoderSize(&chunkReader{data: []byte(tt.in), cuts: ch.cuts}, 4, maxSize)
				evs, err := decodeAll(t, d)
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if fmt.Sprint(evs) != fmt.Sprint(tt.want) {
					t.Fatalf("events\n got %v\nwant %v", evs, tt.want)
				}
				if err == nil && d.Bytes() != int64(len(tt.in)) {
					t.Errorf("Bytes = %d, want %d", d.Bytes(), len(tt.in))
				}
				// The table also pins the reference used by the fuzz test.
				ref, rerr := refDecode([]byte(tt.in), maxSize)
				if !errors.Is(rerr, tt.wantErr) || fmt.Sprint(ref) != fmt.Sprint(tt.want) {
					t.Fatalf("reference disagrees: %v, %v", ref, rerr)
				}
			})
		}
	}
}

// stampReader returns scripted chunks and records when each Read returned.
type stampReader struct {
	chunks   []string
	returned []time.Time
	err      error // returned after the chunks; nil means io.EOF
}

func (s *stampReader) Read(p []byte) (int, error) {
	if len(s.chunks) == 0 {
		if s.err != nil {
			return 0, s.err
		}
		return 0, io.EOF
	}
	n := copy(p, s.chunks[0])
	s.chunks[0] = s.chunks[0][n:]
	if s.chunks[0] == "" {
		s.chunks = s.chunks[1:]
	}
	s.returned = append(s.returned, time.Now())
	return n, nil
}

// TestTimes checks that an event is stamped by the Read that delivered its
// terminating blank line: after that Read returned and before the next one
// did, whichever read delivered its earlier bytes.
func TestTimes(t *testing.T) {
	r := &stampReader{chunks: []string{
		"data: a\n",     // read 0: event a, unterminated
		"\n",            // read 1: a's blank line
		"data: b\n\nda", // read 2: all of b, the start of c
		"ta: c\r",       // read 3: c's line, ending with CR
		"\r",            // read 4: c's blank line
		"\n",            // read 5: LF of the CRLF pair: not a new line
		"data: d",       // read 6: d, unterminated at EOF
	}}
	total := 0
	for _, c := range r.chunks {
		total += len(c)
	}
	// A buffer larger than every chunk: one chunk, one Read.
	d := NewDecoderSize(r, 64, 64)
	// Which read completes each event.
	want := []struct {
		data string
		read int
	}{{"a", 1}, {"b", 2}, {"c", 4}, {"d", 6}}
	var evs []Event
	for d.Next() {
		ev := d.Event()
		ev.Data = bytes.Clone(ev.Data)
		evs = append(evs, ev)
	}
	if d.Err() != nil || len(evs) != len(want) {
		t.Fatalf("got %d events, err %v", len(evs), d.Err())
	}
	for i, w := range want {
		ev := evs[i]
		if string(ev.Data) != w.data {
			t.Fatalf("event %d: data %q, want %q", i, ev.Data, w.data)
		}
		if ev.Time.Before(r.returned[w.read]) {
			t.Errorf("event %q stamped %v, before its last byte arrived", w.data, ev.Time)
		}
		if next := w.read + 1; next < len(r.returned) && ev.Time.After(r.returned[next]) {
			t.Errorf("event %q stamped after a later read", w.data)
		}
	}
	if first := d.FirstByte(); first.Before(r.returned[0]) || first.After(r.returned[1]) {
		t.Errorf("FirstByte %v is not the first read's", first)
	}
	if d.Bytes() != int64(total) {
		t.Errorf("Bytes = %d, want %d", d.Bytes(), total)
	}
}

// A read error ends the stream: the pending event is still dispatched
// (Partial), then Err reports the error itself, not io.EOF.
func TestReadError(t *testing.T) {
	boom := errors.New("connection reset")
	r := &stampReader{chunks: []string{"data: a\n\ndata: b\n"}, err: boom}
	evs, err := decodeAll(t, NewDecoder(r))
	want := []got{{Data: "a"}, {Data: "b", Partial: true}}
	if fmt.Sprint(evs) != fmt.Sprint(want) || err != boom {
		t.Fatalf("got %v, %v; want %v, %v", evs, err, want, boom)
	}
}

type emptyReader struct{}

func (emptyReader) Read([]byte) (int, error) { return 0, nil }

// A reader that never progresses fails instead of spinning forever.
func TestNoProgress(t *testing.T) {
	d := NewDecoder(emptyReader{})
	if d.Next() || !errors.Is(d.Err(), io.ErrNoProgress) {
		t.Fatalf("Err = %v, want io.ErrNoProgress", d.Err())
	}
	if !d.FirstByte().IsZero() {
		t.Errorf("FirstByte set without a byte")
	}
}

// After the end, Next keeps returning false.
func TestNextAfterEnd(t *testing.T) {
	d := NewDecoder(strings.NewReader("data: a"))
	if !d.Next() || !d.Event().Partial {
		t.Fatal("want the partial event")
	}
	for range 3 {
		if d.Next() {
			t.Fatal("Next true after the end")
		}
	}
}

// The steady state allocates nothing per event: buffers and the type string
// are reused.
func TestNoAllocsPerEvent(t *testing.T) {
	const n = 1000
	stream := []byte(strings.Repeat("event: delta\ndata: {\"choices\":[{\"delta\":{\"content\":\" tok\"}}]}\n\n", n))
	r := bytes.NewReader(stream)
	d := NewDecoder(r)
	allocs := testing.AllocsPerRun(5, func() {
		r.Reset(stream)
		*d = Decoder{r: r, max: d.max, buf: d.buf, data: d.data, typ: d.typ, typeStr: d.typeStr}
		for d.Next() {
		}
	})
	if allocs > 1 {
		t.Errorf("%v allocations for %d events", allocs, n)
	}
}

func BenchmarkDecoder(b *testing.B) {
	const n = 1000
	stream := []byte(strings.Repeat("data: {\"id\":\"cmpl-1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" tok\"}}]}\n\n", n))
	r := bytes.NewReader(stream)
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	for b.Loop() {
		r.Reset(stream)
		d := NewDecoder(r)
		for d.Next() {
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/event")
}

// FuzzDecoder feeds arbitrary bytes, cut into reads by cuts (see
// chunkReader), and checks that the Decoder neither panics nor hangs and
// decodes exactly what the one-piece reference decodes. cuts[0] also picks a
// small size limit, so that buffer growth and ErrTooLong are exercised.
func FuzzDecoder(f *testing.F) {
	f.Add([]byte("data: hello\n\n"), []byte(nil))
	f.Add([]byte("data: a\r\n\r\ndata: b\r\rdata\n\n: c\n\nid: 1\nevent: x\ndata:y\n\n"), []byte{1})
	f.Add([]byte("\xEF\xBB\xBFdata: {\"choices\":[]}\n\ndata: [DONE]"), []byte{0x83, 0, 2})
	f.Add([]byte("data: "+strings.Repeat("z", 100)+"\n\n"), []byte{3, 5})
	f.Fuzz(func(t *testing.T, input, cuts []byte) {
		maxSize, initial := MaxLineSize, DefaultBufferSize
		if len(cuts) > 0 {
			maxSize, initial = 8<<(cuts[0]%8), 4 // 8 … 1024 bytes
		}
		d := NewDecoderSize(&chunkReader{data: input, cuts: cuts}, initial, maxSize)
		evs, err := decodeAll(t, d)
		want, wantErr := refDecode(input, maxSize)
		if !errors.Is(err, wantErr) || (err == nil) != (wantErr == nil) {
			t.Fatalf("err = %v, reference %v", err, wantErr)
		}
		if fmt.Sprint(evs) != fmt.Sprint(want) {
			t.Fatalf("events\n got %v\nwant %v", evs, want)
		}
		if err == nil && d.Bytes() != int64(len(input)) {
			t.Fatalf("Bytes = %d, want %d", d.Bytes(), len(input))
		}
	})
}
