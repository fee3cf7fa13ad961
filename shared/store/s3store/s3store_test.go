package s3store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"github.com/llmbench/llmbench/shared/sdkhttp"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/llmbench/llmbench/shared/store"
	"github.com/llmbench/llmbench/shared/store/s3store"
	"github.com/llmbench/llmbench/shared/store/storetest"
)

const bucket = "llmbench-test"

// fakeS3 is gofakes3 on a loopback server, with one bucket, and the real
// SDK client pointed at it.
type fakeS3 struct {
	backend *s3mem.Backend
	client  *s3.Client
}

func newFakeS3(t *testing.T) *fakeS3 {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	cfg := aws.Config{
		Region: "us-east-1",
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDTEST", SecretAccessKey: "secret", Source: "test"}, nil
		}),
		RetryMaxAttempts: 1,
		HTTPClient:       sdkhttp.Guard(srv.Client()),
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(srv.URL)
		o.UsePathStyle = true
	})
	return &fakeS3{backend: backend, client: client}
}

// counting counts the ListObjectsV2 calls a Store makes.
type counting struct {
	s3store.API
	lists atomic.Int32
}

func (c *counting) ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, optFns ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	c.lists.Add(1)
	return c.API.ListObjectsV2(ctx, in, optFns...)
}

// objects lists every object key of the bucket, bypassing the Store.
func (f *fakeS3) objects(t *testing.T) []string {
	t.Helper()
	var keys []string
	p := s3.NewListObjectsV2Paginator(f.client, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range out.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	return keys
}

func TestContract(t *testing.T) {
	tests := []struct {
		name, prefix string
		objectKey    string // where runs/r1/spec.json must land in the bucket
	}{
		{"top of the bucket", "", "runs/r1/spec.json"},                    // no prefix: keys as they are
		{"one-segment prefix", "dev", "dev/runs/r1/spec.json"},            // prefix + "/" + key
		{"nested prefix", "env/dev", "env/dev/runs/r1/spec.json"},         // slashes inside kept
		{"slashes at the ends", "/env/dev/", "env/dev/runs/r1/spec.json"}, // trimmed
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeS3(t)
			storetest.Run(t, s3store.New(f.client, bucket, tt.prefix))
			objs := f.objects(t)
			if i := sort.SearchStrings(objs, tt.objectKey); i == len(objs) || objs[i] != tt.objectKey {
				t.Errorf("bucket holds %q, want %q among them", objs, tt.objectKey)
			}
			if len(objs) != 3 {
				t.Errorf("bucket holds %d objects %q, want 3 (4 put, one overwritten, one deleted)", len(objs), objs)
			}
		})
	}
}

func TestPaging(t *testing.T) {
	f := newFakeS3(t)
	ctx := context.Background()
	var want []string
	for i := range 10 {
		want = append(want, fmt.Sprintf("samples/worker=%d-part-0.parquet", i))
	}
	sort.Strings(want)
	seed := s3store.New(f.client, bucket, "p")
	for _, k := range append(want, "runs/r1/spec.json", "samples-other/x") {
		if err := seed.Put(ctx, k, []byte(k)); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name      string
		pageSize  int32
		wantCalls int32
	}{
		{"one key a page", 1, 10},   // a page per key
		{"three keys a page", 3, 4}, // 3+3+3+1
		{"pages of the size", 5, 2}, // 5+5: the last page is full
		{"S3's default", 0, 1},      // up to 1000 keys a page
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &counting{API: f.client}
			got, err := s3store.New(c, bucket, "p", s3store.WithPageSize(tt.pageSize)).List(ctx, "samples/")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("List = %q, want %q", got, want)
			}
			if n := c.lists.Load(); n != tt.wantCalls {
				t.Errorf("%d ListObjectsV2 calls at page size %d, want %d", n, tt.pageSize, tt.wantCalls)
			}
		})
	}
}

// TestPagingDefault lists more keys than one default page holds.
func TestPagingDefault(t *testing.T) {
	f := newFakeS3(t)
	const n = 1234
	var want []string
	for i := range n {
		k := fmt.Sprintf("samples/dt=2026-11-23/run_id=r1/level=%d/worker=%d-part-0.parquet", i%7, i)
		want = append(want, k)
		// Straight into the backend: the HTTP path of Put is tested above.
		if _, err := f.backend.PutObject(bucket, "big/"+k, map[string]string{}, strings.NewReader("x"), 1, nil); err != nil {
			t.Fatal(err)
		}
	}
	sort.Strings(want)
	c := &counting{API: f.client}
	got, err := s3store.New(c, bucket, "big").List(context.Background(), "samples/")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("List: %d keys, want %d (first %q)", len(got), len(want), got[:min(3, len(got))])
	}
	if c.lists.Load() != 2 {
		t.Errorf("%d ListObjectsV2 calls for %d keys, want 2 (1000 + 234)", c.lists.Load(), n)
	}
}

func TestOverwriteOnRetry(t *testing.T) {
	f := newFakeS3(t)
	s := s3store.New(f.client, bucket, "runs-prefix")
	ctx := context.Background()
	key := store.SampleKey(testDay, "r1", 4, 2, 0)
	for i, body := range []string{"first attempt", "retry, longer than the first", "3"} {
		if err := s.Put(ctx, key, []byte(body)); err != nil {
			t.Fatalf("Put %d: %v", i, err)
		}
		got, err := s.Get(ctx, key)
		if err != nil || string(got) != body {
			t.Fatalf("Get after Put %d = %q, %v; want %q", i, got, err, body)
		}
	}
	keys, err := s.List(ctx, "samples/")
	if err != nil || !reflect.DeepEqual(keys, []string{key}) {
		t.Fatalf("List = %q, %v; want just %q", keys, err, key)
	}
}

func TestEmptyAndBinary(t *testing.T) {
	f := newFakeS3(t)
	s := s3store.New(f.client, bucket, "")
	ctx := context.Background()
	bin := make([]byte, 300_000)
	for i := range bin {
		bin[i] = byte(i * 7)
	}
	for _, tt := range []struct {
		key  string
		data []byte
	}{
		{"runs/r1/empty.json", []byte{}},             // zero bytes
		{"runs/r1/blob.parquet", bin},                // binary, several chunks
		{"runs/r 1/odd name=ü+%.md", []byte("text")}, // characters that need URL escaping
	} {
		if err := s.Put(ctx, tt.key, tt.data); err != nil {
			t.Fatalf("Put(%q): %v", tt.key, err)
		}
		got, err := s.Get(ctx, tt.key)
		if err != nil || !bytes.Equal(got, tt.data) {
			t.Errorf("Get(%q) = %d bytes, %v; want %d bytes", tt.key, len(got), err, len(tt.data))
		}
	}
}

func TestMissingKey(t *testing.T) {
	f := newFakeS3(t)
	s := s3store.New(f.client, bucket, "dev")
	_, err := s.Get(context.Background(), "runs/nope/spec.json")
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get of a missing key: %v, want ErrNotFound", err)
	}
	for _, want := range []string{"s3store: get s3://" + bucket + "/dev/runs/nope/spec.json", "NoSuchKey"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not contain %q", err, want)
		}
	}
}

func TestMissingBucket(t *testing.T) {
	f := newFakeS3(t)
	s := s3store.New(f.client, "no-such-bucket", "dev")
	ctx := context.Background()
	errs := map[string]error{
		"put":    s.Put(ctx, "runs/r1/spec.json", []byte("a")),
		"list":   func() error { _, err := s.List(ctx, "runs/"); return err }(),
		"get":    func() error { _, err := s.Get(ctx, "runs/r1/spec.json"); return err }(),
		"delete": s.Delete(ctx, "runs/r1/spec.json"),
	}
	for op, err := range errs {
		if err == nil {
			t.Errorf("%s in a missing bucket: no error", op)
			continue
		}
		if want := `bucket "no-such-bucket" does not exist`; !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %q does not say %q", op, err, want)
		}
		if !strings.HasPrefix(err.Error(), "s3store: "+op+" s3://no-such-bucket/dev/") {
			t.Errorf("%s: error %q does not name the operation and object", op, err)
		}
		if errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s: a missing bucket is not a missing key: %v", op, err)
		}
		t.Logf("%s: %v", op, err)
	}
}

func TestBadKey(t *testing.T) {
	s := s3store.New(nil, bucket, "") // never reaches the API
	ctx := context.Background()
	for _, key := range []string{
		"",               // empty
		"/runs/r1",       // absolute
		"runs/../secret", // climbs out
		"..",             // climbs out
	} {
		if err := s.Put(ctx, key, nil); err == nil {
			t.Errorf("Put(%q): no error", key)
		}
		if _, err := s.Get(ctx, key); err == nil {
			t.Errorf("Get(%q): no error", key)
		}
		if err := s.Delete(ctx, key); err == nil {
			t.Errorf("Delete(%q): no error", key)
		}
	}
}

func TestCanceled(t *testing.T) {
	f := newFakeS3(t)
	s := s3store.New(f.client, bucket, "")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Put(ctx, "runs/r1/spec.json", []byte("a")); !errors.Is(err, context.Canceled) {
		t.Errorf("Put with a canceled context: %v, want context.Canceled", err)
	}
	if _, err := s.List(ctx, ""); !errors.Is(err, context.Canceled) {
		t.Errorf("List with a canceled context: %v, want context.Canceled", err)
	}
}

// stub answers every call with one error.
type stub struct{ err error }

func (s stub) DeleteObject(context.Context, *s3.DeleteObjectInput, ...func(*s3.Options)) (*s3.DeleteObjectOutput, error) {
	return nil, s.err
}
func (s stub) PutObject(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	return nil, s.err
}
func (s stub) GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	return nil, s.err
}
func (s stub) ListObjectsV2(context.Context, *s3.ListObjectsV2Input, ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	return nil, s.err
}

func httpErr(status int) error {
	return &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: status}},
		Err:      errors.New("api error"),
	}
}

func TestErrorMapping(t *testing.T) {
	tests := []struct {
		name     string
		err      error
		notFound bool
	}{
		{"bare 404", httpErr(404), true},                      // HEAD-style 404 with no code
		{"403", httpErr(403), false},                          // access denied is not absence
		{"500", httpErr(500), false},                          // server trouble is not absence
		{"transport", errors.New("dial tcp: refused"), false}, // no response at all
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s3store.New(stub{tt.err}, bucket, "p").Get(context.Background(), "k")
			if errors.Is(err, store.ErrNotFound) != tt.notFound {
				t.Errorf("Get error %v: ErrNotFound = %v, want %v", err, !tt.notFound, tt.notFound)
			}
			if !errors.Is(err, tt.err) {
				t.Errorf("Get error %v does not wrap the SDK's %v", err, tt.err)
			}
		})
	}
}

func TestPagingLoop(t *testing.T) {
	// A server that always says "truncated, continue at t" must not loop.
	s := s3store.New(loop{}, bucket, "")
	if _, err := s.List(context.Background(), ""); err == nil || !strings.Contains(err.Error(), "repeats") {
		t.Errorf("List over a looping server: %v, want a repeat error", err)
	}
}

type loop struct{ stub }

func (loop) ListObjectsV2(context.Context, *s3.ListObjectsV2Input, ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	return &s3.ListObjectsV2Output{IsTruncated: aws.Bool(true), NextContinuationToken: aws.String("t")}, nil
}

func TestParseURL(t *testing.T) {
	tests := []struct {
		url, bucket, prefix string
		err                 string // part of the error; "" for none
	}{
		{"s3://bucket/some/prefix", "bucket", "some/prefix", ""},         // the usual form
		{"s3://bucket", "bucket", "", ""},                                // no prefix
		{"s3://bucket/", "bucket", "", ""},                               // trailing slash, no prefix
		{"s3://my.bucket-1/p/", "my.bucket-1", "p", ""},                  // dots and hyphens; trailing slash dropped
		{"s3://bucket/dt=2026-11-23/x", "bucket", "dt=2026-11-23/x", ""}, // key characters kept
		{"https://bucket/p", "", "", "not an s3:// URL"},                 // wrong scheme
		{"bucket/p", "", "", "not an s3:// URL"},                         // no scheme
		{"s3://", "", "", "no bucket name"},                              // nothing
		{"s3:///p", "", "", "no bucket name"},                            // empty bucket
		{"s3://Bucket/p", "", "", "not allowed"},                         // upper case
		{"s3://ab/p", "", "", "want 3 to 63"},                            // too short
		{"s3://" + strings.Repeat("a", 64), "", "", "want 3 to 63"},      // too long
		{"s3://-bucket/p", "", "", "begin and end"},                      // leading hyphen
		{"s3://my..bucket/p", "", "", "two dots"},                        // consecutive dots
		{"s3://bucket/a//b", "", "", "empty segment"},                    // empty segment
		{"s3://bucket/a/../b", "", "", `segment ".."`},                   // climbing
	}
	for _, tt := range tests {
		b, p, err := s3store.ParseURL(tt.url)
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("ParseURL(%q): %v", tt.url, err)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("ParseURL(%q) = %q, %q, %v; want an error with %q", tt.url, b, p, err, tt.err)
		case b != tt.bucket || p != tt.prefix:
			t.Errorf("ParseURL(%q) = %q, %q; want %q, %q", tt.url, b, p, tt.bucket, tt.prefix)
		}
	}
}

var testDay = mustDay("2026-11-23")

func mustDay(s string) (d time.Time) {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return d
}
