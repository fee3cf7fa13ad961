package workflow

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/loadgen"
	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/summary"
)

// TestFirstSend checks that a slice's first send is its earliest sent
// request, whatever order the requests end in, that a not_sent arrival
// (never sent) is not one, and that the request's due instant comes with
// it.
func TestFirstSend(t *testing.T) {
	start := time.Now()
	at := func(ms int) time.Time { return start.Add(time.Duration(ms) * time.Millisecond) }
	issued := func(sendMs, dueMs int, st sample.Status) loadgen.Issued {
		return loadgen.Issued{Intended: at(dueMs), Result: &sample.Result{Start: at(sendMs), Status: st}}
	}
	var f firstSend
	f.see(issued(40, 30, sample.StatusOK))      // ends first, sent second
	f.see(issued(2, -5, sample.StatusNotSent))  // never sent: not the first send
	f.see(issued(25, 20, sample.StatusTimeout)) // the earliest send, failed: still the first out
	f.see(issued(60, 60, sample.StatusOK))
	var res SliceResult
	f.record(&res, start)
	if res.FirstSendMs == nil || *res.FirstSendMs != 25 || *res.FirstIntendedMs != 20 {
		t.Fatalf("first send %v due %v, want 25 and 20", res.FirstSendMs, res.FirstIntendedMs)
	}
	if ms, _ := skew(res); ms != 5 {
		t.Errorf("skew %v, want 5", ms)
	}

	var none firstSend
	none.see(issued(1, 1, sample.StatusNotSent))
	var empty SliceResult
	none.record(&empty, start)
	if empty.FirstSendMs != nil || empty.FirstIntendedMs != nil {
		t.Errorf("a slice that sent nothing has a first send: %v", *empty.FirstSendMs)
	}
}

// TestSkewsApply checks the per-level figures and the warnings: a slice
// beyond the tolerance joins the warning it already has (late) or gets
// its own, in order of level and worker; one at the tolerance is not
// flagged; a level without records, or with records older than the
// figure, has none.
func TestSkewsApply(t *testing.T) {
	ms := func(v float64) *float64 { return &v }
	var k skews
	for w, s := range []float64{1, 3, 2, 400} {
		k.add(0, w, SliceResult{FirstSendMs: ms(s)}) // no due instant: due at the start
	}
	k.add(1, 0, SliceResult{FirstSendMs: ms(1070), FirstIntendedMs: ms(1000)}) // a ramp's later user, 70 ms late
	k.add(1, 1, SliceResult{FirstSendMs: ms(StartSkewToleranceMs)})            // at the tolerance: not beyond it
	k.add(1, 2, SliceResult{})                                                 // an old record: no first send
	levels := []summary.Level{{Index: 0}, {Index: 1}, {Index: 2}}
	late := summary.SliceWarning{Level: 1, Worker: 0, LateMs: 1200}
	got := k.apply(levels, []summary.SliceWarning{late})

	// p99 of 1, 2, 3, 400: h = 3 × 0.99 = 2.97, so 3 + 0.97 × 397.
	if s := levels[0].StartSkewMs; s == nil || math.Abs(s.P99-388.09) > 1e-9 {
		t.Fatalf("level 0: %+v, want p99 388.09", s)
	}
	want0 := &summary.StartSkew{Slices: 4, P50: 2.5, P99: levels[0].StartSkewMs.P99, Max: 400, ToleranceMs: StartSkewToleranceMs, Beyond: []int{3}}
	if !reflect.DeepEqual(levels[0].StartSkewMs, want0) {
		t.Errorf("level 0: %+v, want %+v", *levels[0].StartSkewMs, *want0)
	}
	if s := levels[1].StartSkewMs; s == nil || s.Slices != 2 || s.Max != 70 || !reflect.DeepEqual(s.Beyond, []int{0}) {
		t.Errorf("level 1: %+v, want 2 slices, max 70, worker 0 beyond", s)
	}
	if levels[2].StartSkewMs != nil {
		t.Errorf("level 2 without records: %+v", *levels[2].StartSkewMs)
	}
	wantW := []summary.SliceWarning{{Level: 0, Worker: 3, StartSkewMs: 400}, {Level: 1, Worker: 0, LateMs: 1200, StartSkewMs: 70}}
	if !reflect.DeepEqual(got, wantW) {
		t.Errorf("warnings %+v, want %+v", got, wantW)
	}
}
