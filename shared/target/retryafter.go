package target

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryAfterLimit bounds what RetryAfter returns: a longer wait is taken as
// this long. Nothing sensible waits longer (the load generator's back-off
// caps its own waits far lower); the bound also keeps a huge number from
// overflowing a Duration.
const RetryAfterLimit = 24 * time.Hour

// RetryAfter reads how long a server asks the client to wait before its
// next request, from the headers of an error answer that arrived at now:
//
//   - retry-after-ms, OpenAI's: milliseconds, a non-negative number;
//   - Retry-After (RFC 9110): delta-seconds, or an HTTP-date. A date is
//     taken relative to the answer's own Date header when it has a valid
//     one (both are the server's clock, so skew cancels), else to now.
//     Fractional seconds ("1.5"), which some servers send, are accepted.
//
// The first of them that parses wins. It returns 0 when there is none,
// when the value is garbage, and for a date already past (retry at once);
// at most RetryAfterLimit.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	if ms, ok := seconds(h.Get("Retry-After-Ms")); ok {
		return clampWait(ms / 1000)
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, ok := seconds(v); ok {
		return clampWait(s)
	}
	at, err := http.ParseTime(v)
	if err != nil {
		return 0
	}
	if d, err := http.ParseTime(h.Get("Date")); err == nil {
		now = d
	}
	return min(max(at.Sub(now), 0), RetryAfterLimit)
}

// seconds parses a non-negative decimal number (digits, an optional
// fraction); no sign, exponent, Inf or NaN.
func seconds(v string) (float64, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	dot := false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c >= '0' && c <= '9':
		case c == '.' && !dot && i > 0 && i < len(v)-1:
			dot = true
		default:
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(v, 64)
	return f, err == nil || f > 0 // ErrRange on a huge value gives +Inf: clamped below
}

func clampWait(s float64) time.Duration {
	if s >= RetryAfterLimit.Seconds() {
		return RetryAfterLimit
	}
	return time.Duration(s * float64(time.Second))
}
