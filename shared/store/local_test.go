package store_test

import (
	"context"
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
