package simllm

import (
	"context"
	"errors"
	"time"
)

// errClosed is returned by waits cut short by Server.Close.
var errClosed = errors.New("simllm: server closed")

// pacer releases a request's output tokens on the profile's schedule.
type pacer interface {
	// wait blocks until token i (from 0) may be sent, or ctx ends, or the
	// server closes.
	wait(ctx context.Context, i int) error
	// cachedTokens is how many prompt tokens the prefix cache spared;
	// known once wait(ctx, 0) has returned nil.
	cachedTokens() int
}

// newPacer starts the token schedule of one request received at t0.
func (s *Server) newPacer(ctx context.Context, t0 time.Time, req request) (pacer, error) {
	p := s.opts.Profile
	switch p.Kind {
	case KindBatching:
		q := newSeq(ctx, req)
		if err := s.engine.enqueue(ctx, q); err != nil {
			return nil, err
		}
		return batchPacer{q: q, quit: s.quit}, nil
	case KindFixed:
		cached := s.cache.admit(req.blocks, req.inputTokens)
		ttft := p.TTFT + p.PrefillPerToken*time.Duration(req.inputTokens-cached)
		return &fixedPacer{t0: t0, ttft: ttft, itl: p.ITL, quit: s.quit, cached: cached}, nil
	default:
		return instantPacer(s.cache.admit(req.blocks, req.inputTokens)), nil
	}
}

type batchPacer struct {
	q    *seq
	quit <-chan struct{}
}

func (b batchPacer) wait(ctx context.Context, i int) error { return b.q.wait(ctx, b.quit, i) }
func (b batchPacer) cachedTokens() int                     { return int(b.q.cached.Load()) }

// fixedPacer puts token i at t0+ttft+i*ITL (ttft includes the prefill of
// uncached prompt tokens), an absolute deadline, so timer
// lateness and write time never accumulate over a long answer.
type fixedPacer struct {
	t0        time.Time
	ttft, itl time.Duration
	quit      <-chan struct{}
	timer     *time.Timer
	cached    int
}

func (f *fixedPacer) cachedTokens() int { return f.cached }

func (f *fixedPacer) wait(ctx context.Context, i int) error {
	d := time.Until(f.t0.Add(f.ttft + time.Duration(i)*f.itl))
	if d <= 0 {
		return ctx.Err()
	}
	if f.timer == nil {
		f.timer = time.NewTimer(d)
	} else {
		f.timer.Reset(d)
	}
	select {
	case <-f.timer.C:
		return nil
	case <-ctx.Done():
		f.timer.Stop()
		return ctx.Err()
	case <-f.quit:
		f.timer.Stop()
		return errClosed
	}
}

// instantPacer is the cached token count: the cache is kept, it just
// saves no time.
type instantPacer int

func (instantPacer) wait(ctx context.Context, _ int) error { return ctx.Err() }
func (p instantPacer) cachedTokens() int                   { return int(p) }
