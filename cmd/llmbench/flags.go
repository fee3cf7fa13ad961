package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// parseFlags parses flags that may come before or after the positional
// arguments (`run SPEC --out x` and `run --out x SPEC` both work), and turns
// -h into a clean exit with the command's help.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer, help string) ([]string, error) {
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, help)
		fs.PrintDefaults()
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, &exitError{code: 0, err: err}
			}
			return nil, &exitError{code: 2, err: err}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
