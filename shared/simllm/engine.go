package simllm

import (
	"context"
	"sync/atomic"
	"time"
)

// maxLag is how far behind its schedule the engine may fall (a suspended
// process, a debugger) before it stops catching up and restarts the clock
// from now, so a long pause is not followed by a burst of instant steps.
const maxLag = time.Second

// seq is one request's sequence in the batching engine. The engine only
// counts tokens; the handler turns counts into chunks, so a slow client
// can never block the engine.
type seq struct {
	ctx       context.Context // dead ctx: the engine drops it at its next step
	input     int             // prompt tokens, paid as prefill in the admitting step
	blocks    []uint64        // the prompt's block hashes, for the prefix cache
	maxTokens int             // tokens to produce: the answer's, fewer than max_tokens when a stop string ends it
	cached    atomic.Int64    // prompt tokens found in the prefix cache; set at admission, before the first token
	produced  atomic.Int64    // tokens emitted so far
	notify    chan struct{}   // cap 1: "produced moved"; never blocks the engine
}

func newSeq(ctx context.Context, req request) *seq {
	return &seq{ctx: ctx, input: req.inputTokens, blocks: req.blocks, maxTokens: req.tokens, notify: make(chan struct{}, 1)}
}

// wait blocks until token i (from 0) has been produced.
func (q *seq) wait(ctx context.Context, quit <-chan struct{}, i int) error {
	for q.produced.Load() <= int64(i) {
		select {
		case <-q.notify:
		case <-ctx.Done():
			return ctx.Err()
		case <-quit:
			return errClosed
		}
	}
	return nil
}

// engine is the continuous-batching model: one goroutine, decode steps on
// absolute deadlines.
type engine struct {
	p      Profile
	cache  *prefixCache // nil: none
	submit chan *seq
	quit   <-chan struct{}
	done   chan struct{} // closed when run returns

	// What /metrics reports (metrics.go), published by run.
	running, waiting, kvTokens atomic.Int64
}

func newEngine(p Profile, cache *prefixCache, quit <-chan struct{}) *engine {
	return &engine{p: p, cache: cache, submit: make(chan *seq), quit: quit, done: make(chan struct{})}
}

// enqueue hands q to the engine; it returns an error only if ctx ends or
// the server closes first.
func (e *engine) enqueue(ctx context.Context, q *seq) error {
	select {
	case e.submit <- q:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-e.quit:
		return errClosed
	}
}

// stepDuration is the profile's cost of one decode step.
func (e *engine) stepDuration(active, prefillTokens int) time.Duration {
	return e.p.StepBase + e.p.StepPerSeq*time.Duration(active) + e.p.PrefillPerToken*time.Duration(prefillTokens)
}

// run is the engine loop. Each step: drop cancelled sequences, admit from
// the FIFO queue up to MaxBatch (paying the prefill of their uncached
// prompt tokens), sleep until the step's deadline while
// still accepting arrivals (they join at the next step), then give every
// active sequence one token. The next step starts at this step's
// deadline, not at "now", so timer lateness never accumulates.
func (e *engine) run() {
	defer close(e.done)
	var active, queue []*seq
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	var start time.Time
	for {
		if len(active) == 0 && len(queue) == 0 {
			// Idle: block until work arrives; the clock restarts then.
			select {
			case q := <-e.submit:
				queue = append(queue, q)
				start = time.Now()
			case <-e.quit:
				return
			}
		}
		active, queue = live(active), live(queue)
		prefill := 0
		for len(active) < e.p.MaxBatch && len(queue) > 0 {
			// The cache is consulted at admission, when vLLM schedules the
			// prefill: a prompt still queued has not filled any block yet.
			cached := e.cache.admit(queue[0].blocks, queue[0].input)
			queue[0].cached.Store(int64(cached))
			prefill += queue[0].input - cached
			active = append(active, queue[0])
			queue[0] = nil
			queue = queue[1:]
		}
		e.publish(active, queue)
		if len(active) == 0 {
			continue
		}
		deadline := start.Add(e.stepDuration(len(active), prefill))
		timer.Reset(time.Until(deadline))
	sleep:
		for {
			select {
			case <-timer.C:
				break sleep
			case q := <-e.submit:
				queue = append(queue, q)
				e.waiting.Store(int64(len(queue)))
			case <-e.quit:
				return
			}
		}
		kept := active[:0]
		for _, q := range active {
			if q.produced.Add(1) < int64(q.maxTokens) {
				kept = append(kept, q)
			}
			select {
			case q.notify <- struct{}{}:
			default: // a wake-up is already pending; the handler reads the count
			}
		}
		clear(active[len(kept):])
		active = kept
		e.publish(active, queue)
		start = deadline
		if time.Since(deadline) > maxLag {
			start = time.Now()
		}
	}
}

// live filters out, in place, sequences whose client went away.
func live(qs []*seq) []*seq {
	kept := qs[:0]
	for _, q := range qs {
		if q.ctx.Err() == nil {
			kept = append(kept, q)
		}
	}
	clear(qs[len(kept):])
	return kept
}
