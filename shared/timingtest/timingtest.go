package timingtest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// Attempts is how many times Retry runs a timing check before it fails.
// One scheduling stall on a shared machine can move a measurement by tens
// of milliseconds; a real error fails every attempt.
const Attempts = 3

// Retry runs check up to Attempts times and reports the failures of the
// last attempt through t. check reports timing failures through fail;
// structural failures (wrong counts, causality) go to t directly, since
// running again cannot fix them.
func Retry(t testing.TB, check func(fail func(format string, args ...any))) {
	t.Helper()
	for i := 1; ; i++ {
		var errs []string
		check(func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) })
		if len(errs) == 0 {
			return
		}
		if i == Attempts {
			for _, e := range errs {
				t.Error(e)
			}
			return
		}
		t.Logf("timing attempt %d of %d failed, retrying: %s", i, Attempts, strings.Join(errs, "; "))
	}
}

// Figures compare one request's client stamps with the server's record of
// it. The client's TTFT is Ingress + the server's TTFT (first write minus
// receive) + FirstTokenLag: each part is checked on its own, so a wrong
// start stamp shows in Ingress, a wrong token stamp in the lags.
type Figures struct {
	// Ingress is the server's receive time minus the client's start: the
	// request's way to the handler. It is real latency of the system
	// under test, not an error of the client, and it is positive for
	// every request (causality), whatever the machine's load.
	Ingress time.Duration
	// FirstTokenLag is the client's first-token stamp minus the server's
	// first write: how late the client stamps the first token.
	FirstTokenLag time.Duration
	// Lag is the delivery lag of every chunk: client stamp minus the
	// server's write stamp.
	Lag []time.Duration
	// ITLErr is, for every chunk after the first, the client's gap to the
	// previous chunk minus the server's.
	ITLErr []time.Duration
}

// Score pairs a client's start and token stamps with the server's receive
// and chunk stamps (simllm.Truth.Received and .Chunks) of the same
// request; the clocks must be one (one process's monotonic clock, or the
// real-time clock of two processes on one machine). It fails if the
// counts differ or if the client started after the server received the
// request: a start stamp taken late, not a slow machine, does that.
func Score(start time.Time, tokens []time.Time, received time.Time, chunks []time.Time) (Figures, error) {
	if len(tokens) == 0 || len(tokens) != len(chunks) {
		return Figures{}, fmt.Errorf("%d client token stamps for %d server chunks", len(tokens), len(chunks))
	}
	f := Figures{Ingress: received.Sub(start), FirstTokenLag: tokens[0].Sub(chunks[0])}
	if f.Ingress <= 0 {
		return f, fmt.Errorf("the client's start is %v after the server received the request", -f.Ingress)
	}
	f.Lag = make([]time.Duration, len(tokens))
	for i := range tokens {
		f.Lag[i] = tokens[i].Sub(chunks[i])
		if i > 0 {
			f.ITLErr = append(f.ITLErr, tokens[i].Sub(tokens[i-1])-chunks[i].Sub(chunks[i-1]))
		}
	}
	return f, nil
}

// Set gathers the Figures of many requests.
type Set struct {
	Ingress, FirstTokenLag, Lag, ITLErr []time.Duration
}

// Add appends one request's figures.
func (s *Set) Add(f Figures) {
	s.Ingress = append(s.Ingress, f.Ingress)
	s.FirstTokenLag = append(s.FirstTokenLag, f.FirstTokenLag)
	s.Lag = append(s.Lag, f.Lag...)
	s.ITLErr = append(s.ITLErr, f.ITLErr...)
}

// Quantile is the q-quantile (0 ≤ q ≤ 1) of xs, interpolated between the
// two nearest ranks; 0 for none.
func Quantile(xs []time.Duration, q float64) time.Duration {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	h := float64(len(s)-1) * q
	lo := int(h)
	if lo+1 >= len(s) {
		return s[lo]
	}
	return s[lo] + time.Duration((h-float64(lo))*float64(s[lo+1]-s[lo]))
}

// Ms is d in milliseconds, for logs and benchmark metrics.
func Ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Within reports whether |d| ≤ tol.
func Within(d, tol time.Duration) bool { return d >= -tol && d <= tol }
