package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/llmbench/llmbench/shared/loadgen"
	"github.com/llmbench/llmbench/shared/plan"
	"github.com/llmbench/llmbench/shared/sfnlocal"
	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/workflow"
)

// progress shows a run as the local state machine executes it: a live line
// per level (redrawn on a terminal, every 5 s in a log) and a line when the
// level ends.
type progress struct {
	w        io.Writer
	tty      bool
	spec     *spec.Spec
	counters func(level int) *loadgen.Counters

	mu     sync.Mutex
	plan   *workflow.PlanOutput
	stop   chan struct{}
	done   chan struct{}
	failed int
}

func newProgress(w io.Writer, s *spec.Spec, counters func(int) *loadgen.Counters) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &progress{w: w, tty: tty, spec: s, counters: counters}
}

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
	total := p.total()
	p.stop, p.done = make(chan struct{}), make(chan struct{})
	start := time.Now()
	every := 5 * time.Second
	if p.tty {
		every = 250 * time.Millisecond
	}
	go func() {
		defer close(p.done)
		t := time.NewTicker(every)
		defer t.Stop()
		var lastTok int64
		lastAt, rate := start, 0.0
		for {
			select {
			case <-p.stop:
				return
			case now := <-t.C:
				tok := c.OutputTokens.Load()
				if dt := now.Sub(lastAt).Seconds(); dt >= 1 || !p.tty {
					rate = float64(tok-lastTok) / dt
					lastTok, lastAt = tok, now
				}
				line := fmt.Sprintf("level %d/%d  %s %6.1fs  done %-6d errors %-4d in flight %-4d out %7.1f tok/s",
					n, total, label, now.Sub(start).Seconds(), c.Done.Load(), c.Errors.Load(), c.InFlight.Load(), rate)
				if p.tty {
					fmt.Fprintf(p.w, "\r\033[K%s", line)
				} else {
					fmt.Fprintln(p.w, line)
				}
			}
		}
	}()
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
		fmt.Fprint(p.w, "\r\033[K")
	}
	fmt.Fprintf(p.w, "level %d/%d  %s done: %d requests (warm-up included), %d errors\n",
		n, p.total(), label, c.Done.Load(), c.Errors.Load())
}
