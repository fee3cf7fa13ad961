package store_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/store"
	"github.com/llmbench/llmbench/shared/store/storetest"
)

func TestLocalContract(t *testing.T) {
	s, err := store.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	storetest.Run(t, s)
}

func TestLocalRejectsEscapingKeys(t *testing.T) {
	s, _ := store.NewLocal(t.TempDir())
	for _, k := range []string{"../x", "/abs", "a/../../b", ""} {
		if err := s.Put(context.Background(), k, nil); err == nil {
			t.Errorf("Put(%q) accepted a key outside the store", k)
		}
	}
}

func TestSampleKey(t *testing.T) {
	day := time.Date(2026, 11, 23, 23, 59, 0, 0, time.FixedZone("x", -3600))
	got := store.SampleKey(day, "r1", 32, 3, 2)
	want := "samples/dt=2026-11-24/run_id=r1/level=32/worker=3-part-2.parquet"
	if got != want {
		t.Errorf("SampleKey = %q, want %q (dt is the UTC day)", got, want)
	}
}

// A temporary file left by a Put that crashed is never listed, and does
// not stop the key being written; keys named like one are refused.
func TestLocalSkipsTempFiles(t *testing.T) {
	ctx := context.Background()
	s, _ := store.NewLocal(t.TempDir())
	key := "samples/dt=2026-11-23/run_id=r1/level=4/worker=0-part-0.parquet"
	dir := filepath.Dir(s.Path(key))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// What a kill -9 in the middle of Put leaves: half a file, temp-named.
	if err := os.WriteFile(filepath.Join(dir, ".tmp-123456"), []byte("PAR1 half"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, key, []byte("whole")); err != nil {
		t.Fatal(err)
	}
	keys, err := s.List(ctx, "samples/")
	if err != nil || !reflect.DeepEqual(keys, []string{key}) {
		t.Fatalf("List = %q, %v; want only %s", keys, err, key)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("folder holds %d entries, want the part and the old leftover: Put left a file of its own", len(entries))
	}
	if fi, err := os.Stat(s.Path(key)); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("part mode %v, %v; want 0644 like any other file", fi.Mode().Perm(), err)
	}
	if err := s.Put(ctx, "runs/r1/.tmp-x", []byte("x")); err == nil {
		t.Error("Put of a key named like a temporary file was accepted")
	}
}

// Concurrent Puts of one key, while a reader reads it: every read sees
// one whole version, never a mix or a cut (a retried worker racing a slow
// first attempt writes the same part key).
func TestLocalConcurrentPuts(t *testing.T) {
	ctx := context.Background()
	s, _ := store.NewLocal(t.TempDir())
	const key = "runs/r1/summary.json"
	const writers, size = 4, 256 << 10
	version := func(w int) []byte { return bytes.Repeat([]byte{byte('a' + w)}, size) }
	if err := s.Put(ctx, key, version(0)); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var readers sync.WaitGroup
	readers.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			b, err := s.Get(ctx, key)
			if err != nil {
				t.Errorf("Get during Puts: %v", err)
				return
			}
			if len(b) != size || bytes.Count(b, b[:1]) != size {
				t.Errorf("Get during Puts: a torn file of %d bytes", len(b))
				return
			}
		}
	})
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Go(func() {
			for i := 0; i < 20; i++ {
				if err := s.Put(ctx, key, version(w)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	keys, err := s.List(ctx, "runs/")
	if err != nil || !reflect.DeepEqual(keys, []string{key}) {
		t.Errorf("List after concurrent Puts = %q, %v; want one key and no temporary file", keys, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(s.Path(key)))
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries after the Puts, want 1", len(entries))
	}
}
