package workflow

import (
	"context"
	"fmt"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/llmbench/llmbench/shared/secrets"
	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/target"
)

// TargetAuth is what an opener needs to authenticate to a target, in the
// process that sends the requests.
type TargetAuth struct {
	// Secrets resolves target.auth.secret (env: or a Secrets Manager ARN).
	// Keep one per process: it caches what Secrets Manager returned. nil
	// resolves env: references with os.Getenv only.
	Secrets *secrets.Resolver
	// AWS signs requests for target.auth.sigv4; nil makes such targets an
	// error.
	AWS aws.CredentialsProvider
}

// OpenAIOpener opens OpenAI-compatible targets, resolving the auth secret
// with getenv at the worker (os.Getenv in a real process). baseURL, when
// set, replaces the spec's URL: the CLI points kind "sim" at the simulated
// server it started. It resolves env: references only: see
// OpenAIOpenerAuth for Secrets Manager and SigV4.
func OpenAIOpener(getenv func(string) string, baseURL string) OpenTarget {
	return OpenAIOpenerAuth(TargetAuth{Secrets: &secrets.Resolver{Getenv: getenv}}, baseURL)
}

// OpenAIOpenerAuth opens OpenAI-compatible targets with auth: a header
// carrying a secret auth.Secrets resolves, or a SigV4 signature made with
// auth.AWS. baseURL is as for OpenAIOpener.
func OpenAIOpenerAuth(auth TargetAuth, baseURL string) OpenTarget {
	res := auth.Secrets
	if res == nil {
		res = &secrets.Resolver{}
	}
	return func(ctx context.Context, s *spec.Spec, maxConns int) (Doer, error) {
		t := s.Target
		url := t.URL
		if baseURL != "" {
			url = baseURL
		}
		if url == "" {
			return nil, fmt.Errorf("workflow: target kind %q has no URL to send requests to", t.Kind)
		}
		headers := make(map[string]string, len(t.Headers)+1)
		for k, v := range t.Headers {
			headers[k] = v
		}
		var sign func(*http.Request, []byte) error
		switch a := t.Auth; {
		case a == nil:
		case a.SigV4 != nil:
			if auth.AWS == nil {
				return nil, fmt.Errorf("workflow: target.auth.sigv4 needs AWS credentials, and this process has none configured")
			}
			var err error
			if sign, err = target.SigV4(auth.AWS, a.SigV4.Service, a.SigV4.Region); err != nil {
				return nil, err
			}
		default:
			v, err := res.Resolve(ctx, a.Secret)
			if err != nil {
				return nil, err
			}
			if a.Scheme != "" {
				v = a.Scheme + " " + v
			}
			headers[a.Header] = v
		}
		return target.NewOpenAI(target.OpenAIConfig{
			BaseURL:        url,
			API:            t.API,
			Model:          t.Model,
			Stream:         s.Workload.Streaming(),
			Headers:        headers,
			CaptureHeaders: t.CaptureHeaders,
			IgnoreEOS:      t.IgnoreEOS,
			Sign:           sign,
			Client:         target.NewHTTPClient(maxConns),
		})
	}
}
