package sagemaker

import (
	"context"
	"errors"
	"net/http/httptrace"
	"sync"
	"time"

	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/target"
)

// A SageMaker row is classified and worded like an OpenAI row: the error
// helpers are package target's.

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

// parseErrorObject reads a container's error object; a code outside
// 400-599 is no HTTP status.
func parseErrorObject(b []byte) (msg string, code int) {
	msg, code = target.ErrorObject(b)
	if code < 400 || code > 599 {
		code = 0
	}
	return msg, code
}

var (
	transportErr = target.TransportErr
	excerpt      = target.Excerpt
	truncate     = target.Truncate
)

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
