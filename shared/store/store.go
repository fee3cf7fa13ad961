// Package store keeps a run's files under keys that are the same in a local
// folder and in an S3 bucket: samples/dt=…/run_id=…/level=…/worker=…-part-N.parquet
// and runs/<run_id>/{spec,plan,summary}.json, report.md.
//
// Put overwrites: a retried worker writes the same keys again instead of
// adding duplicates.
package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Store is where a run's files live. Implementations share the contract
// test in storetest.
type Store interface {
	Put(ctx context.Context, key string, data []byte) error
	Get(ctx context.Context, key string) ([]byte, error)
	// List returns the keys under prefix, sorted.
	List(ctx context.Context, prefix string) ([]string, error)
	// Delete removes a key; a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

// ErrNotFound is returned by Get for a key that does not exist.
var ErrNotFound = errors.New("store: not found")

// SamplePrefix is the folder of one level's samples of a run.
func SamplePrefix(day time.Time, runID string, level int) string {
	return fmt.Sprintf("samples/dt=%s/run_id=%s/level=%d/", day.UTC().Format("2006-01-02"), runID, level)
}

// SampleKey is the deterministic key of one part file of one worker.
func SampleKey(day time.Time, runID string, level, worker, part int) string {
	return fmt.Sprintf("%sworker=%d-part-%d.parquet", SamplePrefix(day, runID, level), worker, part)
}

// RunKey is the key of a run-level file: spec.json, plan.json, summary.json, report.md.
func RunKey(runID, name string) string { return "runs/" + runID + "/" + name }

func checkKey(key string) error {
	if key == "" || key[0] == '/' || containsDotDot(key) {
		return fmt.Errorf("store: bad key %q", key)
	}
	return nil
}

func containsDotDot(key string) bool {
	for i := 0; i+1 < len(key); i++ {
		if key[i] == '.' && key[i+1] == '.' && (i == 0 || key[i-1] == '/') && (i+2 == len(key) || key[i+2] == '/') {
			return true
		}
	}
	return false
}
