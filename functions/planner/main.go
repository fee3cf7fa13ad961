// Command planner is the Plan step of the state machine: it validates the
// run spec, gives the run its id and writes spec.json and plan.json to S3.
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"strconv"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/llmbench/llmbench/shared/plan"
	"github.com/llmbench/llmbench/shared/sdkhttp"
	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/store/s3store"
	"github.com/llmbench/llmbench/shared/workflow"
)

func main() {
	start := time.Now() // the bill counts the init from here
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithHTTPClient(sdkhttp.Client()))
	if err != nil {
		log.Fatalf("planner: load AWS config: %v", err)
	}
	// A level runs in one worker invocation: the worker's configured
	// timeout (from Terraform), less its start margin, the flush margin
	// and the requests in flight.
	limit, err := levelLimit(os.Getenv("LLMBENCH_WORKER_TIMEOUT_S"), os.Getenv("LLMBENCH_START_MARGIN"))
	if err != nil {
		log.Fatalf("planner: %v", err)
	}
	// The account's Lambda concurrency quota, as Terraform states it: a
	// level needing more workers at once is refused.
	quota, err := workerQuota(os.Getenv("LLMBENCH_MAX_WORKERS"))
	if err != nil {
		log.Fatalf("planner: %v", err)
	}
	client := s3.NewFromConfig(cfg)
	// A dataset the spec names (s3://bucket/key) is read once, here, and
	// copied into the run; the workers read the copy.
	planner := workflow.NewPlanner(s3store.Opener(client), s3store.OpenObject(client), limit).WithMaxWorkers(quota)
	planner.SetLambda(workflow.LambdaConfig{MemoryMB: lambdacontext.MemoryLimitInMB, ProcessStart: start})
	lambda.StartWithOptions(planner.Plan, lambda.WithDisallowUnknownFields(true))
}

// workerQuota reads LLMBENCH_MAX_WORKERS (unset: 0, the spec's default).
func workerQuota(v string) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > spec.MaxMaxWorkers {
		return 0, fmt.Errorf("LLMBENCH_MAX_WORKERS: want a whole number from 1 to %d, got %q", spec.MaxMaxWorkers, v)
	}
	return n, nil
}

// levelLimit is the longest level the planner accepts: what the worker's
// configured timeout leaves after its start margin, its flush margin and
// the requests in flight (plan.MaxLevelIn). Terraform passes the worker's
// timeout (LLMBENCH_WORKER_TIMEOUT_S, seconds) and start margin
// (LLMBENCH_START_MARGIN, a Go duration); without them, Lambda's 15
// minutes and the worker's default 10 s margin.
func levelLimit(timeoutS, startMargin string) (time.Duration, error) {
	timeout, margin := plan.LambdaTimeout, 10*time.Second
	if v := timeoutS; v != "" {
		s, err := strconv.Atoi(v)
		if err != nil || s < 1 || time.Duration(s)*time.Second > plan.LambdaTimeout {
			return 0, fmt.Errorf("LLMBENCH_WORKER_TIMEOUT_S: want whole seconds from 1 to 900, got %q", v)
		}
		timeout = time.Duration(s) * time.Second
	}
	if v := startMargin; v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return 0, fmt.Errorf("LLMBENCH_START_MARGIN: want a duration >= 0, got %q", v)
		}
		margin = d
	}
	limit := plan.MaxLevelIn(timeout, margin)
	if limit <= 0 {
		return 0, fmt.Errorf("a worker timeout of %v with a start margin of %v leaves no time for a level (a minute goes to the flush margin and the requests in flight)", timeout, margin)
	}
	return limit, nil
}
