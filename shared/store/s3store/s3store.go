package s3store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithy "github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/llmbench/llmbench/shared/store"
)

// API is the part of the S3 client a Store uses. *s3.Client satisfies it.
type API interface {
	DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, optFns ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, optFns ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
}

// Store keeps keys as objects of one bucket, each under prefix + "/" (or
// at the top of the bucket when the prefix is empty).
type Store struct {
	api     API
	bucket  string
	prefix  string // "" or "some/prefix/", with its slash
	maxKeys int32  // page size of List; 0 lets S3 choose (1000)
}

var _ store.Store = (*Store)(nil)

// Option changes a Store made by New.
type Option func(*Store)

// WithPageSize sets how many keys List asks for per ListObjectsV2 call (S3
// returns at most 1000, its default). Tests use it to exercise paging.
func WithPageSize(n int32) Option {
	return func(s *Store) { s.maxKeys = n }
}

// New returns a Store over bucket, keeping key k as the object
// prefix + "/" + k, or k when prefix is empty. Slashes at the ends of
// prefix are ignored, so "runs" and "runs/" are the same prefix.
func New(api API, bucket, prefix string, opts ...Option) *Store {
	prefix = strings.Trim(prefix, "/")
	if prefix != "" {
		prefix += "/"
	}
	s := &Store{api: api, bucket: bucket, prefix: prefix}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Bucket is the bucket the store writes to.
func (s *Store) Bucket() string { return s.bucket }

// Prefix is the key prefix of the store's objects, without its trailing
// slash; "" for the top of the bucket.
func (s *Store) Prefix() string { return strings.TrimSuffix(s.prefix, "/") }

// URL is the s3:// address of key.
func (s *Store) URL(key string) string { return "s3://" + s.bucket + "/" + s.prefix + key }

// Put writes data as key, replacing any earlier object of that key. It is
// atomic as it stands: one PutObject (not a multipart upload) with its
// ContentLength creates the object whole or not at all, a cut upload
// leaves the earlier object, and a reader sees the old object or the new
// one, never part of one. So a worker killed mid-part leaves no torn file
// in S3, and no temporary name is needed as in the local store.
func (s *Store) Put(ctx context.Context, key string, data []byte) error {
	if err := checkKey(key); err != nil {
		return err
	}
	_, err := s.api.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(s.bucket),
		Key:           aws.String(s.prefix + key),
		Body:          bytes.NewReader(data),
		ContentLength: aws.Int64(int64(len(data))),
	})
	if err != nil {
		return s.fail("put", key, err)
	}
	return nil
}

// Get reads key; a missing key gives an error that wraps store.ErrNotFound.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	out, err := s.api.GetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(s.prefix + key),
	})
	if err != nil {
		return nil, s.fail("get", key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, s.fail("get", key, err)
	}
	return b, nil
}

// Delete removes key; a missing key is not an error (S3 answers a delete
// of a missing key with success).
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	_, err := s.api.DeleteObject(ctx, &s3.DeleteObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(s.prefix + key),
	})
	if err != nil {
		var noKey *types.NoSuchKey
		if errors.As(err, &noKey) { // not S3's way, but some fakes answer so
			return nil
		}
		return s.fail("delete", key, err)
	}
	return nil
}

// List returns the keys that start with prefix, relative to the store's
// prefix, sorted. It follows ListObjectsV2's continuation tokens to the
// last page.
func (s *Store) List(ctx context.Context, prefix string) ([]string, error) {
	in := &s3.ListObjectsV2Input{
		Bucket: aws.String(s.bucket),
		Prefix: aws.String(s.prefix + prefix),
	}
	if s.maxKeys > 0 {
		in.MaxKeys = aws.Int32(s.maxKeys)
	}
	keys := []string{}
	seen := map[string]bool{} // continuation tokens already sent
	for {
		out, err := s.api.ListObjectsV2(ctx, in)
		if err != nil {
			return nil, s.fail("list", prefix, err)
		}
		for _, o := range out.Contents {
			k := aws.ToString(o.Key)
			if !strings.HasPrefix(k, s.prefix) { // never, from S3
				continue
			}
			keys = append(keys, strings.TrimPrefix(k, s.prefix))
		}
		next := aws.ToString(out.NextContinuationToken)
		if !aws.ToBool(out.IsTruncated) || next == "" {
			break
		}
		if seen[next] {
			return nil, fmt.Errorf("s3store: list %s: continuation token %q repeats: S3 paging loops", s.URL(prefix), next)
		}
		seen[next] = true
		in.ContinuationToken = aws.String(next)
	}
	sort.Strings(keys)
	return keys, nil
}

// fail wraps an error of op on key, with store.ErrNotFound for a missing
// key and a plain statement for a missing bucket.
func (s *Store) fail(op, key string, err error) error {
	var (
		noKey    *types.NoSuchKey
		noBucket *types.NoSuchBucket
		apiErr   smithy.APIError
		respErr  *smithyhttp.ResponseError
	)
	switch {
	case errors.As(err, &noBucket) || errors.As(err, &apiErr) && apiErr.ErrorCode() == "NoSuchBucket":
		return fmt.Errorf("s3store: %s %s: bucket %q does not exist: %w", op, s.URL(key), s.bucket, err)
	case op == "get" && (errors.As(err, &noKey) ||
		errors.As(err, &respErr) && respErr.HTTPStatusCode() == http.StatusNotFound):
		return fmt.Errorf("s3store: %s %s: %w: %w", op, s.URL(key), store.ErrNotFound, err)
	default:
		return fmt.Errorf("s3store: %s %s: %w", op, s.URL(key), err)
	}
}

// checkKey rejects keys no Store accepts: empty, absolute, or with a ".."
// segment, as store.Local does.
func checkKey(key string) error {
	if key == "" || key[0] == '/' {
		return fmt.Errorf("s3store: bad key %q", key)
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == ".." {
			return fmt.Errorf("s3store: bad key %q", key)
		}
	}
	return nil
}
