package sfnlocal

import (
	"context"
	"testing"

	"github.com/aws/aws-lambda-go/lambda/messages"
)

// TestV1PayloadTemplate evaluates the spec's Payload Template example with
// a context object holding DayOfWeek.
func TestV1PayloadTemplate(t *testing.T) {
	tpl := `{"flagged": true, "parts": {"first.$": "$.vals[0]", "last3.$": "$.vals[-3:]"},
		"weekday.$": "$$.DayOfWeek", "formattedOutput.$": "States.Format('Today is {}', $$.DayOfWeek)"}`
	v, _ := parseJSON([]byte(tpl))
	var errs []string
	tp := compileTemplate(v, &errs)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	in, _ := parseJSON([]byte(`{"flagged": 7, "vals": [0, 10, 20, 30, 40, 50]}`))
	out, err := tp.eval(&evalEnv{input: in, context: map[string]any{"DayOfWeek": "TUESDAY"}})
	if err != nil {
		t.Fatal(err.name, err.cause)
	}
	jsonEq(t, string(encodeJSON(out)), `{"flagged": true, "parts": {"first": 0, "last3": [30, 40, 50]},
		"weekday": "TUESDAY", "formattedOutput": "Today is TUESDAY"}`)
}

// TestDataFlowVectors covers V2–V5 with Pass states and small tasks.
func TestDataFlowVectors(t *testing.T) {
	hello := func(in struct{ Who string }) (string, error) { return "Hello, " + in.Who + "!", nil }
	adder := func(in map[string]int) (int, error) { return in["val1"] + in["val2"], nil }
	functions := fns(map[string]any{"hello": hello, "adder": adder})
	task := func(fn, fields string) string {
		return machine1(`{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:` + fn + `",` + fields + `"End":true}`)
	}
	v4in := `{"comment":"This is a test of the input and output of a Task state.","details":"Default example","who":"AWS Step Functions"}`
	tests := []struct {
		name, def, input, want string
	}{
		// V2: a result replaces the array it names.
		{"V2 replace", machine1(`{"Type":"Pass","Result":6,"ResultPath":"$.master.detail","End":true}`),
			`{"master":{"detail":[1,2,3]}}`, `{"master":{"detail":6}}`},
		// V2: ResultPath creates the objects on its way.
		{"V2 create", machine1(`{"Type":"Pass","Result":6,"ResultPath":"$.master.result.sum","End":true}`),
			`{"master":{"detail":[1,2,3]}}`, `{"master":{"detail":[1,2,3],"result":{"sum":6}}}`},
		// V2: InputPath selects the task input, ResultPath writes into the raw input.
		{"V2 adder", task("adder", `"InputPath":"$.numbers","ResultPath":"$.sum",`),
			`{"title":"Numbers to add","numbers":{"val1":3,"val2":4}}`,
			`{"title":"Numbers to add","numbers":{"val1":3,"val2":4},"sum":7}`},
		// V3: InputPath + ResultPath + OutputPath.
		{"V3", task("hello", `"InputPath":"$.lambda","ResultPath":"$.data.lambdaresult","OutputPath":"$.data",`),
			`{"comment":"An input comment.","data":{"val1":23,"val2":17},"extra":"foo","lambda":{"who":"AWS Step Functions"}}`,
			`{"val1":23,"val2":17,"lambdaresult":"Hello, AWS Step Functions!"}`},
		// V4: ResultPath absent: the output is the result.
		{"V4 absent", task("hello", ``), v4in, `"Hello, AWS Step Functions!"`},
		// V4: ResultPath "$" is the same.
		{"V4 root", task("hello", `"ResultPath":"$",`), v4in, `"Hello, AWS Step Functions!"`},
		// V4: ResultPath null keeps the input.
		{"V4 null", task("hello", `"ResultPath":null,`), v4in, v4in},
		// V4: a new field.
		{"V4 taskresult", task("hello", `"ResultPath":"$.taskresult",`), v4in,
			`{"comment":"This is a test of the input and output of a Task state.","details":"Default example","who":"AWS Step Functions","taskresult":"Hello, AWS Step Functions!"}`},
		// V4: an existing field is replaced.
		{"V4 comment", task("hello", `"ResultPath":"$.comment",`), v4in,
			`{"comment":"Hello, AWS Step Functions!","details":"Default example","who":"AWS Step Functions"}`},
		// V4: a field inside a nested object.
		{"V4 nested", task("hello", `"ResultPath":"$.strings.lambdaresult",`),
			`{"comment":"An input comment.","strings":{"string1":"foo","string2":"bar","string3":"baz"},"who":"AWS Step Functions"}`,
			`{"comment":"An input comment.","strings":{"string1":"foo","string2":"bar","string3":"baz","lambdaresult":"Hello, AWS Step Functions!"},"who":"AWS Step Functions"}`},
		// V5: Parameters with static and ".$" fields.
		{"V5 parameters", machine1(`{"Type":"Pass","Parameters":{"comment":"Selecting what I care about.","MyDetails":{"size.$":"$.product.details.size","exists.$":"$.product.availability","StaticValue":"foo"}},"End":true}`),
			`{"comment":"Example for Parameters.","product":{"details":{"color":"blue","size":"small","material":"cotton"},"availability":"in stock","sku":"2317","cost":"$23"}}`,
			`{"comment":"Selecting what I care about.","MyDetails":{"size":"small","exists":"in stock","StaticValue":"foo"}}`},
		// V5: InputPath selects a sub-object.
		{"V5 inputpath", machine1(`{"Type":"Pass","InputPath":"$.dataset2","End":true}`),
			`{"comment":"Example for InputPath.","dataset1":{"val1":1,"val2":2,"val3":3},"dataset2":{"val1":"a","val2":"b","val3":"c"}}`,
			`{"val1":"a","val2":"b","val3":"c"}`},
		// V5: an indefinite path (slice) gives an array.
		{"V5 slice", machine1(`{"Type":"Pass","InputPath":"$.a[0:2]","End":true}`), `{"a":[1,2,3,4]}`, `[1,2]`},
		// InputPath and OutputPath null give {}.
		{"null paths", machine1(`{"Type":"Pass","InputPath":null,"ResultPath":"$.x","Result":1,"OutputPath":"$","End":true}`), `{"a":1}`, `{"a":1,"x":1}`},
		// OutputPath null gives {}.
		{"null output", machine1(`{"Type":"Pass","OutputPath":null,"End":true}`), `{"a":1}`, `{}`},
		// ResultSelector shapes a task result before ResultPath.
		{"result selector", task("hello", `"ResultSelector":{"greeting.$":"$","n":1},"ResultPath":"$.r",`),
			`{"who":"X"}`, `{"who":"X","r":{"greeting":"Hello, X!","n":1}}`},
		// Empty execution input means {}.
		{"empty input", machine1(`{"Type":"Pass","Parameters":{"in.$":"$"},"End":true}`), ``, `{"in":{}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := run(t, tc.def, Options{Functions: functions}, tc.input)
			if err != nil {
				t.Fatal(err)
			}
			jsonEq(t, got, tc.want)
		})
	}
}

// TestV2ResultPathMatchFailure: a ResultPath into a string input.
func TestV2ResultPathMatchFailure(t *testing.T) {
	_, err := run(t, machine1(`{"Type":"Pass","Result":1,"ResultPath":"$.x","End":true}`), Options{}, `"foo"`)
	execErr(t, err, ErrResultPathMatchFailure, "S")
}

// TestV4CatchResultPath: the Error Output goes into the raw input.
func TestV4CatchResultPath(t *testing.T) {
	def := `{"StartAt":"T","States":{
		"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:f",
		     "Catch":[{"ErrorEquals":["States.ALL"],"Next":"NextTask","ResultPath":"$.error"}],"OutputPath":"$.never","End":true},
		"NextTask":{"Type":"Pass","End":true}}}`
	f := func(map[string]any) (any, error) {
		return nil, messages.InvokeResponse_Error{Type: "Error here", Message: "it broke"}
	}
	got, err := run(t, def, Options{Functions: fns(map[string]any{"f": f})}, `{"foo":"bar"}`)
	if err != nil {
		t.Fatal(err)
	}
	// OutputPath is not applied on the Catch route.
	jsonEq(t, got, `{"foo":"bar","error":{"Error":"Error here","Cause":"{\"errorMessage\":\"it broke\",\"errorType\":\"Error here\"}"}}`)
}

// TestMapVectors covers V6 (context object in Parameters) and V7
// (InputPath, ItemsPath, ItemSelector, ResultPath into the raw input).
func TestMapVectors(t *testing.T) {
	tests := []struct {
		name, def, input, want string
	}{
		// V6: deprecated Parameters + Iterator, $$.Map.Item.Index/Value.
		{"V6", machine1(`{"Type":"Map","Parameters":{"ContextIndex.$":"$$.Map.Item.Index","ContextValue.$":"$$.Map.Item.Value"},
			"Iterator":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}`),
			`[{"who":"bob"},{"who":"meg"},{"who":"joe"}]`,
			`[{"ContextIndex":0,"ContextValue":{"who":"bob"}},{"ContextIndex":1,"ContextValue":{"who":"meg"}},{"ContextIndex":2,"ContextValue":{"who":"joe"}}]`},
		// V7: the spec's shipping example.
		{"V7", machine1(`{"Type":"Map","InputPath":"$.detail","ItemsPath":"$.shipped",
			"ItemSelector":{"parcel.$":"$$.Map.Item.Value","courier.$":"$.delivery-partner"},
			"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},
			"ResultPath":"$.detail.shipped","End":true}`),
			`{"ship-date":"2016-03-14T01:59:00Z","detail":{"delivery-partner":"UQS","shipped":[
				{"prod":"R31","dest-code":9511,"quantity":1344},{"prod":"S39","dest-code":9511,"quantity":40}]}}`,
			`{"ship-date":"2016-03-14T01:59:00Z","detail":{"delivery-partner":"UQS","shipped":[
				{"parcel":{"prod":"R31","dest-code":9511,"quantity":1344},"courier":"UQS"},
				{"parcel":{"prod":"S39","dest-code":9511,"quantity":40},"courier":"UQS"}]}}`},
		// An empty array gives an empty result.
		{"empty", machine1(`{"Type":"Map","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}`), `[]`, `[]`},
		// DISTRIBUTED runs in-process; ResultSelector sees the results array.
		{"distributed", machine1(`{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
			"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"ResultSelector":{"n.$":"States.ArrayLength($)"},"End":true}`), `[1,2,3]`, `{"n":3}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := run(t, tc.def, Options{}, tc.input)
			if err != nil {
				t.Fatal(err)
			}
			jsonEq(t, got, tc.want)
		})
	}
}

// TestV8Parallel: branches get the same input; results in branch order.
func TestV8Parallel(t *testing.T) {
	def := machine1(`{"Type":"Parallel","Branches":[
		{"StartAt":"Add","States":{"Add":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:add","End":true}}},
		{"StartAt":"Subtract","States":{"Subtract":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:sub","End":true}}}],"End":true}`)
	functions := fns(map[string]any{
		"add": func(ctx context.Context, in []int) (int, error) { return in[0] + in[1], nil },
		"sub": func(ctx context.Context, in []int) (int, error) { return in[0] - in[1], nil },
	})
	got, err := run(t, def, Options{Functions: functions}, `[3,2]`)
	if err != nil {
		t.Fatal(err)
	}
	jsonEq(t, got, `[5,1]`)
}
