// Package storetest is the contract every store.Store implementation passes.
package storetest

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/llmbench/llmbench/shared/store"
)

// Run checks put, get, list and overwrite-on-retry against an empty store.
func Run(t *testing.T, s store.Store) {
	t.Helper()
	ctx := context.Background()
	put := func(k, v string) {
		t.Helper()
		if err := s.Put(ctx, k, []byte(v)); err != nil {
			t.Fatalf("Put(%q): %v", k, err)
		}
	}
	put("runs/r1/spec.json", "a")
	put("runs/r1/plan.json", "b")
	put("runs/r2/spec.json", "c")
	put("samples/dt=2026-11-23/run_id=r1/level=6/worker=0-part-0.parquet", "p0")

	got, err := s.Get(ctx, "runs/r1/spec.json")
	if err != nil || string(got) != "a" {
		t.Fatalf("Get = %q, %v; want a", got, err)
	}
	// A retried writer overwrites; it never duplicates.
	put("runs/r1/spec.json", "a2")
	got, err = s.Get(ctx, "runs/r1/spec.json")
	if err != nil || string(got) != "a2" {
		t.Fatalf("Get after overwrite = %q, %v; want a2", got, err)
	}
	keys, err := s.List(ctx, "runs/r1/")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"runs/r1/plan.json", "runs/r1/spec.json"}; !reflect.DeepEqual(keys, want) {
		t.Fatalf("List(runs/r1/) = %q, want %q", keys, want)
	}
	keys, err = s.List(ctx, "samples/")
	if err != nil || len(keys) != 1 {
		t.Fatalf("List(samples/) = %q, %v", keys, err)
	}
	keys, err = s.List(ctx, "nothing/here/")
	if err != nil || len(keys) != 0 {
		t.Fatalf("List of a missing prefix = %q, %v; want empty, nil", keys, err)
	}
	if _, err := s.Get(ctx, "runs/r9/spec.json"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get of a missing key: %v, want ErrNotFound", err)
	}
	// Delete removes a key, and deleting it again is not an error.
	for i := 0; i < 2; i++ {
		if err := s.Delete(ctx, "runs/r1/plan.json"); err != nil {
			t.Fatalf("Delete #%d: %v", i+1, err)
		}
	}
	if _, err := s.Get(ctx, "runs/r1/plan.json"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get after Delete: %v, want ErrNotFound", err)
	}
	keys, err = s.List(ctx, "runs/r1/")
	if err != nil || !reflect.DeepEqual(keys, []string{"runs/r1/spec.json"}) {
		t.Fatalf("List after Delete = %q, %v", keys, err)
	}
}
