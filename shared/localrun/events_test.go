package localrun_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/llmbench/llmbench/shared/localrun"
	"github.com/llmbench/llmbench/shared/workflow"
	"github.com/llmbench/llmbench/statemachine"
)

var update = flag.Bool("update", false, "rewrite events/steps/*.json from what the definition sends")

// stepTypes are the Go types of each function's input and output.
var stepTypes = map[string][2]any{
	"planner":    {workflow.PlanEvent{}, workflow.PlanOutput{}},
	"worker":     {workflow.WorkEvent{}, workflow.WorkOutput{}},
	"sweeper":    {workflow.SweepEvent{}, workflow.PlanOutput{}},
	"aggregator": {workflow.AggregateEvent{}, workflow.AggregateOutput{}},
}

const fixtures = "../../events/steps"

// recorder keeps the first payload each function got and returned.
type recorder struct {
	mu  sync.Mutex
	in  map[string][]byte
	out map[string][]byte
}

func (r *recorder) wrap(name string, h lambda.Handler) lambda.Handler {
	return handlerFunc(func(ctx context.Context, payload []byte) ([]byte, error) {
		out, err := h.Invoke(ctx, payload)
		r.mu.Lock()
		defer r.mu.Unlock()
		// Keep a failed worker's input (it shows the definition's Catch
		// path), and the first successful output.
		if _, ok := r.in[name]; !ok {
			r.in[name] = bytes.Clone(payload)
		}
		if _, ok := r.out[name]; !ok && err == nil {
			r.out[name] = bytes.Clone(out)
		}
		return out, err
	})
}

type handlerFunc func(ctx context.Context, payload []byte) ([]byte, error)

func (f handlerFunc) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	return f(ctx, payload)
}

// TestStepEventFixtures runs the definition (a sweep) with a slice that fails and
// records what each function was sent and answered. The fixtures in
// events/steps/ must have the same shape (every key path and JSON type)
// as those recordings, and decode strictly into the step's Go types: the
// definition, the fixtures and the Go types cannot drift apart.
func TestStepEventFixtures(t *testing.T) {
	// A sweep, so that every function runs: concurrency 1, then 8 on four
	// slices (one fails, within load.tolerated_failure_percent: 6 streams
	// still measure well above 1, even on a loaded machine under the race
	// detector), then one rate between
	// their measured rates.
	f := newEnv(t, `{"name":"fixtures","target":{"kind":"sim","profile":"fixed"},
	  "workload":{"input_tokens":8,"output_tokens":4},
	  "load":{"profile":"sweep","sweep_levels":1,"sweep_concurrency":8,"slice_concurrency":2,"duration":"300ms","tolerated_failure_percent":25}}`)
	rec := &recorder{in: map[string][]byte{}, out: map[string][]byte{}}
	fns := localrun.Functions(localrun.Steps{Planner: f.Planner, Worker: f.Worker, Sweeper: f.Sweeper, Aggregator: f.Aggregator})
	work := fns["worker"]
	fns["worker"] = handlerFunc(func(ctx context.Context, payload []byte) ([]byte, error) {
		var ev workflow.WorkEvent
		_ = json.Unmarshal(payload, &ev)
		if ev.LevelIndex == 1 && ev.Worker == 1 {
			return nil, errors.New("worker 1 ran out of memory")
		}
		return work.Invoke(ctx, payload)
	})
	for name, h := range fns {
		fns[name] = rec.wrap(name, h)
	}
	exec := execution(f, nil)
	exec.Functions = fns
	if _, err := exec.Run(context.Background(), "fixtures", f.Input); err != nil {
		t.Fatal(err)
	}
	for name, types := range stepTypes {
		for i, kind := range []string{"input", "output"} {
			got := rec.in[name]
			if i == 1 {
				got = rec.out[name]
			}
			if got == nil {
				t.Fatalf("%s: no %s recorded", name, kind)
			}
			path := filepath.Join(fixtures, name+"."+kind+".json")
			if *update {
				// Written as they would look in AWS: output is the bucket.
				var v any
				// As in AWS: the run's folder an S3 output, and the slices
				// Map's ResultWriter location in its bucket.
				aws := bytes.ReplaceAll(got, []byte(`"bucket":"`+workflow.LocalBucket+`","prefix":"`+f.Store.Root()+`/`), []byte(`"bucket":"llmbench-123456789012-us-east-1","prefix":"llmbench/`))
				_ = json.Unmarshal(bytes.ReplaceAll(aws, []byte(f.Store.Root()), []byte("s3://llmbench-123456789012-us-east-1/llmbench")), &v)
				b, _ := json.MarshalIndent(v, "", "  ")
				if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to write it)", err)
			}
			if err := decodeStrict(want, types[i]); err != nil {
				t.Errorf("%s does not decode strictly into %T: %v", path, types[i], err)
			}
			if g, w := shape(t, got), shape(t, want); !reflect.DeepEqual(g, w) {
				t.Errorf("%s: the definition's %s has shape\n  %v\nthe fixture\n  %v", path, kind, g, w)
			}
		}
	}
}

// TestMisspelledParameterFails: a Parameters key renamed in a copy of the
// definition reaches the worker as an unknown field, and the strict
// decoding fails the run, naming the key, instead of running level 0.
func TestMisspelledParameterFails(t *testing.T) {
	f := newEnv(t, `{"name":"typo","target":{"kind":"sim","profile":"fixed"},
	  "workload":{"input_tokens":8,"output_tokens":4},"load":{"levels":[2,3],"requests":4}}`)
	from := `"level_index.$": "$.level_index",
              "worker.$"`
	def := bytes.Replace(statemachine.Definition, []byte(from), []byte(strings.Replace(from, "level_index.$", "levle_index.$", 1)), 1)
	if bytes.Equal(def, statemachine.Definition) {
		t.Fatal("the definition no longer has the key this test renames")
	}
	_, err := execution(f, def).Run(context.Background(), "typo", f.Input)
	// The worker refuses the event; the definition's own Catch path then
	// cannot find level_index either, and the execution fails.
	if err == nil || !strings.Contains(err.Error(), "json: unknown field") || !strings.Contains(err.Error(), "levle_index") {
		t.Fatalf("err = %v; want the worker's refusal of the unknown field levle_index", err)
	}
	keys, err := f.Store.List(context.Background(), "samples/")
	if err != nil || len(keys) != 0 {
		t.Errorf("samples written with a misspelled event: %v %v", keys, err)
	}
}

func decodeStrict(b []byte, typ any) error {
	v := reflect.New(reflect.TypeOf(typ)).Interface()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// shape lists every key path of a JSON document with its type; array
// elements are merged, and the run spec inside the planner's input is one
// opaque object (package spec checks its own fields).
func shape(t *testing.T, b []byte) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	set := map[string]bool{}
	var walk func(p string, v any)
	walk = func(p string, v any) {
		switch x := v.(type) {
		case map[string]any:
			set[p+":object"] = true
			if p == ".spec" {
				return
			}
			for k, e := range x {
				walk(p+"."+k, e)
			}
		case []any:
			set[p+":array"] = true
			for _, e := range x {
				walk(p+"[]", e)
			}
		default:
			set[fmt.Sprintf("%s:%T", p, x)] = true
		}
	}
	walk("", v)
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
