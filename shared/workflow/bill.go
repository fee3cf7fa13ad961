package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"

	"github.com/llmbench/llmbench/shared/cost"
	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/store"
	"github.com/llmbench/llmbench/shared/summary"
)

// TransitionCounter counts the billed state transitions of an execution
// (its ARN, $$.Execution.Id): every state entered, and every retry. In
// AWS it reads the execution's history (package transitions); locally,
// what the interpreter reports (localrun.Transitions), child executions
// included. mapRuns is how many Distributed Map runs the count leaves the
// child executions of (their histories unread), which the bill then
// counts from the workers' usage records.
type TransitionCounter interface {
	Transitions(ctx context.Context, execution string) (count, mapRuns int, err error)
}

// usageReaders bounds the usage records read at once.
const usageReaders = 32

// readUsage reads every usage record of a run.
func readUsage(ctx context.Context, st store.Store, runID string) ([]UsageRecord, error) {
	keys, err := st.List(ctx, store.UsagePrefix(runID))
	if err != nil {
		return nil, err
	}
	recs := make([]UsageRecord, len(keys))
	errs := make([]error, len(keys))
	var wg sync.WaitGroup
	sem := make(chan struct{}, usageReaders)
	for i, k := range keys {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			b, err := st.Get(ctx, k)
			if err == nil {
				err = json.Unmarshal(b, &recs[i])
			}
			if err != nil {
				errs[i] = fmt.Errorf("usage record %s: %w", k, err)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return recs, nil
}

// bill prices the run's usage: every step invocation's record, this
// invocation's usage so far plus putsAfter PUTs it is still to make, and
// the execution's state transitions.
func (a *Aggregator) bill(ctx context.Context, r *run, execution string, putsAfter int) *cost.Bill {
	var notCounted []string
	recs, err := readUsage(ctx, r.st, r.plan.RunID)
	if err != nil {
		notCounted = append(notCounted, "usage records: "+err.Error())
	}
	if m := meterFrom(ctx); m != nil {
		recs = append(recs, m.record(int64(putsAfter)+1)) // its own record, written last
	}
	u, estimated, lambda := usageOf(recs)
	if a.cfg.Transitions == nil || execution == "" {
		notCounted = append(notCounted, "step functions transitions: this aggregator was given no execution history to count them from")
	} else if n, mapRuns, err := a.cfg.Transitions.Transitions(ctx, execution); err != nil {
		notCounted = append(notCounted, "step functions transitions: "+err.Error())
	} else {
		u.Transitions = n
		if mapRuns > 0 {
			// Each child execution runs one Work state: one transition per
			// worker attempt that ran (its record), retries included.
			children := 0
			for _, rec := range recs {
				if rec.Step == StepWorker {
					children++
				}
			}
			u.Transitions += children
			notCounted = append(notCounted, fmt.Sprintf("Distributed Map child executions (%d map runs): counted as one transition per worker attempt that ran (%d), from the usage records; an attempt Lambda refused before the code ran is missing", mapRuns, children))
		}
	}
	b := prices(r.spec).Price(u)
	b.Athena.Estimated = estimated
	if lambda {
		b.Basis, b.Label = "aws", "this run's own AWS usage, measured by its functions, at the prices below"
		notCounted = append(notCounted, "Lambda init before main ran (the runtime's own start)")
	} else {
		b.Basis, b.Label = "local", "what the same run would have cost in AWS (it ran locally: each step priced with Terraform's default memory, no cold starts)"
	}
	if estimated {
		notCounted = append(notCounted, "Athena: estimated, not measured (the engine was not Athena): each query priced as if it read every sample file of the run")
	}
	notCounted = append(notCounted,
		"S3 requests Athena makes reading the samples and writing its results",
		"S3 requests Step Functions makes for a Distributed Map: its ItemReader's GET of the slice list and its ResultWriter's PUTs (a manifest and result files), per map run",
		"the aggregator's time after it priced the run (rendering and uploads; their PUTs are counted)",
		"invocations killed before they wrote their usage record (a timeout, out of memory)",
		"CloudWatch Logs, data transfer, and the endpoint under test (pricing.usd_per_hour prices that)")
	b.NotCounted = notCounted
	return &b
}

// usageOf adds up usage records: the functions by name and memory, the
// S3 requests (LIST is PUT-class; DELETE is free), Athena's scans. Queries
// on an engine that reports no scan are priced as if each read all the
// run's sample bytes (estimated). lambda is true when every record comes
// from a Lambda function.
func usageOf(recs []UsageRecord) (u cost.Usage, estimated, lambda bool) {
	type fn struct {
		name string
		mb   int
	}
	fns := map[fn]*cost.FunctionUsage{}
	var sampleBytes int64
	queries := 0
	lambda = len(recs) > 0
	for _, rec := range recs {
		k := fn{rec.Step, rec.MemoryMB}
		f := fns[k]
		if f == nil {
			f = &cost.FunctionUsage{Name: rec.Step, MemoryMB: rec.MemoryMB}
			fns[k] = f
		}
		f.Invocations++
		f.BilledMs += rec.BilledMs
		u.S3Put += rec.S3Put + rec.S3List
		u.S3Get += rec.S3Get
		sampleBytes += rec.SampleBytes
		u.AthenaScanned = append(u.AthenaScanned, rec.AthenaScanned...)
		queries += rec.EngineQueries
		lambda = lambda && rec.Lambda
	}
	for range queries {
		u.AthenaScanned = append(u.AthenaScanned, sampleBytes)
	}
	for _, f := range fns {
		u.Functions = append(u.Functions, *f)
	}
	sort.Slice(u.Functions, func(i, j int) bool {
		a, b := u.Functions[i], u.Functions[j]
		return a.Name < b.Name || a.Name == b.Name && a.MemoryMB < b.MemoryMB
	})
	return u, queries > 0, lambda
}

// prices are the default prices with the spec's overrides.
func prices(s *spec.Spec) cost.Prices {
	p := cost.DefaultPrices
	o := s.Pricing.Benchmark
	if o == nil {
		return p
	}
	overridden := false
	for _, f := range []struct {
		v   *float64
		dst *float64
	}{
		{o.LambdaGBSecond, &p.LambdaGBSecond},
		{o.LambdaPer1MRequests, &p.LambdaPer1MRequests},
		{o.SFNPer1KTransitions, &p.SFNPer1KTransitions},
		{o.S3Per1KPut, &p.S3Per1KPut},
		{o.S3Per1KGet, &p.S3Per1KGet},
		{o.AthenaPerTB, &p.AthenaPerTB},
	} {
		if f.v != nil {
			*f.dst, overridden = *f.v, true
		}
	}
	if overridden {
		p.Source = "the spec's pricing.benchmark, over " + p.Source
	}
	return p
}

// reportFiles is how many files report.Files renders (report.md and
// report.html): the uploads the bill counts before rendering them.
const reportFiles = 2

func (a *Aggregator) reportUploads() int {
	if a.cfg.Render == nil {
		return 0
	}
	return reportFiles
}

// reprice corrects the bill when the reports rendered were not the
// reportFiles counted: it prices the run again, rewrites summary.json and
// renders the reports anew.
func (a *Aggregator) reprice(ctx context.Context, r *run, sum *summary.Summary, execution string, files map[string][]byte) (map[string][]byte, error) {
	if len(files) == reportFiles || sum.BenchmarkCost == nil {
		return files, nil
	}
	// The summary is written twice: once already, once more here.
	sum.BenchmarkCost = a.bill(ctx, r, execution, 1+len(files))
	if err := putJSON(ctx, r.st, store.SummaryKey(r.plan.RunID), sum); err != nil {
		return nil, err
	}
	files, err := a.cfg.Render(sum, r.spec)
	if err != nil {
		return nil, fmt.Errorf("workflow: render reports of %s: %w", r.plan.RunID, err)
	}
	return files, nil
}
