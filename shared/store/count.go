package store

import (
	"context"
	"strings"
	"sync/atomic"
)

// Counts are the requests a Store was asked to make, as S3 bills them:
// every call is one request whether it succeeds or not (a Get of a missing
// key is a billed GET), and a List is one ListObjectsV2 request per page
// of up to ListPage keys. The fields are safe for concurrent use.
type Counts struct {
	Put, Get, List, Delete atomic.Int64
	// PutBytes is the data Put was given; SampleBytes the part of it
	// under samples/ (what Athena's queries read).
	PutBytes, SampleBytes atomic.Int64
}

// ListPage is the most keys one ListObjectsV2 request returns.
const ListPage = 1000

// Counted returns a Store that passes every call to st and counts it in c.
func Counted(st Store, c *Counts) Store { return &counted{st: st, c: c} }

type counted struct {
	st Store
	c  *Counts
}

var _ Store = (*counted)(nil)

func (s *counted) Put(ctx context.Context, key string, data []byte) error {
	s.c.Put.Add(1)
	s.c.PutBytes.Add(int64(len(data)))
	if strings.HasPrefix(key, "samples/") {
		s.c.SampleBytes.Add(int64(len(data)))
	}
	return s.st.Put(ctx, key, data)
}

func (s *counted) Get(ctx context.Context, key string) ([]byte, error) {
	s.c.Get.Add(1)
	return s.st.Get(ctx, key)
}

func (s *counted) List(ctx context.Context, prefix string) ([]string, error) {
	keys, err := s.st.List(ctx, prefix)
	s.c.List.Add(int64(max(1, (len(keys)+ListPage-1)/ListPage)))
	return keys, err
}

func (s *counted) Delete(ctx context.Context, key string) error {
	s.c.Delete.Add(1)
	return s.st.Delete(ctx, key)
}

// Unwrap returns the store a Counted store passes its calls to, or st
// itself: for code that needs the concrete store (DuckDB reads a Local
// store's files).
func Unwrap(st Store) Store {
	if c, ok := st.(*counted); ok {
		return c.st
	}
	return st
}
