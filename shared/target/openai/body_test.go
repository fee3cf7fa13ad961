package openai

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/sample"
)

// compressed answers with events compressed by the coding and the
// Content-Encoding header given, each event flushed through the
// compressor and the connection as a streaming server does.
func compressed(coding, header string, events ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Content-Encoding", header)
		w.WriteHeader(http.StatusOK)
		var zw interface {
			io.Writer
			Flush() error
			Close() error
		}
		switch coding {
		case "gzip":
			zw = gzip.NewWriter(w)
		case "zlib":
			zw = zlib.NewWriter(w)
		case "flate":
			zw, _ = flate.NewWriter(w, flate.DefaultCompression)
		}
		for _, ev := range events {
			io.WriteString(zw, ev)
			zw.Flush()
			w.(http.Flusher).Flush()
			time.Sleep(time.Millisecond)
		}
		zw.Close()
	}
}

func gzipped(s string) string {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	io.WriteString(zw, s)
	zw.Close()
	return b.String()
}

// TestBodies: what arrives other than a plain SSE stream: compressed
// bodies (decoded), undecodable ones, pages that are not SSE, bytes after
// [DONE], finish reasons, and the Retry-After of an error.
func TestBodies(t *testing.T) {
	good := data(roleChunk, content("a"), content("b"), stopChunk, usageChunk, "[DONE]")
	page := "<!DOCTYPE html>\n<html><head><title>Login required</title></head><body><form action=/login><input name=user><input name=password></form></body></html>"
	tests := []struct {
		name     string
		nostream bool
		handler  http.HandlerFunc
		status   sample.Status
		http     int
		err      string // substring of Err; "" for none
		finish   string
		cutShort bool
		check    func(t *testing.T, r *sample.Result)
	}{
		// gzip, as a compressing proxy sends it: decoded, timed, ok; Bytes
		// are the compressed bytes received.
		{name: "gzip stream", handler: compressed("gzip", "gzip", good...), status: sample.StatusOK, http: 200, finish: "stop",
			check: func(t *testing.T, r *sample.Result) {
				if len(r.Tokens) != 2 || r.OutputTokens != 7 || r.TokenSource != "usage" {
					t.Errorf("%d tokens, %d out (%s)", len(r.Tokens), r.OutputTokens, r.TokenSource)
				}
				// Each event is decoded as it arrives, not at the end.
				if len(r.Tokens) == 2 && r.Tokens[1].Sub(r.Tokens[0]) < 500*time.Microsecond {
					t.Errorf("tokens %v apart: the decoder buffered them", r.Tokens[1].Sub(r.Tokens[0]))
				}
				if plain := int64(len(strings.Join(good, ""))); r.Bytes == 0 || r.Bytes == plain {
					t.Errorf("Bytes %d: want the compressed count, not the decoded %d", r.Bytes, plain)
				}
			}},
		// HTTP's deflate is zlib; some servers send raw deflate: both read.
		{name: "deflate zlib", handler: compressed("zlib", "deflate", good...), status: sample.StatusOK, http: 200, finish: "stop"},
		{name: "deflate raw", handler: compressed("flate", "deflate", good...), status: sample.StatusOK, http: 200, finish: "stop"},
		// Content-Encoding names are case-insensitive; identity is nothing.
		{name: "GZIP, identity", handler: compressed("gzip", "identity, GZIP", good...), status: sample.StatusOK, http: 200, finish: "stop"},
		// An encoding the client cannot decode names itself.
		{name: "brotli", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "br")
			reply(200, "text/event-stream", "\x1b\x03\x00garbage")(w, r)
		}, status: sample.StatusProtocol, http: 200, err: "cannot decode Content-Encoding br (200 text/event-stream)"},
		// A body that claims gzip but is not.
		{name: "broken gzip", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			reply(200, "text/event-stream", strings.Join(good, ""))(w, r)
		}, status: sample.StatusProtocol, http: 200, err: "cannot decode Content-Encoding gzip: gzip: invalid header after 0 chunks (", cutShort: false},
		// A gzip stream that stops short of its trailer.
		{name: "truncated gzip", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			z := gzipped(strings.Join(good, ""))
			reply(200, "text/event-stream", z[:len(z)-30])(w, r)
		}, status: sample.StatusProtocol, http: 200, finish: "stop", err: "cannot decode Content-Encoding gzip: unexpected EOF after 4 chunks ("},
		// An error body in gzip is decoded for its message, and its
		// Retry-After kept.
		{name: "gzip 429", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			w.Header().Set("Retry-After", "3")
			reply(429, "application/json", gzipped(`{"error":{"message":"slow down","code":429}}`))(w, r)
		}, status: sample.StatusHTTPError, http: 429, err: "HTTP 429: slow down", check: func(t *testing.T, r *sample.Result) {
			if r.RetryAfter != 3*time.Second {
				t.Errorf("RetryAfter %v", r.RetryAfter)
			}
		}},
		// An error body that cannot be decoded still gives its status.
		{name: "br 503", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "br")
			w.Header().Set("Retry-After", "Sun, 06 Nov 1994 08:49:37 GMT") // past: retry at once
			reply(503, "application/json", "\x1b\x03")(w, r)
		}, status: sample.StatusHTTPError, http: 503, err: "HTTP 503: Service Unavailable (body in Content-Encoding br, not decoded)",
			check: func(t *testing.T, r *sample.Result) {
				if r.RetryAfter != 0 {
					t.Errorf("RetryAfter %v", r.RetryAfter)
				}
			}},
		// A login page where the stream should be: its type, status and start.
		{name: "html page", handler: reply(200, "text/html; charset=utf-8", page), status: sample.StatusProtocol, http: 200,
			err: `expected text/event-stream, got 200 text/html: "<!DOCTYPE html>\n<html><head><title>Login required</title></head><body><form action=/login><input name=user><input nam…"`},
		// The same page gzipped: decoded to be quoted, the coding named.
		{name: "gzip html page", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			reply(200, "text/html", gzipped(page))(w, r)
		}, status: sample.StatusProtocol, http: 200, err: `expected text/event-stream, got 200 text/html, Content-Encoding gzip: "<!DOCTYPE html>`},
		// ... and without a Content-Type: no SSE event in it.
		{name: "untyped page", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Content-Type"] = nil // no sniffing
			io.WriteString(w, page)
		}, status: sample.StatusProtocol, http: 200, err: `expected text/event-stream, got 200 without Content-Type: no SSE event in 149 bytes: "<!DOCTYPE html>`},
		// A non-streamed request answered with a page.
		{name: "html page whole", nostream: true, handler: reply(200, "text/html", page), status: sample.StatusProtocol, http: 200,
			err: `expected application/json, got 200 text/html: "<!DOCTYPE html>`},
		// text/plain SSE (a mislabelling proxy) is read as SSE.
		{name: "text/plain sse", handler: reply(200, "text/plain", strings.Join(good, "")), status: sample.StatusOK, http: 200, finish: "stop"},
		// Bytes after [DONE] do not change a complete answer.
		{name: "after [DONE]", handler: stream(append(good, "data: "+content("late")+"\n\n", "garbage\n\n")...), status: sample.StatusOK, http: 200, finish: "stop"},
		// A finish_reason, then the end without [DONE]: protocol, and not
		// cut short (the answer itself ended).
		{name: "finish without [DONE]", handler: stream(data(content("a"), `{"choices":[{"delta":{},"finish_reason":"length"}]}`)...),
			status: sample.StatusProtocol, http: 200, finish: "length", err: `stream ended before [DONE] after 2 chunks (`},
		// A whole answer's finish_reason.
		{name: "whole finish", nostream: true, handler: reply(200, "application/json", `{"choices":[{"message":{"content":"hi"},"finish_reason":"stop"}]}`),
			status: sample.StatusOK, http: 200, finish: "stop"},
		// OpenAI's retry-after-ms on a 429.
		{name: "retry-after-ms", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After-Ms", "1500")
			reply(429, "application/json", `{"error":{"message":"rate limited"}}`)(w, r)
		}, status: sample.StatusHTTPError, http: 429, err: "rate limited", check: func(t *testing.T, r *sample.Result) {
			if r.RetryAfter != 1500*time.Millisecond {
				t.Errorf("RetryAfter %v", r.RetryAfter)
			}
		}},
		// A Retry-After on a success means nothing.
		{name: "retry-after on 200", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "5")
			stream(good...)(w, r)
		}, status: sample.StatusOK, http: 200, finish: "stop", check: func(t *testing.T, r *sample.Result) {
			if r.RetryAfter != 0 {
				t.Errorf("RetryAfter %v", r.RetryAfter)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			r := do(t, newTarget(t, srv.URL, func(c *Config) { c.Stream = !tt.nostream }), 5*time.Second)
			checkOrder(t, r)
			if r.Status != tt.status || r.HTTPStatus != tt.http || !strings.Contains(r.Err, tt.err) {
				t.Errorf("status %s %d %q\nwant %s %d containing %q", r.Status, r.HTTPStatus, r.Err, tt.status, tt.http, tt.err)
			}
			if r.FinishReason != tt.finish || r.CutShort != tt.cutShort {
				t.Errorf("finish %q cut short %v, want %q %v", r.FinishReason, r.CutShort, tt.finish, tt.cutShort)
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

// TestExcerptScrubbed: a secret echoed in a page is scrubbed before the
// quote is cut, so that a cut through it cannot leave its first half.
func TestExcerptScrubbed(t *testing.T) {
	const key = "sk-live-0123456789abcdefghijklmnopqrstuvwxyz"
	page := "<html><body>" + strings.Repeat("x", 60) + " your key " + key + " is invalid</body></html>"
	srv := httptest.NewServer(reply(200, "text/html", page))
	defer srv.Close()
	c := newTarget(t, srv.URL, func(c *Config) { c.Headers = map[string]string{"Authorization": "Bearer " + key} })
	r := do(t, c, 5*time.Second)
	if r.Status != sample.StatusProtocol || strings.Contains(r.Err, key[:12]) || !strings.Contains(r.Err, "[REDACTED]") {
		t.Errorf("Err %q: the key, or part of it, is there", r.Err)
	}
}
