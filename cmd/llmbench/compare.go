package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/llmbench/llmbench/shared/compare"
	"github.com/llmbench/llmbench/shared/store"
	"github.com/llmbench/llmbench/shared/summary"
)

const compareHelp = `Usage: llmbench compare [--out DIR] RUN RUN ...
       llmbench compare --baseline RUN [--max-regression 10%] CANDIDATE

The first form sets runs side by side: it prints the executive summary, one
row per run (best throughput, best latency, TTFT, cost per 1M output tokens,
output tokens per $·h), and writes compare.md and compare.html into DIR
(default: the current folder).
  Best throughput: the highest output tok/s over the levels whose error rate
  is at most --max-error-rate. Best latency: the lowest E2E p50 over those
  levels. TTFT: the TTFT p50 at the best-throughput level. The costs: at the
  best-throughput level; a run without a price shows $0.00 and ∞.

The second form checks CANDIDATE against the baseline at each concurrency
level both have, prints the comparison and exits 1, naming each metric, when
TTFT p95, E2E p95 or the cost per 1M output tokens rose, or the output tok/s
fell, by more than --max-regression percent of the baseline, or the error
rate rose by more than --max-error-increase percentage points; 0 otherwise.
Where both runs repeated a level (load.repeats), its figures are the means
of the repeats, and a change beyond the limit is a regression only if
Welch's t-test separates the two runs' means (p < 0.05); otherwise it is
reported as within noise. A run without repeats has no noise estimate: the
limit alone decides, and the output says so.

RUN is a run folder (results/runs/ID) or its S3 address
(s3://bucket/prefix/runs/ID).

Options:
`

func compareCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	out := fs.String("out", ".", "folder for compare.md and compare.html")
	baseline := fs.String("baseline", "", "compare one candidate run with this baseline run")
	maxReg := fs.String("max-regression", "10%", "with --baseline: the worsening allowed, in percent of the baseline")
	maxErrPP := fs.Float64("max-error-increase", compare.DefaultMaxErrorRatePP, "with --baseline: the error-rate increase allowed, in percentage points")
	maxErrRate := fs.String("max-error-rate", "1%", "the highest error rate of a level that counts for the best figures")
	prices := map[string]compare.Price{}
	fs.Func("price", "price the run ID or platform KEY as `KEY=USD[xN]`: USD per hour per instance, N instances (e.g. local=0, aws=1.515x2; repeatable; 0 makes it free)", func(v string) error {
		key, p, err := parsePrice(v)
		if err != nil {
			return err
		}
		prices[key] = p
		return nil
	})
	region := fs.String("region", "", "AWS region for s3:// runs (default: from the AWS configuration)")
	pos, err := parseFlags(fs, args, stderr, compareHelp)
	if err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	if *baseline == "" {
		if set["max-regression"] || set["max-error-increase"] {
			return usageError("compare: --max-regression and --max-error-increase need --baseline")
		}
		if len(pos) == 0 {
			fmt.Fprint(stderr, compareHelp)
			return usageError("compare: want at least one run")
		}
		errLimit, err := parsePercent(*maxErrRate)
		if err != nil {
			return usageError("compare: --max-error-rate: %v", err)
		}
		rule := compare.Rules{MaxErrorRate: errLimit / 100, Prices: prices}
		var runs []*summary.Summary
		for _, addr := range pos {
			s, err := loadSummary(ctx, addr, *region)
			if err != nil {
				return err
			}
			runs = append(runs, s)
		}
		return writeComparison(runs, rule, *out, stdout, stderr)
	}

	if set["out"] || set["max-error-rate"] || set["price"] {
		return usageError("compare: --out, --max-error-rate and --price make no sense with --baseline")
	}
	if len(pos) != 1 {
		fmt.Fprint(stderr, compareHelp)
		return usageError("compare --baseline: want one candidate run, got %d", len(pos))
	}
	limit, err := parsePercent(*maxReg)
	if err != nil {
		return usageError("compare: --max-regression: %v", err)
	}
	if !(*maxErrPP >= 0) {
		return usageError("compare: --max-error-increase must be >= 0")
	}
	base, err := loadSummary(ctx, *baseline, *region)
	if err != nil {
		return err
	}
	cand, err := loadSummary(ctx, pos[0], *region)
	if err != nil {
		return err
	}
	return checkRegressions(base, cand, compare.Thresholds{MaxPct: limit, MaxErrorRatePP: *maxErrPP}, stdout)
}

// writeComparison writes compare.md and compare.html into dir and prints
// the executive table with its notes.
func writeComparison(runs []*summary.Summary, rule compare.Rules, dir string, stdout, stderr io.Writer) error {
	page, err := compare.HTML(runs, rule)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("compare: %w", err)
	}
	for name, b := range map[string][]byte{"compare.md": compare.Markdown(runs, rule), "compare.html": page} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return fmt.Errorf("compare: %w", err)
		}
	}
	rows := compare.Executive(runs, rule)
	if _, err := stdout.Write(compare.Table(rows)); err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	for _, n := range compare.Notes(rows, rule) {
		fmt.Fprintln(stdout, "-", n)
	}
	fmt.Fprintf(stderr, "wrote %s and %s\n", filepath.Join(dir, "compare.md"), filepath.Join(dir, "compare.html"))
	return nil
}

// checkRegressions prints the comparison of every common level and fails
// with exit code 1 when a metric got worse beyond the thresholds.
func checkRegressions(base, cand *summary.Summary, th compare.Thresholds, stdout io.Writer) error {
	fmt.Fprintf(stdout, "baseline  %s (%s)\ncandidate %s (%s)\n\n", base.RunID, base.Name, cand.RunID, cand.Name)
	if base.Simulated != cand.Simulated {
		fmt.Fprintln(stdout, "note: only one of the two runs measured the simulated server")
	}
	common, onlyB, onlyC := compare.Levels(base, cand)
	if len(onlyB) > 0 {
		fmt.Fprintf(stdout, "not compared: levels %v are only in the baseline\n", onlyB)
	}
	if len(onlyC) > 0 {
		fmt.Fprintf(stdout, "not compared: levels %v are only in the candidate\n", onlyC)
	}
	if len(common) == 0 {
		return errors.New("compare: " + compare.NoCommonLevel(base, cand))
	}
	diffs := compare.Diff(base, cand, th)
	if _, err := stdout.Write(compare.DiffTable(diffs)); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "\n"+compare.NoiseNote(base, cand))
	var worse []compare.Regression
	for _, d := range diffs {
		if d.Worse {
			worse = append(worse, d)
		}
		if d.WithinNoise {
			fmt.Fprintln(stdout, "within noise: "+d.String())
		}
	}
	if len(worse) > 0 {
		lines := make([]string, len(worse))
		for i, w := range worse {
			lines[i] = "\n  " + w.String()
		}
		return &exitError{code: 1, err: fmt.Errorf("%d regression(s) beyond the limits:%s", len(worse), strings.Join(lines, ""))}
	}
	fmt.Fprintf(stdout, "\nno regression beyond %g%% (error rate: %g pp) at levels %v\n", th.MaxPct, th.MaxErrorRatePP, common)
	return nil
}

// loadSummary reads summary.json of a local or s3:// run.
func loadSummary(ctx context.Context, addr, region string) (*summary.Summary, error) {
	st, runID, err := openRun(ctx, addr, region)
	if errors.Is(err, iofs.ErrNotExist) {
		return nil, fmt.Errorf("compare: %w (has the run finished?)", err)
	}
	if err != nil {
		return nil, err
	}
	b, err := st.Get(ctx, store.RunKey(runID, "summary.json"))
	if err != nil {
		return nil, fmt.Errorf("compare %s: %w (has the run finished?)", addr, err)
	}
	var s summary.Summary
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("compare %s: summary.json: %w", addr, err)
	}
	return &s, nil
}

// parsePercent reads "10%", "10" or "2.5%" as a percentage, >= 0.
func parsePercent(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%")), 64)
	if err != nil || !(v >= 0) || v > 1e6 {
		return 0, fmt.Errorf("want a percentage such as 10%%, got %q", s)
	}
	return v, nil
}

// parsePrice reads KEY=USD_PER_HOUR or KEY=USD_PER_HOURxINSTANCES.
func parsePrice(s string) (string, compare.Price, error) {
	key, val, ok := strings.Cut(s, "=")
	if !ok || key == "" {
		return "", compare.Price{}, fmt.Errorf("want RUN_OR_PLATFORM=USD_PER_HOUR, got %q", s)
	}
	usd, inst, hasInst := strings.Cut(strings.TrimPrefix(val, "$"), "x")
	p := compare.Price{}
	var err error
	if p.USDPerHour, err = strconv.ParseFloat(usd, 64); err != nil || !(p.USDPerHour >= 0) {
		return "", compare.Price{}, fmt.Errorf("price %q: want dollars per hour >= 0", s)
	}
	if hasInst {
		if p.Instances, err = strconv.Atoi(inst); err != nil || p.Instances < 1 {
			return "", compare.Price{}, fmt.Errorf("price %q: want a whole number of instances >= 1 after x", s)
		}
	}
	return key, p, nil
}
