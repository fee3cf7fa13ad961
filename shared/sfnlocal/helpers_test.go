package sfnlocal

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

// fakeClock records sleeps instead of sleeping. Its WithTimeout gives an
// already expired context, so any Task with a TimeoutSeconds times out at
// once if its handler waits for its context.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 11, 23, 6, 18, 36, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	c.now = c.now.Add(d)
	return ctx.Err()
}

func (c *fakeClock) WithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithDeadline(ctx, time.Unix(0, 0))
}

func (c *fakeClock) slept() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

// fns wraps handler functions with Func.
func fns(m map[string]any) map[string]lambda.Handler {
	out := map[string]lambda.Handler{}
	for k, v := range m {
		out[k] = Func(v)
	}
	return out
}

// mustLoad loads a definition with a fake clock.
func mustLoad(t *testing.T, def string, opts Options) *Machine {
	t.Helper()
	if opts.Clock == nil {
		opts.Clock = newFakeClock()
	}
	m, err := Load([]byte(def), opts)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return m
}

// run loads and executes a definition.
func run(t *testing.T, def string, opts Options, input string) (string, error) {
	t.Helper()
	m := mustLoad(t, def, opts)
	out, err := m.Execute(context.Background(), "test", []byte(input))
	return string(out), err
}

// jsonEq fails unless got and want are the same JSON value.
func jsonEq(t *testing.T, got, want string) {
	t.Helper()
	g, err := parseJSON([]byte(got))
	if err != nil {
		t.Fatalf("got is not JSON: %q", got)
	}
	w, err := parseJSON([]byte(want))
	if err != nil {
		t.Fatalf("want is not JSON: %q", want)
	}
	if !jsonEqual(g, w) {
		t.Errorf("got  %s\nwant %s", encodeJSON(g), encodeJSON(w))
	}
}

// execErr asserts an *ExecutionError with the given name and state.
func execErr(t *testing.T, err error, name, state string) *ExecutionError {
	t.Helper()
	var ee *ExecutionError
	if !errors.As(err, &ee) {
		t.Fatalf("want *ExecutionError %s, got %v", name, err)
	}
	if ee.ErrorName != name || (state != "" && ee.State != state) {
		t.Fatalf("want %s in state %s, got %s in state %s (%s)", name, state, ee.ErrorName, ee.State, ee.Cause)
	}
	return ee
}

// pass1 wraps one Pass-like state into a one-state machine.
func machine1(state string) string {
	return `{"StartAt":"S","States":{"S":` + strings.TrimSpace(state) + `}}`
}
