package simllm

import (
	"fmt"
	"net"
	"net/http"
	"time"
)

// Running is a Server listening on a real socket, like httptest.Server.
type Running struct {
	URL    string // base URL of the API, e.g. http://127.0.0.1:PORT/v1
	Addr   string // host:port actually listened on
	Server *Server

	http   *http.Server
	served chan struct{} // closed when Serve returns
}

// Start serves a new Server on 127.0.0.1 at a free port.
func Start(opts Options) (*Running, error) { return Listen("127.0.0.1:0", opts) }

// Listen serves a new Server on addr (host:port; port 0 picks a free one).
// It is what `llmbench sim` runs.
func Listen(addr string, opts Options) (*Running, error) {
	s, err := New(opts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("simllm: listen: %w", err)
	}
	rs := &Running{
		URL:    "http://" + ln.Addr().String() + "/v1",
		Addr:   ln.Addr().String(),
		Server: s,
		// No write timeout: streams are long by design.
		http:   &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second},
		served: make(chan struct{}),
	}
	go func() {
		defer close(rs.served)
		// Serve returns ErrServerClosed after Close, or an accept error
		// if the listener breaks; either way there is nobody left to tell
		// and Close still works.
		rs.http.Serve(ln)
	}()
	return rs, nil
}

// Close stops the engine (waiting handlers return at once), closes the
// listener and every connection, and waits for the accept loop to end.
func (rs *Running) Close() {
	rs.Server.Close()
	rs.http.Close()
	<-rs.served
}
