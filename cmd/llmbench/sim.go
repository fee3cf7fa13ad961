package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/llmbench/llmbench/shared/simllm"
)

func simHelp() string {
	return fmt.Sprintf(`Usage: llmbench sim [--profile NAME] [--addr HOST:PORT] [--ttft D --itl D] [--seed N]

Serves llmbench's simulated LLM server: an OpenAI-compatible API
(/v1/chat/completions, /v1/completions, streaming or not, with usage) whose
timing follows a profile. Point any benchmark tool at it. Every response
carries the header X-Llmbench-Simulated.

Profiles: %s

Options:
`, strings.Join(simllm.Profiles(), ", "))
}

func simCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sim", flag.ContinueOnError)
	profile := fs.String("profile", "g5-llama31-8b-awq", "timing profile")
	addr := fs.String("addr", "127.0.0.1:8000", "address to listen on")
	ttft := fs.Duration("ttft", 0, "fixed profile: time to first token (default 100ms)")
	itl := fs.Duration("itl", 0, "fixed profile: time between tokens (default 20ms)")
	seed := fs.Int64("seed", 1, "seed of the generated text")
	pos, err := parseFlags(fs, args, stderr, simHelp())
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError("sim: unexpected argument %q", pos[0])
	}
	p, err := simllm.LookupProfile(*profile)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	if *ttft > 0 {
		p.TTFT = *ttft
	}
	if *itl > 0 {
		p.ITL = *itl
	}
	rs, err := simllm.Listen(*addr, simllm.Options{Profile: p, Seed: *seed})
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	defer rs.Close()
	fmt.Fprintf(stderr, "llmbench sim: SIMULATED LLM server, profile %s, on %s (Ctrl-C stops)\n", p.Name, rs.URL)
	<-ctx.Done()
	return nil
}
