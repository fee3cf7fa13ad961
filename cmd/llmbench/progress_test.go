package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/loadgen"
	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/sfnlocal"
	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/target"
	"github.com/llmbench/llmbench/shared/workflow"
)

// TestProgressTicks feeds a level's live line fake ticks, with the
// counters and answers of each interval set by hand: every line says the
// requests done and in flight, ok and error counts, and the output tok/s
// and TTFT p50 of that interval alone.
func TestProgressTicks(t *testing.T) {
	c := new(loadgen.Counters)
	w := new(ttftWindow)
	t0 := time.Date(2026, 12, 4, 5, 0, 0, 0, time.UTC)
	lt := &levelTicker{n: 2, total: 4, label: "conc 12  ", c: c, ttft: w, start: t0, last: t0}
	ticks := []struct {
		at                   time.Duration // since the level's start
		done, errs, inFlight int64
		tokens               int64     // output tokens so far
		ttfts                []float64 // the ok answers' TTFTs in the interval
		want                 string
	}{
		// The first second: 640 tokens, three answers (p50 of 80, 90, 100).
		{time.Second, 10, 0, 12, 640, []float64{100, 80, 90},
			"level 2/4  conc 12      1.0s  done 10     in flight 12   ok 10     err 0    out   640.0 tok/s  TTFT p50 90.0 ms"},
		// The next two seconds (a late tick): 1,280 more tokens over 2 s; an even count interpolates.
		{3 * time.Second, 30, 2, 11, 1920, []float64{70, 80},
			"level 2/4  conc 12      3.0s  done 30     in flight 11   ok 28     err 2    out   640.0 tok/s  TTFT p50 75.0 ms"},
		// A second with no answer: no tokens, no TTFT.
		{4 * time.Second, 30, 2, 12, 1920, nil,
			"level 2/4  conc 12      4.0s  done 30     in flight 12   ok 28     err 2    out     0.0 tok/s  TTFT p50 -"},
	}
	for _, tk := range ticks {
		c.Done.Store(tk.done)
		c.Errors.Store(tk.errs)
		c.InFlight.Store(tk.inFlight)
		c.OutputTokens.Store(tk.tokens)
		for _, ms := range tk.ttfts {
			w.add(ms)
		}
		if got := lt.tick(t0.Add(tk.at)); got != tk.want {
			t.Errorf("at %v:\n got %q\nwant %q", tk.at, got, tk.want)
		}
	}
}

// TestProgressLines drives a level through the state machine's events
// with fake ticks: a log gets one line per tick, a terminal one line
// redrawn in place, and both the level's closing line.
func TestProgressLines(t *testing.T) {
	tests := []struct {
		name  string
		tty   bool
		check func(t *testing.T, out string)
	}{
		{"log", false, func(t *testing.T, out string) {
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if len(lines) != 4 || strings.Contains(out, "\r") {
				t.Fatalf("want 3 tick lines and the closing line, no \\r:\n%q", out)
			}
			for _, l := range lines[:3] {
				if !strings.HasPrefix(l, "level 1/2  conc 4   ") || !strings.Contains(l, " tok/s  TTFT p50 ") {
					t.Errorf("tick line %q", l)
				}
			}
			if lines[3] != "level 1/2  conc 4    done: 7 requests (warm-up included), 1 errors" {
				t.Errorf("closing line %q", lines[3])
			}
		}},
		{"terminal", true, func(t *testing.T, out string) {
			if n := strings.Count(out, "\r\033[K"); n != 4 || strings.Count(out, "\n") != 1 {
				t.Fatalf("want 3 redraws and a cleared line before the closing one:\n%q", out)
			}
			if !strings.HasSuffix(out, "\r\033[Klevel 1/2  conc 4    done: 7 requests (warm-up included), 1 errors\n") {
				t.Errorf("closing: %q", out)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			c := new(loadgen.Counters)
			s := &spec.Spec{Load: spec.Load{Levels: []int{4, 8}}}
			p := newProgress(&buf, s, func(int) *loadgen.Counters { return c }, new(ttftWindow))
			p.tty = tt.tty
			ticks := make(chan time.Time)
			p.newTicker = func(d time.Duration) (<-chan time.Time, func()) {
				if d != time.Second {
					t.Errorf("ticks every %v, want 1s", d)
				}
				return ticks, func() {}
			}
			p.plan = &workflow.PlanOutput{Levels: []workflow.LevelStep{{Index: 0, Concurrency: 4}, {Index: 1, Concurrency: 8}}}
			p.observe(sfnlocal.Event{State: "Slices", Type: sfnlocal.StateEntered, Path: "Levels[0]/Slices"})
			now := time.Now()
			for i := 1; i <= 3; i++ {
				c.Done.Store(int64(2 * i))
				ticks <- now.Add(time.Duration(i) * time.Second)
			}
			c.Done.Store(7)
			c.Errors.Store(1)
			p.observe(sfnlocal.Event{State: "Slices", Type: sfnlocal.StateExited, Path: "Levels[0]/Slices"})
			tt.check(t, buf.String())
		})
	}
}

// fixedDoer answers every request with one result.
type fixedDoer struct{ r sample.Result }

func (d *fixedDoer) Do(context.Context, target.Request) *sample.Result { r := d.r; return &r }
func (d *fixedDoer) Close()                                            {}

// TestObserveTTFT: the wrapped target hands back its answers untouched and
// gives the live line the TTFT of ok answers only.
func TestObserveTTFT(t *testing.T) {
	t0 := time.Now()
	tests := []struct {
		name string
		r    sample.Result
		want []float64
	}{
		// An ok answer's TTFT, in ms.
		{"ok", sample.Result{Status: sample.StatusOK, Start: t0, FirstToken: t0.Add(42 * time.Millisecond)}, []float64{42}},
		// A failure that had streamed a token is not a TTFT of the figures.
		{"failed", sample.Result{Status: sample.StatusTimeout, Start: t0, FirstToken: t0.Add(5 * time.Millisecond)}, nil},
		// An ok answer without a token (an empty answer) has no TTFT.
		{"no token", sample.Result{Status: sample.StatusOK, Start: t0}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := new(ttftWindow)
			open := observeTTFT(func(context.Context, *spec.Spec, int) (workflow.Doer, error) { return &fixedDoer{tt.r}, nil }, w)
			d, err := open(t.Context(), &spec.Spec{}, 1)
			if err != nil {
				t.Fatal(err)
			}
			got := d.Do(t.Context(), target.Request{})
			if got.Status != tt.r.Status || !got.FirstToken.Equal(tt.r.FirstToken) {
				t.Errorf("answer changed: %+v", got)
			}
			xs := w.take()
			if len(xs) != len(tt.want) || len(xs) == 1 && xs[0] != tt.want[0] {
				t.Errorf("TTFTs %v, want %v", xs, tt.want)
			}
			if again := w.take(); len(again) != 0 {
				t.Errorf("take kept %v", again)
			}
		})
	}
}
