package sample

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// fakeStore is a Putter for the Parts tests: safe for concurrent use, it can
// be made to fail, or to hold each Put until released.
type fakeStore struct {
	mu    sync.Mutex
	files map[string][]byte
	fail  bool
	hold  chan struct{} // if set, each Put waits for a receive on it
}

func newStore() *fakeStore { return &fakeStore{files: map[string][]byte{}} }

func (s *fakeStore) Put(ctx context.Context, key string, data []byte) error {
	s.mu.Lock()
	hold, fail := s.hold, s.fail
	s.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if fail {
		return errors.New("disk full")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[key] = append([]byte(nil), data...)
	return nil
}

func (s *fakeStore) setFail(v bool) { s.mu.Lock(); s.fail = v; s.mu.Unlock() }

// rows reads the parts stored under keys, in that order, with decode,
// and fails on one that does not decode.
func (s *fakeStore) rows(t *testing.T, keys []string, decode func([]byte) ([]Row, error)) []Row {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Row
	for _, k := range keys {
		b, ok := s.files[k]
		if !ok {
			t.Fatalf("part %s reported written but not stored", k)
		}
		rows, err := decode(b)
		if err != nil {
			t.Fatalf("part %s: %v", k, err)
		}
		out = append(out, rows...)
	}
	return out
}

func decodeParquet(b []byte) ([]Row, error) { return ReadParquet(bytes.NewReader(b), int64(len(b))) }

// The zstd codec pools encoders and decoders that hold channels, and a
// channel made in a synctest bubble must not be used outside it: the tests
// on virtual time encode parts as JSON instead (the Parquet path has its
// own tests, on real time).
func encodeJSON(w io.Writer, rows []Row) error { return json.NewEncoder(w).Encode(rows) }

func decodeJSON(b []byte) ([]Row, error) {
	var rows []Row
	err := json.Unmarshal(b, &rows)
	return rows, err
}

// timed is StartParts on virtual time.
func timed(ctx context.Context, st *fakeStore, cfg PartsConfig) *Parts {
	return startParts(ctx, st, partKey, cfg, encodeJSON)
}

func (s *fakeStore) count() int { s.mu.Lock(); defer s.mu.Unlock(); return len(s.files) }

func partKey(n int) string { return fmt.Sprintf("part-%d.parquet", n) }

func row(seq int) Row { return Row{RunID: "r", Seq: int64(seq), Status: string(StatusOK)} }

// add adds rows with seq from..to-1, failing the test on an error.
func add(t *testing.T, p *Parts, from, to int) {
	t.Helper()
	for i := from; i < to; i++ {
		if err := p.Add(context.Background(), row(i)); err != nil {
			t.Fatal(err)
		}
	}
}

func seqs(rows []Row) []int64 {
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = r.Seq
	}
	return out
}

// A part is written when its oldest row is Interval old, although no row
// arrives after it; the interval counts from the oldest row, not the last.
func TestPartsWriteOnTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := newStore()
		var calls []Flushed
		p := timed(t.Context(), st, PartsConfig{
			Interval: 5 * time.Second,
			OnFlush:  func(_ context.Context, f Flushed) { calls = append(calls, f) },
		})
		add(t, p, 0, 2)
		time.Sleep(3 * time.Second)
		add(t, p, 2, 3) // younger: does not push the deadline back
		time.Sleep(2*time.Second - time.Nanosecond)
		synctest.Wait()
		if n := st.count(); n != 0 {
			t.Fatalf("%d parts written before the oldest row was 5 s old", n)
		}
		time.Sleep(time.Nanosecond)
		synctest.Wait()
		if f := p.Flushed(); f.Parts != 1 || f.Rows != 3 {
			t.Fatalf("at 5 s: %+v, want 1 part of 3 rows", f)
		}
		// The next part's clock starts at its own first row.
		time.Sleep(10 * time.Second) // an empty buffer: nothing to write
		add(t, p, 3, 4)
		time.Sleep(5 * time.Second)
		synctest.Wait()
		f := p.Flushed()
		if want := (Flushed{Parts: 2, Rows: 4, Keys: []string{"part-0.parquet", "part-1.parquet"}}); !reflect.DeepEqual(f, want) {
			t.Fatalf("Flushed = %+v, want %+v", f, want)
		}
		if got := seqs(st.rows(t, f.Keys, decodeJSON)); !reflect.DeepEqual(got, []int64{0, 1, 2, 3}) {
			t.Errorf("rows on disk: seq %v", got)
		}
		want := []Flushed{{1, 3, []string{"part-0.parquet"}}, {2, 4, []string{"part-0.parquet", "part-1.parquet"}}}
		if !reflect.DeepEqual(calls, want) {
			t.Errorf("OnFlush calls %+v, want %+v", calls, want)
		}
		if err := p.Close(t.Context()); err != nil {
			t.Fatal(err)
		}
		if n := p.Flushed().Parts; n != 2 {
			t.Errorf("Close of an empty buffer wrote a part: %d parts", n)
		}
	})
}

// MaxRows still writes a part at once, and the timer then has nothing to
// write: no empty part.
func TestPartsFullBeforeTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := newStore()
		p := timed(t.Context(), st, PartsConfig{MaxRows: 3, Interval: time.Second})
		add(t, p, 0, 7)
		if f := p.Flushed(); f.Parts != 2 || f.Rows != 6 {
			t.Fatalf("after 7 rows of at most 3 a part: %+v", f)
		}
		time.Sleep(time.Second)
		synctest.Wait()
		if f := p.Flushed(); f.Parts != 3 || f.Rows != 7 {
			t.Fatalf("after the interval: %+v, want the 7th row in part 2", f)
		}
		if err := p.Close(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := seqs(st.rows(t, p.Flushed().Keys, decodeJSON)); !reflect.DeepEqual(got, []int64{0, 1, 2, 3, 4, 5, 6}) {
			t.Errorf("rows on disk: seq %v", got)
		}
	})
}

// A timed write that fails keeps the rows and tries again an interval
// later; Close reports a last write that fails.
func TestPartsTimedWriteFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := newStore()
		st.setFail(true)
		p := timed(t.Context(), st, PartsConfig{Interval: time.Second})
		add(t, p, 0, 2)
		time.Sleep(1500 * time.Millisecond) // one failed attempt, at 1 s
		synctest.Wait()
		if f := p.Flushed(); f.Parts != 0 {
			t.Fatalf("a failing store: %+v", f)
		}
		st.setFail(false)
		add(t, p, 2, 3)
		time.Sleep(500 * time.Millisecond) // the retry, at 2 s
		synctest.Wait()
		f := p.Flushed()
		if f.Parts != 1 || f.Rows != 3 || f.Keys[0] != "part-0.parquet" {
			t.Fatalf("after the store recovered: %+v, want part 0 of 3 rows", f)
		}
		if got := seqs(st.rows(t, f.Keys, decodeJSON)); !reflect.DeepEqual(got, []int64{0, 1, 2}) {
			t.Errorf("rows on disk: seq %v", got)
		}
		st.setFail(true)
		add(t, p, 3, 4)
		if err := p.Close(t.Context()); err == nil {
			t.Error("Close with a failing store returned no error")
		}
		st.setFail(false)
		if err := p.Flush(t.Context()); err != nil || p.Flushed().Rows != 4 {
			t.Errorf("Flush after Close: %v, %+v; want the last row kept and written", err, p.Flushed())
		}
	})
}

// A part being stored does not hold up Add: a virtual user is not delayed
// by a slow store (unless the buffer is full). Close waits for that write.
func TestPartsAddDuringWrite(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := newStore()
		st.hold = make(chan struct{})
		p := timed(t.Context(), st, PartsConfig{Interval: time.Second})
		add(t, p, 0, 1)
		time.Sleep(time.Second)
		synctest.Wait() // the timed write of row 0 is blocked in Put
		added := make(chan struct{})
		go func() { add(t, p, 1, 3); close(added) }()
		synctest.Wait()
		select {
		case <-added:
		default:
			t.Fatal("Add waited for a part being stored")
		}
		closed := make(chan error)
		go func() { closed <- p.Close(context.Background()) }()
		synctest.Wait()
		select {
		case err := <-closed:
			t.Fatalf("Close returned %v before the write under way ended", err)
		default:
		}
		st.hold <- struct{}{} // part 0
		st.hold <- struct{}{} // Close's part 1
		if err := <-closed; err != nil {
			t.Fatal(err)
		}
		f := p.Flushed()
		if got := seqs(st.rows(t, f.Keys, decodeJSON)); f.Parts != 2 || !reflect.DeepEqual(got, []int64{0, 1, 2}) {
			t.Errorf("%+v, rows seq %v; want 2 parts, rows 0, 1, 2", f, got)
		}
	})
}

// The timer goroutine ends with ctx as well as with Close (synctest.Test
// fails on a goroutine left blocked); Interval < 0 (NewParts) starts
// none and writes only when full or told.
func TestPartsNoLeak(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		p := timed(ctx, newStore(), PartsConfig{})
		add(t, p, 0, 1)
		cancel()
		synctest.Wait()
		if err := p.Close(context.Background()); err != nil || p.Flushed().Rows != 1 {
			t.Errorf("Close after ctx ended: %v, %+v; want the row written", err, p.Flushed())
		}
		r := timed(t.Context(), newStore(), PartsConfig{Interval: -1})
		add(t, r, 0, 1)
		time.Sleep(time.Hour)
		synctest.Wait()
		if r.Flushed().Parts != 0 {
			t.Error("Interval < 0 wrote on time")
		}
		if err := r.Close(context.Background()); err != nil || r.Flushed().Rows != 1 {
			t.Errorf("Close with Interval < 0: %v, %+v; want the row written", err, r.Flushed())
		}
	})
}

// Many writers, count and timed writes racing: every row is written once,
// every part decodes, and OnFlush sees the parts in order (run with -race).
func TestPartsConcurrent(t *testing.T) {
	st := newStore()
	var mu sync.Mutex
	var calls []int
	p := StartParts(t.Context(), st, partKey, PartsConfig{
		MaxRows: 50, Interval: time.Millisecond,
		OnFlush: func(_ context.Context, f Flushed) { mu.Lock(); calls = append(calls, f.Parts); mu.Unlock() },
	})
	const writers, each = 8, 200
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Go(func() {
			for i := 0; i < each; i++ {
				if err := p.Add(t.Context(), row(w*each+i)); err != nil {
					t.Error(err)
				}
				if i%40 == 0 {
					time.Sleep(2 * time.Millisecond) // let the timer in
				}
			}
		})
	}
	wg.Wait()
	if err := p.Close(t.Context()); err != nil {
		t.Fatal(err)
	}
	f := p.Flushed()
	rows := st.rows(t, f.Keys, decodeParquet)
	if f.Rows != writers*each || len(rows) != writers*each {
		t.Fatalf("%d rows reported, %d on disk; want %d", f.Rows, len(rows), writers*each)
	}
	seen := map[int64]bool{}
	for _, r := range rows {
		if seen[r.Seq] {
			t.Fatalf("row %d written twice", r.Seq)
		}
		seen[r.Seq] = true
	}
	for i, n := range calls {
		if n != i+1 {
			t.Fatalf("OnFlush saw parts %v, want 1, 2, 3, …", calls)
		}
	}
	if len(calls) != f.Parts {
		t.Errorf("%d OnFlush calls for %d parts", len(calls), f.Parts)
	}
}
