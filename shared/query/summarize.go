package query

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/llmbench/llmbench/shared/summary"
)

// ErrNoRows is returned (wrapped) by Summarize when the run has no row at
// all, warm-up included.
var ErrNoRows = errors.New("no rows for the run")

// Summarize computes the figures of every level of a run, ordered by
// Index (level_index), with the two queries of SummarySQL run on e. It
// fills every field of summary.Level but the two cost fields, which the
// caller adds with package cost, Ramp, which the spec knows, and Series,
// which Series computes. The figures are defined in the package
// documentation.
//
// SLO limits must be zero (no limit) or positive and finite.
func Summarize(ctx context.Context, e Engine, runID string, slo SLO) ([]summary.Level, error) {
	if err := checkRunID(runID); err != nil {
		return nil, fmt.Errorf("query: summarize: %w", err)
	}
	for _, v := range []struct {
		name string
		ms   float64
	}{{"TTFT", slo.TTFTMs}, {"TPOT", slo.TPOTMs}, {"E2E", slo.E2EMs}} {
		if v.ms < 0 || math.IsNaN(v.ms) || math.IsInf(v.ms, 0) {
			return nil, fmt.Errorf("query: summarize: invalid %s SLO %v ms: want 0 (no limit) or a positive number", v.name, v.ms)
		}
	}
	countsQ, distsQ := SummarySQL(runID, slo)

	rows, err := e.Query(ctx, countsQ)
	if err != nil {
		return nil, fmt.Errorf("query: summarize: counts: %w", err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("query: summarize: run %q: %w", runID, ErrNoRows)
	}
	acc := map[int64]*levelAcc{}
	for i, r := range rows {
		g, err := readGroup(r)
		if err != nil {
			return nil, fmt.Errorf("query: summarize: counts row %d: %w", i, err)
		}
		a := acc[g.index]
		if a == nil {
			a = &levelAcc{}
			acc[g.index] = a
		}
		a.add(g)
	}

	rows, err = e.Query(ctx, distsQ)
	if err != nil {
		return nil, fmt.Errorf("query: summarize: distributions: %w", err)
	}
	for i, r := range rows {
		if err := readDist(r, acc); err != nil {
			return nil, fmt.Errorf("query: summarize: distributions row %d: %w", i, err)
		}
	}

	levels := make([]summary.Level, 0, len(acc))
	for index, a := range acc {
		l := a.level(int(index))
		if err := failuresInTail(&l, a.good); err != nil {
			return nil, fmt.Errorf("query: summarize: level %d: %w", index, err)
		}
		levels = append(levels, l)
	}
	sort.Slice(levels, func(i, j int) bool { return levels[i].Index < levels[j].Index })
	return levels, nil
}

// checkRunID rejects the run IDs no run has: the empty one, and one with a
// NUL, which no SQL string literal can hold.
func checkRunID(runID string) error {
	if runID == "" || strings.ContainsRune(runID, 0) {
		return fmt.Errorf("invalid run ID %q", runID)
	}
	return nil
}

// group is one row of the counts query: one status of one level.
type group struct {
	index, warmup, requests               int64
	status, mode                          string
	concurrency                           int64
	requestRate                           float64
	first, last, lastStart                *float64 // nil when the group has only warm-up rows
	firstIntended, lastIntended           *float64
	busy                                  float64
	input, output                         int64
	good, usageRows, chunkRows            int64
	throttled, cutShort                   int64
	backoffMs                             float64
	cached, cachedOf, cachedRows          int64
	reasoning, reasoningOf, reasoningRows int64
}

func readGroup(r map[string]any) (group, error) {
	var g group
	c := cols{r: r}
	g.index = c.int("level_index")
	g.status = c.str("status")
	g.concurrency = c.int("concurrency")
	g.mode = c.str("mode")
	g.requestRate = c.float("request_rate")
	g.warmup = c.int("warmup_requests")
	g.requests = c.int("requests")
	g.first = c.floatOrNil("first_start_ms")
	g.last = c.floatOrNil("last_end_ms")
	g.lastStart = c.floatOrNil("last_start_ms")
	g.firstIntended = c.floatOrNil("first_intended_ms")
	g.lastIntended = c.floatOrNil("last_intended_ms")
	g.busy = c.float("busy_ms")
	g.input = c.int("input_tokens")
	g.output = c.int("output_tokens")
	g.good = c.int("good")
	g.usageRows = c.int("usage_rows")
	g.chunkRows = c.int("chunk_rows")
	g.throttled = c.int("throttled")
	g.cutShort = c.int("cut_short")
	g.backoffMs = c.float("backoff_ms")
	g.cached, g.cachedOf, g.cachedRows = c.int("cached_tokens"), c.int("cached_of_input"), c.int("cached_rows")
	g.reasoning, g.reasoningOf, g.reasoningRows = c.int("reasoning_tokens"), c.int("reasoning_of_output"), c.int("reasoning_rows")
	if c.err != nil {
		return g, c.err
	}
	if g.requests > 0 && (g.first == nil || g.last == nil || g.lastStart == nil || g.firstIntended == nil || g.lastIntended == nil) {
		return g, fmt.Errorf("level %d status %q: %d requests but no window", g.index, g.status, g.requests)
	}
	return g, nil
}

// levelAcc folds the status groups of one level.
type levelAcc struct {
	l           summary.Level
	sent        int64 // non-warm-up rows that were sent: the window's rows
	first, last float64
	lastStart   float64 // the last send
	// What the servers reported of prefix cache and reasoning, over the ok
	// rows that reported it, and those rows' input and output tokens.
	cached, cachedOf, cachedRows          int64
	reasoning, reasoningOf, reasoningRows int64
	// The span of the measured arrivals' intended instants, sent or not.
	firstIntended, lastIntended float64
	busy                        float64
	good                        int64
	usage                       int64
	chunks                      int64
}

func (a *levelAcc) add(g group) {
	a.l.WarmupRequests += int(g.warmup)
	a.l.Concurrency = max(a.l.Concurrency, int(g.concurrency))
	a.l.RequestRate = max(a.l.RequestRate, g.requestRate)
	a.l.Mode = max(a.l.Mode, g.mode)
	if g.requests == 0 {
		return
	}
	if a.l.Requests == 0 || *g.firstIntended < a.firstIntended {
		a.firstIntended = *g.firstIntended
	}
	if a.l.Requests == 0 || *g.lastIntended > a.lastIntended {
		a.lastIntended = *g.lastIntended
	}
	a.l.Requests += int(g.requests)
	a.l.Throttled += int(g.throttled)
	a.l.CutShort += int(g.cutShort)
	a.l.BackoffS += g.backoffMs / 1000
	if g.status != "ok" {
		if a.l.ErrorsByStatus == nil {
			a.l.ErrorsByStatus = map[string]int{}
		}
		a.l.ErrorsByStatus[g.status] += int(g.requests)
	}
	if g.status == notSent {
		// Never issued: its start = end = intended instant is no time
		// the target was loaded, so it widens no window.
		a.l.NotSent += int(g.requests)
		return
	}
	if a.sent == 0 || *g.first < a.first {
		a.first = *g.first
	}
	if a.sent == 0 || *g.last > a.last {
		a.last = *g.last
	}
	if a.sent == 0 || *g.lastStart > a.lastStart {
		a.lastStart = *g.lastStart
	}
	a.sent += g.requests
	a.busy += g.busy
	if g.status != "ok" {
		return
	}
	a.l.OK += int(g.requests)
	a.cached += g.cached
	a.cachedOf += g.cachedOf
	a.cachedRows += g.cachedRows
	a.reasoning += g.reasoning
	a.reasoningOf += g.reasoningOf
	a.reasoningRows += g.reasoningRows
	a.l.InputTokens += g.input
	a.l.OutputTokens += g.output
	a.good += g.good
	a.usage += g.usageRows
	a.chunks += g.chunkRows
}

// level derives the figures of the level from its counts.
func (a *levelAcc) level(index int) summary.Level {
	l := a.l
	l.Index = index
	l.Errors = l.Requests - l.OK
	if l.Requests > 0 {
		l.ErrorRate = float64(l.Errors) / float64(l.Requests)
	}
	switch {
	case l.OK == 0: // no token source
	case a.usage == int64(l.OK):
		l.TokenSource = "usage"
	case a.chunks == int64(l.OK):
		l.TokenSource = "chunks"
	default:
		l.TokenSource = "mixed"
	}
	l.CachedTokens, l.CacheHitRatio = a.cached, ratio(a.cached, a.cachedOf, a.cachedRows)
	l.ReasoningTokens, l.ReasoningShare = a.reasoning, ratio(a.reasoning, a.reasoningOf, a.reasoningRows)
	if span := a.lastIntended - a.firstIntended; l.Requests > 1 && span > 0 {
		l.ScheduledRequestRate = float64(l.Requests-1) / (span / 1000)
	}
	if windowMs := a.last - a.first; a.sent > 0 && windowMs > 0 {
		l.DurationS = windowMs / 1000
		l.AchievedConcurrency = a.busy / windowMs
		l.AchievedRequestRate = achievedRate(a.sent, a.first, a.lastStart, windowMs)
		l.RequestThroughput = float64(l.OK) / l.DurationS
		l.OutputTokenThroughput = float64(l.OutputTokens) / l.DurationS
		l.InputTokenThroughput = float64(l.InputTokens) / l.DurationS
		l.GoodputRPS = float64(a.good) / l.DurationS
	}
	return l
}

// readDist stores one row of the distribution query in its level.
func readDist(r map[string]any, acc map[int64]*levelAcc) error {
	c := cols{r: r}
	index := c.int("level_index")
	metric := c.str("metric")
	d := summary.Dist{
		N:    int(c.int("n")),
		Mean: c.float("mean"),
		P50:  c.float("p50"),
		P90:  c.float("p90"),
		P95:  c.float("p95"),
		P99:  c.float("p99"),
		Max:  c.float("maximum"),
	}
	if c.err != nil {
		return c.err
	}
	all := distAll(&c, d.N, d.Mean, d.Max)
	if c.err != nil {
		return c.err
	}
	a := acc[index]
	if a == nil {
		return fmt.Errorf("level %d: distribution %q of a level the counts do not have", index, metric)
	}
	switch metric {
	case metricTTFT:
		a.l.TTFTMs, a.l.TTFTAllMs = d, all
	case metricTPOT:
		a.l.TPOTMs, a.l.TPOTAllMs = d, all
	case metricE2E:
		a.l.E2EMs, a.l.E2EAllMs = d, all
	case metricITL:
		a.l.ITLMs = d
	case metricITLAll:
		a.l.ITLAllMs = all
	case metricSendLag:
		a.l.SendLagMs = d
	case metricQueue:
		a.l.QueueMs = d
	case metricServerTTFT:
		a.l.ServerTTFTMs = &d
	case metricServerOverhead:
		a.l.ServerTTFTOverheadMs = &d
	default:
		return fmt.Errorf("level %d: unknown metric %q", index, metric)
	}
	return nil
}

// cols reads typed values from a result row, keeping the first error.
type cols struct {
	r   map[string]any
	err error
}

func (c *cols) get(name string) (any, bool) {
	v, ok := c.r[name]
	if !ok && c.err == nil {
		c.err = fmt.Errorf("column %q missing", name)
	}
	return v, ok
}

func (c *cols) fail(name string, v any, want string) {
	if c.err == nil {
		c.err = fmt.Errorf("column %q: got %T (%v), want %s", name, v, v, want)
	}
}

func (c *cols) int(name string) int64 {
	v, ok := c.get(name)
	if !ok {
		return 0
	}
	n, ok := v.(int64)
	if !ok {
		c.fail(name, v, "int64")
	}
	return n
}

func (c *cols) str(name string) string {
	v, ok := c.get(name)
	if !ok {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		c.fail(name, v, "string")
	}
	return s
}

func (c *cols) float(name string) float64 {
	v, ok := c.get(name)
	if !ok {
		return 0
	}
	f, ok := v.(float64)
	if !ok {
		c.fail(name, v, "float64")
	}
	return f
}

func (c *cols) floatOrNil(name string) *float64 {
	v, ok := c.get(name)
	if !ok || v == nil {
		return nil
	}
	f, ok := v.(float64)
	if !ok {
		c.fail(name, v, "float64 or nil")
		return nil
	}
	return &f
}

// achievedRate is the rate of n instants from firstMs to lastMs: (n − 1)
// / their span, the rate estimate of points spread over it; with one, or
// all at one instant, n / the window. Of the sends it is the achieved
// rate, of the intended instants the scheduled one.
func achievedRate(sent int64, firstMs, lastStartMs, windowMs float64) float64 {
	if span := lastStartMs - firstMs; sent > 1 && span > 0 {
		return float64(sent-1) / (span / 1000)
	}
	return float64(sent) / (windowMs / 1000)
}

// ratio is part / whole over the rows that reported the part, nil when
// none did (the server says nothing of it) or whole is 0.
func ratio(part, whole, rows int64) *float64 {
	if rows == 0 || whole <= 0 {
		return nil
	}
	r := float64(part) / float64(whole)
	return &r
}
