// Package shared_test checks the direction of the imports between the
// project's packages: every arrow of the graph drawn in the README's
// Development section points down a layer, never up or sideways.
package shared_test

import (
	"os/exec"
	"sort"
	"strings"
	"testing"
)

const module = "github.com/llmbench/llmbench/"

// layers places every package of the module; a package may import only
// packages of lower layers. A new package must be placed here.
var layers = map[string]int{
	// 0: foundations, importing nothing of the project's.
	"shared/spec": 0, "shared/sample": 0, "shared/store": 0, "shared/sse": 0, "shared/summary": 0,
	"shared/cost": 0, "shared/workload": 0, "shared/arrival": 0, "shared/sdkhttp": 0, "shared/sfnlocal": 0, "shared/simllm": 0,
	"shared/report/chart": 0, "shared/query/athena/athenafake": 0, "shared/timingtest": 0, "statemachine": 0,
	// 1: the core, one job each.
	"shared/plan": 1, "shared/loadgen": 1, "shared/backoff": 1, "shared/target": 1, "shared/secrets": 1, "shared/query": 1,
	"shared/emf": 1, "shared/report": 1, "shared/store/s3store": 1, "shared/store/storetest": 1,
	// 2: what talks to one endpoint or engine, and what reads stored runs.
	"shared/target/openai": 2, "shared/target/sagemaker": 2, "shared/query/athena": 2, "shared/query/duckdb": 2,
	"shared/query/querytest": 2, "shared/compare": 2, "shared/cloudrun": 2, "shared/cloudrun/sfnfake": 2,
	// 3: the three steps.
	"shared/workflow": 3,
	// 4: running the steps: in-process, or for tests.
	"shared/localrun": 4, "shared/workflow/workflowtest": 4,
	// 5: entry points.
	"cmd/llmbench": 5, "functions/planner": 5, "functions/worker": 5, "functions/aggregator": 5,
	"functions": 5, "terraform": 5, "shared": 5,
}

func TestImportsPointDown(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, module+"...").Output()
	if err != nil {
		t.Fatal(err)
	}
	var unplaced []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		pkg := strings.TrimPrefix(f[0], module)
		from, ok := layers[pkg]
		if !ok {
			unplaced = append(unplaced, pkg)
			continue
		}
		for _, imp := range f[1:] {
			if !strings.HasPrefix(imp, module) {
				continue
			}
			imp = strings.TrimPrefix(imp, module)
			to, ok := layers[imp]
			if ok && to >= from {
				t.Errorf("%s (layer %d) imports %s (layer %d): an arrow up or sideways", pkg, from, imp, to)
			}
		}
	}
	sort.Strings(unplaced)
	for _, p := range unplaced {
		t.Errorf("package %s has no layer in imports_test.go (and none in the README's graph)", p)
	}
}
