package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/llmbench/llmbench/shared/report"
	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/store"
	"github.com/llmbench/llmbench/shared/store/s3store"
	"github.com/llmbench/llmbench/shared/summary"
)

const reportHelp = `Usage: llmbench report [--md | --json] RUN

Prints a stored run: RUN is its folder (results/runs/ID) or its S3 address
(s3://bucket/prefix/runs/ID).

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
	if err != nil {
		return err
	}
	b, err := st.Get(ctx, store.RunKey(runID, "summary.json"))
	if err != nil {
		return fmt.Errorf("report %s: %w (has the run finished?)", pos[0], err)
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
	st, err := store.NewLocal(root)
	if err != nil {
		return nil, "", err
	}
	return st, runID, nil
}
