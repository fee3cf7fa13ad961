package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sagemakerruntime"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/llmbench/llmbench/shared/sdkhttp"
	"github.com/llmbench/llmbench/shared/secrets"
	"github.com/llmbench/llmbench/shared/simllm"
	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/store/s3store"
	"github.com/llmbench/llmbench/shared/target"
	"github.com/llmbench/llmbench/shared/target/openai"
	"github.com/llmbench/llmbench/shared/target/sagemaker"
	"github.com/llmbench/llmbench/shared/workflow"
)

// localTargets builds how a local run reaches its target. A spec with a
// profile (kind sim, or kind sagemaker with a profile) gets the simulated
// server, started here on loopback; everything else is reached for real.
// The AWS configuration is loaded only if the spec needs it (a Secrets
// Manager secret, SigV4 signing, a real SageMaker endpoint). metrics is
// the simulated server's /metrics ("" without one), for target.metrics.
func localTargets(ctx context.Context, s *spec.Spec, env getenver) (open workflow.OpenTarget, simulated bool, metrics string, closeFn func(), err error) {
	closeFn = func() {}
	var sim *simllm.Running
	if s.Target.Profile != "" {
		p, err := simllm.LookupProfile(s.Target.Profile)
		if err != nil {
			return nil, false, "", closeFn, fmt.Errorf("target.profile: %w", err)
		}
		opts := simllm.Options{Profile: p, Seed: s.Seed, Model: s.Target.Model}
		if s.Target.Kind == spec.KindSageMaker {
			opts.SageMaker.Format = s.Target.Format
		}
		if sim, err = simllm.Start(opts); err != nil {
			return nil, false, "", closeFn, err
		}
		closeFn = sim.Close
		simulated = true
		metrics = "http://" + sim.Addr + "/metrics"
	}

	var (
		once   sync.Once
		awsCfg aws.Config
		cfgErr error
	)
	loadAWS := func(ctx context.Context) (aws.Config, error) {
		once.Do(func() { awsCfg, cfgErr = config.LoadDefaultConfig(ctx, config.WithHTTPClient(sdkhttp.Client())) })
		return awsCfg, cfgErr
	}

	openers := map[string]workflow.OpenTarget{}
	// One resolver for the run: a Secrets Manager secret is fetched once.
	resolver := &secrets.Resolver{Getenv: env.Getenv}
	switch {
	case s.Target.Kind == spec.KindSim:
		openers[spec.KindSim] = func(ctx context.Context, s *spec.Spec, maxConns int) (workflow.Doer, error) {
			return openai.FromSpec(ctx, s, openai.FromSpecOptions{BaseURL: sim.URL, Resolve: resolver.Resolve, MaxConns: maxConns})
		}
	case s.Target.Kind == spec.KindOpenAI:
		opts := openai.FromSpecOptions{Resolve: resolver.Resolve}
		if a := s.Target.Auth; a != nil && (a.SigV4 != nil || !isEnvRef(a.Secret)) {
			cfg, err := loadAWS(ctx)
			if err != nil {
				return nil, false, "", closeFn, fmt.Errorf("target.auth needs AWS credentials: %w", err)
			}
			resolver.SM = secretsmanager.NewFromConfig(cfg)
			opts.Credentials = cfg.Credentials
		}
		openers[spec.KindOpenAI] = func(ctx context.Context, s *spec.Spec, maxConns int) (workflow.Doer, error) {
			o := opts
			o.MaxConns = maxConns
			return openai.FromSpec(ctx, s, o)
		}
	case s.Target.Kind == spec.KindSageMaker:
		openers[spec.KindSageMaker] = func(ctx context.Context, s *spec.Spec, maxConns int) (workflow.Doer, error) {
			opts := []func(*sagemakerruntime.Options){}
			hc := target.NewHTTPClient(maxConns)
			var api *sagemakerruntime.Client
			if sim != nil {
				// The simulated runtime API checks nothing of the signature,
				// but the SDK must sign: give it throwaway credentials.
				api = sagemakerruntime.New(sagemakerruntime.Options{
					Region:      "us-east-1",
					Credentials: credentials.NewStaticCredentialsProvider("SIMULATED", "SIMULATED", ""),
				}, sagemaker.ClientOptions(hc, sim.SageMakerEndpoint()))
			} else {
				cfg, err := loadAWS(ctx)
				if err != nil {
					return nil, fmt.Errorf("sagemaker target needs AWS credentials: %w", err)
				}
				if s.Target.Region != "" {
					opts = append(opts, func(o *sagemakerruntime.Options) { o.Region = s.Target.Region })
				}
				opts = append(opts, sagemaker.ClientOptions(hc, ""))
				api = sagemakerruntime.NewFromConfig(cfg, opts...)
			}
			if s.Target.Proxy {
				return openProxied(api, hc, s, maxConns)
			}
			return sagemaker.FromSpec(api, s, hc)
		}
	}
	return workflow.ByKind(openers), simulated, metrics, closeFn, nil
}

func isEnvRef(s spec.Secret) bool {
	_, ok := s.Env()
	return ok
}

// openSource opens the dataset a spec names: a local file (relative to the
// current folder), or an s3://bucket/key object with the default AWS
// credentials.
func openSource(ctx context.Context, path string) (io.ReadCloser, error) {
	if !strings.HasPrefix(path, "s3://") {
		return os.Open(path)
	}
	cfg, err := config.LoadDefaultConfig(ctx, config.WithHTTPClient(sdkhttp.Client()))
	if err != nil {
		return nil, fmt.Errorf("load AWS config to read %s: %w", path, err)
	}
	return s3store.OpenObject(s3.NewFromConfig(cfg))(ctx, path)
}
