package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	iofs "io/fs"
	"net/url"
	"os"
	"strings"

	"github.com/llmbench/llmbench/shared/plan"
	"github.com/llmbench/llmbench/shared/query/duckdb"
	"github.com/llmbench/llmbench/shared/report"
	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/store"
	"github.com/llmbench/llmbench/shared/store/s3store"
	"github.com/llmbench/llmbench/shared/summary"
	"github.com/llmbench/llmbench/shared/workflow"
)

const reportHelp = `Usage: llmbench report [--md | --json] RUN

Prints a stored run: RUN is its folder (results/runs/ID) or its S3 address
(s3://bucket/prefix/runs/ID).

A local run that has samples but no summary.json (the process was killed,
say with kill -9, before its aggregation) is summarized from the rows on
disk: summary.json and the reports are written as a finished run would
have them, and stderr says the run is incomplete and how many of its
slices never finished. Rows of the last few seconds before the kill (at
most one flush interval, 5 s) were never written and are not counted. (A
run still going is summarized as it stands; its own aggregation replaces
that summary when it ends.)

Examples:
  llmbench report results/runs/demo-20261123T060000Z-ab12
  llmbench report --md results/runs/demo-20261123T060000Z-ab12 > report.md
  llmbench report --json s3://my-bucket/llmbench/runs/demo-20261123T060000Z-ab12

Exit codes: 0 printed (an incomplete run too, once summarized); 1 no such
run, or nothing on disk to summarize; 2 bad usage.

Options:
`

func reportCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	md := fs.Bool("md", false, "print report.md instead of the table")
	asJSON := fs.Bool("json", false, "print summary.json")
	region := fs.String("region", "", "AWS region for s3:// runs (default: from the AWS configuration)")
	pos, err := parseFlags(fs, args, stderr, reportHelp)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fmt.Fprint(stderr, reportHelp)
		return usageError("report: want one run, got %d", len(pos))
	}
	st, runID, err := openRun(ctx, pos[0], *region)
	if errors.Is(err, iofs.ErrNotExist) {
		return &exitError{code: 2, err: fmt.Errorf("report: %w", err)}
	}
	if err != nil {
		return err
	}
	b, err := st.Get(ctx, store.RunKey(runID, "summary.json"))
	if errors.Is(err, store.ErrNotFound) {
		b, err = summarizeUnfinished(ctx, st, runID, stderr)
	}
	if err != nil {
		return fmt.Errorf("report %s: %w", pos[0], err)
	}
	if *asJSON {
		_, err := stdout.Write(b)
		return err
	}
	var sum summary.Summary
	if err := json.Unmarshal(b, &sum); err != nil {
		return fmt.Errorf("report %s: summary.json: %w", pos[0], err)
	}
	if *md {
		var sp *spec.Spec
		if sb, err := st.Get(ctx, store.RunKey(runID, "spec.json")); err == nil {
			sp, _ = spec.Parse(bytes.NewReader(sb))
		}
		_, err := stdout.Write(report.Markdown(&sum, sp))
		return err
	}
	return report.Table(stdout, &sum)
}

// openRun splits a run address into its store and run id: the store root
// is what comes before /runs/<id>.
func openRun(ctx context.Context, addr, region string) (store.Store, string, error) {
	a := strings.TrimSuffix(addr, "/")
	i := strings.LastIndex(a, "/runs/")
	if i < 0 {
		return nil, "", usageError("report: %q is not a run address: want …/runs/<run_id>", addr)
	}
	root, runID := a[:i], a[i+len("/runs/"):]
	if strings.HasPrefix(a, "s3://") {
		clients, err := newAWSClients(ctx, region)
		if err != nil {
			return nil, "", err
		}
		bucket, prefix, err := s3store.ParseURL(root)
		if err != nil {
			return nil, "", usageError("report: %v", err)
		}
		return s3store.New(clients.s3, bucket, prefix), runID, nil
	}
	// A mistyped path must not create folders (NewLocal makes its root).
	if _, err := os.Stat(a); err != nil {
		return nil, "", fmt.Errorf("no run at %s: %w", addr, err)
	}
	st, err := store.NewLocal(root)
	if err != nil {
		return nil, "", err
	}
	return st, runID, nil
}

// summarizeUnfinished handles a run without summary.json: one killed
// before its aggregation, or still going. A local run is aggregated now,
// from the rows on disk, by the same Aggregator a finished run uses, and
// stderr says how complete it is; it returns the summary.json written. An
// S3 run is aggregated by its state machine only.
func summarizeUnfinished(ctx context.Context, st store.Store, runID string, stderr io.Writer) ([]byte, error) {
	s, p, err := plan.Load(ctx, st, runID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("no summary.json, and no spec or plan: not a run (%w)", err)
	}
	if err != nil {
		return nil, err
	}
	sl, err := countSlices(ctx, st, p)
	if err != nil {
		return nil, err
	}
	local, ok := st.(*store.Local)
	if !ok {
		return nil, fmt.Errorf("no summary.json: the run has not finished, or was interrupted before its aggregation (%s); an S3 run is summarized by its state machine", sl)
	}
	openStore := func(context.Context, string) (store.Store, error) { return local, nil }
	agg := workflow.NewAggregator(openStore, duckDBOver, "duckdb", workflow.AggregatorConfig{
		Render: report.Files, Simulated: s.Target.Profile != "", Describe: describeStored,
	})
	out, err := agg.Aggregate(ctx, workflow.AggregateEvent{RunID: runID, Output: local.Root()})
	if errors.Is(err, duckdb.ErrNoSamples) {
		return nil, fmt.Errorf("no summary.json and no samples on disk: the run was interrupted before it wrote any row (%s)", sl)
	}
	if err != nil {
		return nil, fmt.Errorf("summarize the rows on disk: %w", err)
	}
	if sl.unfinished() > 0 {
		fmt.Fprintf(stderr, "llmbench: run %s is incomplete: it was interrupted before its aggregation, and %s.\n"+
			"llmbench: summarized the %d requests on disk (those of its last seconds, up to one flush interval, never reached it); wrote %s\n",
			runID, sl, out.Requests, local.Path(out.Summary))
	} else {
		fmt.Fprintf(stderr, "llmbench: run %s had no summary (it stopped before or during its aggregation); every slice finished; summarized its %d requests; wrote %s\n",
			runID, out.Requests, local.Path(out.Summary))
	}
	return st.Get(ctx, out.Summary)
}

// sliceCount is how many of a run's slices finished, by their records
// (runs/<id>/slices/level=C/worker=W.json).
type sliceCount struct {
	total     int
	unstarted int // no record: the worker never began
	cut       int // a record with done false (or unreadable): begun, never ended
}

func (c sliceCount) unfinished() int { return c.unstarted + c.cut }

func (c sliceCount) String() string {
	if c.unfinished() == 0 {
		return fmt.Sprintf("all %d slices finished", c.total)
	}
	var why []string
	if c.cut > 0 {
		why = append(why, fmt.Sprintf("%d started and never finished", c.cut))
	}
	if c.unstarted > 0 {
		why = append(why, fmt.Sprintf("%d never started", c.unstarted))
	}
	return fmt.Sprintf("%d of %d slices have no finished record (%s)", c.unfinished(), c.total, strings.Join(why, ", "))
}

func countSlices(ctx context.Context, st store.Store, p *plan.Plan) (sliceCount, error) {
	var c sliceCount
	for _, l := range p.Levels {
		for _, sl := range l.Slices {
			c.total++
			b, err := st.Get(ctx, store.SliceRecordKey(p.RunID, sl.LevelIndex, sl.Worker))
			if errors.Is(err, store.ErrNotFound) {
				c.unstarted++
				continue
			}
			if err != nil {
				return c, err
			}
			var rec workflow.SliceRecord
			if json.Unmarshal(b, &rec) != nil || !rec.Done {
				c.cut++
			}
		}
	}
	return c, nil
}

// describeStored names a stored run's target for its summary without
// opening it: the simulated profile, or the kind and the URL without
// credentials or query.
func describeStored(s *spec.Spec) string {
	if s.Target.Profile != "" {
		return fmt.Sprintf("simulated %s server (profile %s, in-process)", s.Target.Kind, s.Target.Profile) + viaProxy(s)
	}
	u, err := url.Parse(s.Target.URL)
	if err != nil || s.Target.URL == "" {
		return s.Target.Kind
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	d := s.Target.Kind + " " + u.String()
	if s.Target.Model != "" {
		d += " model=" + s.Target.Model
	}
	return d
}
