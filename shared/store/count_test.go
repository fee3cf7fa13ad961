package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/llmbench/llmbench/shared/store"
)

// TestCounted counts the requests of a known sequence of calls on the
// folder store, as S3 would bill them.
func TestCounted(t *testing.T) {
	ctx := context.Background()
	local, err := store.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var c store.Counts
	st := store.Counted(local, &c)
	// 1,001 keys under runs/: one more than a List page.
	for i := range 1001 {
		if err := st.Put(ctx, fmt.Sprintf("runs/r/k%04d", i), []byte("ab")); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Put(ctx, "samples/dt=2026-12-04/run_id=r/level=0/worker=0-part-0.parquet", []byte("12345")); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(ctx, "runs/r/k0000"); err != nil {
		t.Fatal(err)
	}
	// A Get of a missing key is a request too.
	if _, err := st.Get(ctx, "runs/r/missing"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("get missing: %v", err)
	}
	for _, prefix := range []string{"runs/r/", "samples/", "nothing/"} {
		if _, err := st.List(ctx, prefix); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Delete(ctx, "runs/r/k0001"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		got, want int64
	}{
		{"put", c.Put.Load(), 1002},
		{"get", c.Get.Load(), 2},
		// runs/r/: 1,001 keys, two pages; samples/: one; nothing/: an empty page.
		{"list", c.List.Load(), 4},
		{"delete", c.Delete.Load(), 1},
		{"put bytes", c.PutBytes.Load(), 1001*2 + 5},
		{"sample bytes", c.SampleBytes.Load(), 5},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, tt.got, tt.want)
		}
	}
}
