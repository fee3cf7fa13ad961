package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/llmbench/llmbench/shared/loadgen"
	"github.com/llmbench/llmbench/shared/plan"
	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/sfnlocal"
	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/target"
	"github.com/llmbench/llmbench/shared/workflow"
)

// progress shows a run as the local state machine executes it: a live line
// per level once a second (redrawn in place on a terminal, a line per
// second in a log) and a line when the level ends.
type progress struct {
	w        io.Writer
	tty      bool
	spec     *spec.Spec
	counters func(level int) *loadgen.Counters
	ttft     *ttftWindow // the TTFTs of the answers since the last tick
	// newTicker starts the ticks of a level; tests feed their own.
	newTicker func(d time.Duration) (ticks <-chan time.Time, stop func())

	mu     sync.Mutex
	plan   *workflow.PlanOutput
	stop   chan struct{}
	done   chan struct{}
	failed int
}

func newProgress(w io.Writer, s *spec.Spec, counters func(int) *loadgen.Counters, ttft *ttftWindow) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &progress{w: w, tty: tty, spec: s, counters: counters, ttft: ttft, newTicker: realTicker}
}

func realTicker(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(d)
	return t.C, t.Stop
}

// progressEvery is how often the live line is updated.
const progressEvery = time.Second

// planned hears the planner's answer, and a sweep's: the levels the
// Levels map iterates next.
func (p *progress) planned(pl *workflow.PlanOutput) {
	p.mu.Lock()
	p.plan = pl
	p.mu.Unlock()
	if se := p.spec.Search; se != nil && len(pl.Done) > 0 {
		if len(pl.Levels) == 0 {
			fmt.Fprintf(p.w, "llmbench: search: done after %d levels\n", len(pl.Done))
			return
		}
		l := pl.Levels[0]
		load := float64(l.Concurrency)
		if se.Over == spec.SearchRate {
			load = l.Rate
		}
		fmt.Fprintf(p.w, "llmbench: search: next %g%s (level %d of at most %d)\n", load, se.Unit(), l.Index+1, p.total())
		return
	}
	if len(pl.Done) > 0 {
		rates := []string{}
		for _, l := range pl.Levels {
			rates = append(rates, fmt.Sprintf("%g", l.Rate))
		}
		fmt.Fprintf(p.w, "llmbench: sweep: %d rate level(s) between the measured rates: %s req/s\n", len(pl.Levels), strings.Join(rates, ", "))
		return
	}
	what := string(p.spec.Load.Duration)
	if p.spec.Load.Requests > 0 {
		what = fmt.Sprintf("%d requests", p.spec.Load.Requests)
	}
	warm := string(p.spec.Load.Warmup)
	if warm == "" {
		warm = "no"
	}
	shape := p.shape()
	if n := p.spec.Load.RepeatCount(); n > 1 {
		shape += fmt.Sprintf(" × %d rounds (load.repeats)", n)
	}
	count := fmt.Sprintf("%d level(s)", p.total())
	if p.spec.Search != nil {
		count = "up to " + count
	}
	fmt.Fprintf(p.w, "llmbench: run %s: %s %s, %s each after %s warm-up\n", pl.RunID, count, shape, what, warm)
}

// total is the number of levels the run will have.
func (p *progress) total() int {
	return p.spec.Load.RepeatCount() * p.points()
}

// points is the number of load points of one round (load.repeats).
func (p *progress) points() int {
	l := p.spec.Load
	switch {
	case p.spec.Search != nil:
		return plan.SearchConfig(p.spec).MaxTrials()
	case l.Profile == spec.ProfileSweep:
		return 2 + l.SweepLevels
	case l.Ramp != nil:
		return 1
	case l.Mode == spec.ModeRate:
		return len(l.Rates)
	}
	return len(l.Levels)
}

// shape says what the levels are.
func (p *progress) shape() string {
	l := p.spec.Load
	switch {
	case p.spec.Search != nil:
		se := p.spec.Search
		return fmt.Sprintf("(a search over %s from %g to %g%s)", se.Over, se.Min, se.Max, se.Unit())
	case l.Profile == spec.ProfileSweep:
		return fmt.Sprintf("(sweep: concurrency 1, concurrency %d, then %d rates between)", l.SweepConcurrency, l.SweepLevels)
	case l.Ramp != nil:
		return fmt.Sprintf("(%s ramp %g→%g over %s)", l.Ramp.Strategy, l.Ramp.From, l.Ramp.To, l.Ramp.Over)
	case l.Mode == spec.ModeRate:
		return fmt.Sprintf("%v req/s", l.Rates)
	}
	return fmt.Sprint(l.Levels)
}

// levelOf reads the level index from a path such as "Levels[2]/Slices".
func levelOf(path string) (int, bool) {
	rest, ok := strings.CutPrefix(path, "Levels[")
	if !ok {
		return 0, false
	}
	i := strings.IndexByte(rest, ']')
	if i < 0 {
		return 0, false
	}
	n, err := strconv.Atoi(rest[:i])
	return n, err == nil
}

// observe follows the state machine's events.
func (p *progress) observe(ev sfnlocal.Event) {
	switch {
	case ev.State == "Slices" && ev.Type == sfnlocal.StateEntered:
		if i, ok := levelOf(ev.Path); ok {
			p.levelStarted(i)
		}
	case ev.State == "Slices" && ev.Type == sfnlocal.StateExited:
		if i, ok := levelOf(ev.Path); ok {
			p.levelDone(i)
		}
	case ev.State == "Work" && ev.Type == sfnlocal.StateFailed:
		p.mu.Lock()
		p.failed++
		p.mu.Unlock()
		fmt.Fprintf(p.w, "\nllmbench: slice %s failed: %s: %s\n", ev.Path, ev.Error, ev.Cause)
	}
}

// level returns the label and the counters of the i-th level the Levels
// map runs now (after a sweep's step, the map starts again at 0).
func (p *progress) level(i int) (n int, label string, c *loadgen.Counters) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.plan == nil || i >= len(p.plan.Levels) {
		return i + 1, "?", new(loadgen.Counters)
	}
	l := p.plan.Levels[i]
	label = fmt.Sprintf("conc %-4d", l.Concurrency)
	if l.Rate > 0 {
		label = fmt.Sprintf("rate %-6g", l.Rate)
	}
	return l.Index + 1, label, p.counters(l.Index)
}

func (p *progress) levelStarted(i int) {
	n, label, c := p.level(i)
	p.stop, p.done = make(chan struct{}), make(chan struct{})
	p.ttft.take() // the last level's stragglers are not this level's
	lt := &levelTicker{n: n, total: p.total(), label: label, c: c, ttft: p.ttft, start: time.Now()}
	lt.last = lt.start
	ticks, stopTicks := p.newTicker(progressEvery)
	go func() {
		defer close(p.done)
		defer stopTicks()
		for {
			select {
			case <-p.stop:
				return
			case now := <-ticks:
				p.emit(lt.tick(now))
			}
		}
	}()
}

// emit writes a live line: redrawn in place on a terminal, one line per
// tick elsewhere (a log, a pipe, a CI job).
func (p *progress) emit(line string) {
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
	} else {
		fmt.Fprintln(p.w, line)
	}
}

// levelTicker turns a level's live counters into one line per tick, each
// figure of the interval since the last tick.
type levelTicker struct {
	n, total int
	label    string
	c        *loadgen.Counters
	ttft     *ttftWindow
	start    time.Time
	last     time.Time // the previous tick (the start before the first)
	lastTok  int64
}

// tick reads the counters at now: "level 2/4  conc 12      3.0s  done 96
// in flight 12   ok 96     err 0    out 633.3 tok/s  TTFT p50 89.3 ms",
// the throughput and the TTFT p50 of the ok answers that ended in the
// interval since the last tick (Counters count a request's tokens when it
// ends), the counts since the level began (warm-up included).
func (lt *levelTicker) tick(now time.Time) string {
	tok := lt.c.OutputTokens.Load()
	rate := 0.0
	if dt := now.Sub(lt.last).Seconds(); dt > 0 {
		rate = float64(tok-lt.lastTok) / dt
	}
	lt.last, lt.lastTok = now, tok
	ttft := "-"
	if p50, ok := median(lt.ttft.take()); ok {
		ttft = fmt.Sprintf("%.1f ms", p50)
	}
	done, errs := lt.c.Done.Load(), lt.c.Errors.Load()
	return fmt.Sprintf("level %d/%d  %s %6.1fs  done %-6d in flight %-4d ok %-6d err %-4d out %7.1f tok/s  TTFT p50 %s",
		lt.n, lt.total, lt.label, now.Sub(lt.start).Seconds(), done, lt.c.InFlight.Load(), done-errs, errs, rate, ttft)
}

// median is the p50 of xs as the summary computes percentiles (linear
// interpolation between closest ranks); false for none.
func median(xs []float64) (float64, bool) {
	if len(xs) == 0 {
		return 0, false
	}
	sort.Float64s(xs)
	h := float64(len(xs)-1) / 2
	lo := int(h)
	if lo+1 >= len(xs) {
		return xs[lo], true
	}
	return xs[lo] + (h-float64(lo))*(xs[lo+1]-xs[lo]), true
}

// ttftWindow collects the TTFT of every ok answer until progress takes
// them, once a tick. Only a run that shows progress fills one.
type ttftWindow struct {
	mu sync.Mutex
	ms []float64
}

func (w *ttftWindow) add(ms float64) {
	w.mu.Lock()
	w.ms = append(w.ms, ms)
	w.mu.Unlock()
}

// take returns the TTFTs collected since the last take and starts anew.
func (w *ttftWindow) take() []float64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	xs := w.ms
	w.ms = nil
	return xs
}

// observeTTFT wraps a run's targets so that each ok answer's TTFT
// reaches w, for the live line; the answer itself is untouched.
func observeTTFT(open workflow.OpenTarget, w *ttftWindow) workflow.OpenTarget {
	return func(ctx context.Context, s *spec.Spec, maxConns int) (workflow.Doer, error) {
		d, err := open(ctx, s, maxConns)
		if err != nil {
			return nil, err
		}
		return &ttftDoer{Doer: d, w: w}, nil
	}
}

type ttftDoer struct {
	workflow.Doer
	w *ttftWindow
}

func (d *ttftDoer) Do(ctx context.Context, req target.Request) *sample.Result {
	r := d.Doer.Do(ctx, req)
	if r != nil && r.Status == sample.StatusOK && !r.FirstToken.IsZero() {
		d.w.add(float64(r.FirstToken.Sub(r.Start)) / float64(time.Millisecond))
	}
	return r
}

func (p *progress) levelDone(i int) {
	if p.stop == nil {
		return
	}
	close(p.stop)
	<-p.done
	p.stop = nil
	n, label, c := p.level(i)
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K") // the live line gives way to the level's last
	}
	fmt.Fprintf(p.w, "level %d/%d  %s done: %d requests (warm-up included), %d errors\n",
		n, p.total(), label, c.Done.Load(), c.Errors.Load())
}
