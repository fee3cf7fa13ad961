// Command worker is the Work step: it drives one slice of a level against
// the target and writes one Parquet row per request to S3. It stops issuing
// requests a margin before the Lambda deadline so that every row is
// written.
//
// Target secrets are resolved here, with the function's role: env:NAME from
// its environment, a Secrets Manager ARN with GetSecretValue (the role needs
// secretsmanager:GetSecretValue on it, and kms:Decrypt for a customer key).
// A sigv4 target is signed with the role's credentials (execute-api:Invoke
// for API Gateway).
package main

import (
	"context"
	"log"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sagemakerruntime"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/llmbench/llmbench/shared/sdkhttp"
	"github.com/llmbench/llmbench/shared/secrets"
	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/store/s3store"
	"github.com/llmbench/llmbench/shared/target"
	"github.com/llmbench/llmbench/shared/target/openai"
	"github.com/llmbench/llmbench/shared/target/sagemaker"
	"github.com/llmbench/llmbench/shared/workflow"
)

func main() {
	start := time.Now() // the bill counts the init from here
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithHTTPClient(sdkhttp.Client()))
	if err != nil {
		log.Fatalf("worker: load AWS config: %v", err)
	}
	margin := 10 * time.Second
	if v := os.Getenv("LLMBENCH_START_MARGIN"); v != "" {
		if margin, err = time.ParseDuration(v); err != nil {
			log.Fatalf("worker: LLMBENCH_START_MARGIN: %v", err)
		}
	}
	// One resolver for the execution environment: a secret is fetched from
	// Secrets Manager once, not per invocation. The function's role signs
	// sigv4 targets (cfg.Credentials is a credentials cache).
	resolver := &secrets.Resolver{Getenv: os.Getenv, SM: secretsmanager.NewFromConfig(cfg)}
	openAI := func(ctx context.Context, s *spec.Spec, maxConns int) (workflow.Doer, error) {
		return openai.FromSpec(ctx, s, openai.FromSpecOptions{Resolve: resolver.Resolve, Credentials: cfg.Credentials, MaxConns: maxConns})
	}
	// A SageMaker runtime client per slice, sized for its streams, in the
	// spec's region (the function's own by default).
	openSageMaker := func(_ context.Context, s *spec.Spec, maxConns int) (workflow.Doer, error) {
		hc := target.NewHTTPClient(maxConns)
		api := sagemakerruntime.NewFromConfig(cfg, sagemaker.ClientOptions(hc, ""), func(o *sagemakerruntime.Options) {
			if s.Target.Region != "" {
				o.Region = s.Target.Region
			}
		})
		return sagemaker.FromSpec(api, s, hc)
	}
	worker := workflow.NewWorker(s3store.Opener(s3.NewFromConfig(cfg)),
		workflow.ByKind(map[string]workflow.OpenTarget{spec.KindOpenAI: openAI, spec.KindSageMaker: openSageMaker}),
		workflow.WorkerConfig{StartMargin: margin})
	worker.SetLambda(workflow.LambdaConfig{MemoryMB: lambdacontext.MemoryLimitInMB, ProcessStart: start})
	lambda.StartWithOptions(worker.Work, lambda.WithDisallowUnknownFields(true))
}
