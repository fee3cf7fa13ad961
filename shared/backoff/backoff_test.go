package backoff_test

import (
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/backoff"
	"github.com/llmbench/llmbench/shared/sample"
)

func TestWait(t *testing.T) {
	// Rand at its extremes shows both ends of the jitter.
	low := backoff.Policy{Rand: func() float64 { return 0 }}
	high := backoff.Policy{Rand: func() float64 { return 0.999999999 }}
	res := func(st sample.Status, code int, ra time.Duration) *sample.Result {
		return &sample.Result{Status: st, HTTPStatus: code, RetryAfter: ra}
	}
	for _, c := range []struct {
		name   string
		res    *sample.Result
		streak int
		lo, hi time.Duration // the wait with Rand 0 and Rand ~1
	}{
		{"ok: no wait", res(sample.StatusOK, 200, 0), 0, 0, 0},
		{"429 with Retry-After: the server's wait", res(sample.StatusHTTPError, 429, time.Second), 1, time.Second, time.Second},
		{"503 with Retry-After: the server's wait", res(sample.StatusHTTPError, 503, 2*time.Second), 3, 2 * time.Second, 2 * time.Second},
		{"absurd Retry-After: capped", res(sample.StatusHTTPError, 429, 24*time.Hour), 1, backoff.MaxRetryAfter, backoff.MaxRetryAfter},
		{"429 without Retry-After: first step", res(sample.StatusHTTPError, 429, 0), 1, 50 * time.Millisecond, 100 * time.Millisecond},
		{"500 ignores a Retry-After; third error in a row", res(sample.StatusHTTPError, 500, time.Minute), 3, 200 * time.Millisecond, 400 * time.Millisecond},
		{"transport: backs off", res(sample.StatusTransport, 0, 0), 2, 100 * time.Millisecond, 200 * time.Millisecond},
		{"many errors: at most Max", res(sample.StatusTransport, 0, 0), 40, backoff.DefaultMax / 2, backoff.DefaultMax},
		{"timeout: already waited", res(sample.StatusTimeout, 0, 0), 5, 0, 0},
		{"protocol with no token (an HTML page): backs off", res(sample.StatusProtocol, 200, 0), 1, 50 * time.Millisecond, 100 * time.Millisecond},
		{"protocol after tokens (cut short): no wait", &sample.Result{Status: sample.StatusProtocol, HTTPStatus: 200, FirstToken: time.Now()}, 5, 0, 0},
		{"canceled: no wait", res(sample.StatusCanceled, 0, 0), 5, 0, 0},
	} {
		lo, hi := low.Wait(c.res, c.streak), high.Wait(c.res, c.streak)
		if lo != c.lo || hi < c.hi-time.Microsecond || hi > c.hi {
			t.Errorf("%s: waits %v..%v, want %v..%v", c.name, lo, hi, c.lo, c.hi)
		}
	}
}

func TestThrottled(t *testing.T) {
	for code, want := range map[int]bool{429: true, 503: true, 500: false, 502: false, 400: false} {
		if got := backoff.Throttled(&sample.Result{Status: sample.StatusHTTPError, HTTPStatus: code}); got != want {
			t.Errorf("Throttled(%d) = %v", code, got)
		}
	}
	if backoff.Throttled(&sample.Result{Status: sample.StatusOK, HTTPStatus: 429}) {
		t.Error("an ok row is never throttled")
	}
}
