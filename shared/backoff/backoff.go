// Package backoff decides how long a virtual user waits after an error
// before it issues its next request (load.on_error "backoff"), so that an
// endpoint that throttles or fails is not answered by a storm of new
// requests:
//
//   - 429 and 503 with Retry-After: the server's wait;
//   - any other error answer (4xx, 5xx, 429/503 without Retry-After),
//     transport failures (refused, reset) and protocol errors that brought
//     no token (an HTML page, a proxy's answer: a wrong URL answers every
//     request at once): an exponential back-off with jitter, from Base,
//     doubling per consecutive error, at most Max;
//   - timeouts, cancellations and protocol errors after tokens came (a
//     stream cut short, a malformed chunk): no wait (a timeout has already
//     waited its request_timeout; the others are answers, not refusals).
//
// The load generator caps every wait at the level's remaining time and
// records it in the next row (backoff_ms).
package backoff

import (
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/llmbench/llmbench/shared/sample"
)

// Defaults of a Policy.
const (
	DefaultBase = 100 * time.Millisecond
	DefaultMax  = 10 * time.Second
	// MaxRetryAfter bounds a server's Retry-After: one longer than this is
	// waited only this long (the level's remaining time caps it anyway).
	MaxRetryAfter = 5 * time.Minute
)

// Policy is the back-off after errors. Its zero value uses the defaults.
type Policy struct {
	Base, Max time.Duration
	// Rand returns a float in [0, 1); nil means math/rand/v2.
	Rand func() float64
}

// Wait returns how long to wait after res, the streak-th error in a row of
// one virtual user (streak counts res itself; it is 0 after a success).
func (p Policy) Wait(res *sample.Result, streak int) time.Duration {
	switch res.Status {
	case sample.StatusHTTPError:
		if throttled(res.HTTPStatus) && res.RetryAfter > 0 {
			return min(res.RetryAfter, MaxRetryAfter)
		}
	case sample.StatusTransport:
	case sample.StatusProtocol:
		if !res.FirstToken.IsZero() {
			return 0
		}
	default:
		return 0
	}
	return p.exponential(streak)
}

// exponential is Base·2^(streak-1), at most Max, with "equal jitter": a
// uniform draw from its upper half, so that virtual users that failed
// together do not retry together, yet each waits at least half the step.
func (p Policy) exponential(streak int) time.Duration {
	base, maxWait := p.Base, p.Max
	if base <= 0 {
		base = DefaultBase
	}
	if maxWait <= 0 {
		maxWait = DefaultMax
	}
	d := base
	for i := 1; i < streak && d < maxWait; i++ {
		d *= 2
	}
	d = min(d, maxWait)
	r := p.Rand
	if r == nil {
		r = rand.Float64
	}
	return d/2 + time.Duration(r()*float64(d/2))
}

// Throttled reports whether a row's HTTP status is the server asking the
// client to slow down: 429 Too Many Requests or 503 Service Unavailable.
func Throttled(res *sample.Result) bool {
	return res.Status == sample.StatusHTTPError && throttled(res.HTTPStatus)
}

func throttled(code int) bool {
	return code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable
}
