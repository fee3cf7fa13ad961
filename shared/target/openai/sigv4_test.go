package openai

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/llmbench/llmbench/shared/sample"
)

const (
	sigAKID   = "AKIDEXAMPLE"
	sigSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	sigToken  = "FQoGZXIvYXdzEXAMPLESESSIONTOKEN0123456789"
)

// sigv4Verifier plays an IAM-authorized API Gateway: it recomputes each
// request's signature with the same signer and the key it knows, from the
// headers the client said it signed and the body it received, and answers
// 403 unless the Authorization headers are equal.
func sigv4Verifier(t *testing.T, known aws.Credentials, service, region string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		deny := func(why string) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"message":"`+why+`"}`)
		}
		got := r.Header.Get("Authorization")
		fields := map[string]string{}
		for _, f := range strings.Split(strings.TrimPrefix(got, "AWS4-HMAC-SHA256 "), ", ") {
			if k, v, ok := strings.Cut(f, "="); ok {
				fields[k] = v
			}
		}
		if !strings.HasPrefix(got, "AWS4-HMAC-SHA256 ") || !strings.HasPrefix(fields["Credential"], known.AccessKeyID+"/") {
			deny("Missing Authentication Token")
			return
		}
		if !strings.Contains(fields["SignedHeaders"], "x-team") || !strings.Contains(fields["SignedHeaders"], "x-request-id") {
			t.Errorf("extra headers not signed: %s", fields["SignedHeaders"])
		}
		at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
		if err != nil || time.Since(at).Abs() > 5*time.Minute {
			deny("Signature expired")
			return
		}
		body, _ := io.ReadAll(r.Body)
		re, _ := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), bytes.NewReader(body))
		for _, h := range strings.Split(fields["SignedHeaders"], ";") {
			if h != "host" && h != "content-length" {
				re.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
			}
		}
		if err := v4.NewSigner().SignHTTP(context.Background(), known, re, hashHex(body), service, region, at); err != nil {
			t.Error(err)
		}
		if re.Header.Get("Authorization") != got {
			deny("The request signature we calculated does not match the signature you provided.")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

func hashHex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

type failingProvider struct{}

func (failingProvider) Retrieve(context.Context) (aws.Credentials, error) {
	return aws.Credentials{}, errors.New("no EC2 IMDS role found")
}

func TestSigV4(t *testing.T) {
	backend := stream(data(roleChunk, content("hi"), content(" there"), usageChunk, "[DONE]")...)
	long := sigv4Verifier(t, aws.Credentials{AccessKeyID: sigAKID, SecretAccessKey: sigSecret}, "execute-api", "us-east-1", backend)
	temp := sigv4Verifier(t, aws.Credentials{AccessKeyID: sigAKID, SecretAccessKey: sigSecret, SessionToken: sigToken}, "execute-api", "us-east-1", backend)
	tests := []struct {
		name   string
		server http.Handler
		creds  aws.CredentialsProvider
		region string
		status sample.Status
		err    string // in Err, for a failure
	}{
		// the key the server knows: every request passes
		{"signed", long, credentials.NewStaticCredentialsProvider(sigAKID, sigSecret, ""), "us-east-1", sample.StatusOK, ""},
		// temporary credentials: the session token is sent and signed
		{"session token", temp, credentials.NewStaticCredentialsProvider(sigAKID, sigSecret, sigToken), "us-east-1", sample.StatusOK, ""},
		// a wrong secret key: API Gateway's 403
		{"wrong key", long, credentials.NewStaticCredentialsProvider(sigAKID, "not-the-secret-key-0123456789", ""), "us-east-1", sample.StatusHTTPError, "signature we calculated does not match"},
		// signed for another region: 403
		{"wrong region", long, credentials.NewStaticCredentialsProvider(sigAKID, sigSecret, ""), "eu-west-1", sample.StatusHTTPError, "does not match"},
		// a session token the server does not expect (temporary credentials are signed with it)
		{"missing token", temp, credentials.NewStaticCredentialsProvider(sigAKID, sigSecret, ""), "us-east-1", sample.StatusHTTPError, "does not match"},
		// no credentials: the request fails before it is sent
		{"no credentials", long, failingProvider{}, "us-east-1", sample.StatusTransport, "sign request: sigv4: retrieve AWS credentials"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.server)
			defer srv.Close()
			sign, err := SigV4(tc.creds, "execute-api", tc.region)
			if err != nil {
				t.Fatal(err)
			}
			c := newTarget(t, srv.URL, func(c *Config) {
				c.Sign = sign
				c.Headers = map[string]string{"X-Team": "bench"} // extra headers are signed too
			})
			if !strings.HasSuffix(c.Describe(), " signed") {
				t.Errorf("Describe() = %q", c.Describe())
			}
			for range 2 { // a kept-alive connection, a second signature
				r := do(t, c, 5*time.Second)
				checkOrder(t, r)
				if r.Status != tc.status || !strings.Contains(r.Err, tc.err) {
					t.Fatalf("status %s %q, want %s %q", r.Status, r.Err, tc.status, tc.err)
				}
				for _, s := range []string{sigSecret, sigToken, "not-the-secret-key"} {
					if strings.Contains(r.Err, s) {
						t.Errorf("Err shows a credential: %s", r.Err)
					}
				}
			}
		})
	}
}

func TestSigV4Config(t *testing.T) {
	creds := credentials.NewStaticCredentialsProvider(sigAKID, sigSecret, "")
	tests := []struct {
		creds           aws.CredentialsProvider
		service, region string
		err             string
	}{
		// no provider
		{nil, "execute-api", "us-east-1", "no AWS credentials"},
		// no service
		{creds, "", "us-east-1", "service is required"},
		// no region
		{creds, "execute-api", "", "region is required"},
	}
	for _, tc := range tests {
		_, err := SigV4(tc.creds, tc.service, tc.region)
		if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.HasPrefix(err.Error(), "openai: sigv4: ") {
			t.Errorf("SigV4(%q, %q) = %v, want %q", tc.service, tc.region, err, tc.err)
		}
	}
}
