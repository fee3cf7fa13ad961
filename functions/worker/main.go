// Command worker is the Work step: it drives one slice of a level against
// the target and writes one Parquet row per request to S3. It stops issuing
// requests a margin before the Lambda deadline so that every row is
// written.
package main

import (
	"context"
	"log"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/llmbench/llmbench/shared/store/s3store"
	"github.com/llmbench/llmbench/shared/workflow"
)

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatalf("worker: load AWS config: %v", err)
	}
	margin := 10 * time.Second
	if v := os.Getenv("LLMBENCH_START_MARGIN"); v != "" {
		if margin, err = time.ParseDuration(v); err != nil {
			log.Fatalf("worker: LLMBENCH_START_MARGIN: %v", err)
		}
	}
	steps := &workflow.Steps{
		OpenStore:   s3store.Opener(s3.NewFromConfig(cfg)),
		OpenTarget:  workflow.OpenAIOpener(os.Getenv, ""),
		StartMargin: margin,
	}
	lambda.Start(steps.Work)
}
