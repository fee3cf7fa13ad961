package spec

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Secret is a reference to a secret, never its value: "env:NAME" names an
// environment variable of the process that sends requests. (Secrets
// Manager ARNs arrive with the AWS targets.)
type Secret string

// String shows the reference, which is safe to print.
func (s Secret) String() string { return string(s) }

func (s Secret) check() error {
	ref := string(s)
	switch {
	case ref == "":
		return errors.New("is required: a reference such as env:API_KEY")
	case strings.HasPrefix(ref, "env:"):
		if !envNameOK(ref[4:]) {
			return fmt.Errorf("env reference needs a variable name of letters, digits and '_', got %q", ref)
		}
		return nil
	default:
		// Do not echo the value: it may be a pasted key.
		return errors.New("must be a reference such as env:API_KEY, never the secret itself")
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

// Resolve returns the secret's value, looking env: references up with
// getenv (os.Getenv in a real process). Errors name the reference, never
// the value.
func (s Secret) Resolve(_ context.Context, getenv func(string) string) (string, error) {
	ref := string(s)
	if err := s.check(); err != nil {
		return "", fmt.Errorf("spec: resolve secret: %w", err)
	}
	v := getenv(ref[4:])
	if v == "" {
		return "", fmt.Errorf("spec: resolve secret %s: %w", ref, ErrSecretMissing)
	}
	return v, nil
}
