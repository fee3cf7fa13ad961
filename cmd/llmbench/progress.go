package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/llmbench/llmbench/shared/loadgen"
	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/workflow"
)

// progress prints a live line per level: on a terminal it redraws one line
// a few times a second; in a log it prints a line every 5 seconds.
type progress struct {
	w     io.Writer
	tty   bool
	spec  *spec.Spec
	mu    sync.Mutex
	stop  chan struct{}
	done  chan struct{}
	total int
	index int
}

func newProgress(w io.Writer, s *spec.Spec) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &progress{w: w, tty: tty, spec: s}
}

func (p *progress) Planned(pl *workflow.Plan) {
	p.total = len(pl.Levels)
	what := string(p.spec.Load.Duration)
	if p.spec.Load.Requests > 0 {
		what = fmt.Sprintf("%d requests", p.spec.Load.Requests)
	}
	fmt.Fprintf(p.w, "llmbench: run %s: %d level(s) %v, %s each after %s warm-up\n",
		pl.RunID, len(pl.Levels), p.spec.Load.Levels, what, orNone(string(p.spec.Load.Warmup)))
}

func orNone(s string) string {
	if s == "" {
		return "no"
	}
	return s
}

func (p *progress) LevelStarted(l workflow.PlanLevel, c *loadgen.Counters) {
	p.index++
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
		lastAt := start
		rate := 0.0
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
				line := fmt.Sprintf("level %d/%d  conc %-4d %6.1fs  done %-6d errors %-4d in flight %-4d out %7.1f tok/s",
					p.index, p.total, l.Concurrency, now.Sub(start).Seconds(), c.Done.Load(), c.Errors.Load(), c.InFlight.Load(), rate)
				if p.tty {
					fmt.Fprintf(p.w, "\r\033[K%s", line)
				} else {
					fmt.Fprintln(p.w, line)
				}
			}
		}
	}()
}

func (p *progress) LevelDone(l workflow.PlanLevel, results []*workflow.SliceResult) {
	close(p.stop)
	<-p.done
	n, errs, warm := 0, 0, 0
	for _, r := range results {
		if r != nil {
			n += r.Requests
			errs += r.Errors
			warm += r.Warmup
		}
	}
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
	fmt.Fprintf(p.w, "level %d/%d  conc %-4d done: %d requests (%d warm-up), %d errors\n", p.index, p.total, l.Concurrency, n, warm, errs)
}
