package terraform_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// checkFunctionMaps checks the variables keyed by function (those a
// Lambda reads as var.NAME["fn"], such as lambda_memory_mb): each
// function of the Makefile reads its own key; the default has a key per
// function and no other; every literal list of names in a validation
// condition is that set, and the error message names each function. A new
// function left out of one of them fails at plan time, or not at all (a
// validation that lets its key be dropped). terraform.tfvars.example, where
// it shows such a variable (commented out or not), shows the default.
func checkFunctionMaps(r *repo) []string {
	var problems []string
	fns := slices.Sorted(slices.Values(r.pkg.functions))
	maps := map[string]bool{}
	for fn, lb := range lambdaByFunction(r) {
		for _, a := range lb.Body.Attributes {
			for _, ref := range refs(a.Expr) {
				name, key, ok := functionKey(ref)
				if !ok {
					continue
				}
				maps[name] = true
				if key != fn {
					problems = append(problems, fmt.Sprintf("%s: %s.%s reads var.%s[%q]; it is the %s function", lb.at(a.SrcRange), lb.addr(), a.Name, name, key, fn))
				}
			}
		}
	}
	for _, name := range sortedKeys(maps) {
		v := r.tf.find("var." + name)
		if v == nil {
			continue // checkReferences reports it
		}
		where := fmt.Sprintf("%s: %s", v.file, v.addr())
		var keys []string
		if a := attr(v.Body, "default"); a != nil {
			items, _ := objectItems(a.Expr)
			keys = sortedKeys(items)
		}
		if !slices.Equal(keys, fns) {
			problems = append(problems, fmt.Sprintf("%s: the default has keys %v; the functions are %v", where, keys, fns))
		}
		problems = append(problems, checkExampleMap(r, v)...)
		vals := children(v.Body, "validation")
		if len(vals) == 0 {
			problems = append(problems, where+": no validation of its keys")
		}
		for _, val := range vals {
			if a := attr(val.body, "condition"); a != nil {
				lists := nameLists(a.Expr)
				if len(lists) == 0 {
					problems = append(problems, fmt.Sprintf("%s: the validation condition lists no keys", v.at(a.SrcRange)))
				}
				for _, l := range lists {
					if got := slices.Sorted(slices.Values(l)); !slices.Equal(got, fns) {
						problems = append(problems, fmt.Sprintf("%s: the validation condition lists %v; the functions are %v", v.at(a.SrcRange), got, fns))
					}
				}
			}
			if a := attr(val.body, "error_message"); a != nil {
				msg, _ := literalString(a.Expr)
				for _, fn := range fns {
					if !strings.Contains(msg, fn) {
						problems = append(problems, fmt.Sprintf("%s: the error message %q does not name %s", v.at(a.SrcRange), msg, fn))
					}
				}
			}
		}
	}
	if len(maps) == 0 {
		problems = append(problems, "no aws_lambda_function reads a variable keyed by function (var.lambda_memory_mb[\"planner\"])")
	}
	return problems
}

// reExampleLine is an assignment of terraform.tfvars.example, commented
// out or not.
var reExampleLine = regexp.MustCompile(`(?m)^#?\s*([a-z0-9_]+)\s*=\s*(.+)$`)

// checkExampleMap compares the value terraform.tfvars.example gives a
// variable, if any, with its default.
func checkExampleMap(r *repo, v *tfBlock) []string {
	const example = "terraform.tfvars.example"
	b, err := os.ReadFile(filepath.Join(r.tf.dir, example))
	if err != nil {
		return []string{err.Error()}
	}
	def := attr(v.Body, "default")
	if def == nil {
		return nil // the default's keys are reported
	}
	want, _ := literal(def.Expr)
	var problems []string
	for _, m := range reExampleLine.FindAllSubmatch(b, -1) {
		if string(m[1]) != v.typ() {
			continue
		}
		e, diags := hclsyntax.ParseExpression(m[2], example, hcl.InitialPos)
		if diags.HasErrors() {
			problems = append(problems, fmt.Sprintf("%s: %s: %s", example, v.typ(), diags.Error()))
			continue
		}
		got, ok := literal(e)
		if !ok || want == cty.NilVal || !got.Type().IsObjectType() || !want.Type().IsObjectType() || !got.Equals(want).True() {
			problems = append(problems, fmt.Sprintf("%s: %s = %s; the default is %s", example, v.typ(), m[2], v.text(def.Expr)))
		}
	}
	return problems
}

// functionKey splits var.NAME[key] into NAME and key.
func functionKey(ref string) (name, key string, ok bool) {
	rest, ok := strings.CutPrefix(ref, "var.")
	if !ok {
		return "", "", false
	}
	name, key, ok = strings.Cut(rest, "[")
	if !ok || !strings.HasSuffix(key, "]") {
		return "", "", false
	}
	return name, strings.TrimSuffix(key, "]"), true
}

// nameLists returns the literal lists of strings in an expression
// (["planner", "worker"]), at any depth.
func nameLists(e hclsyntax.Expression) [][]string {
	var out [][]string
	hclsyntax.VisitAll(e, func(n hclsyntax.Node) hcl.Diagnostics {
		if t, ok := n.(*hclsyntax.TupleConsExpr); ok {
			if l, ok := literalStrings(t); ok && len(l) > 0 {
				out = append(out, l)
			}
		}
		return nil
	})
	return out
}
