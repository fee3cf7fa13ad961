package terraform_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"

	"github.com/llmbench/llmbench/shared/query"
	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/store"
	"github.com/llmbench/llmbench/shared/summary"
)

// column is a name and a Hive type as Glue and Athena write it.
type column struct{ name, typ string }

// parquetColumns derives the table's columns from sample.Row by
// reflection, through the schema parquet-go writes the files with
// (sample.WriteParquet uses parquet.NewGenericWriter[sample.Row]).
func parquetColumns() ([]column, error) {
	schema := parquet.SchemaOf(new(sample.Row))
	var out []column
	for _, f := range schema.Fields() {
		t, err := hiveType(f)
		if err != nil {
			return nil, fmt.Errorf("sample.Row column %s: %w", f.Name(), err)
		}
		out = append(out, column{f.Name(), t})
	}
	// Every tagged field of the struct must be a column: reflection on the
	// struct itself, so a field the library skipped would be caught.
	rt := reflect.TypeOf(sample.Row{})
	names := map[string]bool{}
	for _, c := range out {
		names[c.name] = true
	}
	for i := range rt.NumField() {
		tag := rt.Field(i).Tag.Get("parquet")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" || !rt.Field(i).IsExported() {
			continue
		}
		if name == "" {
			name = rt.Field(i).Name
		}
		if !names[name] {
			return nil, fmt.Errorf("sample.Row field %s (%s) is not in the Parquet schema", rt.Field(i).Name, name)
		}
	}
	return out, nil
}

// hiveType maps a Parquet node to the Hive type Athena reads it as.
func hiveType(n parquet.Node) (string, error) {
	var lt format.LogicalTypeValue
	if l := n.Type().LogicalType(); l != nil {
		lt = l.Value
	}
	if !n.Leaf() {
		switch lt.(type) {
		case *format.ListType:
			// LIST: group { repeated group list { element } }
			list := n.Fields()
			if len(list) != 1 || len(list[0].Fields()) != 1 {
				return "", fmt.Errorf("LIST without one element field")
			}
			e, err := hiveType(list[0].Fields()[0])
			return "array<" + e + ">", err
		case *format.MapType:
			// MAP: group { repeated group key_value { key; value } }
			kv := n.Fields()
			if len(kv) != 1 || len(kv[0].Fields()) != 2 {
				return "", fmt.Errorf("MAP without key and value fields")
			}
			k, err := hiveType(kv[0].Fields()[0])
			if err != nil {
				return "", err
			}
			v, err := hiveType(kv[0].Fields()[1])
			return "map<" + k + "," + v + ">", err
		default:
			var parts []string
			for _, f := range n.Fields() {
				t, err := hiveType(f)
				if err != nil {
					return "", err
				}
				parts = append(parts, f.Name()+":"+t)
			}
			return "struct<" + strings.Join(parts, ",") + ">", nil
		}
	}
	if n.Repeated() {
		e, err := hiveType(parquet.Required(parquet.Leaf(n.Type())))
		return "array<" + e + ">", err
	}
	switch t := lt.(type) {
	case *format.StringType, *format.EnumType, *format.JsonType:
		return "string", nil
	case *format.TimestampType:
		return "timestamp", nil
	case *format.DateType:
		return "date", nil
	case *format.DecimalType:
		return fmt.Sprintf("decimal(%d,%d)", t.Precision, t.Scale), nil
	case *format.IntType:
		bits := t.BitWidth
		if !t.IsSigned {
			bits *= 2 // Hive has no unsigned types: the next wider one
		}
		switch bits {
		case 8:
			return "tinyint", nil
		case 16:
			return "smallint", nil
		case 32:
			return "int", nil
		case 64:
			return "bigint", nil
		}
		return "", fmt.Errorf("no Hive type for %v", t)
	}
	switch n.Type().Kind() {
	case parquet.Boolean:
		return "boolean", nil
	case parquet.Int32:
		return "int", nil
	case parquet.Int64:
		return "bigint", nil
	case parquet.Float:
		return "float", nil
	case parquet.Double:
		return "double", nil
	case parquet.ByteArray, parquet.FixedLenByteArray:
		return "binary", nil
	}
	return "", fmt.Errorf("no Hive type for %v", n.Type())
}

// glueTable is a Glue table of the configuration as the checks read it.
type glueTable struct {
	block      *tfBlock
	name       string
	columns    []column
	partitions []column
	params     map[string]string // values evaluated, references as {ref}
	location   string
	problems   []string
}

func readGlueTable(b *tfBlock, fixed map[string]string) *glueTable {
	t := &glueTable{block: b, params: map[string]string{}}
	if a := attr(b.Body, "name"); a != nil {
		t.name, _ = literalString(a.Expr)
	}
	cols := func(body *hclsyntax.Body, typ string) []column {
		var out []column
		for _, n := range children(body, typ) {
			if n.dynamic {
				t.problems = append(t.problems, fmt.Sprintf("%s: dynamic %s: write the %s out for the checks to read", b.at(n.body.SrcRange), typ, typ))
				continue
			}
			var c column
			if a := attr(n.body, "name"); a != nil {
				c.name, _ = literalString(a.Expr)
			}
			if a := attr(n.body, "type"); a != nil {
				c.typ, _ = literalString(a.Expr)
			}
			out = append(out, c)
		}
		return out
	}
	t.partitions = cols(b.Body, "partition_keys")
	if sd := child(b.Body, "storage_descriptor"); sd != nil {
		t.columns = cols(sd, "columns")
		if a := attr(sd, "location"); a != nil {
			t.location, _ = evalString(a.Expr, fixed)
		}
	} else {
		t.problems = append(t.problems, fmt.Sprintf("%s: %s has no storage_descriptor", b.file, b.addr()))
	}
	if a := attr(b.Body, "parameters"); a != nil {
		items, ok := objectItems(a.Expr)
		if !ok {
			t.problems = append(t.problems, fmt.Sprintf("%s: %s parameters must be a literal object", b.file, b.addr()))
		}
		for k, v := range items {
			s, err := evalString(v, fixed)
			if err != nil {
				t.problems = append(t.problems, fmt.Sprintf("%s: %s parameter %s: %v", b.file, b.addr(), k, err))
			}
			t.params[k] = s
		}
	}
	return t
}

// javaToGo turns the date formats of projection.<col>.format into Go
// layouts.
var javaToGo = strings.NewReplacer("yyyy", "2006", "MM", "01", "dd", "02", "HH", "15", "mm", "04", "ss", "05")

// checkGlue compares the samples table with sample.Row and the store's
// layout, and the level_summaries table with the file the aggregator
// writes for it.
func checkGlue(r *repo) []string {
	var problems []string
	tables := map[string]*glueTable{}
	for _, b := range r.tf.all("resource", "aws_glue_catalog_table") {
		t := readGlueTable(b, r.fixed())
		problems = append(problems, t.problems...)
		tables[t.name] = t
	}
	samples := tables[query.Relation]
	if samples == nil {
		return append(problems, fmt.Sprintf("no Glue table named %q: the summary SQL reads FROM %s", query.Relation, query.Relation))
	}
	where := samples.block.addr()

	// Columns and partition keys against the Parquet schema.
	want, err := parquetColumns()
	if err != nil {
		return append(problems, err.Error())
	}
	got := map[string]column{}
	isPartition := map[string]bool{}
	for _, c := range append(append([]column(nil), samples.columns...), samples.partitions...) {
		if _, dup := got[c.name]; dup {
			problems = append(problems, fmt.Sprintf("%s: %s appears twice among the columns and partition keys", where, c.name))
		}
		got[c.name] = c
	}
	for _, c := range samples.partitions {
		isPartition[c.name] = true
	}
	inRow := map[string]bool{}
	for _, w := range want {
		inRow[w.name] = true
		g, ok := got[w.name]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("%s lacks column %s %s of sample.Row", where, w.name, w.typ))
		case g.typ != w.typ:
			problems = append(problems, fmt.Sprintf("%s: column %s is %s; sample.Row's Parquet schema has %s", where, w.name, g.typ, w.typ))
		}
	}
	for _, c := range samples.columns {
		if !inRow[c.name] {
			problems = append(problems, fmt.Sprintf("%s: column %s is not in sample.Row", where, c.name))
		}
	}

	// Partition projection against the store's layout (store/layout.go).
	problems = append(problems, checkProjection(samples)...)
	tmpl := samples.params["storage.location.template"]
	if want := "s3://" + testBucket + "/" + r.keyPrefix() + store.SamplesLocationTemplate; tmpl != want {
		problems = append(problems, fmt.Sprintf("%s: storage.location.template %q: want %q (store_prefix + store.SamplesLocationTemplate)", where, tmpl, want))
	}
	day := time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)
	const run, level = "name-20260304T050607Z-abcd", 6
	values := map[string]string{"run_id": run, "level": fmt.Sprint(level)}
	for _, p := range samples.partitions {
		if f := samples.params["projection."+p.name+".format"]; f != "" {
			values[p.name] = day.Format(javaToGo.Replace(f))
		}
		v, ok := values[p.name]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: partition key %s: the check knows no value of it in the store's layout", where, p.name))
			continue
		}
		if inRow[p.name] && !strings.Contains(tmpl, p.name+"=${"+p.name+"}") {
			problems = append(problems, fmt.Sprintf("%s: partition key %s is also a column of the files: its path segment must be %s=${%s} so both hold the same value", where, p.name, p.name, p.name))
		}
		tmpl = strings.ReplaceAll(tmpl, "${"+p.name+"}", v)
	}
	bucket := "s3://" + testBucket + "/"
	rel, ok := strings.CutPrefix(tmpl, bucket)
	if !ok {
		problems = append(problems, fmt.Sprintf("%s: storage.location.template %q is not under %s", where, samples.params["storage.location.template"], bucket))
	}
	prefix := r.keyPrefix() + store.SamplePrefix(day, run, level)
	if !strings.HasPrefix(prefix, rel) {
		problems = append(problems, fmt.Sprintf("%s: storage.location.template gives %q for a partition; the store writes its files under %q (store_prefix + store.SamplePrefix)", where, rel, prefix))
	}
	if loc, _ := strings.CutPrefix(samples.location, bucket); !strings.HasPrefix(rel, loc) || loc == "" {
		problems = append(problems, fmt.Sprintf("%s: the partitions (%q) are not under the table's location %q", where, rel, samples.location))
	}

	// The trend table against the aggregator's per-level JSON lines.
	ls := tables["level_summaries"]
	if ls == nil {
		return append(problems, "no Glue table level_summaries (the trend view reads it)")
	}
	problems = append(problems, checkProjection(ls)...)
	if len(ls.partitions) != 1 || ls.partitions[0].name != "dt" {
		problems = append(problems, fmt.Sprintf("%s: partition keys %v: want dt only, so that queries over every run work", ls.block.addr(), ls.partitions))
	}
	if t, want := ls.params["storage.location.template"], "s3://"+testBucket+"/"+r.keyPrefix()+store.SummariesLocationTemplate; t != want {
		problems = append(problems, fmt.Sprintf("%s: storage.location.template %q: want %q (store_prefix + store.SummariesLocationTemplate; the aggregator writes %s)", ls.block.addr(), t, want, store.LevelLinesKey("YYYY-MM-DD", "<id>")))
	}
	if d := day.Format("2006-01-02"); !strings.HasPrefix(store.LevelLinesKey(d, run), strings.ReplaceAll(store.SummariesLocationTemplate, "${dt}", d)) {
		problems = append(problems, fmt.Sprintf("store.LevelLinesKey %q is not under its projection %q", store.LevelLinesKey(d, run), store.SummariesLocationTemplate))
	}
	cols := map[string]string{}
	for _, c := range ls.columns {
		cols[c.name] = c.typ
	}
	example := exampleSummary()
	for i, row := range levelSummaryRows(example) {
		for k, v := range row {
			typ, ok := cols[k]
			if !ok {
				problems = append(problems, fmt.Sprintf("%s lacks column %s of the level summary lines", ls.block.addr(), k))
				continue
			}
			if !jsonFits(v, typ) {
				problems = append(problems, fmt.Sprintf("%s: column %s is %s; line %d has %T %v", ls.block.addr(), k, typ, i, v, v))
			}
		}
		for k := range cols {
			if _, ok := row[k]; !ok {
				problems = append(problems, fmt.Sprintf("%s: column %s is not in the level summary lines", ls.block.addr(), k))
			}
		}
	}
	return problems
}

// checkProjection checks the partition projection of a table.
func checkProjection(t *glueTable) []string {
	var problems []string
	where := t.block.addr()
	if t.params["projection.enabled"] != "true" {
		problems = append(problems, fmt.Sprintf("%s: projection.enabled is not \"true\"", where))
	}
	tmpl := t.params["storage.location.template"]
	if !strings.HasSuffix(tmpl, "/") {
		problems = append(problems, fmt.Sprintf("%s: storage.location.template %q must end with /", where, tmpl))
	}
	for _, p := range t.partitions {
		typ := t.params["projection."+p.name+".type"]
		switch typ {
		case "date":
			for _, k := range []string{"format", "range"} {
				if t.params["projection."+p.name+"."+k] == "" {
					problems = append(problems, fmt.Sprintf("%s: date projection of %s has no %s", where, p.name, k))
				}
			}
		case "injected":
			if p.typ != "string" {
				problems = append(problems, fmt.Sprintf("%s: injected projection of %s needs type string, not %s", where, p.name, p.typ))
			}
		case "integer", "enum":
		default:
			problems = append(problems, fmt.Sprintf("%s: partition key %s has no projection type (projection.%s.type): Athena fails with missing projection configuration", where, p.name, p.name))
		}
		if !strings.Contains(tmpl, "${"+p.name+"}") {
			problems = append(problems, fmt.Sprintf("%s: storage.location.template %q does not place partition key %s", where, tmpl, p.name))
		}
	}
	return problems
}

// jsonFits reports whether a JSON value decodes into a Hive column type.
func jsonFits(v any, typ string) bool {
	if v == nil {
		return true
	}
	switch v.(type) {
	case string:
		return typ == "string"
	case bool:
		return typ == "boolean"
	case float64, int, int64:
		return typ == "double" || typ == "int" || typ == "bigint"
	}
	return false
}

// levelSummaryRows decodes what the aggregator writes to
// summaries/dt=…/run_id=….json (summary.LevelLines), one map per level.
func levelSummaryRows(s *summary.Summary) []map[string]any {
	var rows []map[string]any
	for _, line := range bytes.Split(bytes.TrimSpace(summary.LevelLines(s)), []byte("\n")) {
		var row map[string]any
		if err := json.Unmarshal(line, &row); err != nil {
			panic(err)
		}
		rows = append(rows, row)
	}
	return rows
}

// encodeLevelSummaries renders the rows as the file's bytes: JSON lines,
// keys sorted.
func encodeLevelSummaries(rows []map[string]any) []byte {
	var b bytes.Buffer
	for _, r := range rows {
		line, _ := json.Marshal(r) // map keys come out sorted
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func exampleSummary() *summary.Summary {
	f := func(x float64) *float64 { return &x }
	started := time.Date(2026, 11, 23, 6, 18, 36, 0, time.UTC)
	return &summary.Summary{
		RunID: "vllm-llama31-8b-20261123T061836Z-5314", Name: "vllm-llama31-8b", Platform: "aws", Engine: "athena",
		Target:    "openai http://vllm.internal:8000/v1 (chat, model llama31-8b)",
		StartedAt: started, FinishedAt: started.Add(5 * time.Minute),
		Levels: []summary.Level{
			{
				Concurrency: 32, Requests: 160, WarmupRequests: 32, OK: 160, DurationS: 10.75,
				AchievedConcurrency: 31.6, RequestThroughput: 14.88, OutputTokenThroughput: 952.1, InputTokenThroughput: 3809.3,
				GoodputRPS: 14.88, OutputTokens: 10240, InputTokens: 40960, TokenSource: "usage",
				TTFTMs:                   summary.Dist{N: 160, P50: 203, P90: 204.6, P95: 205, P99: 207.9},
				TPOTMs:                   summary.Dist{N: 160, P50: 30.8, P90: 31.2, P95: 31.4, P99: 31.9},
				ITLMs:                    summary.Dist{N: 10080, P50: 30.5, P90: 32, P95: 32.4, P99: 33},
				E2EMs:                    summary.Dist{N: 160, P50: 2144, P90: 2147, P95: 2148, P99: 2151},
				CostPer1MOutputTokensUSD: f(0.44), OutputTokensPerUSDHour: f(2262418.5),
			},
			{
				// Every request failed: no latency, no cost.
				Concurrency: 64, Requests: 12, Errors: 12, ErrorRate: 1, DurationS: 120, TokenSource: "usage",
			},
		},
	}
}

// readJSONLines reads a JSON-lines file.
func readJSONLines(path string) ([]map[string]any, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
		}
		out = append(out, m)
	}
	return out, sc.Err()
}

func sortedStrings(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
