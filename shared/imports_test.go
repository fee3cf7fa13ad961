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
	// 0: pure computation the spec itself checks with (the arrival schedule),
	// and the statistics of repeated runs.
	"shared/arrival": 0, "shared/lengths": 0, "shared/stats": 0, "shared/search": 0, "shared/cost": 0,
	// 1: foundations, importing nothing of the project's but layer 0.
	"shared/spec": 1, "shared/sample": 1, "shared/store": 1, "shared/sse": 1, "shared/summary": 1,
	"shared/workload": 1, "shared/sdkhttp": 1, "shared/sfnlocal": 1, "shared/simllm": 1,
	"shared/dataset":      1,
	"shared/report/chart": 1, "shared/query/athena/athenafake": 1, "shared/timingtest": 1, "statemachine": 1,
	"shared/tokenize": 1, "shared/telemetry": 1,
	// 2: the core, one job each.
	"shared/plan": 2, "shared/loadgen": 2, "shared/backoff": 2, "shared/target": 2, "shared/secrets": 2, "shared/query": 2,
	"shared/emf": 2, "shared/report": 2, "shared/store/s3store": 2, "shared/store/storetest": 2,
	// 3: what talks to one endpoint or engine, and what reads stored runs.
	"shared/target/openai": 3, "shared/target/sagemaker": 3, "shared/query/athena": 3, "shared/query/duckdb": 3,
	"shared/query/querytest": 3, "shared/compare": 3, "shared/session": 3, "shared/cloudrun": 3, "shared/cloudrun/sfnfake": 3, "shared/transitions": 3,
	// 4: the three steps, and the serving proxy in front of SageMaker.
	"shared/workflow": 4, "shared/proxy": 4,
	// 5: running the steps: in-process, or for tests.
	"shared/localrun": 5, "shared/workflow/workflowtest": 5,
	// 6: entry points.
	"cmd/llmbench": 6, "functions/planner": 6, "functions/worker": 6, "functions/sweeper": 6, "functions/aggregator": 6,
	"functions/proxy": 6, "functions": 6, "terraform": 6, "shared": 6,
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
