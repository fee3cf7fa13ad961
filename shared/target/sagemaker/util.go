package sagemaker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http/httptrace"
	"net/url"
	"sync"
	"time"

	"github.com/llmbench/llmbench/shared/sample"
)

// The helpers below mirror package target's unexported ones, so that a
// SageMaker row is classified and worded like an OpenAI row.

const (
	maxErrLen  = 300  // Result.Err is truncated to this many bytes
	tokensHint = 1024 // Tokens capacity reserved up front, at most
)

// ctxStatus tells whether ctx (or a deadline inside the transport) explains
// err: timeout for a deadline, canceled for a cancellation.
func ctxStatus(ctx context.Context, err error) (sample.Status, bool) {
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

func ctxWhat(st sample.Status) string {
	if st == sample.StatusTimeout {
		return "timed out"
	}
	return "canceled"
}

// transportErr strips the SDK's wrappers down to the net/http error.
func transportErr(err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		return uerr.Err
	}
	return err
}

// parseErrorObject understands the error shapes containers send:
//
//	OpenAI:  {"error":{"message":"…","type":"…","code":"…"|429}}
//	vLLM:    {"object":"error","message":"…","type":"…","code":400}
//	TGI:     {"error":"…","error_type":"…"}
func parseErrorObject(b []byte) (msg string, code int) {
	var e struct {
		Error   json.RawMessage `json:"error"`
		Message json.RawMessage `json:"message"`
		Code    json.RawMessage `json:"code"`
	}
	if json.Unmarshal(b, &e) != nil {
		return "", 0
	}
	msg, code = rawText(e.Message), rawInt(e.Code)
	if len(e.Error) > 0 {
		var inner struct {
			Message json.RawMessage `json:"message"`
			Code    json.RawMessage `json:"code"`
		}
		if json.Unmarshal(e.Error, &inner) == nil && len(inner.Message) > 0 {
			msg = rawText(inner.Message)
			if c := rawInt(inner.Code); c != 0 {
				code = c
			}
		} else if s := rawText(e.Error); s != "" && msg == "" {
			msg = s
		}
	}
	if code < 400 || code > 599 {
		code = 0
	}
	return msg, code
}

// rawText returns a JSON string's value, or other JSON as compact text.
func rawText(raw json.RawMessage) string {
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

// excerpt bounds the bytes quoted in an error.
func excerpt(b []byte) []byte {
	const n = 120
	if len(b) > n {
		return b[:n]
	}
	return b
}

// truncate cuts s to at most n bytes, on a rune boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n - len("…")
	for i > 0 && s[i]&0xC0 == 0x80 {
		i--
	}
	return s[:i] + "…"
}

// connTrace records what httptrace reports. The transport may call the
// hooks from its own goroutines, hence the mutex.
type connTrace struct {
	mu                          sync.Mutex
	getConn, gotConn, firstByte time.Time
	reused                      bool
}

func (t *connTrace) clientTrace() *httptrace.ClientTrace {
	return &httptrace.ClientTrace{
		GetConn: func(string) {
			now := time.Now()
			t.mu.Lock()
			t.getConn = now
			t.mu.Unlock()
		},
		GotConn: func(info httptrace.GotConnInfo) {
			now := time.Now()
			t.mu.Lock()
			t.gotConn, t.reused = now, info.Reused
			t.mu.Unlock()
		},
		GotFirstResponseByte: func() {
			now := time.Now()
			t.mu.Lock()
			if t.firstByte.IsZero() {
				t.firstByte = now
			}
			t.mu.Unlock()
		},
	}
}

func (t *connTrace) record(res *sample.Result) {
	t.mu.Lock()
	defer t.mu.Unlock()
	res.FirstByte = t.firstByte
	res.ConnReused = t.reused
	if !t.reused && !t.gotConn.IsZero() && !t.getConn.IsZero() {
		res.Connect = t.gotConn.Sub(t.getConn)
	}
}
