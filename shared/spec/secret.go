package spec

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Secret is a reference to a secret, never its value. Two forms:
//
//	env:NAME                                                  an environment variable of the process that sends requests
//	arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-AbCdEf  a Secrets Manager secret (its SecretString)
//	arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-AbCdEf#key  one key of a JSON secret
//
// An ARN must be the full ARN, ending in the six characters Secrets
// Manager appends to the name: a partial ARN can match another secret.
// Package secrets resolves both forms, in the process that sends requests.
type Secret string

// String shows the reference, which is safe to print.
func (s Secret) String() string { return string(s) }

// secretARN matches a full Secrets Manager secret ARN with an optional
// #jsonKey: partition, region, 12-digit account, name, 6-character suffix.
var secretARN = regexp.MustCompile(`^(arn:aws(?:-[a-z]+)*:secretsmanager:([a-z]{2}(?:-[a-z]+)+-[0-9]+):[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]{1,512}-[A-Za-z0-9]{6})(?:#(.+))?$`)

// Env returns the variable name of an env: reference.
func (s Secret) Env() (name string, ok bool) {
	ref := string(s)
	if !strings.HasPrefix(ref, "env:") || !envNameOK(ref[4:]) {
		return "", false
	}
	return ref[4:], true
}

// SecretsManager splits a Secrets Manager reference into the secret's ARN,
// its region and the JSON key to pick (empty for the whole SecretString).
func (s Secret) SecretsManager() (arn, region, jsonKey string, ok bool) {
	m := secretARN.FindStringSubmatch(string(s))
	if m == nil {
		return "", "", "", false
	}
	return m[1], m[2], m[3], true
}

func (s Secret) check() error {
	ref := string(s)
	switch {
	case ref == "":
		return errors.New("is required: a reference such as env:API_KEY or a Secrets Manager ARN")
	case strings.HasPrefix(ref, "env:"):
		if _, ok := s.Env(); !ok {
			return fmt.Errorf("env reference needs a variable name of letters, digits and '_', got %q", ref)
		}
		return nil
	case strings.HasPrefix(ref, "arn:"):
		if _, _, _, ok := s.SecretsManager(); !ok {
			// An ARN is an address, not a secret: it can be shown.
			return fmt.Errorf("must be a full Secrets Manager ARN such as arn:aws:secretsmanager:us-east-1:123456789012:secret:NAME-AbCdEf (optionally #jsonKey), got %q", ref)
		}
		return nil
	default:
		// Do not echo the value: it may be a pasted key.
		return errors.New("must be a reference such as env:API_KEY or a Secrets Manager ARN, never the secret itself")
	}
}

func envNameOK(n string) bool {
	if n == "" {
		return false
	}
	for i, c := range n {
		if !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// ErrSecretMissing is returned when a referenced secret has no value.
var ErrSecretMissing = errors.New("secret not set")
