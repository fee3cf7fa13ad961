package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/llmbench/llmbench/shared/spec"
)

const validateHelp = `Usage: llmbench validate SPEC.json ...

Checks each run spec (fields, types, ranges, secret references) and prints
every problem with its field path. Nothing is run and nothing is written.
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
