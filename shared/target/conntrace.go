package target

import (
	"net/http/httptrace"
	"sync"
	"time"

	"github.com/llmbench/llmbench/shared/sample"
)

// ConnTrace records what httptrace reports of one request: whether its
// connection was reused, how long a new one took to set up, when the first
// response byte came. The transport may call the hooks from its own
// goroutines, hence the mutex. Every target client uses it, so that
// connect_ms and conn_reused mean the same whatever the endpoint.
type ConnTrace struct {
	mu                          sync.Mutex
	getConn, gotConn, firstByte time.Time
	reused                      bool
}

// ClientTrace returns the hooks to attach with httptrace.WithClientTrace.
func (t *ConnTrace) ClientTrace() *httptrace.ClientTrace {
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
			// A retry on a fresh connection calls the hooks again: the last
			// pair describes the connection that carried the request.
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

// Record copies what was traced into res.
func (t *ConnTrace) Record(res *sample.Result) {
	t.mu.Lock()
	defer t.mu.Unlock()
	res.FirstByte = t.firstByte
	res.ConnReused = t.reused
	if !t.reused && !t.gotConn.IsZero() && !t.getConn.IsZero() {
		res.Connect = t.gotConn.Sub(t.getConn)
	}
}
