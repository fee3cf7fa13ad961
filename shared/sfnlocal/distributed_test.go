package sfnlocal

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
)

// memWriter is an ObjectWriter keeping objects in memory.
type memWriter struct {
	mu      sync.Mutex
	objects map[string][]byte // "bucket/key"
	fail    bool
}

func (w *memWriter) PutObject(_ context.Context, bucket, key string, body []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.fail {
		return fmt.Errorf("access denied")
	}
	if w.objects == nil {
		w.objects = map[string][]byte{}
	}
	w.objects[bucket+"/"+key] = body
	return nil
}

func (w *memWriter) GetObject(_ context.Context, bucket, key string) ([]byte, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	b, ok := w.objects[bucket+"/"+key]
	if !ok {
		return nil, fmt.Errorf("NoSuchKey: %s/%s", bucket, key)
	}
	return b, nil
}

func (w *memWriter) keys() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for k := range w.objects {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// distMap is a one-state machine of a Distributed Map whose children run
// one Task of function w; fields are added to the Map.
func distMap(fields string) string {
	return machine1(`{"Type":"Map",` + fields + `"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"W","States":{
		"W":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:w","End":true}}},"End":true}`)
}

// distMapPass is a one-state machine of a Distributed Map whose children
// pass their input through; fields are added to the Map.
func distMapPass(fields string) string {
	return machine1(`{"Type":"Map",` + fields + `"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{
		"P":{"Type":"Pass","End":true}}},"End":true}`)
}

// TestItemReader: a Distributed Map's ItemReader reads its items from the
// JSON array in the object its Parameters name (evaluated on the state's
// input), 10,000 of them here, past the 1,000 States.ArrayRange can make;
// MaxItems and MaxItemsPath cut the list; a missing object, or one that is
// not a JSON array, is States.ItemReaderFailed, which a Catch can handle.
func TestItemReader(t *testing.T) {
	reader := func(limit string) string {
		return `"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"` + limit + `},"Parameters":{"Bucket.$":"$.b","Key.$":"$.k"}},` +
			`"ItemSelector":{"v.$":"$$.Map.Item.Value","i.$":"$$.Map.Item.Index"},`
	}
	many := make([]int, 10000)
	for i := range many {
		many[i] = 3 * i
	}
	manyJSON, _ := json.Marshal(many)
	objects := &memWriter{objects: map[string][]byte{
		"bkt/many.json":   manyJSON,
		"bkt/five.json":   []byte(`["a","b","c","d","e"]`),
		"bkt/object.json": []byte(`{"items":[1,2]}`),
		"bkt/broken.json": []byte(`[1,2`),
	}}
	tests := []struct {
		name, limit, input string
		want               int    // items run
		err                string // States.ItemReaderFailed cause, if any
	}{
		{"10,000 items", ``, `{"b":"bkt","k":"many.json"}`, 10000, ""},
		{"MaxItems", `,"MaxItems":3`, `{"b":"bkt","k":"five.json"}`, 3, ""},
		{"MaxItems above the list", `,"MaxItems":30`, `{"b":"bkt","k":"five.json"}`, 5, ""},
		{"MaxItemsPath", `,"MaxItemsPath":"$.n"`, `{"b":"bkt","k":"five.json","n":2}`, 2, ""},
		{"bad MaxItemsPath", `,"MaxItemsPath":"$.n"`, `{"b":"bkt","k":"five.json","n":"two"}`, 0, "MaxItemsPath '$.n' must point to a non-negative integer"},
		{"missing object", ``, `{"b":"bkt","k":"gone.json"}`, 0, "reading s3://bkt/gone.json: NoSuchKey"},
		{"not an array", ``, `{"b":"bkt","k":"object.json"}`, 0, "s3://bkt/object.json must hold a JSON array, got object"},
		{"not JSON", ``, `{"b":"bkt","k":"broken.json"}`, 0, "s3://bkt/broken.json is not JSON"},
		{"empty key", ``, `{"b":"bkt","k":""}`, 0, "Bucket and Key must be non-empty strings"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := run(t, distMapPass(reader(tc.limit)), Options{ItemReader: objects}, tc.input)
			if tc.err != "" {
				ee := execErr(t, err, ErrItemReaderFailed, "S")
				if !strings.Contains(ee.Cause, tc.err) {
					t.Errorf("cause %q lacks %q", ee.Cause, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []struct {
				V any `json:"v"`
				I int `json:"i"`
			}
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatal(err)
			}
			if len(got) != tc.want {
				t.Fatalf("%d items run, want %d", len(got), tc.want)
			}
			var list []any
			_ = json.Unmarshal(objects.objects["bkt/"+strings.Split(strings.Split(tc.input, `"k":"`)[1], `"`)[0]], &list)
			for i, g := range got {
				if g.I != i || fmt.Sprint(g.V) != fmt.Sprint(list[i]) {
					t.Fatalf("item %d: index %d value %v, want %d %v", i, g.I, g.V, i, list[i])
				}
			}
		})
	}
	// A Catch handles States.ItemReaderFailed like any other error.
	def := `{"StartAt":"S","States":{"S":{"Type":"Map",` + reader(``) + `"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},
		"Catch":[{"ErrorEquals":["States.ItemReaderFailed"],"ResultPath":"$.err","Next":"C"}],"End":true},"C":{"Type":"Pass","OutputPath":"$.err.Error","End":true}}}`
	out, err := run(t, def, Options{ItemReader: objects}, `{"b":"bkt","k":"gone.json"}`)
	if err != nil || out != `"States.ItemReaderFailed"` {
		t.Errorf("caught: %s, %v", out, err)
	}
}

// TestDistributedContext: each child is an execution of its own ($$.Execution
// is the child's, its state machine the Map Run's), while the ItemSelector
// is evaluated in the Map state's context: $$.State.EnteredTime is the
// Map's entered time for every child, not the child's own.
func TestDistributedContext(t *testing.T) {
	def := `{"StartAt":"Wait","States":{"Wait":{"Type":"Wait","Seconds":5,"Next":"M"},
		"M":{"Type":"Map","ItemSelector":{"i.$":"$$.Map.Item.Index","v.$":"$$.Map.Item.Value","mapEntered.$":"$$.State.EnteredTime","parent.$":"$$.Execution.Name"},
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{
			"P":{"Type":"Pass","Parameters":{"i.$":"$.i","v.$":"$.v","mapEntered.$":"$.mapEntered","parent.$":"$.parent",
				"childInput.$":"$$.Execution.Input.i","sm.$":"$$.StateMachine.Name","idHasMap.$":"States.ArrayContains(States.StringSplit($$.Execution.Id, ':'), 'sfnlocal/M')"},"End":true}}},
		"End":true}}}`
	clock := newFakeClock()
	m := mustLoad(t, def, Options{Clock: clock})
	out, err := m.Execute(context.Background(), "run-1", []byte(`["a","b","c"]`))
	if err != nil {
		t.Fatal(err)
	}
	// The Wait moved the clock 5 s: the Map was entered at :41.
	jsonEq(t, string(out), `[
		{"i":0,"v":"a","mapEntered":"2026-11-23T06:18:41.000Z","parent":"run-1","childInput":0,"sm":"sfnlocal/M","idHasMap":true},
		{"i":1,"v":"b","mapEntered":"2026-11-23T06:18:41.000Z","parent":"run-1","childInput":1,"sm":"sfnlocal/M","idHasMap":true},
		{"i":2,"v":"c","mapEntered":"2026-11-23T06:18:41.000Z","parent":"run-1","childInput":2,"sm":"sfnlocal/M","idHasMap":true}]`)
}

// TestDistributedConcurrency: MaxConcurrency 0 (or absent) runs every
// item at once up to 10,000, past the inline ceiling of 40; a limit holds.
func TestDistributedConcurrency(t *testing.T) {
	tests := []struct {
		name   string
		fields string
		items  int
		want   int
	}{
		// 0 is 10,000 at once: 100 items all run together.
		{"0 is unbounded", `"MaxConcurrency":0,`, 100, 100},
		// Absent is the same.
		{"absent", ``, 60, 60},
		// A limit is kept.
		{"limit", `"MaxConcurrency":7,`, 30, 7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := newGauge(tc.want)
			in, want := items(tc.items)
			got, err := run(t, distMap(tc.fields), Options{Functions: fns(map[string]any{"w": g.handler})}, in)
			if err != nil {
				t.Fatal(err)
			}
			jsonEq(t, got, want)
			if g.max != tc.want {
				t.Errorf("at most %d at once, want %d", g.max, tc.want)
			}
		})
	}
}

// failOdd fails the items whose number is in fail.
func failSome(fail map[int]bool) func(context.Context, int) (int, error) {
	return func(_ context.Context, n int) (int, error) {
		if fail[n] {
			return 0, fmt.Errorf("item %d broke", n)
		}
		return n * 10, nil
	}
}

// TestToleratedFailures: failed children against ToleratedFailureCount and
// ToleratedFailurePercentage (of all items), literal or from the input;
// past either the Map fails with States.ExceedToleratedFailureThreshold.
func TestToleratedFailures(t *testing.T) {
	tests := []struct {
		name   string
		fields string
		input  string // items are {"items": [0..9]} plus this
		failed int    // items 0..failed-1 fail
		exceed bool
	}{
		// Neither given: no failure is tolerated.
		{"default none", ``, ``, 1, true},
		{"default ok", ``, ``, 0, false},
		// 20% of 10 items tolerates 2 failures, not 3.
		{"pct at", `"ToleratedFailurePercentage":20,`, ``, 2, false},
		{"pct past", `"ToleratedFailurePercentage":20,`, ``, 3, true},
		// A count of 1 tolerates one.
		{"count at", `"ToleratedFailureCount":1,`, ``, 1, false},
		{"count past", `"ToleratedFailureCount":1,`, ``, 2, true},
		// Both: past either fails (count 5 holds, 10% does not).
		{"both", `"ToleratedFailureCount":5,"ToleratedFailurePercentage":10,`, ``, 2, true},
		// From the input.
		{"pct path at", `"ToleratedFailurePercentagePath":"$.tol",`, `,"tol":50`, 5, false},
		{"pct path past", `"ToleratedFailurePercentagePath":"$.tol",`, `,"tol":50`, 6, true},
		{"count path", `"ToleratedFailureCountPath":"$.tol",`, `,"tol":0`, 1, true},
		// 100% tolerates all.
		{"all", `"ToleratedFailurePercentage":100,`, ``, 10, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fail := map[int]bool{}
			for i := 0; i < tc.failed; i++ {
				fail[i] = true
			}
			def := distMap(`"ItemsPath":"$.items","MaxConcurrency":1,` + tc.fields)
			got, err := run(t, def, Options{Functions: fns(map[string]any{"w": failSome(fail)})}, `{"items":[0,1,2,3,4,5,6,7,8,9]`+tc.input+`}`)
			if tc.exceed {
				ee := execErr(t, err, ErrExceedToleratedFailure, "S")
				if !strings.Contains(ee.Cause, fmt.Sprintf("%d of 10 child executions failed", tc.failed)) {
					t.Errorf("cause %q", ee.Cause)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var out []any
			if err := json.Unmarshal([]byte(got), &out); err != nil || len(out) != 10 {
				t.Fatalf("output %s", got)
			}
			for i, v := range out {
				switch {
				case fail[i] && v != nil:
					t.Errorf("failed item %d has result %v", i, v)
				case !fail[i] && v != float64(i*10):
					t.Errorf("item %d: %v", i, v)
				}
			}
		})
	}
}

// TestToleratedPathBad: a tolerance path that is not a number in range
// is States.Runtime.
func TestToleratedPathBad(t *testing.T) {
	for _, in := range []string{`{"items":[1],"tol":101}`, `{"items":[1],"tol":"x"}`, `{"items":[1]}`} {
		_, err := run(t, distMap(`"ItemsPath":"$.items","ToleratedFailurePercentagePath":"$.tol",`), Options{Functions: fns(map[string]any{"w": failSome(nil)})}, in)
		execErr(t, err, ErrRuntime, "S")
	}
}

// TestResultWriter: the children's results go to
// <Prefix>/<map run id>/SUCCEEDED_0.json and FAILED_0.json under a
// manifest.json, and the state's result is {MapRunArn, ResultWriterDetails}.
func TestResultWriter(t *testing.T) {
	w := &memWriter{}
	def := distMap(`"ItemsPath":"$.items","ToleratedFailureCount":1,"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"bkt","Prefix.$":"$.prefix"}},`)
	got, err := run(t, def, Options{Functions: fns(map[string]any{"w": failSome(map[int]bool{2: true})}), ResultWriter: w},
		`{"items":[0,1,2],"prefix":"runs/r1/results"}`)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		MapRunArn           string
		ResultWriterDetails struct{ Bucket, Key string }
	}
	if err := json.Unmarshal([]byte(got), &out); err != nil {
		t.Fatal(err)
	}
	id := out.MapRunArn[strings.LastIndexByte(out.MapRunArn, ':')+1:]
	if !strings.HasPrefix(out.MapRunArn, "arn:aws:states:us-east-1:000000000000:mapRun:sfnlocal/S:") || len(id) != 36 {
		t.Errorf("MapRunArn %q", out.MapRunArn)
	}
	dir := "runs/r1/results/" + id + "/"
	if out.ResultWriterDetails.Bucket != "bkt" || out.ResultWriterDetails.Key != dir+"manifest.json" {
		t.Errorf("ResultWriterDetails %+v", out.ResultWriterDetails)
	}
	if k, want := strings.Join(w.keys(), " "), "bkt/"+dir+"FAILED_0.json bkt/"+dir+"SUCCEEDED_0.json bkt/"+dir+"manifest.json"; k != want {
		t.Fatalf("objects %s, want %s", k, want)
	}
	var manifest struct {
		DestinationBucket, MapRunArn string
		ResultFiles                  map[string][]struct {
			Key  string
			Size int
		}
	}
	if err := json.Unmarshal(w.objects["bkt/"+dir+"manifest.json"], &manifest); err != nil {
		t.Fatal(err)
	}
	succ := w.objects["bkt/"+dir+"SUCCEEDED_0.json"]
	if manifest.DestinationBucket != "bkt" || manifest.MapRunArn != out.MapRunArn || len(manifest.ResultFiles["PENDING"]) != 0 ||
		len(manifest.ResultFiles["SUCCEEDED"]) != 1 || manifest.ResultFiles["SUCCEEDED"][0].Key != dir+"SUCCEEDED_0.json" ||
		manifest.ResultFiles["SUCCEEDED"][0].Size != len(succ) || len(manifest.ResultFiles["FAILED"]) != 1 {
		t.Errorf("manifest %s", w.objects["bkt/"+dir+"manifest.json"])
	}
	var ok, failed []childResult
	if err := json.Unmarshal(succ, &ok); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(w.objects["bkt/"+dir+"FAILED_0.json"], &failed); err != nil {
		t.Fatal(err)
	}
	if len(ok) != 2 || len(failed) != 1 {
		t.Fatalf("%d succeeded, %d failed", len(ok), len(failed))
	}
	for _, r := range ok {
		if r.Status != "SUCCEEDED" || r.Output == nil || *r.Output != fmt.Sprint(10*atoi(t, r.Input)) || !strings.HasSuffix(r.ExecutionArn, ":"+r.Name) {
			t.Errorf("succeeded %+v", r)
		}
	}
	f := failed[0]
	if f.Status != "FAILED" || f.Input != "2" || f.Error == nil || *f.Error != "errorString" || f.Cause == nil || !strings.Contains(*f.Cause, "item 2 broke") || f.Output != nil {
		t.Errorf("failed %+v", f)
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestResultWriterOnFailure: a Map Run past its tolerance still exports
// what its children did, and a write that fails is States.ResultWriterFailed.
func TestResultWriterOnFailure(t *testing.T) {
	def := distMap(`"MaxConcurrency":1,"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"bkt","Prefix":"p"}},`)
	w := &memWriter{}
	_, err := run(t, def, Options{Functions: fns(map[string]any{"w": failSome(map[int]bool{1: true})}), ResultWriter: w}, `[0,1,2]`)
	execErr(t, err, ErrExceedToleratedFailure, "S")
	if n := len(w.keys()); n != 3 { // manifest, SUCCEEDED (item 0), FAILED (item 1); item 2 never started
		t.Errorf("objects %v", w.keys())
	}
	_, err = run(t, def, Options{Functions: fns(map[string]any{"w": failSome(nil)}), ResultWriter: &memWriter{fail: true}}, `[0]`)
	execErr(t, err, ErrResultWriterFailed, "S")
}

// TestDistributedHistory: the Map's execution writes MapRunStarted and
// MapRunSucceeded, no iteration events; each child has its own history.
func TestDistributedHistory(t *testing.T) {
	var h History
	var mu sync.Mutex
	var types []string
	observer := func(e Event) {
		h.Observe(e)
		if e.Execution == "" {
			mu.Lock()
			types = append(types, string(e.Type))
			mu.Unlock()
		}
	}
	_, err := run(t, distMap(``), Options{Functions: fns(map[string]any{"w": failSome(nil)}), Observer: observer}, `[0,1,2,3]`)
	if err != nil {
		t.Fatal(err)
	}
	want := "ExecutionStarted StateEntered MapRunStarted MapRunSucceeded StateExited ExecutionSucceeded"
	if got := strings.Join(types, " "); got != want {
		t.Errorf("parent events %s, want %s", got, want)
	}
	// ExecutionStarted, MapStateEntered, MapStateStarted, MapRunStarted,
	// MapRunSucceeded, MapStateSucceeded, MapStateExited, ExecutionSucceeded.
	if h.Events() != 8 {
		t.Errorf("parent history %d events, want 8", h.Events())
	}
	children := h.Children()
	if len(children) != 4 {
		t.Fatalf("%d child histories", len(children))
	}
	for arn, n := range children {
		// ExecutionStarted, TaskStateEntered, TaskScheduled, TaskStarted,
		// TaskSucceeded, TaskStateExited, ExecutionSucceeded.
		if n != 7 || !strings.Contains(arn, ":execution:sfnlocal/S:") {
			t.Errorf("child %s: %d events, want 7", arn, n)
		}
	}
}

// TestMapRunEvents: MapRunStarted tells how many items the Map Run has,
// and each child's ExecutionStarted and ending event name that Map Run, so
// that an Observer can count its items (the Step Functions fake answers
// DescribeMapRun from them).
func TestMapRunEvents(t *testing.T) {
	var mu sync.Mutex
	var runArn string
	items := -1
	byType := map[EventType]int{}
	observer := func(e Event) {
		mu.Lock()
		defer mu.Unlock()
		switch {
		case e.Type == MapRunStarted:
			runArn, items = e.MapRunArn, e.MapRunItems
		case e.Execution != "" && (e.Type == ExecutionStarted || e.Type == ExecutionSucceeded || e.Type == ExecutionFailed):
			if e.MapRunArn != runArn || runArn == "" {
				t.Errorf("child %s %s names Map Run %q, want %q", e.Execution, e.Type, e.MapRunArn, runArn)
			}
			byType[e.Type]++
		case e.Execution != "" && e.MapRunArn != "":
			t.Errorf("child %s event %s names Map Run %q", e.Execution, e.Type, e.MapRunArn)
		}
	}
	_, err := run(t, distMap(`"ToleratedFailureCount":1,`), Options{Functions: fns(map[string]any{"w": failSome(map[int]bool{2: true})}), Observer: observer}, `[0,1,2,3,4]`)
	if err != nil {
		t.Fatal(err)
	}
	if items != 5 || byType[ExecutionStarted] != 5 || byType[ExecutionSucceeded] != 4 || byType[ExecutionFailed] != 1 {
		t.Errorf("MapRunStarted with %d items; children %v; want 5 items, 5 started, 4 succeeded, 1 failed", items, byType)
	}
}

// TestChildHistoryLimit: a child whose history reaches 25,000 events fails
// with States.Runtime, as Step Functions fails an execution, and the Map
// with it; the loop's own count says where.
func TestChildHistoryLimit(t *testing.T) {
	def := machine1(`{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"Inc","States":{
		"Inc":{"Type":"Pass","Parameters":{"n.$":"States.MathAdd($.n, 1)"},"Next":"Loop"},
		"Loop":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericLessThan":100000,"Next":"Inc"}],"Default":"Done"},
		"Done":{"Type":"Succeed"}}},"ToleratedFailureCount":1,"End":true}`)
	var h History
	_, err := run(t, def, Options{Observer: h.Observe}, `[{"n":0},{"n":99990}]`)
	if err != nil {
		t.Fatal(err) // one failure is tolerated
	}
	var long, short int
	for _, n := range h.Children() {
		if n > 1000 {
			long = n
		} else {
			short = n
		}
	}
	// 1 + 4 per loop + the failure: the execution stops at its 25,000th event.
	if long != MaxHistoryEvents {
		t.Errorf("the long child wrote %d events, want %d", long, MaxHistoryEvents)
	}
	if short != 1+4*10+2+1 { // ExecutionStarted, 10 loops, Succeed entered/exited, ExecutionSucceeded
		t.Errorf("the short child wrote %d events", short)
	}
	// Without tolerance the Map fails; the cause names the child's error.
	_, err = run(t, strings.Replace(def, `"ToleratedFailureCount":1,`, ``, 1), Options{}, `[{"n":0}]`)
	ee := execErr(t, err, ErrExceedToleratedFailure, "S")
	if !strings.Contains(ee.Cause, "States.Runtime: The execution reached the maximum number of history events (25000).") {
		t.Errorf("cause %q", ee.Cause)
	}
}

// TestDistributedLoadErrors: what Load refuses of a Distributed Map.
func TestDistributedLoadErrors(t *testing.T) {
	rw := `"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"b","Prefix":"p"}},`
	inline := machine1(`{"Type":"Map","ToleratedFailurePercentage":5,"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}`)
	tests := []struct {
		name, def, want string
		writer          bool
	}{
		{"no writer", distMap(rw), "ResultWriter needs Options.ResultWriter", false},
		{"inline tolerance", inline, "ToleratedFailurePercentage is for a Distributed Map only", true},
		{"pct range", distMap(`"ToleratedFailurePercentage":101,`), "from 0 to 100", true},
		{"both", distMap(`"ToleratedFailureCount":1,"ToleratedFailureCountPath":"$.x",`), "are exclusive", true},
		{"resource", distMap(strings.Replace(rw, "s3:putObject", "s3:getObject", 1)), "ResultWriter.Resource must be", true},
		{"no bucket", distMap(strings.Replace(rw, `"Bucket":"b",`, ``, 1)), "needs a Bucket", true},
		{"writer config", distMap(`"ResultWriter":{"WriterConfig":{"OutputType":"JSON"}},`), "unsupported by sfnlocal: ResultWriter.WriterConfig", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := Options{Functions: fns(map[string]any{"w": failSome(nil)})}
			if tc.writer {
				opts.ResultWriter = &memWriter{}
			}
			_, err := Load([]byte(tc.def), opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Load: %v, want %q", err, tc.want)
			}
		})
	}
}
