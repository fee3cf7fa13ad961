package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/summary"
)

// TestRunCloudHundredSlices: a level of 100 slices (more than an inline
// Map runs at once) through run --cloud against the Step Functions fake,
// whose interpreter runs the definition's Distributed Map: every request
// one row in the S3 fake, one slice record per slice, the map run's
// results beside them, and the progress counting 100 slices ended.
func TestRunCloudHundredSlices(t *testing.T) {
	env := newCloudEnv(t, cloudEnvOptions{pageSize: 1000})
	spec := writeSpec(t, `{"name":"cloud","platform":"aws",
	  "target":{"kind":"openai","url":"`+env.sim.URL+`","model":"m"},
	  "workload":{"input_tokens":8,"output_tokens":4},
	  "load":{"levels":[100],"requests":200,"slice_concurrency":1},
	  "output":"`+cloudOutput+`"}`)
	code, stdout, stderr := cli(t, nil, "run", "--cloud", "--state-machine", cloudSM, "--region", "us-east-1", "--name", "hundred", spec)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	m := regexp.MustCompile(`/runs/([^/\s]+)/summary\.json\n$`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no summary address:\n%s", stdout)
	}
	runID := m[1]
	var sum summary.Summary
	if err := json.Unmarshal(env.get(t, "prefix/runs/"+runID+"/summary.json"), &sum); err != nil {
		t.Fatal(err)
	}
	rows, records, maprun := 0, 0, 0
	for _, k := range env.objects(t) {
		switch {
		case strings.HasSuffix(k, ".parquet") && strings.Contains(k, "run_id="+runID+"/"):
			b := env.get(t, k)
			rs, err := sample.ReadParquet(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				t.Fatalf("%s: %v", k, err)
			}
			rows += len(rs)
		case strings.HasPrefix(k, "prefix/runs/"+runID+"/slices/level=0/"):
			records++
		case strings.HasPrefix(k, "prefix/runs/"+runID+"/maprun/level=0/"):
			maprun++
		}
	}
	l := sum.Levels[0]
	if l.Requests != 200 || l.OK != 200 || rows != l.Requests+l.WarmupRequests || len(sum.FailedSlices) != 0 {
		t.Errorf("%d requests (%d ok), %d rows, failed %v; want 200, every request one row", l.Requests, l.OK, rows, sum.FailedSlices)
	}
	if records != 100 || maprun != 3 { // items.json, manifest.json and SUCCEEDED_0.json
		t.Errorf("%d slice records, %d map run files; want 100 and 3", records, maprun)
	}
	// The CLI counted the slices from the Map Run (DescribeMapRun).
	checkProgress(t, stderr, cloudProgress{"SUCCEEDED", 1, 1, 100, 0, 0})
}

// TestRunHundredSlices: the same level of 100 slices with llmbench run,
// the definition's Distributed Map interpreted in-process, the samples in
// a folder.
func TestRunHundredSlices(t *testing.T) {
	out := t.TempDir()
	spec := writeSpec(t, `{"name":"local","target":{"kind":"sim","profile":"instant"},
	  "workload":{"input_tokens":8,"output_tokens":4},
	  "load":{"levels":[100],"requests":200,"slice_concurrency":1},
	  "output":"`+out+`"}`)
	code, stdout, stderr := cli(t, nil, "run", "--json", "--quiet", spec)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	var sum summary.Summary
	if err := json.Unmarshal([]byte(stdout), &sum); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	rows := readRunRows(t, out, sum.RunID)
	l := sum.Levels[0]
	if l.Requests != 200 || l.OK != 200 || rows != l.Requests+l.WarmupRequests || len(sum.FailedSlices) != 0 {
		t.Errorf("%d requests (%d ok), %d rows, failed %v; want 200, every request one row", l.Requests, l.OK, rows, sum.FailedSlices)
	}
}

// readRunRows counts the rows of a run's Parquet parts in a folder store.
func readRunRows(t *testing.T, dir, runID string) int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "samples", "dt=*", "run_id="+runID, "level=*", "*.parquet"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no parts: %v", err)
	}
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rs, err := sample.ReadParquet(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		n += len(rs)
	}
	return n
}
