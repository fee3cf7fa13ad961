package report

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/summary"
)

// ModeRate is summary.Level.Mode for an open-loop level; any other value
// ("concurrency", or "" in summaries written before load.mode existed) is
// a closed-loop level.
const ModeRate = "rate"

// IsRate reports whether the level drove the target at a request rate
// (open loop) rather than with virtual users.
func IsRate(l *summary.Level) bool { return l.Mode == ModeRate }

// Label names a level as every report prints it: its concurrency ("32")
// in mode concurrency; its asked rate ("4 req/s", and "4 req/s ≤16" when
// load.max_concurrency capped it at 16 in flight) in mode rate; how it
// ramped ("linear 1→32 over 1m0s") when it ramped, in either mode; and,
// with load.repeats, which run of its load point it is ("32 (2/3)").
func Label(l *summary.Level) string {
	if r := l.Repeat; r != nil {
		bare := *l
		bare.Repeat = nil
		return fmt.Sprintf("%s (%d/%d)", Label(&bare), r.Run, r.Of)
	}
	switch {
	case l.Ramp != "":
		return l.Ramp
	case IsRate(l):
		s := FormatRate(l.RequestRate) + " req/s"
		if l.Concurrency > 0 {
			s += fmt.Sprintf(" ≤%d", l.Concurrency)
		}
		return s
	default:
		return strconv.Itoa(l.Concurrency)
	}
}

// FormatRate writes a request rate without trailing zeros, to three
// decimals at most ("4", "0.5", "12.25"), or three significant digits
// when it has more ("3.71" for a sweep's 3.7142857…): a sweep computes its
// rates, and their full digits would only be noise in a label.
func FormatRate(r float64) string {
	s := strconv.FormatFloat(r, 'f', -1, 64)
	if i := strings.IndexByte(s, '.'); i < 0 || len(s)-i-1 <= 3 {
		return s
	}
	if r >= 100 || r <= -100 {
		return strconv.FormatFloat(r, 'f', 1, 64)
	}
	return strconv.FormatFloat(r, 'g', 3, 64)
}

// levelName is the label of the level whose Index is idx, for the slice
// lists (which name a level by its index). An index no level has, or one
// several levels share (a summary written before levels had an index),
// is printed as "#idx".
func levelName(s *summary.Summary, idx int) string {
	name, n := "", 0
	for i := range s.Levels {
		if s.Levels[i].Index == idx {
			name, n = Label(&s.Levels[i]), n+1
		}
	}
	if n != 1 {
		return fmt.Sprintf("#%d", idx)
	}
	return name
}

// hasRate reports whether any level of the run is in mode rate.
func hasRate(s *summary.Summary) bool {
	for i := range s.Levels {
		if IsRate(&s.Levels[i]) {
			return true
		}
	}
	return false
}

// plain reports whether every level is a steady concurrency level: the
// report then reads as it always has, levels named by their concurrency
// under a "concurrency" heading.
func plain(s *summary.Summary) bool {
	for i := range s.Levels {
		if l := &s.Levels[i]; IsRate(l) || l.Ramp != "" {
			return false
		}
	}
	return true
}

// hasSeries reports whether the level's per-second series is worth
// showing: a ramp (the point of one is how the server follows it) or a
// rate level (where a queue building up shows second by second).
func hasSeries(l *summary.Level) bool {
	return len(l.Series) > 0 && (l.Ramp != "" || IsRate(l))
}

// rateColumns are the open-loop figures of a level: what was asked, what
// was sent, and how late.
var rateColumns = []column{
	{"level", Label},
	{"asked req/s", func(l *summary.Level) string {
		if !IsRate(l) {
			return "-"
		}
		return FormatRate(l.RequestRate)
	}},
	{"scheduled req/s", func(l *summary.Level) string {
		if !IsRate(l) {
			return "-"
		}
		return fmt.Sprintf("%.2f", l.ScheduledRequestRate)
	}},
	{"achieved req/s", func(l *summary.Level) string {
		if !IsRate(l) {
			return "-" // a closed loop's sends follow its answers: req/s above says what it did
		}
		return fmt.Sprintf("%.2f", l.AchievedRequestRate)
	}},
	{"achieved % of scheduled", func(l *summary.Level) string {
		if !IsRate(l) || l.ScheduledRequestRate <= 0 {
			return "-"
		}
		return fmt.Sprintf("%.1f", 100*l.AchievedRequestRate/l.ScheduledRequestRate)
	}},
	{"not sent", func(l *summary.Level) string {
		if !IsRate(l) {
			return "-"
		}
		return strconv.Itoa(l.NotSent)
	}},
	{"send lag p50 ms", func(l *summary.Level) string { return sendLag(l, l.SendLagMs.P50) }},
	{"send lag p99 ms", func(l *summary.Level) string { return sendLag(l, l.SendLagMs.P99) }},
	{"queue p50 ms", func(l *summary.Level) string { return queue(l, l.QueueMs.P50) }},
	{"queue p99 ms", func(l *summary.Level) string { return queue(l, l.QueueMs.P99) }},
}

// sendLag is a cell of the level's send lag: "-" for a concurrency level
// (a virtual user sends when its previous request ends: it has no
// intended instant to lag behind) or one that sent nothing.
func sendLag(l *summary.Level, v float64) string {
	if !IsRate(l) {
		return "-"
	}
	return msCell(l.SendLagMs.N, v)
}

// queue is a cell of the level's wait for a load.max_concurrency slot:
// "-" without a cap, where nothing waits.
func queue(l *summary.Level, v float64) string {
	if !IsRate(l) || l.Concurrency == 0 {
		return "-"
	}
	return msCell(l.QueueMs.N, v)
}

// rateNote explains the open-loop table's columns and dashes.
const rateNote = "Asked: the rate the spec set; scheduled: the rate of the measured arrivals as drawn ((n − 1) / their span: a random schedule's count differs from the asked rate by about √n); " +
	"achieved: the rate of the measured sends, the same way (not_sent arrivals excluded), judged against scheduled. " +
	"Not sent: arrivals that could not be sent before the level ended, counted as errors too. " +
	"Send lag: send instant minus intended instant, over the requests sent; queue: the part of it spent waiting for a load.max_concurrency slot. " +
	"\"-\": not a rate level, no cap (queue), or nothing sent."

// loadShape describes the levels a spec asks for, or returns "" for
// steady concurrency levels, which each report words its own way.
func loadShape(l *spec.Load) string {
	var arr []string
	if l.Arrival != "" {
		arr = append(arr, l.Arrival+" arrivals")
	}
	if l.Burstiness != 0 {
		arr = append(arr, fmt.Sprintf("burstiness %g", l.Burstiness))
	}
	if l.MaxConcurrency > 0 {
		arr = append(arr, fmt.Sprintf("at most %d in flight", l.MaxConcurrency))
	}
	how := ""
	if len(arr) > 0 {
		how = " (" + strings.Join(arr, ", ") + ")"
	}
	ramp := func(unit string) string {
		r := l.Ramp
		st := r.Strategy
		if st == "" {
			st = spec.RampLinear
		}
		return fmt.Sprintf("%s %g→%g%s over %s", st, r.From, r.To, unit, r.Over)
	}
	rate := l.Mode == spec.ModeRate
	switch {
	case l.Profile == spec.ProfileSweep:
		return fmt.Sprintf("sweep: a synchronous level (1 stream), a throughput level (%d streams), then %d rate levels between their request rates%s",
			l.SweepConcurrency, l.SweepLevels, how)
	case rate && l.Ramp != nil:
		return "a rate ramp " + ramp(" req/s") + how
	case rate:
		rs := make([]string, len(l.Rates))
		for i, r := range l.Rates {
			rs[i] = FormatRate(r)
		}
		return "rates " + strings.Join(rs, ", ") + " req/s" + how
	case l.Ramp != nil:
		return "a ramp of virtual users " + ramp("")
	}
	return ""
}

// WorkloadShape describes what each request asked: the prompts (synthetic
// of a length, or a dataset) and the output tokens. stream is "streaming"
// or "not streaming".
func WorkloadShape(w *spec.Workload, stream string) string {
	prompts := w.InputTokens.String() + " input tokens (approx.)"
	if w.Prompts == spec.PromptsDataset && w.Dataset != nil {
		prompts = fmt.Sprintf("prompts from %s (%s, %s)", w.Dataset.Path, w.Dataset.Format, w.Dataset.Sample)
	}
	out := w.OutputTokens.String() + " output tokens"
	if w.OutputTokens.IsZero() {
		out = "output tokens of each record's answer"
	}
	shape := prompts + ", " + out + ", " + stream
	if ss := w.Session; ss != nil {
		shape += fmt.Sprintf(", conversations of %s turns (think time %s)", ss.Turns, ss.ThinkTime)
	}
	return shape
}
