package workflow

import (
	"context"
	"fmt"

	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/target"
)

// OpenAIOpener opens OpenAI-compatible targets, resolving the auth secret
// with getenv at the worker (os.Getenv in a real process). baseURL, when
// set, replaces the spec's URL: the CLI points kind "sim" at the simulated
// server it started.
func OpenAIOpener(getenv func(string) string, baseURL string) OpenTarget {
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
		if t.Auth != nil {
			v, err := t.Auth.Secret.Resolve(ctx, getenv)
			if err != nil {
				return nil, err
			}
			if t.Auth.Scheme != "" {
				v = t.Auth.Scheme + " " + v
			}
			headers[t.Auth.Header] = v
		}
		return target.NewOpenAI(target.OpenAIConfig{
			BaseURL:        url,
			API:            t.API,
			Model:          t.Model,
			Stream:         s.Workload.Streaming(),
			Headers:        headers,
			CaptureHeaders: t.CaptureHeaders,
			IgnoreEOS:      t.IgnoreEOS,
			Client:         target.NewHTTPClient(maxConns),
		})
	}
}
