package sfnlocal

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// intrinsicDef runs one intrinsic in a Pass state's Parameters.
func intrinsicDef(expr string) string {
	b, _ := json.Marshal(expr)
	return machine1(`{"Type":"Pass","Parameters":{"r.$":` + string(b) + `},"OutputPath":"$.r","End":true}`)
}

func TestIntrinsics(t *testing.T) {
	tests := []struct {
		expr, input, want string
	}{
		// V9: Format with a path and a number.
		{`States.Format('Your name is {}, we are in the year {}', $.name, 2020)`, `{"name":"Foo"}`, `"Your name is Foo, we are in the year 2020"`},
		// V9: StringToJson.
		{`States.StringToJson($.someString)`, `{"someString":"{\"number\": 20}"}`, `{"number":20}`},
		// V9: JsonToString, compact.
		{`States.JsonToString($.someJson)`, `{"someJson":{"name":"Foo","year":2020}}`, `"{\"name\":\"Foo\",\"year\":2020}"`},
		// V9: Array of mixed arguments.
		{`States.Array('Foo', 2020, $.someJson, null)`, `{"someJson":{"random":"abcdefg"}}`, `["Foo",2020,{"random":"abcdefg"},null]`},
		// V9: ArrayPartition with a remainder chunk.
		{`States.ArrayPartition($.inputArray,4)`, `{"inputArray":[1,2,3,4,5,6,7,8,9]}`, `[[1,2,3,4],[5,6,7,8],[9]]`},
		// V9: ArrayRange with a step.
		{`States.ArrayRange(1, 9, 2)`, `{}`, `[1,3,5,7,9]`},
		// ArrayRange counting down.
		{`States.ArrayRange(3, 1, -1)`, `{}`, `[3,2,1]`},
		// V9: shallow JsonMerge, the second object wins.
		{`States.JsonMerge($.json1, $.json2, false)`, `{"json1":{"a":{"a1":1,"a2":2},"b":2},"json2":{"a":{"a3":1,"a4":2},"c":3}}`, `{"a":{"a3":1,"a4":2},"b":2,"c":3}`},
		// V9: Base64Encode.
		{`States.Base64Encode($.input)`, `{"input":"Data to encode"}`, `"RGF0YSB0byBlbmNvZGU="`},
		// V10: Base64Decode gives back the encoded text (the spec's example is wrong).
		{`States.Base64Decode($.input)`, `{"input":"RGF0YSB0byBlbmNvZGU="}`, `"Data to encode"`},
		// V9: StringSplit.
		{`States.StringSplit($.inputString, $.splitter)`, `{"inputString":"1,2,3,4,5","splitter":","}`, `["1","2","3","4","5"]`},
		// StringSplit splits on each delimiter character.
		{`States.StringSplit('This.is+a,test=string', '.+,=')`, `{}`, `["This","is","a","test","string"]`},
		// V10: SHA-1 has 40 hex digits (the spec prints 39).
		{`States.Hash('input data', 'SHA-1')`, `{}`, `"aaff4a450a104cd177d28d18d74485e8cae074b7"`},
		// MD5 of the same.
		{`States.Hash($.d, 'MD5')`, `{"d":"input data"}`, `"812f45842bc6d66ee14572ce20db8e86"`},
		// V12: MathAdd rounds like Java's Math.round.
		{`States.MathAdd($.fst, $.snd)`, `{"fst":-9,"snd":3}`, `-6`},
		{`States.MathAdd($.fst, $.snd)`, `{"fst":1.49,"snd":1.5}`, `3`},
		{`States.MathAdd($.fst, $.snd)`, `{"fst":1.5,"snd":1.51}`, `4`},
		{`States.MathAdd($.fst, $.snd)`, `{"fst":-1.49,"snd":-1.5}`, `-2`},
		// ArrayContains compares JSON values.
		{`States.ArrayContains($.a, $.v)`, `{"a":[1,{"x":2}],"v":{"x":2}}`, `true`},
		{`States.ArrayContains($.a, 3)`, `{"a":[1,2]}`, `false`},
		// ArrayGetItem, ArrayLength, ArrayUnique (first occurrence kept).
		{`States.ArrayGetItem($.a, 1)`, `{"a":["x","y"]}`, `"y"`},
		{`States.ArrayLength($.a)`, `{"a":[1,2,3]}`, `3`},
		{`States.ArrayUnique($.a)`, `{"a":[1,2,1,"1",{"k":1},{"k":1}]}`, `[1,2,"1",{"k":1}]`},
		// Escapes: \' \{ \} \\ in a literal; escaped braces are not placeholders.
		{`States.Format('it\'s \{{}\} \\ ok', $.v)`, `{"v":"x"}`, `"it's {x} \\ ok"`},
		// Nested calls.
		{`States.ArrayLength(States.StringSplit(States.Format('{}-{}', 'a', 'b'), '-'))`, `{}`, `2`},
		// A seeded MathRandom is in range and repeatable.
		{`States.Array(States.MathRandom(1, 10, 7), States.MathRandom(1, 10, 7))`, `{}`, ``},
		// A context path argument.
		{`States.Format('{}', $$.State.Name)`, `{}`, `"S"`},
		// Paths with brackets and commas inside quotes.
		{`States.Array($['a,b'], $.c[0])`, `{"a,b":1,"c":[2]}`, `[1,2]`},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			got, err := run(t, intrinsicDef(tc.expr), Options{}, tc.input)
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == "" { // seeded random: two equal numbers in [1, 10)
				var a []int
				if json.Unmarshal([]byte(got), &a) != nil || len(a) != 2 || a[0] != a[1] || a[0] < 1 || a[0] >= 10 {
					t.Fatalf("got %s", got)
				}
				return
			}
			jsonEq(t, got, tc.want)
		})
	}
}

// TestUUID: States.UUID gives a version 4 UUID.
func TestUUID(t *testing.T) {
	got, err := run(t, intrinsicDef(`States.UUID()`), Options{}, `{}`)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"$`).MatchString(got) {
		t.Fatalf("not a v4 UUID: %s", got)
	}
}

// TestIntrinsicFailures: runtime failures are States.IntrinsicFailure.
func TestIntrinsicFailures(t *testing.T) {
	tests := []struct {
		expr, input string
	}{
		{`States.Format('{} {}', 'one')`, `{}`},                                    // too few arguments
		{`States.Format('{}', 'a', 'b')`, `{}`},                                    // too many arguments
		{`States.StringToJson($.s)`, `{"s":"{not json"}`},                          // bad JSON
		{`States.ArrayRange(1, 2000, 1)`, `{}`},                                    // more than 1000 items
		{`States.ArrayRange(1, 5, 0)`, `{}`},                                       // step 0
		{`States.ArrayGetItem($.a, 5)`, `{"a":[1]}`},                               // out of range
		{`States.ArrayPartition($.a, 0)`, `{"a":[1]}`},                             // chunk size 0
		{`States.Hash('x', 'SHA-3')`, `{}`},                                        // unknown algorithm
		{`States.JsonMerge($.a, $.b, true)`, `{"a":{},"b":{}}`},                    // AWS merges shallowly only
		{`States.Base64Decode($.s)`, `{"s":"%%%"}`},                                // not base64
		{`States.ArrayLength($.s)`, `{"s":"x"}`},                                   // not an array
		{`States.MathAdd($.s, 1)`, `{"s":"x"}`},                                    // not a number
		{`States.Base64Encode($.s)`, `{"s":"` + strings.Repeat("a", 10001) + `"}`}, // too long
		{`States.Format('{}', $.missing)`, `{}`},                                   // path matches nothing
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			_, err := run(t, intrinsicDef(tc.expr), Options{}, tc.input)
			execErr(t, err, ErrIntrinsicFailure, "S")
		})
	}
}

// TestIntrinsicParseErrors: malformed calls are load errors.
func TestIntrinsicParseErrors(t *testing.T) {
	for _, expr := range []string{
		`States.Nope(1)`,              // unknown function
		`States.Format('a\x')`,        // lone backslash
		`States.Format('unterminated`, // no closing quote
		`States.ArrayLength()`,        // wrong arity
		`States.UUID() extra`,         // trailing text
		`States.Array(1 2)`,           // missing comma
	} {
		if p := Check([]byte(intrinsicDef(expr)), nil); len(p) == 0 {
			t.Errorf("%s: no problem reported", expr)
		}
	}
}
