package terraform_test

import (
	"fmt"
	"slices"

	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/llmbench/llmbench/shared/proxy"
)

// checkProxyMetric: the customized metric the seed endpoint's scaling
// policy tracks (sagemaker.tf, metric_stat of the per-instance
// expression's "tokens") is exactly one the proxy emits: the same
// namespace (the variable the proxy's LLMBENCH_EMF_NAMESPACE is set to),
// metric name, dimension keys (one of the proxy's dimension sets), the
// dimension's value the proxy's endpoint (the seed endpoint unless
// proxy_endpoint_name is set), and the statistic Sum: the proxy emits
// one datum per request holding its completion tokens, so the Sum over a
// period is the tokens of that period.
func checkProxyMetric(r *repo) []string {
	var problems []string
	pol := r.tf.find("aws_appautoscaling_policy.seed_tokens")
	if pol == nil {
		return []string{"no aws_appautoscaling_policy.seed_tokens"}
	}
	where := func(what string) string { return fmt.Sprintf("%s: %s %s", pol.file, pol.addr(), what) }
	cfg := child(pol.Body, "target_tracking_scaling_policy_configuration")
	var spec, stat, metric *hclsyntax.Body
	if cfg != nil {
		spec = child(cfg, "customized_metric_specification")
	}
	if spec == nil {
		return []string{where("has no customized_metric_specification")}
	}
	for _, m := range children(spec, "metrics") {
		if a := attr(m.body, "id"); a != nil {
			if id, _ := literalString(a.Expr); id == "tokens" {
				stat = child(m.body, "metric_stat")
			}
		}
	}
	if stat != nil {
		metric = child(stat, "metric")
	}
	if metric == nil {
		return []string{where(`has no metrics block "tokens" with a metric_stat.metric`)}
	}
	if a := attr(stat, "stat"); a == nil {
		problems = append(problems, where("tokens: no stat"))
	} else if s, _ := literalString(a.Expr); s != "Sum" {
		problems = append(problems, where(fmt.Sprintf("tokens: stat %q; the proxy emits one datum of completion tokens per request, so only Sum counts the tokens of a period", s)))
	}
	if a := attr(metric, "metric_name"); a == nil {
		problems = append(problems, where("tokens: no metric_name"))
	} else if n, _ := literalString(a.Expr); n != proxy.MetricCompletionTokens {
		problems = append(problems, where(fmt.Sprintf("tokens: metric_name %q; the proxy emits %q", n, proxy.MetricCompletionTokens)))
	}

	// The namespace: the same variable on both sides.
	fn := lambdaByFunction(r)["proxy"]
	if fn == nil {
		return append(problems, "no aws_lambda_function for the proxy")
	}
	env := map[string]string{}
	if e := child(fn.Body, "environment"); e != nil {
		if a := attr(e, "variables"); a != nil {
			items, _ := objectItems(a.Expr)
			for k, v := range items {
				env[k] = fn.text(v)
			}
		}
	}
	ns := ""
	if a := attr(metric, "namespace"); a != nil {
		ns = pol.text(a.Expr)
	}
	if ns == "" || env["LLMBENCH_EMF_NAMESPACE"] != ns {
		problems = append(problems, where(fmt.Sprintf("tokens: namespace %q, the proxy's LLMBENCH_EMF_NAMESPACE %q: they must be the same expression", ns, env["LLMBENCH_EMF_NAMESPACE"])))
	}

	// The dimensions: exactly one of the proxy's sets, valued with the
	// endpoint the proxy fronts by default.
	var keys []string
	value := ""
	for _, d := range children(metric, "dimensions") {
		if a := attr(d.body, "name"); a != nil {
			k, _ := literalString(a.Expr)
			keys = append(keys, k)
			if k == proxy.DimEndpointName {
				if v := attr(d.body, "value"); v != nil {
					value = pol.text(v.Expr)
				}
			}
		}
	}
	if !slices.ContainsFunc(proxy.DimensionSets, func(set []string) bool { return slices.Equal(set, keys) }) {
		problems = append(problems, where(fmt.Sprintf("tokens: dimensions %v; the proxy emits the sets %v", keys, proxy.DimensionSets)))
	}
	ep := r.tf.find("aws_sagemaker_endpoint.seed")
	epName := ""
	if ep != nil {
		if a := attr(ep.Body, "name"); a != nil {
			epName = ep.text(a.Expr)
		}
	}
	if value != "aws_sagemaker_endpoint.seed[0].name" || epName == "" {
		problems = append(problems, where(fmt.Sprintf("tokens: dimension %s = %s, want the seed endpoint's name", proxy.DimEndpointName, value)))
	}
	var local string
	for _, b := range r.tf.all("locals", "") {
		if a := attr(b.Body, "proxy_endpoint"); a != nil {
			local = b.text(a.Expr)
		}
	}
	if env["LLMBENCH_PROXY_ENDPOINT"] != "local.proxy_endpoint" || local != fmt.Sprintf(`var.proxy_endpoint_name != "" ? var.proxy_endpoint_name : %s`, epName) {
		problems = append(problems, fmt.Sprintf("%s: %s: LLMBENCH_PROXY_ENDPOINT = %s (local.proxy_endpoint = %s): by default it must be the seed endpoint's name, %s", fn.file, fn.addr(), env["LLMBENCH_PROXY_ENDPOINT"], local, epName))
	}
	return problems
}
