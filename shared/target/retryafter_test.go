package target

import (
	"net/http"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)
	date := func(d time.Duration) string { return now.Add(d).Format(http.TimeFormat) }
	for _, c := range []struct {
		name string
		h    map[string]string
		want time.Duration
	}{
		{"none", nil, 0},
		{"delta-seconds", map[string]string{"Retry-After": "2"}, 2 * time.Second},
		{"spaces around", map[string]string{"Retry-After": " 7 "}, 7 * time.Second},
		// Not RFC 9110, but sent by some servers, and unambiguous.
		{"fractional seconds", map[string]string{"Retry-After": "1.5"}, 1500 * time.Millisecond},
		{"zero", map[string]string{"Retry-After": "0"}, 0},
		// An HTTP-date, relative to now when there is no Date header.
		{"date", map[string]string{"Retry-After": date(30 * time.Second)}, 30 * time.Second},
		// ... and to the server's Date when there is one: skew cancels.
		{"date against Date", map[string]string{"Retry-After": date(time.Hour + 5*time.Second), "Date": date(time.Hour)}, 5 * time.Second},
		{"RFC 850 date", map[string]string{"Retry-After": now.Add(10 * time.Second).Format(time.RFC850)}, 10 * time.Second},
		{"date in the past", map[string]string{"Retry-After": date(-time.Minute)}, 0},
		// OpenAI's milliseconds win over Retry-After.
		{"retry-after-ms", map[string]string{"Retry-After-Ms": "250", "Retry-After": "1"}, 250 * time.Millisecond},
		{"garbage ms falls back", map[string]string{"Retry-After-Ms": "soon", "Retry-After": "1"}, time.Second},
		// Garbage is no wait.
		{"negative", map[string]string{"Retry-After": "-1"}, 0},
		{"words", map[string]string{"Retry-After": "later"}, 0},
		{"exponent", map[string]string{"Retry-After": "1e3"}, 0},
		{"dot alone", map[string]string{"Retry-After": "1."}, 0},
		{"hex", map[string]string{"Retry-After": "0x10"}, 0},
		// Absurd values are capped, not overflowed.
		{"huge", map[string]string{"Retry-After": "99999999999999999999999"}, RetryAfterLimit},
		{"far date", map[string]string{"Retry-After": date(24 * 365 * time.Hour)}, RetryAfterLimit},
	} {
		h := http.Header{}
		for k, v := range c.h {
			h.Set(k, v)
		}
		if got := RetryAfter(h, now); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
