package openai

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// Captured headers go into stored rows: they are copied under the name the
// spec gave, joined when repeated, scrubbed of secrets a server echoes, and
// bounded in length.
func TestCaptureHeaders(t *testing.T) {
	const key = "sk-live-9f8e7d6c5b4a3210"
	body := stream(data(roleChunk, content("hi"), usageChunk, "[DONE]")...)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-TTFT-MS", "412")
		h.Set("X-Tokens-Per-Second", "57.3")
		h.Add("X-Cost-Per-1K-USD", "0.0021")
		h.Add("X-Cost-Per-1K-USD", "0.0022")
		h.Set("X-Echo-Key", "got "+r.Header.Get("api-key"))
		h.Set("X-Long", strings.Repeat("a", 4000))
		body(w, r)
	}))
	defer srv.Close()
	c := newTarget(t, srv.URL, func(c *Config) {
		c.Headers = map[string]string{"api-key": key}
		c.CaptureHeaders = []string{"x-ttft-ms", "X-Tokens-Per-Second", "X-Cost-Per-1K-USD", "X-Echo-Key", "X-Long", "X-Absent"}
	})
	r := do(t, c, 5*time.Second)
	if r.Status != "ok" {
		t.Fatalf("status %s %q", r.Status, r.Err)
	}
	tests := []struct {
		name, want string
		ok         bool
	}{
		{"x-ttft-ms", "412", true},                       // keyed by the spec's spelling, matched case-insensitively
		{"X-Tokens-Per-Second", "57.3", true},            // as sent
		{"X-Cost-Per-1K-USD", "0.0021, 0.0022", true},    // repeated: joined
		{"X-Echo-Key", "got [REDACTED]", true},           // an echoed secret is scrubbed
		{"X-Long", strings.Repeat("a", 509) + "…", true}, // bounded
		{"X-Absent", "", false},                          // not sent: no entry
	}
	for _, tc := range tests {
		got, ok := r.Headers[tc.name]
		if ok != tc.ok || got != tc.want {
			t.Errorf("%s = %q (present %v), want %q (present %v)", tc.name, got, ok, tc.want, tc.ok)
		}
	}
	if len(r.Headers) != 5 {
		t.Errorf("%d headers captured: %v", len(r.Headers), r.Headers)
	}
}
