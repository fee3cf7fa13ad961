package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/llmbench/llmbench/shared/plan"
	"github.com/llmbench/llmbench/shared/sfnlocal"
	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/workflow"
	"github.com/llmbench/llmbench/statemachine"
)

const validateHelp = `Usage: llmbench validate FILE ...

Checks each run spec (fields, types, ranges, secret references) and prints
every problem with its field path, then makes its plan as run would (the
slices of each level; with an s3:// output, that a level fits in one Lambda
invocation) and prints the planner's message if it refuses. A file holding a States Language
definition (a JSON object with StartAt or States, whatever the file's name)
is checked as the workflow definition instead: every Next exists, every
state is reachable, terminal states, Retry/Catch well formed (States.ALL
alone and last), and each Lambda task retries Lambda's service errors and
nothing that would replay load. Nothing is run and nothing is written.
Exits 2 if any file is invalid.

Examples:
  llmbench validate events/*.json
  llmbench validate my-spec.json statemachine/benchmark.asl.json
`

func validateCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	files, err := parseFlags(fs, args, stderr, validateHelp)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		fmt.Fprint(stderr, validateHelp)
		return usageError("validate: no file given")
	}
	bad := 0
	for _, f := range files {
		doc, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintf(stderr, "%s\n", err)
			bad++
			continue
		}
		if isDefinition(doc) {
			if problems := checkDefinition(doc); len(problems) > 0 {
				for _, p := range problems {
					fmt.Fprintf(stderr, "%s: %s\n", f, p)
				}
				bad++
				continue
			}
		} else if s, err := parseSpec(f, doc); err != nil {
			fmt.Fprintf(stderr, "%s\n", err)
			bad++
			continue
		} else if p, err := checkPlan(f, s); err != nil {
			fmt.Fprintf(stderr, "%s\n", err)
			bad++
			continue
		} else if ds, err := checkDataset(s); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", f, err)
			bad++
			continue
		} else {
			fmt.Fprintf(stdout, "%s: ok: %s%s\n", f, planned(s, p), ds)
			continue
		}
		fmt.Fprintf(stdout, "%s: ok\n", f)
	}
	if bad > 0 {
		return &exitError{code: 2, err: fmt.Errorf("%d of %d file(s) invalid", bad, len(files))}
	}
	return nil
}

// isDefinition tells a States Language definition from a run spec by its
// content, not its file name: a definition is a JSON object with StartAt or
// States (one of them missing is a problem Check reports); a spec has
// neither field. Anything else, malformed JSON included, is taken for a
// spec and gets the spec's messages.
func isDefinition(doc []byte) bool {
	var top map[string]json.RawMessage
	if json.Unmarshal(doc, &top) != nil {
		return false
	}
	_, start := top["StartAt"]
	_, states := top["States"]
	return start || states
}

// checkDefinition checks a state machine definition statically: every
// Next exists, every state is reachable, Retry and Catch are well formed,
// and each Lambda task retries the Lambda service errors and nothing that
// would replay load.
func checkDefinition(def []byte) []string {
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
	doc, err := os.ReadFile(path)
	if err != nil {
		return nil, &exitError{code: 2, err: err}
	}
	return parseSpec(path, doc)
}

// parseSpec validates doc, the content of the spec file path; errors name
// the file.
func parseSpec(path string, doc []byte) (*spec.Spec, error) {
	s, err := spec.Parse(bytes.NewReader(doc))
	if err != nil {
		return nil, &exitError{code: 2, err: fmt.Errorf("%s: %w", path, err)}
	}
	return s, nil
}

// checkPlan runs the planner's checks on a valid spec, as run (locally or
// with an s3:// output, on AWS) would: the slices of every level, and in
// AWS the time a level's worker needs. Errors name the file.
func checkPlan(path string, s *spec.Spec) (*plan.Plan, error) {
	var p *plan.Plan
	err := func() (err error) {
		var maxRound time.Duration
		if strings.HasPrefix(s.Output, "s3://") {
			// A worker is one Lambda invocation: a longer level runs in
			// rounds, as the deployed planner plans it with the default
			// worker (Lambda's 15 minutes, a 10 s start margin).
			maxRound = plan.MaxLevelIn(plan.LambdaTimeout, 10*time.Second)
		}
		p, err = plan.MakeIn(s, "validate", time.Now(), maxRound)
		return err
	}()
	if err != nil {
		return nil, &exitError{code: 2, err: fmt.Errorf("%s: %w", path, err)}
	}
	return p, nil
}

// planned says what a plan will run: each level and its workers.
func planned(s *spec.Spec, p *plan.Plan) string {
	var levels []string
	for _, l := range p.Levels {
		label := l.Label()
		if l.Mode != spec.ModeRate && l.Ramp == nil {
			label = "concurrency " + label
		}
		levels = append(levels, fmt.Sprintf("%s (%d worker(s))", label, len(l.Slices)))
	}
	out := fmt.Sprintf("%d level(s): %s", len(p.Levels), strings.Join(levels, ", "))
	if s.Load.Profile == spec.ProfileSweep {
		out += fmt.Sprintf(", then %d rate level(s) between the two measured request rates", s.Load.SweepLevels)
	}
	if se := s.Search; se != nil {
		out += fmt.Sprintf(", then a search over %s from %g to %g%s: at most %d levels in all", se.Over, se.Min, se.Max, se.Unit(), plan.SearchConfig(s).MaxTrials())
	}
	return out
}

// checkDataset reads a spec's local dataset as the planner will, and says
// what it holds; an s3:// dataset is read by the planner only.
func checkDataset(s *spec.Spec) (string, error) {
	d := s.Workload.Dataset
	if s.Workload.Prompts != spec.PromptsDataset || d == nil || strings.HasPrefix(d.Path, "s3://") {
		return "", nil
	}
	recs, stats, err := workflow.ReadDataset(context.Background(), openSource, d)
	if err != nil {
		return "", err
	}
	out := fmt.Sprintf("; dataset %s: %d records", d.Path, len(recs))
	if stats.Skipped > 0 {
		out += ", " + stats.String()
	}
	return out, nil
}
