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
}

// newPacer starts the token schedule of one request received at t0.
func (s *Server) newPacer(ctx context.Context, t0 time.Time, req request) (pacer, error) {
	switch s.opts.Profile.Kind {
	case KindBatching:
		q := newSeq(ctx, req.inputTokens, req.maxTokens)
		if err := s.engine.enqueue(ctx, q); err != nil {
			return nil, err
		}
		return batchPacer{q: q, quit: s.quit}, nil
	case KindFixed:
		return &fixedPacer{t0: t0, ttft: s.opts.Profile.TTFT, itl: s.opts.Profile.ITL, quit: s.quit}, nil
	default:
		return instantPacer{}, nil
	}
}

type batchPacer struct {
	q    *seq
	quit <-chan struct{}
}

func (b batchPacer) wait(ctx context.Context, i int) error { return b.q.wait(ctx, b.quit, i) }

// fixedPacer puts token i at t0+TTFT+i*ITL, an absolute deadline, so timer
// lateness and write time never accumulate over a long answer.
type fixedPacer struct {
	t0        time.Time
	ttft, itl time.Duration
	quit      <-chan struct{}
	timer     *time.Timer
}

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

type instantPacer struct{}

func (instantPacer) wait(ctx context.Context, _ int) error { return ctx.Err() }
