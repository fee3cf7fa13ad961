package target

import (
	"net"
	"net/http"
	"time"
)

// NewHTTPClient returns a client tuned for load: up to maxConns idle
// connections kept per host (so a closed loop of maxConns users reuses its
// connections instead of re-dialing; <= 0 means 64), HTTP/2 when TLS offers
// it, and compression off so that bytes arrive as the server sent them (a
// gzip layer would buffer and blur chunk timing).
//
// There is no overall timeout: the context of each request bounds it, body
// included. The dial and TLS handshake keep generous limits of their own
// only as a guard for callers without a deadline.
func NewHTTPClient(maxConns int) *http.Client {
	if maxConns <= 0 {
		maxConns = 64
	}
	tr := &http.Transport{
		Proxy: http.ProxyFromEnvironment,
		DialContext: (&net.Dialer{
			Timeout:   30 * time.Second,
			KeepAlive: 30 * time.Second,
		}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          maxConns,
		MaxIdleConnsPerHost:   maxConns,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   30 * time.Second,
		ExpectContinueTimeout: time.Second,
		DisableCompression:    true,
	}
	return &http.Client{Transport: tr}
}
