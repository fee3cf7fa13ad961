// Command aggregator is the Aggregate step: it summarizes the run's
// samples with Athena and writes summary.json and the report to S3. It
// then prints each level's figures to standard output in CloudWatch's
// Embedded Metric Format, which Lambda's log capture turns into metrics
// (namespace LLMBENCH_EMF_NAMESPACE, default "llmbench").
package main

import (
	"context"
	"log"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/config"
	awsathena "github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/llmbench/llmbench/shared/emf"
	"github.com/llmbench/llmbench/shared/query/athena"
	"github.com/llmbench/llmbench/shared/report"
	"github.com/llmbench/llmbench/shared/sdkhttp"
	"github.com/llmbench/llmbench/shared/store/s3store"
	"github.com/llmbench/llmbench/shared/transitions"
	"github.com/llmbench/llmbench/shared/workflow"
)

func main() {
	start := time.Now() // the bill counts the init from here
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithHTTPClient(sdkhttp.Client()))
	if err != nil {
		log.Fatalf("aggregator: load AWS config: %v", err)
	}
	eng := athena.New(awsathena.NewFromConfig(cfg), athena.Config{
		WorkGroup:      os.Getenv("LLMBENCH_ATHENA_WORKGROUP"),
		Database:       os.Getenv("LLMBENCH_ATHENA_DATABASE"),
		OutputLocation: os.Getenv("LLMBENCH_ATHENA_OUTPUT"),
	})
	namespace := os.Getenv("LLMBENCH_EMF_NAMESPACE")
	if namespace == "" {
		namespace = emf.DefaultNamespace
	}
	aggregator := workflow.NewAggregator(s3store.Opener(s3.NewFromConfig(cfg)),
		athena.Over(eng),
		"athena", workflow.AggregatorConfig{Render: report.Files,
			// The run's bill counts the execution's transitions from its history.
			Transitions: transitions.New(sfn.NewFromConfig(cfg))})
	aggregator.SetLambda(workflow.LambdaConfig{MemoryMB: lambdacontext.MemoryLimitInMB, ProcessStart: start})
	handler := func(ctx context.Context, ev workflow.AggregateEvent) (*workflow.AggregateOutput, error) {
		out, sum, err := aggregator.Summarize(ctx, ev)
		if err != nil {
			return nil, err
		}
		// Metrics are a view of summary.json: a failure to emit them is
		// logged, never a failed run.
		if err := emf.WriteSummary(os.Stdout, namespace, sum, time.Now()); err != nil {
			log.Printf("aggregator: metrics of %s: %v", out.RunID, err)
		}
		return out, nil
	}
	lambda.StartWithOptions(handler, lambda.WithDisallowUnknownFields(true))
}
