package target

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/llmbench/llmbench/shared/sample"
)

// Every client classifies and words a failed row with these, so that a row
// reads the same whatever the endpoint.

// MaxErrLen bounds Result.Err, in bytes.
const MaxErrLen = 300

// Fail sets res's error status and its Err, the formatted message
// truncated to MaxErrLen. A client that knows secrets scrubs the message
// first and passes it as "%s".
func Fail(res *sample.Result, st sample.Status, format string, args ...any) {
	res.Status = st
	res.Err = Truncate(fmt.Sprintf(format, args...), MaxErrLen)
}

// ContextStatus tells whether ctx, or a deadline inside the transport,
// explains err: StatusTimeout for a deadline, StatusCanceled for a
// cancellation. ctx.Err() decides first: once ctx is done the transport's
// own error is incidental. Otherwise a deadline inside the stack (a dial
// timeout: net's timeout errors match context.DeadlineExceeded) is a
// timeout too.
func ContextStatus(ctx context.Context, err error) (sample.Status, bool) {
	if cerr := ctx.Err(); cerr != nil {
		if errors.Is(cerr, context.DeadlineExceeded) {
			return sample.StatusTimeout, true
		}
		return sample.StatusCanceled, true
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return sample.StatusTimeout, true
	case errors.Is(err, context.Canceled):
		return sample.StatusCanceled, true
	}
	return "", false
}

// ContextVerb words a ContextStatus for Err: "timed out" or "canceled".
func ContextVerb(st sample.Status) string {
	if st == sample.StatusTimeout {
		return "timed out"
	}
	return "canceled"
}

// TransportErr strips the url.Error wrapper of an HTTP client's error down
// to the network error: its URL could carry a query secret, and the
// operation is always the same POST.
func TransportErr(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return uerr.Err
	}
	return err
}

// ErrorObject reads the error objects servers send:
//
//	OpenAI:  {"error":{"message":"…","type":"…","code":"…"|429}}
//	vLLM:    {"object":"error","message":"…","type":"…","code":400}
//	TGI:     {"error":"…","error_type":"…"}
//	FastAPI: {"detail":"…"} or {"detail":[…]}
//
// msg is "" when b holds none. status is the object's code when it is an
// HTTP error status (400–599), else 0.
func ErrorObject(b []byte) (msg string, status int) {
	var e struct {
		Error   json.RawMessage `json:"error"`
		Message json.RawMessage `json:"message"`
		Code    json.RawMessage `json:"code"`
		Detail  json.RawMessage `json:"detail"`
	}
	if json.Unmarshal(b, &e) != nil {
		return "", 0
	}
	msg, code := JSONText(e.Message), rawInt(e.Code)
	if len(e.Error) > 0 {
		var inner struct {
			Message json.RawMessage `json:"message"`
			Code    json.RawMessage `json:"code"`
		}
		if json.Unmarshal(e.Error, &inner) == nil && len(inner.Message) > 0 {
			msg = JSONText(inner.Message)
			if c := rawInt(inner.Code); c != 0 {
				code = c
			}
		} else if s := JSONText(e.Error); s != "" && msg == "" {
			msg = s
		}
	}
	if msg == "" {
		msg = JSONText(e.Detail)
	}
	if code < 400 || code > 599 {
		code = 0
	}
	return msg, code
}

// JSONText returns a JSON string's value, or other JSON as compact text;
// "" for null or nothing.
func JSONText(raw []byte) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) == nil {
		return buf.String()
	}
	return string(raw)
}

// rawInt reads a JSON number, or a string of digits, as an int.
func rawInt(raw json.RawMessage) int {
	var n int
	if json.Unmarshal(raw, &n) == nil {
		return n
	}
	var s string
	if json.Unmarshal(raw, &s) == nil && json.Unmarshal([]byte(s), &n) == nil {
		return n
	}
	return 0
}

// ExcerptLen is how many bytes of a body an error quotes.
const ExcerptLen = 120

// Excerpt bounds the bytes of a body quoted in an error.
func Excerpt(b []byte) []byte {
	if len(b) > ExcerptLen {
		return b[:ExcerptLen]
	}
	return b
}

// EventExcerpt bounds one streamed event (or line) quoted in an error:
// from its "choices" on when it has them (the id, object, created and
// model before them say nothing about why a stream ended), cut to
// ExcerptLen, left unquoted when it is one line of printable text (JSON,
// mostly) and Go-quoted otherwise. A client that knows secrets scrubs s
// first.
func EventExcerpt(s string) string {
	if i := strings.Index(s, `"choices":`); i > 1 && strings.HasPrefix(s, "{") {
		s = "{…," + s[i:]
	}
	s = Truncate(s, ExcerptLen)
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return strconv.Quote(s)
		}
	}
	return s
}

// Thousands writes n with a comma between groups of three digits, as
// error texts give byte counts: 4,210.
func Thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Truncate cuts s to at most n bytes, on a rune boundary, marking the cut.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n - len("…")
	for i > 0 && !utf8RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
