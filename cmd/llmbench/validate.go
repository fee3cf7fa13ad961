package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/llmbench/llmbench/shared/sfnlocal"
	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/statemachine"
)

const validateHelp = `Usage: llmbench validate FILE ...

Checks each run spec (fields, types, ranges, secret references) and prints
every problem with its field path. A *.asl.json file is checked as the
workflow definition: every Next exists, every state is reachable, terminal
states, Retry/Catch well formed (States.ALL alone and last), and each Lambda
task retries Lambda's service errors and nothing that would replay load.
Nothing is run and nothing is written.
`

func validateCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	files, err := parseFlags(fs, args, stderr, validateHelp)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		fmt.Fprint(stderr, validateHelp)
		return usageError("validate: no spec file given")
	}
	bad := 0
	for _, f := range files {
		if strings.HasSuffix(f, ".asl.json") {
			if problems := checkDefinition(f); len(problems) > 0 {
				for _, p := range problems {
					fmt.Fprintf(stderr, "%s: %s\n", f, p)
				}
				bad++
				continue
			}
			fmt.Fprintf(stdout, "%s: ok\n", f)
			continue
		}
		if _, err := loadSpec(f); err != nil {
			fmt.Fprintf(stderr, "%s\n", err)
			bad++
			continue
		}
		fmt.Fprintf(stdout, "%s: ok\n", f)
	}
	if bad > 0 {
		return &exitError{code: 2, err: fmt.Errorf("%d of %d spec(s) invalid", bad, len(files))}
	}
	return nil
}

// checkDefinition checks a state machine definition statically: every
// Next exists, every state is reachable, Retry and Catch are well formed,
// and each Lambda task retries the Lambda service errors and nothing that
// would replay load.
func checkDefinition(path string) []string {
	def, err := os.ReadFile(path)
	if err != nil {
		return []string{err.Error()}
	}
	vars := statemachine.LocalVars()
	var out []string
	for _, p := range sfnlocal.Check(def, vars) {
		out = append(out, p.String())
	}
	for _, p := range sfnlocal.LambdaRetryPolicy(def, vars) {
		out = append(out, p.String())
	}
	return out
}

// loadSpec reads and validates a spec file; errors name the file.
func loadSpec(path string) (*spec.Spec, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &exitError{code: 2, err: err}
	}
	defer f.Close()
	s, err := spec.Parse(f)
	if err != nil {
		return nil, &exitError{code: 2, err: fmt.Errorf("%s: %w", path, err)}
	}
	return s, nil
}
