package terraform_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/llmbench/llmbench/shared/query"
	"github.com/llmbench/llmbench/shared/store"
	"github.com/llmbench/llmbench/shared/telemetry"
)

// checkTelemetry compares the telemetry table with telemetry.Row (every
// column but the partition key run_id, with its Hive type) and its
// projection with the store's layout (store.TelemetryLocationTemplate,
// the prefix store.TelemetryKey writes under).
func checkTelemetry(r *repo) []string {
	var problems []string
	var t *glueTable
	for _, b := range r.tf.all("resource", "aws_glue_catalog_table") {
		if g := readGlueTable(b, r.fixed()); g.name == query.TelemetryRelation {
			t = g
		}
	}
	if t == nil {
		return []string{fmt.Sprintf("no Glue table named %q: the server figures' SQL reads FROM %s", query.TelemetryRelation, query.TelemetryRelation)}
	}
	where := t.block.addr()
	problems = append(problems, t.problems...)
	want := map[string]string{}
	for _, f := range parquet.SchemaOf(new(telemetry.Row)).Fields() {
		typ, err := hiveType(f)
		if err != nil {
			return append(problems, fmt.Sprintf("telemetry.Row column %s: %v", f.Name(), err))
		}
		want[f.Name()] = typ
	}
	got := map[string]string{}
	for _, c := range append(append([]column(nil), t.columns...), t.partitions...) {
		got[c.name] = c.typ
	}
	for name, typ := range want {
		if g, ok := got[name]; !ok {
			problems = append(problems, fmt.Sprintf("%s lacks column %s %s of telemetry.Row", where, name, typ))
		} else if g != typ {
			problems = append(problems, fmt.Sprintf("%s: column %s is %s; telemetry.Row's Parquet schema has %s", where, name, g, typ))
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok && name != "dt" {
			problems = append(problems, fmt.Sprintf("%s: column %s is not in telemetry.Row", where, name))
		}
	}
	problems = append(problems, checkProjection(t)...)
	tmpl := t.params["storage.location.template"]
	if w := "s3://" + testBucket + "/" + r.keyPrefix() + store.TelemetryLocationTemplate; tmpl != w {
		problems = append(problems, fmt.Sprintf("%s: storage.location.template %q: want %q (store_prefix + store.TelemetryLocationTemplate)", where, tmpl, w))
	}
	day := time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)
	const run = "name-20260304T050607Z-abcd"
	part := strings.NewReplacer("${dt}", day.Format("2006-01-02"), "${run_id}", run).Replace(strings.TrimPrefix(tmpl, "s3://"+testBucket+"/"))
	if key := r.keyPrefix() + store.TelemetryKey(day, run, 2, 0); !strings.HasPrefix(key, part) {
		problems = append(problems, fmt.Sprintf("%s: a partition is %q; the worker writes %q", where, part, key))
	}
	if loc := strings.TrimPrefix(t.location, "s3://"+testBucket+"/"); loc == "" || !strings.HasPrefix(part, loc) {
		problems = append(problems, fmt.Sprintf("%s: the partitions (%q) are not under the table's location %q", where, part, t.location))
	}
	return problems
}

func TestTelemetryTable(t *testing.T) {
	for _, p := range checkTelemetry(mustLoad(t, root(t))) {
		t.Error(p)
	}
}

// TestTelemetryTableBreakage breaks a copy of the table one way at a time:
// checkTelemetry must say so.
func TestTelemetryTableBreakage(t *testing.T) {
	const table = `(resource "aws_glue_catalog_table" "telemetry"(?s:.*?))`
	tests := []struct{ name, old, new, want string }{
		{"template", table + `telemetry/dt=\$\$\{dt\}/run_id=\$\$\{run_id\}/"`, `${1}telemetry/run_id=$${run_id}/dt=$${dt}/"`, "store.TelemetryLocationTemplate"},
		{"column type", table + `name = "value"\n      type = "double"`, "${1}name = \"value\"\n      type = \"float\"", "column value is float"},
		{"column renamed", table + `name    = "labels"`, `${1}name    = "label_json"`, "lacks column labels string"},
		{"no projection", table + `    "projection.run_id.type"      = "injected"\n`, `${1}`, "partition key run_id has no projection type"},
		{"renamed table", `name          = "telemetry"`, `name          = "scrapes"`, "no Glue table named \"telemetry\""},
	}
	base := root(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyTree(t, base)
			path := filepath.Join(dir, "terraform", "glue.tf")
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			re := regexp.MustCompile(tt.old)
			loc := re.FindSubmatchIndex(b)
			if loc == nil {
				t.Fatalf("%q does not match glue.tf", tt.old)
			}
			broken := append(append(append([]byte(nil), b[:loc[0]]...), re.Expand(nil, []byte(tt.new), b, loc)...), b[loc[1]:]...)
			if err := os.WriteFile(path, broken, 0o644); err != nil {
				t.Fatal(err)
			}
			r, err := loadRepo(dir)
			if err != nil {
				t.Fatal(err)
			}
			problems := checkTelemetry(r)
			for _, p := range problems {
				if strings.Contains(p, tt.want) {
					return
				}
			}
			t.Errorf("no problem says %q: %q", tt.want, problems)
		})
	}
}
