package timingtest

import (
	"strings"
	"testing"
	"time"
)

func TestScore(t *testing.T) {
	t0 := time.Now()
	at := func(ms ...float64) []time.Time {
		var ts []time.Time
		for _, m := range ms {
			ts = append(ts, t0.Add(time.Duration(m*float64(time.Millisecond))))
		}
		return ts
	}
	ms := func(m float64) time.Duration { return time.Duration(m * float64(time.Millisecond)) }
	// Client: start at 0, tokens at 101, 121.5; server: received at 0.2,
	// wrote at 100.9, 121.
	f, err := Score(t0, at(101, 121.5), t0.Add(ms(0.2)), at(100.9, 121))
	if err != nil {
		t.Fatal(err)
	}
	if f.Ingress != ms(0.2) || f.FirstTokenLag != ms(0.1) || len(f.Lag) != 2 || f.Lag[1] != ms(0.5) || len(f.ITLErr) != 1 || f.ITLErr[0] != ms(0.4) {
		t.Errorf("figures %+v", f)
	}
	tests := []struct {
		name            string
		start, received time.Time
		tokens, chunks  []time.Time
		want            string
	}{
		{"start after receive", t0.Add(ms(1)), t0.Add(ms(0.2)), at(101), at(100.9), "start is 800µs after"}, // a late start stamp
		{"start at receive", t0, t0, at(101), at(100.9), "start is 0s after"},                               // not strictly before
		{"fewer stamps", t0, t0.Add(ms(0.2)), at(101), at(100.9, 121), "1 client token stamps for 2"},       // a chunk missed
		{"none", t0, t0.Add(ms(0.2)), nil, nil, "0 client token stamps for 0"},                              // nothing to score
	}
	for _, tt := range tests {
		if _, err := Score(tt.start, tt.tokens, tt.received, tt.chunks); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.want)
		}
	}
}

func TestQuantile(t *testing.T) {
	xs := []time.Duration{4, 1, 3, 2}
	for _, tt := range []struct {
		q    float64
		want time.Duration
	}{{0, 1}, {0.5, 2}, {1, 4}} { // 0.5: 2.5 truncated to the nanosecond
		if got := Quantile(xs, tt.q); got != tt.want {
			t.Errorf("Quantile(%v) = %v, want %v", tt.q, got, tt.want)
		}
	}
	if Quantile(nil, .5) != 0 {
		t.Error("Quantile of nothing is not 0")
	}
}

// TestRetry: a check that passes on its second attempt passes; one that
// fails every attempt reports the last attempt's failures only.
func TestRetry(t *testing.T) {
	var n int
	Retry(t, func(fail func(string, ...any)) {
		if n++; n < 2 {
			fail("attempt %d", n)
		}
	})
	if n != 2 {
		t.Errorf("%d attempts, want 2", n)
	}
	rec := &recorder{TB: t}
	n = 0
	Retry(rec, func(fail func(string, ...any)) { n++; fail("attempt %d", n) })
	if n != Attempts || len(rec.errs) != 1 || rec.errs[0] != "attempt 3" {
		t.Errorf("%d attempts, errors %q; want %d, [attempt 3]", n, rec.errs, Attempts)
	}
}

// recorder is a testing.TB that keeps errors instead of failing.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Error(args ...any)   { r.errs = append(r.errs, args[0].(string)) }
func (r *recorder) Helper()             {}
func (r *recorder) Logf(string, ...any) {}
