package secrets

import (
	"context"
	"encoding/json"
	"errors"
	"github.com/llmbench/llmbench/shared/sdkhttp"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/llmbench/llmbench/shared/spec"
)

const (
	arnPlain = "arn:aws:secretsmanager:us-east-1:123456789012:secret:llmbench/azure-key-AbC123"
	arnJSON  = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:llmbench/keys-XyZ789"
	arnGone  = "arn:aws:secretsmanager:us-east-1:123456789012:secret:llmbench/deleted-QqQ000"

	plainValue = "sk-azure-4d6f8a0c2e4b6d8f"
	jsonValue  = `{"api_key":"sk-gcp-1a3c5e7g9i1k3m5o","user":"u-7c9e1a3b","port":80443}`
)

// fakeSM is a fake Secrets Manager: it speaks the JSON 1.1 protocol of
// GetSecretValue on loopback, so the real SDK client, with its serializers,
// signing and error decoding, talks to it.
type fakeSM struct {
	secrets map[string]string // by ARN
	calls   atomic.Int32
	mu      sync.Mutex
	scopes  []string // the credential scope of each call's signature
}

func (f *fakeSM) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.calls.Add(1)
	auth := r.Header.Get("Authorization")
	if i := strings.Index(auth, "Credential="); i >= 0 {
		f.mu.Lock()
		f.scopes = append(f.scopes, strings.SplitN(auth[i:], ",", 2)[0])
		f.mu.Unlock()
	}
	fail := func(status int, typ, msg string) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
	}
	if r.Method != http.MethodPost || r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" ||
		r.Header.Get("Content-Type") != "application/x-amz-json-1.1" || !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 ") {
		fail(400, "InvalidRequestException", "fake: unexpected request "+r.Header.Get("X-Amz-Target"))
		return
	}
	var in struct{ SecretId string }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		fail(400, "InvalidParameterException", "fake: bad body")
		return
	}
	v, ok := f.secrets[in.SecretId]
	if !ok {
		fail(400, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
		return
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	json.NewEncoder(w).Encode(map[string]any{"ARN": in.SecretId, "Name": "n", "SecretString": v,
		"VersionId": "v1", "VersionStages": []string{"AWSCURRENT"}, "CreatedDate": 1.7e9})
}

// newFake starts the fake and an SDK client pointed at it: static
// credentials, a loopback endpoint, no retries; nothing leaves the machine.
func newFake(t *testing.T) (*fakeSM, *secretsmanager.Client) {
	t.Helper()
	f := &fakeSM{secrets: map[string]string{arnPlain: plainValue, arnJSON: jsonValue}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c := secretsmanager.New(secretsmanager.Options{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDFAKE", "fake-secret-key", ""),
		BaseEndpoint:     aws.String(srv.URL),
		RetryMaxAttempts: 1,
		HTTPClient:       sdkhttp.Guard(srv.Client()),
	})
	return f, c
}

func TestResolve(t *testing.T) {
	_, sm := newFake(t)
	env := map[string]string{"AZURE_API_KEY": "env-value-123456"}
	r := &Resolver{Getenv: func(k string) string { return env[k] }, SM: sm}
	tests := []struct {
		ref  spec.Secret
		want string // the value; empty: an error containing err
		err  string
	}{
		// an environment variable
		{ref: "env:AZURE_API_KEY", want: "env-value-123456"},
		// an unset variable: spec.ErrSecretMissing, naming the reference
		{ref: "env:UNSET", err: "secrets: resolve env:UNSET: secret not set"},
		// a whole SecretString, through the SDK and the fake
		{ref: arnPlain, want: plainValue},
		// one key of a JSON secret, fetched from the region of its ARN
		{ref: arnJSON + "#api_key", want: "sk-gcp-1a3c5e7g9i1k3m5o"},
		// a key the JSON secret lacks
		{ref: arnJSON + "#password", err: `the JSON secret has no key "password"`},
		// a key whose value is not a string
		{ref: arnJSON + "#port", err: `key "port" is not a string`},
		// a key asked of a secret that is not JSON
		{ref: arnPlain + "#api_key", err: "not a JSON object"},
		// a secret that does not exist: the service's own message
		{ref: arnGone, err: "ResourceNotFoundException: Secrets Manager can't find the specified secret."},
		// a value where a reference belongs is refused without being shown
		{ref: "sk-pasted-0123456789", err: "not a reference"},
	}
	ctx := context.Background()
	for _, tc := range tests {
		got, err := r.Resolve(ctx, tc.ref)
		if tc.err == "" {
			if err != nil || got != tc.want {
				t.Errorf("%s: got %q, %v; want %q", tc.ref, got, err, tc.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.HasPrefix(err.Error(), "secrets: ") {
			t.Errorf("%s: error %v, want %q", tc.ref, err, tc.err)
			continue
		}
		if tc.ref != "sk-pasted-0123456789" && !strings.Contains(err.Error(), string(tc.ref)) {
			t.Errorf("%s: error does not name the reference: %v", tc.ref, err)
		}
		for _, v := range []string{plainValue, "sk-gcp-1a3c5e7g9i1k3m5o", "env-value-123456", "sk-pasted-0123456789", "u-7c9e1a3b", "80443"} {
			if strings.Contains(err.Error(), v) {
				t.Errorf("%s: error shows a value: %v", tc.ref, err)
			}
		}
	}
	var nf *types.ResourceNotFoundException
	if _, err := r.Resolve(ctx, arnGone); !errors.As(err, &nf) {
		t.Errorf("not-found error does not unwrap to the SDK's type: %v", err)
	}
}

// A worker resolves once: the second resolve of a secret, whichever key it
// picks, is served from the cache; a failure is not cached.
func TestCache(t *testing.T) {
	f, sm := newFake(t)
	r := &Resolver{SM: sm}
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 8 { // concurrent first resolves share one call
		wg.Go(func() {
			if v, err := r.Resolve(ctx, arnJSON+"#api_key"); err != nil || v != "sk-gcp-1a3c5e7g9i1k3m5o" {
				t.Errorf("Resolve = %q, %v", v, err)
			}
		})
	}
	wg.Wait()
	if v, err := r.Resolve(ctx, arnJSON+"#user"); err != nil || v != "u-7c9e1a3b" {
		t.Errorf("Resolve #user = %q, %v", v, err)
	}
	if n := f.calls.Load(); n != 1 {
		t.Errorf("%d calls for one secret, want 1", n)
	}
	// The call went to the region in the ARN (eu-west-1), not the client's.
	if len(f.scopes) != 1 || !strings.Contains(f.scopes[0], "/eu-west-1/secretsmanager/") {
		t.Errorf("signed for %v, want eu-west-1", f.scopes)
	}

	r.Resolve(ctx, arnGone)
	r.Resolve(ctx, arnGone)
	if n := f.calls.Load(); n != 3 {
		t.Errorf("%d calls after two failed resolves, want 3 (failures are retried)", n)
	}
}

func TestNoClient(t *testing.T) {
	var r Resolver
	_, err := r.Resolve(context.Background(), arnPlain)
	if !errors.Is(err, ErrNoClient) || !strings.Contains(err.Error(), arnPlain) {
		t.Errorf("err = %v, want ErrNoClient naming the ARN", err)
	}
	// The environment belongs to the entry point: a Resolver given none
	// does not read the process's own.
	t.Setenv("LLMBENCH_SECRETS_TEST", "from-os")
	if v, err := r.Resolve(context.Background(), "env:LLMBENCH_SECRETS_TEST"); !errors.Is(err, ErrNoEnv) || v != "" {
		t.Errorf("zero Resolver: Resolve env = %q, %v; want ErrNoEnv", v, err)
	}
}
