// Command llmbench benchmarks LLM inference endpoints: time to first token,
// inter-token latency, end-to-end latency, tokens per second, errors and
// cost per million tokens, level by level.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `llmbench measures LLM inference endpoints under load.

Usage:
  llmbench run [--out DIR] SPEC.json        run a benchmark and print its summary
  llmbench run --cloud --state-machine ARN SPEC.json
                                            run it on the deployed AWS state machine
  llmbench report RUN                       print a stored run (results/runs/ID or s3://…/runs/ID)
  llmbench compare [--baseline B] RUN ...   compare runs, or fail on regressions vs a baseline
  llmbench validate FILE ...                check run specs (and statemachine/*.asl.json)
  llmbench sim [--profile NAME] [--addr HOST:PORT]
                                            serve the simulated LLM (OpenAI-compatible)
  llmbench help                             this text

Examples:
  llmbench run events/local.json            the simulated server, levels 6, 12, 24, 32
  llmbench run --out /tmp/r my-vllm.json    a vLLM server, results under /tmp/r
  llmbench sim --profile fixed --ttft 100ms --itl 20ms --addr 127.0.0.1:8000

Run 'llmbench COMMAND --help' for the options of a command.
Exit codes: 0 success, 1 the run failed, 2 bad usage or an invalid spec, 130 interrupted.
`

// exitError carries an exit code through the commands.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageError(format string, args ...any) error {
	return &exitError{code: 2, err: fmt.Errorf(format, args...)}
}

func main() {
	ctx := context.Background()
	os.Exit(mainCode(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

func mainCode(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	err := dispatch(ctx, args, stdout, stderr)
	if err == nil {
		return 0
	}
	code := 1
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	if code != 0 {
		fmt.Fprintln(stderr, "llmbench:", err)
	}
	return code
}

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return &exitError{code: 2, err: errors.New("no command given")}
	}
	switch args[0] {
	case "run":
		return runCmd(ctx, args[1:], stdout, stderr, osEnv{})
	case "report":
		return reportCmd(ctx, args[1:], stdout, stderr)
	case "compare":
		return compareCmd(ctx, args[1:], stdout, stderr)
	case "validate":
		return validateCmd(ctx, args[1:], stdout, stderr)
	case "sim":
		ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
		return simCmd(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return usageError("unknown command %q", args[0])
	}
}

// osEnv is the process environment, the only place secrets are read from.
type osEnv struct{}

func (osEnv) Getenv(k string) string { return os.Getenv(k) }
