package sfnlocal

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

// gauge counts handlers running at once. Each call waits until want calls
// run together (then the gate stays open), so reaching want proves the
// concurrency and max proves it was never exceeded.
type gauge struct {
	mu      sync.Mutex
	running int
	max     int
	want    int
	gate    chan struct{}
	open    bool
	order   []int
}

func newGauge(want int) *gauge { return &gauge{want: want, gate: make(chan struct{})} }

func (g *gauge) handler(ctx context.Context, n int) (string, error) {
	g.mu.Lock()
	g.running++
	g.order = append(g.order, n)
	g.max = max(g.max, g.running)
	if g.running == g.want && !g.open {
		g.open = true
		close(g.gate)
	}
	g.mu.Unlock()
	select {
	case <-g.gate:
	case <-time.After(5 * time.Second): // watchdog only; never reached when correct
		return "", fmt.Errorf("only %d of %d ran at once", g.running, g.want)
	}
	g.mu.Lock()
	g.running--
	g.mu.Unlock()
	return fmt.Sprintf("item-%d", n), nil
}

func mapDef(concurrency string) string {
	return machine1(`{"Type":"Map",` + concurrency + `"ItemProcessor":{"StartAt":"W","States":{
		"W":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:w","End":true}}},"End":true}`)
}

func items(n int) (string, string) {
	in, out := make([]string, n), make([]string, n)
	for i := range in {
		in[i] = fmt.Sprint(i)
		out[i] = fmt.Sprintf(`"item-%d"`, i)
	}
	return "[" + strings.Join(in, ",") + "]", "[" + strings.Join(out, ",") + "]"
}

func TestMapConcurrency(t *testing.T) {
	tests := []struct {
		name        string
		concurrency string
		inline      int // Options.MaxInlineConcurrency
		items       int
		want        int // most iterations at once
	}{
		// MaxConcurrency 3: three at once, never more.
		{"max 3", `"MaxConcurrency":3,`, 0, 10, 3},
		// 0 means unbounded, but AWS's inline ceiling of 40 applies.
		{"0 is 40", `"MaxConcurrency":0,`, 0, 100, 40},
		// Absent is the same as 0.
		{"absent is 40", ``, 0, 60, 40},
		// Above the ceiling is the ceiling.
		{"100 is 40", `"MaxConcurrency":100,`, 0, 50, 40},
		// The ceiling is an option.
		{"option ceiling", `"MaxConcurrency":0,`, 5, 12, 5},
		// MaxConcurrencyPath reads the limit from the input.
		{"path", `"MaxConcurrencyPath":"$.limit","ItemsPath":"$.items",`, 0, 9, 4},
		// Fewer items than the limit.
		{"few items", `"MaxConcurrency":8,`, 0, 2, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := newGauge(tc.want)
			in, want := items(tc.items)
			if strings.Contains(tc.concurrency, "ItemsPath") {
				in = fmt.Sprintf(`{"limit":%d,"items":%s}`, tc.want, in)
			}
			opts := Options{Functions: fns(map[string]any{"w": g.handler}), MaxInlineConcurrency: tc.inline}
			got, err := run(t, mapDef(tc.concurrency), opts, in)
			if err != nil {
				t.Fatal(err)
			}
			jsonEq(t, got, want) // results in item order
			if g.max != tc.want {
				t.Errorf("at most %d at once, want %d", g.max, tc.want)
			}
		})
	}
}

// TestMapSequential: MaxConcurrency 1 runs items one by one, in order.
func TestMapSequential(t *testing.T) {
	g := newGauge(1)
	in, want := items(20)
	got, err := run(t, mapDef(`"MaxConcurrency":1,`), Options{Functions: fns(map[string]any{"w": g.handler})}, in)
	if err != nil {
		t.Fatal(err)
	}
	jsonEq(t, got, want)
	for i, n := range g.order {
		if n != i {
			t.Fatalf("order %v", g.order)
		}
	}
	if g.max != 1 {
		t.Fatalf("max %d", g.max)
	}
}

// TestNewHandlerIsSafe: a handler straight from lambda.NewHandler reuses
// its output buffer; sfnlocal serializes it so concurrent items keep
// their own results.
func TestNewHandlerIsSafe(t *testing.T) {
	h := lambda.NewHandler(func(n int) (string, error) { return strings.Repeat(fmt.Sprint(n%10), 50+n), nil })
	in, _ := items(200)
	got, err := run(t, mapDef(``), Options{Functions: map[string]lambda.Handler{"w": h}}, in)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]string, 200)
	for n := range want {
		want[n] = `"` + strings.Repeat(fmt.Sprint(n%10), 50+n) + `"`
	}
	jsonEq(t, got, "["+strings.Join(want, ",")+"]")
}

// TestLambdaInvoke: the optimized integration's wrapper, OutputPath
// $.Payload, FunctionName as an ARN or a path, a missing Payload as {}.
func TestLambdaInvoke(t *testing.T) {
	echo := func(ctx context.Context, in map[string]any) (map[string]any, error) {
		return map[string]any{"got": in}, nil
	}
	functions := fns(map[string]any{"echo": echo})
	tests := []struct {
		name, fields, input, want string
	}{
		// OutputPath $.Payload unwraps the function output.
		{"payload", `"Parameters":{"FunctionName":"arn:aws:lambda:us-east-1:000000000000:function:echo:$LATEST","Payload.$":"$.in"},"OutputPath":"$.Payload"`,
			`{"in":{"a":1}}`, `{"got":{"a":1}}`},
		// A name, a Payload template, and ResultSelector instead of OutputPath.
		{"selector", `"Parameters":{"FunctionName":"echo","Payload":{"x.$":"$.in.a"}},"ResultSelector":{"p.$":"$.Payload","code.$":"$.StatusCode"}`,
			`{"in":{"a":1}}`, `{"p":{"got":{"x":1}},"code":200}`},
		// FunctionName from the input; no Payload sends {}.
		{"dynamic", `"Parameters":{"FunctionName.$":"$.fn"},"OutputPath":"$.Payload"`, `{"fn":"echo"}`, `{"got":{}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			def := machine1(`{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",` + tc.fields + `,"End":true}`)
			got, err := run(t, def, Options{Functions: functions}, tc.input)
			if err != nil {
				t.Fatal(err)
			}
			jsonEq(t, got, tc.want)
		})
	}
	// The whole wrapper.
	got, err := run(t, machine1(`{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"echo","Payload":{}},"End":true}`),
		Options{Functions: functions}, `{}`)
	if err != nil {
		t.Fatal(err)
	}
	w, _ := parseJSON([]byte(got))
	wm := w.(map[string]any)
	for _, k := range []string{"ExecutedVersion", "Payload", "SdkHttpMetadata", "SdkResponseMetadata", "StatusCode"} {
		if _, ok := wm[k]; !ok {
			t.Errorf("wrapper lacks %s: %s", k, got)
		}
	}
	if wm["ExecutedVersion"] != "$LATEST" || wm["StatusCode"] != int64(200) {
		t.Errorf("wrapper %s", got)
	}
}

// TestObserverAndContext: events carry state, path and map index; the
// context object has the execution and state fields.
func TestObserverAndContext(t *testing.T) {
	def := `{"StartAt":"M","States":{
		"M":{"Type":"Map","ItemSelector":{"i.$":"$$.Map.Item.Index"},"ItemProcessor":{"StartAt":"P","States":{
			"P":{"Type":"Pass","Parameters":{"i.$":"$.i","name.$":"$$.State.Name","exec.$":"$$.Execution.Name","id.$":"$$.Execution.Id",
				"sm.$":"$$.StateMachine.Name","start.$":"$$.Execution.StartTime","entered.$":"$$.State.EnteredTime","input.$":"$$.Execution.Input"},"End":true}}},
		"Next":"W"},
		"W":{"Type":"Wait","Seconds":30,"End":true}}}`
	var mu sync.Mutex
	var types []string
	observer := func(e Event) {
		mu.Lock()
		defer mu.Unlock()
		if e.MapIndex >= 0 {
			types = append(types, fmt.Sprintf("%s %s %d", e.Type, e.Path, e.MapIndex))
		} else {
			types = append(types, fmt.Sprintf("%s %s", e.Type, e.Path))
		}
	}
	clock := newFakeClock()
	m := mustLoad(t, def, Options{Observer: observer, Clock: clock})
	out, err := m.Execute(context.Background(), "run-7", []byte(`[10]`))
	if err != nil {
		t.Fatal(err)
	}
	jsonEq(t, string(out), `[{"i":0,"name":"P","exec":"run-7","id":"arn:aws:states:us-east-1:000000000000:execution:sfnlocal:run-7",
		"sm":"sfnlocal","start":"2026-11-23T06:18:36.000Z","entered":"2026-11-23T06:18:36.000Z","input":[10]}]`)
	want := []string{"ExecutionStarted ", "StateEntered M", "MapIterationStarted M 0", "StateEntered M[0]/P 0", "StateExited M[0]/P 0",
		"MapIterationSucceeded M 0", "StateExited M", "StateEntered W", "StateExited W", "ExecutionSucceeded "}
	if strings.Join(types, "|") != strings.Join(want, "|") {
		t.Errorf("events\n%s\nwant\n%s", strings.Join(types, "\n"), strings.Join(want, "\n"))
	}
	if s := clock.slept(); len(s) != 1 || s[0] != 30*time.Second {
		t.Errorf("Wait slept %v", s)
	}
}
