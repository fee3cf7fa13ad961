package openai

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/llmbench/llmbench/shared/target"
)

// The body of a response as it is read: counted as received (Bytes are
// body bytes off the wire, after HTTP/1 chunked framing, before any
// Content-Encoding is undone), its first bytes kept for error messages,
// and decoded when the server compressed it.

// headLen is how much of the start of a body countReader keeps: more than
// an error quotes, so that a secret straddling the quote's end is still
// whole when the quote is scrubbed.
const headLen = 512

// countReader counts the body bytes read, drained ones included, keeps the
// first headLen of them, and remembers the transport's own read error (so
// that a decoding error can be told from a broken connection).
type countReader struct {
	r     io.Reader
	n     int64
	err   error // the last read error other than io.EOF
	head  [headLen]byte
	nhead int
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if c.nhead < headLen {
		c.nhead += copy(c.head[c.nhead:], p[:n])
	}
	c.n += int64(n)
	if err != nil && err != io.EOF {
		c.err = err
	}
	return n, err
}

// Head returns the first bytes of the body read so far.
func (c *countReader) Head() []byte { return c.head[:c.nhead] }

// errDecode marks an error of a content decoder, not of the transport.
type errDecode struct {
	coding string
	err    error
}

func (e *errDecode) Error() string {
	return fmt.Sprintf("cannot decode Content-Encoding %s: %v", e.coding, e.err)
}

func (e *errDecode) Unwrap() error { return e.err }

// contentEncoding lists a response's content codings in the order they
// were applied, identity left out and names lowercased.
func contentEncoding(h http.Header) []string {
	var out []string
	for _, v := range h.Values("Content-Encoding") {
		for _, c := range strings.Split(v, ",") {
			if c = strings.ToLower(strings.TrimSpace(c)); c != "" && c != "identity" {
				out = append(out, c)
			}
		}
	}
	return out
}

// decodeBody returns a reader that undoes the codings over r, and "" if
// every coding is one it knows (gzip, x-gzip, deflate), else the first
// coding it does not know. The client asks for identity, but a proxy or a
// server may compress anyway; Go's transport decodes only what it asked
// for itself, which the client turns off so that bytes arrive unbuffered.
// Decoders start lazily, at the first Read, so that a gzip header is read
// under the caller's timing and error handling like any body byte.
func decodeBody(r *countReader, codings []string) (io.Reader, string) {
	var body io.Reader = r
	for i := len(codings) - 1; i >= 0; i-- {
		c := codings[i]
		var open func(io.Reader) (io.Reader, error)
		switch c {
		case "gzip", "x-gzip":
			open = func(src io.Reader) (io.Reader, error) { return gzip.NewReader(src) }
		case "deflate":
			open = openDeflate
		default:
			return nil, c
		}
		body = &decoder{coding: c, src: body, open: open, wire: r}
	}
	return body, ""
}

// openDeflate reads HTTP's "deflate": a zlib stream (RFC 9110), or a raw
// deflate stream, which some servers send instead.
func openDeflate(src io.Reader) (io.Reader, error) {
	br := bufio.NewReader(src)
	h, err := br.Peek(2)
	if err != nil {
		return nil, err
	}
	if h[0]&0x0f == 8 && (uint16(h[0])<<8|uint16(h[1]))%31 == 0 {
		return zlib.NewReader(br)
	}
	return flate.NewReader(br), nil
}

// decoder opens its decompressor at the first Read and marks its errors
// that the transport did not cause as errDecode.
type decoder struct {
	coding string
	src    io.Reader
	open   func(io.Reader) (io.Reader, error)
	wire   *countReader
	r      io.Reader
	err    error
}

func (d *decoder) Read(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	if d.r == nil {
		if d.r, d.err = d.open(d.src); d.err != nil {
			d.err = d.mark(d.err)
			return 0, d.err
		}
	}
	n, err := d.r.Read(p)
	if err != nil && err != io.EOF {
		err = d.mark(err)
	}
	return n, err
}

// mark wraps err as errDecode unless the transport failed: then its own
// error is the story. A decoder that hits a clean end of the wire before
// its own end says io.ErrUnexpectedEOF (or io.EOF, at a gzip header): a
// decoding error.
func (d *decoder) mark(err error) error {
	if d.wire.err != nil {
		return err
	}
	var de *errDecode
	if errors.As(err, &de) {
		return err
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return &errDecode{coding: d.coding, err: err}
}

// mediaType is a Content-Type's media type, lowercased, without
// parameters; "" when absent, the raw value when it does not parse.
func mediaType(h http.Header) string {
	v := h.Get("Content-Type")
	if v == "" {
		return ""
	}
	mt, _, err := mime.ParseMediaType(v)
	if err != nil {
		return strings.TrimSpace(v)
	}
	return mt
}

// isJSONType tells application/json and the +json types
// (application/problem+json …) apart.
func isJSONType(mt string) bool {
	return mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")
}

// excerpt quotes the start of b for an error: scrubbed of secrets first,
// then cut to target.Excerpt's length (so that a cut cannot leave half a
// secret unscrubbed), as a Go-quoted string.
func (c *Client) excerpt(b []byte) string { return fmt.Sprintf("%q", c.plainExcerpt(b)) }

// show quotes a streamed event for an error: scrubbed of secrets first,
// then bounded by target.EventExcerpt.
func (c *Client) show(b []byte) string {
	if len(b) > headLen {
		b = b[:headLen]
	}
	return target.EventExcerpt(c.scrub.Replace(string(b)))
}

// plainExcerpt is excerpt unquoted.
func (c *Client) plainExcerpt(b []byte) string {
	if len(b) > headLen {
		b = b[:headLen]
	}
	return target.Truncate(c.scrub.Replace(string(b)), target.ExcerptLen)
}
