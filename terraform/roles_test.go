package terraform_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	llmplan "github.com/llmbench/llmbench/shared/plan"
	"github.com/llmbench/llmbench/shared/store"
)

// The account the role simulation puts in place of the caller's.
const (
	simPartition = "aws"
	simRegion    = "us-east-1"
	simAccount   = "123456789012"
)

// roleCase is one request a role makes, or must not be able to make: the
// action, and the resource as an ARN with the defaults. Keys are given
// from the store's root (the store prefix is added) unless bucketKey.
type roleCase struct {
	fn        string // the function whose role is asked
	action    string
	key       string // an S3 key under the store prefix; or
	bucketKey string // a key from the top of the bucket; or
	arn       string // any other resource
	allow     bool
	why       string
}

// roleCases are, for each step, what its role must allow (what the step
// does, or what AWS does as the step) and what it must deny (what another
// step does). They complement the derived check of checkIAM: that one
// finds what the code calls; these say which keys are off limits.
func roleCases(r *repo) []roleCase {
	const id = "nightly-20260101T030000Z-1a2b"
	day := time.Date(2026, 1, 1, 3, 0, 0, 0, time.UTC)
	var (
		spec      = store.RunKey(id, store.SpecFile)
		plan      = store.RunKey(id, store.PlanFile)
		summary   = store.SummaryKey(id)
		report    = store.RunKey(id, store.ReportHTML)
		slice     = store.SliceRecordKey(id, 0, 0)
		sample    = store.SampleKey(day, id, 0, 0, 0)
		scraped   = store.TelemetryKey(day, id, 0, 0)
		lines     = store.LevelLinesKey(day.Format(llmplan.DayLayout), id)
		result    = "athena-results/0b6c5c2e-query.csv"
		workgroup = fmt.Sprintf("arn:%s:athena:%s:%s:workgroup/%s", simPartition, simRegion, simAccount, r.resourceName("aws_athena_workgroup.bench"))
		other     = fmt.Sprintf("arn:%s:athena:%s:%s:workgroup/primary", simPartition, simRegion, simAccount)
		table     = func(name string) string {
			return fmt.Sprintf("arn:%s:glue:%s:%s:table/%s/%s", simPartition, simRegion, simAccount, r.glueDatabase(), name)
		}
		samples = table(r.resourceName("aws_glue_catalog_table.samples"))
		trend   = table(r.resourceName("aws_glue_catalog_table.level_summaries"))
		scrapes = table(r.resourceName("aws_glue_catalog_table.telemetry"))
		bucket  = "arn:aws:s3:::" + testBucket
	)
	if !llmplan.ValidRunID(id) {
		panic("roleCases: invalid run id " + id)
	}
	return []roleCase{
		{fn: "planner", action: "s3:PutObject", key: spec, allow: true, why: "writes the spec"},
		{fn: "planner", action: "s3:PutObject", key: plan, allow: true, why: "writes the plan"},
		{fn: "planner", action: "s3:GetObject", key: plan, why: "reads nothing of the run"},
		{fn: "planner", action: "s3:GetObject", bucketKey: "datasets/sharegpt.json", allow: true, why: "reads the prompt dataset a spec names (s3://<bucket>/datasets/…)"},
		{fn: "planner", action: "s3:GetObject", bucketKey: "elsewhere/secret.json", why: "datasets only under datasets/"},
		{fn: "worker", action: "s3:GetObject", bucketKey: "datasets/sharegpt.json", why: "workers read the run's copy, dataset.jsonl"},
		{fn: "planner", action: "s3:PutObject", key: sample, why: "writes no samples"},

		{fn: "worker", action: "s3:GetObject", key: plan, allow: true, why: "reads its slice of the plan"},
		{fn: "worker", action: "s3:PutObject", key: slice, allow: true, why: "writes its slice record"},
		{fn: "worker", action: "s3:PutObject", key: sample, allow: true, why: "writes its samples"},
		{fn: "worker", action: "s3:DeleteObject", key: sample, allow: true, why: "drops an interrupted attempt's parts"},
		{fn: "worker", action: "s3:PutObject", key: scraped, allow: true, why: "the scraping slice writes the server's telemetry"},
		{fn: "worker", action: "s3:DeleteObject", key: scraped, allow: true, why: "drops an interrupted attempt's telemetry"},
		{fn: "worker", action: "s3:PutObject", key: plan, why: "never rewrites the plan (the sweeper does)"},
		{fn: "worker", action: "s3:PutObject", key: summary, why: "the aggregator's file"},
		{fn: "worker", action: "athena:StartQueryExecution", arn: workgroup, why: "runs no query"},

		{fn: "aggregator", action: "athena:StartQueryExecution", arn: workgroup, allow: true, why: "summarizes with Athena"},
		{fn: "aggregator", action: "s3:GetObject", key: sample, allow: true, why: "its query reads the samples as the aggregator"},
		{fn: "aggregator", action: "s3:GetObject", key: scraped, allow: true, why: "its query reads the telemetry as the aggregator"},
		{fn: "aggregator", action: "glue:GetTable", arn: scrapes, allow: true, why: "its query reads the telemetry table"},
		{fn: "aggregator", action: "s3:PutObject", key: scraped, why: "reads telemetry, never writes it"},
		{fn: "sweeper", action: "s3:GetObject", key: scraped, why: "its queries read only the samples"},
		{fn: "aggregator", action: "s3:PutObject", key: summary, allow: true, why: "writes summary.json"},
		{fn: "aggregator", action: "s3:PutObject", key: lines, allow: true, why: "writes the trend table's file"},
		{fn: "aggregator", action: "s3:PutObject", key: sample, why: "reads samples, never writes them"},
		{fn: "aggregator", action: "s3:DeleteObject", key: sample, why: "never deletes samples"},

		{fn: "sweeper", action: "s3:GetObject", key: spec, allow: true, why: "reads the spec (load.sweep_levels)"},
		{fn: "sweeper", action: "s3:GetObject", key: plan, allow: true, why: "reads the first two levels' plan"},
		{fn: "sweeper", action: "s3:PutObject", key: plan, allow: true, why: "appends the rate levels to plan.json"},
		{fn: "sweeper", action: "s3:GetObject", key: sample, allow: true, why: "its query reads the samples as the sweeper"},
		{fn: "sweeper", action: "s3:ListBucket", arn: bucket, allow: true, why: "Athena lists the partitions it reads"},
		{fn: "sweeper", action: "athena:StartQueryExecution", arn: workgroup, allow: true, why: "measures the first two levels"},
		{fn: "sweeper", action: "athena:GetQueryResults", arn: workgroup, allow: true, why: "reads the measured rates"},
		{fn: "sweeper", action: "glue:GetTable", arn: samples, allow: true, why: "its query reads the samples table"},
		{fn: "sweeper", action: "s3:PutObject", bucketKey: result, allow: true, why: "Athena writes the results as the sweeper"},
		{fn: "sweeper", action: "athena:StartQueryExecution", arn: other, why: "only the bench workgroup (its byte limit and result location)"},
		{fn: "sweeper", action: "glue:GetTable", arn: trend, why: "reads only the samples table"},
		{fn: "sweeper", action: "s3:PutObject", key: sample, why: "reads samples, never writes them"},
		{fn: "sweeper", action: "s3:DeleteObject", key: sample, why: "never deletes samples"},
		{fn: "sweeper", action: "s3:PutObject", key: spec, why: "rewrites plan.json alone (plan.SavePlan): the spec is the planner's"},
		{fn: "sweeper", action: "s3:PutObject", key: summary, why: "the aggregator's file"},
		{fn: "sweeper", action: "s3:PutObject", key: report, why: "the aggregator's file"},
		{fn: "sweeper", action: "s3:PutObject", key: lines, why: "the aggregator's file"},
		{fn: "sweeper", action: "s3:PutObject", key: slice, why: "a worker's file"},
		{fn: "sweeper", action: "s3:GetObject", key: slice, why: "reads the outcomes from its event, not the slice records"},
	}
}

// checkRoles simulates each roleCase against the role of its function:
// allowed when an Allow statement matches the action and the resource
// and no Deny statement does.
func checkRoles(r *repo) []string {
	var problems []string
	lambdas := lambdaByFunction(r)
	fixed := r.accountFixed()
	objects := fixed["local.store_objects"]
	stsOf := map[string][]statement{}
	for _, c := range roleCases(r) {
		sts, ok := stsOf[c.fn]
		if !ok {
			lb := lambdas[c.fn]
			if lb == nil {
				problems = append(problems, fmt.Sprintf("no aws_lambda_function for the %s function: its role cannot be simulated", c.fn))
				stsOf[c.fn] = nil
				continue
			}
			role := ""
			if a := attr(lb.Body, "role"); a != nil {
				role = roleOf(a.Expr)
			}
			sts, _ = rolePolicies(r.tf, role) // checkIAM reports what it cannot read
			stsOf[c.fn] = sts
		}
		if sts == nil {
			continue
		}
		res := c.arn
		switch {
		case c.key != "":
			res = objects + c.key
		case c.bucketKey != "":
			res = "arn:aws:s3:::" + testBucket + "/" + c.bucketKey
		}
		var denies []statement
		for _, s := range sts {
			if !s.allow {
				s.allow = true
				denies = append(denies, s)
			}
		}
		got := resourceAllowsWith(fixed, sts, c.action, res) && !resourceAllowsWith(fixed, denies, c.action, res)
		switch {
		case c.allow && !got:
			problems = append(problems, fmt.Sprintf("the %s role cannot %s on %s: it %s", c.fn, c.action, res, c.why))
		case !c.allow && got:
			problems = append(problems, fmt.Sprintf("the %s role may %s on %s: it must not, it %s", c.fn, c.action, res, c.why))
		}
	}
	return problems
}

// accountFixed is r.fixed() with the caller's partition, region and
// account (simPartition, simRegion, simAccount) and the locals of the
// Athena workgroup and the Glue database built from them with the
// defaults: enough to evaluate every resource of the functions' policies.
func (r *repo) accountFixed() map[string]string {
	f := r.fixed()
	f["local.partition"] = simPartition
	f["local.region"] = simRegion
	f["local.account_id"] = simAccount
	f["local.name"] = r.varDefault("name_prefix")
	f["local.glue_database"] = r.glueDatabase()
	f["aws_glue_catalog_table.samples.name"] = r.resourceName("aws_glue_catalog_table.samples")
	f["aws_glue_catalog_table.telemetry.name"] = r.resourceName("aws_glue_catalog_table.telemetry")
	// Plain interpolations of the above, in the order they build on each
	// other.
	for _, name := range []string{"athena_workgroup", "athena_workgroup_arn"} {
		if e := r.localExpr(name); e != nil {
			if s, err := evalString(e, f); err == nil {
				f["local."+name] = s
			}
		}
	}
	return f
}

// glueDatabase is local.glue_database with the defaults: the name prefix
// in lower case, hyphens as underscores (main.tf; evalWith has no
// functions).
func (r *repo) glueDatabase() string {
	return strings.ReplaceAll(strings.ToLower(r.varDefault("name_prefix")), "-", "_")
}

// varDefault is a variable's literal string default, or "".
func (r *repo) varDefault(name string) string {
	v := r.tf.find("var." + name)
	if v == nil {
		return ""
	}
	a := attr(v.Body, "default")
	if a == nil {
		return ""
	}
	s, _ := literalString(a.Expr)
	return s
}

// resourceName is the name attribute of a resource with the defaults
// (its locals evaluated as accountFixed does), or "".
func (r *repo) resourceName(addr string) string {
	b := r.tf.find(addr)
	if b == nil {
		return ""
	}
	a := attr(b.Body, "name")
	if a == nil {
		return ""
	}
	if s, ok := literalString(a.Expr); ok {
		return s
	}
	fixed := map[string]string{"local.name": r.varDefault("name_prefix")}
	for _, ref := range refs(a.Expr) {
		if name, ok := strings.CutPrefix(ref, "local."); ok {
			if e := r.localExpr(name); e != nil {
				if s, err := evalString(e, fixed); err == nil {
					fixed[ref] = s
				}
			}
		}
	}
	s, _ := evalString(a.Expr, fixed)
	return s
}

// localExpr is the expression of a local value, or nil.
func (r *repo) localExpr(name string) hcl.Expression {
	for _, b := range r.tf.all("locals", "") {
		if a := attr(b.Body, name); a != nil {
			return a.Expr
		}
	}
	return nil
}
