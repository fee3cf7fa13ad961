package query_test

import (
	"fmt"
	"math"
	"reflect"
	"sort"

	"github.com/llmbench/llmbench/shared/query"
	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/summary"
)

// reference computes, in plain Go and row by row, what Summarize must
// return for runID: the definitions of the package documentation.
func reference(rows []sample.Row, runID string, slo query.SLO) []summary.Level {
	type acc struct {
		l                    summary.Level
		sent                 int
		first, last, busy    float64
		lastStart            float64
		cached, reasoning    [3]int64 // sum, of input/output tokens, rows
		firstIntended        float64
		lastIntended         float64
		good, usage, chunks  int
		ttft, tpot, e2e, itl []float64
		itlAll               []float64 // the gaps of every measured request, failed ones included
		lag, queue           []float64
		server, overhead     []float64 // server_ttft_ms, and ttft_ms minus it
	}
	byLevel := map[int32]*acc{}
	for _, r := range rows {
		if r.RunID != runID {
			continue
		}
		a := byLevel[r.LevelIndex]
		if a == nil {
			a = &acc{first: math.Inf(1), last: math.Inf(-1), lastStart: math.Inf(-1), firstIntended: math.Inf(1), lastIntended: math.Inf(-1)}
			byLevel[r.LevelIndex] = a
		}
		a.l.Concurrency = max(a.l.Concurrency, int(r.Level))
		a.l.RequestRate = max(a.l.RequestRate, r.RequestRate)
		switch r.Mode {
		case "":
			a.l.Mode = max(a.l.Mode, "concurrency")
		default:
			a.l.Mode = max(a.l.Mode, r.Mode)
		}
		if r.Warmup {
			a.l.WarmupRequests++
			continue
		}
		a.l.Requests++
		a.l.BackoffS += r.BackoffMs / 1000
		if r.HTTPStatus == 429 || r.HTTPStatus == 503 {
			a.l.Throttled++
		}
		if r.CutShort {
			a.l.CutShort++
		}
		if r.Status != "ok" {
			if a.l.ErrorsByStatus == nil {
				a.l.ErrorsByStatus = map[string]int{}
			}
			a.l.ErrorsByStatus[r.Status]++
		}
		a.firstIntended = math.Min(a.firstIntended, r.IntendedMs)
		a.lastIntended = math.Max(a.lastIntended, r.IntendedMs)
		if r.Status == string(sample.StatusNotSent) {
			a.l.NotSent++
			continue
		}
		a.sent++
		a.first = math.Min(a.first, r.StartMs)
		a.last = math.Max(a.last, r.EndMs)
		a.lastStart = math.Max(a.lastStart, r.StartMs)
		a.busy += r.EndMs - r.StartMs
		a.itlAll = append(a.itlAll, r.ITLMs...)
		a.lag = append(a.lag, r.SchedDelayMs)
		a.queue = append(a.queue, r.QueueMs)
		if r.Status != "ok" {
			continue
		}
		a.l.OK++
		a.l.InputTokens += int64(r.InputTokens)
		a.l.OutputTokens += int64(r.OutputTokens)
		if r.CachedTokens != nil {
			a.cached[0] += int64(*r.CachedTokens)
			a.cached[1] += int64(r.InputTokens)
			a.cached[2]++
		}
		if r.ReasoningTokens != nil {
			a.reasoning[0] += int64(*r.ReasoningTokens)
			a.reasoning[1] += int64(r.OutputTokens)
			a.reasoning[2]++
		}
		switch r.TokenSource {
		case "usage":
			a.usage++
		case "chunks":
			a.chunks++
		}
		if meets(r, slo) {
			a.good++
		}
		if r.TTFTMs != nil {
			a.ttft = append(a.ttft, *r.TTFTMs)
		}
		if r.ServerTTFTMs != nil {
			a.server = append(a.server, *r.ServerTTFTMs)
			if r.TTFTMs != nil {
				a.overhead = append(a.overhead, *r.TTFTMs-*r.ServerTTFTMs)
			}
		}
		if r.TPOTMs != nil {
			a.tpot = append(a.tpot, *r.TPOTMs)
		}
		if r.E2EMs != nil {
			a.e2e = append(a.e2e, *r.E2EMs)
		}
		a.itl = append(a.itl, r.ITLMs...)
	}
	var out []summary.Level
	for index, a := range byLevel {
		l := a.l
		l.Index = int(index)
		l.Errors = l.Requests - l.OK
		if l.Requests > 0 {
			l.ErrorRate = float64(l.Errors) / float64(l.Requests)
		}
		l.CachedTokens, l.ReasoningTokens = a.cached[0], a.reasoning[0]
		if a.cached[2] > 0 && a.cached[1] > 0 {
			r := float64(a.cached[0]) / float64(a.cached[1])
			l.CacheHitRatio = &r
		}
		if a.reasoning[2] > 0 && a.reasoning[1] > 0 {
			r := float64(a.reasoning[0]) / float64(a.reasoning[1])
			l.ReasoningShare = &r
		}
		if span := a.lastIntended - a.firstIntended; l.Requests > 1 && span > 0 {
			l.ScheduledRequestRate = float64(l.Requests-1) / (span / 1000) // every measured arrival
		}
		if window := a.last - a.first; a.sent > 0 && window > 0 {
			l.DurationS = window / 1000
			l.AchievedConcurrency = a.busy / window
			l.AchievedRequestRate = float64(a.sent) / l.DurationS
			if span := a.lastStart - a.first; a.sent > 1 && span > 0 {
				l.AchievedRequestRate = float64(a.sent-1) / (span / 1000) // n instants over their span
			}
			l.RequestThroughput = float64(l.OK) / l.DurationS
			l.OutputTokenThroughput = float64(l.OutputTokens) / l.DurationS
			l.InputTokenThroughput = float64(l.InputTokens) / l.DurationS
			l.GoodputRPS = float64(a.good) / l.DurationS
		}
		switch {
		case l.OK == 0:
		case a.usage == l.OK:
			l.TokenSource = "usage"
		case a.chunks == l.OK:
			l.TokenSource = "chunks"
		default:
			l.TokenSource = "mixed"
		}
		l.TTFTMs, l.TPOTMs, l.E2EMs, l.ITLMs = dist(a.ttft), dist(a.tpot), dist(a.e2e), dist(a.itl)
		l.TTFTAllMs, l.TPOTAllMs, l.E2EAllMs, l.ITLAllMs = distAll(a.ttft, l.Errors), distAll(a.tpot, l.Errors), distAll(a.e2e, l.Errors), distAll(a.itlAll, l.Errors)
		if l.Requests > 0 {
			r := float64(a.good) / float64(l.Requests) // every measured request, not_sent included
			l.SLOAttainment = &r
		}
		l.SendLagMs, l.QueueMs = dist(a.lag), dist(a.queue)
		if len(a.server) > 0 {
			d := dist(a.server)
			l.ServerTTFTMs = &d
		}
		if len(a.overhead) > 0 {
			d := dist(a.overhead)
			l.ServerTTFTOverheadMs = &d
		}
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	return out
}

// referenceSeries computes, row by row, what Series must return for runID.
func referenceSeries(rows []sample.Row, runID string) map[int][]summary.Second {
	type acc struct {
		s                 summary.Second
		ttft, e2e, lag    float64
		nTTFT, nE2E, nLag int
	}
	type key struct{ level, t int }
	byKey := map[key]*acc{}
	for _, r := range rows {
		if r.RunID != runID {
			continue
		}
		k := key{int(r.LevelIndex), int(math.Floor(r.IntendedMs / 1000))}
		a := byKey[k]
		if a == nil {
			a = &acc{s: summary.Second{T: k.t}}
			byKey[k] = a
		}
		a.s.Arrivals++
		if r.Status != string(sample.StatusNotSent) {
			a.s.Sent++
			a.lag += r.SchedDelayMs
			a.nLag++
		}
		if r.Status != "ok" {
			a.s.Errors++
			continue
		}
		a.s.OK++
		a.s.OutputTokens += int64(r.OutputTokens)
		if r.TTFTMs != nil {
			a.ttft += *r.TTFTMs
			a.nTTFT++
		}
		if r.E2EMs != nil {
			a.e2e += *r.E2EMs
			a.nE2E++
		}
	}
	mean := func(sum float64, n int) float64 {
		if n == 0 {
			return 0
		}
		return sum / float64(n)
	}
	out := map[int][]summary.Second{}
	for k, a := range byKey {
		s := a.s
		s.TTFTMeanMs, s.E2EMeanMs, s.SendLagMeanMs = mean(a.ttft, a.nTTFT), mean(a.e2e, a.nE2E), mean(a.lag, a.nLag)
		out[k.level] = append(out[k.level], s)
	}
	for _, ss := range out {
		sort.Slice(ss, func(i, j int) bool { return ss[i].T < ss[j].T })
	}
	return out
}

// meets reports whether an ok row meets every SLO set.
// referenceTurns computes, row by row, what Turns must return for runID.
func referenceTurns(rows []sample.Row, runID string) map[int][]summary.Turn {
	type key struct{ level, turn int }
	type acc struct {
		t                                summary.Turn
		input, cached, cachedOf, cachedN int64
		ttft, e2e                        []float64
	}
	accs := map[key]*acc{}
	for _, r := range rows {
		if r.RunID != runID || r.Warmup || r.Turn == nil {
			continue
		}
		k := key{int(r.LevelIndex), int(*r.Turn)}
		a := accs[k]
		if a == nil {
			a = &acc{t: summary.Turn{Turn: k.turn}}
			accs[k] = a
		}
		a.t.Requests++
		if r.Status != "ok" {
			continue
		}
		a.t.OK++
		a.input += int64(r.InputTokens)
		if r.CachedTokens != nil {
			a.cached += int64(*r.CachedTokens)
			a.cachedOf += int64(r.InputTokens)
			a.cachedN++
		}
		if r.TTFTMs != nil {
			a.ttft = append(a.ttft, *r.TTFTMs)
		}
		if r.E2EMs != nil {
			a.e2e = append(a.e2e, *r.E2EMs)
		}
	}
	out := map[int][]summary.Turn{}
	for k, a := range accs {
		t := a.t
		if t.OK > 0 {
			t.InputTokensMean = float64(a.input) / float64(t.OK)
		}
		t.CachedTokens = a.cached
		if a.cachedN > 0 && a.cachedOf > 0 {
			r := float64(a.cached) / float64(a.cachedOf)
			t.CacheHitRatio = &r
		}
		t.TTFTMs, t.E2EMs = dist(a.ttft), dist(a.e2e)
		out[k.level] = append(out[k.level], t)
	}
	for _, ts := range out {
		sort.Slice(ts, func(i, j int) bool { return ts[i].Turn < ts[j].Turn })
	}
	return out
}

func meets(r sample.Row, slo query.SLO) bool {
	if slo.TTFTMs > 0 && (r.TTFTMs == nil || *r.TTFTMs > slo.TTFTMs) {
		return false
	}
	if slo.TPOTMs > 0 && r.TPOTMs != nil && *r.TPOTMs > slo.TPOTMs {
		return false
	}
	if slo.E2EMs > 0 && (r.E2EMs == nil || *r.E2EMs > slo.E2EMs) {
		return false
	}
	return true
}

func dist(x []float64) summary.Dist {
	if len(x) == 0 {
		return summary.Dist{}
	}
	s := append([]float64(nil), x...)
	sort.Float64s(s)
	var sum float64
	for _, v := range s {
		sum += v
	}
	return summary.Dist{
		N:    len(s),
		Mean: sum / float64(len(s)),
		P50:  query.Percentile(s, 0.50),
		P90:  query.Percentile(s, 0.90),
		P95:  query.Percentile(s, 0.95),
		P99:  query.Percentile(s, 0.99),
		Max:  s[len(s)-1],
	}
}

// distAll is the distribution of x and failures values +Inf, row by row:
// the infinities are in the sorted slice, and percentileInf interpolates
// over them; an infinite figure is reported as nil.
func distAll(x []float64, failures int) summary.DistAll {
	s := append([]float64(nil), x...)
	for range failures {
		s = append(s, math.Inf(1))
	}
	sort.Float64s(s)
	d := summary.DistAll{N: len(s), Failures: failures}
	if len(s) == 0 {
		return d
	}
	finite := func(v float64) *float64 {
		if math.IsInf(v, 1) {
			return nil
		}
		return &v
	}
	var sum float64
	for _, v := range s {
		sum += v
	}
	d.Mean, d.Max = finite(sum/float64(len(s))), finite(s[len(s)-1])
	d.P50, d.P90 = finite(percentileInf(s, 0.50)), finite(percentileInf(s, 0.90))
	d.P95, d.P99 = finite(percentileInf(s, 0.95)), finite(percentileInf(s, 0.99))
	return d
}

// percentileInf is query.Percentile over values that may be +Inf: a zero
// weight on an infinite neighbour is no weight (Percentile would compute
// 0·∞ = NaN), a nonzero one makes the percentile infinite.
func percentileInf(sorted []float64, p float64) float64 {
	h := float64(len(sorted)-1) * p
	lo := math.Floor(h)
	i := int(lo)
	if i >= len(sorted)-1 || h == lo {
		return sorted[i]
	}
	if math.IsInf(sorted[i+1], 1) {
		return math.Inf(1)
	}
	return sorted[i] + (h-lo)*(sorted[i+1]-sorted[i])
}

// diff lists every field where got and want differ, floats compared to a
// relative tolerance; it walks the whole value, so a field added to
// summary.Level is compared too.
func diff(path string, got, want reflect.Value, rel float64) []string {
	switch got.Kind() {
	case reflect.Float64:
		if !near(got.Float(), want.Float(), rel) {
			return []string{fmt.Sprintf("%s = %v, want %v", path, got.Float(), want.Float())}
		}
		return nil
	case reflect.Struct:
		var out []string
		for i := range got.NumField() {
			out = append(out, diff(path+"."+got.Type().Field(i).Name, got.Field(i), want.Field(i), rel)...)
		}
		return out
	case reflect.Slice:
		if got.Len() != want.Len() {
			return []string{fmt.Sprintf("%s: %d elements, want %d", path, got.Len(), want.Len())}
		}
		var out []string
		for i := range got.Len() {
			out = append(out, diff(fmt.Sprintf("%s[%d]", path, i), got.Index(i), want.Index(i), rel)...)
		}
		return out
	case reflect.Pointer:
		if got.IsNil() || want.IsNil() {
			if got.IsNil() != want.IsNil() {
				return []string{fmt.Sprintf("%s = %s, want %s", path, ptr(got), ptr(want))}
			}
			return nil
		}
		return diff(path, got.Elem(), want.Elem(), rel)
	default: // ints, strings, maps of ints
		if !reflect.DeepEqual(got.Interface(), want.Interface()) {
			return []string{fmt.Sprintf("%s = %#v, want %#v", path, got.Interface(), want.Interface())}
		}
		return nil
	}
}

// ptr writes a pointer diff shows: nil, or what it points to.
func ptr(v reflect.Value) string {
	if v.IsNil() {
		return "nil"
	}
	return fmt.Sprint(v.Elem().Interface())
}
