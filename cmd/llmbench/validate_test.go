package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestValidateByContent: validate tells a state machine definition from a
// run spec by what the file holds, whatever its name. Each kind checked as
// the other would fail (a spec has no StartAt; a definition's fields are
// unknown to a spec), so "ok" means the right check ran, and the messages
// of the broken files are those of the right check.
func TestValidateByContent(t *testing.T) {
	def, err := os.ReadFile("../../statemachine/benchmark.asl.json")
	if err != nil {
		t.Fatal(err)
	}
	spec, err := os.ReadFile("../../events/local.json")
	if err != nil {
		t.Fatal(err)
	}
	brokenDef := strings.Replace(string(def), `"Next": "Aggregate"`, `"Next": "Aggregat"`, 1)
	brokenSpec := strings.Replace(string(spec), `"input_tokens": 256`, `"input_tokens": -5`, 1)
	if brokenDef == string(def) || brokenSpec == string(spec) {
		t.Fatal("pattern not found in the fixtures")
	}
	tests := []struct {
		name, file, content string
		code                int
		want                string // in the output
	}{
		// A definition under a plain .json name is still a definition.
		{"definition as x.json", "x.json", string(def), 0, "x.json: ok"},
		// ... and its problems are the definition's.
		{"broken definition as x.json", "x.json", brokenDef, 2, "Aggregat"},
		// A definition without StartAt is a definition missing a field.
		{"definition without StartAt", "y.json", `{"States": {"A": {"Type": "Succeed"}}}`, 2, "StartAt is missing"},
		// A spec under a definition's name is still a spec.
		{"spec as something.asl.json", "something.asl.json", string(spec), 0, "something.asl.json: ok"},
		// ... and its problems are the spec's, with their field paths.
		{"broken spec as something.asl.json", "something.asl.json", brokenSpec, 2, "workload.input_tokens:"},
		// A valid spec says what it will run: each level and its workers.
		{"rate spec", "rates.json", `{"name":"r","target":{"kind":"sim"},"load":{"rates":[2,450],"max_concurrency":64,"duration":"30s"}}`, 0,
			"rates.json: ok: 2 level(s): 2 req/s ≤64 (4 worker(s)), 450 req/s ≤64 (5 worker(s))"},
		{"sweep spec", "sweep.json", `{"name":"s","target":{"kind":"sim"},"load":{"profile":"sweep","sweep_levels":3,"sweep_concurrency":8,"duration":"30s"}}`, 0,
			"sweep.json: ok: 2 level(s): concurrency 1 (1 worker(s)), concurrency 8 (1 worker(s)), then 3 rate level(s) between the two measured request rates"},
		{"rate too high for the fleet", "fleet.json", `{"name":"f","target":{"kind":"sim"},"load":{"rates":[200000],"slice_rate":100,"duration":"30s"}}`, 2,
			"load.rates[0] (200000 req/s at load.slice_rate 100) needs 2000 workers at once, more than the 1000 of load.max_workers"},
		// A local dataset is read as the planner will read it.
		{"dataset spec", "ds.json", `{"name":"d","target":{"kind":"sim"},"workload":{"prompts":"dataset","dataset":{"format":"sharegpt","path":"../../events/data/sample-sharegpt.json"}},"load":{"levels":[2],"requests":4}}`, 0,
			"dataset ../../events/data/sample-sharegpt.json: 297 records, 3 skipped"},
		{"missing dataset", "ds2.json", `{"name":"d","target":{"kind":"sim"},"workload":{"prompts":"dataset","dataset":{"format":"jsonl","path":"no/such.jsonl"}},"load":{"levels":[2],"requests":4}}`, 2,
			"workload.dataset.path: open no/such.jsonl: no such file or directory"},
		// Malformed JSON is no definition: the spec check says where it breaks.
		{"malformed JSON as z.asl.json", "z.asl.json", `{"StartAt": "A", "States": }`, 2, "malformed JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), tt.file)
			if err := os.WriteFile(p, []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			code, out, errs := cli(t, nil, "validate", p)
			if code != tt.code || !strings.Contains(out+errs, tt.want) {
				t.Errorf("validate %s: exit %d, want %d with %q in\n%s%s", tt.file, code, tt.code, tt.want, out, errs)
			}
		})
	}
}

// TestValidateRunsPlannerChecks: validate refuses what run would refuse,
// with the planner's own message and exit 2, and run says the same in
// plain text (not wrapped in the interpreter's error JSON).
func TestValidateRunsPlannerChecks(t *testing.T) {
	dir := t.TempDir()
	write := func(name, doc string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	wide := write("wide.json", `{"name":"wide","target":{"kind":"sim"},"load":{"levels":[1000000],"requests":1,"max_workers":10000}}`)
	long := write("long.json", `{"name":"long","target":{"kind":"openai","url":"https://example.invalid/v1","model":"m"},
	  "load":{"levels":[2],"duration":"20m","round":"14m"},"output":"s3://bucket/prefix"}`)
	for _, c := range []struct{ file, want string }{
		{wide, "level 1000000 needs 62500 slices of at most 16 streams; a level has at most 10000: set load.slice_concurrency to at least 100"},
		// A 20-minute level runs in rounds, but not of 14 minutes: the
		// default worker (900 s, a 10 s margin) runs 13m50s of a level.
		{long, "load.round: 14m0s (plus load.cooldown 0s) is longer than the 13m50s one worker invocation can run a level"},
	} {
		code, _, errs := cli(t, nil, "validate", c.file)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("validate %s: exit %d, stderr %q; want 2 and %q", filepath.Base(c.file), code, errs, c.want)
		}
	}
	code, _, errs := cli(t, nil, "run", "--quiet", "--out", dir, wide)
	if code != 2 || !strings.Contains(errs, "level 1000000 needs 62500 slices") || strings.Contains(errs, "errorMessage") || strings.Contains(errs, "sfnlocal") {
		t.Errorf("run: exit %d, stderr %q; want 2 and the planner's message in plain text", code, errs)
	}
}
