package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/llmbench/llmbench/shared/cloudrun"
	"github.com/llmbench/llmbench/shared/report"
	"github.com/llmbench/llmbench/shared/sdkhttp"
	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/store/s3store"
	"github.com/llmbench/llmbench/shared/summary"
)

// awsClients are the AWS clients the cloud commands use; tests point them
// at loopback servers.
type awsClients struct {
	sfn cloudrun.API
	s3  s3store.API
}

// newAWSClients loads the default AWS configuration (environment, shared
// config, SSO …) once.
var newAWSClients = func(ctx context.Context, region string) (*awsClients, error) {
	opts := []func(*config.LoadOptions) error{config.WithHTTPClient(sdkhttp.Client())}
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	return &awsClients{sfn: sfn.NewFromConfig(cfg), s3: s3.NewFromConfig(cfg)}, nil
}

// cloudPoll is how often a cloud run is polled (a DescribeExecution, one
// page of history, newest first, and a DescribeMapRun while a level's
// slices run, per poll); tests shorten it.
var cloudPoll = time.Second

// runCloud starts the spec on the deployed state machine, follows it, and
// prints the summary it wrote to S3.
func runCloud(ctx context.Context, s *spec.Spec, stateMachine, region, name string, asJSON, quiet bool, maxErrorRate float64, stdout, stderr io.Writer) error {
	if stateMachine == "" {
		return usageError("run --cloud: --state-machine ARN is required (terraform -chdir=terraform output -raw state_machine_arn)")
	}
	if !strings.HasPrefix(s.Output, "s3://") {
		return usageError("run --cloud: the spec's output must be s3://bucket/prefix (got %q); set it or pass --out s3://…", s.Output)
	}
	if s.Target.Kind == spec.KindSim || s.Target.Profile != "" {
		return usageError("run --cloud: a simulated target (kind sim, or a profile) runs only locally; point the spec at a real endpoint")
	}
	// runCmd's checkPlan has refused levels too long for one Lambda
	// invocation (the output is s3://).
	clients, err := newAWSClients(ctx, region)
	if err != nil {
		return err
	}
	input, err := json.Marshal(s)
	if err != nil {
		return err
	}
	r := &cloudrun.Runner{API: clients.sfn, Poll: cloudPoll}
	if !quiet {
		last := ""
		// Every level of the spec: rates, repeats, a sweep's or a search's
		// (at most) as well as concurrencies.
		total := (&progress{spec: s}).total()
		r.OnUpdate = func(p cloudrun.Progress) {
			// The slices' counts are those of the Slices Map Runs
			// (DescribeMapRun), over every round so far.
			line := fmt.Sprintf("%s: levels done %d/%d, slices ended %d, failed %d, running %d", p.Status, p.LevelsDone, total, p.SlicesDone, p.SlicesFailed, p.SlicesRunning)
			if line != last {
				fmt.Fprintln(stderr, "llmbench:", line)
				last = line
			}
		}
	}
	arn, err := r.Start(ctx, stateMachine, input, name)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "llmbench: started %s\n", arn)
	res, err := r.Follow(ctx, arn)
	if errors.Is(err, context.Canceled) {
		return &exitError{code: 130, err: fmt.Errorf("stopped following; the execution goes on in AWS (aws stepfunctions stop-execution --execution-arn %s)", arn)}
	}
	if err != nil {
		return err
	}
	runID, key, err := cloudrun.SummaryKey(res.Output)
	if err != nil {
		return err
	}
	bucket, prefix, err := s3store.ParseURL(s.Output)
	if err != nil {
		return err
	}
	st := s3store.New(clients.s3, bucket, prefix)
	b, err := st.Get(ctx, key)
	if err != nil {
		return err
	}
	var sum summary.Summary
	if err := json.Unmarshal(b, &sum); err != nil {
		return fmt.Errorf("run %s: summary.json: %w", runID, err)
	}
	if asJSON {
		if _, err := stdout.Write(b); err != nil {
			return err
		}
		return errorBudget(&sum, maxErrorRate)
	}
	if err := report.Table(stdout, &sum); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nsummary:  %s/%s\n", strings.TrimSuffix(s.Output, "/"), key)
	return errorBudget(&sum, maxErrorRate)
}
