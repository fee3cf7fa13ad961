package simllm

import (
	"bytes"
	"compress/gzip"
	"context"
	"net"
	"net/http"
	"strconv"
	"time"
)

// The faults that act on the wire rather than on the API: a TCP reset, a
// compressed body, bytes dripped one by one, an HTML page.

// A dripped write sends one byte at a time, each flushed on its own (its
// own TCP segment: Go's connections set TCP_NODELAY), and pauses
// dripPause after every dripEvery bytes, so that a client reads the event
// in many reads. Not after every byte: timers on a busy machine fire
// about a millisecond late, and a 200-byte chunk would take a quarter of
// a second, past a test's request timeout.
const (
	dripPause = 200 * time.Microsecond
	dripEvery = 8
)

// minEndlessGap is the shortest gap between the tokens of an endless
// stream, so that the instant profile's endless stream does not flood the
// client as fast as the loopback goes.
const minEndlessGap = time.Millisecond

// resetConn ends the response with a TCP reset: the connection is taken
// from net/http (what was written so far is flushed to it first), its
// linger set to 0 so that Close sends RST instead of FIN, and closed. A
// writer that cannot be hijacked (HTTP/2, a test's writer) is aborted
// instead, the nearest it has.
func resetConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	conn.Close()
}

// drip writes b one byte at a time, each flushed, pausing as said above.
// It stops early if ctx ends or a write fails.
func drip(ctx context.Context, w http.ResponseWriter, b []byte) error {
	rc := http.NewResponseController(w)
	t := time.NewTimer(dripPause)
	defer t.Stop()
	for i := range b {
		if i > 0 && i%dripEvery == 0 {
			t.Reset(dripPause)
			select {
			case <-t.C:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if _, err := w.Write(b[i : i+1]); err != nil {
			return err
		}
		if err := rc.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// gzipBytes compresses b.
func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b) // a bytes.Buffer does not fail
	zw.Close()
	return buf.Bytes()
}

// htmlPage is what a wrong URL or a proxy in front of the server answers:
// a login page, 200 text/html.
var htmlPage = []byte(`<!DOCTYPE html>
<html><head><title>Sign in - Corporate Proxy</title></head>
<body><h1>Sign in to continue</h1>
<form method="post" action="/login"><input name="user"><input name="password" type="password"><button>Sign in</button></form>
<p>Simulated (X-Sim-Fault: html).</p></body></html>
`)

func writeHTML(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(htmlPage)))
	w.WriteHeader(http.StatusOK)
	w.Write(htmlPage)
}

// endlessGap is the gap between the tokens of an endless stream past
// max_tokens: the profile's own pace, at least minEndlessGap.
func (p Profile) endlessGap() time.Duration {
	d := time.Duration(0)
	switch p.Kind {
	case KindFixed:
		d = p.ITL
	case KindBatching:
		d = p.StepBase + p.StepPerSeq
	}
	return max(d, minEndlessGap)
}

// Events sent after [DONE] by FaultAfterDone: a late chunk, then bytes
// that are not SSE at all.
var eventsAfterDone = []byte(`data: {"id":"late","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":" late"},"finish_reason":null}]}` +
	"\n\nnot an event\n\ndata: [DONE]\n\n")
