package openai

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/spec"
)

// FromSpec wires a spec's target into a Client: URL (or the BaseURL
// override), API, model, streaming, headers and the two kinds of auth, and
// fails, naming the field, when the process lacks what the auth needs.
func TestFromSpec(t *testing.T) {
	var (
		mu   sync.Mutex
		seen http.Header
		path string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen, path = r.Header.Clone(), r.URL.Path
		mu.Unlock()
		reply(200, "application/json", `{"choices":[{"text":"a b"}]}`)(w, r)
	}))
	defer srv.Close()

	noStream := false
	base := func(mod func(*spec.Spec)) *spec.Spec {
		s := &spec.Spec{
			Target: spec.Target{Kind: spec.KindOpenAI, URL: srv.URL + "/v1", API: "completions", Model: "m",
				Headers: map[string]string{"X-Team": "bench"}},
			Workload: spec.Workload{Stream: &noStream},
		}
		if mod != nil {
			mod(s)
		}
		return s
	}
	secret := func(s *spec.Spec) {
		s.Target.Auth = &spec.Auth{Header: "Authorization", Scheme: "Bearer", Secret: "env:KEY"}
	}
	resolve := func(_ context.Context, ref spec.Secret) (string, error) {
		if ref != "env:KEY" {
			return "", errors.New("unknown " + string(ref))
		}
		return "sk-resolved-0123456789", nil
	}
	creds := credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")
	tests := []struct {
		name   string
		spec   *spec.Spec
		opts   FromSpecOptions
		err    string // a substring of the error; "" for success
		desc   string
		header string // the Authorization header the server saw
	}{
		// The spec as written, no auth.
		{name: "plain", spec: base(nil),
			desc: "openai " + srv.URL + "/v1 completions model=m nostream"},
		// BaseURL replaces the spec's URL (kind sim has none).
		{name: "base URL", spec: base(func(s *spec.Spec) { s.Target.Kind, s.Target.URL = spec.KindSim, "" }),
			opts: FromSpecOptions{BaseURL: srv.URL + "/v1/"},
			desc: "openai " + srv.URL + "/v1 completions model=m nostream"},
		// No URL at all.
		{name: "no URL", spec: base(func(s *spec.Spec) { s.Target.Kind, s.Target.URL = spec.KindSim, "" }),
			err: `openai: target kind "sim" has no URL to send requests to`},
		// A secret, resolved and sent with its scheme.
		{name: "secret", spec: base(secret), opts: FromSpecOptions{Resolve: resolve},
			desc: "openai " + srv.URL + "/v1 completions model=m nostream", header: "Bearer sk-resolved-0123456789"},
		// A secret without a resolver.
		{name: "no resolver", spec: base(secret),
			err: "openai: target.auth.secret needs a secret resolver"},
		// The resolver's error is returned as it is.
		{name: "resolve fails", spec: base(func(s *spec.Spec) { secret(s); s.Target.Auth.Secret = "env:OTHER" }),
			opts: FromSpecOptions{Resolve: resolve}, err: "unknown env:OTHER"},
		// SigV4 signs: the header is a signature.
		{name: "sigv4", spec: base(func(s *spec.Spec) {
			s.Target.Auth = &spec.Auth{SigV4: &spec.SigV4{Service: "execute-api", Region: "us-east-1"}}
		}), opts: FromSpecOptions{Credentials: creds},
			desc: "openai " + srv.URL + "/v1 completions model=m nostream signed", header: "AWS4-HMAC-SHA256 Credential=AKID/"},
		// SigV4 without credentials.
		{name: "sigv4 without credentials", spec: base(func(s *spec.Spec) {
			s.Target.Auth = &spec.Auth{SigV4: &spec.SigV4{Service: "execute-api", Region: "us-east-1"}}
		}), err: "openai: target.auth.sigv4 needs AWS credentials"},
		// The client's own errors come through New.
		{name: "bad API", spec: base(func(s *spec.Spec) { s.Target.API = "responses" }), err: "openai: api must be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := FromSpec(context.Background(), tt.spec, tt.opts)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if c.Describe() != tt.desc {
				t.Errorf("Describe() = %q, want %q", c.Describe(), tt.desc)
			}
			r := do(t, c, 5*time.Second)
			if r.Status != sample.StatusOK || r.OutputTokens != 2 {
				t.Fatalf("status %s %q, %d tokens", r.Status, r.Err, r.OutputTokens)
			}
			mu.Lock()
			defer mu.Unlock()
			if path != "/v1/completions" || seen.Get("X-Team") != "bench" || !strings.HasPrefix(seen.Get("Authorization"), tt.header) ||
				(tt.header == "" && seen.Get("Authorization") != "") {
				t.Errorf("path %s, headers %v", path, seen)
			}
		})
	}
}

// Close drops the idle connections: the next request dials anew.
func TestClose(t *testing.T) {
	srv := httptest.NewServer(stream(data(content("a"), "[DONE]")...))
	defer srv.Close()
	c := newTarget(t, srv.URL, nil)
	if r := do(t, c, 5*time.Second); r.Status != sample.StatusOK {
		t.Fatalf("status %s %q", r.Status, r.Err)
	}
	c.Close()
	if r := do(t, c, 5*time.Second); r.Status != sample.StatusOK || r.ConnReused {
		t.Errorf("after Close: status %s, reused %v", r.Status, r.ConnReused)
	}
}
