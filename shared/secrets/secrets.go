// Package secrets resolves the secret references of a run spec into their
// values, in the process that sends requests (the worker, or the CLI):
//
//	env:NAME                                                     the variable NAME, read with the Resolver's Getenv
//	arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-AbCdEf      the secret's SecretString
//	arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-AbCdEf#key  one key of a JSON SecretString
//
// A Resolver caches what Secrets Manager returned for the life of the
// process: a Lambda worker fetches a secret once per execution
// environment, not once per invocation or per request. A rotated secret is
// therefore picked up by new execution environments only.
//
// Errors name the reference, never the value.
package secrets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/llmbench/llmbench/shared/spec"
)

// API is the part of the Secrets Manager client a Resolver uses;
// *secretsmanager.Client implements it.
type API interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// ErrNoEnv is returned for an env: reference when the Resolver was given
// no environment to read.
var ErrNoEnv = errors.New("no environment to read an env: reference from")

// ErrNoClient is returned for a Secrets Manager reference when the
// Resolver has no client.
var ErrNoClient = errors.New("no Secrets Manager client to resolve an ARN reference")

// Resolver turns references into values. Use it by pointer: it holds the
// cache. It is safe for concurrent use.
type Resolver struct {
	// Getenv looks env: references up (os.Getenv, given by the entry
	// point: the environment belongs to it); nil makes them an error
	// (ErrNoEnv).
	Getenv func(string) string
	// SM fetches Secrets Manager references; nil makes them an error
	// (ErrNoClient). Each call is sent to the region the ARN names.
	SM API

	mu    sync.Mutex
	cache map[string]*entry // by ARN, without the #key
}

// entry is one secret, fetched once; ready closes when val or err is set.
type entry struct {
	ready chan struct{}
	val   string
	err   error
}

// Resolve returns the value ref refers to. A Secrets Manager secret is
// fetched at most once per Resolver while fetches succeed; a failed fetch
// is retried by the next call.
func (r *Resolver) Resolve(ctx context.Context, ref spec.Secret) (string, error) {
	if name, ok := ref.Env(); ok {
		if r.Getenv == nil {
			return "", fmt.Errorf("secrets: resolve %s: %w", ref, ErrNoEnv)
		}
		v := r.Getenv(name)
		if v == "" {
			return "", fmt.Errorf("secrets: resolve %s: %w", ref, spec.ErrSecretMissing)
		}
		return v, nil
	}
	arn, region, key, ok := ref.SecretsManager()
	if !ok {
		// Do not show ref: it is no reference, so it may be a value.
		return "", errors.New("secrets: resolve: not a reference (env:NAME or a Secrets Manager ARN)")
	}
	if r.SM == nil {
		return "", fmt.Errorf("secrets: resolve %s: %w", ref, ErrNoClient)
	}
	s, err := r.fetch(ctx, arn, region)
	if err != nil {
		return "", fmt.Errorf("secrets: resolve %s: %w", ref, err)
	}
	if key != "" {
		if s, err = jsonKey(s, key); err != nil {
			return "", fmt.Errorf("secrets: resolve %s: %w", ref, err)
		}
	}
	if s == "" {
		return "", fmt.Errorf("secrets: resolve %s: %w", ref, spec.ErrSecretMissing)
	}
	return s, nil
}

// fetch returns the secret's string, from the cache or from Secrets
// Manager. Concurrent callers for the same ARN share one call and its
// outcome; a failed call leaves no entry behind.
func (r *Resolver) fetch(ctx context.Context, arn, region string) (string, error) {
	r.mu.Lock()
	e, ok := r.cache[arn]
	if !ok {
		if r.cache == nil {
			r.cache = make(map[string]*entry)
		}
		e = &entry{ready: make(chan struct{})}
		r.cache[arn] = e
	}
	r.mu.Unlock()
	if ok {
		select {
		case <-e.ready:
			return e.val, e.err // a failure is shared, not kept: the next call tries again
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}

	e.val, e.err = r.get(ctx, arn, region)
	if e.err != nil {
		r.mu.Lock()
		delete(r.cache, arn)
		r.mu.Unlock()
	}
	close(e.ready)
	return e.val, e.err
}

func (r *Resolver) get(ctx context.Context, arn, region string) (string, error) {
	out, err := r.SM.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: &arn},
		func(o *secretsmanager.Options) { o.Region = region })
	if err != nil {
		return "", err // the SDK's error names the operation and the service's message, not the value
	}
	switch {
	case out.SecretString != nil:
		return *out.SecretString, nil
	case len(out.SecretBinary) > 0:
		return string(out.SecretBinary), nil
	}
	return "", nil
}

// jsonKey picks key out of a JSON object secret. Its errors never quote
// the secret: a JSON syntax error would show a character of it.
func jsonKey(s, key string) (string, error) {
	var obj map[string]json.RawMessage
	if json.Unmarshal([]byte(s), &obj) != nil || obj == nil {
		return "", errors.New("the secret is not a JSON object, so it has no key to pick")
	}
	raw, ok := obj[key]
	if !ok {
		return "", fmt.Errorf("the JSON secret has no key %q", key)
	}
	var v string
	if json.Unmarshal(raw, &v) != nil {
		return "", fmt.Errorf("the JSON secret's key %q is not a string", key)
	}
	return v, nil
}
