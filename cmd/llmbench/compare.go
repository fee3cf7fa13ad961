package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	iofs "io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/llmbench/llmbench/shared/compare"
	"github.com/llmbench/llmbench/shared/store"
	"github.com/llmbench/llmbench/shared/store/s3store"
	"github.com/llmbench/llmbench/shared/summary"
)

const compareHelp = `Usage: llmbench compare [--out DIR] [--label RUN=NAME ...] RUN RUN ...
       llmbench compare --baseline RUN [--max-regression 10%] CANDIDATE

The first form sets runs side by side: it prints the executive summary, one
row per run (best throughput, best latency, TTFT, cost per 1M output tokens,
output tokens per $·h), and writes compare.md and compare.html into
--out DIR (a folder, or s3://bucket/prefix); by default into a new folder
comparisons/<UTC time>/ beside runs/ in the first run's store (its
results folder, or its S3 prefix), never into the current folder.
  Every cell names the level its figure comes from (@32: 32 concurrent
  streams; @4 req/s: a rate level) and, for a latency, its percentile:
  "2,151 E2E p50 @6". Best throughput: the highest output tok/s over the
  levels whose error rate is at most --max-error-rate. Best latency: the
  lowest E2E p50 over those levels. TTFT: the TTFT p50 at the
  best-throughput level. The costs: at the best-throughput level; a run
  without a price shows $0.00 and ∞. A repeated load point (load.repeats)
  counts by the means of its runs.
  Bold marks a column's best figure only where it leads every other run's
  by more than --best-margin (2%) and, against a run that repeated its
  load point too, Welch's t-test of the repeats separates them (p < 0.05);
  the notes name each column left without one, and why.
  Labels: each run is named by its spec's name and platform
  ("local-sim-g5-llama31-8b · Sim"), by its run ID and platform where two
  runs share a name; --label RUN=NAME names it yourself, RUN being the
  run's address as given on the command line, its run ID, or its place
  (1 for the first run). Two runs may not get one label.

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
	out := fs.String("out", "", "folder (or s3://bucket/prefix) for compare.md and compare.html (default: comparisons/<UTC time>/ in the first run's store)")
	var labelArgs []string
	fs.Func("label", "name a run in the tables and charts as `RUN=NAME`: RUN is its address as given, its run ID or its place (1, 2, …); repeatable", func(v string) error {
		labelArgs = append(labelArgs, v)
		return nil
	})
	margin := fs.String("best-margin", "2%", "the lead over every other run a figure needs to be marked best, in percent of the other run's figure")
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
		m, err := parsePercent(*margin)
		if err != nil {
			return usageError("compare: --best-margin: %v", err)
		}
		rule := compare.Rules{MaxErrorRate: errLimit / 100, Prices: prices, Margin: m / 100}
		var (
			runs  []*summary.Summary
			first store.Store
		)
		for i, addr := range pos {
			s, st, err := loadRun(ctx, addr, *region)
			if err != nil {
				return err
			}
			if i == 0 {
				first = st
			}
			runs = append(runs, s)
		}
		if rule.Labels, err = resolveLabels(labelArgs, pos, runs); err != nil {
			return err
		}
		if _, err := compare.Labels(runs, rule.Labels); err != nil {
			return usageError("%v", err)
		}
		dst, prefix, err := comparisonDest(ctx, *out, first, *region)
		if err != nil {
			return err
		}
		return writeComparison(ctx, runs, rule, dst, prefix, stdout, stderr)
	}

	if set["out"] || set["max-error-rate"] || set["price"] || set["label"] || set["best-margin"] {
		return usageError("compare: --out, --label, --best-margin, --max-error-rate and --price make no sense with --baseline")
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

// writeComparison writes compare.md and compare.html under prefix in st
// and prints the executive table with its legend and notes.
func writeComparison(ctx context.Context, runs []*summary.Summary, rule compare.Rules, st store.Store, prefix string, stdout, stderr io.Writer) error {
	page, err := compare.HTML(runs, rule)
	if err != nil {
		return err
	}
	md, html := prefix+"compare.md", prefix+"compare.html"
	for key, b := range map[string][]byte{md: compare.Markdown(runs, rule), html: page} {
		if err := st.Put(ctx, key, b); err != nil {
			return fmt.Errorf("compare: %w", err)
		}
	}
	rows := compare.Executive(runs, rule)
	fmt.Fprintln(stdout, compare.Legend(rule))
	fmt.Fprintln(stdout)
	if _, err := stdout.Write(compare.Table(rows, rule)); err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	for _, n := range compare.Notes(rows, rule) {
		fmt.Fprintln(stdout, "-", n)
	}
	fmt.Fprintf(stderr, "wrote %s and %s\n", where(st, md), where(st, html))
	return nil
}

// comparisonDest is where a comparison goes: --out (a folder, or
// s3://bucket/prefix) as given, else a new folder comparisons/<UTC
// time>/ in the first run's store (with -2, -3 … when a comparison of
// the same second is there).
func comparisonDest(ctx context.Context, out string, first store.Store, region string) (store.Store, string, error) {
	switch {
	case strings.HasPrefix(out, "s3://"):
		bucket, prefix, err := s3store.ParseURL(out)
		if err != nil {
			return nil, "", usageError("compare: --out: %v", err)
		}
		clients, err := newAWSClients(ctx, region)
		if err != nil {
			return nil, "", err
		}
		return s3store.New(clients.s3, bucket, prefix), "", nil
	case out != "":
		st, err := store.NewLocal(out)
		if err != nil {
			return nil, "", fmt.Errorf("compare: --out: %w", err)
		}
		return st, "", nil
	}
	stamp := compareNow().UTC().Format("20060102T150405Z")
	for n := 1; n <= 100; n++ {
		name := stamp
		if n > 1 {
			name = fmt.Sprintf("%s-%d", stamp, n)
		}
		prefix := store.ComparisonPrefix(name)
		_, err := first.Get(ctx, prefix+"compare.md")
		if errors.Is(err, store.ErrNotFound) {
			return first, prefix, nil
		}
		if err != nil {
			return nil, "", fmt.Errorf("compare: %w", err)
		}
	}
	return nil, "", fmt.Errorf("compare: 100 comparisons under comparisons/%s already: give --out", stamp)
}

// compareNow is the clock naming a comparison's folder; tests set it.
var compareNow = time.Now

// where is a key's address for people: a file path, or an s3:// URL.
func where(st store.Store, key string) string {
	switch s := st.(type) {
	case *store.Local:
		return s.Path(key)
	case *s3store.Store:
		return s.URL(key)
	}
	return key
}

// resolveLabels turns --label RUN=NAME arguments into one label per run
// ("" for the default): RUN is a run's address exactly as given, else
// its run ID, else its place from 1. A RUN naming no run, or several, or
// a run labelled twice, is a usage error.
func resolveLabels(args, addrs []string, runs []*summary.Summary) ([]string, error) {
	if len(args) == 0 {
		return nil, nil
	}
	labels := make([]string, len(runs))
	for _, a := range args {
		ref, name, ok := strings.Cut(a, "=")
		name = strings.TrimSpace(name)
		if !ok || ref == "" || name == "" || strings.ContainsAny(name, "\n\r") {
			return nil, usageError("compare: --label %q: want RUN=NAME (RUN: the run's address as given, its run ID, or its place 1..%d), NAME on one line", a, len(runs))
		}
		var hits []int
		for _, match := range []func(i int) bool{
			func(i int) bool { return addrs[i] == ref },
			func(i int) bool { return runs[i].RunID == ref },
			func(i int) bool { return strconv.Itoa(i+1) == ref },
		} {
			for i := range runs {
				if match(i) {
					hits = append(hits, i)
				}
			}
			if len(hits) > 0 {
				break
			}
		}
		switch {
		case len(hits) == 0:
			return nil, usageError("compare: --label %q: no run compared is %s (give its address as on the command line, its run ID, or its place 1..%d)", a, ref, len(runs))
		case len(hits) > 1:
			return nil, usageError("compare: --label %q: %s is runs %s; name it by its place", a, ref, places(hits))
		case labels[hits[0]] != "":
			return nil, usageError("compare: --label %q: run %d is already labelled %q", a, hits[0]+1, labels[hits[0]])
		}
		labels[hits[0]] = name
	}
	return labels, nil
}

// places lists run indexes as the user counts them: "1 and 3".
func places(is []int) string {
	s := make([]string, len(is))
	for k, i := range is {
		s[k] = strconv.Itoa(i + 1)
	}
	return strings.Join(s, " and ")
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
	s, _, err := loadRun(ctx, addr, region)
	return s, err
}

// loadRun reads summary.json of a local or s3:// run, and returns the
// store the run is in.
func loadRun(ctx context.Context, addr, region string) (*summary.Summary, store.Store, error) {
	st, runID, err := openRun(ctx, addr, region)
	if errors.Is(err, iofs.ErrNotExist) {
		return nil, nil, fmt.Errorf("compare: %w (has the run finished?)", err)
	}
	if err != nil {
		return nil, nil, err
	}
	b, err := st.Get(ctx, store.RunKey(runID, "summary.json"))
	if err != nil {
		return nil, nil, fmt.Errorf("compare %s: %w (has the run finished?)", addr, err)
	}
	var s summary.Summary
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, nil, fmt.Errorf("compare %s: summary.json: %w", addr, err)
	}
	return &s, st, nil
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
