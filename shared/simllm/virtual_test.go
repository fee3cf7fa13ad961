package simllm

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// The unit tests of the server's timing run its handler in a
// testing/synctest bubble: time there is virtual, it moves only when every
// goroutine of the bubble is blocked, and a timer fires exactly at its
// deadline. So a profile's schedule is checked to the nanosecond, and no
// load on the machine can move it. Whether the real server keeps that
// schedule on a real clock is make accuracy's check (accuracy_test.go).

// virtualWriter is an http.ResponseWriter that reads a response as call's
// client does: every SSE data line stamped with the (bubble's) time it was
// written, any other body kept whole.
type virtualWriter struct {
	mu     sync.Mutex
	header http.Header
	res    *result
	sse    bool
	line   []byte      // an SSE line not yet ended
	onData func(n int) // if set, called after the n-th data line (from 1), outside mu
}

func (w *virtualWriter) Header() http.Header { return w.header }

func (w *virtualWriter) WriteHeader(status int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.res.status != 0 {
		return
	}
	w.res.status, w.res.header = status, w.header.Clone()
	w.sse = strings.HasPrefix(w.header.Get("Content-Type"), "text/event-stream")
}

func (w *virtualWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	w.mu.Lock()
	if !w.sse {
		w.res.body = append(w.res.body, b...)
		w.mu.Unlock()
		return len(b), nil
	}
	var lines int
	w.line = append(w.line, b...)
	for {
		i := bytes.IndexByte(w.line, '\n')
		if i < 0 {
			break
		}
		if data, ok := bytes.CutPrefix(bytes.TrimRight(w.line[:i], "\r"), []byte("data: ")); ok {
			w.res.events = append(w.res.events, event{at: time.Now(), data: string(data)})
			lines = len(w.res.events)
		}
		w.line = w.line[i+1:]
	}
	w.mu.Unlock()
	if lines > 0 && w.onData != nil {
		w.onData(lines)
	}
	return len(b), nil
}

func (w *virtualWriter) Flush() {}

// snapshot is a copy of what was read so far.
func (w *virtualWriter) snapshot() result {
	w.mu.Lock()
	defer w.mu.Unlock()
	r := *w.res
	r.events = append([]event(nil), w.res.events...)
	r.body = append([]byte(nil), w.res.body...)
	return r
}

// serve is call without the network, for tests in a synctest bubble: it
// runs s's handler for one request on this goroutine and returns what a
// client would have read. A handler that aborts the response
// (http.ErrAbortHandler) leaves readErr set, as a cut connection does;
// onData, if set, sees each data line as it is written (n from 1).
func serve(ctx context.Context, t testing.TB, s *Server, path string, hdr map[string]string, body any, onData func(n int)) *result {
	t.Helper()
	w := newVirtualWriter(onData)
	serveTo(ctx, t, s, w, path, hdr, body)
	return w.res
}

func newVirtualWriter(onData func(n int)) *virtualWriter {
	return &virtualWriter{header: http.Header{}, res: &result{}, onData: onData}
}

// serveTo is serve writing to w, so that a test can look at w while the
// handler runs on another goroutine.
func serveTo(ctx context.Context, t testing.TB, s *Server, w *virtualWriter, path string, hdr map[string]string, body any) {
	t.Helper()
	method, rd := encodeBody(t, body)
	req := httptest.NewRequestWithContext(ctx, method, "/v1"+path, rd)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	w.res.sent = time.Now()
	defer func() {
		if v := recover(); v != nil {
			if v != http.ErrAbortHandler {
				panic(v)
			}
			w.mu.Lock()
			w.res.readErr = errors.New("simllm test: handler aborted the response")
			w.mu.Unlock()
		}
	}()
	s.ServeHTTP(w, req)
	w.WriteHeader(http.StatusOK) // a handler that wrote nothing answered 200, as net/http's does
}

// newVirtual is New for a test in a bubble; the server closes at cleanup,
// which runs inside the bubble.
func newVirtual(t *testing.T, opts Options) *Server {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}
