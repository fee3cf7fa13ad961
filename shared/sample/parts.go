package sample

import (
	"bytes"
	"context"
	"fmt"
	"sync"
)

// Putter stores one file under a key (store.Store satisfies it).
type Putter interface {
	Put(ctx context.Context, key string, data []byte) error
}

// DefaultPartRows bounds the rows held in memory before a part is written.
// At roughly 1 KB a row with a 64-gap ITL list, a part stays near 10 MB
// before compression, so a worker's memory is flat however long it runs.
const DefaultPartRows = 10_000

// Parts collects rows and writes them as numbered Parquet part files:
// key(0), key(1), … Part names are deterministic, so a retried worker
// overwrites its earlier parts instead of duplicating them.
// It is safe for concurrent use.
type Parts struct {
	put     Putter
	key     func(part int) string
	maxRows int

	mu      sync.Mutex
	rows    []Row
	next    int // number of the next part
	written int // rows written so far
	keys    []string
}

// NewParts returns a Parts that writes through put under key(n).
// maxRows <= 0 means DefaultPartRows.
func NewParts(put Putter, key func(part int) string, maxRows int) *Parts {
	if maxRows <= 0 {
		maxRows = DefaultPartRows
	}
	return &Parts{put: put, key: key, maxRows: maxRows}
}

// Add appends a row, writing a part when the buffer is full.
func (p *Parts) Add(ctx context.Context, r Row) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rows = append(p.rows, r)
	if len(p.rows) >= p.maxRows {
		return p.flushLocked(ctx)
	}
	return nil
}

// Flush writes the buffered rows as a part, if there are any.
func (p *Parts) Flush(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.flushLocked(ctx)
}

func (p *Parts) flushLocked(ctx context.Context) error {
	if len(p.rows) == 0 {
		return nil
	}
	var buf bytes.Buffer
	if err := WriteParquet(&buf, p.rows); err != nil {
		return err
	}
	key := p.key(p.next)
	if err := p.put.Put(ctx, key, buf.Bytes()); err != nil {
		// Keep the rows: a later Flush may succeed, and nothing measured is lost.
		return fmt.Errorf("sample: write part %s: %w", key, err)
	}
	p.next++
	p.written += len(p.rows)
	p.keys = append(p.keys, key)
	p.rows = p.rows[:0]
	return nil
}

// Written returns the rows written and the keys of the parts written.
func (p *Parts) Written() (int, []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.written, append([]string(nil), p.keys...)
}
