package sample

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"time"
)

// Putter stores one file under a key (store.Store satisfies it). A Put
// must be atomic: a crash leaves the old file or the new one, never half a
// file (the local store renames a synced temporary file; an S3 PUT is
// atomic by itself).
type Putter interface {
	Put(ctx context.Context, key string, data []byte) error
}

// DefaultPartRows bounds the rows held in memory before a part is written.
// At roughly 1 KB a row with a 64-gap ITL list, a part stays near 10 MB
// before compression, so a worker's memory is flat however long it runs.
const DefaultPartRows = 10_000

// DefaultFlushInterval bounds how long a row stays in memory only: a
// process killed without warning (kill -9, a Lambda out of memory) loses at
// most the rows of the last interval.
const DefaultFlushInterval = 5 * time.Second

// PartsConfig is what StartParts may be given.
type PartsConfig struct {
	// MaxRows is the most rows a part holds; <= 0 means DefaultPartRows.
	MaxRows int
	// Interval is the longest a row waits in memory before its part is
	// written: 0 means DefaultFlushInterval, < 0 no timed writes.
	Interval time.Duration
	// OnFlush, if set, is called after each part is written, with what has
	// been written so far and the context the part was written with. Calls
	// come one at a time, in part order, from the goroutine that wrote the
	// part (an Add, the timer, Flush or Close); a slow OnFlush delays the
	// next part (and an Add that fills the buffer meanwhile), not other
	// Adds. It must not call Add, Flush or Close; Flushed is fine.
	OnFlush func(ctx context.Context, f Flushed)
}

// Flushed is what a Parts has written so far.
type Flushed struct {
	Parts int      // part files written: key(0) … key(Parts-1)
	Rows  int      // rows in them
	Keys  []string // their keys, in part order
}

// Parts collects rows and writes them as numbered Parquet part files:
// key(0), key(1), … A part is written when MaxRows rows are buffered or,
// for a Parts from StartParts, when the oldest buffered row is Interval
// old, even if no other row arrives. Part names are deterministic, so a
// retried worker overwrites its earlier parts instead of duplicating them.
//
// Add only appends under a lock: a part is encoded and stored outside it,
// so a virtual user whose row lands during a timed write is not held up
// (it is held up only when the buffer is full and a write is already
// under way, which bounds memory to about two parts).
//
// It is safe for concurrent use.
type Parts struct {
	put      Putter
	key      func(part int) string
	maxRows  int
	interval time.Duration
	onFlush  func(context.Context, Flushed)
	// encode is WriteParquet; tests on virtual time swap it, since the
	// zstd codec's pooled coders must not cross a synctest bubble.
	encode func(io.Writer, []Row) error

	// wmu serializes writes, so parts are numbered, stored and reported
	// in order. It is taken before mu, never after.
	wmu sync.Mutex

	mu      sync.Mutex
	rows    []Row
	oldest  time.Time // when the first of rows was added
	next    int       // number of the next part; changes under wmu too
	written int       // rows written so far
	keys    []string

	arrived   chan struct{} // poked when rows land in an empty buffer
	stop      chan struct{}
	stopOnce  sync.Once
	timerDone chan struct{} // closed when the timer goroutine has returned
}

// NewParts returns a Parts that writes through put under key(n) every
// maxRows rows (<= 0 means DefaultPartRows), and otherwise only when told
// (Flush, Close). It starts no goroutine; StartParts adds timed writes.
func NewParts(put Putter, key func(part int) string, maxRows int) *Parts {
	return startParts(context.Background(), put, key, PartsConfig{MaxRows: maxRows, Interval: -1}, WriteParquet)
}

// StartParts returns a Parts that writes through put under key(n), and
// starts the goroutine that writes the buffered rows once the oldest of
// them is cfg.Interval old. Timed writes use ctx. The goroutine ends when
// ctx is done or at Close, which the caller must call to write the last
// rows.
func StartParts(ctx context.Context, put Putter, key func(part int) string, cfg PartsConfig) *Parts {
	return startParts(ctx, put, key, cfg, WriteParquet)
}

func startParts(ctx context.Context, put Putter, key func(part int) string, cfg PartsConfig, encode func(io.Writer, []Row) error) *Parts {
	if cfg.MaxRows <= 0 {
		cfg.MaxRows = DefaultPartRows
	}
	if cfg.Interval == 0 {
		cfg.Interval = DefaultFlushInterval
	}
	p := &Parts{
		put: put, key: key, maxRows: cfg.MaxRows, interval: cfg.Interval, onFlush: cfg.OnFlush, encode: encode,
		arrived: make(chan struct{}, 1), stop: make(chan struct{}), timerDone: make(chan struct{}),
	}
	if p.interval < 0 {
		close(p.timerDone)
		return p
	}
	go p.timer(ctx)
	return p
}

// Add appends a row, writing a part when the buffer is full. An error
// means that part could not be written; its rows stay buffered and the
// next write tries them again.
func (p *Parts) Add(ctx context.Context, r Row) error {
	p.mu.Lock()
	if len(p.rows) == 0 {
		p.oldest = time.Now()
		p.poke()
	}
	p.rows = append(p.rows, r)
	full := len(p.rows) >= p.maxRows
	p.mu.Unlock()
	if !full {
		return nil
	}
	return p.write(ctx, func() bool { return len(p.rows) >= p.maxRows })
}

// Flush writes the buffered rows as a part, if there are any.
func (p *Parts) Flush(ctx context.Context) error {
	return p.write(ctx, func() bool { return len(p.rows) > 0 })
}

// Close stops the timed writes, waiting for one under way, and writes the
// buffered rows with ctx. Add and Flush still work after it, without the
// timer.
func (p *Parts) Close(ctx context.Context) error {
	p.stopOnce.Do(func() { close(p.stop) })
	<-p.timerDone
	return p.Flush(ctx)
}

// Flushed returns what has been written so far.
func (p *Parts) Flushed() Flushed {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.flushedLocked()
}

// Written returns the rows written and the keys of the parts written.
func (p *Parts) Written() (int, []string) {
	f := p.Flushed()
	return f.Rows, f.Keys
}

func (p *Parts) flushedLocked() Flushed {
	return Flushed{Parts: p.next, Rows: p.written, Keys: append([]string(nil), p.keys...)}
}

// write takes the buffered rows, if cond (called under mu) still holds
// once it is this writer's turn, and stores them as the next part. On
// failure the rows go back to the front of the buffer: nothing measured is
// lost, and a later write tries them again.
func (p *Parts) write(ctx context.Context, cond func() bool) error {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	p.mu.Lock()
	if !cond() {
		p.mu.Unlock()
		return nil // an earlier writer took the rows
	}
	rows, oldest, part := p.rows, p.oldest, p.next
	p.rows, p.oldest = nil, time.Time{}
	p.mu.Unlock()

	key := p.key(part)
	var buf bytes.Buffer
	err := p.encode(&buf, rows)
	if err == nil {
		err = p.put.Put(ctx, key, buf.Bytes())
	}
	p.mu.Lock()
	if err != nil {
		// Rows added meanwhile are younger: put the older ones first.
		p.rows, p.oldest = append(rows, p.rows...), oldest
		p.mu.Unlock()
		p.poke() // the timer may have seen the buffer empty meanwhile
		return fmt.Errorf("sample: write part %s: %w", key, err)
	}
	p.next++
	p.written += len(rows)
	p.keys = append(p.keys, key)
	f := p.flushedLocked()
	p.mu.Unlock()
	if p.onFlush != nil {
		p.onFlush(ctx, f) // under wmu: one at a time, in part order
	}
	return nil
}

// poke wakes the timer to work out when the buffer is due.
func (p *Parts) poke() {
	select {
	case p.arrived <- struct{}{}:
	default: // it has been poked already
	}
}

// timer writes the buffered rows when the oldest is p.interval old. It
// sleeps while the buffer is empty; a failed write is tried again an
// interval later (Add and Close try too).
func (p *Parts) timer(ctx context.Context) {
	defer close(p.timerDone)
	t := time.NewTimer(time.Hour)
	t.Stop()
	defer t.Stop()
	var retryAt time.Time
	for {
		p.mu.Lock()
		empty, due := len(p.rows) == 0, p.oldest.Add(p.interval)
		p.mu.Unlock()
		var fire <-chan time.Time
		if !empty {
			if due.Before(retryAt) {
				due = retryAt
			}
			t.Reset(time.Until(due))
			fire = t.C
		}
		select {
		case <-ctx.Done():
			return
		case <-p.stop:
			return
		case <-p.arrived: // a row in an empty buffer: work out its due time
		case <-fire:
			err := p.write(ctx, func() bool {
				return len(p.rows) > 0 && time.Since(p.oldest) >= p.interval
			})
			retryAt = time.Time{}
			if err != nil {
				// Handled by retrying: the rows are still buffered, and
				// Close returns the error if the last write fails too.
				retryAt = time.Now().Add(p.interval)
			}
		}
		t.Stop()
	}
}
