// Package store keeps a run's files under keys that are the same in a local
// folder and in an S3 bucket. The whole key layout is in layout.go; the
// Glue table's partition projection (terraform/glue.tf) is checked
// against it.
//
// Put overwrites: a retried worker writes the same keys again instead of
// adding duplicates.
package store

import (
	"context"
	"errors"
	"fmt"
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
