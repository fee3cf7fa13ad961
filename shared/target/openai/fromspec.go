package openai

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/target"
)

// FromSpecOptions is what FromSpec needs beyond the spec: what the process
// that sends the requests was given at its start.
type FromSpecOptions struct {
	// BaseURL, when set, replaces the spec's target.url: the CLI points
	// kind "sim" at the simulated server it started.
	BaseURL string
	// Resolve resolves target.auth.secret, e.g. (*secrets.Resolver).Resolve
	// (env: or a Secrets Manager ARN; keep one resolver per process, it
	// caches). nil makes a spec with a secret an error.
	Resolve func(ctx context.Context, ref spec.Secret) (string, error)
	// Credentials sign each request for target.auth.sigv4. nil makes such
	// a spec an error.
	Credentials aws.CredentialsProvider
	// Client sends the requests. nil means target.NewHTTPClient(MaxConns):
	// MaxConns idle connections kept (<= 0 means 64).
	Client   *http.Client
	MaxConns int
}

// FromSpec builds the client a run spec's target describes (kind openai,
// or sim with BaseURL set): its URL, API, model, headers and captured
// headers, streaming as the workload says, authenticated by a resolved
// secret in a header or by a SigV4 signature. ctx bounds the secret's
// resolution. The workload's generation parameters (temperature, top_p,
// min_tokens, ignore_eos, stop, extra_body) travel in each
// target.Request. Call Close when done with the client.
func FromSpec(ctx context.Context, s *spec.Spec, opts FromSpecOptions) (*Client, error) {
	t := s.Target
	url := t.URL
	if opts.BaseURL != "" {
		url = opts.BaseURL
	}
	if url == "" {
		return nil, fmt.Errorf("openai: target kind %q has no URL to send requests to", t.Kind)
	}
	headers := make(map[string]string, len(t.Headers)+1)
	maps.Copy(headers, t.Headers)
	var sign func(*http.Request, []byte) error
	switch a := t.Auth; {
	case a == nil:
	case a.SigV4 != nil:
		if opts.Credentials == nil {
			return nil, errors.New("openai: target.auth.sigv4 needs AWS credentials, and this process has none configured")
		}
		var err error
		if sign, err = SigV4(opts.Credentials, a.SigV4.Service, a.SigV4.Region); err != nil {
			return nil, err
		}
	default:
		if opts.Resolve == nil {
			return nil, errors.New("openai: target.auth.secret needs a secret resolver, and this process has none configured")
		}
		v, err := opts.Resolve(ctx, a.Secret)
		if err != nil {
			return nil, err
		}
		if a.Scheme != "" {
			v = a.Scheme + " " + v
		}
		headers[a.Header] = v
	}
	hc := opts.Client
	if hc == nil {
		hc = target.NewHTTPClient(opts.MaxConns)
	}
	return New(Config{
		BaseURL:        url,
		API:            t.API,
		Model:          t.Model,
		Stream:         s.Workload.Streaming(),
		Headers:        headers,
		CaptureHeaders: t.CaptureHeaders,
		Sign:           sign,
		Client:         hc,
	})
}
